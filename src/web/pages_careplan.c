/*
 * Pages for medications and repeat prescriptions, and for appointments: the patient's side
 * (their record, or one they hold as a proxy: req->actor.record), the clinician's repeat queue,
 * patient medications and day list, and the practice's slot publishing and settings. Handlers
 * parse and render; the domain layer decides (gate, audit, vault).
 */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "domain/appointments.h"
#include "domain/medications.h"
#include "http/parse.h"
#include "limits.h"
#include "util/nztime.h"
#include "util/strtonum.h"
#include "web/html.h"
#include "web/web.h"
#include "web/web_int.h"

#define BOOK_DAYS 14

static void csrf_field(struct buf *b, const char *csrf)
{
	html_raw(b, "<input type=\"hidden\" name=\"csrf\" value=\"");
	html_text(b, csrf);
	html_raw(b, "\">");
}

static void error_box(struct buf *b, const char *error)
{
	if (error == NULL)
		return;
	html_raw(b, "<p class=\"error\" role=\"alert\">");
	html_text(b, error);
	html_raw(b, "</p>");
}

static void when(struct buf *b, int64_t t)
{
	char s[48];
	nz_format(t, s, sizeof(s));
	html_text(b, s);
}

static void hex(struct buf *b, const struct id *id)
{
	char h[ID_HEX_LEN + 1];
	id_hex(id, h);
	html_text(b, h);
}

static void respond_page(struct response *res, int status, struct buf *b)
{
	html_end(b);
	respond_buf(res, status, html_type, b);
}

/* The record a patient-role page shows; false (and a redirect) for others (a form's answer
 * that shows the page again: the routes to the pages themselves are for patients only). */
static bool record_of(struct request *req, struct response *res, struct id *out)
{
	if (!policy_audience(&req->actor, AUD_PATIENT_RECORD)) {
		respond_redirect(req, res, "/");
		return false;
	}
	*out = req->actor.record;
	return true;
}

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
	when(b, r->requested);
	html_raw(b, ", to collect at ");
	html_text(b, r->pharmacy);
	if (r->note && r->note[0]) {
		html_raw(b, ". Note: ");
		html_text(b, r->note);
	}
	html_raw(b, "</li>");
	if (r->state != REPEAT_REQUESTED) {
		html_raw(b, r->state == REPEAT_APPROVED ? "<li>Approved " : "<li>Declined ");
		when(b, r->decided);
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
	csrf_field(b, csrf);
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
	if (!record_of(req, res, &record))
		return;
	struct medication_view *meds = NULL;
	struct repeat_view *reps = NULL;
	size_t nm = 0, nr = 0;
	int rc = medication_list(&req->actor, &record, &req->arena, &meds, &nm, &reps, &nr);
	if (rc != DOMAIN_OK) {
		web_domain_refusal(req, res, rc, "There is no such page.");
		return;
	}
	struct buf *b = page_buf(req);
	html_begin(b, "Medications", &req->actor, req->csrf);
	html_raw(b, "<h1>Medications</h1><p class=\"lead\">Your current medicines, and repeat "
		    "prescriptions you have asked for.</p>");
	error_box(b, error);
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
		char d[16];
		nz_format_date(m->started, d, sizeof(d));
		html_text(b, d);
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
			when(b, meds[i].stopped);
			html_raw(b, "</span></li>");
		}
		html_raw(b, "</ul>");
	}
	respond_page(res, status, b);
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
	if (rc == DOMAIN_INVALID) {
		medications_page(req, res, 409, why, NULL);
		return;
	}
	if (rc != DOMAIN_OK) {
		web_domain_refusal(req, res, rc, "There is no such medication.");
		return;
	}
	respond_redirect(req, res, "/medications?done=repeat");
}

/* --- medications: the practice's side --- */

void web_repeat_queue(struct request *req, struct response *res)
{
	struct repeat_queue_item *items = NULL;
	size_t n = 0;
	int rc = repeat_queue(&req->actor, &req->arena, &items, &n);
	if (rc != DOMAIN_OK) {
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
	for (size_t i = 0; i < n; i++) {
		const struct repeat_queue_item *it = &items[i];
		char id[ID_HEX_LEN + 1];
		id_hex(&it->request.id, id);
		html_raw(b, "<article class=\"card queue\"><h2>");
		html_text(b, it->patient.family);
		html_raw(b, ", ");
		html_text(b, it->patient.given);
		html_raw(b, " <span class=\"meta\">NHI ");
		html_text(b, it->patient.nhi);
		html_raw(b, "</span></h2><p>");
		medication_line(b, &it->medication);
		html_raw(b, "</p><p>");
		html_text(b, it->medication.dose);
		html_raw(b, "</p><dl class=\"facts\"><dt>Requested</dt><dd>");
		when(b, it->request.requested);
		html_raw(b, "</dd><dt>Pharmacy</dt><dd>");
		html_text(b, it->request.pharmacy);
		html_raw(b, "</dd><dt>Note</dt><dd>");
		html_text(b, it->request.note[0] ? it->request.note : "None");
		html_raw(b, "</dd></dl><form method=\"post\" action=\"/repeats/");
		html_text(b, id);
		html_raw(b, "/decide\">");
		csrf_field(b, req->csrf);
		html_raw(b, "<label for=\"reason-");
		html_text(b, id);
		html_raw(b, "\">Reason or comment for the patient (needed to decline)</label><textarea "
			    "name=\"reason\" id=\"reason-");
		html_text(b, id);
		html_raw(b, "\" maxlength=\"500\" rows=\"2\"></textarea><div class=\"actions\">"
			    "<button type=\"submit\" name=\"decision\" value=\"approve\">Approve</button>"
			    "<button type=\"submit\" name=\"decision\" value=\"decline\" class=\"secondary\">"
			    "Decline</button></div></form></article>");
	}
	respond_page(res, 200, b);
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
	if (rc == DOMAIN_INVALID) {
		web_error(req, res, 409, why);
		return;
	}
	if (rc != DOMAIN_OK) {
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
	if (rc == DOMAIN_OK)
		rc = medication_list(&req->actor, pid, &req->arena, &meds, &nm, &reps, &nr);
	if (rc != DOMAIN_OK) {
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
	error_box(b, error);
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
			when(b, meds[i].stopped);
			html_raw(b, "</span>");
		} else {
			html_raw(b, "</span><form method=\"post\" action=\"/medications/");
			hex(b, &meds[i].id);
			html_raw(b, "/stop\">");
			csrf_field(b, req->csrf);
			html_raw(b, "<button type=\"submit\" class=\"secondary\">Stop ");
			html_text(b, meds[i].drug);
			html_raw(b, "</button></form>");
		}
		html_raw(b, "</li>");
	}
	html_raw(b, "</ul>");
	if (nm == 0)
		html_raw(b, "<p class=\"empty\">No medicines recorded.</p>");
	html_raw(b, "<form method=\"post\" class=\"card\" action=\"/patients/");
	html_text(b, id);
	html_raw(b, "/medications\"><h2>Prescribe a medicine</h2>");
	csrf_field(b, req->csrf);
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
	respond_page(res, status, b);
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
	if (rc == DOMAIN_INVALID) {
		patient_medications_page(req, res, &m.patient, 400, why);
		return;
	}
	if (rc != DOMAIN_OK) {
		web_domain_refusal(req, res, rc, "There is no such patient.");
		return;
	}
	char id[ID_HEX_LEN + 1];
	id_hex(&m.patient, id);
	const char *loc = arena_printf(&req->arena, "/patients/%s/medications", id);
	respond_redirect(req, res, loc ? loc : "/");
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
	int rc = medication_stop(&req->actor, &med, &patient, &why);
	if (rc == DOMAIN_INVALID) {
		web_error(req, res, 409, why);
		return;
	}
	if (rc != DOMAIN_OK) {
		web_domain_refusal(req, res, rc, "There is no such medication.");
		return;
	}
	char id[ID_HEX_LEN + 1];
	id_hex(&patient, id);
	const char *loc = arena_printf(&req->arena, "/patients/%s/medications", id);
	respond_redirect(req, res, loc ? loc : "/");
}

/* --- appointments: the patient's side --- */

static void appointment_item(struct buf *b, const struct appointment_view *ap, const char *csrf)
{
	html_raw(b, "<li><strong>");
	when(b, ap->start);
	html_raw(b, "</strong><span class=\"meta\">");
	char len[32];
	snprintf(len, sizeof(len), "%d minutes", ap->minutes);
	html_text(b, len);
	html_raw(b, " with ");
	html_text(b, ap->clinician_name);
	html_raw(b, "</span>");
	if (ap->reason[0]) {
		html_raw(b, "<span class=\"meta\">Reason: ");
		html_text(b, ap->reason);
		html_raw(b, "</span>");
	}
	if (ap->cancelled) {
		html_raw(b, "<span class=\"meta\">Cancelled ");
		when(b, ap->cancelled);
		html_raw(b, "</span>");
	} else if (ap->can_cancel) {
		html_raw(b, "<form method=\"post\" action=\"/appointments/");
		hex(b, &ap->id);
		html_raw(b, "/cancel\">");
		csrf_field(b, csrf);
		html_raw(b, "<button type=\"submit\" class=\"secondary\">Cancel this appointment"
			    "</button></form>");
	}
	html_raw(b, "</li>");
}

static void appointments_page(struct request *req, struct response *res, int status, const char *error,
			      const char *done)
{
	struct id record;
	if (!record_of(req, res, &record))
		return;
	int64_t now = (int64_t)time(NULL);
	struct appointment_view *aps = NULL;
	struct slot_view *slots = NULL;
	size_t na = 0, ns = 0;
	int rc = appointment_list(&req->actor, &record, now, &req->arena, &aps, &na);
	if (rc == DOMAIN_OK)
		rc = slots_for_patient(&req->actor, &record, now, nz_day_start(now, BOOK_DAYS + 1),
				       &req->arena, &slots, &ns);
	if (rc != DOMAIN_OK) {
		web_domain_refusal(req, res, rc, "There is no such page.");
		return;
	}
	struct buf *b = page_buf(req);
	html_begin(b, "Appointments", &req->actor, req->csrf);
	html_raw(b, "<h1>Appointments</h1>");
	error_box(b, error);
	if (done) {
		html_raw(b, "<p class=\"status ok\" role=\"status\">");
		html_text(b, done);
		html_raw(b, "</p>");
	}
	html_raw(b, "<h2>Upcoming</h2>");
	size_t upcoming = 0, past = 0;
	html_raw(b, "<ul class=\"docs appointments\">");
	for (size_t i = na; i-- > 0;) /* soonest first */
		if (aps[i].start >= now && !aps[i].cancelled) {
			appointment_item(b, &aps[i], req->csrf);
			upcoming++;
		}
	html_raw(b, "</ul>");
	if (upcoming == 0)
		html_raw(b, "<p class=\"empty\">No upcoming appointments.</p>");
	html_raw(b, "<h2>Book an appointment</h2>");
	if (ns == 0) {
		html_raw(b, "<p class=\"empty\">No free times in the next two weeks. Please phone your "
			    "practice.</p>");
	} else {
		html_raw(b, "<form method=\"post\" action=\"/appointments\" class=\"card\">");
		csrf_field(b, req->csrf);
		html_raw(b, "<fieldset class=\"slots\"><legend>Choose a time</legend>");
		char day[16] = "";
		for (size_t i = 0; i < ns; i++) {
			char d[16], h[ID_HEX_LEN + 1];
			nz_format_date(slots[i].start, d, sizeof(d));
			if (strcmp(d, day) != 0) {
				if (day[0])
					html_raw(b, "</div>");
				snprintf(day, sizeof(day), "%s", d);
				html_raw(b, "<div class=\"day\">");
			}
			id_hex(&slots[i].id, h);
			html_raw(b, "<label class=\"slot\"><input type=\"radio\" name=\"slot\" required value=\"");
			html_text(b, h);
			html_raw(b, "\"> ");
			when(b, slots[i].start);
			html_raw(b, " · ");
			html_text(b, slots[i].clinician_name);
			html_raw(b, "</label>");
		}
		html_raw(b, "</div></fieldset><label for=\"reason\">Reason for the visit (optional)</label>"
			    "<textarea id=\"reason\" name=\"reason\" maxlength=\"500\" rows=\"2\"></textarea>"
			    "<button type=\"submit\">Book</button></form>");
	}
	html_raw(b, "<h2>Past and cancelled</h2><ul class=\"docs appointments\">");
	for (size_t i = 0; i < na; i++)
		if (aps[i].start < now || aps[i].cancelled) {
			appointment_item(b, &aps[i], req->csrf);
			past++;
		}
	html_raw(b, "</ul>");
	if (past == 0)
		html_raw(b, "<p class=\"empty\">None yet.</p>");
	respond_page(res, status, b);
}

void web_appointments(struct request *req, struct response *res)
{
	const char *done = request_query(req, "done");
	appointments_page(req, res, 200, NULL,
			  done == NULL ? NULL
			  : strcmp(done, "booked") == 0	   ? "Your appointment is booked."
			  : strcmp(done, "cancelled") == 0 ? "Your appointment is cancelled."
							   : NULL);
}

void web_appointment_book(struct request *req, struct response *res)
{
	struct form_field f[LIMIT_FORM_FIELDS];
	size_t n;
	if (!web_form_accepted(req, res, f, &n))
		return;
	struct id record, slot;
	if (!record_of(req, res, &record))
		return;
	const char *s = form_get(f, n, "slot", NULL);
	if (s == NULL || id_parse(&slot, s, strlen(s)) != 0) {
		appointments_page(req, res, 400, "Choose a time.", NULL);
		return;
	}
	struct id out;
	const char *why = NULL;
	int rc = appointment_book(&req->actor, &record, &slot, form_get(f, n, "reason", NULL),
				  (int64_t)time(NULL), &req->arena, &out, &why);
	if (rc == DOMAIN_INVALID) {
		appointments_page(req, res, 409, why, NULL);
		return;
	}
	if (rc != DOMAIN_OK) {
		web_domain_refusal(req, res, rc, "There is no such page.");
		return;
	}
	respond_redirect(req, res, "/appointments?done=booked");
}

void web_appointment_cancel(struct request *req, struct response *res)
{
	struct form_field f[LIMIT_FORM_FIELDS];
	size_t n;
	if (!web_form_accepted(req, res, f, &n))
		return;
	struct id ap;
	if (request_param_id(req, 0, &ap) != 0) {
		web_error(req, res, 404, "There is no such appointment.");
		return;
	}
	const char *why = NULL;
	int rc = appointment_cancel(&req->actor, &ap, (int64_t)time(NULL), &why);
	if (rc == DOMAIN_INVALID) {
		if (policy_audience(&req->actor, AUD_PATIENT))
			appointments_page(req, res, 409, why, NULL);
		else
			web_error(req, res, 409, why);
		return;
	}
	if (rc != DOMAIN_OK) {
		web_domain_refusal(req, res, rc, "There is no such appointment.");
		return;
	}
	respond_redirect(req, res, policy_audience(&req->actor, AUD_PATIENT) ? "/appointments?done=cancelled"
								   : "/day");
}

/* --- appointments: the practice's side --- */

static void slots_page(struct request *req, struct response *res, int status, const char *error,
		       const char *done)
{
	int64_t now = (int64_t)time(NULL);
	struct slot_view *slots = NULL;
	struct store_staff *clin = NULL;
	size_t ns = 0, nc = 0;
	int cutoff = 0;
	int rc = slots_for_practice(&req->actor, NULL, now, nz_day_start(now, BOOK_DAYS + 1), false,
				    &req->arena, &slots, &ns);
	if (rc == DOMAIN_OK)
		rc = practice_clinicians(&req->actor, &req->arena, &clin, &nc);
	if (rc == DOMAIN_OK)
		rc = practice_cutoff_get(&req->actor, &cutoff);
	if (rc != DOMAIN_OK) {
		web_domain_refusal(req, res, rc, "There is no such page.");
		return;
	}
	struct buf *b = page_buf(req);
	html_begin(b, "Appointment slots", &req->actor, req->csrf);
	html_raw(b, "<h1>Appointment slots</h1><p class=\"lead\">Times patients can book, in New "
		    "Zealand time. Patients can cancel up to ");
	char cut[48];
	snprintf(cut, sizeof(cut), "%d minutes", cutoff);
	html_text(b, cut);
	html_raw(b, " before.");
	if (policy_may_manage_practice(&req->actor, &req->actor.practice))
		html_raw(b, " <a href=\"/practice/appointments\">Change the cut-off</a>");
	html_raw(b, "</p>");
	error_box(b, error);
	if (done) {
		html_raw(b, "<p class=\"status ok\" role=\"status\">");
		html_text(b, done);
		html_raw(b, "</p>");
	}
	char today[16];
	nz_format_date(now + 86400, today, sizeof(today));
	html_raw(b, "<form method=\"post\" action=\"/slots\" class=\"card\"><h2>Publish slots</h2>");
	csrf_field(b, req->csrf);
	html_raw(b, "<label for=\"clinician\">Clinician</label><select id=\"clinician\" name=\"clinician\">");
	for (size_t i = 0; i < nc; i++) {
		html_raw(b, "<option value=\"");
		hex(b, &clin[i].account);
		html_raw(b, id_eq(&clin[i].account, &req->actor.account) ? "\" selected>" : "\">");
		html_text(b, clin[i].name);
		html_raw(b, "</option>");
	}
	html_raw(b, "</select><label for=\"date\">Date</label><input id=\"date\" name=\"date\" "
		    "type=\"date\" required value=\"");
	html_text(b, today);
	html_raw(b, "\"><label for=\"time\">First start time</label><input id=\"time\" name=\"time\" "
		    "type=\"time\" required value=\"09:00\"><label for=\"minutes\">Length (minutes)"
		    "</label><input id=\"minutes\" name=\"minutes\" type=\"number\" min=\"5\" "
		    "max=\"240\" value=\"15\" required><label for=\"count\">How many slots in a row"
		    "</label><input id=\"count\" name=\"count\" type=\"number\" min=\"1\" max=\"32\" "
		    "value=\"1\" required><button type=\"submit\">Publish</button></form>");
	html_raw(b, "<h2>Next two weeks</h2>");
	if (ns == 0)
		html_raw(b, "<p class=\"empty\">No slots published.</p>");
	else
		html_raw(b, "<table class=\"list\"><thead><tr><th scope=\"col\">When</th><th "
			    "scope=\"col\">Clinician</th><th scope=\"col\">Length</th><th "
			    "scope=\"col\">Status</th></tr></thead><tbody>");
	for (size_t i = 0; i < ns; i++) {
		char len[16];
		snprintf(len, sizeof(len), "%d min", slots[i].minutes);
		html_raw(b, "<tr><td>");
		when(b, slots[i].start);
		html_raw(b, "</td><td>");
		html_text(b, slots[i].clinician_name);
		html_raw(b, "</td><td>");
		html_text(b, len);
		html_raw(b, "</td><td>");
		html_raw(b, slots[i].booked ? "Booked" : "Free");
		html_raw(b, "</td></tr>");
	}
	if (ns)
		html_raw(b, "</tbody></table>");
	respond_page(res, status, b);
}

void web_slots(struct request *req, struct response *res)
{
	const char *done = request_query(req, "done");
	slots_page(req, res, 200, NULL, done && strcmp(done, "1") == 0 ? "Slots published." : NULL);
}

void web_slots_publish(struct request *req, struct response *res)
{
	struct form_field f[LIMIT_FORM_FIELDS];
	size_t n;
	if (!web_form_accepted(req, res, f, &n))
		return;
	const char *c = form_get(f, n, "clinician", NULL);
	const char *m = form_get(f, n, "minutes", NULL), *k = form_get(f, n, "count", NULL);
	struct id clinician;
	int64_t start = 0, minutes = 0, count = 0;
	if (c == NULL || id_parse(&clinician, c, strlen(c)) != 0 ||
	    nz_parse(form_get(f, n, "date", NULL), form_get(f, n, "time", NULL), &start) != 0 ||
	    m == NULL || parse_int64(m, 1, 1000, &minutes) != 0 || k == NULL ||
	    parse_int64(k, 1, 1000, &count) != 0) {
		slots_page(req, res, 400, "Give a clinician, a date, a start time, a length and how "
					  "many slots.", NULL);
		return;
	}
	int made = 0;
	const char *why = NULL;
	int rc = slot_publish(&req->actor, &clinician, start, (int)minutes, (int)count,
			      (int64_t)time(NULL), &made, &why);
	if (rc == DOMAIN_INVALID) {
		slots_page(req, res, 400, why, NULL);
		return;
	}
	if (rc != DOMAIN_OK) {
		web_domain_refusal(req, res, rc, "There is no such page.");
		return;
	}
	respond_redirect(req, res, "/slots?done=1");
}

void web_day(struct request *req, struct response *res)
{
	int64_t now = (int64_t)time(NULL), day = nz_day_start(now, 0);
	const char *date = request_query(req, "date");
	if (date && date[0] && nz_parse(date, "00:00", &day) != 0) {
		web_error(req, res, 400, "Give the date as YYYY-MM-DD.");
		return;
	}
	struct day_item *items = NULL;
	size_t n = 0;
	int rc = day_list(&req->actor, day, &req->arena, &items, &n);
	if (rc != DOMAIN_OK) {
		web_domain_refusal(req, res, rc, "There is no such page.");
		return;
	}
	char d[16], prev[16], next[16];
	nz_format_date(day, d, sizeof(d));
	nz_format_date(nz_day_start(day, -1), prev, sizeof(prev));
	nz_format_date(nz_day_start(day, 1), next, sizeof(next));
	struct buf *b = page_buf(req);
	html_begin(b, "My day", &req->actor, req->csrf);
	html_raw(b, "<h1>My day: ");
	html_text(b, d);
	html_raw(b, "</h1><nav aria-label=\"Days\" class=\"days\"><a href=\"/day?date=");
	html_text(b, prev);
	html_raw(b, "\">← Previous day</a> <a href=\"/day?date=");
	html_text(b, next);
	html_raw(b, "\">Next day →</a></nav>");
	if (n == 0)
		html_raw(b, "<p class=\"empty\">No slots on this day.</p>");
	else
		html_raw(b, "<table class=\"list\"><thead><tr><th scope=\"col\">Time</th><th "
			    "scope=\"col\">Patient</th><th scope=\"col\">Reason</th></tr></thead><tbody>");
	for (size_t i = 0; i < n; i++) {
		struct tm tm;
		nz_local(items[i].slot.start, &tm);
		char t[16];
		snprintf(t, sizeof(t), "%02d:%02d", tm.tm_hour, tm.tm_min);
		html_raw(b, "<tr><td>");
		html_text(b, t);
		html_raw(b, "</td><td>");
		if (!items[i].booked)
			html_raw(b, "Free");
		else if (!items[i].readable)
			html_raw(b, "Booked");
		else {
			html_raw(b, "<a href=\"/patients/");
			hex(b, &items[i].patient.id);
			html_raw(b, "\">");
			html_text(b, items[i].patient.family);
			html_raw(b, ", ");
			html_text(b, items[i].patient.given);
			html_raw(b, "</a>");
		}
		html_raw(b, "</td><td>");
		if (items[i].readable)
			html_text(b, items[i].appointment.reason);
		html_raw(b, "</td></tr>");
	}
	if (n)
		html_raw(b, "</tbody></table>");
	respond_page(res, 200, b);
}

static void settings_page(struct request *req, struct response *res, int status, const char *error,
			  const char *done)
{
	int cutoff = 0;
	int rc = policy_may_manage_practice(&req->actor, &req->actor.practice)
			 ? practice_cutoff_get(&req->actor, &cutoff)
			 : DOMAIN_NOT_FOUND;
	if (rc != DOMAIN_OK) {
		web_domain_refusal(req, res, rc, "There is no such page.");
		return;
	}
	struct buf *b = page_buf(req);
	html_begin(b, "Appointment settings", &req->actor, req->csrf);
	html_raw(b, "<h1>Appointment settings</h1>");
	error_box(b, error);
	if (done) {
		html_raw(b, "<p class=\"status ok\" role=\"status\">");
		html_text(b, done);
		html_raw(b, "</p>");
	}
	char v[16];
	snprintf(v, sizeof(v), "%d", cutoff);
	html_raw(b, "<form method=\"post\" action=\"/practice/appointments\" class=\"card\">"
		    "<h2>Cancellations</h2>");
	csrf_field(b, req->csrf);
	html_raw(b, "<label for=\"cutoff\">Patients can cancel online until this many minutes "
		    "before the appointment</label><input id=\"cutoff\" name=\"cutoff\" "
		    "type=\"number\" min=\"0\" max=\"10080\" required value=\"");
	html_text(b, v);
	html_raw(b, "\"><button type=\"submit\">Save</button></form><p><a href=\"/slots\">"
		    "Appointment slots</a></p>");
	respond_page(res, status, b);
}

void web_appointment_settings(struct request *req, struct response *res)
{
	const char *done = request_query(req, "done");
	settings_page(req, res, 200, NULL, done && strcmp(done, "1") == 0 ? "Saved." : NULL);
}

void web_appointment_settings_save(struct request *req, struct response *res)
{
	struct form_field f[LIMIT_FORM_FIELDS];
	size_t n;
	if (!web_form_accepted(req, res, f, &n))
		return;
	const char *c = form_get(f, n, "cutoff", NULL);
	int64_t minutes = -1;
	if (c == NULL || parse_int64(c, 0, 1000000, &minutes) != 0) {
		settings_page(req, res, 400, "Give the cut-off as a whole number of minutes.", NULL);
		return;
	}
	const char *why = NULL;
	int rc = practice_cutoff_set(&req->actor, (int)minutes, &why);
	if (rc == DOMAIN_INVALID) {
		settings_page(req, res, 400, why, NULL);
		return;
	}
	if (rc != DOMAIN_OK) {
		web_domain_refusal(req, res, rc, "There is no such page.");
		return;
	}
	respond_redirect(req, res, "/practice/appointments?done=1");
}
