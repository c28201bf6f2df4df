#include "web/html.h"

#include <string.h>

#include "auth/auth.h"
#include "domain/messages.h"
#include "policy/policy.h"
#include "policy/route_access.h"

void html_text(struct buf *b, const char *s)
{
	if (s == NULL)
		return;
	const char *run = s;
	for (const char *p = s; *p; p++) {
		const char *rep = NULL;
		switch (*p) {
		case '&':
			rep = "&amp;";
			break;
		case '<':
			rep = "&lt;";
			break;
		case '>':
			rep = "&gt;";
			break;
		case '"':
			rep = "&quot;";
			break;
		case '\'':
			rep = "&#39;";
			break;
		default:
			continue;
		}
		buf_append(b, run, (size_t)(p - run));
		buf_puts(b, rep);
		run = p + 1;
	}
	buf_puts(b, run);
}

void html_raw(struct buf *b, const char *markup)
{
	buf_puts(b, markup);
}

void html_begin(struct buf *b, const char *title, const struct actor *a, const char *csrf)
{
	html_raw(b, "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
		    "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
		    "<title>");
	html_text(b, title);
	html_raw(b, " · medkeep</title><link rel=\"stylesheet\" href=\"/static/style.css\">");
	/* Signed in: a warning before the idle timeout, and drafts kept as they are typed. The
	 * script reads its own attributes; without it nothing changes. */
	if (a != NULL)
		buf_printf(b, "<script src=\"/static/session.js\" defer data-idle=\"%lld\" "
			      "data-warn=\"%lld\"></script>",
			   (long long)auth_session_idle_seconds(), (long long)auth_session_warn_seconds());
	html_raw(b, "</head>"
		    "<body><a class=\"skip\" href=\"#main\">Skip to content</a>"
		    "<header class=\"top\"><a class=\"brand\" href=\"/\">medkeep</a>");
	if (a != NULL) {
		html_raw(b, "<nav aria-label=\"Main\">");
		if (policy_audience(a, AUD_PATIENT)) {
			/* A proxy viewing someone else's record is offered only what its grant
			 * covers, and sees so on every page. */
			bool held = a->has_record && !(a->has_patient && id_eq(&a->record, &a->patient));
			unsigned s = held ? a->record_scopes : SCOPE_ALL;
			static const struct {
				unsigned scope;
				const char *own, *other;
			} parts[] = {
				{SCOPE_DOCUMENTS, "<a href=\"/documents\">My documents</a>",
				 "<a href=\"/documents\">Documents</a>"},
				{SCOPE_RESULTS, "<a href=\"/results\">My results</a>",
				 "<a href=\"/results\">Results</a>"},
				{SCOPE_MEDICATIONS, "<a href=\"/medications\">Medications</a>", NULL},
				{SCOPE_APPOINTMENTS, "<a href=\"/appointments\">Appointments</a>", NULL},
				{SCOPE_MESSAGES, "<a href=\"/messages\">Messages</a>", NULL},
			};
			for (size_t i = 0; i < sizeof(parts) / sizeof(parts[0]); i++)
				if (s & parts[i].scope)
					html_raw(b, held && parts[i].other ? parts[i].other : parts[i].own);
			if (!held)
				html_raw(b, "<a href=\"/access-log\">Access log</a>"
					    "<a href=\"/enrolment\">Your practice</a>");
			html_raw(b, "<a href=\"/security\">Security</a><a href=\"/proxies\">"
				    "Family access</a>");
			if (held)
				html_raw(b, "<a class=\"viewing\" href=\"/proxies\">Viewing another "
					    "person's record</a>");
		}
		if (policy_audience(a, AUD_CLINICIAN)) {
			html_raw(b, "<a href=\"/patients\">Patients</a>");
			int64_t unread = message_inbox_unread(a);
			if (unread > 0)
				buf_printf(b, "<a href=\"/inbox\">Inbox <span class=\"badge\">%lld</span>"
					      "<span class=\"visually-hidden\"> unread</span></a>",
					   (long long)unread);
			else
				html_raw(b, "<a href=\"/inbox\">Inbox</a>");
			html_raw(b, "<a href=\"/results/inbox\">Results inbox</a><a href=\"/repeats\">Repeats"
				    "</a><a href=\"/day\">My day</a><a href=\"/slots\">Slots</a>"
				    "<a href=\"/practice/feed-queue\">Feed queue</a>"
				    "<a href=\"/practice/transfers\">Moving</a>");
		}
		if (policy_audience(a, AUD_PRACTICE_ADMIN))
			html_raw(b, "<a href=\"/practice/result-rules\">Release rules</a>");
		if (policy_audience(a, AUD_OPERATOR))
			html_raw(b, "<a href=\"/operator\">Alerts</a>");
		if (policy_audience(a, AUD_PRACTICE_ADMIN))
			html_raw(b, "<a href=\"/practice\">Practice</a><a href=\"/patients\">Patients</a>"
				    "<a href=\"/practice/locks\">Locks</a>"
				    "<a href=\"/slots\">Slots</a><a href=\"/practice/feeds\">Feeds</a>"
				    "<a href=\"/practice/feed-queue\">Feed queue</a>"
				    "<a href=\"/practice/transfers\">Moving</a>");
		html_raw(b, "<a href=\"/sessions\">Sessions</a><a href=\"/account\">Account</a>");
		html_raw(b, "<form method=\"post\" action=\"/logout\" class=\"inline\">"
			    "<input type=\"hidden\" name=\"csrf\" value=\"");
		html_text(b, csrf);
		html_raw(b, "\"><button type=\"submit\" class=\"link\">Log out</button></form></nav>");
	}
	html_raw(b, "</header><main id=\"main\">");
}

void html_end(struct buf *b)
{
	html_raw(b, "</main><footer class=\"foot\">Your health information is encrypted and every "
		    "access to it is recorded.</footer></body></html>\n");
}
