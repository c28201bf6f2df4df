#include "web/html.h"

#include <string.h>

#include "domain/home.h"
#include "auth/auth.h"
#include "domain/messages.h"
#include "policy/policy.h"
#include "policy/route_access.h"
#include "util/text.h"

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

/* A menu link: its words from the text table (util/text.h) in the actor's language. */
static void nav_link(struct buf *b, enum lang l, const char *href, enum text_id label)
{
	html_raw(b, "<a href=\"");
	html_raw(b, href);
	html_raw(b, "\">");
	html_text(b, text_get(l, label));
	html_raw(b, "</a>");
}

/* "Messages (2 unread)": the count in the link's text, so a screen reader says it too. */
static void counted(struct buf *b, enum lang l, const char *href, enum text_id label, int64_t n,
		    enum text_id what)
{
	html_raw(b, "<a href=\"");
	html_raw(b, href);
	html_raw(b, "\">");
	html_text(b, text_get(l, label));
	if (n > 0) {
		buf_printf(b, " <span class=\"count\">(%lld ", (long long)n);
		html_text(b, text_get(l, what));
		html_raw(b, ")</span>");
	}
	html_raw(b, "</a>");
}

static void patient_links(struct buf *b, const struct actor *a, const struct home_counts *c)
{
	/* A proxy viewing someone else's record is offered only what its grant covers (and sees
	 * so on every page: html_begin). */
	bool held = a->has_record && !(a->has_patient && id_eq(&a->record, &a->patient));
	unsigned s = held ? a->record_scopes : SCOPE_ALL;
	enum lang l = a->lang;
	nav_link(b, l, "/", TEXT_NAV_HOME);
	if (s & SCOPE_DOCUMENTS)
		nav_link(b, l, "/documents", held ? TEXT_NAV_DOCUMENTS : TEXT_NAV_MY_DOCUMENTS);
	if (s & SCOPE_RESULTS)
		counted(b, l, "/results", held ? TEXT_NAV_RESULTS : TEXT_NAV_MY_RESULTS, c->results,
			TEXT_COUNT_NEW);
	if (s & SCOPE_MEDICATIONS)
		counted(b, l, "/medications", TEXT_NAV_MEDICATIONS, c->repeats, TEXT_COUNT_NEW);
	if (s & SCOPE_SUMMARY)
		nav_link(b, l, "/summary", TEXT_NAV_SUMMARY);
	if (s & SCOPE_APPOINTMENTS)
		nav_link(b, l, "/appointments", TEXT_NAV_APPOINTMENTS);
	if (s & SCOPE_MESSAGES)
		counted(b, l, "/messages", TEXT_NAV_MESSAGES, c->messages, TEXT_COUNT_UNREAD);
	/* Contact details: the patient's own, or a held record's whose grant covers all of it
	 * (policy_proxy_covers; the gate decides again on the page). */
	if (policy_proxy_covers(s, ACTION_DETAILS_UPDATE))
		nav_link(b, l, "/details", held ? TEXT_NAV_DETAILS : TEXT_NAV_YOUR_DETAILS);
	if (!held) {
		nav_link(b, l, "/access-log", TEXT_NAV_ACCESS_LOG);
		nav_link(b, l, "/enrolment", TEXT_NAV_YOUR_PRACTICE);
	}
	nav_link(b, l, "/security", TEXT_NAV_SECURITY);
	nav_link(b, l, "/proxies", TEXT_NAV_FAMILY);
}

struct nav_item {
	const char *href;
	enum text_id label;
};

static void nav_items(struct buf *b, enum lang l, const struct nav_item *items, size_t n)
{
	for (size_t i = 0; i < n; i++)
		nav_link(b, l, items[i].href, items[i].label);
}

#define NAV_ITEMS(b, l, list) nav_items(b, l, list, sizeof(list) / sizeof(list[0]))

static const struct nav_item clinician_items[] = {
	{"/results/inbox", TEXT_NAV_RESULTS_INBOX}, {"/repeats", TEXT_NAV_REPEATS},
	{"/practice/recalls", TEXT_NAV_RECALLS},    {"/day", TEXT_NAV_MY_DAY},
	{"/practice/bookings", TEXT_NAV_BOOKINGS},  {"/slots", TEXT_NAV_SLOTS},
	{"/practice/feed-queue", TEXT_NAV_FEED_QUEUE}, {"/practice/transfers", TEXT_NAV_MOVING},
};
static const struct nav_item admin_items[] = {
	{"/practice", TEXT_NAV_PRACTICE},	    {"/patients", TEXT_NAV_PATIENTS},
	{"/practice/locks", TEXT_NAV_LOCKS},	    {"/practice/bookings", TEXT_NAV_BOOKINGS},
	{"/slots", TEXT_NAV_SLOTS},		    {"/practice/feeds", TEXT_NAV_FEEDS},
	{"/practice/feed-queue", TEXT_NAV_FEED_QUEUE}, {"/practice/transfers", TEXT_NAV_MOVING},
};

/* The menu's links for whoever a is (counts read once, before the menu is written twice). */
static void nav_links(struct buf *b, const struct actor *a, const char *csrf,
		      const struct home_counts *c, int64_t inbox_unread)
{
	enum lang l = a->lang;
	if (policy_audience(a, AUD_PATIENT))
		patient_links(b, a, c);
	if (policy_audience(a, AUD_CLINICIAN)) {
		nav_link(b, l, "/patients", TEXT_NAV_PATIENTS);
		counted(b, l, "/inbox", TEXT_NAV_INBOX, inbox_unread, TEXT_COUNT_UNREAD);
		NAV_ITEMS(b, l, clinician_items);
	}
	if (policy_audience(a, AUD_PRACTICE_ADMIN))
		nav_link(b, l, "/practice/result-rules", TEXT_NAV_RELEASE_RULES);
	if (policy_audience(a, AUD_OPERATOR))
		nav_link(b, l, "/operator", TEXT_NAV_ALERTS);
	if (policy_audience(a, AUD_PRACTICE_ADMIN))
		NAV_ITEMS(b, l, admin_items);
	nav_link(b, l, "/sessions", TEXT_NAV_SESSIONS);
	nav_link(b, l, "/account", TEXT_NAV_ACCOUNT);
	html_raw(b, "<form method=\"post\" action=\"/logout\" class=\"inline\">"
		    "<input type=\"hidden\" name=\"csrf\" value=\"");
	html_text(b, csrf);
	html_raw(b, "\"><button type=\"submit\" class=\"link\">");
	html_text(b, text_get(l, TEXT_NAV_LOG_OUT));
	html_raw(b, "</button></form>");
}

void html_begin(struct buf *b, const char *title, const struct actor *a, const char *csrf)
{
	enum lang l = a ? a->lang : LANG_EN;
	/* html_end reads the language back from this attribute (frame_lang). */
	html_raw(b, "<!doctype html>\n<html lang=\"");
	html_raw(b, lang_code(l));
	html_raw(b, "\"><head><meta charset=\"utf-8\">"
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
		    "<body><a class=\"skip\" href=\"#main\">");
	html_text(b, text_get(l, TEXT_SKIP));
	html_raw(b, "</a><header class=\"top\"><a class=\"brand\" href=\"/\">medkeep</a>");
	if (a != NULL) {
		struct home_counts c = {-1, -1, -1};
		if (policy_audience(a, AUD_PATIENT))
			home_counts(a, &c);
		int64_t unread = policy_audience(a, AUD_CLINICIAN) ? message_inbox_unread(a) : 0;
		/* The same menu twice: a row of links on a wide screen, folded into a "Menu"
		 * disclosure on a phone (the stylesheet shows one; no script either way). */
		html_raw(b, "<nav aria-label=\"Main\" class=\"menu-wide\">");
		nav_links(b, a, csrf, &c, unread);
		html_raw(b, "</nav><details class=\"menu-phone\"><summary>");
		html_text(b, text_get(l, TEXT_MENU));
		html_raw(b, "</summary><nav aria-label=\"Main\">");
		nav_links(b, a, csrf, &c, unread);
		html_raw(b, "</nav></details>");
		/* Outside the menu, so that it shows at every width, folded or not. */
		if (policy_audience(a, AUD_PATIENT) && a->has_record &&
		    !(a->has_patient && id_eq(&a->record, &a->patient)))
		{
			html_raw(b, "<a class=\"viewing\" href=\"/proxies\">");
			html_text(b, text_get(l, TEXT_VIEWING_OTHER));
			html_raw(b, "</a>");
		}
	}
	html_raw(b, "</header><main id=\"main\">");
}

/* The language html_begin wrote into this page's <html lang>: the page's own first bytes, so
 * that the many callers of html_end need not say it again. */
static enum lang frame_lang(const struct buf *b)
{
	static const char head[] = "<!doctype html>\n<html lang=\"";
	enum lang l = LANG_EN;
	char code[3] = {0};
	if (b->data && b->len >= sizeof(head) + 2 && memcmp(b->data, head, sizeof(head) - 1) == 0) {
		memcpy(code, b->data + sizeof(head) - 1, 2);
		if (lang_parse(code, &l) != 0)
			l = LANG_EN;
	}
	return l;
}

void html_end(struct buf *b)
{
	html_raw(b, "</main><footer class=\"foot\">");
	html_text(b, text_get(frame_lang(b), TEXT_FOOTER));
	html_raw(b, "</footer></body></html>\n");
}
