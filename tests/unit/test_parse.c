#include <string.h>

#include "fhir/fhir.h"
#include "http/http.h"
#include "http/parse.h"
#include "test.h"

void test_parse(void)
{
	struct arena a;
	arena_init(&a, 1u << 20);
	struct slice v;
	const char *c = "a=1; __Host-medkeep=abc; b=2";
	CHECK(cookie_find(c, strlen(c), "__Host-medkeep", &v) == 0 && slice_eq(v, "abc"));
	CHECK(cookie_find(c, strlen(c), "medkeep", &v) != 0);
	const char *dup = "__Host-medkeep=a; __Host-medkeep=b";
	CHECK(cookie_find(dup, strlen(dup), "__Host-medkeep", &v) != 0);

	struct form_field f[4];
	size_t n = 0;
	const char *body = "email=patient1%40demo.test&password=a+b%21&csrf=x";
	CHECK(form_parse(body, strlen(body), &a, f, 4, &n) == 0 && n == 3);
	CHECK(strcmp(form_get(f, n, "email", NULL), "patient1@demo.test") == 0);
	CHECK(strcmp(form_get(f, n, "password", NULL), "a b!") == 0);
	CHECK(form_parse("a=%4", 4, &a, f, 4, &n) != 0);
	CHECK(form_parse("a=%zz", 5, &a, f, 4, &n) != 0);
	CHECK(form_parse("a=1&b=2&c=3&d=4&e=5", 19, &a, f, 4, &n) != 0);
	CHECK(form_parse("a=1&a=2", 7, &a, f, 4, &n) == 0 && form_get(f, n, "a", NULL) == NULL);
	CHECK(form_parse("a%00b=1", 7, &a, f, 4, &n) != 0);

	struct slice boundary;
	const char *ct = "multipart/form-data; boundary=XyZ";
	CHECK(multipart_boundary(ct, strlen(ct), &boundary) == 0 && slice_eq(boundary, "XyZ"));
	const char *mp = "--XyZ\r\nContent-Disposition: form-data; name=\"title\"\r\n\r\nLetter\r\n"
			 "--XyZ\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a.pdf\"\r\n"
			 "Content-Type: application/pdf\r\n\r\n%PDF-1.4\r\n--XyZ--\r\n";
	struct multipart_part parts[4];
	CHECK(multipart_parse(mp, strlen(mp), boundary, parts, 4, &n) == 0 && n == 2);
	const struct multipart_part *file = multipart_get(parts, n, "file");
	CHECK(file && file->has_filename && slice_eq(file->filename, "a.pdf") &&
	      slice_eq(file->data, "%PDF-1.4"));
	CHECK(multipart_parse(mp, strlen(mp) - 10, boundary, parts, 4, &n) != 0);
	CHECK(multipart_boundary("text/plain", 10, &boundary) != 0);

	CHECK(path_is_clean("/fhir/R4/Patient"));
	CHECK(!path_is_clean("/fhir/../etc/passwd"));
	CHECK(!path_is_clean("/documents/./x"));
	CHECK(!path_is_clean("//documents"));
	CHECK(!path_is_clean("/documents\\x"));
	CHECK(!path_is_clean("documents"));
	/* return addresses (sign-in, step-up): our own pages only, never another host */
	CHECK(path_is_local_next("/messages"));
	CHECK(path_is_local_next("/access-log?others=1&before=12"));
	CHECK(path_is_local_next("/messages/0123456789abcdef0123456789abcdef"));
	static const char *const refused[] = {
		"//evil.example", "///evil", "/\\evil", "\\\\evil", "https://evil", "http:/evil",
		"javascript:alert(1)", "evil.example", "", "/%2F%2Fevil", "/%5Cevil", "/a/../b",
		"/./x", "/ x", "/x#y", "/x\"y", "/x<y",
	};
	for (size_t i = 0; i < sizeof(refused) / sizeof(*refused); i++)
		CHECK(!path_is_local_next(refused[i]));
	CHECK(!path_is_local_next(NULL));
	char longest[LIMIT_NEXT_PATH + 2];
	memset(longest, 'a', sizeof(longest) - 1);
	longest[0] = '/';
	longest[LIMIT_NEXT_PATH] = '\0';
	CHECK(path_is_local_next(longest));
	longest[LIMIT_NEXT_PATH] = 'a';
	longest[LIMIT_NEXT_PATH + 1] = '\0';
	CHECK(!path_is_local_next(longest));
	CHECK(strcmp(route_next_url(&a, "/login", "/access-log?others=1"),
		     "/login?next=/access-log%3Fothers%3D1") == 0);
	CHECK(strcmp(route_next_url(&a, "/login/mfa", "//evil"), "/login/mfa") == 0);
	CHECK(strcmp(route_next_url(&a, "/login", NULL), "/login") == 0);
	struct slice params[ROUTE_MAX_PARAMS];
	fhir_http_register(); /* the FHIR routes, as the worker adds them at start-up */
	CHECK(route_match(METHOD_GET, "/fhir/R4/Binary/0123456789abcdef0123456789abcdef", params) != NULL);
	CHECK(slice_eq(params[0], "0123456789abcdef0123456789abcdef"));
	CHECK(route_match(METHOD_GET, "/fhir/R4/Binary/", params) == NULL);
	CHECK(route_match(METHOD_POST, "/fhir/R4/Binary/abc", params) == NULL);
	arena_release(&a);
}
