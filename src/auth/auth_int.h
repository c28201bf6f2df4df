/* Internal to src/auth: what its files share. */
#ifndef MEDKEEP_AUTH_INT_H
#define MEDKEEP_AUTH_INT_H
#include "auth/auth.h"
#include "auth/pwrules.h"

#include <stdint.h>
#include <time.h>

static inline int64_t now_s(void)
{
	return (int64_t)time(NULL);
}

/* A throttle key: prefix ("e:", "d:") and the hex of the first ID_BYTES of a keyed hash. */
void auth_hash_key(const char *prefix, const uint8_t h[HASH_BYTES], char out[80]);

/* Replace the session of old_token by one for new_token, which the vault minted with mfa set
 * after a second factor (TOTP, recovery code or passkey) was checked. */
enum err auth_replace_session(const char *old_token, const struct actor *a, const char *new_token,
			      const struct id *session, struct login_result *out);

/* One record of an account event in the trail: about a patient (or none), for an actor who
 * may have no session (ip then says where from). */
int auth_audit(const struct actor *a, const char *action, const struct id *patient,
	       const char *outcome, const char *ip);

/* Store the session of an app's access token (apps.c), minted by the vault at the patient's
 * consent or from a refresh token (family: its refresh-token family, or NULL); and end one,
 * only if it is an app's (*who: whose, for the trail). 0 on success. */
int auth_app_session_create(const char *token, const struct id *session, const struct id *account,
			    bool mfa, const struct id *client, unsigned scopes, const struct id *family,
			    const char *device, const char *ip);
int auth_app_session_end(const char *token, const char *ip, struct actor *who);
/* The session of an app's live access token (not ended, its account not locked): 0, or -1. */
int auth_app_session_find(const char *token, struct store_session *out);
/* The OR of one(token) over the space-separated tokens of an OAuth scope string of at most max
 * bytes (0 when longer): apps' and systems' scopes alike. */
unsigned auth_scope_bits(const char *scope, size_t len, size_t max,
			 unsigned (*one)(const char *s, size_t n));
/* The read and write a SMART scope's permission part (n bytes at p) grants: v1 read, write, *;
 * v2 letters of cruds in that order, each at most once (r or s read; c or u write). */
void auth_perm_bits(const char *p, size_t n, bool *read, bool *write);
/* The actor of a practice system's live bearer token (systems.c), by the token's hash: 0, or
 * -1 when there is none (unknown, expired, or its system removed). */
int auth_system_session(const uint8_t th[HASH_BYTES], const char *ip, struct actor *out);

/* --- the account lifecycle's two halves (account.c, account_change.c) share these --- */

/* The portal's base URL for links in emails (account_set_portal_url), never with a '/' last. */
const char *account_portal_url(void);
/* The footer of every account email. */
extern const char account_mail_footer[];
/* A new link token (base64url) and the hash the store keeps of it. */
void account_token_make(char token[TOKEN_B64_LEN + 1], uint8_t hash[HASH_BYTES]);
/* The hash of a token as it came in a link; -1 when it cannot be one of ours. */
int account_token_parse(const char *token, uint8_t hash[HASH_BYTES]);
/* Append the personal-word marks of kind ('e' email, 'n' names) from text to m (at most
 * PW_MARKS_MAX in all); keep those of one kind from a stored blob; encode m into ar (an empty
 * blob when n is 0 or ar is full). */
void account_marks_add(char kind, const char *text, struct pw_mark *m, size_t *n);
void account_marks_keep(struct bytes blob, char kind, struct pw_mark *m, size_t *n);
struct bytes account_marks_blob(const struct pw_mark *m, size_t n, struct arena *ar);
/* An actor for the audit trail when there is no session (a link from an email). */
void account_actor_for(const struct id *account, const char *ip, struct actor *a);
/* Queue an email to the sealed address to_ct (sealed for sealed_for): a STORE_* code, and
 * ERR_INTERNAL when there is no address or no body. */
enum err account_queue(const struct id *sealed_for, struct bytes to_ct, const char *subject,
		       const char *body);
/* Someone tried to use an address that already has an account: tell its owner, only them
 * (what they tried: "create an account", ...). Nothing when the address has none. */
void account_tell_owner(const char *idx, const char *what, struct arena *ar);

#endif
