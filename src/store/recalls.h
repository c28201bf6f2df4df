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
	char outcome[12];  /* RECALL_DONE or RECALL_CANCELLED once closed */
};

#define RECALL_DONE "done"           /* the patient came in */
#define RECALL_CANCELLED "cancelled" /* no longer needed */

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
/* A practice's open recalls due before `due_before` (INT64_MAX: all), soonest first: `limit`
 * (at most LIMIT_LIST) from `offset`. Metadata only; each patient is read through the gate. */
enum err store_recalls_of_practice(const struct id *practice, int64_t due_before, size_t offset,
				   size_t limit, struct arena *a, struct store_recall **out, size_t *n);

#endif
