/* Practice systems: the register, used assertion ids and issued tokens (store/systems.h). */
#include <string.h>

#include "store/systems.h"
#include "store/sqlite/store_int.h"

static const char sql_system_insert[] =
	"INSERT INTO system_client (id, practice_id, name, jwks, scopes, created)"
	" VALUES (?, ?, ?, ?, ?, ?)";
static const char sql_system_get[] =
	"SELECT id, practice_id, name, jwks, scopes, created FROM system_client"
	" WHERE id = ? AND removed IS NULL";
static const char sql_systems_list[] =
	"SELECT id, practice_id, name, jwks, scopes, created FROM system_client"
	" WHERE removed IS NULL ORDER BY created, id LIMIT ?";
static const char sql_system_remove[] =
	"UPDATE system_client SET removed = ?2 WHERE id = ?1 AND removed IS NULL";
static const char sql_system_tokens_end[] = "DELETE FROM system_token WHERE client_id = ?";
static const char sql_jti_forget[] = "DELETE FROM system_jti WHERE client_id = ? AND expires < ?";
static const char sql_jti_use[] =
	"INSERT INTO system_jti (client_id, jti_hash, expires) VALUES (?, ?, ?)"
	" ON CONFLICT DO NOTHING";
static const char sql_token_insert[] =
	"INSERT INTO system_token (token_hash, id, client_id, practice_id, scopes, created, expires)"
	" VALUES (?, ?, ?, ?, ?, ?, ?)";
static const char sql_token_get[] =
	"SELECT t.id, t.client_id, t.practice_id, t.scopes, t.created, t.expires, c.name"
	" FROM system_token t JOIN system_client c ON c.id = t.client_id"
	" WHERE t.token_hash = ? AND c.removed IS NULL";
static const char sql_token_delete[] = "DELETE FROM system_token WHERE token_hash = ?";
static const char sql_tokens_forget[] = "DELETE FROM system_token WHERE client_id = ? AND expires < ?";

enum err sq_store_system_insert(const struct store_system *sys)
{
	struct db_stmt *s = sq_stmt(sql_system_insert);
	if (s == NULL)
		return ERR_INTERNAL;
	sq_bind_id(s, 1, &sys->id);
	sq_bind_id(s, 2, &sys->practice);
	sq_bind_text(s, 3, sys->name);
	sq_bind_text(s, 4, sys->jwks);
	db_bind_int64(s, 5, (int)sys->scopes);
	db_bind_int64(s, 6, sys->created);
	return sq_write_one(s, "system_insert");
}

static bool system_row(struct db_stmt *s, struct arena *a, struct store_system *out)
{
	memset(out, 0, sizeof(*out));
	sq_col_id(s, 0, &out->id);
	sq_col_id(s, 1, &out->practice);
	sq_col_text_fixed(s, 2, out->name, sizeof(out->name));
	out->jwks = sq_col_text(s, 3, a);
	out->scopes = (unsigned)db_column_int(s, 4);
	out->created = db_column_int64(s, 5);
	return out->jwks != NULL;
}

enum err sq_store_system_get(const struct id *id, struct arena *a, struct store_system *out)
{
	struct db_stmt *s = sq_stmt(sql_system_get);
	if (s == NULL)
		return ERR_INTERNAL;
	sq_bind_id(s, 1, id);
	int step = db_step(s);
	int rc = step == DB_ROW ? ERR_OK : step == DB_DONE ? ERR_NOT_FOUND : sq_fail("system_get");
	if (rc == ERR_OK && !system_row(s, a, out))
		rc = ERR_INTERNAL;
	db_reset(s);
	return rc;
}

enum err sq_store_systems_list(struct arena *a, struct store_system **out, size_t *n)
{
	*n = 0;
	*out = arena_alloc(a, SYSTEMS_MAX * sizeof(**out));
	struct db_stmt *s = sq_stmt(sql_systems_list);
	if (s == NULL || *out == NULL)
		return ERR_INTERNAL;
	db_bind_int64(s, 1, SYSTEMS_MAX);
	int step;
	int rc = ERR_OK;
	while ((step = db_step(s)) == DB_ROW && *n < SYSTEMS_MAX)
		if (!system_row(s, a, &(*out)[(*n)++]))
			rc = ERR_INTERNAL;
	if (step != DB_DONE && step != DB_ROW)
		rc = sq_fail("systems_list");
	db_reset(s);
	return rc;
}

enum err sq_store_system_remove(const struct id *id, int64_t now)
{
	static const char *const ends[] = {sql_system_tokens_end};
	return sq_client_remove(sql_system_remove, ends, 1, id, now);
}

enum err sq_store_system_jti_use(const struct id *client, const uint8_t jti_hash[HASH_BYTES],
				 int64_t expires, int64_t now)
{
	struct db_stmt *f = sq_stmt(sql_jti_forget);
	if (f == NULL)
		return ERR_INTERNAL;
	sq_bind_id(f, 1, client);
	db_bind_int64(f, 2, now);
	if (sq_step_done(f, "system_jti_forget") != ERR_OK)
		return ERR_INTERNAL;
	struct db_stmt *s = sq_stmt(sql_jti_use);
	if (s == NULL)
		return ERR_INTERNAL;
	sq_bind_id(s, 1, client);
	db_bind_blob(s, 2, jti_hash, HASH_BYTES);
	db_bind_int64(s, 3, expires);
	/* One statement decides: the insert happens, or the id was there already. */
	int rc = sq_write_one(s, "system_jti_use");
	return rc == ERR_NOT_FOUND ? ERR_CONFLICT : rc;
}

enum err sq_store_system_token_insert(const uint8_t token_hash[HASH_BYTES],
				      const struct store_system_token *t)
{
	/* The system's expired tokens go as it takes a new one: the table stays the size of the
	 * tokens alive. */
	struct db_stmt *f = sq_stmt(sql_tokens_forget);
	if (f == NULL)
		return ERR_INTERNAL;
	sq_bind_id(f, 1, &t->client);
	db_bind_int64(f, 2, t->created);
	if (sq_step_done(f, "system_tokens_forget") != ERR_OK)
		return ERR_INTERNAL;
	struct db_stmt *s = sq_stmt(sql_token_insert);
	if (s == NULL)
		return ERR_INTERNAL;
	db_bind_blob(s, 1, token_hash, HASH_BYTES);
	sq_bind_id(s, 2, &t->session);
	sq_bind_id(s, 3, &t->client);
	sq_bind_id(s, 4, &t->practice);
	db_bind_int64(s, 5, (int)t->scopes);
	db_bind_int64(s, 6, t->created);
	db_bind_int64(s, 7, t->expires);
	return sq_write_one(s, "system_token_insert");
}

enum err sq_store_system_token_get(const uint8_t token_hash[HASH_BYTES], int64_t now,
				   struct store_system_token *out)
{
	struct db_stmt *s = sq_stmt(sql_token_get);
	if (s == NULL)
		return ERR_INTERNAL;
	memset(out, 0, sizeof(*out));
	db_bind_blob(s, 1, token_hash, HASH_BYTES);
	int step = db_step(s);
	int rc = step == DB_ROW ? ERR_OK : step == DB_DONE ? ERR_NOT_FOUND : sq_fail("system_token_get");
	if (rc == ERR_OK) {
		sq_col_id(s, 0, &out->session);
		sq_col_id(s, 1, &out->client);
		sq_col_id(s, 2, &out->practice);
		out->scopes = (unsigned)db_column_int(s, 3);
		out->created = db_column_int64(s, 4);
		out->expires = db_column_int64(s, 5);
		sq_col_text_fixed(s, 6, out->name, sizeof(out->name));
	}
	db_reset(s);
	if (rc == ERR_OK && out->expires < now) {
		struct db_stmt *d = sq_stmt(sql_token_delete);
		if (d != NULL) {
			db_bind_blob(d, 1, token_hash, HASH_BYTES);
			(void)sq_step_done(d, "system_token_delete");
		}
		rc = ERR_NOT_FOUND;
	}
	return rc;
}
