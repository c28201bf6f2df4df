/* Patients: creating one (its key goes to the keystore first), reading one under a grant,
 * the targets the gate decides on, and a practice's list (src/store/store.h). */
#include "store/store.h"
#include "store/sqlite/store_int.h"

#include <string.h>

#include "limits.h"
#include "util/log.h"

static const char sql_patient_exists[] = "SELECT 1 FROM patient WHERE id = ?";
static const char sql_enrolments[] =
	"SELECT practice_id, history_from FROM enrolment WHERE patient_id = ? ORDER BY since LIMIT 8";
static const char sql_practice_patients[] =
	"SELECT patient_id FROM enrolment WHERE practice_id = ?"
	" ORDER BY since, patient_id LIMIT ? OFFSET ?";
static const char sql_patient_create[] =
	"INSERT INTO patient (id, nhi_index, wrapped_key, phi, created)"
	" VALUES (?, ?, ?, ?, unixepoch())";
static const char sql_enrol[] =
	"INSERT INTO enrolment (patient_id, practice_id, since) VALUES (?, ?, unixepoch())";
#define PATIENT_GET_COLS                                                                           \
	"SELECT p.wrapped_key, p.phi, p.created, p.version, coalesce(p.updated, p.created)"
static const char sql_patient_get[] = PATIENT_GET_COLS " FROM patient p WHERE p.id = ?";
static const char sql_patient_get_keyed[] =
	PATIENT_GET_COLS ", k.wrapped FROM patient p" SQ_KEY_JOIN("p.id") " WHERE p.id = ?";
static const char sql_patient_by_nhi[] = "SELECT id FROM patient WHERE nhi_index = ?";
static const char sql_patient_update[] = "UPDATE patient SET nhi_index = ?, phi = ?, version = version + 1,"
	" updated = ? WHERE id = ?";

enum err sq_store_patient_target(const struct id *patient, struct target *out)
{
	memset(out, 0, sizeof(*out));
	out->patient = *patient;
	struct db_stmt *s = sq_stmt(sql_patient_exists);
	sq_bind_id(s, 1, patient);
	out->exists = db_step(s) == DB_ROW;
	db_reset(s);
	/* The enrolments are looked up for a missing id too (none are found): another patient's
	 * id must cost what a random one does (DESIGN.md invariant 2, timing). */
	s = sq_stmt(sql_enrolments);
	sq_bind_id(s, 1, patient);
	while (out->n_practices < TARGET_MAX_PRACTICES && db_step(s) == DB_ROW)
		if (sq_col_id(s, 0, &out->practices[out->n_practices])) {
			out->history_from[out->n_practices] = db_column_int64(s, 1);
			out->n_practices += out->exists ? 1 : 0;
		}
	db_reset(s);
	return out->exists ? ERR_OK : ERR_NOT_FOUND;
}

enum err sq_store_practice_patient_ids(const struct id *practice, size_t offset, size_t limit,
			       struct arena *a, struct id **ids, size_t *n)
{
	*n = 0;
	if (limit > LIMIT_LIST || offset > INT32_MAX)
		return ERR_INTERNAL;
	*ids = arena_calloc(a, limit ? limit : 1, sizeof(struct id));
	if (*ids == NULL)
		return ERR_INTERNAL;
	struct db_stmt *s = sq_stmt(sql_practice_patients);
	sq_bind_id(s, 1, practice);
	db_bind_int64(s, 2, (int)limit);
	db_bind_int64(s, 3, (int64_t)offset);
	while (*n < limit && db_step(s) == DB_ROW)
		if (sq_col_id(s, 0, &(*ids)[*n]))
			(*n)++;
	db_reset(s);
	return ERR_OK;
}

enum err sq_store_patient_create(const struct id *id, const struct id *practice,
			 const uint8_t nhi_index[HASH_BYTES], struct bytes wrapped_key,
			 struct bytes phi)
{
	/* The key goes to the keystore, first: a patient row never exists without its key. */
	int rc = sq_key_insert(id, wrapped_key);
	if (rc != ERR_OK) {
		log_warn("component=store op=patient_create error=\"keystore refused the key (a "
			 "rotation is retiring the master key that wrapped it?)\"");
		return ERR_INTERNAL;
	}
	struct db_stmt *s = sq_stmt(sql_patient_create);
	sq_bind_id(s, 1, id);
	db_bind_blob(s, 2, nhi_index, HASH_BYTES);
	db_bind_blob(s, 3, "", 0);
	db_bind_blob(s, 4, phi.ptr, phi.len);
	int step = db_step(s);
	db_reset(s);
	rc = step == DB_DONE ? ERR_OK
	     : step == DB_CONSTRAINT ? ERR_CONFLICT
					   : sq_fail("patient_create");
	if (rc != ERR_OK)
		sq_key_delete(id);
	if (rc == ERR_OK && practice != NULL) {
		s = sq_stmt(sql_enrol);
		sq_bind_id(s, 1, id);
		sq_bind_id(s, 2, practice);
		rc = db_step(s) == DB_DONE ? ERR_OK : sq_fail("enrol");
		db_reset(s);
	}
	return rc;
}

enum err sq_store_patient_get(const struct grant *g, const struct id *patient, struct arena *a,
		      struct store_patient *out)
{
	if (!grant_for_patient(g, patient))
		return ERR_DENIED;
	bool keyed = sq_keys_alongside();
	struct db_stmt *s = sq_stmt(keyed ? sql_patient_get_keyed : sql_patient_get);
	sq_bind_id(s, 1, patient);
	int rc = ERR_NOT_FOUND;
	struct bytes legacy = {0};
	if (db_step(s) == DB_ROW) {
		out->id = *patient;
		rc = sq_col_bytes(s, 0, a, &legacy) && sq_col_bytes(s, 1, a, &out->phi) ? ERR_OK
										     : ERR_INTERNAL;
		out->created = db_column_int64(s, 2);
		out->version = db_column_int64(s, 3);
		out->updated = db_column_int64(s, 4);
		if (rc == ERR_OK && keyed)
			rc = sq_key_from_column(s, 5, legacy, a, &out->wrapped_key);
	}
	db_reset(s);
	if (rc == ERR_OK && !keyed)
		rc = sq_key_get(patient, legacy, a, &out->wrapped_key);
	return rc;
}

enum err sq_store_patient_by_nhi(const uint8_t nhi_index[HASH_BYTES], struct id *out)
{
	struct db_stmt *s = sq_stmt(sql_patient_by_nhi);
	db_bind_blob(s, 1, nhi_index, HASH_BYTES);
	int rc = db_step(s) == DB_ROW && sq_col_id(s, 0, out) ? ERR_OK : ERR_NOT_FOUND;
	db_reset(s);
	return rc;
}

enum err sq_store_patient_update(const struct grant *g, const struct id *patient,
				 const uint8_t nhi_index[HASH_BYTES], struct bytes phi, int64_t now)
{
	if (!grant_writes(g, patient))
		return ERR_DENIED;
	struct db_stmt *s = sq_stmt(sql_patient_update);
	db_bind_blob(s, 1, nhi_index, HASH_BYTES);
	db_bind_blob(s, 2, phi.ptr, phi.len);
	db_bind_int64(s, 3, now);
	sq_bind_id(s, 4, patient);
	return sq_write_one(s, "patient_update");
}

static const char sql_terms_clear[] = "DELETE FROM patient_term WHERE patient_id = ?";
static const char sql_term_add[] =
	"INSERT INTO patient_term (term, patient_id) VALUES (?, ?) ON CONFLICT DO NOTHING";

static enum err terms_tx(const struct id *patient, const uint8_t (*terms)[STORE_TERM_BYTES], size_t n)
{
	enum err rc = sq_run_id(sq_stmt(sql_terms_clear), patient, "terms_clear");
	for (size_t i = 0; rc == ERR_OK && i < n; i++) {
		struct db_stmt *s = sq_stmt(sql_term_add);
		if (s == NULL)
			return ERR_INTERNAL;
		db_bind_blob(s, 1, terms[i], STORE_TERM_BYTES);
		sq_bind_id(s, 2, patient);
		rc = sq_step_done(s, "term_add");
	}
	return rc;
}

enum err sq_store_patient_terms_set(const struct id *patient, const uint8_t (*terms)[STORE_TERM_BYTES],
			    size_t n)
{
	if (sq_begin(SQ_MAIN) != ERR_OK)
		return ERR_INTERNAL;
	enum err rc = terms_tx(patient, terms, n);
	if (rc == ERR_OK)
		return sq_commit(SQ_MAIN);
	sq_rollback(SQ_MAIN);
	return ERR_INTERNAL;
}

/* Driven by the first term's rows (its primary key), each further term checked by key. */
static const char sql_patient_search[] =
	"SELECT t.patient_id FROM patient_term t"
	" JOIN enrolment e ON e.patient_id = t.patient_id AND e.practice_id = ?1"
	" WHERE t.term = ?2"
	" AND (CAST(?3 AS BLOB) IS NULL OR EXISTS (SELECT 1 FROM patient_term u WHERE u.term = ?3 AND u.patient_id = t.patient_id))"
	" AND (CAST(?4 AS BLOB) IS NULL OR EXISTS (SELECT 1 FROM patient_term u WHERE u.term = ?4 AND u.patient_id = t.patient_id))"
	" AND (CAST(?5 AS BLOB) IS NULL OR EXISTS (SELECT 1 FROM patient_term u WHERE u.term = ?5 AND u.patient_id = t.patient_id))"
	" AND (CAST(?6 AS BLOB) IS NULL OR EXISTS (SELECT 1 FROM patient_term u WHERE u.term = ?6 AND u.patient_id = t.patient_id))"
	" ORDER BY e.since, t.patient_id LIMIT ?7 OFFSET ?8";

enum err sq_store_practice_patient_search(const struct id *practice,
				  const uint8_t (*terms)[STORE_TERM_BYTES], size_t n, size_t offset,
				  size_t limit, struct arena *a, struct id **ids, size_t *count)
{
	*count = 0;
	if (n == 0 || n > STORE_SEARCH_TERMS || limit > LIMIT_LIST || offset > INT32_MAX)
		return ERR_INTERNAL;
	*ids = arena_calloc(a, limit ? limit : 1, sizeof(struct id));
	struct db_stmt *s = sq_stmt(sql_patient_search);
	if (*ids == NULL || s == NULL)
		return ERR_INTERNAL;
	sq_bind_id(s, 1, practice);
	for (size_t i = 0; i < n; i++)
		db_bind_blob(s, 2 + (int)i, terms[i], STORE_TERM_BYTES);
	db_bind_int64(s, 7, (int)limit);
	db_bind_int64(s, 8, (int64_t)offset);
	while (*count < limit && db_step(s) == DB_ROW)
		if (sq_col_id(s, 0, &(*ids)[*count]))
			(*count)++;
	db_reset(s);
	return ERR_OK;
}

static const char sql_ids_after[] =
	"SELECT id FROM patient WHERE shredded_at IS NULL AND (CAST(?1 AS BLOB) IS NULL OR id > ?1)"
	" ORDER BY id LIMIT ?2";
static const char sql_count_live[] = "SELECT count(*) FROM patient WHERE shredded_at IS NULL";

enum err sq_store_patient_ids_after(const struct id *after, size_t limit, struct arena *a,
			    struct id **ids, size_t *n)
{
	*n = 0;
	if (limit == 0 || limit > LIMIT_LIST)
		return ERR_INTERNAL;
	*ids = arena_calloc(a, limit, sizeof(struct id));
	struct db_stmt *s = sq_stmt(sql_ids_after);
	if (*ids == NULL || s == NULL)
		return ERR_INTERNAL;
	if (after)
		sq_bind_id(s, 1, after);
	db_bind_int64(s, 2, (int)limit);
	while (*n < limit && db_step(s) == DB_ROW)
		if (sq_col_id(s, 0, &(*ids)[*n]))
			(*n)++;
	db_reset(s);
	return ERR_OK;
}

/* A count by one statement, bound with id (NULL: none). */
static enum err count_of(const char *sql, const struct id *id, int64_t *n, const char *what)
{
	struct db_stmt *s = sq_stmt(sql);
	if (s == NULL)
		return ERR_INTERNAL;
	if (id)
		sq_bind_id(s, 1, id);
	int step = db_step(s);
	*n = step == DB_ROW ? db_column_int64(s, 0) : 0;
	db_reset(s);
	return step == DB_ROW ? ERR_OK : sq_fail(what);
}

enum err sq_store_patient_count_live(int64_t *n)
{
	return count_of(sql_count_live, NULL, n, "count_live");
}

static const char sql_practice_count[] =
	"SELECT count(*) FROM enrolment e JOIN patient p ON p.id = e.patient_id"
	" WHERE e.practice_id = ? AND p.shredded_at IS NULL";

enum err sq_store_practice_patient_count(const struct id *practice, int64_t *n)
{
	return count_of(sql_practice_count, practice, n, "practice_patient_count");
}
