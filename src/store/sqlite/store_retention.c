/*
 * Retention and crypto-shredding: scheduling a patient's erasure, destroying their key,
 * erasing what can no longer be read, releasing a patient from a practice (src/store/store.h).
 */
#include "store/store.h"
#include "store/contact.h"
#include "store/results.h"
#include "store/sqlite/store_int.h"

#include <string.h>
#include <unistd.h>

#include "limits.h"
#include "util/log.h"

static const char sql_shred_state[] =
	"SELECT coalesce(shredded_at, 0), coalesce(shred_after, 0),"
	" length(wrapped_key) FROM patient WHERE id = ?";
static const char sql_patient_erase[] =
	"UPDATE patient SET wrapped_key = X'', phi = X'', shredded_at = ?2,"
	" shred_after = NULL WHERE id = ?1";
static const char sql_docs_delete[] = "DELETE FROM document WHERE patient_id = ?";
static const char sql_accounts_sign_out[] =
	"DELETE FROM session WHERE account_id IN"
	" (SELECT id FROM account WHERE patient_id = ?)";
static const char sql_accounts_erase[] =
	"UPDATE account SET email = 'erased-' || lower(hex(id)) || '@invalid',"
	" pw_hash = '!', locked = 1 WHERE patient_id = ?";
static const char sql_enrol_delete[] =
	"DELETE FROM enrolment WHERE patient_id = ? AND practice_id = ?";
static const char sql_shred_schedule[] =
	"UPDATE patient SET shred_after = ?2 WHERE id = ?1 AND shredded_at IS NULL";
static const char sql_wal_truncate[] = "PRAGMA wal_checkpoint(TRUNCATE)";
static const char sql_shred_due[] =
	"SELECT id FROM patient WHERE shred_after IS NOT NULL AND shred_after <= ?1"
	" AND shredded_at IS NULL ORDER BY shred_after LIMIT ?2";

enum err sq_store_patient_shred_state(const struct id *patient, struct store_shred_state *out)
{
	memset(out, 0, sizeof(*out));
	struct db_stmt *s = sq_stmt(sql_shred_state);
	sq_bind_id(s, 1, patient);
	int step = db_step(s);
	int rc = step == DB_DONE ? ERR_NOT_FOUND : step == DB_ROW ? ERR_OK : ERR_INTERNAL;
	if (rc == ERR_OK) {
		out->exists = true;
		out->shredded_at = db_column_int64(s, 0);
		out->shred_after = db_column_int64(s, 1);
		out->has_key = db_column_int64(s, 2) > 0;
	}
	db_reset(s);
	if (rc == ERR_OK && !out->has_key) {
		int k = sq_key_present(patient);
		out->has_key = k == ERR_OK;
		if (k == ERR_INTERNAL)
			rc = ERR_INTERNAL;
	}
	return rc;
}

/* Fold the write-ahead log back into the file and empty it, so that old page images (a key,
 * a demographics row) do not linger in it. Best effort: a reader holding an old snapshot
 * keeps it; the pages are wiped anyway (secure_delete) once they are written back. */
static void truncate_wal(enum sq_file f)
{
	/* PostgreSQL's write-ahead log and old row versions are the server's (its checkpoints,
	 * VACUUM, WAL retention: the operator's, STORE.md); the key's row is gone either way. */
	if (sq_store_connects())
		return;
	/* The pragma answers (busy, frames, checkpointed); busy while `serve` holds a read
	 * snapshot for a moment, so try a few times. */
	for (int tries = 0; tries < 20; tries++) {
		struct db_stmt *s = sq_stmt_on(f, sql_wal_truncate);
		int busy = db_step(s) == DB_ROW ? db_column_int(s, 0) : 1;
		db_reset(s);
		if (!busy)
			return;
		usleep(50 * 1000);
	}
	log_warn("component=store op=wal_truncate error=\"readers kept the log; it is emptied at "
		 "the next checkpoint\"");
}

enum err sq_store_patient_key_destroy(const struct id *patient)
{
	if (sq_key_delete(patient) != ERR_OK)
		return ERR_INTERNAL;
	truncate_wal(SQ_KEYS);
	/* A key from before the keystore lives on the row itself. */
	if (sq_legacy_key_clear(patient) != ERR_OK)
		return ERR_INTERNAL;
	return ERR_OK;
}

/* The rest of an erased patient's record, clear metadata included (when their appointments
 * were, that they asked for repeats, who held proxy access). Their sealed parts are already
 * unreadable once the key is gone; these rows go too. Children before parents. */
static const char *const erase_record_sql[] = {
	"DELETE FROM repeat_request WHERE patient_id = ?",
	"DELETE FROM medication WHERE patient_id = ?",
	"DELETE FROM summary_entry WHERE patient_id = ?",
	"DELETE FROM appointment WHERE patient_id = ?",
	"DELETE FROM proxy_grant WHERE patient_id = ?",
	"DELETE FROM proxy_invite WHERE patient_id = ?",
	"DELETE FROM patient_term WHERE patient_id = ?",
	"DELETE FROM patient_details WHERE patient_id = ?",
};

static enum err erase_record_rows(const struct id *patient)
{
	for (size_t i = 0; i < sizeof(erase_record_sql) / sizeof(*erase_record_sql); i++) {
		struct db_stmt *s = sq_stmt(erase_record_sql[i]);
		if (s == NULL)
			return ERR_INTERNAL;
		sq_bind_id(s, 1, patient);
		int rc = db_step(s);
		db_reset(s);
		if (rc != DB_DONE)
			return sq_fail("erase_record");
	}
	return ERR_OK;
}

enum err sq_store_patient_erase(const struct id *patient, int64_t now)
{
	if (sq_begin(SQ_MAIN) != ERR_OK)
		return ERR_INTERNAL;
	int rc = sq_run_id(sq_stmt(sql_docs_delete), patient, "docs_delete");
	if (rc == ERR_OK)
		rc = sq_store_results_erase(patient);
	if (rc == ERR_OK)
		rc = store_messages_erase(patient);
	if (rc == ERR_OK)
		rc = erase_record_rows(patient);
	if (rc == ERR_OK) {
		struct db_stmt *s = sq_stmt(sql_patient_erase);
		sq_bind_id(s, 1, patient);
		db_bind_int64(s, 2, now);
		rc = db_step(s) == DB_DONE ? ERR_OK : sq_fail("patient_erase");
		db_reset(s);
	}
	if (rc == ERR_OK)
		rc = sq_run_id(sq_stmt(sql_accounts_sign_out), patient, "accounts_sign_out");
	if (rc == ERR_OK)
		rc = sq_run_id(sq_stmt(sql_accounts_erase), patient, "accounts_erase");
	if (rc == ERR_OK)
		rc = sq_store_contact_erase(patient);
	if (rc == ERR_OK && sq_commit(SQ_MAIN) == ERR_OK) {
		truncate_wal(SQ_MAIN);
		return ERR_OK;
	}
	sq_rollback(SQ_MAIN);
	return ERR_INTERNAL;
}

enum err sq_store_patient_release(const struct id *patient, const struct id *practice)
{
	struct db_stmt *s = sq_stmt(sql_enrol_delete);
	sq_bind_id(s, 1, patient);
	sq_bind_id(s, 2, practice);
	int rc = db_step(s) == DB_DONE ? ERR_OK : sq_fail("release");
	if (rc == ERR_OK && db_changes(s) == 0)
		rc = ERR_NOT_FOUND;
	db_reset(s);
	return rc;
}

enum err sq_store_patient_schedule_shred(const struct id *patient, int64_t when)
{
	struct db_stmt *s = sq_stmt(sql_shred_schedule);
	sq_bind_id(s, 1, patient);
	if (when > 0)
		db_bind_int64(s, 2, when);
	else
		db_bind_null(s, 2);
	int rc = db_step(s) == DB_DONE ? ERR_OK : sq_fail("schedule_shred");
	if (rc == ERR_OK && db_changes(s) == 0)
		rc = ERR_NOT_FOUND;
	db_reset(s);
	return rc;
}

enum err sq_store_patients_due(int64_t now, struct arena *a, struct id **ids, size_t *n)
{
	*n = 0;
	*ids = arena_calloc(a, LIMIT_LIST, sizeof(struct id));
	if (*ids == NULL)
		return ERR_INTERNAL;
	struct db_stmt *s = sq_stmt(sql_shred_due);
	db_bind_int64(s, 1, now);
	db_bind_int64(s, 2, LIMIT_LIST);
	while (*n < LIMIT_LIST && db_step(s) == DB_ROW)
		if (sq_col_id(s, 0, &(*ids)[*n]))
			(*n)++;
	db_reset(s);
	return ERR_OK;
}

enum err sq_store_patient_key_counts(int64_t *patients, int64_t *with_key)
{
	*patients = *with_key = 0;
	struct db_stmt *s = sq_stmt_fresh(SQ_MAIN, "SELECT id, length(wrapped_key) FROM patient");
	if (s == NULL)
		return sq_fail("key_counts");
	int rc = ERR_OK, step;
	while (rc == ERR_OK && (step = db_step(s)) == DB_ROW) {
		struct id id;
		(*patients)++;
		if (db_column_int64(s, 1) > 0) {
			(*with_key)++;
			continue;
		}
		if (!sq_col_id(s, 0, &id))
			continue;
		int k = sq_key_present(&id);
		if (k == ERR_OK)
			(*with_key)++;
		else if (k == ERR_INTERNAL)
			rc = ERR_INTERNAL;
	}
	db_finalize(s);
	return rc;
}
