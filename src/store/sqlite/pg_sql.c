/* The parts' SQL as PostgreSQL reads it (engine_pg.c prepares what this returns). */
#include "store/sqlite/engine.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/*
 * The part's SQL as PostgreSQL reads it: ?NNN becomes $NNN and a bare ? the next number (as
 * SQLite numbers them), X'hex' a bytea literal, CAST(.. AS BLOB/INTEGER) bytea and bigint.
 * Quoted text is copied as it is. NULL when it does not fit or numbers past PG_PARAMS_MAX.
 */
char *pg_sql_translate(const char *sql, int *nparams, bool used[PG_PARAMS_MAX + 1])
{
	size_t n = strlen(sql), cap = n * 2 + 64, o = 0;
	char *out = malloc(cap);
	int max = 0;
	if (out == NULL)
		return NULL;
	for (size_t i = 0; i < n;) {
		if (o + 40 >= cap) {
			free(out);
			return NULL;
		}
		char c = sql[i];
		if ((c == 'X' || c == 'x') && sql[i + 1] == '\'' && (i == 0 || sql[i - 1] == ' ' || sql[i - 1] == ',' || sql[i - 1] == '(')) {
			out[o++] = '\'';
			out[o++] = '\\';
			out[o++] = 'x';
			i += 2;
			while (i < n && sql[i] != '\'' && o + 16 < cap)
				out[o++] = sql[i++];
			i++;
			memcpy(out + o, "'::bytea", 8);
			o += 8;
			continue;
		}
		if (c == '\'') {
			out[o++] = sql[i++];
			while (i < n && o + 16 < cap) {
				out[o++] = sql[i];
				if (sql[i++] == '\'')
					break;
			}
			continue;
		}
		if (c == '?') {
			int num = 0;
			size_t j = i + 1;
			while (j < n && sql[j] >= '0' && sql[j] <= '9' && num < 10000)
				num = num * 10 + (sql[j++] - '0');
			if (j == i + 1)
				num = max + 1;
			if (num < 1 || num > PG_PARAMS_MAX) {
				free(out);
				return NULL;
			}
			if (num > max)
				max = num;
			used[num] = true;
			o += (size_t)snprintf(out + o, cap - o, "$%d", num);
			i = j;
			continue;
		}
		if (strncmp(sql + i, " AS BLOB)", 9) == 0) {
			memcpy(out + o, " AS BYTEA)", 10);
			o += 10;
			i += 9;
			continue;
		}
		if (strncmp(sql + i, " AS INTEGER)", 12) == 0) {
			memcpy(out + o, " AS BIGINT)", 11);
			o += 11;
			i += 12;
			continue;
		}
		out[o++] = sql[i++];
	}
	out[o] = '\0';
	*nparams = max;
	return out;
}

bool pg_sql_is_write(const char *sql)
{
	while (*sql == ' ' || *sql == '\n' || *sql == '\t')
		sql++;
	return strncmp(sql, "SELECT", 6) != 0 && strncmp(sql, "select", 6) != 0 &&
	       strncmp(sql, "WITH", 4) != 0;
}
