/*
 * One line of a practice's FHIR Bulk Data export (NDJSON: one resource per line), mapped onto
 * what `medkeep import` files (docs/internals/IMPORT.md). Outside input: the mapping takes
 * (bytes, length), allocates only in the caller's arena (and the parsed JSON, released by
 * fhir_import_free), and is fuzzed (tests/fuzz/import_ndjson). It resolves nothing: the
 * resource's own id and its patient's id are those of the practice's system, for the caller
 * to look up in the import map.
 */
#ifndef MEDKEEP_FHIR_IMPORT_H
#define MEDKEEP_FHIR_IMPORT_H
#include <jansson.h>
#include <stdbool.h>

#include "domain/domain.h"
#include "domain/medications.h"
#include "domain/results.h"
#include "domain/summary.h"

enum import_type {
	IMPORT_PATIENT,
	IMPORT_DOCUMENT,    /* DocumentReference */
	IMPORT_REPORT,      /* DiagnosticReport */
	IMPORT_OBSERVATION, /* filed with the report that names it, or as a result of its own */
	IMPORT_MEDICATION,  /* MedicationRequest */
	IMPORT_APPOINTMENT,
	/* the health summary (docs/internals/SUMMARY.md) */
	IMPORT_ALLERGY,      /* AllergyIntolerance */
	IMPORT_CONDITION,    /* Condition */
	IMPORT_IMMUNIZATION, /* Immunization */
	IMPORT_VITAL,        /* an Observation of category vital-signs */
	IMPORT_TYPE_COUNT
};

/* The FHIR resource type of t ("Patient", "DocumentReference", ...). */
const char *fhir_import_type_name(enum import_type t);

/* A FHIR id: 1 to 64 of A-Z a-z 0-9 - . (FHIR R4 id datatype). */
#define IMPORT_SOURCE_ID_MAX 64

struct import_item {
	enum import_type type;
	const char *source_id; /* the resource's id in the practice's system */
	const char *subject;   /* its patient's id there (Patient/{id}); NULL for a Patient */
	const char *subject_nhi; /* or its patient's NHI (subject.identifier), when no reference */
	json_t *json;          /* the parsed resource (fhir_import_free) */
	/* IMPORT_PATIENT */
	struct patient_view patient;
	const char *email; /* telecom with system email: where an invitation may go; or NULL */
	/* IMPORT_DOCUMENT */
	struct document_new doc;
	/* IMPORT_REPORT with its Observations contained, and IMPORT_OBSERVATION (as a report of
	 * its own): the result to file, patient left zero. A report that names its Observations
	 * by reference instead has has_report false and their ids in results[]. */
	bool has_report;
	struct result_new *report;
	size_t n_results;
	const char *results[RESULT_MAX_OBSERVATIONS];
	/* IMPORT_MEDICATION */
	struct medication_new med;
	bool med_stopped;
	/* IMPORT_APPOINTMENT */
	int64_t start;
	int minutes;
	const char *reason; /* "" when none */
	/* IMPORT_ALLERGY .. IMPORT_VITAL: the entry to file, patient left zero */
	struct summary_entry summary;
};

/*
 * Map one NDJSON line (len bytes, no newline) onto *out. 0 on success; -1 with *why a reason
 * fit to print beside the line number: it names fields, never their values (no PHI).
 */
int fhir_import_parse(const char *line, size_t len, struct arena *ar, struct import_item *out,
		      const char **why);

/*
 * A DiagnosticReport that names its Observations by reference: file it with these parsed
 * Observation resources (each a line of the export) as if contained. 0, or -1 with *why.
 */
int fhir_import_report_with(struct import_item *it, json_t *const *obs, size_t n, struct arena *ar,
			    const char **why);

/* Release what fhir_import_parse holds outside the arena. */
void fhir_import_free(struct import_item *it);

#endif
