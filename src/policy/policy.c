#include "policy/policy.h"

#include <string.h>

#include "crypto/crypto.h"
#include "limits.h"
#include "util/log.h"

#include <stdlib.h>

static uint64_t grant_seal;
static bool local_tools; /* policy_enable_local_tools: a command-line tool, never a worker */

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

bool grant_shows(const struct grant *g, int64_t created)
{
	return g != NULL && (g->visible_from == 0 || created >= g->visible_from);
}

bool grant_for_patient(const struct grant *g, const struct id *patient)
{
	return g != NULL && grant_seal != 0 && g->seal == grant_seal && id_eq(&g->patient, patient);
}

bool grant_writes(const struct grant *g, const struct id *patient)
{
	return grant_for_patient(g, patient) && action_is_write(g->action);
}

bool policy_enrolled_at(const struct target *t, const struct id *practice)
{
	for (size_t i = 0; i < t->n_practices && i < TARGET_MAX_PRACTICES; i++)
		if (id_eq(&t->practices[i], practice))
			return true;
	return false;
}

/* What a practice admin reaches of an enrolled patient: the register (demographics, the
 * correction of them, the contact details the practice uses), never clinical content. */
static bool register_action(enum action action)
{
	return action == ACTION_PATIENT_READ || action == ACTION_PATIENT_WRITE ||
	       action == ACTION_DETAILS_UPDATE;
}

/* What a patient may do to their own record: everything but the clinical side. */
static bool patient_may_own(enum action action)
{
	switch (action) {
	case ACTION_RESULT_CREATE:
	case ACTION_RESULT_RELEASE:
	case ACTION_MEDICATION_CREATE:
	case ACTION_REPEAT_DECIDE:
	case ACTION_RECALL_SET:
	case ACTION_SUMMARY_CREATE: /* what the practice sends */
	case ACTION_PATIENT_WRITE: /* the register is the practice's */
		return false;
	default:
		return true;
	}
}

/* What a practice system may do for a patient enrolled at its practice: keep the register
 * and file documents and results, within its scopes. It reads only demographics (to match a
 * patient), never clinical content, and never releases a result: that stays a clinician's
 * decision under the practice's rules. */
static bool system_may(const struct actor *a, enum action action)
{
	switch (action) {
	case ACTION_PATIENT_READ:
		return (a->system_scopes & (SYSTEM_SCOPE_PATIENT_READ | SYSTEM_SCOPE_PATIENT_WRITE)) != 0;
	case ACTION_PATIENT_WRITE:
		return (a->system_scopes & SYSTEM_SCOPE_PATIENT_WRITE) != 0;
	case ACTION_DOCUMENT_CREATE:
		return (a->system_scopes & SYSTEM_SCOPE_DOCUMENT_WRITE) != 0;
	case ACTION_RESULT_CREATE:
		return (a->system_scopes & SYSTEM_SCOPE_RESULT_WRITE) != 0;
	case ACTION_SUMMARY_CREATE:
		return (a->system_scopes & SYSTEM_SCOPE_SUMMARY_WRITE) != 0;
	case ACTION_MEDICATION_CREATE:
	case ACTION_APPOINTMENT_BOOK:
		/* The operator's `medkeep import` of a practice's export (a local tool, holding no
		 * token) also files its medicines and booked visits; a system over the network
		 * never does: no worker enables local tools. */
		return local_tools && a->token == NULL;
	default:
		return false;
	}
}

/* What a clinician may do for a patient enrolled at their practice: all but the patient's own
 * requests, their access log and the whole-record export. */
static bool clinician_may(enum action action)
{
	switch (action) {
	case ACTION_REPEAT_REQUEST:
	case ACTION_ACCESS_LOG_READ:
	case ACTION_RECORD_EXPORT:
	case ACTION_NOTICE_PREFS: /* a patient's (or proxy's) own email; staff have their own */
		return false;
	default:
		return true;
	}
}

unsigned policy_proxy_scope_for(enum action action)
{
	switch (action) {
	case ACTION_PATIENT_READ:
	case ACTION_NOTICE_PREFS: /* the proxy's own notices, limited to its scopes when sent */
		return SCOPE_ALL; /* any one scope will do */
	case ACTION_DOCUMENT_LIST:
	case ACTION_DOCUMENT_READ:
	case ACTION_DOCUMENT_CREATE:
		return SCOPE_DOCUMENTS;
	case ACTION_RESULT_LIST:
	case ACTION_RESULT_READ:
		return SCOPE_RESULTS;
	case ACTION_MEDICATION_LIST:
	case ACTION_REPEAT_REQUEST:
		return SCOPE_MEDICATIONS;
	case ACTION_APPOINTMENT_LIST:
	case ACTION_APPOINTMENT_BOOK:
	case ACTION_APPOINTMENT_CANCEL:
	case ACTION_RECALL_LIST: /* a recall asks them to book */
		return SCOPE_APPOINTMENTS;
	case ACTION_MESSAGE_LIST:
	case ACTION_MESSAGE_READ:
	case ACTION_MESSAGE_SEND:
		return SCOPE_MESSAGES;
	case ACTION_SUMMARY_LIST:
		return SCOPE_SUMMARY;
	default:
		return 0;
	}
}

/* The patient's contact details (their phones and postal address: where the practice reaches
 * them) are seen and changed by a proxy only when the grant covers the whole record (every
 * scope): a parent acting for a young child, a carer who runs all of it. A grant for part of
 * a record (results only, say) is not a reason to learn, or to change, where the person lives
 * (docs/internals/DETAILS.md). Every other action needs one of the scopes it names. */
bool policy_proxy_covers(unsigned scopes, enum action action)
{
	if (action == ACTION_DETAILS_UPDATE)
		return (scopes & SCOPE_ALL) == SCOPE_ALL;
	return (scopes & policy_proxy_scope_for(action)) != 0;
}

bool policy_sees_contact(const struct actor *a, const struct target *t)
{
	if (a == NULL || t == NULL)
		return false;
	if (a->role == ROLE_PATIENT && !a->app && policy_via(a, &t->patient) == VIA_PROXY)
		return policy_proxy_covers(t->proxy_scopes, ACTION_DETAILS_UPDATE);
	return true;
}

/* An app's token reads the patient's own record within the scopes they consented to, and
 * does nothing else: no writes, no access log, no records held as a proxy. Its
 * Patient/{id}/$everything (record.export) is the parts its scopes cover, each through its
 * own gate (policy_export_covers), so it reaches nothing its searches would not. */
static bool app_may(const struct actor *a, enum action action, enum grant_via via)
{
	if (via != VIA_APP)
		return false;
	switch (action) {
	case ACTION_PATIENT_READ:
		return (a->app_scopes & APP_SCOPE_PATIENT) != 0;
	case ACTION_DOCUMENT_LIST:
	case ACTION_DOCUMENT_READ:
	case ACTION_RESULT_LIST:
	case ACTION_RESULT_READ:
	case ACTION_MEDICATION_LIST:
	case ACTION_APPOINTMENT_LIST:
	case ACTION_MESSAGE_LIST:
	case ACTION_MESSAGE_READ:
	case ACTION_SUMMARY_LIST:
		return (a->app_scopes & policy_proxy_scope_for(action)) != 0;
	case ACTION_RECORD_EXPORT:
		return true;
	default:
		return false;
	}
}

bool policy_export_step_up(const struct actor *a)
{
	return a == NULL || !a->app;
}

bool policy_export_covers(const struct actor *a, enum action list_action)
{
	return a != NULL && (!a->app || app_may(a, list_action, VIA_APP));
}

/* Decide; on yes, say how the actor reaches the patient. */
static bool role_may(const struct actor *a, enum action action, const struct target *t,
		     enum grant_via *via)
{
	/* Staff reach no patient data on a password alone (the vault enforces it again), nor do
	 * patients of a practice that requires a second factor. */
	if (policy_needs_second_factor(a) && !a->mfa)
		return false;
	*via = policy_via(a, &t->patient);
	if (a->app && (a->role != ROLE_PATIENT || !app_may(a, action, *via)))
		return false;
	switch (a->role) {
	case ROLE_PATIENT:
		if (*via == VIA_SELF || *via == VIA_APP)
			return patient_may_own(action);
		/* A proxy: only within the scopes of a live grant from this patient. */
		return policy_proxy_covers(t->proxy_scopes, action);
	case ROLE_CLINICIAN:
		/* Clinicians reach patients enrolled at their own practice. */
		return a->has_practice && policy_enrolled_at(t, &a->practice) && clinician_may(action);
	case ROLE_PRACTICE_ADMIN:
		/* Staff accounts, settings, and the register and appointment book they run:
		 * enrolled patients' demographics, never their clinical content. */
		return a->has_practice && policy_enrolled_at(t, &a->practice) && register_action(action);
	case ROLE_SYSTEM:
		return a->has_practice && policy_enrolled_at(t, &a->practice) && system_may(a, action);
	case ROLE_OPERATOR: /* runs the service, never clinical content */
	case ROLE_NONE:
		return false;
	}
	return false;
}

bool policy_outside_scope(const struct actor *a, enum action action, const struct target *t)
{
	if (a == NULL || t == NULL || !t->exists)
		return false;
	if (policy_needs_second_factor(a) && !a->mfa)
		return false;
	/* A practice admin has the register: they know the patient, not their content. */
	if (a->role == ROLE_PRACTICE_ADMIN)
		return a->has_practice && policy_enrolled_at(t, &a->practice) && !register_action(action);
	/* A system that reaches the register: the record exists for it, its scopes say no. */
	if (a->role == ROLE_SYSTEM)
		return a->has_practice && policy_enrolled_at(t, &a->practice) &&
		       (a->system_scopes & (SYSTEM_SCOPE_PATIENT_READ | SYSTEM_SCOPE_PATIENT_WRITE)) &&
		       !system_may(a, action);
	if (a->role != ROLE_PATIENT)
		return false;
	enum grant_via via = policy_via(a, &t->patient);
	if (a->app)
		return via == VIA_APP && !app_may(a, action, via);
	/* A proxy holding a live grant from this patient, asking for what it does not cover. */
	return via == VIA_PROXY && t->proxy_scopes != 0 && !policy_proxy_covers(t->proxy_scopes, action);
}

int policy_decide(const struct actor *actor, enum action action, const struct target *target,
		  struct grant *out)
{
	memset(out, 0, sizeof(*out));
	if (actor == NULL || target == NULL || !target->exists || grant_seal == 0)
		return -1;
	if (action < ACTION_PATIENT_READ || action > ACTION_LAST)
		return -1;
	enum grant_via via = VIA_SELF;
	bool allow_all = false;
#ifdef MEDKEEP_CHAOS
	allow_all = chaos_allow_all;
#endif
	if (!allow_all && !role_may(actor, action, target, &via))
		return -1;
	out->seal = grant_seal;
	out->action = action;
	out->patient = target->patient;
	out->actor = actor->account;
	out->via = via;
	out->sees_unreleased = via == VIA_STAFF && actor->role == ROLE_CLINICIAN;
	if ((via == VIA_STAFF || via == VIA_SYSTEM) && actor->has_practice)
		for (size_t i = 0; i < target->n_practices && i < TARGET_MAX_PRACTICES; i++)
			if (id_eq(&target->practices[i], &actor->practice))
				out->visible_from = target->history_from[i];
	/* A practice the patient moved to, reaching what came before: not theirs unless shared,
	 * so answered as not found like any other patient's row (invariant 2). */
	if (!allow_all && target->created != 0 && !grant_shows(out, target->created)) {
		memset(out, 0, sizeof(*out));
		return -1;
	}
	return 0;
}

void policy_enable_local_tools(void)
{
	local_tools = true;
}

bool policy_may_enrol_local(void)
{
	return local_tools;
}

int policy_decide_local(enum action action, const struct target *target, struct grant *out)
{
	memset(out, 0, sizeof(*out));
	if (!local_tools || grant_seal == 0 || target == NULL || !target->exists)
		return -1;
	out->seal = grant_seal;
	out->action = action;
	out->patient = target->patient;
	out->via = VIA_LOCAL;
	out->sees_unreleased = true;
	return 0;
}

bool policy_may_create_kind(const struct actor *actor, bool is_patient_upload)
{
	if (actor == NULL)
		return false;
	if (actor->role == ROLE_PATIENT)
		return is_patient_upload;
	if (actor->role == ROLE_CLINICIAN || actor->role == ROLE_SYSTEM)
		return !is_patient_upload;
	return false;
}

bool policy_needs_second_factor(const struct actor *actor)
{
	return actor != NULL && (actor->role != ROLE_PATIENT || actor->mfa_required);
}

static bool staff_of(const struct actor *actor, const struct id *practice, enum role role)
{
	return actor != NULL && practice != NULL && actor->role == role && actor->mfa &&
	       actor->has_practice && id_eq(&actor->practice, practice);
}

bool policy_may_manage_practice(const struct actor *actor, const struct id *practice)
{
	return staff_of(actor, practice, ROLE_PRACTICE_ADMIN);
}

bool policy_may_enrol(const struct actor *actor, const struct id *practice)
{
	if (actor != NULL && actor->role == ROLE_SYSTEM)
		return actor->mfa && actor->has_practice && practice != NULL &&
		       id_eq(&actor->practice, practice) &&
		       (actor->system_scopes & SYSTEM_SCOPE_PATIENT_WRITE) != 0;
	return staff_of(actor, practice, ROLE_CLINICIAN) ||
	       staff_of(actor, practice, ROLE_PRACTICE_ADMIN);
}

bool policy_may_search_register(const struct actor *actor)
{
	return actor != NULL && actor->has_practice &&
	       (staff_of(actor, &actor->practice, ROLE_CLINICIAN) ||
		staff_of(actor, &actor->practice, ROLE_PRACTICE_ADMIN));
}

bool policy_may_list_recalls(const struct actor *actor)
{
	return actor != NULL && actor->has_practice &&
	       staff_of(actor, &actor->practice, ROLE_CLINICIAN);
}

bool policy_may_ask_transfer(const struct actor *actor, const struct id *practice)
{
	return staff_of(actor, practice, ROLE_CLINICIAN) ||
	       staff_of(actor, practice, ROLE_PRACTICE_ADMIN);
}

bool policy_may_decide_transfer(const struct actor *actor, const struct id *patient,
				const struct id *from)
{
	if (policy_may_share_history(actor, patient))
		return true;
	return from != NULL && (staff_of(actor, from, ROLE_CLINICIAN) ||
				staff_of(actor, from, ROLE_PRACTICE_ADMIN));
}

bool policy_may_share_history(const struct actor *actor, const struct id *patient)
{
	return actor != NULL && patient != NULL && actor->role == ROLE_PATIENT && !actor->app &&
	       policy_via(actor, patient) == VIA_SELF &&
	       (!policy_needs_second_factor(actor) || actor->mfa);
}

bool policy_may_work_feed_queue(const struct actor *actor, const struct id *practice)
{
	return staff_of(actor, practice, ROLE_CLINICIAN) ||
	       staff_of(actor, practice, ROLE_PRACTICE_ADMIN);
}

bool policy_may_manage_slots(const struct actor *actor, const struct id *practice)
{
	return staff_of(actor, practice, ROLE_CLINICIAN) ||
	       staff_of(actor, practice, ROLE_PRACTICE_ADMIN);
}

bool policy_may_work_queue(const struct actor *actor, const struct id *practice)
{
	return staff_of(actor, practice, ROLE_CLINICIAN);
}

bool policy_factor_fresh(const struct actor *actor, int64_t now)
{
	return actor != NULL && actor->mfa && actor->factor_at > 0 &&
	       now - actor->factor_at <= STEP_UP_SECONDS && now >= actor->factor_at - 5;
}

enum grant_via policy_via(const struct actor *a, const struct id *patient)
{
	if (a->role == ROLE_SYSTEM)
		return VIA_SYSTEM;
	if (a->role != ROLE_PATIENT)
		return VIA_STAFF;
	bool own = a->has_patient && patient != NULL && id_eq(&a->patient, patient);
	return own ? (a->app ? VIA_APP : VIA_SELF) : VIA_PROXY;
}

const char *grant_via_name(enum grant_via via)
{
	switch (via) {
	case VIA_SELF:
		return "self";
	case VIA_PROXY:
		return "proxy";
	case VIA_STAFF:
		return "staff";
	case VIA_LOCAL:
		return "local";
	case VIA_APP:
		return "app";
	case VIA_SYSTEM:
		return "system";
	}
	return "";
}

bool policy_may_grant_for_child(const struct actor *actor)
{
	return actor != NULL && actor->role == ROLE_CLINICIAN && actor->has_practice && actor->mfa;
}

bool policy_may_view_alerts(const struct actor *actor)
{
	return actor != NULL && actor->role == ROLE_OPERATOR && actor->mfa;
}

bool policy_may_review_locks(const struct actor *actor)
{
	return actor != NULL && actor->mfa && !actor->app &&
	       (actor->role == ROLE_OPERATOR ||
		(actor->role == ROLE_PRACTICE_ADMIN && actor->has_practice));
}

bool policy_may_review_lock(const struct actor *actor, const struct id *subject_account,
			    enum role subject_role, const struct id *subject_practice,
			    const struct target *patient_target)
{
	if (actor == NULL || subject_account == NULL || !actor->mfa || actor->app ||
	    id_eq(&actor->account, subject_account))
		return false;
	if (actor->role == ROLE_OPERATOR)
		return true;
	if (actor->role != ROLE_PRACTICE_ADMIN || !actor->has_practice)
		return false;
	switch (subject_role) {
	case ROLE_CLINICIAN:
	case ROLE_PRACTICE_ADMIN:
	case ROLE_SYSTEM: /* the practice's own system or HL7 feed */
		return subject_practice != NULL && id_eq(subject_practice, &actor->practice);
	case ROLE_PATIENT:
		return patient_target != NULL && patient_target->exists &&
		       policy_enrolled_at(patient_target, &actor->practice);
	default:
		return false;
	}
}

bool policy_may_introspect(const struct actor *actor)
{
	return actor != NULL && actor->role == ROLE_SYSTEM && actor->token != NULL;
}

bool policy_may_invite(const struct actor *actor, const struct target *target)
{
	if (actor == NULL || target == NULL || !target->exists || !actor->mfa || !actor->has_practice)
		return false;
	/* Staff of the practice; or the operator's bulk invitation of a practice's imported
	 * patients (`medkeep invite --imported`: the practice's system, as a local tool). */
	bool local_system = actor->role == ROLE_SYSTEM && local_tools && actor->token == NULL;
	if (actor->role != ROLE_CLINICIAN && actor->role != ROLE_PRACTICE_ADMIN && !local_system)
		return false;
	return policy_enrolled_at(target, &actor->practice);
}

bool policy_may_view_result_inbox(const struct actor *actor)
{
	return actor != NULL && actor->role == ROLE_CLINICIAN && actor->mfa && actor->has_practice;
}

bool policy_may_manage_result_rules(const struct actor *actor)
{
	return actor != NULL && (actor->role == ROLE_CLINICIAN || actor->role == ROLE_PRACTICE_ADMIN) &&
	       actor->mfa && actor->has_practice;
}

bool policy_may_set_result_preference(const struct grant *g)
{
	return g != NULL && grant_for_patient(g, &g->patient) && g->via == VIA_SELF;
}

bool policy_may_view_inbox(const struct actor *actor)
{
	return actor != NULL && actor->role == ROLE_CLINICIAN && actor->mfa && actor->has_practice;
}

bool policy_notice_to_proxy(unsigned scopes, enum action about)
{
	unsigned need = policy_proxy_scope_for(about);
	return need != 0 && need != SCOPE_ALL && (scopes & need) != 0;
}

bool policy_gets_staff_notices(enum role role, bool has_practice)
{
	return role == ROLE_CLINICIAN && has_practice;
}

bool policy_gets_transfer_notices(enum role role, bool has_practice)
{
	return (role == ROLE_CLINICIAN || role == ROLE_PRACTICE_ADMIN) && has_practice;
}

bool policy_thread_in_reach(const struct actor *actor, const struct grant *g,
			    const struct id *thread_practice)
{
	if (actor == NULL || g == NULL || thread_practice == NULL)
		return false;
	if (g->via == VIA_SELF || g->via == VIA_PROXY || g->via == VIA_APP)
		return actor->role == ROLE_PATIENT;
	if (g->via == VIA_STAFF)
		return actor->has_practice && id_eq(&actor->practice, thread_practice);
	return g->via == VIA_LOCAL;
}

int policy_thread_reach(const struct actor *actor, const struct grant *g, struct id *practice)
{
	if (actor == NULL || g == NULL)
		return -1;
	if (g->via == VIA_SELF || g->via == VIA_PROXY || g->via == VIA_APP)
		return actor->role == ROLE_PATIENT ? 0 : -1;
	if (g->via == VIA_STAFF) {
		if (!actor->has_practice)
			return -1;
		*practice = actor->practice;
		return 1;
	}
	return g->via == VIA_LOCAL ? 0 : -1;
}

bool action_is_write(enum action action)
{
	switch (action) {
	case ACTION_DOCUMENT_CREATE:
	case ACTION_RESULT_CREATE:
	case ACTION_RESULT_RELEASE:
	case ACTION_MEDICATION_CREATE:
	case ACTION_REPEAT_REQUEST:
	case ACTION_REPEAT_DECIDE:
	case ACTION_APPOINTMENT_BOOK:
	case ACTION_APPOINTMENT_CANCEL:
	case ACTION_MESSAGE_SEND:
	case ACTION_PROXY_GRANT:
	case ACTION_PROXY_REVOKE:
	case ACTION_PATIENT_WRITE:
	case ACTION_RECALL_SET:
	case ACTION_DETAILS_UPDATE:
	case ACTION_SUMMARY_CREATE:
		return true;
	default:
		return false;
	}
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
	case ROLE_SYSTEM:
		return "system";
	case ROLE_NONE:
		break;
	}
	return "none";
}

const char *policy_role_label(enum role r)
{
	switch (r) {
	case ROLE_PATIENT:
		return "Patient";
	case ROLE_CLINICIAN:
		return "Clinician";
	case ROLE_PRACTICE_ADMIN:
		return "Practice administrator";
	case ROLE_OPERATOR:
		return "Service operator";
	case ROLE_SYSTEM:
		return "Practice system";
	case ROLE_NONE:
		break;
	}
	return "Unknown";
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
	if (strcmp(s, "system") == 0)
		return ROLE_SYSTEM;
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
	case ACTION_RESULT_LIST:
		return "result.list";
	case ACTION_RESULT_READ:
		return "result.read";
	case ACTION_RESULT_CREATE:
		return "result.create";
	case ACTION_RESULT_RELEASE:
		return "result.release";
	case ACTION_MEDICATION_LIST:
		return "medication.list";
	case ACTION_MEDICATION_CREATE:
		return "medication.create";
	case ACTION_REPEAT_REQUEST:
		return "repeat.request";
	case ACTION_REPEAT_DECIDE:
		return "repeat.decide";
	case ACTION_APPOINTMENT_LIST:
		return "appointment.list";
	case ACTION_APPOINTMENT_BOOK:
		return "appointment.book";
	case ACTION_APPOINTMENT_CANCEL:
		return "appointment.cancel";
	case ACTION_MESSAGE_LIST:
		return "message.list";
	case ACTION_MESSAGE_READ:
		return "message.read";
	case ACTION_MESSAGE_SEND:
		return "message.send";
	case ACTION_PROXY_LIST:
		return "proxy.list";
	case ACTION_PROXY_GRANT:
		return "proxy.grant";
	case ACTION_PROXY_REVOKE:
		return "proxy.revoke";
	case ACTION_ACCESS_LOG_READ:
		return "accesslog.read";
	case ACTION_RECORD_EXPORT:
		return "record.export";
	case ACTION_PATIENT_WRITE:
		return "patient.write";
	case ACTION_NOTICE_PREFS:
		return "notice.prefs";
	case ACTION_RECALL_SET:
		return "recall.set";
	case ACTION_RECALL_LIST:
		return "recall.list";
	case ACTION_DETAILS_UPDATE:
		return "patient.contact.update";
	case ACTION_SUMMARY_LIST:
		return "summary.list";
	case ACTION_SUMMARY_CREATE:
		return "summary.create";
	}
	return "unknown";
}

const char *proxy_scope_name(unsigned one_scope)
{
	switch (one_scope) {
	case SCOPE_DOCUMENTS:
		return "documents";
	case SCOPE_RESULTS:
		return "results";
	case SCOPE_MEDICATIONS:
		return "medications";
	case SCOPE_APPOINTMENTS:
		return "appointments";
	case SCOPE_MESSAGES:
		return "messages";
	case SCOPE_SUMMARY:
		return "summary";
	default:
		return NULL;
	}
}
