/*
 * A grant: the policy gate's "yes", for one actor, one action, one patient.
 *
 * Store functions that touch patient-scoped rows and the vault's key operations take a grant
 * and refuse without a valid one for the same patient and action. Grants carry a seal that
 * only policy_decide knows how to set, so code cannot fill one in by hand and pass it off.
 * This header is the one piece of the policy layer that lower layers (store, vault) include.
 */
#ifndef MEDKEEP_GRANT_H
#define MEDKEEP_GRANT_H
#include <stdbool.h>
#include <stdint.h>

#include "util/id.h"

enum action {
	ACTION_PATIENT_READ = 1,  /* demographics of one patient */
	ACTION_DOCUMENT_LIST,     /* the list of a patient's documents */
	ACTION_DOCUMENT_READ,     /* one document's metadata and bytes */
	ACTION_DOCUMENT_CREATE,   /* publish or upload a document to a patient */
};

struct grant {
	uint64_t seal;
	enum action action;
	struct id patient;
	struct id actor;
};

/* True when g is a sealed grant for this patient and action. */
bool grant_allows(const struct grant *g, const struct id *patient, enum action action);
/* True when g is a sealed grant for any action on this patient (for the patient's key row). */
bool grant_for_patient(const struct grant *g, const struct id *patient);

#endif
