/*
 * The PostgreSQL engine's schema (docs/internals/STORE.md): each store file a schema of its own
 * in the database, made whole at the version SQLite's migrations reach today
 * (pg_schema_gen.h, generated from them by scripts/pg-schema.py), with the few functions
 * SQLite has and the parts' SQL uses. A database at another version is refused: migrations
 * from here on are written for both engines.
 */
#include "store/store.h"
#include "store/sqlite/engine.h"

#include <libpq-fe.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store/sqlite/pg_schema_gen.h"
#include "util/log.h"
#include "util/strtonum.h"

/* What SQLite has built in and the parts' SQL uses. */
static const char compat[] =
	"CREATE FUNCTION unixepoch() RETURNS bigint LANGUAGE sql STABLE"
	" AS 'SELECT extract(epoch FROM now())::bigint';"
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

enum err pg_schema_open(PGconn *pc, enum sq_file f, const char *schema, bool create)
{
	int v = version_of(pc, schema);
	if (v < 0)
		return ERR_INTERNAL;
	if (v == schemas[f].version)
		return ERR_OK;
	if (v != 0 || !create) {
		log_warn("component=store engine=pg schema=%s version=%d error=\"%s\"", schema, v,
			 v == 0 ? "no schema here: run medkeep init first"
				: "this schema's version is not this binary's");
		return ERR_INTERNAL;
	}
	/* One transaction: a schema is made whole or not at all. */
	char head[200];
	snprintf(head, sizeof(head), "BEGIN; CREATE SCHEMA %s; SET LOCAL search_path TO %s;", schema, schema);
	char tail[160];
	snprintf(tail, sizeof(tail),
		 "CREATE TABLE schema_version (version BIGINT NOT NULL);"
		 " INSERT INTO schema_version VALUES (%d); COMMIT;", schemas[f].version);
	if (run(pc, head, "schema") != ERR_OK || run(pc, compat, "schema") != ERR_OK ||
	    run(pc, schemas[f].ddl, "schema") != ERR_OK || run(pc, tail, "schema") != ERR_OK) {
		run(pc, "ROLLBACK", "schema");
		return ERR_INTERNAL;
	}
	return ERR_OK;
}
