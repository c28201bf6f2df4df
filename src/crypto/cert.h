/*
 * X.509 certificates of the systems that connect to medkeep (docs/internals/FEEDS.md): a
 * sender is known by the SHA-256 of its certificate's DER encoding, the fingerprint a TLS
 * listener computes from the client certificate it is shown.
 */
#ifndef MEDKEEP_CRYPTO_CERT_H
#define MEDKEEP_CRYPTO_CERT_H
#include <stddef.h>
#include <stdint.h>

#include "crypto/crypto.h"

#define CERT_SHA256_BYTES 32

/* The GnuTLS priority string of every TLS listener (HTTP and MLLP): TLS 1.2 and 1.3 only,
 * AEAD ciphers, forward secrecy (the stack notes: testssl.sh comes out clean with it). */
#define TLS_PRIORITIES                                                                           \
	"NORMAL:-VERS-ALL:+VERS-TLS1.3:+VERS-TLS1.2:-CIPHER-ALL:+AES-256-GCM:+AES-128-GCM:"     \
	"+CHACHA20-POLY1305:-RSA:-DHE-RSA:%SERVER_PRECEDENCE"

/* The SHA-256 of the DER of the first certificate in the PEM file at path. 0, or -1 when the
 * file cannot be read or holds no well-formed certificate (a key alone, say). */
int cert_pem_sha256(const char *path, uint8_t out[CERT_SHA256_BYTES]) MUST_CHECK;

/* The SHA-256 of a certificate's DER encoding (der, len bytes), as a TLS listener computes it
 * from the certificate a client shows. 0, or -1 when it cannot be computed. */
int cert_der_sha256(const void *der, size_t len, uint8_t out[CERT_SHA256_BYTES]) MUST_CHECK;

#endif
