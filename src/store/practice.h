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

/* A practice as the operator's lists show it: its id and name (not PHI). */
struct store_practice {
	struct id id;
	const char *name;
};
/* Practices, oldest first, from row `offset`, at most `limit` of them; *out and the names in
 * the arena (ERR_INTERNAL when it is too small), *n how many. */
enum err store_practices_list(size_t offset, size_t limit, struct arena *a,
			      struct store_practice **out, size_t *n);

#endif
