/*
 * Store rows to vault key references. The vault takes what it needs to reach a key (the
 * patient and their wrapped key; a document's wrapped key and size: struct vault_key_ref,
 * struct vault_doc_ref) and knows nothing of the store; the domain holds store rows. These
 * adaptors keep the domain's calls in terms of its rows: each fills the reference from the row
 * and calls the vault, with the same contract as the vault function it names (vault.h).
 */
#ifndef MEDKEEP_DOMAIN_VAULT_ROWS_H
#define MEDKEEP_DOMAIN_VAULT_ROWS_H
#include "store/store.h"
#include "vault/vault.h"

static inline struct vault_key_ref vault_key_of(const struct store_patient *p)
{
	return (struct vault_key_ref){.patient = p->id, .wrapped_key = p->wrapped_key};
}

static inline MUST_CHECK int vault_record_seal(const char *token, const struct grant *g,
				    const struct store_patient *p, enum vault_record kind,
				    const struct id *record, const void *pt, size_t n, struct buf *out)
{
	struct vault_key_ref k = vault_key_of(p);
	return vault_record_seal_ref(token, g, &k, kind, record, pt, n, out);
}

static inline MUST_CHECK int vault_record_open(const char *token, const struct grant *g,
				    const struct store_patient *p, enum vault_record kind,
				    const struct id *record, struct bytes ct, struct buf *out)
{
	struct vault_key_ref k = vault_key_of(p);
	return vault_record_open_ref(token, g, &k, kind, record, ct, out);
}

static inline MUST_CHECK int vault_notice_seal(const struct grant *g, const struct store_patient *p,
				    const struct id *notice, const void *pt, size_t n, struct buf *out)
{
	struct vault_key_ref k = vault_key_of(p);
	return vault_notice_seal_ref(g, &k, notice, pt, n, out);
}

static inline MUST_CHECK int vault_notice_open(const char *token, const struct grant *g,
				    const struct store_patient *p, const struct id *notice,
				    struct bytes ct, struct buf *out)
{
	struct vault_key_ref k = vault_key_of(p);
	return vault_notice_open_ref(token, g, &k, notice, ct, out);
}

static inline MUST_CHECK int vault_patient_open(const char *token, const struct grant *g,
				     const struct store_patient *p, struct buf *out)
{
	struct vault_key_ref k = vault_key_of(p);
	return vault_patient_open_ref(token, g, &k, p->phi, out);
}

static inline MUST_CHECK int vault_document_seal(const char *token, const struct grant *g,
				      const struct store_patient *p, const struct id *document,
				      const void *body, size_t body_len, const void *meta,
				      size_t meta_len, struct buf *wrapped_key, struct buf *body_ct,
				      struct buf *meta_ct)
{
	struct vault_key_ref k = vault_key_of(p);
	return vault_document_seal_ref(token, g, &k, document, body, body_len, meta, meta_len,
				       wrapped_key, body_ct, meta_ct);
}

static inline MUST_CHECK int vault_key_job_init(struct vault_key_job *job, const char *token,
				     const struct grant *g, const struct store_patient *p,
				     const struct store_document *d)
{
	struct vault_key_ref k = vault_key_of(p);
	struct vault_doc_ref dr = {.document = d->id, .patient = d->patient,
				   .wrapped_key = d->wrapped_key, .size = d->size};
	return vault_key_job_prepare(job, token, g, &k, &dr);
}

#endif
