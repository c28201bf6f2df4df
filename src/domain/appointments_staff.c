/*
 * Appointments, the practice's side (appointments.h): removing a free slot, moving a booking to
 * another time, the reasons a practice gives for cancelling, and reception's view of the day.
 * Slots are the practice's timetable (policy_may_manage_slots); a booking is the patient's
 * record (the gate, with the grant below it); names on the day are read patient by patient
 * through the gate.
 */
#include <string.h>
#include <time.h>

#include "audit/audit.h"
#include "domain/appointments.h"
#include "domain/appointments_int.h"
#include "limits.h"
#include "util/nztime.h"

const struct cancel_reason appointment_cancel_reasons[] = {
	{"clinician-away", "The clinician is not available at that time."},
	{"practice-closed", "The practice is closed at that time."},
	{"booked-in-error", "It was booked in error."},
	{"patient-asked", "You asked us to cancel it."},
	{NULL, NULL},
};

const char *appointment_cancel_reason_text(const char *code)
{
	for (const struct cancel_reason *r = appointment_cancel_reasons; code && r->code; r++)
		if (strcmp(code, r->code) == 0)
			return r->text;
	return NULL;
}

enum err slot_remove(const struct actor *a, const struct id *slot, int64_t now, const char **why)
{
	*why = NULL;
	struct store_slot s;
	int found = store_slot_get(slot, &s);
	if (found == ERR_INTERNAL)
		return ERR_INTERNAL;
	bool ok = found == ERR_OK && policy_may_manage_slots(a, &a->practice) &&
		  id_eq(&s.practice, &a->practice);
	if (!ok) {
		if (practice_audit(a, "slot.remove", found == ERR_OK ? AUDIT_DENY : AUDIT_NOT_FOUND,
				   slot) != ERR_OK)
			return ERR_INTERNAL;
		int v = vault_report_miss(a->token);
		return v == ERR_TRIPPED || v == ERR_APP_STOPPED ? domain_miss_refused(a, v)
								    : ERR_NOT_FOUND;
	}
	if (s.booked || s.start <= now) {
		*why = s.booked ? "That time is booked: cancel or move the booking first."
				: "That time has passed.";
		return practice_audit(a, "slot.remove", AUDIT_FAIL, slot) == ERR_OK ? ERR_INVALID
										: ERR_INTERNAL;
	}
	if (practice_audit(a, "slot.remove", AUDIT_ALLOW, slot) != ERR_OK)
		return ERR_INTERNAL;
	int rc = store_slot_remove_free(&a->practice, slot, now);
	if (rc == ERR_CONFLICT) {
		*why = "Someone has just booked that time.";
		return ERR_INVALID;
	}
	return rc == ERR_OK ? ERR_OK : ERR_INTERNAL;
}

enum err appointment_move(const struct actor *a, const struct id *appointment, const struct id *slot,
			  int64_t now, struct arena *ar, const char **why)
{
	*why = NULL;
	struct target t;
	struct grant g;
	int rc = gate_appointment(a, ACTION_APPOINTMENT_CANCEL, appointment, &t, &g);
	if (rc != ERR_OK)
		return rc;
	/* the practice's to do: a patient cancels and books again */
	if (g.via != VIA_STAFF)
		return domain_miss(a, ACTION_APPOINTMENT_CANCEL, &t.patient, "Appointment", appointment,
				   AUDIT_DENY);
	struct store_appointment r;
	struct store_slot to;
	if (store_appointment_get(&g, appointment, ar, &r) != ERR_OK)
		return ERR_INTERNAL;
	int found = store_slot_get(slot, &to);
	if (found == ERR_INTERNAL)
		return ERR_INTERNAL;
	struct audit_event e = {.actor = a, .action = "appointment.move", .patient = &t.patient,
				.rtype = "Appointment", .rid = appointment};
	if (r.cancelled || r.start <= now || found != ERR_OK || !id_eq(&to.practice, &r.practice) ||
	    to.booked || to.start <= now) {
		*why = r.cancelled	? "This appointment was cancelled already."
		       : r.start <= now ? "This appointment has already started."
					: "Choose a free time of the practice that is still to come.";
		e.outcome = AUDIT_FAIL;
		e.deferrable = true;
		return audit_append(&e) == 0 ? ERR_INVALID : ERR_INTERNAL;
	}
	e.outcome = AUDIT_ALLOW;
	if (audit_append(&e) != 0)
		return ERR_INTERNAL;
	rc = store_appointment_move(&g, appointment, &r.practice, slot, now);
	if (rc == ERR_CONFLICT) {
		*why = "Someone has just booked that time. Choose another.";
		return ERR_INVALID;
	}
	if (rc != ERR_OK)
		return ERR_INTERNAL;
	appointment_notify(a, appointment, &t.patient, &r.practice, to.start, r.kind, APPT_MOVED,
			   r.start, NULL, ar);
	return ERR_OK;
}

enum err practice_day_list(const struct actor *a, int64_t day_start, struct arena *ar,
			   struct booking_item **out, size_t *n)
{
	*n = 0;
	bool ok = policy_may_manage_slots(a, &a->practice);
	if (practice_audit(a, "slot.practice.day", ok ? AUDIT_ALLOW : AUDIT_DENY, NULL) != ERR_OK)
		return ERR_INTERNAL;
	if (!ok)
		return ERR_NOT_FOUND;
	struct store_slot *rows;
	size_t count = 0;
	if (store_slots_of_practice(&a->practice, day_start, nz_day_start(day_start, 1), ar, &rows,
				    &count) != ERR_OK)
		return ERR_INTERNAL;
	*out = arena_calloc(ar, count ? count : 1, sizeof(**out));
	if (*out == NULL)
		return ERR_INTERNAL;
	for (size_t i = 0; i < count; i++) {
		struct booking_item *it = &(*out)[i];
		slot_view_from(&rows[i], ar, &it->slot);
		it->booked = rows[i].has_patient;
		if (!it->booked)
			continue;
		it->appointment = rows[i].appointment;
		it->kind = rows[i].kind;
		/* a patient who left the practice stays booked but unnamed here */
		int rc = domain_row_in_reach(a, ACTION_PATIENT_READ, &rows[i].patient, "Patient",
					     &rows[i].patient);
		if (rc == ERR_OK)
			rc = patient_read(a, &rows[i].patient, ar, &it->patient);
		if (rc == ERR_INTERNAL || rc == ERR_TRIPPED)
			return rc;
		it->named = rc == ERR_OK;
	}
	*n = count;
	return ERR_OK;
}
