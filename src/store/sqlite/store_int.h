/*
 * Internal to the SQLite back-end: what its files share. Only src/store/sqlite/ includes this.
 *
 * engine_sqlite.c (or engine_pg.c, engine.h) holds the connections (one per thread to each of medkeep.db, audit.db and keystore.db),
 * the statement cache and the sq_* helpers; schema.c the migrations, in order, because the
 * order of migrations is the schema's history. Each part of the portal (accounts, sessions,
 * patients, documents, audit, keystore, retention, results, messages, ...) keeps its SQL in a
 * file of its own here (store_<part>.c) as `static const char sql_x[]` strings, and reaches its
 * prepared statements through sq_stmt (or sq_audit_stmt, sq_keys_stmt), so that no part edits
 * another's and there is no central list of statements.
 */
#ifndef MEDKEEP_STORE_INT_H
#define MEDKEEP_STORE_INT_H
#include <stdbool.h>
#include <stddef.h>

#include "store/backend.h"
#include "store/sqlite/db_stmt.h"

/*
 * The back-end's definition of each store_* function of the interface (src/store/store_list.h,
 * contracts in the public headers): sq_store_<name>, gathered into store_sqlite (backend.c).
 * Back-end code calls these directly, never back through the front.
 */
#define STORE_FN(ret, name, params, args) ret sq_##name params;
#define STORE_OPEN(ret, name, params, args) ret sq_##name params;
#define STORE_VOID(name, params, args) void sq_##name params;
#include "store/store_list.h"
#undef STORE_FN
#undef STORE_OPEN
#undef STORE_VOID

/* The three database files of a data directory. */
enum sq_file {
	SQ_MAIN,  /* medkeep.db: the records */
	SQ_AUDIT, /* audit.db: the hash-chained trail and its checkpoints */
	SQ_KEYS,  /* keystore.db: patient keys, wrapped; rotation */
};
#define SQ_FILES 3

/*
 * The statement for sql on this thread's connection to file f, prepared on first use and kept
 * for the connection's life, reset and unbound. The cache is keyed by (f, the address of sql):
 * sql must be a static string (a part's `static const char sql_x[]`), never a built one. NULL on
 * failure, which SQLite treats as a misuse and answers with an error, never a crash.
 */
struct db_stmt *sq_stmt_on(enum sq_file f, const char *sql);
/* sq_stmt_on for medkeep.db, audit.db (appended to by store_audit.c alone) and keystore.db. */
struct db_stmt *sq_stmt(const char *sql);
struct db_stmt *sq_audit_stmt(const char *sql);
struct db_stmt *sq_keys_stmt(const char *sql);
/* A statement of its own for sql on this thread's connection to file f, prepared anew and not
 * cached (a long walk must not hold the cached one); finish it with db_finalize. sql need not
 * be static. NULL on failure, logged. */
struct db_stmt *sq_stmt_fresh(enum sq_file f, const char *sql);
/* A read transaction on file f, its snapshot taken at once (audit verify reads the trail and
 * its checkpoints as of one moment); ended by sq_read_end. */
enum err sq_read_begin(enum sq_file f);
void sq_read_end(enum sq_file f);

/* Log the connection's last error for `what`; returns ERR_INTERNAL. */
enum err sq_fail(const char *what);
/* Run a bound statement that returns no rows, and reset it: ERR_OK, ERR_CONFLICT on a
 * constraint, ERR_INTERNAL otherwise (also for a NULL statement). */
enum err sq_step_done(struct db_stmt *s, const char *what);
/* Run a bound write meant to change one row, and reset it: ERR_OK when it changed exactly
 * one, ERR_NOT_FOUND when none, ERR_CONFLICT on a constraint, ERR_INTERNAL otherwise. */
enum err sq_write_one(struct db_stmt *s, const char *what);
/* Run a statement that returns no rows and reset it: ERR_OK, or ERR_INTERNAL logged as
 * "txn" (any failure, a NULL statement too). */
enum err sq_run(struct db_stmt *s);
/* The same with the id bound as the first parameter, a failure logged as `what`. */
enum err sq_run_id(struct db_stmt *s, const struct id *id, const char *what);
/* BEGIN IMMEDIATE, COMMIT and ROLLBACK on this thread's connection to file f (sq_run). */
enum err sq_begin(enum sq_file f);
enum err sq_commit(enum sq_file f);
enum err sq_rollback(enum sq_file f);
/* A meta value (store_meta of medkeep.db, meta of keystore.db; not audit.db) into out (cap
 * bytes): ERR_OK with *len set, ERR_NOT_FOUND, or ERR_INTERNAL (also when it is longer). */
enum err sq_meta_get(enum sq_file f, const char *name, uint8_t *out, size_t cap, size_t *len);
/* Set a meta value: ERR_OK or ERR_INTERNAL. */
enum err sq_meta_set(enum sq_file f, const char *name, const uint8_t *v, size_t n);

/*
 * A page of one patient's rows (store/page.h) in SQL. After a part's own head (its SELECT and
 * `WHERE patient_id = ?1`, parameters below 200), SQ_PAGE_WHERE filters on the row's date T,
 * last change U and clear code CODE (SQL expressions), and SQ_PAGE_DESC or SQ_PAGE_ASC orders
 * by K (T or U) then ID, starting after the cursor. SQ_PAGE_SQL makes the four statements a
 * part needs, in the order sq_page_sql picks from; a count is HEAD SQ_PAGE_WHERE alone.
 * Parameters: ?200..?216 the date ranges, ?300..?316 the last-change ranges, ?400 the codes,
 * ?401 ?402 the cursor, ?403 the limit; sq_page_bind binds them all (unused ranges empty).
 */
#define SQ_R(K, lo, hi) " OR (" K " >= ?" lo " AND " K " < ?" hi ")"
#define SQ_RANGES(K, b)                                                                             \
	"(?" b "00 = 0" SQ_R(K, b "01", b "02") SQ_R(K, b "03", b "04") SQ_R(K, b "05", b "06")       \
		SQ_R(K, b "07", b "08") SQ_R(K, b "09", b "10") SQ_R(K, b "11", b "12")                 \
			SQ_R(K, b "13", b "14") SQ_R(K, b "15", b "16") ")"
#define SQ_PAGE_WHERE(T, U, CODE)                                                                  \
	" AND " SQ_RANGES(T, "2") " AND " SQ_RANGES(U, "3") " AND (CAST(?400 AS TEXT) IS NULL OR instr(?400, ',' || " \
		CODE " || ',') > 0)"
#define SQ_PAGE_DESC(K, ID)                                                                        \
	" AND (CAST(?401 AS INTEGER) IS NULL OR " K " < ?401 OR (" K " = ?401 AND " ID " < ?402)) ORDER BY " K        \
	" DESC, " ID " DESC LIMIT ?403"
#define SQ_PAGE_ASC(K, ID)                                                                         \
	" AND (CAST(?401 AS INTEGER) IS NULL OR " K " > ?401 OR (" K " = ?401 AND " ID " > ?402)) ORDER BY " K        \
	" ASC, " ID " ASC LIMIT ?403"
#define SQ_PAGE_SQL(HEAD, T, U, CODE, ID)                                                          \
	{HEAD SQ_PAGE_WHERE(T, U, CODE) SQ_PAGE_DESC(T, ID), HEAD SQ_PAGE_WHERE(T, U, CODE)          \
	 SQ_PAGE_ASC(T, ID), HEAD SQ_PAGE_WHERE(T, U, CODE) SQ_PAGE_DESC(U, ID),                      \
	 HEAD SQ_PAGE_WHERE(T, U, CODE) SQ_PAGE_ASC(U, ID)}
/* The statement of sql (SQ_PAGE_SQL) for pg's order, bound with pg (sq_page_bind); NULL on
 * failure. */
struct db_stmt *sq_page_stmt(const char *const sql[4], const struct store_page *pg);
/* Bind pg's filters, cursor and limit (store/page.h) to s. */
void sq_page_bind(struct db_stmt *s, const struct store_page *pg);
/* The number of rows sql (HEAD SQ_PAGE_WHERE, the patient as ?1 and, when not NULL, second
 * as ?2) counts for pg's filters. */
enum err sq_page_count(const char *sql, const struct id *patient, const struct id *second,
		       const struct store_page *pg, int64_t *total);
/* The same for a part whose rows a practice the patient moved to may see only from a time on
 * (the grant's visible_from, bound as ?5). */
enum err sq_page_count_from(const char *sql, const struct id *patient, int64_t visible_from,
			    const struct store_page *pg, int64_t *total);
/* The same on a statement whose own parameters are bound (NULL: ERR_INTERNAL); reset after. */
enum err sq_page_count_run(struct db_stmt *s, const struct store_page *pg, int64_t *total);

void sq_bind_id(struct db_stmt *s, int col, const struct id *id);
void sq_bind_text(struct db_stmt *s, int col, const char *t);
bool sq_col_id(struct db_stmt *s, int col, struct id *out);
/* The gate's target from a bound statement whose rows are (patient, practice, history_from
 * [, the resource's creation time]) of one patient's enrolments (a LEFT JOIN: practice NULL when enrolled nowhere); resets s.
 * ERR_NOT_FOUND when it yields no row, ERR_INTERNAL (logged as `what`) on failure. */
enum err sq_target_collect(struct db_stmt *s, struct target *out, const char *what);
/* Text and bytes columns are copied into the arena (NULL text stays NULL). */
const char *sq_col_text(struct db_stmt *s, int col, struct arena *a);
void sq_col_text_fixed(struct db_stmt *s, int col, char *out, size_t outsz);
bool sq_col_bytes(struct db_stmt *s, int col, struct arena *a, struct bytes *out);
/* An audit record from a row of the 14 columns seq, ts_ms, actor, session, ip, action, patient,
 * rtype, rid, outcome, bytes, prev, hash, via (in that order) (store_audit.c). */
void sq_audit_row(struct db_stmt *s, struct audit_record *r);

/* Remove an OAuth client (an app, a practice system) in one transaction: `mark` (?1 the id,
 * ?2 now) must change one row (else ERR_NOT_FOUND), then each of `ends` (?1 the id) ends what
 * it held (store_apps.c). */
enum err sq_client_remove(const char *mark, const char *const *ends, size_t n_ends, const struct id *id,
			  int64_t now);

/* --- SQLite's own, for engine_sqlite.c, schema.c and store_files.c alone --- */

struct sqlite3;
struct sqlite3_stmt;
/* The SQLite statement a struct db_stmt stands for, and back (engine_sqlite.c). */
struct sqlite3_stmt *sq_lite(struct db_stmt *s);
struct db_stmt *sq_wrap(struct sqlite3_stmt *s);
/* This thread's connection to file f, opened on first use; NULL when there is none. */
struct sqlite3 *sq_handle(enum sq_file f);
/* Run sql (no rows, no parameters) on db; ERR_OK or ERR_INTERNAL, logged. */
enum err sq_exec(struct sqlite3 *db, const char *sql);

/* --- schema.c --- */

/* Set up a new connection: defensive mode, tightened limits, WAL, synchronous=FULL (engine_sqlite.c). */
enum err sq_conn_setup(struct sqlite3 *db);
/* Create (when asked) and migrate file f at path on a connection of its own: ERR_OK, or
 * ERR_INTERNAL logged (no such file and !create, a file newer than this binary, a failed step). */
enum err sq_schema_open(enum sq_file f, const char *path, bool create);
/* File f's migration steps as SQLite runs them, in *steps, and how many this binary has
 * (pg_schema.c translates them for PostgreSQL). */
int sq_schema_steps(enum sq_file f, const char *const **steps);

/* --- store_keystore.c: a patient's key, for the parts that create, read and shred --- */

/* Insert a keystore row; ERR_CONFLICT when refused (a row exists, or its master key is
 * being retired by a rotation), ERR_INTERNAL logged. */
enum err sq_key_insert(const struct id *patient, struct bytes wrapped);
/* Delete a patient's keystore row (none is not an error): ERR_OK or ERR_INTERNAL. */
enum err sq_key_delete(const struct id *patient);
/*
 * The patient's wrapped key, into a: from the keystore, or, for a data directory from before
 * the keystore, the one on the patient row (legacy, passed in). ERR_GONE when neither holds
 * one: the key was destroyed (crypto-shredded), here or before this backup was restored.
 */
enum err sq_key_get(const struct id *patient, struct bytes legacy, struct arena *a, struct bytes *out);
/*
 * Where the engine keeps the keystore in the records' own database (PostgreSQL: the schema
 * medkeep_keys), a part reads a patient's key in the statement that reads the patient, one
 * round trip fewer per read: SQ_KEY_JOIN(patient-id column) names it k, the statement selects
 * k.wrapped, and sq_key_from_column reads it as sq_key_get would have. Not inside a transaction
 * that writes keys: the keystore has a connection of its own, whose uncommitted rows the
 * records' connection cannot see. SQLite keeps it in a file of its own (keystore.db, left out of
 * backups), which no statement on medkeep.db may reach.
 */
bool sq_keys_alongside(void);
#define SQ_KEYS_SCHEMA "medkeep_keys" /* the keystore's schema on PostgreSQL (engine_pg.c) */
#define SQ_KEY_JOIN(patient_col) " LEFT JOIN " SQ_KEYS_SCHEMA ".patient_key k ON k.patient_id = " patient_col
enum err sq_key_from_column(struct db_stmt *s, int col, struct bytes legacy, struct arena *a,
			    struct bytes *out);
/* Whether the keystore holds a key for patient: ERR_OK, ERR_NOT_FOUND, or ERR_INTERNAL
 * (not logged). */
enum err sq_key_present(const struct id *patient);
/* Empty the key kept on the patient row by a data directory from before the keystore. */
enum err sq_legacy_key_clear(const struct id *patient);

/* Erase hooks of the part files, run by store_patient_erase inside its transaction (the
 * patient's key is destroyed already: this removes what can no longer be read). */
enum err store_messages_erase(const struct id *patient);

/* The refresh-token family of an account's session (store_apps.c): ERR_OK, or ERR_NOT_FOUND
 * when the session is none of the account's or came from no family. */
enum err sq_session_family(const struct id *account, const struct id *session, struct id *family);

#endif
