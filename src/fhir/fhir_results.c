#include "fhir/fhir_results.h"
#include "fhir/fhir_summary.h"
#include "fhir/fhir_int.h"
#include "fhir/fhir_search.h"

#include <math.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "limits.h"
#include "util/strtonum.h"

static const char loinc_system[] = "http://loinc.org";
static const char ucum_system[] = "http://unitsofmeasure.org";
static const char interp_system[] =
	"http://terminology.hl7.org/CodeSystem/v3-ObservationInterpretation";
static const char category_system[] = "http://terminology.hl7.org/CodeSystem/observation-category";
static const char v2_0074[] = "http://terminology.hl7.org/CodeSystem/v2-0074";
static const char comment_extension[] =
	"https://medkeep.nz/fhir/StructureDefinition/clinician-comment";

/* --- reading outside input --- */

static int digits(const char *s, int n, int *out)
{
	int v = 0;
	for (int i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		v = v * 10 + (s[i] - '0');
	}
	*out = v;
	return 0;
}

int fhir_parse_datetime(const char *s, int64_t *out)
{
	int y, mo, d, h = 0, mi = 0, sec = 0;
	if (s == NULL || strlen(s) < 10 || strlen(s) > 35 || digits(s, 4, &y) || s[4] != '-' ||
	    digits(s + 5, 2, &mo) || s[7] != '-' || digits(s + 8, 2, &d))
		return -1;
	const char *p = s + 10;
	int64_t offset = 0;
	if (*p == 'T') {
		if (digits(p + 1, 2, &h) || p[3] != ':' || digits(p + 4, 2, &mi))
			return -1;
		p += 6;
		if (*p == ':') {
			if (digits(p + 1, 2, &sec))
				return -1;
			p += 3;
			if (*p == '.') {
				p++;
				int n = 0;
				while (*p >= '0' && *p <= '9' && n < 9) {
					p++;
					n++;
				}
				if (n == 0)
					return -1;
			}
		}
		if (*p == 'Z') {
			p++;
		} else if (*p == '+' || *p == '-') {
			int oh, om;
			if (digits(p + 1, 2, &oh) || p[3] != ':' || digits(p + 4, 2, &om) || oh > 14 ||
			    om > 59)
				return -1;
			offset = (int64_t)(oh * 3600 + om * 60) * (*p == '+' ? 1 : -1);
			p += 6;
		} else {
			return -1; /* a time needs its zone */
		}
	}
	if (*p != '\0' || y < 1900 || y > 2200 || mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 ||
	    mi > 59 || sec > 60)
		return -1;
	struct tm tm = {.tm_year = y - 1900, .tm_mon = mo - 1, .tm_mday = d, .tm_hour = h,
			.tm_min = mi, .tm_sec = sec};
	time_t t = timegm(&tm);
	if (t == (time_t)-1 || tm.tm_mday != d) /* 31 February and the like */
		return -1;
	*out = (int64_t)t - offset;
	return 0;
}

static const char *str_of(json_t *o, const char *k)
{
	return json_string_value(json_object_get(o, k));
}

static const char *dup_or_null(struct arena *a, const char *s)
{
	return s ? arena_strdup(a, s) : NULL;
}

/* The code of an Observation: its LOINC coding if it has one, else its first coding. */
static int parse_code(json_t *code, struct arena *a, struct observation *o)
{
	json_t *codings = json_object_get(code, "coding");
	json_t *chosen = NULL, *c;
	size_t i;
	if (!json_is_array(codings))
		return -1;
	json_array_foreach(codings, i, c)
	{
		const char *sys = str_of(c, "system");
		if (chosen == NULL || (sys && strcmp(sys, loinc_system) == 0 &&
				       !(str_of(chosen, "system") &&
					 strcmp(str_of(chosen, "system"), loinc_system) == 0)))
			chosen = c;
	}
	const char *cd = str_of(chosen, "code");
	if (cd == NULL)
		return -1;
	const struct result_test *known = result_test_by_loinc(cd);
	const char *display = str_of(code, "text");
	if (display == NULL)
		display = str_of(chosen, "display");
	if (display == NULL && known)
		display = known->display;
	o->code = arena_strdup(a, cd);
	o->display = arena_strdup(a, display ? display : cd);
	return 0;
}

static bool num_of(json_t *o, const char *k, double *out)
{
	json_t *v = json_object_get(o, k);
	if (!json_is_number(v))
		return false;
	*out = json_number_value(v);
	return isfinite(*out);
}

static const char *parse_observation(json_t *j, struct arena *a, struct observation *o)
{
	memset(o, 0, sizeof(*o));
	if (!json_is_object(j) || str_of(j, "resourceType") == NULL ||
	    strcmp(str_of(j, "resourceType"), "Observation") != 0)
		return "contained may hold only Observation resources";
	if (parse_code(json_object_get(j, "code"), a, o) != 0)
		return "Observation.code.coding needs a code (LOINC where one fits)";
	json_t *q = json_object_get(j, "valueQuantity");
	const char *vs = str_of(j, "valueString");
	json_t *vcc = json_object_get(j, "valueCodeableConcept");
	if (json_is_object(q)) {
		if (!num_of(q, "value", &o->value))
			return "Observation.valueQuantity.value must be a number";
		o->has_value = true;
		const char *unit = str_of(q, "code");
		if (unit == NULL)
			unit = str_of(q, "unit");
		o->unit = dup_or_null(a, unit);
	} else if (vs) {
		o->value_text = arena_strdup(a, vs);
	} else if (json_is_object(vcc)) {
		const char *t = str_of(vcc, "text");
		if (t == NULL)
			t = str_of(json_array_get(json_object_get(vcc, "coding"), 0), "display");
		if (t == NULL)
			return "Observation.valueCodeableConcept needs a text or a display";
		o->value_text = arena_strdup(a, t);
	} else if (json_is_object(json_object_get(j, "dataAbsentReason"))) {
		o->value_text = ""; /* as served when no value came (observation_json) */
	} else {
		return "Each Observation needs valueQuantity, valueString, valueCodeableConcept or "
		       "dataAbsentReason";
	}
	json_t *range = json_array_get(json_object_get(j, "referenceRange"), 0);
	if (range) {
		json_t *low = json_object_get(range, "low"), *high = json_object_get(range, "high");
		if (low && !(o->has_low = num_of(low, "value", &o->low)))
			return "referenceRange.low.value must be a number";
		if (high && !(o->has_high = num_of(high, "value", &o->high)))
			return "referenceRange.high.value must be a number";
		o->range_text = dup_or_null(a, str_of(range, "text"));
	}
	json_t *interp = json_array_get(json_object_get(j, "interpretation"), 0);
	if (interp) {
		const char *code = str_of(json_array_get(json_object_get(interp, "coding"), 0), "code");
		if (code == NULL || result_flag_parse(code, &o->flag) != 0)
			return "interpretation must be one of N, L, H, LL, HH or A";
	}
	o->note = dup_or_null(a, str_of(json_array_get(json_object_get(j, "note"), 0), "text"));
	return NULL;
}

const char *fhir_performer_name(json_t *o)
{
	json_t *perf = json_array_get(json_object_get(o, "performer"), 0);
	const char *name = str_of(perf, "display");
	const char *ref = str_of(perf, "reference");
	if (name != NULL || ref == NULL || ref[0] != '#')
		return name;
	size_t i;
	json_t *c;
	json_array_foreach(json_object_get(o, "contained"), i, c)
	{
		const char *rt = str_of(c, "resourceType"), *cid = str_of(c, "id");
		if (rt && cid && strcmp(rt, "Organization") == 0 && strcmp(cid, ref + 1) == 0)
			return str_of(c, "name");
	}
	return NULL;
}

/* Whether a contained resource is the performing laboratory (an Organization), which
 * fhir_performer_name reads, rather than an Observation of the report. */
static bool is_organization(json_t *c)
{
	const char *rt = str_of(c, "resourceType");
	return rt != NULL && strcmp(rt, "Organization") == 0;
}

int fhir_report_from_json(json_t *o, struct arena *a, struct result_new *out, const char **why)
{
	memset(out, 0, sizeof(*out));
	*why = "status must be preliminary, final, corrected or amended";
	if (result_status_parse(str_of(o, "status"), &out->status) != 0)
		return -1;
	*why = "identifier[0].value (the laboratory's id for the report) is required";
	const char *acc = str_of(json_array_get(json_object_get(o, "identifier"), 0), "value");
	if (acc == NULL || acc[0] == '\0' || strlen(acc) > RESULT_ACCESSION_MAX)
		return -1;
	out->accession = arena_strdup(a, acc);
	*why = "effectiveDateTime (collected) and issued (reported) are required dates";
	if (fhir_parse_datetime(str_of(o, "effectiveDateTime"), &out->collected) != 0 ||
	    fhir_parse_datetime(str_of(o, "issued"), &out->reported) != 0)
		return -1;
	*why = "performer[0] (the laboratory: a display, or a contained Organization's name) is "
	       "required";
	const char *lab = fhir_performer_name(o);
	if (lab == NULL)
		return -1;
	out->lab = arena_strdup(a, lab);
	out->conclusion = dup_or_null(a, str_of(o, "conclusion"));
	json_t *contained = json_object_get(o, "contained");
	*why = "contained must hold 1 to 24 Observations (and at most the laboratory besides)";
	if (!json_is_array(contained))
		return -1;
	size_t i, n = 0;
	json_t *c;
	json_array_foreach(contained, i, c)
	{
		if (is_organization(c))
			continue;
		if (n == RESULT_MAX_OBSERVATIONS)
			return -1;
		const char *bad = parse_observation(c, a, &out->obs[n]);
		if (bad != NULL) {
			*why = bad;
			return -1;
		}
		out->n_obs = ++n;
	}
	if (n == 0)
		return -1;
	*why = NULL;
	return (out->accession && out->lab) ? 0 : -1;
}

int fhir_report_parse(const char *json, size_t len, struct arena *a, struct result_new *out,
		      const char **why)
{
	memset(out, 0, sizeof(*out));
	json_error_t err;
	json_t *o = json_loadb(json, len, JSON_REJECT_DUPLICATES, &err);
	int rc = -1;
	*why = "The body is not valid JSON";
	if (!json_is_object(o))
		goto out;
	*why = "resourceType must be DiagnosticReport";
	const char *rt = str_of(o, "resourceType");
	if (rt == NULL || strcmp(rt, "DiagnosticReport") != 0)
		goto out;
	*why = "subject.reference must be Patient/{id}";
	const char *subject = str_of(json_object_get(o, "subject"), "reference");
	struct id patient;
	if (subject == NULL || strncmp(subject, "Patient/", 8) != 0 ||
	    id_parse(&patient, subject + 8, strlen(subject + 8)) != 0)
		goto out;
	rc = fhir_report_from_json(o, a, out, why);
	out->patient = patient;
out:
	json_decref(o);
	return rc;
}

/* --- rendering --- */

static bool looks_loinc(const char *code)
{
	if (code == NULL)
		return false;
	size_t n = strlen(code), i = 0;
	while (i < n && code[i] >= '0' && code[i] <= '9')
		i++;
	return i >= 1 && i <= 7 && i + 2 == n && code[i] == '-' && code[i + 1] >= '0' &&
	       code[i + 1] <= '9';
}

static json_t *quantity(double v, const char *unit)
{
	json_t *q = json_pack("{s:f}", "value", v);
	if (q && unit && unit[0]) {
		json_object_set_new(q, "unit", json_string(result_unit_display(unit)));
		json_object_set_new(q, "system", json_string(ucum_system));
		json_object_set_new(q, "code", json_string(unit));
	}
	return q;
}

static void obs_id(const struct result_view *v, size_t i, char out[64])
{
	char hex[ID_HEX_LEN + 1];
	id_hex(&v->id, hex);
	snprintf(out, 64, "%s-%zu", hex, i);
}

static const char *obs_status(const struct result_view *v, const struct observation *o)
{
	if (v->status == RESULT_PRELIMINARY)
		return "preliminary";
	return o->was ? "corrected" : "final";
}

/* The performing laboratory (the ORU's sending facility, the imported or posted report's
 * performer): a contained Organization named as received, which performer references (its
 * display kept for clients that read only that). IPS requires performer on every result. */
static const char lab_ref[] = "#lab";
static void add_lab(json_t *j, const struct result_view *v)
{
	const char *lab = v->lab && v->lab[0] ? v->lab : "Laboratory";
	json_object_set_new(j, "contained", json_pack("[{s:s, s:s, s:s}]", "resourceType",
						      "Organization", "id", lab_ref + 1, "name", lab));
	json_object_set_new(j, "performer", json_pack("[{s:s, s:s, s:s}]", "reference", lab_ref,
						      "type", "Organization", "display", lab));
}

static json_t *observation_json(const struct result_view *v, size_t i)
{
	const struct observation *o = &v->obs[i];
	char id[64], pid[ID_HEX_LEN + 1], collected[32], reported[32], subject[48];
	obs_id(v, i, id);
	id_hex(&v->patient, pid);
	snprintf(subject, sizeof(subject), "Patient/%s", pid);
	fhir_instant(v->collected, collected);
	fhir_instant(v->reported, reported);
	json_t *code = json_pack("{s:s}", "text", o->display ? o->display : "");
	if (code && looks_loinc(o->code))
		json_object_set_new(code, "coding",
				    json_pack("[{s:s, s:s, s:s}]", "system", loinc_system, "code",
					      o->code, "display", o->display ? o->display : o->code));
	json_t *j = json_pack("{s:s, s:s, s:s, s:[{s:[{s:s, s:s, s:s}]}], s:o, s:{s:s}, s:s, s:s}",
			      "resourceType", "Observation", "id", id, "status", obs_status(v, o),
			      "category", "coding", "system", category_system, "code", "laboratory",
			      "display", "Laboratory", "code", code, "subject", "reference", subject,
			      "effectiveDateTime", collected, "issued", reported);
	if (j == NULL)
		return NULL;
	add_lab(j, v);
	fhir_meta_version(j, v->version, v->updated); /* the report's: filed, corrected, released with it */
	if (o->has_value)
		json_object_set_new(j, "valueQuantity", quantity(o->value, o->unit));
	else if (o->value_text && o->value_text[0])
		json_object_set_new(j, "valueString", json_string(o->value_text));
	else /* no value came (FHIR allows no empty string; IPS ips-2 wants a value or why not) */
		json_object_set_new(j, "dataAbsentReason",
				    json_pack("{s:[{s:s, s:s}]}", "coding", "system",
					      "http://terminology.hl7.org/CodeSystem/data-absent-reason",
					      "code", "unknown"));
	if (result_flag_code(o->flag))
		json_object_set_new(j, "interpretation",
				    json_pack("[{s:[{s:s, s:s, s:s}], s:s}]", "coding", "system",
					      interp_system, "code", result_flag_code(o->flag),
					      "display", result_flag_words(o->flag), "text",
					      result_flag_words(o->flag)));
	if (o->has_low || o->has_high || o->range_text) {
		json_t *r = json_object();
		if (o->has_low)
			json_object_set_new(r, "low", quantity(o->low, o->unit));
		if (o->has_high)
			json_object_set_new(r, "high", quantity(o->high, o->unit));
		if (o->range_text)
			json_object_set_new(r, "text", json_string(o->range_text));
		json_object_set_new(j, "referenceRange", json_pack("[o]", r));
	}
	json_t *notes = json_array();
	if (o->note)
		json_array_append_new(notes, json_pack("{s:s}", "text", o->note));
	if (o->was) {
		char line[300];
		snprintf(line, sizeof(line), "Corrected result: previously %s", o->was);
		json_array_append_new(notes, json_pack("{s:s}", "text", line));
	}
	if (json_array_size(notes))
		json_object_set_new(j, "note", notes);
	else
		json_decref(notes);
	fhir_claim_profile(j, fhir_profile_ips_lab_observation);
	return j;
}

static json_t *report_json(const struct result_view *v)
{
	char id[ID_HEX_LEN + 1], pid[ID_HEX_LEN + 1], collected[32], reported[32], subject[48];
	id_hex(&v->id, id);
	id_hex(&v->patient, pid);
	snprintf(subject, sizeof(subject), "Patient/%s", pid);
	fhir_instant(v->collected, collected);
	fhir_instant(v->reported, reported);
	const char *label = result_kind_info(v->kind)->label;
	json_t *j = json_pack(
		"{s:s, s:s, s:s, s:[{s:[{s:s, s:s, s:s}], s:s}], s:{s:[{s:s, s:s, s:s}], s:s},"
		" s:{s:s}, s:s, s:s, s:[]}",
		"resourceType", "DiagnosticReport", "id", id, "status", result_status_code(v->status),
		"category", "coding", "system", v2_0074, "code", "LAB", "display", "Laboratory",
		"text", label, "code", "coding", "system", loinc_system, "code", "11502-2", "display",
		"Laboratory report", "text", label, "subject", "reference", subject,
		"effectiveDateTime", collected, "issued", reported, "result");
	if (j == NULL)
		return NULL;
	add_lab(j, v);
	fhir_claim_profile(j, fhir_profile_ips_report);
	fhir_meta_version(j, v->version, v->updated);
	if (v->accession)
		json_object_set_new(j, "identifier", json_pack("[{s:s}]", "value", v->accession));
	for (size_t i = 0; i < v->n_obs; i++) {
		char oid[64], ref[96];
		obs_id(v, i, oid);
		snprintf(ref, sizeof(ref), "Observation/%s", oid);
		json_array_append_new(json_object_get(j, "result"), json_pack("{s:s}", "reference", ref));
	}
	if (v->conclusion)
		json_object_set_new(j, "conclusion", json_string(v->conclusion));
	if (v->comment)
		json_object_set_new(j, "extension", json_pack("[{s:s, s:s}]", "url", comment_extension,
							      "valueString", v->comment));
	return j;
}

/* --- interactions --- */

/* Search: the date is when the sample was collected (effectiveDateTime), _lastUpdated when
 * the report was issued; every report is a laboratory report (category LAB, code 11502-2), so
 * those match all or nothing. The values are sealed: Observation's code is matched after
 * opening (fhir_observation_search). */
static const char *const lab_values[] = {"lab"};
static const struct search_code report_categories[] = {{v2_0074, "LAB", 1}};
static const struct search_code report_codes[] = {{loinc_system, "11502-2", 1}};
static const struct search_code observation_categories[] = {{category_system, "laboratory", 1}};
static const char effective_doc[] = "When the sample was collected (effectiveDateTime).";
static const char issued_doc[] = "When the report last changed (meta.lastUpdated): issued, or its "
				 "last correction or release.";
static const struct search_param report_params[] = {
	{"category", SP_TOKEN, report_categories, 1,
	 "LAB (http://terminology.hl7.org/CodeSystem/v2-0074): every report here is one."},
	{"code", SP_TOKEN, report_codes, 1,
	 "11502-2 (http://loinc.org, Laboratory report): every report here is one."},
	{"date", SP_DATE, NULL, 0, effective_doc},
};
static const struct search_param observation_params[] = {
	{"category", SP_TOKEN, observation_categories, 1,
	 "laboratory (http://terminology.hl7.org/CodeSystem/observation-category): every "
	 "observation here is one."},
	{"code", SP_CODE, NULL, 0,
	 "A LOINC code (a test over time), or system|code; comma lists. Matched after the "
	 "report is opened (values are sealed at rest)."},
	{"date", SP_DATE, NULL, 0, effective_doc},
};
const struct search_spec fhir_report_spec = {
	.type = "DiagnosticReport",
	.params = report_params,
	.n_params = sizeof(report_params) / sizeof(report_params[0]),
	.values = lab_values,
	.n_values = 1,
	.updated_doc = issued_doc,
	.subject = true,
};
const struct search_spec fhir_observation_spec = {
	.type = "Observation",
	.params = observation_params,
	.n_params = sizeof(observation_params) / sizeof(observation_params[0]),
	.values = lab_values,
	.n_values = 1,
	.updated_doc = issued_doc,
	.subject = true,
	.pages_of = "DiagnosticReport",
};

static int64_t report_key(const void *row, enum store_sort sort)
{
	const struct result_view *v = row;
	return sort == STORE_SORT_UPDATED ? v->updated : v->collected;
}

static const struct id *report_id(const void *row)
{
	return &((const struct result_view *)row)->id;
}

static json_t *report_render(struct request *req, const void *row)
{
	(void)req;
	return report_json(row);
}

/* A page of results for spec's search: ERR_OK, or the domain's refusal (-1: answered). */
static int results_page(struct request *req, struct response *res, const struct search_spec *spec,
			struct fhir_search *s, struct search_call *c, struct result_view **rs,
			size_t *n)
{
	if (fhir_search_start(req, res, spec, s, c) != 0)
		return -1;
	return s->patient_bad ? ERR_NOT_FOUND
			      : result_search(&req->actor, &s->patient, true, &c->page, &req->arena,
					      rs, n, &c->info);
}

void fhir_report_search(struct request *req, struct response *res)
{
	struct fhir_search s;
	struct search_call c;
	struct result_view *rs = NULL;
	size_t n = 0;
	int rc = results_page(req, res, &fhir_report_spec, &s, &c, &rs, &n);
	if (rc >= 0)
		fhir_search_done(req, res, &s, &fhir_report_spec, &c, rc,
				 &(struct search_rows){rs, n, sizeof(*rs), report_key, report_id,
						       report_render});
}

void fhir_report_read(struct request *req, struct response *res)
{
	struct id id;
	struct result_view v;
	int rc = request_param_id(req, 0, &id) == 0
			 ? result_read(&req->actor, &id, "DiagnosticReport", &req->arena, &v)
			 : ERR_NOT_FOUND;
	if (rc != ERR_OK) {
		fhir_domain_error(req, res, rc, "DiagnosticReport");
		return;
	}
	fhir_respond_read(req, res, report_json(&v), v.version, v.updated);
}

void fhir_report_create(struct request *req, struct response *res)
{
	if (!fhir_json_body(req, res))
		return;
	struct result_new *r = arena_alloc(&req->arena, sizeof(*r));
	const char *why = NULL;
	if (r == NULL) {
		fhir_error(req, res, 500, "The request could not be completed");
		return;
	}
	if (fhir_report_parse(req->body.data ? req->body.data : "", req->body.len, &req->arena, r,
			      &why) != 0) {
		fhir_error(req, res, 400, why ? why : "Invalid DiagnosticReport");
		return;
	}
	struct result_view v;
	int rc = result_file(&req->actor, r, &req->arena, &v, &why);
	if (rc == ERR_INVALID) {
		fhir_error(req, res, 400, why ? why : "Invalid DiagnosticReport");
		return;
	}
	if (rc != ERR_OK) {
		fhir_domain_error(req, res, rc, "Patient");
		return;
	}
	fhir_respond_created(req, res, v.corrected ? 200 : 201, "DiagnosticReport", &v.id,
			     report_json(&v));
}

/* The comment of a $release: a Parameters resource with an optional "comment" valueString, or
 * no body at all. 0, or -1 with *why. */
static int release_comment(const char *json, size_t len, struct arena *a, const char **comment,
			   const char **why)
{
	*comment = NULL;
	if (len == 0)
		return 0;
	json_t *o = json_loadb(json, len, JSON_REJECT_DUPLICATES, NULL);
	json_t *params = json_object_get(o, "parameter");
	int rc = -1;
	*why = "Send a Parameters resource (with an optional comment), or nothing";
	if (!json_is_object(o) || str_of(o, "resourceType") == NULL ||
	    strcmp(str_of(o, "resourceType"), "Parameters") != 0 ||
	    (params != NULL && !json_is_array(params)))
		goto out;
	size_t i;
	json_t *p;
	json_array_foreach(params, i, p)
	{
		const char *name = str_of(p, "name");
		*why = "The only parameter is comment, a valueString";
		if (name == NULL || strcmp(name, "comment") != 0 || str_of(p, "valueString") == NULL ||
		    *comment != NULL)
			goto out;
		*comment = arena_strdup(a, str_of(p, "valueString"));
	}
	*why = NULL;
	rc = 0;
out:
	json_decref(o);
	return rc;
}

void fhir_report_release(struct request *req, struct response *res)
{
	if (req->body.len > 0 && !fhir_json_body(req, res))
		return;
	struct id id;
	const char *comment = NULL, *why = NULL;
	if (release_comment(req->body.data ? req->body.data : "", req->body.len, &req->arena, &comment,
			    &why) != 0) {
		fhir_error(req, res, 400, why);
		return;
	}
	int rc = request_param_id(req, 0, &id) == 0
			 ? result_release(&req->actor, &id, comment, &req->arena, &why)
			 : ERR_NOT_FOUND;
	struct result_view v;
	if (rc == ERR_OK)
		rc = result_read(&req->actor, &id, "DiagnosticReport", &req->arena, &v);
	if (rc == ERR_INVALID) {
		fhir_error(req, res, 400, why ? why : "The result was not released");
		return;
	}
	if (rc != ERR_OK) {
		fhir_domain_error(req, res, rc, "DiagnosticReport");
		return;
	}
	fhir_respond(req, res, 200, report_json(&v));
}

/* Whether an observation's code is one the search's code list names (no list: every one). */
static bool code_matches(const struct fhir_search *s, const char *code)
{
	if (!s->has_code)
		return true;
	for (size_t i = 0; code && i < s->n_code; i++) {
		const struct search_kv *c = &s->code[i];
		bool system_ok = c->name == NULL || c->name_len == 0 ||
				 (c->name_len == strlen(loinc_system) &&
				  memcmp(c->name, loinc_system, c->name_len) == 0);
		if (system_ok && strlen(code) == c->value_len && memcmp(code, c->value, c->value_len) == 0)
			return true;
	}
	return false;
}

/* Observations are paged by their reports: a page holds the matching observations of up to
 * _count reports, and its links move from report to report. No total: the observations of a
 * report are counted only once it is opened. */
void fhir_observation_search(struct request *req, struct response *res)
{
	if (fhir_vitals_asked(req)) { /* the health summary's (fhir_summary.c) */
		fhir_vital_search(req, res);
		return;
	}
	struct fhir_search s;
	struct search_call c;
	struct result_view *rs = NULL;
	size_t n = 0;
	int rc = results_page(req, res, &fhir_observation_spec, &s, &c, &rs, &n);
	if (rc != ERR_OK) {
		if (rc > 0)
			fhir_domain_error(req, res, rc, "Patient");
		return;
	}
	struct page_keys k = {.n = n};
	if (n > 0) {
		const struct result_view *first = &rs[s.cursor_prev ? n - 1 : 0];
		const struct result_view *last = &rs[s.cursor_prev ? 0 : n - 1];
		k.first_t = report_key(first, s.page.sort);
		k.last_t = report_key(last, s.page.sort);
		k.first_id = first->id;
		k.last_id = last->id;
	}
	json_t *b = fhir_search_bundle(req, &s, &fhir_observation_spec, &c.info, &k);
	for (size_t i = 0; b && i < n; i++) {
		const struct result_view *v = &rs[s.cursor_prev ? n - 1 - i : i];
		for (size_t o = 0; o < v->n_obs; o++) {
			if (!code_matches(&s, v->obs[o].code))
				continue;
			char oid[64];
			obs_id(v, o, oid);
			fhir_search_entry(req, b, "Observation", oid, observation_json(v, o));
		}
	}
	fhir_respond(req, res, b ? 200 : 500, b);
}

/* An Observation id: the report's id, '-', the observation's place in it. */
static int parse_obs_id(struct slice s, struct id *report, size_t *index)
{
	if (s.ptr == NULL || s.len < ID_HEX_LEN + 2 || s.len > ID_HEX_LEN + 3 ||
	    s.ptr[ID_HEX_LEN] != '-' || id_parse(report, s.ptr, ID_HEX_LEN) != 0)
		return -1;
	int v;
	if (digits(s.ptr + ID_HEX_LEN + 1, (int)(s.len - ID_HEX_LEN - 1), &v) != 0 ||
	    v >= RESULT_MAX_OBSERVATIONS)
		return -1;
	*index = (size_t)v;
	return 0;
}

void fhir_observation_read(struct request *req, struct response *res)
{
	struct id id;
	size_t index = 0;
	struct result_view v;
	if (req->params[0].len == ID_HEX_LEN) { /* a vital sign's id: no "-n" of a report */
		fhir_vital_read(req, res);
		return;
	}
	int rc = parse_obs_id(req->params[0], &id, &index) == 0
			 ? result_read(&req->actor, &id, "Observation", &req->arena, &v)
			 : ERR_NOT_FOUND;
	if (rc == ERR_OK && index >= v.n_obs)
		rc = ERR_NOT_FOUND;
	if (rc != ERR_OK) {
		fhir_domain_error(req, res, rc, "Observation");
		return;
	}
	fhir_respond_read(req, res, observation_json(&v, index), v.version, v.updated);
}

int fhir_results_everything(const struct actor *a, const struct id *patient,
			    const struct store_page *pg, struct everything_page *p)
{
	struct result_view *rs = NULL;
	struct page_info info = {0};
	int rc = result_search(a, patient, true, pg, p->ar, &rs, &p->n, &info);
	if (rc != ERR_OK)
		return rc;
	for (size_t i = 0; i < p->n; i++) {
		json_array_append_new(p->entries, json_pack("{s:o}", "resource", report_json(&rs[i])));
		for (size_t k = 0; k < rs[i].n_obs; k++)
			json_array_append_new(p->entries,
					      json_pack("{s:o}", "resource", observation_json(&rs[i], k)));
		p->last_t = report_key(&rs[i], STORE_SORT_DATE);
		p->last_id = rs[i].id;
	}
	p->more = info.more;
	return ERR_OK;
}

void fhir_results_capability(json_t *resources)
{
	json_t *r = json_pack(
		"{s:s, s:[{s:s},{s:s},{s:s}], s:[{s:s, s:s, s:s}]}", "type", "DiagnosticReport",
		"interaction", "code", "read", "code", "search-type", "code", "create", "operation",
		"name", "release", "definition",
		"https://medkeep.nz/fhir/OperationDefinition/DiagnosticReport-release", "documentation",
		"POST DiagnosticReport/{id}/$release (staff of the patient's practice): release "
		"the result to the patient now, with an optional Parameters.comment. Patients and "
		"proxies see released results only; create files a report with its Observations "
		"contained, and the same identifier again corrects it.");
	fhir_search_capability(r, &fhir_report_spec);
	fhir_supported_profile(r, fhir_profile_ips_report);
	json_array_append_new(resources, r);
	r = json_pack("{s:s, s:[{s:s},{s:s}]}", "type", "Observation", "interaction", "code", "read",
		      "code", "search-type");
	fhir_search_capability(r, &fhir_observation_spec);
	fhir_vitals_capability(r);
	fhir_supported_profile(r, fhir_profile_ips_lab_observation);
	json_array_append_new(resources, r);
}
