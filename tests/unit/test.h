/* A tiny test harness: CHECK records a pass or a failure with its location. */
#ifndef MEDKEEP_TEST_H
#define MEDKEEP_TEST_H
#include <stdio.h>

extern int test_passed, test_failed;

#define CHECK(cond)                                                                        \
	do {                                                                               \
		if (cond) {                                                                \
			test_passed++;                                                     \
		} else {                                                                   \
			test_failed++;                                                     \
			fprintf(stderr, "FAIL %s:%d: %s\n", __FILE__, __LINE__, #cond);    \
		}                                                                          \
	} while (0)

void test_crypto(void);
void test_conditional(void);
void test_nhi(void);
void test_policy(void);
void test_audit(void);
void test_parse(void);
void test_html(void);
void test_breaker(void);
void test_keys(void);
void test_checkpoint(void);
void test_careplan(void);
void test_nztime(void);
void test_text(void);
void test_ics(void);
void test_pwrules(void);
void test_mail_lane(void);
void test_arena(void);
void test_key_batch(void);
void test_webauthn(void);
void test_results(void);
void test_inbox(void);
void test_accesslog_fold(void);
void test_register(void);
void test_details(void);
void test_proxies(void);
void test_unlock(void);
void test_tokens(void);
void test_route_access(void);
void test_hl7(void);
void test_feeds(void);
void test_jws(void);
void test_apps(void);
void test_mllp_listener(void);
void test_ingest(void);

void test_import(void);
void test_summary(void);
void test_notify(void);
void test_fhir_search(void);
void test_pg_url(void);
void test_pg_sql(void);

#endif
