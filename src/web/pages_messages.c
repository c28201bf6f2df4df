/*
 * Pages of secure messages (patients and their proxies: /messages; staff: /inbox and the same
 * thread page), "Who has seen my record" (/access-log) and the whole-record export (/export).
 * Handlers parse and render; src/domain/messages.c, accesslog.c and export.c decide.
 */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "domain/accesslog.h"
#include "domain/messages.h"
#include "domain/export.h"
#include "limits.h"
#include "util/strtonum.h"
#include "web/html.h"
#include "web/web.h"
#include "web/web_int.h"

/* A page in the request arena, begun with its title; NULL (500 answered) when out of memory. */
static struct buf *page_begin(struct request *req, struct response *res, const char *title)
{
	struct buf *b = page_buf(req);
	if (b == NULL) {
		web_error(req, res, 500, "Something went wrong on our side. Please try again.");
		return NULL;
	}
	html_begin(b, title, &req->actor, req->csrf);
	return b;
}

static void hidden_csrf(struct buf *b, const char *csrf)
{
	html_raw(b, "<input type=\"hidden\" name=\"csrf\" value=\"");
	html_text(b, csrf);
	html_raw(b, "\">");
}

/* An attachment: its name (the document's page), and a preview: an image in the page, a PDF
 * opened in the browser's own viewer (/documents/{id}/view: the download's gate and audit). */
static void attachment_preview(struct buf *b, const struct message_view *m, const char *doc)
{
	const char *type = m->attachment_type ? m->attachment_type : "";
	bool image = strcmp(type, "image/png") == 0 || strcmp(type, "image/jpeg") == 0;
	html_raw(b, "<p>Attachment: <a href=\"/documents/");
	html_text(b, doc);
	html_raw(b, "\">");
	html_text(b, m->attachment_name ? m->attachment_name : "file");
	html_raw(b, "</a>");
	if (image || strcmp(type, "application/pdf") == 0) {
		html_raw(b, " · <a href=\"/documents/");
		html_text(b, doc);
		html_raw(b, image ? "/view\">View full size</a>" : "/view\">View the PDF</a>");
	}
	html_raw(b, "</p>");
	if (image) {
		html_raw(b, "<figure class=\"preview\"><img src=\"/documents/");
		html_text(b, doc);
		html_raw(b, "/view\" alt=\"Attached picture: ");
		html_text(b, m->attachment_name ? m->attachment_name : "file");
		html_raw(b, "\" loading=\"lazy\"></figure>");
	}
}

static void attachment_field(struct buf *b)
{
	html_raw(b, "<label for=\"file\">Attachment (optional: PDF, PNG or JPEG, up to 10 MB)</label>"
		    "<input id=\"file\" name=\"file\" type=\"file\" "
		    "accept=\"application/pdf,image/png,image/jpeg\">");
}

static void unread_badge(struct buf *b, int unread)
{
	if (unread <= 0)
		return;
	buf_printf(b, " <span class=\"badge\">%d new</span>", unread);
}

/* What the form is for: its action, where its draft is kept, and whether it has a subject. */
struct compose {
	const char *action;
	const char *draft_action;
	const char *heading;
	const char *label;  /* of the text */
	const char *button; /* send */
	bool subject;
};

/*
 * A message form, filled with the actor's draft when one is kept. "Save draft" posts the same
 * form to the draft's address (no script needed); /static/session.js also saves it every
 * little while as it is typed (data-draft). Nothing of it is kept in the browser.
 */
static void compose_form(struct request *req, struct buf *b, const struct compose *c,
			 const struct message_draft *d)
{
	html_raw(b, "<form method=\"post\" enctype=\"multipart/form-data\" class=\"card\" "
		    "id=\"compose\" action=\"");
	html_text(b, c->action);
	html_raw(b, "\" data-draft=\"");
	html_text(b, c->draft_action);
	html_raw(b, "\"><h2>");
	html_text(b, c->heading);
	html_raw(b, "</h2>");
	hidden_csrf(b, req->csrf);
	if (c->subject) {
		html_raw(b, "<label for=\"subject\">Subject</label><input id=\"subject\" name=\"subject\" "
			    "required maxlength=\"150\" value=\"");
		html_text(b, d->found ? d->subject : "");
		html_raw(b, "\">");
	}
	html_raw(b, "<label for=\"body\">");
	html_text(b, c->label);
	html_raw(b, "</label><textarea id=\"body\" name=\"body\" required maxlength=\"5000\" rows=\"6\">");
	html_text(b, d->found ? d->text : "");
	html_raw(b, "</textarea>");
	attachment_field(b);
	html_raw(b, "<p class=\"meta\" role=\"status\" data-draft-status>");
	if (d->found) {
		html_raw(b, "Your draft from ");
		web_when(b, d->updated);
		html_raw(b, " is kept until you send it.");
	}
	html_raw(b, "</p><div class=\"actions\"><button type=\"submit\">");
	html_text(b, c->button);
	html_raw(b, "</button><button type=\"submit\" class=\"secondary\" formnovalidate formaction=\"");
	html_text(b, c->draft_action);
	html_raw(b, "\">Save draft</button></div></form>");
}

/*
 * A patient's threads with a form for a new one: the patient's (and a proxy's) /messages, or a
 * clinician's /patients/{id}/messages (their own practice's threads with that patient).
 */
static void threads_page(struct request *req, struct response *res, const struct id *patient, bool staff)
{
	struct thread_view *ts = NULL;
	size_t n = 0;
	struct patient_view p;
	int rc = staff ? patient_read(&req->actor, patient, &req->arena, &p) : ERR_OK;
	if (rc == ERR_OK)
		rc = message_threads(&req->actor, patient, &req->arena, &ts, &n);
	if (rc != ERR_OK) {
		if (staff)
			web_domain_refusal(req, res, rc, "There is no such patient.");
		else
			web_record_refusal(req, res, rc, "There is no such page.");
		return;
	}
	struct message_draft d;
	struct message_new form = {.patient = *patient};
	if (message_draft_read(&req->actor, &form, &req->arena, &d) != ERR_OK)
		d.found = false; /* the form still works without it */
	char pid[ID_HEX_LEN + 1];
	id_hex(patient, pid);
	const char *title = staff ? arena_printf(&req->arena, "Messages with %s %s", p.given, p.family)
				  : web_record_heading(req, web_held_name(req),
							     web_text(req, TEXT_H_MESSAGES), "messages");
	struct buf *b = page_begin(req, res, title ? title : "Messages");
	if (b == NULL)
		return;
	if (staff) {
		html_raw(b, "<p><a href=\"/patients/");
		html_text(b, pid);
		html_raw(b, "\">← Patient</a></p>");
	}
	html_raw(b, "<h1>");
	html_text(b, title);
	html_raw(b, staff ? "</h1>" : "</h1><p class=\"lead\">Write to your practice. Not for emergencies: "
				     "call 111.</p>");
	if (n == 0)
		html_raw(b, "<p class=\"empty\">No messages yet.</p>");
	else
		html_raw(b, "<ul class=\"docs\">");
	for (size_t i = 0; i < n; i++) {
		char id[ID_HEX_LEN + 1], date[32];
		id_hex(&ts[i].id, id);
		web_format_date(ts[i].updated, date);
		html_raw(b, "<li><a href=\"/messages/");
		html_text(b, id);
		html_raw(b, "\">");
		html_text(b, ts[i].subject);
		html_raw(b, "</a>");
		unread_badge(b, ts[i].unread);
		html_raw(b, "<span class=\"meta\">");
		html_text(b, ts[i].practice_name ? ts[i].practice_name : "Your practice");
		html_raw(b, " · ");
		html_text(b, date);
		buf_printf(b, " · %d message%s", ts[i].n_messages, ts[i].n_messages == 1 ? "" : "s");
		html_raw(b, "</span></li>");
	}
	if (n)
		html_raw(b, "</ul>");
	struct compose c = {.action = staff ? arena_printf(&req->arena, "/patients/%s/messages", pid) : "/messages",
			    .draft_action = staff ? arena_printf(&req->arena, "/patients/%s/messages/draft", pid)
						  : "/messages/draft",
			    .heading = staff ? "New message to the patient" : "New message",
			    .label = "Message",
			    .button = "Send",
			    .subject = true};
	if (c.action && c.draft_action)
		compose_form(req, b, &c, &d);
	html_end(b);
	respond_buf(res, 200, html_type, b);
}

void web_messages(struct request *req, struct response *res)
{
	threads_page(req, res, web_record(req), false);
}

void web_patient_messages(struct request *req, struct response *res)
{
	struct id pid;
	if (request_param_id(req, 0, &pid) != 0) {
		web_error(req, res, 404, "There is no such patient.");
		return;
	}
	threads_page(req, res, &pid, true);
}

/* The subject (a new thread's) and text of a message form into m. */
static void form_text(struct request *req, const struct multipart_part *parts, size_t n,
		      struct message_new *m)
{
	if (!m->reply)
		m->subject = web_part_text(req, parts, n, "subject");
	/* browsers send line breaks as CRLF: store them as LF */
	const struct multipart_part *body = multipart_get(parts, n, "body");
	char *text = web_slice_dup(req, body ? body->data : (struct slice){0});
	size_t j = 0;
	for (size_t i = 0; text[i]; i++)
		if (!(text[i] == '\r' && text[i + 1] == '\n'))
			text[j++] = text[i];
	text[j] = '\0';
	m->text = text;
}

/*
 * Keep a message form as a draft, then back to the form (back), or 204 for the script's
 * saves (auto=1): it stays on the page. The attachment is not kept.
 */
static void draft_from_form(struct request *req, struct response *res, struct message_new *m,
			    const char *back)
{
	struct multipart_part parts[LIMIT_MULTIPART_PARTS];
	size_t n = 0;
	if (web_multipart(req, res, parts, &n) != 0)
		return;
	form_text(req, parts, n, m);
	const char *why = NULL;
	int rc = message_draft_save(&req->actor, m, &req->arena, &why);
	if (rc == ERR_INVALID) {
		web_error(req, res, 400, why ? why : "The draft was not kept.");
		return;
	}
	if (rc != ERR_OK) {
		web_domain_refusal(req, res, rc, m->reply ? "There is no such conversation." : "There is no such page.");
		return;
	}
	const char *automatic = web_part_text(req, parts, n, "auto");
	if (automatic && strcmp(automatic, "1") == 0) {
		respond(res, 204, NULL, "", 0);
		return;
	}
	respond_redirect(req, res, back ? back : "/messages");
}

void web_message_draft(struct request *req, struct response *res)
{
	struct message_new m = {.patient = *web_record(req)};
	draft_from_form(req, res, &m, "/messages#compose");
}

void web_patient_message_draft(struct request *req, struct response *res)
{
	struct message_new m;
	memset(&m, 0, sizeof(m));
	if (request_param_id(req, 0, &m.patient) != 0) {
		web_error(req, res, 404, "There is no such patient.");
		return;
	}
	char hex[ID_HEX_LEN + 1];
	id_hex(&m.patient, hex);
	draft_from_form(req, res, &m, arena_printf(&req->arena, "/patients/%s/messages#compose", hex));
}

void web_message_thread_draft(struct request *req, struct response *res)
{
	struct message_new m = {.reply = true};
	if (request_param_id(req, 0, &m.thread) != 0) {
		web_error(req, res, 404, "There is no such conversation.");
		return;
	}
	char hex[ID_HEX_LEN + 1];
	id_hex(&m.thread, hex);
	draft_from_form(req, res, &m, arena_printf(&req->arena, "/messages/%s#compose", hex));
}

/* Read a message form (subject only for a new thread) and send it. */
static void send_from_form(struct request *req, struct response *res, struct message_new *m)
{
	struct multipart_part parts[LIMIT_MULTIPART_PARTS];
	size_t n = 0;
	if (web_multipart(req, res, parts, &n) != 0)
		return;
	form_text(req, parts, n, m);
	const struct multipart_part *file = multipart_get(parts, n, "file");
	if (file != NULL && file->has_filename && file->data.len > 0) {
		m->file = (const uint8_t *)file->data.ptr;
		m->file_len = file->data.len;
		m->file_name = arena_strndup(&req->arena, file->filename.ptr, file->filename.len);
	}
	struct id thread, message;
	const char *why = NULL;
	int rc = message_send(&req->actor, m, &req->arena, &thread, &message, &why);
	if (rc == ERR_INVALID) {
		web_error(req, res, 400, why ? why : "The message was not sent.");
		return;
	}
	if (rc != ERR_OK) {
		web_domain_refusal(req, res, rc, m->reply ? "There is no such conversation." : "There is no such page.");
		return;
	}
	char hex[ID_HEX_LEN + 1];
	id_hex(&thread, hex);
	const char *loc = arena_printf(&req->arena, "/messages/%s", hex);
	respond_redirect(req, res, loc ? loc : "/messages");
}

void web_message_new(struct request *req, struct response *res)
{
	struct message_new m;
	memset(&m, 0, sizeof(m));
	m.patient = *web_record(req);
	send_from_form(req, res, &m);
}

void web_patient_message_new(struct request *req, struct response *res)
{
	struct message_new m;
	memset(&m, 0, sizeof(m));
	if (request_param_id(req, 0, &m.patient) != 0) {
		web_error(req, res, 404, "There is no such patient.");
		return;
	}
	send_from_form(req, res, &m);
}

void web_message_reply(struct request *req, struct response *res)
{
	struct message_new m;
	memset(&m, 0, sizeof(m));
	m.reply = true;
	if (request_param_id(req, 0, &m.thread) != 0) {
		web_error(req, res, 404, "There is no such conversation.");
		return;
	}
	send_from_form(req, res, &m);
}

static const char *author_label(const struct thread_view *t, const struct message_view *m)
{
	if (m->mine)
		return "You";
	switch (m->author_kind) {
	case AUTHOR_PATIENT:
		return t->patient_name ? t->patient_name : "Patient";
	case AUTHOR_PROXY:
		return "Family member or carer";
	case AUTHOR_PRACTICE:
		break;
	}
	return t->practice_name ? t->practice_name : "Your practice";
}

/* Staff: who of the practice looks after this conversation (a select of its clinicians). */
static void assign_form(struct request *req, struct buf *b, const struct thread_view *t,
			const char *hex)
{
	struct colleague *cs = NULL;
	size_t n = 0;
	if (message_colleagues(&req->actor, &req->arena, &cs, &n) != ERR_OK)
		return;
	html_raw(b, "<form method=\"post\" class=\"assign\" action=\"/messages/");
	html_text(b, hex);
	html_raw(b, "/assign\">");
	hidden_csrf(b, req->csrf);
	html_raw(b, "<label for=\"assign-to\">Assigned to</label><select id=\"assign-to\" name=\"to\">"
		    "<option value=\"\">Nobody</option>");
	for (size_t i = 0; i < n; i++) {
		char acc[ID_HEX_LEN + 1];
		id_hex(&cs[i].account, acc);
		html_raw(b, "<option value=\"");
		html_text(b, acc);
		html_raw(b, t->assigned && id_eq(&t->assigned_to, &cs[i].account) ? "\" selected>" : "\">");
		html_text(b, cs[i].name ? cs[i].name : "Clinician");
		html_raw(b, "</option>");
	}
	html_raw(b, "</select> <button type=\"submit\" class=\"secondary\">Assign</button></form>");
}

void web_message_assign(struct request *req, struct response *res)
{
	struct form_field f[LIMIT_FORM_FIELDS];
	size_t n = 0;
	if (!web_form_accepted(req, res, f, &n))
		return;
	struct id thread, to;
	const char *tos = form_get(f, n, "to", NULL);
	bool nobody = tos == NULL || tos[0] == '\0';
	if (request_param_id(req, 0, &thread) != 0) {
		web_error(req, res, 404, "There is no such conversation.");
		return;
	}
	const char *why = NULL;
	int rc = !nobody && id_parse(&to, tos, strlen(tos)) != 0
			 ? (why = "Choose a clinician of the practice.", ERR_INVALID)
			 : message_assign(&req->actor, &thread, nobody ? NULL : &to, &why);
	if (rc == ERR_INVALID) {
		web_error(req, res, 400, why);
		return;
	}
	if (rc != ERR_OK) {
		web_domain_refusal(req, res, rc, "There is no such conversation.");
		return;
	}
	char hex[ID_HEX_LEN + 1];
	id_hex(&thread, hex);
	const char *loc = arena_printf(&req->arena, "/messages/%s", hex);
	respond_redirect(req, res, loc ? loc : "/inbox");
}

void web_message_thread(struct request *req, struct response *res)
{
	struct id id;
	struct thread_view t;
	int rc = request_param_id(req, 0, &id) == 0 ? message_thread_read(&req->actor, &id, &req->arena, &t)
						    : ERR_NOT_FOUND;
	if (rc != ERR_OK) {
		web_domain_refusal(req, res, rc, "There is no such conversation.");
		return;
	}
	bool staff = !policy_audience(&req->actor, AUD_PATIENT);
	if (staff) {
		struct patient_view p;
		if (patient_read(&req->actor, &t.patient, &req->arena, &p) == ERR_OK)
			t.patient_name = arena_printf(&req->arena, "%s %s", p.given, p.family);
	}
	char hex[ID_HEX_LEN + 1];
	id_hex(&t.id, hex);
	struct buf *b = page_begin(req, res, t.subject);
	if (b == NULL)
		return;
	html_raw(b, staff ? "<p><a href=\"/inbox\">← Inbox</a></p><h1>"
			  : "<p><a href=\"/messages\">← Messages</a></p><h1>");
	html_text(b, t.subject);
	html_raw(b, "</h1><p class=\"meta\">");
	if (staff) {
		char pid[ID_HEX_LEN + 1];
		id_hex(&t.patient, pid);
		html_raw(b, "With <a href=\"/patients/");
		html_text(b, pid);
		html_raw(b, "\">");
		html_text(b, t.patient_name ? t.patient_name : "the patient");
		html_raw(b, "</a>");
	} else {
		html_raw(b, "With ");
		html_text(b, t.practice_name ? t.practice_name : "your practice");
	}
	html_raw(b, "</p>");
	if (staff)
		assign_form(req, b, &t, hex);
	for (size_t i = 0; i < t.n; i++) {
		const struct message_view *m = &t.messages[i];
		html_raw(b, m->author_kind == AUTHOR_PRACTICE ? "<article class=\"card msg practice\"><h2>"
							      : "<article class=\"card msg\"><h2>");
		html_text(b, author_label(&t, m));
		html_raw(b, " <span class=\"meta\">");
		web_when(b, m->created);
		html_raw(b, "</span></h2><p class=\"body\">");
		html_text(b, m->text);
		html_raw(b, "</p>");
		if (m->has_attachment) {
			char doc[ID_HEX_LEN + 1];
			id_hex(&m->attachment, doc);
			attachment_preview(b, m, doc);
		}
		html_raw(b, "</article>");
	}
	/* the other side's read state of what this side wrote last */
	if (t.n > 0 && (t.messages[t.n - 1].author_kind == AUTHOR_PRACTICE) == staff)
		html_raw(b, t.other_unread > 0 ? "<p class=\"meta\" role=\"status\">Not read yet.</p>"
					       : "<p class=\"meta\" role=\"status\">Read.</p>");
	struct message_draft d;
	struct message_new form = {.reply = true, .thread = t.id};
	if (message_draft_read(&req->actor, &form, &req->arena, &d) != ERR_OK)
		d.found = false;
	struct compose c = {.action = arena_printf(&req->arena, "/messages/%s/reply", hex),
			    .draft_action = arena_printf(&req->arena, "/messages/%s/draft", hex),
			    .heading = "Reply",
			    .label = "Your reply",
			    .button = "Send reply"};
	if (c.action && c.draft_action)
		compose_form(req, b, &c, &d);
	html_end(b);
	respond_buf(res, 200, html_type, b);
}

void web_inbox(struct request *req, struct response *res)
{
	struct thread_view *ts = NULL;
	size_t n = 0;
	int64_t unread = 0;
	const char *mq = request_query(req, "mine");
	bool mine = mq && strcmp(mq, "1") == 0;
	int rc = message_inbox(&req->actor, mine, &req->arena, &ts, &n, &unread);
	if (rc != ERR_OK) {
		web_domain_refusal(req, res, rc, "There is no such page.");
		return;
	}
	struct buf *b = page_begin(req, res, "Inbox");
	if (b == NULL)
		return;
	html_raw(b, "<h1>Inbox</h1><p class=\"lead\">");
	buf_printf(b, "%lld conversation%s with unread messages.", (long long)unread, unread == 1 ? "" : "s");
	html_raw(b, "</p><nav class=\"filters\" aria-label=\"Whose conversations\"><ul><li><a href=\"/inbox\"");
	html_raw(b, mine ? ">" : " aria-current=\"page\">");
	html_raw(b, "All</a></li><li><a href=\"/inbox?mine=1\"");
	html_raw(b, mine ? " aria-current=\"page\">" : ">");
	html_raw(b, "Assigned to me</a></li></ul></nav>");
	if (n == 0)
		html_raw(b, mine ? "<p class=\"empty\">No conversations are assigned to you.</p>"
				 : "<p class=\"empty\">No messages from patients yet.</p>");
	else
		html_raw(b, "<table class=\"list\"><thead><tr><th scope=\"col\">Patient</th>"
			    "<th scope=\"col\">Subject</th><th scope=\"col\">Last message</th>"
			    "<th scope=\"col\">Unread</th><th scope=\"col\">Assigned to</th></tr></thead><tbody>");
	for (size_t i = 0; i < n; i++) {
		char id[ID_HEX_LEN + 1], date[32];
		id_hex(&ts[i].id, id);
		web_format_date(ts[i].updated, date);
		html_raw(b, ts[i].unread > 0 ? "<tr class=\"unread\"><td>" : "<tr><td>");
		html_text(b, ts[i].patient_name ? ts[i].patient_name : "-");
		html_raw(b, "</td><td><a href=\"/messages/");
		html_text(b, id);
		html_raw(b, "\">");
		html_text(b, ts[i].subject);
		html_raw(b, "</a></td><td>");
		html_text(b, date);
		buf_printf(b, "</td><td>%d</td><td>", ts[i].unread);
		html_text(b, ts[i].assigned ? (ts[i].assigned_name ? ts[i].assigned_name : "a colleague") : "-");
		html_raw(b, "</td></tr>");
	}
	if (n)
		html_raw(b, "</tbody></table>");
	html_end(b);
	respond_buf(res, 200, html_type, b);
}

/* --- who has seen my record --- */

void web_access_log(struct request *req, struct response *res)
{
	int64_t before = 0;
	const char *bq = request_query(req, "before");
	if (bq && parse_int64(bq, 1, INT64_MAX, &before) != 0) {
		web_error(req, res, 400, "That page of the access log does not exist.");
		return;
	}
	const char *oq = request_query(req, "others");
	bool others = oq && strcmp(oq, "1") == 0;
	struct access_entry *raw = NULL, *es = NULL;
	size_t nraw = 0, n = 0;
	int64_t next = 0;
	int rc = accesslog_read(&req->actor, web_record(req), before, others, &req->arena, &raw, &nraw, &next);
	if (rc == ERR_OK)
		rc = accesslog_fold(raw, nraw, &req->arena, &es, &n);
	if (rc != ERR_OK) {
		web_domain_refusal(req, res, rc, "There is no such page.");
		return;
	}
	struct buf *b = page_begin(req, res, web_text(req, TEXT_H_ACCESS_LOG));
	if (b == NULL)
		return;
	web_h1(req, b, TEXT_H_ACCESS_LOG);
	html_raw(b, "<p class=\"lead\">Every time anyone opened or "
		    "changed your record, newest first: you, people you gave access to, and staff. "
		    "Something you do not recognise? Tell your practice.</p><p>");
	html_raw(b, others ? "Showing others only. <a href=\"/access-log\">Show everything</a>"
			   : "<a href=\"/access-log?others=1\">Hide what you did yourself</a>");
	html_raw(b, "</p>");
	if (n == 0)
		html_raw(b, "<p class=\"empty\">Nothing to show.</p>");
	else
		html_raw(b, "<table class=\"list\"><thead><tr><th scope=\"col\">When</th>"
			    "<th scope=\"col\">Who</th><th scope=\"col\">How</th>"
			    "<th scope=\"col\">What</th></tr></thead><tbody>");
	for (size_t i = 0; i < n; i++) {
		html_raw(b, es[i].via == ACCESS_BREAK_GLASS ? "<tr class=\"flag\"><td>" : "<tr><td>");
		web_when(b, es[i].newest_ms / 1000);
		html_raw(b, "</td><td>");
		html_text(b, es[i].who);
		html_raw(b, "</td><td>");
		html_text(b, access_via_label(es[i].via));
		html_raw(b, "</td><td>");
		html_text(b, es[i].what);
		if (es[i].count > 1)
			buf_printf(b, " (%d times)", es[i].count);
		if (!es[i].allowed)
			html_raw(b, " <strong>(refused)</strong>");
		html_raw(b, "</td></tr>");
	}
	if (n)
		html_raw(b, "</tbody></table>");
	if (next > 0)
		buf_printf(b, "<p><a href=\"/access-log?before=%lld%s\">Older entries</a></p>",
			   (long long)next, others ? "&amp;others=1" : "");
	html_raw(b, "<p><a href=\"/export\">Download your whole record</a></p>");
	html_end(b);
	respond_buf(res, 200, html_type, b);
}

/* --- the whole record --- */

void web_export(struct request *req, struct response *res)
{
	struct buf *b = page_begin(req, res, "Download your record");
	if (b == NULL)
		return;
	html_raw(b, "<h1>Download your whole record</h1><p class=\"lead\">One file with your details, "
		    "documents, messages and the log of who has seen your record, in the FHIR R4 "
		    "format that other health apps can read.</p><p>Keep the file safe: anyone who has "
		    "it can read your health information.</p>");
	if (!req->actor.mfa_enrolled)
		html_raw(b, "<p class=\"status warn\">To download your record you need two-step sign-in. "
			    "<a href=\"/mfa/setup\">Turn it on</a> first.</p>");
	else
		html_raw(b, "<p>For your safety we ask for your second factor again if you have not "
			    "used it in the last 5 minutes.</p><p><a class=\"button\" "
			    "href=\"/export/download\">Download my record</a></p>");
	html_end(b);
	respond_buf(res, 200, html_type, b);
}

void web_export_download(struct request *req, struct response *res)
{
	char *copy = NULL;
	size_t len = 0;
	const char *base = request_fhir_base(req);
	int rc = base ? record_export(&req->actor, web_record(req), base, &req->arena, &copy, &len)
		      : ERR_INTERNAL;
	if (rc == ERR_STEP_UP) {
		respond_redirect(req, res, "/step-up?next=/export");
		return;
	}
	if (rc != ERR_OK) {
		web_domain_refusal(req, res, rc, "There is no such page.");
		return;
	}
	response_header(res, "Content-Disposition", "attachment; filename=\"medkeep-record.json\"");
	res->csp = CSP_DOWNLOAD;
	respond(res, 200, "application/fhir+json", copy, len);
}
