/* The second factor: TOTP secrets (sealed), the last step used, recovery codes (hashed)
 * (src/store/store.h). */
#include "store/store.h"
#include "store/sqlite/store_int.h"

#include <string.h>

#include "limits.h"

static const char sql_mfa_get[] =
	"SELECT totp_ct, totp_pending_ct, totp_last_step,"
	" (SELECT count(*) FROM passkey k WHERE k.account_id = account.id) FROM account WHERE id = ?";
static const char sql_mfa_recovery[] =
	"SELECT idx, hash FROM recovery_code WHERE account_id = ? AND used IS NULL"
	" ORDER BY idx LIMIT 10";
static const char sql_mfa_pending[] = "UPDATE account SET totp_pending_ct = ? WHERE id = ?";
static const char sql_mfa_enable_with[] =
	"UPDATE account SET totp_ct = ?3, totp_pending_ct = NULL,"
	" totp_last_step = ?2 WHERE id = ?1";
static const char sql_mfa_enable[] =
	"UPDATE account SET totp_ct = totp_pending_ct, totp_pending_ct = NULL,"
	" totp_last_step = ?2 WHERE id = ?1 AND totp_pending_ct IS NOT NULL";
static const char sql_mfa_step[] =
	"UPDATE account SET totp_last_step = ?2 WHERE id = ?1 AND totp_last_step < ?2";
static const char sql_mfa_recovery_clear[] = "DELETE FROM recovery_code WHERE account_id = ?";
static const char sql_mfa_recovery_add[] =
	"INSERT INTO recovery_code (account_id, idx, hash) VALUES (?, ?, ?)";
static const char sql_mfa_recovery_use[] =
	"UPDATE recovery_code SET used = unixepoch() WHERE account_id = ? AND"
	" idx = ? AND used IS NULL";

enum err sq_store_mfa_get(const struct id *account, struct arena *a, struct store_mfa *out)
{
	memset(out, 0, sizeof(*out));
	struct db_stmt *s = sq_stmt(sql_mfa_get);
	sq_bind_id(s, 1, account);
	int rc = ERR_NOT_FOUND;
	if (db_step(s) == DB_ROW) {
		rc = (sq_col_bytes(s, 0, a, &out->totp) && sq_col_bytes(s, 1, a, &out->totp_pending))
			     ? ERR_OK
			     : ERR_INTERNAL;
		out->last_step = db_column_int64(s, 2);
		out->n_passkeys = (size_t)db_column_int64(s, 3);
	}
	db_reset(s);
	if (rc != ERR_OK)
		return rc;
	s = sq_stmt(sql_mfa_recovery);
	sq_bind_id(s, 1, account);
	while (out->n_recovery < 10 && db_step(s) == DB_ROW) {
		if (db_column_bytes(s, 1) != HASH_BYTES)
			continue;
		out->recovery_index[out->n_recovery] = db_column_int(s, 0);
		memcpy(out->recovery[out->n_recovery], db_column_blob(s, 1), HASH_BYTES);
		out->n_recovery++;
	}
	db_reset(s);
	return ERR_OK;
}

enum err sq_store_mfa_set_pending(const struct id *account, struct bytes sealed)
{
	struct db_stmt *s = sq_stmt(sql_mfa_pending);
	db_bind_blob(s, 1, sealed.ptr, sealed.len);
	sq_bind_id(s, 2, account);
	int rc = db_step(s) == DB_DONE ? ERR_OK : sq_fail("mfa_pending");
	db_reset(s);
	return rc;
}

/* Run an UPDATE; ERR_CONFLICT when it changed no row. */
static enum err update_one(struct db_stmt *s, const char *what)
{
	int rc = db_step(s) == DB_DONE ? ERR_OK : sq_fail(what);
	if (rc == ERR_OK && db_changes(s) != 1)
		rc = ERR_CONFLICT;
	db_reset(s);
	return rc;
}

enum err sq_store_mfa_enable(const struct id *account, const struct bytes *sealed, int64_t step)
{
	struct db_stmt *s = sq_stmt(sealed ? sql_mfa_enable_with : sql_mfa_enable);
	sq_bind_id(s, 1, account);
	db_bind_int64(s, 2, step);
	if (sealed)
		db_bind_blob(s, 3, sealed->ptr, sealed->len);
	return update_one(s, "mfa_enable");
}

enum err sq_store_mfa_use_step(const struct id *account, int64_t step)
{
	struct db_stmt *s = sq_stmt(sql_mfa_step);
	sq_bind_id(s, 1, account);
	db_bind_int64(s, 2, step);
	return update_one(s, "mfa_step");
}

enum err sq_store_mfa_set_recovery(const struct id *account, const uint8_t (*hashes)[HASH_BYTES], size_t n)
{
	struct db_stmt *s = sq_stmt(sql_mfa_recovery_clear);
	sq_bind_id(s, 1, account);
	int rc = db_step(s) == DB_DONE ? ERR_OK : sq_fail("recovery_clear");
	db_reset(s);
	for (size_t i = 0; rc == ERR_OK && i < n; i++) {
		s = sq_stmt(sql_mfa_recovery_add);
		sq_bind_id(s, 1, account);
		db_bind_int64(s, 2, (int)i);
		db_bind_blob(s, 3, hashes[i], HASH_BYTES);
		rc = db_step(s) == DB_DONE ? ERR_OK : sq_fail("recovery_add");
		db_reset(s);
	}
	return rc;
}

enum err sq_store_mfa_use_recovery(const struct id *account, int index)
{
	struct db_stmt *s = sq_stmt(sql_mfa_recovery_use);
	sq_bind_id(s, 1, account);
	db_bind_int64(s, 2, index);
	return update_one(s, "recovery_use");
}
