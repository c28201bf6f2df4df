/*
 * libFuzzer harness: the vault's request handler (vault_handle), fed whole frames as a
 * compromised worker could send them. Properties: it never crashes, reads no further than the
 * frame, answers only well-formed frames, and every answer is itself a well-formed frame of at
 * most MSG_MAX bytes. The vault runs with a fresh master key and tokens required.
 */
#include "../harness.h"

#include <stdio.h>

#include "crypto/crypto.h"
#include "proc/msg.h"
#include "util/log.h"
#include "vault/vault.h"
#include "vault/vault_int.h"

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	crypto_setup();
	log_set_quiet(1);
	char dir[] = "/tmp/medkeep-fuzz-vault-XXXXXX";
	if (mkdtemp(dir) == NULL || vault_create(dir) != 0 || vault_load(dir) != 0 ||
	    vault_local_require_tokens(dir) != 0)
		abort();
	static const struct webauthn_rp rp = {"http://localhost:38667", "localhost", false};
	vault_passkey_configure(&rp);
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static uint8_t out[MSG_MAX];
	if (size > MSG_MAX)
		return 0;
	uint8_t *frame = fuzz_copy(data, size); /* exact size: ASan sees any over-read */
	if (frame == NULL)
		return 0;
	size_t out_len = 0;
	if (vault_handle(frame, size, out, &out_len) == 0) {
		struct msg_reader r;
		uint8_t status;
		if (out_len == 0 || out_len > MSG_MAX || msg_open(&r, out, out_len, &status) != 0 ||
		    status > ERR_TRIPPED)
			abort();
	} else if (out_len != 0) {
		abort();
	}
	free(frame);
	return 0;
}
