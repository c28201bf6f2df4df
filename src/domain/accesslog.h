/*
 * "Who has seen my record": a patient's own access log, from the audit trail. Each record
 * says who (without naming anyone: "You", "a clinician at <practice>", "someone with family
 * or carer access"), their role, what they did, when, from which practice and how they
 * reached the record (themselves, a proxy, staff, or break-glass). Only the patient reads it
 * (accesslog.read); reading it is itself audited.
 */
#ifndef MEDKEEP_ACCESSLOG_H
#define MEDKEEP_ACCESSLOG_H
#include "domain/domain.h"

enum access_via {
	ACCESS_SELF,        /* the patient */
	ACCESS_PROXY,       /* someone holding (or who held) proxy access to the record */
	ACCESS_STAFF,       /* staff of a practice the patient is enrolled with */
	ACCESS_BREAK_GLASS, /* staff of a practice the patient is not enrolled with: the gate
			     * lets staff reach such a record only by break-glass */
	ACCESS_APP,         /* an app the patient connected, reading for them */
	ACCESS_OTHER,       /* any other account (its attempts were refused) */
	ACCESS_SYSTEM,      /* a practice's system (an HL7 v2 feed, a FHIR system client), named */
};

struct access_entry {
	int64_t seq;          /* the record (the oldest, when folded): page cursor */
	char key[33];         /* an opaque, stable id of the record (hex of its chain hash) */
	int64_t newest_ms;    /* when (the newest, when folded) */
	int64_t oldest_ms;
	int count;            /* records folded into this entry (1 when not folded) */
	char action[40];      /* audit action, e.g. "document.read" */
	char rtype[24];       /* resource kind, e.g. "DocumentReference" */
	bool has_rid;
	struct id rid;
	char outcome[16];
	enum access_via via;
	enum role role;
	const char *practice_name; /* staff: their practice; NULL otherwise */
	const char *who;           /* display, never a person's name (a practice system's, yes) */
	const char *what;          /* the action in words */
	bool allowed;
	char session[ID_HEX_LEN + 1];
	char actor[ID_HEX_LEN + 1];
};

/*
 * One page of the access log of patient, newest first: records with seq < before (0: the
 * newest), at most LIMIT_ACCESSLOG_PAGE, leaving out the patient's own actions when
 * others_only. *next_before is the cursor of the next (older) page, 0 when there is none.
 */
enum err accesslog_read(const struct actor *a, const struct id *patient, int64_t before, bool others_only,
			struct arena *ar, struct access_entry **out, size_t *n, int64_t *next_before);

/*
 * Fold runs of the same access for reading: consecutive records by the same actor and session
 * with the same action, kind and outcome within ten minutes become one entry with a count,
 * and every look at this log by the patient on the page becomes one entry (at the newest), so
 * the page is not flooded by its own records. *out is allocated from ar.
 */
enum err accesslog_fold(const struct access_entry *in, size_t n, struct arena *ar,
			struct access_entry **out, size_t *nout);

/* A label for how the record was reached ("You", "Family or carer", "Staff", "Break-glass",
 * "Practice system"). */
const char *access_via_label(enum access_via v);

#endif
