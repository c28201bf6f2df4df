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
 */
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
	if (token == NULL || vault_token_claims(token, strlen(token), &c) != 0)
		return false;
	/* The practice's own feed, applying a registration it sent once the move a person asked
	 * for from it is made (TRANSFERS.md "Moves started by HL7"): a system of that practice
	 * (the vault takes the caller's word for a system's token, vault.h, so this is no weaker
	 * than what such a token reaches already), counted by the breaker below. */
	if (c.app)
		return c.role == ROLE_SYSTEM && c.has_practice && id_eq(&c.practice, practice);
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

enum err vault_local_feedq_key(const char *token, const struct id *item, const struct id *practice,
			       struct bytes wrapped, struct key *k, struct buf *wrapped_out)
{
	struct key kek;
	char ad[128];
	int rc;
	if (wrapped.ptr == NULL) {
		key_random(k);
		feedq_kek(&kek);
		vault_ad(ad, "feedq-key", practice, item);
		rc = key_wrap(&kek, ad, k, wrapped_out);
	} else {
		if (!staff_of_practice(token, practice))
			return ERR_DENIED;
		/* What it shows is someone's name, NHI and birth date: a register read for the
		 * breaker, each queued message counted as one person. */
		enum err b = vault_local_read_demographics(token, item);
		if (b != ERR_OK)
			return b;
		feedq_kek(&kek);
		vault_ad(ad, "feedq-key", practice, item);
		rc = key_unwrap(&kek, ad, wrapped.ptr, wrapped.len, k);
	}
	key_wipe(&kek);
	if (rc != 0)
		key_wipe(k);
	return rc == 0 ? ERR_OK : ERR_DENIED;
}
