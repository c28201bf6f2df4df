/* Internal to src/fhir: JSON steps shared by fhir_medications.c and fhir_appointments.c
 * (defined in fhir_medications.c). */
#ifndef MEDKEEP_FHIR_CAREPLAN_INT_H
#define MEDKEEP_FHIR_CAREPLAN_INT_H
#include <jansson.h>

#include "fhir/fhir.h"

/* Serialise o (stealing the reference) as the response. */
void careplan_respond(struct request *req, struct response *res, int status, json_t *o);
/* The answer to a domain refusal, as an OperationOutcome. */
void careplan_refusal(struct request *req, struct response *res, int rc, const char *what);
/* "http(s)://host/fhir/R4" from the Host header (anything odd refused). */
const char *careplan_base(struct request *req);
/* A searchset Bundle for this request; careplan_bundle_add appends one match. */
json_t *careplan_bundle(struct request *req);
void careplan_bundle_add(json_t *bundle, const char *full_url, json_t *resource);
/* "Type/hex" into ar. */
const char *careplan_ref(struct arena *ar, const char *type, const struct id *id);
/* ISO instant (UTC) and date (NZ local day) of t, into ar. */
const char *careplan_instant(struct arena *ar, int64_t t);
const char *careplan_date(struct arena *ar, int64_t t);
/* A patient search parameter ("id" or "Patient/id"); -1 when it is not an id. */
int careplan_patient_param(const char *v, struct id *out);
/* 0 when every query parameter is in allowed (NULL-terminated) or _format. */
int careplan_params_ok(struct request *req, const char *const *allowed);
/* An $everything entry: fullUrl urn:uuid:<id> and the resource. */
json_t *careplan_entry(struct arena *ar, const struct id *id, json_t *resource);

#endif
