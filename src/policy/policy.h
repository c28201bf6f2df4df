/*
 * The one authorization gate (DESIGN.md invariant 1).
 *
 *   policy_decide(actor, action, target) -> grant | deny
 *
 * Every read or write of patient data is decided here and nowhere else; handlers never
 * inline a role check. Deny is the default: an unknown role, action or a missing fact denies.
 */
#ifndef MEDKEEP_POLICY_H
#define MEDKEEP_POLICY_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "policy/grant.h"
#include "util/id.h"
#include "util/text.h"

enum role {
	ROLE_NONE = 0,
	ROLE_PATIENT,
	ROLE_CLINICIAN,
	ROLE_PRACTICE_ADMIN,
	ROLE_OPERATOR,
	/* A practice's system: its management system over FHIR (SMART Backend Services) or a
	 * laboratory's or hospital's HL7 v2 feed. Registered to one practice; reaches only that
	 * practice's patients, within its system scopes (SYSTEM_SCOPE_*); never a person. */
	ROLE_SYSTEM,
};
#define ROLE_LAST ROLE_SYSTEM

#define ACTOR_IP_MAX 46

/* Who is asking, as established by authentication (never by request parameters). */
struct actor {
	struct id account;
	struct id session;
	enum role role;
	bool has_practice;
	struct id practice; /* staff: the practice they work for */
	bool has_patient;
	struct id patient; /* patient: their own record */
	/* A patient-role actor's pages show one record at a time: their own, or one they hold
	 * proxy access to (chosen in the session). Only what is shown: the gate still decides
	 * every access from the live grants, never from this. */
	bool has_record;
	struct id record;
	unsigned record_scopes; /* what the pages may offer of it (enum proxy_scope bits) */
	char ip[ACTOR_IP_MAX];
	bool mfa;          /* this session passed a second factor */
	bool mfa_enrolled; /* the account has one */
	int64_t factor_at;  /* when this session last passed a second factor (0: never) */
	bool mfa_required;  /* a patient whose practice requires a second factor */
	/* The session token this actor presented (owned by the request), or NULL for local
	 * command-line work. Passed to the vault, which believes only the token. */
	const char *token;
	/* Acting through an app's access token (docs/internals/APPS.md): only reads of the
	 * patient's own record, within the scopes they consented to (APP_SCOPE_*). */
	bool app;
	unsigned app_scopes;
	/* A practice system (ROLE_SYSTEM): what it may write and read (SYSTEM_SCOPE_*). */
	unsigned system_scopes;
	/* The language the account chose for its pages and emails (util/text.h; LANG_EN unless
	 * chosen). Not a decision: only what the pages say. */
	enum lang lang;
};

#define TARGET_MAX_PRACTICES 8

/* What a proxy grant may cover: one bit per part of the record (proxy_scope_name). */
enum proxy_scope {
	SCOPE_DOCUMENTS = 1u << 0,
	SCOPE_RESULTS = 1u << 1,
	SCOPE_MEDICATIONS = 1u << 2,
	SCOPE_APPOINTMENTS = 1u << 3,
	SCOPE_MESSAGES = 1u << 4,
	SCOPE_SUMMARY = 1u << 5, /* the health summary (docs/internals/SUMMARY.md) */
	SCOPE_ALL = (1u << 6) - 1,
};
/* An app's scopes: the parts above it may read, plus the patient's demographics, which an
 * app must be given by name (a proxy reaches them with any scope). */
#define APP_SCOPE_PATIENT (1u << 8)
#define APP_SCOPE_ALL (SCOPE_ALL | APP_SCOPE_PATIENT)

/* A practice system's scopes (SMART `system/` scopes): it writes the register and files
 * documents and results; of reading it has only the register (to find a patient by NHI). */
enum system_scope {
	SYSTEM_SCOPE_PATIENT_READ = 1u << 0,   /* system/Patient.r (.rs) */
	SYSTEM_SCOPE_PATIENT_WRITE = 1u << 1,  /* system/Patient.cu: enrol, correct, merge */
	SYSTEM_SCOPE_DOCUMENT_WRITE = 1u << 2, /* system/DocumentReference.c */
	SYSTEM_SCOPE_RESULT_WRITE = 1u << 3,   /* system/DiagnosticReport.c, Observation.c */
	/* system/AllergyIntolerance.c, Condition.c, Immunization.c: the health summary, vital-sign
	 * Observations included (docs/internals/SUMMARY.md) */
	SYSTEM_SCOPE_SUMMARY_WRITE = 1u << 4,
	SYSTEM_SCOPE_ALL = (1u << 5) - 1,
};

/* Facts about the patient being reached, looked up by the domain layer before deciding. */
struct target {
	bool exists;
	struct id patient;
	size_t n_practices;
	struct id practices[TARGET_MAX_PRACTICES]; /* practices where the patient is enrolled */
	/* For each enrolment, from when that practice sees the record (0: all of it): a
	 * practice the patient moved to sees what came before only if the patient shares it. */
	int64_t history_from[TARGET_MAX_PRACTICES];
	/* When the resource reached was made (0: the patient's record as a whole, or a new
	 * resource): a practice sees it only from its history_from on. */
	int64_t created;
	/* The scopes of the actor's live proxy grant to this patient (0: none), looked up for
	 * this actor when the request is made, so an expired or revoked grant stops at once. */
	unsigned proxy_scopes;
};

/*
 * After a deny: does the actor reach this patient's record, but not for this action, because
 * the scopes it holds leave it out (an app's consented scopes, a proxy's grant, a practice
 * admin's register without clinical content)? Such an actor
 * already knows the record exists, so it is told so (403, insufficient_scope) rather than
 * "not found", and it is not enumeration (DESIGN.md invariant 2).
 */
bool policy_outside_scope(const struct actor *actor, enum action action,
			  const struct target *target);

/* Seal grants with a fresh per-process value; call once at start. */
void policy_init(void);
/* 0 and *out filled when allowed; -1 (and *out zeroed) when denied. */
int policy_decide(const struct actor *actor, enum action action, const struct target *target,
		  struct grant *out) __attribute__((warn_unused_result));

/*
 * Command-line tools (run by the operator, holding the master key themselves) act on patient
 * records without a session: for example `incident notify` seals a notice to each affected
 * patient. Such a process enables local grants once; a worker never does, so no request can
 * reach this path. Deny unless enabled.
 */
void policy_enable_local_tools(void);
/* Whether this process is a command-line tool that may enrol patients (`medkeep import`). */
bool policy_may_enrol_local(void);
int policy_decide_local(enum action action, const struct target *target, struct grant *out)
	__attribute__((warn_unused_result));

/* Which kinds of document an actor may create: patients only their own uploads, clinicians
 * only clinical kinds. Decided here so that no handler inlines a role check. */
bool policy_may_create_kind(const struct actor *actor, bool is_patient_upload);

/* Who may see the operator's alerts (breaker trips): operators, after their second factor. */
bool policy_may_view_alerts(const struct actor *actor);

/* Who may review a lock of the breaker (see the trip, unlock, or keep it locked): an operator,
 * after their second factor, for any account but their own; a practice admin, after theirs,
 * for staff of their own practice (subject_practice) and for patients enrolled there
 * (patient_target, the locked account's own record). Nobody reviews their own lock. */
bool policy_may_review_lock(const struct actor *actor, const struct id *subject_account,
			    enum role subject_role, const struct id *subject_practice,
			    const struct target *patient_target);
/* Who may see a list of locks at all (each one still passes policy_may_review_lock): operators
 * and practice admins, after their second factor. */
bool policy_may_review_locks(const struct actor *actor);

/* Who may ask about a token at the introspection endpoint (RFC 7662, APPS.md): a resource
 * server, which here is a registered practice system (a confidential client that proved its
 * private key for the bearer token it calls with). Never a person, an app or anyone else. */
bool policy_may_introspect(const struct actor *actor);

/* Who may invite a patient to register an account tied to their record: a clinician or the
 * practice admin of a practice where the patient is enrolled, after their second factor. */
bool policy_may_invite(const struct actor *actor, const struct target *target);
/* Who may publish appointment slots for a practice: its clinicians and practice admins, after
 * their second factor (slots are the practice's timetable, not a patient's record). */
bool policy_may_manage_slots(const struct actor *actor, const struct id *practice);
/* Who may list a practice's clinical work (the repeat queue, a clinician's day list): its
 * clinicians, after their second factor. Each patient in such a list still passes the gate. */
bool policy_may_work_queue(const struct actor *actor, const struct id *practice);
/* Results: the clinician's inbox of their practice's unreleased results (clinicians, after
 * their second factor); the practice's release rules (its clinicians and practice admins);
 * the "show me results only after my clinician has commented" choice (the patient themselves,
 * never a proxy: g is the patient's grant). */
bool policy_may_view_result_inbox(const struct actor *actor);
bool policy_may_manage_result_rules(const struct actor *actor);
bool policy_may_set_result_preference(const struct grant *g);
/* Who may see a practice's message inbox (threads and unread counts across its patients):
 * clinicians of that practice, after their second factor. Each thread's patient still goes
 * through policy_decide. */
bool policy_may_view_inbox(const struct actor *actor);
/* A message thread is between a patient and one practice: a patient or proxy reaches every
 * thread of the record the grant is for; staff only their own practice's threads, even for a
 * patient also enrolled elsewhere. */
bool policy_thread_in_reach(const struct actor *actor, const struct grant *g,
			    const struct id *thread_practice);
/* The same as a filter for a list of a patient's messages: 0 every thread of the record, 1
 * only the threads of *practice (staff), -1 none. */
int policy_thread_reach(const struct actor *actor, const struct grant *g, struct id *practice);

/* Whether a proxy whose grant has `scopes` may be emailed a notice about `about` (the action
 * that would show what the notice tells of: ACTION_RESULT_READ for a released result, ...):
 * only within the grant's scopes (docs/internals/NOTICES.md). */
bool policy_notice_to_proxy(unsigned scopes, enum action about);
/* Whether this staff account is told of new patient messages of its practice (and may choose
 * so on its account page): clinicians of a practice, who answer the inbox. */
bool policy_gets_staff_notices(enum role role, bool has_practice);
/* Whether this staff account is told when another practice asks to take on one of its
 * practice's patients (and may choose so): its clinicians and practice admins, who decide moves
 * (policy_may_decide_transfer). */
bool policy_gets_transfer_notices(enum role role, bool has_practice);

/* The scope a proxy needs for an action; 0 for actions a proxy may never take (granting
 * access onward, reading the access log, exporting the whole record). Patient demographics
 * need any scope. */
unsigned policy_proxy_scope_for(enum action action);
/* Whether a proxy grant with `scopes` covers the action: one of the scopes it needs
 * (policy_proxy_scope_for), and for the patient's contact details (ACTION_DETAILS_UPDATE)
 * every scope: only a grant for the whole record. */
bool policy_proxy_covers(unsigned scopes, enum action action);
/* Whether an actor that may read this patient's demographics (ACTION_PATIENT_READ, already
 * granted) is also shown their contact details (phones, postal address): everyone who reads
 * the Patient, except a proxy whose grant does not cover the whole record (t->proxy_scopes as
 * the gate filled it). DETAILS.md. */
bool policy_sees_contact(const struct actor *a, const struct target *t);
const char *proxy_scope_name(unsigned one_scope);

/* Whether this actor must pass a second factor before reaching any patient data: staff
 * always; patients when a practice they are enrolled at requires it. */
bool policy_needs_second_factor(const struct actor *actor);
/* Who may enrol a new patient at a practice (there is no record to decide on yet): its
 * clinicians and practice admins after their second factor, and its systems holding
 * SYSTEM_SCOPE_PATIENT_WRITE. Changing an enrolled patient's details is ACTION_PATIENT_WRITE
 * through policy_decide. */
bool policy_may_enrol(const struct actor *actor, const struct id *practice);
/* Whether the target's patient is enrolled at practice (one of its enrolments). */
bool policy_enrolled_at(const struct target *t, const struct id *practice);
/* Search the register of the actor's own practice by name and birth date: its clinicians and
 * practice admins (each patient found is still read through the gate). */
bool policy_may_search_register(const struct actor *actor);
/* The practice-wide list of open recalls (what each is for is clinical): its clinicians only,
 * as setting one is (ACTION_RECALL_SET), never its admins. */
bool policy_may_list_recalls(const struct actor *actor);
/* Who may ask that a patient enrolled elsewhere move to this practice, and see the moves
 * asked of it and by it: its clinicians and practice admins after their second factor. Never
 * a system: a move takes a person's agreement (docs/internals/TRANSFERS.md). */
bool policy_may_ask_transfer(const struct actor *actor, const struct id *practice);
/* Who may agree to (or refuse) a patient's move away from `from` (NULL: the patient is
 * enrolled nowhere): the patient themselves, or the staff of the practice they are leaving. */
bool policy_may_decide_transfer(const struct actor *actor, const struct id *patient,
				const struct id *from);
/* Who may choose whether a practice sees what came before the patient moved there: the
 * patient themselves. */
bool policy_may_share_history(const struct actor *actor, const struct id *patient);
/* Who may work a practice's feed queue (HL7 messages whose patient could not be matched) and
 * see its feeds' state: its clinicians and practice admins, after their second factor. */
bool policy_may_work_feed_queue(const struct actor *actor, const struct id *practice);
/* Who may change a practice's settings: its practice admin, after their second factor. */
bool policy_may_manage_practice(const struct actor *actor, const struct id *practice);

/* Step-up: exporting a record, granting proxy access, changing email, password or second
 * factor need a second factor passed within STEP_UP_SECONDS (limits.h) of now. */
bool policy_factor_fresh(const struct actor *actor, int64_t now);
/* Whether this actor's record export (Patient/{id}/$everything, the export page) needs that
 * fresh factor: yes for people in the portal; an app's export is only the parts its consented
 * scopes already let it search (policy_export_covers), so no. */
bool policy_export_step_up(const struct actor *a);
/* Whether an export by this actor includes the part listed by list_action (document.list,
 * result.list, ..., accesslog.read): all of them for the patient; for an app, those its
 * scopes cover (never the access log). Each part is still decided by the gate. */
bool policy_export_covers(const struct actor *a, enum action list_action);

/* How this actor reaches this patient's record, whatever the action: a patient their own
 * record (self) or another's (proxy, allowed only within a live grant's scopes), staff
 * (staff). The audit trail records it with each access. */
enum grant_via policy_via(const struct actor *actor, const struct id *patient);
/* "self", "proxy", "staff", "local". */
const char *grant_via_name(enum grant_via via);
/* Who may set up a parent's or carer's access to a child's record for a practice: the
 * clinician of a practice where the child is enrolled (the gate decides that part); the
 * child must be younger than PROXY_CHILD_AGE_YEARS (limits.h). */
bool policy_may_grant_for_child(const struct actor *actor);

/* Actions that change the record: their audit record is durable before the change. */
bool action_is_write(enum action action);

const char *role_name(enum role r);
/* A role as people read it ("Practice administrator"), for a patient's access log; "Unknown"
 * for ROLE_NONE or a value outside the enum. A static string. */
const char *policy_role_label(enum role r);
enum role role_parse(const char *s);
const char *action_name(enum action a);

#endif
