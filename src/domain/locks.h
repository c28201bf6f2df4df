/*
 * A way back from a lock (docs/internals/UNLOCK.md). Every trip of the breaker is held for
 * review: an operator (any account) or a practice admin (their own practice's staff and
 * patients) sees who was stopped, why, when and what they reached, and either unlocks the
 * account (a reason, a fresh second factor; the vault clears its trip) or keeps it locked;
 * either way the person is emailed and the decision audited. `medkeep accounts unlock` does
 * the same from the command line with an unlock ticket the vault checks itself.
 */
#ifndef MEDKEEP_DOMAIN_LOCKS_H
#define MEDKEEP_DOMAIN_LOCKS_H
#include "audit/incident.h"
#include "domain/domain.h"
#include "store/locks.h"

/* One trip as its reviewer sees it. Everything points into the arena given. */
struct lock_view {
	struct store_lock lock;
	const char *email;         /* the account's address when the vault opened it, else NULL */
	const char *practice_name; /* the practice of the staff member, or the patient's, or NULL */
	bool reached_known;        /* the incident report of the session was collected */
	struct incident_line *reached; /* what that session was served */
	size_t n_reached;
	int64_t denied;            /* refused and not-found answers in that session */
};

/* The trips this actor may review (operator: all; practice admin: their practice's staff and
 * patients), newest first, each with its incident report when it is still open. Audited.
 * ERR_NOT_FOUND for anyone else. */
enum err locks_review_list(const struct actor *a, struct arena *ar, struct lock_view **out, size_t *n);

/* Decide on the lock `lock` (an id from the list): unlock (true) or keep locked and notify
 * (false). reason: required, at most LIMIT_LOCK_REASON bytes (ERR_INVALID). Needs a fresh
 * second factor (ERR_STEP_UP); a lock outside the actor's reach is ERR_NOT_FOUND.
 * Audited (reviewer, account), the person emailed. */
enum err locks_decide(const struct actor *a, const struct id *lock, bool unlock, const char *reason);

/* Whether a reviewer's reason is acceptable: not blank, at most LIMIT_LOCK_REASON bytes. */
bool locks_reason_ok(const char *reason);

/* Command line (`medkeep accounts unlock`, holding the master key): unlock this account (the
 * caller looked it up by address: domain does not call up into auth), with an unlock ticket
 * the running vault will accept at its next sign-in. ERR_INVALID for an empty reason (check
 * it with locks_reason_ok before looking the account up, so a bad reason is reported first).
 * An account that is not locked is left alone (*was_locked false, ERR_OK): a ticket would
 * end its sessions. */
struct store_account;
enum err locks_unlock_local(const struct store_account *account, const char *reason, bool *was_locked);

/* Whom the person of a locked account should contact, as a phrase for a sentence ("your
 * practice, Demo Health Centre" / "the portal's operator"), in ar. */
const char *locks_contact(const struct id *account, enum role role, bool has_patient,
			  const struct id *patient, struct arena *ar);

/* When the account was paused, as a phrase for a sentence (" on Mon 7 Dec 2026, 1:30 am (New
 * Zealand time)"), in ar: from its latest lock, or from `tripped` (seconds) when account is
 * NULL; "" when there is none. */
const char *locks_paused_on(const struct id *account, int64_t tripped, struct arena *ar);

/* At sign-in, after the right password: hand an unlock ticket waiting for this account to the
 * vault (and forget it). Nothing to do is success. */
void locks_present_ticket(const struct id *account);

/* Whether a practice system or an HL7 feed the breaker stopped is still held for review: it
 * gets no token until a reviewer unlocks it, across restarts (the vault's trip is in memory). */
bool locks_system_held(const struct id *system);

#endif
