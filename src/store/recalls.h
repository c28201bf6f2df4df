/*
 * Recalls (docs/internals/NOTICES.md): a practice asks a patient to come in for something due
 * (a cervical screening, a diabetes review) from a date. The kind is one of a fixed list of
 * slugs (like a result's kind, kept in clear for the list and the notice's schedule); nothing
 * typed is stored. Patient-scoped functions take the gate's grant and check it against the
 * row's own patient.
 */
#ifndef MEDKEEP_STORE_RECALLS_H
#define MEDKEEP_STORE_RECALLS_H
#include <stdint.h>

#include "policy/policy.h"
#include "store/store.h"

struct store_recall {
	struct id id;
	struct id patient;
	struct id practice;
	char kind[40]; /* a slug of recall_kinds (domain/recalls.h) */
	int64_t due;   /* UTC instant from which it is due */
	int64_t created;
	struct id created_by;
	int64_t closed;    /* 0 while open */
	char outcome[12];  /* RECALL_DONE, RECALL_CANCELLED or RECALL_BOOKED once closed */
	struct id appointment; /* RECALL_BOOKED: the appointment that closed it (else zero) */
	int64_t booked_for;    /* its start (store_recalls_booked_of_practice only) */
};

#define RECALL_DONE "done"           /* the patient came in */
#define RECALL_CANCELLED "cancelled" /* no longer needed */
#define RECALL_BOOKED "booked"       /* the patient booked an appointment at the practice */

/* Record a recall. Needs an ACTION_RECALL_SET grant on r->patient. ERR_OK, ERR_DENIED or
 * ERR_INTERNAL. */
enum err store_recall_insert(const struct grant *g, const struct store_recall *r);
/* The patient's recalls, soonest due first, at most LIMIT_LIST, into a. Needs an
 * ACTION_RECALL_LIST grant on patient. */
enum err store_recall_list(const struct grant *g, const struct id *patient, struct arena *a,
			   struct store_recall **out, size_t *n);
/* One recall by id (no grant: what it says is the gate's to decide on); ERR_NOT_FOUND. */
enum err store_recall_get(const struct id *id, struct store_recall *out);
/* Close an open recall with outcome (RECALL_*). Needs an ACTION_RECALL_SET grant on its
 * patient. ERR_NOT_FOUND when it is not open. */
enum err store_recall_close(const struct grant *g, const struct store_recall *r, const char *outcome,
			    const struct id *by, int64_t now);
/* The patient's open recalls at `practice` due by `due_by` (at most
 * RECALLS_PER_BOOKING), for a booking
 * that closes them. Needs an ACTION_APPOINTMENT_BOOK grant on patient. */
enum err store_recalls_open_due(const struct grant *g, const struct id *patient,
				const struct id *practice, int64_t due_by, struct arena *a,
				struct store_recall **out, size_t *n);
/* Close the open recall r as RECALL_BOOKED by `appointment`. Needs an ACTION_APPOINTMENT_BOOK
 * grant on its patient. ERR_NOT_FOUND when it is no longer open. */
enum err store_recall_booked(const struct grant *g, const struct store_recall *r,
			     const struct id *appointment, const struct id *by, int64_t now);
/* The patient's recalls that `appointment` closed (RECALL_BOOKED), at most
 * RECALLS_PER_BOOKING. Needs
 * an ACTION_APPOINTMENT_CANCEL grant on patient. */
enum err store_recalls_of_appointment(const struct grant *g, const struct id *patient,
				      const struct id *appointment, struct arena *a,
				      struct store_recall **out, size_t *n);
/* Open again a recall its appointment closed (the appointment was cancelled). Needs an
 * ACTION_APPOINTMENT_CANCEL grant on its patient. ERR_NOT_FOUND when it is not closed by one. */
enum err store_recall_reopen(const struct grant *g, const struct store_recall *r);
/* A practice's open recalls due before `due_before` (INT64_MAX: all), soonest first: `limit`
 * (at most LIMIT_LIST) from `offset`. Metadata only; each patient is read through the gate. */
enum err store_recalls_of_practice(const struct id *practice, int64_t due_before, size_t offset,
				   size_t limit, struct arena *a, struct store_recall **out, size_t *n);

/* A practice's recalls closed by a booking whose appointment is still to come (start after
 * `now`, not cancelled), soonest appointment first: `limit` (at most LIMIT_LIST) from `offset`,
 * with booked_for set. Metadata only; each patient is read through the gate. */
enum err store_recalls_booked_of_practice(const struct id *practice, int64_t now, size_t offset,
					  size_t limit, struct arena *a, struct store_recall **out,
					  size_t *n);

#endif
