/*
 * The vault's interface as the rest of medkeep sees it (vault.h): check the caller's grant in
 * this process, then run the operation through this process's client, chosen once at
 * start-up (vault_int.h): over the socket to the vault process in `serve`, or here in a
 * command-line tool.
 */
#include <string.h>

#include "vault/vault.h"
#include "vault/vault_int.h"

/* --- the local client: the key operations in this process (vault.c and its siblings) --- */

static enum err index_here(const char *kind, const char *value, uint8_t out[HASH_BYTES])
{
	vault_local_index(kind, value, out);
	return ERR_OK;
}

/* As the vault process does for VOP_TOTP_NEW: the account is the token's. */
static enum err totp_new_here(const char *token, char secret_b32[TOTP_SECRET_B32_LEN + 1],
			      struct buf *sealed)
{
	struct session_claims c;
	if (token == NULL || vault_token_claims(token, strlen(token), &c) != 0)
		return ERR_DENIED;
	return vault_local_totp_new(&c.account, secret_b32, sealed);
}

static void doc_keys_here(struct vault_key_job *const *jobs, size_t n)
{
	for (size_t i = 0; i < n; i++)
		jobs[i]->rc = vault_local_doc_key(jobs[i]->token, &jobs[i]->patient, jobs[i]->wrapped_pk,
						  &jobs[i]->document, jobs[i]->wrapped_dk,
						  jobs[i]->size, &jobs[i]->key);
}

static bool submit_here(struct vault_key_job *job)
{
	struct vault_key_job *one = job;
	doc_keys_here(&one, 1);
	job->done(job, job->ctx);
	return true;
}

static const struct vault_client_ops local_client = {
	.holds_keys = true,
	.login = vault_local_login,
	.app_token = vault_local_app_token,
	.refresh_issue = vault_local_refresh_issue,
	.refresh_use = vault_local_refresh_use,
	.id_token = vault_local_id_token,
	.oidc_jwk = vault_local_oidc_jwk,
	.breaker_exchange = vault_local_breaker_exchange,
	.system_token = vault_local_system_token,
	.miss = vault_local_miss,
	.read = vault_local_read,
	.unlock = vault_local_unlock,
	.review_email = vault_local_review_email,
	.index = index_here,
	.patient_create = vault_local_patient_create,
	.record_open = vault_local_record_open,
	.record_seal = vault_local_record_seal,
	.doc_new_key = vault_local_doc_new_key,
	.doc_keys = doc_keys_here,
	.submit = submit_here,
	.email = vault_local_email,
	.outbox = vault_local_outbox,
	.feedq_key = vault_local_feedq_key,
	.totp_new = totp_new_here,
	.totp_verify = vault_local_totp_verify,
	.recovery_new = vault_local_recovery_new,
	.recovery_verify = vault_local_recovery_verify,
	.checkpoint_sign = vault_local_checkpoint_sign,
	.passkey_challenge = vault_local_passkey_challenge,
	.passkey_register = vault_local_passkey_register,
	.passkey_verify = vault_local_passkey_verify,
};

const struct vault_client_ops *vault_client = &local_client;

void vault_use_remote(int fd, int password_fd)
{
	vault_remote_connect(fd, password_fd);
	vault_client = &vault_remote_client;
}

/* --- the interface --- */

int vault_require_tokens(const char *dir)
{
	return vault_client->holds_keys ? vault_local_require_tokens(dir) : 0;
}

enum err vault_login(const char *pw_hash, const char *password, size_t pw_len,
		     const struct session_claims *claims, char token[SESSION_TOKEN_B64_LEN + 1])
{
	return vault_client->login(pw_hash, password, pw_len, claims, token);
}

enum err vault_system_token(const struct id *system, const struct id *practice,
			    char token[SESSION_TOKEN_B64_LEN + 1], struct id *session)
{
	return vault_client->system_token(system, practice, token, session);
}

enum err vault_app_token(const char *token, char new_token[SESSION_TOKEN_B64_LEN + 1], struct id *session)
{
	return vault_client->app_token(token, new_token, session);
}

enum err vault_refresh_issue(const char *app_token, bool offline, char refresh[SESSION_TOKEN_B64_LEN + 1],
			     struct id *family)
{
	return vault_client->refresh_issue(app_token, offline, refresh, family);
}

enum err vault_refresh_use(const char *refresh, struct vault_refreshed *out)
{
	return vault_client->refresh_use(refresh, out);
}

enum err vault_id_token(const char *app_token, const char *iss, const char *client_id, const char *nonce,
			bool fhir_user, char *out, size_t max)
{
	return vault_client->id_token(app_token, iss, client_id, nonce, fhir_user, out, max);
}

enum err vault_oidc_jwk(char x[VAULT_JWK_X_LEN + 1], char kid[2 * 8 + 1])
{
	return vault_client->oidc_jwk(x, kid);
}

enum err vault_breaker_exchange(const struct breaker_event *in, size_t n_in,
				struct breaker_event *out, size_t max_out, size_t *n_out,
				uint64_t *dropped)
{
	*n_out = 0;
	*dropped = 0;
	if (n_in > BREAKER_EVENTS_PER_FRAME || max_out > BREAKER_EVENTS_PER_FRAME)
		return ERR_INVALID;
	return vault_client->breaker_exchange(in, n_in, out, max_out, n_out, dropped);
}

enum err vault_report_miss(const char *token)
{
	return vault_client->miss(token);
}

enum err vault_report_read(const char *token, const struct id *patient, int64_t bytes)
{
	return vault_client->read(token, patient, bytes);
}

enum err vault_unlock_by_reviewer(const char *reviewer_token, const struct id *account)
{
	if (reviewer_token == NULL)
		return ERR_DENIED;
	return vault_client->unlock(reviewer_token, account, 0, NULL, 0);
}

enum err vault_unlock_by_ticket(const struct id *account, int64_t issued,
				const uint8_t mac[UNLOCK_TICKET_MAC_BYTES])
{
	return vault_client->unlock(NULL, account, issued, mac, UNLOCK_TICKET_MAC_BYTES);
}

enum err vault_review_email_open(const char *reviewer_token, const struct id *account, const void *ct,
				 size_t n, struct buf *out)
{
	if (reviewer_token == NULL)
		return ERR_DENIED;
	return vault_client->review_email(reviewer_token, account, ct, n, out);
}

enum err vault_unlock_ticket_make(const struct id *account, int64_t issued,
				  uint8_t mac[UNLOCK_TICKET_MAC_BYTES])
{
	if (!vault_client->holds_keys)
		return ERR_DENIED; /* a worker never makes tickets */
	return vault_local_unlock_ticket(account, issued, mac);
}

enum err vault_blind_index(const char *kind, const char *value, uint8_t out[HASH_BYTES])
{
	return vault_client->index(kind, value, out);
}

enum err vault_patient_create(const struct id *patient, const void *phi, size_t phi_len,
			      struct buf *wrapped_key, struct buf *phi_ct)
{
	return vault_client->patient_create(patient, phi, phi_len, wrapped_key, phi_ct);
}

enum err vault_patient_open_ref(const char *token, const struct grant *g, const struct vault_key_ref *k,
				struct bytes phi, struct buf *out)
{
	if (!grant_for_patient(g, &k->patient))
		return ERR_DENIED;
	return vault_client->record_open(token, &k->patient, k->wrapped_key, VREC_PHI, NULL, phi, out);
}

enum err vault_notice_open_ref(const char *token, const struct grant *g, const struct vault_key_ref *k,
			       const struct id *notice, struct bytes ct, struct buf *out)
{
	if (!grant_for_patient(g, &k->patient))
		return ERR_DENIED;
	return vault_client->record_open(token, &k->patient, k->wrapped_key, VREC_NOTICE, notice, ct,
					 out);
}

enum err vault_notice_seal_ref(const struct grant *g, const struct vault_key_ref *k,
			       const struct id *notice, const void *pt, size_t n, struct buf *out)
{
	/* Command-line tools only: a worker never seals a notice. */
	if (!grant_for_patient(g, &k->patient) || !vault_client->holds_keys)
		return ERR_DENIED;
	return vault_local_record_seal(NULL, &k->patient, k->wrapped_key, VREC_NOTICE, notice, pt, n,
				       out);
}

enum err vault_record_seal_ref(const char *token, const struct grant *g, const struct vault_key_ref *k,
			       enum vault_record kind, const struct id *record, const void *pt, size_t n,
			       struct buf *out)
{
	/* Demographics are resealed only to correct the register (register_update). */
	if (!grant_writes(g, &k->patient) || kind == VREC_NOTICE || kind >= VREC_COUNT ||
	    (kind == VREC_PHI && g->action != ACTION_PATIENT_WRITE))
		return ERR_DENIED;
	return vault_client->record_seal(token, &k->patient, k->wrapped_key, kind, record, pt, n, out);
}

enum err vault_record_open_ref(const char *token, const struct grant *g, const struct vault_key_ref *k,
			       enum vault_record kind, const struct id *record, struct bytes ct,
			       struct buf *out)
{
	if (!grant_for_patient(g, &k->patient) || kind >= VREC_COUNT)
		return ERR_DENIED;
	return vault_client->record_open(token, &k->patient, k->wrapped_key, kind, record, ct, out);
}

enum err vault_document_seal_ref(const char *token, const struct grant *g, const struct vault_key_ref *k,
				 const struct id *document, const void *body, size_t body_len,
				 const void *meta, size_t meta_len, struct buf *wrapped_key,
				 struct buf *body_ct, struct buf *meta_ct)
{
	if (!grant_allows(g, &k->patient, ACTION_DOCUMENT_CREATE))
		return ERR_DENIED;
	struct key dk;
	int rc = vault_client->doc_new_key(token, &k->patient, k->wrapped_key, document, &dk,
					   wrapped_key);
	if (rc != ERR_OK)
		return rc;
	/* The document key encrypts here, so the vault never handles a 20 MB body. */
	char ad[128];
	vault_ad(ad, "doc-body", &k->patient, document);
	rc = envelope_seal(&dk, ad, body, body_len, body_ct);
	if (rc == 0) {
		vault_ad(ad, "doc-meta", &k->patient, document);
		rc = envelope_seal(&dk, ad, meta, meta_len, meta_ct);
	}
	key_wipe(&dk);
	return rc == 0 ? ERR_OK : ERR_DENIED;
}

enum err vault_key_job_prepare(struct vault_key_job *job, const char *token, const struct grant *g,
			       const struct vault_key_ref *k, const struct vault_doc_ref *d)
{
	memset(job, 0, sizeof(*job));
	job->rc = ERR_DENIED;
	if (!id_eq(&k->patient, &d->patient) ||
	    !(grant_allows(g, &k->patient, ACTION_DOCUMENT_READ) ||
	      grant_allows(g, &k->patient, ACTION_DOCUMENT_LIST)))
		return ERR_DENIED;
	job->token = token;
	job->patient = k->patient;
	job->document = d->document;
	job->wrapped_pk = k->wrapped_key;
	job->wrapped_dk = d->wrapped_key;
	job->size = d->size;
	return ERR_OK;
}

void vault_document_keys(struct vault_key_job *jobs, size_t n)
{
	struct vault_key_job *batch[VAULT_BATCH_MAX];
	for (size_t done = 0; done < n;) {
		size_t k = n - done < VAULT_BATCH_MAX ? n - done : VAULT_BATCH_MAX;
		for (size_t i = 0; i < k; i++)
			batch[i] = &jobs[done + i];
		vault_client->doc_keys(batch, k);
		done += k;
	}
}

void vault_document_key_submit(struct vault_key_job *job)
{
	if (vault_client->submit(job))
		return;
	vault_document_keys(job, 1); /* no key lane could be started: ask on this thread */
	job->done(job, job->ctx);
}

enum err vault_email_seal(const struct id *account, const char *email, struct buf *out)
{
	return vault_client->email(account, email, NULL, 0, out);
}

enum err vault_email_open(const struct id *account, const void *ct, size_t n, struct buf *out)
{
	/* From a worker the vault refuses (and drops the connection): only the mail lane opens. */
	return vault_client->email(account, NULL, ct, n, out);
}

enum err vault_outbox_seal(const struct id *outbox, const struct id *account, const char *body,
			   struct buf *out)
{
	return vault_client->outbox(outbox, account, body, NULL, 0, out);
}

enum err vault_outbox_open(const struct id *outbox, const struct id *account, const void *ct, size_t n,
			   struct buf *out)
{
	/* Like an address: from a worker the vault refuses and drops the connection. */
	return vault_client->outbox(outbox, account, NULL, ct, n, out);
}

/* The stored form of a queued message: u8 length of the wrapped key, the wrapped key, then
 * the message's envelope under that key. */
enum err vault_feedq_seal(const struct id *item, const struct id *practice, const void *msg,
			  size_t n, struct buf *out)
{
	struct key k;
	size_t at = out->len;
	uint8_t zero = 0;
	buf_append(out, &zero, 1);
	if (out->failed)
		return ERR_DENIED;
	enum err rc = vault_client->feedq_key(NULL, item, practice, (struct bytes){NULL, 0}, &k, out,
					      NULL);
	if (rc != ERR_OK)
		return rc;
	size_t wlen = out->len - at - 1;
	int s = -1;
	if (!out->failed && wlen > 0 && wlen <= 255) {
		((uint8_t *)out->data)[at] = (uint8_t)wlen;
		char ad[128];
		vault_ad(ad, "feedq-body", practice, item);
		s = envelope_seal(&k, ad, msg, n, out);
	}
	key_wipe(&k);
	return s == 0 ? ERR_OK : ERR_DENIED;
}

/* The message's envelope under its key k (wiped here). */
static enum err feedq_body_open(struct key *k, const struct id *item, const struct id *practice,
				const uint8_t *ct, size_t n, struct buf *out)
{
	char ad[128];
	vault_ad(ad, "feedq-body", practice, item);
	int s = envelope_open(k, ad, ct, n, out);
	key_wipe(k);
	return s == 0 ? ERR_OK : ERR_DENIED;
}

enum err vault_feedq_open(const char *token, const struct id *item, const struct id *practice,
			  const void *ct, size_t n, struct buf *out)
{
	const uint8_t *p = ct;
	if (token == NULL || n < 1 || (size_t)p[0] + 1 > n)
		return ERR_DENIED;
	struct key k;
	enum err rc = vault_client->feedq_key(token, item, practice, (struct bytes){p + 1, p[0]}, &k,
					      NULL, NULL);
	if (rc != ERR_OK)
		return rc;
	return feedq_body_open(&k, item, practice, p + 1 + p[0], n - 1 - p[0], out);
}

enum err vault_feedq_bind_move(const char *token, const struct id *item, const struct id *practice,
			       const void *ct, size_t n, const struct feedq_move *mv, struct buf *out)
{
	const uint8_t *p = ct;
	if (token == NULL || mv == NULL || n < 1 || (size_t)p[0] + 1 > n)
		return ERR_DENIED;
	struct feedq_move bind = *mv;
	bind.bind = true;
	struct key k;
	enum err rc = vault_client->feedq_key(token, item, practice, (struct bytes){p + 1, p[0]}, &k,
					      out, &bind);
	key_wipe(&k);
	return rc;
}

enum err vault_feedq_open_moved(const char *token, const struct id *item, const struct id *practice,
				const struct feedq_move *mv, struct bytes move_key, const void *ct,
				size_t n, struct buf *out)
{
	const uint8_t *p = ct;
	if (mv == NULL || move_key.ptr == NULL || n < 1 || (size_t)p[0] + 1 > n)
		return ERR_DENIED;
	struct feedq_move open = *mv;
	open.bind = false;
	struct key k;
	enum err rc;
	if (token != NULL)
		rc = vault_client->feedq_key(token, item, practice, move_key, &k, NULL, &open);
	else /* the operator's command line, holding the master key */
		rc = vault_client->holds_keys
			     ? vault_local_feedq_moved_key(item, practice, &open, move_key, &k)
			     : ERR_DENIED;
	if (rc != ERR_OK)
		return rc;
	return feedq_body_open(&k, item, practice, p + 1 + p[0], n - 1 - p[0], out);
}

enum err vault_totp_enrol_local(const struct id *account, char secret_b32[TOTP_SECRET_B32_LEN + 1],
				struct buf *sealed)
{
	return vault_client->holds_keys ? vault_local_totp_new(account, secret_b32, sealed)
					: ERR_DENIED;
}

enum err vault_totp_new(const char *token, char secret_b32[TOTP_SECRET_B32_LEN + 1], struct buf *sealed)
{
	return vault_client->totp_new(token, secret_b32, sealed);
}

enum err vault_totp_verify(const char *token, struct bytes sealed, const char *code, int64_t last_step,
			   int64_t *step, char new_token[SESSION_TOKEN_B64_LEN + 1], struct id *session)
{
	return vault_client->totp_verify(token, sealed, code, last_step, step, new_token, session);
}

enum err vault_recovery_new(const char *token, char codes[RECOVERY_CODES][RECOVERY_CODE_LEN + 1],
			    uint8_t hashes[RECOVERY_CODES][HASH_BYTES])
{
	return vault_client->recovery_new(token, codes, hashes);
}

enum err vault_recovery_verify(const char *token, const char *code, const uint8_t (*hashes)[HASH_BYTES],
			       size_t n, size_t *index, char new_token[SESSION_TOKEN_B64_LEN + 1],
			       struct id *session)
{
	return vault_client->recovery_verify(token, code, hashes, n, index, new_token, session);
}

enum err vault_checkpoint_sign(int64_t seq, int64_t ts_ms, const uint8_t head[HASH_BYTES],
			       uint8_t sig[SIGNATURE_BYTES], uint8_t key_id[KEY_ID_BYTES])
{
	return vault_client->checkpoint_sign(seq, ts_ms, head, sig, key_id);
}
