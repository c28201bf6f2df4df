/*
 * The exfiltration breaker (DESIGN.md invariant 5): counts what each actor opens and refuses it
 * past its role's budget, in the vault, below any handler or policy bug.
 *
 * What it is for: stopping one credential from harvesting many patients' clinical content. So
 * it counts, per account, in a sliding window:
 *   - clinical content (documents, results, medicines, appointments, messages, access logs) of
 *     patients other than the actor's own record: distinct patients per day, and a burst
 *     allowance that refills at a human pace, so machine speed is stopped early;
 *   - demographics (name, NHI, birth date) of other patients: distinct patients per day, a
 *     separate and much larger budget sized from a practice's register, since lists of one's
 *     own practice's patients are normal work;
 *   - bytes of patient data opened, whoever's;
 *   - not-found answers (enumeration).
 * An app's token is its own actor for not-found answers, so a misbehaving app is stopped
 * without the patient it acts for; what an app opens counts against the patient's account.
 *
 * Memory is bounded: one 64-byte slot per actor seen in the window (plus a small record of
 * reach for the few actors who open other patients' records), in a table that grows to at most
 * `actors` slots and forgets actors idle for a window. A full table refuses the new actor
 * asking (BREAKER_FULL), never the ones already counted, and no actor can take more than
 * `apps_per_account` slots. Pure bookkeeping: no I/O, thread-safe.
 */
#ifndef MEDKEEP_BREAKER_H
#define MEDKEEP_BREAKER_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "policy/policy.h"
#include "proc/breaker_event.h"
#include "util/id.h"

#define BREAKER_ROLES 6 /* indexed by enum role */

struct breaker_budget {
	int64_t other_patients; /* distinct other patients' clinical content per window */
	int64_t burst;          /* ... of which at most this many at once ... */
	int64_t per_hour;       /* ... refilled at this many per hour (a human's pace) */
	int64_t register_patients; /* distinct other patients' demographics per window */
	int64_t bytes;          /* bytes of patient data opened per window */
};

struct breaker_config {
	int64_t window_seconds;
	struct breaker_budget role[BREAKER_ROLES];
	int64_t misses;              /* not-found answers allowed ... */
	int64_t miss_window_seconds; /* ... within this many seconds */
	int64_t actors;              /* most actors counted at once (memory bound) */
	int64_t apps_per_account;    /* most app tokens counted at once per account */
};

/* What an opening reveals. */
enum breaker_reach {
	BREAKER_DEMOGRAPHICS, /* name, NHI, birth date, gender */
	BREAKER_CLINICAL,     /* anything else of the record */
};

/* Who is asking, from the vault-minted token. */
struct breaker_actor {
	struct id account;
	struct id session;
	enum role role;
	bool app;             /* an app's token (session is the app's) */
	bool has_patient;
	struct id own_patient;
};

enum breaker_verdict {
	BREAKER_OK = 0,
	BREAKER_TRIP,     /* this call crossed the account's budget: refuse, lock, report */
	BREAKER_TRIPPED,  /* the account (or this app) tripped earlier: refuse */
	BREAKER_APP_TRIP, /* this app's token crossed its budget: refuse, end that app's token */
	BREAKER_FULL,     /* no room to count a new actor: refuse this request only */
};

/* Why an account tripped (for the review page and the log). */
enum breaker_reason {
	BREAKER_REASON_NONE = 0,
	BREAKER_REASON_BUDGET,      /* other patients or bytes in the window */
	BREAKER_REASON_BURST,       /* other patients faster than a person works */
	BREAKER_REASON_ENUMERATION, /* too many not-found answers */
	BREAKER_REASON_RELEASED,    /* not tripped: lifted after review (breaker_release) */
};

/* Defaults: see breaker_config.c. */
void breaker_defaults(struct breaker_config *c);
/* Replace the configuration and forget all counts (start and tests). */
void breaker_configure(const struct breaker_config *c);
/* Account for opening `bytes` of `patient`'s record (what it reveals: reach) at time now. */
enum breaker_verdict breaker_open(const struct breaker_actor *a, enum breaker_reach reach,
				  const struct id *patient, int64_t bytes, int64_t now);
/* Account for one not-found answer given to this actor. */
enum breaker_verdict breaker_miss(const struct breaker_actor *a, int64_t now);
/* Has the account, or this app's token, been stopped? (session may be NULL) */
bool breaker_is_tripped(const struct id *account, const struct id *session);
/* Why the account tripped, or BREAKER_REASON_NONE. */
enum breaker_reason breaker_trip_reason(const struct id *account);
/* A reviewed unlock (docs/internals/UNLOCK.md): lift the account's trip if it happened at or
 * before `not_after`, so an old authorisation cannot undo a later trip, and start its counts
 * again; remember the release, so that tokens issued before it stay refused (also when this
 * vault never saw the trip). A stopped app's token stays stopped (it was revoked). */
void breaker_release(const struct id *account, int64_t not_after);
/* Was the account released after `issued` (a token from before an unlock)? Free until the
 * first release. */
bool breaker_released_after(const struct id *account, int64_t issued);
/* Actors counted now, and the bytes the counts take (for the benchmark's memory figure). */
void breaker_usage(size_t *actors, size_t *bytes);

const char *breaker_reason_name(enum breaker_reason r);

/*
 * Several nodes on one database (BREAKER.md, "Several nodes"): an actor's budget is one budget,
 * however many nodes its requests land on. Each vault counts here as before, and also keeps
 * the facts it counted (a new other patient, bytes, a miss) for its node's sync process, which
 * writes them to the database and brings back the other nodes' facts to count here too.
 */
/* Fingerprint patients with this key, which every node derives alike (from index.key), so a
 * fact from another node names the same patient here. Forgets all counts. */
void breaker_set_fingerprint_key(const uint8_t key[16]);
/* Keep the facts counted from now on for the sync process, at most `ring` waiting at once. */
int breaker_share_begin(size_t ring);
/* Take up to max facts counted here since the last take (oldest first); *dropped counts those
 * a full ring lost since the last take. */
size_t breaker_share_take(struct breaker_event *out, size_t max, uint64_t *dropped);
/* Count facts another node counted. It never trips here by itself: the actor's next open or
 * miss on this node is judged on the sum, and a trip locks the account for every node. */
void breaker_share_apply(const struct breaker_event *ev, size_t n, int64_t now);

/* Parse "breaker.*" lines of the data directory's medkeep.conf into c (on top of defaults).
 * Returns 0, or -1 with *line set to the first bad line number. */
int breaker_parse_config(const char *text, size_t len, struct breaker_config *c, int *line);

#endif
