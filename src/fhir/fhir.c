/*
 * FHIR R4 (JSON) over the same domain services and gate as the pages. This file holds what
 * the resource files (fhir_<part>.c) share: responses and OperationOutcome errors, base URL
 * and instants, search Bundles, the search-parameter allow-list, and parsing posted resources.
 * Each part owns its resources, its searches and its CapabilityStatement entry
 * (fhir_metadata.c asks each part for it).
 */
#include <jansson.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "fhir/fhir.h"
#include "fhir/fhir_int.h"
#include "http/conditional.h"
#include "limits.h"
#include "util/wipe.h"

static const char fhir_type[] = "application/fhir+json; charset=utf-8";

/* Serialise o (stealing the reference) into the response. */
void fhir_respond(struct request *req, struct response *res, int status, json_t *o)
{
	char *s = o ? json_dumps(o, JSON_COMPACT) : NULL;
	json_decref(o);
	char *copy = s ? arena_strdup(&req->arena, s) : NULL;
	if (s) {
		wipe(s, strlen(s));
		free(s);
	}
	if (copy == NULL) {
		respond(res, 500, fhir_type, "", 0);
		return;
	}
	respond(res, status, fhir_type, copy, strlen(copy));
}

void fhir_respond_created(struct request *req, struct response *res, int status, const char *type,
			  const struct id *id, json_t *o)
{
	char hex[ID_HEX_LEN + 1];
	id_hex(id, hex);
	/* [base]/type/id/_history/vid: the version the answer holds (meta.versionId). */
	const char *vid = json_string_value(json_object_get(json_object_get(o, "meta"), "versionId"));
	const char *loc = vid ? arena_printf(&req->arena, "%s/%s/%s/_history/%s", fhir_base_url(req),
					     type, hex, vid)
			      : arena_printf(&req->arena, "%s/%s/%s", fhir_base_url(req), type, hex);
	if (vid) {
		const char *etag = arena_printf(&req->arena, "W/\"%s\"", vid);
		if (etag)
			response_header(res, "ETag", etag);
	}
	if (loc)
		response_header(res, "Location", loc);
	fhir_respond(req, res, status, o);
}

bool fhir_not_modified(struct request *req, struct response *res, int64_t version, int64_t updated)
{
	char tag[24], date[HTTP_DATE_LEN + 1];
	snprintf(tag, sizeof(tag), "%lld", (long long)(version > 0 ? version : 1));
	/* A vread ([type]/[id]/_history/[vid]): only the current version is kept. */
	const struct slice *vid = &req->params[1];
	if (vid->ptr != NULL && (vid->len != strlen(tag) || memcmp(vid->ptr, tag, vid->len) != 0)) {
		fhir_error(req, res, 404, "Only the current version of a resource is kept: read it "
					  "without _history, or with its meta.versionId");
		return true;
	}
	http_date_format(updated, date);
	const char *etag = arena_printf(&req->arena, "W/\"%s\"", tag);
	const char *modified = arena_strdup(&req->arena, date);
	if (etag)
		response_header(res, "ETag", etag);
	if (modified)
		response_header(res, "Last-Modified", modified);
	/* If-None-Match decides when sent; If-Modified-Since only without it (RFC 9110 13.1.3). */
	const char *inm = request_header(req, "If-None-Match");
	const char *ims = request_header(req, "If-Modified-Since");
	int64_t since = 0;
	bool same = inm ? http_etag_matches(inm, strlen(inm), tag)
		    : ims && http_date_parse(ims, strlen(ims), &since) == 0 && updated <= since;
	if (same)
		respond(res, 304, fhir_type, "", 0);
	return same;
}

void fhir_respond_read(struct request *req, struct response *res, json_t *o, int64_t version,
		       int64_t updated)
{
	if (o != NULL && fhir_not_modified(req, res, version, updated)) {
		json_decref(o);
		return;
	}
	fhir_respond(req, res, 200, o);
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

void fhir_meta_version(json_t *r, int64_t version, int64_t updated)
{
	if (r == NULL)
		return;
	json_t *meta = json_object_get(r, "meta");
	if (!json_is_object(meta)) {
		meta = json_object();
		if (meta == NULL || json_object_set_new(r, "meta", meta) != 0)
			return;
	}
	char vid[24], at[32];
	snprintf(vid, sizeof(vid), "%lld", (long long)(version > 0 ? version : 1));
	fhir_instant(updated, at);
	json_object_set_new(meta, "versionId", json_string(vid));
	json_object_set_new(meta, "lastUpdated", json_string(at));
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

/* Search parameters are an allow-list: anything else is refused, not silently ignored (with
 * Prefer: handling=lenient, left out). */
struct allow_list {
	const char *const *names; /* NULL-terminated */
	bool lenient;
	const char *refused;      /* the first parameter refused */
};

static int allow_params(void *ctx, const char *k, const char *v)
{
	(void)v;
	struct allow_list *list = ctx;
	const char *const *allowed = list->names;
	if (strcmp(k, "_format") == 0)
		return 0;
	for (size_t i = 0; allowed[i]; i++)
		if (strcmp(k, allowed[i]) == 0)
			return 0;
	list->refused = k;
	return list->lenient ? 0 : 1;
}

bool fhir_prefers_lenient(struct request *req)
{
	const char *p = request_header(req, "Prefer");
	return p && strstr(p, "handling=lenient") != NULL;
}

static int params_check(struct request *req, const char *const *allowed, const char **refused)
{
	struct allow_list list = {allowed, fhir_prefers_lenient(req), NULL};
	int rc = request_query_each(req, allow_params, &list);
	*refused = list.refused;
	return rc;
}

int fhir_params_ok(struct request *req, const char *const *allowed)
{
	const char *refused;
	return params_check(req, allowed, &refused);
}

void fhir_domain_error(struct request *req, struct response *res, enum err rc, const char *what)
{
	const char *m;
	switch (rc) {
	case ERR_NOT_FOUND:
	case ERR_DENIED:
		m = arena_printf(&req->arena, "%s not found", what);
		fhir_error(req, res, http_status_of(rc), m ? m : "not found");
		break;
	case ERR_OUT_OF_SCOPE:
		/* RFC 6750 3.1: the token is good, the request needs more than it was given. */
		m = arena_printf(&req->arena, "%s is outside the access granted", what);
		fhir_error(req, res, http_status_of(rc), m ? m : "outside the access granted");
		if (req->bearer)
			response_header(res, "WWW-Authenticate",
					"Bearer realm=\"medkeep\", error=\"insufficient_scope\"");
		break;
	case ERR_TRIPPED:
	case ERR_APP_STOPPED:
		fhir_error(req, res, http_status_of(rc),
			   "Access paused for review because of unusual activity");
		break;
	case ERR_GONE:
		m = arena_printf(&req->arena, "%s erased: the patient's record was deleted and can no "
					      "longer be read", what);
		fhir_error(req, res, http_status_of(rc), m ? m : "erased");
		break;
	case ERR_FULL:
		fhir_error(req, res, http_status_of(rc), "Not stored: the upload allowance or the "
							 "server's storage reserve is used up; reads still work");
		break;
	default:
		fhir_error(req, res, http_status_of(ERR_INTERNAL), "The request could not be completed");
		break;
	}
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

/* --- shared with the resource files (fhir_int.h) --- */

void fhir_bundle_add_hex(struct request *req, json_t *bundle, const char *type, const char *id,
			 json_t *resource)
{
	fhir_search_entry(req, bundle, type, id, resource);
	size_t n = json_array_size(json_object_get(bundle, "entry"));
	/* A list stops at LIMIT_LIST: from there on, how many there are in all is not known here,
	 * and total is left out rather than given as the page's size. */
	if (n < LIMIT_LIST)
		json_object_set_new(bundle, "total", json_integer((json_int_t)n));
	else
		json_object_del(bundle, "total");
}

bool fhir_params_check(struct request *req, struct response *res, const char *const *allowed)
{
	const char *refused = NULL;
	if (params_check(req, allowed, &refused) == 0)
		return true;
	const char *name = fhir_param_name(req, refused ? refused : "", refused ? strlen(refused) : 0);
	const char *m = arena_printf(&req->arena, "Unsupported search parameter: %s", name);
	fhir_error(req, res, 400, m ? m : "Unsupported search parameter");
	return false;
}

const char *fhir_param_name(struct request *req, const char *name, size_t len)
{
	char *copy = arena_strndup(&req->arena, name, len > 64 ? 64 : len);
	for (size_t i = 0; copy && copy[i]; i++)
		if (copy[i] < 0x20 || copy[i] > 0x7e)
			copy[i] = '?';
	return copy ? copy : "";
}

const char *fhir_patient_ref(struct request *req, const char *p)
{
	const char *base = fhir_base_url(req);
	size_t n = base ? strlen(base) : 0;
	if (base && strncmp(p, base, n) == 0 && strncmp(p + n, "/Patient/", 9) == 0)
		return p + n + 9; /* [base]/Patient/id of this server */
	if (strncmp(p, "Patient/", 8) == 0)
		return p + 8;
	return p;
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
	p = fhir_patient_ref(req, p);
	return id_parse(out, p, strlen(p)) == 0 ? 0 : 1;
}
