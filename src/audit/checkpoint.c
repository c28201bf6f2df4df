/*
 * Verifying signed audit checkpoints against the trail (see audit.h). The trail's own chain
 * walk (audit_verify) proves each stored record hash is the hash of that record and of all
 * before it; a checkpoint then proves, under a key the verifier trusts, that the trail once
 * reached seq with exactly that hash. Together: nothing up to the newest checkpoint was
 * changed, reordered or deleted, including at the end.
 */
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "audit/audit.h"
#include "crypto/sign.h"
#include "limits.h"
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
	if (rc == ERR_INTERNAL) {
		c->read_error = true;
		return -1;
	}
	if (rc == ERR_NOT_FOUND) {
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

static int b64_fixed(const char *s, uint8_t *out, size_t n)
{
	if (s == NULL || strlen(s) > 4 * n)
		return -1;
	struct arena a;
	arena_init(&a, LIMIT_SCRATCH_ARENA);
	struct buf b;
	buf_init(&b, &a, LIMIT_ENCODED_KEY);
	int rc = base64_decode(s, strlen(s), &b) == 0 && b.len == n ? 0 : -1;
	if (rc == 0)
		memcpy(out, b.data, n);
	arena_release(&a);
	return rc;
}

int audit_checkpoints_parse(const char *json, size_t len, uint8_t pk[SIGN_PUBLIC_BYTES],
			    struct audit_checkpoint **cps, size_t *n, const char **why)
{
	*cps = NULL;
	*n = 0;
	json_error_t err;
	json_t *root = json_loadb(json, len, JSON_REJECT_DUPLICATES, &err);
	json_t *list = json_object_get(root, "checkpoints");
	const char *format = json_string_value(json_object_get(root, "format"));
	if (root == NULL || format == NULL || strcmp(format, AUDIT_EXPORT_FORMAT) != 0 ||
	    !json_is_array(list)) {
		*why = "not a medkeep checkpoint export";
		json_decref(root);
		return -1;
	}
	if (b64_fixed(json_string_value(json_object_get(root, "public_key")), pk,
		      SIGN_PUBLIC_BYTES) != 0) {
		*why = "no Ed25519 public key in it";
		json_decref(root);
		return -1;
	}
	size_t count = json_array_size(list);
	struct audit_checkpoint *out = calloc(count ? count : 1, sizeof(*out));
	if (out == NULL) {
		*why = "out of memory";
		json_decref(root);
		return -1;
	}
	uint8_t kid[KEY_ID_BYTES];
	vault_signing_key_id(pk, kid);
	for (size_t i = 0; i < count; i++) {
		json_t *o = json_array_get(list, i);
		struct audit_checkpoint *cp = &out[i];
		json_t *seq = json_object_get(o, "seq"), *ts = json_object_get(o, "ts_ms");
		json_t *k = json_object_get(o, "key_id");
		if (!json_is_integer(seq) || !json_is_integer(ts) ||
		    bytes_unhex(json_string_value(json_object_get(o, "head")), cp->head, HASH_BYTES) != 0 ||
		    b64_fixed(json_string_value(json_object_get(o, "signature")), cp->sig,
			      SIGNATURE_BYTES) != 0 ||
		    (k != NULL && key_id_parse(json_string_value(k), cp->key_id) != 0)) {
			*why = "a checkpoint in it is malformed";
			free(out);
			json_decref(root);
			return -1;
		}
		cp->seq = (int64_t)json_integer_value(seq);
		cp->ts_ms = (int64_t)json_integer_value(ts);
		if (k == NULL)
			memcpy(cp->key_id, kid, KEY_ID_BYTES);
	}
	json_decref(root);
	*cps = out;
	*n = count;
	return 0;
}
