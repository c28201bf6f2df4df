/*
 * X.509 certificates of the systems that connect to medkeep (docs/internals/FEEDS.md): a
 * sender is known by the SHA-256 of its certificate's DER encoding, the fingerprint a TLS
 * listener computes from the client certificate it is shown.
 */
#ifndef MEDKEEP_CRYPTO_CERT_H
#define MEDKEEP_CRYPTO_CERT_H
#include <stdint.h>

#include "crypto/crypto.h"

#define CERT_SHA256_BYTES 32

/* The SHA-256 of the DER of the first certificate in the PEM file at path. 0, or -1 when the
 * file cannot be read or holds no well-formed certificate (a key alone, say). */
int cert_pem_sha256(const char *path, uint8_t out[CERT_SHA256_BYTES]) MUST_CHECK;

#endif
