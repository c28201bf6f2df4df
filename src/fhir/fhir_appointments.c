/*
 * FHIR R4 Appointment and Slot.
 *
 * Slot: one bookable time of one clinician; schedule is Schedule/{clinician id} (one schedule
 * per clinician; Schedule itself is not served), status free or busy. Search by schedule,
 * start (a day, or ge/gt/le/lt with a day or a NZ local YYYY-MM-DDThh:mm; at most 90 days)
 * and status; patients and
 * proxies see their practice's free slots, staff all of their own practice's. Read by id.
 * Appointment: a booking of one slot by one patient (participants: the patient, and the
 * clinician by display), booked or cancelled; the patient's reason as reasonCode.text; how
 * the visit happens (in person, phone, video) as appointmentType, "the style of appointment"
 * in R4 (serviceType is the service, such as general practice): its binding (v2-0276) is
 * extensible and has no code for this, so the coding is ours (kind_system) with the text.
 * Search by patient, read by id, and booking by POST Appointment naming the slot and the
 * patient (status booked or proposed): 201, or 409 when someone else has just booked it.
 */
#include "fhir/fhir_careplan_int.h"
#include "fhir/fhir_search.h"

#include <string.h>
#include <time.h>

#include "domain/appointments.h"
#include "limits.h"
#include "util/nztime.h"

#define SLOT_SEARCH_DEFAULT_DAYS 14

static const char kind_system[] = "https://medkeep.nz/fhir/CodeSystem/appointment-kind";
/* A practice's reason for cancelling (appointment_cancel_reasons) in R4's own code system
 * (its example binding), with the words the patient was emailed as the text. */
static const char cancel_system[] =
	"http://terminology.hl7.org/CodeSystem/appointment-cancellation-reason";
static const struct {
	const char *ours, *code, *display;
} cancel_codes[] = {
	{"clinician-away", "prov", "Provider"},
	{"practice-closed", "other", "Other"},
	{"booked-in-error", "oth-err", "Other: Error"},
	{"patient-asked", "pat", "Patient"},
};

static json_t *cancel_reason_json(const char *ours)
{
	for (size_t i = 0; i < sizeof(cancel_codes) / sizeof(cancel_codes[0]); i++)
		if (strcmp(ours, cancel_codes[i].ours) == 0)
			return json_pack("{s:[{s:s, s:s, s:s}], s:s}", "coding", "system", cancel_system,
					 "code", cancel_codes[i].code, "display",
					 cancel_codes[i].display, "text",
					 appointment_cancel_reason_text(ours));
	return json_pack("{s:s}", "text", appointment_cancel_reason_text(ours));
}

static json_t *slot_json(struct arena *ar, const struct slot_view *s)
{
	char h[ID_HEX_LEN + 1];
	id_hex(&s->id, h);
	return json_pack("{s:s, s:s, s:{s:s, s:s}, s:s, s:s, s:s}", "resourceType", "Slot", "id", h,
			 "schedule", "reference", careplan_ref(ar, "Schedule", &s->clinician),
			 "display", s->clinician_name, "status", s->booked ? "busy" : "free", "start",
			 careplan_instant(ar, s->start), "end",
			 careplan_instant(ar, s->start + (int64_t)s->minutes * 60));
}

/* An appointment changes once at most (cancelled, guarded in the store's SQL): version 2 from
 * then, changed when cancelled; else version 1 of when it was booked. */
static int64_t appointment_version(const struct appointment_view *v)
{
	return v->cancelled ? 2 : 1;
}

static int64_t appointment_updated(const struct appointment_view *v)
{
	return v->cancelled ? v->cancelled : v->booked;
}

static json_t *appointment_json(struct arena *ar, const struct appointment_view *v)
{
	char h[ID_HEX_LEN + 1];
	id_hex(&v->id, h);
	json_t *o = json_pack(
		"{s:s, s:s, s:s, s:s, s:s, s:i, s:s, s:[{s:s}], s:[{s:{s:s}, s:s, s:s},"
		" {s:{s:s}, s:s, s:s}]}",
		"resourceType", "Appointment", "id", h, "status", v->cancelled ? "cancelled" : "booked",
		"start", careplan_instant(ar, v->start), "end",
		careplan_instant(ar, v->start + (int64_t)v->minutes * 60), "minutesDuration",
		v->minutes, "created", careplan_instant(ar, v->booked), "slot", "reference",
		careplan_ref(ar, "Slot", &v->slot), "participant", "actor", "reference",
		careplan_ref(ar, "Patient", &v->patient), "required", "required", "status", "accepted",
		"actor", "display", v->clinician_name, "required", "required", "status", "accepted");
	if (o && v->reason && v->reason[0])
		json_object_set_new(o, "reasonCode", json_pack("[{s:s}]", "text", v->reason));
	if (o && v->cancelled && v->cancel_reason)
		json_object_set_new(o, "cancelationReason", cancel_reason_json(v->cancel_reason));
	if (o)
		json_object_set_new(o, "appointmentType",
				    json_pack("{s:[{s:s, s:s, s:s}], s:s}", "coding", "system",
					      kind_system, "code", appointment_kind_code(v->kind),
					      "display", appointment_kind_label(v->kind), "text",
					      appointment_kind_label(v->kind)));
	fhir_meta_version(o, appointment_version(v), appointment_updated(v));
	return o;
}

/* --- Slot --- */

/* Slot search pages as the others do (_count, _cursor links, total, _summary=count, _total),
 * soonest first; its own parameters (start in NZ local time, status, schedule) are read here,
 * as Slot has no patient= (SEARCH.md "Slot"). */
const struct search_spec fhir_slot_spec = {
	.type = "Slot",
	.updated_doc = "",
};

struct slot_query {
	int64_t from, to;
	bool bad;
	const char *status, *sched;
	struct fhir_search *s;
	bool lenient;
	enum search_rc rc;
};

/* start=2026-12-01 (that NZ day), or with a prefix ge/gt/le/lt and a day or a NZ local time. */
static void slot_start(struct slot_query *q, const char *v)
{
	char prefix[3] = "eq";
	if (strlen(v) > 2 && v[0] >= 'a' && v[0] <= 'z') {
		memcpy(prefix, v, 2);
		v += 2;
	}
	/* A day (YYYY-MM-DD) or a NZ local time (YYYY-MM-DDThh:mm); no offsets or seconds. */
	char date[11];
	if ((strlen(v) != 10 && strlen(v) != 16) || (strlen(v) == 16 && v[10] != 'T')) {
		q->bad = true;
		return;
	}
	memcpy(date, v, 10);
	date[10] = '\0';
	int64_t t;
	char clock[6] = "00:00";
	if (strlen(v) == 16)
		memcpy(clock, v + 11, 5);
	if (nz_parse(date, clock, &t) != 0) {
		q->bad = true;
		return;
	}
	bool day = strlen(v) == 10;
	if (strcmp(prefix, "eq") == 0 && day) {
		q->from = t;
		q->to = nz_day_start(t, 1);
	} else if (strcmp(prefix, "ge") == 0 || strcmp(prefix, "gt") == 0) {
		q->from = (strcmp(prefix, "gt") == 0 && day) ? nz_day_start(t, 1) : t;
	} else if (strcmp(prefix, "lt") == 0 || strcmp(prefix, "le") == 0) {
		q->to = (strcmp(prefix, "le") == 0 && day) ? nz_day_start(t, 1) : t;
	} else {
		q->bad = true;
	}
}

/* One parameter: Slot's own (kept for the links as given), the paging ones (the common
 * parser), or refused naming it (left out with Prefer: handling=lenient). */
static int slot_param(void *ctx, const char *k, const char *v)
{
	struct slot_query *q = ctx;
	bool own = strcmp(k, "start") == 0 || strcmp(k, "status") == 0 || strcmp(k, "schedule") == 0;
	if (own) {
		if (q->s->n_applied >= LIMIT_SEARCH_PARAMS) {
			q->s->bad = k;
			q->s->bad_len = strlen(k);
			q->s->why = "is one parameter too many";
			q->rc = SEARCH_INVALID;
			return 1;
		}
		q->s->applied[q->s->n_applied++] = (struct search_kv){k, strlen(k), v, strlen(v)};
		if (strcmp(k, "start") == 0)
			slot_start(q, v);
		else if (strcmp(k, "status") == 0)
			q->status = q->status ? q->status : v;
		else
			q->sched = q->sched ? q->sched : v;
		return 0;
	}
	static const char *const paging[] = {"_count", "_cursor", "_summary", "_total", "_format", NULL};
	bool known = false;
	for (size_t i = 0; paging[i] && !known; i++)
		known = strcmp(k, paging[i]) == 0;
	enum search_rc rc = SEARCH_UNKNOWN;
	if (known)
		rc = fhir_search_add(q->s, &fhir_slot_spec, k, strlen(k), v, strlen(v));
	else {
		q->s->bad = k;
		q->s->bad_len = strlen(k);
	}
	if (rc == SEARCH_UNKNOWN && q->lenient)
		return 0;
	q->rc = rc;
	return rc == SEARCH_OK ? 0 : 1;
}

static int64_t slot_key(const void *row, enum store_sort sort)
{
	(void)sort;
	return ((const struct slot_view *)row)->start;
}

static const struct id *slot_id(const void *row)
{
	return &((const struct slot_view *)row)->id;
}

static json_t *slot_render(struct request *req, const void *row)
{
	return slot_json(&req->arena, row);
}

/* The search read, and its values checked: 0, or -1 with the refusal answered. */
static int slot_query_read(struct request *req, struct response *res, struct slot_query *q,
			   struct id *clinician)
{
	if (request_query_each(req, slot_param, q) != 0) {
		fhir_search_refused(req, res, &fhir_slot_spec, q->s, q->rc == SEARCH_UNKNOWN);
		return -1;
	}
	if (q->to == 0)
		q->to = nz_day_start(q->from, SLOT_SEARCH_DEFAULT_DAYS + 1);
	if (q->bad || q->to <= q->from || q->to > nz_day_start(q->from, SLOT_HORIZON_DAYS + 1)) {
		fhir_error(req, res, 400, "start must be a date (YYYY-MM-DD) or a range with ge/gt/le/lt, "
					  "at most 90 days");
		return -1;
	}
	if (q->status && strcmp(q->status, "free") != 0 && strcmp(q->status, "busy") != 0) {
		fhir_error(req, res, 400, "status must be free or busy");
		return -1;
	}
	const char *sched = q->sched;
	if (sched && (strncmp(sched, "Schedule/", 9) == 0 ? id_parse(clinician, sched + 9, strlen(sched + 9))
							  : id_parse(clinician, sched, strlen(sched))) != 0) {
		fhir_error(req, res, 400, "schedule must be Schedule/{id}");
		return -1;
	}
	return 0;
}

void fhir_slot_search(struct request *req, struct response *res)
{
	struct fhir_search s;
	const char *base = fhir_base_url(req);
	fhir_search_init(&s, base, base ? strlen(base) : 0);
	s.page.desc = false; /* soonest first */
	struct slot_query q = {.from = (int64_t)time(NULL), .s = &s,
			       .lenient = fhir_prefers_lenient(req), .rc = SEARCH_OK};
	struct id clinician;
	if (slot_query_read(req, res, &q, &clinician) != 0)
		return;
	struct search_call c;
	fhir_search_page(&s, &fhir_slot_spec, &c.page, c.codes, sizeof(c.codes));
	c.info = (struct page_info){.want_total = !s.total_none || s.summary_count};
	/* Patients and proxies: the free slots of the practices of the record in view; staff:
	 * their own practice's. Never another's (the census tests). */
	struct slot_search sq = {
		.patient = policy_audience(&req->actor, AUD_PATIENT) && req->actor.has_record
				   ? &req->actor.record : NULL,
		.clinician = q.sched ? &clinician : NULL, .from = q.from, .to = q.to,
		.state = q.status == NULL ? 0 : strcmp(q.status, "free") == 0 ? 1 : 2};
	struct slot_view *slots = NULL;
	size_t n = 0;
	int rc = slots_search(&req->actor, &sq, &c.page, &req->arena, &slots, &n, &c.info);
	if (rc != ERR_OK) {
		fhir_domain_error(req, res, rc, "Slot");
		return;
	}
	fhir_search_answer(req, res, &s, &fhir_slot_spec, &c.info,
			   &(struct search_rows){slots, n, sizeof(*slots), slot_key, slot_id, slot_render});
}

void fhir_slot_read(struct request *req, struct response *res)
{
	struct id id;
	struct slot_view s;
	int rc = request_param_id(req, 0, &id) == 0 ? slot_read(&req->actor, &id, &req->arena, &s)
						    : ERR_NOT_FOUND;
	if (rc != ERR_OK) {
		fhir_domain_error(req, res, rc, "Slot");
		return;
	}
	fhir_respond(req, res, 200, slot_json(&req->arena, &s));
}

/* --- Appointment --- */

/* Search: date is the visit's start, _lastUpdated its booking or cancelling, status booked or
 * cancelled; all clear, filtered in the store. The reason is sealed and not searched. */
static const char *const appointment_values[] = {"booked", "cancelled"};
static const struct search_code appointment_statuses[] = {
	{"http://hl7.org/fhir/appointmentstatus", "booked", 1},
	{"http://hl7.org/fhir/appointmentstatus", "cancelled", 2},
};
static const struct search_param appointment_params[] = {
	{"date", SP_DATE, NULL, 0, "When the visit starts (Appointment.start)."},
	{"status", SP_TOKEN, appointment_statuses, 2, "booked or cancelled; comma lists."},
};
const struct search_spec fhir_appointment_spec = {
	.type = "Appointment",
	.params = appointment_params,
	.n_params = 2,
	.values = appointment_values,
	.n_values = 2,
	.updated_doc = "When the visit was booked, or cancelled if it was.",
};

static int64_t appointment_key(const void *row, enum store_sort sort)
{
	const struct appointment_view *v = row;
	return sort == STORE_SORT_UPDATED ? appointment_updated(v) : v->start;
}

static const struct id *appointment_id(const void *row)
{
	return &((const struct appointment_view *)row)->id;
}

static json_t *appointment_render(struct request *req, const void *row)
{
	return appointment_json(&req->arena, row);
}

void fhir_appointment_search(struct request *req, struct response *res)
{
	struct fhir_search s;
	struct search_call c;
	if (fhir_search_start(req, res, &fhir_appointment_spec, &s, &c) != 0)
		return;
	struct appointment_view *rows = NULL;
	size_t n = 0;
	int rc = s.patient_bad ? ERR_NOT_FOUND : appointment_search(&req->actor, &s.patient, (int64_t)time(NULL), &c.page,
							   &req->arena, &rows, &n, &c.info);
	fhir_search_done(req, res, &s, &fhir_appointment_spec, &c, rc,
			 &(struct search_rows){rows, n, sizeof(*rows), appointment_key, appointment_id, appointment_render});
}

void fhir_appointment_read(struct request *req, struct response *res)
{
	struct id id;
	struct appointment_view v;
	int rc = request_param_id(req, 0, &id) == 0
			 ? appointment_read(&req->actor, &id, (int64_t)time(NULL), &req->arena, &v)
			 : ERR_NOT_FOUND;
	if (rc != ERR_OK) {
		fhir_domain_error(req, res, rc, "Appointment");
		return;
	}
	fhir_respond_read(req, res, appointment_json(&req->arena, &v), appointment_version(&v),
			  appointment_updated(&v));
}

/* A reference "Type/{id}" of the given type; -1 otherwise. */
static int typed_ref(json_t *ref_obj, const char *type, struct id *out)
{
	const char *r = json_string_value(json_object_get(ref_obj, "reference"));
	size_t tl = strlen(type);
	if (r == NULL || strncmp(r, type, tl) != 0 || r[tl] != '/')
		return -1;
	return id_parse(out, r + tl + 1, strlen(r + tl + 1));
}

int fhir_appointment_parse(const char *json, size_t len, struct arena *a,
			   struct appointment_new *out, const char **why)
{
	memset(out, 0, sizeof(*out));
	json_t *o = json_loadb(json, len, JSON_REJECT_DUPLICATES, NULL);
	int rc = -1;
	*why = "The body is not valid JSON";
	if (!json_is_object(o))
		goto out;
	*why = "resourceType must be Appointment";
	const char *rt = json_string_value(json_object_get(o, "resourceType"));
	if (rt == NULL || strcmp(rt, "Appointment") != 0)
		goto out;
	*why = "status must be booked or proposed";
	const char *st = json_string_value(json_object_get(o, "status"));
	if (st == NULL || (strcmp(st, "booked") != 0 && strcmp(st, "proposed") != 0))
		goto out;
	*why = "slot must name exactly one Slot/{id}";
	json_t *slot = json_object_get(o, "slot");
	if (!json_is_array(slot) || json_array_size(slot) != 1 ||
	    typed_ref(json_array_get(slot, 0), "Slot", &out->slot) != 0)
		goto out;
	*why = "participant must name exactly one Patient/{id}";
	json_t *parts = json_object_get(o, "participant"), *p;
	size_t i, patients = 0;
	if (!json_is_array(parts))
		goto out;
	json_array_foreach(parts, i, p)
	{
		struct id pid;
		if (typed_ref(json_object_get(p, "actor"), "Patient", &pid) == 0) {
			out->patient = pid;
			patients++;
		}
	}
	if (patients != 1)
		goto out;
	*why = "reasonCode must be an array of one CodeableConcept with text";
	json_t *reasons = json_object_get(o, "reasonCode");
	if (reasons != NULL) {
		const char *text = json_string_value(json_object_get(json_array_get(reasons, 0), "text"));
		if (!json_is_array(reasons) || json_array_size(reasons) != 1 || text == NULL)
			goto out;
		out->reason = arena_strdup(a, text);
		if (out->reason == NULL)
			goto out;
	}
	*why = "appointmentType must have a coding of "
	       "https://medkeep.nz/fhir/CodeSystem/appointment-kind: in-person, phone or video";
	json_t *type = json_object_get(o, "appointmentType");
	out->kind = APPT_IN_PERSON;
	if (type != NULL) {
		json_t *coding = json_object_get(type, "coding"), *c;
		int kind = -1;
		if (!json_is_object(type) || !json_is_array(coding))
			goto out;
		json_array_foreach(coding, i, c)
		{
			const char *sys = json_string_value(json_object_get(c, "system"));
			const char *code = json_string_value(json_object_get(c, "code"));
			if (sys && code && strcmp(sys, kind_system) == 0)
				kind = appointment_kind_of(code);
		}
		if (kind < 0)
			goto out;
		out->kind = kind;
	}
	*why = NULL;
	rc = 0;
out:
	json_decref(o);
	return rc;
}

void fhir_appointment_create(struct request *req, struct response *res)
{
	if (!fhir_json_body(req, res))
		return;
	struct appointment_new an;
	const char *why = NULL;
	if (fhir_appointment_parse(req->body.data ? req->body.data : "", req->body.len, &req->arena,
				   &an, &why) != 0) {
		fhir_error(req, res, 400, why ? why : "Invalid Appointment");
		return;
	}
	int64_t now = (int64_t)time(NULL);
	struct id id;
	int rc = appointment_book(&req->actor, &an.patient, &an.slot, an.reason,
				  (enum appointment_kind)an.kind, now, &req->arena, &id, &why);
	if (rc == ERR_INVALID) {
		fhir_error(req, res, 409, why ? why : "That slot cannot be booked");
		return;
	}
	struct appointment_view v;
	if (rc == ERR_OK)
		rc = appointment_read(&req->actor, &id, now, &req->arena, &v);
	if (rc != ERR_OK) {
		fhir_domain_error(req, res, rc, "Patient");
		return;
	}
	fhir_respond_created(req, res, 201, "Appointment", &id, appointment_json(&req->arena, &v));
}

int fhir_appointments_everything(const struct actor *a, const struct id *patient,
				 const struct store_page *pg, struct everything_page *p)
{
	struct appointment_view *aps = NULL;
	struct page_info info = {0};
	int rc = appointment_search(a, patient, p->now, pg, p->ar, &aps, &p->n, &info);
	for (size_t i = 0; rc == ERR_OK && i < p->n; i++) {
		json_array_append_new(p->entries, careplan_entry(p->ar, &aps[i].id,
								 appointment_json(p->ar, &aps[i])));
		p->last_t = appointment_key(&aps[i], STORE_SORT_DATE);
		p->last_id = aps[i].id;
	}
	p->more = info.more;
	return rc;
}

void fhir_appointments_capability(json_t *resources)
{
	json_t *r = json_pack("{s:s, s:[{s:s},{s:s},{s:s}]}", "type", "Appointment", "interaction",
			      "code", "read", "code", "search-type", "code", "create");
	fhir_search_capability(r, &fhir_appointment_spec);
	json_array_append_new(resources, r);
	/* Slot: its own parameters, and the paging ones (no patient, _sort or _lastUpdated) */
	json_t *slot = json_pack(
		"{s:s, s:[{s:s},{s:s}], s:[{s:s, s:s, s:s},{s:s, s:s, s:s},{s:s, s:s, s:s},"
		"{s:s, s:s, s:s},{s:s, s:s, s:s},{s:s, s:s, s:s}]}",
		"type", "Slot", "interaction", "code", "read", "code", "search-type", "searchParam",
		"name", "schedule", "type", "reference", "documentation", "Schedule/{clinician id}",
		"name", "start", "type", "date", "documentation",
		"A NZ day (YYYY-MM-DD), or a range with ge/gt/le/lt and a day or a NZ local time "
		"(YYYY-MM-DDThh:mm), at most 90 days (default: from now, the next 14 days)",
		"name", "status", "type", "token", "documentation",
		"free or busy (patients see free slots only)", "name", "_count", "type", "number",
		"documentation",
		"Entries a page, 0 to 500 (default 500; more is read as 500; 0 is _summary=count), "
		"soonest first, then by id. Pages follow link next and previous: a cursor that is only "
		"a position, every page checked again as a new search.",
		"name", "_summary", "type", "token", "documentation", "count: the total alone, no entries.",
		"name", "_total", "type", "token", "documentation",
		"none leaves total out; estimate and accurate (the default) count every match.");
	json_array_append_new(resources, slot);
}
