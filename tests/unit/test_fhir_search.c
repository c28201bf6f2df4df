/* The FHIR search-parameter parser (src/fhir/fhir_search.c): dates and their prefixes as
 * ranges, comma lists and repeated parameters, tokens, the cursor, the patient reference, and
 * refusals that name the parameter. */
#include <string.h>

#include "fhir/fhir_search.h"
#include "test.h"

static const char base[] = "https://portal.example/fhir/R4";
static const char pid[] = "0123456789abcdef0123456789abcdef";

static enum search_rc add(struct fhir_search *s, const char *k, const char *v)
{
	return fhir_search_add(s, &fhir_docref_spec, k, strlen(k), v, strlen(v));
}

static struct fhir_search fresh(void)
{
	struct fhir_search s;
	fhir_search_init(&s, base, sizeof(base) - 1);
	return s;
}

void test_fhir_search(void)
{
	int64_t lo, hi;
	const int64_t jan1 = 1704067200; /* 2024-01-01T00:00:00Z */
	CHECK(fhir_search_date("2024", 4, &lo, &hi) == 0 && lo == jan1 && hi == jan1 + 366 * 86400);
	CHECK(fhir_search_date("2024-02", 7, &lo, &hi) == 0 && lo == jan1 + 31 * 86400 &&
	      hi == jan1 + 60 * 86400);
	CHECK(fhir_search_date("2024-12", 7, &lo, &hi) == 0 && hi == jan1 + 366 * 86400);
	CHECK(fhir_search_date("2024-01-02", 10, &lo, &hi) == 0 && lo == jan1 + 86400);
	CHECK(fhir_search_date("2024-01-01T12:00", 16, &lo, &hi) == 0 && lo == jan1 + 43200 &&
	      hi == lo + 60);
	CHECK(fhir_search_date("2024-01-01T12:00:05.5+12:00", 27, &lo, &hi) == 0 && lo == jan1 + 5 &&
	      hi == lo + 1);
	CHECK(fhir_search_date("2023-02-29", 10, &lo, &hi) != 0);
	CHECK(fhir_search_date("2024-13", 7, &lo, &hi) != 0);
	CHECK(fhir_search_date("2024-01-01T25:00", 16, &lo, &hi) != 0);
	CHECK(fhir_search_date("2024-01-01T12:00Zx", 18, &lo, &hi) != 0);
	/* only the given length is read */
	CHECK(fhir_search_date("2024-01-01", 7, &lo, &hi) == 0 && lo == jan1);

	struct fhir_search s = fresh();
	CHECK(add(&s, "patient", pid) == SEARCH_OK && s.has_patient && !s.patient_bad);
	CHECK(add(&s, "date", "ge2024-01-01") == SEARCH_OK);
	CHECK(add(&s, "date", "lt2024-02,2024-03-05") == SEARCH_OK);
	/* [2024-01-01, 2024-02-01) only: the comma list's March day is outside ge..., and the
	 * intersection keeps January */
	CHECK(s.page.date.on && s.page.date.n == 2);
	CHECK(s.page.date.lo[0] == jan1 && s.page.date.hi[0] == jan1 + 31 * 86400);
	CHECK(s.page.date.lo[1] == jan1 + 64 * 86400 && s.page.date.hi[1] == jan1 + 65 * 86400);
	CHECK(add(&s, "date", "ne2024-01") == SEARCH_OK && s.page.date.n == 1 &&
	      s.page.date.lo[0] == jan1 + 64 * 86400);
	CHECK(add(&s, "date", "gt2030") == SEARCH_OK && s.page.date.on && s.page.date.n == 0);
	CHECK(add(&s, "date", "sa2024") == SEARCH_INVALID && s.bad_len == 4 &&
	      memcmp(s.bad, "date", 4) == 0);

	s = fresh();
	CHECK(add(&s, "type", "http://loinc.org|18842-5,57133-1") == SEARCH_OK);
	char codes[LIMIT_SEARCH_VALUE];
	const char *c = fhir_search_codes(&s, &fhir_docref_spec, codes, sizeof(codes));
	CHECK(c && strcmp(c, ",discharge-summary,referral-letter,") == 0);
	CHECK(add(&s, "category", "clinical-letter") == SEARCH_OK);
	c = fhir_search_codes(&s, &fhir_docref_spec, codes, sizeof(codes));
	CHECK(c && strcmp(c, ",") == 0); /* nothing both: matches no row */
	CHECK(add(&s, "type", "") == SEARCH_INVALID);
	s = fresh();
	CHECK(fhir_search_codes(&s, &fhir_docref_spec, codes, sizeof(codes)) == NULL);

	s = fresh();
	CHECK(add(&s, "_count", "9999") == SEARCH_OK && s.page.limit == LIMIT_SEARCH_COUNT_MAX);
	CHECK(add(&s, "_count", "0") == SEARCH_OK && s.summary_count);
	CHECK(add(&s, "_count", "-1") == SEARCH_INVALID);
	CHECK(add(&s, "_sort", "date") == SEARCH_OK && !s.page.desc && s.page.sort == STORE_SORT_DATE);
	CHECK(add(&s, "_sort", "-_lastUpdated") == SEARCH_OK && s.page.desc &&
	      s.page.sort == STORE_SORT_UPDATED);
	CHECK(add(&s, "_sort", "title") == SEARCH_INVALID);
	CHECK(add(&s, "_total", "none") == SEARCH_OK && s.total_none);
	CHECK(add(&s, "_summary", "text") == SEARCH_INVALID);
	CHECK(add(&s, "_elements", "id") == SEARCH_UNKNOWN && s.bad_len == 9);

	/* the cursor: a position, nothing more */
	s = fresh();
	CHECK(add(&s, "_cursor", "n1704067200.0123456789abcdef0123456789abcdef") == SEARCH_OK);
	CHECK(s.page.after && s.page.after_t == jan1 && !s.cursor_prev);
	CHECK(add(&s, "_cursor", "p-5.0123456789abcdef0123456789abcdef") == SEARCH_OK &&
	      s.cursor_prev && s.page.after_t == -5);
	CHECK(add(&s, "_cursor", "n5.0123456789abcdef0123456789abcdeg") == SEARCH_INVALID);
	CHECK(add(&s, "_cursor", "q5.0123456789abcdef0123456789abcdef") == SEARCH_INVALID);
	CHECK(add(&s, "_cursor", "n.0123456789abcdef0123456789abcdef") == SEARCH_INVALID);
	CHECK(s.n_applied == 0); /* never in the self link */

	/* the patient: id, Patient/id, [base]/Patient/id of this server only */
	s = fresh();
	CHECK(add(&s, "patient", "Patient/0123456789abcdef0123456789abcdef") == SEARCH_OK &&
	      !s.patient_bad);
	s = fresh();
	CHECK(add(&s, "patient", "https://portal.example/fhir/R4/Patient/0123456789abcdef0123456789abcdef") ==
		      SEARCH_OK &&
	      !s.patient_bad);
	s = fresh();
	CHECK(add(&s, "patient", "https://other.example/fhir/R4/Patient/0123456789abcdef0123456789abcdef") ==
		      SEARCH_OK &&
	      s.patient_bad);
	CHECK(add(&s, "patient", pid) == SEARCH_INVALID); /* once */
	s = fresh();
	CHECK(add(&s, "patient", "nope") == SEARCH_OK && s.patient_bad);

	/* subject is the patient where FHIR names it so (not on Appointment), and once */
	s = fresh();
	CHECK(add(&s, "subject", "Patient/0123456789abcdef0123456789abcdef") == SEARCH_OK &&
	      s.has_patient && !s.patient_bad && memcmp(s.applied[0].name, "subject", 7) == 0);
	CHECK(add(&s, "patient", pid) == SEARCH_INVALID);
	s = fresh();
	CHECK(add(&s, "subject", "Group/0123456789abcdef0123456789abcdef") == SEARCH_OK && s.patient_bad);
	s = fresh();
	CHECK(fhir_search_add(&s, &fhir_appointment_spec, "subject", 7, pid, strlen(pid)) == SEARCH_UNKNOWN);

	/* _sort by the type's own names: its date parameter; never issued (a report's last change,
	 * _lastUpdated, is its release too, not when it was issued) */
	s = fresh();
	CHECK(fhir_search_add(&s, &fhir_communication_spec, "_sort", 5, "-sent", 5) == SEARCH_OK &&
	      s.page.desc && s.page.sort == STORE_SORT_DATE);
	CHECK(fhir_search_add(&s, &fhir_medreq_spec, "_sort", 5, "authoredon", 10) == SEARCH_OK &&
	      !s.page.desc && s.page.sort == STORE_SORT_DATE);
	CHECK(fhir_search_add(&s, &fhir_report_spec, "_sort", 5, "-issued", 7) == SEARCH_INVALID);
	CHECK(fhir_search_add(&s, &fhir_observation_spec, "_sort", 5, "issued", 6) == SEARCH_INVALID);
	CHECK(fhir_search_add(&s, &fhir_report_spec, "_sort", 5, "-_lastUpdated", 13) == SEARCH_OK &&
	      s.page.desc && s.page.sort == STORE_SORT_UPDATED);
	CHECK(add(&s, "_sort", "issued") == SEARCH_INVALID); /* not a DocumentReference name */
	CHECK(add(&s, "_sort", "-sent") == SEARCH_INVALID);
	CHECK(add(&s, "_sort", "-date,_id") == SEARCH_INVALID); /* one key */

	/* Observation has no count to give */
	s = fresh();
	CHECK(fhir_search_add(&s, &fhir_observation_spec, "_summary", 8, "count", 5) == SEARCH_INVALID);
	CHECK(fhir_search_add(&s, &fhir_observation_spec, "_count", 6, "00", 2) == SEARCH_INVALID);
	CHECK(fhir_search_add(&s, &fhir_observation_spec, "_count", 6, "10", 2) == SEARCH_OK &&
	      !s.summary_count && s.page.limit == 10);
	CHECK(fhir_search_add(&s, &fhir_observation_spec, "code", 4, "http://loinc.org|4548-4,2160-0",
			      30) == SEARCH_OK &&
	      s.has_code && s.n_code == 2 && s.code[1].value_len == 6);
}
