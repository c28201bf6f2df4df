/* A patient moving to another practice (transfers.h; docs/internals/TRANSFERS.md). */
#include "domain/transfers.h"
#include "domain/domain_int.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

#include "audit/audit.h"
#include "domain/nhi.h"
#include "domain/locks.h"
#include "domain/notify.h"
#include "limits.h"
#include "vault/vault.h"

/* On the patient's trail: a request (rtype "Transfer", rid the request) or the choice of what
 * a practice sees ("Patient", the patient). */
static int audit_move(const struct actor *a, const char *action, const struct id *patient,
		      const char *rtype, const struct id *rid, const char *outcome)
{
	struct audit_event e = {.actor = a,
				.action = action,
				.patient = patient,
				.rtype = rtype,
				.rid = rid,
				.outcome = outcome,
				/* NULL: the operator at the command line (transfer_complete_local) */
				.ip = a ? NULL : "local",
				.via = a ? grant_via_name(policy_via(a, patient)) : "local"};
	return audit_append(&e);
}

static int audit_transfer(const struct actor *a, const char *action, const struct id *patient,
			  const struct id *request, const char *outcome)
{
	return audit_move(a, action, patient, "Transfer", request, outcome);
}

enum err transfer_ask(const struct actor *a, const struct id *practice, const char *nhi,
		      struct id *out)
{
	if (!policy_may_ask_transfer(a, practice))
		return ERR_DENIED;
	/* Every ask counts, found or not: whether an NHI uses medkeep is not to be probed by the
	 * thousand. Counted per person, so one who misbehaves does not stop their colleagues. */
	char key[64], hex[ID_HEX_LEN + 1];
	id_hex(&a->account, hex);
	snprintf(key, sizeof(key), "transfer-ask:%s", hex);
	int64_t now = (int64_t)time(NULL), blocked = 0;
	int asks = 0;
	if (store_throttle_get(key, now, 86400, &asks, &blocked) != ERR_OK)
		return ERR_INTERNAL;
	if (blocked > now)
		return ERR_THROTTLED;
	if (store_throttle_fail(key, now, 86400, (int)LIMIT_TRANSFER_ASKS_PER_DAY, 86400) != ERR_OK)
		return ERR_INTERNAL;
	char norm[NHI_LEN + 1];
	uint8_t index[HASH_BYTES];
	if (nhi == NULL || !nhi_valid(nhi, strlen(nhi)) || nhi_normalise(nhi, strlen(nhi), norm) != 0)
		return ERR_INVALID;
	if (vault_blind_index("nhi", norm, index) != ERR_OK)
		return ERR_INTERNAL;
	struct id patient;
	struct target t;
	if (store_patient_by_nhi(index, &patient) != ERR_OK ||
	    store_patient_target(&patient, &t) != ERR_OK)
		return ERR_NOT_FOUND;
	if (policy_enrolled_at(&t, practice))
		return ERR_HELD;
	struct store_transfer row;
	memset(&row, 0, sizeof(row));
	random_id(&row.id);
	row.patient = patient;
	row.has_from = t.n_practices > 0;
	if (row.has_from)
		row.from = t.practices[0];
	row.to = *practice;
	row.asked_by = a->account;
	row.asked = now;
	/* On the patient's trail before it exists: they see who asked to take them on. */
	if (audit_transfer(a, "patient.transfer.ask", &patient, &row.id, AUDIT_ALLOW) != 0)
		return ERR_INTERNAL;
	enum err rc = store_transfer_ask(&row, (int)LIMIT_TRANSFER_ASKS_PER_DAY);
	if (rc != ERR_OK) {
		if (audit_transfer(a, "patient.transfer.ask", &patient, &row.id, AUDIT_FAIL) != 0)
			return ERR_INTERNAL;
		return rc == ERR_CONFLICT ? ERR_CONFLICT : ERR_INTERNAL;
	}
	*out = row.id;
	/* The patient hears of it, by email, whether or not they look at their portal. */
	struct arena ar;
	arena_init(&ar, LIMIT_JOB_ARENA);
	struct notify_event e = {.patient = patient, .practice = *practice,
				 .subject = TEXT_MAIL_TRANSFER_ASK_SUBJECT,
				 .line = TEXT_MAIL_TRANSFER_ASK_LINE,
				 .args = {notify_practice_name(practice, &ar)}};
	notify_record_owner(a, &e);
	arena_release(&ar);
	/* And the practice being left, whose clinicians and admins may agree or refuse: each told
	 * which practice asks, never whom it is about. */
	if (row.has_from)
		notify_staff_transfer(a, &row.from, practice);
	return ERR_OK;
}

/* A grant for the patient to write the move with: the patient's own, or the leaving
 * practice's register. policy_may_decide_transfer has said yes. */
static enum err decide_grant(const struct actor *a, const struct id *patient, struct grant *g)
{
	enum action action = a->role == ROLE_PATIENT ? ACTION_PATIENT_READ : ACTION_PATIENT_WRITE;
	struct target t;
	if (store_patient_target(patient, &t) != ERR_OK)
		return ERR_NOT_FOUND;
	t.proxy_scopes = 0;
	return policy_decide(a, action, &t, g) == 0 ? ERR_OK : ERR_NOT_FOUND;
}

enum err transfer_decide(const struct actor *a, const struct id *request, bool agree, bool share)
{
	struct store_transfer row;
	if (store_transfer_get(request, &row) != ERR_OK || row.decided != 0 ||
	    !policy_may_decide_transfer(a, &row.patient, row.has_from ? &row.from : NULL)) {
		/* Not theirs to decide, or not open: audited on the patient's trail when there is
		 * one, and answered like a random id. */
		if (row.decided == 0 && !id_is_zero(&row.patient) &&
		    audit_transfer(a, "patient.transfer", &row.patient, request, AUDIT_DENY) != 0)
			return ERR_INTERNAL;
		return ERR_NOT_FOUND;
	}
	struct grant g;
	if (decide_grant(a, &row.patient, &g) != ERR_OK) {
		if (audit_transfer(a, "patient.transfer", &row.patient, request, AUDIT_DENY) != 0)
			return ERR_INTERNAL;
		return ERR_NOT_FOUND;
	}
	int64_t now = (int64_t)time(NULL);
	const char *action = agree ? "patient.transfer" : "patient.transfer.decline";
	if (audit_transfer(a, action, &row.patient, request, AUDIT_ALLOW) != 0)
		return ERR_INTERNAL;
	enum err rc = agree ? store_transfer_complete(&g, request, share ? 0 : now, &a->account, now)
			    : store_transfer_decline(request, &a->account, now);
	if (rc != ERR_OK) {
		if (audit_transfer(a, action, &row.patient, request, AUDIT_FAIL) != 0)
			return ERR_INTERNAL;
		return rc == ERR_CONFLICT ? ERR_CONFLICT : ERR_INTERNAL;
	}
	/* A move agreed by the practice being left: the patient is told (they agreed themselves
	 * otherwise, on the page that says so). */
	if (agree && a->role != ROLE_PATIENT) {
		struct arena ar;
		arena_init(&ar, LIMIT_JOB_ARENA);
		struct notify_event e = {
			.patient = row.patient, .practice = row.to, .subject = TEXT_MAIL_MOVED_SUBJECT,
			.line = share ? TEXT_MAIL_MOVED_LINE_SHARED : TEXT_MAIL_MOVED_LINE,
			.args = {notify_practice_name(&row.to, &ar),
				 row.has_from ? notify_practice_name(&row.from, &ar) : ""}};
		notify_record_owner(a, &e);
		arena_release(&ar);
	}
	return ERR_OK;
}

/* Did the patient move to this practice (so there is a "before" to share)? */
static bool moved_to(const struct store_transfer *rows, size_t n, const struct id *practice)
{
	for (size_t i = 0; i < n; i++)
		if (id_eq(&rows[i].to, practice) && strcmp(rows[i].outcome, TRANSFER_MOVED) == 0)
			return true;
	return false;
}

enum err transfer_share(const struct actor *a, const struct id *patient, const struct id *practice,
			bool share)
{
	if (!policy_may_share_history(a, patient))
		return ERR_NOT_FOUND;
	struct arena ar;
	arena_init(&ar, LIMIT_JOB_ARENA);
	struct store_transfer *rows = NULL;
	size_t n = 0;
	struct grant g;
	enum err rc = store_transfers_of_patient(patient, &ar, &rows, &n);
	if (rc == ERR_OK && !moved_to(rows, n, practice))
		rc = ERR_NOT_FOUND;
	if (rc == ERR_OK)
		rc = decide_grant(a, patient, &g);
	arena_release(&ar);
	if (rc != ERR_OK)
		return rc == ERR_NOT_FOUND ? ERR_NOT_FOUND : ERR_INTERNAL;
	const char *action = share ? "patient.history.share" : "patient.history.unshare";
	if (audit_move(a, action, patient, "Patient", patient, AUDIT_ALLOW) != 0)
		return ERR_INTERNAL;
	rc = store_enrolment_share(&g, patient, practice, share);
	return rc == ERR_OK || rc == ERR_NOT_FOUND ? rc : ERR_INTERNAL;
}

static const char *full_name(const struct patient_view *p, struct arena *ar)
{
	return arena_printf(ar, "%s %s", p->given ? p->given : "", p->family ? p->family : "");
}

static void view_names(struct transfer_view *v, struct arena *ar)
{
	const char *name = NULL;
	if (v->row.has_from && store_practice_name(&v->row.from, ar, &name) == ERR_OK)
		v->from_name = name;
	if (store_practice_name(&v->row.to, ar, &name) == ERR_OK)
		v->to_name = name;
	if (v->to_name == NULL)
		v->to_name = "";
}

enum err transfer_list_practice(const struct actor *a, struct arena *ar,
				struct transfer_view **out, size_t *n)
{
	*n = 0;
	if (a == NULL || !a->has_practice || !policy_may_ask_transfer(a, &a->practice))
		return ERR_DENIED;
	struct store_transfer *rows = NULL;
	size_t count = 0;
	int64_t since = (int64_t)time(NULL) - (int64_t)LIMIT_TRANSFER_SHOWN_DAYS * 86400;
	if (store_transfers_of_practice(&a->practice, since, ar, &rows, &count) != ERR_OK)
		return ERR_INTERNAL;
	*out = arena_calloc(ar, count ? count : 1, sizeof(**out));
	if (*out == NULL)
		return ERR_INTERNAL;
	for (size_t i = 0; i < count; i++) {
		struct transfer_view *v = &(*out)[(*n)++];
		v->row = rows[i];
		view_names(v, ar);
		/* The name only where this practice reaches the patient now: the one leaving it
		 * (still enrolled there) or the one who moved in. A pending request of theirs
		 * names nobody: asking is not reaching. */
		struct target t;
		if (store_patient_target(&v->row.patient, &t) != ERR_OK ||
		    !policy_enrolled_at(&t, &a->practice))
			continue;
		struct patient_view p;
		if (patient_read(a, &v->row.patient, ar, &p) == ERR_OK)
			v->patient_name = full_name(&p, ar);
	}
	return ERR_OK;
}

enum err transfer_list_patient(const struct actor *a, const struct id *patient, struct arena *ar,
			       struct transfer_view **out, size_t *n, const char **current,
			       size_t *n_current)
{
	*n = 0;
	*n_current = 0;
	if (!policy_may_share_history(a, patient))
		return ERR_NOT_FOUND;
	struct store_transfer *rows = NULL;
	size_t count = 0;
	if (store_transfers_of_patient(patient, ar, &rows, &count) != ERR_OK)
		return ERR_INTERNAL;
	struct target t;
	if (store_patient_target(patient, &t) != ERR_OK)
		return ERR_NOT_FOUND;
	for (size_t k = 0; k < t.n_practices && k < TARGET_MAX_PRACTICES; k++) {
		const char *name = NULL;
		if (store_practice_name(&t.practices[k], ar, &name) == ERR_OK)
			current[(*n_current)++] = name;
	}
	*out = arena_calloc(ar, count ? count : 1, sizeof(**out));
	if (*out == NULL)
		return ERR_INTERNAL;
	for (size_t i = 0; i < count; i++) {
		struct transfer_view *v = &(*out)[(*n)++];
		v->row = rows[i];
		view_names(v, ar);
		for (size_t k = 0; k < t.n_practices; k++)
			if (id_eq(&t.practices[k], &v->row.to))
				v->shared = t.history_from[k] == 0;
	}
	return ERR_OK;
}

enum err transfer_complete_local(const struct id *request, bool share, const char *reason)
{
	if (!locks_reason_ok(reason)) /* an operator's reason: the same rule as for a lock's */
		return ERR_INVALID;
	struct store_transfer row;
	struct target t;
	struct grant g;
	/* The operator's own tool, holding the master key: the local grant, on an open request. */
	if (store_transfer_get(request, &row) != ERR_OK || row.decided != 0 ||
	    store_patient_target(&row.patient, &t) != ERR_OK ||
	    policy_decide_local(ACTION_PATIENT_WRITE, &t, &g) != 0)
		return ERR_NOT_FOUND;
	int64_t now = (int64_t)time(NULL);
	struct id operator;
	memset(&operator, 0, sizeof(operator)); /* decided by: nobody's account, the operator */
	if (audit_transfer(NULL, "patient.transfer", &row.patient, request, AUDIT_ALLOW) != 0)
		return ERR_INTERNAL;
	enum err rc = store_transfer_complete(&g, request, share ? 0 : now, &operator, now);
	if (rc != ERR_OK) {
		if (audit_transfer(NULL, "patient.transfer", &row.patient, request, AUDIT_FAIL) != 0)
			return ERR_INTERNAL;
		return rc == ERR_CONFLICT ? ERR_CONFLICT : ERR_INTERNAL;
	}
	return store_transfer_note(request, reason) == ERR_OK ? ERR_OK : ERR_INTERNAL;
}
