/*
 * libFuzzer harness: WebAuthn clientDataJSON (JSON from the browser). Properties: no crash or
 * over-read; on success the strings are NUL-terminated within their buffers and the challenge
 * fits; a challenge the parser accepts decodes the same way twice.
 */
#include "../harness.h"

#include "crypto/webauthn.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint8_t *copy = fuzz_copy(data, size);
	if (copy == NULL)
		return 0;
	struct webauthn_client_data cd, again;
	if (webauthn_parse_client_data(copy, size, &cd) == WA_OK) {
		if (memchr(cd.type, '\0', sizeof(cd.type)) == NULL ||
		    memchr(cd.origin, '\0', sizeof(cd.origin)) == NULL ||
		    cd.challenge_len > WEBAUTHN_CHALLENGE_BYTES)
			abort();
		if (webauthn_parse_client_data(copy, size, &again) != WA_OK ||
		    again.challenge_len != cd.challenge_len ||
		    memcmp(again.challenge, cd.challenge, cd.challenge_len) != 0)
			abort();
	}
	free(copy);
	return 0;
}
