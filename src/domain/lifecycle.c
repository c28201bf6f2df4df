/*
 * Key and record lifecycle (see lifecycle.h). The order of each procedure is what makes it
 * safe to interrupt: every step either is idempotent or is recorded before the next begins.
 */
#include "domain/lifecycle.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "audit/audit.h"
#include "limits.h"
#include "store/store.h"
#include "util/arena.h"
#include "util/buf.h"
#include "util/strtonum.h"
#include "vault/vault.h"

#define INDEX_KEY_ID "index_key_id"

int keys_check_index(void)
{
	uint8_t id[KEY_ID_BYTES], stored[KEY_ID_BYTES];
	size_t n = 0;
	vault_index_key_id(id);
	int rc = store_keystore_meta_get(INDEX_KEY_ID, stored, sizeof(stored), &n);
	if (rc == ERR_NOT_FOUND)
		return store_keystore_meta_set(INDEX_KEY_ID, id, sizeof(id)) == ERR_OK ? 0 : -1;
	if (rc != ERR_OK || n != sizeof(id) || memcmp(id, stored, sizeof(id)) != 0)
		return -1;
	return 0;
}

/* Put an operator's act on the audit trail (durable before it happens). */
static int audit_local(const char *action, const struct id *patient, const char *outcome)
{
	struct audit_event e = {.action = action,
				.patient = patient,
				.rtype = patient ? "Patient" : "-",
				.rid = patient,
				.outcome = outcome,
				.ip = "local"};
	return audit_append(&e);
}

/* --- rotation --- */

#ifdef MEDKEEP_CHAOS
/* Test-only (make chaos): MEDKEEP_ROTATE_STOP_AFTER=N stops the process dead after N keys
 * were rewrapped, as a crash would, to prove that a rerun finishes the rotation. */
static void chaos_maybe_stop(int64_t done)
{
	const char *v = getenv("MEDKEEP_ROTATE_STOP_AFTER");
	int64_t n;
	if (v != NULL && parse_int64(v, 0, INT64_MAX, &n) == 0 && done >= n) {
		fprintf(stderr, "chaos: rotation stopped after %lld keys\n", (long long)done);
		_exit(3);
	}
}
#else
static void chaos_maybe_stop(int64_t done)
{
	(void)done;
}
#endif

/* One pass over the keystore from the start: rewrap every row the new key does not wrap. */
static int rewrap_keystore(const uint8_t to[KEY_ID_BYTES], size_t batch,
			   void (*progress)(const char *, int64_t, int64_t), struct rotate_report *out)
{
	int64_t total, under;
	if (store_keystore_counts(to, &total, &under) != ERR_OK)
		return -1;
	out->total = total;
	if (progress)
		progress("patient keys", under, total);
	int64_t cursor = 0;
	for (;;) {
		struct arena ar;
		arena_init(&ar, LIMIT_BATCH_ARENA);
		struct store_wrapped_key *rows = NULL;
		size_t n = 0;
		int rc = store_keystore_batch(cursor, to, batch, &ar, &rows, &n);
		struct bytes *rw = n ? arena_calloc(&ar, n, sizeof(*rw)) : NULL;
		if (rc != ERR_OK || (n > 0 && rw == NULL)) {
			arena_release(&ar);
			return -1;
		}
		if (n == 0) {
			arena_release(&ar);
			return 0;
		}
		for (size_t i = 0; i < n; i++) {
			struct buf b;
			buf_init(&b, &ar, LIMIT_WRAPPED_KEY);
			if (vault_patient_key_rewrap(&rows[i].patient, rows[i].wrapped, to, &b) < 0) {
				char hex[ID_HEX_LEN + 1];
				id_hex(&rows[i].patient, hex);
				fprintf(stderr, "medkeep keys rotate: the key of patient %s cannot be "
						"unwrapped by any loaded master key\n", hex);
				arena_release(&ar);
				return -1;
			}
			rw[i] = (struct bytes){(const uint8_t *)b.data, b.len};
		}
		size_t replaced = 0;
		rc = store_keystore_replace(rows, rw, n, &replaced);
		cursor = rows[n - 1].rowid;
		arena_release(&ar);
		if (rc != ERR_OK)
			return -1;
		under += (int64_t)replaced;
		out->rewrapped += (int64_t)replaced;
		if (progress)
			progress("patient keys", under, total);
		chaos_maybe_stop(out->rewrapped + out->legacy_moved);
	}
}

/* Keys from before the keystore (on the patient row): rewrap them into the keystore. */
static int move_legacy(const uint8_t to[KEY_ID_BYTES], size_t batch,
		       void (*progress)(const char *, int64_t, int64_t), struct rotate_report *out)
{
	int64_t left;
	if (store_legacy_keys_count(&left) != ERR_OK)
		return -1;
	int64_t total = left, done = 0;
	while (left > 0) {
		struct arena ar;
		arena_init(&ar, LIMIT_BATCH_ARENA);
		struct store_wrapped_key *rows = NULL;
		size_t n = 0;
		int rc = store_legacy_keys_batch(batch, &ar, &rows, &n);
		for (size_t i = 0; rc == ERR_OK && i < n; i++) {
			struct buf b;
			buf_init(&b, &ar, LIMIT_WRAPPED_KEY);
			if (vault_patient_key_rewrap(&rows[i].patient, rows[i].wrapped, to, &b) != 0 ||
			    store_legacy_key_move(&rows[i].patient,
						  (struct bytes){(const uint8_t *)b.data, b.len}) != ERR_OK)
				rc = ERR_INTERNAL;
			else
				done++;
		}
		arena_release(&ar);
		if (rc != ERR_OK || n == 0)
			return rc == ERR_OK && n == 0 ? 0 : -1;
		out->legacy_moved = done;
		if (progress)
			progress("keys moved into the keystore", done, total);
		chaos_maybe_stop(out->rewrapped + out->legacy_moved);
		if (store_legacy_keys_count(&left) != ERR_OK)
			return -1;
	}
	return 0;
}

int keys_rotate(size_t batch, void (*progress)(const char *what, int64_t done, int64_t total),
		struct rotate_report *out)
{
	memset(out, 0, sizeof(*out));
	uint8_t cur[KEY_ID_BYTES], rec_old[KEY_ID_BYTES], rec_new[KEY_ID_BYTES];
	vault_master_key_id(cur);
	int g = store_rotation_get(rec_old, rec_new);
	if (g == ERR_INTERNAL)
		return -1;
	if (g == ERR_OK && memcmp(rec_new, cur, KEY_ID_BYTES) == 0) {
		/* Interrupted after master.key was replaced: only the record is left to remove. */
		int64_t total, under, legacy;
		if (store_keystore_counts(cur, &total, &under) != ERR_OK ||
		    store_legacy_keys_count(&legacy) != ERR_OK || under != total || legacy != 0) {
			fprintf(stderr, "medkeep keys rotate: master.key was replaced but some patient "
					"keys are not wrapped by it\n");
			return -1;
		}
		out->finished_earlier = true;
		out->total = total;
		memcpy(out->old_id, rec_old, KEY_ID_BYTES);
		memcpy(out->new_id, rec_new, KEY_ID_BYTES);
		return store_rotation_end() == ERR_OK ? 0 : -1;
	}
	if (g == ERR_OK && memcmp(rec_old, cur, KEY_ID_BYTES) != 0) {
		fprintf(stderr, "medkeep keys rotate: the keystore records a rotation from a master key "
				"other than master.key; refusing to guess\n");
		return -1;
	}
	if (vault_rotation_prepare(out->old_id, out->new_id, &out->resumed) != 0) {
		fprintf(stderr, "medkeep keys rotate: cannot create or load master.key.next\n");
		return -1;
	}
	if (g == ERR_OK && memcmp(rec_new, out->new_id, KEY_ID_BYTES) != 0) {
		fprintf(stderr, "medkeep keys rotate: master.key.next is not the key this rotation "
				"started with; patient keys already wrapped by that key would be lost\n");
		return -1;
	}
	if (g == ERR_NOT_FOUND && audit_local("keys.rotate.begin", NULL, AUDIT_OK) != 0)
		return -1;
	/* From here on the keystore refuses new rows under the old key: the last pass below
	 * cannot miss a patient created meanwhile. */
	if (store_rotation_begin(out->old_id, out->new_id) != ERR_OK)
		return -1;
	int64_t total = 0, under = 0, legacy = 0;
	for (int pass = 0;; pass++) {
		if (rewrap_keystore(out->new_id, batch, progress, out) != 0 ||
		    move_legacy(out->new_id, batch, progress, out) != 0)
			return -1;
		if (store_keystore_counts(out->new_id, &total, &under) != ERR_OK ||
		    store_legacy_keys_count(&legacy) != ERR_OK)
			return -1;
		if (under == total && legacy == 0)
			break;
		if (pass == 3) {
			fprintf(stderr, "medkeep keys rotate: %lld patient keys are still not rewrapped; "
					"run it again\n", (long long)(total - under + legacy));
			return -1;
		}
	}
	out->total = total;
	/* Session tokens are MACed with a key derived from the master key: sign everyone out
	 * now rather than leave tokens that the old key vouches for. */
	if (store_sessions_revoke_all() != ERR_OK || audit_local("keys.rotate", NULL, AUDIT_OK) != 0)
		return -1;
	if (vault_rotation_commit() != 0) {
		fprintf(stderr, "medkeep keys rotate: cannot replace master.key with master.key.next\n");
		return -1;
	}
	return store_rotation_end() == ERR_OK ? 0 : -1;
}

/* --- crypto-shredding --- */

static size_t holders_after(const struct target *t, const struct id *release, bool *enrolled)
{
	size_t n = 0;
	*enrolled = false;
	for (size_t i = 0; i < t->n_practices; i++) {
		if (release != NULL && id_eq(&t->practices[i], release))
			*enrolled = true;
		else
			n++;
	}
	return n;
}

enum err patient_shred(const struct id *patient, const struct id *release, bool force,
		       struct shred_report *out)
{
	memset(out, 0, sizeof(*out));
	struct target t;
	struct store_shred_state st;
	int s = store_patient_target(patient, &t);
	if (s == ERR_NOT_FOUND)
		return ERR_NOT_FOUND;
	if (s != ERR_OK || store_patient_shred_state(patient, &st) != ERR_OK)
		return ERR_INTERNAL;
	bool enrolled;
	out->holders = holders_after(&t, release, &enrolled);
	out->already = st.shredded_at != 0 && !st.has_key;
	out->shredded_at = st.shredded_at;
	if (release != NULL && !enrolled)
		return ERR_NOT_ENROLLED;
	if (out->holders > 0 && !force)
		return ERR_HELD;
	/* On record first: no audit, no act. The key is destroyed before anything else, so an
	 * interruption anywhere after leaves the patient unreadable; a rerun tidies up. */
	if (audit_local("patient.shred", patient, AUDIT_OK) != 0)
		return ERR_INTERNAL;
	if (release != NULL && store_patient_release(patient, release) == ERR_INTERNAL)
		return ERR_INTERNAL;
	if (store_patient_key_destroy(patient) != ERR_OK)
		return ERR_INTERNAL;
	int64_t now = (int64_t)time(NULL);
	if (store_patient_erase(patient, out->already ? out->shredded_at : now) != ERR_OK)
		return ERR_INTERNAL;
	if (!out->already)
		out->shredded_at = now;
	return ERR_OK;
}

enum err patient_shred_schedule(const struct id *patient, const struct id *release, int64_t when,
				struct shred_report *out)
{
	memset(out, 0, sizeof(*out));
	struct target t;
	struct store_shred_state st;
	int s = store_patient_target(patient, &t);
	if (s == ERR_NOT_FOUND)
		return ERR_NOT_FOUND;
	if (s != ERR_OK || store_patient_shred_state(patient, &st) != ERR_OK)
		return ERR_INTERNAL;
	bool enrolled;
	out->holders = holders_after(&t, release, &enrolled);
	out->already = st.shredded_at != 0;
	out->shredded_at = st.shredded_at;
	if (release != NULL && !enrolled)
		return ERR_NOT_ENROLLED;
	if (out->already)
		return ERR_OK;
	if (audit_local("patient.shred.schedule", patient, AUDIT_OK) != 0)
		return ERR_INTERNAL;
	if (release != NULL && store_patient_release(patient, release) == ERR_INTERNAL)
		return ERR_INTERNAL;
	return store_patient_schedule_shred(patient, when) == ERR_OK ? ERR_OK : ERR_INTERNAL;
}

int retention_due(int64_t now, struct retention_report *out, void (*each)(const struct id *patient))
{
	memset(out, 0, sizeof(*out));
	struct arena ar;
	arena_init(&ar, LIMIT_JOB_ARENA);
	struct id *ids = NULL;
	size_t n = 0;
	int rc = store_patients_due(now, &ar, &ids, &n) == ERR_OK ? 0 : -1;
	out->due = n;
	for (size_t i = 0; rc == 0 && each && i < n; i++)
		each(&ids[i]);
	arena_release(&ar);
	return rc;
}

int retention_run(int64_t now, bool force,
		  void (*each)(const struct id *patient, int rc, const struct shred_report *r),
		  struct retention_report *out)
{
	memset(out, 0, sizeof(*out));
	struct arena ar;
	arena_init(&ar, LIMIT_JOB_ARENA);
	struct id *ids = NULL;
	size_t n = 0;
	if (store_patients_due(now, &ar, &ids, &n) != ERR_OK) {
		arena_release(&ar);
		return -1;
	}
	out->due = n;
	for (size_t i = 0; i < n; i++) {
		struct shred_report r;
		int rc = patient_shred(&ids[i], NULL, force, &r);
		if (rc == ERR_OK)
			out->shredded++;
		else if (rc == ERR_HELD)
			out->held++;
		else
			out->failed++;
		if (each)
			each(&ids[i], rc, &r);
	}
	arena_release(&ar);
	return out->failed ? -1 : 0;
}
