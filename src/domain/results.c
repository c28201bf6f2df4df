/*
 * Lab results: filing (and correcting), listing, reading and releasing, the clinician's inbox,
 * the practice's release rules and the patient's "after my clinician has commented" choice.
 * Every service asks the gate, audits and seals like the document services in documents.c; the
 * rule that patients and proxies never see an unreleased result lives in the store
 * (store/results.h), below every one of these.
 */
#include "domain/results.h"
#include "domain/notify.h"
#include "domain/domain_int.h"
#include "domain/results_int.h"

#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "audit/audit.h"
#include "limits.h"
#include "store/results.h"
#include "util/log.h"
#include "util/wipe.h"
#include "vault/vault.h"

/* --- vocabularies --- */

static const struct result_kind_info kinds[RESULT_KIND_COUNT] = {
	[RESULT_HAEMATOLOGY] = {"haematology", "Blood count and iron", false},
	[RESULT_BIOCHEMISTRY] = {"biochemistry", "Blood chemistry", false},
	[RESULT_CANCER_MARKER] = {"cancer-marker", "Cancer marker", true},
	[RESULT_PREGNANCY] = {"pregnancy", "Pregnancy test", true},
	[RESULT_SEXUAL_HEALTH] = {"sexual-health", "Sexual health", true},
	[RESULT_OTHER] = {"other", "Other test", false},
};

const struct result_kind_info *result_kind_info(enum result_kind k)
{
	return (k >= 0 && k < RESULT_KIND_COUNT) ? &kinds[k] : &kinds[RESULT_OTHER];
}

int result_kind_parse(const char *slug, enum result_kind *out)
{
	for (int k = 0; slug && k < RESULT_KIND_COUNT; k++)
		if (strcmp(kinds[k].slug, slug) == 0) {
			*out = (enum result_kind)k;
			return 0;
		}
	return -1;
}

static const char *const status_codes[] = {"preliminary", "final", "corrected"};

const char *result_status_code(enum result_status s)
{
	return (s >= RESULT_PRELIMINARY && s <= RESULT_CORRECTED) ? status_codes[s] : "final";
}

int result_status_parse(const char *code, enum result_status *out)
{
	for (int i = 0; code && i < 3; i++)
		if (strcmp(code, status_codes[i]) == 0) {
			*out = (enum result_status)i;
			return 0;
		}
	/* FHIR's "amended" is a correction too */
	if (code && strcmp(code, "amended") == 0) {
		*out = RESULT_CORRECTED;
		return 0;
	}
	return -1;
}

static const struct {
	const char *code, *words;
} flags[] = {
	[FLAG_NONE] = {NULL, ""},
	[FLAG_NORMAL] = {"N", "Normal"},
	[FLAG_LOW] = {"L", "Low"},
	[FLAG_HIGH] = {"H", "High"},
	[FLAG_CRITICAL_LOW] = {"LL", "Critically low"},
	[FLAG_CRITICAL_HIGH] = {"HH", "Critically high"},
	[FLAG_ABNORMAL] = {"A", "Abnormal"},
};

const char *result_flag_code(enum result_flag f)
{
	return (f >= FLAG_NONE && f <= FLAG_ABNORMAL) ? flags[f].code : NULL;
}

const char *result_flag_words(enum result_flag f)
{
	return (f >= FLAG_NONE && f <= FLAG_ABNORMAL) ? flags[f].words : "";
}

int result_flag_parse(const char *code, enum result_flag *out)
{
	for (int i = FLAG_NORMAL; code && i <= FLAG_ABNORMAL; i++)
		if (strcmp(flags[i].code, code) == 0) {
			*out = (enum result_flag)i;
			return 0;
		}
	return -1;
}

enum result_abnormal result_flag_severity(enum result_flag f)
{
	switch (f) {
	case FLAG_CRITICAL_LOW:
	case FLAG_CRITICAL_HIGH:
		return ABNORMAL_CRITICAL;
	case FLAG_LOW:
	case FLAG_HIGH:
	case FLAG_ABNORMAL:
		return ABNORMAL_SOME;
	default:
		return ABNORMAL_NONE;
	}
}

/* Tests a general practice orders often, with the units New Zealand laboratories report. */
static const struct result_test tests[] = {
	{"4548-4", "HbA1c", "mmol/mol", RESULT_BIOCHEMISTRY},
	{"2160-0", "Creatinine", "umol/L", RESULT_BIOCHEMISTRY},
	{"62238-1", "eGFR", "mL/min/{1.73_m2}", RESULT_BIOCHEMISTRY},
	{"2823-3", "Potassium", "mmol/L", RESULT_BIOCHEMISTRY},
	{"2951-2", "Sodium", "mmol/L", RESULT_BIOCHEMISTRY},
	{"3016-3", "TSH", "m[IU]/L", RESULT_BIOCHEMISTRY},
	{"2093-3", "Total cholesterol", "mmol/L", RESULT_BIOCHEMISTRY},
	{"13457-7", "LDL cholesterol", "mmol/L", RESULT_BIOCHEMISTRY},
	{"2085-9", "HDL cholesterol", "mmol/L", RESULT_BIOCHEMISTRY},
	{"1742-6", "ALT", "U/L", RESULT_BIOCHEMISTRY},
	{"718-7", "Haemoglobin", "g/L", RESULT_HAEMATOLOGY},
	{"6690-2", "White cell count", "10*9/L", RESULT_HAEMATOLOGY},
	{"777-3", "Platelets", "10*9/L", RESULT_HAEMATOLOGY},
	{"2276-4", "Ferritin", "ug/L", RESULT_HAEMATOLOGY},
	{"2857-1", "PSA", "ug/L", RESULT_CANCER_MARKER},
	{"10334-1", "CA-125", "U/mL", RESULT_CANCER_MARKER},
	{"2106-3", "hCG (pregnancy test)", "", RESULT_PREGNANCY},
	{"21440-3", "HPV (cervical screening)", "", RESULT_SEXUAL_HEALTH},
	{"43304-5", "Chlamydia", "", RESULT_SEXUAL_HEALTH},
};

const struct result_test *result_test_by_loinc(const char *loinc)
{
	for (size_t i = 0; loinc && i < sizeof(tests) / sizeof(tests[0]); i++)
		if (strcmp(tests[i].loinc, loinc) == 0)
			return &tests[i];
	return NULL;
}

/* --- pure rules --- */

enum result_flag result_flag_from_range(const struct observation *o)
{
	if (!o->has_value)
		return FLAG_NONE;
	if (o->has_low && o->value < o->low)
		return FLAG_LOW;
	if (o->has_high && o->value > o->high)
		return FLAG_HIGH;
	return (o->has_low || o->has_high) ? FLAG_NORMAL : FLAG_NONE;
}

/* Which kind wins when a report mixes them: a sensitive kind anywhere holds the whole report. */
static int kind_rank(enum result_kind k)
{
	if (result_kind_info(k)->sensitive)
		return 3 + (int)k;
	return k == RESULT_OTHER ? 2 : k == RESULT_BIOCHEMISTRY ? 1 : 0;
}

enum result_kind result_kind_of(const struct observation *obs, size_t n)
{
	enum result_kind best = RESULT_OTHER;
	int rank = -1;
	for (size_t i = 0; i < n; i++) {
		const struct result_test *t = result_test_by_loinc(obs[i].code);
		enum result_kind k = t ? t->kind : RESULT_OTHER;
		if (kind_rank(k) > rank) {
			rank = kind_rank(k);
			best = k;
		}
	}
	return best;
}

int64_t result_auto_release_at(const struct result_rule *rule, enum result_kind kind,
			       enum result_abnormal abnormal, enum result_status status,
			       int64_t reported)
{
	if (rule == NULL || !rule->auto_release || rule->kind != kind)
		return 0;
	if (result_kind_info(kind)->sensitive || abnormal != ABNORMAL_NONE ||
	    status == RESULT_PRELIMINARY)
		return 0;
	if (rule->days < 0 || rule->days > RESULT_RULE_MAX_DAYS || reported <= 0)
		return 0;
	return reported + (int64_t)rule->days * 86400;
}

/* --- the sealed body --- */

static json_t *obs_json(const struct observation *o)
{
	json_t *j = json_object();
	if (j == NULL)
		return NULL;
	json_object_set_new(j, "code", json_string(o->code ? o->code : ""));
	json_object_set_new(j, "display", json_string(o->display ? o->display : ""));
	if (o->has_value)
		json_object_set_new(j, "value", json_real(o->value));
	if (o->value_text)
		json_object_set_new(j, "text", json_string(o->value_text));
	if (o->unit)
		json_object_set_new(j, "unit", json_string(o->unit));
	if (o->has_low)
		json_object_set_new(j, "low", json_real(o->low));
	if (o->has_high)
		json_object_set_new(j, "high", json_real(o->high));
	if (o->range_text)
		json_object_set_new(j, "range", json_string(o->range_text));
	if (result_flag_code(o->flag))
		json_object_set_new(j, "flag", json_string(result_flag_code(o->flag)));
	if (o->note)
		json_object_set_new(j, "note", json_string(o->note));
	if (o->was)
		json_object_set_new(j, "was", json_string(o->was));
	return j;
}

/* The body as compact JSON in the arena (NULL on failure); the caller wipes it after sealing. */
static char *body_encode(const struct result_view *v, struct arena *ar, size_t *len)
{
	json_t *o = json_object();
	json_t *arr = json_array();
	if (o == NULL || arr == NULL) {
		json_decref(o);
		json_decref(arr);
		return NULL;
	}
	json_object_set_new(o, "lab", json_string(v->lab ? v->lab : ""));
	if (v->conclusion)
		json_object_set_new(o, "conclusion", json_string(v->conclusion));
	if (v->comment)
		json_object_set_new(o, "comment", json_string(v->comment));
	for (size_t i = 0; i < v->n_obs; i++)
		json_array_append_new(arr, obs_json(&v->obs[i]));
	json_object_set_new(o, "obs", arr);
	char *s = json_dumps(o, JSON_COMPACT | JSON_REAL_PRECISION(10));
	json_decref(o);
	if (s == NULL)
		return NULL;
	*len = strlen(s);
	char *copy = arena_strndup(ar, s, *len);
	wipe(s, *len);
	free(s);
	return copy;
}

static bool opt_num(json_t *o, const char *k, double *out)
{
	json_t *v = json_object_get(o, k);
	if (!json_is_number(v))
		return false;
	*out = json_number_value(v);
	return true;
}

static int body_decode(const char *json, size_t n, struct arena *ar, struct result_view *v)
{
	json_t *o = json_loadb(json, n, 0, NULL);
	json_t *arr = json_object_get(o, "obs");
	int rc = -1;
	if (!json_is_object(o) || !json_is_array(arr) || json_array_size(arr) > RESULT_MAX_OBSERVATIONS)
		goto out;
	v->lab = domain_json_str(o, "lab", ar);
	v->conclusion = domain_json_str(o, "conclusion", ar);
	v->comment = domain_json_str(o, "comment", ar);
	v->n_obs = json_array_size(arr);
	v->obs = arena_calloc(ar, v->n_obs ? v->n_obs : 1, sizeof(*v->obs));
	if (v->obs == NULL)
		goto out;
	for (size_t i = 0; i < v->n_obs; i++) {
		json_t *j = json_array_get(arr, i);
		struct observation *ob = &v->obs[i];
		ob->code = domain_json_str(j, "code", ar);
		ob->display = domain_json_str(j, "display", ar);
		ob->has_value = opt_num(j, "value", &ob->value);
		ob->value_text = domain_json_str(j, "text", ar);
		ob->unit = domain_json_str(j, "unit", ar);
		ob->has_low = opt_num(j, "low", &ob->low);
		ob->has_high = opt_num(j, "high", &ob->high);
		ob->range_text = domain_json_str(j, "range", ar);
		const char *f = json_string_value(json_object_get(j, "flag"));
		if (f == NULL || result_flag_parse(f, &ob->flag) != 0)
			ob->flag = FLAG_NONE;
		ob->note = domain_json_str(j, "note", ar);
		ob->was = domain_json_str(j, "was", ar);
	}
	rc = 0;
out:
	json_decref(o);
	return rc;
}

void result_view_from_row(const struct store_result *r, int64_t now, struct result_view *v)
{
	memset(v, 0, sizeof(*v));
	v->id = r->id;
	v->patient = r->patient;
	v->practice = r->practice;
	if (result_kind_parse(r->kind, &v->kind) != 0)
		v->kind = RESULT_OTHER;
	if (result_status_parse(r->status, &v->status) != 0)
		v->status = RESULT_FINAL;
	v->abnormal = r->abnormal >= ABNORMAL_CRITICAL ? ABNORMAL_CRITICAL
		      : r->abnormal > 0		     ? ABNORMAL_SOME
						     : ABNORMAL_NONE;
	v->collected = r->collected;
	v->reported = r->reported;
	v->created = r->created;
	v->version = r->version;
	v->updated = r->updated;
	v->release_at = r->release_at;
	v->released = r->release_at > 0 && r->release_at <= now;
	v->released_by_clinician = r->released_by_clinician;
	v->corrected = r->corrected;
	v->filed = r->reviewed;
	/* the view outlives the row (often on its caller's stack): one of the fixed words */
	v->filed_how = strcmp(r->review_action, "book") == 0	 ? "book"
		       : strcmp(r->review_action, "filed") == 0 ? "filed"
								 : "";
}

/* Open a row's sealed body into v (observations, lab, comments). */
static enum err open_body(const struct actor *a, const struct grant *g, const struct store_patient *p,
			  const struct store_result *r, struct arena *ar, struct result_view *v)
{
	struct buf pt;
	buf_init(&pt, ar, RECORD_PLAINTEXT_MAX + 1);
	int vrc = vault_record_open(a->token, g, p, VREC_RESULT, &r->id, r->body, &pt);
	if (vrc != ERR_OK)
		return domain_vault_failed(a, vrc);
	int rc = buf_cstr(&pt) && body_decode(pt.data, pt.len, ar, v) == 0 ? ERR_OK : ERR_INTERNAL;
	wipe(pt.data, pt.len);
	return rc;
}

/* Seal v's body for record `id` into *out (arena memory). */
static enum err seal_body(const struct actor *a, const struct grant *g, const struct store_patient *p,
			  const struct id *id, const struct result_view *v, struct arena *ar,
			  struct bytes *out)
{
	size_t len = 0;
	char *json = body_encode(v, ar, &len);
	if (json == NULL)
		return ERR_INTERNAL;
	if (len > RECORD_PLAINTEXT_MAX) {
		wipe(json, len);
		return ERR_INVALID;
	}
	struct buf ct;
	buf_init(&ct, ar, RECORD_PLAINTEXT_MAX + 512);
	int vrc = vault_record_seal(a->token, g, p, VREC_RESULT, id, json, len, &ct);
	wipe(json, len);
	if (vrc != ERR_OK)
		return domain_vault_failed(a, vrc);
	*out = (struct bytes){(const uint8_t *)ct.data, ct.len};
	return ERR_OK;
}

/* --- filing --- */

static bool text_ok(const char *s, size_t max, bool required)
{
	if (s == NULL || s[0] == '\0')
		return !required;
	size_t n = strlen(s);
	if (n > max)
		return false;
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)s[i] < 0x20 && s[i] != '\n' && s[i] != '\r' && s[i] != '\t')
			return false;
	return true;
}

static const char *validate_new(const struct result_new *r)
{
	if (r->n_obs == 0 || r->n_obs > RESULT_MAX_OBSERVATIONS)
		return "A result needs 1 to 24 observations.";
	if (!text_ok(r->accession, RESULT_ACCESSION_MAX, true))
		return "A result needs the laboratory's identifier (up to 64 characters).";
	if (!text_ok(r->lab, 200, true))
		return "A result needs the name of the laboratory that performed it.";
	if (!text_ok(r->conclusion, LIMIT_TEXT_FIELD, false))
		return "The laboratory's comment is too long (up to 1000 characters).";
	int64_t now = (int64_t)time(NULL);
	if (r->reported <= 0 || r->collected <= 0 || r->collected > r->reported + 60 ||
	    r->reported > now + 3600)
		return "Give when the sample was collected and when it was reported (not in the "
		       "future, collected before reported).";
	for (size_t i = 0; i < r->n_obs; i++) {
		const struct observation *o = &r->obs[i];
		if (!text_ok(o->code, RESULT_CODE_MAX, true) || !text_ok(o->display, 200, true))
			return "Each observation needs a code and a name.";
		if (o->has_value == (o->value_text != NULL) ||
		    (o->has_value && !isfinite(o->value)) || !text_ok(o->value_text, 200, false))
			return "Each observation needs one value: a number with its unit, or a text.";
		if (!text_ok(o->unit, 40, false) || !text_ok(o->range_text, 100, false) ||
		    !text_ok(o->note, LIMIT_TEXT_FIELD, false))
			return "An observation's unit, range or comment is too long.";
		if ((o->has_low && !isfinite(o->low)) || (o->has_high && !isfinite(o->high)) ||
		    (o->has_low && o->has_high && o->low > o->high))
			return "An observation's reference range is not a range.";
	}
	return NULL;
}

const char *result_unit_display(const char *ucum)
{
	static const struct {
		const char *ucum, *shown;
	} units[] = {
		{"mL/min/{1.73_m2}", "mL/min/1.73m²"},
		{"m[IU]/L", "mIU/L"},
		{"10*9/L", "×10⁹/L"},
		{"10*12/L", "×10¹²/L"},
		{"[IU]/L", "IU/L"},
	};
	for (size_t i = 0; ucum && i < sizeof(units) / sizeof(units[0]); i++)
		if (strcmp(units[i].ucum, ucum) == 0)
			return units[i].shown;
	return ucum ? ucum : "";
}

void result_value_text(const struct observation *o, char *out, size_t n)
{
	if (o->has_value)
		snprintf(out, n, "%g%s%s", o->value, o->unit && o->unit[0] ? " " : "",
			 result_unit_display(o->unit));
	else
		snprintf(out, n, "%s", o->value_text ? o->value_text : "");
}

/* A correction: mark each value that changed with what it was. */
static void mark_changes(struct result_view *now, const struct result_view *before, struct arena *ar)
{
	for (size_t i = 0; i < now->n_obs; i++) {
		struct observation *o = &now->obs[i];
		const struct observation *old = NULL;
		for (size_t k = 0; k < before->n_obs && old == NULL; k++)
			if (before->obs[k].code && o->code && strcmp(before->obs[k].code, o->code) == 0)
				old = &before->obs[k];
		char a[256], b[256];
		result_value_text(o, a, sizeof(a));
		if (old == NULL) {
			o->was = "not reported";
			continue;
		}
		result_value_text(old, b, sizeof(b));
		/* A value corrected twice keeps the first value the patient may have seen. */
		if (strcmp(a, b) != 0)
			o->was = arena_strdup(ar, b);
		else if (old->was)
			o->was = old->was;
	}
}

static bool same_str(const char *a, const char *b)
{
	return (a == NULL || a[0] == '\0') ? (b == NULL || b[0] == '\0') : (b != NULL && strcmp(a, b) == 0);
}

/* The same report filed again, value for value (a laboratory's feed resending a message whose
 * answer it lost): nothing to correct, so nothing changes. */
static bool same_report(const struct result_view *now, const struct result_view *before)
{
	if (now->n_obs != before->n_obs || !same_str(now->conclusion, before->conclusion))
		return false;
	for (size_t i = 0; i < now->n_obs; i++) {
		const struct observation *o = &now->obs[i], *b = &before->obs[i];
		char x[256], y[256];
		result_value_text(o, x, sizeof(x));
		result_value_text(b, y, sizeof(y));
		if (!same_str(o->code, b->code) || strcmp(x, y) != 0 || o->flag != b->flag ||
		    !same_str(o->note, b->note))
			return false;
	}
	return true;
}

static int practice_rule(const struct id *practice, enum result_kind kind, struct arena *ar,
			 struct result_rule *out)
{
	struct store_result_rule *rows;
	size_t n = 0;
	memset(out, 0, sizeof(*out));
	out->kind = kind;
	if (store_result_rules(practice, ar, &rows, &n) != ERR_OK)
		return -1;
	for (size_t i = 0; i < n; i++)
		if (strcmp(rows[i].kind, result_kind_info(kind)->slug) == 0) {
			out->auto_release = rows[i].auto_release;
			out->days = rows[i].days;
		}
	return 0;
}

/* Whether the patient sees results only once their clinician has commented (then a result
 * released without a comment is not shown, and not notified). Read failures count as yes:
 * better no notice than one about a result that is not there. */
static bool comment_first(const struct grant *g, const struct id *patient)
{
	bool cf = true;
	return store_result_pref_get(g, patient, &cf) != ERR_OK || cf;
}

/* The row of a report to file (its body sealed apart). */
static void row_of(const struct result_view *v, const char *accession, struct store_result *row)
{
	memset(row, 0, sizeof(*row));
	row->id = v->id;
	row->patient = v->patient;
	row->practice = v->practice;
	snprintf(row->kind, sizeof(row->kind), "%s", result_kind_info(v->kind)->slug);
	snprintf(row->status, sizeof(row->status), "%s", result_status_code(v->status));
	row->abnormal = (int)v->abnormal;
	snprintf(row->accession, sizeof(row->accession), "%s", accession);
	row->collected = v->collected;
	row->reported = v->reported;
	row->created = v->created;
	row->release_at = v->release_at;
	row->corrected = v->corrected;
	row->updated = v->updated;
}

enum err result_file(const struct actor *a, const struct result_new *r, struct arena *ar,
		     struct result_view *out, const char **why)
{
	*why = NULL;
	struct grant g;
	int rc = domain_gate(a, ACTION_RESULT_CREATE, &r->patient, "DiagnosticReport", NULL, &g);
	if (rc != ERR_OK)
		return rc;
	/* The gate lets only staff of the patient's practice file results; the practice whose
	 * inbox and rules it goes to is theirs. */
	if (!a->has_practice)
		return ERR_NOT_FOUND;
	if ((*why = validate_new(r)) != NULL)
		return ERR_INVALID;
	struct store_patient p;
	int s = store_patient_get(&g, &r->patient, ar, &p);
	if (s == ERR_GONE)
		return domain_gone(a, ACTION_RESULT_CREATE, &r->patient, "DiagnosticReport", NULL);
	if (s != ERR_OK)
		return ERR_INTERNAL;

	struct result_view v;
	memset(&v, 0, sizeof(v));
	v.patient = r->patient;
	v.practice = a->practice;
	v.status = r->status;
	v.collected = r->collected;
	v.reported = r->reported;
	v.created = (int64_t)time(NULL);
	v.accession = r->accession;
	v.lab = r->lab;
	v.conclusion = r->conclusion && r->conclusion[0] ? r->conclusion : NULL;
	v.n_obs = r->n_obs;
	v.obs = arena_calloc(ar, r->n_obs, sizeof(*v.obs));
	if (v.obs == NULL)
		return ERR_INTERNAL;
	memcpy(v.obs, r->obs, r->n_obs * sizeof(*v.obs));
	for (size_t i = 0; i < v.n_obs; i++) {
		v.obs[i].was = NULL;
		if (v.obs[i].flag == FLAG_NONE)
			v.obs[i].flag = result_flag_from_range(&v.obs[i]);
		if (result_flag_severity(v.obs[i].flag) > v.abnormal)
			v.abnormal = result_flag_severity(v.obs[i].flag);
	}
	v.kind = result_kind_of(v.obs, v.n_obs);

	/* The same report filed again is a correction: same record, the history kept in it. */
	struct store_result old;
	s = store_result_by_accession(&g, &r->patient, r->accession, ar, &old);
	if (s != ERR_OK && s != ERR_NOT_FOUND)
		return ERR_INTERNAL;
	bool replace = s == ERR_OK;
	if (replace) {
		struct result_view before;
		memset(&before, 0, sizeof(before));
		rc = open_body(a, &g, &p, &old, ar, &before);
		if (rc != ERR_OK)
			return rc;
		if (same_report(&v, &before)) {
			struct result_view kept = before;
			result_view_from_row(&old, (int64_t)time(NULL), out);
			out->accession = r->accession;
			out->lab = kept.lab;
			out->conclusion = kept.conclusion;
			out->comment = kept.comment;
			out->n_obs = kept.n_obs;
			out->obs = kept.obs;
			return ERR_OK;
		}
		v.id = old.id;
		v.created = old.created;
		v.comment = before.comment; /* the clinician's comment stays with the result */
		mark_changes(&v, &before, ar);
		v.corrected = true;
		v.status = RESULT_CORRECTED;
		v.released_by_clinician = old.released_by_clinician;
	} else {
		random_id(&v.id);
	}
	struct result_rule rule;
	if (practice_rule(&a->practice, v.kind, ar, &rule) != 0)
		return ERR_INTERNAL;
	v.release_at = result_auto_release_at(&rule, v.kind, v.abnormal, v.status, v.reported);

	/* One version more than the row replaced, changed now; a new one is 1 as issued. */
	v.version = replace ? old.version + 1 : 1;
	v.updated = replace ? (int64_t)time(NULL) : v.reported;
	struct store_result row;
	row_of(&v, r->accession, &row);
	rc = seal_body(a, &g, &p, &v.id, &v, ar, &row.body);
	if (rc == ERR_INVALID)
		*why = "The result is too large to store (fewer or shorter observations, please).";
	if (rc != ERR_OK)
		return rc;
	/* Audit first: a write that is not on record must not happen. */
	if (domain_audit(a, ACTION_RESULT_CREATE, &r->patient, "DiagnosticReport", &v.id, AUDIT_ALLOW,
			 (int64_t)row.body.len) != 0)
		return ERR_INTERNAL;
	s = store_result_put(&g, &row, replace);
	if (s == ERR_CONFLICT) {
		*why = "This laboratory identifier is being filed twice at once; try again.";
		return ERR_INVALID;
	}
	if (s != ERR_OK)
		return ERR_INTERNAL;
	if (replace && old.release_at > 0)
		v.release_at = old.release_at; /* the store kept the earlier release */
	v.released = v.release_at > 0 && v.release_at <= (int64_t)time(NULL);
	/* Released by the practice's rules (now or later): the patient is told then. A
	 * correction of a result they were told of already is no new result. */
	if (!replace && v.release_at > 0 && !comment_first(&g, &v.patient))
		notify_result_ready(a, &v.id, &v.patient, &v.practice, v.release_at, ar);
	*out = v;
	return ERR_OK;
}

/* --- reading --- */

enum err result_list(const struct actor *a, const struct id *patient, bool with_obs, struct arena *ar,
		     struct result_view **out, size_t *n)
{
	/* as always: the last issued first */
	static const struct store_page newest = {
		.sort = STORE_SORT_UPDATED, .desc = true, .limit = LIMIT_LIST};
	return result_search(a, patient, with_obs, &newest, ar, out, n, NULL);
}

enum err result_search(const struct actor *a, const struct id *patient, bool with_obs,
		       const struct store_page *pg, struct arena *ar, struct result_view **out,
		       size_t *n, struct page_info *info)
{
	*n = 0;
	struct grant g;
	int rc = domain_gate(a, ACTION_RESULT_LIST, patient, "DiagnosticReport", NULL, &g);
	if (rc != ERR_OK)
		return rc;
	struct store_patient p;
	int s = store_patient_get(&g, patient, ar, &p);
	if (s == ERR_GONE)
		return domain_gone(a, ACTION_RESULT_LIST, patient, "DiagnosticReport", NULL);
	int64_t now = (int64_t)time(NULL);
	struct store_result *rows;
	size_t count = 0;
	struct store_page ask;
	domain_page_begin(pg, &ask, info);
	if (s != ERR_OK ||
	    (info && info->want_total &&
	     store_result_count(&g, patient, now, &ask, &info->total) != ERR_OK) ||
	    store_result_list(&g, patient, now, &ask, ar, &rows, &count) != ERR_OK)
		return ERR_INTERNAL;
	count = domain_page_end(&ask, count, info);
	*out = arena_calloc(ar, count ? count : 1, sizeof(**out));
	if (*out == NULL)
		return ERR_INTERNAL;
	for (size_t i = 0; i < count; i++) {
		result_view_from_row(&rows[i], now, &(*out)[i]);
		/* The list shows the kind of test and its flags; values need the record opened. */
		if (with_obs && (rc = open_body(a, &g, &p, &rows[i], ar, &(*out)[i])) != ERR_OK)
			return rc;
	}
	/* One record per result served, so an incident report can name each one. */
	for (size_t i = 0; i < count; i++)
		if (domain_audit(a, ACTION_RESULT_LIST, patient, "DiagnosticReport", &rows[i].id,
				 AUDIT_ALLOW, with_obs ? (int64_t)rows[i].body.len : 0) != 0)
			return ERR_INTERNAL;
	if (count == 0 && domain_audit(a, ACTION_RESULT_LIST, patient, "DiagnosticReport", NULL,
				       AUDIT_ALLOW, 0) != 0)
		return ERR_INTERNAL;
	*n = count;
	return ERR_OK;
}

/* Gate and fetch one result for action; NOT_FOUND for missing, foreign and (for patients and
 * proxies) unreleased alike. */
enum err result_fetch(const struct actor *a, enum action action, const struct id *result,
		      const char *rtype, struct arena *ar, struct grant *g, struct store_patient *p,
		      struct store_result *row)
{
	struct target t;
	int s = store_result_target(result, &t);
	if (s == ERR_INTERNAL)
		return ERR_INTERNAL;
	if (s == ERR_NOT_FOUND)
		return domain_miss(a, action, NULL, rtype, result, AUDIT_NOT_FOUND);
	struct id patient = t.patient;
	int rc = domain_gate_target(a, action, &t, rtype, result, g);
	if (rc != ERR_OK)
		return rc;
	s = store_patient_get(g, &patient, ar, p);
	if (s == ERR_GONE)
		return domain_gone(a, action, &patient, rtype, result);
	if (s != ERR_OK)
		return ERR_INTERNAL;
	s = store_result_get(g, result, (int64_t)time(NULL), ar, row);
	if (s == ERR_NOT_FOUND) /* not released: the same answer as no such result */
		return domain_miss(a, action, &patient, rtype, result, AUDIT_NOT_FOUND);
	return s == ERR_OK ? ERR_OK : ERR_INTERNAL;
}

enum err result_read(const struct actor *a, const struct id *result, const char *rtype,
		     struct arena *ar, struct result_view *out)
{
	struct grant g;
	struct store_patient p;
	struct store_result row;
	int rc = result_fetch(a, ACTION_RESULT_READ, result, rtype, ar, &g, &p, &row);
	if (rc != ERR_OK)
		return rc;
	result_view_from_row(&row, (int64_t)time(NULL), out);
	rc = open_body(a, &g, &p, &row, ar, out);
	if (rc != ERR_OK)
		return rc;
	/* No audit, no access: the record is durable before anything leaves. */
	if (domain_audit(a, ACTION_RESULT_READ, &row.patient, rtype, result, AUDIT_ALLOW,
			 (int64_t)row.body.len) != 0)
		return ERR_INTERNAL;
	/* Shown to the person (not an app): no longer new on their home page (home.c). */
	if ((g.via == VIA_SELF || g.via == VIA_PROXY) &&
	    store_result_opened(&g, &row.patient, &a->account, result, (int64_t)time(NULL)) != ERR_OK)
		log_warn("component=results event=opened-mark-failed");
	return ERR_OK;
}

enum err result_release(const struct actor *a, const struct id *result, const char *comment,
			struct arena *ar, const char **why)
{
	*why = NULL;
	struct grant g;
	struct store_patient p;
	struct store_result row;
	int rc = result_fetch(a, ACTION_RESULT_RELEASE, result, "DiagnosticReport", ar, &g, &p, &row);
	if (rc != ERR_OK)
		return rc;
	if (comment && comment[0] == '\0')
		comment = NULL;
	if (!text_ok(comment, LIMIT_TEXT_FIELD, false)) {
		*why = "The comment is too long (up to 1000 characters) or holds control characters.";
		return ERR_INVALID;
	}
	if (row.released_by_clinician) {
		*why = "This result was released already.";
		return ERR_INVALID;
	}
	struct result_view v;
	result_view_from_row(&row, (int64_t)time(NULL), &v);
	rc = open_body(a, &g, &p, &row, ar, &v);
	if (rc != ERR_OK)
		return rc;
	v.comment = comment;
	struct bytes body;
	rc = seal_body(a, &g, &p, result, &v, ar, &body);
	if (rc != ERR_OK)
		return rc == ERR_INVALID ? (*why = "The comment is too long.", ERR_INVALID) : rc;
	if (domain_audit(a, ACTION_RESULT_RELEASE, &row.patient, "DiagnosticReport", result,
			 AUDIT_ALLOW, 0) != 0)
		return ERR_INTERNAL;
	int64_t now = (int64_t)time(NULL);
	int s = store_result_release(&g, result, now, comment != NULL, body);
	if (s != ERR_OK)
		return ERR_INTERNAL;
	/* Not shown to the patient until now (a release the rules had not made yet, or a comment
	 * the patient waits for): tell them, and withdraw a notice scheduled for later. */
	bool cf = comment_first(&g, &row.patient);
	bool was_shown = row.release_at > 0 && row.release_at <= now && (row.commented || !cf);
	if (!was_shown && (comment != NULL || !cf))
		notify_result_ready(a, result, &row.patient, &row.practice, now, ar);
	return ERR_OK;
}

/* --- the clinician's side --- */

/* Audit a decision about a practice setting or page (no patient). */
enum err result_audit_practice(const struct actor *a, const char *action, bool ok)
{
	struct audit_event e = {.actor = a, .action = action, .rtype = "-",
				.outcome = ok ? AUDIT_ALLOW : AUDIT_DENY, .deferrable = true};
	return audit_append(&e) == 0 ? ERR_OK : ERR_INTERNAL;
}

enum err result_rules_get(const struct actor *a, struct arena *ar, struct result_rule out[RESULT_KIND_COUNT])
{
	bool ok = policy_may_manage_result_rules(a);
	if (result_audit_practice(a, "result.rules.read", ok) != ERR_OK)
		return ERR_INTERNAL;
	if (!ok)
		return ERR_NOT_FOUND;
	for (int k = 0; k < RESULT_KIND_COUNT; k++)
		if (practice_rule(&a->practice, (enum result_kind)k, ar, &out[k]) != 0)
			return ERR_INTERNAL;
	return ERR_OK;
}

enum err result_rule_set(const struct actor *a, const struct result_rule *rule, const char **why)
{
	*why = NULL;
	bool ok = policy_may_manage_result_rules(a);
	if (!ok)
		return result_audit_practice(a, "result.rules.write", false) == ERR_OK ? ERR_NOT_FOUND
										   : ERR_INTERNAL;
	if (rule->kind < 0 || rule->kind >= RESULT_KIND_COUNT) {
		*why = "Unknown kind of test.";
		return ERR_INVALID;
	}
	if (rule->auto_release && result_kind_info(rule->kind)->sensitive) {
		*why = "Results of this kind are always held for a clinician.";
		return ERR_INVALID;
	}
	if (rule->days < 0 || rule->days > RESULT_RULE_MAX_DAYS) {
		*why = "Choose from 0 to 60 days.";
		return ERR_INVALID;
	}
	struct audit_event e = {.actor = a, .action = "result.rules.write", .rtype = "-",
				.outcome = AUDIT_ALLOW, .deferrable = false};
	if (audit_append(&e) != 0)
		return ERR_INTERNAL;
	struct store_result_rule r = {.auto_release = rule->auto_release, .days = rule->days};
	snprintf(r.kind, sizeof(r.kind), "%s", result_kind_info(rule->kind)->slug);
	return store_result_rule_set(&a->practice, &r) == ERR_OK ? ERR_OK : ERR_INTERNAL;
}
