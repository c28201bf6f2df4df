/*
 * The domain's gate and the steps every service shares (domain_int.h): the actor goes to the
 * policy gate for a grant; a deny is audited and answered as not found (counted towards
 * enumeration by the vault); a refusal by the vault's breaker locks the account or stops the
 * app token, on record. The services themselves live one part per file (patients.c,
 * documents.c, results.c, ...) and take these steps in the same order.
 */
#include "domain/domain.h"
#include "domain/domain_int.h"

#include <jansson.h>
#include <string.h>
#include <time.h>

#include "audit/audit.h"
#include "limits.h"
#include "store/locks.h"
#include "store/store.h"
#include "util/nztime.h"
#include "vault/vault.h"
#include "domain/outbox.h"

/* Audit one decision about patient data; -1 means the record could not be made durable. */
int domain_audit(const struct actor *a, enum action action, const struct id *patient,
			const char *rtype, const struct id *rid, const char *outcome, int64_t bytes)
{
	struct audit_event e = {.actor = a,
				.action = action_name(action),
				.patient = patient,
				.rtype = rtype,
				.rid = rid,
				.outcome = outcome,
				.bytes = bytes,
				.via = patient ? grant_via_name(policy_via(a, patient)) : NULL,
				/* A write's record must be durable before the write; a read's, before
				 * the response, which the HTTP layer holds back until it is. */
				.deferrable = !(action_is_write(action) &&
						strcmp(outcome, AUDIT_ALLOW) == 0)};
	return audit_append(&e);
}

/*
 * The breaker refused this actor: revoke every session of the account, lock it pending
 * review, and put it on record. The vault refuses the actor already; this makes it stick
 * across processes and restarts, and tells the operator.
 */
enum err domain_tripped(const struct actor *a)
{
	return domain_tripped_why(a, "budget");
}

enum err domain_tripped_why(const struct actor *a, const char *reason)
{
	/* Held for review (src/domain/locks.c): one open lock per account, with its session. A
	 * practice system or feed has no account row: its lock is the record, and its practice
	 * whose admin may review it; while it is held it gets no token (locks_system_held). */
	bool system = a->role == ROLE_SYSTEM && a->has_practice;
	store_lock_record(&a->account, &a->session, reason, (int64_t)time(NULL),
			  system ? &a->practice : NULL);
	if (!system)
		store_account_lock(&a->account);
	store_sessions_revoke(&a->account);
	struct audit_event e = {.actor = a, .action = "breaker.trip", .outcome = AUDIT_DENY};
	if (audit_append(&e) != 0)
		return ERR_INTERNAL;
	/* Tell the operators by email too (ids only: no names, no clinical content). */
	struct arena ar;
	arena_init(&ar, LIMIT_CALL_ARENA);
	struct store_account *ops;
	size_t n = 0;
	char acct[ID_HEX_LEN + 1], ses[ID_HEX_LEN + 1], when[NZ_WHEN_LEN];
	id_hex(&a->account, acct);
	id_hex(&a->session, ses);
	nz_when((int64_t)time(NULL), when, sizeof(when));
	char *body = arena_printf(&ar,
				  "On %s (New Zealand time) the exfiltration breaker stopped %s %s "
				  "(role %s, session %s). Its sessions are revoked and it is locked "
				  "pending review.\n\nWhat it was "
				  "served: medkeep incident report --data DIR --session %s\n\nReview it "
				  "(unlock, or keep locked and notify) on the operator's page, /operator, "
				  "or with medkeep accounts list --data DIR --locked.\n",
				  when, system ? "practice system or feed" : "account", acct,
				  role_name(a->role), ses, ses);
	if (body && store_accounts_by_role(ROLE_OPERATOR, &ar, &ops, &n) == ERR_OK)
		for (size_t i = 0; i < n; i++)
			if (ops[i].email_ct.len)
				outbox_queue(&ops[i].id, ops[i].email_ct,
						    "medkeep: an account was stopped by the breaker", body);
	arena_release(&ar);
	return ERR_TRIPPED;
}

/*
 * The breaker stopped this app's token (its own not-found answers), not the patient it acts
 * for: end that token alone and put it on record. The patient and their other apps go on.
 */
static enum err app_stopped(const struct actor *a)
{
	store_session_revoke_id(&a->account, &a->session);
	struct audit_event e = {.actor = a, .action = "breaker.app_stop", .outcome = AUDIT_DENY};
	if (audit_append(&e) != 0)
		return ERR_INTERNAL;
	return ERR_TRIPPED;
}

/* Map a vault refusal onto the domain's answer. */
enum err domain_vault_failed(const struct actor *a, int vrc)
{
	if (vrc == ERR_TRIPPED)
		return domain_tripped(a);
	if (vrc == ERR_APP_STOPPED)
		return app_stopped(a);
	return ERR_INTERNAL;
}

enum err domain_miss_refused(const struct actor *a, int vrc)
{
	if (vrc == ERR_TRIPPED)
		return domain_tripped_why(a, "enumeration");
	return domain_vault_failed(a, vrc);
}

/* The patient's key was destroyed (crypto-shredded): nothing can be served. Audited, and not
 * counted as a miss: only an actor the gate allowed gets here. */
enum err domain_gone(const struct actor *a, enum action action, const struct id *patient,
		     const char *rtype, const struct id *rid)
{
	if (domain_audit(a, action, patient, rtype, rid, AUDIT_GONE, 0) != 0)
		return ERR_INTERNAL;
	return ERR_GONE;
}

/* A not-found answer: audit it and count it towards enumeration. */
enum err domain_miss(const struct actor *a, enum action action, const struct id *patient,
		     const char *rtype, const struct id *rid, const char *outcome)
{
	if (domain_audit(a, action, patient, rtype, rid, outcome, 0) != 0)
		return ERR_INTERNAL;
	int v = vault_report_miss(a->token);
	if (v == ERR_TRIPPED || v == ERR_APP_STOPPED)
		return domain_miss_refused(a, v);
	return ERR_NOT_FOUND;
}

/*
 * Ask the gate about one patient. On deny or missing patient, audit it and return
 * ERR_NOT_FOUND. The audit of an allowed access is written by the caller once it knows
 * what it will serve.
 */
enum err domain_gate_target(const struct actor *a, enum action action, struct target *t,
			    const char *rtype, const struct id *rid, struct grant *g)
{
	const struct id *patient = &t->patient;
	/* Someone else's record: the scopes of the actor's live proxy grant, if any. Looked up for
	 * an id that is no record too (none is found), so that another patient's id and a random
	 * one cost the same. */
	t->proxy_scopes = 0;
	if (a->role == ROLE_PATIENT && !(a->has_patient && id_eq(&a->patient, patient)) &&
	    store_proxy_scopes(&a->account, patient, (int64_t)time(NULL), &t->proxy_scopes) ==
		    ERR_INTERNAL)
		return ERR_INTERNAL;
	if (policy_decide(a, action, t, g) != 0) {
		if (policy_outside_scope(a, action, t)) {
			/* It knows the record, and its scopes leave this part out: audited, never
			 * counted as enumeration. Asked by the record, it is told so; asked for one
			 * item by id, it answers as for an id that does not exist, since it cannot
			 * know that item. */
			if (domain_audit(a, action, patient, rtype, rid, AUDIT_DENY, 0) != 0)
				return ERR_INTERNAL;
			bool by_record = rid == NULL || id_eq(rid, patient);
			/* Only apps and proxies are told (DESIGN.md invariant 2); a practice admin,
			 * who keeps the register but never sees the record, finds nothing there. */
			bool told = by_record && a->role == ROLE_PATIENT;
			return told ? ERR_OUT_OF_SCOPE : ERR_NOT_FOUND;
		}
		/* Missing and foreign look the same to the caller; the audit tells them apart
		 * only by the patient column, which is "-" when no such patient exists. */
		return domain_miss(a, action, t->exists ? patient : NULL, rtype, rid, AUDIT_DENY);
	}
	return ERR_OK;
}

enum err domain_row_in_reach(const struct actor *a, enum action action, const struct id *patient,
			     const char *rtype, const struct id *rid)
{
	struct target t;
	struct grant g;
	if (store_patient_target(patient, &t) == ERR_INTERNAL)
		return ERR_INTERNAL;
	t.proxy_scopes = 0;
	if (policy_decide(a, action, &t, &g) == 0)
		return ERR_OK;
	if (domain_audit(a, action, t.exists ? patient : NULL, rtype, rid, AUDIT_DENY, 0) != 0)
		return ERR_INTERNAL;
	return ERR_NOT_FOUND;
}

enum err domain_gate(const struct actor *a, enum action action, const struct id *patient,
		     const char *rtype, const struct id *rid, struct grant *g)
{
	struct target t;
	if (store_patient_target(patient, &t) == ERR_INTERNAL)
		return ERR_INTERNAL;
	return domain_gate_target(a, action, &t, rtype, rid, g);
}

/* --- helpers shared by the parts --- */

const char *domain_json_str(json_t *o, const char *key, struct arena *ar)
{
	const char *v = json_string_value(json_object_get(o, key));
	return v ? arena_strdup(ar, v) : NULL;
}

/* --- the breaker's trips, for operators --- */

enum err alerts_list(const struct actor *a, struct arena *ar, struct audit_record **out, size_t *n)
{
	*n = 0;
	bool ok = policy_may_view_alerts(a);
	struct audit_event e = {.actor = a, .action = "alerts.list", .outcome = ok ? AUDIT_ALLOW : AUDIT_DENY,
				.deferrable = true};
	if (audit_append(&e) != 0)
		return ERR_INTERNAL;
	if (!ok)
		return ERR_NOT_FOUND;
	return store_audit_alerts(ar, out, n);
}
