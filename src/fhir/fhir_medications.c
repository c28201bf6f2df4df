/*
 * FHIR R4 MedicationRequest: a patient's medications and their repeat prescription requests.
 *
 * Mapping (one resource type for both, so a client sees the whole prescription story):
 *   - a medication on the patient's list is a MedicationRequest with intent "order", status
 *     "active" (or "stopped"), the prescriber as requester, the dose instructions as
 *     dosageInstruction.text with the start (and stop) date as timing.repeat.boundsPeriod;
 *   - a repeat request is a MedicationRequest with intent "proposal" (the patient proposes it),
 *     priorPrescription pointing at the medication, the chosen pharmacy as
 *     dispenseRequest.performer and the patient's note as note; its state maps onto status:
 *     requested -> "draft" (awaiting the practice), approved -> "active", declined ->
 *     "cancelled" with the reason in statusReason; meta.lastUpdated is when it last changed.
 * Search: MedicationRequest?patient={id} (required) with optional intent=order|proposal;
 * read by id (either kind). Same gate, audit and filtering as the pages.
 */
#include "fhir/fhir_careplan_int.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

#include "domain/medications.h"
#include "util/nztime.h"

static const char category_system[] =
	"http://terminology.hl7.org/CodeSystem/medicationrequest-category";

/* --- shared steps (fhir_careplan_int.h) --- */

const char *careplan_ref(struct arena *ar, const char *type, const struct id *id)
{
	char h[ID_HEX_LEN + 1];
	id_hex(id, h);
	return arena_printf(ar, "%s/%s", type, h);
}

const char *careplan_instant(struct arena *ar, int64_t t)
{
	char out[32];
	fhir_instant(t, out);
	return arena_strdup(ar, out);
}

const char *careplan_date(struct arena *ar, int64_t t)
{
	char s[16];
	nz_input_date(t, s, sizeof(s));
	return arena_strdup(ar, s);
}

int careplan_patient_param(const char *v, struct id *out)
{
	if (v == NULL)
		return -1;
	if (strncmp(v, "Patient/", 8) == 0)
		v += 8;
	return id_parse(out, v, strlen(v));
}

json_t *careplan_entry(struct arena *ar, const struct id *id, json_t *resource)
{
	char h[ID_HEX_LEN + 1];
	id_hex(id, h);
	const char *url = arena_printf(ar, "urn:uuid:%.8s-%.4s-%.4s-%.4s-%.12s", h, h + 8, h + 12,
				       h + 16, h + 20);
	return json_pack("{s:s, s:o}", "fullUrl", url ? url : "", "resource", resource);
}

/* --- MedicationRequest --- */

static const char *medication_text(struct arena *ar, const struct medication_view *m)
{
	return arena_printf(ar, "%s %s %s", m->drug, m->strength, m->form);
}

static json_t *medication_json(struct arena *ar, const struct medication_view *m)
{
	char h[ID_HEX_LEN + 1];
	id_hex(&m->id, h);
	json_t *bounds = json_pack("{s:s}", "start", careplan_date(ar, m->started));
	if (m->stopped)
		json_object_set_new(bounds, "end", json_string(careplan_instant(ar, m->stopped)));
	return json_pack(
		"{s:s, s:s, s:s, s:s, s:[{s:[{s:s, s:s, s:s}]}], s:{s:s}, s:{s:s}, s:s, s:{s:s},"
		" s:[{s:s, s:{s:{s:o}}}]}",
		"resourceType", "MedicationRequest", "id", h, "status",
		m->stopped ? "stopped" : "active", "intent", "order", "category", "coding", "system",
		category_system, "code", "community", "display", "Community",
		"medicationCodeableConcept", "text", medication_text(ar, m), "subject", "reference",
		careplan_ref(ar, "Patient", &m->patient), "authoredOn", careplan_instant(ar, m->created),
		"requester", "display", m->prescriber_name, "dosageInstruction", "text", m->dose,
		"timing", "repeat", "boundsPeriod", bounds);
}

static const char *repeat_status(enum repeat_state s)
{
	return s == REPEAT_APPROVED ? "active" : s == REPEAT_DECLINED ? "cancelled" : "draft";
}

static json_t *repeat_json(struct arena *ar, const struct repeat_view *r,
			   const struct medication_view *m)
{
	char h[ID_HEX_LEN + 1];
	id_hex(&r->id, h);
	json_t *o = json_pack(
		"{s:s, s:s, s:{s:s}, s:s, s:s, s:[{s:[{s:s, s:s, s:s}]}], s:{s:s}, s:{s:s}, s:s,"
		" s:{s:s}, s:{s:{s:s}}}",
		"resourceType", "MedicationRequest", "id", h, "meta", "lastUpdated",
		careplan_instant(ar, r->decided ? r->decided : r->requested), "status",
		repeat_status(r->state), "intent", "proposal", "category", "coding", "system",
		category_system, "code", "community", "display", "Community",
		"medicationCodeableConcept", "text", m ? medication_text(ar, m) : "Repeat prescription",
		"subject", "reference", careplan_ref(ar, "Patient", &r->patient), "authoredOn",
		careplan_instant(ar, r->requested), "priorPrescription", "reference",
		careplan_ref(ar, "MedicationRequest", &r->medication), "dispenseRequest", "performer",
		"display", r->pharmacy);
	if (o == NULL)
		return NULL;
	json_t *notes = json_array();
	if (r->note && r->note[0])
		json_array_append_new(notes, json_pack("{s:s}", "text", r->note));
	if (r->state == REPEAT_DECLINED && r->reason && r->reason[0])
		json_object_set_new(o, "statusReason", json_pack("{s:s}", "text", r->reason));
	else if (r->reason && r->reason[0]) /* an approval's comment */
		json_array_append_new(notes, json_pack("{s:s}", "text", r->reason));
	if (json_array_size(notes))
		json_object_set_new(o, "note", notes);
	else
		json_decref(notes);
	return o;
}

/* The patient's medications and repeat requests, filtered by intent (NULL: both). */
static int each_resource(const struct actor *a, const struct id *patient, const char *intent,
			 struct arena *ar, void (*fn)(void *ctx, const struct id *id, json_t *o),
			 void *ctx)
{
	struct medication_view *meds;
	struct repeat_view *reps;
	size_t nm = 0, nr = 0;
	int rc = medication_list(a, patient, ar, &meds, &nm, &reps, &nr);
	if (rc != ERR_OK)
		return rc;
	if (intent == NULL || strcmp(intent, "order") == 0)
		for (size_t i = 0; i < nm; i++)
			fn(ctx, &meds[i].id, medication_json(ar, &meds[i]));
	if (intent == NULL || strcmp(intent, "proposal") == 0)
		for (size_t i = 0; i < nr; i++)
			fn(ctx, &reps[i].id, repeat_json(ar, &reps[i], reps[i].medication_view));
	return ERR_OK;
}

struct search_ctx {
	struct request *req;
	json_t *bundle;
};

static void add_match(void *ctx, const struct id *id, json_t *o)
{
	struct search_ctx *s = ctx;
	if (o)
		fhir_bundle_add(s->req, s->bundle, "MedicationRequest", id, o);
}

void fhir_medreq_search(struct request *req, struct response *res)
{
	static const char *const allowed[] = {"patient", "intent", NULL};
	if (!fhir_params_check(req, res, allowed))
		return;
	const char *p = request_query(req, "patient");
	const char *intent = request_query(req, "intent");
	if (p == NULL) {
		fhir_error(req, res, 400, "The patient search parameter is required");
		return;
	}
	if (intent && strcmp(intent, "order") != 0 && strcmp(intent, "proposal") != 0) {
		fhir_error(req, res, 400, "intent must be order or proposal");
		return;
	}
	struct id pid;
	struct search_ctx ctx = {req, fhir_bundle_new(req)};
	int rc = careplan_patient_param(fhir_patient_ref(req, p), &pid) == 0
			 ? each_resource(&req->actor, &pid, intent, &req->arena, add_match, &ctx)
			 : ERR_NOT_FOUND;
	if (rc != ERR_OK) {
		json_decref(ctx.bundle);
		fhir_domain_error(req, res, rc, "Patient");
		return;
	}
	fhir_respond(req, res, 200, ctx.bundle);
}

void fhir_medreq_read(struct request *req, struct response *res)
{
	struct id id;
	struct medication_view m;
	struct repeat_view r;
	bool is_repeat = false;
	int rc = request_param_id(req, 0, &id) == 0
			 ? medication_request_read(&req->actor, &id, &req->arena, &is_repeat, &m, &r)
			 : ERR_NOT_FOUND;
	if (rc != ERR_OK) {
		fhir_domain_error(req, res, rc, "MedicationRequest");
		return;
	}
	fhir_respond(req, res, 200,
			 is_repeat ? repeat_json(&req->arena, &r, &m) : medication_json(&req->arena, &m));
}

struct entries_ctx {
	json_t *entries;
	struct arena *ar;
};

static void add_entry(void *ctx, const struct id *id, json_t *o)
{
	struct entries_ctx *e = ctx;
	if (o)
		json_array_append_new(e->entries, careplan_entry(e->ar, id, o));
}

int fhir_medications_everything(const struct actor *a, const struct id *patient, struct arena *ar,
				json_t *entries)
{
	struct entries_ctx ctx = {entries, ar};
	return each_resource(a, patient, NULL, ar, add_entry, &ctx);
}

void fhir_medications_capability(json_t *resources)
{
	json_array_append_new(
		resources,
		json_pack("{s:s, s:[{s:s},{s:s}], s:[{s:s, s:s, s:s},{s:s, s:s, s:s}]}", "type",
			  "MedicationRequest", "interaction", "code", "read", "code", "search-type",
			  "searchParam", "name", "patient", "type", "reference", "documentation",
			  "Required. The patient whose medications (intent order) and repeat "
			  "requests (intent proposal) to list.",
			  "name", "intent", "type", "token", "documentation",
			  "order (medications) or proposal (repeat requests)"));
}
