/*
 * A way back from a lock (docs/internals/UNLOCK.md). The breaker's trip lives in the vault's
 * memory, and the vault believes no worker that merely says "unlock" (DESIGN.md invariant 5).
 * It clears a trip only on one of two proofs:
 *
 *  - a reviewer's session token (minted and MACed here) with a second factor given within
 *    STEP_UP_SECONDS: an operator, for any account; a practice admin, for an account whose
 *    trip this process saw with the admin's own practice (staff) or a patient's role;
 *  - an unlock ticket: a MAC, under a key derived from the master key, over the account and
 *    the time it was issued, made by `medkeep accounts unlock` (which holds the master key).
 *    A ticket clears only a trip at or before its issue time (breaker_release), so a stored
 *    ticket handed over again cannot undo a later trip, and it lapses after
 *    UNLOCK_TICKET_SECONDS.
 *
 * What a trip was (role, practice) is noted here from the tripping token's own claims, in a
 * small ring: the database's copy is the worker's, and the worker's word is not believed.
 */
#include <pthread.h>
#include <sodium.h>
#include <string.h>
#include <time.h>

#include "limits.h"
#include "util/log.h"
#include "util/wipe.h"
#include "vault/breaker.h"
#include "vault/vault.h"
#include "vault/vault_int.h"

#define TRIP_NOTES 1024 /* trips remembered for a practice admin's review; older ones: operator */

struct trip_note {
	bool used;
	struct id account;
	enum role role;
	bool has_practice;
	struct id practice;
};

static pthread_mutex_t notes_lock = PTHREAD_MUTEX_INITIALIZER;
static struct trip_note notes[TRIP_NOTES];
static size_t notes_next;

void vault_trip_note(const struct session_claims *c)
{
	pthread_mutex_lock(&notes_lock);
	notes[notes_next] = (struct trip_note){.used = true,
					       .account = c->account,
					       .role = c->role,
					       .has_practice = c->has_practice,
					       .practice = c->practice};
	notes_next = (notes_next + 1) % TRIP_NOTES;
	pthread_mutex_unlock(&notes_lock);
}

/* Whether a practice admin of `practice` may clear this account's trip, from what the vault
 * saw when it tripped: staff, a practice system or an HL7 feed of that same practice, or a patient (whose enrolment the vault
 * cannot see; the worker's gate decided that part). */
static bool admin_reaches(const struct id *account, const struct id *practice)
{
	bool ok = false;
	pthread_mutex_lock(&notes_lock);
	for (size_t i = 0; i < TRIP_NOTES; i++) {
		const struct trip_note *n = &notes[i];
		if (!n->used || !id_eq(&n->account, account))
			continue;
		ok = n->role == ROLE_PATIENT ||
		     ((n->role == ROLE_CLINICIAN || n->role == ROLE_PRACTICE_ADMIN ||
		       n->role == ROLE_SYSTEM) &&
		      n->has_practice && id_eq(&n->practice, practice));
	}
	pthread_mutex_unlock(&notes_lock);
	return ok;
}

/* A reviewer's claims, from its token: operator or practice admin, second factor given. With
 * fresh, within STEP_UP_SECONDS. Then whether it reaches this account's trip. */
static bool reviewer_reaches(const char *token, const struct id *account, bool fresh,
			     struct session_claims *c)
{
	int64_t now = (int64_t)time(NULL);
	if (token == NULL || vault_token_claims(token, strlen(token), c) != 0 || c->app || !c->mfa)
		return false;
	if (fresh && (now - c->issued > STEP_UP_SECONDS || c->issued > now + 5))
		return false;
	if (id_eq(&c->account, account)) /* nobody reviews their own lock */
		return false;
	if (c->role == ROLE_OPERATOR)
		return true;
	return c->role == ROLE_PRACTICE_ADMIN && c->has_practice && admin_reaches(account, &c->practice);
}

/* A reviewer at all: an operator or a practice admin, second factor given within
 * STEP_UP_SECONDS, not the account itself. */
static bool fresh_reviewer(const char *token, const struct id *account)
{
	struct session_claims c;
	int64_t now = (int64_t)time(NULL);
	return token != NULL && vault_token_claims(token, strlen(token), &c) == 0 && !c.app && c.mfa &&
	       now - c.issued <= STEP_UP_SECONDS && c.issued <= now + 5 &&
	       !id_eq(&c.account, account) &&
	       (c.role == ROLE_OPERATOR || (c.role == ROLE_PRACTICE_ADMIN && c.has_practice));
}

enum err vault_local_review_email(const char *token, const struct id *account, const void *ct, size_t n,
				  struct buf *out)
{
	struct session_claims c;
	/* Only the address of an account this process saw trip, for its reviewer. */
	bool noted = false;
	pthread_mutex_lock(&notes_lock);
	for (size_t i = 0; i < TRIP_NOTES && !noted; i++)
		noted = notes[i].used && id_eq(&notes[i].account, account);
	pthread_mutex_unlock(&notes_lock);
	if (!noted || !reviewer_reaches(token, account, false, &c))
		return ERR_DENIED;
	return vault_local_email(account, NULL, ct, n, out);
}

static void ticket_mac(const struct id *account, int64_t issued, uint8_t mac[UNLOCK_TICKET_MAC_BYTES])
{
	struct key k;
	vault_stable_subkey(7, "unlocktk", &k); /* survives master key rotation */
	uint8_t msg[18 + ID_BYTES + 8];
	memcpy(msg, "medkeep-unlock-v1", 18);
	memcpy(msg + 18, account->b, ID_BYTES);
	uint64_t t = (uint64_t)issued;
	for (int i = 0; i < 8; i++)
		msg[18 + ID_BYTES + i] = (uint8_t)(t >> (8 * i));
	crypto_generichash(mac, UNLOCK_TICKET_MAC_BYTES, msg, sizeof(msg), k.b, KEY_BYTES);
	key_wipe(&k);
}

enum err vault_local_unlock_ticket(const struct id *account, int64_t issued,
				   uint8_t mac[UNLOCK_TICKET_MAC_BYTES])
{
	if (issued <= 0)
		return ERR_DENIED;
	ticket_mac(account, issued, mac);
	return ERR_OK;
}

enum err vault_local_unlock(const char *token, const struct id *account, int64_t issued,
			    const uint8_t *mac, size_t mac_len)
{
	int64_t now = (int64_t)time(NULL);
	char acct[ID_HEX_LEN + 1];
	id_hex(account, acct);
	if (token != NULL) {
		struct session_claims c;
		/* Nothing tripped here (the vault restarted since): nothing to clear, and nothing
		 * noted to check a practice admin's reach against; the database's lock is the
		 * worker's to lift. */
		if (!breaker_is_tripped(account, NULL)) {
			if (!fresh_reviewer(token, account))
				return ERR_DENIED;
			breaker_release(account, now); /* remembered: older tokens stay refused */
			return ERR_OK;
		}
		if (!reviewer_reaches(token, account, true, &c))
			return ERR_DENIED;
		breaker_release(account, now);
		log_info("component=breaker event=release account=%s by=session role=%s", acct,
			 role_name(c.role));
		return ERR_OK;
	}
	uint8_t want[UNLOCK_TICKET_MAC_BYTES];
	if (mac == NULL || mac_len != UNLOCK_TICKET_MAC_BYTES || issued <= 0 || issued > now + 60 ||
	    now - issued > UNLOCK_TICKET_SECONDS)
		return ERR_DENIED;
	ticket_mac(account, issued, want);
	int ok = sodium_memcmp(want, mac, UNLOCK_TICKET_MAC_BYTES) == 0;
	wipe(want, sizeof(want));
	if (!ok)
		return ERR_DENIED;
	breaker_release(account, issued);
	if (breaker_is_tripped(account, NULL))
		return ERR_DENIED; /* a later trip: the ticket clears nothing */
	log_info("component=breaker event=release account=%s by=ticket", acct);
	return ERR_OK;
}
