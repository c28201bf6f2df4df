/* A patient's contact details as typed (src/domain/details.c, docs/internals/DETAILS.md): New
 * Zealand phone numbers, address lines' lengths and characters, the postcode, an address
 * needing its street and town; and the proxy rule (only a grant for the whole record). */
#include <string.h>

#include "domain/details.h"
#include "limits.h"
#include "policy/policy.h"
#include "test.h"
#include "util/arena.h"

static int wrong(struct arena *ar, enum details_field f, const char *value, const char **why_f)
{
	struct contact_details in, out;
	memset(&in, 0, sizeof(in));
	for (int i = 0; i < DF_COUNT; i++)
		in.field[i] = "";
	in.field[f] = value;
	if (f >= DF_LINE1) { /* an address needs a street and a town: give the others */
		if (f != DF_LINE1)
			in.field[DF_LINE1] = "1 Queen Street";
		if (f != DF_CITY)
			in.field[DF_CITY] = "Auckland";
	}
	const char *why[DF_COUNT];
	int n = details_check(&in, ar, &out, why);
	*why_f = why[f];
	return n;
}

static bool ok(struct arena *ar, enum details_field f, const char *value)
{
	const char *why_f;
	return wrong(ar, f, value, &why_f) == 0 && why_f == NULL;
}

void test_details(void)
{
	struct arena ar;
	arena_init(&ar, 64 * 1024);
	/* mobiles: 02x, with +64, spaces, dashes, brackets */
	CHECK(ok(&ar, DF_MOBILE, "021 123 4567"));
	CHECK(ok(&ar, DF_MOBILE, "+64 21 123 4567"));
	CHECK(ok(&ar, DF_MOBILE, "(027) 555-0101"));
	CHECK(ok(&ar, DF_MOBILE, "  0221234567  ")); /* trimmed */
	CHECK(ok(&ar, DF_MOBILE, ""));               /* not given */
	CHECK(!ok(&ar, DF_MOBILE, "09 123 4567"));    /* a landline is not a mobile */
	CHECK(!ok(&ar, DF_MOBILE, "+61 412 345 678")); /* not New Zealand */
	CHECK(!ok(&ar, DF_MOBILE, "021 12"));          /* too short */
	CHECK(!ok(&ar, DF_MOBILE, "021 1234 5678 90")); /* too long */
	CHECK(!ok(&ar, DF_MOBILE, "021-123-4567 ext"));
	CHECK(!ok(&ar, DF_MOBILE, "021+1234567"));     /* + only first */
	CHECK(!ok(&ar, DF_MOBILE, "+64 021 123 4567")); /* no 0 after the country code */
	CHECK(!ok(&ar, DF_MOBILE, "0 2 1 1 2 3 4 5 6 7 8 9")); /* over LIMIT_PHONE_CHARS */
	/* other phones: landlines and mobiles */
	CHECK(ok(&ar, DF_PHONE, "09 123 4567"));
	CHECK(ok(&ar, DF_PHONE, "+64 4 123 4567"));
	CHECK(ok(&ar, DF_PHONE, "021 123 4567"));
	CHECK(!ok(&ar, DF_PHONE, "123 4567"));        /* no area code */
	CHECK(!ok(&ar, DF_PHONE, "0800 <script>"));
	/* address lines: UTF-8 letters of any script, at most 60 characters, one line */
	CHECK(ok(&ar, DF_LINE1, "Flat 2, 14 Te Ara o Tāwhaki"));
	CHECK(ok(&ar, DF_SUBURB, "Ōtāhuhu"));
	char line[LIMIT_ADDRESS_LINE_CHARS + 2];
	memset(line, 'a', sizeof(line));
	line[LIMIT_ADDRESS_LINE_CHARS] = '\0';
	CHECK(ok(&ar, DF_LINE2, line));
	line[LIMIT_ADDRESS_LINE_CHARS] = 'a';
	line[LIMIT_ADDRESS_LINE_CHARS + 1] = '\0';
	CHECK(!ok(&ar, DF_LINE2, line));
	CHECK(!ok(&ar, DF_LINE1, "1 Queen St\nLine two"));
	CHECK(!ok(&ar, DF_LINE1, "1 Queen St\x7f"));
	CHECK(!ok(&ar, DF_CITY, "Auckland\xc2\x85")); /* C1 control (NEL) */
	CHECK(!ok(&ar, DF_CITY, "\xff\xfe"));          /* not UTF-8 */
	CHECK(!ok(&ar, DF_CITY, "\xc0\xaf"));          /* overlong */
	CHECK(!ok(&ar, DF_CITY, "\xed\xa0\x80"));      /* a surrogate */
	/* postcodes */
	CHECK(ok(&ar, DF_POSTCODE, "1010"));
	CHECK(!ok(&ar, DF_POSTCODE, "101"));
	CHECK(!ok(&ar, DF_POSTCODE, "10a0"));
	/* an address needs its street line and its town once any part is given */
	struct contact_details in, out;
	const char *why[DF_COUNT];
	memset(&in, 0, sizeof(in));
	for (int i = 0; i < DF_COUNT; i++)
		in.field[i] = "";
	in.field[DF_POSTCODE] = "1010";
	CHECK(details_check(&in, &ar, &out, why) == 2);
	CHECK(why[DF_LINE1] != NULL && why[DF_CITY] != NULL && why[DF_POSTCODE] == NULL);
	in.field[DF_POSTCODE] = "";
	CHECK(details_check(&in, &ar, &out, why) == 0); /* nothing at all is fine */
	for (int i = 0; i < DF_COUNT; i++)
		CHECK(out.field[i] != NULL && out.field[i][0] == '\0');
	/* a proxy sees and changes them only with a grant for the whole record */
	CHECK(policy_proxy_covers(SCOPE_ALL, ACTION_DETAILS_UPDATE));
	CHECK(!policy_proxy_covers(SCOPE_ALL & ~SCOPE_MESSAGES, ACTION_DETAILS_UPDATE));
	CHECK(!policy_proxy_covers(SCOPE_DOCUMENTS, ACTION_DETAILS_UPDATE));
	CHECK(policy_proxy_covers(SCOPE_DOCUMENTS, ACTION_DOCUMENT_READ));
	CHECK(policy_proxy_covers(SCOPE_RESULTS, ACTION_PATIENT_READ));
	arena_release(&ar);
}
