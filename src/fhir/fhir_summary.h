/*
 * FHIR R4 AllergyIntolerance, Condition, Immunization and vital-sign Observation: the health
 * summary (domain/summary.h, docs/internals/SUMMARY.md). Read and search by patient for those
 * who may read the summary; create (POST, and inside transaction Bundles) for a practice
 * system with the summary scope; the same mapping for `medkeep import` lines.
 */
#ifndef MEDKEEP_FHIR_SUMMARY_H
#define MEDKEEP_FHIR_SUMMARY_H
#include <jansson.h>
#include <stdbool.h>

#include "domain/summary.h"
#include "http/http.h"

/* Whether a parsed resource is one of the summary's: AllergyIntolerance, Condition,
 * Immunization, or an Observation whose category names vital-signs. */
bool fhir_summary_is(json_t *o);
/*
 * Map a parsed resource (outside input) onto an entry to file: everything but the patient,
 * whose reference (`patient` or `subject`, "Patient/{id}" as sent, copied into ar) is *subject, NULL
 * when there is none (the caller resolves it, or refuses). Strings are
 * copied into ar. 0, or -1 with *why naming the field (never its value). Fuzzed through
 * tests/fuzz/import_ndjson.
 */
int fhir_summary_from_json(json_t *o, struct arena *ar, struct summary_entry *out,
			   const char **subject, const char **why);

void fhir_allergy_search(struct request *req, struct response *res);
void fhir_allergy_read(struct request *req, struct response *res);
void fhir_condition_search(struct request *req, struct response *res);
void fhir_condition_read(struct request *req, struct response *res);
void fhir_immunization_search(struct request *req, struct response *res);
void fhir_immunization_read(struct request *req, struct response *res);
/* POST of each (a practice system with the summary scope); an Observation only of category
 * vital-signs (lab results come as DiagnosticReports). */
void fhir_allergy_create(struct request *req, struct response *res);
void fhir_condition_create(struct request *req, struct response *res);
void fhir_immunization_create(struct request *req, struct response *res);
void fhir_vital_create(struct request *req, struct response *res);
/* Observation?category=vital-signs and Observation/{id} of a vital sign (fhir_results.c asks
 * fhir_vitals_asked and hands these over). */
bool fhir_vitals_asked(struct request *req);
void fhir_vital_search(struct request *req, struct response *res);
void fhir_vital_read(struct request *req, struct response *res);

#endif
