/* The health summary (src/store/summary.h). */
#include "store/summary.h"
#include "store/sqlite/store_careplan_int.h"

#include <string.h>

#include "limits.h"

static const char *const kind_names[SUMMARY_KIND_COUNT] = {"allergy", "condition", "immunization",
							   "vital"};

const char *summary_kind_name(enum summary_kind k)
{
	return (unsigned)k < SUMMARY_KIND_COUNT ? kind_names[k] : NULL;
}

static bool kind_parse(const char *t, enum summary_kind *out)
{
	for (int i = 0; t != NULL && i < SUMMARY_KIND_COUNT; i++)
		if (strcmp(t, kind_names[i]) == 0) {
			*out = (enum summary_kind)i;
			return true;
		}
	return false;
}

static const char sql_summary_target[] =
	"SELECT s.patient_id, e.practice_id, e.history_from, s.created FROM summary_entry s"
	" LEFT JOIN enrolment e ON e.patient_id = s.patient_id WHERE s.id = ? LIMIT 8";

enum err sq_store_summary_target(const struct id *entry, struct target *out)
{
	return careplan_target_rows(sq_stmt(sql_summary_target), entry, out);
}

/* One statement: the row goes in only while the patient holds fewer than LIMIT_LIST of its
 * kind, so two writers racing cannot pass the cap together. */
static const char sql_summary_insert[] =
	"INSERT INTO summary_entry (id, patient_id, practice_id, kind, status, code, effective,"
	" created, detail) SELECT ?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9"
	" WHERE (SELECT count(*) FROM summary_entry WHERE patient_id = ?2 AND kind = ?4) < ?10";

enum err sq_store_summary_insert(const struct grant *g, const struct store_summary *e)
{
	const char *kind = summary_kind_name(e->kind);
	if (!grant_allows(g, &e->patient, ACTION_SUMMARY_CREATE))
		return ERR_DENIED;
	struct db_stmt *s = kind && e->detail.len ? sq_stmt(sql_summary_insert) : NULL;
	if (s == NULL)
		return ERR_INTERNAL;
	sq_bind_id(s, 1, &e->id);
	sq_bind_id(s, 2, &e->patient);
	sq_bind_id(s, 3, &e->practice);
	db_bind_text(s, 4, kind);
	db_bind_text(s, 5, e->status);
	db_bind_text(s, 6, e->code);
	db_bind_int64(s, 7, e->effective);
	db_bind_int64(s, 8, e->created);
	db_bind_blob(s, 9, e->detail.ptr, e->detail.len);
	db_bind_int64(s, 10, LIMIT_LIST);
	int changed = 0;
	int rc = careplan_step_write(s, "summary_insert", &changed);
	if (rc != ERR_OK)
		return rc == ERR_CONFLICT ? ERR_INTERNAL : rc;
	return changed == 1 ? ERR_OK : ERR_FULL;
}

#define SUMMARY_COLS "id, patient_id, practice_id, kind, status, code, effective, created, detail"

static bool summary_row(struct db_stmt *s, struct arena *a, void *row)
{
	struct store_summary *e = row;
	memset(e, 0, sizeof(*e));
	sq_col_id(s, 0, &e->id);
	sq_col_id(s, 1, &e->patient);
	sq_col_id(s, 2, &e->practice);
	if (!kind_parse(db_column_text(s, 3), &e->kind))
		return false;
	sq_col_text_fixed(s, 4, e->status, sizeof(e->status));
	sq_col_text_fixed(s, 5, e->code, sizeof(e->code));
	e->effective = db_column_int64(s, 6);
	e->created = db_column_int64(s, 7);
	return sq_col_bytes(s, 8, a, &e->detail);
}

/* One statement per kind, so each is prepared once and cached by its address (sq_stmt). */
#define SUMMARY_LIST_SQL(k)                                                                      \
	"SELECT " SUMMARY_COLS " FROM summary_entry WHERE patient_id = ?1 AND kind = '" k "'"    \
	" AND created >= ?3 ORDER BY effective DESC, created DESC, id LIMIT ?2"
static const char sql_list_allergy[] = SUMMARY_LIST_SQL("allergy");
static const char sql_list_condition[] = SUMMARY_LIST_SQL("condition");
static const char sql_list_immunization[] = SUMMARY_LIST_SQL("immunization");
static const char sql_list_vital[] = SUMMARY_LIST_SQL("vital");

enum err sq_store_summary_list(const struct grant *g, const struct id *patient, enum summary_kind kind,
			       struct arena *a, struct store_summary **out, size_t *n)
{
	static const char *const sql[SUMMARY_KIND_COUNT] = {sql_list_allergy, sql_list_condition,
							    sql_list_immunization, sql_list_vital};
	*n = 0;
	*out = NULL;
	if (!grant_allows(g, patient, ACTION_SUMMARY_LIST))
		return ERR_DENIED;
	if ((unsigned)kind >= SUMMARY_KIND_COUNT)
		return ERR_INTERNAL;
	void *rows = NULL;
	int rc = careplan_list(sql[kind], g, patient, a, sizeof(**out), summary_row, &rows, n,
			       "summary_list");
	*out = rows;
	return rc;
}

static const char sql_summary_get[] = "SELECT " SUMMARY_COLS " FROM summary_entry WHERE id = ?";

enum err sq_store_summary_get(const struct grant *g, const struct id *entry, struct arena *a,
			      struct store_summary *out)
{
	int rc = careplan_get(sql_summary_get, entry, g, a, summary_row, out, sizeof(*out),
			      &out->patient, "summary_get");
	if (rc == ERR_OK && !grant_shows(g, out->created)) {
		memset(out, 0, sizeof(*out));
		return ERR_DENIED;
	}
	return rc;
}
