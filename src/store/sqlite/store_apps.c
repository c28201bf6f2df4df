/* Apps and their authorization codes (store/apps.h). */
#include <string.h>

#include "store/account.h"
#include "store/apps.h"
#include "store/sqlite/store_int.h"

#include "limits.h"

static const char sql_app_insert[] =
	"INSERT INTO oauth_client (id, name, redirect_uri, created) VALUES (?, ?, ?, ?)";
static const char sql_app_get[] =
	"SELECT id, name, redirect_uri, created FROM oauth_client WHERE id = ? AND removed IS NULL";
static const char sql_apps_list[] =
	"SELECT id, name, redirect_uri, created FROM oauth_client WHERE removed IS NULL"
	" ORDER BY created, id LIMIT ?";
static const char sql_app_remove[] =
	"UPDATE oauth_client SET removed = ?2 WHERE id = ?1 AND removed IS NULL";
static const char sql_app_sessions_end[] = "DELETE FROM session WHERE client_id = ?";
static const char sql_app_codes_end[] = "DELETE FROM oauth_code WHERE client_id = ?";
static const char sql_account_codes_end[] = "DELETE FROM oauth_code WHERE account_id = ?";
static const char sql_all_codes_end[] = "DELETE FROM oauth_code";
static const char sql_app_families_end[] =
	"DELETE FROM oauth_refresh_token WHERE family IN"
	" (SELECT family FROM oauth_refresh WHERE client_id = ?)";
static const char sql_app_families_end2[] = "DELETE FROM oauth_refresh WHERE client_id = ?";
static const char sql_account_families_end[] =
	"DELETE FROM oauth_refresh_token WHERE family IN"
	" (SELECT family FROM oauth_refresh WHERE account_id = ?)";
static const char sql_account_families_end2[] = "DELETE FROM oauth_refresh WHERE account_id = ?";
static const char sql_all_families_end[] = "DELETE FROM oauth_refresh_token";
static const char sql_all_families_end2[] = "DELETE FROM oauth_refresh";
static const char sql_code_insert[] =
	"INSERT INTO oauth_code (hash, client_id, redirect_uri, challenge, scopes, account_id,"
	" patient_id, session_id, mfa, box, expires, nonce) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)";
static const char sql_code_take[] =
	"DELETE FROM oauth_code WHERE hash = ? RETURNING client_id, redirect_uri, challenge,"
	" scopes, account_id, patient_id, session_id, mfa, box, expires, nonce";

enum err sq_store_app_insert(const struct store_app *app)
{
	struct db_stmt *s = sq_stmt(sql_app_insert);
	if (s == NULL)
		return ERR_INTERNAL;
	sq_bind_id(s, 1, &app->id);
	sq_bind_text(s, 2, app->name);
	sq_bind_text(s, 3, app->redirect_uri);
	db_bind_int64(s, 4, app->created);
	return sq_write_one(s, "app_insert");
}

static void app_row(struct db_stmt *s, struct store_app *out)
{
	memset(out, 0, sizeof(*out));
	sq_col_id(s, 0, &out->id);
	sq_col_text_fixed(s, 1, out->name, sizeof(out->name));
	sq_col_text_fixed(s, 2, out->redirect_uri, sizeof(out->redirect_uri));
	out->created = db_column_int64(s, 3);
}

enum err sq_store_app_get(const struct id *id, struct store_app *out)
{
	struct db_stmt *s = sq_stmt(sql_app_get);
	if (s == NULL)
		return ERR_INTERNAL;
	sq_bind_id(s, 1, id);
	int step = db_step(s);
	int rc = step == DB_ROW ? ERR_OK : step == DB_DONE ? ERR_NOT_FOUND : sq_fail("app_get");
	if (rc == ERR_OK)
		app_row(s, out);
	db_reset(s);
	return rc;
}

enum err sq_store_apps_list(struct arena *a, struct store_app **out, size_t *n)
{
	*n = 0;
	*out = arena_alloc(a, APPS_MAX * sizeof(**out));
	struct db_stmt *s = sq_stmt(sql_apps_list);
	if (s == NULL || *out == NULL)
		return ERR_INTERNAL;
	db_bind_int64(s, 1, APPS_MAX);
	int step;
	while ((step = db_step(s)) == DB_ROW && *n < APPS_MAX)
		app_row(s, &(*out)[(*n)++]);
	int rc = step == DB_DONE || step == DB_ROW ? ERR_OK : sq_fail("apps_list");
	db_reset(s);
	return rc;
}

struct remove_ctx {
	const char *mark;
	const char *const *ends;
	size_t n_ends;
	const struct id *id;
	int64_t now;
};

static enum err remove_steps(void *p)
{
	struct remove_ctx *c = p;
	struct db_stmt *s = sq_stmt(c->mark);
	if (s == NULL)
		return ERR_INTERNAL;
	sq_bind_id(s, 1, c->id);
	db_bind_int64(s, 2, c->now);
	int rc = sq_write_one(s, "client_remove");
	for (size_t i = 0; rc == ERR_OK && i < c->n_ends; i++) {
		struct db_stmt *e = sq_stmt(c->ends[i]);
		if (e == NULL)
			return ERR_INTERNAL;
		sq_bind_id(e, 1, c->id);
		rc = sq_step_done(e, "client_remove_tokens");
	}
	return rc;
}

enum err sq_client_remove(const char *mark, const char *const *ends, size_t n_ends, const struct id *id,
			  int64_t now)
{
	struct remove_ctx c = {mark, ends, n_ends, id, now};
	return sq_store_account_tx(remove_steps, &c);
}

enum err sq_store_app_remove(const struct id *id, int64_t now)
{
	static const char *const ends[] = {sql_app_sessions_end, sql_app_codes_end, sql_app_families_end,
					   sql_app_families_end2};
	return sq_client_remove(sql_app_remove, ends, 4, id, now);
}

enum err sq_store_app_code_insert(const struct store_app_code *c)
{
	struct db_stmt *s = sq_stmt(sql_code_insert);
	if (s == NULL)
		return ERR_INTERNAL;
	db_bind_blob(s, 1, c->hash, HASH_BYTES);
	sq_bind_id(s, 2, &c->client);
	sq_bind_text(s, 3, c->redirect_uri);
	sq_bind_text(s, 4, c->challenge);
	db_bind_int64(s, 5, (int)c->scopes);
	sq_bind_id(s, 6, &c->account);
	sq_bind_id(s, 7, &c->patient);
	sq_bind_id(s, 8, &c->session);
	db_bind_int64(s, 9, c->mfa ? 1 : 0);
	db_bind_blob(s, 10, c->box.ptr, c->box.len);
	db_bind_int64(s, 11, c->expires);
	sq_bind_text(s, 12, c->nonce);
	return sq_write_one(s, "app_code_insert");
}

enum err sq_store_app_code_take(const uint8_t hash[HASH_BYTES], struct arena *a, struct store_app_code *out)
{
	struct db_stmt *s = sq_stmt(sql_code_take);
	if (s == NULL)
		return ERR_INTERNAL;
	memset(out, 0, sizeof(*out));
	db_bind_blob(s, 1, hash, HASH_BYTES);
	int step = db_step(s);
	int rc = step == DB_ROW ? ERR_OK : step == DB_DONE ? ERR_NOT_FOUND : sq_fail("app_code_take");
	if (rc == ERR_OK) {
		memcpy(out->hash, hash, HASH_BYTES);
		sq_col_id(s, 0, &out->client);
		sq_col_text_fixed(s, 1, out->redirect_uri, sizeof(out->redirect_uri));
		sq_col_text_fixed(s, 2, out->challenge, sizeof(out->challenge));
		out->scopes = (unsigned)db_column_int(s, 3);
		sq_col_id(s, 4, &out->account);
		sq_col_id(s, 5, &out->patient);
		sq_col_id(s, 6, &out->session);
		out->mfa = db_column_int(s, 7) != 0;
		if (!sq_col_bytes(s, 8, a, &out->box))
			rc = ERR_INTERNAL;
		out->expires = db_column_int64(s, 9);
		sq_col_text_fixed(s, 10, out->nonce, sizeof(out->nonce));
		/* RETURNING: the delete is done only once the statement has run to its end. */
		while ((step = db_step(s)) == DB_ROW)
			;
		if (step != DB_DONE)
			rc = sq_fail("app_code_take");
	}
	db_reset(s);
	return rc;
}

enum err sq_store_app_codes_end(const struct id *account)
{
	const char *const sql[] = {account ? sql_account_codes_end : sql_all_codes_end,
				   account ? sql_account_families_end : sql_all_families_end,
				   account ? sql_account_families_end2 : sql_all_families_end2};
	enum err rc = ERR_OK;
	for (size_t i = 0; rc == ERR_OK && i < 3; i++) {
		struct db_stmt *s = sq_stmt(sql[i]);
		if (s == NULL)
			return ERR_INTERNAL;
		if (account)
			sq_bind_id(s, 1, account);
		rc = sq_step_done(s, "app_codes_end");
	}
	return rc;
}

/* --- refresh-token families --- */

static const char sql_family_insert[] =
	"INSERT INTO oauth_refresh (family, client_id, account_id, patient_id, scopes, offline, mfa,"
	" created, expires, used) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)";
static const char sql_family_token_insert[] =
	"INSERT INTO oauth_refresh_token (hash, family, current) VALUES (?, ?, 1)";
#define FAMILY_COLUMNS                                                                      \
	"f.family, f.client_id, c.name, f.account_id, f.patient_id, f.scopes, f.offline, f.mfa," \
	" f.created, f.expires, f.used"
static const char sql_family_find[] =
	"SELECT " FAMILY_COLUMNS ", t.current FROM oauth_refresh_token t"
	" JOIN oauth_refresh f ON f.family = t.family"
	" JOIN oauth_client c ON c.id = f.client_id AND c.removed IS NULL"
	" JOIN account a ON a.id = f.account_id AND a.locked = 0 WHERE t.hash = ?";
static const char sql_family_spend[] =
	"UPDATE oauth_refresh_token SET current = 0 WHERE hash = ? AND family = ? AND current = 1";
static const char sql_family_used[] = "UPDATE oauth_refresh SET used = ? WHERE family = ?";
static const char sql_family_owned[] = "SELECT 1 FROM oauth_refresh WHERE family = ? AND account_id = ?";
static const char sql_family_tokens_end[] = "DELETE FROM oauth_refresh_token WHERE family = ?";
static const char sql_family_sessions_end[] = "DELETE FROM session WHERE family = ?";
static const char sql_family_end[] = "DELETE FROM oauth_refresh WHERE family = ?";
static const char sql_family_list[] =
	"SELECT " FAMILY_COLUMNS " FROM oauth_refresh f JOIN oauth_client c ON c.id = f.client_id"
	" WHERE f.account_id = ? ORDER BY f.created DESC LIMIT ?";
static const char sql_session_family[] =
	"SELECT family FROM session WHERE account_id = ? AND id = ? AND family IS NOT NULL";
static const char sql_account_online[] =
	"SELECT EXISTS (SELECT 1 FROM session WHERE account_id = ?1 AND client_id IS NULL"
	" AND last_seen > ?2 - ?3 AND created > ?2 - ?4)";

struct family_ctx {
	const struct store_app_refresh *f;
	const struct id *account;
	const struct id *family;
	const uint8_t *old, *next;
	int64_t now;
};

static enum err family_begin_steps(void *p)
{
	struct family_ctx *c = p;
	const struct store_app_refresh *f = c->f;
	struct db_stmt *s = sq_stmt(sql_family_insert);
	if (s == NULL)
		return ERR_INTERNAL;
	sq_bind_id(s, 1, &f->family);
	sq_bind_id(s, 2, &f->client);
	sq_bind_id(s, 3, &f->account);
	sq_bind_id(s, 4, &f->patient);
	db_bind_int64(s, 5, (int)f->scopes);
	db_bind_int64(s, 6, f->offline ? 1 : 0);
	db_bind_int64(s, 7, f->mfa ? 1 : 0);
	db_bind_int64(s, 8, f->created);
	db_bind_int64(s, 9, f->expires);
	db_bind_int64(s, 10, f->used);
	enum err rc = sq_write_one(s, "refresh_begin");
	if (rc != ERR_OK)
		return rc;
	s = sq_stmt(sql_family_token_insert);
	if (s == NULL)
		return ERR_INTERNAL;
	db_bind_blob(s, 1, c->next, HASH_BYTES);
	sq_bind_id(s, 2, &f->family);
	return sq_write_one(s, "refresh_token_insert");
}

enum err sq_store_app_refresh_begin(const struct store_app_refresh *f, const uint8_t hash[HASH_BYTES])
{
	struct family_ctx c = {.f = f, .next = hash};
	return sq_store_account_tx(family_begin_steps, &c);
}

static void family_row(struct db_stmt *s, struct store_app_refresh *out)
{
	memset(out, 0, sizeof(*out));
	sq_col_id(s, 0, &out->family);
	sq_col_id(s, 1, &out->client);
	sq_col_text_fixed(s, 2, out->name, sizeof(out->name));
	sq_col_id(s, 3, &out->account);
	sq_col_id(s, 4, &out->patient);
	out->scopes = (unsigned)db_column_int(s, 5);
	out->offline = db_column_int(s, 6) != 0;
	out->mfa = db_column_int(s, 7) != 0;
	out->created = db_column_int64(s, 8);
	out->expires = db_column_int64(s, 9);
	out->used = db_column_int64(s, 10);
}

enum err sq_store_app_refresh_find(const uint8_t hash[HASH_BYTES], struct store_app_refresh *out,
				   bool *current)
{
	struct db_stmt *s = sq_stmt(sql_family_find);
	if (s == NULL)
		return ERR_INTERNAL;
	db_bind_blob(s, 1, hash, HASH_BYTES);
	int step = db_step(s);
	int rc = step == DB_ROW ? ERR_OK : step == DB_DONE ? ERR_NOT_FOUND : sq_fail("refresh_find");
	if (rc == ERR_OK) {
		family_row(s, out);
		*current = db_column_int(s, 11) != 0;
	}
	db_reset(s);
	return rc;
}

static enum err family_rotate_steps(void *p)
{
	struct family_ctx *c = p;
	struct db_stmt *s = sq_stmt(sql_family_spend);
	if (s == NULL)
		return ERR_INTERNAL;
	db_bind_blob(s, 1, c->old, HASH_BYTES);
	sq_bind_id(s, 2, c->family);
	enum err rc = sq_step_done(s, "refresh_spend");
	if (rc != ERR_OK)
		return rc;
	if (db_changes(s) != 1)
		return ERR_CONFLICT;
	s = sq_stmt(sql_family_token_insert);
	if (s == NULL)
		return ERR_INTERNAL;
	db_bind_blob(s, 1, c->next, HASH_BYTES);
	sq_bind_id(s, 2, c->family);
	rc = sq_write_one(s, "refresh_token_insert");
	if (rc != ERR_OK)
		return rc;
	s = sq_stmt(sql_family_used);
	if (s == NULL)
		return ERR_INTERNAL;
	db_bind_int64(s, 1, c->now);
	sq_bind_id(s, 2, c->family);
	return sq_step_done(s, "refresh_used");
}

enum err sq_store_app_refresh_rotate(const struct id *family, const uint8_t old[HASH_BYTES],
				     const uint8_t next[HASH_BYTES], int64_t now)
{
	struct family_ctx c = {.family = family, .old = old, .next = next, .now = now};
	return sq_store_account_tx(family_rotate_steps, &c);
}

static enum err family_end_steps(void *p)
{
	struct family_ctx *c = p;
	if (c->account != NULL) {
		struct db_stmt *s = sq_stmt(sql_family_owned);
		if (s == NULL)
			return ERR_INTERNAL;
		sq_bind_id(s, 1, c->family);
		sq_bind_id(s, 2, c->account);
		int step = db_step(s);
		db_reset(s);
		if (step != DB_ROW)
			return step == DB_DONE ? ERR_NOT_FOUND : sq_fail("refresh_owned");
	}
	static const char *const ends[] = {sql_family_tokens_end, sql_family_sessions_end, sql_family_end};
	enum err rc = ERR_OK;
	for (size_t i = 0; rc == ERR_OK && i < 3; i++)
		rc = sq_run_id(sq_stmt(ends[i]), c->family, "refresh_end");
	return rc;
}

enum err sq_store_app_refresh_end(const struct id *account, const struct id *family)
{
	struct family_ctx c = {.account = account, .family = family};
	return sq_store_account_tx(family_end_steps, &c);
}

enum err sq_store_app_refresh_list(const struct id *account, struct arena *a, struct store_app_refresh **out,
				   size_t *n)
{
	*n = 0;
	*out = arena_alloc(a, APP_FAMILIES_MAX * sizeof(**out));
	struct db_stmt *s = sq_stmt(sql_family_list);
	if (s == NULL || *out == NULL)
		return ERR_INTERNAL;
	sq_bind_id(s, 1, account);
	db_bind_int64(s, 2, APP_FAMILIES_MAX);
	int step;
	while ((step = db_step(s)) == DB_ROW && *n < APP_FAMILIES_MAX)
		family_row(s, &(*out)[(*n)++]);
	int rc = step == DB_DONE || step == DB_ROW ? ERR_OK : sq_fail("refresh_list");
	db_reset(s);
	return rc;
}

enum err sq_session_family(const struct id *account, const struct id *session, struct id *family)
{
	struct db_stmt *s = sq_stmt(sql_session_family);
	if (s == NULL)
		return ERR_INTERNAL;
	sq_bind_id(s, 1, account);
	sq_bind_id(s, 2, session);
	int step = db_step(s);
	int rc = step == DB_ROW ? ERR_OK : step == DB_DONE ? ERR_NOT_FOUND : sq_fail("session_family");
	if (rc == ERR_OK)
		sq_col_id(s, 0, family);
	db_reset(s);
	return rc;
}

enum err sq_store_account_online(const struct id *account, int64_t now, int64_t idle, bool *online)
{
	struct db_stmt *s = sq_stmt(sql_account_online);
	if (s == NULL)
		return ERR_INTERNAL;
	sq_bind_id(s, 1, account);
	db_bind_int64(s, 2, now);
	db_bind_int64(s, 3, idle);
	db_bind_int64(s, 4, SESSION_ABSOLUTE_SECONDS);
	int step = db_step(s);
	int rc = step == DB_ROW ? ERR_OK : sq_fail("account_online");
	*online = rc == ERR_OK && db_column_int(s, 0) != 0;
	db_reset(s);
	return rc;
}
