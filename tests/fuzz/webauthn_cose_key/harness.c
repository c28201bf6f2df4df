/*
 * libFuzzer harness: a COSE_Key (CBOR, the passkey's public key inside authenticatorData).
 * Properties: no crash or over-read; an accepted key is ES256 with a 65-byte uncompressed
 * point or EdDSA with 32 bytes, and a refused one leaves the key empty.
 */
#include "../harness.h"

#include "crypto/webauthn.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint8_t *copy = fuzz_copy(data, size);
	if (copy == NULL)
		return 0;
	struct webauthn_key k;
	int rc = webauthn_parse_cose_key(copy, size, &k);
	if (rc == WA_OK) {
		if (!((k.alg == WEBAUTHN_ES256 && k.pub_len == 65 && k.pub[0] == 0x04) ||
		      (k.alg == WEBAUTHN_EDDSA && k.pub_len == 32)))
			abort();
		/* a key that parsed can be handed to the verifier (whose answer on a zero
		 * signature is not a property: a small-order Ed25519 key can accept it) */
		uint8_t sig[64] = {0};
		(void)webauthn_verify_signature(&k, copy, size, sig, sizeof(sig));
	} else if (k.pub_len != 0 || k.alg != 0) {
		abort();
	}
	free(copy);
	return 0;
}
