/*
 * The database engines the store's parts run on (docs/internals/STORE.md): what differs
 * between SQLite and PostgreSQL, behind one table of calls. engine.c chooses one when the
 * store is opened (the data directory's medkeep.conf, `store.url`) and every db_* and
 * engine-specific sq_* call goes through it. Internal to src/store/sqlite/.
 */
#ifndef MEDKEEP_STORE_ENGINE_H
#define MEDKEEP_STORE_ENGINE_H
#include "store/sqlite/store_int.h"

struct db_engine {
	const char *name;
	/* statements: db_stmt.h */
	enum db_step (*step)(struct db_stmt *s);
	void (*reset)(struct db_stmt *s);
	void (*clear_bindings)(struct db_stmt *s);
	void (*bind_int64)(struct db_stmt *s, int col, int64_t v);
	void (*bind_text)(struct db_stmt *s, int col, const char *t);
	void (*bind_blob)(struct db_stmt *s, int col, const void *p, size_t n);
	void (*bind_null)(struct db_stmt *s, int col);
	int64_t (*column_int64)(struct db_stmt *s, int col);
	const char *(*column_text)(struct db_stmt *s, int col);
	const void *(*column_blob)(struct db_stmt *s, int col);
	size_t (*column_bytes)(struct db_stmt *s, int col);
	bool (*column_is_null)(struct db_stmt *s, int col);
	int (*column_count)(struct db_stmt *s);
	int64_t (*changes)(struct db_stmt *s);
	bool (*stmt_in_transaction)(struct db_stmt *s);
	void (*finalize)(struct db_stmt *s);
	/* connections and transactions: store_int.h */
	struct db_stmt *(*stmt_on)(enum sq_file f, const char *sql);
	struct db_stmt *(*stmt_fresh)(enum sq_file f, const char *sql);
	const char *(*errmsg)(void);
	enum err (*begin)(enum sq_file f);
	enum err (*commit)(enum sq_file f);
	enum err (*rollback)(enum sq_file f);
	enum err (*read_begin)(enum sq_file f);
	void (*read_end)(enum sq_file f);
	bool (*in_transaction)(void);
	void (*snapshot_begin)(void);
	void (*snapshot_end)(void);
	/* open: the data directory, and the engine's address from its configuration (NULL for
	 * the files in the directory itself) */
	enum err (*open)(const char *dir, const char *url, bool create);
	enum err (*open_audit)(const char *dir, const char *url);
	void (*close)(void);
	/* the random identifier that ties the records to their keystore (16 bytes) */
	enum err (*random_id)(uint8_t out[16]);
};

/* Make (when asked) or check the schema of file f in the database pc is connected to
 * (pg_schema.c): ERR_OK, or ERR_INTERNAL logged. */
struct pg_conn;
enum err pg_schema_open(struct pg_conn *pc, enum sq_file f, const char *schema, bool create);
/* A SQLite migration step as PostgreSQL reads it (pg_schema.c), appended to out. */
struct buf;
void pg_schema_translate(struct buf *out, const char *step);

extern const struct db_engine engine_sqlite;
extern const struct db_engine engine_pg;
/* Whether a PostgreSQL address may carry patient data: a local socket or loopback, or TLS
 * that authenticates the server; else false with *why (pg_url.c). */
bool pg_url_safe(const char *url, const char **why);
/* A part's SQL as PostgreSQL reads it (pg_sql.c): ?NNN as $NNN, X'hex' as bytea, SQLite's cast
 * types as PostgreSQL's; malloc'd, NULL when it does not fit or names a parameter past
 * PG_PARAMS_MAX (the highest a part uses, SQ_PAGE_SQL's ?403, with room). And whether a
 * statement writes (not a SELECT or WITH). */
#define PG_PARAMS_MAX 480
char *pg_sql_translate(const char *sql, int *nparams, bool used[PG_PARAMS_MAX + 1]);
bool pg_sql_is_write(const char *sql);
/* Whether this thread has no transaction open on the keystore (engine_pg.c): sq_keys_alongside. */
bool engine_pg_keys_settled(void);
/* Failures in this process because PostgreSQL could not be reached (engine_pg.c). */
uint64_t engine_pg_outages(bool here);
/* store_bulk_load, store_sync_deferred and store_sync on SQLite (engine_sqlite.c). */
void engine_sqlite_bulk_load(void);
enum err engine_sqlite_sync_deferred(bool on);
enum err engine_sqlite_sync(void);

#endif
