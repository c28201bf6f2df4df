#include "crypto/crypto.h"

#include <openssl/hmac.h>
#include <sodium.h>
#include <stdlib.h>
#include <string.h>

#include "util/log.h"
#include "util/wipe.h"

/* OWASP (2023) lists Argon2id m=19 MiB, t=2, p=1 as a minimum; we use 64 MiB, t=2
 * (libsodium's INTERACTIVE), three times the memory. */
#define PW_OPSLIMIT crypto_pwhash_OPSLIMIT_INTERACTIVE
#define PW_MEMLIMIT crypto_pwhash_MEMLIMIT_INTERACTIVE

#define NONCE_BYTES crypto_aead_xchacha20poly1305_ietf_NPUBBYTES
#define TAG_BYTES crypto_aead_xchacha20poly1305_ietf_ABYTES

void crypto_setup(void)
{
	if (sodium_init() < 0)
		fatalx("libsodium could not be initialised");
	/* OpenSSL (HMAC-SHA1 for TOTP) loads its configuration on first use: do it now, before
	 * a process installs a syscall filter that would forbid opening files. */
	uint8_t key[20] = {0};
	(void)totp_code(key, sizeof(key), 0, 6);
}

void random_bytes(void *p, size_t n)
{
	randombytes_buf(p, n);
}

void random_id(struct id *out)
{
	randombytes_buf(out->b, sizeof(out->b));
}

void key_random(struct key *k)
{
	crypto_aead_xchacha20poly1305_ietf_keygen(k->b);
}

void key_wipe(struct key *k)
{
	wipe(k->b, sizeof(k->b));
}

size_t envelope_overhead(void)
{
	return 1 + NONCE_BYTES + TAG_BYTES;
}

int envelope_seal(const struct key *key, const char *ad, const void *pt, size_t pt_len,
		  struct buf *out)
{
	size_t total = envelope_overhead() + pt_len;
	if (total < pt_len)
		return -1;
	size_t start = out->len;
	uint8_t head[1 + NONCE_BYTES];
	head[0] = ENVELOPE_VERSION;
	randombytes_buf(head + 1, NONCE_BYTES);
	buf_append(out, head, sizeof(head));
	/* grow to full size, then encrypt in place */
	size_t body = pt_len + TAG_BYTES;
	size_t before = out->len;
	for (size_t chunk, left = body; left > 0 && !out->failed; left -= chunk) {
		static const uint8_t zeros[4096];
		chunk = left < sizeof(zeros) ? left : sizeof(zeros);
		buf_append(out, zeros, chunk);
	}
	if (out->failed)
		return -1;
	unsigned long long clen = 0;
	crypto_aead_xchacha20poly1305_ietf_encrypt((uint8_t *)out->data + before, &clen, pt, pt_len,
						   (const uint8_t *)ad, strlen(ad), NULL, head + 1,
						   key->b);
	(void)start;
	return clen == body ? 0 : -1;
}

int envelope_open(const struct key *key, const char *ad, const void *ct, size_t ct_len,
		  struct buf *out)
{
	const uint8_t *c = ct;
	if (ct_len < envelope_overhead() || c[0] != ENVELOPE_VERSION)
		return -1;
	size_t pt_len = ct_len - envelope_overhead();
	size_t before = out->len;
	for (size_t chunk, left = pt_len; left > 0 && !out->failed; left -= chunk) {
		static const uint8_t zeros[4096];
		chunk = left < sizeof(zeros) ? left : sizeof(zeros);
		buf_append(out, zeros, chunk);
	}
	if (out->failed)
		return -1;
	if (pt_len == 0 && buf_cstr(out) == NULL)
		return -1;
	unsigned long long mlen = 0;
	if (crypto_aead_xchacha20poly1305_ietf_decrypt((uint8_t *)out->data + before, &mlen, NULL,
						       c + 1 + NONCE_BYTES, ct_len - 1 - NONCE_BYTES,
						       (const uint8_t *)ad, strlen(ad), c + 1,
						       key->b) != 0) {
		wipe(out->data + before, pt_len);
		out->len = before;
		return -1;
	}
	return 0;
}

int key_wrap(const struct key *kek, const char *ad, const struct key *k, struct buf *out)
{
	return envelope_seal(kek, ad, k->b, sizeof(k->b), out);
}

int key_unwrap(const struct key *kek, const char *ad, const void *ct, size_t ct_len, struct key *k)
{
	if (ct_len != envelope_overhead() + KEY_BYTES || ((const uint8_t *)ct)[0] != ENVELOPE_VERSION)
		return -1;
	const uint8_t *c = ct;
	unsigned long long mlen = 0;
	if (crypto_aead_xchacha20poly1305_ietf_decrypt(k->b, &mlen, NULL, c + 1 + NONCE_BYTES,
						       ct_len - 1 - NONCE_BYTES, (const uint8_t *)ad,
						       strlen(ad), c + 1, kek->b) != 0) {
		wipe(k->b, sizeof(k->b));
		return -1;
	}
	return 0;
}

void key_derive(const struct key *master, uint64_t subkey_id, const char context[8], struct key *out)
{
	crypto_kdf_derive_from_key(out->b, sizeof(out->b), subkey_id, context, master->b);
}

void hash2(const void *a, size_t an, const void *b, size_t bn, uint8_t out[HASH_BYTES])
{
	crypto_generichash_state st;
	crypto_generichash_init(&st, NULL, 0, HASH_BYTES);
	crypto_generichash_update(&st, a, an);
	crypto_generichash_update(&st, b, bn);
	crypto_generichash_final(&st, out, HASH_BYTES);
}

int pkce_s256_verify(const char *verifier, size_t n, const char *challenge)
{
	if (verifier == NULL || challenge == NULL || n < 43 || n > 128 || strlen(challenge) != 43)
		return -1;
	for (size_t i = 0; i < n; i++) {
		char c = verifier[i];
		if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
		      c == '-' || c == '.' || c == '_' || c == '~'))
			return -1;
	}
	uint8_t digest[crypto_hash_sha256_BYTES];
	crypto_hash_sha256(digest, (const uint8_t *)verifier, n);
	char b64[sodium_base64_ENCODED_LEN(crypto_hash_sha256_BYTES,
					   sodium_base64_VARIANT_URLSAFE_NO_PADDING)];
	sodium_bin2base64(b64, sizeof(b64), digest, sizeof(digest),
			  sodium_base64_VARIANT_URLSAFE_NO_PADDING);
	return strlen(b64) == 43 && sodium_memcmp(b64, challenge, 43) == 0 ? 0 : -1;
}

int ct_compare(const void *a, const void *b, size_t n)
{
	return sodium_memcmp(a, b, n);
}

void token_new(char out[TOKEN_B64_LEN + 1], uint8_t raw[TOKEN_BYTES])
{
	randombytes_buf(raw, TOKEN_BYTES);
	sodium_bin2base64(out, TOKEN_B64_LEN + 1, raw, TOKEN_BYTES,
			  sodium_base64_VARIANT_URLSAFE_NO_PADDING);
}

int token_decode(const char *s, size_t n, uint8_t raw[TOKEN_BYTES])
{
	size_t bin_len = 0;
	const char *end = NULL;
	if (n != TOKEN_B64_LEN)
		return -1;
	if (sodium_base642bin(raw, TOKEN_BYTES, s, n, NULL, &bin_len, &end,
			      sodium_base64_VARIANT_URLSAFE_NO_PADDING) != 0)
		return -1;
	return (bin_len == TOKEN_BYTES && end == s + n) ? 0 : -1;
}

/* Decode standard Base64 (padding required) appended to out, skipping the characters of
 * `ignore` (NULL: none). */
static int decode_b64(const char *s, size_t n, const char *ignore, struct buf *out)
{
	size_t max = n / 4 * 3; /* ignored characters only make it shorter */
	size_t before = out->len;
	for (size_t chunk, left = max; left > 0 && !out->failed; left -= chunk) {
		static const uint8_t zeros[4096];
		chunk = left < sizeof(zeros) ? left : sizeof(zeros);
		buf_append(out, zeros, chunk);
	}
	if (out->failed)
		return -1;
	size_t bin_len = 0;
	const char *end = NULL;
	if (sodium_base642bin((uint8_t *)out->data + before, max, s, n, ignore, &bin_len, &end,
			      sodium_base64_VARIANT_ORIGINAL) != 0 ||
	    end != s + n) {
		out->len = before;
		return -1;
	}
	out->len = before + bin_len;
	return 0;
}

int base64_decode(const char *s, size_t n, struct buf *out)
{
	if (n % 4 != 0)
		return -1;
	if (n == 0)
		return 0; /* nothing to decode; out->data may still be NULL */
	return decode_b64(s, n, NULL, out);
}

int base64_decode_lines(const char *s, size_t n, struct buf *out)
{
	size_t before = out->len;
	if (n == 0 || decode_b64(s, n, "\r\n", out) != 0)
		return -1;
	if (out->len == before)
		return -1;
	return 0;
}

void base64_encode(const void *p, size_t n, struct buf *out)
{
	size_t enc = sodium_base64_encoded_len(n, sodium_base64_VARIANT_ORIGINAL);
	char *tmp = arena_alloc(out->arena, enc);
	if (tmp == NULL) {
		out->failed = true;
		return;
	}
	sodium_bin2base64(tmp, enc, p, n, sodium_base64_VARIANT_ORIGINAL);
	buf_append(out, tmp, enc - 1);
}

int password_hash(const char *pw, size_t n, char out[PWHASH_STR_BYTES])
{
	_Static_assert(PWHASH_STR_BYTES == crypto_pwhash_STRBYTES, "pwhash size");
	return crypto_pwhash_str_alg(out, pw, n, PW_OPSLIMIT, PW_MEMLIMIT,
				     crypto_pwhash_ALG_ARGON2ID13);
}

int password_verify(const char *hash, const char *pw, size_t n)
{
	return crypto_pwhash_str_verify(hash, pw, n);
}

int password_hash_params_ok(const char *hash)
{
	if (strncmp(hash, "$argon2id$", 10) != 0)
		return -1;
	return crypto_pwhash_str_needs_rehash(hash, PW_OPSLIMIT, PW_MEMLIMIT) == 0 ? 0 : -1;
}

uint32_t totp_code(const uint8_t *secret, size_t n, uint64_t step, int digits)
{
	uint8_t msg[8], mac[EVP_MAX_MD_SIZE];
	unsigned int mac_len = 0;
	for (int i = 7; i >= 0; i--) {
		msg[i] = (uint8_t)(step & 0xff);
		step >>= 8;
	}
	if (HMAC(EVP_sha1(), secret, (int)n, msg, sizeof(msg), mac, &mac_len) == NULL || mac_len < 20)
		return UINT32_MAX; /* matches no code */
	unsigned off = mac[mac_len - 1] & 0x0f;
	uint32_t bin = ((uint32_t)(mac[off] & 0x7f) << 24) | ((uint32_t)mac[off + 1] << 16) |
		       ((uint32_t)mac[off + 2] << 8) | mac[off + 3];
	uint32_t mod = 1;
	for (int i = 0; i < digits; i++)
		mod *= 10;
	wipe(mac, sizeof(mac));
	return bin % mod;
}
