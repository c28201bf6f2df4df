#include "domain/practice.h"

#include "audit/audit.h"
#include "domain/domain_int.h"

enum err practice_settings_read(const struct actor *a, struct arena *ar,
				struct store_practice_settings *out)
{
	if (!policy_may_manage_practice(a, &a->practice))
		return ERR_NOT_FOUND;
	int rc = store_practice_settings_get(&a->practice, ar, out);
	return rc == ERR_OK ? ERR_OK : rc == ERR_NOT_FOUND ? ERR_NOT_FOUND : ERR_INTERNAL;
}

enum err practice_require_patient_mfa(const struct actor *a, bool on)
{
	bool allowed = policy_may_manage_practice(a, &a->practice);
	/* The change is on record before it is made (and a refusal is on record too). */
	struct audit_event e = {.actor = a,
				.action = on ? "practice.require_patient_mfa.on"
					     : "practice.require_patient_mfa.off",
				.rtype = "Organization",
				.rid = allowed ? &a->practice : NULL,
				.outcome = allowed ? AUDIT_ALLOW : AUDIT_DENY};
	if (audit_append(&e) != 0)
		return ERR_INTERNAL;
	if (!allowed)
		return ERR_NOT_FOUND;
	int rc = store_practice_require_patient_mfa(&a->practice, on);
	return rc == ERR_OK ? ERR_OK : rc == ERR_NOT_FOUND ? ERR_NOT_FOUND : ERR_INTERNAL;
}
