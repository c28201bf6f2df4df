/* Medications and repeat prescription requests (src/store/medications.h). */
#include "store/medications.h"
#include "store/sqlite/store_careplan_int.h"

#include <string.h>

#include "limits.h"

static const char *const repeat_states[] = {"requested", "approved", "declined"};

const char *repeat_state_name(enum repeat_state s)
{
	return (s >= REPEAT_REQUESTED && s <= REPEAT_DECLINED) ? repeat_states[s] : "requested";
}

static enum repeat_state repeat_state_parse(const char *t)
{
	for (int i = REPEAT_DECLINED; i > REPEAT_REQUESTED; i--)
		if (t && strcmp(t, repeat_states[i]) == 0)
			return (enum repeat_state)i;
	return REPEAT_REQUESTED;
}

static void bind_bytes(struct db_stmt *s, int col, struct bytes b)
{
	if (b.len == 0)
		db_bind_null(s, col);
	else
		db_bind_blob(s, col, b.ptr, b.len);
}

enum err careplan_step_write(struct db_stmt *s, const char *what, int *changed)
{
	int rc = sq_step_done(s, what);
	/* Reset keeps the count of the statement that last completed. */
	*changed = rc == ERR_OK ? db_changes(s) : 0;
	return rc;
}

/* As careplan_step_write, with ERR_NOT_FOUND when no row changed. */
static enum err step_write(struct db_stmt *s, const char *what)
{
	int changed = 0;
	int rc = careplan_step_write(s, what, &changed);
	return rc == ERR_OK && changed == 0 ? ERR_NOT_FOUND : rc;
}

/* The patient of a row (first column) and their enrolments (second), one row per practice. */
enum err careplan_get(const char *sql, const struct id *id, const struct grant *g, struct arena *a,
		      careplan_row_fn fn, void *row, size_t row_size, const struct id *row_patient,
		      const char *what)
{
	struct db_stmt *s = sq_stmt(sql);
	if (s == NULL)
		return ERR_INTERNAL;
	sq_bind_id(s, 1, id);
	int rc = db_step(s);
	bool ok = rc == DB_ROW && fn(s, a, row);
	db_reset(s);
	if (rc != DB_ROW)
		return rc == DB_DONE ? ERR_NOT_FOUND : sq_fail(what);
	if (!ok)
		return ERR_INTERNAL;
	if (!grant_for_patient(g, row_patient)) {
		memset(row, 0, row_size);
		return ERR_DENIED;
	}
	return ERR_OK;
}

enum err careplan_list(const char *sql, const struct grant *g, const struct id *patient,
		       struct arena *a, size_t elem, careplan_row_fn fn, void **out, size_t *n,
		       const char *what)
{
	*n = 0;
	struct db_stmt *s = sq_stmt(sql);
	uint8_t *rows = arena_calloc(a, LIMIT_LIST, elem);
	*out = rows;
	if (s == NULL || rows == NULL)
		return ERR_INTERNAL;
	sq_bind_id(s, 1, patient);
	db_bind_int64(s, 2, LIMIT_LIST);
	db_bind_int64(s, 3, g->visible_from);
	int rc = DB_DONE;
	while (*n < LIMIT_LIST && (rc = db_step(s)) == DB_ROW)
		if (fn(s, a, rows + *n * elem))
			(*n)++;
	db_reset(s);
	return rc == DB_ROW || rc == DB_DONE ? ERR_OK : sq_fail(what);
}

enum err careplan_page(const char *const sql[4], const struct grant *g, const struct id *patient,
		       const struct store_page *pg, struct arena *a, size_t elem, careplan_row_fn fn,
		       void **out, size_t *n, const char *what)
{
	*n = 0;
	static const struct store_page newest = {.desc = true, .limit = LIMIT_LIST};
	if (pg == NULL)
		pg = &newest;
	size_t max = pg->limit > LIMIT_SEARCH_COUNT_MAX + 1 ? LIMIT_SEARCH_COUNT_MAX + 1 : pg->limit;
	uint8_t *rows = arena_calloc(a, max ? max : 1, elem);
	*out = rows;
	struct db_stmt *s = rows ? sq_page_stmt(sql, pg) : NULL;
	if (s == NULL)
		return ERR_INTERNAL;
	sq_bind_id(s, 1, patient);
	db_bind_int64(s, 5, g->visible_from);
	int rc = DB_DONE;
	while (*n < max && (rc = db_step(s)) == DB_ROW)
		if (fn(s, a, rows + *n * elem))
			(*n)++;
	db_reset(s);
	return rc == DB_ROW || rc == DB_DONE ? ERR_OK : sq_fail(what);
}

enum err careplan_target_rows(struct db_stmt *s, const struct id *id, struct target *out)
{
	if (s != NULL)
		sq_bind_id(s, 1, id);
	return sq_target_collect(s, out, "careplan_target");
}

static const char sql_medication_target[] =
	"SELECT m.patient_id, e.practice_id, e.history_from, m.created FROM medication m"
	" LEFT JOIN enrolment e ON e.patient_id = m.patient_id WHERE m.id = ? LIMIT 8";

enum err sq_store_medication_target(const struct id *medication, struct target *out)
{
	return careplan_target_rows(sq_stmt(sql_medication_target), medication, out);
}

static const char sql_repeat_target[] =
	"SELECT r.patient_id, e.practice_id, e.history_from, r.requested FROM repeat_request r"
	" LEFT JOIN enrolment e ON e.patient_id = r.patient_id WHERE r.id = ? LIMIT 8";

enum err sq_store_repeat_target(const struct id *request, struct target *out)
{
	return careplan_target_rows(sq_stmt(sql_repeat_target), request, out);
}

/* --- medications --- */

static const char sql_medication_insert[] =
	"INSERT INTO medication (id, patient_id, prescriber_id, started, created, detail)"
	" VALUES (?, ?, ?, ?, ?, ?)";

enum err sq_store_medication_insert(const struct grant *g, const struct store_medication *m)
{
	if (!grant_allows(g, &m->patient, ACTION_MEDICATION_CREATE))
		return ERR_DENIED;
	struct db_stmt *s = sq_stmt(sql_medication_insert);
	if (s == NULL)
		return ERR_INTERNAL;
	sq_bind_id(s, 1, &m->id);
	sq_bind_id(s, 2, &m->patient);
	sq_bind_id(s, 3, &m->prescriber);
	db_bind_int64(s, 4, m->started);
	db_bind_int64(s, 5, m->created);
	bind_bytes(s, 6, m->detail);
	int rc = step_write(s, "medication_insert");
	return rc == ERR_NOT_FOUND ? ERR_INTERNAL : rc;
}

#define MEDICATION_COLS "id, patient_id, prescriber_id, started, created, stopped, stopped_by, detail," \
	" coalesce(stop_reason, '')"

static bool medication_row(struct db_stmt *s, struct arena *a, void *row)
{
	struct store_medication *m = row;
	memset(m, 0, sizeof(*m));
	sq_col_id(s, 0, &m->id);
	sq_col_id(s, 1, &m->patient);
	sq_col_id(s, 2, &m->prescriber);
	m->started = db_column_int64(s, 3);
	m->created = db_column_int64(s, 4);
	m->stopped = db_column_int64(s, 5);
	sq_col_id(s, 6, &m->stopped_by);
	sq_col_text_fixed(s, 8, m->stop_reason, sizeof(m->stop_reason));
	return sq_col_bytes(s, 7, a, &m->detail);
}

static const char sql_medication_list[] =
	"SELECT " MEDICATION_COLS " FROM medication WHERE patient_id = ?1 AND created >= ?3"
	" ORDER BY stopped IS NOT NULL, created DESC LIMIT ?2";

enum err sq_store_medication_list(const struct grant *g, const struct id *patient, struct arena *a,
			  struct store_medication **out, size_t *n)
{
	*n = 0;
	if (!grant_allows(g, patient, ACTION_MEDICATION_LIST))
		return ERR_DENIED;
	void *rows = NULL;
	int rc = careplan_list(sql_medication_list, g, patient, a, sizeof(**out), medication_row, &rows, n,
			       "medication_list");
	*out = rows;
	return rc;
}

static const char sql_medication_get[] = "SELECT " MEDICATION_COLS " FROM medication WHERE id = ?";

enum err sq_store_medication_get(const struct grant *g, const struct id *medication, struct arena *a,
			 struct store_medication *out)
{
	return careplan_get(sql_medication_get, medication, g, a, medication_row, out, sizeof(*out),
			    &out->patient, "medication_get");
}

static const char sql_medication_stop[] =
	"UPDATE medication SET stopped = ?1, stopped_by = ?2, stop_reason = ?5,"
	" detail = CASE WHEN CAST(?6 AS BLOB) IS NULL THEN detail ELSE ?6 END"
	" WHERE id = ?3 AND patient_id = ?4 AND stopped IS NULL";

enum err sq_store_medication_stop(const struct grant *g, const struct id *medication,
			  const struct id *by, int64_t now, const char *reason, struct bytes detail)
{
	if (!grant_allows(g, &g->patient, ACTION_MEDICATION_CREATE))
		return ERR_DENIED;
	struct db_stmt *s = sq_stmt(sql_medication_stop);
	if (s == NULL)
		return ERR_INTERNAL;
	db_bind_int64(s, 1, now);
	sq_bind_id(s, 2, by);
	sq_bind_id(s, 3, medication);
	sq_bind_id(s, 4, &g->patient);
	db_bind_text(s, 5, reason);
	bind_bytes(s, 6, detail); /* NULL: keep the detail */
	int rc = step_write(s, "medication_stop");
	return rc == ERR_NOT_FOUND ? ERR_CONFLICT : rc;
}

/* --- repeat requests --- */

/* Only for a current medication of the same patient: the SELECT yields no row otherwise. */
static const char sql_repeat_insert[] =
	"INSERT INTO repeat_request (id, medication_id, patient_id, practice_id, requested_by,"
	" requested, state, detail)"
	" SELECT ?, id, patient_id, ?, ?, ?, 'requested', ? FROM medication"
	" WHERE id = ? AND patient_id = ? AND stopped IS NULL";

enum err sq_store_repeat_insert(const struct grant *g, const struct store_repeat *r)
{
	if (!grant_allows(g, &r->patient, ACTION_REPEAT_REQUEST))
		return ERR_DENIED;
	struct db_stmt *s = sq_stmt(sql_repeat_insert);
	if (s == NULL)
		return ERR_INTERNAL;
	sq_bind_id(s, 1, &r->id);
	sq_bind_id(s, 2, &r->practice);
	sq_bind_id(s, 3, &r->requested_by);
	db_bind_int64(s, 4, r->requested);
	bind_bytes(s, 5, r->detail);
	sq_bind_id(s, 6, &r->medication);
	sq_bind_id(s, 7, &r->patient);
	return step_write(s, "repeat_insert");
}

#define REPEAT_COLS                                                                               \
	"id, medication_id, patient_id, practice_id, requested_by, requested, state, decided,"    \
	" decided_by, detail, decision"

static bool repeat_row(struct db_stmt *s, struct arena *a, void *row)
{
	struct store_repeat *r = row;
	memset(r, 0, sizeof(*r));
	sq_col_id(s, 0, &r->id);
	sq_col_id(s, 1, &r->medication);
	sq_col_id(s, 2, &r->patient);
	sq_col_id(s, 3, &r->practice);
	sq_col_id(s, 4, &r->requested_by);
	r->requested = db_column_int64(s, 5);
	r->state = repeat_state_parse(db_column_text(s, 6));
	r->decided = db_column_int64(s, 7);
	sq_col_id(s, 8, &r->decided_by);
	return sq_col_bytes(s, 9, a, &r->detail) && sq_col_bytes(s, 10, a, &r->decision);
}

static const char sql_repeat_list[] =
	"SELECT " REPEAT_COLS " FROM repeat_request WHERE patient_id = ?1 AND requested >= ?3"
	" ORDER BY requested DESC LIMIT ?2";

enum err sq_store_repeat_list(const struct grant *g, const struct id *patient, struct arena *a,
		      struct store_repeat **out, size_t *n)
{
	*n = 0;
	if (!grant_allows(g, patient, ACTION_MEDICATION_LIST))
		return ERR_DENIED;
	void *rows = NULL;
	int rc = careplan_list(sql_repeat_list, g, patient, a, sizeof(**out), repeat_row, &rows, n,
			       "repeat_list");
	*out = rows;
	return rc;
}

#define REPEAT_NEWS " FROM repeat_request WHERE patient_id = ?1 AND requested >= ?3 AND decided > ?4"
static const char sql_repeat_news[] =
	"SELECT " REPEAT_COLS REPEAT_NEWS " ORDER BY decided DESC, id LIMIT ?2";
static const char sql_repeat_news_count[] = "SELECT count(*)" REPEAT_NEWS;

static struct db_stmt *repeat_news_stmt(const char *sql, const struct grant *g, const struct id *patient,
				      int64_t since, size_t max)
{
	struct db_stmt *s = sq_stmt(sql);
	if (s != NULL) {
		sq_bind_id(s, 1, patient);
		db_bind_int64(s, 2, (int64_t)max);
		db_bind_int64(s, 3, g->visible_from);
		db_bind_int64(s, 4, since);
	}
	return s;
}

enum err sq_store_repeat_news(const struct grant *g, const struct id *patient, int64_t since, size_t max,
			      struct arena *a, struct store_repeat **out, size_t *n)
{
	*n = 0;
	if (!grant_allows(g, patient, ACTION_MEDICATION_LIST))
		return ERR_DENIED;
	if (max > LIMIT_LIST)
		max = LIMIT_LIST;
	*out = arena_calloc(a, max ? max : 1, sizeof(**out));
	struct db_stmt *s = *out ? repeat_news_stmt(sql_repeat_news, g, patient, since, max) : NULL;
	if (s == NULL)
		return ERR_INTERNAL;
	int step = DB_DONE;
	while (*n < max && (step = db_step(s)) == DB_ROW)
		if (repeat_row(s, a, &(*out)[*n]) && id_eq(&(*out)[*n].patient, patient))
			(*n)++;
	db_reset(s);
	return step == DB_ROW || step == DB_DONE ? ERR_OK : sq_fail("repeat_news");
}

enum err sq_store_repeat_news_count(const struct grant *g, const struct id *patient, int64_t since,
				    int64_t *total)
{
	*total = 0;
	if (!grant_allows(g, patient, ACTION_MEDICATION_LIST))
		return ERR_DENIED;
	struct db_stmt *s = repeat_news_stmt(sql_repeat_news_count, g, patient, since, 0);
	if (s == NULL)
		return ERR_INTERNAL;
	int step = db_step(s);
	if (step == DB_ROW)
		*total = db_column_int64(s, 0);
	db_reset(s);
	return step == DB_ROW ? ERR_OK : sq_fail("repeat_news_count");
}

static const char sql_repeat_get[] = "SELECT " REPEAT_COLS " FROM repeat_request WHERE id = ?";

enum err sq_store_repeat_get(const struct grant *g, const struct id *request, struct arena *a,
		     struct store_repeat *out)
{
	return careplan_get(sql_repeat_get, request, g, a, repeat_row, out, sizeof(*out),
			    &out->patient, "repeat_get");
}

static const char sql_repeat_decide[] =
	"UPDATE repeat_request SET state = ?, decided = ?, decided_by = ?, decision = ?"
	" WHERE id = ? AND patient_id = ? AND state = 'requested'";

enum err sq_store_repeat_decide(const struct grant *g, const struct id *request, enum repeat_state state,
			const struct id *by, int64_t now, struct bytes decision)
{
	if (!grant_allows(g, &g->patient, ACTION_REPEAT_DECIDE) || state == REPEAT_REQUESTED)
		return ERR_DENIED;
	struct db_stmt *s = sq_stmt(sql_repeat_decide);
	if (s == NULL)
		return ERR_INTERNAL;
	sq_bind_text(s, 1, repeat_state_name(state));
	db_bind_int64(s, 2, now);
	sq_bind_id(s, 3, by);
	bind_bytes(s, 4, decision);
	sq_bind_id(s, 5, request);
	sq_bind_id(s, 6, &g->patient);
	int rc = step_write(s, "repeat_decide");
	return rc == ERR_NOT_FOUND ? ERR_CONFLICT : rc;
}

static const char sql_repeat_queue[] =
	"SELECT r.id, r.patient_id, (SELECT max(p.decided) FROM repeat_request p WHERE"
	" p.medication_id = r.medication_id AND p.state = 'approved') FROM repeat_request r"
	" WHERE r.practice_id = ? AND r.state = 'requested' ORDER BY r.requested LIMIT ?";

enum err sq_store_repeat_queue(const struct id *practice, size_t max, struct arena *a, struct id **requests,
		       struct id **patients, int64_t **last_approved, size_t *n)
{
	*n = 0;
	if (max > LIMIT_LIST)
		max = LIMIT_LIST;
	struct db_stmt *s = sq_stmt(sql_repeat_queue);
	*requests = arena_calloc(a, LIMIT_LIST, sizeof(struct id));
	*patients = arena_calloc(a, LIMIT_LIST, sizeof(struct id));
	*last_approved = arena_calloc(a, LIMIT_LIST, sizeof(int64_t));
	if (s == NULL || *requests == NULL || *patients == NULL || *last_approved == NULL)
		return ERR_INTERNAL;
	sq_bind_id(s, 1, practice);
	db_bind_int64(s, 2, (int)max);
	int rc = DB_DONE;
	while (*n < max && (rc = db_step(s)) == DB_ROW)
		if (sq_col_id(s, 0, &(*requests)[*n]) && sq_col_id(s, 1, &(*patients)[*n])) {
			(*last_approved)[*n] = db_column_int64(s, 2); /* NULL: 0, never */
			(*n)++;
		}
	db_reset(s);
	return rc == DB_ROW || rc == DB_DONE ? ERR_OK : sq_fail("repeat_queue");
}
