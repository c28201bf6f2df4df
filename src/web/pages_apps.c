/*
 * Connecting an app (docs/internals/APPS.md): the authorization endpoint, where a patient
 * sees which app asks to read what and says yes or no, and the token and revocation
 * endpoints the app itself calls. The session cookie is SameSite=Strict, so it is not sent
 * when the app's site sends the browser here: the request then waits in a short cookie of its
 * own while the patient logs in (or just continues), and the start page brings them back.
 */
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include <jansson.h>

#include "auth/apps.h"
#include "auth/auth.h"
#include "auth/systems.h"
#include "http/parse.h"
#include "limits.h"
#include "util/wipe.h"
#include "web/html.h"
#include "web/web.h"
#include "web/web_int.h"

#define APP_PENDING_COOKIE "__Host-medkeep-app"
#define APP_PENDING_SECONDS 600
#define APP_PENDING_MAX 2048

static const char *const param_names[] = {"client_id", "redirect_uri",  "response_type",
					  "scope",     "state",         "code_challenge",
					  "code_challenge_method", "aud", "nonce"};
#define N_PARAMS (sizeof(param_names) / sizeof(param_names[0]))

static void params_from(const char *values[N_PARAMS], struct app_params *p)
{
	*p = (struct app_params){.client_id = values[0],
				 .redirect_uri = values[1],
				 .response_type = values[2],
				 .scope = values[3],
				 .state = values[4],
				 .challenge = values[5],
				 .method = values[6],
				 .aud = values[7],
				 .nonce = values[8]};
}

static bool unreserved(char c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
	       c == '.' || c == '_' || c == '~';
}

static void percent_encode(struct buf *b, const char *s)
{
	for (; *s; s++) {
		if (unreserved(*s))
			buf_append(b, s, 1);
		else
			buf_printf(b, "%%%02X", (unsigned char)*s);
	}
}

/* The request's parameters again as a query string: every value percent-encoded, so it is
 * safe in a cookie and a Location header alike. */
static const char *query_of(struct request *req, const char *values[N_PARAMS])
{
	struct buf b;
	buf_init(&b, &req->arena, APP_PENDING_MAX);
	for (size_t i = 0; i < N_PARAMS; i++) {
		if (values[i] == NULL)
			continue;
		buf_printf(&b, "%s%s=", b.len ? "&" : "", param_names[i]);
		percent_encode(&b, values[i]);
	}
	return buf_cstr(&b);
}

/* Send the outcome back to the app: its registered redirect URI with code or error (and its
 * error_description, when there is one), and state. */
static void back_to_app(struct request *req, struct response *res, const struct app_request *r,
			const char *key, const char *value, const char *description)
{
	struct buf b;
	/* the URI, then each value percent-encoded (at most three bytes a character) */
	buf_init(&b, &req->arena, APP_REDIRECT_MAX + 3 * APP_STATE_MAX + 1024);
	buf_puts(&b, r->redirect_uri);
	buf_puts(&b, strchr(r->redirect_uri, '?') ? "&" : "?");
	buf_printf(&b, "%s=", key);
	percent_encode(&b, value);
	if (description != NULL) {
		buf_puts(&b, "&error_description=");
		percent_encode(&b, description);
	}
	if (r->state[0]) {
		buf_puts(&b, "&state=");
		percent_encode(&b, r->state);
	}
	const char *to = buf_cstr(&b);
	if (to == NULL) {
		web_error(req, res, 500, "Something went wrong on our side. Please try again.");
		return;
	}
	respond_redirect(req, res, to);
}

/* Check the request; false when it has been answered (refused, or sent back to the app). */
static bool checked(struct request *req, struct response *res, const char *values[N_PARAMS],
		    struct app_request *r)
{
	struct app_params p;
	params_from(values, &p);
	const char *error = NULL, *description = NULL;
	const char *base = request_fhir_base(req);
	int rc = base ? apps_authorize_check(&p, base, r, &error, &description) : ERR_INTERNAL;
	if (rc == ERR_OK)
		return true;
	if (rc == ERR_BAD_REQUEST)
		back_to_app(req, res, r, "error", error, description);
	else if (rc == ERR_BAD_CLIENT) {
		const char *m = arena_printf(&req->arena, "This app is not registered with this portal, or "
							  "it asked to send you to an address it did not "
							  "register. Nothing was shared. (For the app's "
							  "developer: %s)",
					     description);
		web_error(req, res, 400, m ? m : "This app is not registered with this portal.");
	}
	else
		web_error(req, res, 500, "Something went wrong on our side. Please try again.");
	return false;
}

static void hidden(struct buf *b, const char *name, const char *value)
{
	if (value == NULL)
		return;
	html_raw(b, "<input type=\"hidden\" name=\"");
	html_text(b, name);
	html_raw(b, "\" value=\"");
	html_text(b, value);
	html_raw(b, "\">");
}

static void what_it_reads(struct buf *b, const struct app_request *r)
{
	const char *words[8];
	size_t n = apps_scope_words(r->scopes, words);
	html_raw(b, "<ul>");
	for (size_t i = 0; i < n; i++) {
		html_raw(b, "<li>");
		html_text(b, words[i]);
		html_raw(b, "</li>");
	}
	html_raw(b, "</ul>");
}

void web_app_authorize(struct request *req, struct response *res)
{
	const char *values[N_PARAMS];
	for (size_t i = 0; i < N_PARAMS; i++)
		values[i] = request_query(req, param_names[i]);
	struct app_request r;
	if (!checked(req, res, values, &r))
		return;
	struct buf *b = page_buf(req);
	if (!req->authenticated) {
		/* Keep the request while they log in; the start page brings them back here. */
		const char *q = query_of(req, values);
		if (q == NULL) {
			web_error(req, res, 400, "That request is too long.");
			return;
		}
		char *cookie = arena_printf(&req->arena, APP_PENDING_COOKIE "=%s; Path=/; Secure; HttpOnly; "
							 "SameSite=Strict; Max-Age=%d", q, APP_PENDING_SECONDS);
		if (cookie)
			response_header(res, "Set-Cookie", cookie);
		html_begin(b, "Connect an app", NULL, NULL);
		html_raw(b, "<h1>Connect ");
		html_text(b, r.app.name);
		html_raw(b, " to your health record?</h1><p class=\"lead\">It asks to read:</p>");
		what_it_reads(b, &r);
		html_raw(b, "<p>Log in to choose. Nothing is shared until you say yes.</p>"
			    "<p><a class=\"button\" href=\"/\">Continue to medkeep</a></p>");
		html_end(b);
		respond_buf(res, 200, html_type, b);
		return;
	}
	if (!policy_audience(&req->actor, AUD_PATIENT_OWN)) {
		web_error(req, res, 403, "Apps connect to a patient's own record: sign in with your "
					 "patient account to connect one.");
		return;
	}
	web_cookie(req, res, APP_PENDING_COOKIE, "", 0);
	char origin[APP_REDIRECT_MAX + 1];
	if (apps_redirect_origin(r.redirect_uri, origin) == 0)
		res->form_target = arena_strdup(&req->arena, origin);
	html_begin(b, "Connect an app", &req->actor, req->csrf);
	html_raw(b, "<h1>Connect ");
	html_text(b, r.app.name);
	html_raw(b, " to your health record?</h1><p class=\"lead\">If you say yes, it can read, ");
	html_raw(b, (r.scopes & APP_SCOPE_ONLINE)    ? "while you are signed in here (at most 12 hours):"
		    : (r.scopes & APP_SCOPE_OFFLINE) ? "for up to 90 days, until you end it:"
						      : "for the next hour:");
	html_raw(b, "</p>");
	what_it_reads(b, &r);
	html_raw(b, "<p>It cannot change anything, and it cannot see anyone else's record. Every "
		    "time it reads, your access log shows it. You can end its access at any time under "
		    "<a href=\"/sessions\">Sessions</a>.</p><p class=\"meta\">It will send you back to ");
	html_text(b, r.redirect_uri);
	html_raw(b, "</p><form method=\"post\" action=\"/oauth/authorize\" class=\"card\">");
	hidden(b, "csrf", req->csrf);
	for (size_t i = 0; i < N_PARAMS; i++)
		hidden(b, param_names[i], values[i]);
	html_raw(b, "<button type=\"submit\" name=\"decision\" value=\"allow\">Yes, connect it</button> "
		    "<button type=\"submit\" name=\"decision\" value=\"deny\" class=\"secondary\">No</button>"
		    "</form>");
	html_end(b);
	respond_buf(res, 200, html_type, b);
}

void web_app_consent(struct request *req, struct response *res)
{
	struct form_field fields[LIMIT_FORM_FIELDS];
	size_t n = 0;
	if (!web_form_accepted(req, res, fields, &n))
		return;
	const char *values[N_PARAMS];
	for (size_t i = 0; i < N_PARAMS; i++)
		values[i] = form_get(fields, n, param_names[i], NULL);
	struct app_request r;
	if (!checked(req, res, values, &r))
		return;
	const char *decision = form_get(fields, n, "decision", NULL);
	if (decision == NULL || strcmp(decision, "allow") != 0) {
		back_to_app(req, res, &r, "error", "access_denied", "The patient said no.");
		return;
	}
	char code[TOKEN_B64_LEN + 1];
	int rc = apps_consent(&req->actor, req->token, &r, code);
	if (rc == ERR_BAD_CLIENT) {
		web_error(req, res, 403, "Apps connect to a patient's own record: sign in with your "
					 "patient account to connect one.");
		return;
	}
	if (rc != ERR_OK) {
		web_error(req, res, 500, "Something went wrong on our side. Please try again.");
		return;
	}
	back_to_app(req, res, &r, "code", code, NULL);
}

/* Where a pending app request waits for the patient to finish logging in: the start page
 * calls this, and false means there is none. */
bool web_app_resume(struct request *req, struct response *res)
{
	const char *cookie = request_header(req, "Cookie");
	struct slice v;
	if (cookie == NULL || cookie_find(cookie, strlen(cookie), APP_PENDING_COOKIE, &v) != 0 ||
	    v.len == 0 || v.len > APP_PENDING_MAX)
		return false;
	for (size_t i = 0; i < v.len; i++)
		if (!unreserved(v.ptr[i]) && v.ptr[i] != '%' && v.ptr[i] != '&' && v.ptr[i] != '=')
			return false;
	const char *to = arena_printf(&req->arena, "/oauth/authorize?%.*s", (int)v.len, v.ptr);
	if (to == NULL)
		return false;
	web_cookie(req, res, APP_PENDING_COOKIE, "", 0);
	respond_redirect(req, res, to);
	return true;
}

void web_app_request_forget(struct request *req, struct response *res)
{
	web_cookie(req, res, APP_PENDING_COOKIE, "", 0);
}

void web_app_families(struct request *req, struct buf *b)
{
	struct store_app_refresh *f;
	size_t n = 0;
	if (apps_families(&req->actor, &req->arena, &f, &n) != ERR_OK || n == 0)
		return;
	html_raw(b, "<h2>Apps that can renew their access</h2><ul class=\"docs\">");
	for (size_t i = 0; i < n; i++) {
		char id[ID_HEX_LEN + 1], since[32], until[32];
		id_hex(&f[i].family, id);
		web_format_date(f[i].created, since);
		web_format_date(f[i].expires, until);
		html_raw(b, "<li><strong>App: ");
		html_text(b, f[i].name);
		html_raw(b, "</strong><span class=\"meta\">Connected ");
		html_text(b, since);
		if (f[i].offline) {
			html_raw(b, " · until ");
			html_text(b, until);
		} else {
			html_raw(b, " · while you are signed in");
		}
		html_raw(b, "</span><form method=\"post\" action=\"/sessions/apps/");
		html_text(b, id);
		html_raw(b, "/end\"><input type=\"hidden\" name=\"csrf\" value=\"");
		html_text(b, req->csrf);
		html_raw(b, "\"><button type=\"submit\">Disconnect this app</button></form></li>");
	}
	html_raw(b, "</ul>");
}

void web_app_family_end(struct request *req, struct response *res)
{
	struct form_field fields[LIMIT_FORM_FIELDS];
	size_t n = 0;
	if (!web_form_accepted(req, res, fields, &n))
		return;
	struct id family;
	/* Only the account's own apps: anything else is not found. */
	if (request_param_id(req, 0, &family) != 0 || apps_family_end(&req->actor, &family) != ERR_OK) {
		web_error(req, res, 404, "There is no such app.");
		return;
	}
	/* From the list of everyone who can open the record (Family access), back there. */
	const char *back = form_get(fields, n, "back", NULL);
	respond_redirect(req, res, back && strcmp(back, "proxies") == 0 ? "/proxies?done=disconnected#logins"
									 : "/sessions");
}

/* --- the endpoints the app calls (JSON, no session, RFC 6749 5.1 and 5.2) --- */

static void oauth_json(struct request *req, struct response *res, int status, json_t *o)
{
	response_header(res, "Pragma", "no-cache");
	web_json(req, res, status, o);
}

static void oauth_error(struct request *req, struct response *res, int status, const char *error,
			const char *description)
{
	oauth_json(req, res, status,
		   json_pack("{s:s, s:s*}", "error", error, "error_description", description));
}

/* The endpoint's form; false when it is none (then answered: RFC 6749 5.2 invalid_request). */
static bool oauth_form(struct request *req, struct response *res, struct form_field *fields, size_t *n)
{
	if (web_parse_form(req, fields, n) == 0)
		return true;
	oauth_error(req, res, 400, "invalid_request",
		    "The body must be a form (application/x-www-form-urlencoded).");
	return false;
}

/* A practice system's client_credentials grant (SMART Backend Services, SYSTEMS.md). */
static void system_token(struct request *req, struct response *res, struct form_field *fields, size_t n)
{
	const char *origin = request_origin(req);
	struct system_token_request r = {
		.client_assertion_type = form_get(fields, n, "client_assertion_type", NULL),
		.client_assertion = form_get(fields, n, "client_assertion", NULL),
		.client_id = form_get(fields, n, "client_id", NULL),
		.client_secret = form_get(fields, n, "client_secret", NULL),
		.scope = form_get(fields, n, "scope", NULL),
		.token_endpoint = origin ? arena_printf(&req->arena, "%s/oauth/token", origin) : NULL,
		.ip = req->ip,
	};
	/* A secret sent the Basic way is refused the same as one in the form. */
	if (request_header(req, "Authorization") != NULL && r.client_secret == NULL)
		r.client_secret = "";
	struct system_token t;
	const char *error = NULL, *description = NULL;
	int rc = systems_token(&r, &t, &error, &description);
	if (rc != ERR_OK) {
		int status = rc == ERR_THROTTLED ? 429 : rc != ERR_BAD_REQUEST ? 500
			     : strcmp(error, "invalid_client") == 0 ? 401 : 400;
		oauth_json(req, res, status,
			   json_pack("{s:s, s:s?}", "error", rc == ERR_INTERNAL ? "server_error" : error,
				     "error_description", description));
		return;
	}
	struct buf scope;
	buf_init(&scope, &req->arena, LIMIT_SCOPE_STRING);
	systems_scope_string(t.scopes, &scope);
	oauth_json(req, res, 200,
		   json_pack("{s:s, s:s, s:I, s:s}", "access_token", t.access_token, "token_type",
			     "bearer", "expires_in", (json_int_t)t.expires_in, "scope", buf_cstr(&scope)));
	wipe(t.access_token, sizeof(t.access_token));
}

/* The answer to a good code or refresh token (RFC 6749 5.1, SMART App Launch). */
static void app_token_answer(struct request *req, struct response *res, struct app_token *t)
{
	struct buf scope;
	buf_init(&scope, &req->arena, LIMIT_SCOPE_STRING);
	apps_scope_string(t->scopes, &scope);
	char patient[ID_HEX_LEN + 1];
	id_hex(&t->patient, patient);
	oauth_json(req, res, 200,
		   json_pack("{s:s, s:s, s:I, s:s?, s:s, s:s*, s:s*}", "access_token", t->access_token,
			     "token_type", "Bearer", "expires_in", (json_int_t)t->expires_in, "scope",
			     buf_cstr(&scope), "patient", patient, "refresh_token",
			     t->refresh_token[0] ? t->refresh_token : NULL, "id_token",
			     t->id_token[0] ? t->id_token : NULL));
	wipe(t, sizeof(*t));
}

void web_app_token(struct request *req, struct response *res)
{
	struct form_field fields[LIMIT_FORM_FIELDS];
	size_t n = 0;
	if (!oauth_form(req, res, fields, &n))
		return;
	const char *grant = form_get(fields, n, "grant_type", NULL);
	if (grant != NULL && strcmp(grant, "client_credentials") == 0) {
		system_token(req, res, fields, n);
		return;
	}
	struct app_token t;
	const char *error = NULL, *description = NULL;
	int rc;
	const char *client_id = form_get(fields, n, "client_id", NULL);
	if (grant != NULL && strcmp(grant, "authorization_code") == 0)
		rc = apps_exchange(form_get(fields, n, "code", NULL), client_id,
				   form_get(fields, n, "redirect_uri", NULL),
				   form_get(fields, n, "code_verifier", NULL), req->ip, request_origin(req), &t,
				   &error, &description);
	else if (grant != NULL && strcmp(grant, "refresh_token") == 0)
		rc = apps_refresh(form_get(fields, n, "refresh_token", NULL), client_id,
				  form_get(fields, n, "scope", NULL), req->ip, &t, &error, &description);
	else {
		oauth_error(req, res, 400, "unsupported_grant_type",
			    "grant_type must be authorization_code or refresh_token (or, for a "
			    "practice system, client_credentials).");
		return;
	}
	if (rc != ERR_OK) {
		oauth_error(req, res, rc == ERR_BAD_REQUEST ? 400 : 500, error ? error : "server_error",
			    description);
		return;
	}
	app_token_answer(req, res, &t);
}

void web_app_revoke(struct request *req, struct response *res)
{
	struct form_field fields[LIMIT_FORM_FIELDS];
	size_t n = 0;
	if (!oauth_form(req, res, fields, &n))
		return;
	if (apps_revoke(form_get(fields, n, "token", NULL), req->ip) != ERR_OK) {
		oauth_error(req, res, 500, "server_error", NULL);
		return;
	}
	respond(res, 200, "application/json", "{}", 2);
}

/* RFC 7662: a resource server (a registered practice system, with its bearer token) asks
 * whether an app's token is live, and for what. */
void web_app_introspect(struct request *req, struct response *res)
{
	const char *authz = request_header(req, "Authorization");
	struct actor caller;
	char csrf[TOKEN_B64_LEN + 1];
	if (authz == NULL || strncasecmp(authz, "Bearer ", 7) != 0 ||
	    auth_session(authz + 7, strlen(authz + 7), req->ip, true, &caller, csrf) != 0) {
		response_header(res, "WWW-Authenticate", "Bearer realm=\"medkeep\"");
		oauth_error(req, res, 401, "invalid_client",
			    "Call with a practice system's bearer token (client_credentials).");
		return;
	}
	caller.token = authz + 7;
	struct form_field fields[LIMIT_FORM_FIELDS];
	size_t n = 0;
	if (!oauth_form(req, res, fields, &n))
		return;
	struct app_introspection t;
	int rc = apps_introspect(&caller, form_get(fields, n, "token", NULL), &t);
	if (rc == ERR_DENIED) {
		oauth_error(req, res, 403, "access_denied", "Only a registered resource server may introspect.");
		return;
	}
	if (rc != ERR_OK) {
		oauth_error(req, res, 500, "server_error", NULL);
		return;
	}
	if (!t.active) {
		oauth_json(req, res, 200, json_pack("{s:b}", "active", 0));
		return;
	}
	struct buf scope;
	buf_init(&scope, &req->arena, LIMIT_SCOPE_STRING);
	apps_scope_string(t.scopes, &scope);
	char client[ID_HEX_LEN + 1], patient[ID_HEX_LEN + 1], sub[ID_HEX_LEN + 1];
	id_hex(&t.client, client);
	id_hex(&t.patient, patient);
	id_hex(&t.account, sub);
	oauth_json(req, res, 200,
		   json_pack("{s:b, s:s?, s:s, s:s, s:s, s:s, s:I, s:I}", "active", 1, "scope",
			     buf_cstr(&scope), "client_id", client, "patient", patient, "sub", sub,
			     "token_type", t.refresh ? "refresh_token" : "Bearer", "iat", (json_int_t)t.iat,
			     "exp", (json_int_t)t.exp));
}

/* The key id_tokens are signed with (OpenID Connect's jwks_uri). */
void web_oidc_jwks(struct request *req, struct response *res)
{
	char x[VAULT_JWK_X_LEN + 1], kid[2 * 8 + 1];
	if (vault_oidc_jwk(x, kid) != ERR_OK) {
		oauth_error(req, res, 500, "server_error", NULL);
		return;
	}
	oauth_json(req, res, 200,
		   json_pack("{s:[{s:s, s:s, s:s, s:s, s:s, s:s}]}", "keys", "kty", "OKP", "crv", "Ed25519",
			     "x", x, "kid", kid, "alg", "EdDSA", "use", "sig"));
}

/* SMART App Launch discovery (its section 2.4): where an app finds the endpoints above. */
void web_smart_configuration(struct request *req, struct response *res)
{
	const char *origin = request_origin(req);
	if (origin == NULL) {
		oauth_error(req, res, 500, "server_error", NULL);
		return;
	}
	json_t *scopes = json_pack("[s, s, s, s, s, s, s]", "launch/patient", "patient/*.read",
				   "patient/*.rs", "online_access", "offline_access", "openid", "fhirUser");
	struct buf all;
	buf_init(&all, &req->arena, LIMIT_SCOPE_STRING);
	apps_scope_string(APP_SCOPE_ALL, &all);
	const char *s = buf_cstr(&all);
	/* "launch/patient patient/Patient.read ...": every name after the first. */
	for (const char *at = s ? strchr(s, ' ') : NULL; at; at = strchr(at + 1, ' ')) {
		size_t n = strcspn(at + 1, " ");
		json_array_append_new(scopes, json_stringn(at + 1, n));
	}
	/* A practice system's scopes (SMART Backend Services, SYSTEMS.md). */
	struct buf sys;
	buf_init(&sys, &req->arena, LIMIT_SCOPE_STRING);
	systems_scope_string(SYSTEM_SCOPE_ALL, &sys);
	const char *ss = buf_cstr(&sys);
	for (const char *at = ss; at && *at; at += strcspn(at, " "), at += *at == ' ') {
		size_t n = strcspn(at, " ");
		json_array_append_new(scopes, json_stringn(at, n));
	}
	oauth_json(req, res, 200,
		   json_pack("{s:s, s:s, s:[s], s:s, s:s, s:s, s:s, s:[s, s, s], s:[s], s:[s], s:[s, s],"
			     " s:[s, s], s:o, s:[s, s, s, s, s, s, s, s, s, s]}",
			     "issuer", origin, "jwks_uri", arena_printf(&req->arena, "%s/oauth/jwks", origin),
			     "id_token_signing_alg_values_supported", "EdDSA",
			     "authorization_endpoint", arena_printf(&req->arena, "%s/oauth/authorize", origin),
			     "token_endpoint", arena_printf(&req->arena, "%s/oauth/token", origin),
			     "revocation_endpoint", arena_printf(&req->arena, "%s/oauth/revoke", origin),
			     "introspection_endpoint", arena_printf(&req->arena, "%s/oauth/introspect", origin),
			     "grant_types_supported", "authorization_code", "refresh_token", "client_credentials",
			     "response_types_supported", "code", "code_challenge_methods_supported", "S256",
			     "token_endpoint_auth_methods_supported", "none", "private_key_jwt",
			     "token_endpoint_auth_signing_alg_values_supported", "ES384", "EdDSA",
			     "scopes_supported", scopes, "capabilities", "launch-standalone", "client-public",
			     "client-confidential-asymmetric", "context-standalone-patient",
			     "permission-patient", "permission-v1", "permission-v2", "permission-offline",
			     "permission-online", "sso-openid-connect"));
}
