/* Internal to src/fhir: steps shared by fhir_medications.c and fhir_appointments.c (defined
 * in fhir_medications.c), beside the FHIR layer's own (fhir_int.h). */
#ifndef MEDKEEP_FHIR_CAREPLAN_INT_H
#define MEDKEEP_FHIR_CAREPLAN_INT_H
#include <jansson.h>

#include "fhir/fhir_int.h"

/* "Type/hex" into ar. */
const char *careplan_ref(struct arena *ar, const char *type, const struct id *id);
/* ISO instant (UTC) and date (NZ local day) of t, into ar. */
const char *careplan_instant(struct arena *ar, int64_t t);
const char *careplan_date(struct arena *ar, int64_t t);
/* A patient search parameter ("id" or "Patient/id"); -1 when it is not an id. */
int careplan_patient_param(const char *v, struct id *out);
/* An $everything entry: fullUrl urn:uuid:<id> and the resource. */
json_t *careplan_entry(struct arena *ar, const struct id *id, json_t *resource);

#endif
