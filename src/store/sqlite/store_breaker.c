/* Several nodes' breaker facts (src/store/breaker.h). */
#include "store/breaker.h"
#include "store/sqlite/store_int.h"

static const char sql_add[] =
	"INSERT INTO breaker_event (node, actor, kind, app, role, patient, amount, at)"
	" VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)";
/* written in one order: every write holds the file's writer lock (STORE.md), so a later seq
 * is never committed before an earlier one and the cursor skips nothing */
static const char sql_since[] =
	"SELECT seq, actor, kind, app, role, patient, amount, at FROM breaker_event"
	" WHERE seq > ?1 AND at >= ?2 AND node <> ?3 ORDER BY seq LIMIT ?4";
static const char sql_prune[] = "DELETE FROM breaker_event WHERE at < ?1";

enum err sq_store_breaker_events_add(const struct id *node, const struct breaker_event *ev,
				     size_t n)
{
	if (n == 0)
		return ERR_OK;
	if (sq_begin(SQ_MAIN) != ERR_OK)
		return ERR_INTERNAL;
	struct db_stmt *s = sq_stmt(sql_add);
	for (size_t i = 0; i < n; i++) {
		sq_bind_id(s, 1, node);
		sq_bind_id(s, 2, &ev[i].key);
		db_bind_int64(s, 3, ev[i].kind);
		db_bind_int64(s, 4, ev[i].app);
		db_bind_int64(s, 5, ev[i].role);
		db_bind_int64(s, 6, (int64_t)ev[i].patient); /* the fingerprint's bits, as stored */
		db_bind_int64(s, 7, ev[i].amount);
		db_bind_int64(s, 8, ev[i].at);
		int rc = db_step(s);
		db_reset(s);
		if (rc != DB_DONE) {
			sq_rollback(SQ_MAIN);
			return ERR_INTERNAL;
		}
	}
	return sq_commit(SQ_MAIN);
}

enum err sq_store_breaker_events_since(const struct id *node, int64_t *cursor, int64_t since,
				       struct breaker_event *out, size_t max, size_t *n)
{
	*n = 0;
	struct db_stmt *s = sq_stmt(sql_since);
	db_bind_int64(s, 1, *cursor);
	db_bind_int64(s, 2, since);
	sq_bind_id(s, 3, node);
	db_bind_int64(s, 4, (int64_t)max);
	int rc;
	while ((rc = db_step(s)) == DB_ROW && *n < max) {
		struct breaker_event *e = &out[*n];
		*cursor = db_column_int64(s, 0);
		if (!sq_col_id(s, 1, &e->key))
			continue;
		e->kind = (uint8_t)db_column_int(s, 2);
		e->app = (uint8_t)db_column_int(s, 3);
		e->role = (uint8_t)db_column_int(s, 4);
		e->patient = (uint64_t)db_column_int64(s, 5);
		e->amount = db_column_int64(s, 6);
		e->at = db_column_int64(s, 7);
		(*n)++;
	}
	db_reset(s);
	return rc == DB_ROW || rc == DB_DONE ? ERR_OK : ERR_INTERNAL;
}

enum err sq_store_breaker_events_prune(int64_t before)
{
	struct db_stmt *s = sq_stmt(sql_prune);
	db_bind_int64(s, 1, before);
	int rc = db_step(s);
	db_reset(s);
	return rc == DB_DONE ? ERR_OK : ERR_INTERNAL;
}
