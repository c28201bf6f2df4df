/* HL7 v2 feeds (docs/internals/FEEDS.md): which names and sending facilities the register
 * takes. A facility is compared byte for byte with MSH-4, so it must be exactly what a sender
 * can write there, and a name must keep the list one tab-separated line per feed. */
#include <string.h>

#include "domain/feeds.h"
#include "limits.h"
#include "test.h"

static void names(void)
{
	char longest[LIMIT_FEED_NAME + 2];
	memset(longest, 'a', sizeof(longest));
	longest[LIMIT_FEED_NAME] = '\0';
	CHECK(feeds_name_problem("Demo Community Laboratory") == NULL);
	CHECK(feeds_name_problem("Laboratoire Pasteur – Tāmaki") == NULL); /* UTF-8 is fine */
	CHECK(feeds_name_problem(longest) == NULL);
	longest[LIMIT_FEED_NAME] = 'a';
	longest[LIMIT_FEED_NAME + 1] = '\0';
	CHECK(feeds_name_problem(longest) != NULL);
	CHECK(feeds_name_problem("") != NULL);
	CHECK(feeds_name_problem(NULL) != NULL);
	CHECK(feeds_name_problem("Lab\tOne") != NULL);
	CHECK(feeds_name_problem("Lab\nOne") != NULL);
	CHECK(feeds_name_problem("Lab\x7fOne") != NULL);
}

static void facilities(void)
{
	char longest[LIMIT_FEED_FACILITY + 2];
	memset(longest, 'F', sizeof(longest));
	longest[LIMIT_FEED_FACILITY] = '\0';
	CHECK(feeds_facility_problem("DEMOLAB") == NULL);
	CHECK(feeds_facility_problem("Demo Lab^2.16.840.1.113883.2.18.66^ISO") == NULL);
	CHECK(feeds_facility_problem(longest) == NULL);
	longest[LIMIT_FEED_FACILITY] = 'F';
	longest[LIMIT_FEED_FACILITY + 1] = '\0';
	CHECK(feeds_facility_problem(longest) != NULL);
	CHECK(feeds_facility_problem("") != NULL);
	CHECK(feeds_facility_problem(NULL) != NULL);
	CHECK(feeds_facility_problem(" DEMOLAB") != NULL);
	CHECK(feeds_facility_problem("DEMOLAB ") != NULL);
	CHECK(feeds_facility_problem("DEMO|LAB") != NULL);
	CHECK(feeds_facility_problem("DEMO~LAB") != NULL);
	CHECK(feeds_facility_problem("DEMO\\LAB") != NULL);
	CHECK(feeds_facility_problem("DEMO&LAB") != NULL);
	CHECK(feeds_facility_problem("DEMO\tLAB") != NULL);
	CHECK(feeds_facility_problem("DÉMOLAB") != NULL);
}

void test_feeds(void)
{
	names();
	facilities();
}
