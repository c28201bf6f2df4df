/*
 * A grant: the policy gate's "yes", for one actor, one action, one patient.
 *
 * Store functions that touch patient-scoped rows and the vault's key operations take a grant
 * and refuse without a valid one for the same patient and action. Grants carry a seal that
 * only policy_decide knows how to set, so code cannot fill one in by hand and pass it off.
 * This header is the one piece of the policy layer that lower layers (store, vault) include.
 */
#ifndef MEDKEEP_GRANT_H
#define MEDKEEP_GRANT_H
#include <stdbool.h>
#include <stdint.h>

#include "util/id.h"

/* Every action on one patient's record. Keep the list in step with action_name and the
 * tables in policy.c (a unit test walks every action). */
enum action {
	ACTION_PATIENT_READ = 1,  /* demographics of one patient */
	ACTION_DOCUMENT_LIST,     /* the list of a patient's documents */
	ACTION_DOCUMENT_READ,     /* one document's metadata and bytes */
	ACTION_DOCUMENT_CREATE,   /* publish or upload a document to a patient */
	ACTION_RESULT_LIST,       /* a patient's lab results (released ones, unless staff) */
	ACTION_RESULT_READ,       /* one result with its observations */
	ACTION_RESULT_CREATE,     /* file a result for a patient (from a lab, or by staff) */
	ACTION_RESULT_RELEASE,    /* release a result to the patient, with a comment */
	ACTION_MEDICATION_LIST,   /* current medications and repeat requests */
	ACTION_MEDICATION_CREATE, /* prescribe: add a medication to the list */
	ACTION_REPEAT_REQUEST,    /* ask for a repeat prescription */
	ACTION_REPEAT_DECIDE,     /* approve or decline a repeat request */
	ACTION_APPOINTMENT_LIST,  /* a patient's appointments */
	ACTION_APPOINTMENT_BOOK,  /* book a slot for the patient */
	ACTION_APPOINTMENT_CANCEL,
	ACTION_MESSAGE_LIST,      /* message threads with the practice */
	ACTION_MESSAGE_READ,      /* one thread, its messages and attachments */
	ACTION_MESSAGE_SEND,      /* start a thread or answer in one */
	ACTION_PROXY_LIST,        /* who holds access to this record */
	ACTION_PROXY_GRANT,       /* give another account access to this record */
	ACTION_PROXY_REVOKE,
	ACTION_ACCESS_LOG_READ,   /* who has seen this record (the patient's own access log) */
	ACTION_RECORD_EXPORT,     /* the whole record as one FHIR Bundle */
	ACTION_PATIENT_WRITE,     /* correct an enrolled patient's details, or merge a duplicate */
	ACTION_NOTICE_PREFS,      /* choose which emails one's own account receives about this record */
	ACTION_RECALL_SET,        /* the practice sets a recall (a screening or review due) */
	ACTION_RECALL_LIST,       /* a patient's recalls */
	ACTION_DETAILS_UPDATE,    /* the patient's own phones and postal address (DETAILS.md) */
	ACTION_SUMMARY_LIST,      /* the health summary: allergies, problems, immunisations, vitals */
	ACTION_SUMMARY_CREATE,    /* file a summary entry (the practice's system, or its import) */
	ACTION_LAST = ACTION_SUMMARY_CREATE,
};

/* How the actor reached the patient: the audit trail records it with each access. */
enum grant_via {
	VIA_SELF = 0,  /* the patient themselves */
	VIA_PROXY,     /* a proxy (parent, carer) acting for the patient within a grant's scopes */
	VIA_STAFF,     /* staff of a practice where the patient is enrolled */
	VIA_LOCAL,     /* a command-line tool run by the operator */
	VIA_APP,       /* an app the patient connected, reading their own record for them */
	VIA_SYSTEM,    /* a practice's system (PMS or feed) for a patient enrolled there */
};

struct grant {
	uint64_t seal;
	enum action action;
	struct id patient;
	struct id actor;
	enum grant_via via;
	/* Staff see results before they are released; patients and proxies never do. Store
	 * functions for results filter on this, so no path (search included) can leak one. */
	bool sees_unreleased;
	/* Staff and systems of a practice the patient moved to see the rows made from this
	 * instant on, unless the patient shares what came before (docs/internals/TRANSFERS.md);
	 * 0: every row. Store functions skip older rows, for lists and single reads alike. */
	int64_t visible_from;
};

/* True when g is a sealed grant for this patient and action. */
bool grant_allows(const struct grant *g, const struct id *patient, enum action action);
/* True when a row made at `created` is within what g shows (visible_from). */
bool grant_shows(const struct grant *g, int64_t created);
/* True when g is a sealed grant for any action on this patient (for the patient's key row). */
bool grant_for_patient(const struct grant *g, const struct id *patient);
/* True when g is a sealed grant for this patient and an action that changes the record. */
bool grant_writes(const struct grant *g, const struct id *patient);

#endif
