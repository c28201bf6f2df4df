/*
 * Family and carer (proxy) access. A patient gives another account access to parts of their
 * record (scopes: documents, results, medications, appointments, messages) until a date; a
 * clinician of the practice where a young child is enrolled sets up a parent's access to the
 * child's record. Everything a proxy then does goes through the same gate, which reads the
 * live grants at each access (store_proxy_scopes), so a revoked or ended grant stops at once;
 * the audit trail records each access with via "proxy". See docs/internals/PROXIES.md.
 */
#ifndef MEDKEEP_PROXIES_H
#define MEDKEEP_PROXIES_H
#include <stdbool.h>
#include <stdint.h>

#include "domain/domain.h"

struct proxy_new {
	const char *email;       /* the address as typed (sealed, for the granter's list) */
	const char *email_index; /* its blind index (auth_email_index) */
	/* The account with that address, or NULL. Whether there is one never changes the
	 * answer: an address without a usable account gets an invitation that is listed like a
	 * grant but gives nobody access. */
	const struct store_account *grantee;
	const char *name;      /* who they are, in the granter's words ("Mum", "Sam Walker") */
	const char *from_name; /* the granter as the grantee knows them: all the email says */
	unsigned scopes;       /* enum proxy_scope bits */
	int64_t not_after;     /* end, at most PROXY_MAX_DAYS ahead */
};

/*
 * Give access to patient's record as of `now` (seconds). The actor is the patient (their own
 * record), or a clinician of the child's practice for a child under PROXY_CHILD_AGE_YEARS.
 * Needs a fresh second factor (policy_factor_fresh), else ERR_STEP_UP. ERR_INVALID with
 * *why for wrong input; ERR_NOT_FOUND outside the actor's scope. Audited before it is
 * written; an email to the grantee is queued (no PHI: from_name and the end date only).
 */
enum err proxy_grant(const struct actor *a, const struct id *patient, const struct proxy_new *p,
		     int64_t now, const char **why);

struct proxy_view {
	struct id id;
	unsigned scopes;
	int64_t not_after;
	int64_t created;
	bool by_practice; /* set up by the practice (a child's record) */
	const char *name;
	const char *email;
};
/* Who holds access to patient's record at now (grants and invitations alike). Audited. */
enum err proxy_list(const struct actor *a, const struct id *patient, int64_t now, struct arena *ar,
		    struct proxy_view **out, size_t *n);
/* End a grant (or invitation) at once. Audited before it is written; ERR_NOT_FOUND for an
 * id that is not a live grant on a record the actor may manage. The practice (a clinician of
 * the patient's practice) gives a reason, one of proxy_end_reasons by its code (else
 * ERR_INVALID, nothing ended); the patient needs none (reason ignored). Who ended it and the
 * reason are kept on the grant. */
enum err proxy_revoke(const struct actor *a, const struct id *grant_id, int64_t now, const char *reason);

/* Why the practice ended someone's access: a fixed list (a code kept on the grant, a label
 * for the form), so the record holds no free text. NULL past the end. */
struct proxy_end_reason {
	const char *code;
	const char *label;
};
const struct proxy_end_reason *proxy_end_reason_at(size_t i);

/* Everyone who can open a record: the patient's own logins, the family and carers holding (or
 * invited to) access, and the apps connected to it. */
struct record_app_view {
	struct id family; /* the consent: what the patient's Disconnect ends */
	const char *name;
	int64_t created;
	int64_t expires;
	bool offline; /* renews while the patient is away (else only while signed in) */
};
struct record_logins {
	size_t n_own; /* the patient's own logins */
	size_t n_own_locked;
	struct proxy_view *proxies;
	size_t n_proxies;
	struct record_app_view *apps;
	size_t n_apps;
};
/* Who may ask: as proxy_list (the patient on their own record, the practice's clinicians; not
 * a proxy, not another practice: ERR_NOT_FOUND). Audited (proxy.list). */
enum err proxy_record_logins(const struct actor *a, const struct id *patient, int64_t now,
			     struct arena *ar, struct record_logins *out);

struct proxy_held_view {
	struct id patient;
	unsigned scopes;
	int64_t not_after;
	const char *given;
	const char *family;
};
/* The records the actor holds access to at now, with names (each read through the gate and
 * audited, and counted by the breaker as another patient). */
enum err proxy_held(const struct actor *a, int64_t now, struct arena *ar, struct proxy_held_view **out,
		    size_t *n);
/* Show record (NULL or the actor's own: their own) in this session from now on. Another
 * record needs a live grant: else audited, counted as a miss and ERR_NOT_FOUND. */
enum err proxy_choose_record(const struct actor *a, const struct id *record, int64_t now);

/*
 * The granter's name as it goes into the portal's own email: a plain label, never a message.
 * Letters (any script), spaces between words, and ' - . ( ) , only; a full stop only at the end
 * of a word ("J. Smith", never "evil.com"); no digits (no phone numbers), no @ : / or other
 * punctuation (no addresses, schemes or links), no control or format characters, no
 * look-alike dots or slashes, no run of spaces; at most LIMIT_LABEL_CHARS characters of valid
 * UTF-8. true when s is such a label.
 */
bool proxy_label_ok(const char *s);

/* "YYYY-MM-DD" (a New Zealand day) to the instant it ends, the next midnight there (seconds
 * since 1970); -1 when not a date. */
int64_t proxy_date_end(const char *ymd);
/* Whole years from birth_date ("YYYY-MM-DD") to now; -1 when unreadable. */
int proxy_age_years(const char *birth_date, int64_t now);

#endif
