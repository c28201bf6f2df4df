/*
 * Pages. Each handler renders into the request arena through html_text (escaped) and
 * html_raw (our own literals). Patient data comes only from the domain layer.
 */
#include <jansson.h>
#include <qrencode.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "auth/auth.h"
#include "domain/domain.h"
#include "domain/notices.h"
#include "domain/proxies.h"
#include "http/parse.h"
#include "limits.h"
#include "util/strtonum.h"
#include "web/html.h"
#include "web/web.h"
#include "web/web_int.h"

#define PAGE_MAX (4u * 1024u * 1024u)
#define SESSION_COOKIE "__Host-medkeep"
#define LOGIN_COOKIE "__Host-medkeep-login"

const char html_type[] = "text/html; charset=utf-8";

struct buf *page_buf(struct request *req)
{
	struct buf *b = arena_alloc(&req->arena, sizeof(*b));
	if (b)
		buf_init(b, &req->arena, PAGE_MAX);
	return b;
}

static const char *status_title(int status)
{
	switch (status) {
	case 400:
		return "Something in that request was not right";
	case 401:
		return "Please log in";
	case 403:
		return "That action was refused";
	case 404:
		return "Not found";
	case 405:
		return "Not available that way";
	case 410:
		return "Erased";
	case 413:
		return "That was too large";
	case 415:
		return "Unsupported type";
	case 429:
		return "Too many attempts";
	default:
		return "Something went wrong";
	}
}

void web_error(struct request *req, struct response *res, int status, const char *message)
{
	struct buf *b = page_buf(req);
	if (b == NULL) {
		respond(res, 500, "text/plain", "Internal error\n", 15);
		return;
	}
	html_begin(b, status_title(status), req->authenticated ? &req->actor : NULL, req->csrf);
	html_raw(b, "<h1>");
	html_text(b, status_title(status));
	html_raw(b, "</h1><p>");
	html_text(b, message);
	html_raw(b, "</p><p><a href=\"/\">Back to the start</a></p>");
	html_end(b);
	respond_buf(res, status, html_type, b);
}

/* The answer to a domain refusal: not found, paused by the breaker, or our fault. */
void web_domain_refusal(struct request *req, struct response *res, int rc, const char *missing)
{
	if (rc == DOMAIN_NOT_FOUND)
		web_error(req, res, 404, missing);
	else if (rc == DOMAIN_OUT_OF_SCOPE)
		web_error(req, res, 403, "The access you were given to this record does not include "
					 "this part of it. The patient can change what you may see.");
	else if (rc == DOMAIN_TRIPPED)
		web_error(req, res, 403, "Your access has been paused for review because of unusual "
					 "activity. Please contact your practice.");
	else if (rc == DOMAIN_GONE)
		web_error(req, res, 410, "This record was erased at the patient's or practice's "
					 "request and can no longer be read.");
	else if (rc == DOMAIN_FULL)
		web_error(req, res, 507, "The file was not stored: the storage allowance for uploads is "
					 "used up. Everything already stored can still be read. Please "
					 "contact your practice.");
	else
		web_error(req, res, 500, "Something went wrong on our side. Please try again.");
}

void web_format_date(int64_t t, char out[32])
{
	time_t tt = (time_t)t;
	struct tm tm;
	gmtime_r(&tt, &tm);
	strftime(out, 32, "%d %b %Y", &tm);
}

void web_format_size(int64_t n, char out[32])
{
	if (n < 1024)
		snprintf(out, 32, "%lld bytes", (long long)n);
	else if (n < 1024 * 1024)
		snprintf(out, 32, "%lld KB", (long long)((n + 1023) / 1024));
	else
		snprintf(out, 32, "%.1f MB", (double)n / (1024.0 * 1024.0));
}

void web_stylesheet(struct request *req, struct response *res)
{
	(void)req;
	extern const char web_style_css[];
	extern const size_t web_style_css_len;
	res->cacheable = true;
	respond(res, 200, "text/css; charset=utf-8", web_style_css, web_style_css_len);
}

void web_home(struct request *req, struct response *res)
{
	if (!req->authenticated) {
		respond_redirect(req, res, "/login");
		return;
	}
	if (web_app_resume(req, res))
		return;
	if (req->actor.role == ROLE_PATIENT) {
		respond_redirect(req, res, "/documents");
		return;
	}
	if (req->actor.role == ROLE_CLINICIAN) {
		respond_redirect(req, res, "/patients");
		return;
	}
	if (req->actor.role == ROLE_OPERATOR) {
		respond_redirect(req, res, "/operator");
		return;
	}
	if (req->actor.role == ROLE_PRACTICE_ADMIN) {
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

static void cookie_header(struct request *req, struct response *res, const char *name,
			  const char *value, int max_age)
{
	char *c = max_age > 0
			  ? arena_printf(&req->arena, "%s=%s; Path=/; Secure; HttpOnly; SameSite=Strict; "
						      "Max-Age=%d", name, value, max_age)
			  : arena_printf(&req->arena, "%s=%s; Path=/; Secure; HttpOnly; SameSite=Strict%s",
					 name, value, max_age == 0 ? "; Max-Age=0" : "");
	if (c)
		response_header(res, "Set-Cookie", c);
}

/* The device cookie's id (src/auth/device.c) when the request carries exactly one that is
 * well-formed; NULL otherwise (then the login counts against the shared allowance). */
static const char *device_cookie(struct request *req)
{
	const char *cookie = request_header(req, "Cookie");
	struct slice v;
	uint8_t raw[TOKEN_BYTES];
	if (cookie == NULL || cookie_find(cookie, strlen(cookie), DEVICE_COOKIE, &v) != 0 ||
	    token_decode(v.ptr, v.len, raw) != 0)
		return NULL;
	explicit_bzero(raw, sizeof(raw));
	return arena_strndup(&req->arena, v.ptr, v.len);
}

/* A sign-in is complete (password, and the second factor when due): this browser becomes (or
 * stays) a known device of the account, with its own login allowance. */
static void device_remember(struct request *req, struct response *res, const struct id *account)
{
	char value[TOKEN_B64_LEN + 1];
	if (auth_device_remember(account, device_cookie(req), value) == 0)
		cookie_header(req, res, DEVICE_COOKIE, value, DEVICE_COOKIE_SECONDS);
}

static void login_page(struct request *req, struct response *res, int status, const char *error,
		       const char *email)
{
	char token[TOKEN_B64_LEN + 1];
	uint8_t raw[TOKEN_BYTES];
	token_new(token, raw);
	cookie_header(req, res, LOGIN_COOKIE, token, -1);
	struct buf *b = page_buf(req);
	html_begin(b, "Log in", NULL, NULL);
	html_raw(b, "<h1>Log in to your health record</h1>");
	if (error) {
		html_raw(b, "<p class=\"error\" role=\"alert\">");
		html_text(b, error);
		html_raw(b, "</p>");
	}
	html_raw(b, "<form method=\"post\" action=\"/login\" class=\"card\">"
		    "<input type=\"hidden\" name=\"csrf\" value=\"");
	html_text(b, token);
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
	login_page(req, res, 200, NULL, NULL);
}

int web_parse_form(struct request *req, struct form_field *fields, size_t *n)
{
	const char *ct = req->content_type;
	if (ct == NULL || strncmp(ct, "application/x-www-form-urlencoded", 33) != 0)
		return -2;
	return form_parse(req->body.data ? req->body.data : "", req->body.len, &req->arena, fields,
			  LIMIT_FORM_FIELDS, n);
}

bool web_form_accepted(struct request *req, struct response *res, struct form_field *fields,
		       size_t *n)
{
	const char *csrf = web_parse_form(req, fields, n) == 0 ? form_get(fields, *n, "csrf", NULL) : NULL;
	if (!request_csrf_ok(req, csrf ? csrf : "")) {
		web_error(req, res, 403, "Missing or wrong CSRF token.");
		return false;
	}
	return true;
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
		login_page(req, res, 403, "This login form has expired. Please try again.", NULL);
		return;
	}
	if (email == NULL || password == NULL) {
		login_page(req, res, 400, "Enter your email and password.", NULL);
		return;
	}
	struct login_result lr;
	int rc = auth_login(email, elen, password, plen, req->ip, request_header(req, "User-Agent"),
			    device_cookie(req), &lr);
	if (rc == AUTH_THROTTLED) {
		login_page(req, res, 429,
			   "Too many attempts. Wait 15 minutes, or reset your password.", email);
		return;
	}
	if (rc == AUTH_LOCKED) {
		/* Only after the right password: a wrong one answers as for any account. */
		char *msg = arena_printf(&req->arena,
					 "This account is paused for review because of unusual "
					 "activity, so it cannot be signed in to for now. To have it "
					 "reviewed and opened again, contact %s.",
					 lr.contact);
		login_page(req, res, 403, msg ? msg : "This account is paused for review.", email);
		return;
	}
	if (rc == AUTH_UNVERIFIED) {
		login_page(req, res, 403,
			   "Please confirm your email address first: open the link we sent to it. "
			   "(We have just sent a new one.)", email);
		return;
	}
	if (rc != AUTH_OK) {
		login_page(req, res, rc == AUTH_ERROR ? 500 : 401, "Email or password is incorrect.",
			   email);
		return;
	}
	cookie_header(req, res, SESSION_COOKIE, lr.token, -1);
	cookie_header(req, res, LOGIN_COOKIE, "", 0);
	if (!lr.mfa_required)
		device_remember(req, res, &lr.actor.account);
	explicit_bzero(lr.token, sizeof(lr.token));
	respond_redirect(req, res, lr.mfa_required ? "/login/mfa" : "/");
}

void web_logout(struct request *req, struct response *res)
{
	struct form_field fields[LIMIT_FORM_FIELDS];
	size_t n = 0;
	if (!web_form_accepted(req, res, fields, &n))
		return;
	auth_logout(req->token, strlen(req->token), &req->actor);
	cookie_header(req, res, SESSION_COOKIE, "", 0);
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

void web_json(struct request *req, struct response *res, int status, json_t *o)
{
	char *s = o ? json_dumps(o, JSON_COMPACT) : NULL;
	json_decref(o);
	char *copy = s ? arena_strdup(&req->arena, s) : NULL;
	free(s);
	if (copy == NULL) {
		respond(res, 500, "application/json", "{\"error\":\"server_error\"}", 24);
		return;
	}
	respond(res, status, "application/json", copy, strlen(copy));
}

static void document_rows(struct buf *b, const struct document_view *docs, size_t n)
{
	if (n == 0) {
		html_raw(b, "<p class=\"empty\">No documents yet.</p>");
		return;
	}
	html_raw(b, "<ul class=\"docs\">");
	for (size_t i = 0; i < n; i++) {
		char id[ID_HEX_LEN + 1], date[32], size[32];
		id_hex(&docs[i].id, id);
		web_format_date(docs[i].created, date);
		web_format_size(docs[i].size, size);
		html_raw(b, "<li><a href=\"/documents/");
		html_text(b, id);
		html_raw(b, "\">");
		html_text(b, docs[i].title);
		html_raw(b, "</a><span class=\"meta\">");
		html_text(b, document_kind_info(docs[i].kind)->label);
		html_raw(b, " · ");
		html_text(b, date);
		html_raw(b, " · ");
		html_text(b, size);
		html_raw(b, "</span></li>");
	}
	html_raw(b, "</ul>");
}

static void upload_form(struct buf *b, const struct id *patient, const char *csrf, bool staff)
{
	char pid[ID_HEX_LEN + 1];
	id_hex(patient, pid);
	html_raw(b, "<form method=\"post\" enctype=\"multipart/form-data\" class=\"card\" "
		    "action=\"/patients/");
	html_text(b, pid);
	html_raw(b, "/documents\"><h2>");
	html_raw(b, staff ? "Publish a document to this patient" : "Upload a document");
	html_raw(b, "</h2><input type=\"hidden\" name=\"csrf\" value=\"");
	html_text(b, csrf);
	html_raw(b, "\">");
	if (staff) {
		html_raw(b, "<label for=\"kind\">Kind</label><select id=\"kind\" name=\"kind\">");
		for (int k = 0; k < DOC_KIND_COUNT; k++) {
			if (k == DOC_PATIENT_UPLOAD)
				continue;
			html_raw(b, "<option value=\"");
			html_text(b, document_kind_info((enum document_kind)k)->slug);
			html_raw(b, "\">");
			html_text(b, document_kind_info((enum document_kind)k)->label);
			html_raw(b, "</option>");
		}
		html_raw(b, "</select>");
	}
	html_raw(b, "<label for=\"title\">Title</label><input id=\"title\" name=\"title\" "
		    "required maxlength=\"1000\"><label for=\"file\">File (PDF, PNG or JPEG, up to "
		    "20 MB)</label><input id=\"file\" name=\"file\" type=\"file\" required "
		    "accept=\"application/pdf,image/png,image/jpeg\"><button type=\"submit\">");
	html_raw(b, staff ? "Publish" : "Upload");
	html_raw(b, "</button></form>");
}

/* A sign-in from a device new to this account, in the last week, other than this one. */
static void new_device_box(struct request *req, struct buf *b)
{
	struct store_session *ss;
	size_t n = 0;
	if (auth_sessions_list(&req->actor, &req->arena, &ss, &n) != AUTH_OK)
		return;
	int64_t week_ago = (int64_t)time(NULL) - 7 * 24 * 3600;
	for (size_t i = 0; i < n; i++) {
		if (!ss[i].new_device || ss[i].created < week_ago || id_eq(&ss[i].id, &req->actor.session))
			continue;
		char date[32];
		web_format_date(ss[i].created, date);
		html_raw(b, "<p class=\"status warn\" role=\"status\">New sign-in from ");
		html_text(b, ss[i].device);
		html_raw(b, " on ");
		html_text(b, date);
		html_raw(b, ". Not you? <a href=\"/sessions\">End that session</a> and change your "
			    "password.</p>");
		return;
	}
}

/* The security status box on a patient's home page. */
static void security_box(struct request *req, struct buf *b)
{
	struct notice_view *ns = NULL;
	size_t n = 0;
	if (notice_list(&req->actor, &req->actor.patient, &req->arena, &ns, &n) != DOMAIN_OK)
		return;
	if (n == 0) {
		html_raw(b, "<section class=\"status ok\" aria-labelledby=\"security\"><h2 id=\"security\">"
			    "Security status</h2><p>No security incident has involved your record. "
			    "<a href=\"/security\">How we protect it</a></p></section>");
		return;
	}
	char date[32];
	web_format_date(ns[0].created, date);
	html_raw(b, "<section class=\"status warn\" aria-labelledby=\"security\"><h2 id=\"security\">"
		    "Security status</h2><p>A security incident involved your record (notice of ");
	html_text(b, date);
	html_raw(b, ", reference <strong>");
	html_text(b, ns[0].reference);
	html_raw(b, "</strong>). <a href=\"/security\">See what happened and what you can do</a></p>"
		    "</section>");
}

void web_my_documents(struct request *req, struct response *res)
{
	/* The record being viewed: their own, or one they hold proxy access to. */
	if (!req->actor.has_record) {
		respond_redirect(req, res, "/proxies");
		return;
	}
	const struct id *record = &req->actor.record;
	bool own = req->actor.has_patient && id_eq(record, &req->actor.patient);
	struct document_view *docs = NULL;
	size_t n = 0;
	int rc = document_list(&req->actor, record, &req->arena, &docs, &n);
	/* A held record whose grant does not cover documents: say so, keep the switcher. */
	bool no_scope = !own && (rc == DOMAIN_NOT_FOUND || rc == DOMAIN_OUT_OF_SCOPE);
	if (rc != DOMAIN_OK && !no_scope) {
		web_domain_refusal(req, res, rc, "There is no such page.");
		return;
	}
	struct buf *b = page_buf(req);
	html_begin(b, own ? "My documents" : "Documents", &req->actor, req->csrf);
	if (own)
		security_box(req, b);
	new_device_box(req, b);
	if (!req->actor.mfa_enrolled)
		html_raw(b, "<p class=\"status warn\">Protect your record: <a href=\"/mfa/setup\">turn on "
			    "two-step sign-in</a>, so a stolen password alone opens nothing.</p>");
	if (own)
		html_raw(b, "<h1>My documents</h1><p class=\"lead\">Letters, summaries and reports from "
			    "your practice, and files you have uploaded.</p>");
	else
		html_raw(b, "<h1>Documents</h1><p class=\"lead\">Of the record you are viewing as a "
			    "family member or carer.</p>");
	int switched = web_record_switcher(req, b);
	if (switched != DOMAIN_OK) {
		web_domain_refusal(req, res, switched, "There is no such page.");
		return;
	}
	if (no_scope) {
		html_raw(b, "<p class=\"empty\">Your access to this record does not include documents.</p>");
		html_end(b);
		respond_buf(res, 200, html_type, b);
		return;
	}
	document_rows(b, docs, n);
	upload_form(b, record, req->csrf, false);
	html_end(b);
	respond_buf(res, 200, html_type, b);
}

static int read_document(struct request *req, struct response *res, bool with_body,
			 struct document_view *v)
{
	struct id id;
	int rc = request_param_id(req, 0, &id) == 0
			 ? document_read(&req->actor, &id, with_body, with_body ? "Binary" : "DocumentReference",
					 &req->arena, v)
			 : DOMAIN_NOT_FOUND;
	if (rc != DOMAIN_OK)
		web_domain_refusal(req, res, rc, "There is no such document.");
	return rc;
}

void web_document(struct request *req, struct response *res)
{
	struct document_view v;
	if (read_document(req, res, false, &v) != DOMAIN_OK)
		return;
	char id[ID_HEX_LEN + 1], date[32], size[32], pid[ID_HEX_LEN + 1];
	id_hex(&v.id, id);
	id_hex(&v.patient, pid);
	web_format_date(v.created, date);
	web_format_size(v.size, size);
	struct buf *b = page_buf(req);
	html_begin(b, v.title, &req->actor, req->csrf);
	html_raw(b, "<p><a href=\"");
	if (req->actor.role == ROLE_PATIENT)
		html_raw(b, "/documents\">← My documents");
	else {
		html_raw(b, "/patients/");
		html_text(b, pid);
		html_raw(b, "\">← Patient");
	}
	html_raw(b, "</a></p><h1>");
	html_text(b, v.title);
	html_raw(b, "</h1><dl class=\"facts\"><dt>Kind</dt><dd>");
	html_text(b, document_kind_info(v.kind)->label);
	html_raw(b, "</dd><dt>Date</dt><dd>");
	html_text(b, date);
	html_raw(b, "</dd><dt>File</dt><dd>");
	html_text(b, v.filename);
	html_raw(b, "</dd><dt>Size</dt><dd>");
	html_text(b, size);
	html_raw(b, "</dd></dl><p><a class=\"button\" href=\"/documents/");
	html_text(b, id);
	html_raw(b, "/download\" download>Download</a></p>");
	html_end(b);
	respond_buf(res, 200, html_type, b);
}

void web_send_download(struct request *req, struct response *res, const struct document_view *v)
{
	/* Only a safe, ASCII file name goes in the header; anything else becomes "document". */
	char name[LIMIT_FILENAME + 1];
	size_t j = 0;
	for (const char *p = v->filename; p && *p && j < LIMIT_FILENAME; p++) {
		unsigned char c = (unsigned char)*p;
		name[j++] = ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
			     c == '.' || c == '-' || c == '_')
				    ? (char)c
				    : '_';
	}
	name[j] = '\0';
	char *cd = arena_printf(&req->arena, "attachment; filename=\"%s\"", j ? name : "document");
	if (cd)
		response_header(res, "Content-Disposition", cd);
	res->csp = CSP_DOWNLOAD;
	respond(res, 200, v->content_type, v->data, v->data_len);
}

void web_document_download(struct request *req, struct response *res)
{
	struct document_view v;
	if (read_document(req, res, true, &v) != DOMAIN_OK)
		return;
	web_send_download(req, res, &v);
}

void web_patients(struct request *req, struct response *res)
{
	/* The register a page at a time, in the order patients enrolled. */
	int64_t page = 1;
	const char *pq = request_query(req, "page");
	if (pq && parse_int64(pq, 1, LIMIT_REGISTER_PAGES, &page) != 0) {
		web_error(req, res, 400, "There is no such page of the register.");
		return;
	}
	struct patient_view *ps = NULL;
	size_t n = 0;
	int rc = patient_list_visible(&req->actor, (size_t)(page - 1) * LIMIT_REGISTER_PAGE,
				      LIMIT_REGISTER_PAGE + 1, &req->arena, &ps, &n);
	if (rc != DOMAIN_OK) {
		web_domain_refusal(req, res, rc, "There is no such page.");
		return;
	}
	bool more = n > LIMIT_REGISTER_PAGE;
	if (more)
		n = LIMIT_REGISTER_PAGE;
	struct buf *b = page_buf(req);
	html_begin(b, "Patients", &req->actor, req->csrf);
	html_raw(b, "<h1>Patients</h1>");
	if (page > 1 || more)
		buf_printf(b, "<p class=\"lead\">Page %lld, patients %lld to %lld in the order they "
			      "enrolled.</p>",
			   (long long)page, (long long)((page - 1) * LIMIT_REGISTER_PAGE + (n ? 1 : 0)),
			   (long long)((page - 1) * LIMIT_REGISTER_PAGE + (int64_t)n));
	if (n == 0)
		html_raw(b, "<p class=\"empty\">No patients to show.</p>");
	else
		html_raw(b, "<table class=\"list\"><thead><tr><th scope=\"col\">Name</th>"
			    "<th scope=\"col\">NHI</th><th scope=\"col\">Born</th></tr></thead><tbody>");
	for (size_t i = 0; i < n; i++) {
		char id[ID_HEX_LEN + 1];
		id_hex(&ps[i].id, id);
		html_raw(b, "<tr><td><a href=\"/patients/");
		html_text(b, id);
		html_raw(b, "\">");
		html_text(b, ps[i].family);
		html_raw(b, ", ");
		html_text(b, ps[i].given);
		html_raw(b, "</a></td><td>");
		html_text(b, ps[i].nhi);
		html_raw(b, "</td><td>");
		html_text(b, ps[i].birth_date);
		html_raw(b, "</td></tr>");
	}
	if (n)
		html_raw(b, "</tbody></table>");
	if (page > 1 || more) {
		html_raw(b, "<nav aria-label=\"Register pages\" class=\"pager\">");
		if (page > 1)
			buf_printf(b, "<a rel=\"prev\" href=\"/patients?page=%lld\">Previous page</a> ",
				   (long long)(page - 1));
		if (more)
			buf_printf(b, "<a rel=\"next\" href=\"/patients?page=%lld\">Next page</a>",
				   (long long)(page + 1));
		html_raw(b, "</nav>");
	}
	html_end(b);
	respond_buf(res, 200, html_type, b);
}

void web_patient(struct request *req, struct response *res)
{
	struct id pid;
	struct patient_view p;
	int rc = request_param_id(req, 0, &pid) == 0
			 ? patient_read(&req->actor, &pid, &req->arena, &p)
			 : DOMAIN_NOT_FOUND;
	struct document_view *docs = NULL;
	size_t n = 0;
	bool known = rc == DOMAIN_OK;
	if (known)
		rc = document_list(&req->actor, &pid, &req->arena, &docs, &n);
	/* A practice admin has the register, not the record: the details and the invitation. */
	bool register_only = known && rc == DOMAIN_NOT_FOUND &&
			     req->actor.role == ROLE_PRACTICE_ADMIN;
	if (rc != DOMAIN_OK && !register_only) {
		web_domain_refusal(req, res, rc, "There is no such patient.");
		return;
	}
	struct buf *b = page_buf(req);
	char pid_hex[ID_HEX_LEN + 1];
	id_hex(&pid, pid_hex);
	const char *title = arena_printf(&req->arena, "%s, %s", p.family, p.given);
	html_begin(b, title ? title : "Patient", &req->actor, req->csrf);
	html_raw(b, "<p><a href=\"/patients\">← Patients</a></p><h1>");
	html_text(b, title);
	html_raw(b, "</h1><dl class=\"facts\"><dt>NHI</dt><dd>");
	html_text(b, p.nhi);
	html_raw(b, "</dd><dt>Born</dt><dd>");
	html_text(b, p.birth_date);
	html_raw(b, "</dd><dt>Practice</dt><dd>");
	html_text(b, p.practice_name ? p.practice_name : "-");
	if (register_only) {
		html_raw(b, "</dd></dl><p><a href=\"/patients/");
		html_text(b, pid_hex);
		html_raw(b, "/invite\">Invite this patient to use the portal</a></p>");
		html_end(b);
		respond_buf(res, 200, html_type, b);
		return;
	}
	html_raw(b, "</dd></dl><p><a href=\"/patients/");
	html_text(b, pid_hex);
	html_raw(b, "/medications\">Medications and repeat requests</a></p><p><a href=\"/patients/");
	html_text(b, pid_hex);
	html_raw(b, "/messages\">Messages with this patient</a></p><p><a href=\"/patients/");
	html_text(b, pid_hex);
	html_raw(b, "/invite\">Invite this patient to use the portal</a></p><p><a href=\"/patients/");
	html_text(b, pid_hex);
	html_raw(b, "/proxies\">Family and carer access</a></p><h2>Documents</h2>");
	document_rows(b, docs, n);
	upload_form(b, &pid, req->csrf, true);
	/* Staff see the patient's results here; patients and proxies have their results page. */
	if (req->actor.role != ROLE_PATIENT && (rc = web_results_section(req, b, &pid)) != DOMAIN_OK) {
		web_domain_refusal(req, res, rc, "There is no such patient.");
		return;
	}
	html_end(b);
	respond_buf(res, 200, html_type, b);
}

static char *slice_dup(struct request *req, struct slice s)
{
	return arena_strndup(&req->arena, s.ptr ? s.ptr : "", s.len);
}

void web_document_upload(struct request *req, struct response *res)
{
	struct multipart_part parts[LIMIT_MULTIPART_PARTS];
	size_t n = 0;
	if (web_multipart(req, res, parts, &n) != 0)
		return;
	const struct multipart_part *title = multipart_get(parts, n, "title");
	const struct multipart_part *file = multipart_get(parts, n, "file");
	const struct multipart_part *kind = multipart_get(parts, n, "kind");
	struct document_new d;
	memset(&d, 0, sizeof(d));
	if (request_param_id(req, 0, &d.patient) != 0) {
		web_error(req, res, 404, "There is no such patient.");
		return;
	}
	if (title == NULL || file == NULL || !file->has_filename) {
		web_error(req, res, 400, "Give a title and choose a file.");
		return;
	}
	d.kind = DOC_PATIENT_UPLOAD;
	if (kind != NULL && document_kind_parse(slice_dup(req, kind->data), &d.kind) != 0) {
		web_error(req, res, 400, "Unknown kind of document.");
		return;
	}
	d.title = slice_dup(req, title->data);
	d.filename = slice_dup(req, file->filename);
	d.data = (const uint8_t *)file->data.ptr;
	d.data_len = file->data.len;
	struct document_view v;
	const char *why = NULL;
	int rc = document_create(&req->actor, &d, &req->arena, &v, &why);
	if (rc == DOMAIN_INVALID || (rc == DOMAIN_FULL && why)) {
		web_error(req, res, rc == DOMAIN_FULL ? 507 : 400,
			  why ? why : "The document was not accepted.");
		return;
	}
	if (rc != DOMAIN_OK) {
		web_domain_refusal(req, res, rc, "There is no such patient.");
		return;
	}
	char id[ID_HEX_LEN + 1];
	id_hex(&v.id, id);
	const char *loc = arena_printf(&req->arena, "/documents/%s", id);
	respond_redirect(req, res, loc ? loc : "/");
}

/* What a served resource was, in words, using the patient's own document list for titles. */
static void resource_line(struct buf *b, const char *type, const struct id *id,
			  const struct document_view *docs, size_t n)
{
	if (strcmp(type, "Patient") == 0) {
		html_raw(b, "<li>Your name, date of birth, gender and NHI number</li>");
		return;
	}
	if (strcmp(type, "DiagnosticReport") == 0 || strcmp(type, "Observation") == 0) {
		char rid[ID_HEX_LEN + 1];
		id_hex(id, rid);
		html_raw(b, "<li><a href=\"/results/");
		html_text(b, rid);
		html_raw(b, "\">A lab result</a> (its values and comments)</li>");
		return;
	}
	/* the other kinds, in words (no link: what was read may have changed since) */
	static const struct {
		const char *type, *words;
	} kinds[] = {
		{"MedicationRequest", "A medicine or repeat prescription request"},
		{"Appointment", "An appointment (when, with whom, and its reason)"},
		{"MessageThread", "A conversation with your practice (its subject)"},
		{"Communication", "A message to or from your practice (its text)"},
		{"AuditEvent", "Your access log (who looked at your record, and when)"},
		{"ProxyGrant", "Who has family or carer access to your record"},
		{"Bundle", "A copy of your whole record (an export)"},
	};
	for (size_t k = 0; k < sizeof(kinds) / sizeof(kinds[0]); k++)
		if (strcmp(type, kinds[k].type) == 0) {
			html_raw(b, "<li>");
			html_text(b, kinds[k].words);
			html_raw(b, "</li>");
			return;
		}
	const char *title = NULL;
	for (size_t i = 0; i < n; i++)
		if (id_eq(&docs[i].id, id))
			title = docs[i].title;
	char hex[ID_HEX_LEN + 1];
	id_hex(id, hex);
	html_raw(b, "<li>");
	if (title) {
		html_raw(b, "<a href=\"/documents/");
		html_text(b, hex);
		html_raw(b, "\">");
		html_text(b, title);
		html_raw(b, "</a>");
	} else {
		html_raw(b, "A document that is no longer on the portal");
	}
	html_raw(b, strcmp(type, "Binary") == 0 ? " (the file itself)" : " (its title and details)");
	html_raw(b, "</li>");
}

void web_security(struct request *req, struct response *res)
{
	if (!req->actor.has_patient) {
		respond_redirect(req, res, "/");
		return;
	}
	struct notice_view *ns = NULL;
	struct document_view *docs = NULL;
	size_t n = 0, nd = 0;
	int rc = notice_list(&req->actor, &req->actor.patient, &req->arena, &ns, &n);
	if (rc == DOMAIN_OK && n > 0)
		rc = document_list(&req->actor, &req->actor.patient, &req->arena, &docs, &nd);
	if (rc != DOMAIN_OK) {
		web_domain_refusal(req, res, rc, "There is no such page.");
		return;
	}
	const char *ref = request_query(req, "reference");
	struct buf *b = page_buf(req);
	html_begin(b, "Security", &req->actor, req->csrf);
	html_raw(b, "<h1>Security</h1>");
	html_raw(b, "<form method=\"get\" action=\"/security\" class=\"card\"><h2>Check a reference</h2>"
		    "<p>Got an email about your record? Enter its reference. Ours always appear here.</p>"
		    "<label for=\"reference\">Reference</label><input id=\"reference\" name=\"reference\" "
		    "maxlength=\"20\" placeholder=\"MK-XXXX-XXXX\"><button type=\"submit\">Check</button></form>");
	if (ref != NULL && ref[0] != '\0') {
		bool genuine = false;
		for (size_t i = 0; i < n; i++)
			genuine |= strcmp(ns[i].reference, ref) == 0;
		html_raw(b, genuine ? "<p class=\"status ok\" role=\"status\">This reference is genuine: "
				      "we sent it to you, and its notice is below.</p>"
				    : "<p class=\"error\" role=\"alert\">We did not send this reference to you. "
				      "Do not reply to that message or follow its links.</p>");
	}
	if (n == 0)
		html_raw(b, "<p>No security incident has involved your record.</p>");
	for (size_t i = 0; i < n; i++) {
		char date[32];
		web_format_date(ns[i].created, date);
		html_raw(b, "<article class=\"card notice\"><h2>Notice of ");
		html_text(b, date);
		html_raw(b, "</h2><p>Reference <strong>");
		html_text(b, ns[i].reference);
		html_raw(b, "</strong></p><h3>What happened</h3><p>");
		html_text(b, ns[i].what);
		html_raw(b, "</p><p>Between ");
		html_text(b, ns[i].first_served);
		html_raw(b, " and ");
		html_text(b, ns[i].last_served);
		html_raw(b, " (UTC), these parts of your record were shown to someone who should not have "
			    "seen them:</p><ul>");
		for (size_t k = 0; k < ns[i].n_resources; k++)
			resource_line(b, ns[i].resource_types[k], &ns[i].resource_ids[k], docs, nd);
		html_raw(b, "</ul><h3>What you can do</h3><p>");
		html_text(b, ns[i].actions);
		html_raw(b, "</p><h3>Whom to contact</h3><p>");
		html_text(b, ns[i].contact);
		html_raw(b, "</p></article>");
	}
	html_raw(b, "<h2>How we protect your record</h2><p>Your documents and details are encrypted "
		    "with a key of your own. Every access is recorded, and a safeguard stops anyone "
		    "reading more than their role needs.</p>");
	html_end(b);
	respond_buf(res, 200, html_type, b);
}

/* --- second factor --- */

static void mfa_code_form(struct buf *b, const char *action, const char *csrf, const char *label,
			  const char *button)
{
	html_raw(b, "<form method=\"post\" class=\"card\" action=\"");
	html_raw(b, action);
	html_raw(b, "\"><input type=\"hidden\" name=\"csrf\" value=\"");
	html_text(b, csrf);
	html_raw(b, "\"><label for=\"code\">");
	html_text(b, label);
	html_raw(b, "</label><input id=\"code\" name=\"code\" autocomplete=\"one-time-code\" "
		    "required maxlength=\"20\" autofocus><button type=\"submit\">");
	html_text(b, button);
	html_raw(b, "</button></form>");
}

static void mfa_page(struct request *req, struct response *res, int status, const char *error)
{
	struct buf *b = page_buf(req);
	html_begin(b, "Two-step sign-in", NULL, NULL);
	html_raw(b, "<h1>Two-step sign-in</h1><p class=\"lead\">Enter the 6-digit code from your "
		    "authenticator app, or one of your recovery codes.</p>");
	if (error) {
		html_raw(b, "<p class=\"error\" role=\"alert\">");
		html_text(b, error);
		html_raw(b, "</p>");
	}
	web_passkey_assert_form(req, b, "/login/mfa");
	mfa_code_form(b, "/login/mfa", req->csrf, "Code", "Continue");
	html_raw(b, "<form method=\"post\" action=\"/logout\"><input type=\"hidden\" name=\"csrf\" value=\"");
	html_text(b, req->csrf);
	html_raw(b, "\"><button type=\"submit\" class=\"link\">Cancel and log out</button></form>");
	html_end(b);
	respond_buf(res, status, html_type, b);
}

void web_mfa_form(struct request *req, struct response *res)
{
	if (req->actor.mfa || !req->actor.mfa_enrolled) {
		respond_redirect(req, res, "/");
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
		cookie_header(req, res, SESSION_COOKIE, lr.token, -1);
		device_remember(req, res, &lr.actor.account);
		explicit_bzero(lr.token, sizeof(lr.token));
		respond_redirect(req, res, "/");
		return;
	}
	const char *code = code_field(req, res);
	if (code == NULL)
		return;
	int rc = auth_mfa_verify(req->token, &req->actor, code, &lr);
	if (rc == AUTH_THROTTLED) {
		mfa_page(req, res, 429, "Too many wrong codes. Wait 15 minutes and try again.");
		return;
	}
	if (rc != AUTH_OK) {
		mfa_page(req, res, 401, "That code is not right, or it was used already.");
		return;
	}
	cookie_header(req, res, SESSION_COOKIE, lr.token, -1);
	device_remember(req, res, &lr.actor.account);
	explicit_bzero(lr.token, sizeof(lr.token));
	respond_redirect(req, res, "/");
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

void web_mfa_setup(struct request *req, struct response *res)
{
	struct buf *b = page_buf(req);
	html_begin(b, "Two-step sign-in", &req->actor, req->csrf);
	html_raw(b, "<h1>Two-step sign-in</h1>");
	const char *change = request_query(req, "change");
	bool replacing = req->actor.mfa_enrolled && change && strcmp(change, "1") == 0;
	if (req->actor.mfa_enrolled && !replacing) {
		html_raw(b, "<p class=\"status ok\">Two-step sign-in is on for your account.</p>"
			    "<p><a href=\"/mfa/setup?change=1\">Move it to a new authenticator app</a></p>");
		web_passkey_manage_section(req, b);
		html_end(b);
		respond_buf(res, 200, html_type, b);
		return;
	}
	/* Replacing a second factor is a sensitive change: a fresh one first (step-up). */
	if (replacing && !web_stepped_up(req, res, "/mfa/setup?change=1"))
		return;
	char secret[TOTP_SECRET_B32_LEN + 1];
	if (auth_mfa_enrol_begin(req->token, &req->actor, secret) != AUTH_OK) {
		web_error(req, res, 500, "Something went wrong on our side. Please try again.");
		return;
	}
	if (req->actor.role != ROLE_PATIENT)
		html_raw(b, "<p class=\"status warn\">Staff accounts need two-step sign-in before they can "
			    "see any patient's record.</p>");
	else if (req->actor.mfa_required)
		html_raw(b, "<p class=\"status warn\">Your practice asks every patient to use two-step "
			    "sign-in. Set it up now to see your record.</p>");
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
	html_raw(b, "</code></p>");
	explicit_bzero(secret, sizeof(secret));
	mfa_code_form(b, "/mfa/setup", req->csrf, "Code from your app", "Turn on");
	html_end(b);
	respond_buf(res, 200, html_type, b);
}

void web_mfa_confirm(struct request *req, struct response *res)
{
	const char *code = code_field(req, res);
	if (code == NULL)
		return;
	if (req->actor.mfa_enrolled && !web_stepped_up(req, res, "/mfa/setup?change=1"))
		return;
	struct login_result lr;
	char codes[RECOVERY_CODES][RECOVERY_CODE_LEN + 1];
	if (auth_mfa_enrol_confirm(req->token, &req->actor, code, &lr, codes) != AUTH_OK) {
		web_error(req, res, 400, "That code is not right. Open the setup page again to start over.");
		return;
	}
	cookie_header(req, res, SESSION_COOKIE, lr.token, -1);
	explicit_bzero(lr.token, sizeof(lr.token));
	struct buf *b = page_buf(req);
	html_begin(b, "Recovery codes", &lr.actor, lr.csrf);
	html_raw(b, "<h1>Two-step sign-in is on</h1><p>Keep these recovery codes somewhere safe. Each "
		    "works once, if you lose your phone. They are shown only now.</p><ul class=\"codes\">");
	for (int i = 0; i < RECOVERY_CODES; i++) {
		html_raw(b, "<li><code>");
		html_text(b, codes[i]);
		html_raw(b, "</code></li>");
	}
	explicit_bzero(codes, sizeof(codes));
	html_raw(b, "</ul><p><a class=\"button\" href=\"/\">Continue</a></p>");
	html_end(b);
	respond_buf(res, 200, html_type, b);
}

void web_operator(struct request *req, struct response *res)
{
	struct audit_record *alerts = NULL;
	size_t n = 0;
	int rc = alerts_list(&req->actor, &req->arena, &alerts, &n);
	if (rc != DOMAIN_OK) {
		web_domain_refusal(req, res, rc, "There is no such page.");
		return;
	}
	struct buf *b = page_buf(req);
	html_begin(b, "Alerts", &req->actor, req->csrf);
	html_raw(b, "<h1>Alerts</h1><p class=\"lead\">Accounts the exfiltration breaker stopped. Each "
		    "is locked with its sessions revoked until reviewed. <code>medkeep incident report "
		    "--session ID</code> lists what it was served.</p>");
	if (n == 0)
		html_raw(b, "<p class=\"status ok\">No account has been stopped.</p>");
	else
		html_raw(b, "<table class=\"list\"><thead><tr><th scope=\"col\">When (UTC)</th>"
			    "<th scope=\"col\">Account</th><th scope=\"col\">Session</th>"
			    "<th scope=\"col\">Address</th></tr></thead><tbody>");
	for (size_t i = 0; i < n; i++) {
		char when[32];
		time_t t = (time_t)(alerts[i].ts_ms / 1000);
		struct tm tm;
		gmtime_r(&t, &tm);
		strftime(when, sizeof(when), "%Y-%m-%d %H:%M:%S", &tm);
		html_raw(b, "<tr><td>");
		html_text(b, when);
		html_raw(b, "</td><td><code>");
		html_text(b, alerts[i].actor);
		html_raw(b, "</code></td><td><code>");
		html_text(b, alerts[i].session);
		html_raw(b, "</code></td><td>");
		html_text(b, alerts[i].ip);
		html_raw(b, "</td></tr>");
	}
	if (n)
		html_raw(b, "</tbody></table>");
	web_operator_locks(req, b); /* pages_locks.c: each lock, for review */
	html_end(b);
	respond_buf(res, 200, html_type, b);
}

/* --- sessions --- */

void web_sessions(struct request *req, struct response *res)
{
	struct store_session *ss;
	size_t n = 0;
	if (auth_sessions_list(&req->actor, &req->arena, &ss, &n) != AUTH_OK) {
		web_error(req, res, 500, "Something went wrong on our side. Please try again.");
		return;
	}
	struct buf *b = page_buf(req);
	html_begin(b, "Sessions", &req->actor, req->csrf);
	html_raw(b, "<h1>Where you are signed in</h1><ul class=\"docs\">");
	for (size_t i = 0; i < n; i++) {
		char id[ID_HEX_LEN + 1], created[32], seen[32];
		id_hex(&ss[i].id, id);
		web_format_date(ss[i].created, created);
		web_format_date(ss[i].last_seen, seen);
		bool current = id_eq(&ss[i].id, &req->actor.session);
		html_raw(b, "<li><strong>");
		html_text(b, ss[i].device[0] ? ss[i].device : "Unknown device");
		html_raw(b, current ? "</strong> (this session)" : "</strong>");
		html_raw(b, "<span class=\"meta\">From ");
		html_text(b, ss[i].ip[0] ? ss[i].ip : "an unknown address");
		html_raw(b, " · signed in ");
		html_text(b, created);
		html_raw(b, " · last seen ");
		html_text(b, seen);
		html_raw(b, "</span>");
		if (!current) {
			html_raw(b, "<form method=\"post\" action=\"/sessions/");
			html_text(b, id);
			html_raw(b, "/revoke\"><input type=\"hidden\" name=\"csrf\" value=\"");
			html_text(b, req->csrf);
			html_raw(b, "\"><button type=\"submit\">End this session</button></form>");
		}
		html_raw(b, "</li>");
	}
	html_raw(b, "</ul><form method=\"post\" action=\"/sessions/end-all\" class=\"card\">"
		    "<input type=\"hidden\" name=\"csrf\" value=\"");
	html_text(b, req->csrf);
	html_raw(b, "\"><p>Lost a phone, or signed in somewhere you should not have? This ends every "
		    "session, this one too, and every app's access.</p>"
		    "<button type=\"submit\">Sign out everywhere</button></form>"
		    "<p><a href=\"/mfa/setup\">Two-step sign-in and passkeys</a></p>");
	html_end(b);
	respond_buf(res, 200, html_type, b);
}

void web_session_revoke(struct request *req, struct response *res)
{
	struct form_field fields[LIMIT_FORM_FIELDS];
	size_t n = 0;
	if (!web_form_accepted(req, res, fields, &n))
		return;
	struct id sid;
	/* Only the account's own sessions: anything else is not found. */
	if (request_param_id(req, 0, &sid) != 0 || auth_session_revoke(&req->actor, &sid) != AUTH_OK) {
		web_error(req, res, 404, "There is no such session.");
		return;
	}
	respond_redirect(req, res, "/sessions");
}

void web_sessions_end_all(struct request *req, struct response *res)
{
	struct form_field fields[LIMIT_FORM_FIELDS];
	size_t n = 0;
	if (!web_form_accepted(req, res, fields, &n))
		return;
	if (auth_sessions_end_all(&req->actor) != AUTH_OK) {
		web_error(req, res, 500, "Something went wrong on our side. Please try again.");
		return;
	}
	cookie_header(req, res, SESSION_COOKIE, "", 0);
	web_app_request_forget(req, res);
	respond_redirect(req, res, "/login");
}

void web_cookie(struct request *req, struct response *res, const char *name, const char *value,
		int max_age)
{
	cookie_header(req, res, name, value, max_age);
}

/* --- shared with each part's pages (web_int.h) --- */

int web_multipart(struct request *req, struct response *res, struct multipart_part *parts, size_t *n)
{
	struct slice boundary;
	const char *ct = req->content_type;
	*n = 0;
	if (ct == NULL || multipart_boundary(ct, strlen(ct), &boundary) != 0) {
		web_error(req, res, 415, "Send the upload form as multipart/form-data.");
		return -1;
	}
	if (multipart_parse(req->body.data ? req->body.data : "", req->body.len, boundary, parts,
			    LIMIT_MULTIPART_PARTS, n) != 0) {
		web_error(req, res, 400, "The upload could not be read.");
		return -1;
	}
	const struct multipart_part *csrf = multipart_get(parts, *n, "csrf");
	if (csrf == NULL || !request_csrf_ok(req, slice_dup(req, csrf->data))) {
		web_error(req, res, 403, "Missing or wrong CSRF token.");
		return -1;
	}
	return 0;
}

const char *web_part_text(struct request *req, const struct multipart_part *parts, size_t n,
			  const char *name)
{
	const struct multipart_part *p = multipart_get(parts, n, name);
	return p ? slice_dup(req, p->data) : "";
}

const struct id *web_record(const struct request *req)
{
	return req->actor.has_record ? &req->actor.record : &req->actor.patient;
}
