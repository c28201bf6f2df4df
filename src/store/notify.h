/*
 * Notices to patients, proxies and staff (docs/internals/NOTICES.md): each account's choice of
 * which kinds of notice it receives about a record, the live proxy holders of a record who may
 * be told, the staff rate limit, and scheduled outbox rows (a reminder, a result released
 * later) that a change of plan withdraws. No PHI here: kinds, ids and times.
 */
#ifndef MEDKEEP_STORE_NOTIFY_H
#define MEDKEEP_STORE_NOTIFY_H
#include <stdbool.h>
#include <stdint.h>

#include "policy/policy.h"
#include "store/store.h"

/* An account's explicit choices about notices on one record (its own, or one it holds as a
 * proxy; the zero id for a staff account's own notices): *set the kinds (bits) it has
 * chosen, *on those of them it turned on. Its own relationship: no grant needed (like
 * store_proxy_held). ERR_OK (both 0 when it chose nothing) or ERR_INTERNAL. */
enum err store_notify_pref_get(const struct id *account, const struct id *record, unsigned *set,
			       unsigned *on);
/* Record the account's choice for each kind in `kinds`: on when its bit is in `on`. Needs
 * a grant on record (ACTION_NOTICE_PREFS; a staff account's own choices pass NULL with the
 * zero record). ERR_OK, ERR_DENIED or ERR_INTERNAL. */
enum err store_notify_pref_set(const struct grant *g, const struct id *account,
			       const struct id *record, unsigned kinds, unsigned on);

/* A live proxy holder of a record, with its sealed address. */
struct store_notify_proxy {
	struct id account;
	unsigned scopes; /* enum proxy_scope bits of the grant */
	struct bytes email_ct;
};
/* The accounts holding a live grant (not revoked, not ended at now) on patient, at most
 * LIMIT_NOTIFY_PROXIES, addresses copied to a. ERR_OK or ERR_INTERNAL. */
enum err store_notify_proxies(const struct id *patient, int64_t now, struct arena *a,
			      struct store_notify_proxy **out, size_t *n);

/* Claim the staff account's next "new messages" notice: ERR_OK when none was sent to it in
 * the `window` seconds before now (and records now), ERR_THROTTLED otherwise, ERR_INTERNAL. */
enum err store_notify_staff_claim(const struct id *account, int64_t now, int64_t window);
/* The same for another kind of staff notice (kind: its slug, "staff-transfers"), claimed apart
 * from the messages' so that one does not silence the other. */
enum err store_notify_staff_claim_kind(const struct id *account, const char *kind, int64_t now,
				       int64_t window);
/* The clinicians and practice admins of a practice (unlocked), at most LIMIT_LIST: those told
 * of what concerns the practice as a whole (a move of one of its patients asked). */
struct store_staff;
enum err store_practice_staff(const struct id *practice, struct arena *a, struct store_staff **out,
			      size_t *n);

/* Queue the sealed mail m (outbox_seal) to be sent from not_before on (0: at once), tagged
 * with the event it tells of (ref, may be NULL) and its kind (a fixed word), so that
 * store_outbox_withdraw can take it back before it is sent. ERR_OK or ERR_INTERNAL. */
enum err store_outbox_schedule(const struct store_mail *m, int64_t not_before, const struct id *ref,
			       const char *kind);
/* Drop the unsent mails tagged with ref (an appointment cancelled, a result released now
 * rather than later). ERR_OK or ERR_INTERNAL. */
enum err store_outbox_withdraw(const struct id *ref);
/* Drop the account's unsent mails of kind scheduled for after now (it turned that kind off).
 * ERR_OK or ERR_INTERNAL. */
enum err store_outbox_withdraw_kind(const struct id *account, const char *kind, int64_t now);

#endif
