/* Conditional requests (src/http/conditional.c): HTTP dates both ways, If-None-Match lists, and
 * the $everything cursor (src/fhir/fhir_everything.c). */
#include <string.h>

#include "fhir/fhir_int.h"
#include "http/conditional.h"
#include "test.h"

static bool date_is(const char *s, int64_t want)
{
	int64_t t = -1;
	return http_date_parse(s, strlen(s), &t) == 0 && t == want;
}

static bool date_refused(const char *s)
{
	int64_t t = 0;
	return http_date_parse(s, strlen(s), &t) != 0;
}

static bool etag_in(const char *h, const char *tag)
{
	return http_etag_matches(h, strlen(h), tag);
}

static bool cursor_ok(const char *s, struct everything_cursor *c)
{
	return fhir_everything_cursor(s, strlen(s), c) == 0;
}

void test_conditional(void)
{
	char out[HTTP_DATE_LEN + 1];
	http_date_format(784111777, out);
	CHECK(strcmp(out, "Sun, 06 Nov 1994 08:49:37 GMT") == 0);
	http_date_format(0, out);
	CHECK(strcmp(out, "Thu, 01 Jan 1970 00:00:00 GMT") == 0);
	http_date_format(1796601120, out); /* Mon 7 Dec 2026 in New Zealand */
	CHECK(strcmp(out, "Sun, 06 Dec 2026 23:52:00 GMT") == 0);
	CHECK(date_is("Sun, 06 Nov 1994 08:49:37 GMT", 784111777));
	CHECK(date_is("Thu, 29 Feb 2024 23:59:59 GMT", 1709251199));
	/* every instant of a day round-trips through format and parse */
	for (int64_t t = 1796601120 - 86400; t < 1796601120 + 86400; t += 3607) {
		http_date_format(t, out);
		CHECK(date_is(out, t));
	}
	CHECK(date_refused("Sunday, 06-Nov-94 08:49:37 GMT")); /* RFC 850: may be ignored */
	CHECK(date_refused("Sun Nov  6 08:49:37 1994"));       /* asctime */
	CHECK(date_refused("Mon, 06 Nov 1994 08:49:37 GMT"));  /* the wrong weekday */
	CHECK(date_refused("Thu, 29 Feb 2023 00:00:00 GMT"));  /* no such day */
	CHECK(date_refused("Sun, 06 Nov 1994 24:49:37 GMT"));
	CHECK(date_refused("Sun, 06 Nov 1994 08:49:37 UTC"));
	CHECK(date_refused("Sun, 06 Nov 1994 08:49:37 GMT "));
	CHECK(date_refused(""));

	const char *tag = "3";
	CHECK(etag_in("W/\"3\"", tag));
	CHECK(etag_in("\"3\"", tag));
	CHECK(etag_in("*", tag));
	CHECK(etag_in("W/\"1\", W/\"3\"", tag));
	CHECK(etag_in(" W/\"1\" ,\"3\" ", tag));
	CHECK(!etag_in("W/\"33\"", tag));
	CHECK(!etag_in("W/\"1\"", tag));
	CHECK(!etag_in("3", tag));           /* not an entity tag */
	CHECK(!etag_in("W/\"3", tag));       /* unterminated */
	CHECK(!etag_in("W/\"3\" x", tag));   /* junk after a tag */
	CHECK(!etag_in("w/\"1\", \"3", tag)); /* a list that cannot be read matches nothing */
	CHECK(!etag_in("", tag));
	CHECK(!http_etag_matches("W/\"3\"", 4, tag)); /* the length given is the end */

	struct everything_cursor c;
	CHECK(cursor_ok("0", &c) && c.part == 0 && !c.after);
	CHECK(cursor_ok("7", &c) && c.part == 7 && !c.after);
	CHECK(cursor_ok("1.1796601120.00112233445566778899aabbccddeeff", &c) && c.part == 1 && c.after &&
	      c.t == 1796601120);
	CHECK(cursor_ok("2.-5.00112233445566778899aabbccddeeff", &c) && c.t == -5);
	CHECK(!cursor_ok("8", &c));
	CHECK(!cursor_ok("", &c));
	CHECK(!cursor_ok("1.", &c));
	CHECK(!cursor_ok("1..00112233445566778899aabbccddeeff", &c));
	CHECK(!cursor_ok("1.-.00112233445566778899aabbccddeeff", &c));
	CHECK(!cursor_ok("1.5x.00112233445566778899aabbccddeeff", &c));
	CHECK(!cursor_ok("1.5.00112233445566778899aabbccddeefg", &c));
	CHECK(!cursor_ok("1.99999999999999999999999.00112233445566778899aabbccddeeff", &c));
}
