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
 * Search: MedicationRequest?patient={id} (required), paged like every search (SEARCH.md), with
 * intent, status and authoredon; read by id (either kind). Same gate, audit and filtering as
 * the pages.
 */
#include "fhir/fhir_careplan_int.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

#include "domain/medications.h"
#include "fhir/fhir_search.h"
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

/* The medicine as medicationCodeableConcept: the text always, and its NZMT or SNOMED CT code
 * when one is known. */
static json_t *medication_concept(struct arena *ar, const struct medication_view *m)
{
	json_t *cc = json_pack("{s:s}", "text", m ? medication_text(ar, m) : "Repeat prescription");
	if (cc != NULL && m != NULL && m->code.code != NULL && m->code.code[0]) {
		json_t *coding = json_pack("{s:s, s:s}", "system", m->code.system, "code", m->code.code);
		if (coding != NULL && m->code.display != NULL && m->code.display[0])
			json_object_set_new(coding, "display", json_string(m->code.display));
		json_object_set_new(cc, "coding", json_pack("[o]", coding));
	}
	return cc;
}

/* MedicationRequest-uv-ips is claimed where the medicine is coded: IPS asks for a coded
 * medication (medication[x] bound to SNOMED CT medicinal products), and a text-only one is
 * served without the claim (docs/internals/PROFILES.md). */
static json_t *claim_when_coded(json_t *o, const struct medication_view *m)
{
	if (o != NULL && m != NULL && m->code.code != NULL && m->code.code[0])
		fhir_claim_profile(o, fhir_profile_ips_medreq);
	return o;
}

/* A medication and a repeat request each change once at most (stopped; approved or declined),
 * guarded in the store's SQL: version 2 from then, changed then; else version 1 of when it
 * was written or asked for. */
static int64_t medication_version(const struct medication_view *m)
{
	return m->stopped ? 2 : 1;
}

static int64_t medication_updated(const struct medication_view *m)
{
	return m->stopped ? m->stopped : m->created;
}

static int64_t repeat_version(const struct repeat_view *r)
{
	return r->decided ? 2 : 1;
}

static int64_t repeat_updated(const struct repeat_view *r)
{
	return r->decided ? r->decided : r->requested;
}

static json_t *medication_json(struct arena *ar, const struct medication_view *m)
{
	char h[ID_HEX_LEN + 1];
	id_hex(&m->id, h);
	json_t *bounds = json_pack("{s:s}", "start", careplan_date(ar, m->started));
	if (m->stopped)
		json_object_set_new(bounds, "end", json_string(careplan_instant(ar, m->stopped)));
	json_t *o =
		json_pack("{s:s, s:s, s:s, s:s, s:[{s:[{s:s, s:s, s:s}]}], s:o, s:{s:s}, s:s, s:{s:s},"
			  " s:[{s:s, s:{s:{s:o}}}]}",
			  "resourceType", "MedicationRequest", "id", h, "status",
			  m->stopped ? "stopped" : "active", "intent", "order", "category", "coding",
			  "system", category_system, "code", "community", "display", "Community",
			  "medicationCodeableConcept", medication_concept(ar, m), "subject",
			  "reference", careplan_ref(ar, "Patient", &m->patient), "authoredOn",
			  careplan_instant(ar, m->created), "requester", "display",
			  m->prescriber_name, "dosageInstruction", "text", m->dose, "timing",
			  "repeat", "boundsPeriod", bounds);
	/* why it was stopped (the page's words, and the clinician's note when there is one) */
	if (o && m->stopped && m->stop_reason) {
		const char *why = m->stop_note ? arena_printf(ar, "%s: %s", m->stop_reason, m->stop_note)
					       : m->stop_reason;
		if (why)
			json_object_set_new(o, "statusReason", json_pack("{s:s}", "text", why));
	}
	if (o)
		fhir_meta_version(o, medication_version(m), medication_updated(m));
	return claim_when_coded(o, m);
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
		"{s:s, s:s, s:s, s:s, s:[{s:[{s:s, s:s, s:s}]}], s:o, s:{s:s}, s:s,"
		" s:{s:s}, s:{s:{s:s}}}",
		"resourceType", "MedicationRequest", "id", h, "status",
		repeat_status(r->state), "intent", "proposal", "category", "coding", "system",
		category_system, "code", "community", "display", "Community",
		"medicationCodeableConcept", medication_concept(ar, m), "subject", "reference", careplan_ref(ar, "Patient", &r->patient), "authoredOn",
		careplan_instant(ar, r->requested), "priorPrescription", "reference",
		careplan_ref(ar, "MedicationRequest", &r->medication), "dispenseRequest", "performer",
		"display", r->pharmacy);
	if (o == NULL)
		return NULL;
	fhir_meta_version(o, repeat_version(r), repeat_updated(r));
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
	return claim_when_coded(o, m);
}

/* Search (SEARCH.md): intent and status are one clear code per row (MEDREQ_*), the date is
 * authoredOn, _lastUpdated when it was stopped or decided; the drug and dose are sealed and not
 * searched. Paged in memory by the domain (a patient has at most LIMIT_LIST of each). */
static const char *const medreq_values[] = {MEDREQ_ORDER_ACTIVE, MEDREQ_ORDER_STOPPED,
					    MEDREQ_PROPOSAL_DRAFT, MEDREQ_PROPOSAL_ACTIVE,
					    MEDREQ_PROPOSAL_CANCELLED};
static const char status_system[] = "http://hl7.org/fhir/CodeSystem/medicationrequest-status";
static const char intent_system[] = "http://hl7.org/fhir/CodeSystem/medicationrequest-intent";
static const struct search_code medreq_statuses[] = {
	{status_system, "active", 1u | 8u},
	{status_system, "stopped", 2u},
	{status_system, "draft", 4u},
	{status_system, "cancelled", 16u},
};
static const struct search_code medreq_intents[] = {
	{intent_system, "order", 1u | 2u},
	{intent_system, "proposal", 4u | 8u | 16u},
};
static const struct search_param medreq_params[] = {
	{"status", SP_TOKEN, medreq_statuses, 4,
	 "active or stopped (medications); draft (awaiting the practice), active (approved) or "
	 "cancelled (declined) (repeat requests); comma lists."},
	{"intent", SP_TOKEN, medreq_intents, 2,
	 "order (medications) or proposal (repeat requests); comma lists."},
	{"authoredon", SP_DATE, NULL, 0,
	 "When the medication was written, or the repeat asked for (MedicationRequest.authoredOn)."},
};
const struct search_spec fhir_medreq_spec = {
	.type = "MedicationRequest",
	.params = medreq_params,
	.n_params = 3,
	.values = medreq_values,
	.n_values = 5,
	.updated_doc = "When the medication was stopped or the repeat request decided; else when "
		       "it was written or asked for.",
	.subject = true,
};

static int64_t medreq_key(const void *row, enum store_sort sort)
{
	const struct medreq_view *v = row;
	if (v->repeat)
		return sort == STORE_SORT_UPDATED ? repeat_updated(&v->rep) : v->rep.requested;
	return sort == STORE_SORT_UPDATED ? medication_updated(&v->med) : v->med.created;
}

static const struct id *medreq_id(const void *row)
{
	const struct medreq_view *v = row;
	return v->repeat ? &v->rep.id : &v->med.id;
}

static json_t *medreq_render(struct request *req, const void *row)
{
	const struct medreq_view *v = row;
	return v->repeat ? repeat_json(&req->arena, &v->rep, v->rep.medication_view)
			 : medication_json(&req->arena, &v->med);
}

void fhir_medreq_search(struct request *req, struct response *res)
{
	struct fhir_search s;
	struct search_call c;
	if (fhir_search_start(req, res, &fhir_medreq_spec, &s, &c) != 0)
		return;
	struct medreq_view *rows = NULL;
	size_t n = 0;
	int rc = s.patient_bad ? ERR_NOT_FOUND
			       : medication_search(&req->actor, &s.patient, &c.page, &req->arena, &rows,
						   &n, &c.info);
	fhir_search_done(req, res, &s, &fhir_medreq_spec, &c, rc,
			 &(struct search_rows){rows, n, sizeof(*rows), medreq_key, medreq_id, medreq_render});
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
	if (is_repeat)
		fhir_respond_read(req, res, repeat_json(&req->arena, &r, &m), repeat_version(&r),
				  repeat_updated(&r));
	else
		fhir_respond_read(req, res, medication_json(&req->arena, &m), medication_version(&m),
				  medication_updated(&m));
}

int fhir_medications_everything(const struct actor *a, const struct id *patient,
				const struct store_page *pg, struct everything_page *p)
{
	struct medreq_view *rows = NULL;
	struct page_info info = {0};
	int rc = medication_search(a, patient, pg, p->ar, &rows, &p->n, &info);
	for (size_t i = 0; rc == ERR_OK && i < p->n; i++) {
		const struct medreq_view *v = &rows[i];
		json_t *o = v->repeat ? repeat_json(p->ar, &v->rep, v->rep.medication_view)
				      : medication_json(p->ar, &v->med);
		if (o)
			json_array_append_new(p->entries, careplan_entry(p->ar, medreq_id(v), o));
		p->last_t = medreq_key(v, STORE_SORT_DATE);
		p->last_id = *medreq_id(v);
	}
	p->more = info.more;
	return rc;
}

void fhir_medications_capability(json_t *resources)
{
	json_t *r = json_pack("{s:s, s:[{s:s},{s:s}]}", "type", "MedicationRequest", "interaction",
			      "code", "read", "code", "search-type");
	fhir_search_capability(r, &fhir_medreq_spec);
	fhir_supported_profile(r, fhir_profile_ips_medreq);
	json_array_append_new(resources, r);
}
