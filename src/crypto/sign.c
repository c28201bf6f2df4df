#include "crypto/sign.h"

#include <sodium.h>
#include <stdlib.h>
#include <string.h>

_Static_assert(SIGN_PUBLIC_BYTES == crypto_sign_PUBLICKEYBYTES, "ed25519 public key size");
_Static_assert(SIGN_SECRET_BYTES == crypto_sign_SECRETKEYBYTES, "ed25519 secret key size");
_Static_assert(SIGN_SEED_BYTES == crypto_sign_SEEDBYTES, "ed25519 seed size");
_Static_assert(SIGNATURE_BYTES == crypto_sign_BYTES, "ed25519 signature size");

void sign_keypair_from_seed(const uint8_t seed[SIGN_SEED_BYTES], uint8_t pk[SIGN_PUBLIC_BYTES],
			    uint8_t sk[SIGN_SECRET_BYTES])
{
	crypto_sign_seed_keypair(pk, sk, seed);
}

void sign_detached(const uint8_t sk[SIGN_SECRET_BYTES], const void *msg, size_t n,
		   uint8_t sig[SIGNATURE_BYTES])
{
	crypto_sign_detached(sig, NULL, msg, n, sk);
}

int sign_verify(const uint8_t pk[SIGN_PUBLIC_BYTES], const void *msg, size_t n,
		const uint8_t sig[SIGNATURE_BYTES])
{
	return crypto_sign_verify_detached(sig, msg, n, pk) == 0 ? 0 : -1;
}

static void put_be64(uint8_t *p, int64_t v)
{
	uint64_t u = (uint64_t)v;
	for (int i = 7; i >= 0; i--) {
		p[i] = (uint8_t)(u & 0xff);
		u >>= 8;
	}
}

void checkpoint_message(int64_t seq, int64_t ts_ms, const uint8_t head[HASH_BYTES],
			uint8_t out[CHECKPOINT_MSG_BYTES])
{
	memcpy(out, CHECKPOINT_LABEL, sizeof(CHECKPOINT_LABEL));
	put_be64(out + sizeof(CHECKPOINT_LABEL), seq);
	put_be64(out + sizeof(CHECKPOINT_LABEL) + 8, ts_ms);
	memcpy(out + sizeof(CHECKPOINT_LABEL) + 16, head, HASH_BYTES);
}

void key_id_of(const void *key, size_t n, const char *purpose, uint8_t out[KEY_ID_BYTES])
{
	/* The key is BLAKE2b's key and the purpose its message: a keyed hash is one-way in the
	 * key, so publishing the id (in a table, a file, a log) reveals nothing about it. */
	if (n < crypto_generichash_KEYBYTES_MIN || n > crypto_generichash_KEYBYTES_MAX)
		abort();
	crypto_generichash(out, KEY_ID_BYTES, (const uint8_t *)purpose, strlen(purpose), key, n);
}

void key_id_hex(const uint8_t id[KEY_ID_BYTES], char out[KEY_ID_HEX_LEN + 1])
{
	sodium_bin2hex(out, KEY_ID_HEX_LEN + 1, id, KEY_ID_BYTES);
}

int key_id_parse(const char *s, uint8_t out[KEY_ID_BYTES])
{
	return bytes_unhex(s, out, KEY_ID_BYTES);
}

void bytes_hex(const void *p, size_t n, char *out)
{
	sodium_bin2hex(out, 2 * n + 1, p, n);
}

int bytes_unhex(const char *s, uint8_t *out, size_t n)
{
	size_t len = 0;
	const char *end = NULL;
	if (s == NULL || strlen(s) != 2 * n)
		return -1;
	if (sodium_hex2bin(out, n, s, 2 * n, NULL, &len, &end) != 0 || len != n || end != s + 2 * n)
		return -1;
	return 0;
}
