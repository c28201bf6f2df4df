/*
 * "Your details" (docs/internals/DETAILS.md): the demographics the practice holds, read-only,
 * and the contact details the patient keeps (phones, postal address), editable. The same page
 * for a proxy on a held record, whose grant must cover the whole record to see or change the
 * contact details (policy_sees_contact; the gate decides the change). The contact form's
 * pieces are shared with the practice's correction page (web_contact_form).
 */
#include <string.h>

#include "domain/details.h"
#include "domain/domain.h"
#include "http/parse.h"
#include "limits.h"
#include "web/html.h"
#include "web/web.h"
#include "web/web_int.h"

/* How each field is typed: the browser's autofill token and its input's attributes. */
static const char *const field_attrs[DF_COUNT] = {
	[DF_MOBILE] = "type=\"tel\" autocomplete=\"mobile tel\" maxlength=\"20\" class=\"short\"",
	[DF_PHONE] = "type=\"tel\" autocomplete=\"home tel\" maxlength=\"20\" class=\"short\"",
	[DF_LINE1] = "autocomplete=\"address-line1\" maxlength=\"60\"",
	[DF_LINE2] = "autocomplete=\"address-line2\" maxlength=\"60\"",
	[DF_SUBURB] = "autocomplete=\"address-level3\" maxlength=\"60\"",
	[DF_CITY] = "autocomplete=\"address-level2\" maxlength=\"60\"",
	[DF_POSTCODE] = ("autocomplete=\"postal-code\" inputmode=\"numeric\" maxlength=\"4\" "
			 "class=\"short\""),
};

static const char *const field_hints[DF_COUNT] = {
	[DF_MOBILE] = "A New Zealand number, like 021 123 4567.",
	[DF_PHONE] = "Home or work, like 09 123 4567.",
};

static void contact_field(struct buf *b, const struct contact_details *c, const char *const why[DF_COUNT],
			  enum details_field f)
{
	const char *name = details_field_name(f);
	html_raw(b, "<div class=\"field\"><label for=\"");
	html_raw(b, name);
	html_raw(b, "\">");
	html_raw(b, details_field_label(f));
	html_raw(b, "</label>");
	if (field_hints[f])
		buf_printf(b, "<p class=\"hint\" id=\"%s-hint\">%s</p>", name, field_hints[f]);
	if (why[f]) {
		buf_printf(b, "<p class=\"field-error\" id=\"%s-error\"><span class=\"visually-hidden\">"
			      "Error: </span>", name);
		html_text(b, why[f]);
		html_raw(b, "</p>");
	}
	buf_printf(b, "<input id=\"%s\" name=\"%s\" %s", name, name, field_attrs[f]);
	bool hint = field_hints[f] != NULL;
	if (hint || why[f]) {
		html_raw(b, " aria-describedby=\"");
		if (hint)
			buf_printf(b, "%s-hint", name);
		if (why[f])
			buf_printf(b, "%s%s-error", hint ? " " : "", name);
		html_raw(b, "\"");
	}
	if (why[f])
		html_raw(b, " aria-invalid=\"true\"");
	html_raw(b, " value=\"");
	html_text(b, c->field[f]);
	html_raw(b, "\"></div>");
}

void web_contact_form(struct request *req, struct buf *b, const char *action,
		      const struct contact_details *c, const char *const why[], const char *button)
{
	bool wrong = false;
	for (int f = 0; f < DF_COUNT; f++)
		wrong |= why[f] != NULL;
	if (wrong) {
		html_raw(b, "<div class=\"error-summary\" role=\"alert\" aria-labelledby=\"problem\">"
			    "<h2 id=\"problem\">There is a problem</h2><ul>");
		for (int f = 0; f < DF_COUNT; f++)
			if (why[f]) {
				buf_printf(b, "<li><a href=\"#%s\">", details_field_name((enum details_field)f));
				html_text(b, why[f]);
				html_raw(b, "</a></li>");
			}
		html_raw(b, "</ul></div>");
	}
	html_raw(b, "<form method=\"post\" class=\"card\" action=\"");
	html_text(b, action);
	html_raw(b, "\" novalidate>");
	web_csrf_field(b, req->csrf);
	html_raw(b, "<input type=\"hidden\" name=\"part\" value=\"contact\"><fieldset class=\"contact\"><legend>Phone"
		    "</legend>");
	contact_field(b, c, why, DF_MOBILE);
	contact_field(b, c, why, DF_PHONE);
	html_raw(b, "</fieldset><fieldset class=\"contact\"><legend>Postal address</legend>");
	for (int f = DF_LINE1; f < DF_COUNT; f++)
		contact_field(b, c, why, (enum details_field)f);
	html_raw(b, "</fieldset><button type=\"submit\">");
	html_text(b, button);
	html_raw(b, "</button></form>");
}

void web_contact_read(const struct form_field *fields, size_t n, struct contact_details *c)
{
	memset(c, 0, sizeof(*c));
	for (int f = 0; f < DF_COUNT; f++) {
		const char *v = form_get(fields, n, details_field_name((enum details_field)f), NULL);
		c->field[f] = v ? v : "";
	}
}

/* The contact details as facts (<dt>/<dd> pairs), "Not given" for what is missing. */
void web_contact_facts(struct buf *b, const struct contact_details *c)
{
	html_raw(b, "<dt>Mobile</dt><dd>");
	html_text(b, c->field[DF_MOBILE][0] ? c->field[DF_MOBILE] : "Not given");
	html_raw(b, "</dd><dt>Other phone</dt><dd>");
	html_text(b, c->field[DF_PHONE][0] ? c->field[DF_PHONE] : "Not given");
	html_raw(b, "</dd><dt>Postal address</dt><dd>");
	if (c->field[DF_LINE1][0] == '\0')
		html_raw(b, "Not given");
	for (int f = DF_LINE1, first = 1; f < DF_COUNT; f++)
		if (c->field[f][0]) {
			html_raw(b, first ? "" : "<br>");
			html_text(b, c->field[f]);
			first = 0;
		}
	html_raw(b, "</dd>");
}

static void details_page(struct request *req, struct response *res, int status,
			 const struct patient_view *p, const struct contact_details *c,
			 const char *const why[DF_COUNT])
{
	bool own = req->actor.has_patient && id_eq(web_record(req), &req->actor.patient);
	const char *held = own ? NULL : web_held_name(req);
	const char *heading = web_record_heading(req, held, "Your details", "details");
	bool wrong = false;
	for (int f = 0; f < DF_COUNT; f++)
		wrong |= why[f] != NULL;
	const char *title = wrong ? arena_printf(&req->arena, "Error: %s", heading) : heading;
	struct buf *b = page_buf(req);
	html_begin(b, title ? title : heading, &req->actor, req->csrf);
	html_raw(b, "<h1>");
	html_text(b, heading);
	html_raw(b, "</h1>");
	int switched = web_record_switcher(req, b);
	if (switched != ERR_OK) {
		web_domain_refusal(req, res, switched, "There is no such page.");
		return;
	}
	const char *notice = request_query(req, "notice");
	if (notice && strcmp(notice, "saved") == 0 && !wrong)
		html_raw(b, "<p class=\"status ok\" role=\"status\">The contact details are saved.</p>");
	html_raw(b, "<h2>As the practice holds them</h2><dl class=\"facts\"><dt>Name</dt><dd>");
	html_text(b, p->given);
	html_raw(b, " ");
	html_text(b, p->family);
	html_raw(b, "</dd><dt>Born</dt><dd>");
	web_birth_date(b, p->birth_date);
	html_raw(b, "</dd><dt>NHI number</dt><dd>");
	html_text(b, p->nhi);
	html_raw(b, "</dd><dt>Practice</dt><dd>");
	html_text(b, p->practice_name ? p->practice_name : "-");
	html_raw(b, "</dd></dl><p>");
	html_raw(b, own ? "If any of these is wrong, ask your practice to correct it: send them a "
			  "message or tell them at your next visit."
			: "If any of these is wrong, ask the practice to correct it.");
	html_raw(b, "</p><h2>Contact details</h2>");
	if (!c->shown) {
		html_raw(b, "<p class=\"empty\">Phone numbers and the postal address are shown only to "
			    "family members and carers whose access covers the whole record.</p>");
		web_page_end(res, status, b);
		return;
	}
	html_raw(b, "<p class=\"lead\">How the practice can reach ");
	html_raw(b, own ? "you" : "them");
	html_raw(b, ". Only the practice's staff see these. Changes are on record in the access "
		    "log.</p>");
	if (c->updated > 0) {
		html_raw(b, "<p class=\"meta\">Last changed ");
		web_when(b, c->updated);
		html_raw(b, ".</p>");
	}
	web_contact_form(req, b, "/details", c, why, "Save contact details");
	web_page_end(res, status, b);
}

void web_details_mine(struct request *req, struct response *res)
{
	if (!req->actor.has_record) {
		respond_redirect(req, res, "/proxies");
		return;
	}
	struct patient_view p;
	struct contact_details c;
	int rc = details_read(&req->actor, web_record(req), &req->arena, &p, &c);
	if (rc != ERR_OK) {
		web_record_refusal(req, res, rc, "There is no such page.");
		return;
	}
	const char *none[DF_COUNT] = {0};
	details_page(req, res, 200, &p, &c, none);
}

void web_details_save(struct request *req, struct response *res)
{
	struct form_field fields[LIMIT_FORM_FIELDS];
	size_t n = 0;
	if (!web_form_accepted(req, res, fields, &n))
		return;
	if (!req->actor.has_record) {
		web_error(req, res, 404, "There is no such page.");
		return;
	}
	struct contact_details in;
	web_contact_read(fields, n, &in);
	const char *why[DF_COUNT];
	int rc = details_update(&req->actor, web_record(req), &in, &req->arena, why);
	if (rc == ERR_OK) {
		respond_redirect(req, res, "/details?notice=saved");
		return;
	}
	struct patient_view p;
	struct contact_details shown;
	if (rc == ERR_INVALID)
		rc = details_read(&req->actor, web_record(req), &req->arena, &p, &shown);
	if (rc != ERR_OK) {
		web_record_refusal(req, res, rc, "There is no such page.");
		return;
	}
	/* What they typed stays in the form, with what is wrong. */
	in.shown = true;
	in.updated = shown.updated;
	details_page(req, res, 400, &p, &in, why);
}
