/*
 * The statements the store's parts run, without naming the database engine.
 *
 * Every part (store_<part>.c) binds, steps and reads its statements through these calls and
 * never through SQLite's own, so that a second engine (PostgreSQL, issue 17) can run the same
 * parts: the SQL they keep is the subset both engines read, and what differs (connections,
 * transactions, the schema's migrations, the backup) stays in the engines (engine.h), schema.c and
 * store_files.c. docs/internals/STORE.md.
 *
 * The calls keep SQLite's shape, which the parts were written to: bind by position (1-based),
 * step to each row, read a column (0-based) of the current row, reset to run again. A value
 * read (text, bytes) stays valid until the next step or reset of its statement.
 */
#ifndef MEDKEEP_STORE_DB_STMT_H
#define MEDKEEP_STORE_DB_STMT_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* A prepared statement of one connection; opaque. */
struct db_stmt;

/* What a step gave. */
enum db_step {
	DB_ROW = 1,        /* a row is ready to read */
	DB_DONE,           /* the statement has run to its end */
	DB_CONSTRAINT,     /* refused by a constraint (unique, foreign key, check, not null) */
	DB_BUSY,           /* another writer held the database past the wait */
	DB_ERROR,          /* anything else: logged by the caller as an internal failure */
};

enum db_step db_step(struct db_stmt *s);
/* Ready s to run again; its bindings stay until cleared. */
void db_reset(struct db_stmt *s);
void db_clear_bindings(struct db_stmt *s);

void db_bind_int64(struct db_stmt *s, int col, int64_t v);
/* NUL-terminated text, copied; NULL binds NULL. */
void db_bind_text(struct db_stmt *s, int col, const char *t);
/* n bytes at p, which must stay valid until the statement is reset; p NULL binds NULL, and
 * n 0 with p not NULL an empty value (not NULL). */
void db_bind_blob(struct db_stmt *s, int col, const void *p, size_t n);
void db_bind_null(struct db_stmt *s, int col);

int64_t db_column_int64(struct db_stmt *s, int col);
int db_column_int(struct db_stmt *s, int col);
/* NULL for a NULL column. */
const char *db_column_text(struct db_stmt *s, int col);
const void *db_column_blob(struct db_stmt *s, int col);
size_t db_column_bytes(struct db_stmt *s, int col);
bool db_column_is_null(struct db_stmt *s, int col);
/* The number of columns its rows have. */
int db_column_count(struct db_stmt *s);

/* Rows changed by the last insert, update or delete that ran on s's connection. */
int64_t db_changes(struct db_stmt *s);
/* Whether s's connection is inside a transaction. */
bool db_in_transaction(struct db_stmt *s);
/* Finish a statement of db_prepare_fresh (store_int.h); NULL is a no-op. */
void db_finalize(struct db_stmt *s);

#endif
