#include "domain/export.h"
#include "domain/domain_int.h"

#include "audit/audit.h"

/* Outcome of an export refused until the second factor is fresh. */
#define AUDIT_STEP_UP "stepup"

enum err record_export_begin(const struct actor *a, const struct id *patient, int64_t now)
{
	struct grant g;
	int rc = domain_gate(a, ACTION_RECORD_EXPORT, patient, "Bundle", NULL, &g);
	if (rc != ERR_OK)
		return rc;
	bool fresh = !policy_export_step_up(a) || policy_factor_fresh(a, now);
	if (domain_audit(a, ACTION_RECORD_EXPORT, patient, "Bundle", NULL,
			 fresh ? AUDIT_ALLOW : AUDIT_STEP_UP, 0) != 0)
		return ERR_INTERNAL;
	return fresh ? ERR_OK : ERR_STEP_UP;
}

static record_export_fn export_builder;

void record_export_format(record_export_fn fn)
{
	export_builder = fn;
}

enum err record_export(const struct actor *a, const struct id *patient, const char *base,
		       struct arena *ar, char **out, size_t *len)
{
	*out = NULL;
	*len = 0;
	return export_builder ? export_builder(a, patient, base, ar, out, len) : ERR_INTERNAL;
}
