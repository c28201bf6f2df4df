/*
 * Invented health summaries for `medkeep demo`: a few allergies, problems, immunisations and
 * vital signs per patient, chosen by the patient's number so that patients differ. Filed
 * through the summary service like anything a practice sends (gate, sealed, audited).
 */
#include "main/demo_summary.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

#include "domain/summary.h"
#include "limits.h"
#include "util/arena.h"

#define DAY 86400

static const char snomed[] = "http://snomed.info/sct";

struct demo_entry {
	enum summary_kind kind;
	const char *status;
	const char *code, *display, *text;
	int64_t days_ago;
	const char *criticality, *reaction, *note;
};

static const struct demo_entry allergies[] = {
	{SUMMARY_ALLERGY, "active", "91936005", "Allergy to penicillin", "Penicillin", 4000, "high",
	 "Hives and swelling of the face", ""},
	{SUMMARY_ALLERGY, "active", "91935009", "Allergy to peanut", "Peanuts", 9000, "high",
	 "Anaphylaxis", "Carries an adrenaline auto-injector"},
	{SUMMARY_ALLERGY, "inactive", "300916003", "Latex allergy", "Latex", 2500, "low", "Skin rash", ""},
};
static const struct demo_entry conditions[] = {
	{SUMMARY_CONDITION, "active", "44054006", "Type 2 diabetes mellitus", "Type 2 diabetes", 1800,
	 "", "", "Reviewed every three months"},
	{SUMMARY_CONDITION, "active", "38341003", "Hypertensive disorder", "High blood pressure", 3000,
	 "", "", ""},
	{SUMMARY_CONDITION, "active", "195967001", "Asthma", "Asthma", 7000, "", "", ""},
	{SUMMARY_CONDITION, "resolved", "68566005", "Urinary tract infection", "Urinary tract infection",
	 400, "", "", ""},
};
static const struct demo_entry immunisations[] = {
	{SUMMARY_IMMUNIZATION, "completed", NULL, NULL, "Influenza vaccine 2026", 70, "", "", ""},
	{SUMMARY_IMMUNIZATION, "completed", NULL, NULL, "COVID-19 vaccine (Comirnaty)", 300, "", "", ""},
	{SUMMARY_IMMUNIZATION, "completed", NULL, NULL, "Tetanus, diphtheria and pertussis (Boostrix)",
	 2200, "", "", ""},
};

static int file(const struct actor *clinician, const struct summary_entry *e, struct arena *ar)
{
	struct id out;
	const char *why = NULL;
	int rc = summary_add(clinician, e, ar, &out, &why);
	if (rc != ERR_OK)
		fprintf(stderr, "demo: a summary entry was refused: %s\n", why ? why : err_name(rc));
	return rc == ERR_OK ? 0 : -1;
}

static int file_entry(const struct actor *clinician, const struct id *patient, const struct demo_entry *d,
		      int64_t now, struct arena *ar)
{
	struct summary_entry e = {.patient = *patient, .kind = d->kind, .status = d->status,
				  .effective = now - d->days_ago * DAY, .text = d->text,
				  .criticality = d->criticality, .reaction = d->reaction, .note = d->note,
				  .value = "", .value2 = "", .unit = ""};
	if (d->code != NULL)
		e.coding = (struct summary_coding){snomed, d->code, d->display};
	return file(clinician, &e, ar);
}

static int file_vital(const struct actor *clinician, const struct id *patient, const char *loinc,
		      const char *value, const char *value2, int64_t when, struct arena *ar)
{
	const struct summary_vital *v = summary_vital_of(loinc);
	if (v == NULL)
		return -1;
	struct summary_entry e = {.patient = *patient, .kind = SUMMARY_VITAL, .status = "final",
				  .effective = when, .text = "", .criticality = "", .reaction = "",
				  .note = "", .value = value, .value2 = value2, .unit = v->unit};
	e.coding = (struct summary_coding){SUMMARY_SYSTEM_LOINC, loinc, v->label};
	return file(clinician, &e, ar);
}

int demo_summary_seed(const struct actor *clinician, const struct id *patient, unsigned long i)
{
	struct arena ar;
	arena_init(&ar, LIMIT_REGISTER_ARENA);
	int64_t now = (int64_t)time(NULL);
	int rc = 0;
	/* Most patients have an allergy or two; every fourth has none recorded. */
	for (size_t k = 0; rc == 0 && i % 4 != 0 && k < 1 + i % 2; k++)
		rc = file_entry(clinician, patient, &allergies[(i + k) % 3], now, &ar);
	for (size_t k = 0; rc == 0 && k < 1 + i % 3; k++)
		rc = file_entry(clinician, patient, &conditions[(i + k) % 4], now, &ar);
	for (size_t k = 0; rc == 0 && k < 3; k++)
		rc = file_entry(clinician, patient, &immunisations[k], now, &ar);
	/* Two visits' vital signs: the page shows the newer of each. */
	char sys[8], dia[8], hr[8], kg[8], bmi[8];
	for (int visit = 0; rc == 0 && visit < 2; visit++) {
		int64_t when = now - (visit ? 200 : 20) * DAY - (int64_t)(i % 7) * 3600;
		snprintf(sys, sizeof(sys), "%lu", 112 + (i * 7 + (unsigned long)visit * 5) % 35);
		snprintf(dia, sizeof(dia), "%lu", 68 + (i * 3 + (unsigned long)visit * 4) % 20);
		snprintf(hr, sizeof(hr), "%lu", 58 + (i * 5 + (unsigned long)visit) % 30);
		snprintf(kg, sizeof(kg), "%lu.%lu", 55 + (i * 11) % 45, (i + (unsigned long)visit) % 10);
		snprintf(bmi, sizeof(bmi), "%lu.%lu", 20 + (i * 3) % 12, (i * 7 + (unsigned long)visit) % 10);
		rc = file_vital(clinician, patient, SUMMARY_LOINC_BP, sys, dia, when, &ar);
		if (rc == 0)
			rc = file_vital(clinician, patient, "8867-4", hr, "", when, &ar);
		if (rc == 0)
			rc = file_vital(clinician, patient, "29463-7", kg, "", when, &ar);
		if (rc == 0)
			rc = file_vital(clinician, patient, "39156-5", bmi, "", when, &ar);
		if (rc == 0 && visit == 1)
			rc = file_vital(clinician, patient, "8302-2", "172", "", when, &ar);
	}
	arena_release(&ar);
	return rc;
}
