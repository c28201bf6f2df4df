/*
 * A patient moving between practices (src/store/sqlite/store_transfers.c;
 * docs/internals/TRANSFERS.md): the moves a practice asked for, who agreed or refused, and
 * from when each practice sees the record. Metadata only: ids, times and an outcome word.
 */
#ifndef MEDKEEP_STORE_TRANSFERS_H
#define MEDKEEP_STORE_TRANSFERS_H
#include "store/store.h"

#define TRANSFER_MOVED "moved"       /* agreed: enrolled at `to`, no longer at `from` */
#define TRANSFER_DECLINED "declined" /* refused by the patient or the practice being left */

struct store_transfer {
	struct id id;
	struct id patient;
	bool has_from;     /* false: the patient was enrolled nowhere when asked */
	struct id from;    /* the practice being left */
	struct id to;      /* the practice that asked */
	struct id asked_by;
	int64_t asked;
	int64_t decided;   /* 0 while open */
	struct id decided_by;
	char outcome[12];  /* TRANSFER_*, empty while open */
};

/* Record a request. ERR_CONFLICT when one is open already for this patient and practice, or
 * when the practice asked `max_per_day` times in the day before t->asked (the limit falls on
 * the practice that asks, never on the patient). */
enum err store_transfer_ask(const struct store_transfer *t, int max_per_day);
enum err store_transfer_get(const struct id *id, struct store_transfer *out);
/* The requests a practice made or was asked (to or from it), newest first, at most
 * LIMIT_LIST, open ones and those decided since `since`. */
enum err store_transfers_of_practice(const struct id *practice, int64_t since, struct arena *a,
				     struct store_transfer **out, size_t *n);
/* Every open request, oldest first, at most LIMIT_LIST: for the operator's command line. */
enum err store_transfers_open(struct arena *a, struct store_transfer **out, size_t *n);
/* The operator's reason for completing a request (kept with it, never logged). */
enum err store_transfer_note(const struct id *id, const char *note);
/* A patient's requests, newest first, at most LIMIT_LIST: open ones and every move. */
enum err store_transfers_of_patient(const struct id *patient, struct arena *a,
				    struct store_transfer **out, size_t *n);
/*
 * Agree to a move, in one transaction: only while the request is open and the patient is
 * still enrolled where it says (at `from`, or nowhere): end that enrolment, enrol at `to`
 * seeing the record from history_from (0: all of it), and mark the request moved. g is a
 * grant for the patient (any action). ERR_CONFLICT when the request was decided meanwhile or
 * the enrolments changed; ERR_DENIED for a grant of another patient.
 */
enum err store_transfer_complete(const struct grant *g, const struct id *id,
				 int64_t history_from, const struct id *by, int64_t now);
/* Refuse a request while it is open: ERR_CONFLICT when it is not open any more. */
enum err store_transfer_decline(const struct id *id, const struct id *by, int64_t now);
/* From when a practice sees the patient's record: all of it (share) or from its enrolment
 * on. ERR_NOT_FOUND when the patient is not enrolled there. */
enum err store_enrolment_share(const struct grant *g, const struct id *patient,
			       const struct id *practice, bool share);

#endif
