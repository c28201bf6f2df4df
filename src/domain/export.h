/*
 * The whole record as one FHIR Bundle (Patient/{id}/$everything): the decision to export.
 * The Bundle itself is assembled in src/fhir/fhir_everything.c from each part's appender,
 * each of which goes through the gate and the audit trail for what it serves.
 */
#ifndef MEDKEEP_EXPORT_H
#define MEDKEEP_EXPORT_H
#include "domain/domain.h"

/*
 * May actor export patient's whole record at time now? record.export through the gate
 * (the patient themselves only), then step-up: a second factor passed within
 * STEP_UP_SECONDS (policy_factor_fresh), or DOMAIN_STEP_UP. Audited either way.
 */
int record_export_begin(const struct actor *a, const struct id *patient, int64_t now);

#endif
