/*
 * libFuzzer harness: a WebAuthn attestation object (CBOR, from the browser at registration),
 * through the whole registration check with a fixed, valid clientDataJSON. Properties: no
 * crash or over-read; an accepted credential has an id within limits and a key of its
 * algorithm's size; a refusal leaves the credential empty.
 */
#include "../harness.h"

#include "crypto/webauthn.h"

static const char client_data[] =
	"{\"type\":\"webauthn.create\",\"challenge\":\"WlpaWlpaWlpaWlpaWlpaWlpaWlpaWlpaWlpaWlpaWlo\","
	"\"origin\":\"http://localhost:8080\",\"crossOrigin\":false}";

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const struct webauthn_rp rp = {"http://localhost:8080", "localhost", false};
	static struct webauthn_credential cred;
	uint8_t challenge[WEBAUTHN_CHALLENGE_BYTES];
	uint8_t *copy = fuzz_copy(data, size); /* exact size: ASan sees any over-read */
	if (copy == NULL)
		return 0;
	int rc = webauthn_check_registration(&rp, (const uint8_t *)client_data, strlen(client_data),
					     copy, size, &cred, challenge);
	if (rc == WA_OK) {
		if (cred.id_len == 0 || cred.id_len > WEBAUTHN_CRED_ID_MAX ||
		    !((cred.key.alg == WEBAUTHN_ES256 && cred.key.pub_len == 65) ||
		      (cred.key.alg == WEBAUTHN_EDDSA && cred.key.pub_len == 32)))
			abort();
	} else if (cred.id_len != 0 || cred.key.pub_len != 0) {
		abort();
	}
	struct webauthn_attestation *att = malloc(sizeof(*att));
	if (att && webauthn_parse_attestation(copy, size, att) == WA_OK &&
	    (att->auth_data_len > WEBAUTHN_AUTH_DATA_MAX || att->att_sig_len > WEBAUTHN_SIG_MAX))
		abort();
	free(att);
	free(copy);
	return 0;
}
