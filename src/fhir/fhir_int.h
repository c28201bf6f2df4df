/*
 * Internal to src/fhir: the pieces of fhir.c that each resource's file (fhir_<part>.c) shares,
 * and the contract of the $everything appenders (fhir_everything.c).
 */
#ifndef MEDKEEP_FHIR_INT_H
#define MEDKEEP_FHIR_INT_H
#include <jansson.h>

#include "fhir/fhir.h"

/* Serialise o (stealing the reference) as the response body, application/fhir+json. */
void fhir_respond(struct request *req, struct response *res, int status, json_t *o);
/* Answer a domain refusal: 404 (what not found), 403 (breaker), 410 (erased) or 500. */
void fhir_domain_error(struct request *req, struct response *res, int rc, const char *what);
/* Refuse (400, answered) any query parameter but _format and those in allowed (NULL-ended);
 * true when the request may go on. */
bool fhir_params_ok(struct request *req, struct response *res, const char *const *allowed);
/* The server's base URL (…/fhir/R4) for fullUrl and Location, in the request arena. */
const char *fhir_base_url(struct request *req);
/* A FHIR instant (UTC, seconds) of a unix time. */
void fhir_instant(int64_t t, char out[32]);
/* A searchset Bundle for this request, and adding one match to it. */
json_t *fhir_bundle(struct request *req);
void fhir_bundle_add(struct request *req, json_t *bundle, const char *type, const struct id *id,
		     json_t *resource);
/* A search by patient: only the parameters in allowed (fhir_params_ok), and the id of its
 * `patient` parameter ("ID" or "Patient/ID"): 0; -1 (400 answered) when a parameter is not
 * allowed or patient is missing; 1 when it is not an id (then answer as not found). */
int fhir_search_patient(struct request *req, struct response *res, const char *const *allowed,
			struct id *out);
/* Parse a posted resource: a JSON object (no duplicate keys) of resourceType `type`; NULL
 * with *why set otherwise. The caller owns the result. */
json_t *fhir_parse_resource(const char *json, size_t len, const char *type, const char **why);
/* The request body is FHIR JSON (application/fhir+json or application/json); else 415,
 * answered, and false. */
bool fhir_json_body_ok(struct request *req, struct response *res);
json_t *fhir_patient_resource(const struct patient_view *p);
json_t *fhir_docref_resource(const struct document_view *v);

/*
 * $everything appenders: append the resources of one patient as Bundle entries to `entries`
 * (a JSON array), each entry {"fullUrl": "Type/id", "resource": {...}}: fhir_everything.c makes
 * fullUrl absolute and sets search.mode. Each appender uses the same domain functions (gate,
 * filtering, audit) as its search; a DOMAIN_NOT_FOUND (the actor may not see that part)
 * appends nothing and is not an error. Returns a domain_rc.
 */
typedef int (*fhir_everything_fn)(const struct actor *a, const struct id *patient,
				  struct arena *ar, json_t *entries);
/* Append {"fullUrl": "type/id", "resource": resource} (stealing resource). */
int fhir_entry_append(json_t *entries, const char *type, const struct id *id, json_t *resource);

int fhir_patient_everything(const struct actor *a, const struct id *patient, struct arena *ar,
			    json_t *entries);
int fhir_docref_everything(const struct actor *a, const struct id *patient, struct arena *ar,
			   json_t *entries);
int fhir_messages_everything(const struct actor *a, const struct id *patient, struct arena *ar,
			     json_t *entries);
int fhir_accesslog_everything(const struct actor *a, const struct id *patient, struct arena *ar,
			      json_t *entries);

#endif
