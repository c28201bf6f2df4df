/*
 * The store's engine: which database the parts run on, chosen when the store is opened, and
 * the calls of db_stmt.h and store_int.h that every engine answers alike (docs/internals/STORE.md).
 *
 * medkeep.conf in the data directory names the engine: no `store.url` (the default) is SQLite,
 * in the directory's own files (engine_sqlite.c); `store.url = postgresql://...` is a
 * PostgreSQL database (engine_pg.c). The keys (master.key, index.key, the audit signing key)
 * stay in the data directory either way.
 */
#include "store/sqlite/engine.h"

#include <stdio.h>
#include <string.h>

#include "limits.h"
#include "util/conf.h"
#include "util/log.h"

static const struct db_engine *engine = &engine_sqlite;

static const char sql_meta_get[] = "SELECT value FROM store_meta WHERE name = ?";
static const char sql_meta_set[] = "INSERT INTO store_meta (name, value) VALUES (?1, ?2)"
				   " ON CONFLICT(name) DO UPDATE SET value = ?2";
static const char sql_kmeta_get[] = "SELECT value FROM meta WHERE name = ?";
static const char sql_kmeta_set[] = "INSERT INTO meta (name, value) VALUES (?1, ?2)"
				    " ON CONFLICT(name) DO UPDATE SET value = ?2";

/* The engine the data directory's configuration names, and its address into url (empty for
 * SQLite); -1 when the configuration cannot be read or names no engine this binary has. */
static int engine_choose(const char *dir, char *url, size_t urlsz)
{
	static char text[CONF_MAX_BYTES];
	size_t len = 0;
	url[0] = '\0';
	if (conf_read(dir, text, sizeof(text), &len) != 0)
		return -1;
	int g = conf_get(text, len, "store.url", url, urlsz);
	if (g == 1) {
		engine = &engine_sqlite;
		url[0] = '\0';
		return 0;
	}
	if (g == 0 && (strncmp(url, "postgresql:", 11) == 0 || strncmp(url, "postgres:", 9) == 0)) {
		engine = &engine_pg;
		return 0;
	}
	log_warn("component=store error=\"store.url in medkeep.conf is not a postgresql:// address\"");
	return -1;
}

#define KEYSTORE_ID "keystore_id"
#define KEYSTORE_ID_BYTES 16

/*
 * The records and the keystore name each other with a random id kept in both, so that a lost
 * keystore, or one of another data directory, is refused loudly: otherwise every patient
 * would quietly read as shredded. The id is set when the first of them is opened without one.
 */
static enum err link_keystore(void)
{
	uint8_t data_id[KEYSTORE_ID_BYTES], keys_id[KEYSTORE_ID_BYTES];
	size_t dn = 0, kn = 0;
	int d = sq_meta_get(SQ_MAIN, KEYSTORE_ID, data_id, sizeof(data_id), &dn);
	int k = sq_meta_get(SQ_KEYS, KEYSTORE_ID, keys_id, sizeof(keys_id), &kn);
	if (d == ERR_INTERNAL || k == ERR_INTERNAL)
		return ERR_INTERNAL;
	if (d == ERR_OK && k == ERR_OK)
		return dn == kn && memcmp(data_id, keys_id, dn) == 0 ? ERR_OK : ERR_CONFLICT;
	if (d == ERR_OK) /* the data names a keystore, and this one is empty and new */
		return ERR_CONFLICT;
	if (k != ERR_OK) {
		if (engine->random_id(keys_id) != ERR_OK)
			return ERR_INTERNAL;
		kn = KEYSTORE_ID_BYTES;
		if (sq_meta_set(SQ_KEYS, KEYSTORE_ID, keys_id, kn) != ERR_OK)
			return ERR_INTERNAL;
	}
	return sq_meta_set(SQ_MAIN, KEYSTORE_ID, keys_id, kn);
}

enum err sq_store_open(const char *dir, bool create)
{
	char url[CONF_LINE_MAX + 1];
	if (engine_choose(dir, url, sizeof(url)) != 0)
		return ERR_INTERNAL;
	if (engine->open(dir, url[0] ? url : NULL, create) != ERR_OK)
		return ERR_INTERNAL;
	int rc = link_keystore();
	if (rc == ERR_CONFLICT)
		log_warn("component=store error=\"the keystore does not belong to these records\"");
	if (rc != ERR_OK) {
		engine->close();
		return ERR_INTERNAL;
	}
	return ERR_OK;
}

enum err sq_store_open_audit(const char *dir)
{
	char url[CONF_LINE_MAX + 1];
	if (engine_choose(dir, url, sizeof(url)) != 0)
		return ERR_INTERNAL;
	return engine->open_audit(dir, url[0] ? url : NULL);
}

void sq_store_close(void)
{
	engine->close();
}

bool sq_keys_alongside(void)
{
	return engine == &engine_pg && engine_pg_keys_settled();
}

bool sq_store_connects(void)
{
	return engine == &engine_pg;
}

void sq_store_bulk_load(void)
{
	/* PostgreSQL's cache and checkpoints are the server's to set (STORE.md). */
	if (engine == &engine_sqlite)
		engine_sqlite_bulk_load();
}

/* PostgreSQL: each commit is durable when it returns, as always; nothing to defer. */
enum err sq_store_sync_deferred(bool on)
{
	return engine == &engine_sqlite ? engine_sqlite_sync_deferred(on) : ERR_OK;
}

enum err sq_store_sync(void)
{
	return engine == &engine_sqlite ? engine_sqlite_sync() : ERR_OK;
}

uint64_t sq_store_outages(bool here)
{
	return engine == &engine_pg ? engine_pg_outages(here) : 0;
}

/* --- statements: db_stmt.h, through the engine --- */

enum db_step db_step(struct db_stmt *s) { return engine->step(s); }
void db_reset(struct db_stmt *s) { engine->reset(s); }
void db_clear_bindings(struct db_stmt *s) { engine->clear_bindings(s); }
void db_bind_int64(struct db_stmt *s, int col, int64_t v) { engine->bind_int64(s, col, v); }
void db_bind_text(struct db_stmt *s, int col, const char *t) { engine->bind_text(s, col, t); }
void db_bind_blob(struct db_stmt *s, int col, const void *p, size_t n) { engine->bind_blob(s, col, p, n); }
void db_bind_null(struct db_stmt *s, int col) { engine->bind_null(s, col); }
int64_t db_column_int64(struct db_stmt *s, int col) { return engine->column_int64(s, col); }
int db_column_int(struct db_stmt *s, int col) { return (int)engine->column_int64(s, col); }
const char *db_column_text(struct db_stmt *s, int col) { return engine->column_text(s, col); }
const void *db_column_blob(struct db_stmt *s, int col) { return engine->column_blob(s, col); }
size_t db_column_bytes(struct db_stmt *s, int col) { return engine->column_bytes(s, col); }
bool db_column_is_null(struct db_stmt *s, int col) { return engine->column_is_null(s, col); }
int db_column_count(struct db_stmt *s) { return engine->column_count(s); }
int64_t db_changes(struct db_stmt *s) { return engine->changes(s); }
bool db_in_transaction(struct db_stmt *s) { return engine->stmt_in_transaction(s); }

void db_finalize(struct db_stmt *s)
{
	if (s != NULL)
		engine->finalize(s);
}

/* --- connections and transactions: store_int.h, through the engine --- */

struct db_stmt *sq_stmt_on(enum sq_file f, const char *sql) { return engine->stmt_on(f, sql); }
struct db_stmt *sq_stmt_fresh(enum sq_file f, const char *sql) { return engine->stmt_fresh(f, sql); }
enum err sq_begin(enum sq_file f) { return engine->begin(f); }
enum err sq_commit(enum sq_file f) { return engine->commit(f); }
enum err sq_rollback(enum sq_file f) { return engine->rollback(f); }
enum err sq_read_begin(enum sq_file f) { return engine->read_begin(f); }
void sq_read_end(enum sq_file f) { engine->read_end(f); }
bool sq_store_in_transaction(void) { return engine->in_transaction(); }
void sq_store_snapshot_begin(void) { engine->snapshot_begin(); }
void sq_store_snapshot_end(void) { engine->snapshot_end(); }

enum err sq_fail(const char *what)
{
	log_warn("component=store op=%s error=\"%s\"", what, engine->errmsg());
	return ERR_INTERNAL;
}

/* --- what every engine does alike --- */

enum err sq_step_done(struct db_stmt *s, const char *what)
{
	if (s == NULL)
		return sq_fail(what);
	int step = db_step(s);
	db_reset(s);
	if (step == DB_CONSTRAINT)
		return ERR_CONFLICT;
	return step == DB_DONE ? ERR_OK : sq_fail(what);
}

enum err sq_write_one(struct db_stmt *s, const char *what)
{
	int step = db_step(s);
	int changed = db_changes(s);
	db_reset(s);
	if (step == DB_CONSTRAINT)
		return ERR_CONFLICT;
	if (step != DB_DONE)
		return sq_fail(what);
	return changed == 1 ? ERR_OK : ERR_NOT_FOUND;
}

enum err sq_meta_get(enum sq_file f, const char *name, uint8_t *out, size_t cap, size_t *len)
{
	struct db_stmt *s = sq_stmt_on(f, f == SQ_KEYS ? sql_kmeta_get : sql_meta_get);
	sq_bind_text(s, 1, name);
	*len = 0;
	int step = db_step(s);
	int rc = step == DB_DONE ? ERR_NOT_FOUND : ERR_INTERNAL;
	if (step == DB_ROW) {
		int n = db_column_bytes(s, 0);
		if (n >= 0 && (size_t)n <= cap) {
			if (n > 0)
				memcpy(out, db_column_blob(s, 0), (size_t)n);
			*len = (size_t)n;
			rc = ERR_OK;
		}
	}
	db_reset(s);
	return rc;
}

enum err sq_meta_set(enum sq_file f, const char *name, const uint8_t *v, size_t n)
{
	struct db_stmt *s = sq_stmt_on(f, f == SQ_KEYS ? sql_kmeta_set : sql_meta_set);
	sq_bind_text(s, 1, name);
	db_bind_blob(s, 2, v, n);
	int rc = db_step(s) == DB_DONE ? ERR_OK : sq_fail("meta_set");
	db_reset(s);
	return rc;
}

enum err sq_run(struct db_stmt *s)
{
	int rc = db_step(s) == DB_DONE ? ERR_OK : sq_fail("txn");
	db_reset(s);
	return rc;
}

enum err sq_run_id(struct db_stmt *s, const struct id *id, const char *what)
{
	sq_bind_id(s, 1, id);
	int rc = db_step(s) == DB_DONE ? ERR_OK : sq_fail(what);
	db_reset(s);
	return rc;
}

enum err sq_store_begin(void)
{
	if (sq_begin(SQ_KEYS) != ERR_OK)
		return ERR_INTERNAL;
	if (sq_begin(SQ_MAIN) != ERR_OK) {
		sq_rollback(SQ_KEYS);
		return ERR_INTERNAL;
	}
	return ERR_OK;
}

enum err sq_store_commit(void)
{
	/* Keys first: a crash between the two commits leaves a key without a patient (harmless),
	 * never a patient without a key. */
	if (sq_commit(SQ_KEYS) != ERR_OK)
		return ERR_INTERNAL;
	return sq_commit(SQ_MAIN);
}

enum err sq_store_rollback(void)
{
	enum err a = sq_rollback(SQ_MAIN), b = sq_rollback(SQ_KEYS);
	return a == ERR_OK && b == ERR_OK ? ERR_OK : ERR_INTERNAL;
}

void sq_bind_id(struct db_stmt *s, int col, const struct id *id)
{
	db_bind_blob(s, col, id->b, ID_BYTES);
}

void sq_bind_text(struct db_stmt *s, int col, const char *t)
{
	db_bind_text(s, col, t);
}

enum err sq_target_collect(struct db_stmt *s, struct target *out, const char *what)
{
	memset(out, 0, sizeof(*out));
	if (s == NULL)
		return ERR_INTERNAL;
	int rc;
	while ((rc = db_step(s)) == DB_ROW) {
		if (!out->exists && !(out->exists = sq_col_id(s, 0, &out->patient)))
			break;
		if (db_column_count(s) > 3)
			out->created = db_column_int64(s, 3);
		size_t i = out->n_practices;
		if (i < TARGET_MAX_PRACTICES && sq_col_id(s, 1, &out->practices[i])) {
			out->history_from[i] = db_column_int64(s, 2);
			out->n_practices++;
		}
	}
	db_reset(s);
	if (rc != DB_ROW && rc != DB_DONE)
		return sq_fail(what);
	return out->exists ? ERR_OK : ERR_NOT_FOUND;
}

bool sq_col_id(struct db_stmt *s, int col, struct id *out)
{
	if (db_column_is_null(s, col) || db_column_bytes(s, col) != ID_BYTES) {
		memset(out, 0, sizeof(*out));
		return false;
	}
	memcpy(out->b, db_column_blob(s, col), ID_BYTES);
	return true;
}

const char *sq_col_text(struct db_stmt *s, int col, struct arena *a)
{
	const char *t = db_column_text(s, col);
	return t ? arena_strndup(a, t, db_column_bytes(s, col)) : NULL;
}

void sq_col_text_fixed(struct db_stmt *s, int col, char *out, size_t outsz)
{
	const char *t = db_column_text(s, col);
	snprintf(out, outsz, "%s", t ? t : "");
}

bool sq_col_bytes(struct db_stmt *s, int col, struct arena *a, struct bytes *out)
{
	size_t n = db_column_bytes(s, col);
	const void *p = db_column_blob(s, col);
	uint8_t *copy = arena_alloc(a, n + 1);
	if (copy == NULL)
		return false;
	if (n > 0)
		memcpy(copy, p, n);
	out->ptr = copy;
	out->len = n;
	return true;
}

struct db_stmt *sq_stmt(const char *sql)
{
	return sq_stmt_on(SQ_MAIN, sql);
}

struct db_stmt *sq_audit_stmt(const char *sql)
{
	return sq_stmt_on(SQ_AUDIT, sql);
}

struct db_stmt *sq_keys_stmt(const char *sql)
{
	return sq_stmt_on(SQ_KEYS, sql);
}
