/*
 * HTTP glue over libmicrohttpd: requests with their arena, responses with the security
 * headers every answer carries, the router and authentication before any handler runs.
 */
#ifndef MEDKEEP_HTTP_H
#define MEDKEEP_HTTP_H
#include <stdbool.h>
#include <stddef.h>

#include "crypto/crypto.h"
#include "vault/vault.h"
#include "policy/policy.h"
#include "policy/route_access.h"
#include "util/arena.h"
#include "util/buf.h"
#include "util/err.h"

enum method { METHOD_GET = 1, METHOD_POST, METHOD_HEAD, METHOD_OTHER, METHOD_PUT };

#define ROUTE_MAX_PARAMS 2
#define RESPONSE_MAX_HEADERS 12

struct request {
	struct arena arena;
	void *conn; /* struct MHD_Connection */
	enum method method;
	const char *path;
	const char *content_type;
	struct buf body;
	bool body_too_large;
	const struct route *route;
	char ip[ACTOR_IP_MAX];
	bool authenticated;
	bool bearer; /* by an app's access token (Authorization: Bearer), FHIR routes only */
	bool options; /* an OPTIONS request (a CORS preflight, when it asks for a method) */
	bool cross_origin; /* answers carry Access-Control-Allow-Origin (route_cross_origin) */
	struct actor actor;
	char csrf[TOKEN_B64_LEN + 1];
	char token[SESSION_TOKEN_B64_LEN + 1];
	struct slice params[ROUTE_MAX_PARAMS];
	bool responded;
	/* A response held back until its audit records are durable (see src/audit). */
	struct response *held;
	bool audit_done;
	bool audit_ok;
	bool slow_started;
	struct request *next_slow; /* slow-lane queue */
	bool deferred; /* request_defer: the handler answers later, from another thread */
	int64_t audit_floor; /* records made before it was deferred, to wait for as well */
	uint64_t audit_failures_at; /* audit_failures() when it was dispatched */
	uint64_t store_outages_at;  /* store_outages(false) when it was dispatched */
	uint64_t store_outages_here; /* store_outages(true), on its thread, then */
};

/* Which Content-Security-Policy a response carries (src/http/server.c): a page's strict one; a
 * download's (sandboxed, never framed); a page that shows one of the patient's own documents
 * in it (the strict one, plus an <object> of our own origin: web_document); a PDF shown in
 * such a page (no sandbox: browsers refuse to run their PDF viewer in a sandboxed document;
 * framed only by our own pages). */
enum csp_kind { CSP_PAGE = 0, CSP_DOWNLOAD, CSP_PAGE_EMBED, CSP_EMBEDDED_PDF };

struct response {
	int status;
	const char *content_type;
	const void *body;
	size_t body_len;
	enum csp_kind csp;
	/* An origin ("https://app.example") the page's forms may also end up at: a browser holds
	 * a form's redirect to form-action too (an app's consent page sends the patient back). */
	const char *form_target;
	bool cacheable; /* static assets only; everything else is no-store */
	size_t n_headers;
	const char *headers[RESPONSE_MAX_HEADERS][2];
};

enum route_auth { AUTH_NONE, AUTH_SESSION };
enum route_body { BODY_NONE, BODY_FORM, BODY_UPLOAD, BODY_JSON };
enum route_kind { KIND_PAGE, KIND_FHIR, KIND_API, KIND_COUNT };

typedef void (*handler_fn)(struct request *req, struct response *res);

/* Who may use a route (src/policy/route_access.h decides), and the answer to anyone else. */
struct route_access {
	enum audience who;        /* among those signed in */
	enum signin_stage signin; /* reachable before sign-in is finished? */
	const char *deny_to;      /* a page refused: redirect here; NULL: 404 "There is no such page." */
	const char *clinician_to; /* where a refused clinician goes instead, when it differs */
};

struct route {
	enum method method;
	const char *pattern; /* literal segments, '*' for one id segment */
	enum route_auth auth;
	enum route_body body;
	enum route_kind kind;
	handler_fn handler;
	/* Runs on the slow lane (password checks): the connection is parked meanwhile, so a
	 * flood of these never holds up the threads that serve everything else. */
	bool slow;
	/* Apps may call it from their own origin (CORS); every FHIR route may. */
	bool cors;
	struct route_access access;
};

struct http_config {
	const char *listen;   /* ADDR:PORT */
	const char *tls_cert; /* PEM paths or NULL */
	const char *tls_key;
	bool behind_proxy;
	unsigned threads;
};

/* Check the listen address against the TLS rule (loopback, TLS or behind a proxy); 0 or 2
 * with a message on stderr. */
int http_check_listen(const struct http_config *cfg);
/* A bound, listening socket for cfg->listen (the parent makes it, so a restarted worker
 * keeps the same one and no connection is refused meanwhile); -1 on failure. */
int http_listen_socket(const struct http_config *cfg);
/* Serve on listen_fd until SIGINT or SIGTERM; started() runs once the server is up (the
 * worker installs its syscall filter there). Returns the process exit code. */
int http_serve(const struct http_config *cfg, int listen_fd, void (*started)(void));

/* Response helpers. The response is sent after the handler returns, so what they keep must
 * outlive it: response_header keeps its pointers (static text or the request's arena, never
 * a handler's stack); respond_redirect copies the address into the arena. */
void response_header(struct response *res, const char *name, const char *value);
void respond(struct response *res, int status, const char *content_type, const void *body,
	     size_t len);
void respond_buf(struct response *res, int status, const char *content_type, struct buf *b);
void respond_redirect(struct request *req, struct response *res, const char *location);
/* A file as a download: Content-Disposition with a safe ASCII name ("document" when none),
 * and the sandboxing CSP of downloads. */
void respond_download(struct request *req, struct response *res, const char *filename,
		      const char *content_type, const void *data, size_t len);
/* The same bytes shown in the browser rather than saved (Content-Disposition: inline), only
 * for PNG, JPEG and PDF; any other type is answered as respond_download. Images carry the
 * download CSP (an <img> runs nothing of them); a PDF carries CSP_EMBEDDED_PDF, so that our
 * own document page may show it in an <object>, and no other site may frame it. */
void respond_inline(struct request *req, struct response *res, const char *filename,
		    const char *content_type, const void *data, size_t len);
/* The one map from an outcome to an HTTP status, for pages and FHIR alike: 200 for ERR_OK, 500
 * for ERR_INTERNAL and anything unknown. Not yours is not found: ERR_NOT_FOUND and ERR_DENIED
 * (a grant, token or ciphertext refused below) are both 404, so a refusal never tells that a
 * record exists. An app or proxy outside its scopes on a record it reaches is told so (403). */
int http_status_of(enum err e);
/* An error in the shape of the request's route kind (a page, an OperationOutcome, JSON); the
 * layers above register their renderer per kind at start-up (JSON when none is). */
typedef void (*http_error_fn)(struct request *req, struct response *res, int status,
			      const char *message);
void http_error_renderer(enum route_kind kind, http_error_fn fn);
void http_error(struct request *req, struct response *res, int status, const char *msg);
/* The value of a request header or query argument, or NULL. */
const char *request_header(struct request *req, const char *name);
const char *request_query(struct request *req, const char *name);
/* Calls fn for each query argument; returns non-zero when fn did. */
int request_query_each(struct request *req, int (*fn)(void *ctx, const char *k, const char *v),
		       void *ctx);
/* A route parameter as an id; 0 on success. */
int request_param_id(struct request *req, size_t i, struct id *out);
/* Parse an application/x-www-form-urlencoded body (up to LIMIT_FORM_FIELDS fields): 0, -1
 * malformed, -2 wrong content type. */
struct form_field;
int request_form(struct request *req, struct form_field *fields, size_t *n);
/* True when the request's CSRF token (header or already-parsed form value) matches. */
bool request_csrf_ok(struct request *req, const char *form_value);
/* Whether a FHIR request may be answered in JSON, the one format served: its _format (json,
 * application/json, application/fhir+json) and its Accept header (absent, or naming JSON, FHIR
 * JSON or a wildcard; a Binary read also takes any non-XML type, for the bytes). False: 406. */
bool request_fhir_format_ok(struct request *req);
bool request_is_tls(void);
/* "https://host:port" as the client addressed us (the Host header, anything odd cut off). */
const char *request_origin(struct request *req);
/* That origin with "/fhir/R4": the base of FHIR URLs, and an app's expected `aud`. */
const char *request_fhir_base(struct request *req);
/*
 * A handler that answers from another thread (a domain operation that returned
 * ERR_PENDING) parks its request with request_defer before it hands the work over, fills
 * res on that thread, and then calls request_complete: the response leaves once the audit
 * records up to audit_ticket are durable. Nothing may read the connection in between.
 */
void request_defer(struct request *req, struct response *res);
void request_complete(struct request *req, int64_t audit_ticket);

/* The route tables: each layer above adds its own at start-up (web_http_register,
 * fhir_http_register), with its error renderer; src/http knows no handler. */
void http_routes_add(const struct route *table, size_t n);
/* Matching over the tables added (src/http/routes.c). */
const struct route *route_match(enum method m, const char *path, struct slice *params);
/* The methods some route answers at this path, as an Allow header value ("GET, HEAD",
 * "POST", "GET, HEAD, POST"); NULL when no route has the path. */
const char *route_allow(const char *path);
/* Whether apps may call a route from their own origin (CORS): the FHIR API, the token and
 * revocation endpoints, discovery. */
bool route_cross_origin(const struct route *r);
/* The route a CORS preflight (OPTIONS) for this path asks about, or NULL when none takes it. */
const struct route *route_preflight(const char *path, enum method m);
/* Whether a path is clean enough to route: no dot segments, control bytes or backslashes. */
bool path_is_clean(const char *path);
/* Whether next may be a return address (sign-in, step-up): one of our own pages, a clean path
 * with an optional query of plain characters, at most LIMIT_NEXT_PATH bytes; never "//host",
 * a backslash, a scheme, a percent escape or a dot segment, so never an open redirect. */
bool path_is_local_next(const char *next);
/* page with "?next=" and next percent-encoded as one query argument, when next is a local
 * return address (path_is_local_next); page alone otherwise. Arena memory. */
const char *route_next_url(struct arena *ar, const char *page, const char *next);
/* Where a page route asked without a session sends the browser: /login, with the page to come
 * back to after signing in (next, percent-encoded) when there is one: a GET page's own path
 * and plain query, or for a form posted after the session ended, the page it was posted
 * from (the same path, or its parent, when a GET page route has it). Arena memory. */
const char *route_login_redirect(struct request *req);

#endif
