/*
 * Appointments (appointments.h). Slots are the practice's timetable: publishing and listing
 * them is decided by policy_may_manage_slots and by the gate on the patient being booked for.
 * Appointments are patient data: gate, store with the grant, vault, audit, like every record.
 */
#include "domain/appointments.h"
#include "domain/appointments_int.h"
#include "domain/careplan_int.h"
#include "domain/notify.h"
#include "domain/recalls.h"

#include <string.h>
#include <time.h>

#include "audit/audit.h"
#include "limits.h"
#include "util/nztime.h"

static const char rtype_appt[] = "Appointment";
static const char rtype_slot[] = "Slot";

/* Audit something that is not one patient's record (the practice's timetable, settings). */
enum err practice_audit(const struct actor *a, const char *action, const char *outcome,
			const struct id *rid)
{
	/* Only an allowed change must be durable before it is made (as domain_audit). */
	bool change = strcmp(action, "slot.publish") == 0 || strcmp(action, "slot.remove") == 0 ||
		      strcmp(action, "practice.settings.write") == 0;
	struct audit_event e = {.actor = a, .action = action,
				.rtype = strncmp(action, "practice.", 9) == 0 ? "Practice" : rtype_slot,
				.rid = rid,
				.outcome = outcome,
				.deferrable = !(change && strcmp(outcome, AUDIT_ALLOW) == 0)};
	return audit_append(&e) == 0 ? ERR_OK : ERR_INTERNAL;
}

void slot_view_from(const struct store_slot *s, struct arena *ar, struct slot_view *v)
{
	memset(v, 0, sizeof(*v));
	v->id = s->id;
	v->practice = s->practice;
	v->clinician = s->clinician;
	v->clinician_name = careplan_staff_name(&s->clinician, ar);
	v->start = s->start;
	v->minutes = s->minutes;
	v->booked = s->booked;
}

static enum err slot_views(const struct store_slot *rows, size_t n, struct arena *ar,
			   struct slot_view **out)
{
	*out = arena_calloc(ar, n ? n : 1, sizeof(**out));
	if (*out == NULL)
		return ERR_INTERNAL;
	for (size_t i = 0; i < n; i++)
		slot_view_from(&rows[i], ar, &(*out)[i]);
	return ERR_OK;
}

static bool is_staff_of_practice(const struct actor *a)
{
	return policy_may_manage_slots(a, &a->practice);
}

enum err slots_for_patient(const struct actor *a, const struct id *patient, int64_t from, int64_t to,
			   struct arena *ar, struct slot_view **out, size_t *n)
{
	*n = 0;
	struct target t;
	if (store_patient_target(patient, &t) == ERR_INTERNAL)
		return ERR_INTERNAL;
	struct grant g;
	int rc = domain_gate_target(a, ACTION_APPOINTMENT_LIST, &t, rtype_slot, NULL, &g);
	if (rc != ERR_OK)
		return rc;
	struct store_slot *all = arena_calloc(ar, LIMIT_LIST, sizeof(*all));
	if (all == NULL)
		return ERR_INTERNAL;
	size_t total = 0;
	for (size_t i = 0; i < t.n_practices && total < LIMIT_LIST; i++) {
		struct store_slot *rows;
		size_t k = 0;
		if (store_slots_list(&t.practices[i], NULL, from, to, true, ar, &rows, &k) != ERR_OK)
			return ERR_INTERNAL;
		for (size_t j = 0; j < k && total < LIMIT_LIST; j++)
			all[total++] = rows[j];
	}
	if (domain_audit(a, ACTION_APPOINTMENT_LIST, patient, rtype_slot, NULL, AUDIT_ALLOW, 0) != 0 ||
	    slot_views(all, total, ar, out) != ERR_OK)
		return ERR_INTERNAL;
	*n = total;
	return ERR_OK;
}

enum err slots_for_practice(const struct actor *a, const struct id *clinician, int64_t from, int64_t to,
			    bool free_only, struct arena *ar, struct slot_view **out, size_t *n)
{
	*n = 0;
	bool ok = is_staff_of_practice(a);
	if (practice_audit(a, "slot.list", ok ? AUDIT_ALLOW : AUDIT_DENY, NULL) != ERR_OK)
		return ERR_INTERNAL;
	if (!ok)
		return ERR_NOT_FOUND;
	struct store_slot *rows;
	if (store_slots_list(&a->practice, clinician, from, to, free_only, ar, &rows, n) != ERR_OK)
		return ERR_INTERNAL;
	return slot_views(rows, *n, ar, out);
}

/* Which practices' slots the actor reaches for this search, into f (audited either way). */
static enum err slots_scope(const struct actor *a, const struct slot_search *q, struct target *t,
			    struct store_slot_filter *f)
{
	if (a->role == ROLE_PATIENT) {
		if (q->patient == NULL)
			return ERR_NOT_FOUND;
		if (store_patient_target(q->patient, t) == ERR_INTERNAL)
			return ERR_INTERNAL;
		struct grant g;
		int rc = domain_gate_target(a, ACTION_APPOINTMENT_LIST, t, rtype_slot, NULL, &g);
		if (rc != ERR_OK)
			return rc;
		if (domain_audit(a, ACTION_APPOINTMENT_LIST, q->patient, rtype_slot, NULL, AUDIT_ALLOW,
				 0) != 0)
			return ERR_INTERNAL;
		f->practices = t->practices;
		f->n_practices = t->n_practices;
		/* patients see free slots only: a busy one is someone's appointment */
		f->state = q->state == SLOTS_BUSY ? SLOTS_NONE : SLOTS_FREE;
		return ERR_OK;
	}
	bool ok = is_staff_of_practice(a);
	if (practice_audit(a, "slot.list", ok ? AUDIT_ALLOW : AUDIT_DENY, NULL) != ERR_OK)
		return ERR_INTERNAL;
	if (!ok)
		return ERR_NOT_FOUND;
	f->practices = &a->practice;
	f->n_practices = 1;
	f->state = (enum slot_state_filter)q->state;
	return ERR_OK;
}

enum err slots_search(const struct actor *a, const struct slot_search *q, const struct store_page *pg,
		      struct arena *ar, struct slot_view **out, size_t *n, struct page_info *info)
{
	*n = 0;
	struct target t;
	struct store_slot_filter f = {.clinician = q->clinician, .from = q->from, .to = q->to};
	enum err rc = slots_scope(a, q, &t, &f);
	if (rc != ERR_OK)
		return rc;
	struct store_page ask;
	domain_page_begin(pg, &ask, info);
	struct store_slot *rows = NULL;
	size_t count = 0;
	if ((info && info->want_total && store_slots_count(&f, &info->total) != ERR_OK) ||
	    (ask.limit > 0 && store_slots_page(&f, &ask, ar, &rows, &count) != ERR_OK))
		return ERR_INTERNAL;
	count = domain_page_end(&ask, count, info);
	if (slot_views(rows, count, ar, out) != ERR_OK)
		return ERR_INTERNAL;
	*n = count;
	return ERR_OK;
}

/* Whether the actor may see this practice's slots: its staff, or a patient-role actor for the
 * record they are viewing when it is enrolled there (the gate decides that part). */
static enum err may_see_practice(const struct actor *a, const struct id *practice, bool *yes)
{
	*yes = false;
	if (a->role != ROLE_PATIENT) {
		*yes = is_staff_of_practice(a) && id_eq(&a->practice, practice);
		return ERR_OK;
	}
	if (!a->has_record)
		return ERR_OK;
	struct target t;
	if (store_patient_target(&a->record, &t) == ERR_INTERNAL)
		return ERR_INTERNAL;
	t.proxy_scopes = 0;
	if (t.exists && !(a->has_patient && id_eq(&a->patient, &a->record)) &&
	    store_proxy_scopes(&a->account, &a->record, (int64_t)time(NULL), &t.proxy_scopes) ==
		    ERR_INTERNAL)
		return ERR_INTERNAL;
	struct grant g;
	if (policy_decide(a, ACTION_APPOINTMENT_LIST, &t, &g) != 0)
		return ERR_OK;
	for (size_t i = 0; i < t.n_practices; i++)
		if (id_eq(&t.practices[i], practice))
			*yes = true;
	return ERR_OK;
}

enum err slot_read(const struct actor *a, const struct id *slot, struct arena *ar, struct slot_view *out)
{
	struct store_slot s;
	int found = store_slot_get(slot, &s);
	if (found == ERR_INTERNAL)
		return ERR_INTERNAL;
	bool yes = false;
	if (found == ERR_OK && may_see_practice(a, &s.practice, &yes) != ERR_OK)
		return ERR_INTERNAL;
	if (!yes) {
		if (practice_audit(a, "slot.read", found == ERR_OK ? AUDIT_DENY : AUDIT_NOT_FOUND,
				   slot) != ERR_OK)
			return ERR_INTERNAL;
		int v = vault_report_miss(a->token);
		return v == ERR_TRIPPED || v == ERR_APP_STOPPED ? domain_miss_refused(a, v)
								    : ERR_NOT_FOUND;
	}
	if (practice_audit(a, "slot.read", AUDIT_ALLOW, slot) != ERR_OK)
		return ERR_INTERNAL;
	slot_view_from(&s, ar, out);
	return ERR_OK;
}

enum err slot_publish(const struct actor *a, const struct id *clinician, int64_t start, int minutes,
		      int count, int64_t now, int *made, const char **why)
{
	*made = 0;
	*why = NULL;
	bool ok = policy_may_manage_slots(a, &a->practice);
	bool clin = false;
	if (ok && store_clinician_of(clinician, &a->practice, &clin) != ERR_OK)
		return ERR_INTERNAL;
	if (practice_audit(a, "slot.publish", ok && clin ? AUDIT_ALLOW : AUDIT_DENY, clinician) !=
	    ERR_OK)
		return ERR_INTERNAL;
	if (!ok)
		return ERR_NOT_FOUND;
	if (!clin) {
		*why = "Choose a clinician of your practice.";
		return ERR_INVALID;
	}
	if (minutes < 5 || minutes > 240) {
		*why = "A slot lasts from 5 to 240 minutes.";
		return ERR_INVALID;
	}
	if (count < 1 || count > SLOT_BATCH_MAX) {
		*why = "Publish from 1 to 32 slots at a time.";
		return ERR_INVALID;
	}
	/* 90 calendar days in New Zealand, to the end of the 90th: daylight saving makes a day
	 * 23 or 25 hours, so not 90 x 86400 seconds. */
	if (start <= now || start >= nz_day_start(now, SLOT_HORIZON_DAYS + 1)) {
		*why = "Slots start in the future, at most 90 days ahead.";
		return ERR_INVALID;
	}
	for (int i = 0; i < count; i++) {
		struct store_slot s = {.practice = a->practice, .clinician = *clinician,
				       .start = start + (int64_t)i * minutes * 60, .minutes = minutes};
		random_id(&s.id);
		int rc = store_slot_insert(&s, &a->account, now);
		if (rc == ERR_OK)
			(*made)++;
		else if (rc != ERR_CONFLICT)
			return ERR_INTERNAL;
	}
	if (*made == 0)
		*why = "Those times overlap slots that are already published.";
	return *made ? ERR_OK : ERR_INVALID;
}

/* --- appointments --- */

static enum err appointment_open(const struct actor *a, const struct grant *g,
				 const struct store_patient *p, const struct store_appointment *r,
				 int64_t now, struct arena *ar, struct appointment_view *v)
{
	memset(v, 0, sizeof(*v));
	v->id = r->id;
	v->slot = r->slot;
	v->patient = r->patient;
	v->practice = r->practice;
	v->clinician = r->clinician;
	v->clinician_name = careplan_staff_name(&r->clinician, ar);
	v->start = r->start;
	v->minutes = r->minutes;
	v->booked = r->booked;
	v->cancelled = r->cancelled;
	v->reason = "";
	v->kind = r->kind;
	v->cancel_reason = appointment_cancel_reason_text(r->cancel_reason) ? r->cancel_reason : NULL;
	int cutoff = CANCEL_CUTOFF_DEFAULT_MINUTES;
	if (store_practice_cutoff(&r->practice, &cutoff) != ERR_OK)
		return ERR_INTERNAL;
	/* Staff may cancel until the appointment starts; patients and proxies until the cut-off. */
	int64_t latest = r->start - (g->via == VIA_STAFF ? 0 : (int64_t)cutoff * 60);
	v->can_cancel = r->cancelled == 0 && now <= latest;
	if (r->reason.len) {
		json_t *o;
		int rc = careplan_open(a, g, p, VREC_APPOINTMENT, &r->id, r->reason, "appointment", ar,
				       &o);
		if (rc != ERR_OK)
			return rc;
		v->reason = careplan_str(o, "reason", ar);
		json_decref(o);
	}
	return ERR_OK;
}

/* Tell the patient an appointment was booked (with its reminder scheduled for the day before),
 * cancelled (its reminder withdrawn; `why` the practice's reason, or NULL) or moved from `from`
 * (the reminder moved with it), by whoever did it: the practice, the time and how only. */
void appointment_notify(const struct actor *a, const struct id *appt, const struct id *patient,
			const struct id *practice, int64_t start, enum appointment_kind kind,
			enum appt_event ev, int64_t from, const char *why, struct arena *ar)
{
	char when[NZ_WHEN_LEN], was[NZ_WHEN_LEN];
	nz_when(start, when, sizeof(when));
	nz_when(from, was, sizeof(was));
	const char *name = notify_practice_name(practice, ar);
	static const enum text_id how[APPT_KINDS] = {[APPT_IN_PERSON] = TEXT_MAIL_APPT_IN_PERSON,
						     [APPT_PHONE] = TEXT_MAIL_APPT_PHONE,
						     [APPT_VIDEO] = TEXT_MAIL_APPT_VIDEO};
	struct notify_event e = {.kind = NOTIFY_APPOINTMENTS, .patient = *patient,
				 .practice = *practice, .subject = TEXT_MAIL_APPT_SUBJECT,
				 .args = {name, when}};
	switch (ev) {
	case APPT_BOOKED:
		e.line = TEXT_MAIL_APPT_BOOKED;
		e.arg_text[2] = how[kind];
		break;
	case APPT_CANCELLED:
		e.line = why ? TEXT_MAIL_APPT_CANCELLED_WHY : TEXT_MAIL_APPT_CANCELLED;
		e.args[2] = why;
		break;
	case APPT_MOVED:
		e.subject = TEXT_MAIL_APPT_CHANGED_SUBJECT;
		e.line = TEXT_MAIL_APPT_MOVED;
		e.args[1] = was;
		e.args[2] = when;
		e.arg_text[3] = how[kind];
		break;
	}
	notify_withdraw(appt);
	notify_record(a, &e);
	int64_t remind = notify_reminder_at(start);
	if (ev == APPT_CANCELLED || remind <= (int64_t)time(NULL))
		return;
	e.kind = NOTIFY_REMINDERS;
	e.ref = appt;
	e.not_before = remind;
	e.subject = TEXT_MAIL_REMINDER_SUBJECT;
	e.line = TEXT_MAIL_REMINDER_LINE;
	e.args[1] = when;
	e.args[2] = NULL;
	e.arg_text[2] = e.arg_text[3] = TEXT_NONE;
	notify_record(a, &e);
}

const char *appointment_kind_label(enum appointment_kind k)
{
	return k == APPT_PHONE ? "By phone" : k == APPT_VIDEO ? "By video" : "In person";
}

enum err appointment_book(const struct actor *a, const struct id *patient, const struct id *slot,
			  const char *reason, enum appointment_kind kind, int64_t now, struct arena *ar,
			  struct id *out, const char **why)
{
	*why = NULL;
	if ((unsigned)kind >= APPT_KINDS) {
		*why = "Choose in person, by phone or by video.";
		return ERR_INVALID;
	}
	struct target t;
	if (store_patient_target(patient, &t) == ERR_INTERNAL)
		return ERR_INTERNAL;
	struct grant g;
	int rc = domain_gate_target(a, ACTION_APPOINTMENT_BOOK, &t, rtype_appt, NULL, &g);
	if (rc != ERR_OK)
		return rc;
	struct store_slot s;
	int found = store_slot_get(slot, &s);
	if (found == ERR_INTERNAL)
		return ERR_INTERNAL;
	bool at_practice = false;
	for (size_t i = 0; found == ERR_OK && i < t.n_practices; i++)
		at_practice |= id_eq(&t.practices[i], &s.practice);
	/* A practice that closed online booking still books for its patients (staff, systems,
	 * imports); patients and their proxies are told to phone. */
	struct store_booking_settings bk = {.closed = false, .phone = "", .hours = ""};
	if (found == ERR_OK && a->role == ROLE_PATIENT &&
	    store_practice_booking(&s.practice, ar, &bk) != ERR_OK)
		return ERR_INTERNAL;
	if (found == ERR_OK && at_practice && a->role == ROLE_PATIENT && bk.closed) {
		*why = "Online booking is closed at the moment. Please phone the practice.";
		return domain_audit(a, ACTION_APPOINTMENT_BOOK, patient, rtype_slot, slot, AUDIT_FAIL,
				    0) == 0 ? ERR_INVALID : ERR_INTERNAL;
	}
	if (!at_practice || s.start <= now) {
		*why = !at_practice ? "That appointment time is not one your practice offers."
				    : "That appointment time has passed. Choose another.";
		return domain_audit(a, ACTION_APPOINTMENT_BOOK, patient, rtype_slot, slot, AUDIT_FAIL,
				    0) == 0 ? ERR_INVALID : ERR_INTERNAL;
	}
	if (!careplan_text_ok(reason, APPOINTMENT_REASON_MAX, false)) {
		*why = "The reason can be up to 500 characters.";
		return ERR_INVALID;
	}
	int upcoming = 0;
	if (store_appointments_upcoming(&g, patient, now, &upcoming) != ERR_OK)
		return ERR_INTERNAL;
	if (upcoming >= APPOINTMENTS_UPCOMING_MAX) {
		*why = "You already have 10 upcoming appointments. Cancel one, or phone your practice.";
		return ERR_INVALID;
	}
	struct store_patient p;
	rc = careplan_patient_row(&g, patient, ar, &p);
	if (rc == ERR_GONE)
		return domain_gone(a, ACTION_APPOINTMENT_BOOK, patient, rtype_appt, NULL);
	if (rc != ERR_OK)
		return rc;
	struct store_appointment row;
	memset(&row, 0, sizeof(row));
	random_id(&row.id);
	row.slot = *slot;
	row.patient = *patient;
	row.booked_by = a->account;
	row.booked = (int64_t)time(NULL);
	row.kind = kind;
	if (reason && reason[0]) {
		json_t *o = json_pack("{s:s, s:s}", "part", "appointment", "reason", reason);
		rc = careplan_seal(a, &g, &p, VREC_APPOINTMENT, &row.id, o, ar, &row.reason);
		json_decref(o);
		if (rc != ERR_OK)
			return rc;
	}
	if (domain_audit(a, ACTION_APPOINTMENT_BOOK, patient, rtype_appt, &row.id, AUDIT_ALLOW, 0) != 0)
		return ERR_INTERNAL;
	bool full = false;
	int st = store_appointment_insert(&g, &row, now, APPOINTMENTS_UPCOMING_MAX, &full);
	if (st == ERR_CONFLICT || st == ERR_NOT_FOUND) {
		if (domain_audit(a, ACTION_APPOINTMENT_BOOK, patient, rtype_appt, &row.id, AUDIT_FAIL,
				 0) != 0)
			return ERR_INTERNAL;
		/* the limit again, decided by the insert: concurrent bookings passed the check above */
		*why = full ? "You already have 10 upcoming appointments. Cancel one, or phone your practice."
			    : "Sorry, someone else has just booked that time. Please choose another.";
		return ERR_INVALID;
	}
	if (st != ERR_OK)
		return ERR_INTERNAL;
	appointment_notify(a, &row.id, patient, &s.practice, s.start, kind, APPT_BOOKED, 0, NULL, ar);
	recalls_booked(a, &g, patient, &s.practice, &row.id, s.start, ar);
	*out = row.id;
	return ERR_OK;
}

/* Gate an action on an appointment's patient; missing answers exactly like foreign. */
enum err gate_appointment(const struct actor *a, enum action action, const struct id *id,
			  struct target *t, struct grant *g)
{
	int found = store_appointment_target(id, t);
	if (found == ERR_INTERNAL)
		return ERR_INTERNAL;
	if (found == ERR_NOT_FOUND)
		return domain_miss(a, action, NULL, rtype_appt, id, AUDIT_NOT_FOUND);
	return domain_gate_target(a, action, t, rtype_appt, id, g);
}

enum err appointment_cancel(const struct actor *a, const struct id *appointment, int64_t now,
			    const char *reason, const char **why)
{
	*why = NULL;
	struct target t;
	struct grant g;
	int rc = gate_appointment(a, ACTION_APPOINTMENT_CANCEL, appointment, &t, &g);
	if (rc != ERR_OK)
		return rc;
	struct arena ar;
	arena_init(&ar, LIMIT_CALL_ARENA);
	struct store_appointment r;
	int cutoff = CANCEL_CUTOFF_DEFAULT_MINUTES;
	rc = ERR_INTERNAL;
	if (store_appointment_get(&g, appointment, &ar, &r) != ERR_OK ||
	    store_practice_cutoff(&r.practice, &cutoff) != ERR_OK)
		goto out;
	int64_t min_start = g.via == VIA_STAFF ? now : now + (int64_t)cutoff * 60;
	if (r.cancelled || r.start < min_start) {
		*why = r.cancelled		 ? "This appointment was cancelled already."
		       : g.via == VIA_STAFF ? "This appointment has already started."
					    : "It is too close to the appointment to cancel it here. "
					      "Please phone your practice.";
		rc = domain_audit(a, ACTION_APPOINTMENT_CANCEL, &t.patient, rtype_appt, appointment,
				  AUDIT_FAIL, 0) == 0 ? ERR_INVALID : ERR_INTERNAL;
		goto out;
	}
	if (domain_audit(a, ACTION_APPOINTMENT_CANCEL, &t.patient, rtype_appt, appointment,
			 AUDIT_ALLOW, 0) != 0)
		goto out;
	/* a reason is the practice's to give (a patient cancelling needs none) */
	if (reason && (g.via != VIA_STAFF || appointment_cancel_reason_text(reason) == NULL)) {
		*why = "Choose a reason for cancelling.";
		rc = ERR_INVALID;
		goto out;
	}
	int st = store_appointment_cancel(&g, appointment, &a->account, now, min_start, reason);
	if (st == ERR_CONFLICT) {
		*why = "This appointment can no longer be cancelled here.";
		rc = ERR_INVALID;
	} else if (st == ERR_OK) {
		appointment_notify(a, appointment, &t.patient, &r.practice, r.start, r.kind,
				   APPT_CANCELLED, 0, reason ? appointment_cancel_reason_text(reason) : NULL,
				   &ar);
		recalls_unbooked(a, &g, &t.patient, appointment, &ar);
		rc = ERR_OK;
	}
out:
	arena_release(&ar);
	return rc;
}

enum err appointment_list(const struct actor *a, const struct id *patient, int64_t now,
			  struct arena *ar, struct appointment_view **out, size_t *n)
{
	return appointment_search(a, patient, now, NULL, ar, out, n, NULL);
}

enum err appointment_search(const struct actor *a, const struct id *patient, int64_t now,
			    const struct store_page *pg, struct arena *ar,
			    struct appointment_view **out, size_t *n, struct page_info *info)
{
	*n = 0;
	struct grant g;
	int rc = domain_gate(a, ACTION_APPOINTMENT_LIST, patient, rtype_appt, NULL, &g);
	if (rc != ERR_OK)
		return rc;
	struct store_patient p;
	rc = careplan_patient_row(&g, patient, ar, &p);
	if (rc == ERR_GONE)
		return domain_gone(a, ACTION_APPOINTMENT_LIST, patient, rtype_appt, NULL);
	struct store_appointment *rows;
	size_t count = 0;
	struct store_page ask;
	domain_page_begin(pg, &ask, info);
	if (rc != ERR_OK ||
	    (info && info->want_total &&
	     store_appointment_count(&g, patient, &ask, &info->total) != ERR_OK) ||
	    store_appointment_list(&g, patient, &ask, ar, &rows, &count) != ERR_OK)
		return ERR_INTERNAL;
	count = domain_page_end(&ask, count, info);
	/* The list is this patient's record even when it is empty (that says something too): the
	 * breaker counts it before anything is served. */
	int vrc = vault_report_read(a->token, patient, (int64_t)(count * sizeof(rows[0])));
	if (vrc != ERR_OK)
		return domain_vault_failed(a, vrc);
	*out = arena_calloc(ar, count ? count : 1, sizeof(**out));
	if (*out == NULL)
		return ERR_INTERNAL;
	for (size_t i = 0; i < count; i++)
		if ((rc = appointment_open(a, &g, &p, &rows[i], now, ar, &(*out)[i])) != ERR_OK)
			return rc;
	for (size_t i = 0; i < count; i++)
		if (domain_audit(a, ACTION_APPOINTMENT_LIST, patient, rtype_appt, &rows[i].id,
				 AUDIT_ALLOW, 0) != 0)
			return ERR_INTERNAL;
	if (count == 0 &&
	    domain_audit(a, ACTION_APPOINTMENT_LIST, patient, rtype_appt, NULL, AUDIT_ALLOW, 0) != 0)
		return ERR_INTERNAL;
	*n = count;
	return ERR_OK;
}

enum err appointment_read(const struct actor *a, const struct id *appointment, int64_t now,
			  struct arena *ar, struct appointment_view *out)
{
	struct target t;
	struct grant g;
	int rc = gate_appointment(a, ACTION_APPOINTMENT_LIST, appointment, &t, &g);
	if (rc != ERR_OK)
		return rc;
	struct store_patient p;
	rc = careplan_patient_row(&g, &t.patient, ar, &p);
	if (rc == ERR_GONE)
		return domain_gone(a, ACTION_APPOINTMENT_LIST, &t.patient, rtype_appt, appointment);
	struct store_appointment r;
	if (rc != ERR_OK || store_appointment_get(&g, appointment, ar, &r) != ERR_OK)
		return ERR_INTERNAL;
	/* Without a sealed reason the vault opens nothing, but when and with whom is still this
	 * patient's record: the breaker counts it like any other read (a list counts once). */
	if (r.reason.len == 0) {
		int vrc = vault_report_read(a->token, &t.patient, (int64_t)sizeof(r));
		if (vrc != ERR_OK)
			return domain_vault_failed(a, vrc);
	}
	if ((rc = appointment_open(a, &g, &p, &r, now, ar, out)) != ERR_OK)
		return rc;
	if (domain_audit(a, ACTION_APPOINTMENT_LIST, &t.patient, rtype_appt, appointment, AUDIT_ALLOW,
			 0) != 0)
		return ERR_INTERNAL;
	return ERR_OK;
}

enum err day_list(const struct actor *a, int64_t day_start, struct arena *ar, struct day_item **out,
		  size_t *n)
{
	*n = 0;
	bool ok = policy_may_work_queue(a, &a->practice);
	if (practice_audit(a, "slot.day.list", ok ? AUDIT_ALLOW : AUDIT_DENY, &a->account) != ERR_OK)
		return ERR_INTERNAL;
	if (!ok)
		return ERR_NOT_FOUND;
	struct store_slot *rows;
	size_t count = 0;
	/* to the next midnight in New Zealand: a day there is 23, 24 or 25 hours long */
	if (store_slots_of_clinician(&a->account, day_start, nz_day_start(day_start, 1), ar, &rows,
				     &count) != ERR_OK)
		return ERR_INTERNAL;
	*out = arena_calloc(ar, count ? count : 1, sizeof(**out));
	if (*out == NULL)
		return ERR_INTERNAL;
	int64_t now = (int64_t)time(NULL);
	for (size_t i = 0; i < count; i++) {
		struct day_item *it = &(*out)[i];
		slot_view_from(&rows[i], ar, &it->slot);
		it->booked = rows[i].has_patient;
		if (!it->booked)
			continue;
		/* Each booked patient through the gate: a patient who left the practice stays
		 * booked but unnamed here. */
		int rc = domain_row_in_reach(a, ACTION_APPOINTMENT_LIST, &rows[i].patient,
					     rtype_appt, &rows[i].appointment);
		if (rc == ERR_OK)
			rc = patient_read(a, &rows[i].patient, ar, &it->patient);
		if (rc == ERR_OK)
			rc = appointment_read(a, &rows[i].appointment, now, ar, &it->appointment);
		if (rc == ERR_INTERNAL || rc == ERR_TRIPPED)
			return rc;
		it->readable = rc == ERR_OK;
	}
	*n = count;
	return ERR_OK;
}

/* The practice's settings: the decision (may) on record first, then not found unless allowed. */
static enum err settings_gate(const struct actor *a, bool may, const char *action)
{
	if (practice_audit(a, action, may ? AUDIT_ALLOW : AUDIT_DENY, NULL) != ERR_OK)
		return ERR_INTERNAL;
	return may ? ERR_OK : ERR_NOT_FOUND;
}

enum err practice_cutoff_get(const struct actor *a, int *minutes)
{
	enum err gate =
		settings_gate(a, policy_may_manage_slots(a, &a->practice), "practice.settings.read");
	if (gate != ERR_OK)
		return gate;
	return store_practice_cutoff(&a->practice, minutes);
}

enum err practice_cutoff_set(const struct actor *a, int minutes, const char **why)
{
	*why = NULL;
	enum err gate =
		settings_gate(a, policy_may_manage_practice(a, &a->practice), "practice.settings.write");
	if (gate != ERR_OK)
		return gate;
	if (minutes < 0 || minutes > CANCEL_CUTOFF_MAX_MINUTES) {
		*why = "The cut-off is from 0 minutes to 7 days (10080 minutes).";
		return ERR_INVALID;
	}
	return store_practice_cutoff_set(&a->practice, minutes) == ERR_OK ? ERR_OK : ERR_INTERNAL;
}

enum err practice_booking_get(const struct actor *a, struct arena *ar,
			      struct store_booking_settings *out)
{
	enum err gate =
		settings_gate(a, policy_may_manage_slots(a, &a->practice), "practice.settings.read");
	if (gate != ERR_OK)
		return gate;
	return store_practice_booking(&a->practice, ar, out) == ERR_OK ? ERR_OK : ERR_INTERNAL;
}

/* A phone number as people write it: digits, spaces, + ( ) - and at least six digits. */
static bool phone_ok(const char *p)
{
	size_t digits = 0, n = strlen(p);
	if (n > PRACTICE_PHONE_MAX)
		return false;
	for (size_t i = 0; i < n; i++) {
		if (p[i] >= '0' && p[i] <= '9')
			digits++;
		else if (strchr(" +()-", p[i]) == NULL)
			return false;
	}
	return n == 0 || digits >= 6;
}

enum err practice_booking_set(const struct actor *a, const struct store_booking_settings *s,
			      const char **why)
{
	*why = NULL;
	enum err gate =
		settings_gate(a, policy_may_manage_practice(a, &a->practice), "practice.settings.write");
	if (gate != ERR_OK)
		return gate;
	if (s->phone == NULL || !phone_ok(s->phone)) {
		*why = "Give the phone number in digits (spaces, +, ( ) and - are fine), up to 40 characters.";
		return ERR_INVALID;
	}
	if (s->hours == NULL || !careplan_text_ok(s->hours, PRACTICE_HOURS_MAX, false)) {
		*why = "The opening hours can be up to 300 characters.";
		return ERR_INVALID;
	}
	if (s->closed && s->phone[0] == 0) {
		*why = "Give the phone number patients can call while online booking is closed.";
		return ERR_INVALID;
	}
	return store_practice_booking_set(&a->practice, s) == ERR_OK ? ERR_OK : ERR_INTERNAL;
}

enum err booking_info_for_patient(const struct actor *a, const struct id *patient, struct arena *ar,
				  struct store_booking_settings *out, const char **practice_name)
{
	*out = (struct store_booking_settings){.closed = false, .phone = "", .hours = ""};
	*practice_name = NULL;
	struct target t;
	if (store_patient_target(patient, &t) == ERR_INTERNAL)
		return ERR_INTERNAL;
	struct grant g;
	int rc = domain_gate_target(a, ACTION_APPOINTMENT_LIST, &t, "Practice", NULL, &g);
	if (rc != ERR_OK)
		return rc;
	if (domain_audit(a, ACTION_APPOINTMENT_LIST, patient, "Practice", NULL, AUDIT_ALLOW, 0) != 0)
		return ERR_INTERNAL;
	if (t.n_practices == 0)
		return ERR_OK;
	if (store_practice_booking(&t.practices[0], ar, out) != ERR_OK)
		return ERR_INTERNAL;
	*practice_name = notify_practice_name(&t.practices[0], ar);
	return ERR_OK;
}

enum err practice_clinicians(const struct actor *a, struct arena *ar, struct store_staff **out,
			     size_t *n)
{
	*n = 0;
	if (!policy_may_manage_slots(a, &a->practice))
		return ERR_NOT_FOUND;
	if (store_practice_clinicians(&a->practice, ar, out, n) != ERR_OK)
		return ERR_INTERNAL;
	for (size_t i = 0; i < *n; i++)
		if ((*out)[i].name == NULL)
			(*out)[i].name = "Clinician";
	return ERR_OK;
}
