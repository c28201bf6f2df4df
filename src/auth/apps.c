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
	const char *types[2];
	const char *words;
} parts[] = {
	{APP_SCOPE_PATIENT, {"Patient", NULL}, "Your name, date of birth and NHI number"},
	{SCOPE_DOCUMENTS, {"DocumentReference", "Binary"}, "Your health documents: letters, reports and uploads"},
	{SCOPE_RESULTS, {"DiagnosticReport", "Observation"}, "Your lab results, once they are released to you"},
	{SCOPE_MEDICATIONS, {"MedicationRequest", NULL}, "Your medications"},
	{SCOPE_APPOINTMENTS, {"Appointment", NULL}, "Your appointments"},
	{SCOPE_MESSAGES, {"Communication", NULL}, "Your messages with your practice"},
};
#define N_PARTS (sizeof(parts) / sizeof(parts[0]))


/* One scope token ("patient/Observation.rs") as bits; 0 for anything not granted here. */
static unsigned scope_bits(const char *s, size_t n)
{
	if (n < 9 || n > 64 || memcmp(s, "patient/", 8) != 0)
		return 0;
	const char *type = s + 8, *dot = memchr(type, '.', n - 8);
	if (dot == NULL)
		return 0;
	size_t tn = (size_t)(dot - type), pn = n - 8 - tn - 1;
	const char *perm = dot + 1;
	/* Reads only: SMART v1 "read", v2 any of r and s alone. */
	bool read = pn == 4 && memcmp(perm, "read", 4) == 0;
	bool v2_read = pn >= 1 && pn <= 2;
	for (size_t i = 0; i < pn && v2_read; i++)
		v2_read = perm[i] == 'r' || perm[i] == 's';
	if (!read && !v2_read)
		return 0;
	if (tn == 1 && type[0] == '*')
		return APP_SCOPE_ALL;
	for (size_t i = 0; i < N_PARTS; i++)
		for (size_t j = 0; j < 2 && parts[i].types[j]; j++)
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

enum err apps_authorize_check(const struct app_params *p, const char *fhir_base, struct app_request *out,
			      const char **error)
{
	memset(out, 0, sizeof(*out));
	*error = NULL;
	/* Who is asking, and where the answer goes, first: until both are known, an error must
	 * not be sent anywhere (RFC 6749 4.1.2.1), or the portal becomes an open redirector. */
	struct id client;
	if (p->client_id == NULL || id_parse(&client, p->client_id, strlen(p->client_id)) != 0)
		return ERR_BAD_CLIENT;
	int s = store_app_get(&client, &out->app);
	if (s != ERR_OK)
		return s == ERR_NOT_FOUND ? ERR_BAD_CLIENT : ERR_INTERNAL;
	if (p->redirect_uri != NULL && strcmp(p->redirect_uri, out->app.redirect_uri) != 0)
		return ERR_BAD_CLIENT;
	snprintf(out->redirect_uri, sizeof(out->redirect_uri), "%s", out->app.redirect_uri);
	if (p->state != NULL) {
		if (!printable(p->state, APP_STATE_MAX)) {
			*error = "invalid_request";
			return ERR_BAD_REQUEST;
		}
		snprintf(out->state, sizeof(out->state), "%s", p->state);
	}
	if (p->response_type == NULL || strcmp(p->response_type, "code") != 0) {
		*error = "unsupported_response_type";
		return ERR_BAD_REQUEST;
	}
	/* PKCE is required (public clients hold no secret), and only S256. */
	if (p->method == NULL || strcmp(p->method, "S256") != 0 || !challenge_ok(p->challenge) ||
	    p->aud == NULL || strcmp(p->aud, fhir_base) != 0) {
		*error = "invalid_request";
		return ERR_BAD_REQUEST;
	}
	memcpy(out->challenge, p->challenge, APP_CHALLENGE_LEN + 1);
	out->scopes = p->scope ? apps_parse_scope(p->scope, strlen(p->scope)) : 0;
	if (out->scopes == 0) {
		*error = "invalid_scope";
		return ERR_BAD_REQUEST;
	}
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
		for (size_t j = 0; j < 2 && (scopes & parts[i].bit) && parts[i].types[j]; j++)
			buf_printf(out, " patient/%s.read", parts[i].types[j]);
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

enum err apps_exchange(const char *code, const char *client_id, const char *redirect_uri,
		       const char *verifier, const char *ip, struct app_token *out, const char **error)
{
	memset(out, 0, sizeof(*out));
	*error = "invalid_grant";
	if (code == NULL || strlen(code) != TOKEN_B64_LEN)
		return ERR_BAD_REQUEST;
	uint8_t h[HASH_BYTES];
	code_hash(code, h);
	struct arena ar;
	arena_init(&ar, LIMIT_SCRATCH_ARENA);
	struct store_app_code c;
	int s = store_app_code_take(h, &ar, &c);
	if (s != ERR_OK) {
		arena_release(&ar);
		if (s != ERR_NOT_FOUND)
			*error = "server_error";
		return s == ERR_NOT_FOUND ? ERR_BAD_REQUEST : ERR_INTERNAL;
	}
	struct id client;
	struct store_app app;
	bool ok = c.expires >= now_s() && client_id != NULL &&
		  id_parse(&client, client_id, strlen(client_id)) == 0 && id_eq(&client, &c.client) &&
		  store_app_get(&client, &app) == ERR_OK && redirect_uri != NULL &&
		  strcmp(redirect_uri, c.redirect_uri) == 0 && verifier != NULL &&
		  pkce_s256_verify(verifier, strlen(verifier), c.challenge) == 0;
	struct actor who;
	memset(&who, 0, sizeof(who));
	who.account = c.account;
	who.role = ROLE_PATIENT;
	who.session = c.session;
	snprintf(who.ip, sizeof(who.ip), "%s", ip ? ip : "-");
	struct buf tok;
	buf_init(&tok, &ar, SESSION_TOKEN_B64_LEN + 1);
	struct key k;
	code_key(code, &k);
	if (ok)
		ok = envelope_open(&k, box_ad, c.box.ptr, c.box.len, &tok) == 0 &&
		     tok.len == SESSION_TOKEN_B64_LEN;
	key_wipe(&k);
	if (!ok) {
		int rc = auth_audit(&who, "app.token", &c.patient, AUDIT_FAIL, ip) == 0 ? ERR_BAD_REQUEST
											: ERR_INTERNAL;
		if (tok.data)
			wipe(tok.data, tok.len);
		arena_release(&ar);
		return rc;
	}
	memcpy(out->access_token, tok.data, SESSION_TOKEN_B64_LEN);
	out->access_token[SESSION_TOKEN_B64_LEN] = '\0';
	wipe(tok.data, tok.len);
	char device[48];
	snprintf(device, sizeof(device), "App: %.42s", app.name);
	int rc = auth_app_session_create(out->access_token, &c.session, &c.account, c.mfa, &c.client,
					 c.scopes, device, who.ip);
	if (rc == 0)
		rc = auth_audit(&who, "app.token", &c.patient, AUDIT_OK, ip);
	arena_release(&ar);
	if (rc != 0) {
		wipe(out->access_token, sizeof(out->access_token));
		*error = "server_error";
		return ERR_INTERNAL;
	}
	out->scopes = c.scopes;
	out->patient = c.patient;
	out->expires_in = APP_TOKEN_SECONDS;
	*error = NULL;
	return ERR_OK;
}

enum err apps_revoke(const char *token, const char *ip)
{
	struct actor who;
	if (token == NULL || auth_app_session_end(token, ip, &who) != 0)
		return ERR_OK; /* RFC 7009: an unknown token is no error */
	return auth_audit(&who, "app.revoke", NULL, AUDIT_OK, ip) == 0 ? ERR_OK : ERR_INTERNAL;
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
