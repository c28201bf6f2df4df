/* A patient moving between practices (src/store/transfers.h). */
#include "store/transfers.h"
#include "store/sqlite/store_int.h"

#include <string.h>

#include "limits.h"

#define TRANSFER_COLS \
	"id, patient_id, from_practice, to_practice, asked_by, asked, decided, decided_by, outcome"

/* Refused when one is open already (the partial unique index transfer_open) or when the
 * practice has asked its day's number already, decided in this one statement. */
static const char sql_ask[] =
	"INSERT INTO transfer (id, patient_id, from_practice, to_practice, asked_by, asked)"
	" SELECT ?1, ?2, ?3, ?4, ?5, ?6 WHERE (SELECT count(*) FROM transfer"
	" WHERE to_practice = ?4 AND asked > ?6 - 86400) < ?7";
static const char sql_get[] = "SELECT " TRANSFER_COLS " FROM transfer WHERE id = ?";
static const char sql_of_practice[] =
	"SELECT " TRANSFER_COLS " FROM transfer WHERE (to_practice = ?1 OR from_practice = ?1)"
	" AND (decided IS NULL OR decided >= ?2) ORDER BY asked DESC, id LIMIT ?3";
static const char sql_of_patient[] =
	"SELECT " TRANSFER_COLS " FROM transfer WHERE patient_id = ?1"
	" AND (decided IS NULL OR outcome = '" TRANSFER_MOVED "') ORDER BY asked DESC, id LIMIT ?2";
static const char sql_close[] =
	"UPDATE transfer SET decided = ?2, decided_by = ?3, outcome = ?4"
	" WHERE id = ?1 AND decided IS NULL";
/* The enrolment being left must still be the patient's only one where the request says. */
static const char sql_enrolled_as_asked[] =
	"SELECT (SELECT count(*) FROM enrolment WHERE patient_id = ?1),"
	" (SELECT count(*) FROM enrolment WHERE patient_id = ?1 AND practice_id = ?2)";
static const char sql_leave[] = "DELETE FROM enrolment WHERE patient_id = ?1 AND practice_id = ?2";
static const char sql_enrol[] =
	"INSERT INTO enrolment (patient_id, practice_id, since, history_from)"
	" VALUES (?1, ?2, ?3, ?4)";
static const char sql_share[] =
	"UPDATE enrolment SET history_from = CASE WHEN ?3 <> 0 THEN 0 ELSE since END"
	" WHERE patient_id = ?1 AND practice_id = ?2";

static const char sql_open[] =
	"SELECT " TRANSFER_COLS " FROM transfer WHERE decided IS NULL ORDER BY asked, id LIMIT ?1";
static const char sql_note[] = "UPDATE transfer SET decided_note = ?2 WHERE id = ?1";

static bool transfer_row(struct db_stmt *s, struct store_transfer *t)
{
	memset(t, 0, sizeof(*t));
	sq_col_id(s, 0, &t->id);
	sq_col_id(s, 1, &t->patient);
	t->has_from = sq_col_id(s, 2, &t->from);
	sq_col_id(s, 3, &t->to);
	sq_col_id(s, 4, &t->asked_by);
	t->asked = db_column_int64(s, 5);
	t->decided = db_column_int64(s, 6);
	sq_col_id(s, 7, &t->decided_by);
	sq_col_text_fixed(s, 8, t->outcome, sizeof(t->outcome));
	return true;
}

enum err sq_store_transfer_ask(const struct store_transfer *t, int max_per_day)
{
	struct db_stmt *s = sq_stmt(sql_ask);
	if (s == NULL)
		return ERR_INTERNAL;
	sq_bind_id(s, 1, &t->id);
	sq_bind_id(s, 2, &t->patient);
	if (t->has_from)
		sq_bind_id(s, 3, &t->from);
	else
		db_bind_null(s, 3);
	sq_bind_id(s, 4, &t->to);
	sq_bind_id(s, 5, &t->asked_by);
	db_bind_int64(s, 6, t->asked);
	db_bind_int64(s, 7, max_per_day);
	enum err rc = sq_write_one(s, "transfer_ask");
	return rc == ERR_NOT_FOUND ? ERR_CONFLICT : rc;
}

enum err sq_store_transfer_get(const struct id *id, struct store_transfer *out)
{
	memset(out, 0, sizeof(*out));
	struct db_stmt *s = sq_stmt(sql_get);
	if (s == NULL)
		return ERR_INTERNAL;
	sq_bind_id(s, 1, id);
	int step = db_step(s);
	enum err rc = step == DB_ROW    ? (transfer_row(s, out), ERR_OK)
		      : step == DB_DONE ? ERR_NOT_FOUND
					    : sq_fail("transfer_get");
	db_reset(s);
	return rc;
}

static enum err transfers_list(struct db_stmt *s, struct arena *a, struct store_transfer **out,
			       size_t *n, const char *what)
{
	*n = 0;
	*out = arena_calloc(a, LIMIT_LIST, sizeof(**out));
	if (*out == NULL) {
		db_reset(s);
		return ERR_INTERNAL;
	}
	int step = DB_DONE;
	while (*n < LIMIT_LIST && (step = db_step(s)) == DB_ROW)
		transfer_row(s, &(*out)[(*n)++]);
	db_reset(s);
	return step == DB_ROW || step == DB_DONE ? ERR_OK : sq_fail(what);
}

enum err sq_store_transfers_of_practice(const struct id *practice, int64_t since, struct arena *a,
					struct store_transfer **out, size_t *n)
{
	struct db_stmt *s = sq_stmt(sql_of_practice);
	if (s == NULL)
		return ERR_INTERNAL;
	sq_bind_id(s, 1, practice);
	db_bind_int64(s, 2, since);
	db_bind_int64(s, 3, LIMIT_LIST);
	return transfers_list(s, a, out, n, "transfers_of_practice");
}

enum err sq_store_transfers_of_patient(const struct id *patient, struct arena *a,
				       struct store_transfer **out, size_t *n)
{
	struct db_stmt *s = sq_stmt(sql_of_patient);
	if (s == NULL)
		return ERR_INTERNAL;
	sq_bind_id(s, 1, patient);
	db_bind_int64(s, 2, LIMIT_LIST);
	return transfers_list(s, a, out, n, "transfers_of_patient");
}

static enum err close_request(const struct id *id, const struct id *by, int64_t now,
			      const char *outcome)
{
	struct db_stmt *s = sq_stmt(sql_close);
	if (s == NULL)
		return ERR_INTERNAL;
	sq_bind_id(s, 1, id);
	db_bind_int64(s, 2, now);
	sq_bind_id(s, 3, by);
	sq_bind_text(s, 4, outcome);
	enum err rc = sq_write_one(s, "transfer_close");
	return rc == ERR_NOT_FOUND ? ERR_CONFLICT : rc;
}

/* Is the patient enrolled exactly as the request found them: only at `from`, or nowhere? */
static enum err enrolled_as_asked(const struct store_transfer *t)
{
	struct db_stmt *s = sq_stmt(sql_enrolled_as_asked);
	if (s == NULL)
		return ERR_INTERNAL;
	sq_bind_id(s, 1, &t->patient);
	if (t->has_from)
		sq_bind_id(s, 2, &t->from);
	else
		db_bind_null(s, 2);
	if (db_step(s) != DB_ROW) {
		db_reset(s);
		return sq_fail("transfer_enrolled");
	}
	int64_t all = db_column_int64(s, 0), there = db_column_int64(s, 1);
	db_reset(s);
	bool as_asked = t->has_from ? all == 1 && there == 1 : all == 0;
	return as_asked ? ERR_OK : ERR_CONFLICT;
}

static enum err move(const struct store_transfer *t, int64_t history_from, const struct id *by,
		     int64_t now)
{
	enum err rc = enrolled_as_asked(t);
	if (rc != ERR_OK)
		return rc;
	if (t->has_from) {
		struct db_stmt *s = sq_stmt(sql_leave);
		if (s == NULL)
			return ERR_INTERNAL;
		sq_bind_id(s, 1, &t->patient);
		sq_bind_id(s, 2, &t->from);
		if ((rc = sq_write_one(s, "transfer_leave")) != ERR_OK)
			return rc == ERR_NOT_FOUND ? ERR_CONFLICT : rc;
	}
	struct db_stmt *s = sq_stmt(sql_enrol);
	if (s == NULL)
		return ERR_INTERNAL;
	sq_bind_id(s, 1, &t->patient);
	sq_bind_id(s, 2, &t->to);
	db_bind_int64(s, 3, now);
	db_bind_int64(s, 4, history_from);
	if ((rc = sq_step_done(s, "transfer_enrol")) != ERR_OK)
		return rc;
	return close_request(&t->id, by, now, TRANSFER_MOVED);
}

enum err sq_store_transfer_complete(const struct grant *g, const struct id *id,
				    int64_t history_from, const struct id *by, int64_t now)
{
	struct store_transfer t;
	enum err rc = sq_store_transfer_get(id, &t);
	if (rc != ERR_OK)
		return rc == ERR_NOT_FOUND ? ERR_CONFLICT : rc;
	if (!grant_for_patient(g, &t.patient))
		return ERR_DENIED;
	if (t.decided != 0)
		return ERR_CONFLICT;
	if (sq_begin(SQ_MAIN) != ERR_OK)
		return ERR_INTERNAL;
	rc = move(&t, history_from, by, now);
	if (rc != ERR_OK) {
		sq_rollback(SQ_MAIN);
		return rc;
	}
	return sq_commit(SQ_MAIN) == ERR_OK ? ERR_OK : ERR_INTERNAL;
}

enum err sq_store_transfer_decline(const struct id *id, const struct id *by, int64_t now)
{
	return close_request(id, by, now, TRANSFER_DECLINED);
}

enum err sq_store_enrolment_share(const struct grant *g, const struct id *patient,
				  const struct id *practice, bool share)
{
	if (!grant_for_patient(g, patient))
		return ERR_DENIED;
	struct db_stmt *s = sq_stmt(sql_share);
	if (s == NULL)
		return ERR_INTERNAL;
	sq_bind_id(s, 1, patient);
	sq_bind_id(s, 2, practice);
	db_bind_int64(s, 3, share ? 1 : 0);
	return sq_write_one(s, "enrolment_share");
}

enum err sq_store_transfers_open(struct arena *a, struct store_transfer **out, size_t *n)
{
	struct db_stmt *s = sq_stmt(sql_open);
	if (s == NULL)
		return ERR_INTERNAL;
	db_bind_int64(s, 1, LIMIT_LIST);
	return transfers_list(s, a, out, n, "transfers_open");
}

enum err sq_store_transfer_note(const struct id *id, const char *note)
{
	struct db_stmt *s = sq_stmt(sql_note);
	if (s == NULL)
		return ERR_INTERNAL;
	sq_bind_id(s, 1, id);
	sq_bind_text(s, 2, note);
	return sq_write_one(s, "transfer_note");
}
