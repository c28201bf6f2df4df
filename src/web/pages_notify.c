/*
 * Emails from the practice (docs/internals/NOTICES.md): the page where a person chooses which
 * notices they receive, one form per record (their own, each one they hold as a proxy) or, for
 * a clinician, whether they are told of patients' messages. The choices and who may make them
 * are decided in src/domain/notify.c; this parses, checks CSRF and renders.
 */
#include <stdio.h>
#include <string.h>

#include "domain/notify.h"
#include "http/parse.h"
#include "limits.h"
#include "web/html.h"
#include "web/web.h"
#include "web/web_int.h"

static void record_form(struct request *req, struct buf *b, const struct notify_prefs_view *v,
			size_t index)
{
	static const struct id zero;
	size_t nk;
	const struct notify_kind_info *k = notify_kinds(&nk);
	char legend_id[32];
	snprintf(legend_id, sizeof(legend_id), "rec%zu", index);
	html_raw(b, "<form method=\"post\" action=\"/account/emails\" class=\"card\"><fieldset><legend>");
	html_text(b, id_eq(&v->record, &zero) ? "Emails about your practice"
			   : v->own	       ? "Emails about your own record"
					       : "Emails about a record you hold family access to");
	html_raw(b, "</legend>");
	web_csrf_field(b, req->csrf);
	html_raw(b, "<input type=\"hidden\" name=\"record\" value=\"");
	web_hex(b, &v->record);
	html_raw(b, "\">");
	if (!v->own)
		html_raw(b, "<p class=\"hint\">Off until you turn them on, and only for what the "
			    "access you were given covers.</p>");
	for (size_t i = 0; i < nk; i++) {
		if (!(v->offered & k[i].bit))
			continue;
		char id[64];
		snprintf(id, sizeof(id), "%s-%s", legend_id, k[i].slug);
		html_raw(b, "<div class=\"check\"><input type=\"checkbox\" value=\"1\" id=\"");
		html_raw(b, id);
		html_raw(b, "\" name=\"");
		html_raw(b, k[i].slug);
		html_raw(b, (v->on & k[i].bit) ? "\" checked><label for=\"" : "\"><label for=\"");
		html_raw(b, id);
		html_raw(b, "\">");
		html_text(b, k[i].label);
		html_raw(b, "</label></div>");
	}
	html_raw(b, "</fieldset><button type=\"submit\">Save</button></form>");
}

void web_account_emails(struct request *req, struct response *res)
{
	struct notify_prefs_view *v = NULL;
	size_t n = 0;
	int rc = notify_prefs_list(&req->actor, &req->arena, &v, &n);
	struct buf *b = rc == ERR_OK ? page_buf(req) : NULL;
	if (b == NULL) {
		web_error(req, res, 500, "Something went wrong on our side.");
		return;
	}
	html_begin(b, web_text(req, TEXT_H_EMAILS), &req->actor, req->csrf);
	web_h1(req, b, TEXT_H_EMAILS);
	const char *done = request_query(req, "done");
	if (done && strcmp(done, "1") == 0)
		html_raw(b, "<p class=\"status ok\" role=\"status\">Your choices are saved.</p>");
	html_raw(b, "<p>We email you when something you are waiting for has happened. The email "
		    "names your practice and gives the portal's address; it never says what a "
		    "result, medicine or message is. It goes only to your account's own address.</p>");
	if (n == 0)
		html_raw(b, "<p>There are no emails to choose here.</p>");
	for (size_t i = 0; i < n; i++)
		record_form(req, b, &v[i], i);
	web_page_end(res, 200, b);
}

void web_account_emails_submit(struct request *req, struct response *res)
{
	struct form_field fields[LIMIT_FORM_FIELDS];
	size_t n = 0;
	if (!web_form_accepted(req, res, fields, &n))
		return;
	const char *rec = form_get(fields, n, "record", NULL);
	struct id record;
	if (rec == NULL || id_parse(&record, rec, strlen(rec)) != 0) {
		web_error(req, res, 404, "There is no such page.");
		return;
	}
	size_t nk;
	const struct notify_kind_info *k = notify_kinds(&nk);
	unsigned on = 0;
	for (size_t i = 0; i < nk; i++) {
		const char *val = form_get(fields, n, k[i].slug, NULL);
		if (val && strcmp(val, "1") == 0)
			on |= k[i].bit;
	}
	int rc = notify_prefs_set(&req->actor, &record, on);
	if (rc != ERR_OK) {
		web_domain_refusal(req, res, rc, "There is no such page.");
		return;
	}
	respond_redirect(req, res, "/account/emails?done=1");
}
