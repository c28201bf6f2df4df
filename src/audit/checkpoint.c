/*
 * Verifying signed audit checkpoints against the trail (see audit.h). The trail's own chain
 * walk (audit_verify) proves each stored record hash is the hash of that record and of all
 * before it; a checkpoint then proves, under a key the verifier trusts, that the trail once
 * reached seq with exactly that hash. Together: nothing up to the newest checkpoint was
 * changed, reordered or deleted, including at the end.
 */
#include <string.h>

#include "audit/audit.h"
#include "crypto/sign.h"
#include "store/store.h"
#include "vault/vault.h"

struct cp_ctx {
	const uint8_t *pk;
	uint8_t kid[KEY_ID_BYTES];
	int64_t trail_last;
	int64_t prev_seq;
	struct audit_checkpoint_result *out;
	void (*progress)(int64_t);
	bool read_error;
};

static int fail(struct cp_ctx *c, const struct audit_checkpoint *cp, const char *why)
{
	c->out->bad_seq = cp->seq;
	c->out->reason = why;
	return 1;
}

static int check_one(const struct audit_checkpoint *cp, void *arg)
{
	struct cp_ctx *c = arg;
	if (cp->seq <= c->prev_seq || cp->seq < 1)
		return fail(c, cp, "checkpoints out of order");
	c->prev_seq = cp->seq;
	if (memcmp(cp->key_id, c->kid, KEY_ID_BYTES) != 0)
		return fail(c, cp, "checkpoint signed by another key");
	uint8_t msg[CHECKPOINT_MSG_BYTES];
	checkpoint_message(cp->seq, cp->ts_ms, cp->head, msg);
	if (sign_verify(c->pk, msg, sizeof(msg), cp->sig) != 0)
		return fail(c, cp, "checkpoint signature does not verify (forged or altered)");
	if (cp->seq > c->trail_last) {
		c->out->missing_from = c->trail_last + 1;
		c->out->missing_to = cp->seq;
		return fail(c, cp, "records covered by a signed checkpoint were deleted");
	}
	uint8_t h[HASH_BYTES];
	int rc = store_audit_hash_at(cp->seq, h);
	if (rc == STORE_ERROR) {
		c->read_error = true;
		return -1;
	}
	if (rc == STORE_NOT_FOUND) {
		c->out->missing_from = c->out->missing_to = cp->seq;
		return fail(c, cp, "the record a signed checkpoint covers was deleted");
	}
	if (ct_compare(h, cp->head, HASH_BYTES) != 0)
		return fail(c, cp, "the trail does not match a signed checkpoint (records changed)");
	c->out->checked++;
	c->out->last_seq = cp->seq;
	c->out->last_ts_ms = cp->ts_ms;
	if (c->progress && c->out->checked % 10000 == 0)
		c->progress(c->out->checked);
	return 0;
}

int audit_verify_checkpoints(const uint8_t pk[SIGN_PUBLIC_BYTES], const struct audit_checkpoint *cps,
			     size_t n, int64_t trail_last, struct audit_checkpoint_result *out,
			     void (*progress)(int64_t done))
{
	memset(out, 0, sizeof(*out));
	struct cp_ctx c = {.pk = pk, .trail_last = trail_last, .out = out, .progress = progress};
	vault_signing_key_id(pk, c.kid);
	int rc = 0;
	if (cps != NULL) {
		for (size_t i = 0; rc == 0 && i < n; i++)
			rc = check_one(&cps[i], &c);
	} else {
		rc = store_audit_checkpoints_each(check_one, &c);
	}
	if (rc < 0 || c.read_error)
		return -1;
	return rc == 0 ? 0 : 1;
}
