/*
 * Documents: a patient's own list, one document and its download, the
 * practice's register of patients and one patient's record, and uploads.
 */
#include <jansson.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "auth/auth.h"
#include "domain/details.h"
#include "domain/domain.h"
#include "domain/notices.h"
#include "domain/proxies.h"
#include "http/parse.h"
#include "limits.h"
#include "util/strtonum.h"
#include "web/html.h"
#include "web/web.h"
#include "web/web_int.h"

static void document_rows(struct buf *b, const struct document_view *docs, size_t n)
{
	if (n == 0) {
		html_raw(b, "<p class=\"empty\">No documents yet.</p>");
		return;
	}
	html_raw(b, "<ul class=\"docs\">");
	for (size_t i = 0; i < n; i++) {
		char id[ID_HEX_LEN + 1], date[32], size[32];
		id_hex(&docs[i].id, id);
		web_format_date(docs[i].created, date);
		web_format_size(docs[i].size, size);
		html_raw(b, "<li><a href=\"/documents/");
		html_text(b, id);
		html_raw(b, "\">");
		html_text(b, docs[i].title);
		html_raw(b, "</a><span class=\"meta\">");
		html_text(b, document_kind_info(docs[i].kind)->label);
		html_raw(b, " · ");
		html_text(b, date);
		html_raw(b, " · ");
		html_text(b, size);
		html_raw(b, "</span></li>");
	}
	html_raw(b, "</ul>");
}

static void upload_form(struct buf *b, const struct id *patient, const char *csrf, bool staff)
{
	char pid[ID_HEX_LEN + 1];
	id_hex(patient, pid);
	html_raw(b, "<form method=\"post\" enctype=\"multipart/form-data\" class=\"card\" "
		    "action=\"/patients/");
	html_text(b, pid);
	html_raw(b, "/documents\"><h2>");
	html_raw(b, staff ? "Publish a document to this patient" : "Upload a document");
	html_raw(b, "</h2><input type=\"hidden\" name=\"csrf\" value=\"");
	html_text(b, csrf);
	html_raw(b, "\">");
	if (staff) {
		html_raw(b, "<label for=\"kind\">Kind</label><select id=\"kind\" name=\"kind\">");
		for (int k = 0; k < DOC_KIND_COUNT; k++) {
			if (k == DOC_PATIENT_UPLOAD)
				continue;
			html_raw(b, "<option value=\"");
			html_text(b, document_kind_info((enum document_kind)k)->slug);
			html_raw(b, "\">");
			html_text(b, document_kind_info((enum document_kind)k)->label);
			html_raw(b, "</option>");
		}
		html_raw(b, "</select>");
	}
	html_raw(b, "<label for=\"title\">Title</label><input id=\"title\" name=\"title\" "
		    "required maxlength=\"1000\"><label for=\"file\">File (PDF, PNG or JPEG, up to "
		    "20 MB)</label><input id=\"file\" name=\"file\" type=\"file\" required "
		    "accept=\"application/pdf,image/png,image/jpeg\"><button type=\"submit\">");
	html_raw(b, staff ? "Publish" : "Upload");
	html_raw(b, "</button></form>");
}

void web_my_documents(struct request *req, struct response *res)
{
	/* The record being viewed: their own, or one they hold proxy access to. */
	if (!req->actor.has_record) {
		respond_redirect(req, res, "/proxies");
		return;
	}
	const struct id *record = &req->actor.record;
	bool own = req->actor.has_patient && id_eq(record, &req->actor.patient);
	struct document_view *docs = NULL;
	size_t n = 0;
	int rc = document_list(&req->actor, record, &req->arena, &docs, &n);
	/* A held record whose grant does not cover documents: say so, keep the switcher. */
	bool no_scope = !own && (rc == ERR_NOT_FOUND || rc == ERR_OUT_OF_SCOPE);
	if (rc != ERR_OK && !no_scope) {
		web_domain_refusal(req, res, rc, "There is no such page.");
		return;
	}
	struct buf *b = page_buf(req);
	const char *held = own ? NULL : web_held_name(req);
	const char *heading = web_record_heading(req, held, web_text(req, TEXT_H_MY_DOCUMENTS), "documents");
	html_begin(b, heading, &req->actor, req->csrf);
	if (own)
	{
		html_raw(b, "<h1>");
		html_text(b, heading);
		html_raw(b, "</h1><p class=\"lead\">Letters, summaries and reports from your practice, "
			    "and files you have uploaded.</p>");
	} else {
		html_raw(b, "<h1>");
		html_text(b, heading);
		html_raw(b, "</h1><p class=\"lead\">You are viewing this record as a family member or "
			    "carer.</p>");
	}
	int switched = web_record_switcher(req, b);
	if (switched != ERR_OK) {
		web_domain_refusal(req, res, switched, "There is no such page.");
		return;
	}
	if (no_scope) {
		html_raw(b, "<p class=\"empty\">");
		html_text(b, web_scope_explanation(req, held, "documents"));
		html_raw(b, "</p>");
		html_end(b);
		respond_buf(res, 200, html_type, b);
		return;
	}
	document_rows(b, docs, n);
	upload_form(b, record, req->csrf, false);
	html_end(b);
	respond_buf(res, 200, html_type, b);
}

static int read_document(struct request *req, struct response *res, bool with_body,
			 struct document_view *v)
{
	struct id id;
	int rc = request_param_id(req, 0, &id) == 0
			 ? document_read(&req->actor, &id, with_body, with_body ? "Binary" : "DocumentReference",
					 &req->arena, v)
			 : ERR_NOT_FOUND;
	if (rc != ERR_OK)
		web_domain_refusal(req, res, rc, "There is no such document.");
	return rc;
}

/* A PDF or an image shown in the document's page, from /documents/{id}/view (the same gate,
 * audit and breaker as the download, when the browser fetches it). Other kinds of file are
 * only downloaded. Returns the page's CSP: only a page with a PDF in it allows an <object>. */
static enum csp_kind document_preview(struct buf *b, const struct document_view *v, const char *id)
{
	const char *type = v->content_type ? v->content_type : "";
	bool pdf = strcmp(type, "application/pdf") == 0;
	if (!pdf && strcmp(type, "image/png") != 0 && strcmp(type, "image/jpeg") != 0)
		return CSP_PAGE;
	html_raw(b, "<h2>The document</h2><div class=\"preview\">");
	if (pdf) {
		html_raw(b, "<object type=\"application/pdf\" data=\"/documents/");
		html_text(b, id);
		html_raw(b, "/view\" title=\"");
		html_text(b, v->title);
		html_raw(b, "\"><p>This browser cannot show the PDF in the page: use Download above to "
			    "open it.</p></object>");
	} else {
		html_raw(b, "<img src=\"/documents/");
		html_text(b, id);
		html_raw(b, "/view\" alt=\"");
		html_text(b, v->title);
		html_raw(b, "\">");
	}
	html_raw(b, "</div>");
	return pdf ? CSP_PAGE_EMBED : CSP_PAGE;
}

void web_document(struct request *req, struct response *res)
{
	struct document_view v;
	if (read_document(req, res, false, &v) != ERR_OK)
		return;
	char id[ID_HEX_LEN + 1], date[32], size[32], pid[ID_HEX_LEN + 1];
	id_hex(&v.id, id);
	id_hex(&v.patient, pid);
	web_format_date(v.created, date);
	web_format_size(v.size, size);
	struct buf *b = page_buf(req);
	html_begin(b, v.title, &req->actor, req->csrf);
	html_raw(b, "<p><a href=\"");
	if (policy_audience(&req->actor, AUD_PATIENT))
		html_raw(b, "/documents\">← My documents");
	else {
		html_raw(b, "/patients/");
		html_text(b, pid);
		html_raw(b, "\">← Patient");
	}
	html_raw(b, "</a></p><h1>");
	html_text(b, v.title);
	html_raw(b, "</h1><dl class=\"facts\"><dt>Kind</dt><dd>");
	html_text(b, document_kind_info(v.kind)->label);
	html_raw(b, "</dd><dt>Date</dt><dd>");
	html_text(b, date);
	html_raw(b, "</dd><dt>File</dt><dd>");
	html_text(b, v.filename);
	html_raw(b, "</dd><dt>Size</dt><dd>");
	html_text(b, size);
	html_raw(b, "</dd></dl><p><a class=\"button\" href=\"/documents/");
	html_text(b, id);
	html_raw(b, "/download\" download>Download</a></p>");
	res->csp = document_preview(b, &v, id);
	html_end(b);
	respond_buf(res, 200, html_type, b);
}

void web_document_download(struct request *req, struct response *res)
{
	struct document_view v;
	if (read_document(req, res, true, &v) != ERR_OK)
		return;
	respond_download(req, res, v.filename, v.content_type, v.data, v.data_len);
}

/* A document shown in the browser (an image in the page, a PDF in the browser's viewer): the
 * same gate, audit and breaker as the download. */
void web_document_view(struct request *req, struct response *res)
{
	struct document_view v;
	if (read_document(req, res, true, &v) != ERR_OK)
		return;
	respond_inline(req, res, v.filename, v.content_type, v.data, v.data_len);
}

void web_patient_table(struct buf *b, const struct patient_view *ps, size_t n, const char *empty)
{
	if (n == 0) {
		html_raw(b, "<p class=\"empty\">");
		html_text(b, empty);
		html_raw(b, "</p>");
		return;
	}
	html_raw(b, "<table class=\"list\"><thead><tr><th scope=\"col\">Name</th>"
		    "<th scope=\"col\">NHI</th><th scope=\"col\">Born</th></tr></thead><tbody>");
	for (size_t i = 0; i < n; i++) {
		char id[ID_HEX_LEN + 1];
		id_hex(&ps[i].id, id);
		html_raw(b, "<tr><td><a href=\"/patients/");
		html_text(b, id);
		html_raw(b, "\">");
		html_text(b, ps[i].family);
		html_raw(b, ", ");
		html_text(b, ps[i].given);
		html_raw(b, "</a></td><td>");
		html_text(b, ps[i].nhi);
		html_raw(b, "</td><td>");
		web_birth_date(b, ps[i].birth_date);
		html_raw(b, "</td></tr>");
	}
	html_raw(b, "</tbody></table>");
}

void web_patients(struct request *req, struct response *res)
{
	/* The register a page at a time, in the order patients enrolled. */
	int64_t page = 1;
	const char *pq = request_query(req, "page");
	if (pq && parse_int64(pq, 1, LIMIT_REGISTER_PAGES, &page) != 0) {
		web_error(req, res, 400, "There is no such page of the register.");
		return;
	}
	struct patient_view *ps = NULL;
	size_t n = 0;
	int rc = patient_list_visible(&req->actor, (size_t)(page - 1) * LIMIT_REGISTER_PAGE,
				      LIMIT_REGISTER_PAGE + 1, &req->arena, &ps, &n);
	if (rc != ERR_OK) {
		web_domain_refusal(req, res, rc, "There is no such page.");
		return;
	}
	bool more = web_page_trim(&n, LIMIT_REGISTER_PAGE);
	struct buf *b = page_buf(req);
	html_begin(b, "Patients", &req->actor, req->csrf);
	html_raw(b, "<h1>Patients</h1>");
	web_find_nhi_form(req, b);
	web_patient_search_form(req, b, NULL, NULL);
	if (page > 1 || more)
		buf_printf(b, "<p class=\"lead\">Page %lld, patients %lld to %lld in the order they "
			      "enrolled.</p>",
			   (long long)page, (long long)((page - 1) * LIMIT_REGISTER_PAGE + (n ? 1 : 0)),
			   (long long)((page - 1) * LIMIT_REGISTER_PAGE + (int64_t)n));
	web_patient_table(b, ps, n, "No patients to show.");
	if (page > 1 || more) {
		html_raw(b, "<nav aria-label=\"Register pages\" class=\"pager\">");
		if (page > 1)
			buf_printf(b, "<a rel=\"prev\" href=\"/patients?page=%lld\">Previous page</a> ",
				   (long long)(page - 1));
		if (more)
			buf_printf(b, "<a rel=\"next\" href=\"/patients?page=%lld\">Next page</a>",
				   (long long)(page + 1));
		html_raw(b, "</nav>");
	}
	html_end(b);
	respond_buf(res, 200, html_type, b);
}

/* After an enrolment or a correction (pages_register.c redirects here with ?notice=): a
 * status line. Only these fixed words: the query never carries anything else to show. */
static void register_notice(struct request *req, struct buf *b)
{
	const char *n = request_query(req, "notice");
	const char *text = NULL;
	if (n == NULL)
		return;
	if (strcmp(n, "enrolled") == 0)
		text = "Enrolled: the patient is on this practice's register.";
	else if (strcmp(n, "already-enrolled") == 0)
		text = "This NHI number is already enrolled at this practice: this is that patient. "
		       "Nobody was enrolled twice.";
	else if (strcmp(n, "corrected") == 0)
		text = "The details are saved.";
	else if (strcmp(n, "contact-saved") == 0)
		text = "The contact details are saved.";
	if (text == NULL)
		return;
	html_raw(b, "<p class=\"status ok\" role=\"status\">");
	html_raw(b, text);
	html_raw(b, "</p>");
}

/* The way to correct the details, for those who keep
 * the practice's register (its clinicians and practice admins). */
static void register_details_link(struct request *req, struct buf *b, const char *pid_hex)
{
	if (!req->actor.has_practice || !policy_may_enrol(&req->actor, &req->actor.practice))
		return;
	html_raw(b, "<dt>Details</dt><dd><a href=\"/practice/patients/");
	html_text(b, pid_hex);
	html_raw(b, "/details\">Correct details</a></dd>");
}

void web_patient(struct request *req, struct response *res)
{
	struct id pid;
	struct patient_view p;
	struct contact_details contact;
	int rc = request_param_id(req, 0, &pid) == 0
			 ? details_read(&req->actor, &pid, &req->arena, &p, &contact)
			 : ERR_NOT_FOUND;
	struct document_view *docs = NULL;
	size_t n = 0;
	bool known = rc == ERR_OK;
	if (known)
		rc = document_list(&req->actor, &pid, &req->arena, &docs, &n);
	/* A practice admin has the register, not the record: the details and the invitation. */
	bool register_only = known && rc == ERR_NOT_FOUND &&
			     policy_audience(&req->actor, AUD_PRACTICE_ADMIN);
	if (rc != ERR_OK && !register_only) {
		web_domain_refusal(req, res, rc, "There is no such patient.");
		return;
	}
	struct buf *b = page_buf(req);
	char pid_hex[ID_HEX_LEN + 1];
	id_hex(&pid, pid_hex);
	const char *title = arena_printf(&req->arena, "%s, %s", p.family, p.given);
	html_begin(b, title ? title : "Patient", &req->actor, req->csrf);
	html_raw(b, "<p><a href=\"/patients\">← Patients</a></p>");
	register_notice(req, b);
	html_raw(b, "<h1>");
	html_text(b, title);
	html_raw(b, "</h1><dl class=\"facts\"><dt>NHI</dt><dd>");
	html_text(b, p.nhi);
	html_raw(b, "</dd><dt>Born</dt><dd>");
	web_birth_date(b, p.birth_date);
	html_raw(b, "</dd><dt>Practice</dt><dd>");
	html_text(b, p.practice_name ? p.practice_name : "-");
	html_raw(b, "</dd>");
	if (contact.shown)
		web_contact_facts(b, &contact);
	register_details_link(req, b, pid_hex);
	if (register_only) {
		html_raw(b, "</dl><p><a href=\"/patients/");
		html_text(b, pid_hex);
		html_raw(b, "/invite\">Invite this patient to use the portal</a></p>");
		html_end(b);
		respond_buf(res, 200, html_type, b);
		return;
	}
	html_raw(b, "</dl><p><a href=\"/patients/");
	html_text(b, pid_hex);
	html_raw(b, "/medications\">Medications and repeat requests</a></p><p><a href=\"/patients/");
	html_text(b, pid_hex);
	html_raw(b, "/messages\">Messages with this patient</a></p><p><a href=\"/patients/");
	html_text(b, pid_hex);
	html_raw(b, "/invite\">Invite this patient to use the portal</a></p><p><a href=\"/patients/");
	html_text(b, pid_hex);
	html_raw(b, "/proxies\">Family and carer access</a></p><h2>Documents</h2>");
	document_rows(b, docs, n);
	upload_form(b, &pid, req->csrf, true);
	/* Staff see the patient's results here; patients and proxies have their results page. */
	if (!policy_audience(&req->actor, AUD_PATIENT) &&
	    ((rc = web_summary_section(req, b, &pid)) != ERR_OK ||
	     (rc = web_results_section(req, b, &pid)) != ERR_OK ||
	     (rc = web_recalls_section(req, b, &pid, true)) != ERR_OK ||
	     (rc = web_record_logins(req, b, &pid, false)) != ERR_OK)) {
		web_domain_refusal(req, res, rc, "There is no such patient.");
		return;
	}
	html_end(b);
	respond_buf(res, 200, html_type, b);
}

void web_document_upload(struct request *req, struct response *res)
{
	struct multipart_part parts[LIMIT_MULTIPART_PARTS];
	size_t n = 0;
	if (web_multipart(req, res, parts, &n) != 0)
		return;
	const struct multipart_part *title = multipart_get(parts, n, "title");
	const struct multipart_part *file = multipart_get(parts, n, "file");
	const struct multipart_part *kind = multipart_get(parts, n, "kind");
	struct document_new d;
	memset(&d, 0, sizeof(d));
	if (request_param_id(req, 0, &d.patient) != 0) {
		web_error(req, res, 404, "There is no such patient.");
		return;
	}
	if (title == NULL || file == NULL || !file->has_filename) {
		web_error(req, res, 400, "Give a title and choose a file.");
		return;
	}
	d.kind = DOC_PATIENT_UPLOAD;
	if (kind != NULL && document_kind_parse(web_slice_dup(req, kind->data), &d.kind) != 0) {
		web_error(req, res, 400, "Unknown kind of document.");
		return;
	}
	d.title = web_slice_dup(req, title->data);
	d.filename = web_slice_dup(req, file->filename);
	d.data = (const uint8_t *)file->data.ptr;
	d.data_len = file->data.len;
	struct document_view v;
	const char *why = NULL;
	int rc = document_create(&req->actor, &d, &req->arena, &v, &why);
	if (rc == ERR_INVALID || (rc == ERR_FULL && why)) {
		web_error(req, res, rc == ERR_FULL ? 507 : 400,
			  why ? why : "The document was not accepted.");
		return;
	}
	if (rc != ERR_OK) {
		web_domain_refusal(req, res, rc, "There is no such patient.");
		return;
	}
	char id[ID_HEX_LEN + 1];
	id_hex(&v.id, id);
	const char *loc = arena_printf(&req->arena, "/documents/%s", id);
	respond_redirect(req, res, loc ? loc : "/");
}

/* What a served resource was, in words, using the patient's own document list for titles. */
