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
/* The same on this thread's connection to audit.db (reading the trail; never writing it). */
sqlite3_stmt *store_module_audit_stmt(const char *sql);

/* Log the connection's last error for `what`; returns STORE_ERROR. */
int sq_fail(const char *what);
/* Run a bound statement that returns no rows, and reset it: STORE_OK, STORE_CONFLICT on a
 * constraint, STORE_ERROR otherwise (also for a NULL statement). */
int sq_step_done(sqlite3_stmt *s, const char *what);
/* Run a bound write meant to change one row, and reset it: STORE_OK when it changed exactly
 * one, STORE_NOT_FOUND when none, STORE_CONFLICT on a constraint, STORE_ERROR otherwise. */
int sq_write_one(sqlite3_stmt *s, const char *what);

void sq_bind_id(sqlite3_stmt *s, int col, const struct id *id);
void sq_bind_text(sqlite3_stmt *s, int col, const char *t);
bool sq_col_id(sqlite3_stmt *s, int col, struct id *out);
/* Text and bytes columns are copied into the arena (NULL text stays NULL). */
const char *sq_col_text(sqlite3_stmt *s, int col, struct arena *a);
void sq_col_text_fixed(sqlite3_stmt *s, int col, char *out, size_t outsz);
/* An audit record from a row of the 13 columns seq, ts_ms, actor, session, ip, action, patient,
 * rtype, rid, outcome, bytes, prev, hash (in that order). */
void sq_audit_row(sqlite3_stmt *s, struct audit_record *r);
bool sq_col_bytes(sqlite3_stmt *s, int col, struct arena *a, struct bytes *out);

/* Erase hooks of the module files, run by store_patient_erase inside its transaction (the
 * patient's key is destroyed already: this removes what can no longer be read). */
int store_messages_erase(const struct id *patient);

#endif
