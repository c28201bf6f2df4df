/*
 * libFuzzer harness: audit_checkpoints_parse over an exported checkpoint file (JSON from a
 * third party's hands). Properties: on failure a reason is given and nothing is returned; on
 * success every checkpoint is returned, and checking them against an empty trail never
 * succeeds unless there are none.
 */
#define FUZZ_CRYPTO_JSON
#include "../harness.h"

#include "audit/audit.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint8_t pk[SIGN_PUBLIC_BYTES];
	struct audit_checkpoint *cps = NULL;
	size_t n = 99;
	const char *why = NULL;
	if (audit_checkpoints_parse((const char *)data, size, pk, &cps, &n, &why) != 0) {
		if (why == NULL || cps != NULL || n != 0)
			abort();
		return 0;
	}
	if (cps == NULL)
		abort();
	/* No trail (trail_last 0): any checkpoint fails (order, key, signature or "deleted"),
	 * and the store is never reached. */
	struct audit_checkpoint_result r;
	int rc = audit_verify_checkpoints(pk, cps, n, 0, &r, NULL);
	if ((n == 0 && rc != 0) || (n > 0 && rc != 1))
		abort();
	free(cps);
	return 0;
}
