/*
 * Storage of the health summary (SQLite: store_summary.c, docs/internals/SUMMARY.md): a
 * patient's allergies, problems (conditions), immunisations and vital signs as their practice
 * sends them. What a row says clinically (the allergen, the diagnosis, the vaccine, a
 * measurement's value, any words) is sealed with the patient's key (VREC_SUMMARY). What stays
 * in clear is what the gate, the lists and the paging need: ids, the patient, the practice
 * that sent it, the kind, its FHIR status, its date and, for a vital sign only, which
 * measurement it is (a LOINC code from a fixed list of eight, no value). Patient-scoped
 * functions take a grant and return ERR_DENIED without one for that patient and action.
 */
#ifndef MEDKEEP_STORE_SUMMARY_H
#define MEDKEEP_STORE_SUMMARY_H
#include "store/store.h"

enum summary_kind {
	SUMMARY_ALLERGY = 0, /* FHIR AllergyIntolerance */
	SUMMARY_CONDITION,   /* FHIR Condition (a problem) */
	SUMMARY_IMMUNIZATION,
	SUMMARY_VITAL,       /* FHIR Observation, category vital-signs */
	SUMMARY_KIND_COUNT
};

/* "allergy", "condition", "immunization", "vital": the clear code of a kind (NULL if none). */
const char *summary_kind_name(enum summary_kind k);

struct store_summary {
	struct id id;
	struct id patient;
	struct id practice;  /* the practice whose system (or import) sent it */
	enum summary_kind kind;
	char status[24];     /* its FHIR status code (clinicalStatus, Immunization/Observation.status) */
	char code[16];       /* a vital sign's LOINC code; "" for the other kinds */
	int64_t effective;   /* onset, recorded, given or measured (unix time); 0 when not known */
	int64_t created;
	struct bytes detail; /* sealed JSON {part:"summary", ...} */
};

/* Metadata for the gate: the patient an entry belongs to and where they are enrolled.
 * ERR_NOT_FOUND when there is no such row. */
enum err store_summary_target(const struct id *entry, struct target *out);
/* Needs ACTION_SUMMARY_CREATE on e->patient. ERR_FULL when the patient already holds
 * LIMIT_LIST entries of the kind. */
enum err store_summary_insert(const struct grant *g, const struct store_summary *e);
/* The patient's entries of one kind, newest effective first (at most LIMIT_LIST, only those
 * the grant shows); needs ACTION_SUMMARY_LIST. Rows and their bytes from a. */
enum err store_summary_list(const struct grant *g, const struct id *patient, enum summary_kind kind,
			    struct arena *a, struct store_summary **out, size_t *n);
/* One entry, when g is a grant for its patient (ERR_DENIED, row wiped, otherwise). */
enum err store_summary_get(const struct grant *g, const struct id *entry, struct arena *a,
			   struct store_summary *out);

#endif
