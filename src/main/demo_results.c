/*
 * Demo lab results: for each demo patient, a realistic year and a half of tests (HbA1c every
 * six months for a trend, kidney function, lipids, blood count, thyroid), some abnormal, some
 * released by a clinician with a comment, routine normal ones released by the practice's rules,
 * a few still waiting in the clinician's inbox, one sensitive test held, and a corrected
 * result. Filed through the results services as the demo clinician, so they pass the same
 * gate, encryption and audit as real ones. All values are invented.
 */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "domain/results.h"
#include "limits.h"
#include "main/demo_results.h"

#define DAY 86400

struct demo_obs {
	const char *loinc;
	double value;
	const char *text; /* instead of a value */
	int range;        /* 0 none, 1 low and high, 2 high only, 3 low only */
	double low, high;
};

static const char lab[] = "Demo Community Laboratory (invented)";

static int file(const struct actor *clin, const struct id *patient, unsigned long i,
		const char *tag, int64_t days_ago, const char *conclusion,
		const struct demo_obs *obs, size_t n, struct id *out)
{
	struct arena ar;
	arena_init(&ar, LIMIT_JOB_ARENA);
	struct result_new r;
	memset(&r, 0, sizeof(r));
	r.patient = *patient;
	r.status = RESULT_FINAL;
	char acc[64];
	snprintf(acc, sizeof(acc), "DCL-%06lu-%s", i, tag);
	r.accession = acc;
	int64_t now = (int64_t)time(NULL);
	r.collected = now - days_ago * DAY - 6 * 3600;
	r.reported = now - days_ago * DAY;
	r.lab = lab;
	r.conclusion = conclusion;
	for (size_t k = 0; k < n && k < RESULT_MAX_OBSERVATIONS; k++) {
		const struct result_test *t = result_test_by_loinc(obs[k].loinc);
		struct observation *o = &r.obs[k];
		o->code = obs[k].loinc;
		o->display = t ? t->display : obs[k].loinc;
		o->unit = t && t->unit[0] ? t->unit : NULL;
		o->has_value = obs[k].text == NULL;
		/* Laboratories report a fixed number of decimals: two at most here. */
		o->value = (double)(int64_t)(obs[k].value * 100 + 0.5) / 100;
		o->value_text = obs[k].text;
		o->has_low = obs[k].range == 1 || obs[k].range == 3;
		o->has_high = obs[k].range == 1 || obs[k].range == 2;
		o->low = obs[k].low;
		o->high = obs[k].high;
	}
	r.n_obs = n;
	struct result_view v;
	const char *why = NULL;
	int rc = result_file(clin, &r, &ar, &v, &why);
	if (rc == ERR_OK && out)
		*out = v.id;
	arena_release(&ar);
	return rc == ERR_OK ? 0 : -1;
}

static int release(const struct actor *clin, const struct id *result, const char *comment)
{
	struct arena ar;
	arena_init(&ar, LIMIT_JOB_ARENA);
	const char *why = NULL;
	int rc = result_release(clin, result, comment, &ar, &why);
	arena_release(&ar);
	return rc == ERR_OK ? 0 : -1;
}

/* The demo practice releases normal routine results three days after the report. */
static int practice_rules(const struct actor *clin)
{
	const char *why = NULL;
	struct result_rule haem = {.kind = RESULT_HAEMATOLOGY, .auto_release = true, .days = 3};
	struct result_rule chem = {.kind = RESULT_BIOCHEMISTRY, .auto_release = true, .days = 3};
	return result_rule_set(clin, &haem, &why) == ERR_OK &&
			       result_rule_set(clin, &chem, &why) == ERR_OK
		       ? 0
		       : -1;
}

int demo_results_seed(const struct actor *clinician, const struct id *patient, bool female,
		      unsigned long i)
{
	if (i == 1 && practice_rules(clinician) != 0)
		return -1;
	bool diabetic = i % 3 == 1;
	double j = (double)(i % 7) / 10.0; /* a little variety between patients */
	struct id id;

	/* HbA1c every six months: the trend chart. Above 40 mmol/mol is flagged high. */
	static const double diabetic_a1c[] = {64, 58, 53, 49}, normal_a1c[] = {36, 38, 37, 39};
	static const int64_t a1c_days[] = {540, 360, 180, 40};
	static const char *const a1c_comments[] = {
		"HbA1c is in the diabetes range. Please book a visit to talk about a plan.",
		"Coming down nicely since starting metformin. Keep going.",
		"Improving again. Well done; recheck in six months.",
		"Best result yet. Keep going with what you are doing.",
	};
	for (int k = 0; k < 4; k++) {
		char tag[16];
		snprintf(tag, sizeof(tag), "A1C%d", k);
		struct demo_obs a1c = {"4548-4", (diabetic ? diabetic_a1c[k] : normal_a1c[k]) + j, NULL,
				       2, 0, 40};
		if (file(clinician, patient, i, tag, a1c_days[k], NULL, &a1c, 1, &id) != 0)
			return -1;
		/* Abnormal results wait for a clinician; these were reviewed long ago. */
		if (diabetic && release(clinician, &id, a1c_comments[k]) != 0)
			return -1;
	}

	/* Kidney function and potassium, a year ago and last month (normal: released by rule). */
	struct demo_obs renal[3] = {{"2160-0", 78 + j * 10, NULL, 1, 60, 105},
				    {"62238-1", 84 - j * 10, NULL, 3, 60, 0},
				    {"2823-3", 4.3 + j / 2, NULL, 1, 3.5, 5.2}};
	if (file(clinician, patient, i, "RENAL1", 365, NULL, renal, 3, NULL) != 0)
		return -1;
	renal[0].value += 4;
	renal[1].value -= 3;
	if (i % 4 == 1) {
		/* A haemolysed sample reads falsely high; the lab corrects it after the clinician
		 * has released it: the patient sees that it was corrected, and from what. */
		renal[2].value = 6.1;
		if (file(clinician, patient, i, "RENAL2", 30, NULL, renal, 3, &id) != 0 ||
		    release(clinician, &id, "Potassium looks high, but the sample may have been "
					    "affected by a delay. The laboratory is checking.") != 0)
			return -1;
		renal[2].value = 4.6;
		if (file(clinician, patient, i, "RENAL2", 30,
			 "Corrected report: potassium re-measured on a fresh aliquot.", renal, 3, NULL) != 0)
			return -1;
	} else if (file(clinician, patient, i, "RENAL2", 30, NULL, renal, 3, NULL) != 0) {
		return -1;
	}

	/* Lipids: high LDL a year ago, better six months later (released with comments). */
	struct demo_obs lipids[3] = {{"2093-3", 5.9 + j, NULL, 2, 0, 5.0},
				     {"13457-7", 3.8 + j, NULL, 2, 0, 3.0},
				     {"2085-9", 1.2, NULL, 3, 1.0, 0}};
	if (file(clinician, patient, i, "LIPID1", 360, NULL, lipids, 3, &id) != 0 ||
	    release(clinician, &id, "Cholesterol is a bit high. We will talk about diet and "
				    "exercise and recheck in six months.") != 0)
		return -1;
	lipids[0].value = 4.6 + j / 2;
	lipids[1].value = 2.7 + j / 3;
	if (file(clinician, patient, i, "LIPID2", 180, NULL, lipids, 3, &id) != 0 ||
	    release(clinician, &id, "Normal, no action needed.") != 0)
		return -1;

	/* Blood count and iron, thyroid: normal, released by the practice's rules. */
	struct demo_obs fbc[3] = {{"718-7", (female ? 132 : 148) + j * 10, NULL, 1, female ? 115 : 130,
				   female ? 155 : 175},
				  {"777-3", 250 + j * 50, NULL, 1, 150, 400},
				  {"2276-4", 85 + j * 30, NULL, 1, 20, 300}};
	struct demo_obs tsh = {"3016-3", 1.8 + j, NULL, 1, 0.4, 4.0};
	if (file(clinician, patient, i, "FBC1", 200, NULL, fbc, 3, NULL) != 0 ||
	    file(clinician, patient, i, "TSH1", 90, NULL, &tsh, 1, NULL) != 0)
		return -1;

	/* Waiting in the clinician's inbox: a normal panel two days old (the rule releases it
	 * tomorrow) and, for some, an abnormal blood count held for a clinician. */
	renal[0].value = 80 + j * 10;
	renal[1].value = 82 - j * 10;
	renal[2].value = 4.4;
	if (file(clinician, patient, i, "RENAL3", 2, NULL, renal, 3, NULL) != 0)
		return -1;
	if (i % 2 == 0) {
		fbc[0].value = female ? 98 : 112;
		fbc[2].value = 9;
		if (file(clinician, patient, i, "FBC2", 1, "Iron deficiency picture.", fbc, 3, NULL) != 0)
			return -1;
	}
	/* A sensitive kind: always held for a clinician, whatever the result. */
	struct demo_obs psa = {"2857-1", 1.4 + j, NULL, 2, 0, 4.0};
	struct demo_obs hcg = {"2106-3", 0, "Negative", 0, 0, 0};
	struct demo_obs ca125 = {"10334-1", 18 + j * 10, NULL, 2, 0, 35};
	if (female)
		return i % 4 == 1 ? file(clinician, patient, i, "HCG1", 4, NULL, &hcg, 1, NULL)
				  : file(clinician, patient, i, "CA1251", 4, NULL, &ca125, 1, NULL);
	return file(clinician, patient, i, "PSA1", 4, NULL, &psa, 1, NULL);
}
