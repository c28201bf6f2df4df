/* Recalls (src/store/recalls.h). */
#include "store/recalls.h"
#include "store/sqlite/store_int.h"

#include <string.h>

#include "limits.h"

static const char sql_recall_insert[] =
	"INSERT INTO recall (id, patient_id, practice_id, kind, due, created, created_by)"
	" VALUES (?, ?, ?, ?, ?, ?, ?)";

enum err sq_store_recall_insert(const struct grant *g, const struct store_recall *r)
{
	if (!grant_allows(g, &r->patient, ACTION_RECALL_SET))
		return ERR_DENIED;
	struct db_stmt *s = sq_stmt(sql_recall_insert);
	if (s == NULL)
		return ERR_INTERNAL;
	sq_bind_id(s, 1, &r->id);
	sq_bind_id(s, 2, &r->patient);
	sq_bind_id(s, 3, &r->practice);
	sq_bind_text(s, 4, r->kind);
	db_bind_int64(s, 5, r->due);
	db_bind_int64(s, 6, r->created);
	sq_bind_id(s, 7, &r->created_by);
	return sq_step_done(s, "recall_insert");
}

#define RECALL_COLS_OF(t) \
	t "id, " t "patient_id, " t "practice_id, " t "kind, " t "due, " t "created, " t "created_by," \
	" coalesce(" t "closed, 0), coalesce(" t "outcome, ''), " t "appointment_id"
#define RECALL_COLS RECALL_COLS_OF("")
static const char sql_recall_list[] =
	"SELECT " RECALL_COLS " FROM recall WHERE patient_id = ? ORDER BY closed IS NOT NULL, due,"
	" created LIMIT ?";
static const char sql_recall_get[] = "SELECT " RECALL_COLS " FROM recall WHERE id = ?";
static const char sql_recall_close[] =
	"UPDATE recall SET closed = ?2, closed_by = ?3, outcome = ?4 WHERE id = ?1 AND closed IS NULL";
static const char sql_recalls_open_due[] =
	"SELECT " RECALL_COLS " FROM recall WHERE patient_id = ?1 AND practice_id = ?2"
	" AND closed IS NULL AND due <= ?3 ORDER BY due, id LIMIT ?4";
static const char sql_recall_booked[] =
	"UPDATE recall SET closed = ?2, closed_by = ?3, outcome = 'booked', appointment_id = ?4"
	" WHERE id = ?1 AND patient_id = ?5 AND closed IS NULL";
static const char sql_recalls_of_appointment[] =
	"SELECT " RECALL_COLS " FROM recall WHERE appointment_id = ?2 AND patient_id = ?1"
	" AND outcome = 'booked' ORDER BY due, id LIMIT ?3";
static const char sql_recall_reopen[] =
	"UPDATE recall SET closed = NULL, closed_by = NULL, outcome = NULL, appointment_id = NULL"
	" WHERE id = ?1 AND patient_id = ?2 AND outcome = 'booked'";
static const char sql_recalls_booked_of_practice[] =
	"SELECT " RECALL_COLS_OF("r.") ", s.start FROM recall r"
	" JOIN appointment ap ON ap.id = r.appointment_id JOIN slot s ON s.id = ap.slot_id"
	" WHERE r.practice_id = ?1 AND r.outcome = 'booked' AND ap.cancelled IS NULL"
	" AND ap.patient_id = r.patient_id AND s.start > ?2 ORDER BY s.start, r.id LIMIT ?3 OFFSET ?4";
static const char sql_recalls_of_practice[] =
	"SELECT " RECALL_COLS " FROM recall WHERE practice_id = ?1 AND closed IS NULL AND due < ?2"
	" ORDER BY due, id LIMIT ?3 OFFSET ?4";

static void recall_row(struct db_stmt *s, struct store_recall *r)
{
	sq_col_id(s, 0, &r->id);
	sq_col_id(s, 1, &r->patient);
	sq_col_id(s, 2, &r->practice);
	sq_col_text_fixed(s, 3, r->kind, sizeof(r->kind));
	r->due = db_column_int64(s, 4);
	r->created = db_column_int64(s, 5);
	sq_col_id(s, 6, &r->created_by);
	r->closed = db_column_int64(s, 7);
	sq_col_text_fixed(s, 8, r->outcome, sizeof(r->outcome));
	sq_col_id(s, 9, &r->appointment); /* zero unless a booking closed it */
}

/* The rows of s (bound but for its last parameter, the limit, at `limit_col`) that are
 * patient's, at most max, into a. */
static enum err patient_rows(struct db_stmt *s, int limit_col, size_t max, const struct id *patient,
			     struct arena *a, struct store_recall **out, size_t *n, const char *what)
{
	*out = arena_calloc(a, max, sizeof(**out));
	if (*out == NULL) {
		db_reset(s);
		return ERR_INTERNAL;
	}
	db_bind_int64(s, limit_col, (int64_t)max);
	int step;
	while ((step = db_step(s)) == DB_ROW && *n < max) {
		struct store_recall *r = &(*out)[*n];
		recall_row(s, r);
		/* the row's own patient, checked again */
		if (id_eq(&r->patient, patient))
			(*n)++;
	}
	db_reset(s);
	return step == DB_DONE || step == DB_ROW ? ERR_OK : sq_fail(what);
}

enum err sq_store_recall_list(const struct grant *g, const struct id *patient, struct arena *a,
			      struct store_recall **out, size_t *n)
{
	*n = 0;
	if (!grant_allows(g, patient, ACTION_RECALL_LIST))
		return ERR_DENIED;
	struct db_stmt *s = sq_stmt(sql_recall_list);
	if (s == NULL)
		return ERR_INTERNAL;
	sq_bind_id(s, 1, patient);
	return patient_rows(s, 2, LIMIT_LIST, patient, a, out, n, "recall_list");
}

enum err sq_store_recalls_open_due(const struct grant *g, const struct id *patient,
				   const struct id *practice, int64_t due_by, struct arena *a,
				   struct store_recall **out, size_t *n)
{
	*n = 0;
	if (!grant_allows(g, patient, ACTION_APPOINTMENT_BOOK))
		return ERR_DENIED;
	struct db_stmt *s = sq_stmt(sql_recalls_open_due);
	if (s == NULL)
		return ERR_INTERNAL;
	sq_bind_id(s, 1, patient);
	sq_bind_id(s, 2, practice);
	db_bind_int64(s, 3, due_by);
	return patient_rows(s, 4, RECALLS_PER_BOOKING, patient, a, out, n, "recalls_open_due");
}

enum err sq_store_recall_booked(const struct grant *g, const struct store_recall *r,
				const struct id *appointment, const struct id *by, int64_t now)
{
	if (!grant_allows(g, &r->patient, ACTION_APPOINTMENT_BOOK))
		return ERR_DENIED;
	struct db_stmt *s = sq_stmt(sql_recall_booked);
	if (s == NULL)
		return ERR_INTERNAL;
	sq_bind_id(s, 1, &r->id);
	db_bind_int64(s, 2, now);
	sq_bind_id(s, 3, by);
	sq_bind_id(s, 4, appointment);
	sq_bind_id(s, 5, &r->patient);
	return sq_write_one(s, "recall_booked");
}

enum err sq_store_recalls_of_appointment(const struct grant *g, const struct id *patient,
					 const struct id *appointment, struct arena *a,
					 struct store_recall **out, size_t *n)
{
	*n = 0;
	if (!grant_allows(g, patient, ACTION_APPOINTMENT_CANCEL))
		return ERR_DENIED;
	struct db_stmt *s = sq_stmt(sql_recalls_of_appointment);
	if (s == NULL)
		return ERR_INTERNAL;
	sq_bind_id(s, 1, patient);
	sq_bind_id(s, 2, appointment);
	return patient_rows(s, 3, RECALLS_PER_BOOKING, patient, a, out, n, "recalls_of_appointment");
}

enum err sq_store_recall_reopen(const struct grant *g, const struct store_recall *r)
{
	if (!grant_allows(g, &r->patient, ACTION_APPOINTMENT_CANCEL))
		return ERR_DENIED;
	struct db_stmt *s = sq_stmt(sql_recall_reopen);
	if (s == NULL)
		return ERR_INTERNAL;
	sq_bind_id(s, 1, &r->id);
	sq_bind_id(s, 2, &r->patient);
	return sq_write_one(s, "recall_reopen");
}

enum err sq_store_recall_get(const struct id *id, struct store_recall *out)
{
	memset(out, 0, sizeof(*out));
	struct db_stmt *s = sq_stmt(sql_recall_get);
	if (s == NULL)
		return ERR_INTERNAL;
	sq_bind_id(s, 1, id);
	int step = db_step(s);
	if (step == DB_ROW)
		recall_row(s, out);
	db_reset(s);
	return step == DB_ROW ? ERR_OK : step == DB_DONE ? ERR_NOT_FOUND : sq_fail("recall_get");
}

enum err sq_store_recall_close(const struct grant *g, const struct store_recall *r, const char *outcome,
			       const struct id *by, int64_t now)
{
	if (!grant_allows(g, &r->patient, ACTION_RECALL_SET))
		return ERR_DENIED;
	struct db_stmt *s = sq_stmt(sql_recall_close);
	if (s == NULL)
		return ERR_INTERNAL;
	sq_bind_id(s, 1, &r->id);
	db_bind_int64(s, 2, now);
	sq_bind_id(s, 3, by);
	sq_bind_text(s, 4, outcome);
	return sq_write_one(s, "recall_close");
}

/* A page of a practice's recalls from s (practice at 1, then `at`, limit and offset at 3, 4);
 * with `start_col` >= 0, booked_for from that column. */
static enum err practice_page(struct db_stmt *s, const struct id *practice, int64_t at, size_t offset,
			      size_t limit, int start_col, struct arena *a, struct store_recall **out,
			      size_t *n)
{
	*n = 0;
	if (limit == 0 || limit > LIMIT_LIST || offset > INT32_MAX || s == NULL)
		return ERR_INTERNAL;
	*out = arena_calloc(a, limit, sizeof(**out));
	if (*out == NULL)
		return ERR_INTERNAL;
	sq_bind_id(s, 1, practice);
	db_bind_int64(s, 2, at);
	db_bind_int64(s, 3, (int64_t)limit);
	db_bind_int64(s, 4, (int64_t)offset);
	while (*n < limit && db_step(s) == DB_ROW) {
		recall_row(s, &(*out)[*n]);
		if (start_col >= 0)
			(*out)[*n].booked_for = db_column_int64(s, start_col);
		(*n)++;
	}
	db_reset(s);
	return ERR_OK;
}

enum err sq_store_recalls_of_practice(const struct id *practice, int64_t due_before, size_t offset,
				      size_t limit, struct arena *a, struct store_recall **out, size_t *n)
{
	return practice_page(sq_stmt(sql_recalls_of_practice), practice, due_before, offset, limit, -1,
			     a, out, n);
}

enum err sq_store_recalls_booked_of_practice(const struct id *practice, int64_t now, size_t offset,
					     size_t limit, struct arena *a, struct store_recall **out,
					     size_t *n)
{
	return practice_page(sq_stmt(sql_recalls_booked_of_practice), practice, now, offset, limit, 10,
			     a, out, n);
}
