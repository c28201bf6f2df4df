/*
 * Routing: the tables the layers above add at start-up (each route with the authentication
 * it needs, the body it accepts and who may use it), matched by method and path. A path in no
 * table is a 404 before any handler runs.
 */
#include <stdio.h>
#include <string.h>

#include "http/http.h"
#include "limits.h"
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

bool path_is_local_next(const char *next)
{
	if (next == NULL || next[0] != '/' || next[1] == '/' || next[1] == '\\' ||
	    strlen(next) > LIMIT_NEXT_PATH)
		return false;
	for (const char *p = next; *p; p++) {
		unsigned char c = (unsigned char)*p;
		bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
			  c == '/' || c == '-' || c == '_' || c == '?' || c == '=' || c == '&' || c == '.';
		if (!ok)
			return false;
	}
	char path[LIMIT_NEXT_PATH + 1];
	size_t n = strcspn(next, "?");
	memcpy(path, next, n);
	path[n] = '\0';
	return path_is_clean(path);
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

const char *route_next_url(struct arena *ar, const char *page, const char *next)
{
	if (next == NULL || !path_is_local_next(next))
		return page;
	/* next travels as one query argument: '?', '&' and '=' in it are escaped */
	char enc[3 * LIMIT_NEXT_PATH + 1];
	size_t j = 0;
	for (const char *p = next; *p; p++) {
		if (*p == '?' || *p == '&' || *p == '=') {
			static const char hex[] = "0123456789ABCDEF";
			enc[j++] = '%';
			enc[j++] = hex[(unsigned char)*p >> 4];
			enc[j++] = hex[(unsigned char)*p & 15];
		} else {
			enc[j++] = *p;
		}
	}
	enc[j] = '\0';
	const char *url = arena_printf(ar, "%s?next=%s", page, enc);
	return url ? url : page;
}

/* Appends one query argument to the buf of next, or refuses (1) a character next may not hold. */
struct next_query {
	char *out;
	size_t len, cap;
};

static int next_arg(void *ctx, const char *k, const char *v)
{
	struct next_query *q = ctx;
	int w = snprintf(q->out + q->len, q->cap - q->len, "%c%s=%s", q->len ? '&' : '?', k, v);
	if (w < 0 || (size_t)w >= q->cap - q->len)
		return 1;
	q->len += (size_t)w;
	return 0;
}

/* A page route (GET, signed in) at path? */
static bool session_page(const char *path)
{
	struct slice tmp[ROUTE_MAX_PARAMS];
	const struct route *r = route_match(METHOD_GET, path, tmp);
	return r != NULL && r->kind == KIND_PAGE && r->auth == AUTH_SESSION;
}

const char *route_login_redirect(struct request *req)
{
	char next[LIMIT_NEXT_PATH + 1], query[LIMIT_NEXT_PATH + 1];
	size_t n = strlen(req->path);
	if (n > LIMIT_NEXT_PATH || strcmp(req->path, "/") == 0)
		return "/login";
	memcpy(next, req->path, n + 1);
	if (req->method == METHOD_POST) {
		if (!session_page(next)) {
			char *slash = strrchr(next, '/');
			if (slash == NULL || slash == next)
				return "/login";
			*slash = '\0';
			if (!session_page(next))
				return "/login";
		}
	} else if (req->method == METHOD_GET) {
		struct next_query q = {query, 0, sizeof(query)};
		query[0] = '\0';
		/* the query too when it is plain (ids, page numbers); the path alone otherwise */
		if (request_query_each(req, next_arg, &q) == 0 && n + q.len <= LIMIT_NEXT_PATH) {
			memcpy(next + n, query, q.len + 1);
			if (!path_is_local_next(next))
				next[n] = '\0';
		}
	} else {
		return "/login";
	}
	return route_next_url(&req->arena, "/login", next);
}
