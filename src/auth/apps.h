/*
 * Apps a patient connects to their record: OAuth 2.0 authorization code with PKCE (RFC 6749,
 * RFC 7636) for public clients, as SMART App Launch's standalone patient launch uses it
 * (docs/internals/APPS.md). The operator registers each app with its one redirect URI; a
 * patient consents to what it may read; the app swaps the one-minute code for an access
 * token of an hour, which reaches the FHIR API only, reads only, through the same gate.
 */
#ifndef MEDKEEP_AUTH_APPS_H
#define MEDKEEP_AUTH_APPS_H
#include "policy/policy.h"
#include "vault/vault.h"
#include "store/apps.h"
#include "util/buf.h"
#include "util/err.h"

#define APP_STATE_MAX 256
#define APP_SCOPE_MAX 1024
/* One scope token at most: a v2 granular scope names a type, its permissions and a query
 * (patient/Observation.rs?category=http://terminology.hl7.org/...|laboratory). */
#define APP_SCOPE_TOKEN_MAX 256

/* Beyond the parts an app may read (APP_SCOPE_ALL, policy.h): the refresh token it asked for
 * (SMART `online_access`, `offline_access`). Never stored on a session: the gate sees only
 * APP_SCOPE_ALL bits. */
#define APP_SCOPE_ONLINE (1u << 12)
#define APP_SCOPE_OFFLINE (1u << 13)
#define APP_SCOPE_REFRESH (APP_SCOPE_ONLINE | APP_SCOPE_OFFLINE)
/* OpenID Connect (`openid`, and `fhirUser` with it): an id_token with the token response. */
#define APP_SCOPE_OPENID (1u << 14)
#define APP_SCOPE_FHIRUSER (1u << 15)
#define APP_SCOPE_GRANTABLE (APP_SCOPE_ALL | APP_SCOPE_REFRESH | APP_SCOPE_OPENID | APP_SCOPE_FHIRUSER)

/* An authorization request, checked. */
struct app_request {
	struct store_app app;
	char redirect_uri[APP_REDIRECT_MAX + 1];
	char state[APP_STATE_MAX + 1];
	char challenge[APP_CHALLENGE_LEN + 1];
	char nonce[APP_STATE_MAX + 1]; /* OpenID Connect; "" when none */
	unsigned scopes; /* APP_SCOPE_* */
};

/* The parameters as received (NULL when absent). */
struct app_params {
	const char *client_id, *redirect_uri, *response_type, *scope, *state, *challenge, *method,
		*aud, *nonce;
};

/* Check an authorization request against the register; `aud` must be `fhir_base` (a '/' after
 * it is the same base). ERR_BAD_CLIENT before the app and its redirect URI are known (then
 * nothing may be sent to the app: show *description to the person); ERR_BAD_REQUEST with the
 * OAuth *error and a *description for the app's developer after. Descriptions are static. */
enum err apps_authorize_check(const struct app_params *p, const char *fhir_base, struct app_request *out,
			      const char **error, const char **description);
/* The scopes granted for an OAuth scope string (space-separated, at most APP_SCOPE_MAX
 * bytes), leniently (RFC 6749 3.3): of each patient/ scope, the reads of the patient's own
 * record it includes: SMART v1 .read and .* (not .write), v2 permissions (in cruds order) that
 * hold r or s, a star for every type; a v2 query (?category=...) is granted as its whole type,
 * which is what the consent page names (APPS.md). Plus APP_SCOPE_ONLINE / APP_SCOPE_OFFLINE
 * for online_access / offline_access, APP_SCOPE_OPENID / APP_SCOPE_FHIRUSER for openid /
 * fhirUser. Anything else is ignored. 0 when nothing is granted. */
unsigned apps_parse_scope(const char *scope, size_t len);
/* What each granted scope lets the app read, in words for the consent page. */
size_t apps_scope_words(unsigned scopes, const char *out[8]);
/* The granted scopes as an OAuth scope string (SMART's v1 names, which v2 servers accept),
 * with online_access or offline_access when a refresh token is granted. */
void apps_scope_string(unsigned scopes, struct buf *out);

/* The patient `a` (holding session `token`) lets the app read their own record: a code for
 * the app (TOKEN_B64_LEN characters), good for APP_CODE_SECONDS. */
enum err apps_consent(const struct actor *a, const char *token, const struct app_request *r,
		      char code[TOKEN_B64_LEN + 1]);

struct app_token {
	char access_token[SESSION_TOKEN_B64_LEN + 1];
	char refresh_token[SESSION_TOKEN_B64_LEN + 1]; /* "" when none was granted */
	char id_token[LIMIT_ID_TOKEN];		       /* "" unless openid was granted */
	unsigned scopes;
	struct id patient;
	int64_t expires_in;
};
/* The app swaps its code for the access token (once), and a refresh token when online_access
 * or offline_access was granted, and an id_token issued by `issuer` (the portal's address) when
 * openid was. ERR_BAD_REQUEST with *error "invalid_grant" and a
 * *description (static) when the code is unknown, used, expired, another app's or another
 * redirect's, or the verifier does not match: then the code is spent all the same. */
enum err apps_exchange(const char *code, const char *client_id, const char *redirect_uri,
		       const char *verifier, const char *ip, const char *issuer, struct app_token *out,
		       const char **error, const char **description);
/* The app uses its refresh token (RFC 6749 6): a new access token and the next refresh token,
 * the used one spent. A spent one used again ends its whole family (every refresh and access
 * token of the consent: RFC 9700); so does the family's end, or, for online_access, the
 * patient having no live session. client_id, when sent, must be the family's; scope, when
 * sent, narrows the new access token. Refusals as for apps_exchange. */
enum err apps_refresh(const char *refresh, const char *client_id, const char *scope, const char *ip,
		      struct app_token *out, const char **error, const char **description);
/* RFC 7009: end an app's access token, or a refresh token's whole family (anything else is
 * ignored). */
enum err apps_revoke(const char *token, const char *ip);
/* What the introspection endpoint says of a token (RFC 7662 2.2). */
struct app_introspection {
	bool active;
	bool refresh; /* a refresh token (else an app's access token) */
	unsigned scopes;
	struct id client, patient, account;
	int64_t iat, exp;
};
/* RFC 7662: about an app's access token or refresh token, for a caller policy_may_introspect
 * allows (ERR_DENIED otherwise). Anything else, ended or unknown, is inactive. Audited. */
enum err apps_introspect(const struct actor *caller, const char *token, struct app_introspection *out);
/* The patient's connected apps that can refresh (their Sessions page); *out in ar. */
enum err apps_families(const struct actor *a, struct arena *ar, struct store_app_refresh **out, size_t *n);
/* The patient ends one: its refresh tokens and every access token it gave. ERR_NOT_FOUND when
 * it is none of theirs. */
enum err apps_family_end(const struct actor *a, const struct id *family);

/* The origin (scheme://host[:port]) of a registered redirect URI; -1 if it has none. */
int apps_redirect_origin(const char *redirect_uri, char out[APP_REDIRECT_MAX + 1]);

/* The operator's register (command line). */
enum err apps_register(const char *name, const char *redirect_uri, struct store_app *out, const char **why);
enum err apps_remove(const char *client_id);
#endif
