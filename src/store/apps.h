/*
 * Apps that patients connect to their record through OAuth (docs/internals/APPS.md): the
 * operator's register of apps, and the one-minute authorization codes between a patient's
 * consent and the app's exchange of the code. Account data, not patient data: no grant here;
 * what an app's token may reach is decided by the policy gate on every request.
 */
#ifndef MEDKEEP_STORE_APPS_H
#define MEDKEEP_STORE_APPS_H
#include "store/store.h"

#define APP_NAME_MAX 80
#define APP_REDIRECT_MAX 512
#define APP_CHALLENGE_LEN 43 /* base64url of a SHA-256 (RFC 7636 S256) */
#define APP_NONCE_MAX 256    /* as an OAuth state (APP_STATE_MAX) */
#define APPS_MAX 200

struct store_app {
	struct id id; /* the client_id */
	char name[APP_NAME_MAX + 1];
	char redirect_uri[APP_REDIRECT_MAX + 1];
	int64_t created;
};

/* Register an app. */
enum err store_app_insert(const struct store_app *app);
/* A registered app (not removed); ERR_NOT_FOUND otherwise. */
enum err store_app_get(const struct id *id, struct store_app *out);
/* Every registered app, oldest first (at most APPS_MAX); *out in the arena. */
enum err store_apps_list(struct arena *a, struct store_app **out, size_t *n);
/* Remove an app: its codes and every token it holds go with it. */
enum err store_app_remove(const struct id *id, int64_t now);

/* A code as issued at a patient's consent. The app's token waits in `box`, sealed under a key
 * made from the code itself, which only the app receives: the table alone opens nothing. */
struct store_app_code {
	uint8_t hash[HASH_BYTES]; /* keyed by a hash of the code, never the code */
	struct id client;
	char redirect_uri[APP_REDIRECT_MAX + 1];
	char challenge[APP_CHALLENGE_LEN + 1];
	char nonce[APP_NONCE_MAX + 1]; /* OpenID Connect's, for the id_token; "" when none */
	unsigned scopes;
	struct id account;
	struct id patient;
	struct id session; /* the token's session id */
	bool mfa;
	struct bytes box;
	int64_t expires;
};

enum err store_app_code_insert(const struct store_app_code *c);
/* Take a code: it is deleted in the same step, so a code is used at most once, whatever the
 * outcome. ERR_NOT_FOUND when there is no such code. */
enum err store_app_code_take(const uint8_t hash[HASH_BYTES], struct arena *a, struct store_app_code *out);
/* End every code not yet exchanged, and every refresh-token family, of an account (NULL: of
 * every account). Whatever ends an account's sessions ends its codes and families too: store_sessions_revoke, store_sessions_revoke_others
 * and store_sessions_revoke_all call this, so a code given at a consent just before a reset,
 * a change of password, a lock or "sign out everywhere" cannot become a token after it. */
enum err store_app_codes_end(const struct id *account);

/* A refresh-token family (docs/internals/APPS.md): every refresh token one consent gives, of
 * which only the newest (current) may be used. The tokens themselves are never stored: only
 * their hashes, each marked current or spent, so a spent one coming back is known as reuse. */
struct store_app_refresh {
	struct id family;
	struct id client;
	char name[APP_NAME_MAX + 1]; /* the app's, for the patient's Sessions page */
	struct id account;
	struct id patient;
	unsigned scopes; /* APP_SCOPE_* bits granted at the consent */
	bool offline;    /* offline_access; else online_access */
	bool mfa;
	int64_t created; /* the consent */
	int64_t expires; /* the family's absolute end */
	int64_t used;    /* the last rotation */
};
#define APP_FAMILIES_MAX 64 /* listed on one Sessions page */

/* Begin a family with its first token's hash. */
enum err store_app_refresh_begin(const struct store_app_refresh *f, const uint8_t hash[HASH_BYTES]);
/* The family of a refresh token by its hash, while its app is registered and its account not
 * locked: *current false when the hash was rotated away (reuse). ERR_NOT_FOUND otherwise. */
enum err store_app_refresh_find(const uint8_t hash[HASH_BYTES], struct store_app_refresh *out,
				bool *current);
/* Rotate: `old` (which must still be the family's current hash) is spent and `next` becomes
 * current, in one step. ERR_CONFLICT when old was no longer current (two uses: reuse). */
enum err store_app_refresh_rotate(const struct id *family, const uint8_t old[HASH_BYTES],
				  const uint8_t next[HASH_BYTES], int64_t now);
/* End a family: its token hashes and every access token it gave (sessions), at once. account
 * not NULL: only a family of that account (the patient's own page). ERR_NOT_FOUND if none. */
enum err store_app_refresh_end(const struct id *account, const struct id *family);
/* An account's families, newest first (at most APP_FAMILIES_MAX); *out in the arena. */
enum err store_app_refresh_list(const struct id *account, struct arena *a, struct store_app_refresh **out,
				size_t *n);
/* Whether the account has a live browser session (not an app's), at now, with sessions
 * ending after idle seconds without use: online_access. */
enum err store_account_online(const struct id *account, int64_t now, int64_t idle, bool *online);

#endif
