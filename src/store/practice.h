/* A practice's settings: not patient data, decided by policy_may_manage_practice. */
#ifndef MEDKEEP_STORE_PRACTICE_H
#define MEDKEEP_STORE_PRACTICE_H
#include <stdbool.h>

#include "store/store.h"

struct store_practice_settings {
	const char *name;
	bool require_patient_mfa;
	int64_t patients;         /* enrolled */
	int64_t patients_with_mfa; /* of those, with an account that has a second factor */
};

enum err store_practice_settings_get(const struct id *practice, struct arena *a,
				     struct store_practice_settings *out);
enum err store_practice_require_patient_mfa(const struct id *practice, bool on);

#endif
