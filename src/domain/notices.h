/*
 * Incident notices: what an operator's `medkeep incident notify` tells each affected patient,
 * sealed with that patient's key, shown on their security page, and carrying a reference the
 * patient can check there, so a genuine email can be told from a phishing copy.
 */
#ifndef MEDKEEP_NOTICES_H
#define MEDKEEP_NOTICES_H
#include <stddef.h>
#include <stdint.h>

#include "policy/policy.h"
#include "util/arena.h"
#include "util/id.h"

#define NOTICE_REFERENCE_LEN 12 /* MK-XXXX-XXXX */

struct notice_view {
	struct id id;
	char reference[NOTICE_REFERENCE_LEN + 1];
	int64_t created;
	const char *what;    /* what happened */
	const char *actions; /* what the patient can do */
	const char *contact; /* whom to contact */
	const char *first_served, *last_served; /* ISO 8601 UTC, as the notice was written */
	int64_t first_served_at, last_served_at; /* the same as instants; 0 when unreadable */
	size_t n_resources;
	const char **resource_types; /* "Patient", "DocumentReference", "Binary" */
	struct id *resource_ids;
};

/* The notices on a patient's record, newest first (audited like any read of the record). */
enum err notice_list(const struct actor *a, const struct id *patient, struct arena *ar,
		     struct notice_view **out, size_t *n);

/* Command-line tools only (policy_enable_local_tools): seal and store a notice whose body is
 * the JSON document `body`; writes the new reference. Returns a domain_rc. */
enum err notice_create_local(const struct id *patient, const char *body,
			     char reference[NOTICE_REFERENCE_LEN + 1]);

#endif
