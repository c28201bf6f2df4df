/*
 * Passkey pages: the passkey form on the second step of signing in, and the list of an
 * account's passkeys (add, remove) on the two-step sign-in page. The forms are ordinary
 * forms with a CSRF token; /static/passkey.js (no inline script) runs the browser's WebAuthn
 * ceremony and fills their hidden fields. Without JavaScript they stay hidden, and codes work.
 */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "auth/passkey.h"
#include "http/parse.h"
#include "limits.h"
#include "web/html.h"
#include "web/web.h"
#include "web/web_int.h"

void web_passkey_script(struct request *req, struct response *res)
{
	(void)req;
	extern const char web_passkey_js[];
	extern const size_t web_passkey_js_len;
	res->cacheable = true;
	respond(res, 200, "text/javascript; charset=utf-8", web_passkey_js, web_passkey_js_len);
}

static void hidden_field(struct buf *b, const char *name, const char *value)
{
	html_raw(b, "<input type=\"hidden\" name=\"");
	html_raw(b, name);
	html_raw(b, "\" value=\"");
	html_text(b, value);
	html_raw(b, "\">");
}

/* The passkeys' credential ids, base64url, comma-separated (for allow/exclude lists). */
static void credential_ids(struct buf *b, const struct store_passkey *keys, size_t n)
{
	char id[WEBAUTHN_CRED_ID_MAX * 4 / 3 + 8];
	for (size_t i = 0; i < n; i++) {
		webauthn_b64url_encode(keys[i].cred.id, keys[i].cred.id_len, id, sizeof(id));
		if (i)
			html_raw(b, ",");
		html_text(b, id);
	}
}

/* The attributes passkey.js reads for either ceremony: the challenge, the RP id and whether
 * the user must be verified (each with a leading space). */
static void ceremony_attrs(struct buf *b, const char *challenge)
{
	html_raw(b, " data-challenge=\"");
	html_text(b, challenge);
	html_raw(b, "\" data-rp-id=\"");
	html_text(b, auth_passkey_rp()->rp_id);
	html_raw(b, auth_passkey_rp()->require_uv ? "\" data-user-verification=\"required\""
						  : "\" data-user-verification=\"preferred\"");
}

static void script_tag(struct buf *b)
{
	html_raw(b, "<script src=\"/static/passkey.js\" defer></script>");
}

void web_passkey_assert_form(struct request *req, struct buf *b, const char *action)
{
	struct store_passkey *keys;
	size_t n = 0;
	char challenge[PASSKEY_CHALLENGE_B64_LEN + 1];
	if (auth_passkey_list(&req->actor, &req->arena, &keys, &n) != ERR_OK || n == 0 ||
	    auth_passkey_challenge(req->token, &req->actor, PASSKEY_ASSERT, challenge) != ERR_OK)
		return;
	html_raw(b, "<div data-passkey hidden><form method=\"post\" class=\"card\" id=\"passkey-login\" "
		    "action=\"");
	html_text(b, action);
	html_raw(b, "\"");
	ceremony_attrs(b, challenge);
	html_raw(b, " data-credentials=\"");
	credential_ids(b, keys, n);
	html_raw(b, "\">");
	hidden_field(b, "csrf", req->csrf);
	hidden_field(b, "credential", "");
	hidden_field(b, "clientDataJSON", "");
	hidden_field(b, "authenticatorData", "");
	hidden_field(b, "signature", "");
	html_raw(b, "<p>Have a passkey for this account on this device, or a security key? Use it "
		    "instead of a code.</p><p class=\"error\" role=\"alert\" hidden></p>"
		    "<button type=\"submit\">Use a passkey</button></form></div>");
	script_tag(b);
}

/* A base64url form field into out (at most max bytes); -1 when missing or malformed. */
static int field_bytes(const struct form_field *fields, size_t n, const char *name, uint8_t *out,
		       size_t max, size_t *len)
{
	size_t vlen = 0;
	const char *v = form_get(fields, n, name, &vlen);
	return v ? webauthn_b64url_decode(v, vlen, out, max, len) : -1;
}

/* What an assertion form brings, decoded. */
struct assertion_fields {
	uint8_t cred_id[WEBAUTHN_CRED_ID_MAX];
	uint8_t client_data[WEBAUTHN_CLIENT_DATA_MAX];
	uint8_t auth_data[WEBAUTHN_AUTH_DATA_MAX];
	uint8_t sig[WEBAUTHN_SIG_MAX];
	size_t cred_id_len, client_data_len, auth_data_len, sig_len;
};

int web_passkey_assertion(struct request *req, struct login_result *lr, const char **error)
{
	struct form_field fields[LIMIT_FORM_FIELDS];
	size_t n = 0;
	*error = NULL;
	if (web_parse_form(req, fields, &n) != 0 || form_get(fields, n, "credential", NULL) == NULL)
		return -1;
	if (!request_csrf_ok(req, form_get(fields, n, "csrf", NULL))) {
		*error = "This form has expired. Please try again.";
		return 403;
	}
	struct assertion_fields *f = arena_alloc(&req->arena, sizeof(*f));
	if (f == NULL ||
	    field_bytes(fields, n, "credential", f->cred_id, sizeof(f->cred_id), &f->cred_id_len) != 0 ||
	    field_bytes(fields, n, "clientDataJSON", f->client_data, sizeof(f->client_data),
			&f->client_data_len) != 0 ||
	    field_bytes(fields, n, "authenticatorData", f->auth_data, sizeof(f->auth_data),
			&f->auth_data_len) != 0 ||
	    field_bytes(fields, n, "signature", f->sig, sizeof(f->sig), &f->sig_len) != 0) {
		*error = webauthn_err_text(WA_MALFORMED);
		return 400;
	}
	int why = WA_OK;
	int rc = auth_passkey_verify(req->token, &req->actor, f->cred_id, f->cred_id_len,
				     f->client_data, f->client_data_len, f->auth_data, f->auth_data_len,
				     f->sig, f->sig_len, lr, &why);
	if (rc == ERR_OK)
		return 0;
	if (rc == ERR_THROTTLED) {
		*error = "Too many failed attempts. Wait 15 minutes and try again.";
		return 429;
	}
	if (rc == ERR_INTERNAL) {
		*error = "Something went wrong on our side. Please try again.";
		return 500;
	}
	*error = webauthn_err_text(why);
	return 401;
}

/* The form that adds a passkey (hidden until /static/passkey.js shows it), excluding the
 * account's `n` passkeys; nothing when no challenge can be had. */
static void register_form(struct request *req, struct buf *b, const struct store_passkey *keys,
			  size_t n)
{
	char challenge[PASSKEY_CHALLENGE_B64_LEN + 1];
	if (auth_passkey_challenge(req->token, &req->actor, PASSKEY_REGISTER, challenge) != ERR_OK)
		return;
	char user_id[32];
	webauthn_b64url_encode(req->actor.account.b, ID_BYTES, user_id, sizeof(user_id));
	html_raw(b, "<form method=\"post\" class=\"card\" id=\"passkey-register\" action=\"/mfa/passkeys\" "
		    "data-passkey hidden");
	ceremony_attrs(b, challenge);
	html_raw(b, " data-user-id=\"");
	html_text(b, user_id);
	html_raw(b, "\" data-user-name=\"medkeep ");
	html_text(b, role_name(req->actor.role));
	html_raw(b, "\" data-exclude=\"");
	credential_ids(b, keys, n);
	html_raw(b, "\"><h3>Add a passkey</h3>");
	hidden_field(b, "csrf", req->csrf);
	hidden_field(b, "clientDataJSON", "");
	hidden_field(b, "attestationObject", "");
	html_raw(b, "<label for=\"passkey-name\">Name for this passkey</label><input id=\"passkey-name\" "
		    "name=\"name\" required maxlength=\"64\" placeholder=\"For example: my phone\">"
		    "<p class=\"error\" role=\"alert\" hidden></p><button type=\"submit\">Add a passkey"
		    "</button></form><noscript><p>Adding a passkey needs JavaScript.</p></noscript>");
	script_tag(b);
}

void web_passkey_manage_section(struct request *req, struct buf *b)
{
	struct store_passkey *keys;
	size_t n = 0;
	if (auth_passkey_list(&req->actor, &req->arena, &keys, &n) != ERR_OK)
		return;
	bool fresh = policy_factor_fresh(&req->actor, (int64_t)time(NULL));
	html_raw(b, "<section aria-labelledby=\"passkeys\"><h2 id=\"passkeys\">Passkeys</h2><p>A passkey "
		    "(your phone, computer or a security key) can stand in for the code from your app "
		    "when you sign in.</p>");
	if (n == 0)
		html_raw(b, "<p class=\"empty\">You have no passkeys yet.</p>");
	else
		html_raw(b, "<ul class=\"docs passkeys\">");
	for (size_t i = 0; i < n; i++) {
		char id[ID_HEX_LEN + 1], added[32], used[32];
		id_hex(&keys[i].id, id);
		web_format_date(keys[i].created, added);
		web_format_date(keys[i].last_used, used);
		html_raw(b, "<li><span class=\"name\">");
		html_text(b, keys[i].name);
		html_raw(b, "</span><span class=\"meta\">added ");
		html_text(b, added);
		html_raw(b, keys[i].last_used ? " · last used " : " · not used yet");
		if (keys[i].last_used)
			html_text(b, used);
		html_raw(b, "</span>");
		if (fresh) {
			html_raw(b, "<form method=\"post\" class=\"inline\" action=\"/mfa/passkeys/");
			html_text(b, id);
			html_raw(b, "/remove\">");
			hidden_field(b, "csrf", req->csrf);
			html_raw(b, "<button type=\"submit\" class=\"link\" aria-label=\"Remove passkey ");
			html_text(b, keys[i].name);
			html_raw(b, "\">Remove</button></form>");
		}
		html_raw(b, "</li>");
	}
	if (n)
		html_raw(b, "</ul>");
	if (!fresh) {
		html_raw(b, "<p class=\"status warn\">To add or remove a passkey, sign out and sign in "
			    "again: for your safety, changes to two-step sign-in need a code or passkey "
			    "from the last five minutes.</p></section>");
		return;
	}
	if (n < PASSKEYS_PER_ACCOUNT)
		register_form(req, b, keys, n);
	html_raw(b, "</section>");
}

void web_passkey_first_section(struct request *req, struct buf *b)
{
	html_raw(b, "<section aria-labelledby=\"passkeys\"><h2 id=\"passkeys\">Or use a passkey</h2>"
		    "<p>A passkey is kept by your phone, your computer or a security key, and unlocked "
		    "the way you unlock it (a fingerprint, your face or a PIN). Add one here instead of "
		    "an authenticator app: you then use it once to finish, and get recovery codes for "
		    "if you lose it.</p>");
	register_form(req, b, NULL, 0);
	html_raw(b, "</section>");
}

/* The form of a change to passkeys: readable, with the session's CSRF token, and a second
 * factor from the last few minutes (step-up). false when refused (and answered). */
static bool change_form(struct request *req, struct response *res, struct form_field *fields,
			size_t *n)
{
	if (!web_form_accepted(req, res, fields, n))
		return false;
	/* an account with no second factor has none to give: its first passkey needs only the
	 * password's session, as its first authenticator app does */
	if (policy_factor_fresh(&req->actor, (int64_t)time(NULL)) || !req->actor.mfa_enrolled)
		return true;
	web_error(req, res, 403, "For your safety, changes to two-step sign-in need a code or passkey "
				 "from the last five minutes. Sign out, sign in again, and retry.");
	return false;
}

void web_passkey_add(struct request *req, struct response *res)
{
	struct form_field fields[LIMIT_FORM_FIELDS];
	size_t n = 0;
	if (!change_form(req, res, fields, &n))
		return;
	uint8_t *client_data = arena_alloc(&req->arena, WEBAUTHN_CLIENT_DATA_MAX);
	uint8_t *att = arena_alloc(&req->arena, WEBAUTHN_ATTESTATION_MAX);
	size_t cdn = 0, an = 0;
	const char *name = form_get(fields, n, "name", NULL);
	if (client_data == NULL || att == NULL ||
	    field_bytes(fields, n, "clientDataJSON", client_data, WEBAUTHN_CLIENT_DATA_MAX, &cdn) != 0 ||
	    field_bytes(fields, n, "attestationObject", att, WEBAUTHN_ATTESTATION_MAX, &an) != 0) {
		web_error(req, res, 400, "Your browser did not send a passkey. Please try again.");
		return;
	}
	int why = WA_OK;
	int rc = auth_passkey_register(req->token, &req->actor, name, client_data, cdn, att, an, &why);
	if (rc == ERR_INVALID) {
		web_error(req, res, 400, "Give the passkey a name of up to 64 characters. A passkey can be "
					 "added once, and an account can have ten.");
		return;
	}
	if (rc != ERR_OK) {
		web_error(req, res, rc == ERR_INTERNAL ? 500 : 400,
			  rc == ERR_INTERNAL ? "Something went wrong on our side. Please try again."
					   : webauthn_err_text(why));
		return;
	}
	/* A first passkey finishes signing in by being used once (the vault mints a session with
	 * the second factor only for a signature it checked); its recovery codes follow. */
	respond_redirect(req, res, req->actor.mfa_enrolled ? "/mfa/setup" : "/login/mfa?next=/mfa/setup");
}

void web_passkey_remove(struct request *req, struct response *res)
{
	struct form_field fields[LIMIT_FORM_FIELDS];
	size_t n = 0;
	struct id id;
	if (!change_form(req, res, fields, &n))
		return;
	int rc = request_param_id(req, 0, &id) == 0 ? auth_passkey_remove(&req->actor, &id) : ERR_AUTH_FAIL;
	if (rc == ERR_AUTH_FAIL) {
		web_error(req, res, 404, "There is no such passkey.");
		return;
	}
	if (rc == ERR_CONFLICT) {
		web_error(req, res, 409, "This passkey is your only way through two-step sign-in. Add "
					 "another passkey or an authenticator app first, then remove it.");
		return;
	}
	if (rc != ERR_OK) {
		web_error(req, res, 500, "Something went wrong on our side. Please try again.");
		return;
	}
	respond_redirect(req, res, "/mfa/setup");
}
