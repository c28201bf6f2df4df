/*
 * Account lifecycle storage (src/store/sqlite/store_account_lifecycle.c; the outbox in
 * store_outbox.c): single-use tokens, account state for the lifecycle (verified address,
 * password, personal-word marks), and the outbox as the mail sender sees it. No PHI here:
 * addresses are sealed (by the vault, for the id in account_id) or blind-indexed, token values
 * are stored only as hashes.
 */
#ifndef MEDKEEP_STORE_ACCOUNT_H
#define MEDKEEP_STORE_ACCOUNT_H
#include "store/store.h"

/* Kinds of token, each with its own lifetime (src/auth/account.c). */
#define TOKEN_INVITE "invite"
#define TOKEN_VERIFY "verify"
#define TOKEN_RESET "reset"
#define TOKEN_EMAIL "email"
#define TOKEN_PWCODE "pwcode" /* an emailed code that confirms a password change */

struct store_token {
	char kind[16];
	struct id account; /* the account; for an invitation, the id the new account will take */
	bool has_patient;
	struct id patient;   /* invitation: the record the account is tied to */
	bool has_practice;
	struct id practice;  /* invitation: the inviting practice */
	struct id created_by;
	const char *email;   /* blind index of an address (invitation, email change), or NULL */
	struct bytes email_ct; /* that address sealed for `account` */
	struct bytes detail;   /* invitation: name marks; reset: the throttle key to clear */
	int64_t created;
	int64_t expires;
};

/* Store a new token under the hash of its value. */
enum err store_token_insert(const uint8_t hash[HASH_BYTES], const struct store_token *t);
/* A live token (of kind, not used, not expired at now); ERR_NOT_FOUND otherwise. */
enum err store_token_get(const uint8_t hash[HASH_BYTES], const char *kind, int64_t now, struct arena *a,
			 struct store_token *out);
/* Use a live token: ERR_OK for the one call that used it, ERR_NOT_FOUND for any other. */
enum err store_token_use(const uint8_t hash[HASH_BYTES], const char *kind, int64_t now);
/* Tokens of kind made for account since `since` (rate limits). */
enum err store_token_count(const struct id *account, const char *kind, int64_t since, int64_t *n);
/* End every live token of kind for account (a newer one replaces them). */
enum err store_tokens_end(const struct id *account, const char *kind, int64_t now);

/* What the lifecycle needs to know of an account. */
struct store_account_state {
	bool verified;
	bool locked;
	bool has_patient;
	struct id patient;
	const char *pw_hash;
	struct bytes email_ct;
	struct bytes marks;
};
enum err store_account_state(const struct id *account, struct arena *a, struct store_account_state *out);
enum err store_account_set_verified(const struct id *account);
enum err store_account_set_password(const struct id *account, const char *pw_hash);
/* New address (blind index and sealed form) and marks; ERR_CONFLICT when another account
 * has that address. */
enum err store_account_set_email(const struct id *account, const char *email_index, struct bytes email_ct,
				 struct bytes marks);
/* Marks of an account made outside the lifecycle (medkeep demo, onboarding). */
enum err store_account_set_marks(const struct id *account, struct bytes marks);
/* In one transaction: use the invitation token and create the account (verified or not, with
 * its marks). ERR_NOT_FOUND when the token was used meanwhile, ERR_CONFLICT when the
 * address is taken (then nothing changes). */
enum err store_account_register(const uint8_t invite_hash[HASH_BYTES], int64_t now,
				const struct store_account *acct, bool verified, struct bytes marks);
/* Revoke every session of an account but `keep`, and all its OAuth codes not yet exchanged. */
enum err store_sessions_revoke_others(const struct id *account, const struct id *keep);

/* Run fn inside one transaction on medkeep.db (commit when it returns ERR_OK). */
enum err store_account_tx(enum err (*fn)(void *ctx), void *ctx);

/* --- the outbox, as the mail sender sees it --- */
struct store_outbox_row {
	struct id id;
	struct id account; /* the id the address was sealed for */
	struct bytes to_ct;
	const char *subject;
	struct bytes body_ct; /* sealed (vault_outbox_open); empty for a row queued in clear */
	const char *body;     /* "" unless queued in clear by an older version */
	int64_t attempts;
	int64_t created;
};
/* Unsent rows due at now (all unsent rows when all, whatever their retry time), oldest first,
 * at most max; a row scheduled for later (store_outbox_schedule) is due only from its time,
 * even with all. */
enum err store_outbox_due(int64_t now, bool all, size_t max, struct arena *a,
			  struct store_outbox_row **rows, size_t *n);
/* Claim an unsent row for one mailer until `until` (several nodes: each message sent by one):
 * ERR_OK, or ERR_CONFLICT when it is sent or another mailer's claim on it is still running. */
enum err store_outbox_claim(const struct id *id, int64_t now, int64_t until);
/* Sent: the row stays (ids, subject, when) for the record, its body is dropped. */
enum err store_outbox_sent(const struct id *id, int64_t now);
/* Not sent: try again at next_try; drop_body when it never will be (the row is parked). */
enum err store_outbox_retry(const struct id *id, int64_t attempts, int64_t next_try, bool drop_body);

#endif
