/*
 * Storage of medications and repeat prescription requests (SQLite: store_medications.c).
 *
 * A medication's drug, strength, form and dose are sealed with the patient's key (VREC_MEDICATION);
 * a repeat request's pharmacy and note, and a decision's reason, are sealed too (VREC_REPEAT).
 * What stays in clear is what the gate and the queue need: ids, the patient, the practice,
 * states and times. Patient-scoped functions take a grant and return ERR_DENIED without one
 * for that patient and action; the *_target functions and the queue return metadata only.
 */
#ifndef MEDKEEP_STORE_MEDICATIONS_H
#define MEDKEEP_STORE_MEDICATIONS_H
#include "store/store.h"

struct store_medication {
	struct id id;
	struct id patient;
	struct id prescriber; /* the clinician's account */
	int64_t started;      /* when the patient started it (unix time, midnight UTC of the day) */
	int64_t created;
	int64_t stopped;      /* 0 while current */
	struct id stopped_by;
	char stop_reason[24]; /* a code of domain/medications.c ("" when none) */
	struct bytes detail;  /* sealed JSON {drug, strength, form, dose[, stop_note]} */
};

enum repeat_state { REPEAT_REQUESTED = 0, REPEAT_APPROVED, REPEAT_DECLINED };

struct store_repeat {
	struct id id;
	struct id medication;
	struct id patient;
	struct id practice;     /* whose queue it is in */
	struct id requested_by; /* the patient's or proxy's account */
	int64_t requested;
	enum repeat_state state;
	int64_t decided; /* 0 while requested */
	struct id decided_by;
	struct bytes detail;   /* sealed JSON {part:"request", pharmacy, note} */
	struct bytes decision; /* sealed JSON {part:"decision", reason}; empty while requested */
};

const char *repeat_state_name(enum repeat_state s);

/* Metadata for the gate: the patient a medication (or request) belongs to and where they are
 * enrolled. ERR_NOT_FOUND when there is no such row. */
enum err store_medication_target(const struct id *medication, struct target *out);
enum err store_repeat_target(const struct id *request, struct target *out);

/* Needs ACTION_MEDICATION_CREATE on m->patient. */
enum err store_medication_insert(const struct grant *g, const struct store_medication *m);
/* The patient's medications (current and stopped, newest first, at most LIMIT_LIST); needs
 * ACTION_MEDICATION_LIST. Rows and their bytes are allocated from a. */
enum err store_medication_list(const struct grant *g, const struct id *patient, struct arena *a,
			       struct store_medication **out, size_t *n);
/* One medication, when g is a grant for its patient (any action). */
enum err store_medication_get(const struct grant *g, const struct id *medication, struct arena *a,
			      struct store_medication *out);
/* Stop a current medication (needs ACTION_MEDICATION_CREATE) for a reason (a code, no free
 * text), with its detail sealed again (with the note) or, detail.len 0, kept: ERR_CONFLICT when
 * it was stopped already. */
enum err store_medication_stop(const struct grant *g, const struct id *medication,
			       const struct id *by, int64_t now, const char *reason, struct bytes detail);

/*
 * A new repeat request (needs ACTION_REPEAT_REQUEST on r->patient) for a current medication of
 * the same patient: ERR_NOT_FOUND when there is none, ERR_CONFLICT when the medication
 * already has an open request (the partial unique index repeat_one_open decides, so two
 * requests racing cannot both get in).
 */
enum err store_repeat_insert(const struct grant *g, const struct store_repeat *r);
/* The patient's requests, newest first (at most LIMIT_LIST); needs ACTION_MEDICATION_LIST. */
enum err store_repeat_list(const struct grant *g, const struct id *patient, struct arena *a,
			   struct store_repeat **out, size_t *n);
/* The home page: the patient's requests decided after since, the newest decision first (at
 * most max), and how many (needs ACTION_MEDICATION_LIST). */
enum err store_repeat_news(const struct grant *g, const struct id *patient, int64_t since, size_t max,
			   struct arena *a, struct store_repeat **out, size_t *n);
enum err store_repeat_news_count(const struct grant *g, const struct id *patient, int64_t since,
				 int64_t *total);
/* One request, when g is a grant for its patient. */
enum err store_repeat_get(const struct grant *g, const struct id *request, struct arena *a,
			  struct store_repeat *out);
/* Approve or decline an open request (needs ACTION_REPEAT_DECIDE): ERR_CONFLICT when it was
 * decided already. */
enum err store_repeat_decide(const struct grant *g, const struct id *request, enum repeat_state state,
			     const struct id *by, int64_t now, struct bytes decision);
/* The practice's open requests, oldest first (at most max, capped at LIMIT_LIST): ids,
 * patients and when the same medicine's last repeat was approved (0: never), nothing sealed. */
enum err store_repeat_queue(const struct id *practice, size_t max, struct arena *a, struct id **requests,
			    struct id **patients, int64_t **last_approved, size_t *n);

#endif
