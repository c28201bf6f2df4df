/*
 * libFuzzer harness: fhir_report_parse over a posted DiagnosticReport (JSON with its
 * Observations contained), and fhir_parse_datetime over its dates. Properties: on failure a
 * reason is given; on success there are 1..RESULT_MAX_OBSERVATIONS observations, each with a
 * code, a name and exactly one value, the strings are set and the dates are real.
 */
#define FUZZ_CRYPTO_JSON
#include "../harness.h"

#include "fhir/fhir_results.h"
#include "limits.h"
#include "util/arena.h"

static void touch(const char *s)
{
	if (s)
		(void)strlen(s);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *json = fuzz_cstr(data, size);
	if (json == NULL)
		return 0;
	/* The date parser on its own, over the raw bytes as one string. */
	int64_t t;
	if (strlen(json) == size && fhir_parse_datetime(json, &t) == 0 &&
	    (t < -2300000000LL || t > 7300000000LL))
		abort();
	struct arena a;
	arena_init(&a, LIMIT_ARENA_BYTES);
	struct result_new *r = malloc(sizeof(*r));
	const char *why = NULL;
	if (r && fhir_report_parse(json, size, &a, r, &why) == 0) {
		if (why != NULL || r->n_obs == 0 || r->n_obs > RESULT_MAX_OBSERVATIONS ||
		    r->accession == NULL || r->lab == NULL || r->collected == 0 || r->reported == 0)
			abort();
		touch(r->accession);
		touch(r->lab);
		touch(r->conclusion);
		for (size_t i = 0; i < r->n_obs; i++) {
			const struct observation *o = &r->obs[i];
			if (o->code == NULL || o->display == NULL || o->has_value == (o->value_text != NULL))
				abort();
			touch(o->code);
			touch(o->display);
			touch(o->value_text);
			touch(o->unit);
			touch(o->range_text);
			touch(o->note);
		}
	} else if (r && why == NULL) {
		abort();
	}
	free(r);
	arena_release(&a);
	free(json);
	return 0;
}
