/*
 * The PostgreSQL engine's schema (docs/internals/STORE.md, "Schema versions"): each store file a
 * schema of its own in the database, with the few functions SQLite has and the parts' SQL uses.
 * A new schema is made whole at the first release's version (pg_schema_gen.h, generated once
 * from SQLite's schema by scripts/pg-schema.py and kept as it is), then brought forward by
 * SQLite's own later steps (schema.c), translated here as pg-schema.py translates (BLOB bytea,
 * INTEGER bigint, an explicit rowid). A database already at an earlier version is brought
 * forward the same way, in one transaction under a lock, so nodes starting together migrate
 * once; one newer than this binary is refused.
 */
#include "store/store.h"
#include "store/sqlite/engine.h"

#include <libpq-fe.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store/sqlite/pg_schema_gen.h"
#include "limits.h"
#include "util/buf.h"
#include "util/log.h"
#include "util/strtonum.h"

/* SQLite's unixepoch() truncates to the second; a plain cast to bigint would round, and a time
 * stored as "now - 1" could then be read back as now: an expired code still accepted. */
#define UNIXEPOCH_BODY "SELECT floor(extract(epoch FROM now()))::bigint"
#define UNIXEPOCH_DDL                                                                              \
	"CREATE OR REPLACE FUNCTION unixepoch() RETURNS bigint LANGUAGE sql STABLE"                \
	" AS '" UNIXEPOCH_BODY "';"

/* What SQLite has built in and the parts' SQL uses. */
static const char compat[] =
	UNIXEPOCH_DDL
	"CREATE FUNCTION instr(a text, b text) RETURNS bigint LANGUAGE sql IMMUTABLE"
	" AS 'SELECT strpos(a, b)::bigint';"
	"CREATE FUNCTION instr(a bytea, b bytea) RETURNS bigint LANGUAGE sql IMMUTABLE"
	" AS 'SELECT position(b IN a)::bigint';"
	"CREATE FUNCTION max(a bigint, b bigint) RETURNS bigint LANGUAGE sql IMMUTABLE"
	" AS 'SELECT GREATEST(a, b)';"
	"CREATE FUNCTION min(a bigint, b bigint) RETURNS bigint LANGUAGE sql IMMUTABLE"
	" AS 'SELECT LEAST(a, b)';"
	"CREATE FUNCTION hex(a bytea) RETURNS text LANGUAGE sql IMMUTABLE"
	" AS 'SELECT upper(encode(a, ''hex''))';"
	"CREATE FUNCTION shl(a bigint, b bigint) RETURNS bigint LANGUAGE sql IMMUTABLE"
	" AS 'SELECT a << b::int';"
	"CREATE OPERATOR << (LEFTARG = bigint, RIGHTARG = bigint, FUNCTION = shl);";

static const struct {
	const char *ddl;
	int version;
} schemas[SQ_FILES] = {
	[SQ_MAIN] = {pg_schema_main, PG_SCHEMA_VERSION_MAIN},
	[SQ_AUDIT] = {pg_schema_audit, PG_SCHEMA_VERSION_AUDIT},
	[SQ_KEYS] = {pg_schema_keys, PG_SCHEMA_VERSION_KEYS},
};

static enum err run(PGconn *pc, const char *sql, const char *what)
{
	PGresult *r = PQexec(pc, sql);
	ExecStatusType st = PQresultStatus(r);
	enum err rc = st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK ? ERR_OK : ERR_INTERNAL;
	if (rc != ERR_OK)
		log_warn("component=store engine=pg op=%s error=\"%s\"", what, PQerrorMessage(pc));
	PQclear(r);
	return rc;
}

/* The schema's version: 0 when it has no version table yet, -1 on failure. */
static int version_of(PGconn *pc, const char *schema)
{
	char sql[200];
	snprintf(sql, sizeof(sql), "SELECT 1 FROM pg_tables WHERE schemaname = '%s'"
		 " AND tablename = 'schema_version'", schema);
	PGresult *r = PQexec(pc, sql);
	int v = PQresultStatus(r) != PGRES_TUPLES_OK ? -1 : PQntuples(r) == 0 ? 0 : 1;
	PQclear(r);
	if (v != 1) {
		if (v < 0)
			log_warn("component=store engine=pg op=version error=\"%s\"", PQerrorMessage(pc));
		return v;
	}
	snprintf(sql, sizeof(sql), "SELECT version FROM %s.schema_version", schema);
	r = PQexec(pc, sql);
	int64_t n = 0;
	v = PQresultStatus(r) == PGRES_TUPLES_OK && PQntuples(r) == 1 &&
		    parse_int64(PQgetvalue(r, 0, 0), 1, 100000, &n) == 0
		    ? (int)n
		    : -1;
	PQclear(r);
	return v;
}

static bool word_char(char c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_';
}

/* Append s[0..n) with SQLite's type words as PostgreSQL spells them. */
static void translate_words(struct buf *out, const char *s, size_t n)
{
	static const struct {
		const char *from, *to;
	} words[] = {
		{"INTEGER PRIMARY KEY AUTOINCREMENT", "BIGSERIAL PRIMARY KEY"},
		{" WITHOUT ROWID", ""},
		{"BLOB", "BYTEA"},
		{"INTEGER", "BIGINT"},
	};
	for (size_t i = 0; i < n;) {
		size_t w = 0;
		for (size_t k = 0; k < sizeof(words) / sizeof(*words) && w == 0; k++) {
			size_t len = strlen(words[k].from);
			if (len <= n - i && memcmp(s + i, words[k].from, len) == 0 &&
			    (i == 0 || !word_char(s[i - 1]) || words[k].from[0] == ' ') &&
			    (i + len == n || !word_char(s[i + len]))) {
				buf_puts(out, words[k].to);
				w = len;
			}
		}
		if (w == 0)
			buf_append(out, s + i++, 1);
		i += w;
	}
}

/* Append one statement of a SQLite step, translated: a table with SQLite's implicit rowid gets
 * an explicit one before its closing parenthesis, as pg-schema.py does. */
static void translate_statement(struct buf *out, const char *s, size_t n)
{
	while (n > 0 && (*s == ' ' || *s == '\n' || *s == '\t'))
		s++, n--;
	if (n == 0)
		return;
	bool rowid = n > 12 && strncmp(s, "CREATE TABLE", 12) == 0 &&
		     memmem(s, n, "AUTOINCREMENT", 13) == NULL && memmem(s, n, "WITHOUT ROWID", 13) == NULL;
	size_t at = n; /* where an explicit rowid goes */
	for (size_t i = n; rowid && i > 0 && at == n; i--)
		if (s[i - 1] == ')')
			at = i - 1;
	translate_words(out, s, at);
	if (at < n)
		buf_puts(out, ", rowid BIGSERIAL");
	translate_words(out, s + at, n - at);
	buf_puts(out, ";");
}

void pg_schema_translate(struct buf *out, const char *step)
{
	for (const char *p = step; *p;) {
		const char *end = strchr(p, ';');
		size_t n = end ? (size_t)(end - p) : strlen(p);
		translate_statement(out, p, n);
		p += n + (end != NULL);
	}
}

/* Bring schema from the version it has to this binary's, in one transaction under a lock that
 * every node's migration takes (so two starting together migrate once). */
static enum err migrate(PGconn *pc, enum sq_file f, const char *schema, const char *const *steps,
		       int total)
{
	char head[200];
	snprintf(head, sizeof(head), "BEGIN; SELECT pg_advisory_xact_lock(7100); SET LOCAL search_path TO %s;",
		 schema);
	if (run(pc, head, "migrate") != ERR_OK)
		return ERR_INTERNAL;
	int v = version_of(pc, schema); /* again, under the lock */
	enum err rc = v < schemas[f].version || v > total ? ERR_INTERNAL : ERR_OK;
	for (int step = v + 1; rc == ERR_OK && step <= total; step++) {
		struct arena a;
		arena_init(&a, LIMIT_SCHEMA_STEP_SQL * 2);
		struct buf b;
		buf_init(&b, &a, LIMIT_SCHEMA_STEP_SQL);
		pg_schema_translate(&b, steps[step - 1]);
		buf_printf(&b, "UPDATE schema_version SET version = %d;", step);
		const char *sql = buf_cstr(&b);
		rc = b.failed || sql == NULL ? ERR_INTERNAL : run(pc, sql, "migrate");
		arena_release(&a);
		if (rc == ERR_OK)
			log_info("component=store engine=pg event=migrated schema=%s version=%d", schema, step);
	}
	if (rc != ERR_OK || run(pc, "COMMIT", "migrate") != ERR_OK) {
		run(pc, "ROLLBACK", "migrate");
		return ERR_INTERNAL;
	}
	return ERR_OK;
}

/* A schema made before unixepoch() truncated (2026-12-08) gets the corrected function: the
 * functions are not part of the numbered steps, which are SQLite's. */
static enum err compat_current(PGconn *pc, const char *schema)
{
	const char *param[1] = {schema};
	PGresult *r = PQexecParams(pc, "SELECT p.prosrc FROM pg_proc p JOIN pg_namespace n"
				   " ON n.oid = p.pronamespace WHERE n.nspname = $1 AND p.proname = 'unixepoch'",
				   1, NULL, param, NULL, NULL, 0);
	bool current = PQresultStatus(r) == PGRES_TUPLES_OK && PQntuples(r) == 1 &&
		       strcmp(PQgetvalue(r, 0, 0), UNIXEPOCH_BODY) == 0;
	PQclear(r);
	if (current)
		return ERR_OK;
	char sql[400];
	snprintf(sql, sizeof(sql), "BEGIN; SELECT pg_advisory_xact_lock(7100); SET LOCAL search_path TO %s; %s COMMIT;",
		 schema, UNIXEPOCH_DDL);
	if (run(pc, sql, "compat") != ERR_OK) {
		run(pc, "ROLLBACK", "compat");
		return ERR_INTERNAL;
	}
	log_info("component=store engine=pg event=compat_updated schema=%s function=unixepoch", schema);
	return ERR_OK;
}

enum err pg_schema_open(PGconn *pc, enum sq_file f, const char *schema, bool create)
{
	const char *const *steps;
	int total = sq_schema_steps(f, &steps);
	int v = version_of(pc, schema);
	if (v < 0)
		return ERR_INTERNAL;
	if (v == total)
		return compat_current(pc, schema);
	if ((v == 0 && !create) || v > total || (v > 0 && v < schemas[f].version)) {
		log_warn("component=store engine=pg schema=%s version=%d error=\"%s\"", schema, v,
			 v == 0	   ? "no schema here: run medkeep init first"
			 : v > total ? "this schema is newer than this binary"
				     : "this schema is older than medkeep's first PostgreSQL release");
		return ERR_INTERNAL;
	}
	if (v == 0) {
		/* One transaction: a schema is made whole or not at all. Two nodes making the same
		 * schema at once: one of them fails on CREATE SCHEMA and stops; start it again. */
		char head[200];
		snprintf(head, sizeof(head), "BEGIN; CREATE SCHEMA %s; SET LOCAL search_path TO %s;", schema,
			 schema);
		char tail[160];
		snprintf(tail, sizeof(tail),
			 "CREATE TABLE schema_version (version BIGINT NOT NULL);"
			 " INSERT INTO schema_version VALUES (%d); COMMIT;", schemas[f].version);
		if (run(pc, head, "schema") != ERR_OK || run(pc, compat, "schema") != ERR_OK ||
		    run(pc, schemas[f].ddl, "schema") != ERR_OK || run(pc, tail, "schema") != ERR_OK) {
			run(pc, "ROLLBACK", "schema");
			return ERR_INTERNAL;
		}
		if (schemas[f].version == total)
			return ERR_OK;
	}
	enum err rc = migrate(pc, f, schema, steps, total);
	return rc == ERR_OK ? compat_current(pc, schema) : rc;
}
