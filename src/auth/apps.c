#include "auth/apps.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

#include "audit/audit.h"
#include "auth/auth_int.h"
#include "crypto/crypto.h"
#include "limits.h"
#include "util/wipe.h"
#include "vault/vault.h"

/* What each scope bit lets an app read: the FHIR types, and the words on the consent page. */
static const struct {
	unsigned bit;
	const char *types[3];
	const char *words;
} parts[] = {
	{APP_SCOPE_PATIENT, {"Patient", NULL}, "Your name, date of birth and NHI number"},
	{SCOPE_DOCUMENTS, {"DocumentReference", "Binary"}, "Your health documents: letters, reports and uploads"},
	{SCOPE_RESULTS, {"DiagnosticReport", "Observation"}, "Your lab results, once they are released to you"},
	{SCOPE_MEDICATIONS, {"MedicationRequest", NULL}, "Your medications"},
	{SCOPE_APPOINTMENTS, {"Appointment", NULL}, "Your appointments"},
	{SCOPE_MESSAGES, {"Communication", NULL}, "Your messages with your practice"},
	/* one part: any of the three is granted as the whole summary, vital signs included */
	{SCOPE_SUMMARY, {"AllergyIntolerance", "Condition", "Immunization"},
	 "Your health summary: allergies, health problems, immunisations and vital signs"},
};
#define N_PARTS (sizeof(parts) / sizeof(parts[0]))


void auth_perm_bits(const char *p, size_t n, bool *read, bool *write)
{
	*read = *write = false;
	if ((n == 4 && memcmp(p, "read", 4) == 0) || (n == 1 && p[0] == '*'))
		*read = true;
	if ((n == 5 && memcmp(p, "write", 5) == 0) || (n == 1 && p[0] == '*'))
		*write = true;
	if (*read || *write || n == 0 || n > 5)
		return;
	static const char order[] = "cruds";
	size_t at = 0;
	bool r = false, w = false;
	for (size_t i = 0; i < n; i++) {
		const char *f = memchr(order + at, p[i], sizeof(order) - 1 - at);
		if (f == NULL)
			return;
		at = (size_t)(f - order) + 1;
		if (p[i] == 'r' || p[i] == 's')
			r = true;
		if (p[i] == 'c' || p[i] == 'u')
			w = true;
	}
	*read = r;
	*write = w;
}

/* One scope token ("patient/Observation.rs") as bits; 0 for anything not granted here. */
static unsigned scope_bits(const char *s, size_t n)
{
	if (n == 13 && memcmp(s, "online_access", 13) == 0)
		return APP_SCOPE_ONLINE;
	if (n == 14 && memcmp(s, "offline_access", 14) == 0)
		return APP_SCOPE_OFFLINE;
	if (n == 6 && memcmp(s, "openid", 6) == 0)
		return APP_SCOPE_OPENID;
	if (n == 8 && memcmp(s, "fhirUser", 8) == 0)
		return APP_SCOPE_FHIRUSER;
	if (n < 9 || n > APP_SCOPE_TOKEN_MAX || memcmp(s, "patient/", 8) != 0)
		return 0;
	const char *type = s + 8, *dot = memchr(type, '.', n - 8);
	if (dot == NULL)
		return 0;
	size_t tn = (size_t)(dot - type);
	const char *perm = dot + 1, *q = memchr(perm, '?', n - 8 - tn - 1);
	size_t pn = q ? (size_t)(q - perm) : n - 8 - tn - 1;
	/* A v2 query narrows a type; it is granted as its whole type (APPS.md), so it needs
	 * something after the '?' and v2 permissions, nothing more. */
	if (q != NULL && (q + 1 == s + n || pn == 4 || (pn == 1 && perm[0] == '*')))
		return 0;
	bool read, write;
	auth_perm_bits(perm, pn, &read, &write);
	if (!read) /* granted as the reads it holds (RFC 6749 3.3): apps never write */
		return 0;
	if (tn == 1 && type[0] == '*')
		return APP_SCOPE_ALL;
	for (size_t i = 0; i < N_PARTS; i++)
		for (size_t j = 0; j < 3 && parts[i].types[j]; j++)
			if (strlen(parts[i].types[j]) == tn && memcmp(parts[i].types[j], type, tn) == 0)
				return parts[i].bit;
	return 0;
}

unsigned auth_scope_bits(const char *scope, size_t len, size_t max,
			 unsigned (*one)(const char *s, size_t n))
{
	if (len > max)
		return 0;
	unsigned bits = 0;
	for (size_t at = 0; at < len;) {
		const char *sp = memchr(scope + at, ' ', len - at);
		size_t n = sp ? (size_t)(sp - (scope + at)) : len - at;
		bits |= one(scope + at, n);
		at += n + 1;
	}
	return bits;
}

unsigned apps_parse_scope(const char *scope, size_t len)
{
	return auth_scope_bits(scope, len, APP_SCOPE_MAX, scope_bits);
}

static bool printable(const char *s, size_t max)
{
	size_t n = strlen(s);
	if (n > max)
		return false;
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)s[i] < 0x21 || (unsigned char)s[i] > 0x7e)
			return false;
	return true;
}

static bool challenge_ok(const char *c)
{
	if (c == NULL || strlen(c) != APP_CHALLENGE_LEN)
		return false;
	for (const char *p = c; *p; p++)
		if (!((*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') ||
		      *p == '-' || *p == '_'))
			return false;
	return true;
}

/* The FHIR base the app names as its audience: ours, with or without one '/' after it. */
static bool aud_ok(const char *aud, const char *base)
{
	size_t n = strlen(base);
	return aud != NULL && strncmp(aud, base, n) == 0 && (aud[n] == '\0' || strcmp(aud + n, "/") == 0);
}

/* Refuse with an OAuth error and its description (RFC 6749 4.1.2.1). */
static enum err refuse(const char **error, const char **description, const char *e, const char *d)
{
	*error = e;
	*description = d;
	return ERR_BAD_REQUEST;
}

enum err apps_authorize_check(const struct app_params *p, const char *fhir_base, struct app_request *out,
			      const char **error, const char **description)
{
	memset(out, 0, sizeof(*out));
	*error = NULL;
	*description = NULL;
	/* Who is asking, and where the answer goes, first: until both are known, an error must
	 * not be sent anywhere (RFC 6749 4.1.2.1), or the portal becomes an open redirector. The
	 * register is public to its apps' developers: saying which was wrong reveals no account. */
	struct id client;
	if (p->client_id == NULL || id_parse(&client, p->client_id, strlen(p->client_id)) != 0) {
		*description = "client_id is missing or is not a client id (32 hexadecimal digits).";
		return ERR_BAD_CLIENT;
	}
	int s = store_app_get(&client, &out->app);
	if (s != ERR_OK) {
		*description = "client_id names no app registered with this portal.";
		return s == ERR_NOT_FOUND ? ERR_BAD_CLIENT : ERR_INTERNAL;
	}
	if (p->redirect_uri != NULL && strcmp(p->redirect_uri, out->app.redirect_uri) != 0) {
		*description = "redirect_uri is not the one registered for this app (compared exactly).";
		return ERR_BAD_CLIENT;
	}
	snprintf(out->redirect_uri, sizeof(out->redirect_uri), "%s", out->app.redirect_uri);
	if (p->state != NULL) {
		if (!printable(p->state, APP_STATE_MAX))
			return refuse(error, description, "invalid_request",
				      "state must be at most 256 printable ASCII characters.");
		snprintf(out->state, sizeof(out->state), "%s", p->state);
	}
	if (p->response_type == NULL || strcmp(p->response_type, "code") != 0)
		return refuse(error, description, "unsupported_response_type",
			      "response_type must be code (authorization code with PKCE).");
	/* PKCE is required (public clients hold no secret), and only S256. */
	if (p->method == NULL || strcmp(p->method, "S256") != 0)
		return refuse(error, description, "invalid_request",
			      "PKCE is required: code_challenge_method must be S256.");
	if (!challenge_ok(p->challenge))
		return refuse(error, description, "invalid_request",
			      "PKCE is required: code_challenge must be the 43-character base64url "
			      "SHA-256 of the code_verifier.");
	if (!aud_ok(p->aud, fhir_base))
		return refuse(error, description, "invalid_request",
			      "aud must be this server's FHIR base URL (the [base] of /fhir/R4).");
	memcpy(out->challenge, p->challenge, APP_CHALLENGE_LEN + 1);
	out->scopes = p->scope ? apps_parse_scope(p->scope, strlen(p->scope)) : 0;
	/* Asked for both: the one that lives while the patient is signed in, the lesser. */
	if ((out->scopes & APP_SCOPE_REFRESH) == APP_SCOPE_REFRESH)
		out->scopes &= ~(unsigned)APP_SCOPE_OFFLINE;
	/* fhirUser is a claim of the id_token: only with openid. */
	if (!(out->scopes & APP_SCOPE_OPENID))
		out->scopes &= ~(unsigned)APP_SCOPE_FHIRUSER;
	if (p->nonce != NULL) {
		if (!printable(p->nonce, APP_STATE_MAX) || strpbrk(p->nonce, "\"\\") != NULL)
			return refuse(error, description, "invalid_request",
				      "nonce must be at most 256 printable ASCII characters, without quotes "
				      "or backslashes.");
		snprintf(out->nonce, sizeof(out->nonce), "%s", p->nonce);
	}
	if ((out->scopes & APP_SCOPE_ALL) == 0)
		return refuse(error, description, "invalid_scope",
			      "No scope this server grants: ask for reads of the patient's own record, "
			      "such as patient/*.rs or patient/Observation.rs (user/ and system/ scopes "
			      "are not offered to apps).");
	return ERR_OK;
}

size_t apps_scope_words(unsigned scopes, const char *out[8])
{
	size_t n = 0;
	for (size_t i = 0; i < N_PARTS; i++)
		if (scopes & parts[i].bit)
			out[n++] = parts[i].words;
	return n;
}

void apps_scope_string(unsigned scopes, struct buf *out)
{
	buf_append(out, "launch/patient", 14);
	for (size_t i = 0; i < N_PARTS; i++)
		for (size_t j = 0; j < 3 && (scopes & parts[i].bit) && parts[i].types[j]; j++)
			buf_printf(out, " patient/%s.read", parts[i].types[j]);
	/* Both asked for: the lesser is granted (apps_authorize_check). */
	if (scopes & APP_SCOPE_ONLINE)
		buf_puts(out, " online_access");
	else if (scopes & APP_SCOPE_OFFLINE)
		buf_puts(out, " offline_access");
	if (scopes & APP_SCOPE_OPENID)
		buf_puts(out, " openid");
	if (scopes & APP_SCOPE_FHIRUSER)
		buf_puts(out, " fhirUser");
}

/* Where a code is looked up, and the key its token waits under: both from the code, which
 * only the app ever holds. */
static void code_hash(const char *code, uint8_t out[HASH_BYTES])
{
	hash2("medkeep-app-code", 16, code, strlen(code), out);
}

static void code_key(const char *code, struct key *k)
{
	hash2("medkeep-app-box", 15, code, strlen(code), k->b);
}

static const char box_ad[] = "medkeep-app-token";

enum err apps_consent(const struct actor *a, const char *token, const struct app_request *r,
		      char code[TOKEN_B64_LEN + 1])
{
	/* A patient's own record, from their own session. */
	if (a->role != ROLE_PATIENT || !a->has_patient || a->app || token == NULL)
		return ERR_BAD_CLIENT;
	char app_token[SESSION_TOKEN_B64_LEN + 1];
	struct store_app_code c;
	memset(&c, 0, sizeof(c));
	if (vault_app_token(token, app_token, &c.session) != ERR_OK)
		return ERR_INTERNAL;
	uint8_t raw[TOKEN_BYTES];
	token_new(code, raw);
	wipe(raw, sizeof(raw));
	struct key k;
	code_key(code, &k);
	struct arena ar;
	arena_init(&ar, LIMIT_TOKEN_SEAL_ARENA);
	struct buf box;
	buf_init(&box, &ar, SESSION_TOKEN_B64_LEN + 128);
	int sealed = envelope_seal(&k, box_ad, app_token, strlen(app_token), &box);
	key_wipe(&k);
	wipe(app_token, sizeof(app_token));
	if (sealed != 0) {
		arena_release(&ar);
		return ERR_INTERNAL;
	}
	code_hash(code, c.hash);
	c.client = r->app.id;
	snprintf(c.redirect_uri, sizeof(c.redirect_uri), "%s", r->redirect_uri);
	memcpy(c.challenge, r->challenge, sizeof(c.challenge));
	snprintf(c.nonce, sizeof(c.nonce), "%s", r->nonce);
	c.scopes = r->scopes;
	c.account = a->account;
	c.patient = a->patient;
	c.mfa = a->mfa;
	c.box = (struct bytes){(const uint8_t *)box.data, box.len};
	c.expires = now_s() + APP_CODE_SECONDS;
	int rc = auth_audit(a, "app.consent", &a->patient, AUDIT_OK, NULL) == 0 &&
			 store_app_code_insert(&c) == ERR_OK
		 ? ERR_OK
		 : ERR_INTERNAL;
	arena_release(&ar);
	return rc;
}

/* The refusal the token endpoint answers (RFC 6749 5.2): always invalid_grant for a code or a
 * refresh token that will not do, with what was wrong for the app's developer. */
static enum err grant_refused(const char **error, const char **description, const char *d)
{
	*error = "invalid_grant";
	*description = d;
	return ERR_BAD_REQUEST;
}

static enum err server_error(const char **error, const char **description)
{
	*error = "server_error";
	*description = "Something went wrong on the server; try again.";
	return ERR_INTERNAL;
}

/* Where a refresh token is looked up: a hash of it, never the token. */
static void refresh_hash(const char *token, uint8_t out[HASH_BYTES])
{
	hash2("medkeep-app-refresh", 19, token, strlen(token), out);
}

/* What is wrong with a code row for this exchange; NULL when nothing is. */
static const char *code_problem(const struct store_app_code *c, const char *client_id,
				const char *redirect_uri, const char *verifier, struct store_app *app)
{
	struct id client;
	if (c->expires < now_s())
		return "The code has expired: a code must be exchanged within a minute of the consent.";
	if (client_id == NULL || id_parse(&client, client_id, strlen(client_id)) != 0 ||
	    !id_eq(&client, &c->client))
		return "The code was issued to another client_id.";
	if (store_app_get(&client, app) != ERR_OK)
		return "The client is no longer registered.";
	if (redirect_uri == NULL || strcmp(redirect_uri, c->redirect_uri) != 0)
		return "redirect_uri is not the one of the authorization request.";
	if (verifier == NULL || pkce_s256_verify(verifier, strlen(verifier), c->challenge) != 0)
		return "PKCE failed: the SHA-256 of code_verifier is not the code_challenge.";
	return NULL;
}

/* Begin a refresh-token family for an exchange that asked for one: its first token in out. */
static enum err family_begin(const struct store_app_code *c, struct app_token *out, struct id *family)
{
	bool offline = (c->scopes & APP_SCOPE_OFFLINE) != 0;
	if (vault_refresh_issue(out->access_token, offline, out->refresh_token, family) != ERR_OK)
		return ERR_INTERNAL;
	int64_t now = now_s();
	struct store_app_refresh f = {.family = *family, .client = c->client, .account = c->account,
				      .patient = c->patient, .scopes = c->scopes, .offline = offline,
				      .mfa = c->mfa, .created = now, .used = now};
	f.expires = now + (offline ? APP_REFRESH_OFFLINE_SECONDS : APP_REFRESH_ONLINE_SECONDS);
	uint8_t h[HASH_BYTES];
	refresh_hash(out->refresh_token, h);
	return store_app_refresh_begin(&f, h) == ERR_OK ? ERR_OK : ERR_INTERNAL;
}

/* The id_token of an exchange that asked for openid, signed by the vault. */
static enum err id_token(const struct store_app_code *c, const char *issuer, struct app_token *out)
{
	char client[ID_HEX_LEN + 1];
	id_hex(&c->client, client);
	if (issuer == NULL)
		return ERR_INTERNAL;
	return vault_id_token(out->access_token, issuer, client, c->nonce,
			      (c->scopes & APP_SCOPE_FHIRUSER) != 0, out->id_token, sizeof(out->id_token));
}

/* Store the access token's session (an app's), audit the grant, and fill the answer. */
static enum err token_issued(const struct actor *who, const char *action, const struct id *client,
			     const char *app_name, const struct id *session, const struct id *account,
			     bool mfa, unsigned scopes, const struct id *patient, const struct id *family,
			     struct app_token *out)
{
	char device[48];
	snprintf(device, sizeof(device), "App: %.42s", app_name);
	int rc = auth_app_session_create(out->access_token, session, account, mfa, client, scopes,
					 family, device, who->ip);
	if (rc == 0)
		rc = auth_audit(who, action, patient, AUDIT_OK, who->ip);
	if (rc != 0) {
		wipe(out, sizeof(*out));
		return ERR_INTERNAL;
	}
	out->scopes = scopes;
	out->patient = *patient;
	out->expires_in = auth_app_token_seconds();
	return ERR_OK;
}

static void app_actor(const struct id *account, const struct id *session, const char *ip, struct actor *who)
{
	memset(who, 0, sizeof(*who));
	who->account = *account;
	who->role = ROLE_PATIENT;
	who->session = *session;
	snprintf(who->ip, sizeof(who->ip), "%s", ip ? ip : "-");
}

enum err apps_exchange(const char *code, const char *client_id, const char *redirect_uri,
		       const char *verifier, const char *ip, const char *issuer, struct app_token *out,
		       const char **error, const char **description)
{
	memset(out, 0, sizeof(*out));
	if (code == NULL || strlen(code) != TOKEN_B64_LEN)
		return grant_refused(error, description, "code is missing or is not a code of this server.");
	uint8_t h[HASH_BYTES];
	code_hash(code, h);
	struct arena ar;
	arena_init(&ar, LIMIT_SCRATCH_ARENA);
	struct store_app_code c;
	int s = store_app_code_take(h, &ar, &c);
	if (s != ERR_OK) {
		arena_release(&ar);
		return s == ERR_NOT_FOUND ? grant_refused(error, description,
							  "code is unknown or already used (a code "
							  "is spent by any attempt to exchange it).")
					  : server_error(error, description);
	}
	struct store_app app;
	const char *problem = code_problem(&c, client_id, redirect_uri, verifier, &app);
	struct actor who;
	app_actor(&c.account, &c.session, ip, &who);
	struct buf tok;
	buf_init(&tok, &ar, SESSION_TOKEN_B64_LEN + 1);
	struct key k;
	code_key(code, &k);
	if (problem == NULL && (envelope_open(&k, box_ad, c.box.ptr, c.box.len, &tok) != 0 ||
				tok.len != SESSION_TOKEN_B64_LEN))
		problem = "code is unknown or already used.";
	key_wipe(&k);
	if (problem != NULL) {
		int rc = auth_audit(&who, "app.token", &c.patient, AUDIT_FAIL, ip);
		if (tok.data)
			wipe(tok.data, tok.len);
		arena_release(&ar);
		return rc == 0 ? grant_refused(error, description, problem) : server_error(error, description);
	}
	memcpy(out->access_token, tok.data, SESSION_TOKEN_B64_LEN);
	out->access_token[SESSION_TOKEN_B64_LEN] = '\0';
	wipe(tok.data, tok.len);
	arena_release(&ar);
	struct id family;
	bool refresh = (c.scopes & APP_SCOPE_REFRESH) != 0;
	if ((refresh && family_begin(&c, out, &family) != ERR_OK) ||
	    ((c.scopes & APP_SCOPE_OPENID) && id_token(&c, issuer, out) != ERR_OK)) {
		wipe(out, sizeof(*out));
		return server_error(error, description);
	}
	if (token_issued(&who, "app.token", &c.client, app.name, &c.session, &c.account, c.mfa, c.scopes,
			 &c.patient, refresh ? &family : NULL, out) != ERR_OK)
		return server_error(error, description);
	return ERR_OK;
}

/* A family that must end now (reuse, its end, its patient gone offline): ended, audited. */
static enum err family_refused(const struct store_app_refresh *f, const char *ip, const char **error,
			       const char **description, const char *d)
{
	store_app_refresh_end(NULL, &f->family);
	struct actor who;
	app_actor(&f->account, &f->family, ip, &who);
	auth_audit(&who, "app.refresh", &f->patient, AUDIT_FAIL, ip);
	return grant_refused(error, description, d);
}

enum err apps_refresh(const char *refresh, const char *client_id, const char *scope, const char *ip,
		      struct app_token *out, const char **error, const char **description)
{
	memset(out, 0, sizeof(*out));
	if (refresh == NULL || strlen(refresh) != SESSION_TOKEN_B64_LEN)
		return grant_refused(error, description, "refresh_token is missing or is not one of this server's.");
	uint8_t h[HASH_BYTES];
	refresh_hash(refresh, h);
	struct store_app_refresh f;
	bool current = false;
	int s = store_app_refresh_find(h, &f, &current);
	if (s != ERR_OK)
		return s == ERR_NOT_FOUND ? grant_refused(error, description,
							  "refresh_token is unknown, expired or revoked.")
					  : server_error(error, description);
	/* A spent token back again: it was copied, by someone. Every token of the grant ends
	 * (RFC 9700 4.14.2), and the patient is asked again. */
	if (!current)
		return family_refused(&f, ip, error, description,
				      "refresh_token was already used once: every token of this grant "
				      "is now revoked. Ask the patient to connect the app again.");
	struct id client;
	if (client_id != NULL && (id_parse(&client, client_id, strlen(client_id)) != 0 ||
				  !id_eq(&client, &f.client)))
		return grant_refused(error, description, "refresh_token was issued to another client_id.");
	int64_t now = now_s();
	if (f.expires < now)
		return family_refused(&f, ip, error, description, "refresh_token has reached the end of its life.");
	bool online = true;
	if (!f.offline && (store_account_online(&f.account, now, auth_session_idle_seconds(), &online) != ERR_OK || !online))
		return family_refused(&f, ip, error, description,
				      "online_access has ended: the patient is no longer signed in.");
	/* RFC 6749 6: a narrower scope may be asked for; never a wider one. */
	unsigned scopes = f.scopes;
	if (scope != NULL) {
		scopes = apps_parse_scope(scope, strlen(scope)) & f.scopes & APP_SCOPE_ALL;
		if (scopes == 0) {
			*error = "invalid_scope";
			*description = "scope asks for nothing this grant holds.";
			return ERR_BAD_REQUEST;
		}
		scopes |= f.scopes & APP_SCOPE_REFRESH;
	}
	struct vault_refreshed r;
	int v = vault_refresh_use(refresh, &r);
	if (v != ERR_OK || !id_eq(&r.family, &f.family) || !id_eq(&r.account, &f.account)) {
		wipe(&r, sizeof(r));
		return v == ERR_OK || v == ERR_INTERNAL
			       ? server_error(error, description)
			       : family_refused(&f, ip, error, description, "refresh_token is no longer valid.");
	}
	uint8_t next[HASH_BYTES];
	refresh_hash(r.refresh_token, next);
	s = store_app_refresh_rotate(&f.family, h, next, now);
	if (s != ERR_OK) {
		wipe(&r, sizeof(r));
		return s == ERR_CONFLICT ? family_refused(&f, ip, error, description,
							  "refresh_token was already used once: every "
							  "token of this grant is now revoked.")
					 : server_error(error, description);
	}
	memcpy(out->access_token, r.access_token, sizeof(out->access_token));
	memcpy(out->refresh_token, r.refresh_token, sizeof(out->refresh_token));
	struct id session = r.session;
	wipe(&r, sizeof(r));
	struct actor who;
	app_actor(&f.account, &session, ip, &who);
	if (token_issued(&who, "app.refresh", &f.client, f.name, &session, &f.account, f.mfa, scopes,
			 &f.patient, &f.family, out) != ERR_OK)
		return server_error(error, description);
	return ERR_OK;
}

enum err apps_revoke(const char *token, const char *ip)
{
	struct actor who;
	if (token == NULL)
		return ERR_OK;
	if (auth_app_session_end(token, ip, &who) == 0)
		return auth_audit(&who, "app.revoke", NULL, AUDIT_OK, ip) == 0 ? ERR_OK : ERR_INTERNAL;
	/* A refresh token: its whole family, and the access tokens it gave. */
	uint8_t h[HASH_BYTES];
	struct store_app_refresh f;
	bool current;
	if (strlen(token) != SESSION_TOKEN_B64_LEN)
		return ERR_OK; /* RFC 7009: an unknown token is no error */
	refresh_hash(token, h);
	if (store_app_refresh_find(h, &f, &current) != ERR_OK || store_app_refresh_end(NULL, &f.family) != ERR_OK)
		return ERR_OK;
	app_actor(&f.account, &f.family, ip, &who);
	return auth_audit(&who, "app.revoke", &f.patient, AUDIT_OK, ip) == 0 ? ERR_OK : ERR_INTERNAL;
}

enum err apps_introspect(const struct actor *caller, const char *token, struct app_introspection *out)
{
	memset(out, 0, sizeof(*out));
	if (!policy_may_introspect(caller))
		return ERR_DENIED;
	struct store_session ses;
	struct store_app_refresh f;
	bool current = false;
	uint8_t h[HASH_BYTES];
	if (token != NULL && strlen(token) == SESSION_TOKEN_B64_LEN) {
		if (auth_app_session_find(token, &ses) == 0 && ses.has_patient) {
			*out = (struct app_introspection){.active = true, .scopes = ses.app_scopes,
							  .client = ses.client, .patient = ses.patient,
							  .account = ses.account, .iat = ses.created,
							  .exp = ses.created + auth_app_token_seconds()};
		} else {
			refresh_hash(token, h);
			if (store_app_refresh_find(h, &f, &current) == ERR_OK && current && f.expires >= now_s())
				*out = (struct app_introspection){.active = true, .refresh = true,
								  .scopes = f.scopes, .client = f.client,
								  .patient = f.patient, .account = f.account,
								  .iat = f.used, .exp = f.expires};
		}
	}
	return auth_audit(caller, "oauth.introspect", out->active ? &out->patient : NULL,
			  out->active ? AUDIT_OK : AUDIT_FAIL, caller->ip) == 0
		       ? ERR_OK
		       : ERR_INTERNAL;
}

enum err apps_families(const struct actor *a, struct arena *ar, struct store_app_refresh **out, size_t *n)
{
	*n = 0;
	if (a->app || a->role != ROLE_PATIENT)
		return ERR_OK;
	return store_app_refresh_list(&a->account, ar, out, n);
}

enum err apps_family_end(const struct actor *a, const struct id *family)
{
	if (a->app)
		return ERR_NOT_FOUND;
	int rc = store_app_refresh_end(&a->account, family);
	if (rc != ERR_OK)
		return rc;
	return auth_audit(a, "app.disconnect", NULL, AUDIT_OK, NULL) == 0 ? ERR_OK : ERR_INTERNAL;
}

int apps_redirect_origin(const char *redirect_uri, char out[APP_REDIRECT_MAX + 1])
{
	const char *sep = strstr(redirect_uri, "://");
	if (sep == NULL || (sep - redirect_uri != 4 && sep - redirect_uri != 5))
		return -1;
	size_t scheme = (size_t)(sep - redirect_uri);
	if (memcmp(redirect_uri, scheme == 5 ? "https" : "http", scheme) != 0)
		return -1;
	const char *host = sep + 3;
	size_t n = strcspn(host, "/?");
	if (n == 0)
		return -1;
	/* Only what a host and port are made of: this goes into a header (the CSP). */
	for (size_t i = 0; i < n; i++) {
		char c = host[i];
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		      c == '.' || c == '-' || c == ':' || c == '[' || c == ']'))
			return -1;
	}
	snprintf(out, APP_REDIRECT_MAX + 1, "%.*s", (int)(scheme + 3 + n), redirect_uri);
	return 0;
}

/* A redirect URI an app may register: https, or http to this machine for an app running on
 * it (RFC 8252 7.3); a plain host and port, no fragment, nothing unprintable. */
static bool redirect_ok(const char *u)
{
	char origin[APP_REDIRECT_MAX + 1];
	if (u == NULL || !printable(u, APP_REDIRECT_MAX) || strchr(u, '#') != NULL ||
	    apps_redirect_origin(u, origin) != 0)
		return false;
	if (strncmp(u, "https://", 8) == 0)
		return strlen(u) > 8 && u[8] != '/';
	static const char *const loopback[] = {"http://127.0.0.1:", "http://127.0.0.1/",
					       "http://[::1]:", "http://[::1]/", "http://localhost:",
					       "http://localhost/"};
	for (size_t i = 0; i < sizeof(loopback) / sizeof(loopback[0]); i++)
		if (strncmp(u, loopback[i], strlen(loopback[i])) == 0)
			return true;
	return false;
}

enum err apps_register(const char *name, const char *redirect_uri, struct store_app *out, const char **why)
{
	memset(out, 0, sizeof(*out));
	if (name == NULL || name[0] == '\0' || strlen(name) > APP_NAME_MAX) {
		*why = "give the app a name of at most 80 characters";
		return ERR_BAD_REQUEST;
	}
	for (const char *p = name; *p; p++)
		if ((unsigned char)*p < 0x20 || *p == 0x7f) {
			*why = "the name has a control character";
			return ERR_BAD_REQUEST;
		}
	if (!redirect_ok(redirect_uri)) {
		*why = "the redirect URI must be https://..., or http:// to 127.0.0.1, [::1] or localhost, without a fragment";
		return ERR_BAD_REQUEST;
	}
	random_id(&out->id);
	snprintf(out->name, sizeof(out->name), "%s", name);
	snprintf(out->redirect_uri, sizeof(out->redirect_uri), "%s", redirect_uri);
	out->created = now_s();
	return store_app_insert(out) == ERR_OK ? ERR_OK : ERR_INTERNAL;
}

enum err apps_remove(const char *client_id)
{
	struct id id;
	if (client_id == NULL || id_parse(&id, client_id, strlen(client_id)) != 0)
		return ERR_BAD_CLIENT;
	int s = store_app_remove(&id, now_s());
	return s == ERR_OK ? ERR_OK : s == ERR_NOT_FOUND ? ERR_BAD_CLIENT : ERR_INTERNAL;
}
