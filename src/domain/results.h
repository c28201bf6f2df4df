/*
 * Lab results: a report (FHIR DiagnosticReport) grouping observations (FHIR Observation),
 * filed for a patient by a clinician of their practice, and released to the patient by a
 * clinician (with an optional comment) or by the practice's release rules.
 *
 * What is stored in clear is only what queries need: ids, patient, practice, the kind of test,
 * status, the abnormal summary, times and the release state. The observations themselves (codes,
 * values, ranges, flags), the lab's name and every comment are sealed with the patient's key
 * (VREC_RESULT). A result that is not released is invisible to patients and proxies by every
 * path: the store filters on grant.sees_unreleased, so no handler can forget (results.c).
 */
#ifndef MEDKEEP_RESULTS_H
#define MEDKEEP_RESULTS_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "domain/domain.h"

/* The kind (category) of a test: what release rules are set for. Sensitive kinds are always
 * held for a clinician, whatever the practice's rules say (new-zealand.md). */
enum result_kind {
	RESULT_HAEMATOLOGY = 0,
	RESULT_BIOCHEMISTRY,
	RESULT_CANCER_MARKER,
	RESULT_PREGNANCY,
	RESULT_SEXUAL_HEALTH,
	RESULT_OTHER,
	RESULT_KIND_COUNT
};

struct result_kind_info {
	const char *slug;  /* stored in clear and used in forms */
	const char *label; /* shown to people */
	bool sensitive;    /* always held for a clinician */
};
const struct result_kind_info *result_kind_info(enum result_kind k);
int result_kind_parse(const char *slug, enum result_kind *out);

enum result_status { RESULT_PRELIMINARY = 0, RESULT_FINAL, RESULT_CORRECTED };
const char *result_status_code(enum result_status s); /* FHIR code */
int result_status_parse(const char *code, enum result_status *out);

/* An observation's interpretation (FHIR v3 ObservationInterpretation). */
enum result_flag { FLAG_NONE = 0, FLAG_NORMAL, FLAG_LOW, FLAG_HIGH, FLAG_CRITICAL_LOW,
		   FLAG_CRITICAL_HIGH, FLAG_ABNORMAL };
const char *result_flag_code(enum result_flag f);  /* "N", "L", "H", "LL", "HH", "A" or NULL */
const char *result_flag_words(enum result_flag f); /* "Normal", "High", ... (never colour only) */
int result_flag_parse(const char *code, enum result_flag *out);

/* The summary of a whole report, kept in clear for the inbox order and the patient's list. */
enum result_abnormal { ABNORMAL_NONE = 0, ABNORMAL_SOME = 1, ABNORMAL_CRITICAL = 2 };
enum result_abnormal result_flag_severity(enum result_flag f);

#define RESULT_MAX_OBSERVATIONS 24
#define RESULT_CODE_MAX 32
#define RESULT_ACCESSION_MAX 64

/* A test this server knows: its LOINC code, what to call it, its UCUM unit and its kind. */
struct result_test {
	const char *loinc;
	const char *display;
	const char *unit;
	enum result_kind kind;
};
/* The known test for a LOINC code, or NULL. */
const struct result_test *result_test_by_loinc(const char *loinc);

struct observation {
	const char *code;    /* LOINC code when one fits */
	const char *display; /* the test's name */
	bool has_value;      /* a number; otherwise text (e.g. "Negative") */
	double value;
	const char *value_text;
	const char *unit; /* UCUM */
	bool has_low, has_high;
	double low, high;
	const char *range_text; /* e.g. "<3.0"; may be NULL */
	enum result_flag flag;
	const char *note; /* the lab's comment on this value; may be NULL */
	/* A corrected result: what this value was before the correction (NULL when unchanged). */
	const char *was;
};

struct result_view {
	struct id id;
	struct id patient;
	struct id practice;
	enum result_kind kind;
	enum result_status status;
	enum result_abnormal abnormal;
	int64_t collected, reported, created;
	int64_t version, updated; /* meta.versionId and lastUpdated: bumped by a correction or release */
	bool released;      /* visible to the patient now */
	int64_t release_at; /* when it is (or will be) visible; 0 when held for a clinician */
	bool released_by_clinician;
	bool corrected;
	int64_t filed;         /* filed off the clinician's inbox at (0: not) */
	const char *filed_how; /* "filed", "book" (the patient asked to book) or "" */
	const char *accession;
	const char *lab;
	const char *conclusion;     /* the lab's comment on the report */
	const char *comment;        /* the clinician's comment at release; NULL when none */
	size_t n_obs;
	struct observation *obs; /* NULL in lists that did not open the records */
};

/* A report to file, as a lab or a clinician sends it. */
struct result_new {
	struct id patient;
	enum result_status status;
	const char *accession; /* the lab's id for the report: a second filing with the same one
				* for the same patient is a correction of the first */
	int64_t collected, reported;
	const char *lab;
	const char *conclusion;
	size_t n_obs;
	struct observation obs[RESULT_MAX_OBSERVATIONS];
};

/* --- pure rules (no I/O; unit-tested) --- */

/* A UCUM unit as people read it ("mL/min/{1.73_m2}" -> "mL/min/1.73m²"); the unit itself when
 * it reads well already. */
const char *result_unit_display(const char *ucum);
/* "48 mmol/mol", or the value's text ("Negative"), into out (truncated to n). */
void result_value_text(const struct observation *o, char *out, size_t n);

/* The flag of an observation that came without one: from its range, or FLAG_NONE. */
enum result_flag result_flag_from_range(const struct observation *o);
/* The kind of a report: the most sensitive kind among its observations' known tests. */
enum result_kind result_kind_of(const struct observation *obs, size_t n);

/* A practice's rule for one kind of test: hold every result for a clinician, or release normal
 * final results on their own after `days` days. */
struct result_rule {
	enum result_kind kind;
	bool auto_release;
	int days; /* 0..RESULT_RULE_MAX_DAYS */
};
#define RESULT_RULE_MAX_DAYS 60
/*
 * When a newly filed result becomes visible to the patient without a clinician: the time, or
 * 0 when it is held for a clinician. Held: no rule (or a hold rule), a sensitive kind, anything
 * abnormal, anything preliminary.
 */
int64_t result_auto_release_at(const struct result_rule *rule, enum result_kind kind,
			       enum result_abnormal abnormal, enum result_status status,
			       int64_t reported);

/* --- services (each gated, audited, sealed) --- */

/* File a report for a patient (or correct the one with the same accession). *why on invalid. */
enum err result_file(const struct actor *a, const struct result_new *r, struct arena *ar,
		     struct result_view *out, const char **why);
/* A patient's results, newest first; with_obs opens each record (values for trends and FHIR).
 * Patients and proxies get only released ones. */
enum err result_list(const struct actor *a, const struct id *patient, bool with_obs, struct arena *ar,
		     struct result_view **out, size_t *n);
/* A page of them (domain.h, document_search): the gate, the rows, each opened when with_obs,
 * and an audit record per result served. info may be NULL. */
enum err result_search(const struct actor *a, const struct id *patient, bool with_obs,
		       const struct store_page *pg, struct arena *ar, struct result_view **out,
		       size_t *n, struct page_info *info);
/* One result with its observations; unreleased ones are not found for patients and proxies. */
enum err result_read(const struct actor *a, const struct id *result, const char *rtype,
		     struct arena *ar, struct result_view *out);
/* Release a result to its patient now, with an optional comment (NULL or ""). */
enum err result_release(const struct actor *a, const struct id *result, const char *comment,
			struct arena *ar, const char **why);

/* A clinician's inbox: their practice's results neither released nor filed, critical and
 * abnormal first, then newest, a page of RESULT_INBOX_PAGE from offset; mine: only the
 * clinician's own patients (store/results.h says who they are). Each row with its patient's
 * name: each patient gated, read and audited, for the page shown only. *total: how many in all. */
#define RESULT_INBOX_PAGE 25 /* names opened per page: within the breaker's burst (LIMIT_INBOX_THREADS) */
struct inbox_row {
	struct result_view result;
	struct patient_view patient;
};
enum err result_inbox(const struct actor *a, bool mine, size_t offset, struct arena *ar,
		      struct inbox_row **out, size_t *n, int64_t *total);
/* The next inbox item after this result in the inbox's order (the result need not be in the
 * inbox any more): ERR_NOT_FOUND when there is none after it. */
enum err result_inbox_next(const struct actor *a, const struct id *after, bool mine, struct id *next);

/* File a result off the inbox without releasing it (result.release's gate; audited
 * "result.file"), or file it and ask the patient to book an appointment (audited
 * "result.book"): a message from the practice in their portal, with the note when given,
 * whose email says only that a message is waiting. ERR_INVALID with *why when it was filed or
 * released already, or the note is too long. */
enum result_filing { RESULT_FILED = 0, RESULT_ASK_TO_BOOK };
enum err result_file_off(const struct actor *a, const struct id *result, enum result_filing how,
			 const char *note, struct arena *ar, const char **why);

/* The practice's release rules (one per kind; kinds without a row are held). */
enum err result_rules_get(const struct actor *a, struct arena *ar, struct result_rule out[RESULT_KIND_COUNT]);
enum err result_rule_set(const struct actor *a, const struct result_rule *rule, const char **why);

/* A patient's own preference: see results only after their clinician has commented. */
enum err result_pref_get(const struct actor *a, const struct id *patient, bool *comment_first);
enum err result_pref_set(const struct actor *a, const struct id *patient, bool comment_first);

#endif
