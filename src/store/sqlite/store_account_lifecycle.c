/* Account lifecycle storage (see src/store/account.h). */
#include "store/account.h"
#include "store/apps.h"
#include "store/sqlite/store_int.h"

#include <string.h>

#include "limits.h"

static void bind_bytes(struct db_stmt *s, int col, struct bytes b)
{
	if (b.ptr != NULL)
		db_bind_blob(s, col, b.ptr, b.len);
}

static const char sql_token_insert[] =
	"INSERT INTO account_token (hash, kind, account_id, patient_id, practice_id, created_by,"
	" email, email_ct, detail, created, expires) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)";

enum err sq_store_token_insert(const uint8_t hash[HASH_BYTES], const struct store_token *t)
{
	struct db_stmt *s = sq_stmt(sql_token_insert);
	if (s == NULL)
		return ERR_INTERNAL;
	db_bind_blob(s, 1, hash, HASH_BYTES);
	sq_bind_text(s, 2, t->kind);
	sq_bind_id(s, 3, &t->account);
	if (t->has_patient)
		sq_bind_id(s, 4, &t->patient);
	if (t->has_practice)
		sq_bind_id(s, 5, &t->practice);
	sq_bind_id(s, 6, &t->created_by);
	if (t->email)
		sq_bind_text(s, 7, t->email);
	bind_bytes(s, 8, t->email_ct);
	bind_bytes(s, 9, t->detail);
	db_bind_int64(s, 10, t->created);
	db_bind_int64(s, 11, t->expires);
	return sq_step_done(s, "token_insert");
}

static const char sql_token_get[] =
	"SELECT kind, account_id, patient_id, practice_id, created_by, email, email_ct, detail,"
	" created, expires FROM account_token WHERE hash = ? AND kind = ? AND used IS NULL"
	" AND expires > ?";

enum err sq_store_token_get(const uint8_t hash[HASH_BYTES], const char *kind, int64_t now, struct arena *a,
		    struct store_token *out)
{
	memset(out, 0, sizeof(*out));
	struct db_stmt *s = sq_stmt(sql_token_get);
	if (s == NULL)
		return ERR_INTERNAL;
	db_bind_blob(s, 1, hash, HASH_BYTES);
	sq_bind_text(s, 2, kind);
	db_bind_int64(s, 3, now);
	int step = db_step(s), rc = ERR_NOT_FOUND;
	if (step == DB_ROW) {
		sq_col_text_fixed(s, 0, out->kind, sizeof(out->kind));
		sq_col_id(s, 1, &out->account);
		out->has_patient = sq_col_id(s, 2, &out->patient);
		out->has_practice = sq_col_id(s, 3, &out->practice);
		sq_col_id(s, 4, &out->created_by);
		out->email = sq_col_text(s, 5, a);
		sq_col_bytes(s, 6, a, &out->email_ct);
		sq_col_bytes(s, 7, a, &out->detail);
		out->created = db_column_int64(s, 8);
		out->expires = db_column_int64(s, 9);
		rc = ERR_OK;
	} else if (step != DB_DONE) {
		rc = sq_fail("token_get");
	}
	db_reset(s);
	return rc;
}

static const char sql_token_use[] =
	"UPDATE account_token SET used = ? WHERE hash = ? AND kind = ? AND used IS NULL AND expires > ?";

enum err sq_store_token_use(const uint8_t hash[HASH_BYTES], const char *kind, int64_t now)
{
	struct db_stmt *s = sq_stmt(sql_token_use);
	if (s == NULL)
		return ERR_INTERNAL;
	db_bind_int64(s, 1, now);
	db_bind_blob(s, 2, hash, HASH_BYTES);
	sq_bind_text(s, 3, kind);
	db_bind_int64(s, 4, now);
	int rc = sq_step_done(s, "token_use");
	if (rc == ERR_OK && db_changes(s) != 1)
		rc = ERR_NOT_FOUND;
	return rc;
}

static const char sql_token_count[] =
	"SELECT count(*) FROM account_token WHERE account_id = ? AND kind = ? AND created >= ?";

enum err sq_store_token_count(const struct id *account, const char *kind, int64_t since, int64_t *n)
{
	*n = 0;
	struct db_stmt *s = sq_stmt(sql_token_count);
	if (s == NULL)
		return ERR_INTERNAL;
	sq_bind_id(s, 1, account);
	sq_bind_text(s, 2, kind);
	db_bind_int64(s, 3, since);
	int rc = db_step(s) == DB_ROW ? ERR_OK : sq_fail("token_count");
	if (rc == ERR_OK)
		*n = db_column_int64(s, 0);
	db_reset(s);
	return rc;
}

static const char sql_tokens_end[] =
	"UPDATE account_token SET used = ? WHERE account_id = ? AND kind = ? AND used IS NULL";

enum err sq_store_tokens_end(const struct id *account, const char *kind, int64_t now)
{
	struct db_stmt *s = sq_stmt(sql_tokens_end);
	if (s == NULL)
		return ERR_INTERNAL;
	db_bind_int64(s, 1, now);
	sq_bind_id(s, 2, account);
	sq_bind_text(s, 3, kind);
	return sq_step_done(s, "tokens_end");
}

static const char sql_account_state[] =
	"SELECT email_verified, locked, patient_id, pw_hash, email_ct, pw_marks FROM account"
	" WHERE id = ?";

enum err sq_store_account_state(const struct id *account, struct arena *a, struct store_account_state *out)
{
	memset(out, 0, sizeof(*out));
	struct db_stmt *s = sq_stmt(sql_account_state);
	if (s == NULL)
		return ERR_INTERNAL;
	sq_bind_id(s, 1, account);
	int step = db_step(s), rc = ERR_NOT_FOUND;
	if (step == DB_ROW) {
		out->verified = db_column_int(s, 0) != 0;
		out->locked = db_column_int(s, 1) != 0;
		out->has_patient = sq_col_id(s, 2, &out->patient);
		out->pw_hash = sq_col_text(s, 3, a);
		sq_col_bytes(s, 4, a, &out->email_ct);
		sq_col_bytes(s, 5, a, &out->marks);
		rc = out->pw_hash ? ERR_OK : ERR_INTERNAL;
	} else if (step != DB_DONE) {
		rc = sq_fail("account_state");
	}
	db_reset(s);
	return rc;
}

static const char sql_set_verified[] = "UPDATE account SET email_verified = 1 WHERE id = ?";

enum err sq_store_account_set_verified(const struct id *account)
{
	struct db_stmt *s = sq_stmt(sql_set_verified);
	if (s == NULL)
		return ERR_INTERNAL;
	sq_bind_id(s, 1, account);
	return sq_write_one(s, "set_verified");
}

static const char sql_set_password[] = "UPDATE account SET pw_hash = ? WHERE id = ?";

enum err sq_store_account_set_password(const struct id *account, const char *pw_hash)
{
	struct db_stmt *s = sq_stmt(sql_set_password);
	if (s == NULL)
		return ERR_INTERNAL;
	sq_bind_text(s, 1, pw_hash);
	sq_bind_id(s, 2, account);
	return sq_write_one(s, "set_password");
}

static const char sql_set_email[] =
	"UPDATE account SET email = ?, email_ct = ?, pw_marks = ?, email_verified = 1 WHERE id = ?";

enum err sq_store_account_set_email(const struct id *account, const char *email_index, struct bytes email_ct,
			    struct bytes marks)
{
	struct db_stmt *s = sq_stmt(sql_set_email);
	if (s == NULL)
		return ERR_INTERNAL;
	sq_bind_text(s, 1, email_index);
	bind_bytes(s, 2, email_ct);
	bind_bytes(s, 3, marks);
	sq_bind_id(s, 4, account);
	return sq_write_one(s, "set_email");
}

static const char sql_set_marks[] = "UPDATE account SET pw_marks = ? WHERE id = ?";

enum err sq_store_account_set_marks(const struct id *account, struct bytes marks)
{
	struct db_stmt *s = sq_stmt(sql_set_marks);
	if (s == NULL)
		return ERR_INTERNAL;
	bind_bytes(s, 1, marks);
	sq_bind_id(s, 2, account);
	return sq_write_one(s, "set_marks");
}

enum err sq_store_account_tx(enum err (*fn)(void *ctx), void *ctx)
{
	if (sq_begin(SQ_MAIN) != ERR_OK)
		return ERR_INTERNAL;
	int rc = fn(ctx);
	if (rc == ERR_OK)
		rc = sq_commit(SQ_MAIN);
	if (rc != ERR_OK)
		sq_rollback(SQ_MAIN);
	return rc;
}

static const char sql_set_unverified[] =
	"UPDATE account SET email_verified = ?, pw_marks = ? WHERE id = ?";

struct register_ctx {
	const uint8_t *hash;
	int64_t now;
	const struct store_account *acct;
	bool verified;
	struct bytes marks;
};

static enum err register_steps(void *p)
{
	struct register_ctx *c = p;
	int rc = sq_store_token_use(c->hash, TOKEN_INVITE, c->now);
	if (rc == ERR_OK)
		rc = sq_store_account_create(c->acct);
	if (rc == ERR_OK) {
		struct db_stmt *s = sq_stmt(sql_set_unverified);
		if (s == NULL)
			return ERR_INTERNAL;
		db_bind_int64(s, 1, c->verified ? 1 : 0);
		bind_bytes(s, 2, c->marks);
		sq_bind_id(s, 3, &c->acct->id);
		rc = sq_write_one(s, "register");
	}
	return rc;
}

enum err sq_store_account_register(const uint8_t invite_hash[HASH_BYTES], int64_t now,
			   const struct store_account *acct, bool verified, struct bytes marks)
{
	struct register_ctx c = {invite_hash, now, acct, verified, marks};
	return sq_store_account_tx(register_steps, &c);
}

static const char sql_revoke_others[] = "DELETE FROM session WHERE account_id = ? AND id != ?";

enum err sq_store_sessions_revoke_others(const struct id *account, const struct id *keep)
{
	struct db_stmt *s = sq_stmt(sql_revoke_others);
	if (s == NULL)
		return ERR_INTERNAL;
	sq_bind_id(s, 1, account);
	sq_bind_id(s, 2, keep);
	enum err rc = sq_step_done(s, "revoke_others");
	/* The codes too: one given at a consent in the session kept may have been the
	 * intruder's, and a code waits at most a minute, so the app just asks again. */
	return rc == ERR_OK ? sq_store_app_codes_end(account) : rc;
}
