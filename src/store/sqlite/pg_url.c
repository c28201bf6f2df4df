/*
 * Whether a PostgreSQL address may carry patient data (STORE.md, "Choosing PostgreSQL"): a
 * local socket, or TCP on the loopback interface, as it is; TCP to another machine only with
 * TLS that authenticates the server (sslmode=verify-full or verify-ca), as the HTTP listener
 * is plain only on loopback. libpq parses the address, so every form it takes (URL or
 * key=value, host lists, PGHOST-style defaults) is judged as libpq will use it.
 */
#include <string.h>

#include <libpq-fe.h>

#include "store/sqlite/engine.h"

static bool local_host(const char *h, size_t n)
{
	static const char *const loopback[] = {"localhost", "::1", "[::1]"};
	if (n == 0 || h[0] == '/' || h[0] == '@')
		return true; /* a Unix socket's directory (or Linux's abstract namespace) */
	for (size_t i = 0; i < sizeof(loopback) / sizeof(loopback[0]); i++)
		if (strlen(loopback[i]) == n && memcmp(h, loopback[i], n) == 0)
			return true;
	return n >= 4 && memcmp(h, "127.", 4) == 0;
}

/* Every host of a comma-separated list is local. */
static bool all_local(const char *list)
{
	if (list == NULL)
		return true;
	for (const char *p = list;;) {
		const char *comma = strchr(p, ',');
		size_t n = comma ? (size_t)(comma - p) : strlen(p);
		if (!local_host(p, n))
			return false;
		if (comma == NULL)
			return true;
		p = comma + 1;
	}
}

bool pg_url_safe(const char *url, const char **why)
{
	char *err = NULL;
	PQconninfoOption *opts = PQconninfoParse(url, &err);
	if (opts == NULL) {
		PQfreemem(err);
		*why = "store.url is not an address libpq can read";
		return false;
	}
	const char *host = NULL, *hostaddr = NULL, *sslmode = NULL;
	for (PQconninfoOption *o = opts; o->keyword != NULL; o++) {
		if (strcmp(o->keyword, "host") == 0)
			host = o->val;
		else if (strcmp(o->keyword, "hostaddr") == 0)
			hostaddr = o->val;
		else if (strcmp(o->keyword, "sslmode") == 0)
			sslmode = o->val;
	}
	bool local = all_local(host) && all_local(hostaddr);
	bool verified = sslmode != NULL &&
			(strcmp(sslmode, "verify-full") == 0 || strcmp(sslmode, "verify-ca") == 0);
	PQconninfoFree(opts);
	if (local || verified)
		return true;
	*why = "store.url reaches PostgreSQL over the network without verified TLS: add "
	       "sslmode=verify-full (with sslrootcert), or use a local socket";
	return false;
}
