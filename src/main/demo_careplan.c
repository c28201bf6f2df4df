/*
 * Demo data for medications, repeat prescriptions and appointments: each patient gets a few
 * NZ-plausible medicines, some repeat requests (open, approved, declined), and the practice's
 * clinicians publish slots for the coming two weeks, some of them booked. Everything goes
 * through the domain layer (gate, vault, audit) as the clinician or the patient would.
 */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "domain/appointments.h"
#include "domain/medications.h"
#include "limits.h"
#include "main/demo_careplan.h"
#include "util/nztime.h"

struct demo_med {
	const char *drug, *strength, *form, *dose;
	struct medication_code code;
};

/* SNOMED CT codes only where the code is certain: both are the medicinal-product concepts the
 * HL7 IPS 2.0.0 package itself uses (its cilazapril example and its medication example value
 * set). The others stay text only until a code is checked against NZMT or SNOMED CT. */
#define SCT(c, d) {MEDICATION_SYSTEM_SNOMED, c, d}
static const struct demo_med demo_meds[] = {
	{"Metformin", "500 mg", "tablet", "Take one tablet twice a day with meals.", {0}},
	{"Atorvastatin", "20 mg", "tablet", "Take one tablet at night.", {0}},
	{"Cilazapril", "2.5 mg", "tablet", "Take one tablet each morning.",
	 SCT("318913001", "Product containing cilazapril (medicinal product)")},
	{"Levothyroxine", "50 mcg", "tablet", "Take one tablet each morning before breakfast.", {0}},
	{"Salbutamol", "100 mcg per dose", "inhaler", "Two puffs when needed for wheeze, up to four times a day.", {0}},
	{"Omeprazole", "20 mg", "capsule", "Take one capsule each morning before food.", {0}},
	{"Amlodipine", "5 mg", "tablet", "Take one tablet once a day.", {0}},
	{"Cetirizine", "10 mg", "tablet", "Take one tablet once a day when needed for hay fever.", {0}},
	{"Paracetamol", "500 mg", "tablet", "Take two tablets up to four times a day when needed for pain.",
	 SCT("777067000", "Acetaminophen only product")},
	{"Fluticasone with salmeterol", "125/25 mcg per dose", "inhaler", "Two puffs twice a day. Rinse your mouth afterwards.", {0}},
};
#define N_MEDS (sizeof(demo_meds) / sizeof(demo_meds[0]))

static const char *const clinician_names[] = {"Dr Aroha Ngata", "Dr James Whitcombe",
					      "Dr Priya Raman", "Nurse Sione Latu"};

static const char *const visit_reasons[] = {
	"Review of blood pressure medicines", "Cough for two weeks", "Diabetes check-up",
	"Sore knee after a fall", "", "Repeat of skin check", "Travel vaccinations",
};

/* Name the practice's clinicians and publish their slots for the coming two weeks (morning
 * for the first, afternoon for the second, and so on), weekdays only. */
static int publish_slots(const struct actor *clinician)
{
	struct arena ar;
	arena_init(&ar, LIMIT_JOB_ARENA);
	struct store_staff *staff;
	size_t n = 0;
	int rc = -1;
	if (store_staff_name_set(&clinician->account, clinician_names[0]) != ERR_OK ||
	    store_practice_clinicians(&clinician->practice, &ar, &staff, &n) != ERR_OK)
		goto out;
	int64_t now = (int64_t)time(NULL);
	size_t named = 1;
	for (size_t c = 0; c < n; c++) {
		if (!id_eq(&staff[c].account, &clinician->account) && named < 4 &&
		    store_staff_name_set(&staff[c].account, clinician_names[named++]) != ERR_OK)
			goto out;
		for (int day = 1; day <= 14; day++) {
			struct tm tm;
			int64_t d = nz_day_start(now, day);
			nz_local(d, &tm);
			if (tm.tm_wday == 0 || tm.tm_wday == 6)
				continue;
			int64_t start;
			if (nz_from_local(tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday,
					  c % 2 == 0 ? 9 : 13, 0, &start) != 0)
				goto out;
			int made;
			const char *why;
			if (slot_publish(clinician, &staff[c].account, start, 15, 12, now, &made, &why) !=
				    ERR_OK &&
			    why == NULL)
				goto out;
		}
	}
	rc = 0;
out:
	arena_release(&ar);
	return rc;
}

static int add_medicines(const struct actor *clinician, const struct actor *self,
			 const struct id *patient, unsigned long i)
{
	struct arena ar;
	arena_init(&ar, LIMIT_JOB_ARENA);
	int rc = -1;
	int64_t now = (int64_t)time(NULL);
	size_t count = 2 + i % 3;
	struct id med[4];
	for (size_t k = 0; k < count; k++) {
		const struct demo_med *m = &demo_meds[(i * 3 + k * 4) % N_MEDS];
		struct medication_new nm = {.patient = *patient, .drug = m->drug, .strength = m->strength,
					    .form = m->form, .dose = m->dose, .code = m->code,
					    .started = now - (int64_t)(60 + (i * 37 + k * 101) % 900) * 86400};
		const char *why;
		if (medication_create(clinician, &nm, &ar, &med[k], &why) != ERR_OK)
			goto out;
	}
	/* Repeat requests in each state: one open, one approved, one declined with a reason. */
	struct id req;
	const char *why;
	size_t pharmacy = i % pharmacy_count();
	if (i % 3 != 1 && repeat_request(self, &med[0], pharmacy, i % 2 ? "I have about a week left." : "",
					 &ar, &req, &why) != ERR_OK)
		goto out;
	if (repeat_request(self, &med[1], pharmacy, "", &ar, &req, &why) != ERR_OK ||
	    repeat_decide(clinician, &req, true, "", &ar, &why) != ERR_OK)
		goto out;
	if (count > 2 &&
	    (repeat_request(self, &med[2], pharmacy, "Could I have three months' supply?", &ar, &req,
			    &why) != ERR_OK ||
	     repeat_decide(clinician, &req, false,
			   "Please book a review first: your last blood test was over a year ago.",
			   &ar, &why) != ERR_OK))
		goto out;
	rc = 0;
out:
	arena_release(&ar);
	return rc;
}

/* Book one upcoming slot for every other patient, and give the others a past visit. */
static int add_appointments(const struct actor *clinician, const struct actor *self,
			    const struct id *patient, unsigned long i)
{
	struct arena ar;
	arena_init(&ar, LIMIT_JOB_ARENA);
	int rc = -1;
	int64_t now = (int64_t)time(NULL);
	const char *reason = visit_reasons[i % (sizeof(visit_reasons) / sizeof(visit_reasons[0]))];
	const char *why;
	struct id ap;
	if (i % 2 == 0) {
		struct slot_view *slots;
		size_t n = 0;
		if (slots_for_patient(self, patient, now, nz_day_start(now, 15), &ar, &slots, &n) != ERR_OK)
			goto out;
		if (n > 0 && appointment_book(self, patient, &slots[(i * 7) % n].id, reason,
					      (enum appointment_kind)(i % APPT_KINDS), now, &ar, &ap, &why) != ERR_OK)
			goto out;
	} else if (i < 200) {
		/* A visit some days ago: its slot is made directly (publishing refuses the past)
		 * and booked as of a day before it. */
		struct tm tm;
		nz_local(nz_day_start(now, -(int)(3 + i % 10)), &tm);
		struct store_slot s = {.practice = clinician->practice, .clinician = clinician->account,
				       .minutes = 15};
		random_id(&s.id);
		if (nz_from_local(tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, 14 + (int)(i / 10) % 3,
				  (int)(i % 4) * 15, &s.start) != 0)
			goto out;
		int st = store_slot_insert(&s, &clinician->account, s.start - 7 * 86400);
		if (st == ERR_OK && appointment_book(self, patient, &s.id, reason, APPT_IN_PERSON,
						       s.start - 86400, &ar, &ap, &why) != ERR_OK)
			goto out;
		if (st != ERR_OK && st != ERR_CONFLICT)
			goto out;
	}
	rc = 0;
out:
	arena_release(&ar);
	return rc;
}

int demo_careplan(const struct actor *clinician, const struct actor *self, const struct id *patient,
		  unsigned long i)
{
	if (i == 1 && publish_slots(clinician) != 0)
		return -1;
	if (add_medicines(clinician, self, patient, i) != 0 ||
	    add_appointments(clinician, self, patient, i) != 0)
		return -1;
	return 0;
}
