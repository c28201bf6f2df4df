/* Shared by appointments.c (the patient's side) and appointments_staff.c (the practice's). */
#ifndef MEDKEEP_APPOINTMENTS_INT_H
#define MEDKEEP_APPOINTMENTS_INT_H
#include "domain/appointments.h"
#include "domain/domain_int.h"

enum appt_event { APPT_BOOKED, APPT_CANCELLED, APPT_MOVED };

/* Audit an action on the practice's timetable or settings (not one patient's record). */
enum err practice_audit(const struct actor *a, const char *action, const char *outcome,
			const struct id *rid);
/* Gate an action on an appointment's patient; a missing one answers exactly like a foreign
 * one. */
enum err gate_appointment(const struct actor *a, enum action action, const struct id *id,
			  struct target *t, struct grant *g);
void slot_view_from(const struct store_slot *s, struct arena *ar, struct slot_view *v);
/* Email the patient (notices): booked, cancelled (why: the practice's reason as words, or
 * NULL), moved from `from`; reminders scheduled, withdrawn or moved. */
void appointment_notify(const struct actor *a, const struct id *appt, const struct id *patient,
			const struct id *practice, int64_t start, enum appointment_kind kind,
			enum appt_event ev, int64_t from, const char *why, struct arena *ar);

#endif
