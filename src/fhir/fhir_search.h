/*
 * FHIR search parameters (docs/internals/SEARCH.md): what each resource type accepts, and a
 * parser that takes one parameter at a time as (name, length, value, length), allocates
 * nothing, and fills a struct fhir_search that the resource files turn into a store page.
 * Fuzzed by tests/fuzz/search_params.
 */
#ifndef MEDKEEP_FHIR_SEARCH_H
#define MEDKEEP_FHIR_SEARCH_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "limits.h"
#include "store/page.h"
#include "util/id.h"

/* A code a token parameter knows: `system|code` (or `code` alone, any system) stands for the
 * rows whose clear value is one of mask's bits (struct search_spec.values). */
struct search_code {
	const char *system;
	const char *code;
	uint32_t mask;
};

enum search_param_kind {
	SP_DATE,  /* the type's date (date, sent): prefixes eq ne gt lt ge le, comma lists */
	SP_TOKEN, /* a token with known codes (codes, n_codes) */
	SP_CODE,  /* a token of any code, kept in fhir_search.code for the resource file */
};

struct search_param {
	const char *name;
	enum search_param_kind kind;
	const struct search_code *codes;
	size_t n_codes;
	const char *doc; /* what it matches, for the CapabilityStatement */
};

/* What one resource type's search accepts. Every type takes patient, _format and (paged types)
 * _count, _sort, _summary=count, _total, _lastUpdated and the cursor; then its params. */
struct search_spec {
	const char *type;
	const struct search_param *params;
	size_t n_params;
	/* The clear values the store filters on (kinds, statuses), one bit each; NULL: none. */
	const char *const *values;
	size_t n_values;
	const char *updated_doc; /* what _lastUpdated is for this type */
	/* FHIR names the type's patient `subject` too (every type here but Appointment):
	 * subject=Patient/{id} is taken as patient=, as clients send either. */
	bool subject;
	/* Another name _sort takes for _lastUpdated: the FHIR parameter it is for this type
	 * (issued, for results); NULL: none. The type's SP_DATE parameter sorts as date. */
	const char *sort_updated;
	/* Set when the type is paged by another's rows (Observation by its DiagnosticReport):
	 * no total and no _summary=count, as its own rows are counted only once opened. */
	const char *pages_of;
};

struct search_kv {
	const char *name;
	size_t name_len;
	const char *value;
	size_t value_len;
};

struct fhir_search {
	const char *base; /* an absolute patient reference must name it */
	size_t base_len;
	bool has_patient;
	bool patient_bad; /* not an id, or another server's reference: answered as not found */
	struct id patient;
	struct store_page page; /* the filters, order, cursor and page size for the store */
	bool cursor_prev;       /* the cursor is a previous link's: read backwards from it */
	uint32_t mask;          /* the clear values still allowed (all bits: no condition) */
	bool summary_count;
	bool total_none;
	size_t n_code; /* SP_CODE values, ORed; has_code with n_code 0 matches nothing */
	bool has_code;
	struct search_kv code[LIMIT_SEARCH_OR]; /* name: the system or NULL; value: the code */
	/* The parameters applied, as given, for the self link (the cursor aside). */
	size_t n_applied;
	struct search_kv applied[LIMIT_SEARCH_PARAMS];
	/* When a parameter was refused: its name, and why. */
	const char *bad;
	size_t bad_len;
	const char *why;
};

enum search_rc {
	SEARCH_OK,
	SEARCH_UNKNOWN, /* not a parameter of this type */
	SEARCH_INVALID, /* its value cannot be read (why says how) */
};

/* Start a search of spec's type; base is the server's FHIR base ("https://host/fhir/R4"),
 * which an absolute patient reference must name. */
void fhir_search_init(struct fhir_search *s, const char *base, size_t base_len);
/* Apply one parameter (not NUL-terminated, already percent-decoded). The slices are kept
 * in s (applied, code): they must outlive it. */
enum search_rc fhir_search_add(struct fhir_search *s, const struct search_spec *spec,
			       const char *name, size_t name_len, const char *value,
			       size_t value_len);
/* A date (YYYY, YYYY-MM, YYYY-MM-DD or a dateTime with seconds optional and a zone, or none
 * for UTC) as the range [lo, hi) of seconds its precision covers. 0 or -1. */
int fhir_search_date(const char *s, size_t n, int64_t *lo, int64_t *hi);
/* The store's codes list (",a,b,") of s->mask over spec's values into out (cap bytes); NULL
 * when every value is allowed. */
const char *fhir_search_codes(const struct fhir_search *s, const struct search_spec *spec,
			      char *out, size_t cap);

/* The specs of each type's search (in its fhir_PART.c), for the fuzzer as for the handlers. */
extern const struct search_spec fhir_docref_spec;
extern const struct search_spec fhir_communication_spec;
extern const struct search_spec fhir_report_spec;
extern const struct search_spec fhir_appointment_spec;
extern const struct search_spec fhir_observation_spec;
extern const struct search_spec fhir_medreq_spec;
extern const struct search_spec fhir_slot_spec; /* paging only: its own parameters are read apart */

#endif
