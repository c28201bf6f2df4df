/*
 * The clinician's results inbox (results.h, docs/internals/RESULTS.md "The inbox"): a page of
 * the practice's results neither released nor filed, the clinician's own patients or all, the
 * next item after one acted on, and the filing actions that take a result off it without
 * releasing it (file; ask the patient to book). Releasing is result_release (results.c).
 */
#include "domain/results.h"
#include "domain/domain_int.h"
#include "domain/messages.h"
#include "domain/results_int.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

#include "audit/audit.h"
#include "limits.h"
#include "store/results.h"

static void inbox_query(const struct actor *a, bool mine, struct store_inbox_query *q)
{
	memset(q, 0, sizeof(*q));
	q->practice = &a->practice;
	q->mine = mine ? &a->account : NULL;
	q->now = (int64_t)time(NULL);
}

enum err result_inbox(const struct actor *a, bool mine, size_t offset, struct arena *ar,
		      struct inbox_row **out, size_t *n, int64_t *total)
{
	*n = 0;
	*total = 0;
	bool ok = policy_may_view_result_inbox(a);
	if (result_audit_practice(a, "result.inbox", ok) != ERR_OK)
		return ERR_INTERNAL;
	if (!ok)
		return ERR_NOT_FOUND;
	struct store_inbox_query q;
	inbox_query(a, mine, &q);
	q.offset = offset;
	q.limit = RESULT_INBOX_PAGE;
	struct store_result *rows;
	size_t count = 0;
	if (store_result_inbox(&q, ar, &rows, &count, total) != ERR_OK)
		return ERR_INTERNAL;
	*out = arena_calloc(ar, count ? count : 1, sizeof(**out));
	if (*out == NULL)
		return ERR_INTERNAL;
	/* Each row goes through the gate on its own: the inbox is a convenience, not a grant. A
	 * patient's name is read (and audited) once per page, however many results they have. */
	for (size_t i = 0; i < count; i++) {
		struct inbox_row *r = &(*out)[*n];
		const struct patient_view *known = NULL;
		for (size_t k = 0; k < *n && known == NULL; k++)
			if (id_eq(&(*out)[k].patient.id, &rows[i].patient))
				known = &(*out)[k].patient;
		int rc = domain_row_in_reach(a, ACTION_RESULT_LIST, &rows[i].patient,
					     "DiagnosticReport", &rows[i].id);
		if (rc == ERR_OK && known == NULL)
			rc = patient_read(a, &rows[i].patient, ar, &r->patient);
		else if (rc == ERR_OK)
			r->patient = *known;
		if (rc == ERR_NOT_FOUND || rc == ERR_GONE)
			continue; /* no longer enrolled here, or erased */
		if (rc != ERR_OK)
			return rc;
		if (domain_audit(a, ACTION_RESULT_LIST, &rows[i].patient, "DiagnosticReport",
				 &rows[i].id, AUDIT_ALLOW, 0) != 0)
			return ERR_INTERNAL;
		result_view_from_row(&rows[i], q.now, &r->result);
		(*n)++;
	}
	return ERR_OK;
}

enum err result_inbox_next(const struct actor *a, const struct id *after, bool mine, struct id *next)
{
	struct arena ar;
	arena_init(&ar, LIMIT_CALL_ARENA);
	struct grant g;
	struct store_patient p;
	struct store_result row;
	int rc = result_fetch(a, ACTION_RESULT_RELEASE, after, "DiagnosticReport", &ar, &g, &p, &row);
	if (rc == ERR_OK) {
		struct store_inbox_query q;
		inbox_query(a, mine, &q);
		rc = store_result_inbox_next(&q, &row, next);
	}
	arena_release(&ar);
	return rc;
}

/* The record of a filing, durable before it is made (a write). */
static enum err audit_filing(const struct actor *a, const char *name, const struct id *patient,
			     const struct id *result)
{
	struct audit_event e = {.actor = a, .action = name, .patient = patient,
				.rtype = "DiagnosticReport", .rid = result, .outcome = AUDIT_ALLOW,
				.via = grant_via_name(policy_via(a, patient)), .deferrable = false};
	return audit_append(&e) == 0 ? ERR_OK : ERR_INTERNAL;
}

/* What the patient reads in their messages: nothing about the result itself unless the
 * clinician writes it in the note, which is sealed like every message. */
#define BOOK_SUBJECT "Please book an appointment"
#define BOOK_TEXT "Please book an appointment with us to talk about a recent test result."

enum err result_file_off(const struct actor *a, const struct id *result, enum result_filing how,
			 const char *note, struct arena *ar, const char **why)
{
	*why = NULL;
	struct grant g;
	struct store_patient p;
	struct store_result row;
	int rc = result_fetch(a, ACTION_RESULT_RELEASE, result, "DiagnosticReport", ar, &g, &p, &row);
	if (rc != ERR_OK)
		return rc;
	if (row.reviewed || row.released_by_clinician) {
		*why = "This result was filed or released already.";
		return ERR_INVALID;
	}
	if (how != RESULT_ASK_TO_BOOK || (note && note[0] == '\0'))
		note = NULL; /* a filing carries no note */
	if (note && strlen(note) > LIMIT_TEXT_FIELD) {
		*why = "The note is too long (up to 1000 characters).";
		return ERR_INVALID;
	}
	const char *name = how == RESULT_ASK_TO_BOOK ? "result.book" : "result.file";
	if (audit_filing(a, name, &row.patient, result) != ERR_OK)
		return ERR_INTERNAL;
	if (how == RESULT_ASK_TO_BOOK) {
		struct message_new m = {.patient = row.patient, .subject = BOOK_SUBJECT,
					.text = note ? arena_printf(ar, "%s\n\n%s", BOOK_TEXT, note)
						     : BOOK_TEXT};
		struct id thread, message;
		if (m.text == NULL)
			return ERR_INTERNAL;
		rc = message_send(a, &m, ar, &thread, &message, why);
		if (rc != ERR_OK)
			return rc;
	}
	rc = store_result_review(&g, result, (int64_t)time(NULL),
				 how == RESULT_ASK_TO_BOOK ? "book" : "filed");
	if (rc == ERR_NOT_FOUND) { /* filed by a colleague a moment ago */
		*why = "This result was filed or released already.";
		return ERR_INVALID;
	}
	return rc == ERR_OK ? ERR_OK : ERR_INTERNAL;
}
