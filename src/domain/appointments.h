/*
 * Appointments: the practice publishes slots per clinician; a patient (or a proxy with the
 * appointments scope) books one of their practice's free slots, with an optional reason, and
 * can cancel until the practice's cut-off; clinicians see their day. Booking is atomic in the
 * store: of two requests for one slot exactly one is stored, the other answered
 * ERR_INVALID with a message.
 */
#ifndef MEDKEEP_APPOINTMENTS_H
#define MEDKEEP_APPOINTMENTS_H
#include "domain/domain.h"
#include "store/appointments.h"

#define APPOINTMENT_REASON_MAX 500u
#define SLOT_BATCH_MAX 32       /* slots published in one go */
#define SLOT_HORIZON_DAYS 90    /* how far ahead slots may be published */
#define CANCEL_CUTOFF_MAX_MINUTES (7 * 24 * 60)
/* Upcoming appointments one patient may hold: a family's needs, far below a practice's week,
 * so one account cannot book out the calendar. */
#define APPOINTMENTS_UPCOMING_MAX 10

struct slot_view {
	struct id id;
	struct id practice;
	struct id clinician;
	const char *clinician_name;
	int64_t start;
	int minutes;
	bool booked;
};

struct appointment_view {
	struct id id;
	struct id slot;
	struct id patient;
	struct id practice;
	struct id clinician;
	const char *clinician_name;
	int64_t start;
	int minutes;
	int64_t booked;
	int64_t cancelled; /* 0 when live */
	const char *reason; /* "" when none */
	enum appointment_kind kind;
	const char *cancel_reason; /* the practice's reason code (appointment_cancel_reasons), or NULL */
	bool can_cancel;    /* live, and before the cut-off for this actor */
};

/* Free slots in [from, to) at the practices where the patient is enrolled, for someone who may
 * book for that patient (audited). */
enum err slots_for_patient(const struct actor *a, const struct id *patient, int64_t from, int64_t to,
			   struct arena *ar, struct slot_view **out, size_t *n);
/* Slots of the actor's practice in [from, to) (all, or free only), optionally of one clinician,
 * for its staff (clinicians and practice admins). */
enum err slots_for_practice(const struct actor *a, const struct id *clinician, int64_t from, int64_t to,
			    bool free_only, struct arena *ar, struct slot_view **out, size_t *n);
/* A page of a FHIR Slot search (SEARCH.md): for a patient-role actor, the free slots of the
 * practices where `patient` (the record in view) is enrolled, through the gate
 * (ACTION_APPOINTMENT_LIST, audited; `busy` matches nothing); for staff, their own practice's
 * (audited `slot.list`). In start order from pg's cursor, one more read than the page to know
 * whether more follow, the total from the same snapshot when info->want_total. */
struct slot_search {
	const struct id *patient;   /* patient-role actors: the record in view (NULL: none) */
	const struct id *clinician; /* NULL: any */
	int64_t from, to;
	int state;                  /* 0 any, 1 free, 2 busy (enum slot_state_filter) */
};
enum err slots_search(const struct actor *a, const struct slot_search *q, const struct store_page *pg,
		      struct arena *ar, struct slot_view **out, size_t *n, struct page_info *info);
/* A slot by id, when the actor's practice (staff) or the actor's record's practice (patients
 * and proxies) publishes it; ERR_NOT_FOUND otherwise. */
enum err slot_read(const struct actor *a, const struct id *slot, struct arena *ar, struct slot_view *out);

/* Publish `count` consecutive slots of `minutes` for a clinician of the actor's practice,
 * from `start`. *made: how many were new (overlapping ones are skipped). */
enum err slot_publish(const struct actor *a, const struct id *clinician, int64_t start, int minutes,
		      int count, int64_t now, int *made, const char **why);

/* Book a slot for the patient (ACTION_APPOINTMENT_BOOK), with an optional reason. now: the
 * current time (the slot must start after it). ERR_INVALID with *why when the slot was
 * just taken, is in the past or is not at the patient's practice, or the patient holds
 * APPOINTMENTS_UPCOMING_MAX upcoming appointments already. */
enum err appointment_book(const struct actor *a, const struct id *patient, const struct id *slot,
			  const char *reason, enum appointment_kind kind, int64_t now, struct arena *ar,
			  struct id *out, const char **why);
/* "In person", "By phone", "By video": what the patient and the practice read. */
const char *appointment_kind_label(enum appointment_kind k);
/* Cancel (ACTION_APPOINTMENT_CANCEL): patients and proxies only until the practice's cut-off.
 * reason: NULL, or for the practice one of the codes of appointment_cancel_reasons (stored,
 * and its words put in the patient's email; ERR_INVALID for anything else). */
enum err appointment_cancel(const struct actor *a, const struct id *appointment, int64_t now,
			    const char *reason, const char **why);
/* Why a practice cancels: fixed codes with the words the patient reads (never free text, so
 * nothing clinical reaches an email). NULL-terminated; appointment_cancel_reason_text is the
 * words of a code, or NULL when it is none of them. */
struct cancel_reason {
	const char *code;
	const char *text;
};
extern const struct cancel_reason appointment_cancel_reasons[];
const char *appointment_cancel_reason_text(const char *code);

/* --- the practice's side (appointments_staff.c) --- */

/* Remove a free slot of the actor's practice (its clinicians and admins; audited):
 * ERR_NOT_FOUND when it is not one, ERR_INVALID with *why when it is booked or past. */
enum err slot_remove(const struct actor *a, const struct id *slot, int64_t now, const char **why);
/* Move a live, future appointment to another free slot of the same practice (staff who may
 * cancel it: ACTION_APPOINTMENT_CANCEL; audited as appointment.move); the patient is emailed
 * that it changed. ERR_INVALID with *why when the new time was just taken or is not free. */
enum err appointment_move(const struct actor *a, const struct id *appointment, const struct id *slot,
			  int64_t now, struct arena *ar, const char **why);
/* The practice's day for its staff (reception): every slot of every clinician in
 * [day_start, next NZ midnight), and for a booked one the patient's name (each patient through
 * the gate, ACTION_PATIENT_READ: names decrypted only for this day) and how the visit happens.
 * The reason is not read: it is clinical. */
struct booking_item {
	struct slot_view slot;
	bool booked;
	bool named; /* the patient passed the gate */
	struct patient_view patient;
	struct id appointment;
	enum appointment_kind kind;
};
enum err practice_day_list(const struct actor *a, int64_t day_start, struct arena *ar,
			   struct booking_item **out, size_t *n);
/* A patient's appointments, latest first (each audited). */
enum err appointment_list(const struct actor *a, const struct id *patient, int64_t now,
			  struct arena *ar, struct appointment_view **out, size_t *n);
/* A page of them (domain.h, document_search); info may be NULL. */
enum err appointment_search(const struct actor *a, const struct id *patient, int64_t now,
			    const struct store_page *pg, struct arena *ar,
			    struct appointment_view **out, size_t *n, struct page_info *info);
enum err appointment_read(const struct actor *a, const struct id *appointment, int64_t now,
			  struct arena *ar, struct appointment_view *out);

/* A clinician's own day [day_start, day_start + 1 day): each slot, and for a booked one the
 * patient's name and the appointment (each patient through the gate). */
struct day_item {
	struct slot_view slot;
	bool booked;
	bool readable; /* the patient passed the gate */
	struct patient_view patient;
	struct appointment_view appointment;
};
enum err day_list(const struct actor *a, int64_t day_start, struct arena *ar, struct day_item **out,
		  size_t *n);

/* The actor's practice's cancellation cut-off (staff of it), and setting it (its admins). */
enum err practice_cutoff_get(const struct actor *a, int *minutes);
enum err practice_cutoff_set(const struct actor *a, int minutes, const char **why);
/* Online booking (store_booking_settings): the phone number is a number a person dials,
 * room for an extension; the hours a few lines ("Mon-Fri 8 am-5:30 pm, Sat 9 am-12 pm"). */
#define PRACTICE_PHONE_MAX 40u
#define PRACTICE_HOURS_MAX 300u
/* The actor's practice's booking settings (its staff), and setting them (its admins; audited,
 * ERR_INVALID with *why for a bad phone number or hours). */
enum err practice_booking_get(const struct actor *a, struct arena *ar,
			      struct store_booking_settings *out);
enum err practice_booking_set(const struct actor *a, const struct store_booking_settings *s,
			      const char **why);
/* For someone who may see the patient's appointments: the booking settings and the name of the
 * practice where the patient is enrolled (audited, like the free times). */
enum err booking_info_for_patient(const struct actor *a, const struct id *patient, struct arena *ar,
				  struct store_booking_settings *out, const char **practice_name);

/* Clinicians of the actor's practice (staff of it). */
enum err practice_clinicians(const struct actor *a, struct arena *ar, struct store_staff **out,
			     size_t *n);

#endif
