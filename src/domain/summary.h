/*
 * The health summary (docs/internals/SUMMARY.md): a patient's allergies, problems,
 * immunisations and vital signs, as their practice's system sends them (FHIR, or the import of
 * its export). Read by the patient, a proxy whose grant has the summary scope, an app with a
 * patient/ scope for these types, and the clinicians of the patient's practice; written only
 * by a practice system with a system/ summary scope (or the operator's import for it). Every
 * function asks the gate and audits; out of reach answers ERR_NOT_FOUND like a missing id.
 */
#ifndef MEDKEEP_SUMMARY_H
#define MEDKEEP_SUMMARY_H
#include "domain/domain.h"
#include "store/summary.h"

/* A code for what the entry is about (an allergen, a diagnosis, a vaccine, a measurement);
 * code NULL when there is none (then system and display are NULL too). */
struct summary_coding {
	const char *system;
	const char *code;
	const char *display; /* may be NULL */
};

/* One entry, read or to be written. Strings are "" (never NULL) when absent, but for coding. */
struct summary_entry {
	struct id id; /* read only */
	struct id patient;
	struct id practice; /* read only: the practice that sent it */
	enum summary_kind kind;
	const char *status;   /* FHIR status code (summary_status_ok) */
	int64_t effective;    /* onset, recorded, given or measured; 0: not known (not for vitals
			       * and immunisations, which must say when) */
	int64_t created;      /* read only */
	const char *text;     /* what it is, in words: "Penicillin", "Type 2 diabetes" */
	struct summary_coding coding;
	const char *criticality; /* allergy: low, high or unable-to-assess; "" */
	const char *reaction;    /* allergy: the reaction in words; "" */
	const char *note;        /* "" */
	/* Vital signs: coding is the LOINC code (one of summary_vital_count), value the decimal
	 * as sent ("72", "36.8"), unit its UCUM code; blood pressure has value systolic and value2
	 * diastolic ("" otherwise). */
	const char *value, *value2, *unit;
};

/* The vital signs taken, each with its LOINC code, its name in words and UCUM unit. */
struct summary_vital {
	const char *loinc;
	const char *label; /* "Blood pressure" */
	const char *unit;  /* UCUM: "mm[Hg]", "/min", "kg", ... */
	const char *unit_label; /* as shown: "mmHg", "beats/min", "kg", ... */
};
size_t summary_vital_count(void);
const struct summary_vital *summary_vital_at(size_t i);
/* The vital sign of a LOINC code, or NULL. */
const struct summary_vital *summary_vital_of(const char *loinc);
#define SUMMARY_LOINC_SYSTOLIC "8480-6"
#define SUMMARY_LOINC_DIASTOLIC "8462-4"
#define SUMMARY_LOINC_BP "85354-9"
#define SUMMARY_SYSTEM_LOINC "http://loinc.org"

/* Whether status is one this kind takes (its FHIR value set, entered-in-error left out). */
bool summary_status_ok(enum summary_kind kind, const char *status);

/*
 * File an entry for e->patient from the actor's practice (ACTION_SUMMARY_CREATE): checked in
 * full first (ERR_INVALID with *why naming the field, never its value); ERR_FULL when the
 * patient holds LIMIT_LIST of the kind already. *out: the new id.
 */
enum err summary_add(const struct actor *a, const struct summary_entry *e, struct arena *ar,
		     struct id *out, const char **why);
/*
 * A page of the patient's entries of one kind, or of all (kind SUMMARY_KIND_COUNT: for
 * $everything), newest first (pg NULL: the newest LIMIT_LIST by date; codes in pg match the
 * status, or a vital sign's LOINC code), each opened and audited as served. Array from ar.
 */
enum err summary_list(const struct actor *a, const struct id *patient, enum summary_kind kind,
		      const struct store_page *pg, struct arena *ar, struct summary_entry **out,
		      size_t *n, struct page_info *info);
/* One entry of this kind (another kind's id is not found). */
enum err summary_read(const struct actor *a, const struct id *entry, enum summary_kind kind,
		      struct arena *ar, struct summary_entry *out);

#endif
