/*
 * The SQLite engine of the store (engine.h, docs/internals/STORE.md): connections, the statement
 * cache, transactions, and db_stmt.h on SQLite's own calls.
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
#include "store/sqlite/engine.h"

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

static void lite_snapshot_begin(void)
{
	struct conn *c = conn_get();
	if (c == NULL || c->dbs[SQ_MAIN] == NULL)
		return;
	snapshot_close(c);
	struct db_stmt *s = sq_stmt(sql_snapshot_begin);
	c->snapshot = db_step(s) == DB_DONE;
	db_reset(s);
}

static void lite_snapshot_end(void)
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

static struct db_stmt *lite_stmt_on(enum sq_file f, const char *sql)
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

static struct db_stmt *lite_stmt_fresh(enum sq_file f, const char *sql)
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






static const char *lite_errmsg(void)
{
	struct conn *c = thread_conn;
	return c != NULL && c->dbs[SQ_MAIN] != NULL ? sqlite3_errmsg(c->dbs[SQ_MAIN]) : "no db";
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


/*
 * A process that writes in large batches (medkeep import: IMPORT.md, "Performance"). Each
 * batch touches pages all over the indexes (ids and blind indexes are random), and SQLite
 * writes every page a commit dirtied to the WAL and, at each checkpoint, back into the file:
 * a large cache keeps the indexes' pages between batches instead of reading them back, and a
 * checkpoint every 20,000 pages (80 MB of WAL) rather than every 1,000 writes a page dirtied by
 * several batches once. Measured: 20,000 patients into a practice of 222,000 in 8.6 s against
 * 15.3 s with the defaults and batches of 500. Set once, read by every connection opened after
 * (any thread).
 */
static bool bulk_load;

static enum err bulk_tune(sqlite3 *db)
{
	return sq_exec(db, "PRAGMA cache_size=-262144; PRAGMA wal_autocheckpoint=20000;");
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
	 * batch, and each growth remaps.) A statement's journal (a write in a transaction that may
	 * have to undo itself: foreign keys, upserts) stays in memory: on disk, a long transaction's
	 * spilled to a file in /var/tmp, a write for every page it touched. */
	enum err e = sq_exec(db, "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL; PRAGMA foreign_keys=ON;"
				 "PRAGMA secure_delete=ON; PRAGMA cache_size=-8192; PRAGMA temp_store=MEMORY;");
	return e == ERR_OK && __atomic_load_n(&bulk_load, __ATOMIC_ACQUIRE) ? bulk_tune(db) : e;
}

void engine_sqlite_bulk_load(void)
{
	__atomic_store_n(&bulk_load, true, __ATOMIC_RELEASE);
	if (thread_conn != NULL)
		for (int f = 0; f < SQ_FILES; f++)
			if (thread_conn->dbs[f] != NULL)
				(void)bulk_tune(thread_conn->dbs[f]);
}

/*
 * A feed batch's commit without its wait for the disk (FEEDS.md, "Batches"): SQLite's
 * synchronous=NORMAL writes the commit to the WAL and returns, so the next batch can take the
 * write lock while this one's sync runs; engine_sqlite_sync then syncs the WAL through
 * SQLite's own file handle (SQLITE_FCNTL_JOURNAL_POINTER) before anyone is told. The records
 * and keys files only: the audit trail is committed by its writer, synchronous=FULL as ever.
 */
static const enum sq_file synced_files[] = {SQ_MAIN, SQ_KEYS};

enum err engine_sqlite_sync_deferred(bool on)
{
	struct conn *c = conn_get();
	if (c == NULL)
		return ERR_INTERNAL;
	for (size_t i = 0; i < sizeof(synced_files) / sizeof(*synced_files); i++) {
		enum sq_file f = synced_files[i];
		/* SQLite refuses to change it inside a transaction */
		if (c->depth[f] != 0 || c->dbs[f] == NULL ||
		    sq_exec(c->dbs[f], on ? "PRAGMA synchronous=NORMAL" : "PRAGMA synchronous=FULL") != ERR_OK)
			return ERR_INTERNAL;
	}
	return ERR_OK;
}

enum err engine_sqlite_sync(void)
{
	struct conn *c = conn_get();
	if (c == NULL)
		return ERR_INTERNAL;
	for (size_t i = 0; i < sizeof(synced_files) / sizeof(*synced_files); i++) {
		sqlite3 *db = c->dbs[synced_files[i]];
		sqlite3_file *wal = NULL;
		if (db == NULL || sqlite3_file_control(db, "main", SQLITE_FCNTL_JOURNAL_POINTER, &wal) != SQLITE_OK)
			return ERR_INTERNAL;
		/* No WAL open: nothing was written through this connection since it last closed. */
		if (wal == NULL || wal->pMethods == NULL)
			continue;
		if (wal->pMethods->xSync(wal, SQLITE_SYNC_NORMAL) != SQLITE_OK) {
			log_warn("component=store engine=sqlite error=\"WAL sync failed\"");
			return ERR_INTERNAL;
		}
	}
	return ERR_OK;
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



/* An identifier, not a secret: SQLite's randomness is enough for it. */
static enum err lite_random_id(uint8_t out[16])
{
	struct db_stmt *s = sq_stmt_fresh(SQ_KEYS, "SELECT randomblob(16)");
	enum err rc = ERR_INTERNAL;
	if (s != NULL && db_step(s) == DB_ROW && db_column_bytes(s, 0) == 16) {
		memcpy(out, db_column_blob(s, 0), 16);
		rc = ERR_OK;
	}
	db_finalize(s);
	return rc;
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

static enum err lite_open(const char *dir, const char *url, bool create)
{
	(void)url;
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
	return conn_get() != NULL ? ERR_OK : ERR_INTERNAL;
}

static enum err lite_open_audit(const char *dir, const char *url)
{
	(void)url;
	char path[sizeof(db_path)], apath[sizeof(audit_path)], kpath[sizeof(keys_path)];
	sqlite_setup();
	if (set_paths(dir, path, apath, kpath) != 0 ||
	    sq_schema_open(SQ_AUDIT, apath, false) != ERR_OK)
		return ERR_INTERNAL;
	db_path[0] = keys_path[0] = '\0';
	memcpy(audit_path, apath, sizeof(audit_path));
	return conn_get() ? ERR_OK : ERR_INTERNAL;
}

static void lite_close(void)
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

static enum err lite_read_begin(enum sq_file f)
{
	sqlite3 *db = sq_handle(f);
	/* BEGIN alone takes no snapshot in SQLite: the first read does. */
	return db != NULL ? sq_exec(db, "BEGIN; SELECT count(*) FROM sqlite_schema;") : ERR_INTERNAL;
}

static void lite_read_end(enum sq_file f)
{
	sqlite3 *db = sq_handle(f);
	if (db != NULL)
		sq_exec(db, "COMMIT;");
}



/*
 * Transactions nest: the outermost sq_begin on a file is BEGIN IMMEDIATE, and one inside it
 * a savepoint, which sq_commit releases into the enclosing transaction and sq_rollback undoes
 * alone. So a batch of feed messages (src/ingest) can give each message a savepoint of its
 * own while the services it calls open and close their transactions as they always do.
 */
static enum err lite_begin(enum sq_file f)
{
	struct conn *c = conn_get();
	if (c == NULL)
		return ERR_INTERNAL;
	enum err rc = sq_run(sq_stmt_on(f, c->depth[f] == 0 ? sql_begin : sql_savepoint));
	if (rc == ERR_OK)
		c->depth[f]++;
	return rc;
}

static enum err lite_commit(enum sq_file f)
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

static enum err lite_rollback(enum sq_file f)
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

static bool lite_in_transaction(void)
{
	struct conn *c = conn_get();
	return c != NULL && c->depth[SQ_MAIN] > 0 && c->dbs[SQ_MAIN] != NULL &&
	       !sqlite3_get_autocommit(c->dbs[SQ_MAIN]);
}




/* --- binding and column helpers --- */

/* --- statements: db_stmt.h on SQLite --- */

sqlite3_stmt *sq_lite(struct db_stmt *s)
{
	return (sqlite3_stmt *)(void *)s;
}

struct db_stmt *sq_wrap(sqlite3_stmt *s)
{
	return (struct db_stmt *)(void *)s;
}

static enum db_step lite_step(struct db_stmt *s)
{
	int rc = sqlite3_step(sq_lite(s));
	switch (rc & 0xff) {
	case SQLITE_ROW:
		return DB_ROW;
	case SQLITE_DONE:
		return DB_DONE;
	case SQLITE_CONSTRAINT:
		return DB_CONSTRAINT;
	case SQLITE_BUSY:
	case SQLITE_LOCKED:
		return DB_BUSY;
	default:
		return DB_ERROR;
	}
}

static void lite_reset(struct db_stmt *s)
{
	sqlite3_reset(sq_lite(s));
}

static void lite_clear_bindings(struct db_stmt *s)
{
	sqlite3_clear_bindings(sq_lite(s));
}

static void lite_bind_int64(struct db_stmt *s, int col, int64_t v)
{
	sqlite3_bind_int64(sq_lite(s), col, (sqlite3_int64)v);
}

static void lite_bind_text(struct db_stmt *s, int col, const char *t)
{
	sqlite3_bind_text(sq_lite(s), col, t, -1, SQLITE_TRANSIENT);
}

static void lite_bind_blob(struct db_stmt *s, int col, const void *p, size_t n)
{
	sqlite3_bind_blob64(sq_lite(s), col, p, (sqlite3_uint64)n, SQLITE_STATIC);
}

static void lite_bind_null(struct db_stmt *s, int col)
{
	sqlite3_bind_null(sq_lite(s), col);
}

static int64_t lite_column_int64(struct db_stmt *s, int col)
{
	return (int64_t)sqlite3_column_int64(sq_lite(s), col);
}


static const char *lite_column_text(struct db_stmt *s, int col)
{
	return (const char *)sqlite3_column_text(sq_lite(s), col);
}

static const void *lite_column_blob(struct db_stmt *s, int col)
{
	return sqlite3_column_blob(sq_lite(s), col);
}

static size_t lite_column_bytes(struct db_stmt *s, int col)
{
	int n = sqlite3_column_bytes(sq_lite(s), col);
	return n > 0 ? (size_t)n : 0;
}

static bool lite_column_is_null(struct db_stmt *s, int col)
{
	return sqlite3_column_type(sq_lite(s), col) == SQLITE_NULL;
}

static int lite_column_count(struct db_stmt *s)
{
	return sqlite3_column_count(sq_lite(s));
}

static int64_t lite_changes(struct db_stmt *s)
{
	return (int64_t)sqlite3_changes64(sqlite3_db_handle(sq_lite(s)));
}

static bool lite_in_transaction_of(struct db_stmt *s)
{
	return !sqlite3_get_autocommit(sqlite3_db_handle(sq_lite(s)));
}

static void lite_finalize(struct db_stmt *s)
{
	sqlite3_finalize(sq_lite(s));
}

const struct db_engine engine_sqlite = {
	.name = "sqlite",
	.step = lite_step,
	.reset = lite_reset,
	.clear_bindings = lite_clear_bindings,
	.bind_int64 = lite_bind_int64,
	.bind_text = lite_bind_text,
	.bind_blob = lite_bind_blob,
	.bind_null = lite_bind_null,
	.column_int64 = lite_column_int64,
	.column_text = lite_column_text,
	.column_blob = lite_column_blob,
	.column_bytes = lite_column_bytes,
	.column_is_null = lite_column_is_null,
	.column_count = lite_column_count,
	.changes = lite_changes,
	.stmt_in_transaction = lite_in_transaction_of,
	.finalize = lite_finalize,
	.stmt_on = lite_stmt_on,
	.stmt_fresh = lite_stmt_fresh,
	.errmsg = lite_errmsg,
	.begin = lite_begin,
	.commit = lite_commit,
	.rollback = lite_rollback,
	.read_begin = lite_read_begin,
	.read_end = lite_read_end,
	.in_transaction = lite_in_transaction,
	.snapshot_begin = lite_snapshot_begin,
	.snapshot_end = lite_snapshot_end,
	.open = lite_open,
	.open_audit = lite_open_audit,
	.close = lite_close,
	.random_id = lite_random_id,
};
