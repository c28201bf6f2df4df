/* Passkeys of accounts and their challenges (store/passkey.h). */
#include <string.h>

#include "store/passkey.h"
#include "store/sqlite/store_int.h"

static const char sql_insert[] =
	"INSERT INTO passkey (id, account_id, cred_id, name, alg, public_key, mac, sign_count,"
	" user_verified, created) SELECT ?, ?, ?, ?, ?, ?, ?, ?, ?, ?"
	" WHERE (SELECT count(*) FROM passkey WHERE account_id = ?2) < ?11";

enum err sq_store_passkey_insert(const struct id *account, const struct store_passkey *p)
{
	sqlite3_stmt *s = sq_stmt(sql_insert);
	if (s == NULL)
		return ERR_INTERNAL;
	sq_bind_id(s, 1, &p->id);
	sq_bind_id(s, 2, account);
	sqlite3_bind_blob(s, 3, p->cred.id, (int)p->cred.id_len, SQLITE_STATIC);
	sq_bind_text(s, 4, p->name);
	sqlite3_bind_int(s, 5, p->cred.key.alg);
	sqlite3_bind_blob(s, 6, p->cred.key.pub, (int)p->cred.key.pub_len, SQLITE_STATIC);
	sqlite3_bind_blob(s, 7, p->mac, sizeof(p->mac), SQLITE_STATIC);
	sqlite3_bind_int64(s, 8, p->cred.sign_count);
	sqlite3_bind_int(s, 9, p->cred.user_verified ? 1 : 0);
	sqlite3_bind_int64(s, 10, p->created);
	sqlite3_bind_int(s, 11, PASSKEYS_PER_ACCOUNT);
	int step = sqlite3_step(s);
	int rc = step == SQLITE_DONE ? (sqlite3_changes(sqlite3_db_handle(s)) == 1 ? ERR_OK
										    : ERR_CONFLICT)
		 : (step & 0xff) == SQLITE_CONSTRAINT ? ERR_CONFLICT
						      : sq_fail("passkey_insert");
	sqlite3_reset(s);
	return rc;
}

#define PASSKEY_COLUMNS \
	"id, cred_id, name, alg, public_key, mac, sign_count, user_verified, created, last_used"

static enum err passkey_row(sqlite3_stmt *s, struct store_passkey *p)
{
	memset(p, 0, sizeof(*p));
	int idn = sqlite3_column_bytes(s, 1), pubn = sqlite3_column_bytes(s, 4);
	if (!sq_col_id(s, 0, &p->id) || idn <= 0 || idn > WEBAUTHN_CRED_ID_MAX || pubn <= 0 ||
	    pubn > WEBAUTHN_PUBKEY_MAX || sqlite3_column_bytes(s, 5) != (int)sizeof(p->mac))
		return ERR_INTERNAL;
	memcpy(p->cred.id, sqlite3_column_blob(s, 1), (size_t)idn);
	p->cred.id_len = (size_t)idn;
	sq_col_text_fixed(s, 2, p->name, sizeof(p->name));
	p->cred.key.alg = sqlite3_column_int(s, 3);
	memcpy(p->cred.key.pub, sqlite3_column_blob(s, 4), (size_t)pubn);
	p->cred.key.pub_len = (size_t)pubn;
	memcpy(p->mac, sqlite3_column_blob(s, 5), sizeof(p->mac));
	sqlite3_int64 count = sqlite3_column_int64(s, 6);
	p->cred.sign_count = count >= 0 && count <= UINT32_MAX ? (uint32_t)count : UINT32_MAX;
	p->cred.user_verified = sqlite3_column_int(s, 7) != 0;
	p->created = sqlite3_column_int64(s, 8);
	p->last_used = sqlite3_column_int64(s, 9);
	return ERR_OK;
}

static const char sql_list[] = "SELECT " PASSKEY_COLUMNS " FROM passkey WHERE account_id = ?"
			       " ORDER BY created, id LIMIT ?";

enum err sq_store_passkey_list(const struct id *account, struct arena *a, struct store_passkey **out,
		       size_t *n)
{
	*n = 0;
	*out = arena_alloc(a, PASSKEYS_PER_ACCOUNT * sizeof(**out));
	sqlite3_stmt *s = *out ? sq_stmt(sql_list) : NULL;
	if (s == NULL)
		return ERR_INTERNAL;
	sq_bind_id(s, 1, account);
	sqlite3_bind_int(s, 2, PASSKEYS_PER_ACCOUNT);
	int step, rc = ERR_OK;
	while ((step = sqlite3_step(s)) == SQLITE_ROW && *n < PASSKEYS_PER_ACCOUNT)
		if (passkey_row(s, &(*out)[(*n)++]) != ERR_OK)
			rc = ERR_INTERNAL;
	if (step != SQLITE_ROW && step != SQLITE_DONE)
		rc = sq_fail("passkey_list");
	sqlite3_reset(s);
	return rc;
}

static const char sql_find[] = "SELECT " PASSKEY_COLUMNS " FROM passkey WHERE account_id = ?"
			       " AND cred_id = ?";

enum err sq_store_passkey_find(const struct id *account, const uint8_t *cred_id, size_t cred_id_len,
		       struct store_passkey *out)
{
	sqlite3_stmt *s = sq_stmt(sql_find);
	if (s == NULL)
		return ERR_INTERNAL;
	sq_bind_id(s, 1, account);
	sqlite3_bind_blob(s, 2, cred_id, (int)cred_id_len, SQLITE_STATIC);
	int step = sqlite3_step(s);
	int rc = step == SQLITE_ROW    ? passkey_row(s, out)
		 : step == SQLITE_DONE ? ERR_NOT_FOUND
				       : sq_fail("passkey_find");
	sqlite3_reset(s);
	return rc;
}

static const char sql_used[] =
	"UPDATE passkey SET sign_count = ?3, last_used = ?4 WHERE account_id = ?1 AND id = ?2"
	" AND (?3 > sign_count OR (?3 = 0 AND sign_count = 0))";

enum err sq_store_passkey_used(const struct id *account, const struct id *passkey, uint32_t sign_count,
		       int64_t now)
{
	sqlite3_stmt *s = sq_stmt(sql_used);
	if (s == NULL)
		return ERR_INTERNAL;
	sq_bind_id(s, 1, account);
	sq_bind_id(s, 2, passkey);
	sqlite3_bind_int64(s, 3, sign_count);
	sqlite3_bind_int64(s, 4, now);
	int rc = sqlite3_step(s) == SQLITE_DONE ? ERR_OK : sq_fail("passkey_used");
	if (rc == ERR_OK && sqlite3_changes(sqlite3_db_handle(s)) != 1)
		rc = ERR_CONFLICT;
	sqlite3_reset(s);
	return rc;
}

static const char sql_delete[] = "DELETE FROM passkey WHERE account_id = ? AND id = ?";

enum err sq_store_passkey_delete(const struct id *account, const struct id *passkey)
{
	sqlite3_stmt *s = sq_stmt(sql_delete);
	if (s == NULL)
		return ERR_INTERNAL;
	sq_bind_id(s, 1, account);
	sq_bind_id(s, 2, passkey);
	int rc = sqlite3_step(s) == SQLITE_DONE ? ERR_OK : sq_fail("passkey_delete");
	if (rc == ERR_OK && sqlite3_changes(sqlite3_db_handle(s)) != 1)
		rc = ERR_NOT_FOUND;
	sqlite3_reset(s);
	return rc;
}

static const char sql_count[] = "SELECT count(*) FROM passkey WHERE account_id = ?";

enum err sq_store_passkey_count(const struct id *account, int *n)
{
	*n = 0;
	sqlite3_stmt *s = sq_stmt(sql_count);
	if (s == NULL)
		return ERR_INTERNAL;
	sq_bind_id(s, 1, account);
	int rc = sqlite3_step(s) == SQLITE_ROW ? ERR_OK : sq_fail("passkey_count");
	if (rc == ERR_OK)
		*n = sqlite3_column_int(s, 0);
	sqlite3_reset(s);
	return rc;
}

static const char sql_challenge_clear[] =
	"DELETE FROM passkey_challenge WHERE expires <= ?3 OR (session_id = ?1 AND purpose = ?2)";
static const char sql_challenge_put[] =
	"INSERT INTO passkey_challenge (hash, session_id, purpose, expires) VALUES (?, ?, ?, ?)";

enum err sq_store_passkey_challenge_put(const struct id *session, int purpose,
				const uint8_t hash[HASH_BYTES], int64_t expires)
{
	sqlite3_stmt *s = sq_stmt(sql_challenge_clear);
	if (s == NULL)
		return ERR_INTERNAL;
	sq_bind_id(s, 1, session);
	sqlite3_bind_int(s, 2, purpose);
	sqlite3_bind_int64(s, 3, expires - WEBAUTHN_CHALLENGE_SECONDS);
	int rc = sqlite3_step(s) == SQLITE_DONE ? ERR_OK : sq_fail("passkey_challenge_clear");
	sqlite3_reset(s);
	if (rc != ERR_OK || (s = sq_stmt(sql_challenge_put)) == NULL)
		return ERR_INTERNAL;
	sqlite3_bind_blob(s, 1, hash, HASH_BYTES, SQLITE_STATIC);
	sq_bind_id(s, 2, session);
	sqlite3_bind_int(s, 3, purpose);
	sqlite3_bind_int64(s, 4, expires);
	rc = sqlite3_step(s) == SQLITE_DONE ? ERR_OK : sq_fail("passkey_challenge_put");
	sqlite3_reset(s);
	return rc;
}

static const char sql_challenge_take[] =
	"DELETE FROM passkey_challenge WHERE hash = ? AND session_id = ? AND purpose = ?"
	" RETURNING expires";

enum err sq_store_passkey_challenge_take(const struct id *session, int purpose,
				 const uint8_t hash[HASH_BYTES], int64_t now)
{
	sqlite3_stmt *s = sq_stmt(sql_challenge_take);
	if (s == NULL)
		return ERR_INTERNAL;
	sqlite3_bind_blob(s, 1, hash, HASH_BYTES, SQLITE_STATIC);
	sq_bind_id(s, 2, session);
	sqlite3_bind_int(s, 3, purpose);
	int step = sqlite3_step(s);
	int rc = step == SQLITE_ROW    ? (sqlite3_column_int64(s, 0) > now ? ERR_OK : ERR_NOT_FOUND)
		 : step == SQLITE_DONE ? ERR_NOT_FOUND
				       : sq_fail("passkey_challenge_take");
	while (step == SQLITE_ROW)
		step = sqlite3_step(s);
	sqlite3_reset(s);
	return rc;
}

static const char sql_email[] = "SELECT email_ct FROM account WHERE id = ? AND email_ct IS NOT NULL";

enum err sq_store_account_email_ct(const struct id *account, struct arena *a, struct bytes *out)
{
	sqlite3_stmt *s = sq_stmt(sql_email);
	if (s == NULL)
		return ERR_INTERNAL;
	sq_bind_id(s, 1, account);
	int step = sqlite3_step(s);
	int rc = step == SQLITE_ROW    ? (sq_col_bytes(s, 0, a, out) ? ERR_OK : ERR_INTERNAL)
		 : step == SQLITE_DONE ? ERR_NOT_FOUND
				       : sq_fail("account_email_ct");
	sqlite3_reset(s);
	return rc;
}
