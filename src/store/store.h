/*
 * The storage interface. All SQL lives below this header (src/store/sqlite/ today; a
 * PostgreSQL back-end implements the same functions later without anything above changing).
 *
 * Patient-scoped rows (patients' PHI, documents) are only reachable through functions that
 * take a grant from the policy gate for that patient and action; without one they return
 * STORE_DENIED and touch nothing. The unscoped functions return metadata the gate needs to
 * decide (which patient owns a document, where a patient is enrolled) and never PHI.
 *
 * Return values: STORE_OK (0), STORE_NOT_FOUND, STORE_DENIED, STORE_CONFLICT, or STORE_ERROR.
 * Bytes returned in out-structs are allocated from the caller's arena.
 */
#ifndef MEDKEEP_STORE_H
#define MEDKEEP_STORE_H
#include <stdbool.h>
#include <stdint.h>

#include "crypto/crypto.h"
#include "policy/grant.h"
#include "policy/policy.h"
#include "util/arena.h"
#include "util/buf.h"
#include "util/id.h"

enum store_rc {
	STORE_OK = 0,
	STORE_NOT_FOUND = 1,
	STORE_DENIED = 2,
	STORE_CONFLICT = 3,
	STORE_ERROR = -1,
};

struct bytes {
	const uint8_t *ptr;
	size_t len;
};

struct store_account {
	struct id id;
	const char *email;    /* the lookup key: a blind index of the address, never the address */
	struct bytes email_ct; /* the address, sealed by the vault (only when creating) */
	const char *pw_hash;
	enum role role;
	bool has_practice;
	struct id practice;
	bool has_patient;
	struct id patient;
	bool locked;
};

struct store_session {
	struct id id;
	struct id account;
	char csrf[TOKEN_B64_LEN + 1];
	int64_t created;
	int64_t last_seen;
	/* the account's role and ties, read with the session in one query */
	enum role role;
	bool has_practice;
	struct id practice;
	bool has_patient;
	struct id patient;
	bool mfa;          /* this session passed a second factor */
	bool mfa_enrolled; /* the account has a second factor */
};

struct store_patient {
	struct id id;
	struct bytes wrapped_key; /* patient key, wrapped by the master key */
	struct bytes phi;         /* demographics, sealed with the patient key */
	int64_t created;
};

#define DOC_KIND_MAX 32
#define DOC_TYPE_MAX 64

struct store_document {
	struct id id;
	struct id patient;
	struct id author;
	char kind[DOC_KIND_MAX];
	char content_type[DOC_TYPE_MAX];
	int64_t size;
	int64_t created;
	struct bytes wrapped_key; /* document key, wrapped by the patient key */
	struct bytes meta;        /* title and file name, sealed with the document key */
	struct bytes body;        /* only filled by store_document_get(with_body=true) */
};

/* One audit event as stored; the chain hash covers every field but `hash`. */
struct audit_record {
	int64_t seq;
	int64_t ts_ms;
	char actor[ID_HEX_LEN + 1];   /* account id or "-" */
	char session[ID_HEX_LEN + 1]; /* session id or "-" */
	char ip[ACTOR_IP_MAX];
	char action[40];
	char patient[ID_HEX_LEN + 1];
	char rtype[24];
	char rid[ID_HEX_LEN + 1];
	char outcome[16];
	int64_t bytes;
	uint8_t prev[HASH_BYTES];
	uint8_t hash[HASH_BYTES];
};

/* Open (creating and migrating when create is true) the database under dir. */
int store_open(const char *dir, bool create);
void store_close(void);
/* Group many writes (demo seeding) into one transaction. */
int store_begin(void);
int store_commit(void);

/* Practices and accounts */
int store_practice_create(const struct id *id, const char *name);
int store_practice_name(const struct id *id, struct arena *a, const char **name);
int store_account_create(const struct store_account *acct);
int store_account_by_email(const char *email, struct arena *a, struct store_account *out);
int store_account_by_id(const struct id *id, struct arena *a, struct store_account *out);
/* Lock an account pending review (the breaker tripped); a locked account cannot log in. */
int store_account_lock(const struct id *account);
/* Revoke every session of an account. */
int store_sessions_revoke(const struct id *account);

/* Second factor of an account: the sealed TOTP secret (enabled and pending), the last step
 * used, and unused recovery-code hashes. */
struct store_mfa {
	struct bytes totp;         /* empty when not enrolled */
	struct bytes totp_pending; /* made at enrolment, until its first code is confirmed */
	int64_t last_step;
	size_t n_recovery;
	uint8_t recovery[10][HASH_BYTES];
	int recovery_index[10];
};
int store_mfa_get(const struct id *account, struct arena *a, struct store_mfa *out);
int store_mfa_set_pending(const struct id *account, struct bytes sealed);
/* Make the pending secret the account's (or `sealed` directly when not NULL: demo data). */
int store_mfa_enable(const struct id *account, const struct bytes *sealed, int64_t step);
/* Record a used TOTP step; STORE_CONFLICT when it (or a later one) was used already. */
int store_mfa_use_step(const struct id *account, int64_t step);
int store_mfa_set_recovery(const struct id *account, const uint8_t (*hashes)[HASH_BYTES], size_t n);
/* Mark one recovery code used; STORE_CONFLICT when it was used already. */
int store_mfa_use_recovery(const struct id *account, int index);

/* Sessions, keyed by the hash of the token (the token itself is never stored). */
int store_session_create(const uint8_t token_hash[HASH_BYTES], const struct store_session *s);
int store_session_get(const uint8_t token_hash[HASH_BYTES], struct store_session *out);
int store_session_touch(const uint8_t token_hash[HASH_BYTES], int64_t now);
int store_session_delete(const uint8_t token_hash[HASH_BYTES]);

/* Login throttling: failures counted per key ("a:<account>" or "ip:<address>"). */
int store_throttle_get(const char *key, int64_t now, int64_t window, int *failures,
		       int64_t *blocked_until);
int store_throttle_fail(const char *key, int64_t now, int64_t window, int block_after,
			int64_t block_seconds);
int store_throttle_clear(const char *key);

/* Unscoped metadata for the policy gate: never PHI. */
int store_patient_target(const struct id *patient, struct target *out);
/* The patient a document belongs to and where they are enrolled, in one query. */
int store_document_target(const struct id *document, struct target *out);
int store_practice_patient_ids(const struct id *practice, struct arena *a, struct id **ids,
			       size_t *n);
int store_patient_by_index(const uint8_t nhi_index[HASH_BYTES], struct id *patient);

/* Patient-scoped: each needs a grant for that patient. */
int store_patient_create(const struct id *id, const struct id *practice,
			 const uint8_t nhi_index[HASH_BYTES], struct bytes wrapped_key,
			 struct bytes phi);
int store_patient_get(const struct grant *g, const struct id *patient, struct arena *a,
		      struct store_patient *out);
int store_document_insert(const struct grant *g, const struct store_document *doc);
int store_document_list(const struct grant *g, const struct id *patient, struct arena *a,
			struct store_document **docs, size_t *n);
/* One document; when patient is not NULL, its patient's key row is read in the same query. */
int store_document_get(const struct grant *g, const struct id *document, bool with_body,
		       struct arena *a, struct store_document *out, struct store_patient *patient);

/* Incident notices (patient-scoped: reading needs a grant; writing a sealed notice reveals
 * nothing and is done by the operator's command-line tool). */
struct store_notice {
	struct id id;
	char reference[24];
	int64_t created;
	struct bytes body; /* sealed with the patient's key */
};
int store_notice_insert(const struct grant *g, const struct id *patient, const struct store_notice *n);
int store_notice_list(const struct grant *g, const struct id *patient, struct arena *a,
		      struct store_notice **out, size_t *n);
/* The accounts that hold a patient's record (their own login), with their sealed emails. */
int store_patient_accounts(const struct id *patient, struct arena *a, struct store_account **out,
			   size_t *n);
/* Queue an email: to_ct is the sealed address of account, subject and body carry no PHI. */
int store_outbox_insert(const struct id *account, struct bytes to_ct, const char *subject,
			const char *body);

/* Audit trail: append-only. Chaining is computed by src/audit; the store keeps order. */
int store_audit_last(int64_t *seq, uint8_t hash[HASH_BYTES]);
int store_audit_insert(const struct audit_record *r);
/* Insert records in order in one transaction (group commit). */
int store_audit_insert_batch(const struct audit_record *r, size_t n);
/* Call fn for each record in seq order; stops early and returns fn's value when non-zero. */
int store_audit_each(int (*fn)(const struct audit_record *r, void *ctx), void *ctx);

#endif
