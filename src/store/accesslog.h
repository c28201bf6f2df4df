/*
 * A patient's own access log: the audit trail's records about one patient, read through a
 * grant (accesslog.read) for that patient, and the facts needed to say who each actor was
 * (role, practice, whether they are the patient or hold proxy access), never their identity.
 */
#ifndef MEDKEEP_STORE_ACCESSLOG_H
#define MEDKEEP_STORE_ACCESSLOG_H
#include "limits.h"
#include "store/store.h"

/*
 * Up to max records about patient (grant: accesslog.read for that patient), newest first,
 * with seq < before (0: from the newest). When skip_actor is not NULL, records by that actor
 * (hex account id) are left out. *out is allocated from a.
 */
enum err store_accesslog_list(const struct grant *g, const struct id *patient, int64_t before,
			      const char *skip_actor, size_t max, struct arena *a,
			      struct audit_record **out, size_t *n);

/* What the access log may say about an account: metadata only (no email, no name). */
struct store_actor_facts {
	bool exists;
	enum role role;
	bool has_practice;
	struct id practice;
	bool has_patient;
	struct id patient;  /* a patient account's own record */
	bool ever_proxy;    /* has held a proxy grant to the patient asked about */
};
/* Unscoped metadata: facts about account for the access log of patient. */
enum err store_actor_facts(const struct id *account, const struct id *patient, struct store_actor_facts *out);

/* What the access log and incident reports may say about an actor that is not an account: a
 * practice system, by its id. */
struct store_system_facts {
	bool exists;
	bool has_practice;
	struct id practice; /* a feed's practice (a system client's is not looked up here) */
	char name[LIMIT_SYSTEM_NAME + 1];
};
/* Unscoped configuration, no patient data: the HL7 v2 feed (removed ones too, so that what a
 * feed did stays attributable) or else the registered client (the apps table, for a FHIR
 * system client) whose id is `id`. ERR_OK with out->exists false when it is neither;
 * ERR_INTERNAL when the store fails. */
enum err store_system_facts(const struct id *id, struct store_system_facts *out);

#endif
