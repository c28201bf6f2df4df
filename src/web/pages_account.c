/*
 * Account lifecycle pages: step-up, registration by invitation, email confirmation, password
 * reset, and the Account page (password, email, second factor). The decisions are in
 * src/auth/account.c; these handlers parse, check CSRF and render.
 *
 * Forms shown before sign-in carry a CSRF token that must match a cookie set with the form
 * (as the login form does); the links from emails carry their single-use token as well. A GET
 * never changes anything: a link opens a page with a button, so a mail scanner that fetches
 * links does not use them up.
 */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "auth/account.h"
#include "auth/auth.h"
#include "auth/passkey.h"
#include "http/parse.h"
#include "limits.h"
#include "util/wipe.h"
#include "web/html.h"
#include "web/web.h"
#include "web/web_int.h"

#define SESSION_COOKIE "__Host-medkeep"
#define FORM_COOKIE "__Host-medkeep-form"


/* --- small shared pieces --- */

static void alert(struct buf *b, const char *error)
{
	if (error == NULL)
		return;
	html_raw(b, "<p class=\"error\" role=\"alert\">");
	html_text(b, error);
	html_raw(b, "</p>");
}

static void note(struct buf *b, const char *text)
{
	html_raw(b, "<p class=\"status ok\" role=\"status\">");
	html_text(b, text);
	html_raw(b, "</p>");
}

static void hidden(struct buf *b, const char *name, const char *value)
{
	html_raw(b, "<input type=\"hidden\" name=\"");
	html_raw(b, name);
	html_raw(b, "\" value=\"");
	html_text(b, value);
	html_raw(b, "\">");
}

/* The CSRF field of a form: the session's token when signed in, else a fresh one that must
 * come back with the matching cookie. */
static void csrf_field(struct request *req, struct response *res, struct buf *b)
{
	if (req->authenticated) {
		hidden(b, "csrf", req->csrf);
		return;
	}
	char token[TOKEN_B64_LEN + 1];
	uint8_t raw[TOKEN_BYTES];
	token_new(token, raw);
	web_cookie(req, res, FORM_COOKIE, token, -1);
	hidden(b, "csrf", token);
}

static bool csrf_ok(struct request *req, const char *value)
{
	if (value == NULL)
		return false;
	if (req->authenticated)
		return request_csrf_ok(req, value);
	const char *cookie = request_header(req, "Cookie");
	struct slice pre;
	return cookie != NULL && cookie_find(cookie, strlen(cookie), FORM_COOKIE, &pre) == 0 &&
	       pre.len == TOKEN_B64_LEN && strlen(value) == TOKEN_B64_LEN &&
	       ct_compare(pre.ptr, value, TOKEN_B64_LEN) == 0;
}

/* Parse a form and check its CSRF token; on failure the answer is given and false returned. */
static bool read_form(struct request *req, struct response *res, struct form_field *fields,
		      size_t *n)
{
	int p = web_parse_form(req, fields, n);
	if (p == -2) {
		web_error(req, res, 415, "Send the form as application/x-www-form-urlencoded.");
		return false;
	}
	if (p != 0) {
		web_error(req, res, 400, "The form could not be read.");
		return false;
	}
	if (!csrf_ok(req, form_get(fields, *n, "csrf", NULL))) {
		web_error(req, res, 403, "This form has expired. Please go back, reload it and try again.");
		return false;
	}
	return true;
}

static void password_inputs(struct buf *b, const char *label, const char *id)
{
	html_raw(b, "<label for=\"");
	html_raw(b, id);
	html_raw(b, "\">");
	html_text(b, label);
	html_raw(b, "</label><p class=\"hint\" id=\"");
	html_raw(b, id);
	html_raw(b, "-hint\">At least 12 characters. Not a common password, and not your name or "
		    "email address. A few unrelated words work well.</p><input id=\"");
	html_raw(b, id);
	html_raw(b, "\" name=\"");
	html_raw(b, id);
	html_raw(b, "\" type=\"password\" autocomplete=\"new-password\" required minlength=\"12\" "
		    "maxlength=\"128\" aria-describedby=\"");
	html_raw(b, id);
	html_raw(b, "-hint\">");
}

static void page(struct response *res, int status, struct buf *b)
{
	html_end(b);
	respond_buf(res, status, html_type, b);
}

/* A page begun with its title, or NULL after answering 500 (no buffer to be had). */
static struct buf *begin(struct request *req, struct response *res, const char *title)
{
	struct buf *b = page_buf(req);
	if (b)
		html_begin(b, title, req->authenticated ? &req->actor : NULL, req->csrf);
	else
		web_error(req, res, 500, "Something went wrong on our side.");
	return b;
}

/* A token from a link (query) or a form field, or "". */
static const char *link_token(struct request *req)
{
	const char *t = request_query(req, "token");
	return t ? t : "";
}

static void link_gone(struct request *req, struct response *res, const char *what)
{
	struct buf *b = begin(req, res, "Link not valid");
	if (b == NULL)
		return;
	html_raw(b, "<h1>This link is not valid any more</h1><p>");
	html_text(b, what);
	html_raw(b, "</p><p><a href=\"/login\">Go to the login page</a></p>");
	page(res, 404, b);
}

/* --- step-up --- */

bool web_stepped_up(struct request *req, struct response *res, const char *next)
{
	int state = account_step_up_state(&req->actor);
	if (state == ERR_OK)
		return true;
	if (state == ERR_STEP_UP) {
		char *loc = arena_printf(&req->arena, "/step-up?next=%s", next);
		respond_redirect(req, res, loc ? loc : "/step-up");
		return false;
	}
	struct buf *b = begin(req, res, "Two-step sign-in needed");
	if (b == NULL)
		return false;
	html_raw(b, "<h1>Set up two-step sign-in first</h1><p>Changing your email address or "
		    "second factor needs a code from your authenticator app, so that a stolen "
		    "password alone cannot change them.</p><p><a class=\"button\" href=\"/mfa/setup\">"
		    "Set up two-step sign-in</a></p>");
	page(res, 403, b);
	return false;
}

static void step_up_page(struct request *req, struct response *res, int status, const char *next,
			 const char *error)
{
	struct buf *b = begin(req, res, "Confirm it is you");
	if (b == NULL)
		return;
	html_raw(b, "<h1>Confirm it is you</h1>");
	if (!req->actor.mfa_enrolled) {
		html_raw(b, "<p>This needs a second factor, and your account has none yet.</p>"
			    "<p><a class=\"button\" href=\"/mfa/setup\">Set up two-step sign-in</a></p>");
		page(res, 403, b);
		return;
	}
	struct auth_factors f = {.totp = true};
	(void)auth_factors_get(&req->actor, &f); /* the words only */
	html_raw(b, f.totp ? "<p class=\"lead\">For this change, enter a code from your authenticator "
			     "app, or one of your recovery codes.</p>"
			   : "<p class=\"lead\">For this change, use your passkey, or enter one of your "
			     "recovery codes.</p>");
	alert(b, error);
	html_raw(b, "<form method=\"post\" action=\"/step-up\" class=\"card\">");
	csrf_field(req, res, b);
	hidden(b, "next", next);
	html_raw(b, "<label for=\"code\">Code</label><input id=\"code\" name=\"code\" "
		    "autocomplete=\"one-time-code\" required maxlength=\"20\" autofocus>"
		    "<button type=\"submit\">Continue</button></form>");
	/* A passkey is the other way through: it ends the same way, in a replaced session whose
	 * start (factor_at) is now. */
	char *action = arena_printf(&req->arena, "/step-up?next=%s", next);
	if (action)
		web_passkey_assert_form(req, b, action);
	page(res, status, b);
}

void web_step_up_form(struct request *req, struct response *res)
{
	const char *next = request_query(req, "next");
	if (next == NULL)
		next = "/account";
	if (!path_is_local_next(next)) {
		web_error(req, res, 400, "That return address is not a page of this portal.");
		return;
	}
	step_up_page(req, res, 200, next, NULL);
}

void web_step_up_submit(struct request *req, struct response *res)
{
	struct form_field fields[LIMIT_FORM_FIELDS];
	size_t n = 0;
	struct login_result lr;
	const char *error = NULL;
	const char *next_q = request_query(req, "next");
	int passkey = web_passkey_assertion(req, &lr, &error);
	if (passkey >= 0) { /* a passkey form (its action carries next) */
		if (next_q == NULL || !path_is_local_next(next_q)) {
			web_error(req, res, 400, "That return address is not a page of this portal.");
			return;
		}
		if (passkey > 0) {
			step_up_page(req, res, passkey, next_q, error);
			return;
		}
		web_cookie(req, res, SESSION_COOKIE, lr.token, -1);
		wipe(lr.token, sizeof(lr.token));
		respond_redirect(req, res, next_q);
		return;
	}
	if (!read_form(req, res, fields, &n))
		return;
	const char *next = form_get(fields, n, "next", NULL);
	if (next == NULL)
		next = next_q; /* POST /step-up?next=PATH works too */
	const char *code = form_get(fields, n, "code", NULL);
	if (next == NULL || !path_is_local_next(next)) {
		web_error(req, res, 400, "That return address is not a page of this portal.");
		return;
	}
	if (!req->actor.mfa_enrolled) {
		step_up_page(req, res, 403, next, NULL);
		return;
	}
	char clean[24];
	size_t j = 0;
	for (const char *p = code ? code : ""; *p && j + 1 < sizeof(clean); p++)
		if (*p != ' ')
			clean[j++] = *p;
	clean[j] = '\0';
	if (j == 0 || (code && strlen(code) > 20)) {
		step_up_page(req, res, 400, next, "Enter the code.");
		return;
	}
	int rc = auth_mfa_verify(req->token, &req->actor, clean, &lr);
	if (rc == ERR_THROTTLED) {
		step_up_page(req, res, 429, next, "Too many wrong codes. Wait 15 minutes and try again.");
		return;
	}
	if (rc != ERR_OK) {
		step_up_page(req, res, 401, next, "That code is not right, or it was used already.");
		return;
	}
	web_cookie(req, res, SESSION_COOKIE, lr.token, -1);
	wipe(lr.token, sizeof(lr.token));
	respond_redirect(req, res, next);
}

/* --- registration by invitation --- */

/* A form reached from an emailed link: its token, maybe an email field, a new password. */
struct link_form {
	const char *title;
	const char *intro; /* our own markup */
	const char *action;
	bool with_email;
	const char *password_label;
	const char *button;
	const char *gone; /* what to say when the link is dead */
};

static const struct link_form register_form = {
	"Create your account",
	"<p class=\"lead\">Your practice invited you to see your health record here. Use the email "
	"address the invitation came to, or another of yours: we will then send it a link to confirm "
	"it. Your date of birth, as your practice has it, shows that it is you.</p>",
	"/register", true, "Choose a password", "Create account",
	"This invitation was used already, or it has expired. Ask your practice for a new one."};

static const struct link_form reset_form = {
	"Choose a new password", "<p class=\"lead\">This signs you out on every device.</p>",
	"/reset/confirm", false, "New password", "Set password",
	"This reset link was used already, or it has expired. Ask for a new one from the login page."};

static void link_form_page(struct request *req, struct response *res, int status,
			   const struct link_form *f, const char *token, const char *error)
{
	struct buf *b = begin(req, res, f->title);
	if (b == NULL)
		return;
	html_raw(b, "<h1>");
	html_text(b, f->title);
	html_raw(b, "</h1>");
	html_raw(b, f->intro);
	alert(b, error);
	html_raw(b, "<form method=\"post\" class=\"card\" action=\"");
	html_raw(b, f->action);
	html_raw(b, "\">");
	csrf_field(req, res, b);
	hidden(b, "token", token);
	if (f->with_email)
		html_raw(b, "<label for=\"email\">Email</label><input id=\"email\" name=\"email\" "
			    "type=\"email\" autocomplete=\"username\" required maxlength=\"254\">"
			    "<label for=\"birth_date\">Date of birth</label><input id=\"birth_date\" "
			    "name=\"birth_date\" type=\"date\" autocomplete=\"bday\" required>");
	password_inputs(b, f->password_label, "password");
	html_raw(b, "<button type=\"submit\">");
	html_text(b, f->button);
	html_raw(b, "</button></form>");
	page(res, status, b);
}

static void link_form_get(struct request *req, struct response *res, const char *kind,
			  const struct link_form *f)
{
	const char *token = link_token(req);
	if (account_link_live(kind, token) != ERR_OK) {
		link_gone(req, res, f->gone);
		return;
	}
	link_form_page(req, res, 200, f, token, NULL);
}

void web_register_form(struct request *req, struct response *res)
{
	link_form_get(req, res, TOKEN_INVITE, &register_form);
}

void web_register_submit(struct request *req, struct response *res)
{
	struct form_field fields[LIMIT_FORM_FIELDS];
	size_t n = 0, plen = 0;
	if (!read_form(req, res, fields, &n))
		return;
	const char *token = form_get(fields, n, "token", NULL);
	const char *email = form_get(fields, n, "email", NULL);
	const char *birth_date = form_get(fields, n, "birth_date", NULL);
	const char *password = form_get(fields, n, "password", &plen);
	bool confirm = false;
	const char *why = NULL;
	int rc = password ? account_register(token ? token : "", email, birth_date, password, plen,
					     req->ip, &confirm, &why)
			  : ERR_INVALID;
	if (rc == ERR_NOT_FOUND) {
		link_gone(req, res, register_form.gone);
		return;
	}
	if (rc == ERR_INVALID) {
		link_form_page(req, res, 400, &register_form, token ? token : "", why ? why : "Choose a password.");
		return;
	}
	if (rc != ERR_OK) {
		web_error(req, res, 500, "Something went wrong on our side. Please try again.");
		return;
	}
	struct buf *b = begin(req, res, confirm ? "Check your email" : "Your account is ready");
	if (confirm)
		html_raw(b, "<h1>Check your email</h1><p>We have sent a link to the address you gave. "
			    "Open it to confirm the address; then you can log in.</p>");
	else
		html_raw(b, "<h1>Your account is ready</h1><p>You can log in now. Then turn on two-step "
			    "sign-in, so that a stolen password alone opens nothing.</p>"
			    "<p><a class=\"button\" href=\"/login\">Log in</a></p>");
	page(res, 200, b);
}

/* --- email confirmation --- */

static void confirm_button_page(struct request *req, struct response *res, const char *title,
				const char *action, const char *token, const char *button)
{
	struct buf *b = begin(req, res, title);
	if (b == NULL)
		return;
	html_raw(b, "<h1>");
	html_text(b, title);
	html_raw(b, "</h1><form method=\"post\" class=\"card\" action=\"");
	html_raw(b, action);
	html_raw(b, "\">");
	csrf_field(req, res, b);
	hidden(b, "token", token);
	html_raw(b, "<button type=\"submit\">");
	html_text(b, button);
	html_raw(b, "</button></form>");
	page(res, 200, b);
}

void web_verify_form(struct request *req, struct response *res)
{
	confirm_button_page(req, res, "Confirm your email address", "/verify", link_token(req),
			    "Confirm my address");
}

void web_verify_submit(struct request *req, struct response *res)
{
	struct form_field fields[LIMIT_FORM_FIELDS];
	size_t n = 0;
	if (!read_form(req, res, fields, &n))
		return;
	const char *token = form_get(fields, n, "token", NULL);
	int rc = account_verify(token ? token : "", req->ip);
	if (rc == ERR_NOT_FOUND) {
		link_gone(req, res, "This confirmation link was used already, or it has expired. Log "
				    "in to get a new one.");
		return;
	}
	if (rc != ERR_OK) {
		web_error(req, res, 500, "Something went wrong on our side. Please try again.");
		return;
	}
	struct buf *b = begin(req, res, "Address confirmed");
	html_raw(b, "<h1>Your email address is confirmed</h1><p><a class=\"button\" href=\"/login\">"
		    "Log in</a></p>");
	page(res, 200, b);
}

/* --- password reset --- */

static void reset_page(struct request *req, struct response *res, int status, const char *msg,
		       const char *error)
{
	struct buf *b = begin(req, res, "Reset your password");
	if (b == NULL)
		return;
	html_raw(b, "<h1>Reset your password</h1>");
	if (msg)
		note(b, msg);
	alert(b, error);
	html_raw(b, "<form method=\"post\" action=\"/reset\" class=\"card\">");
	csrf_field(req, res, b);
	html_raw(b, "<label for=\"email\">Your account's email address</label><input id=\"email\" "
		    "name=\"email\" type=\"email\" autocomplete=\"username\" required maxlength=\"254\">"
		    "<button type=\"submit\">Send me a link</button></form>"
		    "<p><a href=\"/login\">Back to the login page</a></p>");
	page(res, status, b);
}

void web_reset_form(struct request *req, struct response *res)
{
	reset_page(req, res, 200, NULL, NULL);
}

void web_reset_submit(struct request *req, struct response *res)
{
	struct form_field fields[LIMIT_FORM_FIELDS];
	size_t n = 0;
	if (!read_form(req, res, fields, &n))
		return;
	int rc = account_reset_request(form_get(fields, n, "email", NULL), req->ip);
	if (rc == ERR_INVALID) {
		reset_page(req, res, 400, NULL, "Enter an email address, like name@example.nz.");
		return;
	}
	if (rc != ERR_OK) {
		web_error(req, res, 500, "Something went wrong on our side. Please try again.");
		return;
	}
	/* One answer, whether or not the address has an account. */
	reset_page(req, res, 200,
		   "If an account uses that address, we have sent it a link to choose a new password. "
		   "The link works for 30 minutes.",
		   NULL);
}

void web_reset_confirm_form(struct request *req, struct response *res)
{
	link_form_get(req, res, TOKEN_RESET, &reset_form);
}

void web_reset_confirm_submit(struct request *req, struct response *res)
{
	struct form_field fields[LIMIT_FORM_FIELDS];
	size_t n = 0, plen = 0;
	if (!read_form(req, res, fields, &n))
		return;
	const char *token = form_get(fields, n, "token", NULL);
	const char *password = form_get(fields, n, "password", &plen);
	const char *why = NULL;
	int rc = password ? account_reset_finish(token ? token : "", password, plen, req->ip, &why)
			  : ERR_INVALID;
	if (rc == ERR_NOT_FOUND) {
		link_gone(req, res, reset_form.gone);
		return;
	}
	if (rc == ERR_INVALID) {
		link_form_page(req, res, 400, &reset_form, token ? token : "", why ? why : "Choose a password.");
		return;
	}
	if (rc != ERR_OK) {
		web_error(req, res, 500, "Something went wrong on our side. Please try again.");
		return;
	}
	web_cookie(req, res, SESSION_COOKIE, "", 0);
	web_app_request_forget(req, res);
	struct buf *b = page_buf(req);
	html_begin(b, "Password changed", NULL, NULL);
	html_raw(b, "<h1>Your password is changed</h1><p>Every device was signed out. Log in with "
		    "your new password.</p><p><a class=\"button\" href=\"/login\">Log in</a></p>");
	page(res, 200, b);
}

/* --- the Account page and its changes (signed in, step-up) --- */

void web_account(struct request *req, struct response *res)
{
	struct buf *b = begin(req, res, web_text(req, TEXT_NAV_ACCOUNT));
	if (b == NULL)
		return;
	const char *done = request_query(req, "done");
	web_h1(req, b, TEXT_H_ACCOUNT);
	if (done && strcmp(done, "language") == 0)
		note(b, web_text(req, TEXT_LANG_SAVED));
	if (done && strcmp(done, "password") == 0)
		note(b, "Your password is changed. Every other device was signed out.");
	if (done && strcmp(done, "email") == 0)
		note(b, "We have sent a link to the new address. Your address changes when you open it.");
	if (!req->actor.mfa_enrolled)
		html_raw(b, "<p class=\"status warn\">Changes to your email address need two-step "
			    "sign-in. <a href=\"/mfa/setup\">Set it up</a>. Your password can be changed "
			    "with a code we email you.</p>");
	html_raw(b, "<ul class=\"docs\"><li><a href=\"/account/password\">Change your password</a></li>"
		    "<li><a href=\"/account/email\">Change your email address</a></li>");
	if (req->actor.mfa_enrolled)
		html_raw(b, "<li><a href=\"/mfa/setup?change=1\">Move two-step sign-in to a new "
			    "authenticator app</a></li>");
	html_raw(b, "<li><a href=\"/sessions\">Where you are signed in</a></li>"
		    "<li><a href=\"/account/emails\">Emails from your practice</a></li></ul>");
	if (req->actor.mfa_enrolled) {
		size_t left = 0;
		account_recovery_left(&req->actor, &left);
		html_raw(b, "<form method=\"post\" action=\"/account/recovery\" class=\"card\"><h2>"
			    "Recovery codes</h2>");
		if (left == 0)
			html_raw(b, "<p class=\"status warn\">You have no unused recovery codes left. "
				    "Make new ones, so that losing your phone does not lock you out.</p>");
		else
			buf_printf(b, "<p>You have %zu unused recovery code%s.</p>", left,
				   left == 1 ? "" : "s");
		html_raw(b, "<p>New codes replace the ones you have.</p>");
		csrf_field(req, res, b);
		html_raw(b, "<button type=\"submit\">Make new recovery codes</button></form>");
	}
	web_language_form(req, b);
	page(res, 200, b);
}

static void password_change_page(struct request *req, struct response *res, int status,
				 const char *error)
{
	struct buf *b = begin(req, res, "Change your password");
	if (b == NULL)
		return;
	html_raw(b, "<h1>Change your password</h1><p class=\"lead\">This signs you out on every other "
		    "device.</p>");
	if (!req->actor.mfa_enrolled)
		html_raw(b, "<p>Your account has no two-step sign-in, so we will email you a code to "
			    "confirm the change.</p>");
	alert(b, error);
	html_raw(b, "<form method=\"post\" action=\"/account/password\" class=\"card\">");
	csrf_field(req, res, b);
	html_raw(b, "<label for=\"current\">Current password</label><input id=\"current\" "
		    "name=\"current\" type=\"password\" autocomplete=\"current-password\" required "
		    "maxlength=\"128\">");
	password_inputs(b, "New password", "password");
	html_raw(b, "<button type=\"submit\">Change password</button></form>");
	page(res, status, b);
}

/* A password change needs a fresh second factor, or, for an account with none, the current
 * password and then a code sent to its address (account_change_password). */
static bool password_change_allowed(struct request *req, struct response *res)
{
	return !req->actor.mfa_enrolled || web_stepped_up(req, res, "/account/password");
}

static void password_code_page(struct request *req, struct response *res, int status,
			       const char *error)
{
	struct buf *b = begin(req, res, "Check your email");
	if (b == NULL)
		return;
	html_raw(b, "<h1>Check your email</h1><p class=\"lead\">We have sent a 6-digit code to your "
		    "email address. Enter it here within 10 minutes to finish changing your "
		    "password.</p>");
	alert(b, error);
	html_raw(b, "<form method=\"post\" action=\"/account/password/code\" class=\"card\">");
	csrf_field(req, res, b);
	html_raw(b, "<label for=\"code\">Code from the email</label><input id=\"code\" name=\"code\" "
		    "autocomplete=\"one-time-code\" inputmode=\"numeric\" required maxlength=\"12\" "
		    "autofocus><button type=\"submit\">Change password</button></form>"
		    "<p>No email? Check your spam folder, or <a href=\"/account/password\">start "
		    "again</a> for a new code.</p>");
	page(res, status, b);
}

void web_account_password_form(struct request *req, struct response *res)
{
	if (password_change_allowed(req, res))
		password_change_page(req, res, 200, NULL);
}

void web_account_password_code(struct request *req, struct response *res)
{
	struct form_field fields[LIMIT_FORM_FIELDS];
	size_t n = 0;
	if (!read_form(req, res, fields, &n))
		return;
	const char *code = form_get(fields, n, "code", NULL);
	char clean[16];
	size_t j = 0;
	for (const char *p = code ? code : ""; *p && j + 1 < sizeof(clean); p++)
		if (*p != ' ')
			clean[j++] = *p;
	clean[j] = '\0';
	const char *why = NULL;
	enum err rc = account_change_password_code(&req->actor, clean, &why);
	if (rc == ERR_THROTTLED) {
		password_code_page(req, res, 429, "Too many wrong codes. Wait 10 minutes, then start "
						  "again for a new code.");
		return;
	}
	if (rc == ERR_INVALID) {
		password_code_page(req, res, 400, why);
		return;
	}
	if (rc != ERR_OK) {
		web_error(req, res, 500, "Something went wrong on our side. Please try again.");
		return;
	}
	web_app_request_forget(req, res);
	respond_redirect(req, res, "/account?done=password");
}

void web_account_password_submit(struct request *req, struct response *res)
{
	struct form_field fields[LIMIT_FORM_FIELDS];
	size_t n = 0, olen = 0, plen = 0;
	if (!read_form(req, res, fields, &n) || !password_change_allowed(req, res))
		return;
	const char *current = form_get(fields, n, "current", &olen);
	const char *password = form_get(fields, n, "password", &plen);
	const char *why = NULL;
	int rc = current && password
			 ? account_change_password(&req->actor, current, olen, password, plen, &why)
			 : ERR_INVALID;
	if (rc == ERR_STEP_UP || rc == ERR_NO_FACTOR) {
		web_stepped_up(req, res, "/account/password");
		return;
	}
	if (rc == ERR_PENDING) {
		password_code_page(req, res, 200, NULL);
		return;
	}
	if (rc == ERR_THROTTLED) {
		password_change_page(req, res, 429, "Too many wrong passwords. Wait 15 minutes.");
		return;
	}
	if (rc == ERR_INVALID) {
		password_change_page(req, res, 400, why ? why : "Fill in both passwords.");
		return;
	}
	if (rc != ERR_OK) {
		web_error(req, res, 500, "Something went wrong on our side. Please try again.");
		return;
	}
	web_app_request_forget(req, res);
	respond_redirect(req, res, "/account?done=password");
}

static void email_change_page(struct request *req, struct response *res, int status,
			      const char *error)
{
	struct buf *b = begin(req, res, "Change your email address");
	if (b == NULL)
		return;
	html_raw(b, "<h1>Change your email address</h1><p class=\"lead\">We send a link to the new "
		    "address, and a notice to the one you have now. Nothing changes until the link "
		    "is opened.</p>");
	alert(b, error);
	html_raw(b, "<form method=\"post\" action=\"/account/email\" class=\"card\">");
	csrf_field(req, res, b);
	html_raw(b, "<label for=\"email\">New email address</label><input id=\"email\" name=\"email\" "
		    "type=\"email\" autocomplete=\"email\" required maxlength=\"254\">"
		    "<button type=\"submit\">Send the link</button></form>");
	page(res, status, b);
}

void web_account_email_form(struct request *req, struct response *res)
{
	if (web_stepped_up(req, res, "/account/email"))
		email_change_page(req, res, 200, NULL);
}

void web_account_email_submit(struct request *req, struct response *res)
{
	struct form_field fields[LIMIT_FORM_FIELDS];
	size_t n = 0;
	if (!read_form(req, res, fields, &n) || !web_stepped_up(req, res, "/account/email"))
		return;
	const char *why = NULL;
	int rc = account_change_email(&req->actor, form_get(fields, n, "email", NULL), &why);
	if (rc == ERR_STEP_UP || rc == ERR_NO_FACTOR) {
		web_stepped_up(req, res, "/account/email");
		return;
	}
	if (rc == ERR_INVALID) {
		email_change_page(req, res, 400, why);
		return;
	}
	if (rc != ERR_OK) {
		web_error(req, res, 500, "Something went wrong on our side. Please try again.");
		return;
	}
	respond_redirect(req, res, "/account?done=email");
}

void web_account_email_confirm_form(struct request *req, struct response *res)
{
	confirm_button_page(req, res, "Confirm your new email address", "/account/email/confirm",
			    link_token(req), "Use this address");
}

void web_account_email_confirm_submit(struct request *req, struct response *res)
{
	struct form_field fields[LIMIT_FORM_FIELDS];
	size_t n = 0;
	if (!read_form(req, res, fields, &n))
		return;
	const char *token = form_get(fields, n, "token", NULL);
	const char *why = NULL;
	int rc = account_change_email_confirm(token ? token : "", req->ip, &why);
	if (rc == ERR_NOT_FOUND) {
		link_gone(req, res, "This link was used already, or it has expired. Ask for the change "
				    "again from your Account page.");
		return;
	}
	if (rc == ERR_INVALID) {
		web_error(req, res, 409, why);
		return;
	}
	if (rc != ERR_OK) {
		web_error(req, res, 500, "Something went wrong on our side. Please try again.");
		return;
	}
	struct buf *b = begin(req, res, "Email address changed");
	html_raw(b, "<h1>Your email address is changed</h1><p>Use it to log in from now on.</p>"
		    "<p><a class=\"button\" href=\"/\">Continue</a></p>");
	page(res, 200, b);
}

void web_account_recovery(struct request *req, struct response *res)
{
	struct form_field fields[LIMIT_FORM_FIELDS];
	size_t n = 0;
	if (!read_form(req, res, fields, &n) || !web_stepped_up(req, res, "/account"))
		return;
	char codes[RECOVERY_CODES][RECOVERY_CODE_LEN + 1];
	int rc = account_recovery_renew(&req->actor, codes);
	if (rc == ERR_STEP_UP || rc == ERR_NO_FACTOR) {
		web_stepped_up(req, res, "/account");
		return;
	}
	if (rc != ERR_OK) {
		web_error(req, res, 500, "Something went wrong on our side. Please try again.");
		return;
	}
	struct buf *b = begin(req, res, "Recovery codes");
	html_raw(b, "<h1>New recovery codes</h1><p>Keep these somewhere safe. Each works once, if you "
		    "lose your phone. Your old codes no longer work. They are shown only now.</p>"
		    "<ul class=\"codes\">");
	for (int i = 0; i < RECOVERY_CODES; i++) {
		html_raw(b, "<li><code>");
		html_text(b, codes[i]);
		html_raw(b, "</code></li>");
	}
	wipe(codes, sizeof(codes));
	html_raw(b, "</ul><p><a class=\"button\" href=\"/account\">Done</a></p>");
	page(res, 200, b);
}

/* --- invitations (staff) --- */

static void invite_page(struct request *req, struct response *res, int status, const char *pid,
			const char *msg, const char *error)
{
	struct buf *b = begin(req, res, "Invite to the portal");
	if (b == NULL)
		return;
	html_raw(b, "<p><a href=\"/patients/");
	html_text(b, pid);
	html_raw(b, "\">← Patient</a></p><h1>Invite this patient to the portal</h1><p class=\"lead\">"
		    "They get an email with a link, good for 7 days and once, to create an account "
		    "tied to this record. It goes to the email address held in the record, and only "
		    "there; registering asks for their date of birth.</p>");
	if (msg)
		note(b, msg);
	alert(b, error);
	html_raw(b, "<form method=\"post\" class=\"card\" action=\"/patients/");
	html_text(b, pid);
	html_raw(b, "/invite\">");
	csrf_field(req, res, b);
	html_raw(b, "<button type=\"submit\">Send the invitation</button></form>");
	page(res, status, b);
}

void web_invite_form(struct request *req, struct response *res)
{
	struct id pid;
	char hex[ID_HEX_LEN + 1];
	int rc = request_param_id(req, 0, &pid) == 0 ? account_invite_form(&req->actor, &pid)
						      : ERR_NOT_FOUND;
	if (rc != ERR_OK) {
		web_error(req, res, rc == ERR_NOT_FOUND ? 404 : 500,
			  rc == ERR_NOT_FOUND ? "There is no such patient."
						  : "Something went wrong on our side. Please try again.");
		return;
	}
	id_hex(&pid, hex);
	invite_page(req, res, 200, hex, NULL, NULL);
}

void web_invite_submit(struct request *req, struct response *res)
{
	struct form_field fields[LIMIT_FORM_FIELDS];
	size_t n = 0;
	struct id pid;
	if (request_param_id(req, 0, &pid) != 0) {
		web_error(req, res, 404, "There is no such patient.");
		return;
	}
	if (!read_form(req, res, fields, &n))
		return;
	char hex[ID_HEX_LEN + 1];
	id_hex(&pid, hex);
	const char *why = NULL;
	int rc = account_invite(&req->actor, &pid, form_get(fields, n, "email", NULL), &why);
	if (rc == ERR_NOT_FOUND) {
		web_error(req, res, 404, "There is no such patient.");
		return;
	}
	if (rc == ERR_INVALID) {
		invite_page(req, res, 400, hex, NULL, why);
		return;
	}
	if (rc != ERR_OK) {
		web_error(req, res, 500, "Something went wrong on our side. Please try again.");
		return;
	}
	invite_page(req, res, 200, hex, "The invitation is on its way.", NULL);
}
