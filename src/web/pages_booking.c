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
