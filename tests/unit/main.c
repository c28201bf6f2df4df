#include <stdio.h>
#include <stdlib.h>

#include "crypto/crypto.h"
#include "test.h"
#include "util/log.h"
#include "util/nztime.h"

int test_passed, test_failed;

static const struct {
	const char *name;
	void (*fn)(void);
} suites[] = {
	{"crypto", test_crypto}, {"nhi", test_nhi},     {"policy", test_policy},
	{"audit", test_audit},   {"parse", test_parse}, {"html", test_html},
	{"breaker", test_breaker}, {"keys", test_keys},   {"checkpoint", test_checkpoint},
	{"careplan", test_careplan}, {"nztime", test_nztime}, {"text", test_text},
	{"pwrules", test_pwrules}, {"maillane", test_mail_lane},
	{"keybatch", test_key_batch},
	{"webauthn", test_webauthn},
	{"results", test_results},
	{"inbox", test_inbox}, {"accesslog", test_accesslog_fold},
	{"proxies", test_proxies},
	{"unlock", test_unlock},
	{"tokens", test_tokens},
	{"arena", test_arena},
	{"routes", test_route_access},
	{"hl7", test_hl7},
	{"feeds", test_feeds},
	{"register", test_register},
	{"details", test_details},
	{"jws", test_jws},
	{"apps", test_apps},
	{"mllp", test_mllp_listener},
	{"ingest", test_ingest},
	{"import", test_import},
	{"summary", test_summary},
	{"notify", test_notify},
	{"fhir_search", test_fhir_search},
	{"conditional", test_conditional},
	{"ics", test_ics},
	{"pg_url", test_pg_url},
	{"pg_sql", test_pg_sql},
};

int main(void)
{
	crypto_setup();
	log_set_quiet(1);
	const char *why = NULL;
	if (nz_time_init(&why) != 0) {
		fprintf(stderr, "unit-tests: %s\n", why);
		return 1;
	}
	for (size_t i = 0; i < sizeof(suites) / sizeof(suites[0]); i++) {
		int before = test_failed, pb = test_passed;
		suites[i].fn();
		printf("unit %-8s %d checks, %d failed\n", suites[i].name,
		       test_passed - pb + test_failed - before, test_failed - before);
	}
	printf("unit: %d passed, %d failed\n", test_passed, test_failed);
	return test_failed ? 1 : 0;
}
