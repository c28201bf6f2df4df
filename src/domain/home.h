/*
 * The patient's home page (docs/internals/HOME.md): what is new on the record shown (the
 * account's own, or one held as a proxy) since this account last looked: released results it
 * has not opened, replies its side has not read, repeat requests decided, the next
 * appointment, recalls due; and the counts in the menu.
 *
 * Each part goes through its own service and the gate: a proxy gets only what its grant
 * covers, and an item shown is audited as that part's list audits it. The menu's counts are
 * numbers only, read through the gate's grant with indexed counts (nothing opened) and not
 * audited, like the staff inbox's count (message_inbox_unread): they name no item and no
 * content, and a record per page view would bury the patient's access log.
 */
#ifndef MEDKEEP_HOME_H
#define MEDKEEP_HOME_H
#include "domain/appointments.h"
#include "domain/medications.h"
#include "domain/messages.h"
#include "domain/recalls.h"
#include "domain/results.h"

/* The menu's counts for the record the actor's pages show (a->record); -1 for a part the
 * actor may not see there (no grant: the menu does not offer it). */
struct home_counts {
	int64_t results;  /* released results this account has not opened (LIMIT_HOME_NEW_DAYS) */
	int64_t messages; /* messages from the practice its side has not read */
	int64_t repeats;  /* repeat requests decided since it last looked at its medications */
};
void home_counts(const struct actor *a, struct home_counts *out);

struct home_news {
	unsigned parts; /* SCOPE_* bits the gate allowed (the rest were not asked) */
	struct result_view *results;
	size_t n_results;
	int64_t results_total;
	struct thread_view *threads;
	size_t n_threads;
	int64_t unread_total; /* messages */
	struct repeat_view *repeats;
	size_t n_repeats;
	int64_t repeats_total;
	bool has_next;
	struct appointment_view next;
	struct recall_view *recalls; /* due ones */
	size_t n_recalls;
};
/* What is new on record for the actor (a patient-role actor; record its own or held). Parts
 * outside a proxy's scopes are left out, not refused. ERR_OK, or a part's refusal. */
enum err home_news(const struct actor *a, const struct id *record, struct arena *ar,
		   struct home_news *out);

/* The actor was shown a part of record (HOME_SEEN_REPEATS: its medications page) with changes
 * up to `upto` (the newest decision it listed; not the clock, so that one made in the same
 * second, after the page was read, stays new). A mark of the account's own; no patient data. */
#define HOME_SEEN_REPEATS "repeats"
void home_seen(const struct actor *a, const struct id *record, const char *kind, int64_t upto);

/* The security cards of the home page, each put away ("Got it") per account. */
enum home_card { CARD_STATUS = 0, CARD_NOTICE, CARD_DEVICE, CARD_MFA, CARD_COUNT };
int home_card_parse(const char *name, enum home_card *out);
const char *home_card_name(enum home_card c);
/* When the actor put card away (0: never). */
int64_t home_card_put_away(const struct actor *a, enum home_card c);
/* Put it away now. ERR_OK or ERR_INTERNAL. */
enum err home_card_dismiss(const struct actor *a, enum home_card c);

#endif
