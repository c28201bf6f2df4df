/*
 * medkeep's only doorway to cryptography (with the vault). Thin wrappers over libsodium,
 * shaped like it: 0 on success, -1 on failure, results that verify or decrypt must be checked.
 *
 * Stored ciphertexts use one envelope format: version byte 0x01, 24-byte nonce, then
 * XChaCha20-Poly1305-IETF ciphertext and tag. The associated data names what the ciphertext
 * is and whose (purpose, patient id, record id), so a ciphertext moved to another row fails.
 */
#ifndef MEDKEEP_CRYPTO_H
#define MEDKEEP_CRYPTO_H
#include <stddef.h>
#include <stdint.h>

#include "util/buf.h"
#include "util/id.h"

#define KEY_BYTES 32
#define HASH_BYTES 32
#define ENVELOPE_VERSION 0x01
#define TOKEN_BYTES 32
/* base64url without padding of TOKEN_BYTES */
#define TOKEN_B64_LEN 43

struct key {
	uint8_t b[KEY_BYTES];
};

#define MUST_CHECK __attribute__((warn_unused_result))

/* Initialise libsodium; aborts the process when it cannot. */
void crypto_setup(void);
void random_bytes(void *p, size_t n);
void random_id(struct id *out);
void key_random(struct key *k);
void key_wipe(struct key *k);

/* Bytes an envelope adds to a plaintext. */
size_t envelope_overhead(void);
/* Encrypt pt under key, binding ad; the envelope is appended to out. */
int envelope_seal(const struct key *key, const char *ad, const void *pt, size_t pt_len,
		  struct buf *out) MUST_CHECK;
/* Decrypt an envelope; plaintext appended to out. -1 on any tampering, wrong key or ad. */
int envelope_open(const struct key *key, const char *ad, const void *ct, size_t ct_len,
		  struct buf *out) MUST_CHECK;
/* Wrap and unwrap a key with another (an envelope around the 32 bytes). */
int key_wrap(const struct key *kek, const char *ad, const struct key *k, struct buf *out) MUST_CHECK;
int key_unwrap(const struct key *kek, const char *ad, const void *ct, size_t ct_len,
	       struct key *k) MUST_CHECK;
/* Derive a named 32-byte subkey of a key (for blind indexes and MACs). */
void key_derive(const struct key *master, uint64_t subkey_id, const char context[8], struct key *out);

/* Unkeyed BLAKE2b-256 over the concatenation of two parts (the audit chain, token hashes). */
void hash2(const void *a, size_t an, const void *b, size_t bn, uint8_t out[HASH_BYTES]);
/* RFC 7636 S256: whether base64url(SHA-256(verifier)) is challenge. The verifier must be 43 to
 * 128 characters of the unreserved set, as the RFC says. */
int pkce_s256_verify(const char *verifier, size_t n, const char *challenge) MUST_CHECK;
/* Constant-time comparison, 0 when equal. */
int ct_compare(const void *a, const void *b, size_t n);

/* Session and CSRF tokens: TOKEN_BYTES random, written as base64url (TOKEN_B64_LEN + NUL). */
void token_new(char out[TOKEN_B64_LEN + 1], uint8_t raw[TOKEN_BYTES]);
/* Decode a base64url token; -1 unless it is exactly TOKEN_BYTES. */
int token_decode(const char *s, size_t n, uint8_t raw[TOKEN_BYTES]) MUST_CHECK;

/* Standard base64 decode (RFC 4648, padding required, no whitespace) into out. */
int base64_decode(const char *s, size_t n, struct buf *out) MUST_CHECK;
void base64_encode(const void *p, size_t n, struct buf *out);
/* The same, for encapsulated data that a sender may have broken into lines (HL7 v2 ED): CR
 * and LF between the characters are ignored; anything else outside the alphabet, bad padding
 * or nothing decoded is refused (-1, out as it was). */
int base64_decode_lines(const char *s, size_t n, struct buf *out) MUST_CHECK;

/* RFC 6238 TOTP: HMAC-SHA1 (OpenSSL) of the 8-byte big-endian step, dynamic truncation,
 * `digits` decimal digits. */
uint32_t totp_code(const uint8_t *secret, size_t n, uint64_t step, int digits);

/* Argon2id password hashing (libsodium's str format, OWASP-level parameters). */
#define PWHASH_STR_BYTES 128
int password_hash(const char *pw, size_t n, char out[PWHASH_STR_BYTES]) MUST_CHECK;
int password_verify(const char *hash, const char *pw, size_t n) MUST_CHECK;
/* 0 when hash is an Argon2id string with exactly our parameters. */
int password_hash_params_ok(const char *hash) MUST_CHECK;

#endif
