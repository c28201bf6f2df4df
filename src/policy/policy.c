#include "policy/policy.h"

#include <string.h>

#include "crypto/crypto.h"
#include "util/log.h"

#include <stdlib.h>

static uint64_t grant_seal;

#ifdef MEDKEEP_CHAOS
/* Fault injection, compiled only into build/medkeep-chaos (never shipped): with
 * MEDKEEP_FAULT=authz_allow_all the gate allows everything, to prove that the layers below
 * it (the vault's breaker, the audit trail) still contain an authorization bug. */
static bool chaos_allow_all;
#endif

void policy_init(void)
{
	while (grant_seal == 0)
		random_bytes(&grant_seal, sizeof(grant_seal));
#ifdef MEDKEEP_CHAOS
	const char *fault = getenv("MEDKEEP_FAULT");
	chaos_allow_all = fault != NULL && strcmp(fault, "authz_allow_all") == 0;
	if (chaos_allow_all)
		log_warn("component=policy event=fault fault=authz_allow_all");
#endif
}

bool grant_allows(const struct grant *g, const struct id *patient, enum action action)
{
	return g != NULL && grant_seal != 0 && g->seal == grant_seal && g->action == action &&
	       id_eq(&g->patient, patient);
}

bool grant_for_patient(const struct grant *g, const struct id *patient)
{
	return g != NULL && grant_seal != 0 && g->seal == grant_seal && id_eq(&g->patient, patient);
}

static bool enrolled_at(const struct target *t, const struct id *practice)
{
	for (size_t i = 0; i < t->n_practices && i < TARGET_MAX_PRACTICES; i++)
		if (id_eq(&t->practices[i], practice))
			return true;
	return false;
}

static bool role_may(const struct actor *a, enum action action, const struct target *t)
{
	/* Staff reach no patient data on a password alone (the vault enforces it again). */
	if (a->role != ROLE_PATIENT && !a->mfa)
		return false;
	switch (a->role) {
	case ROLE_PATIENT:
		/* A patient reaches their own record, nothing else (proxies come later). */
		return a->has_patient && id_eq(&a->patient, &t->patient);
	case ROLE_CLINICIAN:
		/* Clinicians reach patients enrolled at their own practice. */
		switch (action) {
		case ACTION_PATIENT_READ:
		case ACTION_DOCUMENT_LIST:
		case ACTION_DOCUMENT_READ:
		case ACTION_DOCUMENT_CREATE:
			return a->has_practice && enrolled_at(t, &a->practice);
		}
		return false;
	case ROLE_PRACTICE_ADMIN: /* staff accounts and settings only */
	case ROLE_OPERATOR:       /* runs the service, never clinical content */
	case ROLE_NONE:
		return false;
	}
	return false;
}

int policy_decide(const struct actor *actor, enum action action, const struct target *target,
		  struct grant *out)
{
	memset(out, 0, sizeof(*out));
	if (actor == NULL || target == NULL || !target->exists || grant_seal == 0)
		return -1;
	if (action < ACTION_PATIENT_READ || action > ACTION_DOCUMENT_CREATE)
		return -1;
#ifdef MEDKEEP_CHAOS
	if (!chaos_allow_all && !role_may(actor, action, target))
		return -1;
#else
	if (!role_may(actor, action, target))
		return -1;
#endif
	out->seal = grant_seal;
	out->action = action;
	out->patient = target->patient;
	out->actor = actor->account;
	return 0;
}

static bool local_tools;

void policy_enable_local_tools(void)
{
	local_tools = true;
}

int policy_decide_local(enum action action, const struct target *target, struct grant *out)
{
	memset(out, 0, sizeof(*out));
	if (!local_tools || grant_seal == 0 || target == NULL || !target->exists)
		return -1;
	out->seal = grant_seal;
	out->action = action;
	out->patient = target->patient;
	return 0;
}

bool policy_may_create_kind(const struct actor *actor, bool is_patient_upload)
{
	if (actor == NULL)
		return false;
	if (actor->role == ROLE_PATIENT)
		return is_patient_upload;
	if (actor->role == ROLE_CLINICIAN)
		return !is_patient_upload;
	return false;
}

bool policy_may_view_alerts(const struct actor *actor)
{
	return actor != NULL && actor->role == ROLE_OPERATOR && actor->mfa;
}

const char *role_name(enum role r)
{
	switch (r) {
	case ROLE_PATIENT:
		return "patient";
	case ROLE_CLINICIAN:
		return "clinician";
	case ROLE_PRACTICE_ADMIN:
		return "practice_admin";
	case ROLE_OPERATOR:
		return "operator";
	case ROLE_NONE:
		break;
	}
	return "none";
}

enum role role_parse(const char *s)
{
	if (strcmp(s, "patient") == 0)
		return ROLE_PATIENT;
	if (strcmp(s, "clinician") == 0)
		return ROLE_CLINICIAN;
	if (strcmp(s, "practice_admin") == 0)
		return ROLE_PRACTICE_ADMIN;
	if (strcmp(s, "operator") == 0)
		return ROLE_OPERATOR;
	return ROLE_NONE;
}

const char *action_name(enum action a)
{
	switch (a) {
	case ACTION_PATIENT_READ:
		return "patient.read";
	case ACTION_DOCUMENT_LIST:
		return "document.list";
	case ACTION_DOCUMENT_READ:
		return "document.read";
	case ACTION_DOCUMENT_CREATE:
		return "document.create";
	}
	return "unknown";
}
