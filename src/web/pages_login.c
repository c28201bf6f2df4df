/*
 * Signing in and out: the home page's redirect by role, the login form and its check, the
 * second step (a TOTP code or a passkey), setting up two-step sign-in, and /session.
 */
#include <qrencode.h>
#include <jansson.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "auth/auth.h"
#include "auth/passkey.h"
#include "domain/notices.h"
#include "domain/domain.h"
#include "http/parse.h"
#include "limits.h"
#include "util/wipe.h"
#include "web/html.h"
#include "web/web.h"
#include "web/web_int.h"

void web_home(struct request *req, struct response *res)
{
	if (!req->authenticated) {
		respond_redirect(req, res, "/login");
		return;
	}
	if (web_app_resume(req, res))
		return;
	if (policy_audience(&req->actor, AUD_PATIENT)) {
		web_patient_home(req, res);
		return;
	}
	if (policy_audience(&req->actor, AUD_CLINICIAN)) {
		respond_redirect(req, res, "/patients");
		return;
	}
	if (policy_audience(&req->actor, AUD_OPERATOR)) {
		respond_redirect(req, res, "/operator");
		return;
	}
	if (policy_audience(&req->actor, AUD_PRACTICE_ADMIN)) {
		respond_redirect(req, res, "/practice");
		return;
	}
	struct buf *b = page_buf(req);
	html_begin(b, "Welcome", &req->actor, req->csrf);
	html_raw(b, "<h1>Welcome</h1><p>You are signed in as ");
	html_text(b, role_name(req->actor.role));
	html_raw(b, ". Your role has no patient pages: staff accounts and settings come in a "
		    "later release.</p>");
	html_end(b);
	respond_buf(res, 200, html_type, b);
}


static const char *device_cookie(struct request *req)
{
	const char *cookie = request_header(req, "Cookie");
	struct slice v;
	uint8_t raw[TOKEN_BYTES];
	if (cookie == NULL || cookie_find(cookie, strlen(cookie), DEVICE_COOKIE, &v) != 0 ||
	    token_decode(v.ptr, v.len, raw) != 0)
		return NULL;
	wipe(raw, sizeof(raw));
	return arena_strndup(&req->arena, v.ptr, v.len);
}

/* A sign-in is complete (password, and the second factor when due): this browser becomes (or
 * stays) a known device of the account, with its own login allowance. */
static void device_remember(struct request *req, struct response *res, const struct id *account)
{
	char value[TOKEN_B64_LEN + 1];
	if (auth_device_remember(account, device_cookie(req), value) == 0)
		web_cookie(req, res, DEVICE_COOKIE, value, DEVICE_COOKIE_SECONDS);
}

/* The page to go back to after signing in (next=, on the URL or in the form), when it is one
 * of ours (path_is_local_next); NULL otherwise. */
static const char *login_next(struct request *req, struct form_field *fields, size_t n)
{
	const char *next = fields ? form_get(fields, n, "next", NULL) : NULL;
	if (next == NULL)
		next = request_query(req, "next");
	return next && path_is_local_next(next) ? next : NULL;
}

static void login_page(struct request *req, struct response *res, int status, const char *error,
		       const char *email, const char *next)
{
	char token[TOKEN_B64_LEN + 1];
	uint8_t raw[TOKEN_BYTES];
	token_new(token, raw);
	web_cookie(req, res, LOGIN_COOKIE, token, -1);
	struct buf *b = page_buf(req);
	html_begin(b, "Log in", NULL, NULL);
	html_raw(b, "<h1>Log in to your health record</h1>");
	if (error) {
		html_raw(b, "<p class=\"error\" role=\"alert\">");
		html_text(b, error);
		html_raw(b, "</p>");
	}
	if (next)
		html_raw(b, "<p class=\"lead\">Sign in to go on to the page you asked for.</p>");
	html_raw(b, "<form method=\"post\" action=\"/login\" class=\"card\">"
		    "<input type=\"hidden\" name=\"csrf\" value=\"");
	html_text(b, token);
	if (next) {
		html_raw(b, "\"><input type=\"hidden\" name=\"next\" value=\"");
		html_text(b, next);
	}
	html_raw(b, "\"><label for=\"email\">Email</label>"
		    "<input id=\"email\" name=\"email\" type=\"email\" autocomplete=\"username\" "
		    "required maxlength=\"254\" value=\"");
	html_text(b, email ? email : "");
	html_raw(b, "\"><label for=\"password\">Password</label>"
		    "<input id=\"password\" name=\"password\" type=\"password\" "
		    "autocomplete=\"current-password\" required maxlength=\"128\">"
		    "<button type=\"submit\">Log in</button></form>"
		    "<p><a href=\"/reset\">Forgotten your password?</a></p>");
	html_end(b);
	respond_buf(res, status, html_type, b);
}

void web_login_form(struct request *req, struct response *res)
{
	login_page(req, res, 200, NULL, NULL, login_next(req, NULL, 0));
}


void web_login_submit(struct request *req, struct response *res)
{
	struct form_field fields[LIMIT_FORM_FIELDS];
	size_t n = 0;
	int p = web_parse_form(req, fields, &n);
	if (p == -2) {
		web_error(req, res, 415, "Send the login form as application/x-www-form-urlencoded.");
		return;
	}
	if (p != 0) {
		web_error(req, res, 400, "The form could not be read.");
		return;
	}
	const char *next = login_next(req, fields, n);
	/* Login CSRF: the form's token must match the cookie set with the form. */
	size_t elen = 0, plen = 0;
	const char *csrf = form_get(fields, n, "csrf", NULL);
	const char *email = form_get(fields, n, "email", &elen);
	const char *password = form_get(fields, n, "password", &plen);
	const char *cookie = request_header(req, "Cookie");
	struct slice pre;
	if (csrf == NULL || cookie == NULL ||
	    cookie_find(cookie, strlen(cookie), LOGIN_COOKIE, &pre) != 0 ||
	    pre.len != TOKEN_B64_LEN || strlen(csrf) != TOKEN_B64_LEN ||
	    ct_compare(pre.ptr, csrf, TOKEN_B64_LEN) != 0) {
		login_page(req, res, 403, "This login form has expired. Please try again.", NULL, next);
		return;
	}
	if (email == NULL || password == NULL) {
		login_page(req, res, 400, "Enter your email and password.", NULL, next);
		return;
	}
	struct login_result lr;
	int rc = auth_login(email, elen, password, plen, req->ip, request_header(req, "User-Agent"),
			    device_cookie(req), &lr);
	if (rc == ERR_THROTTLED) {
		login_page(req, res, 429,
			   "Too many attempts. Wait 15 minutes, or reset your password.", email, next);
		return;
	}
	if (rc == ERR_LOCKED) {
		/* Only after the right password: a wrong one answers as for any account. */
		char *msg = arena_printf(&req->arena,
					 "This account is paused for review because of unusual "
					 "activity, so it cannot be signed in to for now. To have it "
					 "reviewed and opened again, contact %s.",
					 lr.contact);
		login_page(req, res, 403, msg ? msg : "This account is paused for review.", email, next);
		return;
	}
	if (rc == ERR_UNVERIFIED) {
		login_page(req, res, 403,
			   "Please confirm your email address first: open the link we sent to it. "
			   "(We have just sent a new one.)", email, next);
		return;
	}
	if (rc != ERR_OK) {
		login_page(req, res, rc == ERR_INTERNAL ? 500 : 401, "Email or password is incorrect.",
			   email, next);
		return;
	}
	web_cookie(req, res, SESSION_COOKIE, lr.token, -1);
	web_cookie(req, res, LOGIN_COOKIE, "", 0);
	if (!lr.mfa_required)
		device_remember(req, res, &lr.actor.account);
	wipe(lr.token, sizeof(lr.token));
	respond_redirect(req, res, lr.mfa_required ? route_next_url(&req->arena, "/login/mfa", next)
						  : next ? next : "/");
}

void web_logout(struct request *req, struct response *res)
{
	struct form_field fields[LIMIT_FORM_FIELDS];
	size_t n = 0;
	if (!web_form_accepted(req, res, fields, &n))
		return;
	auth_logout(req->token, strlen(req->token), &req->actor);
	web_cookie(req, res, SESSION_COOKIE, "", 0);
	web_app_request_forget(req, res);
	respond_redirect(req, res, "/login");
}

void web_session_json(struct request *req, struct response *res)
{
	char acct[ID_HEX_LEN + 1], pat[ID_HEX_LEN + 1], rec[ID_HEX_LEN + 1];
	id_hex(&req->actor.account, acct);
	id_hex(&req->actor.patient, pat);
	id_hex(&req->actor.record, rec);
	/* patient: the account's own record; record: the one its pages show (a held one for a
	 * proxy who switched to it) */
	json_t *o = json_pack("{s:s, s:s, s:o, s:o, s:s}", "account", acct, "role",
			      role_name(req->actor.role), "patient",
			      req->actor.has_patient ? json_string(pat) : json_null(), "record",
			      req->actor.has_record ? json_string(rec) : json_null(), "csrf",
			      req->csrf);
	web_json(req, res, 200, o);
}


void web_session_script(struct request *req, struct response *res)
{
	(void)req;
	extern const char web_session_js[];
	extern const size_t web_session_js_len;
	res->cacheable = true;
	respond(res, 200, "text/javascript; charset=utf-8", web_session_js, web_session_js_len);
}

/* --- second factor --- */

static void mfa_code_form(struct buf *b, const char *action, const char *csrf, const char *label,
			  const char *button)
{
	html_raw(b, "<form method=\"post\" class=\"card\" action=\"");
	html_text(b, action);
	html_raw(b, "\"><input type=\"hidden\" name=\"csrf\" value=\"");
	html_text(b, csrf);
	html_raw(b, "\"><label for=\"code\">");
	html_text(b, label);
	html_raw(b, "</label><input id=\"code\" name=\"code\" autocomplete=\"one-time-code\" "
		    "required maxlength=\"20\" autofocus><button type=\"submit\">");
	html_text(b, button);
	html_raw(b, "</button></form>");
}

/* Whom to ask when two-step sign-in cannot be done: staff their practice admin, patients their
 * practice (which can help set it up again, or arrange another way to see the record). */
static void mfa_help(struct request *req, struct buf *b)
{
	html_raw(b, policy_audience(&req->actor, AUD_PATIENT)
			    ? "<p class=\"meta\">Lost your phone, passkey and recovery codes? Phone your "
			      "practice: they can help you set up two-step sign-in again.</p>"
			    : "<p class=\"meta\">Lost your phone, passkey and recovery codes? Your practice "
			      "admin can help you set up two-step sign-in again.</p>");
}

static void mfa_page(struct request *req, struct response *res, int status, const char *error)
{
	struct auth_factors f = {.totp = true};
	(void)auth_factors_get(&req->actor, &f); /* the words only: the code form is there anyway */
	struct buf *b = page_buf(req);
	html_begin(b, "Two-step sign-in", NULL, NULL);
	html_raw(b, f.totp ? "<h1>Two-step sign-in</h1><p class=\"lead\">Enter the 6-digit code from "
			     "your authenticator app, or one of your recovery codes.</p>"
			   : "<h1>Two-step sign-in</h1><p class=\"lead\">Use your passkey, or enter one "
			     "of your recovery codes.</p>");
	if (error) {
		html_raw(b, "<p class=\"error\" role=\"alert\">");
		html_text(b, error);
		html_raw(b, "</p>");
	}
	/* both forms carry the page to go back to on their action (next=) */
	const char *action = route_next_url(&req->arena, "/login/mfa", login_next(req, NULL, 0));
	web_passkey_assert_form(req, b, action);
	mfa_code_form(b, action, req->csrf, f.totp ? "Code" : "Recovery code", "Continue");
	mfa_help(req, b);
	html_raw(b, "<form method=\"post\" action=\"/logout\"><input type=\"hidden\" name=\"csrf\" value=\"");
	html_text(b, req->csrf);
	html_raw(b, "\"><button type=\"submit\" class=\"link\">Cancel and log out</button></form>");
	html_end(b);
	respond_buf(res, status, html_type, b);
}

/* Where a completed second step goes: the page asked for before signing in, or home. */
static const char *mfa_done_to(struct request *req)
{
	const char *next = login_next(req, NULL, 0);
	return next ? next : "/";
}

void web_mfa_form(struct request *req, struct response *res)
{
	if (req->actor.mfa || !req->actor.mfa_enrolled) {
		respond_redirect(req, res, req->actor.mfa ? mfa_done_to(req) : "/");
		return;
	}
	mfa_page(req, res, 200, NULL);
}

/* The csrf and code fields of a small form, with the CSRF check; NULL (and a 4xx answered)
 * when the form is not acceptable. */
static const char *code_field(struct request *req, struct response *res)
{
	struct form_field fields[LIMIT_FORM_FIELDS];
	size_t n = 0;
	if (web_parse_form(req, fields, &n) != 0) {
		web_error(req, res, 400, "The form could not be read.");
		return NULL;
	}
	if (!request_csrf_ok(req, form_get(fields, n, "csrf", NULL))) {
		web_error(req, res, 403, "Missing or wrong CSRF token.");
		return NULL;
	}
	const char *code = form_get(fields, n, "code", NULL);
	if (code == NULL || code[0] == '\0' || strlen(code) > 20) {
		web_error(req, res, 400, "Enter the code.");
		return NULL;
	}
	/* codes are typed with spaces sometimes */
	char *clean = arena_alloc(&req->arena, strlen(code) + 1);
	size_t j = 0;
	for (const char *p = code; clean && *p; p++)
		if (*p != ' ')
			clean[j++] = *p;
	if (clean)
		clean[j] = '\0';
	return clean;
}

/* The recovery codes just made, shown once, then on to `to`. */
static void recovery_codes_page(struct request *req, struct response *res,
				const struct login_result *lr,
				char codes[RECOVERY_CODES][RECOVERY_CODE_LEN + 1], const char *lost,
				const char *to)
{
	struct buf *b = page_buf(req);
	html_begin(b, "Recovery codes", &lr->actor, lr->csrf);
	html_raw(b, "<h1>Two-step sign-in is on</h1><p>Keep these recovery codes somewhere safe. Each "
		    "works once, if you lose ");
	html_text(b, lost);
	html_raw(b, ". They are shown only now.</p><ul class=\"codes\">");
	for (int i = 0; i < RECOVERY_CODES; i++) {
		html_raw(b, "<li><code>");
		html_text(b, codes[i]);
		html_raw(b, "</code></li>");
	}
	wipe(codes, sizeof(char[RECOVERY_CODES][RECOVERY_CODE_LEN + 1]));
	html_raw(b, "</ul><p><a class=\"button\" href=\"");
	html_text(b, to);
	html_raw(b, "\">Continue</a></p>");
	html_end(b);
	respond_buf(res, 200, html_type, b);
}

void web_mfa_submit(struct request *req, struct response *res)
{
	struct login_result lr;
	const char *error = NULL;
	int status = web_passkey_assertion(req, &lr, &error);
	if (status > 0) {
		mfa_page(req, res, status, error);
		return;
	}
	if (status == 0) {
		web_cookie(req, res, SESSION_COOKIE, lr.token, -1);
		device_remember(req, res, &lr.actor.account);
		/* a first passkey, used once: its recovery codes now, as an app's come at setup */
		char codes[RECOVERY_CODES][RECOVERY_CODE_LEN + 1];
		int first = auth_passkey_first_codes(lr.token, &lr.actor, codes);
		wipe(lr.token, sizeof(lr.token));
		if (first == ERR_OK)
			recovery_codes_page(req, res, &lr, codes, "your passkey", mfa_done_to(req));
		else
			respond_redirect(req, res, mfa_done_to(req));
		return;
	}
	const char *code = code_field(req, res);
	if (code == NULL)
		return;
	int rc = auth_mfa_verify(req->token, &req->actor, code, &lr);
	if (rc == ERR_THROTTLED) {
		mfa_page(req, res, 429, "Too many wrong codes. Wait 15 minutes and try again.");
		return;
	}
	if (rc != ERR_OK) {
		mfa_page(req, res, 401, "That code is not right, or it was used already.");
		return;
	}
	web_cookie(req, res, SESSION_COOKIE, lr.token, -1);
	device_remember(req, res, &lr.actor.account);
	wipe(lr.token, sizeof(lr.token));
	respond_redirect(req, res, mfa_done_to(req));
}

/* The otpauth URI as a QR code in inline SVG: one path, no script, no style attribute. */
static void qr_svg(struct buf *b, const char *text)
{
	QRcode *qr = QRcode_encodeString(text, 0, QR_ECLEVEL_M, QR_MODE_8, 1);
	if (qr == NULL)
		return;
	int w = qr->width, quiet = 4;
	buf_printf(b, "<svg class=\"qr\" xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 %d %d\" "
		      "width=\"200\" height=\"200\" role=\"img\" aria-label=\"QR code for your "
		      "authenticator app\"><rect width=\"100%%\" height=\"100%%\" fill=\"#fff\"/>"
		      "<path fill=\"#000\" d=\"",
		   w + 2 * quiet, w + 2 * quiet);
	for (int y = 0; y < w; y++)
		for (int x = 0; x < w; x++)
			if (qr->data[y * w + x] & 1)
				buf_printf(b, "M%d %dh1v1h-1z", x + quiet, y + quiet);
	html_raw(b, "\"/></svg>");
	QRcode_free(qr);
}

/* The setup steps for the pending secret: its QR code, its key, and the code form, which
 * carries the key back so that a wrong code shows the same key again (the secret that counts
 * is the sealed pending one; the key in the form is only for showing). */
static void mfa_setup_page(struct request *req, struct response *res, int status,
			   const char *secret, const char *error)
{
	struct buf *b = page_buf(req);
	html_begin(b, "Two-step sign-in", &req->actor, req->csrf);
	html_raw(b, "<h1>Two-step sign-in</h1>");
	if (!policy_audience(&req->actor, AUD_PATIENT))
		html_raw(b, "<p class=\"status warn\">Staff accounts need two-step sign-in before they can "
			    "see any patient's record: an authenticator app or a passkey. If you cannot "
			    "set it up, your practice admin can help.</p>");
	else if (req->actor.mfa_required)
		html_raw(b, "<p class=\"status warn\">Your practice asks every patient to use two-step "
			    "sign-in. Set it up now to see your record, with an authenticator app or a "
			    "passkey. If you have no phone for an authenticator app, or it does not "
			    "work, phone your practice: they can help you set it up or arrange another "
			    "way to see your record.</p>");
	if (error != NULL) {
		html_raw(b, "<p class=\"error\" role=\"alert\">");
		html_text(b, error);
		html_raw(b, "</p>");
	}
	html_raw(b, "<ol><li>Open an authenticator app on your phone (for example one from your phone's "
		    "maker, or any app that supports TOTP).</li><li>Scan this code, or type the key "
		    "below.</li><li>Enter the 6-digit code the app shows.</li></ol>");
	char *uri = arena_printf(&req->arena,
				 "otpauth://totp/medkeep?secret=%s&issuer=medkeep&algorithm=SHA1&digits=6&period=30",
				 secret);
	if (uri)
		qr_svg(b, uri);
	html_raw(b, "<p>Key: <code class=\"secret\">");
	html_text(b, secret);
	html_raw(b, "</code></p><form method=\"post\" class=\"card\" action=\"/mfa/setup\">");
	web_csrf_field(b, req->csrf);
	html_raw(b, "<input type=\"hidden\" name=\"key\" value=\"");
	html_text(b, secret);
	html_raw(b, "\"><label for=\"code\">Code from your app</label><input id=\"code\" name=\"code\" "
		    "autocomplete=\"one-time-code\" inputmode=\"numeric\" required maxlength=\"20\" "
		    "autofocus><button type=\"submit\">Turn on</button></form>"
		    "<p><a href=\"/mfa/setup\">Start again with a new key</a></p>");
	if (!req->actor.mfa_enrolled)
		web_passkey_first_section(req, b);
	web_page_end(res, status, b);
}

void web_mfa_setup(struct request *req, struct response *res)
{
	const char *change = request_query(req, "change");
	bool replacing = req->actor.mfa_enrolled && change && strcmp(change, "1") == 0;
	if (req->actor.mfa_enrolled && !replacing) {
		struct auth_factors f = {.totp = true};
		(void)auth_factors_get(&req->actor, &f);
		struct buf *b = page_buf(req);
		html_begin(b, "Two-step sign-in", &req->actor, req->csrf);
		html_raw(b, "<h1>Two-step sign-in</h1>"
			    "<p class=\"status ok\">Two-step sign-in is on for your account.</p>");
		html_raw(b, f.totp ? "<p><a href=\"/mfa/setup?change=1\">Move it to a new authenticator "
				     "app</a></p>"
				   : "<p><a href=\"/mfa/setup?change=1\">Use an authenticator app as well"
				     "</a></p>");
		web_passkey_manage_section(req, b);
		html_end(b);
		respond_buf(res, 200, html_type, b);
		return;
	}
	/* Replacing a second factor is a sensitive change: a fresh one first (step-up). */
	if (replacing && !web_stepped_up(req, res, "/mfa/setup?change=1"))
		return;
	char secret[TOTP_SECRET_B32_LEN + 1];
	if (auth_mfa_enrol_begin(req->token, &req->actor, secret) != ERR_OK) {
		web_error(req, res, 500, "Something went wrong on our side. Please try again.");
		return;
	}
	mfa_setup_page(req, res, 200, secret, NULL);
	wipe(secret, sizeof(secret));
}

/* A key as the setup page shows it: TOTP_SECRET_B32_LEN base32 characters. */
static bool key_shaped(const char *k)
{
	if (k == NULL || strlen(k) != TOTP_SECRET_B32_LEN)
		return false;
	for (const char *p = k; *p; p++)
		if (!((*p >= 'A' && *p <= 'Z') || (*p >= '2' && *p <= '7')))
			return false;
	return true;
}

void web_mfa_confirm(struct request *req, struct response *res)
{
	struct form_field fields[LIMIT_FORM_FIELDS];
	size_t nf = 0;
	if (web_parse_form(req, fields, &nf) != 0) {
		web_error(req, res, 400, "The form could not be read.");
		return;
	}
	const char *key = form_get(fields, nf, "key", NULL);
	const char *code = code_field(req, res);
	if (code == NULL)
		return;
	if (req->actor.mfa_enrolled && !web_stepped_up(req, res, "/mfa/setup?change=1"))
		return;
	struct login_result lr;
	char codes[RECOVERY_CODES][RECOVERY_CODE_LEN + 1];
	if (auth_mfa_enrol_confirm(req->token, &req->actor, code, &lr, codes) != ERR_OK) {
		if (key_shaped(key))
			mfa_setup_page(req, res, 400, key,
				       "That code is not right. Check that your app shows this key, "
				       "and enter the code it shows now (codes change every 30 "
				       "seconds).");
		else
			web_error(req, res, 400,
				  "That code is not right. Open the setup page again to start over.");
		return;
	}
	web_cookie(req, res, SESSION_COOKIE, lr.token, -1);
	wipe(lr.token, sizeof(lr.token));
	recovery_codes_page(req, res, &lr, codes, "your phone", "/");
}

