/*
 * The whole record as one FHIR Bundle (Patient/{id}/$everything): the decision to export,
 * and the export itself for any layer that offers it (the export page). The Bundle is
 * assembled in src/fhir/fhir_everything.c from each part's appender, each of which goes
 * through the gate and the audit trail for what it serves; src/fhir registers that builder
 * here at start-up, so a page can export without knowing the format's layer.
 */
#ifndef MEDKEEP_EXPORT_H
#define MEDKEEP_EXPORT_H
#include "domain/domain.h"

/*
 * May actor export patient's whole record at time now? record.export through the gate (the
 * patient themselves, or an app for its own patient: the parts its scopes cover), then, unless
 * policy_export_step_up says none is due (an app), step-up: a second factor passed within
 * STEP_UP_SECONDS (policy_factor_fresh), or ERR_STEP_UP. Audited either way.
 */
enum err record_export_begin(const struct actor *a, const struct id *patient, int64_t now);

/*
 * Serialise patient's whole record for actor a (record_export_begin first): ERR_OK with
 * *out (*len bytes) in ar, ERR_STEP_UP without a fresh second factor, or a refusal. base is
 * the absolute base of the record's resource URLs.
 */
typedef enum err (*record_export_fn)(const struct actor *a, const struct id *patient, const char *base,
				struct arena *ar, char **out, size_t *len);
/* The builder record_export uses (one; the last registered). */
void record_export_format(record_export_fn fn);
/* The export through the registered builder; ERR_INTERNAL when there is none. */
enum err record_export(const struct actor *a, const struct id *patient, const char *base,
		       struct arena *ar, char **out, size_t *len);

#endif
