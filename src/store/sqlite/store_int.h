/*
 * Internal to the SQLite back-end: what its module files share. Each part of the portal
 * (results, medications, appointments, messages, proxies, ...) keeps its SQL in a file of its
 * own here (store_<part>.c) and reaches its statements through store_module_stmt, so that no
 * part edits another's. The schema itself stays in one ordered list of migrations
 * (store_sqlite.c), because the order of migrations is the schema's history.
 */
#ifndef MEDKEEP_STORE_INT_H
#define MEDKEEP_STORE_INT_H
#include <sqlite3.h>
#include <stdbool.h>
#include <stddef.h>

#include "store/store.h"

#define MODULE_STMTS_MAX 128

/* The statement for sql (a string literal or other static string: it is cached by its
 * address) on this thread's connection to medkeep.db, reset and unbound; NULL on failure,
 * which SQLite treats as a misuse and answers with an error, never a crash. */
sqlite3_stmt *store_module_stmt(const char *sql);

/* Log the connection's last error for `what`; returns STORE_ERROR. */
int sq_fail(const char *what);

void sq_bind_id(sqlite3_stmt *s, int col, const struct id *id);
void sq_bind_text(sqlite3_stmt *s, int col, const char *t);
bool sq_col_id(sqlite3_stmt *s, int col, struct id *out);
/* Text and bytes columns are copied into the arena (NULL text stays NULL). */
const char *sq_col_text(sqlite3_stmt *s, int col, struct arena *a);
void sq_col_text_fixed(sqlite3_stmt *s, int col, char *out, size_t outsz);
bool sq_col_bytes(sqlite3_stmt *s, int col, struct arena *a, struct bytes *out);

#endif
