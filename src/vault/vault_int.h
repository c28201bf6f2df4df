/* Internal to src/vault: what the vault's own files share. Nothing outside src/vault includes
 * this header. */
#ifndef MEDKEEP_VAULT_INT_H
#define MEDKEEP_VAULT_INT_H
#include "crypto/crypto.h"
#include "util/buf.h"
#include "vault/vault.h"
#include "util/err.h"

/* The loaded master key (read-only guarded memory); aborts when none is loaded. */
const struct key *vault_master(void);

/*
 * The key operations themselves, run where the master key is: in the vault process, or in a
 * command-line tool's own process. They take no grant (a grant is a worker's object and
 * proves nothing to another process); they count every key opened for the token's actor.
 * Return ERR_OK, ERR_DENIED or ERR_TRIPPED.
 */
int vault_local_require_tokens(const char *dir);
enum err vault_local_login(const char *pw_hash, const char *password, size_t pw_len,
			   const struct session_claims *claims, char token[SESSION_TOKEN_B64_LEN + 1]);
enum err vault_local_miss(const char *token);
enum err vault_local_read(const char *token, const struct id *patient, int64_t bytes);
/* Count opening the demographics of `subject` (a patient, or a queued feed message that names
 * someone not yet matched: vault_feedq.c) for the token's actor, as a register read. */
enum err vault_local_read_demographics(const char *token, const struct id *subject);
void vault_local_index(const char *kind, const char *value, uint8_t out[HASH_BYTES]);
enum err vault_local_patient_create(const struct id *patient, const void *phi, size_t phi_len,
				    struct buf *wrapped_key, struct buf *phi_ct);
enum err vault_local_record_open(const char *token, const struct id *patient, struct bytes wrapped_pk,
				 enum vault_record kind, const struct id *record, struct bytes ct,
				 struct buf *out);
enum err vault_local_record_seal(const char *token, const struct id *patient, struct bytes wrapped_pk,
				 enum vault_record kind, const struct id *record, const void *pt, size_t n,
				 struct buf *out);
enum err vault_local_doc_new_key(const char *token, const struct id *patient, struct bytes wrapped_pk,
				 const struct id *document, struct key *dk, struct buf *wrapped_dk);
enum err vault_local_doc_key(const char *token, const struct id *patient, struct bytes wrapped_pk,
			     const struct id *document, struct bytes wrapped_dk, int64_t size,
			     struct key *key);

/* Seal email (when not NULL) or open ct, for one account, with the account-email key. */
enum err vault_local_email(const struct id *account, const char *email, const void *ct, size_t n,
			   struct buf *out);
/* Seal (body non-NULL, n bytes) or open (ct, n) one outbox body; ERR_OK or ERR_DENIED. */
enum err vault_local_outbox(const struct id *outbox, const struct id *account, const char *body,
			    const void *ct, size_t n, struct buf *out);
/* A queued feed message's key (vault_feedq.c): new and wrapped (wrapped.ptr NULL: for
 * anyone), or unwrapped (only for staff of that practice who may work its queue). */
struct feedq_move;
enum err vault_local_feedq_key(const char *token, const struct id *item, const struct id *practice,
			       struct bytes wrapped, struct key *k, struct buf *wrapped_out,
			       const struct feedq_move *mv);
/* The move-bound key unwrapped without a token's check: command-line tools holding the master
 * key only (vault_feedq_open_moved with no token); no vault operation calls it. */
enum err vault_local_feedq_moved_key(const struct id *item, const struct id *practice,
				     const struct feedq_move *mv, struct bytes wrapped, struct key *k);

enum err vault_local_totp_new(const struct id *account, char secret_b32[TOTP_SECRET_B32_LEN + 1],
			      struct buf *sealed);
enum err vault_local_totp_verify(const char *token, struct bytes sealed, const char *code,
				 int64_t last_step, int64_t *step, char new_token[SESSION_TOKEN_B64_LEN + 1],
				 struct id *session);
enum err vault_local_recovery_new(const char *token, char codes[RECOVERY_CODES][RECOVERY_CODE_LEN + 1],
				  uint8_t hashes[RECOVERY_CODES][HASH_BYTES]);
enum err vault_local_recovery_verify(const char *token, const char *code,
				     const uint8_t (*hashes)[HASH_BYTES], size_t n, size_t *index,
				     char new_token[SESSION_TOKEN_B64_LEN + 1], struct id *session);

/* A fresh token for the same claims, with a new session id and mfa set (a second factor
 * was just checked). */
enum err vault_local_system_token(const struct id *system, const struct id *practice,
				  char token[SESSION_TOKEN_B64_LEN + 1], struct id *session);
enum err vault_local_app_token(const char *token, char new_token[SESSION_TOKEN_B64_LEN + 1],
			       struct id *session);
enum err vault_remint(const struct session_claims *c, char token[SESSION_TOKEN_B64_LEN + 1],
		      struct id *session);
/* A fresh token for claims c under a new session id, issued now by the vault's clock. */
enum err vault_mint_fresh(const struct session_claims *c, char token[SESSION_TOKEN_B64_LEN + 1],
			  struct id *session);
/* The vault's own clock (what every token's age is measured by). */
int64_t vault_clock(void);
/* MAC the SESSION_CLAIMS_BYTES of raw (its first byte says which kind of token) into its last
 * 32 bytes and write the token; raw is wiped. */
void vault_token_encode(uint8_t raw[SESSION_TOKEN_BYTES], char token[SESSION_TOKEN_B64_LEN + 1]);
/* Decode a token and check its MAC: 0 with raw filled (any kind: the caller checks raw[0]). */
int vault_token_decode(const char *token, size_t n, uint8_t raw[SESSION_TOKEN_BYTES]);
/* Refresh tokens (vault_refresh.c, vault.h). */
enum err vault_local_refresh_issue(const char *app_token, bool offline,
				   char refresh[SESSION_TOKEN_B64_LEN + 1], struct id *family);
enum err vault_local_refresh_use(const char *refresh, struct vault_refreshed *out);
/* OpenID Connect (vault_oidc.c, vault.h). */
enum err vault_local_id_token(const char *app_token, const char *iss, const char *client_id,
			      const char *nonce, bool fhir_user, char *out, size_t max);
enum err vault_local_breaker_exchange(const struct breaker_event *in, size_t n_in,
				      struct breaker_event *out, size_t max_out, size_t *n_out,
				      uint64_t *dropped);
enum err vault_local_oidc_jwk(char x[VAULT_JWK_X_LEN + 1], char kid[2 * 8 + 1]);

/* Passkeys (vault_passkey.c). */
enum err vault_local_passkey_challenge(const char *token, int purpose,
				       uint8_t challenge[WEBAUTHN_CHALLENGE_BYTES]);
enum err vault_local_passkey_register(const char *token, const uint8_t *client_data, size_t client_data_len,
				      const uint8_t *attestation, size_t attestation_len,
				      struct webauthn_credential *cred, uint8_t mac[PASSKEY_MAC_BYTES]);
enum err vault_local_passkey_verify(const char *token, const struct webauthn_credential *cred,
				    const uint8_t mac[PASSKEY_MAC_BYTES], const uint8_t *client_data,
				    size_t client_data_len, const uint8_t *auth_data, size_t auth_data_len,
				    const uint8_t *sig, size_t sig_len, uint32_t *sign_count,
				    char new_token[SESSION_TOKEN_B64_LEN + 1], struct id *session);
enum err vault_local_checkpoint_sign(int64_t seq, int64_t ts_ms, const uint8_t head[HASH_BYTES],
				     uint8_t sig[SIGNATURE_BYTES], uint8_t key_id[KEY_ID_BYTES]);
/* A subkey of the stable index key (not changed by master key rotation). */
void vault_stable_subkey(uint64_t id, const char context[8], struct key *out);

/* Unlocking (vault_unlock.c): note what tripped, from the tripping token's claims; clear a trip
 * for a reviewer's token (token not NULL) or a ticket (issued, mac); make a ticket. */
void vault_trip_note(const struct session_claims *c);
enum err vault_local_unlock(const char *token, const struct id *account, int64_t issued,
			    const uint8_t *mac, size_t mac_len);
enum err vault_local_unlock_ticket(const struct id *account, int64_t issued,
				   uint8_t mac[UNLOCK_TICKET_MAC_BYTES]);
enum err vault_local_review_email(const char *token, const struct id *account, const void *ct, size_t n,
				  struct buf *out);

/* Operation codes and statuses of the worker <-> vault protocol (frames: src/proc/msg.h). */
enum vault_op {
	VOP_LOGIN = 1,
	VOP_MISS,
	VOP_INDEX,
	VOP_PATIENT_CREATE,
	VOP_PHI_OPEN,
	VOP_DOC_NEW_KEY,
	VOP_DOC_KEYS, /* document keys: up to VAULT_BATCH_MAX in one request */
	VOP_TOTP_NEW,
	VOP_TOTP_VERIFY,
	VOP_RECOVERY_NEW,
	VOP_RECOVERY_VERIFY,
	VOP_CHECKPOINT_SIGN,
	VOP_RECORD_SEAL,
	VOP_EMAIL_SEAL, /* seal an account's address (workers: a registration, a new address) */
	VOP_EMAIL_OPEN, /* open one (the mail lane only: the sender of the outbox) */
	VOP_PASSKEY_CHALLENGE,
	VOP_PASSKEY_REGISTER,
	VOP_PASSKEY_VERIFY,
	VOP_APP_TOKEN, /* an app's access token from a patient's session (their consent) */
	VOP_SYSTEM_TOKEN, /* a practice system's token, once its key or certificate is checked */
	VOP_READ,      /* count a read of clinical content the vault does not decrypt */
	VOP_UNLOCK,    /* clear an account's trip: a reviewer's token, or an unlock ticket */
	VOP_REVIEW_EMAIL, /* a tripped account's address, for its reviewer's page */
	VOP_OUTBOX_SEAL, /* seal a queued email's body (workers: any mail they queue) */
	VOP_OUTBOX_OPEN, /* open one (the mail lane only, like VOP_EMAIL_OPEN) */
	VOP_FEEDQ_KEY_NEW,  /* a new key for a queued feed message (workers: the one queueing it) */
	VOP_FEEDQ_KEY_OPEN, /* its key again, for staff of its practice (the token's claims) */
	VOP_REFRESH_ISSUE,  /* an app's first refresh token, from its access token at the exchange */
	VOP_REFRESH_USE,    /* a refresh token for a new access token and the next refresh token */
	VOP_ID_TOKEN,       /* an app's id_token (OpenID Connect), from its access token */
	VOP_OIDC_JWK,       /* the public key id_tokens are signed with */
	VOP_BREAKER_EXCHANGE, /* other nodes' breaker facts in, this node's out (the sync lane) */
};
/* Answer one request frame into out (MSG_MAX bytes): 0 with *out_len set, or -1 when the
 * frame is malformed or its operation unknown (then nothing is answered). Whatever the lane:
 * command-line tools and the fuzzer. Pure apart from the key operations; fuzzed (vault_ops.c,
 * one handler per operation). */
int vault_handle(const uint8_t *frame, size_t n, uint8_t *out, size_t *out_len);
/* Which requests a connection may make: quick key operations (workers), password checks only
 * (workers' second connection), or opening addresses and mail bodies only (the outbox
 * sender). vault_handle_lane refuses (-1) an operation the lane may not ask for. */
enum vault_lane { LANE_KEYS, LANE_PASSWORDS, LANE_MAIL, LANE_BREAKER };
int vault_handle_lane(enum vault_lane lane, const uint8_t *frame, size_t n, uint8_t *out,
		      size_t *out_len);

/*
 * The client: how this process reaches the key operations, chosen once at start-up. The local
 * client (vault_api.c) runs them here, where the master key is loaded (command-line tools,
 * tests); the remote one (vault_client.c) encodes each as a frame, sends it to the vault
 * process and decodes the answer (workers of `serve`, the outbox sender). vault_api.c checks
 * grants and then calls the chosen client; nothing else asks which one it is.
 */
struct vault_client_ops {
	bool holds_keys; /* the local client: the master key is in this process */
	enum err (*login)(const char *pw_hash, const char *password, size_t pw_len,
		     const struct session_claims *claims, char token[SESSION_TOKEN_B64_LEN + 1]);
	enum err (*app_token)(const char *token, char new_token[SESSION_TOKEN_B64_LEN + 1],
			 struct id *session);
	enum err (*system_token)(const struct id *system, const struct id *practice,
				 char token[SESSION_TOKEN_B64_LEN + 1], struct id *session);
	enum err (*refresh_issue)(const char *app_token, bool offline,
				  char refresh[SESSION_TOKEN_B64_LEN + 1], struct id *family);
	enum err (*refresh_use)(const char *refresh, struct vault_refreshed *out);
	enum err (*id_token)(const char *app_token, const char *iss, const char *client_id,
			     const char *nonce, bool fhir_user, char *out, size_t max);
	enum err (*oidc_jwk)(char x[VAULT_JWK_X_LEN + 1], char kid[2 * 8 + 1]);
	enum err (*breaker_exchange)(const struct breaker_event *in, size_t n_in,
				     struct breaker_event *out, size_t max_out, size_t *n_out,
				     uint64_t *dropped);
	enum err (*miss)(const char *token);
	enum err (*read)(const char *token, const struct id *patient, int64_t bytes);
	enum err (*unlock)(const char *token, const struct id *account, int64_t issued, const uint8_t *mac,
		      size_t mac_len);
	enum err (*review_email)(const char *token, const struct id *account, const void *ct, size_t n,
			    struct buf *out);
	enum err (*index)(const char *kind, const char *value, uint8_t out[HASH_BYTES]);
	enum err (*patient_create)(const struct id *patient, const void *phi, size_t phi_len,
			      struct buf *wrapped_key, struct buf *phi_ct);
	enum err (*record_open)(const char *token, const struct id *patient, struct bytes wrapped_pk,
			   enum vault_record kind, const struct id *record, struct bytes ct,
			   struct buf *out);
	enum err (*record_seal)(const char *token, const struct id *patient, struct bytes wrapped_pk,
			   enum vault_record kind, const struct id *record, const void *pt, size_t n,
			   struct buf *out);
	enum err (*doc_new_key)(const char *token, const struct id *patient, struct bytes wrapped_pk,
			   const struct id *document, struct key *dk, struct buf *wrapped_dk);
	/* Answer up to VAULT_BATCH_MAX jobs (each job's rc and key). */
	void (*doc_keys)(struct vault_key_job *const *jobs, size_t n);
	/* Answer job now or later, then call job->done; false when it cannot be taken. */
	bool (*submit)(struct vault_key_job *job);
	enum err (*email)(const struct id *account, const char *email, const void *ct, size_t n,
		     struct buf *out);
	enum err (*outbox)(const struct id *outbox, const struct id *account, const char *body,
		      const void *ct, size_t n, struct buf *out);
	enum err (*feedq_key)(const char *token, const struct id *item, const struct id *practice,
			      struct bytes wrapped, struct key *k, struct buf *wrapped_out,
			      const struct feedq_move *mv);
	enum err (*totp_new)(const char *token, char secret_b32[TOTP_SECRET_B32_LEN + 1],
			struct buf *sealed);
	enum err (*totp_verify)(const char *token, struct bytes sealed, const char *code,
			   int64_t last_step, int64_t *step, char new_token[SESSION_TOKEN_B64_LEN + 1],
			   struct id *session);
	enum err (*recovery_new)(const char *token, char codes[RECOVERY_CODES][RECOVERY_CODE_LEN + 1],
			    uint8_t hashes[RECOVERY_CODES][HASH_BYTES]);
	enum err (*recovery_verify)(const char *token, const char *code,
			       const uint8_t (*hashes)[HASH_BYTES], size_t n, size_t *index,
			       char new_token[SESSION_TOKEN_B64_LEN + 1], struct id *session);
	enum err (*checkpoint_sign)(int64_t seq, int64_t ts_ms, const uint8_t head[HASH_BYTES],
			       uint8_t sig[SIGNATURE_BYTES], uint8_t key_id[KEY_ID_BYTES]);
	enum err (*passkey_challenge)(const char *token, int purpose,
				 uint8_t challenge[WEBAUTHN_CHALLENGE_BYTES]);
	enum err (*passkey_register)(const char *token, const uint8_t *client_data,
				size_t client_data_len, const uint8_t *attestation,
				size_t attestation_len, struct webauthn_credential *cred,
				uint8_t mac[PASSKEY_MAC_BYTES]);
	enum err (*passkey_verify)(const char *token, const struct webauthn_credential *cred,
			      const uint8_t mac[PASSKEY_MAC_BYTES], const uint8_t *client_data,
			      size_t client_data_len, const uint8_t *auth_data, size_t auth_data_len,
			      const uint8_t *sig, size_t sig_len, uint32_t *sign_count,
			      char new_token[SESSION_TOKEN_B64_LEN + 1], struct id *session);
};
/* The client this process uses (vault_api.c): the local one until vault_use_remote. */
extern const struct vault_client_ops *vault_client;
/* The remote client (vault_client.c), and the sockets it uses. */
extern const struct vault_client_ops vault_remote_client;
void vault_remote_connect(int fd, int password_fd);

/* --- vault_keys.c: hooks vault.c calls for patient keys and the blind index --- */

/* Wrap a new patient key under the current master key (the rotation's new key while one
 * runs), prefixed with that key's id. Appends to out. */
int vault_patient_key_wrap(const struct id *patient, const struct key *pk, struct buf *out);
/* Unwrap a patient key with whichever master key its prefix names (or, for keys from before
 * the keystore, the loaded master key). -1 when no loaded key opens it. */
int vault_patient_key_unwrap(const struct id *patient, const uint8_t *wrapped, size_t n,
			     struct key *pk);
/* The blind-index key: index.key when there is one, else derived from the master key. */
void vault_index_subkey(struct key *out);

/* Unit tests only: seconds added to the vault's clock (token ages, vault.c). Zero in serve. */
extern int64_t vault_test_clock_skew;

#endif
