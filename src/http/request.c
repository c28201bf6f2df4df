/*
 * What a handler may read of its request: headers, query arguments, route parameters, the
 * posted form and its CSRF token, and the origin the client addressed (for absolute URLs).
 */
#include <microhttpd.h>
#include <string.h>
#include <strings.h>

#include "http/http.h"
#include "http/parse.h"
#include "limits.h"

const char *request_header(struct request *req, const char *name)
{
	return MHD_lookup_connection_value(req->conn, MHD_HEADER_KIND, name);
}

const char *request_origin(struct request *req)
{
	const char *host = request_header(req, "Host");
	char clean[128];
	size_t j = 0;
	for (const char *p = host ? host : ""; *p && j + 1 < sizeof(clean); p++) {
		char c = *p;
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		      c == '.' || c == '-' || c == ':' || c == '[' || c == ']'))
			break;
		clean[j++] = c;
	}
	clean[j] = '\0';
	return arena_printf(&req->arena, "%s://%s", request_is_tls() ? "https" : "http",
			    j ? clean : "localhost");
}

const char *request_fhir_base(struct request *req)
{
	const char *origin = request_origin(req);
	return origin ? arena_printf(&req->arena, "%s/fhir/R4", origin) : NULL;
}

const char *request_query(struct request *req, const char *name)
{
	return MHD_lookup_connection_value(req->conn, MHD_GET_ARGUMENT_KIND, name);
}

struct query_iter {
	int (*fn)(void *ctx, const char *k, const char *v);
	void *ctx;
	int rc;
};

static enum MHD_Result query_visit(void *cls, enum MHD_ValueKind kind, const char *key,
				   const char *value)
{
	(void)kind;
	struct query_iter *it = cls;
	it->rc = it->fn(it->ctx, key, value ? value : "");
	return it->rc == 0 ? MHD_YES : MHD_NO;
}

int request_query_each(struct request *req, int (*fn)(void *ctx, const char *k, const char *v),
		       void *ctx)
{
	struct query_iter it = {fn, ctx, 0};
	MHD_get_connection_values(req->conn, MHD_GET_ARGUMENT_KIND, query_visit, &it);
	return it.rc;
}

int request_param_id(struct request *req, size_t i, struct id *out)
{
	if (i >= ROUTE_MAX_PARAMS || req->params[i].ptr == NULL)
		return -1;
	return id_parse(out, req->params[i].ptr, req->params[i].len);
}

int request_form(struct request *req, struct form_field *fields, size_t *n)
{
	const char *ct = req->content_type;
	if (ct == NULL || strncmp(ct, "application/x-www-form-urlencoded", 33) != 0)
		return -2;
	return form_parse(req->body.data ? req->body.data : "", req->body.len, &req->arena, fields,
			  LIMIT_FORM_FIELDS, n);
}

bool request_csrf_ok(struct request *req, const char *form_value)
{
	const char *v = form_value ? form_value : request_header(req, "X-CSRF-Token");
	if (v == NULL || !req->authenticated)
		return false;
	size_t n = strlen(v);
	return n == TOKEN_B64_LEN && ct_compare(v, req->csrf, TOKEN_B64_LEN) == 0;
}

bool request_fhir_format_ok(struct request *req)
{
	const char *f = request_query(req, "_format");
	if (f != NULL && strcmp(f, "json") != 0 && strcmp(f, "application/json") != 0 &&
	    strcmp(f, "application/fhir+json") != 0)
		return false;
	const char *accept = request_header(req, "Accept");
	if (f != NULL || accept == NULL)
		return true;
	bool binary = strncmp(req->path, "/fhir/R4/Binary/", 16) == 0;
	return accept_takes_json(accept, strlen(accept), binary);
}
