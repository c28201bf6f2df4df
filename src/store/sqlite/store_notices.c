/* Incident notices to patients (src/store/store.h). */
#include "store/store.h"
#include "store/sqlite/store_int.h"

#include <string.h>

#include "limits.h"

static const char sql_notice_insert[] =
	"INSERT INTO notice (id, patient_id, reference, created, body)"
	" VALUES (?, ?, ?, ?, ?)";
static const char sql_notice_list[] =
	"SELECT id, reference, created, body FROM notice WHERE patient_id = ?"
	" ORDER BY created DESC LIMIT 100";

enum err sq_store_notice_insert(const struct grant *g, const struct id *patient, const struct store_notice *n)
{
	if (!grant_for_patient(g, patient))
		return ERR_DENIED;
	struct db_stmt *s = sq_stmt(sql_notice_insert);
	sq_bind_id(s, 1, &n->id);
	sq_bind_id(s, 2, patient);
	sq_bind_text(s, 3, n->reference);
	db_bind_int64(s, 4, n->created);
	db_bind_blob(s, 5, n->body.ptr, n->body.len);
	int rc = db_step(s) == DB_DONE ? ERR_OK : sq_fail("notice_insert");
	db_reset(s);
	return rc;
}

enum err sq_store_notice_list(const struct grant *g, const struct id *patient, struct arena *a,
		      struct store_notice **out, size_t *n)
{
	*n = 0;
	if (!grant_for_patient(g, patient))
		return ERR_DENIED;
	*out = arena_calloc(a, 100, sizeof(**out));
	if (*out == NULL)
		return ERR_INTERNAL;
	int rc = ERR_OK;
	struct db_stmt *s = sq_stmt(sql_notice_list);
	sq_bind_id(s, 1, patient);
	while (*n < 100 && db_step(s) == DB_ROW) {
		struct store_notice *x = &(*out)[*n];
		sq_col_id(s, 0, &x->id);
		sq_col_text_fixed(s, 1, x->reference, sizeof(x->reference));
		x->created = db_column_int64(s, 2);
		if (!sq_col_bytes(s, 3, a, &x->body)) {
			rc = ERR_INTERNAL;
			break;
		}
		(*n)++;
	}
	db_reset(s);
	return rc;
}
