/*
 * Recalls on pages: the list (with the patient's appointments, and on a patient's page for
 * their clinician, with the form to set one) and the form's answer. The decisions are in
 * src/domain/recalls.c.
 */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "domain/recalls.h"
#include "http/parse.h"
#include "limits.h"
#include "util/nztime.h"
#include "web/html.h"
#include "web/web.h"
#include "web/web_int.h"

static void set_form(struct request *req, struct buf *b, const struct id *patient)
{
	size_t nk;
	const struct recall_kind *k = recall_kinds(&nk);
	char today[NZ_INPUT_DATE_LEN];
	nz_input_date((int64_t)time(NULL), today, sizeof(today));
	html_raw(b, "<form method=\"post\" class=\"card\" action=\"/patients/");
	web_hex(b, patient);
	html_raw(b, "/recalls\"><h3>Set a recall</h3>");
	web_csrf_field(b, req->csrf);
	html_raw(b, "<label for=\"recall-kind\">For</label><select id=\"recall-kind\" name=\"kind\">");
	for (size_t i = 0; i < nk; i++) {
		html_raw(b, "<option value=\"");
		html_raw(b, k[i].slug);
		html_raw(b, "\">");
		html_text(b, k[i].label);
		html_raw(b, "</option>");
	}
	html_raw(b, "</select><label for=\"recall-due\">Due from</label><input type=\"date\" "
		    "id=\"recall-due\" name=\"due\" required min=\"");
	html_text(b, today);
	html_raw(b, "\"><button type=\"submit\">Set recall</button></form>");
}

int web_recalls_section(struct request *req, struct buf *b, const struct id *patient, bool staff)
{
	struct recall_view *rs = NULL;
	size_t n = 0;
	int rc = recall_list(&req->actor, patient, &req->arena, &rs, &n);
	if (rc != ERR_OK)
		return rc;
	html_raw(b, "<h2>Recalls</h2>");
	if (n == 0)
		html_raw(b, staff ? "<p class=\"empty\">No recalls set.</p>"
				  : "<p class=\"empty\">Your practice has not asked you to come in for "
				    "anything.</p>");
	else
		html_raw(b, "<ul class=\"docs recalls\">");
	for (size_t i = 0; i < n; i++) {
		char d[NZ_DAY_LEN];
		nz_day(rs[i].due, d, sizeof(d));
		html_raw(b, "<li>");
		html_text(b, rs[i].label);
		html_raw(b, rs[i].is_due ? ": due now" : ": due from ");
		if (!rs[i].is_due)
			html_text(b, d);
		html_raw(b, " <span class=\"meta\">");
		html_text(b, rs[i].practice_name);
		html_raw(b, staff ? "</span></li>" : ". Please book an appointment.</span></li>");
	}
	if (n)
		html_raw(b, "</ul>");
	if (staff)
		set_form(req, b, patient);
	return ERR_OK;
}

void web_recall_set(struct request *req, struct response *res)
{
	struct form_field fields[LIMIT_FORM_FIELDS];
	size_t n = 0;
	if (!web_form_accepted(req, res, fields, &n))
		return;
	struct id pid;
	const char *why = NULL;
	int rc = request_param_id(req, 0, &pid) == 0
			 ? recall_set(&req->actor, &pid, form_get(fields, n, "kind", NULL),
				      form_get(fields, n, "due", NULL), &req->arena, &why)
			 : ERR_NOT_FOUND;
	if (rc == ERR_INVALID) {
		web_error(req, res, 400, why ? why : "The recall could not be set.");
		return;
	}
	if (rc != ERR_OK) {
		web_domain_refusal(req, res, rc, "There is no such patient.");
		return;
	}
	char hex[ID_HEX_LEN + 1], to[64];
	id_hex(&pid, hex);
	snprintf(to, sizeof(to), "/patients/%s", hex);
	respond_redirect(req, res, to);
}
