/* Apps and their authorization codes (store/apps.h). */
#include <string.h>

#include "store/account.h"
#include "store/apps.h"
#include "store/sqlite/store_int.h"

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
static const char sql_code_insert[] =
	"INSERT INTO oauth_code (hash, client_id, redirect_uri, challenge, scopes, account_id,"
	" patient_id, session_id, mfa, box, expires) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)";
static const char sql_code_take[] =
	"DELETE FROM oauth_code WHERE hash = ? RETURNING client_id, redirect_uri, challenge,"
	" scopes, account_id, patient_id, session_id, mfa, box, expires";

enum err sq_store_app_insert(const struct store_app *app)
{
	sqlite3_stmt *s = sq_stmt(sql_app_insert);
	if (s == NULL)
		return ERR_INTERNAL;
	sq_bind_id(s, 1, &app->id);
	sq_bind_text(s, 2, app->name);
	sq_bind_text(s, 3, app->redirect_uri);
	sqlite3_bind_int64(s, 4, app->created);
	return sq_write_one(s, "app_insert");
}

static void app_row(sqlite3_stmt *s, struct store_app *out)
{
	memset(out, 0, sizeof(*out));
	sq_col_id(s, 0, &out->id);
	sq_col_text_fixed(s, 1, out->name, sizeof(out->name));
	sq_col_text_fixed(s, 2, out->redirect_uri, sizeof(out->redirect_uri));
	out->created = sqlite3_column_int64(s, 3);
}

enum err sq_store_app_get(const struct id *id, struct store_app *out)
{
	sqlite3_stmt *s = sq_stmt(sql_app_get);
	if (s == NULL)
		return ERR_INTERNAL;
	sq_bind_id(s, 1, id);
	int step = sqlite3_step(s);
	int rc = step == SQLITE_ROW ? ERR_OK : step == SQLITE_DONE ? ERR_NOT_FOUND : sq_fail("app_get");
	if (rc == ERR_OK)
		app_row(s, out);
	sqlite3_reset(s);
	return rc;
}

enum err sq_store_apps_list(struct arena *a, struct store_app **out, size_t *n)
{
	*n = 0;
	*out = arena_alloc(a, APPS_MAX * sizeof(**out));
	sqlite3_stmt *s = sq_stmt(sql_apps_list);
	if (s == NULL || *out == NULL)
		return ERR_INTERNAL;
	sqlite3_bind_int(s, 1, APPS_MAX);
	int step;
	while ((step = sqlite3_step(s)) == SQLITE_ROW && *n < APPS_MAX)
		app_row(s, &(*out)[(*n)++]);
	int rc = step == SQLITE_DONE || step == SQLITE_ROW ? ERR_OK : sq_fail("apps_list");
	sqlite3_reset(s);
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
	sqlite3_stmt *s = sq_stmt(c->mark);
	if (s == NULL)
		return ERR_INTERNAL;
	sq_bind_id(s, 1, c->id);
	sqlite3_bind_int64(s, 2, c->now);
	int rc = sq_write_one(s, "client_remove");
	for (size_t i = 0; rc == ERR_OK && i < c->n_ends; i++) {
		sqlite3_stmt *e = sq_stmt(c->ends[i]);
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
	static const char *const ends[] = {sql_app_sessions_end, sql_app_codes_end};
	return sq_client_remove(sql_app_remove, ends, 2, id, now);
}

enum err sq_store_app_code_insert(const struct store_app_code *c)
{
	sqlite3_stmt *s = sq_stmt(sql_code_insert);
	if (s == NULL)
		return ERR_INTERNAL;
	sqlite3_bind_blob(s, 1, c->hash, HASH_BYTES, SQLITE_STATIC);
	sq_bind_id(s, 2, &c->client);
	sq_bind_text(s, 3, c->redirect_uri);
	sq_bind_text(s, 4, c->challenge);
	sqlite3_bind_int(s, 5, (int)c->scopes);
	sq_bind_id(s, 6, &c->account);
	sq_bind_id(s, 7, &c->patient);
	sq_bind_id(s, 8, &c->session);
	sqlite3_bind_int(s, 9, c->mfa ? 1 : 0);
	sqlite3_bind_blob(s, 10, c->box.ptr, (int)c->box.len, SQLITE_STATIC);
	sqlite3_bind_int64(s, 11, c->expires);
	return sq_write_one(s, "app_code_insert");
}

enum err sq_store_app_code_take(const uint8_t hash[HASH_BYTES], struct arena *a, struct store_app_code *out)
{
	sqlite3_stmt *s = sq_stmt(sql_code_take);
	if (s == NULL)
		return ERR_INTERNAL;
	memset(out, 0, sizeof(*out));
	sqlite3_bind_blob(s, 1, hash, HASH_BYTES, SQLITE_STATIC);
	int step = sqlite3_step(s);
	int rc = step == SQLITE_ROW ? ERR_OK : step == SQLITE_DONE ? ERR_NOT_FOUND : sq_fail("app_code_take");
	if (rc == ERR_OK) {
		memcpy(out->hash, hash, HASH_BYTES);
		sq_col_id(s, 0, &out->client);
		sq_col_text_fixed(s, 1, out->redirect_uri, sizeof(out->redirect_uri));
		sq_col_text_fixed(s, 2, out->challenge, sizeof(out->challenge));
		out->scopes = (unsigned)sqlite3_column_int(s, 3);
		sq_col_id(s, 4, &out->account);
		sq_col_id(s, 5, &out->patient);
		sq_col_id(s, 6, &out->session);
		out->mfa = sqlite3_column_int(s, 7) != 0;
		if (!sq_col_bytes(s, 8, a, &out->box))
			rc = ERR_INTERNAL;
		out->expires = sqlite3_column_int64(s, 9);
		/* RETURNING: the delete is done only once the statement has run to its end. */
		while ((step = sqlite3_step(s)) == SQLITE_ROW)
			;
		if (step != SQLITE_DONE)
			rc = sq_fail("app_code_take");
	}
	sqlite3_reset(s);
	return rc;
}

enum err sq_store_app_codes_end(const struct id *account)
{
	sqlite3_stmt *s = sq_stmt(account ? sql_account_codes_end : sql_all_codes_end);
	if (s == NULL)
		return ERR_INTERNAL;
	if (account)
		sq_bind_id(s, 1, account);
	return sq_step_done(s, "app_codes_end");
}
