/*
 * The exfiltration breaker (DESIGN.md invariant 5): counts, per account and per session, the
 * distinct patients whose keys were opened and the bytes decrypted in a sliding window, and
 * the not-found answers given (enumeration). Past a role's budget it trips, and a tripped
 * account or session stays refused until the process restarts (the account is also locked
 * in the database by the caller, pending review). Pure bookkeeping: no I/O, thread-safe.
 */
#ifndef MEDKEEP_BREAKER_H
#define MEDKEEP_BREAKER_H
#include <stdbool.h>
#include <stdint.h>

#include "policy/policy.h"
#include "util/id.h"

#define BREAKER_ROLES 5 /* indexed by enum role */

struct breaker_budget {
	int64_t other_patients; /* distinct patients other than the actor's own record */
	int64_t bytes;          /* bytes of patient data opened */
};

struct breaker_config {
	int64_t window_seconds;
	struct breaker_budget role[BREAKER_ROLES];
	int64_t misses;             /* not-found answers allowed ... */
	int64_t miss_window_seconds; /* ... within this many seconds */
};

enum breaker_verdict {
	BREAKER_OK = 0,
	BREAKER_TRIP,    /* this call crossed the budget: refuse, and act on it */
	BREAKER_TRIPPED, /* already tripped earlier: refuse */
};

/* Defaults: see breaker.c. */
void breaker_defaults(struct breaker_config *c);
/* Replace the configuration and forget all counts (start and tests). */
void breaker_configure(const struct breaker_config *c);
/* Account for opening `bytes` of `patient` by this actor at time now. */
enum breaker_verdict breaker_open(const struct id *account, const struct id *session, enum role role,
				  const struct id *own_patient, const struct id *patient,
				  int64_t bytes, int64_t now);
/* Account for one not-found answer. */
enum breaker_verdict breaker_miss(const struct id *account, const struct id *session, enum role role,
				  int64_t now);
bool breaker_is_tripped(const struct id *account, const struct id *session);
/* A reviewed unlock (docs/internals/UNLOCK.md): clear the account's trip if it happened at or
 * before issued_after_trip_time, and reset its counts. A trip after that time stays, so an old
 * authorisation cannot undo a later trip. Sessions that tripped stay tripped. */
void breaker_release(const struct id *account, int64_t issued_after_trip_time);

/* Parse "breaker.*" lines of the data directory's medkeep.conf into c (on top of defaults).
 * Returns 0, or -1 with *line set to the first bad line number. */
int breaker_parse_config(const char *text, size_t len, struct breaker_config *c, int *line);

#endif
