/*
 * The vault: the only holder of the master key. Workers ask it to create a patient's key,
 * to seal or open one record, or to unwrap one document's key; each request that touches an
 * existing patient's data must carry a grant from the policy gate for that patient.
 *
 * Under `serve` these calls go over a socket to the vault process (DESIGN.md invariant 5);
 * tools and tests run the same code in their own process. Nothing here hands out the master
 * key or a patient key, only document keys and plaintexts of one record at a time.
 */
#ifndef MEDKEEP_VAULT_H
#define MEDKEEP_VAULT_H
#include <stddef.h>
#include <stdint.h>

#include "crypto/crypto.h"
#include "policy/grant.h"
#include "policy/policy.h"
#include "util/buf.h"
#include "util/id.h"

/*
 * Session tokens are minted here, with claims about who holds them (session, account, role,
 * own patient record, practice) and a MAC under a key derived from the master key. Every key
 * operation of `serve` carries the caller's token, and the vault believes only the token
 * about who is asking: that is whom the exfiltration breaker counts.
 */
#define SESSION_CLAIMS_BYTES 75
#define SESSION_TOKEN_BYTES (SESSION_CLAIMS_BYTES + 32)
#define SESSION_TOKEN_B64_LEN 143

struct session_claims {
	struct id session;
	struct id account;
	enum role role;
	bool has_patient;
	struct id patient;
	bool has_practice;
	struct id practice;
	int64_t issued;
	bool mfa; /* a second factor was checked for this session */
	/* An app's access token (OAuth, docs/internals/APPS.md): minted from a patient's
	 * session at their consent, for the FHIR API only, and never a source of another token. */
	bool app;
};

/* Create DIR/master.key (mode 0600); fails when one exists. */
int vault_create(const char *dir);
/* Load DIR/master.key; refuses a key file readable by others. */
int vault_load(const char *dir);
void vault_unload(void);

/* From now on, refuse key operations without a valid token (serve). Reads the breaker's
 * budgets from DIR/medkeep.conf when it exists; -1 on a malformed file. */
int vault_require_tokens(const char *dir);

/* Verify a password against its stored hash (the dummy hash for an unknown account) and,
 * when it matches and claims is not NULL, mint a session token. 0 on success. */
enum err vault_login(const char *pw_hash, const char *password, size_t pw_len,
		     const struct session_claims *claims, char token[SESSION_TOKEN_B64_LEN + 1]) MUST_CHECK;
/* Check a token's MAC and read its claims; 0 when genuine and still within its life by the
 * vault's clock (SESSION_ABSOLUTE_SECONDS from issue; an app's, APP_TOKEN_SECONDS and the
 * minute its code may wait; a practice system's, SYSTEM_TOKEN_SECONDS and a minute), whatever the worker's session table says. */
int vault_token_claims(const char *token, size_t n, struct session_claims *out) MUST_CHECK;
/* An app's access token from a patient's own session token (at their consent): the same
 * claims, a new session id, marked as an app's. Refused for staff and for an app's token. */
enum err vault_app_token(const char *token, char new_token[SESSION_TOKEN_B64_LEN + 1], struct id *session) MUST_CHECK;
/*
 * Refresh tokens of apps (SMART `online_access`, `offline_access`; docs/internals/APPS.md).
 * Minted and MACed here like access tokens, as a kind of their own: a refresh token is never
 * an access token, nor the reverse. Its claims name the grant's family (every refresh token
 * of one consent), the patient, when the family began and whether it is offline; the vault
 * refuses one past its family's life (APP_REFRESH_OFFLINE_SECONDS, or
 * APP_REFRESH_ONLINE_SECONDS, from the consent, by its own clock), one issued before its
 * account was unlocked, and any while the breaker holds the account. Which refresh token of a
 * family is the current one (rotation, reuse) is the worker's table's to say.
 */
struct vault_refreshed {
	char access_token[SESSION_TOKEN_B64_LEN + 1];
	struct id session;				/* the access token's session id */
	char refresh_token[SESSION_TOKEN_B64_LEN + 1]; /* the next one of the family */
	struct id family;
	struct id account, patient;
	bool mfa;
};
/* The first refresh token of a new family, from an app's access token minted at most a code's
 * life ago (at the consent whose code is being exchanged). */
enum err vault_refresh_issue(const char *app_token, bool offline, char refresh[SESSION_TOKEN_B64_LEN + 1],
			     struct id *family) MUST_CHECK;
/* Use a refresh token: a new access token for the app (the same claims as at the consent, a
 * new session id) and the family's next refresh token. ERR_DENIED or ERR_TRIPPED. */
enum err vault_refresh_use(const char *refresh, struct vault_refreshed *out) MUST_CHECK;
/*
 * OpenID Connect (APPS.md): an app that asked for `openid` gets an id_token the vault signs
 * (EdDSA, Ed25519, a key derived from the stable index key), its claims taken from the app's
 * access token: `sub` its account, `fhirUser` its patient (when asked for), `aud` the client,
 * `iss` the portal's address as the worker gives it, and the request's nonce.
 */
#define VAULT_JWK_X_LEN 43 /* base64url of an Ed25519 public key */
#define LIMIT_ID_TOKEN 1536
/* The id_token for an app's access token minted at most a code's life ago: compact JWS in out
 * (at most max bytes). nonce may be NULL or empty. ERR_DENIED or ERR_TRIPPED. */
enum err vault_id_token(const char *app_token, const char *iss, const char *client_id, const char *nonce,
			bool fhir_user, char *out, size_t max) MUST_CHECK;
/* The public key id_tokens are signed with, for the JWKS: x (base64url) and kid (hex). */
enum err vault_oidc_jwk(char x[VAULT_JWK_X_LEN + 1], char kid[2 * 8 + 1]) MUST_CHECK;
#include "proc/breaker_event.h"
/* Several nodes on one database (BREAKER.md, "Several nodes"): hand the vault the facts the
 * other nodes' breakers counted (in, at most BREAKER_EVENTS_PER_FRAME) and take what this
 * node's counted since the last exchange (out); *dropped: facts lost to a full ring here.
 * Only the node's sync process asks (its own lane). */
enum err vault_breaker_exchange(const struct breaker_event *in, size_t n_in,
				struct breaker_event *out, size_t max_out, size_t *n_out,
				uint64_t *dropped) MUST_CHECK;
/* A practice system's token (ROLE_SYSTEM, short-lived like an app's, its practice in the
 * claims), minted once the caller has checked the system's signed assertion or TLS client
 * certificate against the register (docs/internals/SYSTEMS.md). Like a login's claims, the
 * vault takes the caller's word for that check: the gap DESIGN.md invariant 5 leaves open. */
enum err vault_system_token(const struct id *system, const struct id *practice,
			    char token[SESSION_TOKEN_B64_LEN + 1], struct id *session) MUST_CHECK;
/* Count one not-found answer for the token's actor (enumeration); ERR_TRIPPED past budget. */
enum err vault_report_miss(const char *token);
/* Count serving part of patient's record that is not sealed with their key (their access log,
 * an appointment without a reason) as a read of their clinical content: the breaker sees every
 * kind of read. ERR_OK, or a refusal like vault_record_open's. */
enum err vault_report_read(const char *token, const struct id *patient, int64_t bytes);

/*
 * Unlocking an account the breaker stopped (docs/internals/UNLOCK.md). The vault clears its
 * trip only for a reviewer's token with a fresh second factor (an operator; a practice admin
 * for their own practice's staff and for patients), or for an unlock ticket MACed with a key
 * derived from the master key and issued after the trip. Sessions that tripped stay refused.
 */
#define UNLOCK_TICKET_MAC_BYTES 32
/* Clear account's trip on the authority of reviewer_token (fresh second factor). */
enum err vault_unlock_by_reviewer(const char *reviewer_token, const struct id *account) MUST_CHECK;
/* Clear account's trip on the authority of a ticket issued at `issued`. */
enum err vault_unlock_by_ticket(const struct id *account, int64_t issued,
				const uint8_t mac[UNLOCK_TICKET_MAC_BYTES]) MUST_CHECK;
/* The address of an account the vault saw trip, for a reviewer (operator; practice admin of
 * its practice) with a second factor, to show on the review page. Command-line tools open
 * addresses with vault_email_open. */
enum err vault_review_email_open(const char *reviewer_token, const struct id *account, const void *ct,
				 size_t n, struct buf *out) MUST_CHECK;
/* Make a ticket (command-line tools only, holding the master key; refused in a worker). */
enum err vault_unlock_ticket_make(const struct id *account, int64_t issued,
				  uint8_t mac[UNLOCK_TICKET_MAC_BYTES]) MUST_CHECK;

/* Keyed hash of a normalised lookup value (NHI, email) for blind-index columns. */
enum err vault_blind_index(const char *kind, const char *value, uint8_t out[HASH_BYTES]) MUST_CHECK;

/*
 * Second factor (RFC 6238 TOTP, and single-use recovery codes). Secrets are made, sealed and
 * checked here: a worker sees a secret only once, to show it at enrolment, and can never make a
 * token with mfa set without a right code.
 */
#define TOTP_SECRET_B32_LEN 32 /* 20 bytes in base32 */
#define RECOVERY_CODES 10
#define RECOVERY_CODE_LEN 14 /* XXXX-XXXX-XXXX */
/* New TOTP secret for the token's account: base32 (to show once) and sealed (to store). */
enum err vault_totp_new(const char *token, char secret_b32[TOTP_SECRET_B32_LEN + 1], struct buf *sealed) MUST_CHECK;
/* Check code against the sealed secret, refusing steps at or before last_step. On success:
 * *step is the step used and new_token a fresh token (new session id in *session) with mfa set. */
enum err vault_totp_verify(const char *token, struct bytes sealed, const char *code, int64_t last_step,
			   int64_t *step, char new_token[SESSION_TOKEN_B64_LEN + 1], struct id *session) MUST_CHECK;
/* Ten recovery codes for the token's account, and their keyed hashes (32 bytes each). */
enum err vault_recovery_new(const char *token, char codes[RECOVERY_CODES][RECOVERY_CODE_LEN + 1],
			    uint8_t hashes[RECOVERY_CODES][HASH_BYTES]) MUST_CHECK;
/* Check code against n stored hashes; on a match *index is its position and new_token/session
 * as for vault_totp_verify. */
enum err vault_recovery_verify(const char *token, const char *code, const uint8_t (*hashes)[HASH_BYTES],
			       size_t n, size_t *index, char new_token[SESSION_TOKEN_B64_LEN + 1],
			       struct id *session) MUST_CHECK;
/* Demo data: enrol an account with TOTP without a session (local tools only). */
enum err vault_totp_enrol_local(const struct id *account, char secret_b32[TOTP_SECRET_B32_LEN + 1],
				struct buf *sealed) MUST_CHECK;

/*
 * Passkeys (WebAuthn; docs/internals/PASSKEYS.md). The vault issues each challenge bound to
 * the token's session and to a purpose, with its time (a MAC under a key only it holds, so it
 * needs no table to know a challenge is its own and fresh), re-checks every registration and
 * assertion itself against its own origin and RP id, and MACs each registered credential to
 * its account: the credential table lives in the worker's database, and a worker that swapped
 * in a key of its own would fail that MAC. Only a good assertion gets a token with mfa set.
 */
#include "crypto/webauthn.h"
enum passkey_purpose { PASSKEY_REGISTER = 1, PASSKEY_ASSERT = 2 };
#define PASSKEY_MAC_BYTES 32
/* The origin and RP id this process checks against (vault process, command-line tools). */
void vault_passkey_configure(const struct webauthn_rp *rp);
/* A new challenge for the token's session and purpose (registering needs an mfa session). */
enum err vault_passkey_challenge(const char *token, enum passkey_purpose purpose,
				 uint8_t challenge[WEBAUTHN_CHALLENGE_BYTES]) MUST_CHECK;
/* Check a registration (vault's own origin and RP id, a challenge it issued to this session
 * for registering, within WEBAUTHN_CHALLENGE_SECONDS): *cred is the new credential and mac
 * binds it to the token's account. Needs a token with mfa set. */
enum err vault_passkey_register(const char *token, const uint8_t *client_data, size_t client_data_len,
				const uint8_t *attestation, size_t attestation_len,
				struct webauthn_credential *cred, uint8_t mac[PASSKEY_MAC_BYTES]) MUST_CHECK;
/* Check an assertion by cred (its mac must bind it to the token's account; cred->sign_count is
 * the stored counter, which must grow): on success *sign_count is the new counter and
 * new_token/session a fresh session with mfa set, as for vault_totp_verify. */
enum err vault_passkey_verify(const char *token, const struct webauthn_credential *cred,
			      const uint8_t mac[PASSKEY_MAC_BYTES], const uint8_t *client_data,
			      size_t client_data_len, const uint8_t *auth_data, size_t auth_data_len,
			      const uint8_t *sig, size_t sig_len, uint32_t *sign_count,
			      char new_token[SESSION_TOKEN_B64_LEN + 1], struct id *session) MUST_CHECK;

/*
 * Records sealed with a patient's key (free text and other PHI of results, medications,
 * appointments, messages, proxy grants, notices). Each kind is its own purpose in the
 * associated data, which also names the patient and the record, so a ciphertext copied onto
 * another record or patient fails to open.
 */
enum vault_record {
	VREC_PHI = 0, /* the patient's demographics (record id unused) */
	VREC_NOTICE,
	VREC_RESULT,
	VREC_MEDICATION,
	VREC_REPEAT,
	VREC_APPOINTMENT,
	VREC_MESSAGE,
	VREC_PROXY,
	VREC_DETAILS, /* the patient's phones and postal address (record id: the patient's) */
	VREC_SUMMARY, /* a health summary entry (allergy, problem, immunisation, vital sign) */
	VREC_COUNT
};
/*
 * What the vault needs to reach one patient's key: whose it is and the patient key as stored,
 * wrapped by a master key. Callers holding store rows fill it from the row
 * (src/domain/vault_rows.h); the vault knows nothing of the store.
 */
struct vault_key_ref {
	struct id patient;
	struct bytes wrapped_key;
};
/* One document's key as stored: wrapped by its patient's key, and the size it unlocks. */
struct vault_doc_ref {
	struct id document;
	struct id patient;
	struct bytes wrapped_key;
	int64_t size;
};

/* Seal pt as record `record` of kind for patient k: needs a grant on k's patient for an action
 * that writes (grant_writes). token: the caller's session token (NULL only in command-line
 * tools). */
enum err vault_record_seal_ref(const char *token, const struct grant *g, const struct vault_key_ref *k,
			       enum vault_record kind, const struct id *record, const void *pt, size_t n,
			       struct buf *out) MUST_CHECK;
/* Open one record (any grant for k's patient); counted by the breaker like any other opening. */
enum err vault_record_open_ref(const char *token, const struct grant *g, const struct vault_key_ref *k,
			       enum vault_record kind, const struct id *record, struct bytes ct,
			       struct buf *out) MUST_CHECK;

/* Incident notices are sealed with the patient's key (by the command-line tool that makes
 * them) and opened for a grant on that patient. */
enum err vault_notice_seal_ref(const struct grant *g, const struct vault_key_ref *k,
			       const struct id *notice, const void *pt, size_t n, struct buf *out) MUST_CHECK;
enum err vault_notice_open_ref(const char *token, const struct grant *g, const struct vault_key_ref *k,
			       const struct id *notice, struct bytes ct, struct buf *out) MUST_CHECK;

/* Account emails are stored sealed under a key derived from the master key, and found by
 * blind index. Sealing runs in the vault for anyone (a ciphertext of an address one already
 * knows reveals nothing); opening only for the outbox's sender, over the mail lane, or in a
 * command-line tool holding the master key. A worker that asks to open one loses its
 * connection to the vault (and is restarted). */
enum err vault_email_seal(const struct id *account, const char *email, struct buf *out) MUST_CHECK;
enum err vault_email_open(const struct id *account, const void *ct, size_t n, struct buf *out) MUST_CHECK;
/* Queued email bodies (the outbox) are sealed the same way, under a key of their own derived
 * from the master key, with the outbox row's id and the account in the associated data (a body
 * moved to another row or account does not open). Sealing for anyone (a worker queueing a
 * mail knows the body already); opening only over the mail lane or in a command-line tool.
 * Bodies are at most LIMIT_MAIL_BODY bytes. */
enum err vault_outbox_seal(const struct id *outbox, const struct id *account, const char *body,
			   struct buf *out) MUST_CHECK;
enum err vault_outbox_open(const struct id *outbox, const struct id *account, const void *ct, size_t n,
			   struct buf *out) MUST_CHECK;

/* A message waiting in a practice's feed queue (docs/internals/FEEDS.md) belongs to no patient
 * yet: it is sealed under a key of its own, wrapped by the vault with the queue item's id and
 * the practice in the associated data (a sealed message moved to another item or practice
 * does not open), and encrypted here with that key, so the vault never handles the message.
 * Sealing for anyone (whoever queues the message holds it); opening only for a token whose
 * claims are a clinician or practice admin of that practice after their second factor
 * (policy_may_work_feed_queue). Appends to out; ERR_OK or ERR_DENIED. */
enum err vault_feedq_seal(const struct id *item, const struct id *practice, const void *msg,
			  size_t n, struct buf *out) MUST_CHECK;
enum err vault_feedq_open(const char *token, const struct id *item, const struct id *practice,
			  const void *ct, size_t n, struct buf *out) MUST_CHECK;
/*
 * A move asked from a queued registration (docs/internals/TRANSFERS.md "Moves started by
 * HL7"): the message's key wrapped again, bound to the patient asked for and the practice being
 * left (has_from false: none), by a token that may open the message (staff of its practice);
 * once the move is made, that copy opens for the patient's own session, staff of either
 * practice, or (token NULL) a command-line tool holding the master key. Never for a system.
 */
struct feedq_move {
	struct id patient;
	bool has_from;
	struct id from;
	bool bind; /* vault-internal: wrap again (true) or open the bound copy (false) */
};
/* Bind: append the move-bound wrapped key of the queued message (ct, n) to out. */
enum err vault_feedq_bind_move(const char *token, const struct id *item, const struct id *practice,
			       const void *ct, size_t n, const struct feedq_move *mv,
			       struct buf *out) MUST_CHECK;
/* Open the queued message (ct, n) through its move-bound key. */
enum err vault_feedq_open_moved(const char *token, const struct id *item, const struct id *practice,
				const struct feedq_move *mv, struct bytes move_key, const void *ct,
				size_t n, struct buf *out) MUST_CHECK;

/* In a worker of `serve`: send key operations to the vault process over fd and password
 * checks over password_fd (SOCK_SEQPACKET sockets). Without this, operations run in this
 * process (command-line tools). */
void vault_use_remote(int fd, int password_fd);
/* The vault process: answer workers until the parent goes away. ctl_fd brings each new
 * worker's sockets (SCM_RIGHTS, tagged 'k' for key operations or 'p' for password checks);
 * password_lane_fd comes from vault_start_password_lane (call it before the sandbox).
 * Returns the exit code. */
int vault_start_password_lane(void);
int vault_serve(int ctl_fd, int password_lane_fd);

/* New patient: make their key, wrap it, and seal their demographics with it. */
enum err vault_patient_create(const struct id *patient, const void *phi, size_t phi_len,
			      struct buf *wrapped_key, struct buf *phi_ct) MUST_CHECK;
/* Open a patient's demographics phi (sealed with k's key; any grant for that patient). token:
 * the caller's session token, or NULL for command-line tools before vault_require_tokens. */
enum err vault_patient_open_ref(const char *token, const struct grant *g, const struct vault_key_ref *k,
				struct bytes phi, struct buf *out) MUST_CHECK;

/* Seal a new document for patient k (needs a document.create grant). Appends the wrapped
 * document key, the sealed body and the sealed metadata to the three buffers. */
enum err vault_document_seal_ref(const char *token, const struct grant *g, const struct vault_key_ref *k,
				 const struct id *document, const void *body, size_t body_len,
				 const void *meta, size_t meta_len, struct buf *wrapped_key,
				 struct buf *body_ct, struct buf *meta_ct) MUST_CHECK;
/*
 * Document keys in batches. A round trip to the vault process costs two wake-ups, far more
 * than the unwrapping; so the keys one request needs (a search) go in one message, and so do
 * the keys that concurrent requests ask for through the key lane. The vault still checks the
 * token and counts each key against the breaker one by one.
 */
#define VAULT_BATCH_MAX 64

/* One document's key asked for (needs a document.read or document.list grant for its patient).
 * The caller wipes .key (key_wipe) as soon as it has decrypted what it needs. */
struct vault_key_job {
	const char *token;
	struct id patient, document;
	struct bytes wrapped_pk, wrapped_dk;
	int64_t size;
	int rc;         /* out: a vault_rc */
	struct key key; /* out, when rc is ERR_OK; the caller wipes it */
	/* vault_document_key_submit: runs once the job is answered */
	void (*done)(struct vault_key_job *job, void *ctx);
	void *ctx;
	struct vault_key_job *next;
};

/* Describe the key of document d of patient k; ERR_DENIED (nothing to ask) unless d belongs to
 * k's patient and g is a document.read or document.list grant for that patient. The job points
 * into what k and d point to. */
enum err vault_key_job_prepare(struct vault_key_job *job, const char *token, const struct grant *g,
			       const struct vault_key_ref *k, const struct vault_doc_ref *d) MUST_CHECK;
/* Answer n jobs, one message per VAULT_BATCH_MAX of them; each job's rc tells its answer. */
void vault_document_keys(struct vault_key_job *jobs, size_t n);
/* Hand one job to this process's key lane, which gathers what every thread has submitted
 * meanwhile into one message and calls job->done on its own thread. Without a vault process
 * (tools, tests) the job is answered and done called before this returns. */
void vault_document_key_submit(struct vault_key_job *job);
/* Wait (up to timeout_ms) until every submitted job is done: before the requests they belong
 * to are torn down. */
void vault_key_lane_drain(int timeout_ms);

/* Associated data that binds a ciphertext to what it is and whose. */
void vault_ad(char out[128], const char *purpose, const struct id *patient, const struct id *record);

/* ======================================================================================
 * Key lifecycle: master key rotation, the blind-index key, audit checkpoint signing and key
 * copies (src/vault/vault_keys.c; see docs/internals/ROTATION.md, CHECKPOINTS.md and
 * SHREDDING.md). Nothing here returns a master, patient or signing key.
 * ====================================================================================== */
#include "crypto/sign.h"
#include "util/err.h"

/* At init, after vault_create: DIR/index.key and DIR/audit-signing.key (new random keys). */
int vault_keys_create(const char *dir);
/* After vault_load: load index.key (when there is one), audit-signing.key (creating it for a
 * data directory from before signed checkpoints) and master.key.next (a rotation under way).
 * Later reads of patient keys wrapped by a master key this process has not seen yet look at
 * the key files again, so `serve` keeps reading while `keys rotate` runs beside it. */
int vault_keys_load(const char *dir);
void vault_keys_unload(void);

/* Ids of keys (one-way, safe to store and show). */
void vault_master_key_id(uint8_t out[KEY_ID_BYTES]);
void vault_index_key_id(uint8_t out[KEY_ID_BYTES]);
/* master.key.next's id: 0 when it exists, 1 when not, -1 on error. */
int vault_next_key_id(uint8_t out[KEY_ID_BYTES]);

/* Begin or resume a rotation: write index.key if it is still derived (it must survive the
 * rotation), create master.key.next unless it exists (*resumed), load it. */
int vault_rotation_prepare(uint8_t old_id[KEY_ID_BYTES], uint8_t new_id[KEY_ID_BYTES],
			   bool *resumed) MUST_CHECK;
/* Rewrap one patient key under the loaded master key `to`, appending it to out: 0 done, 1
 * already wrapped by `to` (nothing appended), -1 when it cannot be unwrapped. For
 * command-line tools only; the key itself never leaves the vault. */
int vault_patient_key_rewrap(const struct id *patient, struct bytes wrapped,
			     const uint8_t to[KEY_ID_BYTES], struct buf *out) MUST_CHECK;
/* Finish: master.key.next replaces master.key (rename, directory synced). */
int vault_rotation_commit(void) MUST_CHECK;

/* Sign an audit checkpoint (the chain hash `head` at `seq`, made at ts_ms) with the audit
 * signing key; key_id names that key. -1 when no signing key is loaded. */
enum err vault_checkpoint_sign(int64_t seq, int64_t ts_ms, const uint8_t head[HASH_BYTES],
			       uint8_t sig[SIGNATURE_BYTES], uint8_t key_id[KEY_ID_BYTES]) MUST_CHECK;
/* The loaded signing key's public half and id. */
int vault_checkpoint_public_key(uint8_t pk[SIGN_PUBLIC_BYTES], uint8_t key_id[KEY_ID_BYTES]);
/* The same, read from DIR/audit-signing.key without loading the master key (audit verify). */
int vault_checkpoint_public_key_read(const char *dir, uint8_t pk[SIGN_PUBLIC_BYTES],
				     uint8_t key_id[KEY_ID_BYTES]);
/* The id of a signing public key (to check an exported key against its checkpoints). */
void vault_signing_key_id(const uint8_t pk[SIGN_PUBLIC_BYTES], uint8_t key_id[KEY_ID_BYTES]);

/* Copy master.key, index.key and audit-signing.key from one directory to another (0600,
 * replacing what is there). Refuses while a rotation is under way in from_dir. The keystore
 * (keystore.db) is copied by the store (store_file_copy). */
int vault_key_files_copy(const char *from_dir, const char *to_dir);
/* After copying the keystore too: 0 when from_dir's master key is still the one copied and no
 * rotation started meanwhile (else the keystore copy may hold rows the copied key cannot open:
 * copy again). */
int vault_key_files_check(const char *from_dir, const char *to_dir);

#endif
