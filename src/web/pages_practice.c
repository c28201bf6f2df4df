/* The practice admin's page: the practice's settings. */
#include <stdio.h>
#include <string.h>

#include "domain/practice.h"
#include "limits.h"
#include "web/web.h"
#include "web/web_int.h"

static void settings_page(struct request *req, struct response *res, const char *notice)
{
	struct store_practice_settings s;
	int rc = practice_settings_read(&req->actor, &req->arena, &s);
	if (rc != ERR_OK) {
		web_domain_refusal(req, res, rc, "There is no such page.");
		return;
	}
	struct buf *b = page_buf(req);
	char count[64];
	html_begin(b, "Practice settings", &req->actor, req->csrf);
	html_raw(b, "<h1>Practice settings</h1><p class=\"lead\">");
	html_text(b, s.name);
	html_raw(b, "</p>");
	if (notice) {
		html_raw(b, "<p class=\"status ok\" role=\"status\">");
		html_text(b, notice);
		html_raw(b, "</p>");
	}
	html_raw(b, "<h2>Two-step sign-in for patients</h2><p>");
	snprintf(count, sizeof(count), "%lld of %lld", (long long)s.patients_with_mfa,
		 (long long)s.patients);
	html_text(b, count);
	html_raw(b, " enrolled patients have turned on two-step sign-in. Staff always need it. When "
		    "you require it of patients, each patient is asked to set it up at their next "
		    "sign-in and reaches nothing of their record until they have.</p>"
		    "<form method=\"post\" action=\"/practice/settings\">"
		    "<input type=\"hidden\" name=\"csrf\" value=\"");
	html_text(b, req->csrf);
	html_raw(b, "\"><p><input type=\"checkbox\" id=\"require-patient-mfa\" "
		    "name=\"require_patient_mfa\" value=\"1\"");
	if (s.require_patient_mfa)
		html_raw(b, " checked");
	html_raw(b, "> <label for=\"require-patient-mfa\">Require two-step sign-in for our "
		    "patients</label></p><p><button type=\"submit\">Save</button></p></form>");
	html_end(b);
	respond_buf(res, 200, html_type, b);
}

void web_practice(struct request *req, struct response *res)
{
	settings_page(req, res, NULL);
}

void web_practice_settings(struct request *req, struct response *res)
{
	struct form_field fields[LIMIT_FORM_FIELDS];
	size_t n = 0;
	if (!web_form_accepted(req, res, fields, &n))
		return;
	const char *on = form_get(fields, n, "require_patient_mfa", NULL);
	int rc = practice_require_patient_mfa(&req->actor, on != NULL && strcmp(on, "1") == 0);
	if (rc != ERR_OK) {
		web_domain_refusal(req, res, rc, "There is no such page.");
		return;
	}
	settings_page(req, res, "Saved.");
}
