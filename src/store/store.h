/*
 * The storage interface. All SQL lives below this header (src/store/sqlite/ today; a
 * PostgreSQL back-end implements the same functions later without anything above changing).
 *
 * Patient-scoped rows (patients' PHI, documents) are only reachable through functions that
 * take a grant from the policy gate for that patient and action; without one they return
 * ERR_DENIED and touch nothing. The unscoped functions return metadata the gate needs to
 * decide (which patient owns a document, where a patient is enrolled) and never PHI.
 *
 * Return values: ERR_OK (0), ERR_NOT_FOUND, ERR_DENIED, ERR_CONFLICT, ERR_GONE or
 * ERR_INTERNAL. Bytes returned in out-structs are allocated from the caller's arena.
 *
 * Three files per data directory: medkeep.db (patients, documents, accounts), audit.db (the
 * audit trail) and keystore.db (each patient's key, wrapped by a master key). Backups
 * (store_file_copy) take the first two; the keystore is key material, copied apart, so that
 * destroying a patient's key in it reaches every backup (docs/internals/SHREDDING.md).
 */
#ifndef MEDKEEP_STORE_H
#define MEDKEEP_STORE_H
#include <stdbool.h>
#include <stdint.h>

#include "crypto/crypto.h"
#include "crypto/sign.h"
#include "policy/grant.h"
#include "policy/policy.h"
#include "util/arena.h"
#include "util/buf.h"
#include "util/id.h"
#include "util/err.h"
#include "store/page.h"

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
	bool mfa_required; /* a patient whose practice requires a second factor of its patients */
	char device[48];   /* "Firefox on Linux": from the User-Agent, coarse on purpose */
	char ip[ACTOR_IP_MAX];
	bool new_device;   /* the first sign-in from this device */
	enum lang lang;    /* the account's language (read with the session) */
	/* The held record this session shows (a patient-role proxy's choice), filled only while
	 * a live proxy grant from that patient to this account still exists. */
	bool has_record;
	struct id record;
	/* An app's access token (docs/internals/APPS.md): the app, and what the patient let it
	 * read (APP_SCOPE_* bits, policy.h). */
	bool app;
	struct id client;
	unsigned app_scopes;
	/* The refresh-token family it came from, if any (store/apps.h): ending the family ends
	 * it; ending it from the Sessions page ends the family. */
	bool has_family;
	struct id family;
};

struct store_patient {
	struct id id;
	struct bytes wrapped_key; /* patient key, wrapped by a master key (from keystore.db) */
	struct bytes phi;         /* demographics, sealed with the patient key */
	int64_t created;
	int64_t version;          /* 1 as created, one more at each update of phi and NHI */
	int64_t updated;          /* the last such update, else created */
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
	/* How the actor reached the patient: "self", "proxy", "staff", "local", or "" (not about
	 * one patient, or written before audit migration 3). Hashed only when not empty, so
	 * older records verify as they were written. */
	char via[8];
	uint8_t prev[HASH_BYTES];
	uint8_t hash[HASH_BYTES];
};

/* Open (creating and migrating when create is true) the database under dir. keystore.db is
 * created when missing only for a data directory that never had one; otherwise its absence,
 * or a keystore of another data directory, is an error. */
enum err store_open(const char *dir, bool create);
/* Open only dir/audit.db (verifying a copy of the trail: nothing else need be there). */
enum err store_open_audit(const char *dir);
void store_close(void);
/* Group many writes (demo seeding) into one transaction (one per file: the keystore's commits
 * first, so a patient row never exists without its key). */
/* Let the reads that follow on this thread share one snapshot until store_snapshot_end; any
 * write, or a transaction of its own, ends the snapshot first. Cheaper than a transaction per
 * statement, and a request sees one consistent state. */
void store_snapshot_begin(void);
void store_snapshot_end(void);
/*
 * Transactions nest. The outermost store_begin is BEGIN IMMEDIATE on both files; one inside
 * it (and every transaction the store opens for itself meanwhile) is a savepoint, which
 * store_commit releases into the enclosing transaction and store_rollback undoes alone,
 * leaving the enclosing one open. Only the outermost store_commit reaches the disk: a batch
 * of feed messages (src/ingest) is one transaction and one sync, each message a savepoint.
 */
enum err store_begin(void);
enum err store_commit(void);
/* Undo everything since the matching store_begin (both files); ERR_OK or ERR_INTERNAL. */
enum err store_rollback(void);
/* Whether this thread is inside a store_begin whose transaction SQLite still holds open: false
 * once an error (a full disk, an I/O error) has rolled the whole of it back, after which the
 * caller must not go on as if its earlier writes were still to be committed. */
bool store_in_transaction(void);
/* Whether the store reaches its database over a socket (PostgreSQL) rather than in files of
 * the data directory (SQLite): a sandboxed process must then be let connect (STORE.md). */
bool store_connects(void);
/* This process writes in large batches from now on (medkeep import): its connections keep a
 * larger page cache (up to 256 MB for each database file) and checkpoint less often. Nothing
 * else changes. */
void store_bulk_load(void);
/* With store_sync_deferred(true) (outside a transaction), this thread's commits return once
 * written, before they reach the disk, until store_sync_deferred(false); store_sync() makes
 * every commit of this thread durable. For a feed batch (FEEDS.md, "Batches"): its sync runs
 * while the next batch is applied, and nobody is answered before it returns. The commits are
 * visible to readers before they are durable. SQLite; on PostgreSQL each commit stays durable
 * when it returns, and both do nothing. */
enum err store_sync_deferred(bool on);
enum err store_sync(void);
/* How many times the database could not be reached (a restart, a failover: PostgreSQL only;
 * always 0 on SQLite), in this process, or on this thread alone (here). A request that met
 * one is answered 503 with Retry-After: the node recovers by itself once the database is
 * back. */
uint64_t store_outages(bool here);

/* Practices and accounts */
enum err store_practice_create(const struct id *id, const char *name);
enum err store_practice_name(const struct id *id, struct arena *a, const char **name);
enum err store_account_create(const struct store_account *acct);
enum err store_account_by_email(const char *email, struct arena *a, struct store_account *out);
/* Lock an account pending review (the breaker tripped); a locked account cannot log in. */
enum err store_account_lock(const struct id *account);
/* The language an account chose (util/text.h): ERR_OK with *out (LANG_EN when it chose none),
 * ERR_NOT_FOUND for no such account. Not PHI: no grant. */
enum err store_account_lang(const struct id *account, enum lang *out);
/* Set it: ERR_OK, ERR_NOT_FOUND for no such account. */
enum err store_account_lang_set(const struct id *account, enum lang lang);
/* Revoke every session of an account, and its OAuth codes not yet exchanged. */
enum err store_sessions_revoke(const struct id *account);

/* Second factor of an account: the sealed TOTP secret (enabled and pending), the last step
 * used, and unused recovery-code hashes. */
struct store_mfa {
	struct bytes totp;         /* empty when not enrolled */
	struct bytes totp_pending; /* made at enrolment, until its first code is confirmed */
	int64_t last_step;
	size_t n_passkeys; /* passkeys (store/passkey.h): each is a second factor too */
	size_t n_recovery;
	uint8_t recovery[10][HASH_BYTES];
	int recovery_index[10];
};
enum err store_mfa_get(const struct id *account, struct arena *a, struct store_mfa *out);
enum err store_mfa_set_pending(const struct id *account, struct bytes sealed);
/* Make the pending secret the account's (or `sealed` directly when not NULL: demo data). */
enum err store_mfa_enable(const struct id *account, const struct bytes *sealed, int64_t step);
/* Record a used TOTP step; ERR_CONFLICT when it (or a later one) was used already. */
enum err store_mfa_use_step(const struct id *account, int64_t step);
enum err store_mfa_set_recovery(const struct id *account, const uint8_t (*hashes)[HASH_BYTES], size_t n);
/* Mark one recovery code used; ERR_CONFLICT when it was used already. */
enum err store_mfa_use_recovery(const struct id *account, int index);

/* Sessions, keyed by the hash of the token (the token itself is never stored). */
enum err store_session_create(const uint8_t token_hash[HASH_BYTES], const struct store_session *s);
enum err store_session_get(const uint8_t token_hash[HASH_BYTES], struct store_session *out);
enum err store_session_touch(const uint8_t token_hash[HASH_BYTES], int64_t now);
enum err store_session_delete(const uint8_t token_hash[HASH_BYTES]);

/* An account's live sessions (at most 50), newest first. */
enum err store_sessions_list(const struct id *account, struct arena *a, struct store_session **out,
			     size_t *n);
/* Revoke one session of an account by its id; ERR_NOT_FOUND when it is not theirs. */
enum err store_session_revoke_id(const struct id *account, const struct id *session);
/* Remember a device for an account; ERR_OK when it is new, ERR_CONFLICT when known. */
enum err store_device_seen(const struct id *account, const char *device);

/* Login throttling: failures counted per key ("a:<account>" or "ip:<address>"). */
enum err store_throttle_get(const char *key, int64_t now, int64_t window, int *failures,
			    int64_t *blocked_until);
enum err store_throttle_fail(const char *key, int64_t now, int64_t window, int block_after,
			     int64_t block_seconds);
enum err store_throttle_clear(const char *key);

/* Unscoped metadata for the policy gate: never PHI. */
enum err store_patient_target(const struct id *patient, struct target *out);
/* The scopes (enum proxy_scope bits) of every live proxy grant from patient to account at
 * time now (not revoked, not_after > now); 0 when none. Metadata for the gate, not PHI. */
enum err store_proxy_scopes(const struct id *account, const struct id *patient, int64_t now,
			    unsigned *scopes);
/* The patient a document belongs to and where they are enrolled, in one query. */
enum err store_document_target(const struct id *document, struct target *out);
/* A practice's patients in the order of enrolment: `limit` (at most LIMIT_LIST) from `offset`. */
enum err store_practice_patient_ids(const struct id *practice, size_t offset, size_t limit,
				    struct arena *a, struct id **ids, size_t *n);
/* Search terms of a patient (keyed hashes of their name's words and birth date, made by the
 * domain with the vault's blind index): the patient's terms become exactly these. */
#define STORE_TERM_BYTES HASH_BYTES
#define STORE_SEARCH_TERMS 5 /* terms one search may combine */
enum err store_patient_terms_set(const struct id *patient, const uint8_t (*terms)[STORE_TERM_BYTES],
				 size_t n);
/* Live (not shredded) patients by id after `after` (NULL: from the first), at most limit (at
 * most LIMIT_LIST): a walk over every patient, for `medkeep practices reindex`; and how many. */
enum err store_patient_ids_after(const struct id *after, size_t limit, struct arena *a,
				 struct id **ids, size_t *n);
enum err store_patient_count_live(int64_t *n);
/* The live patients enrolled at practice. */
enum err store_practice_patient_count(const struct id *practice, int64_t *n);
/* The patients enrolled at practice that hold every one of terms[0..n) (1 <= n <=
 * STORE_SEARCH_TERMS), in the order of enrolment: `limit` (at most LIMIT_LIST) from `offset`. */
enum err store_practice_patient_search(const struct id *practice,
				       const uint8_t (*terms)[STORE_TERM_BYTES], size_t n,
				       size_t offset, size_t limit, struct arena *a, struct id **ids,
				       size_t *count);

/* Patient-scoped: each needs a grant for that patient. */
enum err store_patient_create(const struct id *id, const struct id *practice,
			      const uint8_t nhi_index[HASH_BYTES], struct bytes wrapped_key,
			      struct bytes phi);
enum err store_patient_get(const struct grant *g, const struct id *patient, struct arena *a,
			   struct store_patient *out);
/* The patient whose NHI has this blind index (vault_blind_index "nhi"), or ERR_NOT_FOUND. Only
 * an id: whether the caller may reach that patient is still the gate's to decide. */
enum err store_patient_by_nhi(const uint8_t nhi_index[HASH_BYTES], struct id *out);
/* Replace a patient's sealed demographics and NHI index (a correction, or the live NHI after
 * a merge), one version more, changed at now: needs a writing grant for the patient. ERR_CONFLICT when another patient holds
 * that NHI (one live NHI per patient), ERR_NOT_FOUND when there is no such patient. */
enum err store_patient_update(const struct grant *g, const struct id *patient,
			      const uint8_t nhi_index[HASH_BYTES], struct bytes phi, int64_t now);
/* The uploader's allowance the insert checks (src/domain/quota.h): the bytes of documents
 * they authored since `since`, and in all, each with this one, at most these. */
struct store_upload_limit {
	int64_t since, daily_bytes, total_bytes;
};
/* Insert a document; in the same statement, only when its author stays within lim (atomic
 * against concurrent inserts): ERR_CONFLICT when they would not. lim NULL: no allowance
 * (quotas off, as in command-line tools), a plain insert. */
enum err store_document_insert(const struct grant *g, const struct store_document *doc,
			       const struct store_upload_limit *lim);
/* The bytes of documents account uploaded (still stored), in all and since `since`. */
enum err store_document_usage(const struct id *account, int64_t since, int64_t *total, int64_t *day);
/* A page of the patient's documents (pg NULL: the newest LIMIT_LIST), at most pg->limit rows,
 * into a; ERR_DENIED unless g allows document.list for that patient. Codes are kinds;
 * date and last change are both `created` (a document never changes). */
enum err store_document_list(const struct grant *g, const struct id *patient,
			     const struct store_page *pg, struct arena *a,
			     struct store_document **docs, size_t *n);
/* How many of the patient's documents pg's filters match (its cursor and limit aside). */
enum err store_document_count(const struct grant *g, const struct id *patient,
			      const struct store_page *pg, int64_t *total);
/* One document; when patient is not NULL, its patient's key row is read in the same query. */
enum err store_document_get(const struct grant *g, const struct id *document, bool with_body,
			    struct arena *a, struct store_document *out, struct store_patient *patient);

/* Incident notices (patient-scoped: reading needs a grant; writing a sealed notice reveals
 * nothing and is done by the operator's command-line tool). */
struct store_notice {
	struct id id;
	char reference[24];
	int64_t created;
	struct bytes body; /* sealed with the patient's key */
};
enum err store_notice_insert(const struct grant *g, const struct id *patient, const struct store_notice *n);
enum err store_notice_list(const struct grant *g, const struct id *patient, struct arena *a,
			   struct store_notice **out, size_t *n);
/* The accounts that hold a patient's record (their own login), with their sealed emails. */
enum err store_patient_accounts(const struct id *patient, struct arena *a, struct store_account **out,
				size_t *n);
/* Queue an email as row id: to_ct is the sealed address of account, body_ct its sealed body
 * (vault_outbox_seal, bound to id and account); the subject carries no PHI and no link. Only
 * src/domain/outbox.c calls this. */
enum err store_outbox_insert(const struct id *id, const struct id *account, struct bytes to_ct,
			     const char *subject, struct bytes body_ct);
/* A mail sealed and ready to queue (outbox_seal), for a store write that queues it in its own
 * transaction. */
struct store_mail {
	struct id id;
	struct id account;
	struct bytes to_ct;
	const char *subject;
	struct bytes body_ct;
};

/* Audit trail: append-only. Chaining is computed by src/audit; the store keeps order. */
enum err store_audit_last(int64_t *seq, uint8_t hash[HASH_BYTES]);
/* A signed checkpoint: the chain hash at seq, signed by the vault's audit signing key. */
struct audit_checkpoint {
	int64_t seq;
	int64_t ts_ms;
	uint8_t head[HASH_BYTES];
	uint8_t key_id[KEY_ID_BYTES];
	uint8_t sig[SIGNATURE_BYTES];
};
/*
 * Append records r[0..n) (chained onto after_seq/after_hash) and, when cp is not NULL, a
 * checkpoint, in one transaction. ERR_CONFLICT, with nothing written, when the trail's last
 * record is not after_seq/after_hash any more (another process appended meanwhile): the
 * caller re-reads the head, re-chains and tries again.
 */
enum err store_audit_append(int64_t after_seq, const uint8_t after_hash[HASH_BYTES],
			    const struct audit_record *r, size_t n, const struct audit_checkpoint *cp);
/* Read the trail from one snapshot until store_audit_read_end (verification beside a writing
 * `serve`: the chain and the checkpoints must be of the same moment). */
enum err store_audit_read_begin(void);
void store_audit_read_end(void);
/* Call fn for each record in seq order: 0 after the last, fn's non-zero value when it stops the walk,
 * -1 when the store fails. A walk, not an outcome: hence int, not enum err. */
int store_audit_each(int (*fn)(const struct audit_record *r, void *ctx), void *ctx);
/* The same for the records of one session (hex id) only, by an index: a lock's review page. */
int store_audit_each_session(const char *session_hex,
			     int (*fn)(const struct audit_record *r, void *ctx), void *ctx);
/* The newest breaker trips (at most 100), newest first. */
enum err store_audit_alerts(struct arena *a, struct audit_record **out, size_t *n);
/* Unlocked accounts of one role (at most 20), with their sealed emails: whom to alert. */
enum err store_accounts_by_role(enum role role, struct arena *a, struct store_account **out, size_t *n);
/* The stored chain hash of record seq; ERR_NOT_FOUND when there is none. */
enum err store_audit_hash_at(int64_t seq, uint8_t hash[HASH_BYTES]);
/* The newest checkpoint; ERR_NOT_FOUND when there is none. */
enum err store_audit_last_checkpoint(struct audit_checkpoint *out);
/* Call fn for each checkpoint in seq order: 0 after the last, fn's non-zero value when it stops
 * the walk, -1 when the store fails. */
int store_audit_checkpoints_each(int (*fn)(const struct audit_checkpoint *cp, void *ctx),
				 void *ctx);

/* --- the keystore (keystore.db): patient keys wrapped by master keys --- */

/*
 * A wrapped patient key names the master key that wraps it: byte 0 is a format byte and bytes
 * 1..8 the key id (src/vault/vault_keys.c). The store copies that id into a column, so that a
 * rotation can find rows it has not rewrapped yet and new rows under a retiring key are refused.
 */
struct store_wrapped_key {
	int64_t rowid;
	struct id patient;
	struct bytes wrapped;
};
/* Small named values of the keystore (e.g. the id of the blind-index key). */
enum err store_keystore_meta_get(const char *name, uint8_t *out, size_t cap, size_t *len);
enum err store_keystore_meta_set(const char *name, const uint8_t *value, size_t len);
/* Rows in all, and rows wrapped by key_id. */
enum err store_keystore_counts(const uint8_t key_id[KEY_ID_BYTES], int64_t *total, int64_t *under);
/* Up to max rows after rowid `after` (in rowid order) that key_id does not wrap. */
enum err store_keystore_batch(int64_t after, const uint8_t key_id[KEY_ID_BYTES], size_t max,
			      struct arena *a, struct store_wrapped_key **rows, size_t *n);
/* In one short transaction, replace each row's wrapped key by rewrapped[i] where the row still
 * holds the value read (a row shredded or rewrapped meanwhile is left alone). */
enum err store_keystore_replace(const struct store_wrapped_key *rows, const struct bytes *rewrapped,
				size_t n, size_t *replaced);
/* Keys from before the keystore, kept on the patient row itself: up to max of them, how many
 * remain, moving one into the keystore (insert there, then clear the row). */
enum err store_legacy_keys_batch(size_t max, struct arena *a, struct store_wrapped_key **rows,
				 size_t *n);
enum err store_legacy_keys_count(int64_t *n);
enum err store_legacy_key_move(const struct id *patient, struct bytes rewrapped);
/* The rotation in progress (old and new master key ids): ERR_NOT_FOUND when none. While one
 * is recorded, new keystore rows wrapped by the old key are refused. */
enum err store_rotation_get(uint8_t old_id[KEY_ID_BYTES], uint8_t new_id[KEY_ID_BYTES]);
enum err store_rotation_begin(const uint8_t old_id[KEY_ID_BYTES], const uint8_t new_id[KEY_ID_BYTES]);
enum err store_rotation_end(void);
/* Sign everyone out (the session-token key changes with the master key), codes too. */
enum err store_sessions_revoke_all(void);

/* --- retention and crypto-shredding --- */

struct store_shred_state {
	bool exists;
	bool has_key;        /* a wrapped key is held (keystore or legacy row) */
	int64_t shredded_at; /* 0 when not shredded */
	int64_t shred_after; /* 0 when not scheduled */
};
enum err store_patient_shred_state(const struct id *patient, struct store_shred_state *out);
/* Destroy the patient's key: delete it from the keystore and from the patient row, then
 * checkpoint the keystore's write-ahead log so no copy of the old page stays in it. */
enum err store_patient_key_destroy(const struct id *patient);
/* After the key is destroyed: delete the patient's documents, clear their demographics, erase
 * and lock their accounts (the account email is still stored in clear), sign them out. The
 * patient row and the enrolments stay, so reads answer "gone" rather than "not found". */
enum err store_patient_erase(const struct id *patient, int64_t now);
/* End one practice's enrolment of a patient. ERR_NOT_FOUND when there was none. */
enum err store_patient_release(const struct id *patient, const struct id *practice);
/* Schedule (when > 0) or cancel (0) a shred. */
enum err store_patient_schedule_shred(const struct id *patient, int64_t when);
/* Patients whose scheduled shred is due at `now` (at most LIMIT_LIST). */
enum err store_patients_due(int64_t now, struct arena *a, struct id **ids, size_t *n);
/* How many patients there are, and how many of them have a key (restore summary). */
enum err store_patient_key_counts(int64_t *patients, int64_t *with_key);

/* --- copies of the database files (online backup, restore, key copies) --- */

enum store_file { STORE_FILE_DATA, STORE_FILE_AUDIT, STORE_FILE_KEYS };
/* The file's name inside a data directory ("medkeep.db", "audit.db", "keystore.db"). */
const char *store_file_name(enum store_file f);
/*
 * Copy one database file from from_dir to to_dir (mode 0600, replacing a copy there) with the
 * SQLite online backup API, from one read snapshot: consistent while `serve` writes to it.
 * progress(name, pages done, pages in all) after every step, when set.
 */
enum err store_file_copy(enum store_file f, const char *from_dir, const char *to_dir,
			 void (*progress)(const char *name, int64_t done, int64_t total));

#endif
