/*
 * The health summary's pages (docs/internals/SUMMARY.md): the patient's (or a proxy's, when
 * the grant covers it) /summary with allergies, problems, immunisations and the latest vital
 * signs, made to print (static/style.css, @media print); and the same section on the
 * clinician's page of a patient (web_summary_section). Read through the summary services:
 * gate, vault, audit.
 */
#include <string.h>

#include "domain/summary.h"
#include "web/html.h"
#include "web/web.h"
#include "web/web_int.h"

static const char *status_word(const char *status)
{
	static const struct {
		const char *code, *word;
	} words[] = {
		{"active", "Current"},       {"inactive", "Inactive"},   {"resolved", "Resolved"},
		{"recurrence", "Returned"},  {"relapse", "Relapsed"},    {"remission", "In remission"},
		{"completed", "Given"},      {"not-done", "Not given"},
	};
	for (size_t i = 0; i < sizeof(words) / sizeof(words[0]); i++)
		if (strcmp(words[i].code, status) == 0)
			return words[i].word;
	return status;
}

/* What an entry is, in words: its text, else its coding's display, else its code. */
static const char *entry_name(const struct summary_entry *e)
{
	if (e->text && e->text[0])
		return e->text;
	if (e->coding.display && e->coding.display[0])
		return e->coding.display;
	return e->coding.code ? e->coding.code : "Not named";
}

static void entry_item(struct buf *b, const struct summary_entry *e)
{
	html_raw(b, "<li><span class=\"name\">");
	html_text(b, entry_name(e));
	html_raw(b, "</span><span class=\"meta\">");
	html_text(b, status_word(e->status));
	if (e->effective) {
		html_raw(b, e->kind == SUMMARY_IMMUNIZATION ? " · " : " · since ");
		web_date(b, e->effective);
	}
	if (e->kind == SUMMARY_ALLERGY && strcmp(e->criticality, "high") == 0)
		html_raw(b, " · <strong>high risk</strong>");
	html_raw(b, "</span>");
	if (e->reaction[0]) {
		html_raw(b, "<span class=\"meta\">Reaction: ");
		html_text(b, e->reaction);
		html_raw(b, "</span>");
	}
	if (e->note[0]) {
		html_raw(b, "<span class=\"meta\">");
		html_text(b, e->note);
		html_raw(b, "</span>");
	}
	html_raw(b, "</li>");
}

static void list_part(struct buf *b, const char *h, const char *title, const struct summary_entry *rows,
		      size_t n, const char *none)
{
	buf_printf(b, "<%s>", h);
	html_text(b, title);
	buf_printf(b, "</%s>", h);
	if (n == 0) {
		html_raw(b, "<p class=\"empty\">");
		html_text(b, none);
		html_raw(b, "</p>");
		return;
	}
	html_raw(b, "<ul class=\"docs summary\">");
	for (size_t i = 0; i < n; i++)
		entry_item(b, &rows[i]);
	html_raw(b, "</ul>");
}

/* One row of the vital signs' table: v's newest measurement. */
static void vital_row(struct buf *b, const struct summary_vital *v, const struct summary_entry *e)
{
	html_raw(b, "<tr><th scope=\"row\">");
	html_text(b, v->label);
	html_raw(b, "</th><td>");
	html_text(b, e->value);
	if (e->value2[0]) {
		html_raw(b, "/");
		html_text(b, e->value2);
	}
	html_raw(b, " ");
	html_text(b, v->unit_label);
	html_raw(b, "</td><td>");
	web_when(b, e->effective);
	html_raw(b, "</td></tr>");
}

/* The newest of each vital sign, as a table: one page of one row per sign, so that only those
 * are opened (a patient may have hundreds of measurements; the vault counts each opening). */
static int vitals_part(struct request *req, struct buf *b, const struct id *patient, const char *h)
{
	buf_printf(b, "<%s>Latest vital signs</%s>", h, h);
	size_t shown = 0;
	for (size_t k = 0; k < summary_vital_count(); k++) {
		const struct summary_vital *v = summary_vital_at(k);
		const char *codes = arena_printf(&req->arena, ",%s,", v->loinc);
		struct store_page pg = {.sort = STORE_SORT_DATE, .desc = true, .limit = 1, .codes = codes};
		struct summary_entry *rows = NULL;
		size_t n = 0;
		int rc = codes ? summary_list(&req->actor, patient, SUMMARY_VITAL, &pg, &req->arena, &rows, &n, NULL)
			       : ERR_INTERNAL;
		if (rc != ERR_OK)
			return rc;
		if (n == 0)
			continue;
		if (shown++ == 0)
			html_raw(b, "<div class=\"scroll\"><table class=\"list vitals\"><thead><tr>"
				    "<th scope=\"col\">Measurement</th><th scope=\"col\">Value</th>"
				    "<th scope=\"col\">Measured</th></tr></thead><tbody>");
		vital_row(b, v, &rows[0]);
	}
	html_raw(b, shown ? "</tbody></table></div>" : "<p class=\"empty\">No vital signs recorded.</p>");
	return ERR_OK;
}

/* The four parts of the patient's summary, headed h ("h2", "h3"). */
static int summary_parts(struct request *req, struct buf *b, const struct id *patient, const char *h)
{
	static const struct {
		enum summary_kind kind;
		const char *title, *none;
	} parts[] = {
		{SUMMARY_ALLERGY, "Allergies", "No allergies recorded."},
		{SUMMARY_CONDITION, "Health problems", "No health problems recorded."},
		{SUMMARY_IMMUNIZATION, "Immunisations", "No immunisations recorded."},
	};
	for (size_t i = 0; i < sizeof(parts) / sizeof(parts[0]); i++) {
		struct summary_entry *rows = NULL;
		size_t n = 0;
		int rc = summary_list(&req->actor, patient, parts[i].kind, NULL, &req->arena, &rows, &n, NULL);
		if (rc != ERR_OK)
			return rc;
		list_part(b, h, parts[i].title, rows, n, parts[i].none);
	}
	return vitals_part(req, b, patient, h);
}

void web_summary(struct request *req, struct response *res)
{
	struct id record;
	if (!web_record_of(req, res, &record))
		return;
	struct buf *b = page_buf(req);
	const char *heading = web_record_heading(req, web_held_name(req), "Health summary", "health summary");
	html_begin(b, heading, &req->actor, req->csrf);
	html_raw(b, "<h1>");
	html_text(b, heading);
	html_raw(b, "</h1><p class=\"lead\">Allergies, health problems, immunisations and the latest "
		    "vital signs, as your practice has recorded them.</p><p class=\"print-hint\">To keep a "
		    "copy on paper, use your browser's Print (Ctrl+P, or Share then Print on a phone): "
		    "this page prints without the menu.</p>");
	int rc = summary_parts(req, b, &record, "h2");
	if (rc != ERR_OK) {
		web_record_refusal(req, res, rc, "There is no such page.");
		return;
	}
	web_page_end(res, 200, b);
}

int web_summary_section(struct request *req, struct buf *b, const struct id *patient)
{
	html_raw(b, "<section class=\"summary-section\" aria-labelledby=\"summary-h\">"
		    "<h2 id=\"summary-h\">Health summary</h2>");
	int rc = summary_parts(req, b, patient, "h3");
	html_raw(b, "</section>");
	return rc;
}
