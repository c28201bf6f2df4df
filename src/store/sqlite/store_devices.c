/* Known devices (see src/store/devices.h). */
#include "store/devices.h"
#include "store/sqlite/store_int.h"

#include "limits.h"

static const char sql_put[] =
	"INSERT INTO known_device (hash, account_id, created, last_used) VALUES (?1, ?2, ?3, ?3)"
	" ON CONFLICT(hash) DO UPDATE SET last_used = ?3 WHERE known_device.account_id = ?2";
static const char sql_trim[] =
	"DELETE FROM known_device WHERE account_id = ?1 AND hash NOT IN (SELECT hash FROM"
	" known_device WHERE account_id = ?1 ORDER BY last_used DESC, hash LIMIT ?2)";

enum err sq_store_known_device_put(const uint8_t hash[HASH_BYTES], const struct id *account, int64_t now)
{
	struct db_stmt *s = sq_stmt(sql_put);
	if (s == NULL)
		return ERR_INTERNAL;
	db_bind_blob(s, 1, hash, HASH_BYTES);
	sq_bind_id(s, 2, account);
	db_bind_int64(s, 3, now);
	int rc = sq_step_done(s, "known_device_put");
	if (rc != ERR_OK)
		return rc;
	s = sq_stmt(sql_trim);
	if (s == NULL)
		return ERR_INTERNAL;
	sq_bind_id(s, 1, account);
	db_bind_int64(s, 2, LIMIT_KNOWN_DEVICES);
	return sq_step_done(s, "known_device_trim");
}

static const char sql_get[] =
	"SELECT 1 FROM known_device WHERE hash = ? AND account_id = ? AND last_used >= ?";

enum err sq_store_known_device_get(const uint8_t hash[HASH_BYTES], const struct id *account, int64_t since)
{
	struct db_stmt *s = sq_stmt(sql_get);
	if (s == NULL)
		return ERR_INTERNAL;
	db_bind_blob(s, 1, hash, HASH_BYTES);
	sq_bind_id(s, 2, account);
	db_bind_int64(s, 3, since);
	int step = db_step(s);
	db_reset(s);
	if (step == DB_ROW)
		return ERR_OK;
	return step == DB_DONE ? ERR_NOT_FOUND : sq_fail("known_device_get");
}

static const char sql_forget[] = "DELETE FROM known_device WHERE account_id = ?";

enum err sq_store_known_devices_forget(const struct id *account)
{
	struct db_stmt *s = sq_stmt(sql_forget);
	if (s == NULL)
		return ERR_INTERNAL;
	sq_bind_id(s, 1, account);
	return sq_step_done(s, "known_devices_forget");
}
