/*
 * Internal to src/fhir: what the resource files (fhir_<part>.c) share with fhir.c, so each
 * part of the portal keeps its FHIR mapping in a file of its own.
 */
#ifndef MEDKEEP_FHIR_INT_H
#define MEDKEEP_FHIR_INT_H
#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "fhir/fhir.h"

/* Serialise o (stealing the reference) as the response. */
void fhir_respond_json(struct request *req, struct response *res, int status, json_t *o);
/* The server's base URL (…/fhir/R4), from a sanitised Host header; arena memory. */
const char *fhir_base_url(struct request *req);
/* t as a FHIR instant (UTC). */
void fhir_instant(int64_t t, char out[32]);
/* An empty searchset Bundle for this request, and one entry added to it (resource stolen). */
json_t *fhir_bundle_new(struct request *req);
void fhir_bundle_add(struct request *req, json_t *bundle, const char *type, const char *id,
		     json_t *resource);
/* True when every query parameter is in allowed (NULL-terminated) or _format. */
bool fhir_params_allowed(struct request *req, const char *const *allowed);
/* The OperationOutcome for a domain refusal (404 alike for missing and not yours). */
void fhir_domain_error(struct request *req, struct response *res, int rc, const char *what);
/* True when the request body is declared as FHIR JSON. */
bool fhir_body_is_json(struct request *req);

#endif
