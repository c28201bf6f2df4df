/*
 * The keystore (keystore.db): each patient's wrapped key, its meta values, key rotation, and
 * moving keys from before the keystore off the patient rows (src/store/store.h).
 */
#include "store/store.h"
#include "store/sqlite/store_int.h"

#include <string.h>

#include "limits.h"

/* Refused (no row inserted) under a master key that a rotation is retiring. */
static const char sql_key_insert[] =
	"INSERT INTO patient_key (patient_id, key_id, wrapped, created)"
	" SELECT ?1, substr(?2, 2, 8), ?2, unixepoch() WHERE length(?2) > 9 AND NOT EXISTS"
	" (SELECT 1 FROM rotation WHERE old_key = substr(?2, 2, 8))";
static const char sql_key_delete[] = "DELETE FROM patient_key WHERE patient_id = ?";
static const char sql_key_get[] = "SELECT wrapped FROM patient_key WHERE patient_id = ?";
static const char sql_key_counts[] =
	"SELECT count(*), coalesce(sum(CASE WHEN key_id = ?1 THEN 1 ELSE 0 END), 0) FROM patient_key";
static const char sql_key_batch[] =
	"SELECT rowid, patient_id, wrapped FROM patient_key WHERE rowid > ?1"
	" AND key_id != ?2 ORDER BY rowid LIMIT ?3";
static const char sql_key_replace[] =
	"UPDATE patient_key SET wrapped = ?1, key_id = substr(?1, 2, 8)"
	" WHERE patient_id = ?2 AND wrapped = ?3";
static const char sql_legacy_batch[] =
	"SELECT rowid, id, wrapped_key FROM patient WHERE length(wrapped_key) > 0"
	" ORDER BY rowid LIMIT ?";
static const char sql_legacy_count[] = "SELECT count(*) FROM patient WHERE length(wrapped_key) > 0";
static const char sql_legacy_clear[] = "UPDATE patient SET wrapped_key = X'' WHERE id = ?";
static const char sql_rot_get[] = "SELECT old_key, new_key FROM rotation LIMIT 1";
static const char sql_rot_begin[] =
	"INSERT INTO rotation (old_key, new_key, started)"
	" VALUES (?, ?, unixepoch()) ON CONFLICT DO NOTHING";
static const char sql_rot_end[] = "DELETE FROM rotation";

enum err sq_key_insert(const struct id *patient, struct bytes wrapped)
{
	struct db_stmt *s = sq_keys_stmt(sql_key_insert);
	sq_bind_id(s, 1, patient);
	db_bind_blob(s, 2, wrapped.ptr, wrapped.len);
	int step = db_step(s);
	int changed = step == DB_DONE ? db_changes(s) : 0;
	db_reset(s);
	if (step == DB_CONSTRAINT)
		return ERR_CONFLICT;
	if (step != DB_DONE)
		return sq_fail("keystore_insert");
	return changed == 1 ? ERR_OK : ERR_CONFLICT;
}

enum err sq_key_delete(const struct id *patient)
{
	struct db_stmt *s = sq_keys_stmt(sql_key_delete);
	sq_bind_id(s, 1, patient);
	int rc = db_step(s) == DB_DONE ? ERR_OK : sq_fail("keystore_delete");
	db_reset(s);
	return rc;
}

/* The key found (or not) in the keystore, else the legacy one on the patient row. */
static enum err key_or_legacy(struct db_stmt *s, int col, bool found, struct bytes legacy,
			      struct arena *a, struct bytes *out)
{
	if (found)
		return sq_col_bytes(s, col, a, out) ? ERR_OK : ERR_INTERNAL;
	if (legacy.len == 0)
		return ERR_GONE;
	*out = legacy;
	return ERR_OK;
}

enum err sq_key_get(const struct id *patient, struct bytes legacy, struct arena *a, struct bytes *out)
{
	struct db_stmt *s = sq_keys_stmt(sql_key_get);
	sq_bind_id(s, 1, patient);
	int step = db_step(s);
	int rc = step == DB_ROW || step == DB_DONE ? key_or_legacy(s, 0, step == DB_ROW, legacy, a, out)
						   : sq_fail("patient_key");
	db_reset(s);
	return rc;
}

enum err sq_key_from_column(struct db_stmt *s, int col, struct bytes legacy, struct arena *a,
			    struct bytes *out)
{
	return key_or_legacy(s, col, !db_column_is_null(s, col), legacy, a, out);
}

enum err sq_key_present(const struct id *patient)
{
	struct db_stmt *s = sq_keys_stmt(sql_key_get);
	sq_bind_id(s, 1, patient);
	int step = db_step(s);
	db_reset(s);
	return step == DB_ROW ? ERR_OK : step == DB_DONE ? ERR_NOT_FOUND : ERR_INTERNAL;
}

enum err sq_legacy_key_clear(const struct id *patient)
{
	return sq_run_id(sq_stmt(sql_legacy_clear), patient, "legacy_clear");
}

enum err sq_store_keystore_meta_get(const char *name, uint8_t *out, size_t cap, size_t *len)
{
	return sq_meta_get(SQ_KEYS, name, out, cap, len);
}

enum err sq_store_keystore_meta_set(const char *name, const uint8_t *value, size_t len)
{
	return sq_meta_set(SQ_KEYS, name, value, len);
}

enum err sq_store_keystore_counts(const uint8_t key_id[KEY_ID_BYTES], int64_t *total, int64_t *under)
{
	struct db_stmt *s = sq_keys_stmt(sql_key_counts);
	db_bind_blob(s, 1, key_id, KEY_ID_BYTES);
	enum err rc = ERR_INTERNAL;
	if (db_step(s) == DB_ROW) {
		*total = db_column_int64(s, 0);
		*under = db_column_int64(s, 1);
		rc = ERR_OK;
	}
	db_reset(s);
	return rc == ERR_OK ? rc : sq_fail("keystore_counts");
}

/* Rows of (rowid, id, wrapped key) from a statement already bound. */
static enum err wrapped_rows(struct db_stmt *s, size_t max, struct arena *a,
			     struct store_wrapped_key **rows, size_t *n)
{
	*n = 0;
	*rows = arena_calloc(a, max ? max : 1, sizeof(**rows));
	if (*rows == NULL)
		return ERR_INTERNAL;
	int rc = ERR_OK, step;
	while (*n < max && (step = db_step(s)) == DB_ROW) {
		struct store_wrapped_key *r = &(*rows)[*n];
		r->rowid = db_column_int64(s, 0);
		if (!sq_col_id(s, 1, &r->patient) || !sq_col_bytes(s, 2, a, &r->wrapped)) {
			rc = ERR_INTERNAL;
			break;
		}
		(*n)++;
	}
	db_reset(s);
	return rc;
}

enum err sq_store_keystore_batch(int64_t after, const uint8_t key_id[KEY_ID_BYTES], size_t max,
			 struct arena *a, struct store_wrapped_key **rows, size_t *n)
{
	struct db_stmt *s = sq_keys_stmt(sql_key_batch);
	db_bind_int64(s, 1, after);
	db_bind_blob(s, 2, key_id, KEY_ID_BYTES);
	db_bind_int64(s, 3, (int64_t)max);
	return wrapped_rows(s, max, a, rows, n);
}

enum err sq_store_keystore_replace(const struct store_wrapped_key *rows, const struct bytes *rewrapped,
			   size_t n, size_t *replaced)
{
	*replaced = 0;
	if (sq_begin(SQ_KEYS) != ERR_OK)
		return ERR_INTERNAL;
	int rc = ERR_OK;
	for (size_t i = 0; rc == ERR_OK && i < n; i++) {
		struct db_stmt *s = sq_keys_stmt(sql_key_replace);
		db_bind_blob(s, 1, rewrapped[i].ptr, rewrapped[i].len);
		sq_bind_id(s, 2, &rows[i].patient);
		db_bind_blob(s, 3, rows[i].wrapped.ptr, rows[i].wrapped.len);
		if (db_step(s) == DB_DONE)
			*replaced += (size_t)db_changes(s);
		else
			rc = sq_fail("keystore_replace");
		db_reset(s);
	}
	if (rc == ERR_OK && sq_commit(SQ_KEYS) == ERR_OK)
		return ERR_OK;
	sq_rollback(SQ_KEYS);
	*replaced = 0;
	return ERR_INTERNAL;
}

enum err sq_store_legacy_keys_batch(size_t max, struct arena *a, struct store_wrapped_key **rows,
			    size_t *n)
{
	struct db_stmt *s = sq_stmt(sql_legacy_batch);
	db_bind_int64(s, 1, (int64_t)max);
	return wrapped_rows(s, max, a, rows, n);
}

enum err sq_store_legacy_keys_count(int64_t *n)
{
	struct db_stmt *s = sq_stmt(sql_legacy_count);
	int rc = db_step(s) == DB_ROW ? ERR_OK : sq_fail("legacy_count");
	*n = rc == ERR_OK ? db_column_int64(s, 0) : 0;
	db_reset(s);
	return rc;
}

enum err sq_store_legacy_key_move(const struct id *patient, struct bytes rewrapped)
{
	/* Into the keystore first, then off the row: a crash between leaves both, and the
	 * keystore's copy wins (sq_key_get); a rerun finds the row and clears it. */
	int rc = sq_key_insert(patient, rewrapped);
	if (rc != ERR_OK && rc != ERR_CONFLICT)
		return rc;
	return sq_legacy_key_clear(patient);
}

enum err sq_store_rotation_get(uint8_t old_id[KEY_ID_BYTES], uint8_t new_id[KEY_ID_BYTES])
{
	struct db_stmt *s = sq_keys_stmt(sql_rot_get);
	int step = db_step(s);
	int rc = step == DB_DONE ? ERR_NOT_FOUND : ERR_INTERNAL;
	if (step == DB_ROW && db_column_bytes(s, 0) == KEY_ID_BYTES &&
	    db_column_bytes(s, 1) == KEY_ID_BYTES) {
		memcpy(old_id, db_column_blob(s, 0), KEY_ID_BYTES);
		memcpy(new_id, db_column_blob(s, 1), KEY_ID_BYTES);
		rc = ERR_OK;
	}
	db_reset(s);
	return rc;
}

enum err sq_store_rotation_begin(const uint8_t old_id[KEY_ID_BYTES], const uint8_t new_id[KEY_ID_BYTES])
{
	struct db_stmt *s = sq_keys_stmt(sql_rot_begin);
	db_bind_blob(s, 1, old_id, KEY_ID_BYTES);
	db_bind_blob(s, 2, new_id, KEY_ID_BYTES);
	int rc = db_step(s) == DB_DONE ? ERR_OK : sq_fail("rotation_begin");
	db_reset(s);
	return rc;
}

enum err sq_store_rotation_end(void)
{
	return sq_run(sq_keys_stmt(sql_rot_end));
}
