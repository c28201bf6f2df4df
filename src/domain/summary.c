/*
 * The health summary (summary.h, docs/internals/SUMMARY.md).
 *
 * Order of every service: gate (deny audited, answered NOT_FOUND) -> store with the grant ->
 * vault opens or seals -> audit (a write's before the write; a read's before the response).
 * What an entry says is sealed as one JSON record (VREC_SUMMARY, part "summary"); its kind,
 * FHIR status, date and, for a vital sign, which of eight measurements it is stay clear.
 */
#include "domain/summary.h"
#include "domain/careplan_int.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "limits.h"
#include "util/strtonum.h"
#include "audit/audit.h"

static const char *const rtypes[SUMMARY_KIND_COUNT] = {"AllergyIntolerance", "Condition",
						       "Immunization", "Observation"};

static const struct summary_vital vitals[] = {
	{SUMMARY_LOINC_BP, "Blood pressure", "mm[Hg]", "mmHg"},
	{"8867-4", "Heart rate", "/min", "beats/min"},
	{"9279-1", "Respiratory rate", "/min", "breaths/min"},
	{"8310-5", "Body temperature", "Cel", "\xc2\xb0" "C"},
	{"59408-5", "Oxygen saturation", "%", "%"},
	{"29463-7", "Body weight", "kg", "kg"},
	{"8302-2", "Body height", "cm", "cm"},
	{"39156-5", "Body mass index", "kg/m2", "kg/m\xc2\xb2"},
};
#define N_VITALS (sizeof(vitals) / sizeof(vitals[0]))

size_t summary_vital_count(void)
{
	return N_VITALS;
}

const struct summary_vital *summary_vital_at(size_t i)
{
	return i < N_VITALS ? &vitals[i] : NULL;
}

const struct summary_vital *summary_vital_of(const char *loinc)
{
	for (size_t i = 0; loinc != NULL && i < N_VITALS; i++)
		if (strcmp(vitals[i].loinc, loinc) == 0)
			return &vitals[i];
	return NULL;
}

bool summary_status_ok(enum summary_kind kind, const char *status)
{
	static const char *const allowed[SUMMARY_KIND_COUNT][7] = {
		[SUMMARY_ALLERGY] = {"active", "inactive", "resolved"},
		[SUMMARY_CONDITION] = {"active", "recurrence", "relapse", "inactive", "remission",
				       "resolved"},
		[SUMMARY_IMMUNIZATION] = {"completed", "not-done"},
		[SUMMARY_VITAL] = {"preliminary", "final", "amended", "corrected"},
	};
	if ((unsigned)kind >= SUMMARY_KIND_COUNT || status == NULL)
		return false;
	for (size_t i = 0; i < 7 && allowed[kind][i]; i++)
		if (strcmp(allowed[kind][i], status) == 0)
			return true;
	return false;
}

/* --- checking what a practice sends --- */

static bool code_ok(const char *s)
{
	return token_ok(s, LIMIT_SUMMARY_CODE);
}

/* A code system's URI: http(s):// or urn:oid:, printable ASCII without spaces. */
static bool system_ok(const char *s)
{
	size_t n = s ? strlen(s) : 0;
	if (n < 8 || n > LIMIT_SUMMARY_SYSTEM ||
	    (strncmp(s, "http://", 7) != 0 && strncmp(s, "https://", 8) != 0 &&
	     strncmp(s, "urn:oid:", 8) != 0))
		return false;
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)s[i] <= 0x20 || (unsigned char)s[i] >= 0x7f)
			return false;
	return true;
}

static bool coding_ok(const struct summary_coding *c)
{
	if (c->code == NULL)
		return c->system == NULL && c->display == NULL;
	return code_ok(c->code) && system_ok(c->system) &&
	       careplan_text_ok(c->display, LIMIT_SUMMARY_DISPLAY, false);
}

/* A decimal as FHIR writes one: digits with at most one '.', 1 to 12 characters, > 0 and
 * below LIMIT_SUMMARY_VALUE_MAX. */
static bool value_ok(const char *s)
{
	size_t n = s ? strlen(s) : 0, dots = 0;
	if (n == 0 || n > 12 || s[0] == '.' || s[n - 1] == '.')
		return false;
	for (size_t i = 0; i < n; i++) {
		if (s[i] == '.')
			dots++;
		else if (s[i] < '0' || s[i] > '9')
			return false;
	}
	if (dots > 1)
		return false;
	char *end = NULL;
	double v = strtod(s, &end);
	return end == s + n && isfinite(v) && v > 0 && v < LIMIT_SUMMARY_VALUE_MAX;
}

static const char *vital_problem(const struct summary_entry *e)
{
	const struct summary_vital *v = summary_vital_of(e->coding.code);
	if (v == NULL || e->coding.system == NULL || strcmp(e->coding.system, SUMMARY_SYSTEM_LOINC) != 0)
		return "Observation.code: a vital sign's LOINC code (http://loinc.org) of those taken "
		       "(85354-9, 8867-4, 9279-1, 8310-5, 59408-5, 29463-7, 8302-2, 39156-5)";
	if (!value_ok(e->value))
		return "Observation.valueQuantity.value: a number above 0";
	bool bp = strcmp(v->loinc, SUMMARY_LOINC_BP) == 0;
	if (bp ? !value_ok(e->value2) : (e->value2 != NULL && e->value2[0]))
		return "Observation.component: blood pressure has systolic (8480-6) and diastolic "
		       "(8462-4) values";
	if (e->unit == NULL || strcmp(e->unit, v->unit) != 0)
		return "Observation.valueQuantity: the unit is not this vital sign's UCUM unit";
	if (e->effective == 0)
		return "Observation.effectiveDateTime is required";
	return NULL;
}

/* Why e cannot be filed (a field's name, never its value), or NULL. */
static const char *entry_problem(const struct summary_entry *e, int64_t now)
{
	const char *type = (unsigned)e->kind < SUMMARY_KIND_COUNT ? rtypes[e->kind] : NULL;
	if (type == NULL)
		return "the resource type is not part of the health summary";
	if (!summary_status_ok(e->kind, e->status))
		return e->kind == SUMMARY_ALLERGY ? "AllergyIntolerance.clinicalStatus: active, inactive or resolved"
		       : e->kind == SUMMARY_CONDITION ? "Condition.clinicalStatus: active, recurrence, relapse, inactive, remission or resolved"
		       : e->kind == SUMMARY_IMMUNIZATION ? "Immunization.status: completed or not-done"
							  : "Observation.status: preliminary, final, amended or corrected";
	if (!coding_ok(&e->coding))
		return "code: a coding needs a system URI, a code (letters, digits, - and ., up to 64) "
		       "and a display of up to 200 characters";
	if (!careplan_text_ok(e->text, LIMIT_SUMMARY_TEXT, false) ||
	    (e->coding.code == NULL && !careplan_text_ok(e->text, LIMIT_SUMMARY_TEXT, true)))
		return "code: give a coding or text (up to 500 characters)";
	if (!careplan_text_ok(e->note, LIMIT_SUMMARY_TEXT, false) ||
	    !careplan_text_ok(e->reaction, LIMIT_SUMMARY_TEXT, false))
		return "note and reaction: up to 500 characters each, no control characters";
	if (e->effective < 0 || e->effective > now + 86400)
		return "the date is in the future";
	if (e->kind == SUMMARY_ALLERGY && e->criticality && e->criticality[0] &&
	    strcmp(e->criticality, "low") != 0 && strcmp(e->criticality, "high") != 0 &&
	    strcmp(e->criticality, "unable-to-assess") != 0)
		return "AllergyIntolerance.criticality: low, high or unable-to-assess";
	if (e->kind == SUMMARY_IMMUNIZATION && e->effective == 0)
		return "Immunization.occurrenceDateTime is required";
	if (e->kind == SUMMARY_VITAL)
		return vital_problem(e);
	return NULL;
}

static const char *or_empty(const char *s)
{
	return s ? s : "";
}

static json_t *entry_seal_json(const struct summary_entry *e)
{
	json_t *o = json_pack("{s:s, s:s, s:s, s:s}", "part", "summary", "text", or_empty(e->text),
			      "note", or_empty(e->note), "reaction", or_empty(e->reaction));
	if (o == NULL)
		return NULL;
	if (e->coding.code != NULL) {
		json_object_set_new(o, "system", json_string(e->coding.system));
		json_object_set_new(o, "code", json_string(e->coding.code));
		if (e->coding.display != NULL)
			json_object_set_new(o, "display", json_string(e->coding.display));
	}
	if (e->criticality && e->criticality[0])
		json_object_set_new(o, "criticality", json_string(e->criticality));
	if (e->kind == SUMMARY_VITAL) {
		json_object_set_new(o, "value", json_string(e->value));
		json_object_set_new(o, "unit", json_string(e->unit));
		if (e->value2 && e->value2[0])
			json_object_set_new(o, "value2", json_string(e->value2));
	}
	return o;
}

enum err summary_add(const struct actor *a, const struct summary_entry *e, struct arena *ar,
		     struct id *out, const char **why)
{
	*why = NULL;
	const char *rtype = (unsigned)e->kind < SUMMARY_KIND_COUNT ? rtypes[e->kind] : "Observation";
	struct grant g;
	int rc = domain_gate(a, ACTION_SUMMARY_CREATE, &e->patient, rtype, NULL, &g);
	if (rc != ERR_OK)
		return rc;
	int64_t now = (int64_t)time(NULL);
	if ((*why = entry_problem(e, now)) != NULL)
		return ERR_INVALID;
	if (!a->has_practice) /* a system always has its practice: this cannot happen */
		return ERR_INTERNAL;
	struct store_patient p;
	rc = careplan_patient_row(&g, &e->patient, ar, &p);
	if (rc == ERR_GONE)
		return domain_gone(a, ACTION_SUMMARY_CREATE, &e->patient, rtype, NULL);
	if (rc != ERR_OK)
		return rc;
	struct store_summary row;
	memset(&row, 0, sizeof(row));
	random_id(&row.id);
	row.patient = e->patient;
	row.practice = a->practice;
	row.kind = e->kind;
	row.effective = e->effective;
	row.created = now;
	if (strlen(e->status) >= sizeof(row.status))
		return ERR_INTERNAL;
	memcpy(row.status, e->status, strlen(e->status) + 1);
	if (e->kind == SUMMARY_VITAL) /* one of the eight codes: which measurement, no value */
		memcpy(row.code, e->coding.code, strlen(e->coding.code) + 1);
	json_t *o = entry_seal_json(e);
	rc = careplan_seal(a, &g, &p, VREC_SUMMARY, &row.id, o, ar, &row.detail);
	json_decref(o);
	if (rc != ERR_OK)
		return rc;
	if (domain_audit(a, ACTION_SUMMARY_CREATE, &e->patient, rtype, &row.id, AUDIT_ALLOW, 0) != 0)
		return ERR_INTERNAL;
	rc = store_summary_insert(&g, &row);
	if (rc == ERR_FULL) {
		*why = "the patient's summary holds as many entries of this kind as it takes";
		return ERR_FULL;
	}
	if (rc != ERR_OK)
		return ERR_INTERNAL;
	*out = row.id;
	return ERR_OK;
}

/* --- reading --- */

static const char *opt_str(json_t *o, const char *key, struct arena *ar)
{
	return json_string_value(json_object_get(o, key)) ? careplan_str(o, key, ar) : NULL;
}

static enum err entry_open(const struct actor *a, const struct grant *g, const struct store_patient *p,
			   const struct store_summary *r, struct arena *ar, struct summary_entry *v)
{
	memset(v, 0, sizeof(*v));
	v->id = r->id;
	v->patient = r->patient;
	v->practice = r->practice;
	v->kind = r->kind;
	v->status = arena_strdup(ar, r->status);
	v->effective = r->effective;
	v->created = r->created;
	json_t *o;
	int rc = careplan_open(a, g, p, VREC_SUMMARY, &r->id, r->detail, "summary", ar, &o);
	if (rc != ERR_OK)
		return rc;
	v->text = careplan_str(o, "text", ar);
	v->note = careplan_str(o, "note", ar);
	v->reaction = careplan_str(o, "reaction", ar);
	v->criticality = careplan_str(o, "criticality", ar);
	v->value = careplan_str(o, "value", ar);
	v->value2 = careplan_str(o, "value2", ar);
	v->unit = careplan_str(o, "unit", ar);
	v->coding.code = opt_str(o, "code", ar);
	if (v->coding.code != NULL) {
		v->coding.system = careplan_str(o, "system", ar);
		v->coding.display = opt_str(o, "display", ar);
	}
	json_decref(o);
	return v->status ? ERR_OK : ERR_INTERNAL;
}

/* The rows of one kind, or of all four (kind SUMMARY_KIND_COUNT), into one array from ar. */
static enum err rows_of(const struct grant *g, const struct id *patient, enum summary_kind kind,
			struct arena *ar, struct store_summary **out, size_t *n)
{
	*n = 0;
	if (kind != SUMMARY_KIND_COUNT)
		return store_summary_list(g, patient, kind, ar, out, n);
	struct store_summary *parts[SUMMARY_KIND_COUNT];
	size_t counts[SUMMARY_KIND_COUNT], total = 0;
	for (int k = 0; k < SUMMARY_KIND_COUNT; k++) {
		if (store_summary_list(g, patient, (enum summary_kind)k, ar, &parts[k], &counts[k]) != ERR_OK)
			return ERR_INTERNAL;
		total += counts[k];
	}
	*out = arena_calloc(ar, total ? total : 1, sizeof(**out));
	if (*out == NULL)
		return ERR_INTERNAL;
	for (int k = 0; k < SUMMARY_KIND_COUNT; k++)
		for (size_t i = 0; i < counts[k]; i++)
			(*out)[(*n)++] = parts[k][i];
	return ERR_OK;
}

enum err summary_list(const struct actor *a, const struct id *patient, enum summary_kind kind,
		      const struct store_page *pg, struct arena *ar, struct summary_entry **out,
		      size_t *n, struct page_info *info)
{
	*n = 0;
	*out = NULL;
	if ((unsigned)kind > SUMMARY_KIND_COUNT)
		return ERR_INTERNAL;
	const char *rtype = kind < SUMMARY_KIND_COUNT ? rtypes[kind] : "Bundle";
	struct grant g;
	int rc = domain_gate(a, ACTION_SUMMARY_LIST, patient, rtype, NULL, &g);
	if (rc != ERR_OK)
		return rc;
	struct store_patient p;
	rc = careplan_patient_row(&g, patient, ar, &p);
	if (rc == ERR_GONE)
		return domain_gone(a, ACTION_SUMMARY_LIST, patient, rtype, NULL);
	struct store_summary *rows = NULL;
	size_t nr = 0;
	if (rc != ERR_OK || rows_of(&g, patient, kind, ar, &rows, &nr) != ERR_OK)
		return ERR_INTERNAL;
	struct page_item *items = arena_calloc(ar, nr ? nr : 1, sizeof(*items));
	if (items == NULL)
		return ERR_INTERNAL;
	/* The clear code a search filters on: a vital sign's LOINC code, else the status. */
	for (size_t i = 0; i < nr; i++)
		items[i] = (struct page_item){.date = rows[i].effective ? rows[i].effective : rows[i].created,
					      .updated = rows[i].created,
					      .code = rows[i].kind == SUMMARY_VITAL ? rows[i].code : rows[i].status,
					      .id = rows[i].id,
					      .index = i};
	struct store_page ask;
	domain_page_begin(pg, &ask, info);
	size_t count = domain_page_end(&ask, domain_page_items(items, nr, &ask, info), info);
	*out = arena_calloc(ar, count ? count : 1, sizeof(**out));
	if (*out == NULL)
		return ERR_INTERNAL;
	for (size_t i = 0; i < count; i++) {
		const struct store_summary *r = &rows[items[i].index];
		if ((rc = entry_open(a, &g, &p, r, ar, &(*out)[i])) != ERR_OK)
			return rc;
		if (domain_audit(a, ACTION_SUMMARY_LIST, patient, rtypes[r->kind], &r->id, AUDIT_ALLOW, 0) != 0)
			return ERR_INTERNAL;
	}
	if (count == 0 && domain_audit(a, ACTION_SUMMARY_LIST, patient, rtype, NULL, AUDIT_ALLOW, 0) != 0)
		return ERR_INTERNAL;
	*n = count;
	return ERR_OK;
}

enum err summary_read(const struct actor *a, const struct id *entry, enum summary_kind kind,
		      struct arena *ar, struct summary_entry *out)
{
	const char *rtype = (unsigned)kind < SUMMARY_KIND_COUNT ? rtypes[kind] : "Observation";
	struct target t;
	int found = store_summary_target(entry, &t);
	if (found == ERR_INTERNAL)
		return ERR_INTERNAL;
	if (found == ERR_NOT_FOUND)
		return domain_miss(a, ACTION_SUMMARY_LIST, NULL, rtype, entry, AUDIT_NOT_FOUND);
	struct grant g;
	int rc = domain_gate_target(a, ACTION_SUMMARY_LIST, &t, rtype, entry, &g);
	if (rc != ERR_OK)
		return rc;
	struct store_patient p;
	rc = careplan_patient_row(&g, &t.patient, ar, &p);
	if (rc == ERR_GONE)
		return domain_gone(a, ACTION_SUMMARY_LIST, &t.patient, rtype, entry);
	struct store_summary r;
	if (rc != ERR_OK || store_summary_get(&g, entry, ar, &r) != ERR_OK)
		return ERR_INTERNAL;
	/* An entry of another kind under this type's name: not found, like any other id. */
	if (r.kind != kind)
		return domain_miss(a, ACTION_SUMMARY_LIST, &t.patient, rtype, entry, AUDIT_NOT_FOUND);
	if ((rc = entry_open(a, &g, &p, &r, ar, out)) != ERR_OK)
		return rc;
	if (domain_audit(a, ACTION_SUMMARY_LIST, &t.patient, rtype, entry, AUDIT_ALLOW, 0) != 0)
		return ERR_INTERNAL;
	return ERR_OK;
}
