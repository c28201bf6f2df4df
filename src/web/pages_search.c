/*
 * The register searched by name and birth date (domain/patient_search.c): a form on
 * /patients, answered by POST so that the names searched for never travel in a URL
 * (DESIGN.md invariant 8), a page of LIMIT_REGISTER_PAGE at a time with buttons for the next
 * and previous pages that post the same words again.
 */
#include <stdio.h>
#include <string.h>

#include "domain/domain.h"
#include "limits.h"
#include "util/strtonum.h"
#include "web/web.h"
#include "web/web_int.h"

void web_patient_search_form(struct request *req, struct buf *b, const char *name, const char *born)
{
	if (!policy_may_search_register(&req->actor))
		return;
	html_raw(b, "<form method=\"post\" class=\"card\" action=\"/patients/search\" role=\"search\" "
		    "aria-labelledby=\"search-title\"><h2 id=\"search-title\">Find by name or birth "
		    "date</h2>");
	web_csrf_field(b, req->csrf);
	html_raw(b, "<p class=\"hint\" id=\"search-hint\">Whole words of the name, in any order "
		    "(macrons and capitals do not matter), the birth date, or both.</p>"
		    "<label for=\"search-name\">Name</label><input id=\"search-name\" name=\"name\" "
		    "maxlength=\"200\" autocomplete=\"off\" spellcheck=\"false\" "
		    "aria-describedby=\"search-hint\" value=\"");
	html_text(b, name ? name : "");
	html_raw(b, "\"><label for=\"search-born\">Born</label><input id=\"search-born\" name=\"born\" "
		    "type=\"date\" class=\"short\" value=\"");
	html_text(b, born ? born : "");
	html_raw(b, "\"><button type=\"submit\">Search</button></form>");
}

/* A button that posts the same search for another page. */
static void page_button(struct request *req, struct buf *b, const char *name, const char *born,
			int64_t page, const char *label, const char *rel)
{
	char p[24];
	snprintf(p, sizeof(p), "%lld", (long long)page);
	html_raw(b, "<form method=\"post\" action=\"/patients/search\" class=\"inline\">");
	web_csrf_field(b, req->csrf);
	html_raw(b, "<input type=\"hidden\" name=\"name\" value=\"");
	html_text(b, name);
	html_raw(b, "\"><input type=\"hidden\" name=\"born\" value=\"");
	html_text(b, born);
	html_raw(b, "\"><input type=\"hidden\" name=\"page\" value=\"");
	html_text(b, p);
	html_raw(b, "\"><button type=\"submit\" rel=\"");
	html_raw(b, rel);
	html_raw(b, "\">");
	html_text(b, label);
	html_raw(b, "</button></form> ");
}

void web_patient_search(struct request *req, struct response *res)
{
	struct form_field fields[LIMIT_FORM_FIELDS];
	size_t nf = 0;
	if (!web_form_accepted(req, res, fields, &nf))
		return;
	const char *name = form_get(fields, nf, "name", NULL);
	const char *born = form_get(fields, nf, "born", NULL);
	const char *pq = form_get(fields, nf, "page", NULL);
	name = name ? name : "";
	born = born ? born : "";
	int64_t page = 1;
	if ((pq && pq[0] && parse_int64(pq, 1, LIMIT_REGISTER_PAGES, &page) != 0) || strlen(name) > 200) {
		web_error(req, res, 400, "There is no such page of the search.");
		return;
	}
	struct patient_view *ps = NULL;
	size_t n = 0;
	int rc = patient_search_visible(&req->actor, name, born, (size_t)(page - 1) * LIMIT_REGISTER_PAGE,
					LIMIT_REGISTER_PAGE + 1, &req->arena, &ps, &n);
	if (rc != ERR_OK && rc != ERR_INVALID) {
		web_domain_refusal(req, res, rc, "There is no such page.");
		return;
	}
	bool more = web_page_trim(&n, LIMIT_REGISTER_PAGE);
	struct buf *b = page_buf(req);
	html_begin(b, rc == ERR_INVALID ? "Error: Find a patient" : "Find a patient", &req->actor,
		   req->csrf);
	html_raw(b, "<p><a href=\"/patients\">← Patients</a></p><h1>Find a patient</h1>");
	if (rc == ERR_INVALID)
		html_raw(b, "<div class=\"error-summary\" role=\"alert\" aria-labelledby=\"problem\">"
			    "<h2 id=\"problem\">There is a problem</h2><ul><li><a href=\"#search-name\">"
			    "Give a word of the name, a real birth date, or both.</a></li></ul></div>");
	web_patient_search_form(req, b, name, born);
	if (rc == ERR_OK) {
		html_raw(b, "<h2 id=\"found\">Patients found</h2>");
		if (page > 1 || more)
			buf_printf(b, "<p class=\"lead\">Page %lld, in the order they enrolled.</p>",
				   (long long)page);
		web_patient_table(b, ps, n, "No patient of this practice matches.");
		if (page > 1 || more) {
			html_raw(b, "<nav aria-label=\"Search result pages\" class=\"pager\">");
			if (page > 1)
				page_button(req, b, name, born, page - 1, "Previous page", "prev");
			if (more)
				page_button(req, b, name, born, page + 1, "Next page", "next");
			html_raw(b, "</nav>");
		}
	}
	html_end(b);
	respond_buf(res, rc == ERR_INVALID ? 400 : 200, html_type, b);
}
