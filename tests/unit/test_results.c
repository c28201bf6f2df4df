/* Lab results: release rules, flags and kinds, and the geometry of the SVG charts. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "audit/audit.h"
#include "store/store.h"
#include "vault/vault.h"

#include "domain/results.h"
#include "fhir/fhir_int.h"
#include "fhir/fhir_results.h"
#include "test.h"
#include "util/arena.h"
#include "util/buf.h"
#include "web/chart.h"

static bool near(double a, double b)
{
	return fabs(a - b) < 1e-6;
}

static void release_rules(void)
{
	const int64_t t = 1700000000;
	struct result_rule three = {.kind = RESULT_BIOCHEMISTRY, .auto_release = true, .days = 3};
	/* a normal final routine result: released after the rule's days */
	CHECK(result_auto_release_at(&three, RESULT_BIOCHEMISTRY, ABNORMAL_NONE, RESULT_FINAL, t) ==
	      t + 3 * 86400);
	struct result_rule now = three;
	now.days = 0;
	CHECK(result_auto_release_at(&now, RESULT_BIOCHEMISTRY, ABNORMAL_NONE, RESULT_FINAL, t) == t);
	/* held: abnormal, critical, preliminary */
	CHECK(result_auto_release_at(&three, RESULT_BIOCHEMISTRY, ABNORMAL_SOME, RESULT_FINAL, t) == 0);
	CHECK(result_auto_release_at(&three, RESULT_BIOCHEMISTRY, ABNORMAL_CRITICAL, RESULT_FINAL, t) == 0);
	CHECK(result_auto_release_at(&three, RESULT_BIOCHEMISTRY, ABNORMAL_NONE, RESULT_PRELIMINARY, t) == 0);
	/* held: no rule, a hold rule, a rule for another kind */
	CHECK(result_auto_release_at(NULL, RESULT_BIOCHEMISTRY, ABNORMAL_NONE, RESULT_FINAL, t) == 0);
	struct result_rule hold = {.kind = RESULT_BIOCHEMISTRY, .auto_release = false, .days = 3};
	CHECK(result_auto_release_at(&hold, RESULT_BIOCHEMISTRY, ABNORMAL_NONE, RESULT_FINAL, t) == 0);
	CHECK(result_auto_release_at(&three, RESULT_HAEMATOLOGY, ABNORMAL_NONE, RESULT_FINAL, t) == 0);
	/* sensitive kinds are always held, even under a rule that says otherwise */
	enum result_kind sensitive[] = {RESULT_CANCER_MARKER, RESULT_PREGNANCY, RESULT_SEXUAL_HEALTH};
	for (size_t i = 0; i < 3; i++) {
		struct result_rule r = {.kind = sensitive[i], .auto_release = true, .days = 0};
		CHECK(result_kind_info(sensitive[i])->sensitive);
		CHECK(result_auto_release_at(&r, sensitive[i], ABNORMAL_NONE, RESULT_FINAL, t) == 0);
	}
	/* a correction of a normal result follows the rule like a final one */
	CHECK(result_auto_release_at(&three, RESULT_BIOCHEMISTRY, ABNORMAL_NONE, RESULT_CORRECTED, t) ==
	      t + 3 * 86400);
	/* out-of-range days never release */
	struct result_rule bad = three;
	bad.days = RESULT_RULE_MAX_DAYS + 1;
	CHECK(result_auto_release_at(&bad, RESULT_BIOCHEMISTRY, ABNORMAL_NONE, RESULT_FINAL, t) == 0);
	bad.days = -1;
	CHECK(result_auto_release_at(&bad, RESULT_BIOCHEMISTRY, ABNORMAL_NONE, RESULT_FINAL, t) == 0);
}

static void flags_and_kinds(void)
{
	struct observation o = {.has_value = true, .value = 48, .has_low = true, .low = 20,
				.has_high = true, .high = 40};
	CHECK(result_flag_from_range(&o) == FLAG_HIGH);
	o.value = 19.9;
	CHECK(result_flag_from_range(&o) == FLAG_LOW);
	o.value = 40;
	CHECK(result_flag_from_range(&o) == FLAG_NORMAL);
	o.has_low = o.has_high = false;
	CHECK(result_flag_from_range(&o) == FLAG_NONE);
	o.has_value = false;
	CHECK(result_flag_from_range(&o) == FLAG_NONE);
	CHECK(result_flag_severity(FLAG_CRITICAL_HIGH) == ABNORMAL_CRITICAL);
	CHECK(result_flag_severity(FLAG_LOW) == ABNORMAL_SOME);
	CHECK(result_flag_severity(FLAG_NORMAL) == ABNORMAL_NONE);
	enum result_flag f;
	CHECK(result_flag_parse("HH", &f) == 0 && f == FLAG_CRITICAL_HIGH);
	CHECK(result_flag_parse("X", &f) != 0 && result_flag_parse(NULL, &f) != 0);
	CHECK(strcmp(result_flag_words(FLAG_LOW), "Low") == 0);
	/* the kind of a report: a sensitive test anywhere in it holds the whole report */
	struct observation mixed[3] = {{.code = "718-7"}, {.code = "2857-1"}, {.code = "4548-4"}};
	CHECK(result_kind_of(mixed, 3) == RESULT_CANCER_MARKER);
	CHECK(result_kind_of(mixed, 1) == RESULT_HAEMATOLOGY);
	CHECK(result_kind_of(mixed + 2, 1) == RESULT_BIOCHEMISTRY);
	struct observation unknown = {.code = "99999-9"};
	CHECK(result_kind_of(&unknown, 1) == RESULT_OTHER);
	CHECK(result_kind_of(mixed, 0) == RESULT_OTHER);
	enum result_kind k;
	CHECK(result_kind_parse("pregnancy", &k) == 0 && k == RESULT_PREGNANCY);
	CHECK(result_kind_parse("nope", &k) != 0);
	enum result_status s;
	CHECK(result_status_parse("amended", &s) == 0 && s == RESULT_CORRECTED);
	CHECK(result_status_parse("registered", &s) != 0);
}

static void range_bar(void)
{
	struct range_bar g;
	/* both ends: the range sits in the middle half of the bar */
	struct chart_range both = {.has_low = true, .low = 20, .has_high = true, .high = 40};
	CHECK(chart_range_bar(&both, 30, 300, &g) == 0);
	CHECK(near(g.lo, 10) && near(g.hi, 50));
	CHECK(g.has_band && near(g.band_x, 75) && near(g.band_w, 150));
	CHECK(near(g.marker_x, 150));
	/* a high value stays on the bar, at its right-hand end */
	CHECK(chart_range_bar(&both, 90, 300, &g) == 0);
	CHECK(g.hi > 90 && g.marker_x > 280 && g.marker_x <= 300);
	CHECK(g.band_x + g.band_w < g.marker_x);
	/* a low value: the scale starts at zero for values that cannot be negative */
	CHECK(chart_range_bar(&both, 2, 300, &g) == 0);
	CHECK(near(g.lo, 0) && g.marker_x < g.band_x);
	/* only an upper limit (LDL < 3.0): the band runs from the start of the bar */
	struct chart_range upper = {.has_high = true, .high = 3.0};
	CHECK(chart_range_bar(&upper, 2.0, 300, &g) == 0);
	CHECK(near(g.band_x, 0) && near(g.band_x + g.band_w, 200) && near(g.marker_x, 2.0 / 4.5 * 300));
	/* only a lower limit (eGFR > 60): the band runs to the end */
	struct chart_range lower = {.has_low = true, .low = 60};
	CHECK(chart_range_bar(&lower, 45, 300, &g) == 0);
	CHECK(near(g.band_x + g.band_w, 300) && near(g.band_x, 150) && g.marker_x < g.band_x);
	/* no range: no band, the value still drawn */
	struct chart_range none = {0};
	CHECK(chart_range_bar(&none, 5, 300, &g) == 0 && !g.has_band && near(g.marker_x, 150));
	/* nonsense refused */
	CHECK(chart_range_bar(&both, NAN, 300, &g) != 0);
	CHECK(chart_range_bar(&both, 1, 0, &g) != 0);
	/* a degenerate range (low == high) still gives a usable scale */
	struct chart_range point = {.has_low = true, .low = 5, .has_high = true, .high = 5};
	CHECK(chart_range_bar(&point, 5, 300, &g) == 0 && g.hi > g.lo && near(g.marker_x, 150));
}

static void trend(void)
{
	struct trend_point p[3] = {{1000000, 48}, {2000000, 52}, {3000000, 44}};
	struct chart_range r = {.has_low = true, .low = 20, .has_high = true, .high = 40};
	struct trend_scale s;
	CHECK(chart_trend_scale(p, 3, &r, &s) == 0);
	CHECK(s.t0 == 1000000 && s.t1 == 3000000);
	CHECK(s.v0 < 20 && s.v1 > 52);
	CHECK(near(chart_x(&s, 1000000, 260), 0) && near(chart_x(&s, 3000000, 260), 260));
	CHECK(near(chart_x(&s, 2000000, 260), 130));
	/* higher values sit higher (smaller y) and every point is inside the plot */
	CHECK(chart_y(&s, 52, 130) < chart_y(&s, 44, 130));
	for (int i = 0; i < 3; i++)
		CHECK(chart_y(&s, p[i].v, 130) > 0 && chart_y(&s, p[i].v, 130) < 130);
	/* an upper limit only: the band (and the scale) start at zero */
	struct chart_range below = {.has_high = true, .high = 40};
	CHECK(chart_trend_scale(p, 3, &below, &s) == 0 && near(s.v0, 0) && s.v1 > 52);
	/* units as people read them */
	CHECK(strcmp(result_unit_display("mL/min/{1.73_m2}"), "mL/min/1.73m²") == 0);
	CHECK(strcmp(result_unit_display("mmol/L"), "mmol/L") == 0);
	CHECK(strcmp(result_unit_display(NULL), "") == 0);
	/* one point, and all-equal values, still make a scale */
	CHECK(chart_trend_scale(p, 1, NULL, &s) == 0 && s.t1 > s.t0 && s.v1 > s.v0);
	CHECK(chart_trend_scale(p, 0, NULL, &s) != 0);
	/* the SVG: no script, no style, a text alternative, escaped */
	struct arena a;
	arena_init(&a, 1u << 20);
	struct buf b;
	buf_init(&b, &a, 1u << 16);
	chart_trend_svg(&b, p, 3, &r, "HbA1c <over time>");
	chart_range_bar_svg(&b, &r, 48, "HbA1c 48 & high");
	const char *svg = buf_cstr(&b);
	CHECK(svg && strstr(svg, "<polyline") && strstr(svg, "aria-label=\"HbA1c &lt;over time&gt;\""));
	CHECK(svg && strstr(svg, "HbA1c 48 &amp; high") && !strstr(svg, "<script") && !strstr(svg, "style="));
	arena_release(&a);
}

static void datetimes(void)
{
	int64_t t;
	CHECK(fhir_parse_datetime("2026-11-20T14:00:00Z", &t) == 0 && t == 1795183200);
	CHECK(fhir_parse_datetime("2026-11-21T03:00:00+13:00", &t) == 0 && t == 1795183200);
	CHECK(fhir_parse_datetime("2026-11-20T04:30:00.123-09:30", &t) == 0 && t == 1795183200);
	CHECK(fhir_parse_datetime("2026-11-20", &t) == 0 && t == 1795132800);
	CHECK(fhir_parse_datetime("2026-11-20T14:00Z", &t) == 0 && t == 1795183200);
	const char *bad[] = {"", "2026-11-20T14:00:00", "2026-02-30", "2026-13-01", "20261120",
			     "2026-11-20T25:00:00Z", "2026-11-20T14:00:00+15:00", "2026-11-20Z",
			     "2026-11-20T14:00:00.Z", "2026-11-20T14:00:00Zjunk", "1800-01-01", NULL};
	for (int i = 0; bad[i]; i++)
		CHECK(fhir_parse_datetime(bad[i], &t) != 0);
	CHECK(fhir_parse_datetime(NULL, &t) != 0);
}

static struct actor actor(enum role role, const struct id *practice, const struct id *patient)
{
	struct actor a;
	memset(&a, 0, sizeof(a));
	random_id(&a.account);
	a.role = role;
	a.mfa = true;
	if (practice) {
		a.has_practice = true;
		a.practice = *practice;
	}
	if (patient) {
		a.has_patient = a.has_record = true;
		a.patient = a.record = *patient;
	}
	return a;
}

/* Every page of the results part of $everything, as the operation reads them in turn. */
static int results_everything(const struct actor *a, const struct id *pid, struct arena *ar,
			      json_t *entries)
{
	struct store_page pg = {.sort = STORE_SORT_DATE, .desc = true, .limit = 1};
	struct everything_page p = {.ar = ar, .entries = entries, .now = (int64_t)time(NULL)};
	int rc;
	do {
		rc = fhir_results_everything(a, pid, &pg, &p);
		pg.after = true;
		pg.after_t = p.last_t;
		pg.after_id = p.last_id;
	} while (rc == ERR_OK && p.more);
	return rc;
}

static size_t count_type(json_t *entries, const char *type)
{
	size_t i, n = 0;
	json_t *e;
	json_array_foreach(entries, i, e)
	{
		const char *t = json_string_value(json_object_get(json_object_get(e, "resource"), "resourceType"));
		n += t && strcmp(t, type) == 0;
	}
	return n;
}

static int file_one(const struct actor *clin, const struct id *patient, const char *acc, double v,
		    struct arena *ar, struct result_view *out)
{
	struct result_new r;
	memset(&r, 0, sizeof(r));
	r.patient = *patient;
	r.status = RESULT_FINAL;
	r.accession = acc;
	r.reported = (int64_t)time(NULL) - 60;
	r.collected = r.reported - 3600;
	r.lab = "Unit Lab";
	r.n_obs = 2;
	r.obs[0] = (struct observation){.code = "2160-0", .display = "Creatinine", .has_value = true,
					.value = v, .unit = "umol/L", .has_low = true, .low = 60,
					.has_high = true, .high = 105};
	r.obs[1] = (struct observation){.code = "2106-3", .display = "hCG", .value_text = "Negative"};
	const char *why = NULL;
	return result_file(clin, &r, ar, out, &why);
}

/* Through the real store and vault: $everything and the searches leave out what the patient may
 * not see yet, and a read of it answers like a missing one. */
static void everything(void)
{
	char dir[] = "/tmp/medkeep-unit-results-XXXXXX";
	CHECK(mkdtemp(dir) != NULL);
	CHECK(vault_create(dir) == 0 && vault_keys_create(dir) == 0);
	CHECK(store_open(dir, true) == ERR_OK);
	CHECK(vault_load(dir) == 0 && vault_keys_load(dir) == 0);
	CHECK(audit_init() == 0);
	policy_init();
	struct id practice, other_practice, pid;
	random_id(&practice);
	random_id(&other_practice);
	CHECK(store_practice_create(&practice, "Unit Practice") == ERR_OK);
	CHECK(store_practice_create(&other_practice, "Elsewhere") == ERR_OK);
	struct patient_view pv = {.family = "Test", .given = "Una", .birth_date = "1980-01-01",
				  .gender = "female", .nhi = "ZBN77VL"};
	CHECK(patient_create(&practice, &pv, &pid) == ERR_OK);
	struct actor clin = actor(ROLE_CLINICIAN, &practice, NULL);
	struct actor elsewhere = actor(ROLE_CLINICIAN, &other_practice, NULL);
	struct actor self = actor(ROLE_PATIENT, NULL, &pid);
	struct arena ar;
	arena_init(&ar, 8u << 20);
	struct result_view held, shown, v;
	/* a pregnancy test in the report: held whatever the rules say */
	CHECK(file_one(&clin, &pid, "U-1", 80, &ar, &held) == ERR_OK && held.kind == RESULT_PREGNANCY);
	CHECK(file_one(&clin, &pid, "U-2", 150, &ar, &shown) == ERR_OK && shown.abnormal == ABNORMAL_SOME);
	CHECK(!held.released && !shown.released);
	const char *why = NULL;
	CHECK(result_release(&clin, &shown.id, "Please see me", &ar, &why) == ERR_OK);

	json_t *mine = json_array(), *staff = json_array(), *theirs = json_array();
	CHECK(results_everything(&self, &pid, &ar, mine) == ERR_OK);
	CHECK(count_type(mine, "DiagnosticReport") == 1 && count_type(mine, "Observation") == 2);
	const char *first = json_string_value(json_object_get(json_object_get(json_array_get(mine, 0), "resource"), "id"));
	char hex[ID_HEX_LEN + 1];
	id_hex(&shown.id, hex);
	CHECK(first && strcmp(first, hex) == 0);
	CHECK(results_everything(&clin, &pid, &ar, staff) == ERR_OK);
	CHECK(count_type(staff, "DiagnosticReport") == 2 && count_type(staff, "Observation") == 4);
	CHECK(results_everything(&elsewhere, &pid, &ar, theirs) == ERR_NOT_FOUND);
	CHECK(json_array_size(theirs) == 0);
	json_decref(mine);
	json_decref(staff);
	json_decref(theirs);

	/* read by id: the held one is not found for the patient, like an id that does not exist */
	struct id rnd;
	random_id(&rnd);
	CHECK(result_read(&self, &held.id, "DiagnosticReport", &ar, &v) == ERR_NOT_FOUND);
	CHECK(result_read(&self, &rnd, "DiagnosticReport", &ar, &v) == ERR_NOT_FOUND);
	CHECK(result_read(&self, &shown.id, "DiagnosticReport", &ar, &v) == ERR_OK);
	CHECK(v.comment && strcmp(v.comment, "Please see me") == 0 && v.n_obs == 2);
	CHECK(result_read(&clin, &held.id, "DiagnosticReport", &ar, &v) == ERR_OK && !v.released);
	/* a patient cannot file or release */
	CHECK(result_release(&self, &held.id, NULL, &ar, &why) == ERR_NOT_FOUND);
	CHECK(file_one(&self, &pid, "U-3", 80, &ar, &v) == ERR_NOT_FOUND);
	/* a correction keeps the record, marks what changed and keeps the release */
	CHECK(file_one(&clin, &pid, "U-2", 95, &ar, &v) == ERR_OK && id_eq(&v.id, &shown.id));
	CHECK(v.corrected && v.status == RESULT_CORRECTED && v.released);
	CHECK(v.obs[0].was && strcmp(v.obs[0].was, "150 umol/L") == 0 && v.obs[1].was == NULL);
	/* the patient chooses to wait for a comment: the commented one stays */
	struct result_view *list;
	size_t n = 0;
	CHECK(result_pref_set(&self, &pid, true) == ERR_OK);
	CHECK(result_list(&self, &pid, false, &ar, &list, &n) == ERR_OK && n == 1);
	CHECK(result_pref_set(&clin, &pid, false) == ERR_NOT_FOUND); /* only the patient */

	arena_release(&ar);
	store_close();
	vault_keys_unload();
	vault_unload();
	char cmd[128];
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	CHECK(system(cmd) == 0);
}

void test_results(void)
{
	everything();
	datetimes();
	release_rules();
	flags_and_kinds();
	range_bar();
	trend();
}
