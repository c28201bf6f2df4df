/*
 * libFuzzer harness: path_is_clean + route_match over request paths. The input up to its
 * first NUL is the path (libmicrohttpd hands us a C string); it is matched for every method.
 * Properties: path_is_clean agrees with an independent, obviously-correct reference; a path
 * that routes has its '*' parameters non-empty, slash-free and inside the path.
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
	free(path);
	return 0;
}
