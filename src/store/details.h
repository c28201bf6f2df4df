/*
 * A patient's own contact details (docs/internals/DETAILS.md): their phones and postal
 * address, one row per patient, sealed with the patient's key (VREC_DETAILS, bound to the
 * patient's id), so the store holds nothing readable. Beside the demographics the practice
 * keeps (store_patient.phi) rather than in them: the patient changes these, the practice
 * corrects those, and neither write can overwrite the other's.
 */
#ifndef MEDKEEP_STORE_DETAILS_H
#define MEDKEEP_STORE_DETAILS_H
#include <stdint.h>

#include "policy/policy.h"
#include "store/store.h"

struct store_details {
	struct bytes body;    /* sealed (VREC_DETAILS), in the caller's arena */
	int64_t version;      /* 1 for the first save, one more for each after */
	int64_t updated;      /* when last saved (UTC seconds) */
	struct id updated_by; /* the account that saved them */
};

/* The patient's contact details into out (body in a). Any grant for that patient (they are
 * read with the demographics, ACTION_PATIENT_READ). ERR_NOT_FOUND when none were ever saved,
 * ERR_DENIED without a grant. */
enum err store_details_get(const struct grant *g, const struct id *patient, struct arena *a,
			   struct store_details *out);
/* Save (insert or replace) the patient's sealed contact details, one version more: needs an
 * ACTION_DETAILS_UPDATE grant on patient. ERR_OK, ERR_DENIED, ERR_INTERNAL. */
enum err store_details_set(const struct grant *g, const struct id *patient, struct bytes body,
			   int64_t now, const struct id *by);

#endif
