/* The home page's marks (src/store/home.h). */
#include "store/home.h"
#include "store/sqlite/store_int.h"

static const char sql_seen_get[] =
	"SELECT seen FROM seen_mark WHERE account_id = ? AND record_id = ? AND kind = ?";
static const char sql_seen_set[] =
	"INSERT INTO seen_mark (account_id, record_id, kind, seen) VALUES (?, ?, ?, ?)"
	" ON CONFLICT (account_id, record_id, kind) DO UPDATE SET seen = max(seen_mark.seen, excluded.seen)";

enum err sq_store_seen_get(const struct id *account, const struct id *record, const char *kind,
			   int64_t *seen)
{
	*seen = 0;
	struct db_stmt *s = sq_stmt(sql_seen_get);
	if (s == NULL)
		return ERR_INTERNAL;
	sq_bind_id(s, 1, account);
	sq_bind_id(s, 2, record);
	sq_bind_text(s, 3, kind);
	int step = db_step(s);
	if (step == DB_ROW)
		*seen = db_column_int64(s, 0);
	db_reset(s);
	return step == DB_ROW || step == DB_DONE ? ERR_OK : sq_fail("seen_get");
}

enum err sq_store_seen_set(const struct id *account, const struct id *record, const char *kind,
			   int64_t seen)
{
	struct db_stmt *s = sq_stmt(sql_seen_set);
	if (s == NULL)
		return ERR_INTERNAL;
	sq_bind_id(s, 1, account);
	sq_bind_id(s, 2, record);
	sq_bind_text(s, 3, kind);
	db_bind_int64(s, 4, seen);
	return sq_step_done(s, "seen_set");
}
