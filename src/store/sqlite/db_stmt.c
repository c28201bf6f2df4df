/*
 * db_stmt.h on SQLite: each call is SQLite's own, on the sqlite3_stmt a struct db_stmt stands
 * for (db.c prepares them; struct db_stmt is never defined, only pointed to).
 */
#include "store/sqlite/db_stmt.h"

#include <sqlite3.h>

#include "store/sqlite/store_int.h"

sqlite3_stmt *sq_lite(struct db_stmt *s)
{
	return (sqlite3_stmt *)(void *)s;
}

struct db_stmt *sq_wrap(sqlite3_stmt *s)
{
	return (struct db_stmt *)(void *)s;
}

enum db_step db_step(struct db_stmt *s)
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

void db_reset(struct db_stmt *s)
{
	sqlite3_reset(sq_lite(s));
}

void db_clear_bindings(struct db_stmt *s)
{
	sqlite3_clear_bindings(sq_lite(s));
}

void db_bind_int64(struct db_stmt *s, int col, int64_t v)
{
	sqlite3_bind_int64(sq_lite(s), col, (sqlite3_int64)v);
}

void db_bind_text(struct db_stmt *s, int col, const char *t)
{
	sqlite3_bind_text(sq_lite(s), col, t, -1, SQLITE_TRANSIENT);
}

void db_bind_blob(struct db_stmt *s, int col, const void *p, size_t n)
{
	sqlite3_bind_blob64(sq_lite(s), col, p, (sqlite3_uint64)n, SQLITE_STATIC);
}

void db_bind_null(struct db_stmt *s, int col)
{
	sqlite3_bind_null(sq_lite(s), col);
}

int64_t db_column_int64(struct db_stmt *s, int col)
{
	return (int64_t)sqlite3_column_int64(sq_lite(s), col);
}

int db_column_int(struct db_stmt *s, int col)
{
	return sqlite3_column_int(sq_lite(s), col);
}

const char *db_column_text(struct db_stmt *s, int col)
{
	return (const char *)sqlite3_column_text(sq_lite(s), col);
}

const void *db_column_blob(struct db_stmt *s, int col)
{
	return sqlite3_column_blob(sq_lite(s), col);
}

size_t db_column_bytes(struct db_stmt *s, int col)
{
	int n = sqlite3_column_bytes(sq_lite(s), col);
	return n > 0 ? (size_t)n : 0;
}

bool db_column_is_null(struct db_stmt *s, int col)
{
	return sqlite3_column_type(sq_lite(s), col) == SQLITE_NULL;
}

int db_column_count(struct db_stmt *s)
{
	return sqlite3_column_count(sq_lite(s));
}

int64_t db_changes(struct db_stmt *s)
{
	return (int64_t)sqlite3_changes64(sqlite3_db_handle(sq_lite(s)));
}

bool db_in_transaction(struct db_stmt *s)
{
	return !sqlite3_get_autocommit(sqlite3_db_handle(sq_lite(s)));
}

void db_finalize(struct db_stmt *s)
{
	sqlite3_finalize(sq_lite(s));
}
