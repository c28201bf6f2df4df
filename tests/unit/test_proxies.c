/* Proxy access rules that need no server: how an actor reaches a record (the audit's via),
 * who may set up a child's access, the end date and the child's age, and the audit hash with
 * and without a via. */
#include <string.h>

#include "audit/audit.h"
#include "domain/proxies.h"
#include "limits.h"
#include "policy/policy.h"
#include "test.h"

static void via_checks(void)
{
	struct id own, other;
	memset(&own, 1, sizeof(own));
	memset(&other, 2, sizeof(other));
	struct actor patient = {.role = ROLE_PATIENT, .has_patient = true, .patient = own};
	struct actor carer = {.role = ROLE_PATIENT}; /* an account with no record of its own */
	struct actor clinician = {.role = ROLE_CLINICIAN, .has_practice = true, .mfa = true};
	CHECK(policy_via(&patient, &own) == VIA_SELF);
	CHECK(policy_via(&patient, &other) == VIA_PROXY);
	CHECK(policy_via(&carer, &own) == VIA_PROXY);
	CHECK(policy_via(&clinician, &own) == VIA_STAFF);
	CHECK(strcmp(grant_via_name(VIA_SELF), "self") == 0);
	CHECK(strcmp(grant_via_name(VIA_PROXY), "proxy") == 0);
	CHECK(strcmp(grant_via_name(VIA_STAFF), "staff") == 0);
	CHECK(strcmp(grant_via_name(VIA_LOCAL), "local") == 0);
	/* only a clinician with a second factor sets up a child's access for the practice */
	CHECK(policy_may_grant_for_child(&clinician));
	clinician.mfa = false;
	CHECK(!policy_may_grant_for_child(&clinician));
	CHECK(!policy_may_grant_for_child(&patient));
	struct actor admin = {.role = ROLE_PRACTICE_ADMIN, .has_practice = true, .mfa = true};
	CHECK(!policy_may_grant_for_child(&admin));
	CHECK(!policy_may_grant_for_child(NULL));
	/* a proxy never grants onward: the gate's scope for it is none */
	CHECK(policy_proxy_scope_for(ACTION_PROXY_GRANT) == 0);
	CHECK(policy_proxy_scope_for(ACTION_PROXY_LIST) == 0);
	CHECK(policy_proxy_scope_for(ACTION_PROXY_REVOKE) == 0);
}

static void date_checks(void)
{
	/* a day ends at the next midnight in New Zealand: 1 Jan 2026 ends at 2 Jan 00:00 NZDT,
	 * 11:00 UTC on 1 Jan; 1 Jul 2026 at 2 Jul 00:00 NZST, 12:00 UTC on 1 Jul */
	CHECK(proxy_date_end("2026-01-01") == 1767225600 + 11 * 3600);
	CHECK(proxy_date_end("2026-07-01") == 1782864000 + 12 * 3600);
	/* the day the clocks go forward (27 Sep 2026) is 23 hours long, and ends at 11:00 UTC */
	CHECK(proxy_date_end("2026-09-27") - proxy_date_end("2026-09-26") == 23 * 3600);
	CHECK(proxy_date_end("2024-02-29") > 0);
	CHECK(proxy_date_end("2025-02-29") == -1); /* not a leap year */
	CHECK(proxy_date_end("2026-13-01") == -1);
	CHECK(proxy_date_end("2026-1-01") == -1);
	CHECK(proxy_date_end("2026-01-01x") == -1);
	CHECK(proxy_date_end("") == -1);
	CHECK(proxy_date_end(NULL) == -1);
	int64_t now = 1795000000; /* 18 Nov 2026 11:06 UTC: Thu 19 Nov 00:06 in New Zealand */
	CHECK(proxy_age_years("2010-11-18", now) == 16);
	CHECK(proxy_age_years("2010-11-19", now) == 16); /* the birthday has come in New Zealand */
	CHECK(proxy_age_years("2010-11-20", now) == 15); /* a 16th birthday tomorrow */
	CHECK(proxy_age_years("2018-08-23", now) == 8);
	CHECK(proxy_age_years("1977-06-01", now) == 49);
	CHECK(proxy_age_years("2030-01-01", now) == -1);
	CHECK(proxy_age_years("not a date", now) == -1);
}

static void hash_checks(void)
{
	struct audit_record r;
	memset(&r, 0, sizeof(r));
	snprintf(r.actor, sizeof(r.actor), "a");
	snprintf(r.action, sizeof(r.action), "document.read");
	uint8_t plain[HASH_BYTES], with_via[HASH_BYTES], other_via[HASH_BYTES];
	audit_record_hash(&r, plain);
	snprintf(r.via, sizeof(r.via), "proxy");
	audit_record_hash(&r, with_via);
	snprintf(r.via, sizeof(r.via), "self");
	audit_record_hash(&r, other_via);
	/* a via is covered by the hash; a record without one hashes as before audit migration 3 */
	CHECK(memcmp(plain, with_via, HASH_BYTES) != 0);
	CHECK(memcmp(with_via, other_via, HASH_BYTES) != 0);
	r.via[0] = '\0';
	uint8_t again[HASH_BYTES];
	audit_record_hash(&r, again);
	CHECK(memcmp(plain, again, HASH_BYTES) == 0);
}

/* The granter's name in the grantee's email: a label, never a link or a message. */
static void label_checks(void)
{
	static const char *const good[] = {
		"Mum", "Sam Walker", "Aroha Te Rangi", "J. R. Smith", "Mary-Jane O'Neill",
		"Sam (your carer)", "Ng\xc4\x81 Tama", /* Ngā, a macron */ "\xe7\x8e\x8b\xe5\xb0\x8f\xe6\x98\x8e",
		"Zo\xc3\xab", "Smith, Jo", "Jo Smith.",
	};
	static const char *const bad[] = {
		"", " Mum", "Mum ", "Sam  Walker", "evil.com", "Mum www.evil.example",
		"https://evil.example/reset", "Mum http:evil", "mum@evil.example", "Mum: call 0800 123 456",
		"Mum\nClick here", "Mum\tx", "a/b", "Mum <b>", "Visit evil\xe3\x80\x82" "com", /* U+3002 */
		"evil\xef\xbc\x8e" "com", /* U+FF0E fullwidth full stop */ "evil\xe2\x80\xa4" "com", /* U+2024 */
		"Mum\xe2\x80\xae" "moc.live", /* U+202E right-to-left override */ "Mum\xc2\x85", /* C1 NEL */
		"\xc0\xae", /* overlong '.' */ "Mum\xed\xa0\x80", /* a surrogate */ "Mum\xe2\x80", /* cut */
		"(", "- -", "Mum\xe2\x80\x8b", /* zero-width space */ "1234",
		"Aaaaaaaaaa Bbbbbbbbbb Cccccccccc Dddddddddd Eeeeeeeeee Ffffffffff", /* 65 chars */
	};
	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++)
		CHECK(proxy_label_ok(good[i]));
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		CHECK(!proxy_label_ok(bad[i]));
	CHECK(!proxy_label_ok(NULL));
	/* the length is counted in characters: 60 two-byte letters pass, 61 do not */
	char l[2 * LIMIT_LABEL_CHARS + 3];
	for (size_t i = 0; i < LIMIT_LABEL_CHARS; i++)
		memcpy(l + 2 * i, "\xc4\x81", 2);
	l[2 * LIMIT_LABEL_CHARS] = '\0';
	CHECK(proxy_label_ok(l));
	memcpy(l + 2 * LIMIT_LABEL_CHARS, "\xc4\x81", 3);
	CHECK(!proxy_label_ok(l));
}

/* A held record's heading names the person by the first of their given names only; the
 * practice's reasons for ending access are a fixed list of codes, each with a label. */
static void naming_checks(void)
{
	struct arena ar;
	arena_init(&ar, LIMIT_ACCOUNT_ARENA);
	CHECK(strcmp(patient_first_name("Nikau", &ar), "Nikau") == 0);
	CHECK(strcmp(patient_first_name("Nikau James", &ar), "Nikau") == 0);
	CHECK(strcmp(patient_first_name("  Aroha", &ar), "Aroha") == 0);
	CHECK(strcmp(patient_first_name("", &ar), "") == 0);
	CHECK(strcmp(patient_first_name(NULL, &ar), "") == 0);
	size_t n = 0;
	for (; proxy_end_reason_at(n) != NULL; n++) {
		const struct proxy_end_reason *r = proxy_end_reason_at(n);
		CHECK(r->code[0] != '\0' && r->label[0] != '\0');
		CHECK(strspn(r->code, "abcdefghijklmnopqrstuvwxyz-") == strlen(r->code)); /* no free text */
	}
	CHECK(n == 5);
	arena_release(&ar);
}

void test_proxies(void)
{
	label_checks();
	via_checks();
	date_checks();
	naming_checks();
	hash_checks();
}
