#include <stdio.h>
/* The exfiltration breaker's bookkeeping: budgets per role, sliding windows, sticky trips. */
#include <string.h>

#include "test.h"
#include "vault/breaker.h"

static struct id mkid(int n)
{
	struct id x;
	memset(&x, 0, sizeof(x));
	x.b[0] = (uint8_t)n;
	x.b[1] = (uint8_t)(n >> 8);
	x.b[15] = 0xAB;
	return x;
}

void test_breaker(void)
{
	struct breaker_config c;
	breaker_defaults(&c);
	c.role[ROLE_PATIENT].other_patients = 3;
	c.role[ROLE_PATIENT].bytes = 10000;
	c.role[ROLE_CLINICIAN].other_patients = 50;
	c.misses = 5;
	c.miss_window_seconds = 60;
	c.window_seconds = 3600;
	breaker_configure(&c);
	int64_t t = 1000000;

	/* a patient reads their own record without limit on distinct patients */
	struct id acct = mkid(1), ses = mkid(2), self = mkid(3);
	for (int i = 0; i < 100; i++)
		CHECK(breaker_open(&acct, &ses, ROLE_PATIENT, &self, &self, 10, t) == BREAKER_OK);
	/* three other patients are within budget; the same one again costs nothing more */
	for (int p = 10; p < 13; p++) {
		struct id px = mkid(p);
		CHECK(breaker_open(&acct, &ses, ROLE_PATIENT, &self, &px, 1, t) == BREAKER_OK);
	}
	struct id p10 = mkid(10), p13 = mkid(13);
	CHECK(breaker_open(&acct, &ses, ROLE_PATIENT, &self, &p10, 1, t) == BREAKER_OK);
	/* the fourth trips, and it sticks, for the account and the session, whatever is asked */
	CHECK(breaker_open(&acct, &ses, ROLE_PATIENT, &self, &p13, 1, t) == BREAKER_TRIP);
	CHECK(breaker_open(&acct, &ses, ROLE_PATIENT, &self, &self, 1, t) == BREAKER_TRIPPED);
	CHECK(breaker_is_tripped(&acct, NULL));
	struct id other_session = mkid(4);
	CHECK(breaker_open(&acct, &other_session, ROLE_PATIENT, &self, &self, 1, t) == BREAKER_TRIPPED);

	/* bytes: past the budget within the window trips */
	struct id a2 = mkid(20), s2 = mkid(21), self2 = mkid(22);
	CHECK(breaker_open(&a2, &s2, ROLE_PATIENT, &self2, &self2, 9000, t) == BREAKER_OK);
	CHECK(breaker_open(&a2, &s2, ROLE_PATIENT, &self2, &self2, 2000, t + 1) == BREAKER_TRIP);
	/* ...but the same bytes spread over two and a half windows do not */
	struct id a3 = mkid(30), s3 = mkid(31), self3 = mkid(32);
	CHECK(breaker_open(&a3, &s3, ROLE_PATIENT, &self3, &self3, 9000, t) == BREAKER_OK);
	CHECK(breaker_open(&a3, &s3, ROLE_PATIENT, &self3, &self3, 2000, t + 9000) == BREAKER_OK);

	/* other patients seen long ago have left the window */
	struct id a4 = mkid(40), s4 = mkid(41), self4 = mkid(42);
	for (int p = 100; p < 103; p++) {
		struct id px = mkid(p);
		CHECK(breaker_open(&a4, &s4, ROLE_PATIENT, &self4, &px, 1, t) == BREAKER_OK);
	}
	struct id late = mkid(103);
	CHECK(breaker_open(&a4, &s4, ROLE_PATIENT, &self4, &late, 1, t + 4000) == BREAKER_OK);

	/* roles without clinical access trip on the first patient */
	struct id op = mkid(50), ops = mkid(51), px = mkid(52);
	CHECK(breaker_open(&op, &ops, ROLE_OPERATOR, NULL, &px, 1, t) == BREAKER_TRIP);

	/* a clinician's day: 50 patients fine, the 51st trips */
	struct id cl = mkid(60), cls = mkid(61);
	for (int p = 200; p < 250; p++) {
		struct id pp = mkid(p);
		CHECK(breaker_open(&cl, &cls, ROLE_CLINICIAN, NULL, &pp, 2000, t) == BREAKER_OK);
	}
	struct id p250 = mkid(250);
	CHECK(breaker_open(&cl, &cls, ROLE_CLINICIAN, NULL, &p250, 1, t) == BREAKER_TRIP);

	/* enumeration: the sixth miss within the minute trips */
	struct id en = mkid(70), ens = mkid(71);
	for (int i = 0; i < 5; i++)
		CHECK(breaker_miss(&en, &ens, ROLE_PATIENT, t + i) == BREAKER_OK);
	CHECK(breaker_miss(&en, &ens, ROLE_PATIENT, t + 5) == BREAKER_TRIP);
	CHECK(breaker_miss(&en, &ens, ROLE_PATIENT, t + 6) == BREAKER_TRIPPED);
	/* misses spread out do not */
	struct id slow = mkid(80), slows = mkid(81);
	for (int i = 0; i < 20; i++)
		CHECK(breaker_miss(&slow, &slows, ROLE_PATIENT, t + i * 100) == BREAKER_OK);

	/* configuration text */
	struct breaker_config parsed;
	breaker_defaults(&parsed);
	int line = 0;
	const char *text = "# budgets\nbreaker.patient.other_patients = 2\n\nbreaker.clinician.bytes=5\n"
			   "breaker.misses = 7 # comment\nother.setting = x\n";
	CHECK(breaker_parse_config(text, strlen(text), &parsed, &line) == 0);
	CHECK(parsed.role[ROLE_PATIENT].other_patients == 2 && parsed.role[ROLE_CLINICIAN].bytes == 5 &&
	      parsed.misses == 7);
	const char *bad = "breaker.patient.other_patients = 2\nbreaker.patient.colour = 3\n";
	CHECK(breaker_parse_config(bad, strlen(bad), &parsed, &line) != 0 && line == 2);
	/* other modules' lines may be long (an SMTP relay's URL); the breaker's lines still count */
	char longline[400];
	snprintf(longline, sizeof(longline), "smtp.url = smtps://user:%0200d@relay.example.nz:465\n"
		 "  breaker.misses = 9\n", 0);
	CHECK(breaker_parse_config(longline, strlen(longline), &parsed, &line) == 0 && parsed.misses == 9);
	const char *garbage = "not a setting\n";
	CHECK(breaker_parse_config(garbage, strlen(garbage), &parsed, &line) != 0);
	const char *neg = "breaker.misses = -1\n";
	CHECK(breaker_parse_config(neg, strlen(neg), &parsed, &line) != 0);
	breaker_defaults(&c);
	breaker_configure(&c);
}
