/*
 * Security pages: what was served from a patient's record and from where (/security), the
 * operator's alerts, and the account's sessions with revoking one or all.
 */
#include <jansson.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "auth/auth.h"
#include "domain/domain.h"
#include "domain/notices.h"
#include "http/parse.h"
#include "limits.h"
#include "web/html.h"
#include "web/web.h"
#include "web/web_int.h"

static void resource_line(struct buf *b, const char *type, const struct id *id,
			  const struct document_view *docs, size_t n)
{
	if (strcmp(type, "Patient") == 0) {
		html_raw(b, "<li>Your name, date of birth, gender and NHI number</li>");
		return;
	}
	if (strcmp(type, "DiagnosticReport") == 0 || strcmp(type, "Observation") == 0) {
		char rid[ID_HEX_LEN + 1];
		id_hex(id, rid);
		html_raw(b, "<li><a href=\"/results/");
		html_text(b, rid);
		html_raw(b, "\">A lab result</a> (its values and comments)</li>");
		return;
	}
	/* the other kinds, in words (no link: what was read may have changed since) */
	static const struct {
		const char *type, *words;
	} kinds[] = {
		{"MedicationRequest", "A medicine or repeat prescription request"},
		{"Appointment", "An appointment (when, with whom, and its reason)"},
		{"MessageThread", "A conversation with your practice (its subject)"},
		{"Communication", "A message to or from your practice (its text)"},
		{"AuditEvent", "Your access log (who looked at your record, and when)"},
		{"ProxyGrant", "Who has family or carer access to your record"},
		{"Bundle", "A copy of your whole record (an export)"},
	};
	for (size_t k = 0; k < sizeof(kinds) / sizeof(kinds[0]); k++)
		if (strcmp(type, kinds[k].type) == 0) {
			html_raw(b, "<li>");
			html_text(b, kinds[k].words);
			html_raw(b, "</li>");
			return;
		}
	const char *title = NULL;
	for (size_t i = 0; i < n; i++)
		if (id_eq(&docs[i].id, id))
			title = docs[i].title;
	char hex[ID_HEX_LEN + 1];
	id_hex(id, hex);
	html_raw(b, "<li>");
	if (title) {
		html_raw(b, "<a href=\"/documents/");
		html_text(b, hex);
		html_raw(b, "\">");
		html_text(b, title);
		html_raw(b, "</a>");
	} else {
		html_raw(b, "A document that is no longer on the portal");
	}
	html_raw(b, strcmp(type, "Binary") == 0 ? " (the file itself)" : " (its title and details)");
	html_raw(b, "</li>");
}

/* When a notice's resource was served: New Zealand time, or as written when unreadable. */
static void served_when(struct buf *b, int64_t at, const char *as_written)
{
	if (at != 0)
		web_when(b, at);
	else
		html_text(b, as_written ? as_written : "");
}

void web_security(struct request *req, struct response *res)
{
	if (!req->actor.has_patient) {
		respond_redirect(req, res, "/");
		return;
	}
	struct notice_view *ns = NULL;
	struct document_view *docs = NULL;
	size_t n = 0, nd = 0;
	int rc = notice_list(&req->actor, &req->actor.patient, &req->arena, &ns, &n);
	if (rc == ERR_OK && n > 0)
		rc = document_list(&req->actor, &req->actor.patient, &req->arena, &docs, &nd);
	if (rc != ERR_OK) {
		web_domain_refusal(req, res, rc, "There is no such page.");
		return;
	}
	const char *ref = request_query(req, "reference");
	struct buf *b = page_buf(req);
	html_begin(b, web_text(req, TEXT_H_SECURITY), &req->actor, req->csrf);
	web_h1(req, b, TEXT_H_SECURITY);
	html_raw(b, "<form method=\"get\" action=\"/security\" class=\"card\"><h2>Check a reference</h2>"
		    "<p>Got an email about your record? Enter its reference. Ours always appear here.</p>"
		    "<label for=\"reference\">Reference</label><input id=\"reference\" name=\"reference\" "
		    "maxlength=\"20\" placeholder=\"MK-XXXX-XXXX\"><button type=\"submit\">Check</button></form>");
	if (ref != NULL && ref[0] != '\0') {
		bool genuine = false;
		for (size_t i = 0; i < n; i++)
			genuine |= strcmp(ns[i].reference, ref) == 0;
		html_raw(b, genuine ? "<p class=\"status ok\" role=\"status\">This reference is genuine: "
				      "we sent it to you, and its notice is below.</p>"
				    : "<p class=\"error\" role=\"alert\">We did not send this reference to you. "
				      "Do not reply to that message or follow its links.</p>");
	}
	if (n == 0)
		html_raw(b, "<p>No security incident has involved your record.</p>");
	for (size_t i = 0; i < n; i++) {
		html_raw(b, "<article class=\"card notice\"><h2>Notice of ");
		web_date(b, ns[i].created);
		html_raw(b, "</h2><p>Reference <strong>");
		html_text(b, ns[i].reference);
		html_raw(b, "</strong></p><h3>What happened</h3><p>");
		html_text(b, ns[i].what);
		html_raw(b, "</p><p>Between ");
		served_when(b, ns[i].first_served_at, ns[i].first_served);
		html_raw(b, " and ");
		served_when(b, ns[i].last_served_at, ns[i].last_served);
		html_raw(b, ", these parts of your record were shown to someone who should not have "
			    "seen them:</p><ul>");
		for (size_t k = 0; k < ns[i].n_resources; k++)
			resource_line(b, ns[i].resource_types[k], &ns[i].resource_ids[k], docs, nd);
		html_raw(b, "</ul><h3>What you can do</h3><p>");
		html_text(b, ns[i].actions);
		html_raw(b, "</p><h3>Whom to contact</h3><p>");
		html_text(b, ns[i].contact);
		html_raw(b, "</p></article>");
	}
	html_raw(b, "<h2>How we protect your record</h2><p>Your documents and details are encrypted "
		    "with a key of your own. Every access is recorded, and a safeguard stops anyone "
		    "reading more than their role needs.</p>");
	html_end(b);
	respond_buf(res, 200, html_type, b);
}

void web_operator(struct request *req, struct response *res)
{
	struct audit_record *alerts = NULL;
	size_t n = 0;
	int rc = alerts_list(&req->actor, &req->arena, &alerts, &n);
	if (rc != ERR_OK) {
		web_domain_refusal(req, res, rc, "There is no such page.");
		return;
	}
	struct buf *b = page_buf(req);
	html_begin(b, "Alerts", &req->actor, req->csrf);
	html_raw(b, "<h1>Alerts</h1><p class=\"lead\">Accounts the exfiltration breaker stopped. Each "
		    "is locked with its sessions revoked until reviewed. <code>medkeep incident report "
		    "--session ID</code> lists what it was served.</p>");
	if (n == 0)
		html_raw(b, "<p class=\"status ok\">No account has been stopped.</p>");
	else
		html_raw(b, "<table class=\"list\"><thead><tr><th scope=\"col\">When</th>"
			    "<th scope=\"col\">Account</th><th scope=\"col\">Session</th>"
			    "<th scope=\"col\">Address</th></tr></thead><tbody>");
	for (size_t i = 0; i < n; i++) {
		html_raw(b, "<tr><td>");
		web_when(b, alerts[i].ts_ms / 1000);
		html_raw(b, "</td><td><code>");
		html_text(b, alerts[i].actor);
		html_raw(b, "</code></td><td><code>");
		html_text(b, alerts[i].session);
		html_raw(b, "</code></td><td>");
		html_text(b, alerts[i].ip);
		html_raw(b, "</td></tr>");
	}
	if (n)
		html_raw(b, "</tbody></table>");
	web_operator_locks(req, b); /* pages_locks.c: each lock, for review */
	html_end(b);
	respond_buf(res, 200, html_type, b);
}

/* --- sessions --- */

void web_sessions(struct request *req, struct response *res)
{
	struct store_session *ss;
	size_t n = 0;
	if (auth_sessions_list(&req->actor, &req->arena, &ss, &n) != ERR_OK) {
		web_error(req, res, 500, "Something went wrong on our side. Please try again.");
		return;
	}
	struct buf *b = page_buf(req);
	html_begin(b, web_text(req, TEXT_NAV_SESSIONS), &req->actor, req->csrf);
	web_h1(req, b, TEXT_H_SESSIONS);
	html_raw(b, "<ul class=\"docs\">");
	for (size_t i = 0; i < n; i++) {
		char id[ID_HEX_LEN + 1];
		id_hex(&ss[i].id, id);
		bool current = id_eq(&ss[i].id, &req->actor.session);
		html_raw(b, "<li><strong>");
		html_text(b, ss[i].device[0] ? ss[i].device : "Unknown device");
		html_raw(b, current ? "</strong> (this session)" : "</strong>");
		html_raw(b, "<span class=\"meta\">From ");
		html_text(b, ss[i].ip[0] ? ss[i].ip : "an unknown address");
		html_raw(b, " · signed in ");
		web_when(b, ss[i].created);
		html_raw(b, " · last seen ");
		web_when(b, ss[i].last_seen);
		html_raw(b, "</span>");
		if (!current) {
			html_raw(b, "<form method=\"post\" action=\"/sessions/");
			html_text(b, id);
			html_raw(b, "/revoke\"><input type=\"hidden\" name=\"csrf\" value=\"");
			html_text(b, req->csrf);
			html_raw(b, "\"><button type=\"submit\">End this session</button></form>");
		}
		html_raw(b, "</li>");
	}
	html_raw(b, "</ul>");
	web_app_families(req, b);
	html_raw(b, "<form method=\"post\" action=\"/sessions/end-all\" class=\"card\">"
		    "<input type=\"hidden\" name=\"csrf\" value=\"");
	html_text(b, req->csrf);
	html_raw(b, "\"><p>Lost a phone, or signed in somewhere you should not have? This ends every "
		    "session, this one too, and every app's access.</p>"
		    "<button type=\"submit\">Sign out everywhere</button></form>"
		    "<p><a href=\"/mfa/setup\">Two-step sign-in and passkeys</a></p>");
	html_end(b);
	respond_buf(res, 200, html_type, b);
}

void web_session_revoke(struct request *req, struct response *res)
{
	struct form_field fields[LIMIT_FORM_FIELDS];
	size_t n = 0;
	if (!web_form_accepted(req, res, fields, &n))
		return;
	struct id sid;
	/* Only the account's own sessions: anything else is not found. */
	if (request_param_id(req, 0, &sid) != 0 || auth_session_revoke(&req->actor, &sid) != ERR_OK) {
		web_error(req, res, 404, "There is no such session.");
		return;
	}
	respond_redirect(req, res, "/sessions");
}

void web_sessions_end_all(struct request *req, struct response *res)
{
	struct form_field fields[LIMIT_FORM_FIELDS];
	size_t n = 0;
	if (!web_form_accepted(req, res, fields, &n))
		return;
	if (auth_sessions_end_all(&req->actor) != ERR_OK) {
		web_error(req, res, 500, "Something went wrong on our side. Please try again.");
		return;
	}
	web_cookie(req, res, SESSION_COOKIE, "", 0);
	web_app_request_forget(req, res);
	respond_redirect(req, res, "/login");
}

