/* Internal to src/web: what the page files (pages_PART.c) share; web.c holds the helpers. */
#ifndef MEDKEEP_WEB_INT_H
#define MEDKEEP_WEB_INT_H
#include <stdbool.h>
#include <stdint.h>

#include <jansson.h>

#include "http/http.h"
#include "http/parse.h"
#include "util/buf.h"
#include "util/text.h"
#include "web/html.h"

extern const char html_type[];

#define SESSION_COOKIE "__Host-medkeep"
#define LOGIN_COOKIE "__Host-medkeep-login"

/* One string of the interface's text (util/text.h, docs/internals/TEXT.md) in the language of
 * the signed-in account (English when signed out). */
const char *web_text(const struct request *req, enum text_id id);
/* A page's heading from the text table: <h1>, the string escaped, </h1>. */
void web_h1(const struct request *req, struct buf *b, enum text_id id);
/* A page's output buffer, from the request's arena (bounded by PAGE_MAX). */
struct buf *page_buf(struct request *req);
/* The page for a domain refusal: 404 with `missing`, 403 when the breaker paused the actor,
 * 410 for an erased record, 500 otherwise. */
void web_domain_refusal(struct request *req, struct response *res, enum err rc, const char *missing);
/*
 * A held record (one a proxy views for someone else; docs/internals/PROXIES.md), named and
 * explained on its pages. web_held_name: the first name of the record the page shows when it
 * is not the actor's own, read through the gate (audited); NULL on the own record. The heading
 * of a patient-role page: `own` ("My results") on the own record, "Nikau's results" on a held
 * one (part: "results"). web_scope_explanation: what the grant covers and whom to ask ("Your
 * access to Nikau's record covers results and appointments. Ask Nikau or the practice to change
 * it."), saying `part` is left out when not NULL. web_record_refusal: the answer to a refusal
 * about the record the page shows: a part a held record's grant leaves out is explained in
 * those words (403: the proxy knows the record, DESIGN.md invariant 2); anything else as
 * web_domain_refusal.
 */
const char *web_held_name(struct request *req);
const char *web_record_heading(struct request *req, const char *held, const char *own, const char *part);
const char *web_scope_explanation(struct request *req, const char *held, const char *part);
void web_record_refusal(struct request *req, struct response *res, enum err rc, const char *missing);
/* "Sun 29 Nov 2026": the New Zealand day of instant t (util/nztime.h). */
void web_format_date(int64_t t, char out[32]);
/* "1.2 MB" and the like. */
void web_format_size(int64_t n, char out[32]);
/* Answer JSON o (stealing the reference); 500 with an OAuth-style error when it cannot. */
void web_json(struct request *req, struct response *res, int status, json_t *o);
/* Parse an application/x-www-form-urlencoded body: 0, -1 malformed, -2 wrong content type. */
int web_parse_form(struct request *req, struct form_field *fields, size_t *n);
/* Set (max_age > 0) or clear (0) a __Host- cookie with the portal's attributes. */
void web_cookie(struct request *req, struct response *res, const char *name, const char *value,
		int max_age);
/* Forget the app request waiting in this browser for a sign-in (src/web/pages_apps.c): sent
 * whenever sessions end (sign out, sign out everywhere, a new password), so the next person
 * to sign in here is not taken to an app's question that someone else left. */
void web_app_request_forget(struct request *req, struct response *res);
/* The patient's apps that can renew their access (refresh tokens), each with a button that
 * ends it, for the Sessions page (pages_apps.c). */
void web_app_families(struct request *req, struct buf *b);
/* Parse a form (LIMIT_FORM_FIELDS fields) and check its CSRF token; when either fails, answer
 * 403 and return false. */
bool web_form_accepted(struct request *req, struct response *res, struct form_field *fields,
		       size_t *n);
/* A multipart form's parts, its CSRF token checked; 0, or -1 with the error answered. */
int web_multipart(struct request *req, struct response *res, struct multipart_part *parts, size_t *n);
/* A slice as a NUL-terminated string in the arena. */
char *web_slice_dup(struct request *req, struct slice s);
/* A part's bytes as a NUL-terminated string in the arena ("" when absent). */
const char *web_part_text(struct request *req, const struct multipart_part *parts, size_t n,
			  const char *name);
/* The record a patient-role page shows: the actor's own, or one held as proxy. */
const struct id *web_record(const struct request *req);

/* A patient's results as a section of their record page (staff; pages_results.c). A DOMAIN_
 * code: on anything but ERR_OK nothing was written to b. */
int web_results_section(struct request *req, struct buf *b, const struct id *patient);
/* The health summary on the clinician's page of a patient (pages_summary.c): a domain rc. */
int web_summary_section(struct request *req, struct buf *b, const struct id *patient);
/* A patient's recalls as a section of a page (pages_recalls.c): with the form to set one when
 * staff (the patient's page for their clinician). A DOMAIN_ code: on anything but ERR_OK
 * nothing was written to b. */
int web_recalls_section(struct request *req, struct buf *b, const struct id *patient, bool staff);
/* On a patient-role page: which record is shown, and buttons to switch between the account's
 * own and the records it holds proxy access to (pages_proxies.c). ERR_OK, or the domain's
 * refusal. */
int web_record_switcher(struct request *req, struct buf *b);
/* Everyone who can open patient's record (proxy_record_logins), each with its End: on the
 * patient's own Family access page (patient_view: sign out everywhere, end a family member's
 * access, disconnect an app) or the practice's patient page (end a family member's access
 * with a reason; apps are listed). An error code, nothing rendered, when refused. */
int web_record_logins(struct request *req, struct buf *b, const struct id *patient, bool patient_view);

/* On the register page, for those who keep the practice's register: the link to enrol a
 * patient and the "Find by NHI" form (pages_register.c). Nothing for anyone else. */
void web_find_nhi_form(struct request *req, struct buf *b);
/* The register search by name and birth date (pages_search.c), with the words searched. */
void web_patient_search_form(struct request *req, struct buf *b, const char *name, const char *born);
struct patient_view;
/* A page read one row more than it shows: whether more follow, *n trimmed to the page. */
static inline bool web_page_trim(size_t *n, size_t page)
{
	bool more = *n > page;
	if (more)
		*n = page;
	return more;
}
/* Patients as a table (name linked to their page, NHI, born), or `empty` when there are none. */
void web_patient_table(struct buf *b, const struct patient_view *ps, size_t n, const char *empty);

/* Small pieces of pages: the hidden CSRF field of a form; an error line (nothing for NULL); an
 * instant, a day and a time in New Zealand ("Mon 7 Dec 2026, 3:52 pm", "Mon 7 Dec 2026",
 * "3:52 pm"); a birth date ("7 Dec 1986", never shifted; as stored when it is not a date); an
 * id in hex; and the page's end with its answer. */
void web_csrf_field(struct buf *b, const char *csrf);
/* A patient's contact details (pages_details.c): the form posting to `action` (with a hidden
 * part=contact), what is wrong shown by each field and in a summary; the fields as posted; and
 * the details as <dt>/<dd> facts. */
struct contact_details;
void web_contact_form(struct request *req, struct buf *b, const char *action,
		      const struct contact_details *c, const char *const why[], const char *button);
void web_contact_read(const struct form_field *fields, size_t n, struct contact_details *c);
void web_contact_facts(struct buf *b, const struct contact_details *c);
/* The button that asks for a patient's move to this practice (POST /practice/transfers), the
 * NHI in a hidden field: never in a URL. */
void web_transfer_ask_button(struct buf *b, const char *csrf, const char *nhi);
/* What the page says when transfer_ask refuses rc, and its status; NULL for a refusal the
 * caller answers as web_domain_refusal does (not found, denied, internal). */
const char *web_transfer_ask_refusal(enum err rc, int *status);
void web_error_box(struct buf *b, const char *error);
void web_when(struct buf *b, int64_t t);
void web_date(struct buf *b, int64_t t);
void web_clock(struct buf *b, int64_t t);
void web_birth_date(struct buf *b, const char *ymd);
void web_hex(struct buf *b, const struct id *id);
void web_page_end(struct response *res, int status, struct buf *b);
/* The record a patient-role page shows: false, and a redirect home, when the actor is not in
 * that audience (a form's answer showing its page again; the pages' own routes are patients'). */
bool web_record_of(struct request *req, struct response *res, struct id *out);

#endif
