/*
 * FHIR R4 AllergyIntolerance, Condition, Immunization and vital-sign Observation over the
 * health summary's services (fhir_summary.h, docs/internals/SUMMARY.md).
 *
 * Mapping, both ways:
 *   - AllergyIntolerance: clinicalStatus (active, inactive, resolved; active when absent),
 *     code, patient, onsetDateTime (or recordedDate when sent instead), criticality, the first
 *     reaction's manifestation as text, note;
 *   - Condition (a problem-list-item): clinicalStatus, code, subject, onsetDateTime (or
 *     recordedDate), note;
 *   - Immunization: status (completed, not-done), vaccineCode, patient, occurrenceDateTime
 *     (required), note;
 *   - Observation of category vital-signs: status, code (one LOINC code of eight), subject,
 *     effectiveDateTime (required), valueQuantity in the code's UCUM unit; blood pressure
 *     (85354-9) as components systolic 8480-6 and diastolic 8462-4 in mm[Hg].
 * A code is its first coding (system, code, display) and its text. Each resource is version 1
 * of when it was filed: an entry is never changed, only added.
 */
#include "fhir/fhir_summary.h"
#include "fhir/fhir_careplan_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "fhir/fhir_results.h"
#include "fhir/fhir_search.h"

static const char category_system[] = "http://terminology.hl7.org/CodeSystem/observation-category";
static const char allergy_clinical[] = "http://terminology.hl7.org/CodeSystem/allergyintolerance-clinical";
static const char condition_clinical[] = "http://terminology.hl7.org/CodeSystem/condition-clinical";
static const char condition_category[] = "http://terminology.hl7.org/CodeSystem/condition-category";
static const char ucum_system[] = "http://unitsofmeasure.org";

static const char *const type_names[SUMMARY_KIND_COUNT] = {"AllergyIntolerance", "Condition",
							   "Immunization", "Observation"};

static const char *str_of(json_t *o, const char *k)
{
	return json_string_value(json_object_get(o, k));
}

static const char *dup_or_empty(struct arena *ar, const char *s)
{
	return arena_strdup(ar, s ? s : "");
}

/* --- from FHIR --- */

static bool is_vital_category(json_t *o)
{
	json_t *cat, *coding;
	size_t i, j;
	json_array_foreach(json_object_get(o, "category"), i, cat)
		json_array_foreach(json_object_get(cat, "coding"), j, coding)
	{
		const char *sys = str_of(coding, "system"), *code = str_of(coding, "code");
		if (code && strcmp(code, "vital-signs") == 0 && (sys == NULL || strcmp(sys, category_system) == 0))
			return true;
	}
	return false;
}

static int kind_of(json_t *o, enum summary_kind *k)
{
	const char *rt = str_of(o, "resourceType");
	for (int i = 0; rt != NULL && i < SUMMARY_KIND_COUNT; i++)
		if (strcmp(rt, type_names[i]) == 0) {
			*k = (enum summary_kind)i;
			return i == SUMMARY_VITAL && !is_vital_category(o) ? -1 : 0;
		}
	return -1;
}

bool fhir_summary_is(json_t *o)
{
	enum summary_kind k;
	return json_is_object(o) && kind_of(o, &k) == 0;
}

/* A CodeableConcept: its first coding and its text; a member of the wrong JSON type is
 * refused rather than left out. */
static int concept_from(json_t *cc, struct arena *ar, struct summary_entry *out)
{
	if (!json_is_object(cc))
		return -1;
	json_t *codings = json_object_get(cc, "coding"), *text = json_object_get(cc, "text");
	if ((codings && !json_is_array(codings)) || (text && !json_is_string(text)))
		return -1;
	out->text = dup_or_empty(ar, json_string_value(text));
	json_t *c = json_array_get(codings, 0);
	if (c == NULL)
		return 0;
	json_t *sys = json_object_get(c, "system"), *code = json_object_get(c, "code"),
	       *disp = json_object_get(c, "display");
	if (!json_is_object(c) || !json_is_string(code) || (sys && !json_is_string(sys)) ||
	    (disp && !json_is_string(disp)))
		return -1;
	out->coding.code = arena_strdup(ar, json_string_value(code));
	out->coding.system = sys ? arena_strdup(ar, json_string_value(sys)) : NULL;
	out->coding.display = disp ? arena_strdup(ar, json_string_value(disp)) : NULL;
	return 0;
}

/* A status that is a CodeableConcept's first code (clinicalStatus), or default when absent. */
static const char *concept_code(json_t *cc, const char *dflt)
{
	if (cc == NULL)
		return dflt;
	return str_of(json_array_get(json_object_get(cc, "coding"), 0), "code");
}

/* The date: the first of the names given that is present; -1 when one present is not a
 * dateTime, 0 when none is. */
static int date_from(json_t *o, const char *a, const char *b, int64_t *out)
{
	*out = 0;
	json_t *v = json_object_get(o, a);
	if (v == NULL && b != NULL)
		v = json_object_get(o, b);
	if (v == NULL)
		return 0;
	return fhir_parse_datetime(json_string_value(v), out) == 0 && *out > 0 ? 0 : -1;
}

/* A decimal as text for the entry ("%.6g": at most six significant digits, as sent for any
 * vital sign); NULL when v is not a JSON number. */
static const char *number_text(json_t *v, struct arena *ar)
{
	if (!json_is_number(v))
		return NULL;
	char s[32];
	snprintf(s, sizeof(s), "%.6g", json_number_value(v));
	return arena_strdup(ar, s);
}

static const char *quantity_from(json_t *q, struct arena *ar, const char **unit)
{
	if (!json_is_object(q))
		return NULL;
	const char *sys = str_of(q, "system");
	*unit = dup_or_empty(ar, str_of(q, "code"));
	if (sys != NULL && strcmp(sys, ucum_system) != 0)
		*unit = "";
	return number_text(json_object_get(q, "value"), ar);
}

static const char *vital_from(json_t *o, struct arena *ar, struct summary_entry *out)
{
	if (out->coding.code == NULL || strcmp(out->coding.code, SUMMARY_LOINC_BP) != 0) {
		out->value = quantity_from(json_object_get(o, "valueQuantity"), ar, &out->unit);
		return out->value ? NULL : "Observation.valueQuantity with a value is required";
	}
	json_t *comp;
	size_t i;
	json_array_foreach(json_object_get(o, "component"), i, comp)
	{
		const char *code = str_of(json_array_get(json_object_get(json_object_get(comp, "code"), "coding"), 0), "code");
		const char *unit = NULL;
		const char *v = quantity_from(json_object_get(comp, "valueQuantity"), ar, &unit);
		if (code == NULL || v == NULL)
			return "Observation.component: each needs a code and a valueQuantity";
		if (strcmp(code, SUMMARY_LOINC_SYSTOLIC) == 0 && out->value == NULL) {
			out->value = v;
			out->unit = unit;
		} else if (strcmp(code, SUMMARY_LOINC_DIASTOLIC) == 0 && out->value2[0] == '\0') {
			out->value2 = v;
			if (out->unit && strcmp(out->unit, unit) != 0)
				out->unit = "";
		} else {
			return "Observation.component: systolic (8480-6) and diastolic (8462-4), once each";
		}
	}
	return out->value ? NULL : "Observation.component: blood pressure needs systolic and diastolic";
}

int fhir_summary_from_json(json_t *o, struct arena *ar, struct summary_entry *out,
			   const char **subject, const char **why)
{
	memset(out, 0, sizeof(*out));
	*subject = NULL;
	*why = "the resource is not an AllergyIntolerance, Condition, Immunization or vital-sign Observation";
	if (!json_is_object(o) || kind_of(o, &out->kind) != 0)
		return -1;
	out->text = out->note = out->reaction = out->criticality = out->value2 = out->unit = "";
	bool pat = out->kind == SUMMARY_ALLERGY || out->kind == SUMMARY_IMMUNIZATION;
	const char *ref = str_of(json_object_get(o, pat ? "patient" : "subject"), "reference");
	*subject = ref ? arena_strdup(ar, ref) : NULL; /* outlives o */
	json_t *code = json_object_get(o, out->kind == SUMMARY_IMMUNIZATION ? "vaccineCode" : "code");
	const char *code_name = out->kind == SUMMARY_IMMUNIZATION ? "Immunization.vaccineCode" : "code";
	json_t *note = json_object_get(json_array_get(json_object_get(o, "note"), 0), "text");
	if (code == NULL || concept_from(code, ar, out) != 0) {
		*why = arena_printf(ar, "%s: a CodeableConcept (coding and/or text) is required", code_name);
		return -1;
	}
	if (note != NULL && !json_is_string(note)) {
		*why = "note[0].text must be a string";
		return -1;
	}
	out->note = dup_or_empty(ar, json_string_value(note));
	int d = 0;
	switch (out->kind) {
	case SUMMARY_ALLERGY:
	case SUMMARY_CONDITION:
		out->status = concept_code(json_object_get(o, "clinicalStatus"), "active");
		d = date_from(o, "onsetDateTime", "recordedDate", &out->effective);
		break;
	case SUMMARY_IMMUNIZATION:
		out->status = str_of(o, "status");
		d = date_from(o, "occurrenceDateTime", NULL, &out->effective);
		break;
	case SUMMARY_VITAL:
		out->status = str_of(o, "status");
		d = date_from(o, "effectiveDateTime", NULL, &out->effective);
		if ((*why = vital_from(o, ar, out)) != NULL)
			return -1;
		break;
	case SUMMARY_KIND_COUNT:
		return -1;
	}
	out->status = dup_or_empty(ar, out->status);
	if (d != 0) {
		*why = "the date (onsetDateTime, recordedDate, occurrenceDateTime or effectiveDateTime) "
		       "is not a FHIR dateTime";
		return -1;
	}
	if (out->kind == SUMMARY_ALLERGY) {
		json_t *crit = json_object_get(o, "criticality");
		json_t *react = json_object_get(json_array_get(json_object_get(json_array_get(json_object_get(o, "reaction"), 0), "manifestation"), 0), "text");
		if ((crit && !json_is_string(crit)) || (react && !json_is_string(react))) {
			*why = "AllergyIntolerance.criticality and reaction[0].manifestation[0].text are strings";
			return -1;
		}
		out->criticality = dup_or_empty(ar, json_string_value(crit));
		out->reaction = dup_or_empty(ar, json_string_value(react));
	}
	*why = NULL;
	return 0;
}

/* --- to FHIR --- */

static json_t *concept_json(const struct summary_entry *e, const char *text)
{
	json_t *cc = json_object();
	if (e->coding.code != NULL) {
		json_t *c = json_pack("{s:s, s:s}", "system", e->coding.system, "code", e->coding.code);
		if (c && e->coding.display && e->coding.display[0])
			json_object_set_new(c, "display", json_string(e->coding.display));
		json_object_set_new(cc, "coding", json_pack("[o]", c));
	}
	if (text && text[0])
		json_object_set_new(cc, "text", json_string(text));
	return cc;
}

static json_t *status_concept(const char *system, const char *code)
{
	return json_pack("{s:[{s:s, s:s}]}", "coding", "system", system, "code", code);
}

static json_t *quantity_json(const char *value, const struct summary_vital *v)
{
	return json_pack("{s:f, s:s, s:s, s:s}", "value", strtod(value, NULL), "unit", v->unit_label,
			 "system", ucum_system, "code", v->unit);
}

static void vital_values(json_t *o, const struct summary_entry *e)
{
	const struct summary_vital *v = summary_vital_of(e->coding.code);
	if (v == NULL)
		return;
	if (strcmp(v->loinc, SUMMARY_LOINC_BP) != 0) {
		json_object_set_new(o, "valueQuantity", quantity_json(e->value, v));
		return;
	}
	json_object_set_new(
		o, "component",
		json_pack("[{s:{s:[{s:s, s:s, s:s}]}, s:o}, {s:{s:[{s:s, s:s, s:s}]}, s:o}]", "code",
			  "coding", "system", SUMMARY_SYSTEM_LOINC, "code", SUMMARY_LOINC_SYSTOLIC, "display",
			  "Systolic blood pressure", "valueQuantity", quantity_json(e->value, v), "code",
			  "coding", "system", SUMMARY_SYSTEM_LOINC, "code", SUMMARY_LOINC_DIASTOLIC,
			  "display", "Diastolic blood pressure", "valueQuantity",
			  quantity_json(e->value2, v)));
}

static json_t *entry_json(struct arena *ar, const struct summary_entry *e)
{
	char h[ID_HEX_LEN + 1];
	id_hex(&e->id, h);
	const char *patient = careplan_ref(ar, "Patient", &e->patient);
	json_t *o = json_pack("{s:s, s:s}", "resourceType", type_names[e->kind], "id", h);
	if (o == NULL || patient == NULL) {
		json_decref(o);
		return NULL;
	}
	const char *when = e->effective ? careplan_instant(ar, e->effective) : NULL;
	json_t *subject = json_pack("{s:s}", "reference", patient);
	switch (e->kind) {
	case SUMMARY_ALLERGY:
		json_object_set_new(o, "clinicalStatus", status_concept(allergy_clinical, e->status));
		json_object_set_new(o, "code", concept_json(e, e->text));
		json_object_set_new(o, "patient", subject);
		if (when)
			json_object_set_new(o, "onsetDateTime", json_string(when));
		if (e->criticality[0])
			json_object_set_new(o, "criticality", json_string(e->criticality));
		if (e->reaction[0])
			json_object_set_new(o, "reaction", json_pack("[{s:[{s:s}]}]", "manifestation", "text", e->reaction));
		break;
	case SUMMARY_CONDITION:
		json_object_set_new(o, "clinicalStatus", status_concept(condition_clinical, e->status));
		json_object_set_new(o, "category", json_pack("[{s:[{s:s, s:s, s:s}]}]", "coding", "system", condition_category,
							     "code", "problem-list-item", "display", "Problem List Item"));
		json_object_set_new(o, "code", concept_json(e, e->text));
		json_object_set_new(o, "subject", subject);
		if (when)
			json_object_set_new(o, "onsetDateTime", json_string(when));
		break;
	case SUMMARY_IMMUNIZATION:
		json_object_set_new(o, "status", json_string(e->status));
		json_object_set_new(o, "vaccineCode", concept_json(e, e->text));
		json_object_set_new(o, "patient", subject);
		json_object_set_new(o, "occurrenceDateTime", json_string(when ? when : careplan_instant(ar, e->created)));
		break;
	case SUMMARY_VITAL: {
		const struct summary_vital *v = summary_vital_of(e->coding.code);
		json_object_set_new(o, "status", json_string(e->status));
		json_object_set_new(o, "category", json_pack("[{s:[{s:s, s:s, s:s}], s:s}]", "coding", "system", category_system,
							     "code", "vital-signs", "display", "Vital Signs", "text", "Vital Signs"));
		json_object_set_new(o, "code", concept_json(e, v ? v->label : e->text));
		json_object_set_new(o, "subject", subject);
		json_object_set_new(o, "effectiveDateTime", json_string(when ? when : careplan_instant(ar, e->created)));
		vital_values(o, e);
		break;
	}
	case SUMMARY_KIND_COUNT:
		json_decref(subject);
		break;
	}
	if (e->note[0])
		json_object_set_new(o, "note", json_pack("[{s:s}]", "text", e->note));
	fhir_meta_version(o, 1, e->created);
	return o;
}

/* --- search and read --- */

/* Search (SEARCH.md): the clear code a row is filtered on is its status (a vital sign: its
 * LOINC code); its date is the onset, occurrence or measurement (when it was filed, for an
 * entry sent without one), _lastUpdated when it was filed. Paged in memory by the domain (a
 * patient holds at most LIMIT_LIST of each kind). */
static const char *const allergy_values[] = {"active", "inactive", "resolved"};
static const struct search_code allergy_statuses[] = {
	{allergy_clinical, "active", 1u}, {allergy_clinical, "inactive", 2u}, {allergy_clinical, "resolved", 4u}};
static const char *const condition_values[] = {"active", "recurrence", "relapse", "inactive", "remission", "resolved"};
static const struct search_code condition_statuses[] = {
	{condition_clinical, "active", 1u},    {condition_clinical, "recurrence", 2u},
	{condition_clinical, "relapse", 4u},   {condition_clinical, "inactive", 8u},
	{condition_clinical, "remission", 16u}, {condition_clinical, "resolved", 32u}};
static const char immunization_status_system[] = "http://hl7.org/fhir/event-status";
static const char *const immunization_values[] = {"completed", "not-done"};
static const struct search_code immunization_statuses[] = {
	{immunization_status_system, "completed", 1u}, {immunization_status_system, "not-done", 2u}};
static const char *const vital_values_list[] = {"85354-9", "8867-4", "9279-1", "8310-5", "59408-5", "29463-7", "8302-2", "39156-5"};
static const struct search_code vital_categories[] = {{category_system, "vital-signs", 255u}};
static const struct search_code vital_codes[] = {
	{SUMMARY_SYSTEM_LOINC, "85354-9", 1u},  {SUMMARY_SYSTEM_LOINC, "8867-4", 2u},
	{SUMMARY_SYSTEM_LOINC, "9279-1", 4u},   {SUMMARY_SYSTEM_LOINC, "8310-5", 8u},
	{SUMMARY_SYSTEM_LOINC, "59408-5", 16u}, {SUMMARY_SYSTEM_LOINC, "29463-7", 32u},
	{SUMMARY_SYSTEM_LOINC, "8302-2", 64u},  {SUMMARY_SYSTEM_LOINC, "39156-5", 128u}};
static const char filed_doc[] = "When the practice's system sent it to the portal.";

static const struct search_param allergy_params[] = {
	{"clinical-status", SP_TOKEN, allergy_statuses, 3, "active, inactive or resolved; comma lists."},
	{"date", SP_DATE, NULL, 0, "The onset (onsetDateTime), or when it was sent when it has none."},
};
static const struct search_param condition_params[] = {
	{"clinical-status", SP_TOKEN, condition_statuses, 6,
	 "active, recurrence, relapse, inactive, remission or resolved; comma lists."},
	{"onset-date", SP_DATE, NULL, 0, "The onset (onsetDateTime), or when it was sent when it has none."},
};
static const struct search_param immunization_params[] = {
	{"status", SP_TOKEN, immunization_statuses, 2, "completed or not-done; comma lists."},
	{"date", SP_DATE, NULL, 0, "When it was given (occurrenceDateTime)."},
};
static const struct search_param vital_params[] = {
	{"category", SP_TOKEN, vital_categories, 1,
	 "laboratory (lab results, the default) or vital-signs (the health summary's vital signs: "
	 "this page's other parameters are then those of vital signs)."},
	{"code", SP_TOKEN, vital_codes, 8,
	 "With category=vital-signs: a LOINC code of 85354-9, 8867-4, 9279-1, 8310-5, 59408-5, "
	 "29463-7, 8302-2, 39156-5; comma lists."},
	{"date", SP_DATE, NULL, 0, "When it was measured (effectiveDateTime)."},
};

static const struct search_spec specs[SUMMARY_KIND_COUNT] = {
	[SUMMARY_ALLERGY] = {.type = "AllergyIntolerance", .params = allergy_params, .n_params = 2,
			     .values = allergy_values, .n_values = 3, .updated_doc = filed_doc},
	[SUMMARY_CONDITION] = {.type = "Condition", .params = condition_params, .n_params = 2,
			       .values = condition_values, .n_values = 6, .updated_doc = filed_doc,
			       .subject = true},
	[SUMMARY_IMMUNIZATION] = {.type = "Immunization", .params = immunization_params, .n_params = 2,
				  .values = immunization_values, .n_values = 2, .updated_doc = filed_doc},
	[SUMMARY_VITAL] = {.type = "Observation", .params = vital_params, .n_params = 3,
			   .values = vital_values_list, .n_values = 8, .updated_doc = filed_doc,
			   .subject = true},
};

static int64_t entry_key(const void *row, enum store_sort sort)
{
	const struct summary_entry *e = row;
	if (sort == STORE_SORT_UPDATED)
		return e->created;
	return e->effective ? e->effective : e->created;
}

static const struct id *entry_id(const void *row)
{
	return &((const struct summary_entry *)row)->id;
}

static json_t *entry_render(struct request *req, const void *row)
{
	return entry_json(&req->arena, row);
}

static void search_kind(struct request *req, struct response *res, enum summary_kind kind)
{
	struct fhir_search s;
	struct search_call c;
	if (fhir_search_start(req, res, &specs[kind], &s, &c) != 0)
		return;
	struct summary_entry *rows = NULL;
	size_t n = 0;
	int rc = s.patient_bad ? ERR_NOT_FOUND
			       : summary_list(&req->actor, &s.patient, kind, &c.page, &req->arena, &rows,
					      &n, &c.info);
	fhir_search_done(req, res, &s, &specs[kind], &c, rc,
			 &(struct search_rows){rows, n, sizeof(*rows), entry_key, entry_id, entry_render});
}

static void read_kind(struct request *req, struct response *res, enum summary_kind kind)
{
	struct id id;
	struct summary_entry e;
	int rc = request_param_id(req, 0, &id) == 0
			 ? summary_read(&req->actor, &id, kind, &req->arena, &e)
			 : ERR_NOT_FOUND;
	if (rc != ERR_OK) {
		fhir_domain_error(req, res, rc, type_names[kind]);
		return;
	}
	fhir_respond_read(req, res, entry_json(&req->arena, &e), 1, e.created);
}

/* The route handlers of each type: one kind each. */
#define KIND_HANDLER(name, fn, kind)                                                              \
	void name(struct request *req, struct response *res)                                      \
	{                                                                                         \
		fn(req, res, kind);                                                               \
	}
KIND_HANDLER(fhir_allergy_search, search_kind, SUMMARY_ALLERGY)
KIND_HANDLER(fhir_allergy_read, read_kind, SUMMARY_ALLERGY)
KIND_HANDLER(fhir_condition_search, search_kind, SUMMARY_CONDITION)
KIND_HANDLER(fhir_condition_read, read_kind, SUMMARY_CONDITION)
KIND_HANDLER(fhir_immunization_search, search_kind, SUMMARY_IMMUNIZATION)
KIND_HANDLER(fhir_immunization_read, read_kind, SUMMARY_IMMUNIZATION)
KIND_HANDLER(fhir_vital_search, search_kind, SUMMARY_VITAL)
KIND_HANDLER(fhir_vital_read, read_kind, SUMMARY_VITAL)

/* category=vital-signs (alone, or with its system): the vital signs, not the lab results. */
bool fhir_vitals_asked(struct request *req)
{
	const char *c = request_query(req, "category");
	if (c == NULL)
		return false;
	size_t n = strlen(c), k = strlen("vital-signs"), sys = strlen(category_system);
	if (n < k || strcmp(c + n - k, "vital-signs") != 0)
		return false;
	return n == k || (n == sys + 1 + k && c[sys] == '|' && strncmp(c, category_system, sys) == 0);
}

/* --- create --- */

static void create_kind(struct request *req, struct response *res, enum summary_kind kind)
{
	if (!fhir_json_body(req, res))
		return;
	const char *why = NULL, *subject = NULL;
	json_t *o = fhir_parse_resource(req->body.data ? req->body.data : "", req->body.len,
					type_names[kind], &why);
	struct summary_entry e;
	if (o != NULL && kind == SUMMARY_VITAL && !fhir_summary_is(o))
		why = "Only vital-sign Observations (category vital-signs) are taken here; lab results "
		      "come as a DiagnosticReport";
	else if (o != NULL && fhir_summary_from_json(o, &req->arena, &e, &subject, &why) == 0 && e.kind == kind)
		why = NULL;
	else if (why == NULL)
		why = "Invalid resource";
	if (why != NULL) {
		fhir_error(req, res, 400, why);
		json_decref(o);
		return;
	}
	json_decref(o);
	if (careplan_patient_param(subject, &e.patient) != 0) {
		fhir_error(req, res, 400, kind == SUMMARY_ALLERGY || kind == SUMMARY_IMMUNIZATION
						  ? "patient.reference must be Patient/{id} of a patient here"
						  : "subject.reference must be Patient/{id} of a patient here");
		return;
	}
	int rc = summary_add(&req->actor, &e, &req->arena, &e.id, &why);
	if (rc == ERR_INVALID || rc == ERR_FULL) {
		fhir_error(req, res, rc == ERR_FULL ? 422 : 400, why ? why : "Invalid resource");
		return;
	}
	if (rc != ERR_OK) {
		fhir_domain_error(req, res, rc, "Patient");
		return;
	}
	/* The answer is what was filed, made from what was sent (a system reads no summary). */
	e.practice = req->actor.practice;
	e.created = (int64_t)time(NULL);
	fhir_respond_created(req, res, 201, type_names[kind], &e.id, entry_json(&req->arena, &e));
}

KIND_HANDLER(fhir_allergy_create, create_kind, SUMMARY_ALLERGY)
KIND_HANDLER(fhir_condition_create, create_kind, SUMMARY_CONDITION)
KIND_HANDLER(fhir_immunization_create, create_kind, SUMMARY_IMMUNIZATION)
KIND_HANDLER(fhir_vital_create, create_kind, SUMMARY_VITAL)

/* --- $everything and the CapabilityStatement --- */

static int everything_kind(const struct actor *a, const struct id *patient, const struct store_page *pg,
			   struct everything_page *p, enum summary_kind kind)
{
	struct summary_entry *rows = NULL;
	struct page_info info = {0};
	int rc = summary_list(a, patient, kind, pg, p->ar, &rows, &p->n, &info);
	for (size_t i = 0; rc == ERR_OK && i < p->n; i++) {
		json_t *o = entry_json(p->ar, &rows[i]);
		if (o)
			json_array_append_new(p->entries, careplan_entry(p->ar, &rows[i].id, o));
		p->last_t = entry_key(&rows[i], STORE_SORT_DATE);
		p->last_id = rows[i].id;
	}
	p->more = info.more;
	return rc;
}

int fhir_summary_everything(const struct actor *a, const struct id *patient,
			    const struct store_page *pg, struct everything_page *p)
{
	return everything_kind(a, patient, pg, p, SUMMARY_KIND_COUNT);
}

void fhir_summary_capability(json_t *resources)
{
	for (int k = SUMMARY_ALLERGY; k < SUMMARY_VITAL; k++) {
		json_t *r = json_pack("{s:s, s:[{s:s},{s:s},{s:s}]}", "type", type_names[k], "interaction",
				      "code", "read", "code", "search-type", "code", "create");
		fhir_search_capability(r, &specs[k]);
		json_array_append_new(resources, r);
	}
}

/* Observation's entry (fhir_results.c) gains create (vital signs only) and the vital signs'
 * search parameters beside the lab results' ones. */
void fhir_vitals_capability(json_t *observation)
{
	json_array_append_new(json_object_get(observation, "interaction"), json_pack("{s:s}", "code", "create"));
	json_t *params = json_object_get(observation, "searchParam");
	for (size_t i = 0; i < json_array_size(params); i++) {
		json_t *p = json_array_get(params, i);
		const char *name = str_of(p, "name");
		if (name && strcmp(name, "category") == 0)
			json_object_set_new(p, "documentation", json_string(vital_params[0].doc));
	}
	json_object_set_new(observation, "documentation",
			    json_string("Lab results (category laboratory, the default: each the result of a "
					"DiagnosticReport) and, with category=vital-signs, the health summary's "
					"vital signs (search code and date; create by a practice system)."));
}
