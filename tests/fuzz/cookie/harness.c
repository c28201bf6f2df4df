/*
 * libFuzzer harness: cookie_find over a Cookie header value (untrusted, from the client).
 * The input is the header value itself. Properties: a found value lies inside the header,
 * holds no ';' and has no trailing space; a name that is found is found the same way twice.
 * The device cookie's value is then read as the login reads it (token_decode): it decodes only
 * when it is exactly TOKEN_B64_LEN base64url characters, and decodes the same way twice.
 */
#include "../harness.h"

#include "crypto/crypto.h"
#include "http/parse.h"

static const char *const names[] = {"__Host-medkeep", "__Host-medkeep-login", "__Host-medkeep-device", "a",
				    "="};

static void check(const char *h, size_t len, const char *name)
{
	struct slice v = {0};
	if (cookie_find(h, len, name, &v) != 0)
		return;
	if (v.ptr < h || v.ptr > h + len || v.len > (size_t)(h + len - v.ptr))
		abort();
	if (memchr(v.ptr, ';', v.len) != NULL)
		abort();
	if (v.len > 0 && v.ptr[v.len - 1] == ' ')
		abort();
	struct slice again = {0};
	if (cookie_find(h, len, name, &again) != 0 || again.ptr != v.ptr || again.len != v.len)
		abort();
	uint8_t raw[TOKEN_BYTES], raw2[TOKEN_BYTES];
	if (token_decode(v.ptr, v.len, raw) == 0) {
		if (v.len != TOKEN_B64_LEN || token_decode(v.ptr, v.len, raw2) != 0 ||
		    memcmp(raw, raw2, sizeof(raw)) != 0)
			abort();
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	/* An exact-size copy so ASan catches any read past len. */
	char *h = fuzz_copy(data, size);
	if (h == NULL)
		return 0;
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		check(h, size, names[i]);
	free(h);
	return 0;
}
