/* Documents: inserting within an upload allowance, listing and reading them; the grant is
 * checked against each row's own patient (src/store/store.h). */
#include "store/store.h"
#include "store/sqlite/store_int.h"

#include <string.h>

#include "limits.h"

static const char sql_document_target[] =
	"SELECT d.patient_id, e.practice_id, e.history_from, d.created FROM document d"
	" LEFT JOIN enrolment e ON e.patient_id = d.patient_id WHERE d.id = ?"
	" ORDER BY e.since LIMIT 8";
/* Within the author's allowance, decided in this one statement (quota.h). */
static const char sql_document_insert[] =
	"INSERT INTO document (id, patient_id, author_id, kind, content_type,"
	" size, created, wrapped_key, meta, body)"
	" SELECT ?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10"
	" WHERE (SELECT coalesce(sum(size), 0) FROM document WHERE author_id = ?3)"
	" + ?6 <= ?13 AND (SELECT coalesce(sum(size), 0) FROM document"
	" WHERE author_id = ?3 AND created >= ?11) + ?6 <= ?12";
static const char sql_document_insert_unlimited[] =
	"INSERT INTO document (id, patient_id, author_id, kind, content_type,"
	" size, created, wrapped_key, meta, body) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)";
static const char sql_document_usage[] =
	"SELECT coalesce(sum(size), 0),"
	" coalesce(sum(CASE WHEN created >= ?2 THEN size END), 0)"
	" FROM document WHERE author_id = ?1";
#define DOC_LIST_HEAD                                                                              \
	"SELECT id, author_id, kind, content_type, size, created, wrapped_key,"                    \
	" meta FROM document WHERE patient_id = ?1 AND created >= ?5"
/* A document never changes once written: its date is its last change. */
static const char *const sql_document_page[4] = SQ_PAGE_SQL(DOC_LIST_HEAD, "created", "created", "kind", "id");
static const char sql_document_count[] =
	"SELECT count(*) FROM document WHERE patient_id = ?1 AND created >= ?5" SQ_PAGE_WHERE("created", "created", "kind");
#define DOCUMENT_GET_COLS                                                                          \
	"SELECT d.patient_id, d.author_id, d.kind, d.content_type, d.size,"                        \
	" d.created, d.wrapped_key, d.meta, CASE WHEN ?2 <> 0 THEN d.body ELSE NULL END,"          \
	" p.wrapped_key, p.phi, p.created"
#define DOCUMENT_GET_FROM " FROM document d JOIN patient p ON p.id = d.patient_id"
static const char sql_document_get[] = DOCUMENT_GET_COLS DOCUMENT_GET_FROM " WHERE d.id = ?1";
static const char sql_document_get_keyed[] =
	DOCUMENT_GET_COLS ", k.wrapped" DOCUMENT_GET_FROM SQ_KEY_JOIN("d.patient_id") " WHERE d.id = ?1";

enum err sq_store_document_target(const struct id *document, struct target *out)
{
	struct db_stmt *s = sq_stmt(sql_document_target);
	if (s != NULL)
		sq_bind_id(s, 1, document);
	return sq_target_collect(s, out, "document_target");
}

enum err sq_store_document_insert(const struct grant *g, const struct store_document *d,
			  const struct store_upload_limit *lim)
{
	if (!grant_allows(g, &d->patient, ACTION_DOCUMENT_CREATE))
		return ERR_DENIED;
	struct db_stmt *s = sq_stmt(lim ? sql_document_insert : sql_document_insert_unlimited);
	if (s == NULL)
		return ERR_INTERNAL;
	sq_bind_id(s, 1, &d->id);
	sq_bind_id(s, 2, &d->patient);
	sq_bind_id(s, 3, &d->author);
	sq_bind_text(s, 4, d->kind);
	sq_bind_text(s, 5, d->content_type);
	db_bind_int64(s, 6, d->size);
	db_bind_int64(s, 7, d->created);
	db_bind_blob(s, 8, d->wrapped_key.ptr, d->wrapped_key.len);
	db_bind_blob(s, 9, d->meta.ptr, d->meta.len);
	db_bind_blob(s, 10, d->body.ptr, d->body.len);
	if (lim != NULL) {
		db_bind_int64(s, 11, lim->since);
		db_bind_int64(s, 12, lim->daily_bytes);
		db_bind_int64(s, 13, lim->total_bytes);
	}
	int rc = db_step(s) == DB_DONE ? ERR_OK : sq_fail("document_insert");
	if (rc == ERR_OK && db_changes(s) == 0)
		rc = ERR_CONFLICT;
	db_reset(s);
	return rc;
}

enum err sq_store_document_usage(const struct id *account, int64_t since, int64_t *total, int64_t *day)
{
	struct db_stmt *s = sq_stmt(sql_document_usage);
	sq_bind_id(s, 1, account);
	db_bind_int64(s, 2, since);
	*total = *day = 0;
	int rc = ERR_OK;
	if (db_step(s) == DB_ROW) {
		*total = db_column_int64(s, 0);
		*day = db_column_int64(s, 1);
	} else {
		rc = sq_fail("document_usage");
	}
	db_reset(s);
	return rc;
}

static bool document_row(struct db_stmt *s, int first, struct arena *a, struct store_document *d)
{
	sq_col_id(s, first, &d->author);
	sq_col_text_fixed(s, first + 1, d->kind, sizeof(d->kind));
	sq_col_text_fixed(s, first + 2, d->content_type, sizeof(d->content_type));
	d->size = db_column_int64(s, first + 3);
	d->created = db_column_int64(s, first + 4);
	return sq_col_bytes(s, first + 5, a, &d->wrapped_key) && sq_col_bytes(s, first + 6, a, &d->meta);
}

enum err sq_store_document_list(const struct grant *g, const struct id *patient,
				const struct store_page *pg, struct arena *a, struct store_document **docs,
				size_t *n)
{
	*n = 0;
	if (!grant_allows(g, patient, ACTION_DOCUMENT_LIST))
		return ERR_DENIED;
	struct store_page first = {.desc = true, .limit = LIMIT_LIST};
	if (pg == NULL)
		pg = &first;
	size_t max = pg->limit > LIMIT_SEARCH_COUNT_MAX + 1 ? LIMIT_SEARCH_COUNT_MAX + 1 : pg->limit;
	*docs = arena_calloc(a, max ? max : 1, sizeof(struct store_document));
	if (*docs == NULL)
		return ERR_INTERNAL;
	int rc = ERR_OK;
	struct db_stmt *s = sq_page_stmt(sql_document_page, pg);
	if (s == NULL)
		return ERR_INTERNAL;
	sq_bind_id(s, 1, patient);
	db_bind_int64(s, 5, g->visible_from); /* a practice the patient moved to */
	while (*n < max && db_step(s) == DB_ROW) {
		struct store_document *d = &(*docs)[*n];
		sq_col_id(s, 0, &d->id);
		d->patient = *patient;
		if (!document_row(s, 1, a, d)) {
			rc = ERR_INTERNAL;
			break;
		}
		(*n)++;
	}
	db_reset(s);
	return rc;
}

enum err sq_store_document_count(const struct grant *g, const struct id *patient,
				 const struct store_page *pg, int64_t *total)
{
	*total = 0;
	if (!grant_allows(g, patient, ACTION_DOCUMENT_LIST))
		return ERR_DENIED;
	return sq_page_count_from(sql_document_count, patient, g->visible_from, pg, total);
}

enum err sq_store_document_get(const struct grant *g, const struct id *document, bool with_body,
		       struct arena *a, struct store_document *out, struct store_patient *patient)
{
	memset(out, 0, sizeof(*out));
	if (g == NULL)
		return ERR_DENIED;
	bool keyed = patient != NULL && sq_keys_alongside();
	struct db_stmt *s = sq_stmt(keyed ? sql_document_get_keyed : sql_document_get);
	sq_bind_id(s, 1, document);
	db_bind_int64(s, 2, with_body ? 1 : 0);
	int rc = ERR_NOT_FOUND;
	if (db_step(s) == DB_ROW) {
		sq_col_id(s, 0, &out->patient);
		out->id = *document;
		/* The grant must be for this document's own patient: checked on the row itself. */
		if (!grant_allows(g, &out->patient, ACTION_DOCUMENT_READ) ||
		    !grant_shows(g, db_column_int64(s, 5)))
			rc = ERR_DENIED;
		else if (!document_row(s, 1, a, out) || (with_body && !sq_col_bytes(s, 8, a, &out->body)))
			rc = ERR_INTERNAL;
		else
			rc = ERR_OK;
		if (rc == ERR_OK && patient != NULL) {
			patient->id = out->patient;
			patient->created = db_column_int64(s, 11);
			if (!sq_col_bytes(s, 9, a, &patient->wrapped_key) || !sq_col_bytes(s, 10, a, &patient->phi))
				rc = ERR_INTERNAL;
			else if (keyed)
				rc = sq_key_from_column(s, 12, patient->wrapped_key, a, &patient->wrapped_key);
		}
	}
	db_reset(s);
	if (rc == ERR_OK && patient != NULL && !keyed)
		rc = sq_key_get(&patient->id, patient->wrapped_key, a, &patient->wrapped_key);
	if (rc != ERR_OK)
		memset(out, 0, sizeof(*out));
	return rc;
}
