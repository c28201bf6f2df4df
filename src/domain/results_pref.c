/* The patient's choice of when results appear: at release, or only once their clinician has
 * commented (results.h). */
#include "domain/results.h"
#include "domain/domain_int.h"

#include "audit/audit.h"
#include "store/results.h"

/* --- the patient's preference --- */

enum err result_pref_get(const struct actor *a, const struct id *patient, bool *comment_first)
{
	struct grant g;
	int rc = domain_gate(a, ACTION_RESULT_LIST, patient, "Patient", patient, &g);
	if (rc != ERR_OK)
		return rc;
	return store_result_pref_get(&g, patient, comment_first) == ERR_OK ? ERR_OK
									      : ERR_INTERNAL;
}

enum err result_pref_set(const struct actor *a, const struct id *patient, bool comment_first)
{
	struct grant g;
	int rc = domain_gate(a, ACTION_RESULT_LIST, patient, "Patient", patient, &g);
	if (rc != ERR_OK)
		return rc;
	/* The patient's own choice: a proxy may read results but not change how they arrive. */
	bool ok = policy_may_set_result_preference(&g);
	struct audit_event e = {.actor = a, .action = "result.preference", .patient = patient,
				.rtype = "Patient", .rid = patient,
				.outcome = ok ? AUDIT_ALLOW : AUDIT_DENY, .deferrable = !ok};
	if (audit_append(&e) != 0)
		return ERR_INTERNAL;
	if (!ok)
		return ERR_NOT_FOUND;
	return store_result_pref_set(&g, patient, comment_first) == ERR_OK ? ERR_OK
									      : ERR_INTERNAL;
}
