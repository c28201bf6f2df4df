/*
 * libFuzzer harness: the JWS and JWK checks of practice systems (src/crypto/jws.c). The input
 * is a key set (JSON) up to the first '\n', then a compact JWS. Properties: nothing crashes or
 * leaks; what jws_verify accepts has a claims object and nothing else does (it checks only the
 * key the header names: a registered set has passed jwks_check whole); b64url_decode's output
 * re-encodes to its input (strict: one text per bytes).
 */
#define FUZZ_CRYPTO_JSON
#include "../harness.h"

#include <sodium.h>

#include "crypto/jws.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s = fuzz_copy(data, size);
	if (s == NULL)
		return 0;
	const uint8_t *nl = memchr(data, '\n', size);
	size_t jwks_len = nl ? (size_t)(nl - data) : size;
	const char *jws = s + jwks_len + (nl ? 1 : 0);
	size_t jws_len = size - jwks_len - (nl ? 1 : 0);
	const char *why = NULL;
	int keys_ok = jwks_check(s, jwks_len, &why);
	if (keys_ok != 0 && why == NULL)
		abort();
	json_t *peek = jws_peek_claims(jws, jws_len);
	if (peek != NULL && !json_is_object(peek))
		abort();
	json_decref(peek);
	json_t *claims = NULL;
	int v = jws_verify(jws, jws_len, s, jwks_len, &claims, &why);
	if (v == 0 && !json_is_object(claims))
		abort();
	if (v != 0 && claims != NULL)
		abort();
	json_decref(claims);
	/* Strict base64url: what decodes re-encodes to exactly the same text. */
	uint8_t out[4096];
	size_t n = 0;
	if (b64url_decode(jws, jws_len, out, sizeof(out), &n) == 0) {
		char back[4096 / 3 * 4 + 8];
		if (n > sizeof(out) || sodium_base64_ENCODED_LEN(n, sodium_base64_VARIANT_URLSAFE_NO_PADDING) > sizeof(back))
			abort();
		sodium_bin2base64(back, sizeof(back), out, n, sodium_base64_VARIANT_URLSAFE_NO_PADDING);
		if (strlen(back) != jws_len || memcmp(back, jws, jws_len) != 0)
			abort();
	}
	free(s);
	return 0;
}
