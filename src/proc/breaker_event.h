/*
 * What one node's breaker tells the others (docs/internals/BREAKER.md, "Several nodes"): a fact
 * its vault counted, as the vault hands it to its node's sync process, as that process keeps it
 * in the database, and as every other node's vault counts it in turn. Below both the vault and
 * the store, which may not include each other (LAYOUT.md), so it lives with the frames.
 *
 * No PHI: an account (or an app token's session) id, and a patient only as a keyed fingerprint
 * that every node computes alike (from index.key) and that names nobody without that key.
 */
#ifndef MEDKEEP_BREAKER_EVENT_H
#define MEDKEEP_BREAKER_EVENT_H
#include <stdint.h>

#include "proc/msg.h"
#include "util/id.h"

enum breaker_event_kind {
	BREAKER_EV_CLINICAL = 1, /* a new other patient's clinical content (patient: fingerprint) */
	BREAKER_EV_DEMOGRAPHICS, /* a new other patient's demographics (patient: fingerprint) */
	BREAKER_EV_BYTES,        /* amount bytes of patient data opened */
	BREAKER_EV_MISS,         /* amount not-found answers */
};

struct breaker_event {
	struct id key;    /* the account, or an app token's session (app) */
	uint8_t kind;     /* enum breaker_event_kind */
	uint8_t app;
	uint8_t role;     /* enum role of the actor (its budget's refill rate) */
	uint64_t patient; /* fingerprint; 0 for bytes and misses */
	int64_t amount;   /* bytes or misses; 1 for a patient */
	int64_t at;       /* when, seconds since 1970 */
};

/* Encoded size of one event in a frame, and the most one frame carries each way. */
#define BREAKER_EVENT_WIRE (ID_BYTES + 3 + 3 * 8)
#define BREAKER_EVENTS_PER_FRAME 1024
_Static_assert(BREAKER_EVENTS_PER_FRAME * BREAKER_EVENT_WIRE + 64 < MSG_MAX,
	       "an exchange's events fit one frame");

void breaker_event_put(struct msg_writer *w, const struct breaker_event *e);
/* Reads one event; a kind out of range or a negative amount or time fails the reader. */
void breaker_event_get(struct msg_reader *r, struct breaker_event *e);

#endif
