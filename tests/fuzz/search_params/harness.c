/*
 * libFuzzer harness: the FHIR search-parameter parser (fhir_search_add, fhir_search_date,
 * fhir_search_codes; src/fhir/fhir_search.c) over a query string as a client sends it, split
 * on '&' and the first '=' (already decoded, as libmicrohttpd hands it over). The first byte
 * picks the resource type's spec. Each name and value is copied into a buffer of exactly its
 * size, so ASan catches any read past a length. Properties: the date ranges stay sorted,
 * disjoint, non-empty and within LIMIT_SEARCH_RANGES; the page size within the cap; the
 * applied list within LIMIT_SEARCH_PARAMS; the codes list framed by commas.
 */
#include "../harness.h"

#include "fhir/fhir_search.h"

#define MAX_PARTS 80

static const struct search_spec *const specs[] = {
	&fhir_docref_spec, &fhir_report_spec, &fhir_observation_spec, &fhir_communication_spec,
	&fhir_appointment_spec, &fhir_medreq_spec,
};

static void check_ranges(const struct store_ranges *r)
{
	if (!r->on)
		return;
	if (r->n > LIMIT_SEARCH_RANGES)
		abort();
	for (size_t i = 0; i < r->n; i++) {
		if (r->lo[i] >= r->hi[i])
			abort();
		if (i > 0 && r->lo[i] <= r->hi[i - 1])
			abort();
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size == 0)
		return 0;
	const struct search_spec *spec = specs[data[0] % (sizeof(specs) / sizeof(specs[0]))];
	data++;
	size--;
	static const char base[] = "https://portal.example/fhir/R4";
	struct fhir_search s;
	fhir_search_init(&s, base, sizeof(base) - 1);
	char *parts[2 * MAX_PARTS];
	size_t n_parts = 0, start = 0;
	for (size_t i = 0; i <= size && n_parts + 2 <= 2 * MAX_PARTS; i++) {
		if (i < size && data[i] != '&')
			continue;
		const uint8_t *kv = data + start;
		size_t len = i - start, eq = 0;
		while (eq < len && kv[eq] != '=')
			eq++;
		size_t vl = eq < len ? len - eq - 1 : 0;
		char *name = fuzz_copy(kv, eq);
		char *value = fuzz_copy(kv + (eq < len ? eq + 1 : len), vl);
		if (name == NULL || value == NULL) {
			free(name);
			free(value);
			break;
		}
		parts[n_parts++] = name;
		parts[n_parts++] = value;
		enum search_rc rc = fhir_search_add(&s, spec, name, eq, value, vl);
		if (rc != SEARCH_OK && s.bad == NULL)
			abort();
		start = i + 1;
	}
	check_ranges(&s.page.date);
	check_ranges(&s.page.updated);
	if (s.page.limit > LIMIT_SEARCH_COUNT_MAX || s.n_applied > LIMIT_SEARCH_PARAMS ||
	    s.n_code > LIMIT_SEARCH_OR)
		abort();
	char codes[LIMIT_SEARCH_VALUE];
	const char *c = fhir_search_codes(&s, spec, codes, sizeof(codes));
	if (c != NULL && (c[0] != ',' || c[strlen(c) - 1] != ','))
		abort();
	for (size_t i = 0; i < n_parts; i++)
		free(parts[i]);
	return 0;
}
