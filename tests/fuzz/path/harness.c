/*
 * libFuzzer harness: path_is_clean + route_match over request paths. The input up to its
 * first NUL is the path (libmicrohttpd hands us a C string); it is matched for every method.
 * Properties: path_is_clean agrees with an independent, obviously-correct reference; a path
 * that routes has its '*' parameters non-empty, slash-free and inside the path; a return
 * address path_is_local_next accepts is one of our own paths (never another host, scheme,
 * escape or dot segment), and route_next_url carries it as one query argument.
 */
#include "../harness.h"

#include "fhir/fhir.h"
#include "http/http.h"
#include "web/web.h"

static bool has(const char *s, const char *needle)
{
	return strstr(s, needle) != NULL;
}

static bool ends(const char *s, size_t n, const char *suffix)
{
	size_t k = strlen(suffix);
	return n >= k && memcmp(s + n - k, suffix, k) == 0;
}

static bool reference_clean(const char *p)
{
	size_t n = strlen(p);
	if (n == 0 || p[0] != '/' || n >= 512)
		return false;
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)p[i];
		if (c < 0x21 || c > 0x7e || c == '\\' || c == '%')
			return false;
	}
	if (has(p, "//") || has(p, "/./") || has(p, "/../") || ends(p, n, "/.") || ends(p, n, "/.."))
		return false;
	return true;
}

/* What an accepted return address must be: "/" then not "/" or "\\", no ':' (no scheme),
 * '%' or '\\', a clean path before any '?', and short. */
static void check_next(const char *p)
{
	if (!path_is_local_next(p))
		return;
	size_t n = strlen(p);
	if (n == 0 || n > LIMIT_NEXT_PATH || p[0] != '/' || p[1] == '/' || p[1] == '\\' ||
	    strpbrk(p, ":%\\#\"'<> ") != NULL)
		abort();
	char path[LIMIT_NEXT_PATH + 1];
	size_t k = strcspn(p, "?");
	memcpy(path, p, k);
	path[k] = '\0';
	if (!reference_clean(path))
		abort();
	struct arena a;
	arena_init(&a, 1u << 14);
	const char *url = route_next_url(&a, "/login", p);
	if (url == NULL || strncmp(url, "/login?next=/", 13) != 0 || strpbrk(url + 13, "?&=") != NULL)
		abort();
	arena_release(&a);
}

static const enum method methods[] = {METHOD_GET, METHOD_POST, METHOD_HEAD, METHOD_OTHER};

static void check_route(enum method m, const char *path)
{
	struct slice params[ROUTE_MAX_PARAMS];
	memset(params, 0, sizeof(params));
	const struct route *r = route_match(m, path, params);
	if (r == NULL)
		return;
	size_t plen = strlen(path);
	if (r->method != m || r->handler == NULL)
		abort();
	size_t stars = 0;
	for (const char *q = r->pattern; *q; q++)
		stars += *q == '*';
	for (size_t i = 0; i < ROUTE_MAX_PARAMS; i++) {
		if (i >= stars) {
			if (params[i].ptr != NULL || params[i].len != 0)
				abort();
			continue;
		}
		if (params[i].len == 0 || params[i].ptr < path ||
		    params[i].len > (size_t)(path + plen - params[i].ptr) ||
		    memchr(params[i].ptr, '/', params[i].len) != NULL)
			abort();
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *path = fuzz_cstr(data, size);
	if (path == NULL)
		return 0;
	static bool registered;
	if (!registered) {
		web_http_register();
		fhir_http_register();
		registered = true;
	}
	if (path_is_clean(path) != reference_clean(path))
		abort();
	for (size_t i = 0; i < sizeof(methods) / sizeof(methods[0]); i++)
		check_route(methods[i], path);
	check_next(path);
	free(path);
	return 0;
}
