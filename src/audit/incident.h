/*
 * Incident reports (DESIGN.md invariant 7): from the audit trail, exactly which records of
 * which patients were served, filtered by actor, session, address and time. "Served" means an
 * allowed access whose record was durable before the response left (see audit.h); denials and
 * misses are counted but never listed as served.
 */
#ifndef MEDKEEP_INCIDENT_H
#define MEDKEEP_INCIDENT_H
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "util/id.h"

struct incident_filter {
	bool by_actor;
	struct id actor; /* account id, or a practice system's (feed or system client) id */
	bool by_session;
	struct id session;
	const char *ip; /* NULL for any */
	int64_t since_ms; /* 0 for the beginning */
	int64_t until_ms; /* 0 for now */
	/* Also list what was written, not only what was served: for a practice system (--system),
	 * whose work is mostly writing (enrolments, corrections, documents and results filed). */
	bool with_writes;
};

enum incident_format { INCIDENT_TABLE, INCIDENT_CSV, INCIDENT_JSON };

/* One resource of one patient, and how often it was served. */
struct incident_line {
	char patient[ID_HEX_LEN + 1];
	char rtype[24]; /* Patient, DocumentReference, Binary, DiagnosticReport, Observation,
			 * MedicationRequest, Appointment, MessageThread, Communication, AuditEvent,
			 * ProxyGrant, Bundle (see incident.c) */
	char rid[ID_HEX_LEN + 1];
	int64_t first_ms, last_ms, times, bytes;
};

struct incident_result {
	struct incident_line *lines; /* sorted by patient, type, id; free with incident_free */
	size_t n;
	int64_t examined, denied;
};

/* Everything served under filter f. 0, or -1 when the trail could not be read. */
int incident_collect(const struct incident_filter *f, struct incident_result *out,
		     void (*progress)(int64_t done));
void incident_free(struct incident_result *r);
/* A time in milliseconds as YYYY-MM-DDTHH:MM:SSZ (UTC). */
void incident_time(int64_t ms, char out[32]);

/* Write the report for filter f to out. label describes the filter for people (may be NULL).
 * Returns 0, or -1 when the trail could not be read. */
int incident_report(const struct incident_filter *f, enum incident_format fmt, const char *label,
		    FILE *out, void (*progress)(int64_t done));

#endif
