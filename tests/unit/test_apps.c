/* Apps' scopes (src/auth/apps.c), granted leniently (RFC 6749 3.3): of each patient/ scope the
 * reads it holds, v1 and v2 alike, a v2 query as its whole type (the consent page names the
 * type), online_access and offline_access as the refresh token asked for; and the string the
 * token endpoint answers says exactly what was granted. */
#include <string.h>

#include "auth/apps.h"
#include "test.h"

static unsigned parse(const char *s)
{
	return apps_parse_scope(s, strlen(s));
}

/* The scope string for bits parses back to the same bits. */
static int round_trip(unsigned bits, char *out, size_t max)
{
	struct arena a;
	arena_init(&a, 4096);
	struct buf b;
	buf_init(&b, &a, 2048);
	apps_scope_string(bits, &b);
	const char *s = buf_cstr(&b);
	int ok = s != NULL && apps_parse_scope(s, strlen(s)) == bits;
	if (s != NULL && out != NULL)
		snprintf(out, max, "%s", s);
	arena_release(&a);
	return ok;
}

void test_apps(void)
{
	/* v1 and v2 reads, and every type */
	CHECK(parse("patient/*.read") == APP_SCOPE_ALL);
	CHECK(parse("patient/*.*") == APP_SCOPE_ALL);
	CHECK(parse("patient/*.cruds") == APP_SCOPE_ALL);
	CHECK(parse("patient/*.rs") == APP_SCOPE_ALL);
	CHECK(parse("patient/*.r") == APP_SCOPE_ALL);
	CHECK(parse("patient/*.s") == APP_SCOPE_ALL);
	CHECK(parse("patient/Observation.rs") == SCOPE_RESULTS);
	CHECK(parse("patient/Binary.read") == SCOPE_DOCUMENTS);
	CHECK(parse("patient/Patient.r") == APP_SCOPE_PATIENT);
	/* writes are never granted, and grant nothing else */
	CHECK(parse("patient/*.write") == 0);
	CHECK(parse("patient/*.cud") == 0);
	CHECK(parse("patient/Observation.c") == 0);
	/* v2 letters out of cruds order, repeated or unknown are not scopes */
	CHECK(parse("patient/*.sr") == 0);
	CHECK(parse("patient/*.rr") == 0);
	CHECK(parse("patient/*.x") == 0);
	CHECK(parse("patient/*.") == 0);
	CHECK(parse("patient/Observation") == 0);
	/* a v2 query: its whole type (what the consent page shows); never on v1 names */
	CHECK(parse("patient/Observation.rs?category=http://terminology.hl7.org/CodeSystem/"
		    "observation-category|laboratory") == SCOPE_RESULTS);
	CHECK(parse("patient/Observation.rs?category=laboratory") == SCOPE_RESULTS);
	CHECK(parse("patient/Observation.rs?") == 0);
	CHECK(parse("patient/Observation.read?category=laboratory") == 0);
	CHECK(parse("patient/Observation.*?category=laboratory") == 0);
	/* not for apps: user/, system/, unknown types; ignored beside what is granted */
	CHECK(parse("user/*.read system/*.read launch") == 0);
	/* OpenID Connect: granted as asked (fhirUser only with openid: apps_authorize_check) */
	CHECK(parse("openid fhirUser") == (APP_SCOPE_OPENID | APP_SCOPE_FHIRUSER));
	/* the health summary is one part: any of its three types grants it */
	CHECK(parse("patient/Condition.rs") == SCOPE_SUMMARY);
	CHECK(parse("patient/AllergyIntolerance.read") == SCOPE_SUMMARY);
	CHECK(parse("patient/Immunization.c") == 0);
	CHECK(parse("patient/Encounter.rs") == 0);
	CHECK(parse("launch/patient patient/Appointment.rs user/*.read") == SCOPE_APPOINTMENTS);
	/* refresh tokens */
	CHECK(parse("offline_access") == APP_SCOPE_OFFLINE);
	CHECK(parse("online_access") == APP_SCOPE_ONLINE);
	CHECK(parse("patient/*.rs offline_access") == (APP_SCOPE_ALL | APP_SCOPE_OFFLINE));
	CHECK(parse("offline_accesss online") == 0);
	/* too long a token, or a string over the cap: nothing */
	char longer[APP_SCOPE_TOKEN_MAX + 40];
	snprintf(longer, sizeof(longer), "patient/Observation.rs?category=%0*d", APP_SCOPE_TOKEN_MAX, 1);
	CHECK(parse(longer) == 0);

	/* what the token endpoint says is what was granted */
	char s[512];
	CHECK(round_trip(SCOPE_RESULTS, s, sizeof(s)));
	CHECK(strcmp(s, "launch/patient patient/DiagnosticReport.read patient/Observation.read") == 0);
	CHECK(round_trip(APP_SCOPE_PATIENT | APP_SCOPE_OFFLINE, s, sizeof(s)));
	CHECK(strcmp(s, "launch/patient patient/Patient.read offline_access") == 0);
	CHECK(round_trip(APP_SCOPE_ALL | APP_SCOPE_ONLINE, s, sizeof(s)));
	CHECK(strstr(s, " online_access") != NULL && strstr(s, "offline") == NULL);
	CHECK(round_trip(APP_SCOPE_ALL, NULL, 0));
	CHECK(round_trip(APP_SCOPE_PATIENT | APP_SCOPE_OPENID | APP_SCOPE_FHIRUSER, s, sizeof(s)));
	CHECK(strcmp(s, "launch/patient patient/Patient.read openid fhirUser") == 0);
}
