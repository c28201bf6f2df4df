/* Internal to src/fhir: what the resource files (fhir.c, fhir_PART.c) share. */
#ifndef MEDKEEP_FHIR_INT_H
#define MEDKEEP_FHIR_INT_H
#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "fhir/fhir.h"

/* Serialise o (stealing the reference) as the response, wiping the serialised copy. */
void fhir_respond(struct request *req, struct response *res, int status, json_t *o);
/* "http(s)://host/fhir/R4" from the Host header (anything odd refused), into the arena. */
const char *fhir_base_url(struct request *req);
/* An ISO 8601 instant (UTC) of t. */
void fhir_instant(int64_t t, char out[32]);
/* A searchset Bundle for this request; fhir_bundle_add appends one match as Type/id. */
json_t *fhir_bundle_new(struct request *req);
void fhir_bundle_add(struct request *req, json_t *bundle, const char *type, const struct id *id,
		     json_t *resource);
/* The same with the id already in text (an observation's id within its report). */
void fhir_bundle_add_hex(struct request *req, json_t *bundle, const char *type, const char *id,
			 json_t *resource);
/* 0 when every query parameter is in allowed (NULL-terminated) or is _format. */
int fhir_params_ok(struct request *req, const char *const *allowed);
/* The OperationOutcome for a domain refusal: 404 "<what> not found", 403, 410 or 500. */
void fhir_domain_error(struct request *req, struct response *res, int rc, const char *what);

/* Whether a posted resource is JSON (application/fhir+json or application/json); when not,
 * answers 415 and returns false. */
bool fhir_json_body(struct request *req, struct response *res);

#endif
