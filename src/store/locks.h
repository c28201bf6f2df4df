/*
 * Locks held for review (src/store/sqlite/store_locks.c; docs/internals/UNLOCK.md): each trip
 * of the breaker, with the account, the session that tripped, why, when, and what a reviewer
 * decided; and the unlock tickets that `medkeep accounts unlock` leaves for the vault. No PHI:
 * ids, a fixed reason word, the reviewer's own words (not logged), sealed addresses.
 */
#ifndef MEDKEEP_STORE_LOCKS_H
#define MEDKEEP_STORE_LOCKS_H
#include "store/store.h"

#define LOCK_LOCKED "locked"     /* tripped, waiting for review */
#define LOCK_KEPT "kept"         /* reviewed: stays locked, the person was told */
#define LOCK_UNLOCKED "unlocked" /* reviewed: unlocked */

struct store_lock {
	struct id id;
	struct id account;
	struct id session;     /* the session that tripped (its incident report) */
	char reason[16];       /* "budget" or "enumeration" */
	int64_t tripped;
	char state[12];        /* LOCK_* */
	bool reviewed;
	struct id reviewed_by;
	int64_t reviewed_at;
	const char *review_reason; /* the reviewer's words, or NULL */
	/* the account */
	enum role role;
	bool has_practice;
	struct id practice;
	bool has_patient;
	struct id patient;
	bool locked;           /* the account is locked now */
	struct bytes email_ct; /* its sealed address */
	/* a practice system or an HL7 feed (role ROLE_SYSTEM, practice set, no address) */
	char system_kind[8];     /* "feed", "system", or "" for an account */
	const char *system_name; /* its registered name, or NULL */
};

/* Record a trip of account (by session, for reason) at `now`. For a practice system or a feed
 * (ROLE_SYSTEM: no account row), system_practice is its practice; NULL for an account. */
enum err store_lock_record(const struct id *account, const struct id *session, const char *reason,
			   int64_t now, const struct id *system_practice);
/* Whether a practice system or feed is held by a lock not yet reviewed unlocked (true also
 * when that cannot be read: it is then not let in). */
bool store_system_held(const struct id *system);
/* Trips newest first (at most 200): all, or only those not yet reviewed (open_only); of every
 * account (practice NULL) or of one practice's staff and enrolled patients. */
enum err store_locks_list(bool open_only, const struct id *practice, struct arena *a,
			  struct store_lock **out, size_t *n);
/* One trip by id; ERR_NOT_FOUND when none. */
enum err store_lock_get(const struct id *lock, struct arena *a, struct store_lock *out);
/* The newest trip of an account; ERR_NOT_FOUND when none. */
enum err store_lock_latest(const struct id *account, struct arena *a, struct store_lock *out);
/* A reviewer's decision on every unreviewed trip of the lock's account: state LOCK_KEPT or
 * LOCK_UNLOCKED (which also unlocks the account). */
enum err store_lock_review(const struct id *account, const char *state, const struct id *reviewer,
			   const char *reason, int64_t now);
/* Accounts for `medkeep accounts list`: all, or only locked ones (at most `max`). */
enum err store_accounts_list(bool locked_only, size_t max, struct arena *a, struct store_account **out,
			     size_t *n);

/* Unlock tickets: one per account (a newer replaces it). */
enum err store_unlock_ticket_set(const struct id *account, int64_t issued, const uint8_t *mac, size_t n);
/* ERR_NOT_FOUND when the account has none. mac: UNLOCK_TICKET_MAC_BYTES (32) bytes. */
enum err store_unlock_ticket_get(const struct id *account, int64_t *issued, uint8_t mac[32]);
enum err store_unlock_ticket_delete(const struct id *account);

#endif
