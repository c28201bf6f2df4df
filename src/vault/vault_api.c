/*
 * The vault's interface as the rest of medkeep sees it (vault.h): check the caller's grant in
 * this process, then run the operation where the keys are: over the socket to the vault
 * process in `serve`, or locally in a command-line tool.
 */
#include <string.h>

#include "vault/vault.h"
#include "vault/vault_int.h"

int vault_require_tokens(const char *dir)
{
	return vault_remote_connected() ? 0 : vault_local_require_tokens(dir);
}

int vault_login(const char *pw_hash, const char *password, size_t pw_len,
		const struct session_claims *claims, char token[SESSION_TOKEN_B64_LEN + 1])
{
	return vault_remote_connected() ? vault_remote_login(pw_hash, password, pw_len, claims, token)
					: vault_local_login(pw_hash, password, pw_len, claims, token);
}

int vault_app_token(const char *token, char new_token[SESSION_TOKEN_B64_LEN + 1], struct id *session)
{
	return vault_remote_connected() ? vault_remote_app_token(token, new_token, session)
					: vault_local_app_token(token, new_token, session);
}

int vault_report_miss(const char *token)
{
	return vault_remote_connected() ? vault_remote_miss(token) : vault_local_miss(token);
}

int vault_report_read(const char *token, const struct id *patient, int64_t bytes)
{
	return vault_remote_connected() ? vault_remote_read(token, patient, bytes)
					: vault_local_read(token, patient, bytes);
}

int vault_unlock_by_reviewer(const char *reviewer_token, const struct id *account)
{
	if (reviewer_token == NULL)
		return VAULT_DENIED;
	return vault_remote_connected() ? vault_remote_unlock(reviewer_token, account, 0, NULL, 0)
					: vault_local_unlock(reviewer_token, account, 0, NULL, 0);
}

int vault_unlock_by_ticket(const struct id *account, int64_t issued,
			   const uint8_t mac[UNLOCK_TICKET_MAC_BYTES])
{
	return vault_remote_connected()
		       ? vault_remote_unlock(NULL, account, issued, mac, UNLOCK_TICKET_MAC_BYTES)
		       : vault_local_unlock(NULL, account, issued, mac, UNLOCK_TICKET_MAC_BYTES);
}

int vault_review_email_open(const char *reviewer_token, const struct id *account, const void *ct,
			    size_t n, struct buf *out)
{
	if (reviewer_token == NULL)
		return VAULT_DENIED;
	return vault_remote_connected()
		       ? vault_remote_review_email(reviewer_token, account, ct, n, out)
		       : vault_local_review_email(reviewer_token, account, ct, n, out);
}

int vault_unlock_ticket_make(const struct id *account, int64_t issued,
			     uint8_t mac[UNLOCK_TICKET_MAC_BYTES])
{
	if (vault_remote_connected())
		return VAULT_DENIED; /* a worker never makes tickets */
	return vault_local_unlock_ticket(account, issued, mac);
}

int vault_blind_index(const char *kind, const char *value, uint8_t out[HASH_BYTES])
{
	if (vault_remote_connected())
		return vault_remote_index(kind, value, out);
	vault_local_index(kind, value, out);
	return 0;
}

int vault_patient_create(const struct id *patient, const void *phi, size_t phi_len,
			 struct buf *wrapped_key, struct buf *phi_ct)
{
	return vault_remote_connected()
		       ? vault_remote_patient_create(patient, phi, phi_len, wrapped_key, phi_ct)
		       : vault_local_patient_create(patient, phi, phi_len, wrapped_key, phi_ct);
}

int vault_patient_open(const char *token, const struct grant *g, const struct store_patient *p,
		       struct buf *out)
{
	if (!grant_for_patient(g, &p->id))
		return VAULT_DENIED;
	return vault_remote_connected()
		       ? vault_remote_record_open(token, &p->id, p->wrapped_key, VREC_PHI, NULL, p->phi, out)
		       : vault_local_record_open(token, &p->id, p->wrapped_key, VREC_PHI, NULL, p->phi, out);
}

int vault_notice_open(const char *token, const struct grant *g, const struct store_patient *p,
		      const struct id *notice, struct bytes ct, struct buf *out)
{
	if (!grant_for_patient(g, &p->id))
		return VAULT_DENIED;
	return vault_remote_connected()
		       ? vault_remote_record_open(token, &p->id, p->wrapped_key, VREC_NOTICE, notice, ct, out)
		       : vault_local_record_open(token, &p->id, p->wrapped_key, VREC_NOTICE, notice, ct, out);
}

int vault_notice_seal(const struct grant *g, const struct store_patient *p, const struct id *notice,
		      const void *pt, size_t n, struct buf *out)
{
	if (!grant_for_patient(g, &p->id) || vault_remote_connected())
		return VAULT_DENIED;
	return vault_local_record_seal(NULL, &p->id, p->wrapped_key, VREC_NOTICE, notice, pt, n, out);
}

int vault_record_seal(const char *token, const struct grant *g, const struct store_patient *p,
		      enum vault_record kind, const struct id *record, const void *pt, size_t n,
		      struct buf *out)
{
	if (!grant_writes(g, &p->id) || kind <= VREC_NOTICE || kind >= VREC_COUNT)
		return VAULT_DENIED;
	return vault_remote_connected()
		       ? vault_remote_record_seal(token, &p->id, p->wrapped_key, kind, record, pt, n, out)
		       : vault_local_record_seal(token, &p->id, p->wrapped_key, kind, record, pt, n, out);
}

int vault_record_open(const char *token, const struct grant *g, const struct store_patient *p,
		      enum vault_record kind, const struct id *record, struct bytes ct,
		      struct buf *out)
{
	if (!grant_for_patient(g, &p->id) || kind >= VREC_COUNT)
		return VAULT_DENIED;
	return vault_remote_connected()
		       ? vault_remote_record_open(token, &p->id, p->wrapped_key, kind, record, ct, out)
		       : vault_local_record_open(token, &p->id, p->wrapped_key, kind, record, ct, out);
}

int vault_document_seal(const char *token, const struct grant *g, const struct store_patient *p,
			const struct id *document, const void *body, size_t body_len,
			const void *meta, size_t meta_len, struct buf *wrapped_key,
			struct buf *body_ct, struct buf *meta_ct)
{
	if (!grant_allows(g, &p->id, ACTION_DOCUMENT_CREATE))
		return VAULT_DENIED;
	struct key dk;
	int rc = vault_remote_connected()
			 ? vault_remote_doc_new_key(token, &p->id, p->wrapped_key, document, &dk, wrapped_key)
			 : vault_local_doc_new_key(token, &p->id, p->wrapped_key, document, &dk, wrapped_key);
	if (rc != VAULT_OK)
		return rc;
	/* The document key encrypts here, so the vault never handles a 20 MB body. */
	char ad[128];
	vault_ad(ad, "doc-body", &p->id, document);
	rc = envelope_seal(&dk, ad, body, body_len, body_ct);
	if (rc == 0) {
		vault_ad(ad, "doc-meta", &p->id, document);
		rc = envelope_seal(&dk, ad, meta, meta_len, meta_ct);
	}
	key_wipe(&dk);
	return rc == 0 ? VAULT_OK : VAULT_DENIED;
}

int vault_key_job_init(struct vault_key_job *job, const char *token, const struct grant *g,
		       const struct store_patient *p, const struct store_document *d)
{
	memset(job, 0, sizeof(*job));
	job->rc = VAULT_DENIED;
	if (!id_eq(&p->id, &d->patient) ||
	    !(grant_allows(g, &p->id, ACTION_DOCUMENT_READ) ||
	      grant_allows(g, &p->id, ACTION_DOCUMENT_LIST)))
		return VAULT_DENIED;
	job->token = token;
	job->patient = p->id;
	job->document = d->id;
	job->wrapped_pk = p->wrapped_key;
	job->wrapped_dk = d->wrapped_key;
	job->size = d->size;
	return VAULT_OK;
}

static void answer_here(struct vault_key_job *job)
{
	job->rc = vault_local_doc_key(job->token, &job->patient, job->wrapped_pk, &job->document,
				      job->wrapped_dk, job->size, &job->key);
}

void vault_document_keys(struct vault_key_job *jobs, size_t n)
{
	struct vault_key_job *batch[VAULT_BATCH_MAX];
	for (size_t done = 0; done < n;) {
		size_t k = n - done < VAULT_BATCH_MAX ? n - done : VAULT_BATCH_MAX;
		for (size_t i = 0; i < k; i++)
			batch[i] = &jobs[done + i];
		if (vault_remote_connected())
			vault_remote_doc_keys(batch, k);
		else
			for (size_t i = 0; i < k; i++)
				answer_here(batch[i]);
		done += k;
	}
}

void vault_document_key_submit(struct vault_key_job *job)
{
	if (vault_remote_connected() && vault_remote_submit(job))
		return;
	vault_document_keys(job, 1);
	job->done(job, job->ctx);
}

int vault_email_seal(const struct id *account, const char *email, struct buf *out)
{
	return vault_remote_connected() ? vault_remote_email(account, email, NULL, 0, out)
					: vault_local_email(account, email, NULL, 0, out);
}

int vault_email_open(const struct id *account, const void *ct, size_t n, struct buf *out)
{
	/* From a worker the vault refuses (and drops the connection): only the mail lane opens. */
	return vault_remote_connected() ? vault_remote_email(account, NULL, ct, n, out)
					: vault_local_email(account, NULL, ct, n, out);
}

int vault_outbox_seal(const struct id *outbox, const struct id *account, const char *body,
		      struct buf *out)
{
	return vault_remote_connected() ? vault_remote_outbox(outbox, account, body, NULL, 0, out)
					: vault_local_outbox(outbox, account, body, NULL, 0, out);
}

int vault_outbox_open(const struct id *outbox, const struct id *account, const void *ct, size_t n,
		      struct buf *out)
{
	/* Like an address: from a worker the vault refuses and drops the connection. */
	return vault_remote_connected() ? vault_remote_outbox(outbox, account, NULL, ct, n, out)
					: vault_local_outbox(outbox, account, NULL, ct, n, out);
}

int vault_totp_enrol_local(const struct id *account, char secret_b32[TOTP_SECRET_B32_LEN + 1],
			   struct buf *sealed)
{
	return vault_remote_connected() ? VAULT_DENIED
					: vault_local_totp_new(account, secret_b32, sealed);
}

int vault_totp_new(const char *token, char secret_b32[TOTP_SECRET_B32_LEN + 1], struct buf *sealed)
{
	if (vault_remote_connected())
		return vault_remote_totp_new(token, secret_b32, sealed);
	struct session_claims c;
	if (token == NULL || vault_token_claims(token, strlen(token), &c) != 0)
		return VAULT_DENIED;
	return vault_local_totp_new(&c.account, secret_b32, sealed);
}

int vault_totp_verify(const char *token, struct bytes sealed, const char *code, int64_t last_step,
		      int64_t *step, char new_token[SESSION_TOKEN_B64_LEN + 1], struct id *session)
{
	return vault_remote_connected()
		       ? vault_remote_totp_verify(token, sealed, code, last_step, step, new_token, session)
		       : vault_local_totp_verify(token, sealed, code, last_step, step, new_token, session);
}

int vault_recovery_new(const char *token, char codes[RECOVERY_CODES][RECOVERY_CODE_LEN + 1],
		       uint8_t hashes[RECOVERY_CODES][HASH_BYTES])
{
	return vault_remote_connected() ? vault_remote_recovery_new(token, codes, hashes)
					: vault_local_recovery_new(token, codes, hashes);
}

int vault_recovery_verify(const char *token, const char *code, const uint8_t (*hashes)[HASH_BYTES],
			  size_t n, size_t *index, char new_token[SESSION_TOKEN_B64_LEN + 1],
			  struct id *session)
{
	return vault_remote_connected()
		       ? vault_remote_recovery_verify(token, code, hashes, n, index, new_token, session)
		       : vault_local_recovery_verify(token, code, hashes, n, index, new_token, session);
}

int vault_checkpoint_sign(int64_t seq, int64_t ts_ms, const uint8_t head[HASH_BYTES],
			  uint8_t sig[SIGNATURE_BYTES], uint8_t key_id[KEY_ID_BYTES])
{
	return vault_remote_connected() ? vault_remote_checkpoint_sign(seq, ts_ms, head, sig, key_id)
					: vault_local_checkpoint_sign(seq, ts_ms, head, sig, key_id);
}
