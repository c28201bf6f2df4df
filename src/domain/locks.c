/*
 * Locks held for review (see locks.h and docs/internals/UNLOCK.md). The order of an unlock:
 * the gate (policy_may_review_lock) and a fresh second factor here, then the vault, which
 * checks the reviewer's token again itself and clears its trip, then the audit record (durable
 * before the database changes), then the database, then the email. The reviewer's words go
 * into the lock's row, never into a log line.
 */
#include "domain/locks.h"
#include "domain/outbox.h"
#include "domain/domain_int.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "audit/audit.h"
#include "limits.h"
#include "store/account.h"
#include "store/store.h"
#include "util/log.h"
#include "util/nztime.h"
#include "vault/vault.h"

/* Incident reports read the whole trail: collected for the newest open locks only. */
#define LOCK_REPORTS_MAX 10

static int64_t now_sec(void)
{
	return (int64_t)time(NULL);
}

/* What the gate needs about a lock's account: its record's enrolments (patients). */
static bool may_review(const struct actor *a, const struct store_lock *l)
{
	struct target t;
	memset(&t, 0, sizeof(t));
	if (l->role == ROLE_PATIENT && l->has_patient &&
	    store_patient_target(&l->patient, &t) == ERR_INTERNAL)
		return false;
	return policy_may_review_lock(a, &l->account, l->role, l->has_practice ? &l->practice : NULL,
				      l->role == ROLE_PATIENT ? &t : NULL);
}

const char *locks_paused_on(const struct id *account, int64_t tripped, struct arena *ar)
{
	struct store_lock l;
	if (account != NULL)
		tripped = store_lock_latest(account, ar, &l) == ERR_OK ? l.tripped : 0;
	char when[NZ_WHEN_LEN];
	if (tripped <= 0 || nz_when(tripped, when, sizeof(when)) != 0)
		return "";
	const char *s = arena_printf(ar, " on %s (New Zealand time)", when);
	return s ? s : "";
}

const char *locks_contact(const struct id *account, enum role role, bool has_patient,
			  const struct id *patient, struct arena *ar)
{
	(void)account;
	if (role == ROLE_PATIENT && has_patient) {
		struct target t;
		const char *name = NULL;
		if (store_patient_target(patient, &t) == ERR_OK && t.n_practices > 0 &&
		    store_practice_name(&t.practices[0], ar, &name) == ERR_OK && name != NULL) {
			const char *s = arena_printf(ar, "your practice, %s", name);
			if (s)
				return s;
		}
		return "your practice";
	}
	return "the portal's operator (the team that runs this portal)";
}

static const char *practice_of(const struct store_lock *l, const struct actor *a, struct arena *ar)
{
	const char *name = NULL;
	if (l->has_practice) {
		if (store_practice_name(&l->practice, ar, &name) == ERR_OK)
			return name;
		return NULL;
	}
	if (l->role != ROLE_PATIENT || !l->has_patient)
		return NULL;
	struct target t;
	if (store_patient_target(&l->patient, &t) != ERR_OK || t.n_practices == 0)
		return NULL;
	/* A practice admin sees their own practice named; the operator the first enrolment. */
	const struct id *pick = &t.practices[0];
	for (size_t i = 0; a->has_practice && i < t.n_practices; i++)
		if (id_eq(&t.practices[i], &a->practice))
			pick = &t.practices[i];
	return store_practice_name(pick, ar, &name) == ERR_OK ? name : NULL;
}

static void collect_reached(struct lock_view *v, struct arena *ar)
{
	struct incident_filter f = {.by_session = true, .session = v->lock.session};
	struct incident_result r;
	if (incident_collect(&f, &r, NULL) != 0)
		return;
	v->reached = arena_calloc(ar, r.n ? r.n : 1, sizeof(*v->reached));
	if (v->reached != NULL) {
		if (r.n)
			memcpy(v->reached, r.lines, r.n * sizeof(*r.lines));
		v->n_reached = r.n;
		v->denied = r.denied;
		v->reached_known = true;
	}
	incident_free(&r);
}

enum err locks_review_list(const struct actor *a, struct arena *ar, struct lock_view **out, size_t *n)
{
	*n = 0;
	*out = NULL;
	bool ok = policy_may_review_locks(a);
	struct audit_event e = {.actor = a, .action = "locks.list", .outcome = ok ? AUDIT_ALLOW : AUDIT_DENY,
				.deferrable = true};
	if (audit_append(&e) != 0)
		return ERR_INTERNAL;
	if (!ok)
		return ERR_NOT_FOUND;
	struct store_lock *locks;
	size_t nl = 0;
	if (store_locks_list(false, a->role == ROLE_OPERATOR ? NULL : &a->practice, ar, &locks, &nl) !=
	    ERR_OK)
		return ERR_INTERNAL;
	struct lock_view *v = arena_calloc(ar, nl ? nl : 1, sizeof(*v));
	if (v == NULL)
		return ERR_INTERNAL;
	size_t reports = 0;
	for (size_t i = 0; i < nl; i++) {
		/* The store narrowed the list; the gate decides each one. */
		if (!may_review(a, &locks[i]))
			continue;
		struct lock_view *x = &v[(*n)++];
		x->lock = locks[i];
		x->practice_name = practice_of(&locks[i], a, ar);
		if (locks[i].email_ct.len) {
			struct buf b;
			buf_init(&b, ar, LIMIT_EMAIL + 1);
			int vr = a->token ? vault_review_email_open(a->token, &locks[i].account,
								   locks[i].email_ct.ptr,
								   locks[i].email_ct.len, &b)
					  : vault_email_open(&locks[i].account, locks[i].email_ct.ptr,
							     locks[i].email_ct.len, &b);
			if (vr == ERR_OK && !b.failed) {
				char *s = arena_alloc(ar, b.len + 1);
				if (s) {
					memcpy(s, b.data, b.len);
					s[b.len] = '\0';
					x->email = s;
				}
			}
		}
		if (strcmp(locks[i].state, LOCK_LOCKED) == 0 && reports < LOCK_REPORTS_MAX) {
			collect_reached(x, ar);
			reports++;
		}
	}
	*out = v;
	return ERR_OK;
}

/* Tell the person what was decided, at their own address (sealed; the outbox opens it). */
static void notify(const struct store_lock *l, bool unlocked, struct arena *ar)
{
	if (l->email_ct.len == 0)
		return;
	const char *contact = locks_contact(&l->account, l->role, l->has_patient, &l->patient, ar);
	char *body =
		unlocked
			? arena_printf(ar,
				       "Hello,\n\nYour patient portal account was paused for review%s after "
				       "unusual activity. It has been reviewed, and you can sign in "
				       "again. The sessions that were open when it was paused stay "
				       "ended.\n\nIf you have questions, contact %s.\n",
				       locks_paused_on(NULL, l->tripped, ar), contact)
			: arena_printf(ar,
				       "Hello,\n\nYour patient portal account was paused for review%s after "
				       "unusual activity, and after review it stays paused for now. "
				       "Your health records are safe and unchanged.\n\nTo talk about "
				       "it, or to have it opened again, contact %s.\n",
				       locks_paused_on(NULL, l->tripped, ar), contact);
	if (body == NULL ||
	    outbox_queue(&l->account, l->email_ct,
				unlocked ? "Your patient portal account is open again"
					 : "Your patient portal account stays paused for review",
				body) != ERR_OK)
		log_warn("component=locks error=\"could not queue the notice\"");
}

static int reason_ok(const char *reason)
{
	if (reason == NULL)
		return -1;
	size_t n = strlen(reason), i = 0;
	while (i < n && (reason[i] == ' ' || reason[i] == '\t' || reason[i] == '\r' || reason[i] == '\n'))
		i++;
	return (i == n || n > LIMIT_LOCK_REASON) ? -1 : 0;
}

bool locks_reason_ok(const char *reason)
{
	return reason_ok(reason) == 0;
}

enum err locks_decide(const struct actor *a, const struct id *lock, bool unlock, const char *reason)
{
	struct arena ar;
	arena_init(&ar, LIMIT_CALL_ARENA);
	int rc = ERR_NOT_FOUND;
	struct store_lock l;
	int found = store_lock_get(lock, &ar, &l);
	if (found == ERR_INTERNAL) {
		rc = ERR_INTERNAL;
		goto out;
	}
	const char *action = unlock ? "account.unlock" : "account.keep-locked";
	if (found != ERR_OK || !may_review(a, &l)) {
		struct audit_event e = {.actor = a, .action = action, .rtype = "Account",
					.rid = found == ERR_OK ? &l.account : NULL,
					.outcome = AUDIT_DENY, .deferrable = true};
		rc = audit_append(&e) == 0 ? ERR_NOT_FOUND : ERR_INTERNAL;
		goto out;
	}
	if (reason_ok(reason) != 0) {
		rc = ERR_INVALID;
		goto out;
	}
	int64_t now = now_sec();
	if (!policy_factor_fresh(a, now)) {
		rc = ERR_STEP_UP;
		goto out;
	}
	/* The vault believes the reviewer's token, not us: it checks the role, the practice it
	 * saw trip and the freshness of the factor again before clearing its trip. */
	if (unlock && vault_unlock_by_reviewer(a->token, &l.account) != ERR_OK) {
		struct audit_event e = {.actor = a, .action = action, .rtype = "Account", .rid = &l.account,
					.outcome = AUDIT_DENY, .deferrable = true};
		rc = audit_append(&e) == 0 ? ERR_STEP_UP : ERR_INTERNAL;
		goto out;
	}
	struct audit_event e = {.actor = a, .action = action, .rtype = "Account", .rid = &l.account,
				.outcome = AUDIT_ALLOW, .deferrable = false};
	if (audit_append(&e) != 0) {
		rc = ERR_INTERNAL;
		goto out;
	}
	if (store_lock_review(&l.account, unlock ? LOCK_UNLOCKED : LOCK_KEPT, &a->account, reason, now) !=
	    ERR_OK) {
		rc = ERR_INTERNAL;
		goto out;
	}
	if (!unlock)
		store_sessions_revoke(&l.account);
	notify(&l, unlock, &ar);
	char acct[ID_HEX_LEN + 1];
	id_hex(&l.account, acct);
	log_info("component=locks event=%s account=%s", unlock ? "unlock" : "keep-locked", acct);
	rc = ERR_OK;
out:
	arena_release(&ar);
	return rc;
}

enum err locks_unlock_local(const struct store_account *account, const char *reason, bool *was_locked)
{
	*was_locked = false;
	if (reason_ok(reason) != 0)
		return ERR_INVALID;
	struct arena ar;
	arena_init(&ar, LIMIT_CALL_ARENA);
	int rc = ERR_INTERNAL;
	struct store_account acct = *account;
	if (!acct.locked) {
		rc = ERR_OK;
		goto out;
	}
	*was_locked = true;
	int64_t now = now_sec();
	uint8_t mac[UNLOCK_TICKET_MAC_BYTES];
	if (vault_unlock_ticket_make(&acct.id, now, mac) != ERR_OK)
		goto out;
	/* The operator at the command line: audited as the local operator, on the account. */
	struct audit_event e = {.actor = NULL, .action = "account.unlock", .rtype = "Account",
				.rid = &acct.id, .outcome = AUDIT_ALLOW, .ip = "local"};
	if (audit_append(&e) != 0)
		goto out;
	if (store_unlock_ticket_set(&acct.id, now, mac, sizeof(mac)) != ERR_OK)
		goto out;
	struct store_lock l;
	bool had_lock = store_lock_latest(&acct.id, &ar, &l) == ERR_OK;
	if (store_lock_review(&acct.id, LOCK_UNLOCKED, NULL, reason, now) != ERR_OK)
		goto out;
	if (had_lock)
		notify(&l, true, &ar);
	rc = ERR_OK;
out:
	arena_release(&ar);
	return rc;
}

void locks_present_ticket(const struct id *account)
{
	int64_t issued = 0;
	uint8_t mac[UNLOCK_TICKET_MAC_BYTES];
	if (store_unlock_ticket_get(account, &issued, mac) != ERR_OK)
		return;
	int v = vault_unlock_by_ticket(account, issued, mac);
	char acct[ID_HEX_LEN + 1];
	id_hex(account, acct);
	log_info("component=locks event=ticket account=%s accepted=%s", acct, v == ERR_OK ? "yes" : "no");
	/* Used or refused, it is done: a refused ticket (stale, lapsed) never becomes good. */
	store_unlock_ticket_delete(account);
}

bool locks_system_held(const struct id *system)
{
	return store_system_held(system);
}
