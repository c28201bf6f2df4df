/*
 * libFuzzer harness: WebAuthn authenticatorData (binary, from the authenticator through the
 * browser). Properties: no crash or over-read; what it points at (credential id, COSE key)
 * lies inside the input; a credential is there exactly when the AT flag says so; and the COSE
 * key it finds goes through the COSE parser.
 */
#include "../harness.h"

#include "crypto/webauthn.h"

static bool inside(const uint8_t *p, size_t n, const uint8_t *base, size_t size)
{
	return p >= base && n <= size && (size_t)(p - base) <= size - n;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint8_t *copy = fuzz_copy(data, size);
	if (copy == NULL)
		return 0;
	struct webauthn_auth_data ad;
	if (webauthn_parse_auth_data(copy, size, &ad) == WA_OK) {
		bool at = (ad.flags & WEBAUTHN_FLAG_AT) != 0;
		if (size < 37 || size > WEBAUTHN_AUTH_DATA_MAX || at != (ad.cred_id != NULL))
			abort();
		if (at) {
			if (!inside(ad.cred_id, ad.cred_id_len, copy, size) ||
			    !inside(ad.cose_key, ad.cose_key_len, copy, size) || ad.cred_id_len == 0 ||
			    ad.cred_id_len > WEBAUTHN_CRED_ID_MAX)
				abort();
			struct webauthn_key k;
			(void)webauthn_parse_cose_key(ad.cose_key, ad.cose_key_len, &k);
		}
	}
	free(copy);
	return 0;
}
