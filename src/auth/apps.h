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

/* An authorization request, checked. */
struct app_request {
	struct store_app app;
	char redirect_uri[APP_REDIRECT_MAX + 1];
	char state[APP_STATE_MAX + 1];
	char challenge[APP_CHALLENGE_LEN + 1];
	unsigned scopes; /* APP_SCOPE_* */
};

/* The parameters as received (NULL when absent). */
struct app_params {
	const char *client_id, *redirect_uri, *response_type, *scope, *state, *challenge, *method,
		*aud;
};

/* Check an authorization request against the register; `aud` must be `fhir_base`. */
enum err apps_authorize_check(const struct app_params *p, const char *fhir_base, struct app_request *out,
			      const char **error);
/* The scopes granted for an OAuth scope string (space-separated, at most APP_SCOPE_MAX
 * bytes): reads of the patient's own record only (patient/TYPE.read, SMART v2 .rs, .r, .s,
 * and a star for every type); anything else is not granted. 0 when nothing is. */
unsigned apps_parse_scope(const char *scope, size_t len);
/* What each granted scope lets the app read, in words for the consent page. */
size_t apps_scope_words(unsigned scopes, const char *out[8]);
/* The granted scopes as an OAuth scope string (SMART's v1 names, which v2 servers accept). */
void apps_scope_string(unsigned scopes, struct buf *out);

/* The patient `a` (holding session `token`) lets the app read their own record: a code for
 * the app (TOKEN_B64_LEN characters), good for APP_CODE_SECONDS. */
enum err apps_consent(const struct actor *a, const char *token, const struct app_request *r,
		      char code[TOKEN_B64_LEN + 1]);

struct app_token {
	char access_token[SESSION_TOKEN_B64_LEN + 1];
	unsigned scopes;
	struct id patient;
	int64_t expires_in;
};
/* The app swaps its code for the access token (once). ERR_BAD_REQUEST with *error
 * "invalid_grant" when the code is unknown, used, expired, another app's or another redirect's,
 * or the verifier does not match: then the code is spent all the same. */
enum err apps_exchange(const char *code, const char *client_id, const char *redirect_uri,
		       const char *verifier, const char *ip, struct app_token *out, const char **error);
/* RFC 7009: end an app's access token (anything else is ignored). */
enum err apps_revoke(const char *token, const char *ip);

/* The origin (scheme://host[:port]) of a registered redirect URI; -1 if it has none. */
int apps_redirect_origin(const char *redirect_uri, char out[APP_REDIRECT_MAX + 1]);

/* The operator's register (command line). */
enum err apps_register(const char *name, const char *redirect_uri, struct store_app *out, const char **why);
enum err apps_remove(const char *client_id);
#endif
