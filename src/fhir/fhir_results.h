/*
 * FHIR R4 DiagnosticReport and Observation (lab results) over the results services: search by
 * patient, read by id, and filing a report with its observations contained (POST
 * DiagnosticReport). A result not yet released is answered exactly like one that does not
 * exist, for patients and proxies, by every interaction.
 */
#ifndef MEDKEEP_FHIR_RESULTS_H
#define MEDKEEP_FHIR_RESULTS_H
#include <jansson.h>
#include <stddef.h>

#include "domain/results.h"
#include "http/http.h"

void fhir_report_search(struct request *req, struct response *res);
void fhir_report_read(struct request *req, struct response *res);
void fhir_report_create(struct request *req, struct response *res);
/* POST DiagnosticReport/{id}/$release: release to the patient, with an optional comment. */
void fhir_report_release(struct request *req, struct response *res);
void fhir_observation_search(struct request *req, struct response *res);
void fhir_observation_read(struct request *req, struct response *res);

/*
 * Map a posted DiagnosticReport (JSON bytes, with its Observations in `contained`) onto a
 * result to file. Strings are copied into the arena. 0 on success; -1 with *why set to a
 * message for the client. Parses outside input: fuzzed (tests/fuzz/result_json).
 */
int fhir_report_parse(const char *json, size_t len, struct arena *a, struct result_new *out,
		      const char **why);

/* The same from a parsed DiagnosticReport (`medkeep import`): everything but the subject,
 * which the caller resolves (out->patient is left zero). */
int fhir_report_from_json(json_t *o, struct arena *a, struct result_new *out, const char **why);
/* The performing laboratory of a report or Observation o: performer[0].display, or the name
 * of the contained Organization that performer[0].reference ("#id") names; NULL if neither. */
const char *fhir_performer_name(json_t *o);

/* Parse a FHIR dateTime or instant (YYYY-MM-DD, or with Thh:mm[:ss[.fff]] and Z or ±hh:mm)
 * into seconds since the epoch; 0 or -1. */
int fhir_parse_datetime(const char *s, int64_t *out);

/* A page of a patient's results for Patient/{id}/$everything (struct everything_page,
 * fhir_int.h): each DiagnosticReport with its Observations, through the same gate and
 * release filter as the searches. A domain rc. */
struct store_page;
struct everything_page;
int fhir_results_everything(const struct actor *a, const struct id *patient,
			    const struct store_page *pg, struct everything_page *p);

/* Add DiagnosticReport and Observation to the CapabilityStatement's rest[0].resource. */
void fhir_results_capability(json_t *resources);

#endif
