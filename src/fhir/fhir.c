#include "fhir/fhir.h"
#include "fhir/fhir_int.h"
#include "fhir/fhir_results.h"

#include <jansson.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "audit/audit.h"
#include "crypto/crypto.h"
#include "limits.h"
#include "web/web.h"

static const char fhir_type[] = "application/fhir+json; charset=utf-8";
static const char nhi_system[] = "https://standards.digital.health.nz/ns/nhi-id";
static const char loinc_system[] = "http://loinc.org";

/* Serialise o (stealing the reference) into the response. */
void fhir_respond(struct request *req, struct response *res, int status, json_t *o)
{
	char *s = o ? json_dumps(o, JSON_COMPACT) : NULL;
	json_decref(o);
	char *copy = s ? arena_strdup(&req->arena, s) : NULL;
	if (s) {
		explicit_bzero(s, strlen(s));
		free(s);
	}
	if (copy == NULL) {
		respond(res, 500, fhir_type, "", 0);
		return;
	}
	respond(res, status, fhir_type, copy, strlen(copy));
}

static const char *issue_code(int status)
{
	switch (status) {
	case 400:
		return "invalid";
	case 401:
		return "login";
	case 403:
		return "forbidden";
	case 404:
		return "not-found";
	case 409:
		return "conflict";
	case 405:
		return "not-supported";
	case 410:
		return "deleted";
	case 413:
		return "too-costly";
	case 415:
		return "not-supported";
	case 429:
		return "throttled";
	case 507:
		return "too-costly"; /* a quota or the disk's reserve (src/domain/quota.h) */
	default:
		return "exception";
	}
}

void fhir_error(struct request *req, struct response *res, int status, const char *message)
{
	json_t *o = json_pack("{s:s, s:[{s:s, s:s, s:s}]}", "resourceType", "OperationOutcome",
			      "issue", "severity", "error", "code", issue_code(status), "diagnostics",
			      message);
	fhir_respond(req, res, status, o);
}

/* Base URL for fullUrl and Location. */
const char *fhir_base_url(struct request *req)
{
	return request_fhir_base(req);
}

void fhir_instant(int64_t t, char out[32])
{
	time_t tt = (time_t)t;
	struct tm tm;
	gmtime_r(&tt, &tm);
	strftime(out, 32, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

void fhir_metadata(struct request *req, struct response *res)
{
	char date[32];
	fhir_instant((int64_t)time(NULL), date);
	date[10] = '\0';
	json_t *o = json_pack(
		"{s:s, s:s, s:s, s:s, s:{s:s, s:s}, s:{s:s, s:s}, s:s, s:[s],"
		" s:[{s:s, s:{s:b, s:s}, s:["
		"{s:s, s:[{s:s},{s:s}]},"
		"{s:s, s:[{s:s},{s:s},{s:s}], s:[{s:s, s:s, s:s}]},"
		"{s:s, s:[{s:s}]}]}]}",
		"resourceType", "CapabilityStatement", "status", "active", "date", date, "kind",
		"instance", "software", "name", "medkeep", "version", "0.1.0", "implementation",
		"description", "medkeep patient portal", "url", fhir_base_url(req), "fhirVersion", "4.0.1",
		"format", "json", "rest", "mode", "server", "security", "cors", 1, "description",
		"A session cookie from POST /login, or an app's bearer token (SMART App Launch, "
		"standalone patient launch: .well-known/smart-configuration; reads of the patient's "
		"own record only). Every interaction passes one authorization gate; resources "
		"outside your scope answer 404.",
		"resource", "type", "Patient", "interaction", "code", "read", "code", "search-type",
		"type", "DocumentReference", "interaction", "code", "read", "code", "search-type",
		"code", "create", "searchParam", "name", "patient", "type", "reference",
		"documentation", "Required. The patient whose documents to list.", "type", "Binary",
		"interaction", "code", "read");
	json_t *rest = json_array_get(json_object_get(o, "rest"), 0);
	json_t *resources = json_object_get(rest, "resource");
	const char *origin = request_origin(req);
	if (origin) {
		json_t *security = json_object_get(rest, "security");
		json_object_set_new(security, "service",
				    json_pack("[{s:[{s:s, s:s}]}]", "coding", "system",
					      "http://terminology.hl7.org/CodeSystem/restful-security-service",
					      "code", "SMART-on-FHIR"));
		json_object_set_new(
			security, "extension",
			json_pack("[{s:s, s:[{s:s, s:s}, {s:s, s:s}, {s:s, s:s}]}]", "url",
				  "http://fhir-registry.smarthealthit.org/StructureDefinition/oauth-uris",
				  "extension", "url", "authorize", "valueUri",
				  arena_printf(&req->arena, "%s/oauth/authorize", origin), "url", "token",
				  "valueUri", arena_printf(&req->arena, "%s/oauth/token", origin), "url",
				  "revoke", "valueUri", arena_printf(&req->arena, "%s/oauth/revoke", origin)));
	}
	/* Patient/{id}/$everything (fhir_everything.c) */
	json_object_set_new(json_array_get(resources, 0), "operation",
			    json_pack("[{s:s, s:s, s:s}]", "name", "everything", "definition",
				      "http://hl7.org/fhir/OperationDefinition/Patient-everything",
				      "documentation", "The whole record (the patient only, with a "
				      "second factor passed in the last 5 minutes)."));
	/* secure messages (fhir_messages.c) and the patient's access log (fhir_accesslog.c) */
	json_array_append_new(resources,
			      json_pack("{s:s, s:[{s:s},{s:s},{s:s}], s:[{s:s, s:s, s:s}]}", "type",
					"Communication", "interaction", "code", "read", "code",
					"search-type", "code", "create", "searchParam", "name",
					"patient", "type", "reference", "documentation",
					"Required. The patient whose messages to list."));
	json_array_append_new(resources,
			      json_pack("{s:s, s:[{s:s}], s:[{s:s, s:s, s:s}]}", "type", "AuditEvent",
					"interaction", "code", "search-type", "searchParam", "name",
					"patient", "type", "reference", "documentation",
					"Required. Who has seen this record: for the patient only."));
	fhir_medications_capability(resources);
	fhir_appointments_capability(resources);
	fhir_results_capability(resources);
	fhir_respond(req, res, 200, o);
}

static json_t *patient_json(const struct patient_view *p)
{
	char id[ID_HEX_LEN + 1];
	id_hex(&p->id, id);
	return json_pack("{s:s, s:s, s:[{s:s, s:s, s:s}], s:[{s:s, s:s, s:[s]}], s:s, s:s}",
			 "resourceType", "Patient", "id", id, "identifier", "use", "official",
			 "system", nhi_system, "value", p->nhi, "name", "use", "official", "family",
			 p->family, "given", p->given, "gender", p->gender, "birthDate",
			 p->birth_date);
}

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
	}
	return o;
}

json_t *fhir_bundle_new(struct request *req)
{
	const char *self = arena_printf(&req->arena, "%s%s", fhir_base_url(req), req->path + 8);
	return json_pack("{s:s, s:s, s:i, s:[{s:s, s:s}], s:[]}", "resourceType", "Bundle", "type",
			 "searchset", "total", 0, "link", "relation", "self", "url",
			 self ? self : "", "entry");
}

void fhir_bundle_add(struct request *req, json_t *bundle, const char *type, const struct id *id,
		       json_t *resource)
{
	char hex[ID_HEX_LEN + 1];
	id_hex(id, hex);
	fhir_bundle_add_hex(req, bundle, type, hex, resource);
}

/* Search parameters are an allow-list: anything else is refused, not silently ignored. */
static int allow_params(void *ctx, const char *k, const char *v)
{
	(void)v;
	const char *const *allowed = ctx;
	if (strcmp(k, "_format") == 0)
		return 0;
	for (size_t i = 0; allowed[i]; i++)
		if (strcmp(k, allowed[i]) == 0)
			return 0;
	return 1;
}

int fhir_params_ok(struct request *req, const char *const *allowed)
{
	return request_query_each(req, allow_params, (void *)allowed);
}

void fhir_domain_error(struct request *req, struct response *res, int rc, const char *what)
{
	if (rc == DOMAIN_NOT_FOUND) {
		const char *m = arena_printf(&req->arena, "%s not found", what);
		fhir_error(req, res, 404, m ? m : "not found");
	} else if (rc == DOMAIN_OUT_OF_SCOPE) {
		/* RFC 6750 3.1: the token is good, the request needs more than it was given. */
		const char *m = arena_printf(&req->arena, "%s is outside the access granted", what);
		fhir_error(req, res, 403, m ? m : "outside the access granted");
		if (req->bearer)
			response_header(res, "WWW-Authenticate",
					"Bearer realm=\"medkeep\", error=\"insufficient_scope\"");
	} else if (rc == DOMAIN_TRIPPED) {
		fhir_error(req, res, 403, "Access paused for review because of unusual activity");
	} else if (rc == DOMAIN_GONE) {
		const char *m = arena_printf(&req->arena, "%s erased: the patient's record was "
					     "deleted and can no longer be read", what);
		fhir_error(req, res, 410, m ? m : "erased");
	} else if (rc == DOMAIN_FULL) {
		fhir_error(req, res, 507, "Not stored: the upload allowance or the server's storage "
					  "reserve is used up; reads still work");
	} else {
		fhir_error(req, res, 500, "The request could not be completed");
	}
}

void fhir_patient_search(struct request *req, struct response *res)
{
	static const char *const allowed[] = {NULL};
	if (request_query_each(req, allow_params, (void *)allowed) != 0) {
		fhir_error(req, res, 400, "Unsupported search parameter");
		return;
	}
	struct patient_view *ps = NULL;
	size_t n = 0;
	int rc = patient_list_visible(&req->actor, 0, LIMIT_LIST, &req->arena, &ps, &n);
	if (rc != DOMAIN_OK) {
		fhir_domain_error(req, res, rc, "Patient");
		return;
	}
	json_t *b = fhir_bundle_new(req);
	for (size_t i = 0; b && i < n; i++)
		fhir_bundle_add(req, b, "Patient", &ps[i].id, patient_json(&ps[i]));
	fhir_respond(req, res, 200, b);
}

void fhir_patient_read(struct request *req, struct response *res)
{
	struct id id;
	struct patient_view p;
	int rc = request_param_id(req, 0, &id) == 0 ? patient_read(&req->actor, &id, &req->arena, &p)
						    : DOMAIN_NOT_FOUND;
	if (rc != DOMAIN_OK) {
		fhir_domain_error(req, res, rc, "Patient");
		return;
	}
	fhir_respond(req, res, 200, patient_json(&p));
}

void fhir_docref_search(struct request *req, struct response *res)
{
	static const char *const allowed[] = {"patient", NULL};
	if (request_query_each(req, allow_params, (void *)allowed) != 0) {
		fhir_error(req, res, 400, "Unsupported search parameter");
		return;
	}
	const char *p = request_query(req, "patient");
	if (p == NULL) {
		fhir_error(req, res, 400, "The patient search parameter is required");
		return;
	}
	if (strncmp(p, "Patient/", 8) == 0)
		p += 8;
	struct id pid;
	struct document_view *docs = NULL;
	size_t n = 0;
	int rc = id_parse(&pid, p, strlen(p)) == 0
			 ? document_list(&req->actor, &pid, &req->arena, &docs, &n)
			 : DOMAIN_NOT_FOUND;
	if (rc != DOMAIN_OK) {
		fhir_domain_error(req, res, rc, "Patient");
		return;
	}
	json_t *b = fhir_bundle_new(req);
	for (size_t i = 0; b && i < n; i++)
		fhir_bundle_add(req, b, "DocumentReference", &docs[i].id, docref_json(&docs[i]));
	fhir_respond(req, res, 200, b);
}

void fhir_docref_read(struct request *req, struct response *res)
{
	struct id id;
	struct document_view v;
	int rc = request_param_id(req, 0, &id) == 0
			 ? document_read(&req->actor, &id, false, "DocumentReference", &req->arena, &v)
			 : DOMAIN_NOT_FOUND;
	if (rc != DOMAIN_OK) {
		fhir_domain_error(req, res, rc, "DocumentReference");
		return;
	}
	fhir_respond(req, res, 200, docref_json(&v));
}

static bool wants_fhir_json(struct request *req)
{
	const char *accept = request_header(req, "Accept");
	const char *format = request_query(req, "_format");
	return (accept && strstr(accept, "application/fhir+json")) ||
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
	if (rc != DOMAIN_OK) {
		fhir_domain_error(req, res, rc, "Binary");
		return;
	}
	if (!b->as_json) {
		web_send_download(req, res, v);
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
	fhir_respond(req, res, 200, o);
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
		fhir_domain_error(req, res, DOMAIN_ERROR, "Binary");
		return;
	}
	*b = (struct binary_read){.req = req, .res = res, .as_json = wants_fhir_json(req)};
	if (request_param_id(req, 0, &id) != 0) {
		binary_render(b, DOMAIN_NOT_FOUND);
		return;
	}
	/* Parked before the work is handed over: the answer may come before this returns. */
	request_defer(req, res);
	int rc = document_read_async(&req->actor, &id, true, "Binary", &req->arena, &b->v,
				     binary_ready, b);
	if (rc != DOMAIN_PENDING)
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
	if (subject == NULL || strncmp(subject, "Patient/", 8) != 0 ||
	    id_parse(&out->patient, subject + 8, strlen(subject + 8)) != 0)
		goto out;
	out->kind = default_kind;
	json_t *coding = json_object_get(json_object_get(o, "type"), "coding");
	if (coding != NULL) {
		*why = "type.coding must be an array";
		if (!json_is_array(coding))
			goto out;
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
		goto out;
	json_t *data = json_object_get(att, "data");
	if (!json_is_string(data))
		goto out;
	*why = "content[0].attachment.data is not valid base64";
	struct buf bytes;
	buf_init(&bytes, a, LIMIT_UPLOAD_BYTES);
	if (base64_decode(json_string_value(data), json_string_length(data), &bytes) != 0) {
		if (bytes.failed)
			*why = "The attachment is larger than 20 MB";
		goto out;
	}
	*why = "The attachment is empty";
	if (bytes.len == 0)
		goto out;
	out->data = (const uint8_t *)bytes.data;
	out->data_len = bytes.len;
	const char *ctype = json_string_value(json_object_get(att, "contentType"));
	out->declared_type = ctype ? arena_strdup(a, ctype) : NULL;
	const char *fname = json_string_value(json_object_get(att, "title"));
	out->filename = arena_strdup(a, fname ? fname : "document");
	const char *desc = json_string_value(json_object_get(o, "description"));
	out->title = arena_strdup(a, desc ? desc : (fname ? fname : "Document"));
	*why = NULL;
	rc = (out->filename && out->title) ? 0 : -1;
out:
	json_decref(o);
	return rc;
}

json_t *fhir_parse_resource(const char *json, size_t len, const char *type, const char **why)
{
	json_error_t err;
	json_t *o = json_loadb(json, len, JSON_REJECT_DUPLICATES, &err);
	*why = "The body is not valid JSON";
	if (!json_is_object(o)) {
		json_decref(o);
		return NULL;
	}
	const char *rt = json_string_value(json_object_get(o, "resourceType"));
	if (rt == NULL || strcmp(rt, type) != 0) {
		*why = "resourceType is not the one this endpoint takes";
		json_decref(o);
		return NULL;
	}
	*why = NULL;
	return o;
}

bool fhir_json_body(struct request *req, struct response *res)
{
	const char *ct = req->content_type;
	if (ct == NULL || (strncmp(ct, "application/fhir+json", 21) != 0 &&
			   strncmp(ct, "application/json", 16) != 0)) {
		fhir_error(req, res, 415, "Send the resource as application/fhir+json");
		return false;
	}
	return true;
}

void fhir_docref_create(struct request *req, struct response *res)
{
	if (!fhir_json_body(req, res))
		return;
	struct document_new d;
	const char *why = NULL;
	enum document_kind def = req->actor.role == ROLE_PATIENT ? DOC_PATIENT_UPLOAD : DOC_CLINICAL_LETTER;
	if (fhir_docref_parse(req->body.data ? req->body.data : "", req->body.len, &req->arena, def,
			      &d, &why) != 0) {
		fhir_error(req, res, 400, why ? why : "Invalid DocumentReference");
		return;
	}
	struct document_view v;
	int rc = document_create(&req->actor, &d, &req->arena, &v, &why);
	if (rc == DOMAIN_INVALID || (rc == DOMAIN_FULL && why)) {
		fhir_error(req, res, rc == DOMAIN_FULL ? 507 : 400, why ? why : "Invalid DocumentReference");
		return;
	}
	if (rc != DOMAIN_OK) {
		fhir_domain_error(req, res, rc, "Patient");
		return;
	}
	char hex[ID_HEX_LEN + 1];
	id_hex(&v.id, hex);
	const char *loc = arena_printf(&req->arena, "%s/DocumentReference/%s", fhir_base_url(req), hex);
	if (loc)
		response_header(res, "Location", loc);
	fhir_respond(req, res, 201, docref_json(&v));
}

/* --- shared with the resource files (fhir_int.h) --- */

void fhir_bundle_add_hex(struct request *req, json_t *bundle, const char *type, const char *id,
			 json_t *resource)
{
	const char *url = arena_printf(&req->arena, "%s/%s/%s", fhir_base_url(req), type, id);
	json_array_append_new(json_object_get(bundle, "entry"),
			      json_pack("{s:s, s:o, s:{s:s}}", "fullUrl", url ? url : "", "resource",
					resource, "search", "mode", "match"));
	json_object_set_new(bundle, "total",
			    json_integer((json_int_t)json_array_size(json_object_get(bundle, "entry"))));
}

bool fhir_params_check(struct request *req, struct response *res, const char *const *allowed)
{
	if (fhir_params_ok(req, allowed) == 0)
		return true;
	fhir_error(req, res, 400, "Unsupported search parameter");
	return false;
}

int fhir_search_patient(struct request *req, struct response *res, const char *const *allowed,
			struct id *out)
{
	if (!fhir_params_check(req, res, allowed))
		return -1;
	const char *p = request_query(req, "patient");
	if (p == NULL) {
		fhir_error(req, res, 400, "The patient search parameter is required");
		return -1;
	}
	if (strncmp(p, "Patient/", 8) == 0)
		p += 8;
	return id_parse(out, p, strlen(p)) == 0 ? 0 : 1;
}

json_t *fhir_patient_resource(const struct patient_view *p)
{
	return patient_json(p);
}

json_t *fhir_docref_resource(const struct document_view *v)
{
	return docref_json(v);
}
