/* A practice's own settings, for its practice admin. */
#ifndef MEDKEEP_DOMAIN_PRACTICE_H
#define MEDKEEP_DOMAIN_PRACTICE_H
#include <stdbool.h>

#include "domain/domain.h"
#include "store/practice.h"

/* The actor's practice's settings; ERR_NOT_FOUND unless policy_may_manage_practice. */
enum err practice_settings_read(const struct actor *a, struct arena *ar,
				struct store_practice_settings *out);
/* Require (or stop requiring) a second factor of the practice's patients. Audited. */
enum err practice_require_patient_mfa(const struct actor *a, bool on);

#endif
