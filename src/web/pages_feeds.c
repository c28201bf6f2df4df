/*
 * The practice's feeds and feed queue (docs/internals/FEEDS.md "The queue"), for its
 * clinicians and practice admins (policy_may_work_feed_queue, asked by src/ingest):
 *
 *   GET  /practice/feeds                  each feed: last message, the last 7 days' counts, the
 *                                          last error's code and field (no PHI)
 *   GET  /practice/feed-queue             the waiting messages: when, which feed, what, why
 *   GET  /practice/feed-queue/{id}        one opened (by the vault, for this person; audited):
 *                                          who the message names, and the two decisions
 *   POST /practice/feed-queue/{id}/match  to an enrolled patient, by NHI or record number
 *   POST /practice/feed-queue/{id}/reject with a reason
 *   POST /practice/feed-queue/{id}/move   a registration for an NHI enrolled elsewhere: ask
 *                                          for the patient's move (TRANSFERS.md), the message
 *                                          filed once it is made
 */
#include <string.h>

#include "ingest/ingest.h"
#include "limits.h"
#include "web/web.h"
#include "web/web_int.h"

static void notice(struct buf *b, const char *ok, const char *error)
{
	if (ok != NULL) {
		html_raw(b, "<p class=\"status ok\" role=\"status\">");
		html_text(b, ok);
		html_raw(b, "</p>");
	}
	web_error_box(b, error);
}

static void feed_row(struct buf *b, const struct feed_status *s)
{
	html_raw(b, "<tr><th scope=\"row\">");
	html_text(b, s->feed.name);
	html_raw(b, "</th><td>");
	html_text(b, s->feed.facility);
	html_raw(b, "</td><td>");
	if (s->stats.last_received > 0)
		web_when(b, s->stats.last_received);
	else
		html_raw(b, "Nothing yet");
	buf_printf(b, "</td><td>%lld</td><td>%lld</td><td>%lld</td><td>", (long long)s->stats.accepted,
		   (long long)(s->stats.errored + s->stats.rejected), (long long)s->stats.queued);
	if (s->stats.last_err_code != 0) {
		buf_printf(b, "%d ", s->stats.last_err_code);
		html_text(b, hl7_code_text((enum hl7_code)s->stats.last_err_code));
		if (s->stats.last_err_segment[0] && s->stats.last_err_field > 0) {
			html_raw(b, " (");
			html_text(b, s->stats.last_err_segment);
			buf_printf(b, "-%d)", s->stats.last_err_field);
		}
		html_raw(b, ", ");
		web_when(b, s->stats.last_err_at);
	} else {
		html_raw(b, "None");
	}
	html_raw(b, "</td></tr>");
}

void web_practice_feeds(struct request *req, struct response *res)
{
	struct feed_status *s;
	size_t n = 0;
	enum err rc = ingest_feeds_status(&req->actor, &req->arena, &s, &n);
	if (rc != ERR_OK) {
		web_domain_refusal(req, res, rc, "There is no such page.");
		return;
	}
	struct buf *b = page_buf(req);
	html_begin(b, "Feeds", &req->actor, req->csrf);
	buf_printf(b, "<h1>Feeds</h1><p class=\"lead\">The laboratories and systems that send this "
		      "practice HL7 messages, and what each sent in the last %d days. Messages whose "
		      "patient could not be matched wait in the <a href=\"/practice/feed-queue\">feed "
		      "queue</a>.</p>",
		   FEEDS_PAGE_DAYS);
	if (n == 0) {
		html_raw(b, "<p>No feeds are registered for this practice. The service's operator "
			    "registers them.</p>");
	} else {
		html_raw(b, "<div class=\"scroll\"><table class=\"list\"><thead><tr>"
			    "<th scope=\"col\">Feed</th><th scope=\"col\">Sending facility</th>"
			    "<th scope=\"col\">Last message</th><th scope=\"col\">Accepted</th>"
			    "<th scope=\"col\">Errors</th><th scope=\"col\">Queued</th>"
			    "<th scope=\"col\">Last error</th></tr></thead><tbody>");
		for (size_t i = 0; i < n; i++)
			feed_row(b, &s[i]);
		html_raw(b, "</tbody></table></div>");
	}
	web_page_end(res, 200, b);
}

static void queue_page(struct request *req, struct response *res, int status, const char *ok,
		       const char *error)
{
	struct feedq_row *rows;
	size_t n = 0;
	enum err rc = ingest_queue_list(&req->actor, &req->arena, &rows, &n);
	if (rc != ERR_OK) {
		web_domain_refusal(req, res, rc, "There is no such page.");
		return;
	}
	struct buf *b = page_buf(req);
	html_begin(b, "Feed queue", &req->actor, req->csrf);
	html_raw(b, "<h1>Feed queue</h1><p class=\"lead\">Messages from the practice's <a href=\""
		    "/practice/feeds\">feeds</a> whose patient could not be matched exactly by NHI. "
		    "Nothing is filed for anyone until a person decides. Opening a message is "
		    "recorded.</p>");
	notice(b, ok, error);
	if (n == 0) {
		html_raw(b, "<p>Nothing is waiting.</p>");
	} else {
		html_raw(b, "<div class=\"scroll\"><table class=\"list\"><thead><tr>"
			    "<th scope=\"col\">Received</th><th scope=\"col\">Feed</th>"
			    "<th scope=\"col\">Message</th><th scope=\"col\">Why it waits</th>"
			    "<th scope=\"col\"><span class=\"visually-hidden\">Open</span></th>"
			    "</tr></thead><tbody>");
		for (size_t i = 0; i < n; i++) {
			html_raw(b, "<tr><td>");
			web_when(b, rows[i].q.received);
			html_raw(b, "</td><td>");
			html_text(b, rows[i].feed_name);
			html_raw(b, "</td><td>");
			html_text(b, rows[i].q.kind);
			html_raw(b, "</td><td>");
			html_text(b, rows[i].q.reason);
			html_raw(b, "</td><td><a href=\"/practice/feed-queue/");
			web_hex(b, &rows[i].q.id);
			html_raw(b, "\">Open<span class=\"visually-hidden\"> the ");
			html_text(b, rows[i].q.kind);
			html_raw(b, " message</span></a></td></tr>");
		}
		html_raw(b, "</tbody></table></div>");
		if (n == LIMIT_FEEDQ_LIST)
			buf_printf(b, "<p>The %u oldest are shown; decide these to see more.</p>",
				   LIMIT_FEEDQ_LIST);
	}
	web_page_end(res, status, b);
}

void web_feed_queue(struct request *req, struct response *res)
{
	const char *done = request_query(req, "done");
	const char *ok = done == NULL		      ? NULL
			 : strcmp(done, "matched") == 0 ? "Matched: the message was filed for the patient."
			 : strcmp(done, "rejected") == 0 ? "Rejected."
							 : NULL;
	queue_page(req, res, 200, ok, NULL);
}

static void field(struct buf *b, const char *label, const char *value)
{
	html_raw(b, "<dt>");
	html_text(b, label);
	html_raw(b, "</dt><dd>");
	html_text(b, value && value[0] ? value : "Not given");
	html_raw(b, "</dd>");
}

/* A registration for an NHI enrolled at another practice: the move it leads to
 * (TRANSFERS.md "Moves started by HL7"). Nothing of the patient's record is shown: asking is
 * not reaching. */
static void move_card(struct request *req, struct buf *b, const char *hex, const struct feedq_detail *d)
{
	html_raw(b, "<div class=\"card\"><h2>Move to this practice</h2>");
	if (d->move == FEEDQ_MOVE_ASKED) {
		html_raw(b, "<p>A move to this practice was asked on ");
		web_when(b, d->move_asked);
		html_raw(b, ". It waits for the patient or their current practice to agree (see <a "
			    "href=\"/practice/transfers\">Patients moving</a>). Once they move, this "
			    "message is filed for them automatically.</p></div>");
		return;
	}
	if (d->move == FEEDQ_MOVE_MADE) {
		html_raw(b, "<p>The patient has moved to this practice, but the message could not be "
			    "filed automatically. Check their details in the register, then reject it "
			    "as resolved by hand.</p></div>");
		return;
	}
	if (d->move == FEEDQ_MOVE_REFUSED)
		html_raw(b, "<p>The move asked from this message was refused. Reject the message, or "
			    "ask again if the patient has since agreed with you.</p>");
	else
		html_raw(b, "<p>This NHI is enrolled at another practice. The practice management "
			    "system cannot move a patient by itself: ask for the move, and the patient "
			    "or their current practice agrees to it. Until then nothing of their record "
			    "is shown here; once they move, this message is filed for them.</p>");
	html_raw(b, "<form method=\"post\" action=\"/practice/feed-queue/");
	html_text(b, hex);
	html_raw(b, "/move\">");
	web_csrf_field(b, req->csrf);
	html_raw(b, "<button type=\"submit\">Ask to move them to this practice</button></form></div>");
}

static void item_page(struct request *req, struct response *res, int status, const char *error)
{
	struct id item;
	struct feedq_detail d;
	enum err rc = request_param_id(req, 0, &item) != 0
			      ? ERR_NOT_FOUND
			      : ingest_queue_open(&req->actor, &item, &req->arena, &d);
	if (rc != ERR_OK) {
		web_domain_refusal(req, res, rc, "There is no such message waiting.");
		return;
	}
	char hex[ID_HEX_LEN + 1];
	id_hex(&item, hex);
	struct buf *b = page_buf(req);
	html_begin(b, "Queued message", &req->actor, req->csrf);
	html_raw(b, "<p><a href=\"/practice/feed-queue\">Back to the feed queue</a></p><h1>");
	html_text(b, d.row.q.kind);
	html_raw(b, " from ");
	html_text(b, d.row.feed_name);
	html_raw(b, "</h1><p class=\"lead\">");
	html_text(b, d.row.q.reason);
	html_raw(b, "</p>");
	web_error_box(b, error);
	html_raw(b, "<h2>Who the message names</h2><dl class=\"facts\">");
	field(b, "NHI", d.nhi);
	if (d.prior_nhi != NULL)
		field(b, "Prior NHI", d.prior_nhi);
	field(b, "Family name", d.family);
	field(b, "Given name", d.given);
	field(b, "Date of birth (as sent)", d.birth_date);
	field(b, "Sex (as sent)", d.sex);
	html_raw(b, "<dt>Received</dt><dd>");
	web_when(b, d.row.q.received);
	html_raw(b, "</dd>");
	field(b, "What it holds", d.summary);
	html_raw(b, "</dl>");
	if (d.can_match) {
		html_raw(b, "<form method=\"post\" class=\"card\" action=\"/practice/feed-queue/");
		html_text(b, hex);
		html_raw(b, "/match\"><h2>Match to a patient</h2><p>File it for a patient enrolled at "
			    "this practice: give their NHI, or their record number from the patient "
			    "list.</p>");
		if (d.is_update)
			html_raw(b, "<p><strong>Matching an update replaces that patient's details, NHI "
				    "included, with the ones above.</strong></p>");
		web_csrf_field(b, req->csrf);
		html_raw(b, "<label for=\"nhi\">NHI</label><input id=\"nhi\" name=\"nhi\" "
			    "autocomplete=\"off\" maxlength=\"7\" pattern=\"[A-Za-z]{3}[0-9]{2}[0-9A-Za-z]{2}\">"
			    "<label for=\"patient\">or record number</label><input id=\"patient\" "
			    "name=\"patient\" autocomplete=\"off\" maxlength=\"32\">"
			    "<button type=\"submit\">Match and file</button></form>");
	} else {
		html_raw(b, "<p>This message cannot be matched here: make the change in the register "
			    "(or ask the sender), then reject it.</p>");
	}
	if (d.is_registration)
		move_card(req, b, hex, &d);
	html_raw(b, "<form method=\"post\" class=\"card\" action=\"/practice/feed-queue/");
	html_text(b, hex);
	html_raw(b, "/reject\"><h2>Reject</h2>");
	web_csrf_field(b, req->csrf);
	html_raw(b, "<label for=\"reason\">Why (kept with the decision)</label><select id=\"reason\" "
		    "name=\"reason\" required><option value=\"\">Choose a reason</option>");
	for (size_t i = 0; ingest_reject_reasons[i] != NULL; i++) {
		html_raw(b, "<option>");
		html_text(b, ingest_reject_reasons[i]);
		html_raw(b, "</option>");
	}
	html_raw(b, "</select><button type=\"submit\">Reject</button></form>");
	web_page_end(res, status, b);
}

void web_feed_queue_item(struct request *req, struct response *res)
{
	item_page(req, res, 200, NULL);
}

void web_feed_queue_match(struct request *req, struct response *res)
{
	struct form_field fields[LIMIT_FORM_FIELDS];
	size_t n = 0;
	if (!web_form_accepted(req, res, fields, &n))
		return;
	struct id item, patient;
	if (request_param_id(req, 0, &item) != 0) {
		web_error(req, res, 404, "There is no such message waiting.");
		return;
	}
	const char *nhi = form_get(fields, n, "nhi", NULL);
	const char *pid = form_get(fields, n, "patient", NULL);
	bool by_id = pid != NULL && pid[0] != '\0';
	if (by_id && id_parse(&patient, pid, strlen(pid)) != 0) {
		item_page(req, res, 400, "A record number is 32 letters and digits (0-9, a-f).");
		return;
	}
	if (!by_id && (nhi == NULL || nhi[0] == '\0')) {
		item_page(req, res, 400, "Give the patient's NHI or record number.");
		return;
	}
	const char *why = NULL;
	enum err rc = ingest_queue_match(&req->actor, &item, by_id ? &patient : NULL, nhi, &why);
	if (rc == ERR_OK) {
		respond_redirect(req, res, "/practice/feed-queue?done=matched");
		return;
	}
	if (why != NULL) {
		item_page(req, res, rc == ERR_NOT_FOUND ? 404 : 400, why);
		return;
	}
	web_domain_refusal(req, res, rc, "There is no such message waiting.");
}

void web_feed_queue_move(struct request *req, struct response *res)
{
	struct form_field fields[LIMIT_FORM_FIELDS];
	size_t n = 0;
	if (!web_form_accepted(req, res, fields, &n))
		return;
	struct id item, request;
	if (request_param_id(req, 0, &item) != 0) {
		web_error(req, res, 404, "There is no such message waiting.");
		return;
	}
	const char *why = NULL;
	enum err rc = ingest_queue_ask_move(&req->actor, &item, &request, &why);
	if (rc == ERR_OK) {
		respond_redirect(req, res, "/practice/transfers?done=asked");
		return;
	}
	int status = 400;
	if (why == NULL && rc != ERR_NOT_FOUND)
		why = web_transfer_ask_refusal(rc, &status);
	if (why != NULL) {
		item_page(req, res, status, why);
		return;
	}
	web_domain_refusal(req, res, rc, "There is no such message waiting.");
}

void web_feed_queue_reject(struct request *req, struct response *res)
{
	struct form_field fields[LIMIT_FORM_FIELDS];
	size_t n = 0;
	if (!web_form_accepted(req, res, fields, &n))
		return;
	struct id item;
	if (request_param_id(req, 0, &item) != 0) {
		web_error(req, res, 404, "There is no such message waiting.");
		return;
	}
	const char *why = NULL;
	enum err rc = ingest_queue_reject(&req->actor, &item, form_get(fields, n, "reason", NULL), &why);
	if (rc == ERR_OK) {
		respond_redirect(req, res, "/practice/feed-queue?done=rejected");
		return;
	}
	if (rc == ERR_INVALID) {
		item_page(req, res, 400, why);
		return;
	}
	web_domain_refusal(req, res, rc, "There is no such message waiting.");
}
