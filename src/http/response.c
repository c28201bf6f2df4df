/*
 * Building a response: status, body and headers from the request's arena, redirects, file
 * downloads, and the error answer in the shape of the route's kind (a page, a FHIR
 * OperationOutcome, JSON), each kind's renderer registered at start-up by the layer above.
 */
#include <string.h>

#include "http/http.h"
#include "limits.h"

static http_error_fn renderers[KIND_COUNT];

static const short status_of[ERR_COUNT] = {
	[ERR_OK] = 200,
	[ERR_NOT_FOUND] = 404,
	[ERR_DENIED] = 404,
	[ERR_INVALID] = 400,
	[ERR_CONFLICT] = 409,
	[ERR_GONE] = 410,
	[ERR_TRIPPED] = 403,
	[ERR_APP_STOPPED] = 403,
	[ERR_OUT_OF_SCOPE] = 403,
	[ERR_STEP_UP] = 401,
	[ERR_NO_FACTOR] = 403,
	[ERR_PENDING] = 202,
	[ERR_FULL] = 507,
	[ERR_THROTTLED] = 429,
	[ERR_AUTH_FAIL] = 401,
	[ERR_UNVERIFIED] = 403,
	[ERR_LOCKED] = 403,
	[ERR_BAD_CLIENT] = 400,
	[ERR_BAD_REQUEST] = 400,
	[ERR_NOT_ENROLLED] = 409,
	[ERR_HELD] = 409,
	[ERR_INTERNAL] = 500,
};

int http_status_of(enum err e)
{
	return (unsigned)e < ERR_COUNT && status_of[e] != 0 ? status_of[e] : 500;
}

void http_error_renderer(enum route_kind kind, http_error_fn fn)
{
	if (kind < KIND_COUNT)
		renderers[kind] = fn;
}

void response_header(struct response *res, const char *name, const char *value)
{
	if (res->n_headers < RESPONSE_MAX_HEADERS) {
		res->headers[res->n_headers][0] = name;
		res->headers[res->n_headers][1] = value;
		res->n_headers++;
	}
}

void respond(struct response *res, int status, const char *content_type, const void *body,
	     size_t len)
{
	res->status = status;
	res->content_type = content_type;
	res->body = body;
	res->body_len = len;
}

void respond_buf(struct response *res, int status, const char *content_type, struct buf *b)
{
	if (b->failed) {
		respond(res, 500, "text/plain; charset=utf-8", "Internal error\n", 15);
		return;
	}
	respond(res, status, content_type, b->data ? b->data : "", b->len);
}

void respond_redirect(struct request *req, struct response *res, const char *location)
{
	/* copied: callers build the address in a buffer of their own, often on their stack, and
	 * the response is sent after they return */
	const char *kept = arena_strdup(&req->arena, location);
	if (kept == NULL) {
		respond(res, 500, "text/plain; charset=utf-8", "Internal error\n", 15);
		return;
	}
	response_header(res, "Location", kept);
	respond(res, 303, "text/plain; charset=utf-8", "", 0);
}

void respond_download(struct request *req, struct response *res, const char *filename,
		      const char *content_type, const void *data, size_t len)
{
	/* Only a safe, ASCII file name goes in the header; anything else becomes "document". */
	char name[LIMIT_FILENAME + 1];
	size_t j = 0;
	for (const char *p = filename; p && *p && j < LIMIT_FILENAME; p++) {
		unsigned char c = (unsigned char)*p;
		name[j++] = ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
			     c == '.' || c == '-' || c == '_')
				    ? (char)c
				    : '_';
	}
	name[j] = '\0';
	char *cd = arena_printf(&req->arena, "attachment; filename=\"%s\"", j ? name : "document");
	if (cd)
		response_header(res, "Content-Disposition", cd);
	res->csp = CSP_DOWNLOAD;
	respond(res, 200, content_type, data, len);
}

void respond_inline(struct request *req, struct response *res, const char *filename,
		    const char *content_type, const void *data, size_t len)
{
	static const char *const shown[] = {"image/png", "image/jpeg", "application/pdf"};
	bool ok = false;
	for (size_t i = 0; content_type && i < sizeof(shown) / sizeof(shown[0]); i++)
		ok |= strcmp(content_type, shown[i]) == 0;
	if (!ok) { /* anything else is only ever a download */
		respond_download(req, res, filename, content_type, data, len);
		return;
	}
	response_header(res, "Content-Disposition", "inline");
	/* An image: sandboxed, no script, never framed. A PDF: framed by our own pages only. */
	res->csp = strcmp(content_type, "application/pdf") == 0 ? CSP_EMBEDDED_PDF : CSP_DOWNLOAD;
	respond(res, 200, content_type, data, len);
}

void http_error(struct request *req, struct response *res, int status, const char *msg)
{
	enum route_kind kind = req->route ? req->route->kind
			       : (strncmp(req->path, "/fhir/", 6) == 0) ? KIND_FHIR
									 : KIND_PAGE;
	if (kind < KIND_COUNT && renderers[kind] != NULL) {
		renderers[kind](req, res, status, msg);
		return;
	}
	struct buf b;
	buf_init(&b, &req->arena, LIMIT_ERROR_BODY);
	buf_printf(&b, "{\"error\":\"%s\"}", msg);
	respond_buf(res, status, "application/json", &b);
}
