/*
 * Public keys from outside (a passkey's COSE key, a practice system's JWK) as OpenSSL keys, for
 * EVP_DigestVerify. Shared by webauthn.c and jws.c; only src/crypto includes this header.
 */
#ifndef MEDKEEP_CRYPTO_EVP_KEY_H
#define MEDKEEP_CRYPTO_EVP_KEY_H
#include <openssl/evp.h>
#include <stddef.h>
#include <stdint.h>

/* An EC public key on the named group ("prime256v1", "secp384r1") from its uncompressed point
 * (0x04 || x || y), checked to be on the curve; NULL otherwise. The caller frees it. */
EVP_PKEY *evp_ec_public_key(const char *group, const uint8_t *point, size_t len);

#endif
