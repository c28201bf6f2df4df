/*
 * Pages for medications and repeat prescriptions: the patient's side (their record, or one
 * they hold as a proxy: req->actor.record), the clinician's repeat queue and a patient's
 * medications. Handlers parse and render; the domain layer decides (gate, audit, vault).
 */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "domain/home.h"
#include "domain/appointments.h"
#include "domain/medications.h"
#include "http/parse.h"
#include "limits.h"
#include "util/nztime.h"
#include "util/strtonum.h"
#include "web/html.h"
#include "web/web.h"
#include "web/web_int.h"

/* --- medications: the patient's side --- */

static void medication_line(struct buf *b, const struct medication_view *m)
{
	html_raw(b, "<strong>");
	html_text(b, m->drug);
	html_raw(b, " ");
	html_text(b, m->strength);
	html_raw(b, " ");
	html_text(b, m->form);
	html_raw(b, "</strong>");
}

/* Why a stopped medicine was stopped, and the note, in its history. */
static void stop_why(struct buf *b, const struct medication_view *m)
{
	if (m->stop_reason == NULL && m->stop_note == NULL)
		return;
	html_raw(b, "<span class=\"meta stop-reason\">Why: ");
	html_text(b, m->stop_reason ? m->stop_reason : "not recorded");
	if (m->stop_note) {
		html_raw(b, ". ");
		html_text(b, m->stop_note);
	}
	html_raw(b, "</span>");
}

static void repeat_history(struct buf *b, const struct repeat_view *r)
{
	html_raw(b, "<li class=\"repeat\"><span class=\"state state-");
	html_text(b, repeat_state_name(r->state));
	html_raw(b, "\">");
	html_raw(b, r->state == REPEAT_REQUESTED  ? "Waiting for your practice"
		    : r->state == REPEAT_APPROVED ? "Approved"
						  : "Declined");
	html_raw(b, "</span> ");
	if (r->medication_view)
		medication_line(b, r->medication_view);
	html_raw(b, "<ul class=\"timeline\"><li>Requested ");
	web_when(b, r->requested);
	html_raw(b, ", to collect at ");
	html_text(b, r->pharmacy);
	if (r->note && r->note[0]) {
		html_raw(b, ". Note: ");
		html_text(b, r->note);
	}
	html_raw(b, "</li>");
	if (r->state != REPEAT_REQUESTED) {
		html_raw(b, r->state == REPEAT_APPROVED ? "<li>Approved " : "<li>Declined ");
		web_when(b, r->decided);
		html_raw(b, " by ");
		html_text(b, r->decided_by_name);
		if (r->reason && r->reason[0]) {
			html_raw(b, r->state == REPEAT_APPROVED ? ". Comment: " : ". Reason: ");
			html_text(b, r->reason);
		}
		html_raw(b, "</li>");
	}
	html_raw(b, "</ul></li>");
}

static void repeat_form(struct buf *b, const struct medication_view *m, const char *csrf)
{
	char id[ID_HEX_LEN + 1];
	id_hex(&m->id, id);
	html_raw(b, "<details><summary>Ask for a repeat</summary><form method=\"post\" action=\"/medications/");
	html_text(b, id);
	html_raw(b, "/repeat\" class=\"card\">");
	web_csrf_field(b, csrf);
	html_raw(b, "<label for=\"pharmacy-");
	html_text(b, id);
	html_raw(b, "\">Pharmacy to collect from</label><select name=\"pharmacy\" id=\"pharmacy-");
	html_text(b, id);
	html_raw(b, "\">");
	for (size_t i = 0; i < pharmacy_count(); i++) {
		char v[24];
		snprintf(v, sizeof(v), "%zu", i);
		html_raw(b, "<option value=\"");
		html_text(b, v);
		html_raw(b, "\">");
		html_text(b, pharmacy_name(i));
		html_raw(b, "</option>");
	}
	html_raw(b, "</select><label for=\"note-");
	html_text(b, id);
	html_raw(b, "\">Note for your practice (optional)</label><textarea name=\"note\" id=\"note-");
	html_text(b, id);
	html_raw(b, "\" maxlength=\"500\" rows=\"3\"></textarea><button type=\"submit\">Ask for a "
		    "repeat of ");
	html_text(b, m->drug);
	html_raw(b, "</button></form></details>");
}

static void medications_page(struct request *req, struct response *res, int status, const char *error,
			     const char *done)
{
	struct id record;
	if (!web_record_of(req, res, &record))
		return;
	struct medication_view *meds = NULL;
	struct repeat_view *reps = NULL;
	size_t nm = 0, nr = 0;
	int rc = medication_list(&req->actor, &record, &req->arena, &meds, &nm, &reps, &nr);
	if (rc != ERR_OK) {
		web_record_refusal(req, res, rc, "There is no such page.");
		return;
	}
	/* Seen: the decisions listed here are no longer new on the home page (home.h). */
	int64_t newest = 0;
	for (size_t i = 0; i < nr; i++)
		if (reps[i].decided > newest)
			newest = reps[i].decided;
	home_seen(&req->actor, &record, HOME_SEEN_REPEATS, newest);
	struct buf *b = page_buf(req);
	const char *heading = web_record_heading(req, web_held_name(req), web_text(req, TEXT_H_MEDICATIONS),
					     "medications");
	html_begin(b, heading, &req->actor, req->csrf);
	html_raw(b, "<h1>");
	html_text(b, heading);
	html_raw(b, "</h1><p class=\"lead\">Current medicines, and repeat prescriptions asked "
		    "for.</p>");
	web_error_box(b, error);
	if (done) {
		html_raw(b, "<p class=\"status ok\" role=\"status\">");
		html_text(b, done);
		html_raw(b, "</p>");
	}
	html_raw(b, "<h2>Current medicines</h2>");
	size_t current = 0;
	html_raw(b, "<ul class=\"docs meds\">");
	for (size_t i = 0; i < nm; i++) {
		const struct medication_view *m = &meds[i];
		if (m->stopped)
			continue;
		current++;
		html_raw(b, "<li>");
		medication_line(b, m);
		html_raw(b, "<span class=\"meta\">");
		html_text(b, m->dose);
		html_raw(b, "</span><span class=\"meta\">Prescribed by ");
		html_text(b, m->prescriber_name);
		html_raw(b, " · started ");
		web_date(b, m->started);
		html_raw(b, "</span>");
		if (m->open_request)
			html_raw(b, "<p class=\"status\">A repeat has been requested and is waiting for "
				    "your practice.</p>");
		else
			repeat_form(b, m, req->csrf);
		html_raw(b, "</li>");
	}
	html_raw(b, "</ul>");
	if (current == 0)
		html_raw(b, "<p class=\"empty\">No current medicines.</p>");
	html_raw(b, "<h2>Repeat requests</h2>");
	if (nr == 0)
		html_raw(b, "<p class=\"empty\">You have not asked for a repeat yet.</p>");
	else {
		html_raw(b, "<ul class=\"docs\">");
		for (size_t i = 0; i < nr; i++)
			repeat_history(b, &reps[i]);
		html_raw(b, "</ul>");
	}
	bool any_stopped = false;
	for (size_t i = 0; i < nm; i++)
		any_stopped |= meds[i].stopped != 0;
	if (any_stopped) {
		html_raw(b, "<h2>Stopped medicines</h2><ul class=\"docs\">");
		for (size_t i = 0; i < nm; i++) {
			if (!meds[i].stopped)
				continue;
			html_raw(b, "<li>");
			medication_line(b, &meds[i]);
			html_raw(b, "<span class=\"meta\">Stopped ");
			web_when(b, meds[i].stopped);
			html_raw(b, "</span>");
			stop_why(b, &meds[i]);
			html_raw(b, "</li>");
		}
		html_raw(b, "</ul>");
	}
	web_page_end(res, status, b);
}

void web_medications(struct request *req, struct response *res)
{
	const char *done = request_query(req, "done");
	medications_page(req, res, 200, NULL,
			 done && strcmp(done, "repeat") == 0
				 ? "Your repeat request was sent to your practice."
				 : NULL);
}

void web_repeat_request(struct request *req, struct response *res)
{
	struct form_field f[LIMIT_FORM_FIELDS];
	size_t n;
	if (!web_form_accepted(req, res, f, &n))
		return;
	struct id med;
	if (request_param_id(req, 0, &med) != 0) {
		web_error(req, res, 404, "There is no such medication.");
		return;
	}
	const char *ph = form_get(f, n, "pharmacy", NULL);
	int64_t pharmacy = -1;
	if (ph == NULL || parse_int64(ph, 0, 100, &pharmacy) != 0) {
		medications_page(req, res, 400, "Choose the pharmacy where you will collect it.", NULL);
		return;
	}
	struct id out;
	const char *why = NULL;
	int rc = repeat_request(&req->actor, &med, (size_t)pharmacy, form_get(f, n, "note", NULL),
				&req->arena, &out, &why);
	if (rc == ERR_INVALID) {
		medications_page(req, res, 409, why, NULL);
		return;
	}
	if (rc != ERR_OK) {
		web_domain_refusal(req, res, rc, "There is no such medication.");
		return;
	}
	respond_redirect(req, res, "/medications?done=repeat");
}

/* --- medications: the practice's side --- */

/* One open request as a row of the queue: the patient linked to their record, the medicine,
 * when and where, the medicine's last approval, and the decision inline. */
static void queue_row(struct request *req, struct buf *b, const struct repeat_queue_item *it)
{
	char id[ID_HEX_LEN + 1], pid[ID_HEX_LEN + 1];
	id_hex(&it->request.id, id);
	id_hex(&it->patient.id, pid);
	html_raw(b, "<tr><td data-label=\"Patient\"><a href=\"/patients/");
	html_text(b, pid);
	html_raw(b, "\">");
	html_text(b, it->patient.family);
	html_raw(b, ", ");
	html_text(b, it->patient.given);
	html_raw(b, "</a> <span class=\"meta\">NHI ");
	html_text(b, it->patient.nhi);
	html_raw(b, "</span></td><td data-label=\"Medicine\">");
	medication_line(b, &it->medication);
	html_raw(b, " <span class=\"meta\">");
	html_text(b, it->medication.dose);
	html_raw(b, "</span>");
	if (it->request.note[0]) {
		html_raw(b, "<br><span class=\"meta\">Note: ");
		html_text(b, it->request.note);
		html_raw(b, "</span>");
	}
	html_raw(b, "</td><td data-label=\"Requested\">");
	web_when(b, it->request.requested);
	html_raw(b, "</td><td data-label=\"Pharmacy\">");
	html_text(b, it->request.pharmacy);
	html_raw(b, "</td><td data-label=\"Last approved\">");
	if (it->last_approved)
		web_date(b, it->last_approved);
	else
		html_raw(b, "Never");
	html_raw(b, "</td><td data-label=\"Decision\"><form method=\"post\" class=\"inline\" "
		    "action=\"/repeats/");
	html_text(b, id);
	html_raw(b, "/decide\">");
	web_csrf_field(b, req->csrf);
	html_raw(b, "<label for=\"reason-");
	html_text(b, id);
	html_raw(b, "\" class=\"small\">Reason (needed to decline)</label><input type=\"text\" "
		    "name=\"reason\" maxlength=\"500\" id=\"reason-");
	html_text(b, id);
	html_raw(b, "\"><div class=\"actions\"><button type=\"submit\" name=\"decision\" "
		    "value=\"approve\">Approve</button><button type=\"submit\" name=\"decision\" "
		    "value=\"decline\" class=\"secondary\">Decline</button></div></form></td></tr>");
}

void web_repeat_queue(struct request *req, struct response *res)
{
	struct repeat_queue_item *items = NULL;
	size_t n = 0;
	int rc = repeat_queue(&req->actor, &req->arena, &items, &n);
	if (rc != ERR_OK) {
		web_domain_refusal(req, res, rc, "There is no such page.");
		return;
	}
	const char *done = request_query(req, "done");
	struct buf *b = page_buf(req);
	html_begin(b, "Repeat requests", &req->actor, req->csrf);
	html_raw(b, "<h1>Repeat requests</h1><p class=\"lead\">Open requests from your practice's "
		    "patients, oldest first.</p>");
	if (done && strcmp(done, "1") == 0)
		html_raw(b, "<p class=\"status ok\" role=\"status\">Answer sent to the patient.</p>");
	if (n == 0)
		html_raw(b, "<p class=\"empty\">No open requests.</p>");
	else
		html_raw(b, "<table class=\"list queue-table\"><thead><tr><th scope=\"col\">Patient</th>"
			    "<th scope=\"col\">Medicine</th><th scope=\"col\">Requested</th>"
			    "<th scope=\"col\">Pharmacy</th><th scope=\"col\">Last approved</th>"
			    "<th scope=\"col\">Decision</th></tr></thead><tbody>");
	for (size_t i = 0; i < n; i++)
		queue_row(req, b, &items[i]);
	if (n)
		html_raw(b, "</tbody></table>");
	web_page_end(res, 200, b);
}

void web_repeat_decide(struct request *req, struct response *res)
{
	struct form_field f[LIMIT_FORM_FIELDS];
	size_t n;
	if (!web_form_accepted(req, res, f, &n))
		return;
	struct id rid;
	if (request_param_id(req, 0, &rid) != 0) {
		web_error(req, res, 404, "There is no such request.");
		return;
	}
	const char *decision = form_get(f, n, "decision", NULL);
	if (decision == NULL || (strcmp(decision, "approve") != 0 && strcmp(decision, "decline") != 0)) {
		web_error(req, res, 400, "Choose Approve or Decline.");
		return;
	}
	const char *why = NULL;
	int rc = repeat_decide(&req->actor, &rid, strcmp(decision, "approve") == 0,
			       form_get(f, n, "reason", NULL), &req->arena, &why);
	if (rc == ERR_INVALID) {
		web_error(req, res, 409, why);
		return;
	}
	if (rc != ERR_OK) {
		web_domain_refusal(req, res, rc, "There is no such request.");
		return;
	}
	respond_redirect(req, res, "/repeats?done=1");
}

static void patient_medications_page(struct request *req, struct response *res, const struct id *pid,
				     int status, const char *error)
{
	struct patient_view p;
	struct medication_view *meds = NULL;
	struct repeat_view *reps = NULL;
	size_t nm = 0, nr = 0;
	int rc = patient_read(&req->actor, pid, &req->arena, &p);
	if (rc == ERR_OK)
		rc = medication_list(&req->actor, pid, &req->arena, &meds, &nm, &reps, &nr);
	if (rc != ERR_OK) {
		web_domain_refusal(req, res, rc, "There is no such patient.");
		return;
	}
	char id[ID_HEX_LEN + 1];
	id_hex(pid, id);
	struct buf *b = page_buf(req);
	const char *title = arena_printf(&req->arena, "Medications of %s, %s", p.family, p.given);
	html_begin(b, title ? title : "Medications", &req->actor, req->csrf);
	html_raw(b, "<p><a href=\"/patients/");
	html_text(b, id);
	html_raw(b, "\">← Patient</a></p><h1>");
	html_text(b, title);
	html_raw(b, "</h1>");
	web_error_box(b, error);
	html_raw(b, "<ul class=\"docs meds\">");
	for (size_t i = 0; i < nm; i++) {
		html_raw(b, "<li>");
		medication_line(b, &meds[i]);
		html_raw(b, "<span class=\"meta\">");
		html_text(b, meds[i].dose);
		html_raw(b, "</span><span class=\"meta\">");
		html_text(b, meds[i].prescriber_name);
		if (meds[i].stopped) {
			html_raw(b, " · stopped ");
			web_when(b, meds[i].stopped);
			html_raw(b, "</span>");
			stop_why(b, &meds[i]);
		} else {
			html_raw(b, "</span><a class=\"button secondary\" href=\"/medications/");
			web_hex(b, &meds[i].id);
			html_raw(b, "/stop\">Stop ");
			html_text(b, meds[i].drug);
			html_raw(b, "…</a>");
		}
		html_raw(b, "</li>");
	}
	html_raw(b, "</ul>");
	if (nm == 0)
		html_raw(b, "<p class=\"empty\">No medicines recorded.</p>");
	html_raw(b, "<form method=\"post\" class=\"card\" action=\"/patients/");
	html_text(b, id);
	html_raw(b, "/medications\"><h2>Prescribe a medicine</h2>");
	web_csrf_field(b, req->csrf);
	html_raw(b, "<label for=\"drug\">Drug</label><input id=\"drug\" name=\"drug\" required "
		    "maxlength=\"200\"><label for=\"strength\">Strength</label><input id=\"strength\" "
		    "name=\"strength\" required maxlength=\"200\"><label for=\"form\">Form</label>"
		    "<input id=\"form\" name=\"form\" required maxlength=\"200\" placeholder=\"tablet\">"
		    "<label for=\"dose\">Dose instructions</label><textarea id=\"dose\" name=\"dose\" "
		    "required maxlength=\"500\" rows=\"2\"></textarea><button type=\"submit\">Prescribe"
		    "</button></form>");
	if (nr) {
		html_raw(b, "<h2>Repeat requests</h2><ul class=\"docs\">");
		for (size_t i = 0; i < nr; i++)
			repeat_history(b, &reps[i]);
		html_raw(b, "</ul>");
	}
	web_page_end(res, status, b);
}

void web_patient_medications(struct request *req, struct response *res)
{
	struct id pid;
	if (request_param_id(req, 0, &pid) != 0) {
		web_error(req, res, 404, "There is no such patient.");
		return;
	}
	patient_medications_page(req, res, &pid, 200, NULL);
}

void web_medication_create(struct request *req, struct response *res)
{
	struct form_field f[LIMIT_FORM_FIELDS];
	size_t n;
	if (!web_form_accepted(req, res, f, &n))
		return;
	struct medication_new m = {.drug = form_get(f, n, "drug", NULL),
				   .strength = form_get(f, n, "strength", NULL),
				   .form = form_get(f, n, "form", NULL),
				   .dose = form_get(f, n, "dose", NULL)};
	if (request_param_id(req, 0, &m.patient) != 0) {
		web_error(req, res, 404, "There is no such patient.");
		return;
	}
	struct id out;
	const char *why = NULL;
	int rc = medication_create(&req->actor, &m, &req->arena, &out, &why);
	if (rc == ERR_INVALID) {
		patient_medications_page(req, res, &m.patient, 400, why);
		return;
	}
	if (rc != ERR_OK) {
		web_domain_refusal(req, res, rc, "There is no such patient.");
		return;
	}
	char id[ID_HEX_LEN + 1];
	id_hex(&m.patient, id);
	const char *loc = arena_printf(&req->arena, "/patients/%s/medications", id);
	respond_redirect(req, res, loc ? loc : "/");
}

/* The confirmation before stopping: the medicine, a reason from the list and a note. */
static void stop_page(struct request *req, struct response *res, const struct id *med, int status,
		      const char *error)
{
	struct medication_view m;
	int rc = medication_for_stop(&req->actor, med, &req->arena, &m);
	if (rc != ERR_OK) {
		web_domain_refusal(req, res, rc, "There is no such medication.");
		return;
	}
	char pid[ID_HEX_LEN + 1];
	id_hex(&m.patient, pid);
	struct buf *b = page_buf(req);
	html_begin(b, "Stop a medicine", &req->actor, req->csrf);
	html_raw(b, "<p><a href=\"/patients/");
	html_text(b, pid);
	html_raw(b, "/medications\">← Medications</a></p><h1>Stop a medicine</h1>");
	web_error_box(b, error);
	html_raw(b, "<p>");
	medication_line(b, &m);
	html_raw(b, " <span class=\"meta\">");
	html_text(b, m.dose);
	html_raw(b, "</span></p>");
	if (m.stopped) {
		html_raw(b, "<p class=\"status\">Stopped already on ");
		web_when(b, m.stopped);
		html_raw(b, ".</p>");
		stop_why(b, &m);
		web_page_end(res, status, b);
		return;
	}
	html_raw(b, "<form method=\"post\" class=\"card\" action=\"/medications/");
	web_hex(b, &m.id);
	html_raw(b, "/stop\">");
	web_csrf_field(b, req->csrf);
	html_raw(b, "<fieldset><legend>Why is it stopped?</legend>");
	size_t nr;
	const struct stop_reason *rs = medication_stop_reasons(&nr);
	for (size_t i = 0; i < nr; i++) {
		if (!rs[i].offered)
			continue;
		html_raw(b, "<div class=\"choice\"><input type=\"radio\" name=\"reason\" required id=\"r-");
		html_text(b, rs[i].code);
		html_raw(b, "\" value=\"");
		html_text(b, rs[i].code);
		html_raw(b, "\"><label for=\"r-");
		html_text(b, rs[i].code);
		html_raw(b, "\">");
		html_text(b, rs[i].label);
		html_raw(b, "</label></div>");
	}
	html_raw(b, "</fieldset><label for=\"note\">Note (optional; shown in the medicine's history, which the patient sees too)"
		    "</label><textarea id=\"note\" name=\"note\" maxlength=\"1000\" rows=\"2\">"
		    "</textarea><div class=\"actions\"><button type=\"submit\">Stop ");
	html_text(b, m.drug);
	html_raw(b, "</button><a class=\"button secondary\" href=\"/patients/");
	html_text(b, pid);
	html_raw(b, "/medications\">Keep it</a></div></form>");
	web_page_end(res, status, b);
}

void web_medication_stop_confirm(struct request *req, struct response *res)
{
	struct id med;
	if (request_param_id(req, 0, &med) != 0) {
		web_error(req, res, 404, "There is no such medication.");
		return;
	}
	stop_page(req, res, &med, 200, NULL);
}

void web_medication_stop(struct request *req, struct response *res)
{
	struct form_field f[LIMIT_FORM_FIELDS];
	size_t n;
	if (!web_form_accepted(req, res, f, &n))
		return;
	struct id med, patient;
	if (request_param_id(req, 0, &med) != 0) {
		web_error(req, res, 404, "There is no such medication.");
		return;
	}
	const char *why = NULL;
	int rc = medication_stop(&req->actor, &med, form_get(f, n, "reason", NULL),
				 form_get(f, n, "note", NULL), &patient, &why);
	if (rc == ERR_INVALID || rc == ERR_CONFLICT) {
		stop_page(req, res, &med, rc == ERR_CONFLICT ? 409 : 400, why);
		return;
	}
	if (rc != ERR_OK) {
		web_domain_refusal(req, res, rc, "There is no such medication.");
		return;
	}
	char id[ID_HEX_LEN + 1];
	id_hex(&patient, id);
	const char *loc = arena_printf(&req->arena, "/patients/%s/medications", id);
	respond_redirect(req, res, loc ? loc : "/");
}
