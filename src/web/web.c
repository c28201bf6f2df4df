/*
 * The web layer's shared helpers: the page buffer, error pages, dates and sizes, forms and
 * their CSRF check, multipart uploads, cookies, JSON answers and the stylesheet. Pages live in
 * pages_<part>.c, one file per part; each renders into the request arena through html_text
 * (escaped) and html_raw (our own literals). Patient data comes only from the domain layer.
 */
#include <jansson.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "auth/auth.h"
#include "domain/domain.h"
#include "http/parse.h"
#include "limits.h"
#include "policy/route_access.h"
#include "util/nztime.h"
#include "web/html.h"
#include "web/web.h"
#include "web/web_int.h"

#define PAGE_MAX (4u * 1024u * 1024u)

const char html_type[] = "text/html; charset=utf-8";

const char *web_text(const struct request *req, enum text_id id)
{
	return text_get(req->authenticated ? req->actor.lang : LANG_EN, id);
}

void web_h1(const struct request *req, struct buf *b, enum text_id id)
{
	html_raw(b, "<h1>");
	html_text(b, web_text(req, id));
	html_raw(b, "</h1>");
}

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
void web_domain_refusal(struct request *req, struct response *res, enum err rc, const char *missing)
{
	const char *why;
	switch (rc) {
	case ERR_NOT_FOUND:
	case ERR_DENIED:
		why = missing;
		break;
	case ERR_OUT_OF_SCOPE:
		why = "The access you were given to this record does not include this part of it. "
		      "The patient can change what you may see.";
		break;
	case ERR_TRIPPED:
	case ERR_APP_STOPPED:
		why = "Your access has been paused for review because of unusual activity. Please "
		      "contact your practice.";
		break;
	case ERR_GONE:
		why = "This record was erased at the patient's or practice's request and can no "
		      "longer be read.";
		break;
	case ERR_FULL:
		why = "The file was not stored: the storage allowance for uploads is used up. "
		      "Everything already stored can still be read. Please contact your practice.";
		break;
	default:
		rc = ERR_INTERNAL;
		why = "Something went wrong on our side. Please try again.";
		break;
	}
	web_error(req, res, http_status_of(rc), why);
}

/* --- a held record, named (web_int.h) --- */

static bool shows_held(const struct actor *a)
{
	return policy_audience(a, AUD_PATIENT_RECORD) && !a->app &&
	       !(a->has_patient && id_eq(&a->record, &a->patient));
}

const char *web_held_name(struct request *req)
{
	if (!shows_held(&req->actor))
		return NULL;
	return patient_first_name_read(&req->actor, &req->actor.record, &req->arena);
}

const char *web_record_heading(struct request *req, const char *held, const char *own, const char *part)
{
	if (!shows_held(&req->actor))
		return own;
	const char *h = held ? arena_printf(&req->arena, "%s's %s", held, part)
			     : arena_printf(&req->arena, "The %s of the record you are viewing", part);
	return h ? h : own;
}

const char *web_scope_explanation(struct request *req, const char *held, const char *part)
{
	static const unsigned order[] = {SCOPE_DOCUMENTS, SCOPE_RESULTS, SCOPE_MEDICATIONS,
					 SCOPE_APPOINTMENTS, SCOPE_MESSAGES, SCOPE_SUMMARY};
	unsigned scopes = req->actor.record_scopes;
	size_t total = 0, seen = 0;
	for (size_t i = 0; i < sizeof(order) / sizeof(order[0]); i++)
		total += (scopes & order[i]) != 0;
	struct buf b;
	buf_init(&b, &req->arena, LIMIT_EXPLANATION);
	const char *who = held ? held : "this person";
	buf_printf(&b, "Your access to %s's record covers ", who);
	for (size_t i = 0; i < sizeof(order) / sizeof(order[0]); i++) {
		if (!(scopes & order[i]))
			continue;
		seen++;
		buf_printf(&b, "%s%s", seen == 1 ? "" : seen == total ? " and " : ", ",
			   proxy_scope_name(order[i]));
	}
	if (total == 0)
		buf_puts(&b, "nothing any more");
	if (part)
		buf_printf(&b, ", not %s", part);
	buf_printf(&b, ". Ask %s or the practice to change it.", held ? held : "them");
	const char *s = buf_cstr(&b);
	return s ? s : "Your access to this record does not include this part of it.";
}

void web_record_refusal(struct request *req, struct response *res, enum err rc, const char *missing)
{
	if (rc != ERR_OUT_OF_SCOPE || !shows_held(&req->actor)) {
		web_domain_refusal(req, res, rc, missing);
		return;
	}
	web_error(req, res, http_status_of(rc), web_scope_explanation(req, web_held_name(req), NULL));
}

void web_format_date(int64_t t, char out[32])
{
	nz_day(t, out, 32);
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

void web_cookie(struct request *req, struct response *res, const char *name, const char *value,
		int max_age)
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

int web_parse_form(struct request *req, struct form_field *fields, size_t *n)
{
	return request_form(req, fields, n);
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

char *web_slice_dup(struct request *req, struct slice s)
{
	return arena_strndup(&req->arena, s.ptr ? s.ptr : "", s.len);
}


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
	if (csrf == NULL || !request_csrf_ok(req, web_slice_dup(req, csrf->data))) {
		web_error(req, res, 403, "Missing or wrong CSRF token.");
		return -1;
	}
	return 0;
}

const char *web_part_text(struct request *req, const struct multipart_part *parts, size_t n,
			  const char *name)
{
	const struct multipart_part *p = multipart_get(parts, n, name);
	return p ? web_slice_dup(req, p->data) : "";
}

const struct id *web_record(const struct request *req)
{
	return req->actor.has_record ? &req->actor.record : &req->actor.patient;
}

/* --- small pieces of pages (web_int.h) --- */

void web_csrf_field(struct buf *b, const char *csrf)
{
	html_raw(b, "<input type=\"hidden\" name=\"csrf\" value=\"");
	html_text(b, csrf);
	html_raw(b, "\">");
}

void web_error_box(struct buf *b, const char *error)
{
	if (error == NULL)
		return;
	html_raw(b, "<p class=\"error\" role=\"alert\">");
	html_text(b, error);
	html_raw(b, "</p>");
}

void web_when(struct buf *b, int64_t t)
{
	char s[NZ_WHEN_LEN];
	nz_when(t, s, sizeof(s));
	html_text(b, s);
}

void web_date(struct buf *b, int64_t t)
{
	char s[NZ_DAY_LEN];
	nz_day(t, s, sizeof(s));
	html_text(b, s);
}

void web_clock(struct buf *b, int64_t t)
{
	char s[NZ_CLOCK_LEN];
	nz_clock(t, s, sizeof(s));
	html_text(b, s);
}

void web_birth_date(struct buf *b, const char *ymd)
{
	char s[NZ_BIRTH_LEN];
	html_text(b, nz_birth_date(ymd, s, sizeof(s)) == 0 ? s : (ymd ? ymd : ""));
}

void web_hex(struct buf *b, const struct id *id)
{
	char h[ID_HEX_LEN + 1];
	id_hex(id, h);
	html_text(b, h);
}

void web_page_end(struct response *res, int status, struct buf *b)
{
	html_end(b);
	respond_buf(res, status, html_type, b);
}

/* The record a patient-role page shows; false (and a redirect) for others (a form's answer
 * that shows the page again: the routes to the pages themselves are for patients only). */
bool web_record_of(struct request *req, struct response *res, struct id *out)
{
	if (!policy_audience(&req->actor, AUD_PATIENT_RECORD)) {
		respond_redirect(req, res, "/");
		return false;
	}
	*out = req->actor.record;
	return true;
}
