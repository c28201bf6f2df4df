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
	struct db_stmt *s = sq_stmt(sql_insert);
	if (s == NULL)
		return ERR_INTERNAL;
	sq_bind_id(s, 1, &p->id);
	sq_bind_id(s, 2, account);
	db_bind_blob(s, 3, p->cred.id, p->cred.id_len);
	sq_bind_text(s, 4, p->name);
	db_bind_int64(s, 5, p->cred.key.alg);
	db_bind_blob(s, 6, p->cred.key.pub, p->cred.key.pub_len);
	db_bind_blob(s, 7, p->mac, sizeof(p->mac));
	db_bind_int64(s, 8, p->cred.sign_count);
	db_bind_int64(s, 9, p->cred.user_verified ? 1 : 0);
	db_bind_int64(s, 10, p->created);
	db_bind_int64(s, 11, PASSKEYS_PER_ACCOUNT);
	int step = db_step(s);
	int rc = step == DB_DONE ? (db_changes(s) == 1 ? ERR_OK
										    : ERR_CONFLICT)
		 : step == DB_CONSTRAINT ? ERR_CONFLICT
						      : sq_fail("passkey_insert");
	db_reset(s);
	return rc;
}

#define PASSKEY_COLUMNS \
	"id, cred_id, name, alg, public_key, mac, sign_count, user_verified, created, last_used"

static enum err passkey_row(struct db_stmt *s, struct store_passkey *p)
{
	memset(p, 0, sizeof(*p));
	int idn = db_column_bytes(s, 1), pubn = db_column_bytes(s, 4);
	if (!sq_col_id(s, 0, &p->id) || idn <= 0 || idn > WEBAUTHN_CRED_ID_MAX || pubn <= 0 ||
	    pubn > WEBAUTHN_PUBKEY_MAX || db_column_bytes(s, 5) != (int)sizeof(p->mac))
		return ERR_INTERNAL;
	memcpy(p->cred.id, db_column_blob(s, 1), (size_t)idn);
	p->cred.id_len = (size_t)idn;
	sq_col_text_fixed(s, 2, p->name, sizeof(p->name));
	p->cred.key.alg = db_column_int(s, 3);
	memcpy(p->cred.key.pub, db_column_blob(s, 4), (size_t)pubn);
	p->cred.key.pub_len = (size_t)pubn;
	memcpy(p->mac, db_column_blob(s, 5), sizeof(p->mac));
	int64_t count = db_column_int64(s, 6);
	p->cred.sign_count = count >= 0 && count <= UINT32_MAX ? (uint32_t)count : UINT32_MAX;
	p->cred.user_verified = db_column_int(s, 7) != 0;
	p->created = db_column_int64(s, 8);
	p->last_used = db_column_int64(s, 9);
	return ERR_OK;
}

static const char sql_list[] = "SELECT " PASSKEY_COLUMNS " FROM passkey WHERE account_id = ?"
			       " ORDER BY created, id LIMIT ?";

enum err sq_store_passkey_list(const struct id *account, struct arena *a, struct store_passkey **out,
		       size_t *n)
{
	*n = 0;
	*out = arena_alloc(a, PASSKEYS_PER_ACCOUNT * sizeof(**out));
	struct db_stmt *s = *out ? sq_stmt(sql_list) : NULL;
	if (s == NULL)
		return ERR_INTERNAL;
	sq_bind_id(s, 1, account);
	db_bind_int64(s, 2, PASSKEYS_PER_ACCOUNT);
	int step, rc = ERR_OK;
	while ((step = db_step(s)) == DB_ROW && *n < PASSKEYS_PER_ACCOUNT)
		if (passkey_row(s, &(*out)[(*n)++]) != ERR_OK)
			rc = ERR_INTERNAL;
	if (step != DB_ROW && step != DB_DONE)
		rc = sq_fail("passkey_list");
	db_reset(s);
	return rc;
}

static const char sql_find[] = "SELECT " PASSKEY_COLUMNS " FROM passkey WHERE account_id = ?"
			       " AND cred_id = ?";

enum err sq_store_passkey_find(const struct id *account, const uint8_t *cred_id, size_t cred_id_len,
		       struct store_passkey *out)
{
	struct db_stmt *s = sq_stmt(sql_find);
	if (s == NULL)
		return ERR_INTERNAL;
	sq_bind_id(s, 1, account);
	db_bind_blob(s, 2, cred_id, cred_id_len);
	int step = db_step(s);
	int rc = step == DB_ROW    ? passkey_row(s, out)
		 : step == DB_DONE ? ERR_NOT_FOUND
				       : sq_fail("passkey_find");
	db_reset(s);
	return rc;
}

static const char sql_used[] =
	"UPDATE passkey SET sign_count = ?3, last_used = ?4 WHERE account_id = ?1 AND id = ?2"
	" AND (?3 > sign_count OR (?3 = 0 AND sign_count = 0))";

enum err sq_store_passkey_used(const struct id *account, const struct id *passkey, uint32_t sign_count,
		       int64_t now)
{
	struct db_stmt *s = sq_stmt(sql_used);
	if (s == NULL)
		return ERR_INTERNAL;
	sq_bind_id(s, 1, account);
	sq_bind_id(s, 2, passkey);
	db_bind_int64(s, 3, sign_count);
	db_bind_int64(s, 4, now);
	int rc = db_step(s) == DB_DONE ? ERR_OK : sq_fail("passkey_used");
	if (rc == ERR_OK && db_changes(s) != 1)
		rc = ERR_CONFLICT;
	db_reset(s);
	return rc;
}

static const char sql_delete[] = "DELETE FROM passkey WHERE account_id = ? AND id = ?";

enum err sq_store_passkey_delete(const struct id *account, const struct id *passkey)
{
	struct db_stmt *s = sq_stmt(sql_delete);
	if (s == NULL)
		return ERR_INTERNAL;
	sq_bind_id(s, 1, account);
	sq_bind_id(s, 2, passkey);
	int rc = db_step(s) == DB_DONE ? ERR_OK : sq_fail("passkey_delete");
	if (rc == ERR_OK && db_changes(s) != 1)
		rc = ERR_NOT_FOUND;
	db_reset(s);
	return rc;
}

static const char sql_count[] = "SELECT count(*) FROM passkey WHERE account_id = ?";

enum err sq_store_passkey_count(const struct id *account, int *n)
{
	*n = 0;
	struct db_stmt *s = sq_stmt(sql_count);
	if (s == NULL)
		return ERR_INTERNAL;
	sq_bind_id(s, 1, account);
	int rc = db_step(s) == DB_ROW ? ERR_OK : sq_fail("passkey_count");
	if (rc == ERR_OK)
		*n = db_column_int(s, 0);
	db_reset(s);
	return rc;
}

static const char sql_challenge_clear[] =
	"DELETE FROM passkey_challenge WHERE expires <= ?3 OR (session_id = ?1 AND purpose = ?2)";
static const char sql_challenge_put[] =
	"INSERT INTO passkey_challenge (hash, session_id, purpose, expires) VALUES (?, ?, ?, ?)";

enum err sq_store_passkey_challenge_put(const struct id *session, int purpose,
				const uint8_t hash[HASH_BYTES], int64_t expires)
{
	struct db_stmt *s = sq_stmt(sql_challenge_clear);
	if (s == NULL)
		return ERR_INTERNAL;
	sq_bind_id(s, 1, session);
	db_bind_int64(s, 2, purpose);
	db_bind_int64(s, 3, expires - WEBAUTHN_CHALLENGE_SECONDS);
	int rc = db_step(s) == DB_DONE ? ERR_OK : sq_fail("passkey_challenge_clear");
	db_reset(s);
	if (rc != ERR_OK || (s = sq_stmt(sql_challenge_put)) == NULL)
		return ERR_INTERNAL;
	db_bind_blob(s, 1, hash, HASH_BYTES);
	sq_bind_id(s, 2, session);
	db_bind_int64(s, 3, purpose);
	db_bind_int64(s, 4, expires);
	rc = db_step(s) == DB_DONE ? ERR_OK : sq_fail("passkey_challenge_put");
	db_reset(s);
	return rc;
}

static const char sql_challenge_take[] =
	"DELETE FROM passkey_challenge WHERE hash = ? AND session_id = ? AND purpose = ?"
	" RETURNING expires";

enum err sq_store_passkey_challenge_take(const struct id *session, int purpose,
				 const uint8_t hash[HASH_BYTES], int64_t now)
{
	struct db_stmt *s = sq_stmt(sql_challenge_take);
	if (s == NULL)
		return ERR_INTERNAL;
	db_bind_blob(s, 1, hash, HASH_BYTES);
	sq_bind_id(s, 2, session);
	db_bind_int64(s, 3, purpose);
	int step = db_step(s);
	int rc = step == DB_ROW    ? (db_column_int64(s, 0) > now ? ERR_OK : ERR_NOT_FOUND)
		 : step == DB_DONE ? ERR_NOT_FOUND
				       : sq_fail("passkey_challenge_take");
	while (step == DB_ROW)
		step = db_step(s);
	db_reset(s);
	return rc;
}

static const char sql_email[] = "SELECT email_ct FROM account WHERE id = ? AND email_ct IS NOT NULL";

enum err sq_store_account_email_ct(const struct id *account, struct arena *a, struct bytes *out)
{
	struct db_stmt *s = sq_stmt(sql_email);
	if (s == NULL)
		return ERR_INTERNAL;
	sq_bind_id(s, 1, account);
	int step = db_step(s);
	int rc = step == DB_ROW    ? (sq_col_bytes(s, 0, a, out) ? ERR_OK : ERR_INTERNAL)
		 : step == DB_DONE ? ERR_NOT_FOUND
				       : sq_fail("account_email_ct");
	db_reset(s);
	return rc;
}
