/* Throttling of failed attempts, per key, with exponential backoff (src/store/store.h). */
#include "store/store.h"
#include "store/sqlite/store_int.h"

#include <string.h>

#include "limits.h"

static const char sql_throttle_get[] =
	"SELECT failures, window_start, blocked_until FROM throttle WHERE key = ?";
static const char sql_throttle_upsert[] =
	"INSERT INTO throttle (key, failures, window_start, blocked_until) VALUES (?1, 1, ?2, 0)"
	" ON CONFLICT(key) DO UPDATE SET"
	" failures = CASE WHEN throttle.window_start + ?3 < ?2 AND throttle.blocked_until + ?3 < ?2 THEN 1"
	"  ELSE throttle.failures + 1 END,"
	" window_start = CASE WHEN throttle.window_start + ?3 < ?2 AND throttle.blocked_until + ?3 < ?2 THEN ?2"
	"  ELSE throttle.window_start END,"
	/* exponential backoff: the block doubles with each failure past the threshold, up to
	* ?6; failures are forgotten only after a whole window without failure or block */
	" blocked_until = CASE WHEN throttle.window_start + ?3 < ?2 AND throttle.blocked_until + ?3 < ?2"
	"  THEN throttle.blocked_until WHEN throttle.failures + 1 >= ?4"
	"  THEN ?2 + min(?5 << min(throttle.failures + 1 - ?4, 20), ?6) ELSE throttle.blocked_until END";
static const char sql_throttle_clear[] = "DELETE FROM throttle WHERE key = ?";

enum err sq_store_throttle_get(const char *key, int64_t now, int64_t window, int *failures,
		       int64_t *blocked_until)
{
	struct db_stmt *s = sq_stmt(sql_throttle_get);
	sq_bind_text(s, 1, key);
	*failures = 0;
	*blocked_until = 0;
	if (db_step(s) == DB_ROW) {
		int64_t start = db_column_int64(s, 1);
		if (start + window >= now)
			*failures = db_column_int(s, 0);
		*blocked_until = db_column_int64(s, 2);
	}
	db_reset(s);
	return ERR_OK;
}

enum err sq_store_throttle_fail(const char *key, int64_t now, int64_t window, int block_after,
			int64_t block_seconds)
{
	struct db_stmt *s = sq_stmt(sql_throttle_upsert);
	sq_bind_text(s, 1, key);
	db_bind_int64(s, 2, now);
	db_bind_int64(s, 3, window);
	db_bind_int64(s, 4, block_after);
	db_bind_int64(s, 5, block_seconds);
	db_bind_int64(s, 6, THROTTLE_BLOCK_MAX_SECONDS);
	int rc = db_step(s) == DB_DONE ? ERR_OK : sq_fail("throttle_fail");
	db_reset(s);
	return rc;
}

enum err sq_store_throttle_clear(const char *key)
{
	struct db_stmt *s = sq_stmt(sql_throttle_clear);
	sq_bind_text(s, 1, key);
	int rc = db_step(s) == DB_DONE ? ERR_OK : sq_fail("throttle_clear");
	db_reset(s);
	return rc;
}
