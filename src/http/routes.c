/*
 * Routing: the tables the layers above add at start-up (each route with the authentication
 * it needs, the body it accepts and who may use it), matched by method and path. A path in no
 * table is a 404 before any handler runs.
 */
#include <string.h>

#include "http/http.h"
#include "util/id.h"

#define ROUTE_TABLES_MAX 4

struct route_table {
	const struct route *routes;
	size_t n;
};
static struct route_table tables[ROUTE_TABLES_MAX];
static size_t n_tables;

void http_routes_add(const struct route *table, size_t n)
{
	if (n_tables < ROUTE_TABLES_MAX)
		tables[n_tables++] = (struct route_table){table, n};
}

bool path_is_clean(const char *path)
{
	if (path == NULL || path[0] != '/')
		return false;
	for (const char *p = path; *p; p++) {
		unsigned char c = (unsigned char)*p;
		if (c < 0x21 || c > 0x7e || c == '\\' || c == '%')
			return false;
		if (c == '/' && (p[1] == '/' || (p[1] == '.' && (p[2] == '/' || p[2] == '\0' ||
								  (p[2] == '.' && (p[3] == '/' || p[3] == '\0'))))))
			return false;
	}
	return strlen(path) < 512;
}

/* Match one pattern; '*' takes a 32-hex-character id segment. */
static bool match(const char *pattern, const char *path, struct slice *params)
{
	size_t np = 0;
	while (*pattern && *path) {
		if (*pattern == '*') {
			const char *end = strchr(path, '/');
			size_t len = end ? (size_t)(end - path) : strlen(path);
			if (len == 0 || np >= ROUTE_MAX_PARAMS)
				return false;
			params[np].ptr = path;
			params[np].len = len;
			np++;
			path += len;
			pattern++;
			continue;
		}
		if (*pattern != *path)
			return false;
		pattern++;
		path++;
	}
	return *pattern == '\0' && *path == '\0';
}

const struct route *route_match(enum method m, const char *path, struct slice *params)
{
	for (size_t t = 0; t < n_tables; t++)
		for (size_t i = 0; i < tables[t].n; i++) {
			const struct route *r = &tables[t].routes[i];
			struct slice tmp[ROUTE_MAX_PARAMS] = {{0}};
			if (r->method == m && match(r->pattern, path, tmp)) {
				memcpy(params, tmp, sizeof(tmp));
				return r;
			}
		}
	return NULL;
}

const char *route_allow(const char *path)
{
	bool get = false, post = false, put = false;
	for (size_t t = 0; t < n_tables; t++)
		for (size_t i = 0; i < tables[t].n; i++) {
			const struct route *r = &tables[t].routes[i];
			struct slice tmp[ROUTE_MAX_PARAMS] = {{0}};
			if (match(r->pattern, path, tmp)) {
				get = get || r->method == METHOD_GET;
				post = post || r->method == METHOD_POST;
				put = put || r->method == METHOD_PUT;
			}
		}
	if (put)
		return get && post ? "GET, HEAD, POST, PUT" : get ? "GET, HEAD, PUT" : post ? "POST, PUT" : "PUT";
	return get && post ? "GET, HEAD, POST" : get ? "GET, HEAD" : post ? "POST" : NULL;
}

bool route_cross_origin(const struct route *r)
{
	return r->kind == KIND_FHIR || r->cors;
}

const struct route *route_preflight(const char *path, enum method m)
{
	struct slice params[ROUTE_MAX_PARAMS];
	const struct route *r = m == METHOD_GET || m == METHOD_POST || m == METHOD_PUT
					? route_match(m, path, params)
					: NULL;
	return r && route_cross_origin(r) ? r : NULL;
}
