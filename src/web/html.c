#include "web/html.h"

#include <string.h>

#include "domain/home.h"
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

/* "Messages (2 unread)": the count in the link's text, so a screen reader says it too. */
static void counted(struct buf *b, const char *href, const char *label, int64_t n, const char *what)
{
	html_raw(b, "<a href=\"");
	html_raw(b, href);
	html_raw(b, "\">");
	html_raw(b, label);
	if (n > 0)
		buf_printf(b, " <span class=\"count\">(%lld %s)</span>", (long long)n, what);
	html_raw(b, "</a>");
}

static void patient_links(struct buf *b, const struct actor *a, const struct home_counts *c)
{
	/* A proxy viewing someone else's record is offered only what its grant covers (and sees
	 * so on every page: html_begin). */
	bool held = a->has_record && !(a->has_patient && id_eq(&a->record, &a->patient));
	unsigned s = held ? a->record_scopes : SCOPE_ALL;
	html_raw(b, "<a href=\"/\">Home</a>");
	if (s & SCOPE_DOCUMENTS)
		html_raw(b, held ? "<a href=\"/documents\">Documents</a>"
				 : "<a href=\"/documents\">My documents</a>");
	if (s & SCOPE_RESULTS)
		counted(b, "/results", held ? "Results" : "My results", c->results, "new");
	if (s & SCOPE_MEDICATIONS)
		counted(b, "/medications", "Medications", c->repeats, "new");
	if (s & SCOPE_SUMMARY)
		html_raw(b, "<a href=\"/summary\">Health summary</a>");
	if (s & SCOPE_APPOINTMENTS)
		html_raw(b, "<a href=\"/appointments\">Appointments</a>");
	if (s & SCOPE_MESSAGES)
		counted(b, "/messages", "Messages", c->messages, "unread");
	if (!held)
		html_raw(b, "<a href=\"/access-log\">Access log</a>"
			    "<a href=\"/enrolment\">Your practice</a>");
	html_raw(b, "<a href=\"/security\">Security</a><a href=\"/proxies\">Family access</a>");
}

/* The menu's links for whoever a is (counts read once, before the menu is written twice). */
static void nav_links(struct buf *b, const struct actor *a, const char *csrf,
		      const struct home_counts *c, int64_t inbox_unread)
{
	if (policy_audience(a, AUD_PATIENT))
		patient_links(b, a, c);
	if (policy_audience(a, AUD_CLINICIAN)) {
		html_raw(b, "<a href=\"/patients\">Patients</a>");
		counted(b, "/inbox", "Inbox", inbox_unread, "unread");
		html_raw(b, "<a href=\"/results/inbox\">Results inbox</a><a href=\"/repeats\">Repeats"
			    "</a><a href=\"/practice/recalls\">Recalls</a><a href=\"/day\">My day</a>"
			    "<a href=\"/practice/bookings\">Bookings</a><a href=\"/slots\">Slots</a>"
			    "<a href=\"/practice/feed-queue\">Feed queue</a>"
			    "<a href=\"/practice/transfers\">Moving</a>");
	}
	if (policy_audience(a, AUD_PRACTICE_ADMIN))
		html_raw(b, "<a href=\"/practice/result-rules\">Release rules</a>");
	if (policy_audience(a, AUD_OPERATOR))
		html_raw(b, "<a href=\"/operator\">Alerts</a>");
	if (policy_audience(a, AUD_PRACTICE_ADMIN))
		html_raw(b, "<a href=\"/practice\">Practice</a><a href=\"/patients\">Patients</a>"
			    "<a href=\"/practice/locks\">Locks</a><a href=\"/practice/bookings\">Bookings</a>"
			    "<a href=\"/slots\">Slots</a><a href=\"/practice/feeds\">Feeds</a>"
			    "<a href=\"/practice/feed-queue\">Feed queue</a>"
			    "<a href=\"/practice/transfers\">Moving</a>");
	html_raw(b, "<a href=\"/sessions\">Sessions</a><a href=\"/account\">Account</a>");
	html_raw(b, "<form method=\"post\" action=\"/logout\" class=\"inline\">"
		    "<input type=\"hidden\" name=\"csrf\" value=\"");
	html_text(b, csrf);
	html_raw(b, "\"><button type=\"submit\" class=\"link\">Log out</button></form>");
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
		struct home_counts c = {-1, -1, -1};
		if (policy_audience(a, AUD_PATIENT))
			home_counts(a, &c);
		int64_t unread = policy_audience(a, AUD_CLINICIAN) ? message_inbox_unread(a) : 0;
		/* The same menu twice: a row of links on a wide screen, folded into a "Menu"
		 * disclosure on a phone (the stylesheet shows one; no script either way). */
		html_raw(b, "<nav aria-label=\"Main\" class=\"menu-wide\">");
		nav_links(b, a, csrf, &c, unread);
		html_raw(b, "</nav><details class=\"menu-phone\"><summary>Menu</summary>"
			    "<nav aria-label=\"Main\">");
		nav_links(b, a, csrf, &c, unread);
		html_raw(b, "</nav></details>");
		/* Outside the menu, so that it shows at every width, folded or not. */
		if (policy_audience(a, AUD_PATIENT) && a->has_record &&
		    !(a->has_patient && id_eq(&a->record, &a->patient)))
			html_raw(b, "<a class=\"viewing\" href=\"/proxies\">Viewing another person's "
				    "record</a>");
	}
	html_raw(b, "</header><main id=\"main\">");
}

void html_end(struct buf *b)
{
	html_raw(b, "</main><footer class=\"foot\">Your health information is encrypted and every "
		    "access to it is recorded.</footer></body></html>\n");
}
