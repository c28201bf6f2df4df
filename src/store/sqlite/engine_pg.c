/*
 * The PostgreSQL engine (docs/internals/STORE.md): the store's parts, unchanged, on a
 * PostgreSQL database named by `store.url` in the data directory's medkeep.conf.
 *
 * Each thread holds one connection per file of the SQLite layout (records, audit trail,
 * keystore), each with its own schema (medkeep_main, medkeep_audit, medkeep_keys) as its
 * search path, so the parts' unqualified SQL finds the same tables. A part's statement is
 * prepared on first use with the types its bind calls name and cached per connection by the
 * address of its SQL text, as on SQLite; its `?NNN` parameters become `$NNN`, and the few
 * spellings only SQLite reads are rewritten once, there (X'..' blobs, CAST AS BLOB/INTEGER).
 * What SQLite has and PostgreSQL lacks as functions (unixepoch, instr, two-argument max and
 * min, << on bigint) the schema defines (pg_schema.c).
 *
 * One writer per file at a time, as SQLite allows: every write (transaction) first takes an
 * advisory lock for its file, so check-then-write keeps its SQLite meaning (but see lock_sql).
 */
#include "store/store.h"
#include "store/sqlite/engine.h"

#include <endian.h>
#include <libpq-fe.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "limits.h"
#include "util/conf.h"
#include "util/log.h"
#include "util/strtonum.h"

/* PostgreSQL's type ids (pg_type.h, stable across releases). */
#define OID_BOOL 16
#define OID_BYTEA 17
#define OID_INT8 20
#define OID_INT2 21
#define OID_INT4 23
#define OID_TEXT 25
#define OID_NUMERIC 1700

#define PG_SLOTS_LOG2 10
#define PG_SLOTS (1u << PG_SLOTS_LOG2)
#define PG_SLOTS_MAX (PG_SLOTS / 4 * 3)

static const char *const schema_of[SQ_FILES] = {
	[SQ_MAIN] = "medkeep_main",
	[SQ_AUDIT] = "medkeep_audit",
	[SQ_KEYS] = SQ_KEYS_SCHEMA,
};

struct pg_conns;

struct pg_stmt {
	const char *key; /* the part's static SQL: the cache key */
	enum sq_file file;
	struct pg_conns *conn;
	char name[16];
	char *text; /* the SQL as PostgreSQL reads it */
	bool prepared, fresh, is_write;
	int nparams;
	bool used[PG_PARAMS_MAX + 1]; /* the numbers the SQL names: a gap is sent as a NULL */
	Oid *types;
	const char **values;
	int *lengths, *formats;
	char (*nums)[24];
	char **copies;
	PGresult *res;
	int row, nrows;
	bool ran;
	int64_t changes;
	char textbuf[32];
};

struct pg_conns {
	PGconn *pc[SQ_FILES];
	struct pg_stmt *slots[PG_SLOTS];
	size_t n_stmts;
	unsigned next_name;
	int depth[SQ_FILES];
	struct pg_conns *next;
};

static pthread_mutex_t conns_lock = PTHREAD_MUTEX_INITIALIZER;
static struct pg_conns *conns;
static _Thread_local struct pg_conns *thread_conn;
static char conninfo[CONF_LINE_MAX + 1];
static bool files_open[SQ_FILES];
static _Thread_local char last_error[1024];

static void note_error(const char *what, const char *msg)
{
	snprintf(last_error, sizeof(last_error), "%s: %s", what, msg ? msg : "?");
	/* PostgreSQL's messages end in a newline */
	size_t n = strlen(last_error);
	while (n > 0 && (last_error[n - 1] == '\n' || last_error[n - 1] == ' '))
		last_error[--n] = '\0';
}

/* Failures because the database could not be reached (a restart, a failover), in this
 * process: the server answers 503 rather than 500 for a request that met one. */
static uint64_t outages;
static _Thread_local uint64_t outages_here;
static _Thread_local bool lost_last; /* the last failure on this thread was an outage */

uint64_t engine_pg_outages(bool here)
{
	return here ? outages_here : __atomic_load_n(&outages, __ATOMIC_RELAXED);
}

/* Count a failure on pc (r: its result, or NULL) as an outage when it cost the connection,
 * when the server said it is going away or not yet back (SQLSTATE classes 08 and 57), or when
 * the error is libpq's own (no SQLSTATE: the server never answered; libpq may still call the
 * connection open until its next use). */
static void count_if_lost(PGconn *pc, const PGresult *r)
{
	const char *state = r ? PQresultErrorField(r, PG_DIAG_SQLSTATE) : NULL;
	bool going = state == NULL || strncmp(state, "08", 2) == 0 || strncmp(state, "57", 2) == 0;
	lost_last = PQstatus(pc) != CONNECTION_OK || going;
	if (lost_last) {
		__atomic_add_fetch(&outages, 1, __ATOMIC_RELAXED);
		outages_here++;
	}
}

/* Run sql (no parameters, no rows wanted) on pc: ERR_OK or ERR_INTERNAL, noted. */
static enum err pg_exec(PGconn *pc, const char *sql)
{
	PGresult *r = PQexec(pc, sql);
	ExecStatusType st = PQresultStatus(r);
	enum err rc = st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK ? ERR_OK : ERR_INTERNAL;
	if (rc != ERR_OK) {
		note_error("exec", PQerrorMessage(pc));
		count_if_lost(pc, r);
	}
	PQclear(r);
	return rc;
}

static PGconn *pg_connect(enum sq_file f)
{
	PGconn *pc = PQconnectdb(conninfo);
	if (PQstatus(pc) != CONNECTION_OK) {
		note_error("connect", PQerrorMessage(pc));
		log_warn("component=store engine=pg error=\"%s\"", last_error);
		PQfinish(pc);
		return NULL;
	}
	char sql[96];
	snprintf(sql, sizeof(sql), "SET search_path TO %s; SET client_min_messages TO warning",
		 schema_of[f]);
	if (pg_exec(pc, sql) != ERR_OK) {
		PQfinish(pc);
		return NULL;
	}
	return pc;
}

static void stmt_clear_result(struct pg_stmt *s)
{
	PQclear(s->res);
	s->res = NULL;
	s->row = -1;
	s->nrows = 0;
	s->ran = false;
}

static void stmt_free(struct pg_stmt *s)
{
	if (s == NULL)
		return;
	stmt_clear_result(s);
	for (int i = 0; i < s->nparams; i++)
		free(s->copies[i]);
	if (s->fresh && s->prepared && s->conn != NULL && s->conn->pc[s->file] != NULL) {
		char sql[40];
		snprintf(sql, sizeof(sql), "DEALLOCATE %s", s->name);
		PQclear(PQexec(s->conn->pc[s->file], sql));
	}
	free(s->text);
	free(s->types);
	free(s->values);
	free(s->lengths);
	free(s->formats);
	free(s->nums);
	free(s->copies);
	free(s);
}

static void conn_free(struct pg_conns *c)
{
	for (size_t i = 0; i < PG_SLOTS; i++)
		stmt_free(c->slots[i]);
	for (int f = 0; f < SQ_FILES; f++)
		PQfinish(c->pc[f]);
	free(c);
}

static struct pg_conns *conn_get(void)
{
	if (thread_conn != NULL)
		return thread_conn;
	if (conninfo[0] == '\0')
		return NULL;
	struct pg_conns *c = calloc(1, sizeof(*c));
	if (c == NULL)
		return NULL;
	for (int f = 0; f < SQ_FILES; f++) {
		if (files_open[f] && (c->pc[f] = pg_connect((enum sq_file)f)) == NULL) {
			conn_free(c);
			return NULL;
		}
	}
	pthread_mutex_lock(&conns_lock);
	c->next = conns;
	conns = c;
	pthread_mutex_unlock(&conns_lock);
	thread_conn = c;
	return c;
}

bool engine_pg_keys_settled(void)
{
	/* A key written in this thread's open transaction on the keystore's connection is not
	 * visible to a statement on the records' connection until it commits. */
	return thread_conn == NULL || thread_conn->depth[SQ_KEYS] == 0;
}

static struct pg_stmt *stmt_new(struct pg_conns *c, enum sq_file f, const char *sql, bool fresh)
{
	struct pg_stmt *s = calloc(1, sizeof(*s));
	if (s == NULL)
		return NULL;
	s->key = sql;
	s->file = f;
	s->conn = c;
	s->fresh = fresh;
	s->row = -1;
	s->text = pg_sql_translate(sql, &s->nparams, s->used);
	s->is_write = pg_sql_is_write(sql);
	size_t np = (size_t)(s->nparams > 0 ? s->nparams : 1);
	s->types = calloc(np, sizeof(*s->types));
	s->values = calloc(np, sizeof(*s->values));
	s->lengths = calloc(np, sizeof(*s->lengths));
	s->formats = calloc(np, sizeof(*s->formats));
	s->nums = calloc(np, sizeof(*s->nums));
	s->copies = calloc(np, sizeof(*s->copies));
	if (s->text == NULL || !s->types || !s->values || !s->lengths || !s->formats || !s->nums ||
	    !s->copies) {
		note_error("prepare", "out of memory or too many parameters");
		stmt_free(s);
		return NULL;
	}
	snprintf(s->name, sizeof(s->name), "m%u", c->next_name++);
	return s;
}

static struct pg_stmt *pg(struct db_stmt *s)
{
	return (struct pg_stmt *)(void *)s;
}

static struct db_stmt *wrap(struct pg_stmt *s)
{
	return (struct db_stmt *)(void *)s;
}

static struct db_stmt *pg_stmt_on(enum sq_file f, const char *sql)
{
	struct pg_conns *c = conn_get();
	if (c == NULL || c->pc[f] == NULL)
		return NULL;
	uint64_t h = ((uint64_t)(uintptr_t)sql ^ (uint64_t)f) * UINT64_C(0x9e3779b97f4a7c15);
	size_t i = (size_t)(h >> (64 - PG_SLOTS_LOG2));
	for (;; i = (i + 1) & (PG_SLOTS - 1)) {
		struct pg_stmt *e = c->slots[i];
		if (e == NULL)
			break;
		if (e->key == sql && e->file == f) {
			stmt_clear_result(e);
			for (int k = 0; k < e->nparams; k++) {
				free(e->copies[k]);
				e->copies[k] = NULL;
				e->values[k] = NULL;
				e->lengths[k] = 0;
			}
			return wrap(e);
		}
	}
	if (c->n_stmts == PG_SLOTS_MAX)
		return NULL;
	struct pg_stmt *s = stmt_new(c, f, sql, false);
	if (s == NULL)
		return NULL;
	c->slots[i] = s;
	c->n_stmts++;
	return wrap(s);
}

static struct db_stmt *pg_stmt_fresh(enum sq_file f, const char *sql)
{
	struct pg_conns *c = conn_get();
	if (c == NULL || c->pc[f] == NULL)
		return NULL;
	struct pg_stmt *s = stmt_new(c, f, sql, true);
	return s != NULL ? wrap(s) : NULL;
}

static void set_param(struct pg_stmt *s, int col, Oid type, const char *v, int len, int format)
{
	if (col < 1 || col > s->nparams)
		return;
	int i = col - 1;
	free(s->copies[i]);
	s->copies[i] = NULL;
	if (!s->prepared)
		s->types[i] = type;
	s->values[i] = v;
	s->lengths[i] = len;
	s->formats[i] = format;
}

static void pg_bind_int64(struct db_stmt *d, int col, int64_t v)
{
	struct pg_stmt *s = pg(d);
	if (col < 1 || col > s->nparams)
		return;
	snprintf(s->nums[col - 1], sizeof(s->nums[0]), "%lld", (long long)v);
	set_param(s, col, OID_INT8, s->nums[col - 1], 0, 0);
}

static void pg_bind_text(struct db_stmt *d, int col, const char *t)
{
	struct pg_stmt *s = pg(d);
	if (t == NULL) {
		set_param(s, col, 0, NULL, 0, 0);
		return;
	}
	char *copy = strdup(t);
	set_param(s, col, OID_TEXT, copy, 0, 0);
	if (col >= 1 && col <= s->nparams)
		s->copies[col - 1] = copy;
	else
		free(copy);
}

static void pg_bind_blob(struct db_stmt *d, int col, const void *p, size_t n)
{
	static const char empty[1];
	if (p == NULL) {
		set_param(pg(d), col, 0, NULL, 0, 0);
		return;
	}
	set_param(pg(d), col, OID_BYTEA, n > 0 ? p : empty, (int)n, 1);
}

static void pg_bind_null(struct db_stmt *d, int col)
{
	set_param(pg(d), col, 0, NULL, 0, 0);
}

static void pg_reset(struct db_stmt *d)
{
	stmt_clear_result(pg(d));
}

static void pg_clear_bindings(struct db_stmt *d)
{
	struct pg_stmt *s = pg(d);
	for (int i = 0; i < s->nparams; i++) {
		free(s->copies[i]);
		s->copies[i] = NULL;
		s->values[i] = NULL;
	}
}

/* None for the audit trail: its append states the head it chains onto and the primary key
 * refuses a seq twice (store_audit.c), so it needs no lock and costs one round trip. */
static const char *const lock_sql[SQ_FILES] = {
	[SQ_MAIN] = "SELECT pg_advisory_xact_lock(7101)",
	[SQ_AUDIT] = NULL,
	[SQ_KEYS] = "SELECT pg_advisory_xact_lock(7103)",
};

/* The statement's SQLSTATE class as a step's answer. */
static enum db_step failed(struct pg_stmt *s, PGresult *r)
{
	const char *state = PQresultErrorField(r, PG_DIAG_SQLSTATE);
	/* the statement's opening words (SQL, never values) tell a developer which it was */
	char what[96];
	snprintf(what, sizeof(what), "[%.80s]", s->key);
	note_error(what, PQresultErrorMessage(r));
	count_if_lost(s->conn->pc[s->file], r);
	if (state != NULL && strncmp(state, "23", 2) == 0)
		return DB_CONSTRAINT;
	if (state != NULL && (strcmp(state, "40001") == 0 || strcmp(state, "40P01") == 0 ||
			      strcmp(state, "55P03") == 0))
		return DB_BUSY;
	log_warn("component=store engine=pg op=step error=\"%s\"", last_error);
	return DB_ERROR;
}

/* A connection the server dropped (a restart, a failover) is made again, outside any
 * transaction: one in flight is lost with the connection, and every statement left in it
 * fails until its caller ends it (commit or rollback), so that none of them is done on its
 * own on the new connection. Every statement prepared on it is prepared again on first use. */
static bool conn_usable(struct pg_conns *c, enum sq_file f, bool renew)
{
	PGconn *pc = c->pc[f];
	if (PQstatus(pc) == CONNECTION_OK && !renew)
		return true;
	if (c->depth[f] > 0) {
		count_if_lost(pc, NULL);
		return false;
	}
	PQreset(pc);
	if (PQstatus(pc) != CONNECTION_OK) {
		note_error("reconnect", PQerrorMessage(pc));
		count_if_lost(pc, NULL);
		return false;
	}
	char sql[96];
	snprintf(sql, sizeof(sql), "SET search_path TO %s; SET client_min_messages TO warning",
		 schema_of[f]);
	if (pg_exec(pc, sql) != ERR_OK)
		return false;
	for (size_t i = 0; i < PG_SLOTS; i++)
		if (c->slots[i] != NULL && c->slots[i]->file == f)
			c->slots[i]->prepared = false;
	log_info("component=store engine=pg event=reconnected");
	return true;
}

static enum db_step run_once(struct pg_stmt *s, bool *at_commit)
{
	PGconn *pc = s->conn->pc[s->file];
	if (!conn_usable(s->conn, s->file, false))
		return DB_BUSY;
	for (int i = 0; i < s->nparams; i++) {
		if (!s->used[i + 1]) {
			s->types[i] = OID_TEXT;
			s->values[i] = NULL;
		}
	}
	if (!s->prepared) {
		PGresult *r = PQprepare(pc, s->name, s->text, s->nparams, s->types);
		if (PQresultStatus(r) != PGRES_COMMAND_OK) {
			enum db_step rc = failed(s, r);
			PQclear(r);
			return rc == DB_CONSTRAINT ? DB_ERROR : rc;
		}
		PQclear(r);
		s->prepared = true;
	}
	/* A write outside a transaction takes the file's writer lock for itself. */
	bool own = s->is_write && lock_sql[s->file] != NULL && s->conn->depth[s->file] == 0 &&
		   PQtransactionStatus(pc) == PQTRANS_IDLE;
	if (own && (pg_exec(pc, "BEGIN") != ERR_OK || pg_exec(pc, lock_sql[s->file]) != ERR_OK)) {
		pg_exec(pc, "ROLLBACK");
		return DB_ERROR;
	}
	s->res = PQexecPrepared(pc, s->name, s->nparams, s->values, s->lengths, s->formats, 1);
	ExecStatusType st = PQresultStatus(s->res);
	s->ran = true;
	enum db_step rc;
	if (st == PGRES_TUPLES_OK || st == PGRES_COMMAND_OK) {
		s->nrows = st == PGRES_TUPLES_OK ? PQntuples(s->res) : 0;
		const char *ct = PQcmdTuples(s->res);
		int64_t changed = 0;
		s->changes = ct[0] && parse_int64(ct, 0, INT64_MAX, &changed) == 0
				     ? changed
				     : 0;
		rc = DB_DONE;
	} else {
		rc = failed(s, s->res);
	}
	if (own) {
		if (pg_exec(pc, rc == DB_DONE ? "COMMIT" : "ROLLBACK") != ERR_OK && rc == DB_DONE) {
			rc = DB_ERROR;
			*at_commit = true;
		}
	}
	return rc;
}

/* A connection that died while it sat idle (the server restarted since its last use) is found
 * dead only by the next statement. Outside a transaction that statement is sent once more on a
 * new connection: a read, or a write whose own commit was never sent (so nothing of it was
 * done). Inside one, the caller's transaction is lost and it sees the failure. */
static enum db_step run(struct pg_stmt *s)
{
	bool idle = s->conn->depth[s->file] == 0, at_commit = false;
	uint64_t here = outages_here;
	lost_last = false;
	enum db_step rc = run_once(s, &at_commit);
	if (rc != DB_DONE && rc != DB_CONSTRAINT && lost_last && idle && !at_commit &&
	    conn_usable(s->conn, s->file, true)) {
		stmt_clear_result(s);
		rc = run_once(s, &at_commit);
		if (rc == DB_DONE)
			outages_here = here; /* this request met none in the end */
	}
	return rc;
}

static enum db_step pg_step(struct db_stmt *d)
{
	struct pg_stmt *s = pg(d);
	if (!s->ran) {
		enum db_step rc = run(s);
		if (rc != DB_DONE)
			return rc;
	}
	if (s->row + 1 < s->nrows) {
		s->row++;
		return DB_ROW;
	}
	s->row = s->nrows;
	return DB_DONE;
}

static bool in_row(struct pg_stmt *s, int col)
{
	return s->res != NULL && s->row >= 0 && s->row < s->nrows && col >= 0 &&
	       col < PQnfields(s->res);
}

static bool pg_column_is_null(struct db_stmt *d, int col)
{
	struct pg_stmt *s = pg(d);
	return !in_row(s, col) || PQgetisnull(s->res, s->row, col);
}

/* An integral numeric (a sum) from its binary form: digits of base 10,000. */
static int64_t numeric_int(const unsigned char *p, int len)
{
	if (len < 8)
		return 0;
	int ndigits = (p[0] << 8) | p[1];
	int weight = (int16_t)((p[2] << 8) | p[3]);
	int sign = (p[4] << 8) | p[5];
	int64_t v = 0;
	for (int i = 0; i <= weight; i++) {
		int digit = i < ndigits && 8 + 2 * i + 1 < len ? (p[8 + 2 * i] << 8) | p[9 + 2 * i] : 0;
		v = v * 10000 + digit;
	}
	return sign == 0x4000 ? -v : v;
}

static int64_t pg_column_int64(struct db_stmt *d, int col)
{
	struct pg_stmt *s = pg(d);
	if (pg_column_is_null(d, col))
		return 0;
	const unsigned char *p = (const unsigned char *)PQgetvalue(s->res, s->row, col);
	int len = PQgetlength(s->res, s->row, col);
	uint64_t u = 0;
	switch (PQftype(s->res, col)) {
	case OID_INT8:
		memcpy(&u, p, 8);
		return (int64_t)be64toh(u);
	case OID_INT4: {
		uint32_t v;
		memcpy(&v, p, 4);
		return (int32_t)be32toh(v);
	}
	case OID_INT2: {
		uint16_t v;
		memcpy(&v, p, 2);
		return (int16_t)be16toh(v);
	}
	case OID_BOOL:
		return p[0] != 0;
	case OID_NUMERIC:
		return numeric_int(p, len);
	default: {
		int64_t v = 0;
		return parse_int64((const char *)p, INT64_MIN, INT64_MAX, &v) == 0 ? v : 0;
	}
	}
}

static const char *pg_column_text(struct db_stmt *d, int col)
{
	struct pg_stmt *s = pg(d);
	if (pg_column_is_null(d, col))
		return NULL;
	Oid t = PQftype(s->res, col);
	if (t == OID_INT8 || t == OID_INT4 || t == OID_INT2 || t == OID_BOOL || t == OID_NUMERIC) {
		snprintf(s->textbuf, sizeof(s->textbuf), "%lld", (long long)pg_column_int64(d, col));
		return s->textbuf;
	}
	return PQgetvalue(s->res, s->row, col);
}

static const void *pg_column_blob(struct db_stmt *d, int col)
{
	struct pg_stmt *s = pg(d);
	return pg_column_is_null(d, col) ? NULL : PQgetvalue(s->res, s->row, col);
}

static size_t pg_column_bytes(struct db_stmt *d, int col)
{
	struct pg_stmt *s = pg(d);
	if (pg_column_is_null(d, col))
		return 0;
	Oid t = PQftype(s->res, col);
	if (t == OID_INT8 || t == OID_INT4 || t == OID_INT2 || t == OID_BOOL || t == OID_NUMERIC)
		return strlen(pg_column_text(d, col));
	return (size_t)PQgetlength(s->res, s->row, col);
}

static int pg_column_count(struct db_stmt *d)
{
	struct pg_stmt *s = pg(d);
	return s->res != NULL ? PQnfields(s->res) : 0;
}

static int64_t pg_changes(struct db_stmt *d)
{
	return pg(d)->changes;
}

static bool pg_stmt_in_transaction(struct db_stmt *d)
{
	struct pg_stmt *s = pg(d);
	return PQtransactionStatus(s->conn->pc[s->file]) != PQTRANS_IDLE;
}

static void pg_finalize(struct db_stmt *d)
{
	stmt_free(pg(d));
}

static const char *pg_errmsg(void)
{
	return last_error[0] ? last_error : "no error noted";
}

/* Transactions nest as on SQLite: the outermost is BEGIN and the file's writer lock, one
 * inside it a savepoint. */
static enum err pg_begin(enum sq_file f)
{
	struct pg_conns *c = conn_get();
	if (c == NULL || c->pc[f] == NULL || (c->depth[f] == 0 && !conn_usable(c, f, false)))
		return ERR_INTERNAL;
	enum err rc = c->depth[f] == 0 ? pg_exec(c->pc[f], "BEGIN") : pg_exec(c->pc[f], "SAVEPOINT sq_nested");
	if (rc == ERR_OK && c->depth[f] == 0 && lock_sql[f] != NULL &&
	    pg_exec(c->pc[f], lock_sql[f]) != ERR_OK) {
		pg_exec(c->pc[f], "ROLLBACK");
		return ERR_INTERNAL;
	}
	if (rc == ERR_OK)
		c->depth[f]++;
	return rc;
}

static enum err pg_commit(enum sq_file f)
{
	struct pg_conns *c = conn_get();
	if (c == NULL || c->pc[f] == NULL)
		return ERR_INTERNAL;
	enum err rc = pg_exec(c->pc[f], c->depth[f] > 1 ? "RELEASE sq_nested" : "COMMIT");
	if (rc == ERR_OK && c->depth[f] > 0)
		c->depth[f]--;
	else if (rc != ERR_OK && PQstatus(c->pc[f]) != CONNECTION_OK)
		c->depth[f] = 0; /* the transaction went with the connection: nothing to roll back */
	return rc;
}

static enum err pg_rollback(enum sq_file f)
{
	struct pg_conns *c = conn_get();
	if (c == NULL || c->pc[f] == NULL)
		return ERR_INTERNAL;
	if (c->depth[f] <= 1) {
		c->depth[f] = 0;
		return pg_exec(c->pc[f], "ROLLBACK");
	}
	c->depth[f]--;
	enum err rc = pg_exec(c->pc[f], "ROLLBACK TO sq_nested");
	return pg_exec(c->pc[f], "RELEASE sq_nested") == ERR_OK ? rc : ERR_INTERNAL;
}

static enum err pg_read_begin(enum sq_file f)
{
	struct pg_conns *c = conn_get();
	if (c == NULL || c->pc[f] == NULL)
		return ERR_INTERNAL;
	return pg_exec(c->pc[f], "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY");
}

static void pg_read_end(enum sq_file f)
{
	struct pg_conns *c = conn_get();
	if (c != NULL && c->pc[f] != NULL)
		pg_exec(c->pc[f], "COMMIT");
}

static bool pg_in_transaction(void)
{
	struct pg_conns *c = conn_get();
	return c != NULL && c->depth[SQ_MAIN] > 0;
}

/* Each statement reads its own snapshot here: a request's reads are not yet one snapshot on
 * PostgreSQL (STORE.md). */
static void pg_snapshot_begin(void)
{
}

static void pg_snapshot_end(void)
{
}

static enum err open_files(const char *url, const bool which[SQ_FILES], bool create)
{
	const char *why = NULL;
	if (strlen(url) >= sizeof(conninfo))
		return ERR_INTERNAL;
	if (!pg_url_safe(url, &why)) {
		log_warn("component=store engine=pg error=\"%s\"", why);
		return ERR_INTERNAL;
	}
	snprintf(conninfo, sizeof(conninfo), "%s", url);
	PGconn *pc = PQconnectdb(conninfo);
	if (PQstatus(pc) != CONNECTION_OK) {
		note_error("connect", PQerrorMessage(pc));
		log_warn("component=store engine=pg error=\"%s\"", last_error);
		PQfinish(pc);
		conninfo[0] = '\0';
		return ERR_INTERNAL;
	}
	enum err rc = ERR_OK;
	for (int f = 0; f < SQ_FILES && rc == ERR_OK; f++)
		if (which[f])
			rc = pg_schema_open(pc, (enum sq_file)f, schema_of[f], create);
	PQfinish(pc);
	if (rc != ERR_OK) {
		conninfo[0] = '\0';
		return rc;
	}
	memcpy(files_open, which, sizeof(files_open));
	return conn_get() != NULL ? ERR_OK : ERR_INTERNAL;
}

static enum err pg_open(const char *dir, const char *url, bool create)
{
	(void)dir;
	static const bool all[SQ_FILES] = {true, true, true};
	return url != NULL ? open_files(url, all, create) : ERR_INTERNAL;
}

static enum err pg_open_audit(const char *dir, const char *url)
{
	(void)dir;
	static const bool audit_only[SQ_FILES] = {[SQ_AUDIT] = true};
	return url != NULL ? open_files(url, audit_only, false) : ERR_INTERNAL;
}

static void pg_close(void)
{
	pthread_mutex_lock(&conns_lock);
	for (struct pg_conns *c = conns, *next; c != NULL; c = next) {
		next = c->next;
		conn_free(c);
	}
	conns = NULL;
	thread_conn = NULL;
	conninfo[0] = '\0';
	memset(files_open, 0, sizeof(files_open));
	pthread_mutex_unlock(&conns_lock);
}

/* An identifier, not a secret: the server's gen_random_uuid is enough for it. */
static enum err pg_random_id(uint8_t out[16])
{
	struct db_stmt *s = pg_stmt_fresh(SQ_KEYS, "SELECT decode(replace(gen_random_uuid()::text, '-', ''), 'hex')");
	enum err rc = ERR_INTERNAL;
	if (s != NULL && pg_step(s) == DB_ROW && pg_column_bytes(s, 0) == 16) {
		memcpy(out, pg_column_blob(s, 0), 16);
		rc = ERR_OK;
	}
	if (s != NULL)
		pg_finalize(s);
	return rc;
}

const struct db_engine engine_pg = {
	.name = "postgresql",
	.step = pg_step,
	.reset = pg_reset,
	.clear_bindings = pg_clear_bindings,
	.bind_int64 = pg_bind_int64,
	.bind_text = pg_bind_text,
	.bind_blob = pg_bind_blob,
	.bind_null = pg_bind_null,
	.column_int64 = pg_column_int64,
	.column_text = pg_column_text,
	.column_blob = pg_column_blob,
	.column_bytes = pg_column_bytes,
	.column_is_null = pg_column_is_null,
	.column_count = pg_column_count,
	.changes = pg_changes,
	.stmt_in_transaction = pg_stmt_in_transaction,
	.finalize = pg_finalize,
	.stmt_on = pg_stmt_on,
	.stmt_fresh = pg_stmt_fresh,
	.errmsg = pg_errmsg,
	.begin = pg_begin,
	.commit = pg_commit,
	.rollback = pg_rollback,
	.read_begin = pg_read_begin,
	.read_end = pg_read_end,
	.in_transaction = pg_in_transaction,
	.snapshot_begin = pg_snapshot_begin,
	.snapshot_end = pg_snapshot_end,
	.open = pg_open,
	.open_audit = pg_open_audit,
	.close = pg_close,
	.random_id = pg_random_id,
};
