/*
 * Proxy (family and carer) grants in the store: who may act for which patient, with which
 * scopes, until when. A grant names an account; an invitation names an address that has no
 * account (by its blind index), and is kept and listed exactly like a grant so that the
 * patient's list does not tell whether an address has an account. Patient-scoped functions
 * take the policy gate's grant and answer ERR_DENIED without the right one.
 */
#ifndef MEDKEEP_STORE_PROXY_H
#define MEDKEEP_STORE_PROXY_H
#include <stdbool.h>
#include <stdint.h>

#include "policy/policy.h"
#include "store/store.h"

struct store_proxy_row {
	struct id id;
	struct id patient;
	bool invite;         /* an invitation to an address without an account */
	struct id account;   /* the proxy (zero for an invitation) */
	struct id created_by;
	unsigned scopes;     /* enum proxy_scope bits */
	int64_t not_after;   /* ends at this time (seconds) */
	int64_t created;
	struct bytes detail; /* sealed with the patient's key (VREC_PROXY, record id = id) */
};

/* Record a grant (row->invite false: row->account set) or an invitation (email_index set),
 * ending any live grant of the same account, or invitation of the same address, to the same
 * patient (the new one replaces it). Needs an ACTION_PROXY_GRANT grant on row->patient. With
 * mail (sealed: outbox_seal), the grantee's email is queued in the same transaction (a
 * savepoint, so it nests in a caller's): one commit whether or not there is anyone to tell, so
 * that the answer does not say whether the address has an account. */
enum err store_proxy_insert(const struct grant *g, const struct store_proxy_row *row,
			    const char *email_index, int64_t now, const struct store_mail *mail);
/* The live grants and invitations of a patient (not revoked, not ended at now), newest
 * first, at most LIMIT_LIST. Needs an ACTION_PROXY_LIST grant; detail is copied to a. */
enum err store_proxy_list(const struct grant *g, const struct id *patient, int64_t now, struct arena *a,
			  struct store_proxy_row **out, size_t *n);
/* The patient of a live grant or invitation, with the practices they are enrolled at (for
 * the gate). ERR_NOT_FOUND when there is none by that id. */
enum err store_proxy_target(const struct id *grant_id, int64_t now, struct target *out);
/* Revoke a grant or invitation of g's patient at now, by account `by`, for `reason` (a fixed
 * code, or NULL when none is asked for). Needs ACTION_PROXY_REVOKE; ERR_NOT_FOUND when no live
 * one has that id. */
enum err store_proxy_revoke(const struct grant *g, const struct id *grant_id, int64_t now,
			    const struct id *by, const char *reason);

/* The records an account holds proxy access to at now (its own relationships: no grant
 * needed, like store_proxy_scopes), soonest ending last, at most LIMIT_LIST. */
struct store_proxy_held {
	struct id patient;
	unsigned scopes;
	int64_t not_after;
};
enum err store_proxy_held(const struct id *account, int64_t now, struct arena *a,
			  struct store_proxy_held **out, size_t *n);

/* The record a session of this account shows: a held record, or NULL for its own.
 * auth_session believes it only while a live grant allows it. */
enum err store_session_set_record(const struct id *account, const struct id *session,
				  const struct id *record);

#endif
