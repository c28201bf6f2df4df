/*
 * Documents: their kinds, listing, reading (at once, or through the vault's key lane) and
 * publishing. A read is the domain recipe in two halves: read_begin goes to the gate and the
 * store, read_finish decrypts with the vault's key and audits before anything leaves.
 */
#include "domain/domain.h"
#include "domain/domain_int.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "audit/audit.h"
#include "crypto/crypto.h"
#include "limits.h"
#include "store/store.h"
#include "util/buf.h"
#include "util/wipe.h"
#include "vault/vault.h"
#include "domain/quota.h"

static const struct document_kind_info kinds[DOC_KIND_COUNT] = {
	[DOC_DISCHARGE_SUMMARY] = {"discharge-summary", "Discharge summary", "18842-5",
				   "Discharge summary"},
	[DOC_REFERRAL_LETTER] = {"referral-letter", "Referral letter", "57133-1", "Referral note"},
	[DOC_CLINICAL_LETTER] = {"clinical-letter", "Clinical letter", "11488-4", "Consult note"},
	[DOC_LAB_REPORT] = {"lab-report", "Lab report", "11502-2", "Laboratory report"},
	[DOC_PATIENT_UPLOAD] = {"patient-upload", "My upload", "51855-5", "Patient Note"},
};

const struct document_kind_info *document_kind_info(enum document_kind k)
{
	return (k >= 0 && k < DOC_KIND_COUNT) ? &kinds[k] : &kinds[DOC_PATIENT_UPLOAD];
}

int document_kind_parse(const char *slug, enum document_kind *out)
{
	for (int k = 0; k < DOC_KIND_COUNT; k++)
		if (strcmp(kinds[k].slug, slug) == 0) {
			*out = (enum document_kind)k;
			return 0;
		}
	return -1;
}

const char *document_sniff_type(const uint8_t *d, size_t n)
{
	if (n >= 5 && memcmp(d, "%PDF-", 5) == 0)
		return "application/pdf";
	if (n >= 8 && memcmp(d, "\x89PNG\r\n\x1a\n", 8) == 0)
		return "image/png";
	if (n >= 3 && memcmp(d, "\xff\xd8\xff", 3) == 0)
		return "image/jpeg";
	return NULL;
}

static int meta_open(const struct key *dk, const struct store_document *d, struct arena *ar,
		     struct document_view *v)
{
	char ad[128];
	struct buf pt;
	buf_init(&pt, ar, LIMIT_RECORD_FIELDS);
	vault_ad(ad, "doc-meta", &d->patient, &d->id);
	if (envelope_open(dk, ad, d->meta.ptr, d->meta.len, &pt) != 0 || buf_cstr(&pt) == NULL)
		return -1;
	json_t *o = json_loadb(pt.data, pt.len, 0, NULL);
	int rc = -1;
	if (json_is_object(o)) {
		v->title = domain_json_str(o, "title", ar);
		v->filename = domain_json_str(o, "filename", ar);
		rc = (v->title && v->filename) ? 0 : -1;
	}
	json_decref(o);
	wipe(pt.data, pt.len);
	return rc;
}

static void view_from_row(const struct store_document *d, struct arena *ar, struct document_view *v)
{
	memset(v, 0, sizeof(*v));
	v->id = d->id;
	v->patient = d->patient;
	v->author = d->author;
	if (document_kind_parse(d->kind, &v->kind) != 0)
		v->kind = DOC_PATIENT_UPLOAD;
	v->content_type = arena_strdup(ar, d->content_type);
	v->size = d->size;
	v->created = d->created;
}

enum err document_list(const struct actor *a, const struct id *patient, struct arena *ar,
		       struct document_view **out, size_t *n)
{
	return document_search(a, patient, NULL, ar, out, n, NULL);
}

enum err document_search(const struct actor *a, const struct id *patient,
			 const struct store_page *pg, struct arena *ar, struct document_view **out,
			 size_t *n, struct page_info *info)
{
	struct grant g;
	*n = 0;
	int rc = domain_gate(a, ACTION_DOCUMENT_LIST, patient, "DocumentReference", NULL, &g);
	if (rc != ERR_OK)
		return rc;
	struct store_patient p;
	struct store_document *rows;
	size_t count;
	int s = store_patient_get(&g, patient, ar, &p);
	if (s == ERR_GONE)
		return domain_gone(a, ACTION_DOCUMENT_LIST, patient, "DocumentReference", NULL);
	struct store_page ask;
	domain_page_begin(pg, &ask, info);
	if (s != ERR_OK ||
	    (info && info->want_total &&
	     store_document_count(&g, patient, &ask, &info->total) != ERR_OK) ||
	    store_document_list(&g, patient, &ask, ar, &rows, &count) != ERR_OK)
		return ERR_INTERNAL;
	count = domain_page_end(&ask, count, info);
	*out = arena_calloc(ar, count ? count : 1, sizeof(**out));
	struct vault_key_job *jobs = arena_calloc(ar, count ? count : 1, sizeof(*jobs));
	if (*out == NULL || jobs == NULL)
		return ERR_INTERNAL;
	for (size_t i = 0; i < count; i++)
		if (vault_key_job_init(&jobs[i], a->token, &g, &p, &rows[i]) != ERR_OK)
			return ERR_INTERNAL;
	/* Every key of the list in one message to the vault. */
	vault_document_keys(jobs, count);
	rc = ERR_OK;
	for (size_t i = 0; i < count; i++) {
		view_from_row(&rows[i], ar, &(*out)[i]);
		if (rc == ERR_OK && jobs[i].rc != ERR_OK)
			rc = domain_vault_failed(a, jobs[i].rc);
		if (rc == ERR_OK && meta_open(&jobs[i].key, &rows[i], ar, &(*out)[i]) != 0)
			rc = ERR_INTERNAL;
		key_wipe(&jobs[i].key);
	}
	if (rc != ERR_OK)
		return rc;
	/* Audit after the vault agreed, before the response: one record per document listed, so
	 * an incident report can name each one served. */
	for (size_t i = 0; i < count; i++)
		if (domain_audit(a, ACTION_DOCUMENT_LIST, patient, "DocumentReference", &rows[i].id,
				 AUDIT_ALLOW, 0) != 0)
			return ERR_INTERNAL;
	if (count == 0 && domain_audit(a, ACTION_DOCUMENT_LIST, patient, "DocumentReference", NULL,
				       AUDIT_ALLOW, 0) != 0)
		return ERR_INTERNAL;
	*n = count;
	return ERR_OK;
}

/* A document read between the gate and the vault's answer. */
struct read_job {
	const struct actor *a;
	struct id document;
	bool with_body;
	const char *rtype;
	struct arena *ar;
	struct document_view *out;
	struct store_document row;
	struct store_patient p;
	struct vault_key_job key;
	domain_done_fn done;
	void *ctx;
};

/* Up to the vault: find the document, ask the gate, fetch the row. ERR_PENDING when the
 * key is all that is missing. */
static enum err read_begin(struct read_job *j)
{
	const struct actor *a = j->a;
	struct target t;
	int s = store_document_target(&j->document, &t);
	if (s == ERR_INTERNAL)
		return ERR_INTERNAL;
	if (s == ERR_NOT_FOUND)
		return domain_miss(a, ACTION_DOCUMENT_READ, NULL, j->rtype, &j->document, AUDIT_NOT_FOUND);
	struct grant g;
	int rc = domain_gate_target(a, ACTION_DOCUMENT_READ, &t, j->rtype, &j->document, &g);
	if (rc != ERR_OK)
		return rc;
	s = store_document_get(&g, &j->document, j->with_body, j->ar, &j->row, &j->p);
	if (s == ERR_GONE)
		return domain_gone(a, ACTION_DOCUMENT_READ, &t.patient, j->rtype, &j->document);
	if (s != ERR_OK)
		return ERR_INTERNAL;
	view_from_row(&j->row, j->ar, j->out);
	if (vault_key_job_init(&j->key, a->token, &g, &j->p, &j->row) != ERR_OK)
		return ERR_INTERNAL;
	return ERR_PENDING;
}

/* With the vault's answer: decrypt, and put the access on record before anything leaves. */
static enum err read_finish(struct read_job *j)
{
	const struct actor *a = j->a;
	struct document_view *out = j->out;
	if (j->key.rc != ERR_OK)
		return domain_vault_failed(a, j->key.rc);
	int rc = meta_open(&j->key.key, &j->row, j->ar, out) == 0 ? ERR_OK : ERR_INTERNAL;
	if (rc == ERR_OK && j->with_body) {
		char ad[128];
		struct buf body;
		buf_init(&body, j->ar, LIMIT_UPLOAD_BYTES + LIMIT_SEAL_OVERHEAD_MARGIN);
		vault_ad(ad, "doc-body", &j->row.patient, &j->document);
		if (envelope_open(&j->key.key, ad, j->row.body.ptr, j->row.body.len, &body) != 0)
			rc = ERR_INTERNAL;
		out->data = (const uint8_t *)body.data;
		out->data_len = body.len;
	}
	key_wipe(&j->key.key);
	if (rc != ERR_OK)
		return rc;
	/* No audit, no access: the record is durable before anything leaves. */
	if (domain_audit(a, ACTION_DOCUMENT_READ, &j->row.patient, j->rtype, &j->document,
			 AUDIT_ALLOW, j->with_body ? (int64_t)out->data_len : 0) != 0)
		return ERR_INTERNAL;
	return ERR_OK;
}

enum err document_read(const struct actor *a, const struct id *document, bool with_body,
		       const char *rtype, struct arena *ar, struct document_view *out)
{
	struct read_job j = {.a = a, .document = *document, .with_body = with_body, .rtype = rtype,
			     .ar = ar, .out = out};
	int rc = read_begin(&j);
	if (rc != ERR_PENDING)
		return rc;
	vault_document_keys(&j.key, 1);
	return read_finish(&j);
}

/* On the key lane's thread. */
static void read_key_ready(struct vault_key_job *key, void *ctx)
{
	(void)key;
	struct read_job *j = ctx;
	audit_defer_begin();
	int rc = read_finish(j);
	int64_t ticket = audit_defer_end();
	j->done(j->ctx, rc, ticket);
}

enum err document_read_async(const struct actor *a, const struct id *document, bool with_body,
			     const char *rtype, struct arena *ar, struct document_view *out,
			     domain_done_fn done, void *ctx)
{
	struct read_job *j = arena_calloc(ar, 1, sizeof(*j));
	if (j == NULL)
		return ERR_INTERNAL;
	*j = (struct read_job){.a = a, .document = *document, .with_body = with_body, .rtype = rtype,
			       .ar = ar, .out = out, .done = done, .ctx = ctx};
	int rc = read_begin(j);
	if (rc != ERR_PENDING)
		return rc;
	j->key.done = read_key_ready;
	j->key.ctx = j;
	vault_document_key_submit(&j->key);
	return ERR_PENDING;
}

static bool text_ok(const char *s, size_t max)
{
	if (s == NULL)
		return false;
	size_t n = strlen(s);
	if (n == 0 || n > max)
		return false;
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)s[i] < 0x20)
			return false;
	return true;
}

enum err document_create(const struct actor *a, const struct document_new *d, struct arena *ar,
			 struct document_view *out, const char **why)
{
	*why = NULL;
	if (d->kind < 0 || d->kind >= DOC_KIND_COUNT) {
		*why = "Unknown kind of document.";
		return ERR_INVALID;
	}
	struct grant g;
	int rc = domain_gate(a, ACTION_DOCUMENT_CREATE, &d->patient, "DocumentReference", NULL, &g);
	if (rc != ERR_OK)
		return rc;
	if (!policy_may_create_kind(a, d->kind == DOC_PATIENT_UPLOAD)) {
		*why = "You cannot publish this kind of document.";
		return ERR_INVALID;
	}
	if (!text_ok(d->title, LIMIT_TEXT_FIELD)) {
		*why = "Give the document a title (up to 1000 characters).";
		return ERR_INVALID;
	}
	if (!text_ok(d->filename, LIMIT_FILENAME)) {
		*why = "The file needs a name (up to 200 characters).";
		return ERR_INVALID;
	}
	if (d->data_len == 0 || d->data_len > LIMIT_UPLOAD_BYTES) {
		*why = "Choose a file between 1 byte and 20 MB.";
		return ERR_INVALID;
	}
	const char *type = document_sniff_type(d->data, d->data_len);
	if (type == NULL) {
		*why = "Only PDF, PNG and JPEG files can be uploaded.";
		return ERR_INVALID;
	}
	if (d->declared_type && strcmp(d->declared_type, type) != 0) {
		*why = "The file's content does not match its declared type.";
		return ERR_INVALID;
	}
	/* The uploader's allowance and the disk's reserve, before any work: refused on record. */
	struct quota_limits lim;
	rc = quota_check(a, (int64_t)d->data_len, (int64_t)time(NULL), &lim, why);
	if (rc != ERR_OK) {
		if (rc == ERR_FULL &&
		    domain_audit(a, ACTION_DOCUMENT_CREATE, &d->patient, "DocumentReference", NULL,
				 "full", (int64_t)d->data_len) != 0)
			return ERR_INTERNAL;
		return rc;
	}
	struct store_patient p;
	int s = store_patient_get(&g, &d->patient, ar, &p);
	if (s == ERR_GONE)
		return domain_gone(a, ACTION_DOCUMENT_CREATE, &d->patient, "DocumentReference", NULL);
	if (s != ERR_OK)
		return ERR_INTERNAL;

	json_t *m = json_pack("{s:s, s:s}", "title", d->title, "filename", d->filename);
	char *meta = m ? json_dumps(m, JSON_COMPACT) : NULL;
	json_decref(m);
	if (meta == NULL)
		return ERR_INTERNAL;

	struct store_document row;
	memset(&row, 0, sizeof(row));
	if (d->id != NULL)
		row.id = *d->id;
	else
		random_id(&row.id);
	row.patient = d->patient;
	row.author = a->account;
	snprintf(row.kind, sizeof(row.kind), "%s", kinds[d->kind].slug);
	snprintf(row.content_type, sizeof(row.content_type), "%s", type);
	row.size = (int64_t)d->data_len;
	row.created = (int64_t)time(NULL);
	struct buf wk, body, meta_ct;
	buf_init(&wk, ar, LIMIT_WRAPPED_KEY);
	buf_init(&body, ar, LIMIT_UPLOAD_BYTES + LIMIT_SEAL_OVERHEAD_MARGIN);
	buf_init(&meta_ct, ar, LIMIT_RECORD_FIELDS);
	int v = vault_document_seal(a->token, &g, &p, &row.id, d->data, d->data_len, meta, strlen(meta), &wk,
				    &body, &meta_ct);
	wipe(meta, strlen(meta));
	free(meta);
	if (v != ERR_OK)
		return domain_vault_failed(a, v);
	row.wrapped_key = (struct bytes){(const uint8_t *)wk.data, wk.len};
	row.body = (struct bytes){(const uint8_t *)body.data, body.len};
	row.meta = (struct bytes){(const uint8_t *)meta_ct.data, meta_ct.len};
	/* Audit first: a write that is not on record must not happen. */
	if (domain_audit(a, ACTION_DOCUMENT_CREATE, &d->patient, "DocumentReference", &row.id,
			 AUDIT_ALLOW, (int64_t)d->data_len) != 0)
		return ERR_INTERNAL;
	struct store_upload_limit sl = {lim.since, lim.daily_bytes, lim.total_bytes};
	/* Unlimited (command-line tools): a plain insert, not a sum over all the author's
	 * documents each time (an import files hundreds of thousands as one author). */
	int ins = store_document_insert(&g, &row, lim.limited ? &sl : NULL);
	if (ins == ERR_CONFLICT) {
		/* another upload of theirs took the rest of the allowance meanwhile */
		*why = quota_account_message();
		return ERR_FULL;
	}
	if (ins != ERR_OK)
		return ERR_INTERNAL;
	view_from_row(&row, ar, out);
	out->title = arena_strdup(ar, d->title);
	out->filename = arena_strdup(ar, d->filename);
	return ERR_OK;
}
