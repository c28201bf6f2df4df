/* Recalls (src/store/recalls.h). */
#include "store/recalls.h"
#include "store/sqlite/store_int.h"

#include "limits.h"

static const char sql_recall_insert[] =
	"INSERT INTO recall (id, patient_id, practice_id, kind, due, created, created_by)"
	" VALUES (?, ?, ?, ?, ?, ?, ?)";

enum err sq_store_recall_insert(const struct grant *g, const struct store_recall *r)
{
	if (!grant_allows(g, &r->patient, ACTION_RECALL_SET))
		return ERR_DENIED;
	sqlite3_stmt *s = sq_stmt(sql_recall_insert);
	if (s == NULL)
		return ERR_INTERNAL;
	sq_bind_id(s, 1, &r->id);
	sq_bind_id(s, 2, &r->patient);
	sq_bind_id(s, 3, &r->practice);
	sq_bind_text(s, 4, r->kind);
	sqlite3_bind_int64(s, 5, r->due);
	sqlite3_bind_int64(s, 6, r->created);
	sq_bind_id(s, 7, &r->created_by);
	return sq_step_done(s, "recall_insert");
}

static const char sql_recall_list[] =
	"SELECT id, patient_id, practice_id, kind, due, created, created_by FROM recall"
	" WHERE patient_id = ? ORDER BY due, created LIMIT ?";

enum err sq_store_recall_list(const struct grant *g, const struct id *patient, struct arena *a,
			      struct store_recall **out, size_t *n)
{
	*n = 0;
	if (!grant_allows(g, patient, ACTION_RECALL_LIST))
		return ERR_DENIED;
	*out = arena_calloc(a, LIMIT_LIST, sizeof(**out));
	sqlite3_stmt *s = sq_stmt(sql_recall_list);
	if (s == NULL || *out == NULL)
		return ERR_INTERNAL;
	sq_bind_id(s, 1, patient);
	sqlite3_bind_int64(s, 2, LIMIT_LIST);
	int step;
	while ((step = sqlite3_step(s)) == SQLITE_ROW && *n < LIMIT_LIST) {
		struct store_recall *r = &(*out)[*n];
		sq_col_id(s, 0, &r->id);
		sq_col_id(s, 1, &r->patient);
		sq_col_id(s, 2, &r->practice);
		sq_col_text_fixed(s, 3, r->kind, sizeof(r->kind));
		r->due = sqlite3_column_int64(s, 4);
		r->created = sqlite3_column_int64(s, 5);
		sq_col_id(s, 6, &r->created_by);
		/* the row's own patient, checked again */
		if (id_eq(&r->patient, patient))
			(*n)++;
	}
	sqlite3_reset(s);
	return step == SQLITE_DONE || step == SQLITE_ROW ? ERR_OK : sq_fail("recall_list");
}
