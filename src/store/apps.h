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
/* End every code not yet exchanged of an account (NULL: of every account). Whatever ends an
 * account's sessions ends its codes too: store_sessions_revoke, store_sessions_revoke_others
 * and store_sessions_revoke_all call this, so a code given at a consent just before a reset,
 * a change of password, a lock or "sign out everywhere" cannot become a token after it. */
enum err store_app_codes_end(const struct id *account);

#endif
