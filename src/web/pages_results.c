/*
 * Lab result pages: the patient's results list (with their "after my clinician has commented"
 * choice), one result with each value drawn against its reference range, a repeated test over
 * time; the clinician's inbox of unreleased results with the release form; the practice's
 * release rules. Every value comes from the results services (domain/results.h); abnormal
 * values are said in words, never by colour alone.
 */
#include <stdio.h>
#include <string.h>

#include "domain/results.h"
#include "limits.h"
#include "web/chart.h"
#include "web/html.h"
#include "util/strtonum.h"
#include "web/web.h"
#include "web/web_int.h"

/* The record a patient-role page shows: their own, or one they hold as a proxy. */
static const struct id *shown_record(const struct request *req)
{
	return req->actor.has_record ? &req->actor.record : NULL;
}

static const char *abnormal_words(enum result_abnormal a)
{
	switch (a) {
	case ABNORMAL_CRITICAL:
		return "Critical result";
	case ABNORMAL_SOME:
		return "Outside the normal range";
	default:
		return "Within the normal range";
	}
}

static const char *abnormal_class(enum result_abnormal a)
{
	return a == ABNORMAL_CRITICAL ? "flag critical" : a == ABNORMAL_SOME ? "flag abnormal" : "flag normal";
}

static void range_words(const struct observation *o, char *out, size_t n)
{
	const char *u = result_unit_display(o->unit);
	const char *sp = u[0] ? " " : "";
	if (o->has_low && o->has_high)
		snprintf(out, n, "%g to %g%s%s", o->low, o->high, sp, u);
	else if (o->has_high)
		snprintf(out, n, "below %g%s%s", o->high, sp, u);
	else if (o->has_low)
		snprintf(out, n, "above %g%s%s", o->low, sp, u);
	else
		snprintf(out, n, "%s", o->range_text ? o->range_text : "");
}

/* "HbA1c 48 mmol/mol, high; normal range 20 to 40 mmol/mol": the bar's text alternative. */
static const char *obs_sentence(struct request *req, const struct observation *o)
{
	char v[128], r[128];
	result_value_text(o, v, sizeof(v));
	range_words(o, r, sizeof(r));
	const char *flag = result_flag_words(o->flag);
	return arena_printf(&req->arena, "%s %s%s%s%s%s", o->display ? o->display : "", v,
			    flag[0] ? ", " : "", flag, r[0] ? "; normal range " : "", r);
}

/* --- the patient's list --- */

static bool in_codes(const char **codes, size_t n, const char *code)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(codes[i], code) == 0)
			return true;
	return false;
}

/* Links to the trend of every numeric test that appears more than once. */
static void trend_links(struct request *req, struct buf *b, const struct result_view *rs, size_t n)
{
	const char *seen[64], *repeated[64];
	const char *names[64];
	size_t ns = 0, nr = 0;
	for (size_t i = 0; i < n; i++)
		for (size_t k = 0; k < rs[i].n_obs; k++) {
			const struct observation *o = &rs[i].obs[k];
			if (!o->has_value || o->code == NULL)
				continue;
			if (in_codes(seen, ns, o->code)) {
				if (!in_codes(repeated, nr, o->code) && nr < 64) {
					names[nr] = o->display;
					repeated[nr++] = o->code;
				}
			} else if (ns < 64) {
				seen[ns++] = o->code;
			}
		}
	if (nr == 0)
		return;
	html_raw(b, "<h2>Your tests over time</h2><ul class=\"trends\">");
	for (size_t i = 0; i < nr; i++) {
		char *href = arena_printf(&req->arena, "/results/trend?code=%s", repeated[i]);
		html_raw(b, "<li><a href=\"");
		html_text(b, href);
		html_raw(b, "\">");
		html_text(b, names[i]);
		html_raw(b, " over time</a></li>");
	}
	html_raw(b, "</ul>");
}

static void preference_form(struct buf *b, const char *csrf, bool comment_first)
{
	html_raw(b, "<form method=\"post\" action=\"/results/preference\" class=\"card\">"
		    "<h2>When results appear</h2>");
	web_csrf_field(b, csrf);
	html_raw(b, "<div class=\"check\"><input type=\"checkbox\" id=\"comment_first\" "
		    "name=\"comment_first\" value=\"1\"");
	if (comment_first)
		html_raw(b, " checked");
	html_raw(b, "><label for=\"comment_first\">Show me a result only after my clinician has "
		    "commented on it</label></div><button type=\"submit\">Save</button></form>");
}

void web_results(struct request *req, struct response *res)
{
	const struct id *record = shown_record(req);
	struct result_view *rs = NULL;
	size_t n = 0;
	bool comment_first = false;
	int rc = record ? result_list(&req->actor, record, true, &req->arena, &rs, &n) : ERR_NOT_FOUND;
	if (rc == ERR_OK)
		rc = result_pref_get(&req->actor, record, &comment_first);
	if (rc != ERR_OK) {
		web_record_refusal(req, res, rc, "There is no such page.");
		return;
	}
	struct buf *b = page_buf(req);
	const char *heading = web_record_heading(req, web_held_name(req), web_text(req, TEXT_H_MY_RESULTS), "results");
	html_begin(b, heading, &req->actor, req->csrf);
	html_raw(b, "<h1>");
	html_text(b, heading);
	html_raw(b, "</h1><p class=\"lead\">Lab results appear here once the practice "
		    "has reviewed them, or after the time the practice sets for routine results.</p>");
	if (n == 0)
		html_raw(b, "<p class=\"empty\">No results to show yet.</p>");
	else
		html_raw(b, "<ul class=\"docs results\">");
	for (size_t i = 0; i < n; i++) {
		const struct result_view *r = &rs[i];
		char id[ID_HEX_LEN + 1], date[32];
		id_hex(&r->id, id);
		web_format_date(r->collected, date);
		html_raw(b, "<li><a href=\"/results/");
		html_text(b, id);
		html_raw(b, "\">");
		html_text(b, result_kind_info(r->kind)->label);
		html_raw(b, ", ");
		html_text(b, date);
		html_raw(b, "</a><span class=\"");
		html_raw(b, abnormal_class(r->abnormal));
		html_raw(b, "\">");
		html_text(b, abnormal_words(r->abnormal));
		html_raw(b, "</span>");
		if (r->corrected)
			html_raw(b, " <span class=\"flag corrected\">Corrected</span>");
		html_raw(b, "<span class=\"meta\">");
		for (size_t k = 0; k < r->n_obs && k < 4; k++) {
			char v[128];
			result_value_text(&r->obs[k], v, sizeof(v));
			html_raw(b, k ? " · " : "");
			html_text(b, r->obs[k].display);
			html_raw(b, " ");
			html_text(b, v);
		}
		if (r->n_obs > 4)
			html_raw(b, " · …");
		html_raw(b, r->comment ? "<br>Your clinician has commented" : "");
		html_raw(b, "</span></li>");
	}
	if (n)
		html_raw(b, "</ul>");
	trend_links(req, b, rs, n);
	if (record && req->actor.has_patient && id_eq(record, &req->actor.patient))
		preference_form(b, req->csrf, comment_first);
	html_end(b);
	respond_buf(res, 200, html_type, b);
}

void web_results_preference(struct request *req, struct response *res)
{
	struct form_field fields[LIMIT_FORM_FIELDS];
	size_t n = 0;
	if (!web_form_accepted(req, res, fields, &n))
		return;
	const char *v = form_get(fields, n, "comment_first", NULL);
	const struct id *record = shown_record(req);
	int rc = record ? result_pref_set(&req->actor, record, v != NULL && strcmp(v, "1") == 0)
			: ERR_NOT_FOUND;
	if (rc != ERR_OK) {
		web_domain_refusal(req, res, rc, "There is no such page.");
		return;
	}
	respond_redirect(req, res, "/results");
}

/* --- one result --- */

static void observation_card(struct request *req, struct buf *b, const struct observation *o)
{
	char v[128], r[128];
	result_value_text(o, v, sizeof(v));
	range_words(o, r, sizeof(r));
	enum result_abnormal sev = result_flag_severity(o->flag);
	html_raw(b, "<section class=\"obs card\"><h3>");
	html_text(b, o->display);
	html_raw(b, "</h3><p class=\"value\"><strong>");
	html_text(b, v);
	html_raw(b, "</strong>");
	if (result_flag_words(o->flag)[0]) {
		html_raw(b, " <span class=\"");
		html_raw(b, o->flag == FLAG_NORMAL ? "flag normal" : abnormal_class(sev == ABNORMAL_NONE ? ABNORMAL_SOME : sev));
		html_raw(b, "\">");
		html_text(b, result_flag_words(o->flag));
		html_raw(b, "</span>");
	}
	html_raw(b, "</p>");
	if (r[0]) {
		html_raw(b, "<p class=\"meta\">Normal range: ");
		html_text(b, r);
		html_raw(b, "</p>");
	}
	if (o->has_value) {
		struct chart_range cr = {.has_low = o->has_low, .low = o->low, .has_high = o->has_high,
					 .high = o->high};
		chart_range_bar_svg(b, &cr, o->value, obs_sentence(req, o));
	}
	if (o->was) {
		html_raw(b, "<p class=\"status warn\">Corrected by the laboratory: previously ");
		html_text(b, o->was);
		html_raw(b, ".</p>");
	}
	if (o->note) {
		html_raw(b, "<p>Laboratory comment: ");
		html_text(b, o->note);
		html_raw(b, "</p>");
	}
	html_raw(b, "</section>");
}

/* "mine": the inbox filter the clinician came with, kept through the next-item flow. */
static bool inbox_mine(struct request *req)
{
	const char *m = request_query(req, "mine");
	return m && strcmp(m, "1") == 0;
}

static void action_form(struct buf *b, const char *id, const char *csrf, bool mine,
			const char *verb)
{
	html_raw(b, "<form method=\"post\" action=\"/results/");
	html_text(b, id);
	html_raw(b, "/");
	html_raw(b, verb);
	html_raw(b, "\">");
	web_csrf_field(b, csrf);
	if (mine)
		html_raw(b, "<input type=\"hidden\" name=\"mine\" value=\"1\">");
}

/* The clinician's filing actions on a result in the inbox: release with a comment, file, or
 * ask the patient to book; each goes on to the next result in the inbox. */
static void staff_actions(struct buf *b, const struct result_view *v, const char *id,
			  const char *csrf, bool mine)
{
	html_raw(b, "<section class=\"card actions\" aria-labelledby=\"act-h\"><h2 id=\"act-h\">"
		    "What to do with this result</h2>");
	action_form(b, id, csrf, mine, "release");
	html_raw(b, "<h3>Release to the patient</h3><label for=\"comment\">Comment for the patient "
		    "(optional, shown with the result)</label><textarea id=\"comment\" name=\"comment\" "
		    "maxlength=\"1000\" rows=\"3\" placeholder=\"Normal, no action needed\"></textarea>"
		    "<button type=\"submit\">Release result</button></form>");
	if (!v->filed) {
		action_form(b, id, csrf, mine, "book");
		html_raw(b, "<h3>Ask the patient to book</h3><p>They get a message from the practice "
			    "asking them to book an appointment; the email only says a message is "
			    "waiting. The result stays held.</p><label for=\"note\">Note for the "
			    "patient (optional)</label><textarea id=\"note\" name=\"note\" "
			    "maxlength=\"1000\" rows=\"2\"></textarea><button type=\"submit\">"
			    "Ask to book</button></form>");
		action_form(b, id, csrf, mine, "file");
		html_raw(b, "<h3>File</h3><p>Reviewed, nothing for the patient now: the result stays "
			    "held and leaves the inbox.</p><button type=\"submit\" class=\"secondary\">"
			    "File result</button></form>");
	}
	html_raw(b, "</section>");
}

void web_result(struct request *req, struct response *res)
{
	struct id rid;
	struct result_view v;
	int rc = request_param_id(req, 0, &rid) == 0
			 ? result_read(&req->actor, &rid, "DiagnosticReport", &req->arena, &v)
			 : ERR_NOT_FOUND;
	if (rc != ERR_OK) {
		web_domain_refusal(req, res, rc, "There is no such result.");
		return;
	}
	bool staff = !policy_audience(&req->actor, AUD_PATIENT);
	char id[ID_HEX_LEN + 1], collected[32], reported[32], pid[ID_HEX_LEN + 1];
	id_hex(&v.id, id);
	id_hex(&v.patient, pid);
	web_format_date(v.collected, collected);
	web_format_date(v.reported, reported);
	const char *title = result_kind_info(v.kind)->label;
	struct buf *b = page_buf(req);
	html_begin(b, title, &req->actor, req->csrf);
	if (staff) {
		html_raw(b, inbox_mine(req) ? "<p><a href=\"/results/inbox?mine=1\">← Results inbox</a></p>"
					     : "<p><a href=\"/results/inbox\">← Results inbox</a></p>");
	} else {
		html_raw(b, "<p><a href=\"/results\">← ");
		html_text(b, web_record_heading(req, web_held_name(req), web_text(req, TEXT_H_MY_RESULTS), "results"));
		html_raw(b, "</a></p>");
	}
	html_raw(b, "<h1>");
	html_text(b, title);
	html_raw(b, "</h1>");
	if (v.corrected)
		html_raw(b, "<p class=\"status warn\" role=\"status\">This result was corrected by the "
			    "laboratory after it was first reported. Each changed value shows what it "
			    "was before.</p>");
	if (v.comment) {
		html_raw(b, "<section class=\"status ok\" aria-labelledby=\"comment-h\"><h2 id=\"comment-h\">"
			    "Your clinician's comment</h2><p>");
		html_text(b, v.comment);
		html_raw(b, "</p></section>");
	}
	html_raw(b, "<dl class=\"facts\"><dt>Result</dt><dd><span class=\"");
	html_raw(b, abnormal_class(v.abnormal));
	html_raw(b, "\">");
	html_text(b, abnormal_words(v.abnormal));
	html_raw(b, "</span></dd><dt>Collected</dt><dd>");
	html_text(b, collected);
	html_raw(b, "</dd><dt>Reported</dt><dd>");
	html_text(b, reported);
	html_raw(b, "</dd><dt>Laboratory</dt><dd>");
	html_text(b, v.lab);
	html_raw(b, "</dd><dt>Status</dt><dd>");
	html_raw(b, v.status == RESULT_PRELIMINARY ? "Preliminary: more to come"
		    : v.corrected		   ? "Final (corrected)"
						   : "Final");
	html_raw(b, "</dd>");
	if (staff) {
		html_raw(b, "<dt>Patient</dt><dd><a href=\"/patients/");
		html_text(b, pid);
		html_raw(b, "\">Open the patient's record</a></dd><dt>Released</dt><dd>");
		char when[32];
		web_format_date(v.release_at, when);
		if (v.released_by_clinician)
			html_raw(b, "Yes, by a clinician");
		else if (v.released)
			html_raw(b, "Yes, by the practice's rules");
		else if (v.release_at > 0) {
			html_raw(b, "Not yet: by the practice's rules on ");
			html_text(b, when);
		} else
			html_raw(b, "No: held for a clinician");
		html_raw(b, "</dd>");
		if (v.filed) {
			char fw[32];
			web_format_date(v.filed, fw);
			html_raw(b, "<dt>Filed</dt><dd>");
			html_text(b, fw);
			html_raw(b, strcmp(v.filed_how, "book") == 0 ? ": the patient was asked to book"
								      : "");
			html_raw(b, "</dd>");
		}
	}
	html_raw(b, "</dl>");
	if (v.conclusion) {
		html_raw(b, "<p>Laboratory comment: ");
		html_text(b, v.conclusion);
		html_raw(b, "</p>");
	}
	html_raw(b, "<h2>Values</h2>");
	for (size_t i = 0; i < v.n_obs; i++)
		observation_card(req, b, &v.obs[i]);
	if (staff && !v.released_by_clinician)
		staff_actions(b, &v, id, req->csrf, inbox_mine(req));
	html_end(b);
	respond_buf(res, 200, html_type, b);
}

/* After an action on a result: on to the next one in the inbox (in the filter the clinician
 * came with), or back to the inbox when it was the last. */
static void next_item(struct request *req, struct response *res, const struct id *done,
		      const char *mine_field)
{
	bool mine = mine_field && strcmp(mine_field, "1") == 0;
	struct id next;
	char id[ID_HEX_LEN + 1];
	if (result_inbox_next(&req->actor, done, mine, &next) == ERR_OK) {
		id_hex(&next, id);
		respond_redirect(req, res, arena_printf(&req->arena, "/results/%s%s", id,
							mine ? "?mine=1" : ""));
	} else
		respond_redirect(req, res, mine ? "/results/inbox?mine=1&done=1"
						: "/results/inbox?done=1");
}

/* Release (with the comment), file, or ask to book (with the note), then the next item. */
static void file_off(struct request *req, struct response *res, bool release, enum result_filing how)
{
	struct form_field fields[LIMIT_FORM_FIELDS];
	size_t n = 0;
	if (!web_form_accepted(req, res, fields, &n))
		return;
	struct id rid;
	const char *why = NULL;
	int rc = request_param_id(req, 0, &rid) != 0 ? ERR_NOT_FOUND
		 : release ? result_release(&req->actor, &rid, form_get(fields, n, "comment", NULL),
					    &req->arena, &why)
			   : result_file_off(&req->actor, &rid, how, form_get(fields, n, "note", NULL),
					     &req->arena, &why);
	if (rc == ERR_INVALID) {
		web_error(req, res, 400, why ? why : "Nothing was changed.");
		return;
	}
	if (rc != ERR_OK) {
		web_domain_refusal(req, res, rc, "There is no such result.");
		return;
	}
	next_item(req, res, &rid, form_get(fields, n, "mine", NULL));
}

void web_result_release(struct request *req, struct response *res)
{
	file_off(req, res, true, RESULT_FILED);
}

void web_result_file(struct request *req, struct response *res)
{
	file_off(req, res, false, RESULT_FILED);
}

void web_result_book(struct request *req, struct response *res)
{
	file_off(req, res, false, RESULT_ASK_TO_BOOK);
}

/* --- a test over time --- */

void web_result_trend(struct request *req, struct response *res)
{
	const char *code = request_query(req, "code");
	const struct id *record = policy_audience(&req->actor, AUD_PATIENT) ? shown_record(req) : NULL;
	struct result_view *rs = NULL;
	size_t n = 0;
	int rc = record && code && strlen(code) <= RESULT_CODE_MAX
			 ? result_list(&req->actor, record, true, &req->arena, &rs, &n)
			 : ERR_NOT_FOUND;
	if (rc != ERR_OK) {
		web_domain_refusal(req, res, rc, "There is no such test in your results.");
		return;
	}
	struct trend_point *pts = arena_calloc(&req->arena, LIMIT_LIST, sizeof(*pts));
	const struct observation **obs = arena_calloc(&req->arena, LIMIT_LIST, sizeof(*obs));
	size_t np = 0;
	const struct observation *latest = NULL;
	for (size_t i = 0; pts && obs && i < n; i++)
		for (size_t k = 0; k < rs[i].n_obs && np < LIMIT_LIST; k++) {
			const struct observation *o = &rs[i].obs[k];
			if (!o->has_value || o->code == NULL || strcmp(o->code, code) != 0)
				continue;
			if (latest == NULL)
				latest = o; /* the list is newest first */
			pts[np].t = rs[i].collected;
			pts[np].v = o->value;
			obs[np++] = o;
		}
	if (np == 0) {
		web_domain_refusal(req, res, ERR_NOT_FOUND, "There is no such test in your results.");
		return;
	}
	/* Oldest first, for the chart and the table alike (each row keeps its observation). */
	for (size_t i = 0; i < np / 2; i++) {
		struct trend_point tp = pts[i];
		const struct observation *to = obs[i];
		pts[i] = pts[np - 1 - i];
		obs[i] = obs[np - 1 - i];
		pts[np - 1 - i] = tp;
		obs[np - 1 - i] = to;
	}
	const char *title = arena_printf(&req->arena, "%s over time", latest->display);
	struct buf *b = page_buf(req);
	html_begin(b, title, &req->actor, req->csrf);
	html_raw(b, "<p><a href=\"/results\">← ");
	html_text(b, web_record_heading(req, web_held_name(req), web_text(req, TEXT_H_MY_RESULTS), "results"));
	html_raw(b, "</a></p><h1>");
	html_text(b, title);
	html_raw(b, "</h1>");
	char r[128];
	range_words(latest, r, sizeof(r));
	if (r[0]) {
		html_raw(b, "<p class=\"lead\">The shaded band is the normal range (");
		html_text(b, r);
		html_raw(b, ").</p>");
	}
	struct chart_range cr = {.has_low = latest->has_low, .low = latest->low,
				 .has_high = latest->has_high, .high = latest->high};
	const char *alt = arena_printf(&req->arena, "Chart of %s: %zu results; the table below lists "
				       "each one", latest->display, np);
	html_raw(b, "<figure class=\"chart\">");
	chart_trend_svg(b, pts, np, &cr, alt);
	html_raw(b, "</figure><table class=\"list\"><caption>");
	html_text(b, title);
	html_raw(b, "</caption><thead><tr><th scope=\"col\">Date</th><th scope=\"col\">Result</th>"
		    "</tr></thead><tbody>");
	for (size_t i = 0; i < np; i++) {
		char date[32], v[128];
		web_format_date(pts[i].t, date);
		result_value_text(obs[i], v, sizeof(v));
		html_raw(b, "<tr><td>");
		html_text(b, date);
		html_raw(b, "</td><td>");
		html_text(b, v);
		if (result_flag_words(obs[i]->flag)[0]) {
			html_raw(b, " (");
			html_text(b, result_flag_words(obs[i]->flag));
			html_raw(b, ")");
		}
		html_raw(b, "</td></tr>");
	}
	html_raw(b, "</tbody></table>");
	html_end(b);
	respond_buf(res, 200, html_type, b);
}

/* --- staff: one patient's results, on their record page --- */

int web_results_section(struct request *req, struct buf *b, const struct id *patient)
{
	struct result_view *rs = NULL;
	size_t n = 0;
	int rc = result_list(&req->actor, patient, false, &req->arena, &rs, &n);
	if (rc != ERR_OK)
		return rc;
	html_raw(b, "<h2>Results</h2>");
	if (n == 0)
		html_raw(b, "<p class=\"empty\">No results yet.</p>");
	else
		html_raw(b, "<ul class=\"docs results\">");
	for (size_t i = 0; i < n; i++) {
		char id[ID_HEX_LEN + 1], date[32];
		id_hex(&rs[i].id, id);
		web_format_date(rs[i].collected, date);
		html_raw(b, "<li><a href=\"/results/");
		html_text(b, id);
		html_raw(b, "\">");
		html_text(b, result_kind_info(rs[i].kind)->label);
		html_raw(b, ", ");
		html_text(b, date);
		html_raw(b, "</a><span class=\"");
		html_raw(b, abnormal_class(rs[i].abnormal));
		html_raw(b, "\">");
		html_text(b, abnormal_words(rs[i].abnormal));
		html_raw(b, "</span><span class=\"meta\">");
		html_raw(b, rs[i].released ? "Released" : "Not released");
		html_raw(b, rs[i].corrected ? " · corrected" : "");
		html_raw(b, "</span></li>");
	}
	if (n)
		html_raw(b, "</ul>");
	return ERR_OK;
}

/* --- the clinician's inbox --- */

static void inbox_filter(struct buf *b, bool mine)
{
	html_raw(b, "<nav class=\"filters\" aria-label=\"Whose results\"><ul><li><a href=\"/results/inbox\"");
	html_raw(b, mine ? ">" : " aria-current=\"page\">");
	html_raw(b, "All patients</a></li><li><a href=\"/results/inbox?mine=1\"");
	html_raw(b, mine ? " aria-current=\"page\">" : ">");
	html_raw(b, "My patients</a></li></ul></nav>");
}

static void inbox_pager(struct buf *b, bool mine, int64_t page, int64_t total)
{
	int64_t pages = (total + RESULT_INBOX_PAGE - 1) / RESULT_INBOX_PAGE;
	if (pages <= 1)
		return;
	char t[160];
	html_raw(b, "<nav class=\"pager\" aria-label=\"Pages of the inbox\">");
	if (page > 1) {
		snprintf(t, sizeof(t), "<a rel=\"prev\" href=\"/results/inbox?page=%lld%s\">Previous "
			 "page</a> ", (long long)page - 1, mine ? "&amp;mine=1" : "");
		html_raw(b, t);
	}
	snprintf(t, sizeof(t), "Page %lld of %lld", (long long)page, (long long)pages);
	html_text(b, t);
	if (page < pages) {
		snprintf(t, sizeof(t), " <a rel=\"next\" href=\"/results/inbox?page=%lld%s\">Next "
			 "page</a>", (long long)page + 1, mine ? "&amp;mine=1" : "");
		html_raw(b, t);
	}
	html_raw(b, "</nav>");
}

void web_results_inbox(struct request *req, struct response *res)
{
	struct inbox_row *rows = NULL;
	size_t n = 0;
	int64_t total = 0, page = 1;
	bool mine = inbox_mine(req);
	const char *pq = request_query(req, "page");
	if (pq && parse_int64(pq, 1, LIMIT_INBOX_PAGES, &page) != 0) {
		web_error(req, res, 400, "There is no such page of the inbox.");
		return;
	}
	int rc = result_inbox(&req->actor, mine, (size_t)(page - 1) * RESULT_INBOX_PAGE, &req->arena,
			      &rows, &n, &total);
	if (rc != ERR_OK) {
		web_domain_refusal(req, res, rc, "There is no such page.");
		return;
	}
	struct buf *b = page_buf(req);
	html_begin(b, "Results inbox", &req->actor, req->csrf);
	html_raw(b, "<h1>Results inbox</h1><p class=\"lead\">Results neither released to patients nor "
		    "filed, critical and abnormal first. <a href=\"/practice/result-rules\">Release "
		    "rules</a></p>");
	inbox_filter(b, mine);
	const char *done = request_query(req, "done");
	if (done && strcmp(done, "1") == 0)
		html_raw(b, "<p class=\"status ok\" role=\"status\">That was the last result in the "
			    "inbox after the one you filed.</p>");
	if (n == 0)
		html_raw(b, mine ? "<p class=\"status ok\">No results of your patients are waiting.</p>"
				 : "<p class=\"status ok\">No results are waiting.</p>");
	else {
		char t[48];
		snprintf(t, sizeof(t), "%lld waiting.", (long long)total);
		html_raw(b, "<p>");
		html_text(b, t);
		html_raw(b, "</p>");
	}
	if (n)
		html_raw(b, "<table class=\"list inbox\"><thead><tr><th scope=\"col\">Result</th>"
			    "<th scope=\"col\">Patient</th><th scope=\"col\">Reported</th></tr></thead>"
			    "<tbody>");
	for (size_t i = 0; i < n; i++) {
		const struct result_view *r = &rows[i].result;
		char id[ID_HEX_LEN + 1], pid[ID_HEX_LEN + 1], date[32];
		id_hex(&r->id, id);
		id_hex(&rows[i].patient.id, pid);
		web_format_date(r->reported, date);
		html_raw(b, "<tr><td><a href=\"/results/");
		html_text(b, id);
		html_raw(b, mine ? "?mine=1\">" : "\">");
		html_text(b, result_kind_info(r->kind)->label);
		html_raw(b, "</a> <span class=\"");
		html_raw(b, abnormal_class(r->abnormal));
		html_raw(b, "\">");
		html_raw(b, r->abnormal == ABNORMAL_CRITICAL ? "Critical"
			    : r->abnormal == ABNORMAL_SOME   ? "Abnormal"
							     : "Normal");
		html_raw(b, "</span>");
		if (result_kind_info(r->kind)->sensitive)
			html_raw(b, " <span class=\"flag held\">Always held</span>");
		html_raw(b, "</td><td><a href=\"/patients/");
		html_text(b, pid);
		html_raw(b, "\">");
		html_text(b, rows[i].patient.family);
		html_raw(b, ", ");
		html_text(b, rows[i].patient.given);
		html_raw(b, "</a></td><td>");
		html_text(b, date);
		html_raw(b, "</td></tr>");
	}
	if (n)
		html_raw(b, "</tbody></table>");
	inbox_pager(b, mine, page, total);
	html_end(b);
	respond_buf(res, 200, html_type, b);
}

/* --- the practice's release rules --- */

static void rules_page(struct request *req, struct response *res, int status, const char *message)
{
	struct result_rule rules[RESULT_KIND_COUNT];
	int rc = result_rules_get(&req->actor, &req->arena, rules);
	if (rc != ERR_OK) {
		web_domain_refusal(req, res, rc, "There is no such page.");
		return;
	}
	struct buf *b = page_buf(req);
	html_begin(b, "Release rules", &req->actor, req->csrf);
	html_raw(b, "<h1>Result release rules</h1><p class=\"lead\">When a result reaches the patient "
		    "without a clinician releasing it. Abnormal and preliminary results, and "
		    "sensitive kinds of test, are always held for a clinician. A rule applies to "
		    "results filed after it is saved.</p>");
	if (message) {
		html_raw(b, status == 200 ? "<p class=\"status ok\" role=\"status\">"
					  : "<p class=\"error\" role=\"alert\">");
		html_text(b, message);
		html_raw(b, "</p>");
	}
	for (int k = 0; k < RESULT_KIND_COUNT; k++) {
		const struct result_kind_info *info = result_kind_info((enum result_kind)k);
		html_raw(b, "<form method=\"post\" action=\"/practice/result-rules\" class=\"card\"><h2>");
		html_text(b, info->label);
		html_raw(b, "</h2>");
		if (info->sensitive) {
			html_raw(b, "<p>Always held for a clinician.</p></form>");
			continue;
		}
		web_csrf_field(b, req->csrf);
		html_raw(b, "<input type=\"hidden\" name=\"kind\" value=\"");
		html_text(b, info->slug);
		html_raw(b, "\"><label for=\"mode-");
		html_text(b, info->slug);
		html_raw(b, "\">Normal results</label><select name=\"mode\" id=\"mode-");
		html_text(b, info->slug);
		html_raw(b, "\"><option value=\"hold\"");
		html_raw(b, rules[k].auto_release ? "" : " selected");
		html_raw(b, ">Hold for a clinician</option><option value=\"auto\"");
		html_raw(b, rules[k].auto_release ? " selected" : "");
		html_raw(b, ">Release on their own</option></select><label for=\"days-");
		html_text(b, info->slug);
		html_raw(b, "\">Days after the report (0 to 60)</label><input type=\"number\" min=\"0\" "
			    "max=\"60\" name=\"days\" id=\"days-");
		html_text(b, info->slug);
		buf_printf(b, "\" value=\"%d\"><button type=\"submit\">Save</button></form>", rules[k].days);
	}
	html_end(b);
	respond_buf(res, status, html_type, b);
}

void web_result_rules(struct request *req, struct response *res)
{
	rules_page(req, res, 200, NULL);
}

void web_result_rules_save(struct request *req, struct response *res)
{
	struct form_field fields[LIMIT_FORM_FIELDS];
	size_t n = 0;
	if (!web_form_accepted(req, res, fields, &n))
		return;
	const char *kind = form_get(fields, n, "kind", NULL);
	const char *mode = form_get(fields, n, "mode", NULL);
	const char *days = form_get(fields, n, "days", NULL);
	struct result_rule rule = {0};
	int64_t d = -1;
	if (kind == NULL || result_kind_parse(kind, &rule.kind) != 0 || mode == NULL ||
	    (strcmp(mode, "hold") != 0 && strcmp(mode, "auto") != 0) || days == NULL ||
	    parse_int64(days, 0, RESULT_RULE_MAX_DAYS, &d) != 0) {
		if (!policy_may_manage_result_rules(&req->actor)) {
			web_domain_refusal(req, res, ERR_NOT_FOUND, "There is no such page.");
			return;
		}
		rules_page(req, res, 400, "Choose a kind of test, hold or release, and 0 to 60 days.");
		return;
	}
	rule.auto_release = strcmp(mode, "auto") == 0;
	rule.days = (int)d;
	const char *why = NULL;
	int rc = result_rule_set(&req->actor, &rule, &why);
	if (rc == ERR_INVALID) {
		rules_page(req, res, 400, why);
		return;
	}
	if (rc != ERR_OK) {
		web_domain_refusal(req, res, rc, "There is no such page.");
		return;
	}
	rules_page(req, res, 200, "Saved.");
}
