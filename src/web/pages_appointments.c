/*
 * Pages for appointments: the patient's side (their record, or one they hold as a proxy:
 * req->actor.record), the clinician's day list, and the practice's slot publishing and
 * settings. Handlers parse and render; the domain layer decides (gate, audit, vault).
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

/* --- appointments: the patient's side --- */

/* The filter of the free times: a clinician (their account id) and a New Zealand day
 * (YYYY-MM-DD), from the query: ids and dates only, nothing that names anyone. */
struct slot_filter {
	bool by_clinician;
	struct id clinician;
	char day[NZ_DAY_LEN]; /* "" for any day; else as nz_day writes it */
	char day_input[NZ_INPUT_DATE_LEN];
};

static void slot_filter_of(struct request *req, struct slot_filter *f)
{
	memset(f, 0, sizeof(*f));
	const char *c = request_query(req, "clinician"), *d = request_query(req, "day");
	if (c && c[0] && id_parse(&f->clinician, c, strlen(c)) == 0)
		f->by_clinician = true;
	int64_t t;
	if (d && d[0] && nz_parse(d, "12:00", &t) == 0) {
		nz_day(t, f->day, sizeof(f->day));
		nz_input_date(t, f->day_input, sizeof(f->day_input));
	}
}

static bool slot_shown(const struct slot_filter *f, const struct slot_view *s)
{
	char d[NZ_DAY_LEN];
	if (f->by_clinician && !id_eq(&f->clinician, &s->clinician))
		return false;
	return f->day[0] == 0 || (nz_day(s->start, d, sizeof(d)) == 0 && strcmp(d, f->day) == 0);
}

/* The filter form (GET, so the choice is a link to share with nobody but works without
 * JavaScript): the clinicians and days that have free times. */
static void filter_form(struct buf *b, const struct slot_filter *f, const struct slot_view *slots,
			size_t ns)
{
	html_raw(b, "<form method=\"get\" action=\"/appointments\" class=\"card filter\">"
		    "<label for=\"f-clinician\">Clinician</label><select id=\"f-clinician\" "
		    "name=\"clinician\"><option value=\"\">Any clinician</option>");
	for (size_t i = 0; i < ns; i++) {
		bool seen = false;
		for (size_t j = 0; j < i && !seen; j++)
			seen = id_eq(&slots[j].clinician, &slots[i].clinician);
		if (seen)
			continue;
		html_raw(b, "<option value=\"");
		web_hex(b, &slots[i].clinician);
		html_raw(b, f->by_clinician && id_eq(&f->clinician, &slots[i].clinician) ? "\" selected>"
											  : "\">");
		html_text(b, slots[i].clinician_name);
		html_raw(b, "</option>");
	}
	html_raw(b, "</select><label for=\"f-day\">Day</label><select id=\"f-day\" name=\"day\">"
		    "<option value=\"\">Any day</option>");
	char last[NZ_DAY_LEN] = "";
	for (size_t i = 0; i < ns; i++) {
		char d[NZ_DAY_LEN], in[NZ_INPUT_DATE_LEN];
		if (nz_day(slots[i].start, d, sizeof(d)) != 0 || strcmp(d, last) == 0 ||
		    nz_input_date(slots[i].start, in, sizeof(in)) != 0)
			continue;
		snprintf(last, sizeof(last), "%s", d);
		html_raw(b, "<option value=\"");
		html_text(b, in);
		html_raw(b, strcmp(f->day, d) == 0 ? "\" selected>" : "\">");
		html_text(b, d);
		html_raw(b, "</option>");
	}
	html_raw(b, "</select><button type=\"submit\" class=\"secondary\">Show times</button></form>");
}

/* How to reach the practice when booking online is closed or no time is free. */
static void practice_contact(struct buf *b, const struct store_booking_settings *bk, const char *name)
{
	if (bk->phone[0] == 0 && bk->hours[0] == 0)
		return;
	html_raw(b, "<div class=\"card contact\"><h3>");
	html_text(b, name ? name : "Your practice");
	html_raw(b, "</h3>");
	if (bk->phone[0]) {
		html_raw(b, "<p>Phone: <a href=\"tel:");
		for (const char *p = bk->phone; *p; p++)
			if ((*p >= '0' && *p <= '9') || *p == '+')
				buf_append(b, p, 1);
		html_raw(b, "\">");
		html_text(b, bk->phone);
		html_raw(b, "</a></p>");
	}
	if (bk->hours[0]) {
		html_raw(b, "<p class=\"hours\">Opening hours: ");
		html_text(b, bk->hours);
		html_raw(b, "</p>");
	}
	html_raw(b, "</div>");
}

static void booking_section(struct request *req, struct buf *b, const struct slot_view *slots,
			    size_t ns, const struct store_booking_settings *bk, const char *practice)
{
	if (bk->closed) {
		html_raw(b, "<p class=\"empty\" role=\"status\">Online booking is closed at the "
			    "moment. Please phone the practice to book.</p>");
		practice_contact(b, bk, practice);
		return;
	}
	if (ns == 0) {
		html_raw(b, "<p class=\"empty\">No free times in the next two weeks. Please phone your "
			    "practice.</p>");
		practice_contact(b, bk, practice);
		return;
	}
	struct slot_filter f;
	slot_filter_of(req, &f);
	filter_form(b, &f, slots, ns);
	size_t shown = 0;
	for (size_t i = 0; i < ns; i++)
		shown += slot_shown(&f, &slots[i]);
	if (shown == 0) {
		html_raw(b, "<p class=\"empty\" role=\"status\">No free times for that choice. "
			    "<a href=\"/appointments\">Show all free times</a></p>");
		return;
	}
	html_raw(b, "<form method=\"post\" action=\"/appointments\" class=\"card\">");
	web_csrf_field(b, req->csrf);
	html_raw(b, "<fieldset class=\"slots\"><legend>Choose a time</legend>");
	char day[NZ_DAY_LEN] = "";
	for (size_t i = 0; i < ns; i++) {
		char d[NZ_DAY_LEN], h[ID_HEX_LEN + 1];
		if (!slot_shown(&f, &slots[i]))
			continue;
		nz_day(slots[i].start, d, sizeof(d));
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
		web_when(b, slots[i].start);
		html_raw(b, " · ");
		html_text(b, slots[i].clinician_name);
		html_raw(b, "</label>");
	}
	html_raw(b, "</div></fieldset><fieldset class=\"kinds\"><legend>How would you like to be seen?"
		    "</legend>");
	for (int k = 0; k < APPT_KINDS; k++) {
		char v[16];
		snprintf(v, sizeof(v), "%s", appointment_kind_code((enum appointment_kind)k));
		html_raw(b, "<label class=\"kind\"><input type=\"radio\" name=\"kind\" value=\"");
		html_text(b, v);
		html_raw(b, k == APPT_IN_PERSON ? "\" checked> " : "\"> ");
		html_text(b, appointment_kind_label((enum appointment_kind)k));
		html_raw(b, "</label>");
	}
	html_raw(b, "</fieldset><label for=\"reason\">Reason for the visit (optional)</label>"
		    "<textarea id=\"reason\" name=\"reason\" maxlength=\"500\" rows=\"2\"></textarea>"
		    "<button type=\"submit\">Book</button></form>");
}

static void appointment_item(struct buf *b, const struct appointment_view *ap)
{
	html_raw(b, "<li><strong>");
	web_when(b, ap->start);
	html_raw(b, "</strong><span class=\"meta\">");
	char len[32];
	snprintf(len, sizeof(len), "%d minutes", ap->minutes);
	html_text(b, len);
	html_raw(b, " with ");
	html_text(b, ap->clinician_name);
	html_raw(b, " · ");
	html_text(b, appointment_kind_label(ap->kind));
	html_raw(b, "</span>");
	if (ap->reason[0]) {
		html_raw(b, "<span class=\"meta\">Reason: ");
		html_text(b, ap->reason);
		html_raw(b, "</span>");
	}
	if (ap->cancelled) {
		html_raw(b, "<span class=\"meta\">Cancelled ");
		web_when(b, ap->cancelled);
		if (ap->cancel_reason) {
			html_raw(b, " by the practice: ");
			html_text(b, appointment_cancel_reason_text(ap->cancel_reason));
		}
		html_raw(b, "</span>");
	} else {
		/* the calendar file, and cancelling after a confirming step (a page of its own) */
		html_raw(b, "<span class=\"actions\"><a href=\"/appointments/");
		web_hex(b, &ap->id);
		html_raw(b, "/calendar.ics\" download>Add to my calendar (.ics)</a>");
		if (ap->can_cancel) {
			html_raw(b, " <a href=\"/appointments/");
			web_hex(b, &ap->id);
			html_raw(b, "/cancel\">Cancel this appointment</a>");
		}
		html_raw(b, "</span>");
	}
	html_raw(b, "</li>");
}

static void appointments_page(struct request *req, struct response *res, int status, const char *error,
			      const char *done)
{
	struct id record;
	if (!web_record_of(req, res, &record))
		return;
	int64_t now = (int64_t)time(NULL);
	struct appointment_view *aps = NULL;
	struct slot_view *slots = NULL;
	size_t na = 0, ns = 0;
	struct store_booking_settings bk;
	const char *practice = NULL;
	int rc = appointment_list(&req->actor, &record, now, &req->arena, &aps, &na);
	if (rc == ERR_OK)
		rc = booking_info_for_patient(&req->actor, &record, &req->arena, &bk, &practice);
	if (rc == ERR_OK)
		rc = slots_for_patient(&req->actor, &record, now, nz_day_start(now, BOOK_DAYS + 1),
				       &req->arena, &slots, &ns);
	if (rc != ERR_OK) {
		web_record_refusal(req, res, rc, "There is no such page.");
		return;
	}
	struct buf *b = page_buf(req);
	const char *heading = web_record_heading(req, web_held_name(req), web_text(req, TEXT_H_APPOINTMENTS),
					     "appointments");
	html_begin(b, heading, &req->actor, req->csrf);
	html_raw(b, "<h1>");
	html_text(b, heading);
	html_raw(b, "</h1>");
	web_error_box(b, error);
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
			appointment_item(b, &aps[i]);
			upcoming++;
		}
	html_raw(b, "</ul>");
	if (upcoming == 0)
		html_raw(b, "<p class=\"empty\">No upcoming appointments.</p>");
	html_raw(b, "<h2>Book an appointment</h2>");
	booking_section(req, b, slots, ns, &bk, practice);
	html_raw(b, "<h2>Past and cancelled</h2><ul class=\"docs appointments\">");
	for (size_t i = 0; i < na; i++)
		if (aps[i].start < now || aps[i].cancelled) {
			appointment_item(b, &aps[i]);
			past++;
		}
	html_raw(b, "</ul>");
	if (past == 0)
		html_raw(b, "<p class=\"empty\">None yet.</p>");
	if (web_recalls_section(req, b, &record, false) != ERR_OK) {
		web_error(req, res, 500, "Something went wrong on our side.");
		return;
	}
	web_page_end(res, status, b);
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
	if (!web_record_of(req, res, &record))
		return;
	const char *s = form_get(f, n, "slot", NULL);
	if (s == NULL || id_parse(&slot, s, strlen(s)) != 0) {
		appointments_page(req, res, 400, "Choose a time.", NULL);
		return;
	}
	const char *k = form_get(f, n, "kind", NULL);
	int kind = k ? appointment_kind_of(k) : (int)APPT_IN_PERSON;
	if (kind < 0) {
		appointments_page(req, res, 400, "Choose in person, by phone or by video.", NULL);
		return;
	}
	struct id out;
	const char *why = NULL;
	int rc = appointment_book(&req->actor, &record, &slot, form_get(f, n, "reason", NULL),
				  (enum appointment_kind)kind, (int64_t)time(NULL), &req->arena, &out,
				  &why);
	if (rc == ERR_INVALID) {
		appointments_page(req, res, 409, why, NULL);
		return;
	}
	if (rc != ERR_OK) {
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
	const char *reason = form_get(f, n, "reason", NULL);
	int rc = appointment_cancel(&req->actor, &ap, (int64_t)time(NULL), reason && reason[0] ? reason : NULL,
				    &why);
	if (rc == ERR_INVALID) {
		if (policy_audience(&req->actor, AUD_PATIENT))
			appointments_page(req, res, 409, why, NULL);
		else
			web_error(req, res, 409, why);
		return;
	}
	if (rc != ERR_OK) {
		web_domain_refusal(req, res, rc, "There is no such appointment.");
		return;
	}
	respond_redirect(req, res, policy_audience(&req->actor, AUD_PATIENT)
					   ? "/appointments?done=cancelled"
					   : "/practice/bookings?done=cancelled");
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
	if (rc == ERR_OK)
		rc = practice_clinicians(&req->actor, &req->arena, &clin, &nc);
	if (rc == ERR_OK)
		rc = practice_cutoff_get(&req->actor, &cutoff);
	if (rc != ERR_OK) {
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
	web_error_box(b, error);
	if (done) {
		html_raw(b, "<p class=\"status ok\" role=\"status\">");
		html_text(b, done);
		html_raw(b, "</p>");
	}
	char today[NZ_INPUT_DATE_LEN];
	nz_input_date(nz_day_start(now, 1), today, sizeof(today));
	html_raw(b, "<form method=\"post\" action=\"/slots\" class=\"card\"><h2>Publish slots</h2>");
	web_csrf_field(b, req->csrf);
	html_raw(b, "<label for=\"clinician\">Clinician</label><select id=\"clinician\" name=\"clinician\">");
	for (size_t i = 0; i < nc; i++) {
		html_raw(b, "<option value=\"");
		web_hex(b, &clin[i].account);
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
		web_when(b, slots[i].start);
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
	web_page_end(res, status, b);
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
	if (rc == ERR_INVALID) {
		slots_page(req, res, 400, why, NULL);
		return;
	}
	if (rc != ERR_OK) {
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
	if (rc != ERR_OK) {
		web_domain_refusal(req, res, rc, "There is no such page.");
		return;
	}
	char prev[NZ_INPUT_DATE_LEN], next[NZ_INPUT_DATE_LEN];
	nz_input_date(nz_day_start(day, -1), prev, sizeof(prev));
	nz_input_date(nz_day_start(day, 1), next, sizeof(next));
	struct buf *b = page_buf(req);
	html_begin(b, "My day", &req->actor, req->csrf);
	html_raw(b, "<h1>My day: ");
	web_date(b, day);
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
		html_raw(b, "<tr><td>");
		web_clock(b, items[i].slot.start);
		html_raw(b, "</td><td>");
		if (!items[i].booked)
			html_raw(b, "Free");
		else if (!items[i].readable)
			html_raw(b, "Booked");
		else {
			html_raw(b, "<a href=\"/patients/");
			web_hex(b, &items[i].patient.id);
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
	web_page_end(res, 200, b);
}

static void settings_page(struct request *req, struct response *res, int status, const char *error,
			  const char *done)
{
	int cutoff = 0;
	struct store_booking_settings bk;
	int rc = policy_may_manage_practice(&req->actor, &req->actor.practice)
			 ? practice_cutoff_get(&req->actor, &cutoff)
			 : ERR_NOT_FOUND;
	if (rc == ERR_OK)
		rc = practice_booking_get(&req->actor, &req->arena, &bk);
	if (rc != ERR_OK) {
		web_domain_refusal(req, res, rc, "There is no such page.");
		return;
	}
	struct buf *b = page_buf(req);
	html_begin(b, "Appointment settings", &req->actor, req->csrf);
	html_raw(b, "<h1>Appointment settings</h1>");
	web_error_box(b, error);
	if (done) {
		html_raw(b, "<p class=\"status ok\" role=\"status\">");
		html_text(b, done);
		html_raw(b, "</p>");
	}
	char v[16];
	snprintf(v, sizeof(v), "%d", cutoff);
	html_raw(b, "<form method=\"post\" action=\"/practice/appointments\" class=\"card\">"
		    "<h2>Cancellations</h2>");
	web_csrf_field(b, req->csrf);
	html_raw(b, "<label for=\"cutoff\">Patients can cancel online until this many minutes "
		    "before the appointment</label><input id=\"cutoff\" name=\"cutoff\" "
		    "type=\"number\" min=\"0\" max=\"10080\" required value=\"");
	html_text(b, v);
	html_raw(b, "\"><button type=\"submit\">Save</button></form>");
	html_raw(b, "<form method=\"post\" action=\"/practice/appointments\" class=\"card\">"
		    "<h2>Online booking</h2><input type=\"hidden\" name=\"part\" value=\"booking\">");
	web_csrf_field(b, req->csrf);
	html_raw(b, "<p><input type=\"checkbox\" id=\"closed\" name=\"closed\" value=\"1\"");
	if (bk.closed)
		html_raw(b, " checked");
	html_raw(b, "> <label for=\"closed\">Close online booking (patients are shown the phone "
		    "number and hours below instead)</label></p><label for=\"phone\">Practice phone "
		    "number</label><input id=\"phone\" name=\"phone\" type=\"tel\" maxlength=\"40\" "
		    "autocomplete=\"off\" value=\"");
	html_text(b, bk.phone);
	html_raw(b, "\"><label for=\"hours\">Opening hours</label><textarea id=\"hours\" "
		    "name=\"hours\" maxlength=\"300\" rows=\"3\">");
	html_text(b, bk.hours);
	html_raw(b, "</textarea><button type=\"submit\">Save</button></form><p><a href=\"/slots\">"
		    "Appointment slots</a></p>");
	web_page_end(res, status, b);
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
	const char *part = form_get(f, n, "part", NULL);
	if (part && strcmp(part, "booking") == 0) {
		const char *closed = form_get(f, n, "closed", NULL);
		const char *phone = form_get(f, n, "phone", NULL), *hours = form_get(f, n, "hours", NULL);
		struct store_booking_settings bk = {.closed = closed && strcmp(closed, "1") == 0,
						    .phone = phone ? phone : "",
						    .hours = hours ? hours : ""};
		const char *why = NULL;
		int rc = practice_booking_set(&req->actor, &bk, &why);
		if (rc == ERR_INVALID)
			settings_page(req, res, 400, why, NULL);
		else if (rc != ERR_OK)
			web_domain_refusal(req, res, rc, "There is no such page.");
		else
			respond_redirect(req, res, "/practice/appointments?done=1");
		return;
	}
	const char *c = form_get(f, n, "cutoff", NULL);
	int64_t minutes = -1;
	if (c == NULL || parse_int64(c, 0, 1000000, &minutes) != 0) {
		settings_page(req, res, 400, "Give the cut-off as a whole number of minutes.", NULL);
		return;
	}
	const char *why = NULL;
	int rc = practice_cutoff_set(&req->actor, (int)minutes, &why);
	if (rc == ERR_INVALID) {
		settings_page(req, res, 400, why, NULL);
		return;
	}
	if (rc != ERR_OK) {
		web_domain_refusal(req, res, rc, "There is no such page.");
		return;
	}
	respond_redirect(req, res, "/practice/appointments?done=1");
}
