/*
 * Passkeys (WebAuthn credentials) of accounts, and the challenges issued for them. Account
 * data, not patient data: these functions take the account id of the signed-in actor, never a
 * grant. Public keys are not secret; each row carries the vault's MAC binding it to its
 * account, so a row swapped in by someone with the database is refused by the vault.
 */
#ifndef MEDKEEP_STORE_PASSKEY_H
#define MEDKEEP_STORE_PASSKEY_H
#include "crypto/webauthn.h"
#include "store/store.h"

/* Passkeys one account may hold: a phone, a laptop, two security keys, and spares. */
#define PASSKEYS_PER_ACCOUNT 10
/* A passkey's name, as its owner typed it ("Work laptop"). */
#define PASSKEY_NAME_MAX 64

struct store_passkey {
	struct id id;
	char name[PASSKEY_NAME_MAX + 1];
	struct webauthn_credential cred;
	uint8_t mac[32];
	int64_t created;
	int64_t last_used; /* 0: never */
};

/* Add a passkey; ERR_CONFLICT when the credential id is registered already (any account). */
enum err store_passkey_insert(const struct id *account, const struct store_passkey *p);
/* The account's passkeys, oldest first (at most PASSKEYS_PER_ACCOUNT); *out in the arena. */
enum err store_passkey_list(const struct id *account, struct arena *a, struct store_passkey **out,
			    size_t *n);
/* One passkey of the account by credential id; ERR_NOT_FOUND when it is not theirs. */
enum err store_passkey_find(const struct id *account, const uint8_t *cred_id, size_t cred_id_len,
			    struct store_passkey *out);
/* Record a use: the counter moves only forward (ERR_CONFLICT when it would not, as when a
 * concurrent use got there first). */
enum err store_passkey_used(const struct id *account, const struct id *passkey, uint32_t sign_count,
			    int64_t now);
/* Remove one of the account's passkeys; ERR_NOT_FOUND when it is not theirs. */
enum err store_passkey_delete(const struct id *account, const struct id *passkey);
/* How many passkeys the account has. */
enum err store_passkey_count(const struct id *account, int *n);

/* A challenge issued to a session for a purpose (the vault's; we keep its hash), replacing
 * any earlier one of the same session and purpose, and clearing expired ones. */
enum err store_passkey_challenge_put(const struct id *session, int purpose,
				     const uint8_t hash[HASH_BYTES], int64_t expires);
/* Use it up: ERR_OK when it was issued to this session for this purpose and had not
 * expired; it is deleted either way (single use). */
enum err store_passkey_challenge_take(const struct id *session, int purpose,
				      const uint8_t hash[HASH_BYTES], int64_t now);
/* The sealed email address of an account (for notices by email). */
enum err store_account_email_ct(const struct id *account, struct arena *a, struct bytes *out);

#endif
