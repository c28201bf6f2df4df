/* A page of one patient's rows in SQL (store/page.h, SQ_PAGE_SQL in store_int.h): binding its
 * filters, cursor and limit. The patient is bound by each part from its grant, never here. */
#include "store/store.h"
#include "store/sqlite/store_int.h"

static void bind_ranges(struct db_stmt *s, int base, const struct store_ranges *r)
{
	db_bind_int64(s, base, r->on ? 1 : 0);
	for (size_t i = 0; i < LIMIT_SEARCH_RANGES; i++) {
		bool used = r->on && i < r->n;
		/* an unused range is empty: [1, 0) holds nothing */
		db_bind_int64(s, base + 1 + 2 * (int)i, used ? r->lo[i] : 1);
		db_bind_int64(s, base + 2 + 2 * (int)i, used ? r->hi[i] : 0);
	}
}

void sq_page_bind(struct db_stmt *s, const struct store_page *pg)
{
	bind_ranges(s, 200, &pg->date);
	bind_ranges(s, 300, &pg->updated);
	if (pg->codes)
		sq_bind_text(s, 400, pg->codes);
	if (pg->after) {
		db_bind_int64(s, 401, pg->after_t);
		sq_bind_id(s, 402, &pg->after_id);
	}
	size_t limit = pg->limit > LIMIT_SEARCH_COUNT_MAX + 1 ? LIMIT_SEARCH_COUNT_MAX + 1 : pg->limit;
	db_bind_int64(s, 403, (int)limit);
}

struct db_stmt *sq_page_stmt(const char *const sql[4], const struct store_page *pg)
{
	size_t i = (pg->sort == STORE_SORT_UPDATED ? 2u : 0u) + (pg->desc ? 0u : 1u);
	struct db_stmt *s = sq_stmt(sql[i]);
	if (s != NULL)
		sq_page_bind(s, pg);
	return s;
}

enum err sq_page_count_run(struct db_stmt *s, const struct store_page *pg, int64_t *total)
{
	*total = 0;
	if (s == NULL)
		return ERR_INTERNAL;
	sq_page_bind(s, pg);
	int rc = db_step(s) == DB_ROW ? ERR_OK : sq_fail("page_count");
	if (rc == ERR_OK)
		*total = db_column_int64(s, 0);
	db_reset(s);
	return rc;
}

enum err sq_page_count(const char *sql, const struct id *patient, const struct id *second,
		       const struct store_page *pg, int64_t *total)
{
	struct db_stmt *s = sq_stmt(sql);
	if (s != NULL) {
		sq_bind_id(s, 1, patient);
		if (second)
			sq_bind_id(s, 2, second);
	}
	return sq_page_count_run(s, pg, total);
}

enum err sq_page_count_from(const char *sql, const struct id *patient, int64_t visible_from,
			    const struct store_page *pg, int64_t *total)
{
	struct db_stmt *s = sq_stmt(sql);
	if (s != NULL) {
		sq_bind_id(s, 1, patient);
		db_bind_int64(s, 5, visible_from);
	}
	return sq_page_count_run(s, pg, total);
}
