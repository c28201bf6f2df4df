/*
 * The feed queue's keys (docs/internals/FEEDS.md "The queue"): a message waiting in a
 * practice's queue belongs to no patient yet, so it cannot be sealed with a patient's key.
 * Each queued message gets a key of its own, random, wrapped here under a subkey of the
 * stable index key (it survives master key rotation, like the outbox's), with associated data
 * naming the practice and the queue item: a wrapped key copied onto another item or practice
 * does not unwrap. The message itself is encrypted with that key by the caller
 * (vault_feedq_seal in vault_api.c), so the vault never handles a 16 MB message; a new key
 * is given to anyone (whoever queues a message holds it already), an existing one only for a
 * token whose claims are staff of that practice who may work its queue, after their second
 * factor (policy_may_work_feed_queue), and counted by the breaker as a register read.
 *
 * A move asked from a queued registration (TRANSFERS.md "Moves started by HL7"): staff who may
 * open the key have it wrapped again, bound to the patient asked for and the practice being
 * left; that copy opens for whoever makes the move (the patient, staff of either practice; a
 * command-line tool holding the master key), so the registration is filed once the move is
 * made without the vault ever opening a queued message for a system's token.
 */
#include <stdio.h>
#include <string.h>

#include "policy/policy.h"
#include "vault/vault_int.h"

static void feedq_kek(struct key *k)
{
	vault_stable_subkey(8, "feedqkey", k); /* survives master key rotation */
}

/* May the token's holder open this practice's queued messages? Asked of the policy, with an
 * actor made of the token's claims alone: nothing a worker says is believed. */
static bool staff_of_practice(const char *token, const struct id *practice)
{
	struct session_claims c;
	if (token == NULL || vault_token_claims(token, strlen(token), &c) != 0 || c.app)
		return false;
	struct actor a;
	memset(&a, 0, sizeof(a));
	a.account = c.account;
	a.session = c.session;
	a.role = c.role;
	a.has_practice = c.has_practice;
	a.practice = c.practice;
	a.mfa = c.mfa;
	return policy_may_work_feed_queue(&a, practice);
}

/* The associated data of a queued message's key bound to a move (TRANSFERS.md "Moves started
 * by HL7"): the practice and item, the patient asked for, the practice being left (or "-"). */
static void move_ad(char ad[256], const struct id *practice, const struct id *item,
		    const struct feedq_move *mv)
{
	char pr[ID_HEX_LEN + 1], it[ID_HEX_LEN + 1], pa[ID_HEX_LEN + 1], fr[ID_HEX_LEN + 1];
	id_hex(practice, pr);
	id_hex(item, it);
	id_hex(&mv->patient, pa);
	if (mv->has_from)
		id_hex(&mv->from, fr);
	snprintf(ad, 256, "medkeep/v1/feedq-move/%s/%s/%s/%s", pr, it, pa, mv->has_from ? fr : "-");
}

/* May the token's holder open a queued registration bound to this move, once it is made? The
 * patient it names (their own session, not an app's), staff of the practice being left (who
 * agreed to it), or staff of the practice it was queued at: each of whom already knows the
 * patient. Never a system: a system's token is minted on the caller's word (vault.h). */
static bool may_open_moved(const char *token, const struct id *practice, const struct feedq_move *mv)
{
	struct session_claims c;
	if (token == NULL || vault_token_claims(token, strlen(token), &c) != 0 || c.app)
		return false;
	if (c.role == ROLE_PATIENT)
		return c.has_patient && id_eq(&c.patient, &mv->patient);
	return staff_of_practice(token, practice) ||
	       (mv->has_from && staff_of_practice(token, &mv->from));
}

enum err vault_local_feedq_moved_key(const struct id *item, const struct id *practice,
				     const struct feedq_move *mv, struct bytes wrapped, struct key *k)
{
	struct key kek;
	char ad[256];
	feedq_kek(&kek);
	move_ad(ad, practice, item, mv);
	int rc = key_unwrap(&kek, ad, wrapped.ptr, wrapped.len, k);
	key_wipe(&kek);
	if (rc != 0)
		key_wipe(k);
	return rc == 0 ? ERR_OK : ERR_DENIED;
}

enum err vault_local_feedq_key(const char *token, const struct id *item, const struct id *practice,
			       struct bytes wrapped, struct key *k, struct buf *wrapped_out,
			       const struct feedq_move *mv)
{
	struct key kek;
	char ad[128];
	int rc;
	if (wrapped.ptr == NULL) {
		if (mv != NULL)
			return ERR_DENIED;
		key_random(k);
		feedq_kek(&kek);
		vault_ad(ad, "feedq-key", practice, item);
		rc = key_wrap(&kek, ad, k, wrapped_out);
		key_wipe(&kek);
		if (rc != 0)
			key_wipe(k);
		return rc == 0 ? ERR_OK : ERR_DENIED;
	}
	bool moved = mv != NULL && !mv->bind;
	if (moved ? !may_open_moved(token, practice, mv) : !staff_of_practice(token, practice))
		return ERR_DENIED;
	/* What it shows is someone's name, NHI and birth date: a register read for the breaker,
	 * each queued message counted as one person. */
	enum err b = vault_local_read_demographics(token, item);
	if (b != ERR_OK)
		return b;
	if (moved)
		return vault_local_feedq_moved_key(item, practice, mv, wrapped, k);
	feedq_kek(&kek);
	vault_ad(ad, "feedq-key", practice, item);
	rc = key_unwrap(&kek, ad, wrapped.ptr, wrapped.len, k);
	if (rc == 0 && mv != NULL) {
		/* bind: the same key, wrapped again for the move */
		char mad[256];
		move_ad(mad, practice, item, mv);
		rc = key_wrap(&kek, mad, k, wrapped_out);
	}
	key_wipe(&kek);
	if (rc != 0)
		key_wipe(k);
	return rc == 0 ? ERR_OK : ERR_DENIED;
}
