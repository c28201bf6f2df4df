/* The email outbox: queueing a message (its body sealed, docs/internals/OUTBOX.md), the
 * messages due, and marking one sent or to be retried (src/store/store.h, src/store/account.h). */
#include "store/store.h"
#include "store/account.h"
#include "store/sqlite/store_int.h"

#include "limits.h"

static const char sql_outbox_insert[] =
	"INSERT INTO outbox (id, account_id, to_ct, subject, body, body_ct, created)"
	" VALUES (?, ?, ?, ?, '', ?, unixepoch())";

enum err sq_store_outbox_insert(const struct id *id, const struct id *account, struct bytes to_ct,
			const char *subject, struct bytes body_ct)
{
	if (body_ct.len == 0)
		return ERR_INTERNAL;
	struct db_stmt *s = sq_stmt(sql_outbox_insert);
	sq_bind_id(s, 1, id);
	sq_bind_id(s, 2, account);
	db_bind_blob(s, 3, to_ct.ptr, to_ct.len);
	sq_bind_text(s, 4, subject);
	db_bind_blob(s, 5, body_ct.ptr, body_ct.len);
	int rc = db_step(s) == DB_DONE ? ERR_OK : sq_fail("outbox_insert");
	db_reset(s);
	return rc;
}

static const char sql_outbox_due[] =
	"SELECT id, account_id, to_ct, subject, body, attempts, body_ct, created FROM outbox"
	" WHERE sent IS NULL AND not_before <= ?2 AND (?1 <> 0 OR next_try <= ?2)"
	" ORDER BY created, rowid LIMIT ?3";

enum err sq_store_outbox_due(int64_t now, bool all, size_t max, struct arena *a,
		     struct store_outbox_row **rows, size_t *n)
{
	*n = 0;
	*rows = NULL;
	if (max > LIMIT_LIST)
		max = LIMIT_LIST;
	struct store_outbox_row *out = arena_calloc(a, max ? max : 1, sizeof(*out));
	struct db_stmt *s = sq_stmt(sql_outbox_due);
	if (s == NULL || out == NULL)
		return ERR_INTERNAL;
	db_bind_int64(s, 1, all ? 1 : 0);
	db_bind_int64(s, 2, now);
	db_bind_int64(s, 3, (int64_t)max);
	int step;
	while ((step = db_step(s)) == DB_ROW && *n < max) {
		struct store_outbox_row *r = &out[*n];
		sq_col_id(s, 0, &r->id);
		sq_col_id(s, 1, &r->account);
		sq_col_bytes(s, 2, a, &r->to_ct);
		r->subject = sq_col_text(s, 3, a);
		r->body = sq_col_text(s, 4, a);
		r->attempts = db_column_int64(s, 5);
		sq_col_bytes(s, 6, a, &r->body_ct);
		r->created = db_column_int64(s, 7);
		if (r->subject == NULL || r->body == NULL)
			continue;
		(*n)++;
	}
	db_reset(s);
	*rows = out;
	return step == DB_DONE || step == DB_ROW ? ERR_OK : sq_fail("outbox_due");
}

static const char sql_outbox_claim[] =
	"UPDATE outbox SET claimed_until = ?3 WHERE id = ?1 AND sent IS NULL AND claimed_until <= ?2";

enum err sq_store_outbox_claim(const struct id *id, int64_t now, int64_t until)
{
	struct db_stmt *s = sq_stmt(sql_outbox_claim);
	if (s == NULL)
		return ERR_INTERNAL;
	sq_bind_id(s, 1, id);
	db_bind_int64(s, 2, now);
	db_bind_int64(s, 3, until);
	int rc = sq_write_one(s, "outbox_claim");
	return rc == ERR_NOT_FOUND ? ERR_CONFLICT : rc;
}

static const char sql_outbox_sent[] =
	"UPDATE outbox SET sent = ?, body = '', body_ct = NULL WHERE id = ? AND sent IS NULL";

enum err sq_store_outbox_sent(const struct id *id, int64_t now)
{
	struct db_stmt *s = sq_stmt(sql_outbox_sent);
	if (s == NULL)
		return ERR_INTERNAL;
	db_bind_int64(s, 1, now);
	sq_bind_id(s, 2, id);
	return sq_step_done(s, "outbox_sent");
}

static const char sql_outbox_retry[] =
	"UPDATE outbox SET attempts = ?, next_try = ?, claimed_until = 0,"
	" body = CASE WHEN ?4 <> 0 THEN '' ELSE body END,"
	" body_ct = CASE WHEN ?4 <> 0 THEN NULL ELSE body_ct END WHERE id = ?3";

enum err sq_store_outbox_retry(const struct id *id, int64_t attempts, int64_t next_try, bool drop_body)
{
	struct db_stmt *s = sq_stmt(sql_outbox_retry);
	if (s == NULL)
		return ERR_INTERNAL;
	db_bind_int64(s, 1, attempts);
	db_bind_int64(s, 2, next_try);
	sq_bind_id(s, 3, id);
	db_bind_int64(s, 4, drop_body ? 1 : 0);
	return sq_step_done(s, "outbox_retry");
}
