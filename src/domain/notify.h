/*
 * Notices (docs/internals/NOTICES.md): the emails that tell patients, the proxies who hold
 * their records, and clinicians that something they wait for has happened. Each names the
 * practice, gives the portal's address as plain text, and says nothing clinical (no result,
 * medicine or message text). They go through the outbox (sealed, sent once by the mailer);
 * a notice for later (a reminder, a result the practice's rules release later) is a row
 * scheduled for its time and withdrawn if its event changes first.
 */
#ifndef MEDKEEP_NOTIFY_H
#define MEDKEEP_NOTIFY_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "policy/policy.h"
#include "util/arena.h"
#include "util/id.h"
#include "util/text.h"

/* The kinds a person turns on or off (bits of notify_pref). */
enum notify_kind {
	NOTIFY_RESULTS = 1u << 0,      /* a result released */
	NOTIFY_REPEATS = 1u << 1,      /* a repeat prescription approved or declined */
	NOTIFY_APPOINTMENTS = 1u << 2, /* an appointment booked or cancelled */
	NOTIFY_REMINDERS = 1u << 3,    /* the day before an appointment */
	NOTIFY_MESSAGES = 1u << 4,     /* a message from the practice */
	NOTIFY_STAFF_MESSAGES = 1u << 5, /* clinicians: patients' messages are waiting */
	NOTIFY_RECALLS = 1u << 6,      /* a recall the practice set is due */
	NOTIFY_STAFF_TRANSFERS = 1u << 7, /* clinicians, practice admins: a move of a patient
					    * of their practice was asked */
	NOTIFY_STAFF_KINDS = NOTIFY_STAFF_MESSAGES | NOTIFY_STAFF_TRANSFERS,
	NOTIFY_PATIENT_KINDS = ((1u << 5) - 1) | NOTIFY_RECALLS,
};

struct notify_kind_info {
	unsigned bit;
	const char *slug;  /* form field and outbox tag: "results" */
	const char *label; /* "Results ready to view" */
	enum action about; /* what a proxy's grant must cover (policy_notice_to_proxy) */
};
/* Every kind, in the order the settings page shows them; *n how many. */
const struct notify_kind_info *notify_kinds(size_t *n);

struct notify_event {
	unsigned kind;
	struct id patient;
	struct id practice;
	const struct id *ref; /* the event (result, appointment...): earlier unsent notices of it
			       * are withdrawn first, and this one is tagged with it; may be NULL */
	int64_t not_before;   /* send from this time on; 0: at once */
	/* The words, from the text table (util/text.h), so that each recipient reads them in
	 * the language their account chose: the subject a fixed string (no PHI, no link); the
	 * line what happened, naming the practice, nothing clinical, its %1 .. %4 filled from
	 * args, or, where arg_text[i] is not TEXT_NONE, from that string in the recipient's
	 * language. */
	enum text_id subject;
	enum text_id line;
	const char *args[TEXT_ARGS];
	enum text_id arg_text[TEXT_ARGS];
};

/* Queue e's notice to the record's own logins (unless they turned the kind off) and to its
 * live proxies whose grant covers the kind and who turned it on. Best effort after the event
 * is stored: a failure is logged (ids only) and never undoes the event. Local tools (an
 * import, the demo: an actor with no token) send nothing: replaying history is not news. */
void notify_record(const struct actor *a, const struct notify_event *e);
/* A matter of the record itself that its own logins are always told of, whatever their
 * choices and never its proxies' (a practice asking to take the patient on, a move made):
 * e's patient, practice, subject, line and args as for notify_record (its kind, ref and time
 * are not used), naming the practices and nothing clinical. */
void notify_record_owner(const struct actor *a, const struct notify_event *e);
/* A result becomes visible to the patient at release_at (now or later: scheduled): withdraw
 * any notice of it scheduled before, and queue "a new result from <practice> is ready"
 * (no test named). */
void notify_result_ready(const struct actor *a, const struct id *result, const struct id *patient,
			 const struct id *practice, int64_t release_at, struct arena *ar);
/* Withdraw the unsent notices of an event (ref), as when an appointment is cancelled. */
void notify_withdraw(const struct id *ref);
/* A patient wrote to practice: tell each clinician of it who has not turned this off, at most
 * once per NOTIFY_STAFF_WINDOW_SECONDS each ("new messages are waiting"). Best effort. */
void notify_staff_messages(const struct actor *a, const struct id *practice);
/* Another practice (asking) asked to take on a patient of practice: tell each clinician and
 * practice admin of it who has not turned this off, at most once per
 * NOTIFY_STAFF_WINDOW_SECONDS each (claimed apart from the messages' notice): the asking
 * practice's name and where to decide, never the patient. Best effort. */
void notify_staff_transfer(const struct actor *a, const struct id *practice,
			   const struct id *asking);
/* The practice's name for a notice, in ar ("your practice" when it has none). */
const char *notify_practice_name(const struct id *practice, struct arena *ar);
/* When the reminder of an appointment starting at `start` (UTC) is sent: NOTIFY_REMINDER_HOUR
 * NZ local time (Pacific/Auckland, daylight saving included) on the NZ day before. The one
 * place this rule lives. */
int64_t notify_reminder_at(int64_t start);

/* One record's notice choices as the settings page shows them. */
struct notify_prefs_view {
	struct id record; /* the zero id: a clinician's own notices */
	bool own;         /* the account's own record (defaults on) or a held one (defaults off) */
	unsigned offered; /* kinds that may be chosen (a proxy: within its grant's scopes) */
	unsigned on;      /* kinds that are on */
};
/* The actor's records (own first, then held ones) or, for a clinician, its staff notices,
 * each gated (ACTION_NOTICE_PREFS) and audited. At most 1 + LIMIT_LIST. ERR_OK (n may be 0:
 * nothing to choose) or ERR_INTERNAL. */
enum err notify_prefs_list(const struct actor *a, struct arena *ar, struct notify_prefs_view **out,
			   size_t *n);
/* Turn the offered kinds of one record on (bits in on) and off; the zero record is a
 * clinician's own. Gated and audited; ERR_NOT_FOUND when the record is not the actor's to
 * choose for. Turning a kind off also withdraws its notices scheduled for later. */
enum err notify_prefs_set(const struct actor *a, const struct id *record, unsigned on);

#endif
