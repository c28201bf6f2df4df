/* The home page's marks (src/store/home.h). */
#include "store/home.h"
#include "store/sqlite/store_int.h"

static const char sql_seen_get[] =
	"SELECT seen FROM seen_mark WHERE account_id = ? AND record_id = ? AND kind = ?";
static const char sql_seen_set[] =
	"INSERT INTO seen_mark (account_id, record_id, kind, seen) VALUES (?, ?, ?, ?)"
	" ON CONFLICT (account_id, record_id, kind) DO UPDATE SET seen = max(seen, excluded.seen)";

enum err sq_store_seen_get(const struct id *account, const struct id *record, const char *kind,
			   int64_t *seen)
{
	*seen = 0;
	sqlite3_stmt *s = sq_stmt(sql_seen_get);
	if (s == NULL)
		return ERR_INTERNAL;
	sq_bind_id(s, 1, account);
	sq_bind_id(s, 2, record);
	sq_bind_text(s, 3, kind);
	int step = sqlite3_step(s);
	if (step == SQLITE_ROW)
		*seen = sqlite3_column_int64(s, 0);
	sqlite3_reset(s);
	return step == SQLITE_ROW || step == SQLITE_DONE ? ERR_OK : sq_fail("seen_get");
}

enum err sq_store_seen_set(const struct id *account, const struct id *record, const char *kind,
			   int64_t seen)
{
	sqlite3_stmt *s = sq_stmt(sql_seen_set);
	if (s == NULL)
		return ERR_INTERNAL;
	sq_bind_id(s, 1, account);
	sq_bind_id(s, 2, record);
	sq_bind_text(s, 3, kind);
	sqlite3_bind_int64(s, 4, seen);
	return sq_step_done(s, "seen_set");
}
