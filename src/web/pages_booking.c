/*
 * A patient's own appointment, one at a time: the step that confirms a cancellation (a page
 * with the form, so that it works without JavaScript and nobody cancels by a stray tap), and
 * the calendar file (.ics) of it. Both read the appointment through the domain (gate, audit);
 * anyone else's, or a random id, is answered alike (not found).
 */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "domain/appointments.h"
#include "domain/notify.h"
#include "limits.h"
#include "util/ics.h"
#include "util/nztime.h"
#include "web/html.h"
#include "web/web.h"
#include "web/web_int.h"

/* A calendar file of one appointment: a few hundred octets; the practice's name is the only
 * free text in it. */
#define ICS_FILE_MAX 4096

static bool appointment_of_request(struct request *req, struct response *res,
				   struct appointment_view *v)
{
	struct id ap;
	if (request_param_id(req, 0, &ap) != 0) {
		web_error(req, res, 404, "There is no such appointment.");
		return false;
	}
	int rc = appointment_read(&req->actor, &ap, (int64_t)time(NULL), &req->arena, v);
	if (rc != ERR_OK) {
		web_domain_refusal(req, res, rc, "There is no such appointment.");
		return false;
	}
	return true;
}

void web_appointment_cancel_confirm(struct request *req, struct response *res)
{
	struct appointment_view v;
	if (!appointment_of_request(req, res, &v))
		return;
	struct buf *b = page_buf(req);
	html_begin(b, "Cancel this appointment?", &req->actor, req->csrf);
	html_raw(b, "<h1>Cancel this appointment?</h1><div class=\"card\"><p><strong>");
	web_when(b, v.start);
	html_raw(b, "</strong><br>");
	char len[32];
	snprintf(len, sizeof(len), "%d minutes", v.minutes);
	html_text(b, len);
	html_raw(b, " with ");
	html_text(b, v.clinician_name);
	html_raw(b, " · ");
	html_text(b, appointment_kind_label(v.kind));
	html_raw(b, "</p>");
	if (v.cancelled) {
		html_raw(b, "<p>This appointment was cancelled already.</p></div>");
	} else if (!v.can_cancel) {
		html_raw(b, "<p>It is too close to the appointment to cancel it here. Please phone your "
			    "practice.</p></div>");
	} else {
		html_raw(b, "<p>The time will be offered to other patients.</p>"
			    "<form method=\"post\" action=\"/appointments/");
		web_hex(b, &v.id);
		html_raw(b, "/cancel\">");
		web_csrf_field(b, req->csrf);
		html_raw(b, "<button type=\"submit\">Yes, cancel it</button></form></div>");
	}
	html_raw(b, "<p><a href=\"/appointments\">Keep it: back to appointments</a></p>");
	web_page_end(res, 200, b);
}

void web_appointment_ics(struct request *req, struct response *res)
{
	struct appointment_view v;
	if (!appointment_of_request(req, res, &v))
		return;
	char uid[ID_HEX_LEN + 1];
	id_hex(&v.id, uid);
	const char *practice = notify_practice_name(&v.practice, &req->arena);
	struct ics_event e = {
		.uid = arena_printf(&req->arena, "%s@appointments.medkeep", uid),
		.stamp = v.booked,
		.start = v.start,
		.end = v.start + (int64_t)v.minutes * 60,
		/* where and when only: nothing clinical, not even the clinician or the reason */
		.summary = arena_printf(&req->arena, "Appointment at %s", practice ? practice : "your practice"),
		.location = NULL,
		.cancelled = v.cancelled != 0,
	};
	struct buf b;
	buf_init(&b, &req->arena, ICS_FILE_MAX);
	if (e.uid == NULL || e.summary == NULL || ics_event_write(&b, &e) != 0) {
		web_error(req, res, 500, "Something went wrong on our side.");
		return;
	}
	respond_download(req, res, "appointment.ics", "text/calendar; charset=utf-8", b.data, b.len);
}

/* --- the practice's side: reception's day, removing a free time, changing a booking --- */

/* The day asked for (?date=YYYY-MM-DD), today when none; false (answered) when malformed. */
static bool day_of_request(struct request *req, struct response *res, int64_t *day)
{
	*day = nz_day_start((int64_t)time(NULL), 0);
	const char *date = request_query(req, "date");
	if (date && date[0] && nz_parse(date, "00:00", day) != 0) {
		web_error(req, res, 400, "Give the date as YYYY-MM-DD.");
		return false;
	}
	return true;
}

static void day_link(struct buf *b, int64_t day, const char *label)
{
	char d[NZ_INPUT_DATE_LEN];
	nz_input_date(day, d, sizeof(d));
	html_raw(b, "<a href=\"/practice/bookings?date=");
	html_text(b, d);
	html_raw(b, "\">");
	html_text(b, label);
	html_raw(b, "</a>");
}

static void bookings_page(struct request *req, struct response *res, int status, const char *error,
			  const char *done)
{
	int64_t day;
	if (!day_of_request(req, res, &day))
		return;
	struct booking_item *items = NULL;
	size_t n = 0;
	int rc = practice_day_list(&req->actor, day, &req->arena, &items, &n);
	if (rc != ERR_OK) {
		web_domain_refusal(req, res, rc, "There is no such page.");
		return;
	}
	int64_t now = (int64_t)time(NULL);
	bool clinician = policy_may_work_queue(&req->actor, &req->actor.practice);
	struct buf *b = page_buf(req);
	html_begin(b, "Bookings", &req->actor, req->csrf);
	html_raw(b, "<h1>Bookings: ");
	web_date(b, day);
	html_raw(b, "</h1><nav aria-label=\"Days\" class=\"days\">");
	day_link(b, nz_day_start(day, -1), "← Previous day");
	html_raw(b, " ");
	day_link(b, nz_day_start(day, 1), "Next day →");
	html_raw(b, "</nav><form method=\"get\" action=\"/practice/bookings\" class=\"filter\">"
		    "<label for=\"date\">Day</label><input id=\"date\" name=\"date\" type=\"date\" "
		    "required value=\"");
	char d[NZ_INPUT_DATE_LEN];
	nz_input_date(day, d, sizeof(d));
	html_text(b, d);
	html_raw(b, "\"><button type=\"submit\" class=\"secondary\">Show</button></form>");
	web_error_box(b, error);
	if (done) {
		html_raw(b, "<p class=\"status ok\" role=\"status\">");
		html_text(b, done);
		html_raw(b, "</p>");
	}
	if (n == 0)
		html_raw(b, "<p class=\"empty\">No times published for this day.</p>");
	else
		html_raw(b, "<table class=\"list\"><thead><tr><th scope=\"col\">Time</th><th "
			    "scope=\"col\">Clinician</th><th scope=\"col\">Patient</th><th "
			    "scope=\"col\">How</th><th scope=\"col\"><span class=\"visually-hidden\">"
			    "Actions</span></th></tr></thead><tbody>");
	for (size_t i = 0; i < n; i++) {
		const struct booking_item *it = &items[i];
		html_raw(b, "<tr><td>");
		web_clock(b, it->slot.start);
		html_raw(b, "</td><td>");
		html_text(b, it->slot.clinician_name);
		html_raw(b, "</td><td>");
		if (!it->booked) {
			html_raw(b, "Free");
		} else if (!it->named) {
			html_raw(b, "Booked");
		} else {
			html_raw(b, "<a href=\"/patients/");
			web_hex(b, &it->patient.id);
			html_raw(b, "\">");
			html_text(b, it->patient.family);
			html_raw(b, ", ");
			html_text(b, it->patient.given);
			html_raw(b, "</a>");
		}
		html_raw(b, "</td><td>");
		if (it->booked)
			html_text(b, appointment_kind_label(it->kind));
		html_raw(b, "</td><td>");
		if (!it->booked && it->slot.start > now) {
			html_raw(b, "<form method=\"post\" action=\"/slots/");
			web_hex(b, &it->slot.id);
			html_raw(b, "/remove\" class=\"inline\">");
			web_csrf_field(b, req->csrf);
			html_raw(b, "<button type=\"submit\" class=\"secondary\">Remove this time"
				    "</button></form>");
		} else if (it->booked && it->named && clinician && it->slot.start > now) {
			html_raw(b, "<a href=\"/appointments/");
			web_hex(b, &it->appointment);
			html_raw(b, "/change\">Move or cancel</a>");
		}
		html_raw(b, "</td></tr>");
	}
	if (n)
		html_raw(b, "</tbody></table>");
	web_page_end(res, status, b);
}

void web_practice_bookings(struct request *req, struct response *res)
{
	const char *done = request_query(req, "done");
	bookings_page(req, res, 200, NULL,
		      done == NULL			    ? NULL
		      : strcmp(done, "removed") == 0   ? "The time is removed."
		      : strcmp(done, "moved") == 0     ? "The booking is moved. The patient is emailed."
		      : strcmp(done, "cancelled") == 0 ? "The booking is cancelled. The patient is emailed."
						       : NULL);
}

void web_slot_remove(struct request *req, struct response *res)
{
	struct form_field f[LIMIT_FORM_FIELDS];
	size_t n;
	if (!web_form_accepted(req, res, f, &n))
		return;
	struct id slot;
	if (request_param_id(req, 0, &slot) != 0) {
		web_error(req, res, 404, "There is no such page.");
		return;
	}
	const char *why = NULL;
	int rc = slot_remove(&req->actor, &slot, (int64_t)time(NULL), &why);
	if (rc == ERR_INVALID) {
		bookings_page(req, res, 409, why, NULL);
		return;
	}
	if (rc != ERR_OK) {
		web_domain_refusal(req, res, rc, "There is no such page.");
		return;
	}
	respond_redirect(req, res, "/practice/bookings?done=removed");
}

static void change_page(struct request *req, struct response *res, int status, const char *error)
{
	struct appointment_view v;
	if (!appointment_of_request(req, res, &v))
		return;
	int64_t now = (int64_t)time(NULL);
	struct slot_view *free = NULL;
	size_t nf = 0;
	/* a patient (or proxy) has no business here: their own is answered as not found too */
	int rc = policy_may_work_queue(&req->actor, &v.practice)
			 ? slots_for_practice(&req->actor, NULL, now, nz_day_start(now, 15), true,
					      &req->arena, &free, &nf)
			 : ERR_NOT_FOUND;
	if (rc != ERR_OK) {
		web_domain_refusal(req, res, rc, "There is no such appointment.");
		return;
	}
	struct buf *b = page_buf(req);
	html_begin(b, "Move or cancel a booking", &req->actor, req->csrf);
	html_raw(b, "<h1>Move or cancel a booking</h1>");
	web_error_box(b, error);
	html_raw(b, "<p class=\"lead\"><strong>");
	web_when(b, v.start);
	html_raw(b, "</strong> with ");
	html_text(b, v.clinician_name);
	html_raw(b, " · ");
	html_text(b, appointment_kind_label(v.kind));
	html_raw(b, " · <a href=\"/patients/");
	web_hex(b, &v.patient);
	html_raw(b, "\">The patient</a></p>");
	if (v.cancelled || !v.can_cancel) {
		html_raw(b, "<p>This booking can no longer be changed here.</p>");
		web_page_end(res, status, b);
		return;
	}
	html_raw(b, "<form method=\"post\" action=\"/appointments/");
	web_hex(b, &v.id);
	html_raw(b, "/move\" class=\"card\"><h2>Move to another time</h2>");
	web_csrf_field(b, req->csrf);
	if (nf == 0) {
		html_raw(b, "<p class=\"empty\">No free times in the next two weeks.</p></form>");
	} else {
		html_raw(b, "<label for=\"slot\">New time</label><select id=\"slot\" name=\"slot\" required>");
		for (size_t i = 0; i < nf; i++) {
			char when[NZ_WHEN_LEN];
			nz_when(free[i].start, when, sizeof(when));
			html_raw(b, "<option value=\"");
			web_hex(b, &free[i].id);
			html_raw(b, "\">");
			html_text(b, when);
			html_raw(b, " · ");
			html_text(b, free[i].clinician_name);
			html_raw(b, "</option>");
		}
		html_raw(b, "</select><p>The patient is emailed the new time.</p><button "
			    "type=\"submit\">Move the booking</button></form>");
	}
	html_raw(b, "<form method=\"post\" action=\"/appointments/");
	web_hex(b, &v.id);
	html_raw(b, "/cancel\" class=\"card\"><h2>Cancel the booking</h2>");
	web_csrf_field(b, req->csrf);
	html_raw(b, "<label for=\"reason\">Reason (the patient is emailed these words)</label>"
		    "<select id=\"reason\" name=\"reason\" required>");
	for (const struct cancel_reason *r = appointment_cancel_reasons; r->code; r++) {
		html_raw(b, "<option value=\"");
		html_text(b, r->code);
		html_raw(b, "\">");
		html_text(b, r->text);
		html_raw(b, "</option>");
	}
	html_raw(b, "</select><button type=\"submit\" class=\"secondary\">Cancel the booking</button>"
		    "</form><p><a href=\"/practice/bookings\">Back to bookings</a></p>");
	web_page_end(res, status, b);
}

void web_appointment_change(struct request *req, struct response *res)
{
	change_page(req, res, 200, NULL);
}

void web_appointment_move(struct request *req, struct response *res)
{
	struct form_field f[LIMIT_FORM_FIELDS];
	size_t n;
	if (!web_form_accepted(req, res, f, &n))
		return;
	struct id ap, slot;
	if (request_param_id(req, 0, &ap) != 0) {
		web_error(req, res, 404, "There is no such appointment.");
		return;
	}
	const char *s = form_get(f, n, "slot", NULL);
	if (s == NULL || id_parse(&slot, s, strlen(s)) != 0)
		memset(&slot, 0, sizeof(slot)); /* answered below, after the gate, as not free */
	const char *why = NULL;
	int rc = appointment_move(&req->actor, &ap, &slot, (int64_t)time(NULL), &req->arena, &why);
	if (rc == ERR_INVALID) {
		change_page(req, res, 409, why);
		return;
	}
	if (rc != ERR_OK) {
		web_domain_refusal(req, res, rc, "There is no such appointment.");
		return;
	}
	respond_redirect(req, res, "/practice/bookings?done=moved");
}
