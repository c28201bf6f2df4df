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
#include "store/recalls.h"
#include "util/strtonum.h"
#include "util/nztime.h"
#include "web/html.h"
#include "web/web.h"
#include "web/web_int.h"

/* Close a recall: done (they came in), or no longer needed. */
static void close_forms(struct request *req, struct buf *b, const struct id *recall, const char *label)
{
	static const struct {
		const char *outcome, *text;
	} ways[] = {{"done", "Done"}, {"cancelled", "No longer needed"}};
	for (size_t i = 0; i < 2; i++) {
		html_raw(b, " <form method=\"post\" class=\"inline\" action=\"/recalls/");
		web_hex(b, recall);
		html_raw(b, "/close\">");
		web_csrf_field(b, req->csrf);
		html_raw(b, "<input type=\"hidden\" name=\"outcome\" value=\"");
		html_raw(b, ways[i].outcome);
		html_raw(b, "\"><button type=\"submit\" class=\"link\" aria-label=\"");
		html_text(b, ways[i].text);
		html_raw(b, ": ");
		html_text(b, label);
		html_raw(b, "\">");
		html_text(b, ways[i].text);
		html_raw(b, "</button></form>");
	}
}

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
		html_raw(b, "<li>");
		html_text(b, rs[i].label);
		if (rs[i].closed) {
			nz_day(rs[i].closed, d, sizeof(d));
			html_raw(b, strcmp(rs[i].outcome, RECALL_DONE) == 0	? ": done "
				    : strcmp(rs[i].outcome, RECALL_BOOKED) == 0 ? ": booked "
										: ": no longer needed, ");
			html_text(b, d);
			html_raw(b, " <span class=\"meta\">");
			html_text(b, rs[i].practice_name);
			html_raw(b, "</span></li>");
			continue;
		}
		nz_day(rs[i].due, d, sizeof(d));
		html_raw(b, rs[i].is_due ? ": due now" : ": due from ");
		if (!rs[i].is_due)
			html_text(b, d);
		html_raw(b, " <span class=\"meta\">");
		html_text(b, rs[i].practice_name);
		html_raw(b, staff ? "</span>" : ". Please book an appointment.</span>");
		if (staff)
			close_forms(req, b, &rs[i].id, rs[i].label);
		html_raw(b, "</li>");
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

void web_recall_close(struct request *req, struct response *res)
{
	struct form_field fields[LIMIT_FORM_FIELDS];
	size_t n = 0;
	if (!web_form_accepted(req, res, fields, &n))
		return;
	struct id rid;
	const char *outcome = form_get(fields, n, "outcome", NULL);
	bool done = outcome && strcmp(outcome, "done") == 0;
	if (outcome == NULL || (!done && strcmp(outcome, "cancelled") != 0)) {
		web_error(req, res, 400, "Say whether the recall was done or is no longer needed.");
		return;
	}
	int rc = request_param_id(req, 0, &rid) == 0 ? recall_close(&req->actor, &rid, done) : ERR_NOT_FOUND;
	if (rc != ERR_OK) {
		web_domain_refusal(req, res, rc, "There is no such recall.");
		return;
	}
	respond_redirect(req, res, "/practice/recalls?done=1");
}

/* The three views of the list: ?due= absent, "now" or "booked". */
static const struct {
	const char *due, *label, *query;
} views[] = {
	[RECALLS_OPEN] = {NULL, "All open recalls", ""},
	[RECALLS_DUE] = {"now", "Due now", "?due=now"},
	[RECALLS_BOOKED] = {"booked", "Booked", "?due=booked"},
};

static void view_links(struct buf *b, enum recall_filter filter)
{
	html_raw(b, "<p>");
	for (size_t v = 0; v < sizeof(views) / sizeof(views[0]); v++) {
		if (v)
			html_raw(b, " · ");
		html_raw(b, v == filter ? "<strong>" : "<a href=\"/practice/recalls");
		if (v != filter) {
			html_raw(b, views[v].query);
			html_raw(b, "\">");
		}
		html_raw(b, views[v].label);
		html_raw(b, v == filter ? "</strong>" : "</a>");
	}
	html_raw(b, "</p>");
}

/* The practice's open recalls, a hundred at a time, soonest due first; ?due=now for those due,
 * ?due=booked for those a booking still to come closed. */
void web_practice_recalls(struct request *req, struct response *res)
{
	int64_t page = 1;
	const char *pq = request_query(req, "page"), *dq = request_query(req, "due");
	enum recall_filter filter = RECALLS_OPEN;
	for (size_t v = 1; dq && v < sizeof(views) / sizeof(views[0]); v++)
		if (strcmp(dq, views[v].due) == 0)
			filter = (enum recall_filter)v;
	if ((pq && parse_int64(pq, 1, LIMIT_REGISTER_PAGES, &page) != 0) ||
	    (dq && filter == RECALLS_OPEN)) {
		web_error(req, res, 400, "There is no such page of recalls.");
		return;
	}
	struct recall_row *rows = NULL;
	size_t n = 0;
	int rc = recall_list_practice(&req->actor, filter, (size_t)(page - 1) * LIMIT_REGISTER_PAGE,
				      LIMIT_REGISTER_PAGE + 1, &req->arena, &rows, &n);
	if (rc != ERR_OK) {
		web_domain_refusal(req, res, rc, "There is no such page.");
		return;
	}
	bool more = web_page_trim(&n, LIMIT_REGISTER_PAGE);
	struct buf *b = page_buf(req);
	html_begin(b, "Recalls", &req->actor, req->csrf);
	html_raw(b, "<h1>Recalls</h1><p class=\"lead\">Patients the practice has asked to come in, "
		    "soonest due first. Close a recall when they have come in, or when it is no longer "
		    "needed: its reminder, if not sent yet, is withdrawn. A recall closes by itself when "
		    "the patient books an appointment here for when it is due, and opens again if that "
		    "appointment is cancelled.</p>");
	if (request_query(req, "done"))
		html_raw(b, "<p class=\"status ok\" role=\"status\">Recall closed.</p>");
	view_links(b, filter);
	bool booked = filter == RECALLS_BOOKED;
	if (n == 0)
		html_raw(b, booked ? "<p class=\"empty\">No recalls booked.</p>"
				   : "<p class=\"empty\">No open recalls.</p>");
	else
		html_raw(b, booked ? "<table class=\"list\"><thead><tr><th scope=\"col\">Patient</th>"
				     "<th scope=\"col\">For</th><th scope=\"col\">Due</th><th scope=\"col\">"
				     "Booked for</th></tr></thead><tbody>"
				   : "<table class=\"list\"><thead><tr><th scope=\"col\">Patient</th>"
				     "<th scope=\"col\">For</th><th scope=\"col\">Due</th><th scope=\"col\">"
				     "Close</th></tr></thead><tbody>");
	for (size_t i = 0; i < n; i++) {
		char d[NZ_DAY_LEN];
		nz_day(rows[i].recall.due, d, sizeof(d));
		html_raw(b, "<tr><td><a href=\"/patients/");
		web_hex(b, &rows[i].patient.id);
		html_raw(b, "\">");
		html_text(b, rows[i].patient.family);
		html_raw(b, ", ");
		html_text(b, rows[i].patient.given);
		html_raw(b, "</a></td><td>");
		html_text(b, rows[i].recall.label);
		html_raw(b, "</td><td>");
		html_raw(b, rows[i].recall.is_due ? "now (from " : "from ");
		html_text(b, d);
		html_raw(b, rows[i].recall.is_due ? ")</td><td>" : "</td><td>");
		if (booked)
			web_when(b, rows[i].recall.booked_for);
		else
			close_forms(req, b, &rows[i].recall.id, rows[i].recall.label);
		html_raw(b, "</td></tr>");
	}
	if (n)
		html_raw(b, "</tbody></table>");
	if (page > 1 || more) {
		html_raw(b, "<nav aria-label=\"Recall pages\" class=\"pager\">");
		if (page > 1)
			buf_printf(b, "<a rel=\"prev\" href=\"/practice/recalls?page=%lld%s%s\">Previous "
				      "page</a> ",
				   (long long)(page - 1), views[filter].due ? "&amp;due=" : "",
				   views[filter].due ? views[filter].due : "");
		if (more)
			buf_printf(b, "<a rel=\"next\" href=\"/practice/recalls?page=%lld%s%s\">Next page</a>",
				   (long long)(page + 1), views[filter].due ? "&amp;due=" : "",
				   views[filter].due ? views[filter].due : "");
		html_raw(b, "</nav>");
	}
	html_end(b);
	respond_buf(res, 200, html_type, b);
}
