/*
 * Storage of appointment slots, appointments, practice settings and staff display names
 * (SQLite: store_appointments.c).
 *
 * Slots are the practice's, not a patient's: when and with whom, never who booked. An
 * appointment ties a slot to a patient and is patient-scoped (a grant is needed); its reason is
 * sealed with the patient's key (VREC_APPOINTMENT). One live appointment per slot is a partial
 * unique index, so of two bookings racing for one slot exactly one is stored.
 */
#ifndef MEDKEEP_STORE_APPOINTMENTS_H
#define MEDKEEP_STORE_APPOINTMENTS_H
#include <string.h>

#include "store/store.h"

/* How a visit happens: chosen by the patient at booking, stored as its code ("in-person",
 * "phone", "video"). */
enum appointment_kind { APPT_IN_PERSON = 0, APPT_PHONE = 1, APPT_VIDEO = 2 };
#define APPT_KINDS 3
static inline const char *appointment_kind_code(enum appointment_kind k)
{
	return k == APPT_PHONE ? "phone" : k == APPT_VIDEO ? "video" : "in-person";
}
/* The kind of a code; -1 for anything else (a stored row always has one of the three). */
static inline int appointment_kind_of(const char *code)
{
	for (int k = 0; k < APPT_KINDS; k++)
		if (strcmp(code, appointment_kind_code((enum appointment_kind)k)) == 0)
			return k;
	return -1;
}
static inline enum appointment_kind appointment_kind_parse(const char *code)
{
	int k = appointment_kind_of(code);
	return k < 0 ? APPT_IN_PERSON : (enum appointment_kind)k;
}

struct store_slot {
	struct id id;
	struct id practice;
	struct id clinician;
	int64_t start; /* unix time */
	int minutes;
	bool booked; /* a live appointment holds it */
	bool has_patient;
	struct id patient;     /* only from store_slots_of_clinician: who holds it */
	struct id appointment; /* likewise */
	enum appointment_kind kind; /* likewise */
};

struct store_appointment {
	struct id id;
	struct id slot;
	struct id patient;
	struct id booked_by;
	int64_t booked;
	int64_t cancelled; /* 0 when live */
	struct id cancelled_by;
	struct bytes reason; /* sealed; empty when none was given */
	enum appointment_kind kind;
	const char *cancel_reason; /* the practice's reason code, or NULL */
	/* from the slot */
	struct id practice;
	struct id clinician;
	int64_t start;
	int minutes;
};

/* A new slot; ERR_CONFLICT when it overlaps one of the clinician's slots. */
enum err store_slot_insert(const struct store_slot *s, const struct id *created_by, int64_t now);
/* Remove a slot no appointment ever held (one made for an imported visit that was then
 * refused); ERR_NOT_FOUND when there is none such. */
enum err store_slot_remove_unused(const struct id *slot);
/* One slot (metadata); ERR_NOT_FOUND when there is none. */
enum err store_slot_get(const struct id *slot, struct store_slot *out);
/* The practice's slots starting in [from, to), free ones only when free_only, optionally of one
 * clinician (NULL: all), by start (at most LIMIT_LIST). */
enum err store_slots_list(const struct id *practice, const struct id *clinician, int64_t from,
			  int64_t to, bool free_only, struct arena *a, struct store_slot **out, size_t *n);

/* A FHIR Slot search (docs/internals/SEARCH.md): the slots of these practices (up to
 * TARGET_MAX_PRACTICES of them: a patient's, or a practice's staff's own), live, starting in
 * [from, to), optionally of one clinician and by state, in start order (then id) from the
 * page's cursor, at most pg->limit; and how many match in all (the cursor aside). The caller
 * decided which practices the actor may see; the store reaches no other. */
enum slot_state_filter { SLOTS_ANY = 0, SLOTS_FREE, SLOTS_BUSY, SLOTS_NONE };
struct store_slot_filter {
	const struct id *practices;
	size_t n_practices;
	const struct id *clinician; /* NULL: any */
	int64_t from, to;
	enum slot_state_filter state;
};
#include "store/page.h"
enum err store_slots_page(const struct store_slot_filter *f, const struct store_page *pg,
			  struct arena *a, struct store_slot **out, size_t *n);
enum err store_slots_count(const struct store_slot_filter *f, int64_t *total);
/* A clinician's slots in [from, to) with the patient and appointment holding each booked one:
 * metadata for the day list, whose patients the domain layer reaches through the gate. */
enum err store_slots_of_clinician(const struct id *clinician, int64_t from, int64_t to,
				  struct arena *a, struct store_slot **out, size_t *n);

/* Metadata for the gate: the appointment's patient and where they are enrolled. */
enum err store_appointment_target(const struct id *appointment, struct target *out);
/* Book (needs ACTION_APPOINTMENT_BOOK on ap->patient), in one statement only while the patient
 * holds fewer than max_upcoming live appointments starting after now: ERR_NOT_FOUND when the
 * slot does not exist, ERR_CONFLICT when a live appointment holds it already or (with *full
 * set) when the patient is at the limit. */
enum err store_appointment_insert(const struct grant *g, const struct store_appointment *ap, int64_t now,
				  int max_upcoming, bool *full);
/* How many live appointments of the patient start after now (needs ACTION_APPOINTMENT_BOOK). */
enum err store_appointments_upcoming(const struct grant *g, const struct id *patient, int64_t now,
				     int *count);
/* A page of the patient's appointments with their slots (pg NULL: the LIMIT_LIST latest
 * starts first); needs ACTION_APPOINTMENT_LIST. Date: the start; last change: booked or
 * cancelled; codes: booked, cancelled. */
enum err store_appointment_list(const struct grant *g, const struct id *patient,
				const struct store_page *pg, struct arena *a,
				struct store_appointment **out, size_t *n);
/* How many of them pg's filters match (its cursor and limit aside). */
enum err store_appointment_count(const struct grant *g, const struct id *patient,
				 const struct store_page *pg, int64_t *total);
/* One appointment with its slot, when g is a grant for its patient. */
enum err store_appointment_get(const struct grant *g, const struct id *appointment, struct arena *a,
			       struct store_appointment *out);
/* Cancel a live appointment whose slot starts at or after min_start (needs
 * ACTION_APPOINTMENT_CANCEL): ERR_CONFLICT when it is cancelled already or too close. */
enum err store_appointment_cancel(const struct grant *g, const struct id *appointment,
				  const struct id *by, int64_t now, int64_t min_start, const char *reason);
/* Move a live appointment to another slot of `practice` that starts after now and is free
 * (ERR_CONFLICT otherwise; needs ACTION_APPOINTMENT_CANCEL: the old time is given up). */
enum err store_appointment_move(const struct grant *g, const struct id *appointment,
				const struct id *practice, const struct id *slot, int64_t now);
/* Every slot of a practice in [from, to), with who holds each (as store_slots_of_clinician). */
enum err store_slots_of_practice(const struct id *practice, int64_t from, int64_t to,
				 struct arena *a, struct store_slot **out, size_t *n);
/* Remove a free slot of the practice: ERR_CONFLICT when it is booked or not the practice's. */
enum err store_slot_remove_free(const struct id *practice, const struct id *slot, int64_t now);

/* How long before an appointment patients may still cancel it, in minutes (a default when
 * the practice has not set one). */
#define CANCEL_CUTOFF_DEFAULT_MINUTES 120
enum err store_practice_cutoff(const struct id *practice, int *minutes);
enum err store_practice_cutoff_set(const struct id *practice, int minutes);
/* Online booking: open unless the practice closed it; its phone number and opening hours
 * ("" when not set). */
struct store_booking_settings {
	bool closed;
	const char *phone;
	const char *hours;
};
enum err store_practice_booking(const struct id *practice, struct arena *a,
				struct store_booking_settings *out);
enum err store_practice_booking_set(const struct id *practice, const struct store_booking_settings *s);

/* Clinicians of a practice (at most LIMIT_LIST) with their display names. */
struct store_staff {
	struct id account;
	const char *name;
};
enum err store_practice_clinicians(const struct id *practice, struct arena *a, struct store_staff **out,
				   size_t *n);
/* A staff member's display name ("Dr Aroha Ngata"), or ERR_NOT_FOUND. */
enum err store_staff_name(const struct id *account, struct arena *a, const char **name);
enum err store_staff_name_set(const struct id *account, const char *name);
/* Whether an account is a clinician of this practice (for publishing slots for them). */
enum err store_clinician_of(const struct id *account, const struct id *practice, bool *yes);

#endif
