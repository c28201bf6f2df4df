/*
 * SQLite back-end of src/store/store.h: connections, the statement cache, the sq_* helpers.
 *
 * WAL mode, one connection per thread (libmicrohttpd calls us from a pool of threads, and the
 * audit writer has its own thread), each opened in defensive mode with tightened limits and
 * every statement prepared once per connection and bound, never built from strings. WAL lets
 * readers run beside the one writer. synchronous=FULL: an acknowledged audit row survives a
 * power cut (invariant 3).
 *
 * Each part (store_<part>.c) owns its SQL; a statement is prepared the first time its part
 * asks for it on a connection and cached there by the address of its SQL text (sq_stmt), so a
 * statement costs one hash probe on every later use, as an index into a table did before.
 */
#include "store/store.h"
#include "store/sqlite/store_int.h"

#include <pthread.h>
#include <sqlite3.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "limits.h"
#include "util/log.h"

static char db_path[4096];
static char audit_path[4096];
static char keys_path[4096];

/* Statements a connection may cache, over all parts and files; a power of two, kept under
 * three quarters full so that a probe stays short. (About 230 exist today.) */
#define STMT_SLOTS_LOG2 10
#define STMT_SLOTS (1u << STMT_SLOTS_LOG2)
#define STMT_MAX (STMT_SLOTS / 4 * 3)

struct stmt_slot {
	const char *sql; /* the part's static text: the key, with file */
	sqlite3_stmt *s;
	enum sq_file file;
};

/* One connection to each file and their prepared statements; all of them are listed so
 * store_close can finish them, whichever thread opened them. A file whose path is empty
 * (store_open_audit opens only the trail) gets no connection and no statements. */
struct conn {
	sqlite3 *dbs[SQ_FILES];
	struct stmt_slot slots[STMT_SLOTS];
	size_t n_stmts;
	bool snapshot; /* a read transaction of store_snapshot_begin is open on medkeep.db */
	/* Transactions open on each file by sq_begin: 1 is BEGIN IMMEDIATE, each one deeper a
	 * savepoint inside it (a batch of messages, and a message within it). */
	int depth[SQ_FILES];
	struct conn *next;
};
static pthread_mutex_t conns_lock = PTHREAD_MUTEX_INITIALIZER;
static struct conn *conns;
static _Thread_local struct conn *thread_conn;

static const char sql_begin[] = "BEGIN IMMEDIATE";
static const char sql_commit[] = "COMMIT";
static const char sql_rollback[] = "ROLLBACK";
static const char sql_savepoint[] = "SAVEPOINT sq_nested";
static const char sql_release[] = "RELEASE sq_nested";
static const char sql_rollback_to[] = "ROLLBACK TO sq_nested";
static const char sql_snapshot_begin[] = "BEGIN DEFERRED";
static const char sql_snapshot_end[] = "COMMIT";
static const char sql_meta_get[] = "SELECT value FROM store_meta WHERE name = ?";
static const char sql_meta_set[] = "INSERT INTO store_meta (name, value) VALUES (?1, ?2)"
				   " ON CONFLICT(name) DO UPDATE SET value = ?2";
static const char sql_kmeta_get[] = "SELECT value FROM meta WHERE name = ?";
static const char sql_kmeta_set[] = "INSERT INTO meta (name, value) VALUES (?1, ?2)"
				    " ON CONFLICT(name) DO UPDATE SET value = ?2";

static void conn_free(struct conn *c)
{
	for (size_t i = 0; i < STMT_SLOTS; i++)
		sqlite3_finalize(c->slots[i].s);
	for (int f = 0; f < SQ_FILES; f++)
		sqlite3_close(c->dbs[f]);
	free(c);
}

/* This thread's connection, opened on first use; NULL when it cannot be opened. */
static struct conn *conn_get(void)
{
	if (thread_conn != NULL)
		return thread_conn;
	if (audit_path[0] == '\0')
		return NULL;
	struct conn *c = calloc(1, sizeof(*c));
	if (c == NULL)
		return NULL;
	int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX;
	const char *paths[SQ_FILES] = {
		[SQ_MAIN] = db_path,
		[SQ_AUDIT] = audit_path,
		[SQ_KEYS] = keys_path,
	};
	bool ok = true;
	for (int f = 0; f < SQ_FILES && ok; f++)
		if (paths[f][0] != '\0')
			ok = sqlite3_open_v2(paths[f], &c->dbs[f], flags, NULL) == SQLITE_OK &&
			     sq_conn_setup(c->dbs[f]) == ERR_OK;
	if (!ok) {
		log_warn("component=store error=\"cannot open a connection\"");
		conn_free(c);
		return NULL;
	}
	pthread_mutex_lock(&conns_lock);
	c->next = conns;
	conns = c;
	pthread_mutex_unlock(&conns_lock);
	thread_conn = c;
	return c;
}

sqlite3 *sq_handle(enum sq_file f)
{
	struct conn *c = conn_get();
	return c != NULL ? c->dbs[f] : NULL;
}

/*
 * A request's reads share one snapshot of medkeep.db (store_snapshot_begin/end): one read
 * transaction instead of one per statement, and each costs lock and unlock system calls.
 * Anything but a SELECT ends the snapshot first, so that a write never has to upgrade a read
 * transaction, which SQLite refuses outright when another connection has written meanwhile.
 */
static void snapshot_close(struct conn *c)
{
	if (!c->snapshot)
		return;
	c->snapshot = false;
	struct db_stmt *s = sq_stmt(sql_snapshot_end);
	if (db_step(s) != DB_DONE)
		log_warn("component=store op=snapshot-end error=\"%s\"", sqlite3_errmsg(c->dbs[SQ_MAIN]));
	db_reset(s);
}

static void snapshot_guard(struct conn *c, sqlite3_stmt *s)
{
	if (c->snapshot && sqlite3_db_handle(s) == c->dbs[SQ_MAIN] &&
	    strncmp(sqlite3_sql(s), "SELECT", 6) != 0)
		snapshot_close(c);
}

void sq_store_snapshot_begin(void)
{
	struct conn *c = conn_get();
	if (c == NULL || c->dbs[SQ_MAIN] == NULL)
		return;
	snapshot_close(c);
	struct db_stmt *s = sq_stmt(sql_snapshot_begin);
	c->snapshot = db_step(s) == DB_DONE;
	db_reset(s);
}

void sq_store_snapshot_end(void)
{
	struct conn *c = thread_conn;
	if (c != NULL)
		snapshot_close(c);
}

/* The slot of (f, sql) in c: where it is cached, or the empty one where it would go. */
static struct stmt_slot *slot_find(struct conn *c, enum sq_file f, const char *sql)
{
	/* Fibonacci hashing: the top bits of the address times 2^64 / phi. */
	uint64_t h = ((uint64_t)(uintptr_t)sql ^ (uint64_t)f) * UINT64_C(0x9e3779b97f4a7c15);
	for (size_t i = (size_t)(h >> (64 - STMT_SLOTS_LOG2));; i = (i + 1) & (STMT_SLOTS - 1)) {
		struct stmt_slot *e = &c->slots[i];
		if (e->sql == NULL || (e->sql == sql && e->file == f))
			return e;
	}
}

struct db_stmt *sq_stmt_on(enum sq_file f, const char *sql)
{
	struct conn *c = conn_get();
	if (c == NULL || c->dbs[f] == NULL)
		return NULL;
	struct stmt_slot *e = slot_find(c, f, sql);
	if (e->sql != NULL) {
		sqlite3_reset(e->s);
		sqlite3_clear_bindings(e->s);
		snapshot_guard(c, e->s);
		return sq_wrap(e->s);
	}
	if (c->n_stmts == STMT_MAX) {
		log_warn("component=store error=\"statement cache exhausted\"");
		return NULL;
	}
	sqlite3_stmt *st = NULL;
	if (sqlite3_prepare_v3(c->dbs[f], sql, -1, SQLITE_PREPARE_PERSISTENT, &st, NULL) != SQLITE_OK) {
		log_warn("component=store op=prepare error=\"%s\"", sqlite3_errmsg(c->dbs[f]));
		sqlite3_finalize(st);
		return NULL;
	}
	e->sql = sql;
	e->file = f;
	e->s = st;
	c->n_stmts++;
	snapshot_guard(c, st);
	return sq_wrap(st);
}

struct db_stmt *sq_stmt_fresh(enum sq_file f, const char *sql)
{
	struct conn *c = conn_get();
	sqlite3_stmt *st = NULL;
	if (c == NULL || c->dbs[f] == NULL)
		return NULL;
	if (sqlite3_prepare_v2(c->dbs[f], sql, -1, &st, NULL) != SQLITE_OK) {
		log_warn("component=store op=prepare error=\"%s\"", sqlite3_errmsg(c->dbs[f]));
		sqlite3_finalize(st);
		return NULL;
	}
	return sq_wrap(st);
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

enum err sq_fail(const char *what)
{
	struct conn *c = thread_conn;
	log_warn("component=store op=%s error=\"%s\"", what,
		 c ? sqlite3_errmsg(c->dbs[SQ_MAIN]) : "no db");
	return ERR_INTERNAL;
}

enum err sq_exec(sqlite3 *db, const char *sql)
{
	char *err = NULL;
	if (sqlite3_exec(db, sql, NULL, NULL, &err) != SQLITE_OK) {
		log_warn("component=store op=exec error=\"%s\"", err ? err : "?");
		sqlite3_free(err);
		return ERR_INTERNAL;
	}
	return ERR_OK;
}


enum err sq_conn_setup(sqlite3 *db)
{
	sqlite3_db_config(db, SQLITE_DBCONFIG_DEFENSIVE, 1, NULL);
	sqlite3_db_config(db, SQLITE_DBCONFIG_TRUSTED_SCHEMA, 0, NULL);
	sqlite3_limit(db, SQLITE_LIMIT_LENGTH, 64 * 1024 * 1024);
	sqlite3_limit(db, SQLITE_LIMIT_SQL_LENGTH, 64 * 1024);
	sqlite3_limit(db, SQLITE_LIMIT_ATTACHED, 0);
	sqlite3_busy_timeout(db, 10000);
	/* 8 MB of page cache per connection. (mmap measured slower: the file grows with every audit
	 * batch, and each growth remaps.) */
	return sq_exec(db, "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL; PRAGMA foreign_keys=ON;"
			   "PRAGMA secure_delete=ON; PRAGMA cache_size=-8192;");
}

#define KEYSTORE_ID "keystore_id"
#define KEYSTORE_ID_BYTES 16

/* Read one store_meta value of medkeep.db on a connection of its own (before the keystore is
 * opened). *len is 0 when there is none. */
static enum err peek_data_meta(const char *path, const char *name, uint8_t *out, size_t cap, size_t *len)
{
	sqlite3 *db = NULL;
	sqlite3_stmt *st = NULL;
	*len = 0;
	int rc = ERR_INTERNAL;
	if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE, NULL) == SQLITE_OK &&
	    sqlite3_busy_timeout(db, 10000) == SQLITE_OK &&
	    sqlite3_prepare_v2(db, sql_meta_get, -1, &st, NULL) == SQLITE_OK) {
		struct db_stmt *s = sq_wrap(st);
		db_bind_text(s, 1, name);
		int step = db_step(s);
		if (step == DB_ROW) {
			size_t n = db_column_bytes(s, 0);
			if (n > 0 && n <= cap) {
				memcpy(out, db_column_blob(s, 0), n);
				*len = n;
				rc = ERR_OK;
			}
		} else if (step == DB_DONE) {
			rc = ERR_OK;
		}
	}
	sqlite3_finalize(st);
	sqlite3_close(db);
	return rc;
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

/*
 * medkeep.db and keystore.db name each other with a random id kept in both, so that a lost
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
		/* An identifier, not a secret: SQLite's randomness is enough for it. */
		struct db_stmt *s = sq_stmt_fresh(SQ_KEYS, "SELECT randomblob(16)");
		if (s == NULL ||
		    db_step(s) != DB_ROW || db_column_bytes(s, 0) != KEYSTORE_ID_BYTES) {
			db_finalize(s);
			return ERR_INTERNAL;
		}
		memcpy(keys_id, db_column_blob(s, 0), KEYSTORE_ID_BYTES);
		db_finalize(s);
		kn = KEYSTORE_ID_BYTES;
		if (sq_meta_set(SQ_KEYS, KEYSTORE_ID, keys_id, kn) != ERR_OK)
			return ERR_INTERNAL;
	}
	return sq_meta_set(SQ_MAIN, KEYSTORE_ID, keys_id, kn);
}


static void sqlite_configure(void)
{
	sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
}

/* Before SQLite's first use: no global memory statistics (we never read them), whose mutex
 * every allocation of every thread would otherwise take. */
static void sqlite_setup(void)
{
	static pthread_once_t once = PTHREAD_ONCE_INIT;
	pthread_once(&once, sqlite_configure);
}

static int set_paths(const char *dir, char *path, char *apath, char *kpath)
{
	return (size_t)snprintf(path, sizeof(db_path), "%s/medkeep.db", dir) < sizeof(db_path) &&
			       (size_t)snprintf(apath, sizeof(audit_path), "%s/audit.db", dir) <
				       sizeof(audit_path) &&
			       (size_t)snprintf(kpath, sizeof(keys_path), "%s/keystore.db", dir) <
				       sizeof(keys_path)
		       ? 0
		       : -1;
}

enum err sq_store_open(const char *dir, bool create)
{
	char path[sizeof(db_path)], apath[sizeof(audit_path)], kpath[sizeof(keys_path)];
	sqlite_setup();
	if (set_paths(dir, path, apath, kpath) != 0)
		return ERR_INTERNAL;
	if (sq_schema_open(SQ_MAIN, path, create) != ERR_OK ||
	    sq_schema_open(SQ_AUDIT, apath, create) != ERR_OK)
		return ERR_INTERNAL;
	struct stat st;
	bool keys_create = create;
	if (!create && stat(kpath, &st) != 0) {
		/* Only a data directory from before the keystore may get a new one. */
		uint8_t id[KEYSTORE_ID_BYTES];
		size_t n = 0;
		if (peek_data_meta(path, KEYSTORE_ID, id, sizeof(id), &n) != ERR_OK)
			return ERR_INTERNAL;
		if (n > 0) {
			log_warn("component=store error=\"keystore.db is missing: this data directory's "
				 "patient keys are in it (restore it from your key copy)\"");
			return ERR_INTERNAL;
		}
		keys_create = true;
	}
	if (sq_schema_open(SQ_KEYS, kpath, keys_create) != ERR_OK)
		return ERR_INTERNAL;
	memcpy(db_path, path, sizeof(db_path));
	memcpy(audit_path, apath, sizeof(audit_path));
	memcpy(keys_path, kpath, sizeof(keys_path));
	if (conn_get() == NULL)
		return ERR_INTERNAL;
	int rc = link_keystore();
	if (rc == ERR_CONFLICT)
		log_warn("component=store error=\"keystore.db does not belong to this data directory\"");
	if (rc != ERR_OK) {
		sq_store_close();
		return ERR_INTERNAL;
	}
	return ERR_OK;
}

enum err sq_store_open_audit(const char *dir)
{
	char path[sizeof(db_path)], apath[sizeof(audit_path)], kpath[sizeof(keys_path)];
	sqlite_setup();
	if (set_paths(dir, path, apath, kpath) != 0 ||
	    sq_schema_open(SQ_AUDIT, apath, false) != ERR_OK)
		return ERR_INTERNAL;
	db_path[0] = keys_path[0] = '\0';
	memcpy(audit_path, apath, sizeof(audit_path));
	return conn_get() ? ERR_OK : ERR_INTERNAL;
}

void sq_store_close(void)
{
	pthread_mutex_lock(&conns_lock);
	for (struct conn *c = conns, *next; c != NULL; c = next) {
		next = c->next;
		conn_free(c);
	}
	conns = NULL;
	thread_conn = NULL;
	db_path[0] = audit_path[0] = keys_path[0] = '\0';
	pthread_mutex_unlock(&conns_lock);
}

enum err sq_read_begin(enum sq_file f)
{
	sqlite3 *db = sq_handle(f);
	/* BEGIN alone takes no snapshot in SQLite: the first read does. */
	return db != NULL ? sq_exec(db, "BEGIN; SELECT count(*) FROM sqlite_schema;") : ERR_INTERNAL;
}

void sq_read_end(enum sq_file f)
{
	sqlite3 *db = sq_handle(f);
	if (db != NULL)
		sq_exec(db, "COMMIT;");
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

/*
 * Transactions nest: the outermost sq_begin on a file is BEGIN IMMEDIATE, and one inside it
 * a savepoint, which sq_commit releases into the enclosing transaction and sq_rollback undoes
 * alone. So a batch of feed messages (src/ingest) can give each message a savepoint of its
 * own while the services it calls open and close their transactions as they always do.
 */
enum err sq_begin(enum sq_file f)
{
	struct conn *c = conn_get();
	if (c == NULL)
		return ERR_INTERNAL;
	enum err rc = sq_run(sq_stmt_on(f, c->depth[f] == 0 ? sql_begin : sql_savepoint));
	if (rc == ERR_OK)
		c->depth[f]++;
	return rc;
}

enum err sq_commit(enum sq_file f)
{
	struct conn *c = conn_get();
	if (c == NULL)
		return ERR_INTERNAL;
	/* A failed commit leaves the transaction open, for the caller's sq_rollback. */
	enum err rc = sq_run(sq_stmt_on(f, c->depth[f] > 1 ? sql_release : sql_commit));
	if (rc == ERR_OK && c->depth[f] > 0)
		c->depth[f]--;
	return rc;
}

enum err sq_rollback(enum sq_file f)
{
	struct conn *c = conn_get();
	if (c == NULL)
		return ERR_INTERNAL;
	if (c->depth[f] <= 1) {
		c->depth[f] = 0;
		return sq_run(sq_stmt_on(f, sql_rollback));
	}
	c->depth[f]--;
	enum err rc = sq_run(sq_stmt_on(f, sql_rollback_to));
	return sq_run(sq_stmt_on(f, sql_release)) == ERR_OK ? rc : ERR_INTERNAL;
}

bool sq_store_in_transaction(void)
{
	struct conn *c = conn_get();
	return c != NULL && c->depth[SQ_MAIN] > 0 && c->dbs[SQ_MAIN] != NULL &&
	       !sqlite3_get_autocommit(c->dbs[SQ_MAIN]);
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

/* --- binding and column helpers --- */

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
