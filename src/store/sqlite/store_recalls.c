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

#define RECALL_COLS \
	"id, patient_id, practice_id, kind, due, created, created_by, coalesce(closed, 0)," \
	" coalesce(outcome, '')"
static const char sql_recall_list[] =
	"SELECT " RECALL_COLS " FROM recall WHERE patient_id = ? ORDER BY closed IS NOT NULL, due,"
	" created LIMIT ?";
static const char sql_recall_get[] = "SELECT " RECALL_COLS " FROM recall WHERE id = ?";
static const char sql_recall_close[] =
	"UPDATE recall SET closed = ?2, closed_by = ?3, outcome = ?4 WHERE id = ?1 AND closed IS NULL";
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
}

enum err sq_store_recall_list(const struct grant *g, const struct id *patient, struct arena *a,
			      struct store_recall **out, size_t *n)
{
	*n = 0;
	if (!grant_allows(g, patient, ACTION_RECALL_LIST))
		return ERR_DENIED;
	*out = arena_calloc(a, LIMIT_LIST, sizeof(**out));
	struct db_stmt *s = sq_stmt(sql_recall_list);
	if (s == NULL || *out == NULL)
		return ERR_INTERNAL;
	sq_bind_id(s, 1, patient);
	db_bind_int64(s, 2, LIMIT_LIST);
	int step;
	while ((step = db_step(s)) == DB_ROW && *n < LIMIT_LIST) {
		struct store_recall *r = &(*out)[*n];
		recall_row(s, r);
		/* the row's own patient, checked again */
		if (id_eq(&r->patient, patient))
			(*n)++;
	}
	db_reset(s);
	return step == DB_DONE || step == DB_ROW ? ERR_OK : sq_fail("recall_list");
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

enum err sq_store_recalls_of_practice(const struct id *practice, int64_t due_before, size_t offset,
				      size_t limit, struct arena *a, struct store_recall **out, size_t *n)
{
	*n = 0;
	if (limit == 0 || limit > LIMIT_LIST || offset > INT32_MAX)
		return ERR_INTERNAL;
	*out = arena_calloc(a, limit, sizeof(**out));
	struct db_stmt *s = sq_stmt(sql_recalls_of_practice);
	if (s == NULL || *out == NULL)
		return ERR_INTERNAL;
	sq_bind_id(s, 1, practice);
	db_bind_int64(s, 2, due_before);
	db_bind_int64(s, 3, (int64_t)limit);
	db_bind_int64(s, 4, (int64_t)offset);
	while (*n < limit && db_step(s) == DB_ROW)
		recall_row(s, &(*out)[(*n)++]);
	db_reset(s);
	return ERR_OK;
}
