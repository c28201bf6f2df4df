/* Recalls (see recalls.h): gate, then store, then audit; the notice scheduled for the due date. */
#include "domain/recalls.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

#include "crypto/crypto.h"
#include "domain/domain_int.h"
#include "audit/audit.h"
#include "domain/notify.h"
#include "limits.h"
#include "store/recalls.h"
#include "util/log.h"
#include "util/nztime.h"

static const char rtype_recall[] = "Recall";

static const struct recall_kind kinds[] = {
	{"cervical-screening", "Cervical screening"},
	{"diabetes-review", "Diabetes review"},
	{"blood-pressure", "Blood pressure check"},
	{"heart-check", "Heart check"},
	{"medication-review", "Medication review"},
	{"immunisation", "Immunisation"},
};

const struct recall_kind *recall_kinds(size_t *n)
{
	*n = sizeof(kinds) / sizeof(kinds[0]);
	return kinds;
}

const char *recall_kind_label(const char *slug)
{
	for (size_t i = 0; slug && i < sizeof(kinds) / sizeof(kinds[0]); i++)
		if (strcmp(kinds[i].slug, slug) == 0)
			return kinds[i].label;
	return NULL;
}

/* A recall is due for the whole of its due day in New Zealand, not from the hour its reminder
 * goes: the practice's morning list shows today's. The first instant that is not yet due. */
static int64_t recall_due_by(int64_t now)
{
	return nz_day_start(now, 1);
}

/* The patient's notice of a recall, scheduled for its due date (at once when it is due). */
static void remind(const struct actor *a, const struct store_recall *r, int64_t now, struct arena *ar)
{
	/* what it is for stays in the portal: the email only says one is due */
	struct notify_event e = {.kind = NOTIFY_RECALLS, .patient = r->patient, .practice = r->practice,
				 .ref = &r->id, .not_before = r->due > now ? r->due : 0,
				 .subject = TEXT_MAIL_RECALL_SUBJECT, .line = TEXT_MAIL_RECALL_LINE,
				 .args = {notify_practice_name(&r->practice, ar)}};
	notify_record(a, &e);
}

enum err recall_set(const struct actor *a, const struct id *patient, const char *kind,
		    const char *date, struct arena *ar, const char **why)
{
	*why = NULL;
	struct grant g;
	int rc = domain_gate(a, ACTION_RECALL_SET, patient, rtype_recall, NULL, &g);
	if (rc != ERR_OK)
		return rc;
	if (!a->has_practice) /* the gate lets only staff of the patient's practice set one */
		return ERR_NOT_FOUND;
	int64_t now = (int64_t)time(NULL), due;
	if (recall_kind_label(kind) == NULL) {
		*why = "Choose what the recall is for.";
		return ERR_INVALID;
	}
	if (date == NULL || nz_parse(date, "09:00", &due) != 0 || due < nz_day_start(now, 0) ||
	    due > now + (int64_t)RECALL_MAX_DAYS * 86400) {
		*why = "Give the date it is due, from today up to five years ahead.";
		return ERR_INVALID;
	}
	struct store_recall r;
	memset(&r, 0, sizeof(r));
	random_id(&r.id);
	r.patient = *patient;
	r.practice = a->practice;
	snprintf(r.kind, sizeof(r.kind), "%s", kind);
	r.due = due;
	r.created = now;
	r.created_by = a->account;
	if (domain_audit(a, ACTION_RECALL_SET, patient, rtype_recall, &r.id, AUDIT_ALLOW, 0) != 0)
		return ERR_INTERNAL;
	if (store_recall_insert(&g, &r) != ERR_OK)
		return ERR_INTERNAL;
	remind(a, &r, now, ar);
	return ERR_OK;
}

enum err recall_list(const struct actor *a, const struct id *patient, struct arena *ar,
		     struct recall_view **out, size_t *n)
{
	*n = 0;
	struct grant g;
	int rc = domain_gate(a, ACTION_RECALL_LIST, patient, rtype_recall, NULL, &g);
	if (rc != ERR_OK)
		return rc;
	struct store_recall *rows = NULL;
	size_t count = 0;
	if (store_recall_list(&g, patient, ar, &rows, &count) != ERR_OK)
		return ERR_INTERNAL;
	*out = arena_calloc(ar, count ? count : 1, sizeof(**out));
	if (*out == NULL)
		return ERR_INTERNAL;
	int64_t due_by = recall_due_by((int64_t)time(NULL));
	for (size_t i = 0; i < count; i++) {
		struct recall_view *v = &(*out)[i];
		v->id = rows[i].id;
		v->label = recall_kind_label(rows[i].kind);
		if (v->label == NULL)
			v->label = "A check-up";
		v->due = rows[i].due;
		v->closed = rows[i].closed;
		v->outcome = rows[i].closed ? arena_strdup(ar, rows[i].outcome) : NULL;
		v->is_due = rows[i].due < due_by && rows[i].closed == 0;
		v->appointment = rows[i].appointment;
		v->practice_name = notify_practice_name(&rows[i].practice, ar);
	}
	if (domain_audit(a, ACTION_RECALL_LIST, patient, rtype_recall, NULL, AUDIT_ALLOW, 0) != 0)
		return ERR_INTERNAL;
	*n = count;
	return ERR_OK;
}

enum err recall_close(const struct actor *a, const struct id *recall, bool done)
{
	struct store_recall r;
	struct grant g;
	if (store_recall_get(recall, &r) != ERR_OK) {
		/* an id that is nobody's: counted and audited as a miss, as any other */
		return domain_miss(a, ACTION_RECALL_SET, NULL, rtype_recall, recall, AUDIT_NOT_FOUND);
	}
	int rc = domain_gate(a, ACTION_RECALL_SET, &r.patient, rtype_recall, recall, &g);
	if (rc != ERR_OK)
		return rc;
	/* only the practice that set it closes it, and only while it is open */
	if (!a->has_practice || !id_eq(&a->practice, &r.practice) || r.closed != 0)
		return ERR_NOT_FOUND;
	int64_t now = (int64_t)time(NULL);
	struct audit_event e = {.actor = a, .action = "recall.close", .patient = &r.patient,
				.rtype = rtype_recall, .rid = recall, .outcome = AUDIT_ALLOW,
				.via = grant_via_name(policy_via(a, &r.patient))};
	if (audit_append(&e) != 0)
		return ERR_INTERNAL;
	rc = store_recall_close(&g, &r, done ? RECALL_DONE : RECALL_CANCELLED, &a->account, now);
	if (rc != ERR_OK)
		return rc == ERR_NOT_FOUND ? ERR_NOT_FOUND : ERR_INTERNAL;
	notify_withdraw(recall); /* its reminder, if still waiting, is not sent */
	return ERR_OK;
}

/* One audit record of a booking's change to a recall; 0, or -1 when the trail failed. */
static int audit_recall(const struct actor *a, const struct grant *g, const char *action,
			const struct store_recall *r)
{
	struct audit_event e = {.actor = a, .action = action, .patient = &r->patient,
				.rtype = rtype_recall, .rid = &r->id, .outcome = AUDIT_ALLOW,
				.via = grant_via_name(g->via)};
	return audit_append(&e);
}

void recalls_booked(const struct actor *a, const struct grant *g, const struct id *patient,
		    const struct id *practice, const struct id *appointment, int64_t start,
		    struct arena *ar)
{
	struct store_recall *rs = NULL;
	size_t n = 0;
	if (store_recalls_open_due(g, patient, practice, start, ar, &rs, &n) != ERR_OK) {
		log_warn("component=recalls error=\"open recalls not read\"");
		return;
	}
	int64_t now = (int64_t)time(NULL);
	for (size_t i = 0; i < n; i++) {
		/* audited before it changes; the booking stands whatever happens here */
		if (audit_recall(a, g, "recall.booked", &rs[i]) != 0 ||
		    store_recall_booked(g, &rs[i], appointment, &a->account, now) != ERR_OK)
			continue;
		notify_withdraw(&rs[i].id); /* its reminder, if still waiting, is not sent */
	}
}

void recalls_unbooked(const struct actor *a, const struct grant *g, const struct id *patient,
		      const struct id *appointment, struct arena *ar)
{
	struct store_recall *rs = NULL;
	size_t n = 0;
	if (store_recalls_of_appointment(g, patient, appointment, ar, &rs, &n) != ERR_OK) {
		log_warn("component=recalls error=\"booked recalls not read\"");
		return;
	}
	int64_t now = (int64_t)time(NULL);
	for (size_t i = 0; i < n; i++) {
		if (audit_recall(a, g, "recall.reopen", &rs[i]) != 0 ||
		    store_recall_reopen(g, &rs[i]) != ERR_OK)
			continue;
		/* a reminder still ahead is scheduled again; one already due is not sent again
		 * (the patient has just cancelled: the practice sees the recall open) */
		if (rs[i].due > now)
			remind(a, &rs[i], now, ar);
	}
}

enum err recall_list_practice(const struct actor *a, enum recall_filter filter, size_t offset,
			      size_t limit, struct arena *ar, struct recall_row **out, size_t *n)
{
	*n = 0;
	if (!policy_may_list_recalls(a))
		return ERR_NOT_FOUND;
	int64_t now = (int64_t)time(NULL);
	struct store_recall *rows = NULL;
	size_t count = 0;
	int st = filter == RECALLS_BOOKED
			 ? store_recalls_booked_of_practice(&a->practice, now, offset, limit, ar, &rows,
							    &count)
			 : store_recalls_of_practice(&a->practice,
						     filter == RECALLS_DUE ? recall_due_by(now) : INT64_MAX, offset,
						     limit, ar, &rows, &count);
	if (st != ERR_OK)
		return ERR_INTERNAL;
	*out = arena_calloc(ar, count ? count : 1, sizeof(**out));
	if (*out == NULL)
		return ERR_INTERNAL;
	const char *practice_name = notify_practice_name(&a->practice, ar);
	for (size_t i = 0; i < count; i++) {
		struct recall_row *x = &(*out)[*n];
		/* each patient through the gate: a list is a convenience, not a grant */
		int rc = patient_read(a, &rows[i].patient, ar, &x->patient);
		if (rc == ERR_INTERNAL || rc == ERR_TRIPPED)
			return rc;
		if (rc != ERR_OK)
			continue;
		x->recall.id = rows[i].id;
		x->recall.label = recall_kind_label(rows[i].kind);
		if (x->recall.label == NULL)
			x->recall.label = "A check-up";
		x->recall.due = rows[i].due;
		x->recall.is_due = rows[i].due < recall_due_by(now) && filter != RECALLS_BOOKED;
		x->recall.practice_name = practice_name;
		x->recall.closed = rows[i].closed;
		x->recall.outcome = rows[i].closed ? RECALL_BOOKED : NULL;
		x->recall.appointment = rows[i].appointment;
		x->recall.booked_for = rows[i].booked_for;
		(*n)++;
	}
	return ERR_OK;
}
