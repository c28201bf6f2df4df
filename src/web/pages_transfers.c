/*
 * A patient moving between practices (docs/internals/TRANSFERS.md). Every decision is the
 * transfers domain's (src/domain/transfers.h) and the policy's; these pages parse and render.
 *
 *   GET  /practice/transfers                the moves asked by this practice and of it
 *   POST /practice/transfers                ask for a patient's move here (NHI in the body)
 *   POST /practice/transfers/{id}/release   agree, as the practice being left
 *   POST /practice/transfers/{id}/decline   refuse, as the practice being left
 *   GET  /enrolment                         the patient's practice, the moves asked of them,
 *                                           and what each practice they moved to sees
 *   POST /enrolment/{id}/accept|decline     the patient agrees or refuses
 *   POST /enrolment/history                 the patient shares, or stops sharing, what came
 *                                           before a move with the practice they moved to
 *
 * An NHI never travels in a URL (invariant 8). A request that is not the actor's to decide
 * answers exactly as a random id does.
 */
#include <string.h>

#include "domain/transfers.h"
#include "ingest/ingest.h"
#include "limits.h"
#include "web/html.h"
#include "web/web.h"
#include "web/web_int.h"

static const char no_such[] = "There is no such request.";

/* A form field's value, or "" when it is missing. */
static const char *field_or_empty(const struct form_field *fields, size_t n, const char *name)
{
	const char *v = form_get(fields, n, name, NULL);
	return v ? v : "";
}

void web_transfer_ask_button(struct buf *b, const char *csrf, const char *nhi)
{
	html_raw(b, "<form method=\"post\" action=\"/practice/transfers\">");
	web_csrf_field(b, csrf);
	html_raw(b, "<input type=\"hidden\" name=\"nhi\" value=\"");
	html_text(b, nhi);
	html_raw(b, "\"><button type=\"submit\">Ask to move them to this practice</button></form>");
}

static void status_line(struct buf *b, const char *ok, const char *error)
{
	if (ok != NULL) {
		html_raw(b, "<p class=\"status ok\" role=\"status\">");
		html_text(b, ok);
		html_raw(b, "</p>");
	}
	web_error_box(b, error);
}

static void share_check(struct buf *b, const struct id *request, const char *to_name, bool checked)
{
	char id[ID_HEX_LEN + 1];
	id_hex(request, id);
	buf_printf(b, "<div class=\"check\"><input type=\"checkbox\" id=\"share-%s\" name=\"share\" "
		      "value=\"1\"%s><label for=\"share-%s\">Let ",
		   id, checked ? " checked" : "", id);
	html_text(b, to_name);
	html_raw(b, " see the documents, results, medicines and appointments from before the "
		    "move</label></div>");
}

/* Agree / refuse buttons for an open request, posting to base/{id}/agree_path|decline. */
static void decide_forms(struct buf *b, const char *csrf, const char *base, const char *agree_path,
			 const char *agree_label, const struct transfer_view *v, bool share_default)
{
	char id[ID_HEX_LEN + 1];
	id_hex(&v->row.id, id);
	buf_printf(b, "<form method=\"post\" action=\"%s/%s/%s\" class=\"inline-form\">", base, id,
		   agree_path);
	web_csrf_field(b, csrf);
	share_check(b, &v->row.id, v->to_name, share_default);
	html_raw(b, "<button type=\"submit\">");
	html_text(b, agree_label);
	buf_printf(b, "</button></form><form method=\"post\" action=\"%s/%s/decline\" "
		      "class=\"inline-form\">",
		   base, id);
	web_csrf_field(b, csrf);
	html_raw(b, "<button type=\"submit\" class=\"secondary\">Refuse</button></form>");
}

static const char *state_text(const struct store_transfer *t)
{
	if (t->decided == 0)
		return "Waiting for the patient or their current practice";
	return strcmp(t->outcome, TRANSFER_MOVED) == 0 ? "Moved" : "Refused";
}

/* --- the practice's page --- */

static void practice_row(struct request *req, struct buf *b, const struct transfer_view *v,
			 bool leaving)
{
	html_raw(b, "<tr><td>");
	web_when(b, v->row.asked);
	html_raw(b, "</td><td>");
	if (v->patient_name != NULL) {
		html_raw(b, "<a href=\"/patients/");
		web_hex(b, &v->row.patient);
		html_raw(b, "\">");
		html_text(b, v->patient_name);
		html_raw(b, "</a>");
	} else {
		html_raw(b, "Named once the move is agreed");
	}
	html_raw(b, "</td><td>");
	html_text(b, leaving ? v->to_name : (v->from_name ? v->from_name : "No practice"));
	html_raw(b, "</td><td>");
	html_text(b, state_text(&v->row));
	if (leaving && v->row.decided == 0)
		decide_forms(b, req->csrf, "/practice/transfers", "release", "Agree to the move", v,
			     true);
	html_raw(b, "</td></tr>");
}

static void practice_table(struct request *req, struct buf *b, const struct transfer_view *v,
			   size_t n, bool leaving)
{
	bool any = false;
	for (size_t i = 0; i < n; i++) {
		bool row_leaving = !id_eq(&v[i].row.to, &req->actor.practice);
		if (row_leaving != leaving)
			continue;
		if (!any)
			buf_printf(b, "<div class=\"scroll\"><table class=\"list\"><thead><tr>"
				      "<th scope=\"col\">Asked</th><th scope=\"col\">Patient</th>"
				      "<th scope=\"col\">%s</th><th scope=\"col\">State</th></tr>"
				      "</thead><tbody>",
				   leaving ? "Moving to" : "Moving from");
		any = true;
		practice_row(req, b, &v[i], leaving);
	}
	if (any)
		html_raw(b, "</tbody></table></div>");
	else
		html_raw(b, "<p>None.</p>");
}

static void practice_page(struct request *req, struct response *res, int status, const char *ok,
			  const char *error)
{
	struct transfer_view *v = NULL;
	size_t n = 0;
	enum err rc = transfer_list_practice(&req->actor, &req->arena, &v, &n);
	if (rc != ERR_OK) {
		web_domain_refusal(req, res, rc, "There is no such page.");
		return;
	}
	struct buf *b = page_buf(req);
	html_begin(b, "Patients moving", &req->actor, req->csrf);
	html_raw(b, "<h1>Patients moving</h1><p class=\"lead\">A patient joining this practice "
		    "from another: ask for the move here. The patient, in their portal, or the "
		    "practice they are leaving agrees to it; until then this practice sees nothing "
		    "of their record. Once moved, you see what is filed from then on, and what came "
		    "before if they share it.</p>");
	status_line(b, ok, error);
	html_raw(b, "<form method=\"post\" action=\"/practice/transfers\" class=\"card\" novalidate>"
		    "<h2>Ask for a patient's move here</h2>");
	web_csrf_field(b, req->csrf);
	html_raw(b, "<div class=\"field\"><label for=\"nhi\">NHI number</label>"
		    "<input id=\"nhi\" name=\"nhi\" autocomplete=\"off\" spellcheck=\"false\" "
		    "maxlength=\"16\" required></div><button type=\"submit\">Ask</button></form>");
	html_raw(b, "<h2>Leaving this practice</h2>");
	practice_table(req, b, v, n, true);
	html_raw(b, "<h2>Joining this practice</h2>");
	practice_table(req, b, v, n, false);
	buf_printf(b, "<p class=\"hint\">Requests decided more than %u days ago are not shown.</p>",
		   LIMIT_TRANSFER_SHOWN_DAYS);
	web_page_end(res, status, b);
}

void web_practice_transfers(struct request *req, struct response *res)
{
	const char *done = request_query(req, "done");
	const char *ok = done == NULL ? NULL
			 : strcmp(done, "asked") == 0
			     ? "Asked. The patient and their current practice can now agree to the move."
			 : strcmp(done, "released") == 0 ? "Agreed: the patient has moved."
			 : strcmp(done, "declined") == 0 ? "Refused: the patient stays enrolled here."
							 : NULL;
	practice_page(req, res, 200, ok, NULL);
}

void web_transfer_ask(struct request *req, struct response *res)
{
	struct form_field fields[LIMIT_FORM_FIELDS];
	size_t n = 0;
	if (!web_form_accepted(req, res, fields, &n))
		return;
	const char *nhi = field_or_empty(fields, n, "nhi");
	struct id request;
	enum err rc = transfer_ask(&req->actor, req->actor.has_practice ? &req->actor.practice : NULL,
				   nhi, &request);
	if (rc == ERR_OK) {
		respond_redirect(req, res, "/practice/transfers?done=asked");
		return;
	}
	int status = 0;
	const char *why = web_transfer_ask_refusal(rc, &status);
	if (why != NULL)
		practice_page(req, res, status, NULL, why);
	else
		web_domain_refusal(req, res, rc, "There is no such page.");
}

const char *web_transfer_ask_refusal(enum err rc, int *status)
{
	switch (rc) {
	case ERR_INVALID:
		*status = 400;
		return "This is not a valid NHI number. Check that it was copied correctly.";
	case ERR_NOT_FOUND:
		*status = 404;
		return "No patient with this NHI number uses medkeep: enrol them as a new patient.";
	case ERR_THROTTLED:
		*status = 429;
		return "You have asked about many NHI numbers today. Try again tomorrow, or ask the "
		       "medkeep operator.";
	case ERR_HELD:
		*status = 409;
		return "This patient is enrolled at this practice already.";
	case ERR_CONFLICT:
		*status = 409;
		return "A move of this patient is waiting already, or this practice has made today's "
		       "number of requests. Try again tomorrow, or ask the medkeep operator.";
	default:
		return NULL;
	}
}

/* A decision posted to .../{id}/...: agree or refuse, then where to go. */
static void decide(struct request *req, struct response *res, bool agree, const char *to,
		   void (*page)(struct request *, struct response *, int, const char *, const char *))
{
	struct form_field fields[LIMIT_FORM_FIELDS];
	size_t n = 0;
	if (!web_form_accepted(req, res, fields, &n))
		return;
	struct id request;
	if (request_param_id(req, 0, &request) != 0) {
		web_error(req, res, 404, no_such);
		return;
	}
	bool share = strcmp(field_or_empty(fields, n, "share"), "1") == 0;
	enum err rc = transfer_decide(&req->actor, &request, agree, share);
	/* A registration the new practice's PMS sent, waiting for this move, is filed now as its
	 * feed (best effort after the move; TRANSFERS.md "Moves started by HL7"). */
	if (rc == ERR_OK && agree)
		(void)ingest_queue_after_move(&req->actor, &request);
	if (rc == ERR_OK) {
		respond_redirect(req, res, to);
		return;
	}
	if (rc == ERR_CONFLICT) {
		page(req, res, 409, NULL,
		     "This request changed meanwhile (the patient's enrolment is not what it was "
		     "when the move was asked): nothing was moved. The practice can ask again.");
		return;
	}
	web_domain_refusal(req, res, rc, no_such);
}

void web_transfer_release(struct request *req, struct response *res)
{
	decide(req, res, true, "/practice/transfers?done=released", practice_page);
}

void web_transfer_decline(struct request *req, struct response *res)
{
	decide(req, res, false, "/practice/transfers?done=declined", practice_page);
}

/* --- the patient's page --- */

static void moved_row(struct request *req, struct buf *b, const struct transfer_view *v)
{
	html_raw(b, "<li>Moved to ");
	html_text(b, v->to_name);
	html_raw(b, " on ");
	web_when(b, v->row.decided);
	html_raw(b, v->shared ? ". They see your whole record."
			      : ". They see what was filed from the move on, not what came before.");
	html_raw(b, "<form method=\"post\" action=\"/enrolment/history\" class=\"inline-form\">");
	web_csrf_field(b, req->csrf);
	html_raw(b, "<input type=\"hidden\" name=\"practice\" value=\"");
	web_hex(b, &v->row.to);
	buf_printf(b, "\"><input type=\"hidden\" name=\"share\" value=\"%s\">"
		      "<button type=\"submit\" class=\"secondary\">%s</button></form></li>",
		   v->shared ? "0" : "1",
		   v->shared ? "Stop sharing what came before" : "Share what came before");
}

static void enrolment_page(struct request *req, struct response *res, int status, const char *ok,
			   const char *error)
{
	struct transfer_view *v = NULL;
	size_t n = 0, n_current = 0;
	const char *current[TARGET_MAX_PRACTICES];
	enum err rc = transfer_list_patient(&req->actor, &req->actor.patient, &req->arena, &v, &n,
					    current, &n_current);
	if (rc != ERR_OK) {
		web_domain_refusal(req, res, rc, "There is no such page.");
		return;
	}
	struct buf *b = page_buf(req);
	html_begin(b, web_text(req, TEXT_H_YOUR_PRACTICE), &req->actor, req->csrf);
	web_h1(req, b, TEXT_H_YOUR_PRACTICE);
	status_line(b, ok, error);
	if (n_current == 0)
		html_raw(b, "<p>You are not enrolled at a practice in medkeep. Your record stays "
			    "yours to see.</p>");
	for (size_t i = 0; i < n_current; i++) {
		html_raw(b, "<p class=\"lead\">You are enrolled at ");
		html_text(b, current[i]);
		html_raw(b, ".</p>");
	}
	bool any_open = false;
	for (size_t i = 0; i < n; i++) {
		if (v[i].row.decided != 0)
			continue;
		if (!any_open)
			html_raw(b, "<h2>Moves waiting for you</h2>");
		any_open = true;
		html_raw(b, "<div class=\"card\"><p>");
		html_text(b, v[i].to_name);
		html_raw(b, " asked on ");
		web_when(b, v[i].row.asked);
		html_raw(b, " to become your practice. If you agree, ");
		html_text(b, v[i].from_name ? v[i].from_name : "no other practice");
		html_raw(b, v[i].from_name ? " will no longer see your record, and " : " is affected; ");
		html_text(b, v[i].to_name);
		html_raw(b, " will see what is filed from then on. You keep your whole record, "
			    "including what your earlier practice published. If you did not ask "
			    "to join this practice, refuse.</p>");
		decide_forms(b, req->csrf, "/enrolment", "accept", "Move to this practice", &v[i],
			     false);
		html_raw(b, "</div>");
	}
	bool any_moved = false;
	for (size_t i = 0; i < n; i++) {
		if (v[i].row.decided == 0)
			continue;
		if (!any_moved)
			html_raw(b, "<h2>Your moves</h2><ul>");
		any_moved = true;
		moved_row(req, b, &v[i]);
	}
	if (any_moved)
		html_raw(b, "</ul>");
	web_page_end(res, status, b);
}

void web_enrolment(struct request *req, struct response *res)
{
	const char *done = request_query(req, "done");
	const char *ok = done == NULL ? NULL
			 : strcmp(done, "moved") == 0	? "Done: you have moved practice."
			 : strcmp(done, "declined") == 0 ? "Refused: nothing changed."
			 : strcmp(done, "shared") == 0	? "Saved."
							: NULL;
	enrolment_page(req, res, 200, ok, NULL);
}

void web_enrolment_accept(struct request *req, struct response *res)
{
	decide(req, res, true, "/enrolment?done=moved", enrolment_page);
}

void web_enrolment_decline(struct request *req, struct response *res)
{
	decide(req, res, false, "/enrolment?done=declined", enrolment_page);
}

void web_enrolment_history(struct request *req, struct response *res)
{
	struct form_field fields[LIMIT_FORM_FIELDS];
	size_t n = 0;
	if (!web_form_accepted(req, res, fields, &n))
		return;
	const char *hex = field_or_empty(fields, n, "practice");
	struct id practice;
	if (id_parse(&practice, hex, strlen(hex)) != 0) {
		web_error(req, res, 404, "There is no such practice.");
		return;
	}
	bool share = strcmp(field_or_empty(fields, n, "share"), "1") == 0;
	enum err rc = transfer_share(&req->actor, &req->actor.patient, &practice, share);
	if (rc == ERR_OK) {
		respond_redirect(req, res, "/enrolment?done=shared");
		return;
	}
	web_domain_refusal(req, res, rc, "There is no such practice.");
}
