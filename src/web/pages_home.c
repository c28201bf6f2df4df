/*
 * The patient's home page (docs/internals/HOME.md): what is new on the record shown since this
 * account last looked, the next appointment, and the security cards, each put away once read
 * ("Got it", a form: no script) and shown again when something newer happens. The data comes
 * from src/domain/home.c, through the gate.
 */
#include <string.h>
#include <time.h>

#include "auth/auth.h"
#include "domain/home.h"
#include "domain/notices.h"
#include "http/parse.h"
#include "limits.h"
#include "web/html.h"
#include "web/web.h"
#include "web/web_int.h"

/* "Got it": puts the card away for this account (POST /home/cards). */
static void got_it(struct buf *b, const char *csrf, enum home_card c, const char *what)
{
	html_raw(b, "<form method=\"post\" action=\"/home/cards\" class=\"dismiss\">");
	web_csrf_field(b, csrf);
	html_raw(b, "<input type=\"hidden\" name=\"card\" value=\"");
	html_text(b, home_card_name(c));
	html_raw(b, "\"><button type=\"submit\" class=\"link\">Got it<span class=\"visually-hidden\">, "
		    "put away ");
	html_raw(b, what);
	html_raw(b, "</span></button></form>");
}

/* The security status of the account's own record: an incident notice open until put away,
 * then folded (a newer notice opens it again); "no incident" until put away. */
static void security_card(struct request *req, struct buf *b)
{
	struct notice_view *ns = NULL;
	size_t n = 0;
	if (!req->actor.has_patient ||
	    notice_list(&req->actor, &req->actor.patient, &req->arena, &ns, &n) != ERR_OK)
		return;
	if (n == 0) {
		if (home_card_put_away(&req->actor, CARD_STATUS) != 0)
			return;
		html_raw(b, "<section class=\"status ok\" aria-labelledby=\"security\"><h2 id=\"security\">"
			    "Security status</h2><p>No security incident has involved your record. "
			    "<a href=\"/security\">How we protect it</a></p>");
		got_it(b, req->csrf, CARD_STATUS, "this message");
		html_raw(b, "</section>");
		return;
	}
	bool read = home_card_put_away(&req->actor, CARD_NOTICE) >= ns[0].created;
	html_raw(b, read ? "<details class=\"status warn\"><summary>Security notice of "
			 : "<section class=\"status warn\" aria-labelledby=\"security\"><h2 id=\"security\">"
			   "Security status</h2><p>A security incident involved your record (notice of ");
	web_date(b, ns[0].created);
	html_raw(b, read ? ", reference " : ", reference <strong>");
	html_text(b, ns[0].reference);
	html_raw(b, read ? "</summary><p>" : "</strong>). ");
	html_raw(b, "<a href=\"/security\">See what happened and what you can do</a>");
	if (read) {
		html_raw(b, "</p></details>");
		return;
	}
	html_raw(b, "</p>");
	got_it(b, req->csrf, CARD_NOTICE, "this notice");
	html_raw(b, "</section>");
}

/* A sign-in from a device new to this account, in the last week, other than this one, newer
 * than the last such card put away. */
static void new_device_card(struct request *req, struct buf *b)
{
	struct store_session *ss;
	size_t n = 0;
	if (auth_sessions_list(&req->actor, &req->arena, &ss, &n) != ERR_OK)
		return;
	int64_t week_ago = (int64_t)time(NULL) - 7 * 24 * 3600;
	int64_t put_away = home_card_put_away(&req->actor, CARD_DEVICE);
	for (size_t i = 0; i < n; i++) {
		if (!ss[i].new_device || ss[i].created < week_ago || ss[i].created <= put_away ||
		    id_eq(&ss[i].id, &req->actor.session))
			continue;
		html_raw(b, "<div class=\"status warn\" role=\"status\"><p>New sign-in from ");
		html_text(b, ss[i].device);
		html_raw(b, " on ");
		web_when(b, ss[i].created);
		html_raw(b, ". Not you? <a href=\"/sessions\">End that session</a> and change your "
			    "password.</p>");
		got_it(b, req->csrf, CARD_DEVICE, "this sign-in message");
		html_raw(b, "</div>");
		return;
	}
}

/* No second factor: a card until put away, then one line that stays until one is set up. */
static void mfa_nag(struct request *req, struct buf *b)
{
	if (req->actor.mfa_enrolled)
		return;
	if (home_card_put_away(&req->actor, CARD_MFA) != 0) {
		html_raw(b, "<p class=\"nag\">Two-step sign-in is off: <a href=\"/mfa/setup\">turn on "
			    "two-step sign-in</a></p>");
		return;
	}
	html_raw(b, "<div class=\"status warn\"><p>Protect your record: <a href=\"/mfa/setup\">turn on "
		    "two-step sign-in</a>, so a stolen password alone opens nothing.</p>");
	got_it(b, req->csrf, CARD_MFA, "this reminder");
	html_raw(b, "</div>");
}

static void item_begin(struct buf *b, const char *href, const struct id *id)
{
	html_raw(b, "<li><a href=\"");
	html_raw(b, href);
	if (id)
		web_hex(b, id);
	html_raw(b, "\">");
}

static void result_items(struct buf *b, const struct home_news *nw)
{
	for (size_t i = 0; i < nw->n_results; i++) {
		item_begin(b, "/results/", &nw->results[i].id);
		html_raw(b, "New result: ");
		html_text(b, result_kind_info(nw->results[i].kind)->label);
		html_raw(b, "</a><span class=\"meta\">Collected ");
		web_date(b, nw->results[i].collected);
		html_raw(b, " · released ");
		web_when(b, nw->results[i].release_at);
		html_raw(b, "</span></li>");
	}
	if (nw->results_total > (int64_t)nw->n_results)
		buf_printf(b, "<li><a href=\"/results\">%lld more new results</a></li>",
			   (long long)(nw->results_total - (int64_t)nw->n_results));
}

static void message_items(struct buf *b, const struct home_news *nw)
{
	for (size_t i = 0; i < nw->n_threads; i++) {
		const struct thread_view *t = &nw->threads[i];
		item_begin(b, "/messages/", &t->id);
		html_raw(b, t->unread == 1 ? "Reply: " : "Replies: ");
		html_text(b, t->subject);
		buf_printf(b, "</a><span class=\"meta\">%d unread from ", t->unread);
		html_text(b, t->practice_name ? t->practice_name : "your practice");
		html_raw(b, " · ");
		web_when(b, t->updated);
		html_raw(b, "</span></li>");
	}
}

static void repeat_items(struct buf *b, const struct home_news *nw)
{
	for (size_t i = 0; i < nw->n_repeats; i++) {
		const struct repeat_view *r = &nw->repeats[i];
		const struct medication_view *m = r->medication_view;
		bool ok = r->state == REPEAT_APPROVED;
		item_begin(b, "/medications", NULL);
		html_raw(b, ok ? "Repeat ready: " : "Repeat declined: ");
		html_text(b, m ? m->drug : "a medication");
		if (m && m->strength && *m->strength) {
			html_raw(b, " ");
			html_text(b, m->strength);
		}
		html_raw(b, ok ? "</a><span class=\"meta\">Approved " : "</a><span class=\"meta\">Declined ");
		web_when(b, r->decided);
		if (ok && r->pharmacy && *r->pharmacy) {
			html_raw(b, " · sent to ");
			html_text(b, r->pharmacy);
		}
		if (!ok && r->reason && *r->reason) {
			html_raw(b, " · ");
			html_text(b, r->reason);
		}
		html_raw(b, "</span></li>");
	}
}

static void recall_items(struct buf *b, const struct home_news *nw)
{
	for (size_t i = 0; i < nw->n_recalls; i++) {
		item_begin(b, "/appointments", NULL);
		html_raw(b, "Due now: ");
		html_text(b, nw->recalls[i].label);
		html_raw(b, "</a><span class=\"meta\">");
		html_text(b, nw->recalls[i].practice_name ? nw->recalls[i].practice_name : "Your practice");
		html_raw(b, " asks you to book, from ");
		web_date(b, nw->recalls[i].due);
		html_raw(b, "</span></li>");
	}
}

static void news_section(struct buf *b, const struct home_news *nw)
{
	html_raw(b, "<section aria-labelledby=\"news\"><h2 id=\"news\">What's new</h2>");
	size_t items = nw->n_results + nw->n_threads + nw->n_repeats + nw->n_recalls;
	if (items == 0) {
		html_raw(b, nw->parts ? "<p class=\"empty\">Nothing new since you last looked: you are "
					"all up to date.</p>"
				      : "<p class=\"empty\">The access you were given to this record "
					"does not include results, messages, medications or "
					"appointments.</p>");
	} else {
		html_raw(b, "<ul class=\"news\">");
		result_items(b, nw);
		message_items(b, nw);
		repeat_items(b, nw);
		recall_items(b, nw);
		html_raw(b, "</ul>");
	}
	html_raw(b, "</section>");
	if (!(nw->parts & SCOPE_APPOINTMENTS))
		return;
	html_raw(b, "<section aria-labelledby=\"next\"><h2 id=\"next\">Next appointment</h2>");
	if (nw->has_next) {
		html_raw(b, "<p><a href=\"/appointments\">");
		web_when(b, nw->next.start);
		html_raw(b, "</a> with ");
		html_text(b, nw->next.clinician_name);
		html_raw(b, "</p>");
	} else {
		html_raw(b, "<p class=\"empty\">None booked. <a href=\"/appointments\">Book an "
			    "appointment</a></p>");
	}
	html_raw(b, "</section>");
}

void web_patient_home(struct request *req, struct response *res)
{
	if (!req->actor.has_record) {
		respond_redirect(req, res, "/proxies");
		return;
	}
	const struct id *record = &req->actor.record;
	bool own = req->actor.has_patient && id_eq(record, &req->actor.patient);
	struct home_news nw;
	int rc = home_news(&req->actor, record, &req->arena, &nw);
	if (rc != ERR_OK) {
		web_domain_refusal(req, res, rc, "There is no such page.");
		return;
	}
	struct buf *b = page_buf(req);
	html_begin(b, web_text(req, TEXT_H_HOME), &req->actor, req->csrf);
	web_h1(req, b, TEXT_H_HOME);
	if (own)
		security_card(req, b);
	new_device_card(req, b);
	mfa_nag(req, b);
	int switched = web_record_switcher(req, b);
	if (switched != ERR_OK) {
		web_domain_refusal(req, res, switched, "There is no such page.");
		return;
	}
	news_section(b, &nw);
	web_page_end(res, 200, b);
}

void web_home_card(struct request *req, struct response *res)
{
	struct form_field fields[LIMIT_FORM_FIELDS];
	size_t n = 0;
	if (!web_form_accepted(req, res, fields, &n))
		return;
	enum home_card c;
	if (home_card_parse(form_get(fields, n, "card", NULL), &c) != 0) {
		web_error(req, res, 400, "There is no such card.");
		return;
	}
	if (home_card_dismiss(&req->actor, c) != ERR_OK) {
		web_domain_refusal(req, res, ERR_INTERNAL, "");
		return;
	}
	respond_redirect(req, res, "/");
}
