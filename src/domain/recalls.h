/*
 * Recalls: a practice's clinician asks a patient to come in for something due from a date (a
 * cervical screening, a diabetes review). The patient (and a proxy whose grant covers
 * appointments) sees them with their appointments, and is emailed when one falls due
 * (docs/internals/NOTICES.md) without the email saying what it is for.
 */
#ifndef MEDKEEP_RECALLS_H
#define MEDKEEP_RECALLS_H
#include <stddef.h>
#include <stdint.h>

#include "domain/domain.h"
#include "policy/policy.h"
#include "util/arena.h"
#include "util/id.h"

struct recall_kind {
	const char *slug;  /* "cervical-screening" */
	const char *label; /* "Cervical screening" */
};
/* The kinds a practice may set, in the order its form offers them; *n how many. */
const struct recall_kind *recall_kinds(size_t *n);
/* The label of a slug, or NULL. */
const char *recall_kind_label(const char *slug);

struct recall_view {
	struct id id;
	const char *label;
	int64_t due;
	bool is_due; /* due at now, and open */
	const char *practice_name;
	int64_t closed;      /* 0 while open */
	const char *outcome; /* once closed: RECALL_DONE, RECALL_CANCELLED or RECALL_BOOKED */
	struct id appointment; /* RECALL_BOOKED: the appointment booked */
	int64_t booked_for;    /* its start, in a practice's list of booked recalls */
};

/* A practice's open recall with its patient, for the practice's list. */
struct recall_row {
	struct recall_view recall;
	struct patient_view patient; /* read through the gate */
};

/* Set a recall of `kind` (a slug) for patient, due from 9 am NZ time on `date` (YYYY-MM-DD,
 * today up to RECALL_MAX_DAYS ahead), by the actor's practice; the patient's notice is
 * scheduled for then. Gated (ACTION_RECALL_SET), audited before it is stored. ERR_OK,
 * ERR_INVALID with *why, or the gate's refusal. */
enum err recall_set(const struct actor *a, const struct id *patient, const char *kind,
		    const char *date, struct arena *ar, const char **why);
/* The patient's recalls, soonest first (ACTION_RECALL_LIST; audited). */
enum err recall_list(const struct actor *a, const struct id *patient, struct arena *ar,
		     struct recall_view **out, size_t *n);
/* Close a recall: the patient came in (done true) or it is no longer needed. Staff of the
 * recall's practice who may set one (the gate, ACTION_RECALL_SET); its notice, if not sent
 * yet, is withdrawn. Audited. ERR_NOT_FOUND for a recall that is not open or not theirs. */
enum err recall_close(const struct actor *a, const struct id *recall, bool done);
/* A booking of `appointment` (starting at `start`) at `practice` by the actor, who holds g (the
 * booking's ACTION_APPOINTMENT_BOOK grant on patient): the patient's open recalls at that
 * practice due by then are closed as RECALL_BOOKED with the appointment, each audited as
 * `recall.booked` by the actor, and their reminders not yet sent withdrawn. The booking stands
 * whatever happens here (a failure is logged, and the recall stays open). */
void recalls_booked(const struct actor *a, const struct grant *g, const struct id *patient,
		    const struct id *practice, const struct id *appointment, int64_t start,
		    struct arena *ar);
/* The appointment was cancelled (g: the ACTION_APPOINTMENT_CANCEL grant on patient): the
 * recalls it closed open again, each audited as `recall.reopen`, and a reminder whose day is
 * still ahead is scheduled again. */
void recalls_unbooked(const struct actor *a, const struct grant *g, const struct id *patient,
		      const struct id *appointment, struct arena *ar);
/* Which of a practice's recalls a list shows. */
enum recall_filter {
	RECALLS_OPEN,   /* open ones, soonest due first */
	RECALLS_DUE,    /* open ones due now */
	RECALLS_BOOKED, /* closed by a booking still to come, soonest appointment first */
};
/* The actor's practice's recalls as `filter` says: `limit` from `offset`, each patient read
 * through the gate (audited as those reads are). ERR_NOT_FOUND for anyone but the practice's
 * clinicians (policy_may_list_recalls). */
enum err recall_list_practice(const struct actor *a, enum recall_filter filter, size_t offset,
			      size_t limit, struct arena *ar, struct recall_row **out, size_t *n);

#endif
