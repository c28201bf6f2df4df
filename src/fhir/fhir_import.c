/*
 * One NDJSON line of a practice's FHIR export onto what `medkeep import` files (fhir_import.h,
 * docs/internals/IMPORT.md). Documents and reports go through the same mappings as the FHIR
 * creates (fhir_docref_from_json, fhir_report_from_json); the reasons given name fields, never
 * their values, because they are printed beside line numbers and may be logged.
 */
#include "fhir/fhir_import.h"

#include <string.h>

#include "domain/register.h"
#include "fhir/fhir.h"
#include "fhir/fhir_results.h"
#include "fhir/fhir_summary.h"
#include "limits.h"
#include "util/strtonum.h"

static const char nhi_system[] = "https://standards.digital.health.nz/ns/nhi-id";

static const char *const type_names[IMPORT_TYPE_COUNT] = {
	[IMPORT_PATIENT] = "Patient",
	[IMPORT_DOCUMENT] = "DocumentReference",
	[IMPORT_REPORT] = "DiagnosticReport",
	[IMPORT_OBSERVATION] = "Observation",
	[IMPORT_MEDICATION] = "MedicationRequest",
	[IMPORT_APPOINTMENT] = "Appointment",
	[IMPORT_ALLERGY] = "AllergyIntolerance",
	[IMPORT_CONDITION] = "Condition",
	[IMPORT_IMMUNIZATION] = "Immunization",
	/* not a resourceType: the name an Observation of category vital-signs is counted and
	 * mapped under, apart from the lab results' Observations */
	[IMPORT_VITAL] = "Observation (vital signs)",
};

const char *fhir_import_type_name(enum import_type t)
{
	return (unsigned)t < IMPORT_TYPE_COUNT ? type_names[t] : "-";
}

static const char *str_of(json_t *o, const char *k)
{
	return json_string_value(json_object_get(o, k));
}

static bool fhir_id_ok(const char *s)
{
	return token_ok(s, IMPORT_SOURCE_ID_MAX);
}

/* "Patient/{id}" onto the id, or NULL. */
static const char *patient_ref(json_t *ref, struct arena *ar)
{
	const char *r = str_of(ref, "reference");
	if (r == NULL || strncmp(r, "Patient/", 8) != 0 || !fhir_id_ok(r + 8))
		return NULL;
	return arena_strdup(ar, r + 8);
}

static const char *problem_why(const char *field)
{
	if (strcmp(field, "identifier") == 0)
		return "Patient.identifier: no valid NHI (system " "https://standards.digital.health.nz/ns/nhi-id"
		       "; format or check character wrong)";
	if (strcmp(field, "name.family") == 0)
		return "Patient.name.family is missing, too long or has control characters";
	if (strcmp(field, "name.given") == 0)
		return "Patient.name.given is missing, too long or has control characters";
	if (strcmp(field, "birthDate") == 0)
		return "Patient.birthDate is missing or not a real past date (YYYY-MM-DD)";
	return "Patient.gender must be male, female, other or unknown";
}

/* The official name (or the first), given names joined by spaces. */
static void patient_name(json_t *o, struct arena *ar, struct patient_view *p)
{
	json_t *names = json_object_get(o, "name"), *name = json_array_get(names, 0), *n;
	size_t i;
	json_array_foreach(names, i, n)
	{
		const char *use = str_of(n, "use");
		if (use != NULL && strcmp(use, "official") == 0) {
			name = n;
			break;
		}
	}
	p->family = str_of(name, "family");
	json_t *given = json_object_get(name, "given"), *g;
	const char *joined = NULL;
	json_array_foreach(given, i, g)
	{
		const char *s = json_string_value(g);
		if (s == NULL)
			continue;
		joined = joined ? arena_printf(ar, "%s %s", joined, s) : s;
	}
	p->given = joined;
}

static int map_patient(json_t *o, struct arena *ar, struct import_item *out, const char **why)
{
	struct patient_view *p = &out->patient;
	json_t *ids = json_object_get(o, "identifier"), *idn;
	size_t i;
	json_array_foreach(ids, i, idn)
	{
		const char *sys = str_of(idn, "system");
		if (sys != NULL && strcmp(sys, nhi_system) == 0 && str_of(idn, "value") != NULL) {
			p->nhi = str_of(idn, "value");
			break;
		}
	}
	patient_name(o, ar, p);
	p->birth_date = str_of(o, "birthDate");
	p->gender = str_of(o, "gender");
	const char *bad = register_problem(p);
	if (bad != NULL) {
		*why = problem_why(bad);
		return -1;
	}
	json_t *telecom = json_object_get(o, "telecom"), *t;
	json_array_foreach(telecom, i, t)
	{
		const char *sys = str_of(t, "system");
		if (sys != NULL && strcmp(sys, "email") == 0 && str_of(t, "value") != NULL) {
			out->email = str_of(t, "value");
			break;
		}
	}
	return 0;
}

static int map_document(json_t *o, struct arena *ar, struct import_item *out, const char **why)
{
	json_t *att = json_object_get(json_array_get(json_object_get(o, "content"), 0), "attachment");
	if (json_is_object(att) && json_object_get(att, "data") == NULL &&
	    json_object_get(att, "url") != NULL) {
		*why = "DocumentReference content[0].attachment.url is not supported: put the document "
		       "inline in attachment.data (base64)";
		return -1;
	}
	return fhir_docref_from_json(o, ar, DOC_CLINICAL_LETTER, &out->doc, why);
}

/* Whether a report's contained holds anything but the laboratory (our own export contains the
 * performing Organization and references its Observations by result[]). */
static bool holds_observations(json_t *o)
{
	size_t i;
	json_t *c;
	json_array_foreach(json_object_get(o, "contained"), i, c)
	{
		const char *rt = str_of(c, "resourceType");
		if (rt == NULL || strcmp(rt, "Organization") != 0)
			return true;
	}
	return false;
}

static int map_report(json_t *o, struct arena *ar, struct import_item *out, const char **why)
{
	out->report = arena_alloc(ar, sizeof(*out->report));
	if (out->report == NULL) {
		*why = "out of memory";
		return -1;
	}
	if (holds_observations(o)) {
		out->has_report = true;
		return fhir_report_from_json(o, ar, out->report, why);
	}
	json_t *results = json_object_get(o, "result"), *r;
	*why = "DiagnosticReport needs its Observations: contained, or result[] with 1 to 24 "
	       "references Observation/{id}";
	if (!json_is_array(results) || json_array_size(results) == 0 ||
	    json_array_size(results) > RESULT_MAX_OBSERVATIONS)
		return -1;
	size_t i;
	json_array_foreach(results, i, r)
	{
		const char *ref = str_of(r, "reference");
		if (ref == NULL || strncmp(ref, "Observation/", 12) != 0 || !fhir_id_ok(ref + 12))
			return -1;
		out->results[i] = arena_strdup(ar, ref + 12);
		out->n_results = i + 1;
	}
	*why = NULL;
	return 0;
}

/* An Observation of its own: a report holding just it, named by its id. */
static int map_observation(json_t *o, struct arena *ar, struct import_item *out, const char **why)
{
	out->report = arena_alloc(ar, sizeof(*out->report));
	const char *when = str_of(o, "effectiveDateTime");
	const char *issued = str_of(o, "issued");
	const char *status = str_of(o, "status");
	const char *lab = fhir_performer_name(o);
	if (status == NULL || (strcmp(status, "preliminary") != 0 && strcmp(status, "corrected") != 0 &&
			       strcmp(status, "amended") != 0))
		status = "final";
	json_t *wrap = json_pack("{s:s, s:[{s:s}], s:s?, s:s?, s:[{s:s}], s:[O]}", "status", status,
				 "identifier", "value", out->source_id, "effectiveDateTime", when,
				 "issued", issued ? issued : when, "performer", "display",
				 lab ? lab : "Imported", "contained", o);
	if (out->report == NULL || wrap == NULL) {
		json_decref(wrap);
		*why = "out of memory";
		return -1;
	}
	int rc = fhir_report_from_json(wrap, ar, out->report, why);
	json_decref(wrap);
	if (rc == 0)
		out->has_report = true;
	else if (*why != NULL && strncmp(*why, "effectiveDateTime", 17) == 0)
		*why = "Observation.effectiveDateTime is required (a date)";
	return rc;
}

/* "Metformin 500 mg tablet": the drug, its strength from the first word that starts with a
 * digit, and its form (the last word), as MedicationRequest.medicationCodeableConcept.text
 * reads in our own FHIR export. */
static int split_medicine(const char *text, struct arena *ar, struct medication_new *m)
{
	const char *last = strrchr(text, ' ');
	const char *digit = NULL;
	for (const char *p = text; *p; p++)
		if (*p >= '0' && *p <= '9' && (p == text || p[-1] == ' ')) {
			digit = p;
			break;
		}
	if (last == NULL || digit == NULL || digit == text || digit >= last || last[1] == '\0')
		return -1;
	m->drug = arena_strndup(ar, text, (size_t)(digit - 1 - text));
	m->strength = arena_strndup(ar, digit, (size_t)(last - digit));
	m->form = arena_strdup(ar, last + 1);
	return m->drug && m->strength && m->form ? 0 : -1;
}

/* The medicine's code, kept when it arrives in a system we serve: the first coding whose
 * system is NZMT or SNOMED CT (other systems are left out; the text carries the medicine). */
static int read_medicine_code(json_t *cc, struct arena *ar, struct medication_code *out,
			      const char **why)
{
	memset(out, 0, sizeof(*out));
	size_t i;
	json_t *c;
	json_array_foreach(json_object_get(cc, "coding"), i, c)
	{
		const char *sys = str_of(c, "system");
		if (sys == NULL || (strcmp(sys, MEDICATION_SYSTEM_NZMT) != 0 &&
				    strcmp(sys, MEDICATION_SYSTEM_SNOMED) != 0))
			continue;
		const char *display = str_of(c, "display");
		struct medication_code k = {sys, str_of(c, "code"),
					    display && display[0] ? display : NULL};
		*why = "MedicationRequest.medicationCodeableConcept.coding: an NZMT or SNOMED CT code "
		       "is 6 to 18 digits (display up to 200 characters)";
		if (!medication_code_ok(&k) || k.code == NULL)
			return -1;
		out->system = arena_strdup(ar, k.system);
		out->code = arena_strdup(ar, k.code);
		out->display = k.display ? arena_strdup(ar, k.display) : NULL;
		return out->system && out->code ? 0 : -1;
	}
	return 0;
}

static int map_medication(json_t *o, struct arena *ar, struct import_item *out, const char **why)
{
	const char *intent = str_of(o, "intent");
	if (intent != NULL && strcmp(intent, "proposal") == 0) {
		*why = "MedicationRequest with intent proposal (a repeat request) is not imported";
		return -1;
	}
	json_t *cc = json_object_get(o, "medicationCodeableConcept");
	const char *text = str_of(cc, "text");
	if (text == NULL)
		text = str_of(json_array_get(json_object_get(cc, "coding"), 0), "display");
	*why = "MedicationRequest.medicationCodeableConcept.text must name the drug, its strength "
	       "and its form (as in 'Metformin 500 mg tablet')";
	if (text == NULL || split_medicine(text, ar, &out->med) != 0)
		return -1;
	if (read_medicine_code(cc, ar, &out->med.code, why) != 0)
		return -1;
	*why = "MedicationRequest.dosageInstruction[0].text (the dose) is required";
	out->med.dose = str_of(json_array_get(json_object_get(o, "dosageInstruction"), 0), "text");
	if (out->med.dose == NULL)
		return -1;
	const char *authored = str_of(o, "authoredOn");
	*why = "MedicationRequest.authoredOn is not a date";
	if (authored != NULL && fhir_parse_datetime(authored, &out->med.started) != 0)
		return -1;
	const char *status = str_of(o, "status");
	out->med_stopped = status != NULL && (strcmp(status, "stopped") == 0 ||
					      strcmp(status, "completed") == 0 ||
					      strcmp(status, "cancelled") == 0);
	*why = NULL;
	return 0;
}

static int map_appointment(json_t *o, struct arena *ar, struct import_item *out, const char **why)
{
	const char *status = str_of(o, "status");
	*why = "Appointment.status must be booked, arrived, fulfilled, checked-in or pending (a "
	       "cancelled or missed appointment is not imported)";
	if (status == NULL || (strcmp(status, "booked") != 0 && strcmp(status, "arrived") != 0 &&
			       strcmp(status, "fulfilled") != 0 && strcmp(status, "checked-in") != 0 &&
			       strcmp(status, "pending") != 0))
		return -1;
	*why = "Appointment.start is required (an instant)";
	if (fhir_parse_datetime(str_of(o, "start"), &out->start) != 0)
		return -1;
	int64_t end = 0;
	json_t *md = json_object_get(o, "minutesDuration");
	out->minutes = 15;
	if (json_is_integer(md))
		out->minutes = (int)(json_integer_value(md) > 1000 ? 1000 : json_integer_value(md));
	else if (str_of(o, "end") != NULL && fhir_parse_datetime(str_of(o, "end"), &end) == 0)
		out->minutes = end - out->start > 60000 ? 1000 : (int)((end - out->start) / 60);
	*why = "Appointment lasts 5 to 240 minutes (minutesDuration, or end after start)";
	if (out->minutes < 5 || out->minutes > 240)
		return -1;
	const char *reason = str_of(o, "description");
	if (reason == NULL)
		reason = str_of(json_array_get(json_object_get(o, "reasonCode"), 0), "text");
	out->reason = arena_strdup(ar, reason ? reason : "");
	*why = NULL;
	return 0;
}

/* Appointment's patient: the participant whose actor is a Patient. */
static const char *appointment_patient(json_t *o, struct arena *ar)
{
	json_t *parts = json_object_get(o, "participant"), *p;
	size_t i;
	json_array_foreach(parts, i, p)
	{
		const char *ref = patient_ref(json_object_get(p, "actor"), ar);
		if (ref != NULL)
			return ref;
	}
	return NULL;
}

static int map_resource(json_t *o, struct arena *ar, struct import_item *out, const char **why);

int fhir_import_parse(const char *line, size_t len, struct arena *ar, struct import_item *out,
		      const char **why)
{
	memset(out, 0, sizeof(*out));
	out->type = IMPORT_TYPE_COUNT;
	json_error_t err;
	out->json = json_loadb(line, len, JSON_REJECT_DUPLICATES, &err);
	*why = "not valid JSON (one resource per line)";
	if (!json_is_object(out->json))
		return -1;
	json_t *o = out->json;
	const char *rt = str_of(o, "resourceType");
	*why = "resourceType is missing or not one imported (Patient, DocumentReference, "
	       "DiagnosticReport, Observation, MedicationRequest, Appointment, AllergyIntolerance, "
	       "Condition, Immunization)";
	for (int t = 0; rt != NULL && t < IMPORT_TYPE_COUNT; t++)
		if (strcmp(rt, type_names[t]) == 0)
			out->type = (enum import_type)t;
	if (out->type == IMPORT_TYPE_COUNT)
		return -1;
	if (out->type == IMPORT_OBSERVATION && fhir_summary_is(o))
		out->type = IMPORT_VITAL; /* the health summary's, not a lab result */
	*why = "id is missing or not a FHIR id (1 to 64 of A-Z a-z 0-9 - .)";
	if (!fhir_id_ok(str_of(o, "id")))
		return -1;
	out->source_id = arena_strdup(ar, str_of(o, "id"));
	int rc = map_resource(o, ar, out, why);
	if (rc == 0)
		*why = NULL;
	else if (*why == NULL)
		*why = "refused";
	return rc;
}

static int map_resource(json_t *o, struct arena *ar, struct import_item *out, const char **why)
{
	if (out->type == IMPORT_PATIENT)
		return map_patient(o, ar, out, why);
	bool named_patient = out->type == IMPORT_ALLERGY || out->type == IMPORT_IMMUNIZATION;
	json_t *subj = json_object_get(o, named_patient ? "patient" : "subject");
	out->subject = out->type == IMPORT_APPOINTMENT ? appointment_patient(o, ar) : patient_ref(subj, ar);
	json_t *sid = json_object_get(subj, "identifier");
	const char *sys = str_of(sid, "system");
	if (out->subject == NULL && json_object_get(subj, "reference") == NULL && sys != NULL &&
	    strcmp(sys, nhi_system) == 0)
		out->subject_nhi = str_of(sid, "value");
	*why = out->type == IMPORT_APPOINTMENT ? "Appointment.participant needs an actor Patient/{id}"
	       : named_patient ? "patient needs a reference Patient/{id} or an identifier with the NHI system"
			       : "subject needs a reference Patient/{id} or an identifier with the NHI system";
	if ((out->subject == NULL && out->subject_nhi == NULL) || out->source_id == NULL)
		return -1;
	switch (out->type) {
	case IMPORT_DOCUMENT:
		return map_document(o, ar, out, why);
	case IMPORT_REPORT:
		return map_report(o, ar, out, why);
	case IMPORT_OBSERVATION:
		return map_observation(o, ar, out, why);
	case IMPORT_MEDICATION:
		return map_medication(o, ar, out, why);
	case IMPORT_APPOINTMENT:
		return map_appointment(o, ar, out, why);
	case IMPORT_ALLERGY:
	case IMPORT_CONDITION:
	case IMPORT_IMMUNIZATION:
	case IMPORT_VITAL: {
		const char *ref = NULL; /* resolved by the caller from out->subject */
		return fhir_summary_from_json(o, ar, &out->summary, &ref, why);
	}
	default:
		return -1;
	}
}

int fhir_import_report_with(struct import_item *it, json_t *const *obs, size_t n, struct arena *ar,
			    const char **why)
{
	json_t *contained = json_array(), *c;
	size_t k;
	json_array_foreach(json_object_get(it->json, "contained"), k, c) /* the laboratory */
	{
		if (contained != NULL)
			json_array_append(contained, c);
	}
	for (size_t i = 0; contained != NULL && i < n; i++)
		json_array_append(contained, obs[i]);
	if (contained == NULL || json_object_set_new(it->json, "contained", contained) != 0) {
		*why = "out of memory";
		return -1;
	}
	int rc = fhir_report_from_json(it->json, ar, it->report, why);
	it->has_report = rc == 0;
	return rc;
}

void fhir_import_free(struct import_item *it)
{
	json_decref(it->json);
	it->json = NULL;
}
