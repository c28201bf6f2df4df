/* The parts' SQL as PostgreSQL reads it (src/store/sqlite/pg_sql.c): parameters numbered as
 * SQLite numbers them, blob literals and casts in PostgreSQL's spelling, quoted text untouched. */
#include <stdlib.h>
#include <string.h>

#include "store/sqlite/engine.h"
#include "test.h"

static bool reads_as(const char *sql, const char *want, int want_params)
{
	bool used[PG_PARAMS_MAX + 1] = {0};
	int n = -1;
	char *got = pg_sql_translate(sql, &n, used);
	bool ok = got != NULL && strcmp(got, want) == 0 && n == want_params;
	free(got);
	return ok;
}

void test_pg_sql(void)
{
	CHECK(reads_as("SELECT a FROM t WHERE id = ?", "SELECT a FROM t WHERE id = $1", 1));
	/* a bare ? is the next number after the highest so far, as in SQLite */
	CHECK(reads_as("UPDATE t SET a = ?2, b = ? WHERE id = ?1", "UPDATE t SET a = $2, b = $3 WHERE id = $1", 3));
	CHECK(reads_as("SELECT x'00ff', X'AB' FROM t", "SELECT '\\x00ff'::bytea, '\\xAB'::bytea FROM t", 0));
	CHECK(reads_as("SELECT CAST(?401 AS INTEGER), CAST(? AS BLOB)", "SELECT CAST($401 AS BIGINT), CAST($402 AS BYTEA)", 402));
	/* quoted text is copied as it is: no parameter, no blob literal inside it */
	CHECK(reads_as("SELECT 'a ? b', 'x''y' WHERE c = ?", "SELECT 'a ? b', 'x''y' WHERE c = $1", 1));
	/* an x that ends a word before a quote is not a blob literal */
	CHECK(reads_as("SELECT prefix'1'", "SELECT prefix'1'", 0));
	bool used[PG_PARAMS_MAX + 1] = {0};
	int n = 0;
	CHECK(pg_sql_translate("SELECT ?481", &n, used) == NULL);
	CHECK(pg_sql_translate("SELECT ?0", &n, used) == NULL);
	CHECK(pg_sql_is_write("  INSERT INTO t VALUES (1)") && pg_sql_is_write("DELETE FROM t"));
	CHECK(!pg_sql_is_write("SELECT 1") && !pg_sql_is_write("\n WITH a AS (SELECT 1) SELECT * FROM a"));
}
