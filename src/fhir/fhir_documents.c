/*
 * Documents: DocumentReference (search, read, create) and Binary (the document's bytes, or
 * the Binary resource with _format=json), and their CapabilityStatement entries.
 */
#include <jansson.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "fhir/fhir.h"
#include "fhir/fhir_int.h"
#include "fhir/fhir_search.h"
#include "limits.h"
#include "audit/audit.h"
#include "crypto/crypto.h"

static const char loinc_system[] = "http://loinc.org";
/* DocumentReference.category: the document class (LOINC, R4's value set document-classcodes)
 * of each kind, as searched by category. */
static const struct {
	const char *code, *display;
} kind_class[DOC_KIND_COUNT] = {
	[DOC_DISCHARGE_SUMMARY] = {"18842-5", "Discharge summary"},
	[DOC_REFERRAL_LETTER] = {"57133-1", "Referral note"},
	[DOC_CLINICAL_LETTER] = {"11488-4", "Consult note"},
	[DOC_LAB_REPORT] = {"26436-6", "Laboratory studies"},
	[DOC_PATIENT_UPLOAD] = {"34109-9", "Note"},
};

static json_t *docref_json(const struct document_view *v)
{
	char id[ID_HEX_LEN + 1], pid[ID_HEX_LEN + 1], date[32];
	id_hex(&v->id, id);
	id_hex(&v->patient, pid);
	fhir_instant(v->created, date);
	const struct document_kind_info *k = document_kind_info(v->kind);
	json_t *o = json_pack(
		"{s:s, s:s, s:s, s:{s:[{s:s, s:s, s:s}], s:s}, s:{s:s}, s:s, s:s,"
		" s:[{s:{s:s, s:s, s:I, s:s, s:s}}]}",
		"resourceType", "DocumentReference", "id", id, "status", "current", "type", "coding",
		"system", loinc_system, "code", k->loinc, "display", k->loinc_display, "text",
		k->label, "subject", "reference", "", "date", date, "description", v->title,
		"content", "attachment", "contentType", v->content_type, "url", "", "size",
		(json_int_t)v->size, "title", v->filename, "creation", date);
	if (o) {
		char ref[64];
		snprintf(ref, sizeof(ref), "Patient/%s", pid);
		json_object_set_new(json_object_get(o, "subject"), "reference", json_string(ref));
		snprintf(ref, sizeof(ref), "Binary/%s", id);
		json_t *att = json_object_get(json_array_get(json_object_get(o, "content"), 0),
					      "attachment");
		json_object_set_new(att, "url", json_string(ref));
		json_object_set_new(o, "category",
				    json_pack("[{s:[{s:s, s:s, s:s}], s:s}]", "coding", "system",
					      loinc_system, "code", kind_class[v->kind].code, "display",
					      kind_class[v->kind].display, "text", k->label));
	}
	fhir_meta_version(o, 1, v->created); /* a document never changes */
	return o;
}

/* Search: type (LOINC) and category (our kinds) match the document's clear kind; date and
 * _lastUpdated its clear creation time; the title and file name are sealed and not searched. */
#define KIND_BIT(k) ((uint32_t)1 << (k))
static const char *const kind_values[DOC_KIND_COUNT] = {
	[DOC_DISCHARGE_SUMMARY] = "discharge-summary", [DOC_REFERRAL_LETTER] = "referral-letter",
	[DOC_CLINICAL_LETTER] = "clinical-letter",     [DOC_LAB_REPORT] = "lab-report",
	[DOC_PATIENT_UPLOAD] = "patient-upload",
};
static const struct search_code type_codes[] = {
	{loinc_system, "18842-5", KIND_BIT(DOC_DISCHARGE_SUMMARY)},
	{loinc_system, "57133-1", KIND_BIT(DOC_REFERRAL_LETTER)},
	{loinc_system, "11488-4", KIND_BIT(DOC_CLINICAL_LETTER)},
	{loinc_system, "11502-2", KIND_BIT(DOC_LAB_REPORT)},
	{loinc_system, "51855-5", KIND_BIT(DOC_PATIENT_UPLOAD)},
};
static const struct search_code category_codes[] = {
	{loinc_system, "18842-5", KIND_BIT(DOC_DISCHARGE_SUMMARY)},
	{loinc_system, "57133-1", KIND_BIT(DOC_REFERRAL_LETTER)},
	{loinc_system, "11488-4", KIND_BIT(DOC_CLINICAL_LETTER)},
	{loinc_system, "26436-6", KIND_BIT(DOC_LAB_REPORT)},
	{loinc_system, "34109-9", KIND_BIT(DOC_PATIENT_UPLOAD)},
};
static const struct search_param docref_params[] = {
	{"type", SP_TOKEN, type_codes, sizeof(type_codes) / sizeof(type_codes[0]),
	 "LOINC document type (http://loinc.org|18842-5, 57133-1, 11488-4, 11502-2, 51855-5); "
	 "comma lists."},
	{"category", SP_TOKEN, category_codes, sizeof(category_codes) / sizeof(category_codes[0]),
	 "Document class (http://loinc.org|18842-5 discharge summary, 57133-1 referral, 11488-4 "
	 "letter, 26436-6 laboratory, 34109-9 the patient's own upload); comma lists."},
	{"date", SP_DATE, NULL, 0, "When the document was stored (DocumentReference.date)."},
};
const struct search_spec fhir_docref_spec = {
	.type = "DocumentReference",
	.params = docref_params,
	.n_params = sizeof(docref_params) / sizeof(docref_params[0]),
	.values = kind_values,
	.n_values = DOC_KIND_COUNT,
	.updated_doc = "When the document was stored: a document never changes after.",
	.subject = true,
};

static int64_t docref_key(const void *row, enum store_sort sort)
{
	(void)sort; /* a document's date is its last change */
	return ((const struct document_view *)row)->created;
}

static const struct id *docref_id(const void *row)
{
	return &((const struct document_view *)row)->id;
}

static json_t *docref_render(struct request *req, const void *row)
{
	(void)req;
	return docref_json(row);
}

void fhir_docref_search(struct request *req, struct response *res)
{
	struct fhir_search s;
	struct search_call c;
	if (fhir_search_start(req, res, &fhir_docref_spec, &s, &c) != 0)
		return;
	struct document_view *rows = NULL;
	size_t n = 0;
	int rc = s.patient_bad ? ERR_NOT_FOUND : document_search(&req->actor, &s.patient, &c.page, &req->arena, &rows, &n, &c.info);
	fhir_search_done(req, res, &s, &fhir_docref_spec, &c, rc,
			 &(struct search_rows){rows, n, sizeof(*rows), docref_key, docref_id, docref_render});
}

void fhir_docref_read(struct request *req, struct response *res)
{
	struct id id;
	struct document_view v;
	int rc = request_param_id(req, 0, &id) == 0
			 ? document_read(&req->actor, &id, false, "DocumentReference", &req->arena, &v)
			 : ERR_NOT_FOUND;
	if (rc != ERR_OK) {
		fhir_domain_error(req, res, rc, "DocumentReference");
		return;
	}
	fhir_respond_read(req, res, docref_json(&v), 1, v.created);
}

static bool wants_fhir_json(struct request *req)
{
	const char *accept = request_header(req, "Accept");
	const char *format = request_query(req, "_format");
	return (accept && (strstr(accept, "application/fhir+json") || strstr(accept, "application/json"))) ||
	       (format && (strcmp(format, "json") == 0 || strcmp(format, "application/fhir+json") == 0));
}

/* A Binary read between the gate and the vault's answer. */
struct binary_read {
	struct request *req;
	struct response *res;
	struct document_view v;
	bool as_json; /* asked for as a FHIR Binary resource rather than the bytes */
};

static void binary_render(struct binary_read *b, int rc)
{
	struct request *req = b->req;
	struct response *res = b->res;
	const struct document_view *v = &b->v;
	if (rc != ERR_OK) {
		fhir_domain_error(req, res, rc, "Binary");
		return;
	}
	if (!b->as_json) {
		if (!fhir_not_modified(req, res, 1, v->created))
			respond_download(req, res, v->filename, v->content_type, v->data, v->data_len);
		return;
	}
	char hex[ID_HEX_LEN + 1];
	id_hex(&v->id, hex);
	struct buf b64;
	buf_init(&b64, &req->arena, LIMIT_JSON_BODY_BYTES);
	base64_encode(v->data, v->data_len, &b64);
	char ref[64];
	snprintf(ref, sizeof(ref), "DocumentReference/%s", hex);
	json_t *o = json_pack("{s:s, s:s, s:s, s:{s:s}, s:s%}", "resourceType", "Binary", "id", hex,
			      "contentType", v->content_type, "securityContext", "reference", ref,
			      "data", b64.data ? b64.data : "", b64.len);
	fhir_meta_version(o, 1, v->created); /* its document's: bytes never change */
	fhir_respond_read(req, res, o, 1, v->created);
}

/* On the vault's key lane, once the document is decrypted and its read on record. */
static void binary_ready(void *ctx, int rc, int64_t audit_ticket)
{
	struct binary_read *b = ctx;
	binary_render(b, rc);
	request_complete(b->req, audit_ticket);
}

void fhir_binary_read(struct request *req, struct response *res)
{
	struct id id;
	struct binary_read *b = arena_calloc(&req->arena, 1, sizeof(*b));
	if (b == NULL) {
		fhir_domain_error(req, res, ERR_INTERNAL, "Binary");
		return;
	}
	*b = (struct binary_read){.req = req, .res = res, .as_json = wants_fhir_json(req)};
	if (request_param_id(req, 0, &id) != 0) {
		binary_render(b, ERR_NOT_FOUND);
		return;
	}
	/* Parked before the work is handed over: the answer may come before this returns. */
	request_defer(req, res);
	int rc = document_read_async(&req->actor, &id, true, "Binary", &req->arena, &b->v,
				     binary_ready, b);
	if (rc != ERR_PENDING)
		binary_ready(b, rc, audit_defer_last());
}

int fhir_docref_parse(const char *json, size_t len, struct arena *a, enum document_kind default_kind,
		      struct document_new *out, const char **why)
{
	memset(out, 0, sizeof(*out));
	json_t *o = fhir_parse_resource(json, len, "DocumentReference", why);
	int rc = -1;
	if (o == NULL)
		goto out;
	*why = "subject.reference must be Patient/{id}";
	const char *subject = json_string_value(json_object_get(json_object_get(o, "subject"), "reference"));
	struct id patient;
	if (subject == NULL || strncmp(subject, "Patient/", 8) != 0 ||
	    id_parse(&patient, subject + 8, strlen(subject + 8)) != 0)
		goto out;
	rc = fhir_docref_from_json(o, a, default_kind, out, why);
	out->patient = patient;
out:
	json_decref(o);
	return rc;
}

int fhir_docref_from_json(json_t *o, struct arena *a, enum document_kind default_kind,
			  struct document_new *out, const char **why)
{
	memset(out, 0, sizeof(*out));
	out->kind = default_kind;
	json_t *coding = json_object_get(json_object_get(o, "type"), "coding");
	if (coding != NULL) {
		*why = "type.coding must be an array";
		if (!json_is_array(coding))
			return -1;
		size_t i;
		json_t *c;
		json_array_foreach(coding, i, c)
		{
			const char *sys = json_string_value(json_object_get(c, "system"));
			const char *code = json_string_value(json_object_get(c, "code"));
			if (sys == NULL || code == NULL || strcmp(sys, loinc_system) != 0)
				continue;
			for (int k = 0; k < DOC_KIND_COUNT; k++)
				if (strcmp(document_kind_info((enum document_kind)k)->loinc, code) == 0)
					out->kind = (enum document_kind)k;
		}
	}
	json_t *content = json_object_get(o, "content");
	json_t *att = json_object_get(json_array_get(content, 0), "attachment");
	*why = "content[0].attachment is required, with data";
	if (!json_is_array(content) || json_array_size(content) != 1 || !json_is_object(att))
		return -1;
	json_t *data = json_object_get(att, "data");
	if (!json_is_string(data))
		return -1;
	*why = "content[0].attachment.data is not valid base64";
	struct buf bytes;
	buf_init(&bytes, a, LIMIT_UPLOAD_BYTES);
	if (base64_decode(json_string_value(data), json_string_length(data), &bytes) != 0) {
		if (bytes.failed)
			*why = "The attachment is larger than 20 MB";
		return -1;
	}
	*why = "The attachment is empty";
	if (bytes.len == 0)
		return -1;
	out->data = (const uint8_t *)bytes.data;
	out->data_len = bytes.len;
	const char *ctype = json_string_value(json_object_get(att, "contentType"));
	out->declared_type = ctype ? arena_strdup(a, ctype) : NULL;
	const char *fname = json_string_value(json_object_get(att, "title"));
	out->filename = arena_strdup(a, fname ? fname : "document");
	const char *desc = json_string_value(json_object_get(o, "description"));
	out->title = arena_strdup(a, desc ? desc : (fname ? fname : "Document"));
	*why = NULL;
	return (out->filename && out->title) ? 0 : -1;
}

void fhir_docref_create(struct request *req, struct response *res)
{
	if (!fhir_json_body(req, res))
		return;
	struct document_new d;
	const char *why = NULL;
	enum document_kind def = policy_audience(&req->actor, AUD_PATIENT) ? DOC_PATIENT_UPLOAD : DOC_CLINICAL_LETTER;
	if (fhir_docref_parse(req->body.data ? req->body.data : "", req->body.len, &req->arena, def,
			      &d, &why) != 0) {
		fhir_error(req, res, 400, why ? why : "Invalid DocumentReference");
		return;
	}
	struct document_view v;
	int rc = document_create(&req->actor, &d, &req->arena, &v, &why);
	if (rc == ERR_INVALID || (rc == ERR_FULL && why)) {
		fhir_error(req, res, rc == ERR_FULL ? 507 : 400, why ? why : "Invalid DocumentReference");
		return;
	}
	if (rc != ERR_OK) {
		fhir_domain_error(req, res, rc, "Patient");
		return;
	}
	fhir_respond_created(req, res, 201, "DocumentReference", &v.id, docref_json(&v));
}

json_t *fhir_docref_resource(const struct document_view *v)
{
	return docref_json(v);
}

void fhir_documents_capability(json_t *resources)
{
	json_t *r = json_pack("{s:s, s:[{s:s},{s:s},{s:s}]}", "type", "DocumentReference",
			      "interaction", "code", "read", "code", "search-type", "code", "create");
	fhir_search_capability(r, &fhir_docref_spec);
	json_array_append_new(resources, r);
	json_array_append_new(resources, json_pack("{s:s, s:[{s:s}]}", "type", "Binary", "interaction",
						   "code", "read"));
}
