/*
 * JSON Web Signatures (RFC 7515, compact form) and JSON Web Keys (RFC 7517) as SMART Backend
 * Services uses them: a practice system signs a short-lived assertion with its private key and
 * the portal checks it against the public keys registered for it (docs/internals/SYSTEMS.md).
 *
 * Only asymmetric algorithms, and only two: ES384 (EC P-384, raw r||s signatures) and EdDSA
 * (Ed25519). "none", HMAC (HS*) and RSA (RS*, PS*) are refused, so no shared secret is ever a
 * credential. A registered key set holds public keys only: a JWK with any private member is
 * refused outright. Base64url is parsed strictly (no padding, no whitespace, canonical final
 * bits). Everything here reads outside input; lengths are checked before use.
 */
#ifndef MEDKEEP_CRYPTO_JWS_H
#define MEDKEEP_CRYPTO_JWS_H
#include <jansson.h>
#include <stddef.h>

#include "crypto/crypto.h"

#include "limits.h"

/* The limits (with their reasons) are in limits.h. */
#define JWS_MAX_BYTES LIMIT_JWS_BYTES
#define JWKS_MAX_BYTES LIMIT_JWKS_BYTES
#define JWKS_MAX_KEYS LIMIT_JWKS_KEYS
#define JWK_KID_MAX LIMIT_JWK_KID

enum jws_alg { JWS_ALG_ES384 = 1, JWS_ALG_EDDSA = 2 };

/* Check a key set as registered: a JSON object {"keys": [...]} of 1..JWKS_MAX_KEYS keys, each
 * kty EC crv P-384 (x, y of 48 bytes, a point on the curve) or kty OKP crv Ed25519 (x of 32
 * bytes), each with a kid (1..JWK_KID_MAX printable characters, unique in the set), an "alg"
 * when present that agrees (ES384, EdDSA), a "use" when present of "sig", and no private member
 * (d, p, q, dp, dq, qi, oth, k). 0 when fit; -1 with *why (a static phrase) otherwise. */
int jwks_check(const char *json, size_t len, const char **why) MUST_CHECK;

/* The claims of a compact JWS, NOT verified: for finding whose key set to verify it with.
 * A JSON object (the caller decrefs), or NULL when the JWS is not well formed. */
json_t *jws_peek_claims(const char *compact, size_t len);

/* Verify a compact JWS (header.payload.signature) against a registered key set (as
 * jwks_check accepts): the header's alg is ES384 or EdDSA, its kid names a key of the set of
 * the same type, and the signature over "header.payload" is that key's. On success 0 and
 * *claims the payload object (the caller decrefs); otherwise -1 with *why. */
int jws_verify(const char *compact, size_t len, const char *jwks, size_t jwks_len, json_t **claims,
	       const char **why) MUST_CHECK;

/* Strict base64url without padding into out (at most max bytes): 0, or -1 for anything else. */
int b64url_decode(const char *s, size_t n, uint8_t *out, size_t max, size_t *out_len) MUST_CHECK;

#endif
