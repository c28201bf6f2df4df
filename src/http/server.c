/*
 * The serving process: libmicrohttpd with epoll and a thread pool, one arena per request,
 * authentication before routing to any handler, and the security headers on every answer.
 * Limits (connections, per-address connections, idle time, header memory, body sizes) come
 * from src/limits.h; requests over a limit get a clean 4xx.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "audit/audit.h"
#include "auth/auth.h"
#include "crypto/cert.h"
#include "http/http.h"
#include "http/parse.h"
#include "limits.h"
#include "store/store.h"
#include "util/log.h"
#include "util/wipe.h"

#define SESSION_COOKIE "__Host-medkeep"

/* Clients reach us over TLS: ours, or the TLS-terminating proxy's that --behind-proxy says
 * fronts us (so links say https and HSTS is sent either way). */
static bool clients_use_tls;
static bool trust_forwarded;

bool request_is_tls(void)
{
	return clients_use_tls;
}

/* TLS 1.2+ with AEAD suites only (see reference/stack-notes.md). */
static const char tls_priorities[] = TLS_PRIORITIES;

/* Scripts only from our own origin (the passkey ceremony, /static/passkey.js; the idle warning
 * and drafts, /static/session.js, which may call our own origin: connect-src); never inline. */
static const char csp_page[] =
	"default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; "
	"form-action 'self'; "
	"frame-ancestors 'none'; base-uri 'none'";
static const char csp_page_with_target[] =
	"default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; "
	"form-action 'self' %s; "
	"frame-ancestors 'none'; base-uri 'none'";
static const char csp_download[] = "default-src 'none'; sandbox; frame-ancestors 'none'";
/* A page that shows one of the record's documents in it (web_document): the page's policy,
 * and an <object> (a PDF) from our own origin. Only this page carries it. */
static const char csp_page_embed[] =
	"default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; "
	"object-src 'self'; frame-src 'self'; form-action 'self'; "
	"frame-ancestors 'none'; base-uri 'none'";
/* A PDF shown in that page (respond_inline): nothing may load from it but the browser's own
 * viewer (object-src: Chromium's viewer is an <embed> of the document's own URL), no form
 * posts anywhere, and only our own pages frame it. Not sandboxed: Chromium and Safari refuse
 * to show a PDF in a sandboxed document at all. */
static const char csp_embedded_pdf[] =
	"default-src 'none'; object-src 'self'; form-action 'none'; base-uri 'none'; "
	"frame-ancestors 'self'";

static enum MHD_Result send_response(struct request *req, struct response *res)
{
	/* One const buffer, kept alive by the request (as MHD_RESPMEM_PERSISTENT did): libmicrohttpd
	 * takes a single-element vector as a plain buffer response, without copying. */
	const struct MHD_IoVec body = {res->body ? res->body : "", res->body_len};
	struct MHD_Response *r = MHD_create_response_from_iovec(&body, 1, NULL, NULL);
	if (r == NULL)
		return MHD_NO;
	if (res->content_type)
		MHD_add_response_header(r, "Content-Type", res->content_type);
	const char *csp = res->csp == CSP_DOWNLOAD ? csp_download
			  : res->csp == CSP_PAGE_EMBED ? csp_page_embed
			  : res->csp == CSP_EMBEDDED_PDF ? csp_embedded_pdf
							: csp_page;
	if (res->csp == CSP_PAGE && res->form_target)
		csp = arena_printf(&req->arena, csp_page_with_target, res->form_target);
	if (csp == NULL) {
		MHD_destroy_response(r);
		return MHD_NO;
	}
	MHD_add_response_header(r, "Content-Security-Policy", csp);
	MHD_add_response_header(r, "X-Content-Type-Options", "nosniff");
	MHD_add_response_header(r, "X-Frame-Options",
				res->csp == CSP_EMBEDDED_PDF ? "SAMEORIGIN" : "DENY");
	MHD_add_response_header(r, "Referrer-Policy", "no-referrer");
	MHD_add_response_header(r, "Cross-Origin-Opener-Policy", "same-origin");
	MHD_add_response_header(r, "Cross-Origin-Resource-Policy", "same-origin");
	MHD_add_response_header(r, "Permissions-Policy", "camera=(), microphone=(), geolocation=()");
	MHD_add_response_header(r, "Cache-Control",
				res->cacheable ? "public, max-age=3600" : "no-store");
	if (clients_use_tls)
		MHD_add_response_header(r, "Strict-Transport-Security", "max-age=63072000");
	/* Apps in a browser call these from their own origin with a bearer token. Any origin, never
	 * with credentials: the session cookie is SameSite=Strict and not sent across sites, and
	 * a browser will not expose a credentialed answer to a wildcard. */
	if (req->cross_origin) {
		MHD_add_response_header(r, "Access-Control-Allow-Origin", "*");
		MHD_add_response_header(r, "Access-Control-Expose-Headers", "Location, WWW-Authenticate");
	}
	for (size_t i = 0; i < res->n_headers; i++)
		MHD_add_response_header(r, res->headers[i][0], res->headers[i][1]);
	enum MHD_Result rc = MHD_queue_response(req->conn, (unsigned)res->status, r);
	MHD_destroy_response(r);
	req->responded = true;
	return rc;
}

static enum method parse_method(const char *m)
{
	if (strcmp(m, "GET") == 0)
		return METHOD_GET;
	if (strcmp(m, "POST") == 0)
		return METHOD_POST;
	if (strcmp(m, "HEAD") == 0)
		return METHOD_HEAD;
	if (strcmp(m, "PUT") == 0)
		return METHOD_PUT; /* FHIR update (Patient/{id}) */
	return METHOD_OTHER;
}

static size_t body_limit(const struct route *r)
{
	if (r == NULL)
		return 0;
	switch (r->body) {
	case BODY_FORM:
		return LIMIT_FORM_BODY_BYTES;
	case BODY_UPLOAD:
		return LIMIT_MULTIPART_BODY_BYTES;
	case BODY_JSON:
		return LIMIT_JSON_BODY_BYTES;
	case BODY_NONE:
		break;
	}
	return 0;
}

static void client_ip(struct request *req)
{
	const union MHD_ConnectionInfo *ci =
		MHD_get_connection_info(req->conn, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
	snprintf(req->ip, sizeof(req->ip), "-");
	if (ci && ci->client_addr) {
		const struct sockaddr *sa = ci->client_addr;
		if (sa->sa_family == AF_INET)
			inet_ntop(AF_INET, &((const struct sockaddr_in *)sa)->sin_addr, req->ip,
				  sizeof(req->ip));
		else if (sa->sa_family == AF_INET6)
			inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)sa)->sin6_addr, req->ip,
				  sizeof(req->ip));
	}
	if (trust_forwarded) {
		/* Behind our own proxy: its last X-Forwarded-For hop is the client. */
		const char *xff = request_header(req, "X-Forwarded-For");
		if (xff) {
			const char *last = strrchr(xff, ',');
			last = last ? last + 1 : xff;
			while (*last == ' ')
				last++;
			unsigned char tmp[sizeof(struct in6_addr)];
			if (inet_pton(AF_INET, last, tmp) == 1 || inet_pton(AF_INET6, last, tmp) == 1)
				snprintf(req->ip, sizeof(req->ip), "%s", last);
		}
	}
}

/*
 * Who is asking: a browser's session cookie, or, on the FHIR API only, an app's access token
 * (RFC 6750). A request that carries an Authorization header is judged by it alone.
 */
static void authenticate(struct request *req)
{
	struct slice tok = {0};
	const char *authz = req->route->kind == KIND_FHIR ? request_header(req, "Authorization") : NULL;
	bool bearer = authz != NULL;
	if (bearer) {
		if (strncasecmp(authz, "Bearer ", 7) != 0)
			return;
		tok.ptr = authz + 7;
		tok.len = strlen(tok.ptr);
	} else {
		const char *cookie = request_header(req, "Cookie");
		if (cookie == NULL || cookie_find(cookie, strlen(cookie), SESSION_COOKIE, &tok) != 0)
			return;
	}
	if (tok.len != SESSION_TOKEN_B64_LEN)
		return;
	if (auth_session(tok.ptr, tok.len, req->ip, bearer, &req->actor, req->csrf) == 0) {
		req->authenticated = true;
		req->bearer = bearer;
		memcpy(req->token, tok.ptr, SESSION_TOKEN_B64_LEN);
		req->token[SESSION_TOKEN_B64_LEN] = '\0';
		req->actor.token = req->token;
	}
}

#ifdef MEDKEEP_CHAOS
/* Fault injection (build/medkeep-chaos only): with MEDKEEP_FAULT=worker_syscall, a request
 * carrying "X-Medkeep-Fault: syscall" makes this worker call something its filter forbids,
 * to show the filter kills it and the parent restarts it without dropping the service. */
static void chaos_fault(struct request *req)
{
	const char *fault = getenv("MEDKEEP_FAULT");
	const char *h = request_header(req, "X-Medkeep-Fault");
	if (fault && strcmp(fault, "worker_syscall") == 0 && h && strcmp(h, "syscall") == 0)
		syscall(SYS_ptrace, 0 /* PTRACE_TRACEME */, 0, 0, 0);
}
#endif

/*
 * A path that some route has, asked with a method none of them takes (PUT, DELETE,
 * OPTIONS…): 405 and the methods it does take (RFC 9110 15.5.6), decided by the path's shape
 * alone, so the answer is the same whatever id is in it.
 */
static bool refuse_method(struct request *req, struct response *res)
{
	const char *allow = req->route == NULL && path_is_clean(req->path) ? route_allow(req->path) : NULL;
	if (allow == NULL)
		return false;
	http_error(req, res, 405, "This address does not take that method");
	response_header(res, "Allow", allow);
	return true;
}

/*
 * A browser's CORS preflight (OPTIONS with Access-Control-Request-Method) for a route apps may
 * call from their own origin: which method, and that the Authorization header may be sent.
 */
static bool answer_preflight(struct request *req, struct response *res)
{
	const char *asked = req->options ? request_header(req, "Access-Control-Request-Method") : NULL;
	const struct route *r = asked ? route_preflight(req->path, parse_method(asked)) : NULL;
	if (r == NULL)
		return false;
	req->cross_origin = true;
	response_header(res, "Access-Control-Allow-Methods", r->method == METHOD_GET ? "GET, HEAD" : r->method == METHOD_PUT ? "PUT" : "POST");
	response_header(res, "Access-Control-Allow-Headers", "Authorization, Content-Type, Accept");
	response_header(res, "Access-Control-Max-Age", "600");
	respond(res, 204, NULL, "", 0);
	return true;
}

/* A route that needs a session, asked without one: pages go to sign in; the API and FHIR
 * answer 401. */
static void refuse_unauthenticated(struct request *req, struct response *res)
{
	if (req->route->kind == KIND_PAGE) {
		respond_redirect(req, res, route_login_redirect(req));
		return;
	}
	http_error(req, res, 401, "Authentication required");
	/* RFC 6750 3.1: a token that was sent and is no good (ended, revoked, never ours) says
	 * so, so that an app knows to ask the patient again. */
	if (req->route->kind == KIND_FHIR)
		response_header(res, "WWW-Authenticate",
				request_header(req, "Authorization")
					? "Bearer realm=\"medkeep\", error=\"invalid_token\""
					: "Bearer realm=\"medkeep\"");
}

/* Signed in, but not among those the route is for: where the route sends them instead, or
 * the same answer as a page that does not exist. */
static void refuse_audience(struct request *req, struct response *res)
{
	/* A form's own CSRF token is checked first, as its handler would have. */
	if (req->route->body == BODY_FORM) {
		struct form_field fields[LIMIT_FORM_FIELDS];
		size_t n = 0;
		const char *csrf = request_form(req, fields, &n) == 0 ? form_get(fields, n, "csrf", NULL)
								      : NULL;
		if (!request_csrf_ok(req, csrf ? csrf : "")) {
			http_error(req, res, 403, "Missing or wrong CSRF token.");
			return;
		}
	}
	const struct route_access *ra = &req->route->access;
	const char *to = ra->clinician_to && policy_audience(&req->actor, AUD_CLINICIAN) ? ra->clinician_to
											  : ra->deny_to;
	if (to && req->route->kind == KIND_PAGE)
		respond_redirect(req, res, to);
	else
		http_error(req, res, 404, "There is no such page.");
}

static void route_request(struct request *req, struct response *res)
{
#ifdef MEDKEEP_CHAOS
	chaos_fault(req);
#endif
	if (!path_is_clean(req->path)) {
		http_error(req, res, 400, "Bad request path");
		return;
	}
	if (req->route == NULL) {
		if (!answer_preflight(req, res) && !refuse_method(req, res))
			http_error(req, res, 404, "Not found");
		return;
	}
	if (req->body_too_large) {
		http_error(req, res, 413, "Request body too large");
		return;
	}
	/* JSON is the one FHIR format served: asked for another (XML, Turtle), say so (406)
	 * rather than answer in one the client did not ask for. */
	if (req->route->kind == KIND_FHIR && !request_fhir_format_ok(req)) {
		http_error(req, res, 406, "Only JSON (application/fhir+json) is served");
		return;
	}
	authenticate(req);
	enum route_decision d = policy_route_access(&req->actor, req->authenticated,
						    req->route->auth == AUTH_SESSION,
						    req->route->access.who, req->route->access.signin);
	if (d == ROUTE_SECOND_FACTOR || d == ROUTE_ENROL) {
		if (req->route->kind == KIND_PAGE)
			respond_redirect(req, res, d == ROUTE_SECOND_FACTOR ? "/login/mfa" : "/mfa/setup");
		else
			http_error(req, res, 401, "A second factor is required");
		return;
	}
	if (d == ROUTE_SIGN_IN) {
		refuse_unauthenticated(req, res);
		return;
	}
	/* State-changing requests on a session need its CSRF token. Forms carry it as a field
	 * and are checked by their handler after parsing; everything else must send the header.
	 * An app's bearer token is never sent by a browser on its own, so it needs none. */
	if ((req->method == METHOD_POST || req->method == METHOD_PUT) && req->authenticated && !req->bearer &&
	    req->route->body != BODY_FORM &&
	    req->route->body != BODY_UPLOAD && !request_csrf_ok(req, NULL)) {
		http_error(req, res, 403, "Missing or wrong CSRF token");
		return;
	}
	if (d != ROUTE_ALLOW) {
		refuse_audience(req, res);
		return;
	}
	req->route->handler(req, res);
}

/* A request that failed because the database could not be reached (a restart, a failover:
 * several nodes on PostgreSQL) is told to come back (503, Retry-After) rather than 500: nothing
 * of it was done (its transaction rolled back), and the node recovers by itself. */
static void unavailable_if_outage(struct request *req, struct response *res, bool its_thread)
{
	/* its thread met it (a session it could not read looks like none: not a 401), or the
	 * request failed while the database was away (its audit batch, on the writer's thread) */
	bool here = its_thread && store_outages(true) != req->store_outages_here;
	if (!here && (res->status < 500 || store_outages(false) == req->store_outages_at))
		return;
	memset(res, 0, sizeof(*res));
	http_error(req, res, 503, "The service is briefly unavailable. Please try again in a moment.");
	response_header(res, "Retry-After", "5");
}

/* Route and handle one request, its reads in one snapshot of the store (a write ends it). */
static void dispatch(struct request *req, struct response *res)
{
	req->audit_failures_at = audit_failures();
	req->store_outages_at = store_outages(false);
	req->store_outages_here = store_outages(true);
	store_snapshot_begin();
	route_request(req, res);
	store_snapshot_end();
	unavailable_if_outage(req, res, true);
}

static enum MHD_Result finish(struct request *req, struct response *res)
{
	if (res->status == 0)
		http_error(req, res, 500, "Internal error");
	if (req->method == METHOD_HEAD)
		res->body_len = 0;
	/* Every access is in the audit trail; the log carries only what an operator must see. */
	if (res->status >= 500)
		log_warn("component=http method=%s route=%s status=%d",
			 req->method == METHOD_GET ? "GET" : req->method == METHOD_POST ? "POST" : "OTHER",
			 req->route ? req->route->pattern : "-", res->status);
	return send_response(req, res);
}

/* Called by the audit writer thread once this request's records are durable (or failed). */
static void on_audit_durable(void *ctx, bool ok)
{
	struct request *req = ctx;
	req->audit_ok = ok;
	__atomic_store_n(&req->audit_done, true, __ATOMIC_RELEASE);
	MHD_resume_connection(req->conn);
}

/* Hold res back and stop serving the connection until request_complete. */
static void park(struct request *req, struct response *res)
{
	req->held = res;
	MHD_suspend_connection(req->conn);
}

void request_defer(struct request *req, struct response *res)
{
	req->deferred = true;
	req->audit_floor = audit_defer_last();
	park(req, res);
}

void request_complete(struct request *req, int64_t audit_ticket)
{
	if (audit_ticket < req->audit_floor)
		audit_ticket = req->audit_floor;
	int ready = audit_ticket > 0 ? audit_when_durable(audit_ticket, on_audit_durable, req) : 1;
	if (ready != 0) {
		req->audit_ok = ready > 0;
		__atomic_store_n(&req->audit_done, true, __ATOMIC_RELEASE);
		MHD_resume_connection(req->conn);
	}
}

/*
 * The slow lane: one thread for requests whose route is marked slow (password checks). Their
 * connections are parked while they wait; the queue is bounded, and past it a request is
 * answered 503 at once, so a flood queues nowhere.
 */
#define SLOW_QUEUE_MAX 16
static pthread_mutex_t slow_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t slow_cond = PTHREAD_COND_INITIALIZER;
static struct request *slow_head, *slow_tail;
static size_t slow_len;

static int slow_submit(struct request *req)
{
	pthread_mutex_lock(&slow_lock);
	int rc = -1;
	if (slow_len < SLOW_QUEUE_MAX) {
		req->next_slow = NULL;
		if (slow_tail)
			slow_tail->next_slow = req;
		else
			slow_head = req;
		slow_tail = req;
		slow_len++;
		pthread_cond_signal(&slow_cond);
		rc = 0;
	}
	pthread_mutex_unlock(&slow_lock);
	return rc;
}

static void *slow_lane(void *arg)
{
	(void)arg;
	for (;;) {
		pthread_mutex_lock(&slow_lock);
		while (slow_head == NULL)
			pthread_cond_wait(&slow_cond, &slow_lock);
		struct request *req = slow_head;
		slow_head = req->next_slow;
		if (slow_head == NULL)
			slow_tail = NULL;
		slow_len--;
		pthread_mutex_unlock(&slow_lock);

		audit_defer_begin();
		dispatch(req, req->held);
		request_complete(req, audit_defer_end());
	}
	return NULL;
}

struct framing {
	unsigned content_length, transfer_encoding, host;
	bool te_chunked;
};

static enum MHD_Result count_framing(void *cls, enum MHD_ValueKind kind, const char *key,
				     const char *value)
{
	(void)kind;
	struct framing *f = cls;
	if (strcasecmp(key, "Content-Length") == 0) {
		f->content_length++;
	} else if (strcasecmp(key, "Transfer-Encoding") == 0) {
		f->transfer_encoding++;
		f->te_chunked = value && strcasecmp(value, "chunked") == 0;
	} else if (strcasecmp(key, "Host") == 0) {
		f->host++;
	}
	return MHD_YES;
}

/*
 * A request whose length or target a proxy in front could read differently from us is the
 * raw material of request smuggling (RFC 9112 6.3, 3.2): two lengths, a length beside a
 * transfer coding, a coding other than plain chunked, or no single Host on HTTP/1.1. Such a
 * request is refused, and its connection closed, before any of its body is read.
 */
static bool framing_is_ambiguous(struct MHD_Connection *conn, const char *version)
{
	struct framing f = {0};
	MHD_get_connection_values(conn, MHD_HEADER_KIND, count_framing, &f);
	bool http11 = version && strcmp(version, MHD_HTTP_VERSION_1_1) == 0;
	return f.content_length > 1 || f.transfer_encoding > 1 ||
	       (f.transfer_encoding == 1 && (!f.te_chunked || f.content_length > 0)) ||
	       (http11 && f.host != 1) || f.host > 1;
}

/*
 * A request's first call: its arena, method, path and route, the declared body size, and the
 * client's address. A request whose framing is ambiguous or whose body is over its route's
 * limit is answered here, before any of its body is read.
 */
static enum MHD_Result request_start(struct MHD_Connection *conn, const char *url,
				     const char *method, const char *version, void **con_cls)
{
	struct request *req = calloc(1, sizeof(*req));
	if (req == NULL)
		return MHD_NO;
	*con_cls = req;
	arena_init(&req->arena, LIMIT_ARENA_BYTES);
	req->conn = conn;
	req->method = parse_method(method);
	req->options = strcmp(method, "OPTIONS") == 0;
	req->path = arena_strdup(&req->arena, url);
	if (req->path == NULL)
		return MHD_NO;
	req->route = path_is_clean(req->path)
			     ? route_match(req->method == METHOD_HEAD ? METHOD_GET : req->method,
					   req->path, req->params)
			     : NULL;
	req->cross_origin = req->route && route_cross_origin(req->route);
	size_t limit = body_limit(req->route);
	buf_init(&req->body, &req->arena, limit);
	const char *cl = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "Content-Length");
	if (cl) {
		char *end = NULL;
		errno = 0;
		unsigned long long n = strtoull(cl, &end, 10);
		if (errno || end == cl || *end != '\0' || n > limit)
			req->body_too_large = true;
	}
	client_ip(req);
	bool ambiguous = framing_is_ambiguous(conn, version);
	if (!ambiguous && !req->body_too_large)
		return MHD_YES;
	/* Refuse before reading the body, and close: what follows on this connection
	 * cannot be trusted to be the next request. */
	struct response early;
	memset(&early, 0, sizeof(early));
	if (ambiguous)
		http_error(req, &early, 400, "Bad request framing");
	else if (!refuse_method(req, &early))
		http_error(req, &early, 413, "Request body too large");
	response_header(&early, "Connection", "close");
	return send_response(req, &early);
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *conn, const char *url,
				  const char *method, const char *version, const char *upload_data,
				  size_t *upload_data_size, void **con_cls)
{
	(void)cls;
	struct request *req = *con_cls;
	if (req == NULL)
		return request_start(conn, url, method, version, con_cls);
	if (*upload_data_size > 0) {
		if (!req->body_too_large) {
			buf_append(&req->body, upload_data, *upload_data_size);
			if (req->body.failed)
				req->body_too_large = true;
		}
		*upload_data_size = 0;
		return MHD_YES;
	}
	if (req->responded)
		return MHD_YES;
	if (req->held != NULL) {
		/* Resumed: the audit writer has answered for this request's records. */
		if (!__atomic_load_n(&req->audit_done, __ATOMIC_ACQUIRE))
			return MHD_YES;
		/* a batch that failed while it ran may hold some of its records */
		if (!req->audit_ok || audit_failures() != req->audit_failures_at) {
			memset(req->held, 0, sizeof(*req->held));
			http_error(req, req->held, 500, "Internal error");
		}
		unavailable_if_outage(req, req->held, false);
		return finish(req, req->held);
	}
	struct response *res = arena_alloc(&req->arena, sizeof(*res));
	if (res == NULL)
		return MHD_NO;
	req->content_type = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "Content-Type");
	if (req->route && req->route->slow && !req->body_too_large && path_is_clean(req->path)) {
		req->slow_started = true;
		park(req, res);
		if (slow_submit(req) != 0) {
			http_error(req, res, 503, "Busy; please try again in a moment");
			request_complete(req, 0);
		}
		return MHD_YES;
	}
	audit_defer_begin();
	dispatch(req, res);
	int64_t seq = audit_defer_end();
	if (req->deferred) {
		/* Parked by its handler, which answers from another thread (request_complete)
		 * once its records and those made before (audit_floor) are durable. */
		return MHD_YES;
	}
	if (seq > 0) {
		/* No audit, no access: park the connection until the records are durable. */
		park(req, res);
		request_complete(req, seq);
		return MHD_YES;
	}
	return finish(req, res);
}

static void on_completed(void *cls, struct MHD_Connection *conn, void **con_cls,
			 enum MHD_RequestTerminationCode toe)
{
	(void)cls;
	(void)conn;
	(void)toe;
	struct request *req = *con_cls;
	if (req) {
		arena_release(&req->arena);
		free(req);
	}
	*con_cls = NULL;
}

static volatile sig_atomic_t stop_requested;

static void on_signal(int sig)
{
	(void)sig;
	stop_requested = 1;
}

static int parse_listen(const char *s, struct sockaddr_storage *ss, socklen_t *len, bool *loopback)
{
	char host[64];
	const char *colon = strrchr(s, ':');
	if (colon == NULL || (size_t)(colon - s) >= sizeof(host))
		return -1;
	memcpy(host, s, (size_t)(colon - s));
	host[colon - s] = '\0';
	char *end = NULL;
	unsigned long port = strtoul(colon + 1, &end, 10);
	if (end == colon + 1 || *end != '\0' || port > 65535)
		return -1;
	memset(ss, 0, sizeof(*ss));
	size_t hl = strlen(host);
	if (hl >= 2 && host[0] == '[' && host[hl - 1] == ']') {
		host[hl - 1] = '\0';
		struct sockaddr_in6 *a6 = (struct sockaddr_in6 *)ss;
		a6->sin6_family = AF_INET6;
		a6->sin6_port = htons((uint16_t)port);
		if (inet_pton(AF_INET6, host + 1, &a6->sin6_addr) != 1)
			return -1;
		*loopback = IN6_IS_ADDR_LOOPBACK(&a6->sin6_addr);
		*len = sizeof(*a6);
		return 0;
	}
	struct sockaddr_in *a4 = (struct sockaddr_in *)ss;
	a4->sin_family = AF_INET;
	a4->sin_port = htons((uint16_t)port);
	if (inet_pton(AF_INET, host, &a4->sin_addr) != 1)
		return -1;
	*loopback = (ntohl(a4->sin_addr.s_addr) >> 24) == 127;
	*len = sizeof(*a4);
	return 0;
}

static char *read_file(const char *path)
{
	FILE *f = fopen(path, "rb");
	if (f == NULL)
		return NULL;
	char *data = calloc(1, 1024 * 1024 + 1);
	size_t n = data ? fread(data, 1, 1024 * 1024, f) : 0;
	fclose(f);
	if (data && n == 0) {
		free(data);
		return NULL;
	}
	return data;
}

static void on_mhd_log(void *cls, const char *fmt, va_list ap)
{
	(void)cls;
	char line[512];
	vsnprintf(line, sizeof(line), fmt, ap);
	char esc[512];
	size_t n = strlen(line);
	while (n > 0 && line[n - 1] == '\n')
		n--;
	log_escape(esc, sizeof(esc), line, n);
	log_info("component=mhd msg=\"%s\"", esc);
}

int http_check_listen(const struct http_config *cfg)
{
	struct sockaddr_storage ss;
	socklen_t sl = 0;
	bool loopback = false;
	if (parse_listen(cfg->listen, &ss, &sl, &loopback) != 0) {
		fprintf(stderr, "medkeep serve: --listen must be ADDR:PORT, e.g. 127.0.0.1:8080\n");
		return 2;
	}
	bool tls = cfg->tls_cert != NULL || cfg->tls_key != NULL;
	if (tls && (cfg->tls_cert == NULL || cfg->tls_key == NULL)) {
		fprintf(stderr, "medkeep serve: --tls-cert and --tls-key go together\n");
		return 2;
	}
	if (!loopback && !tls && !cfg->behind_proxy) {
		fprintf(stderr, "medkeep serve: refusing to listen on %s without TLS; give "
				"--tls-cert/--tls-key, or --behind-proxy if a TLS proxy fronts it\n",
			cfg->listen);
		return 2;
	}
	return 0;
}

int http_listen_socket(const struct http_config *cfg)
{
	struct sockaddr_storage ss;
	socklen_t sl = 0;
	bool loopback = false;
	if (parse_listen(cfg->listen, &ss, &sl, &loopback) != 0)
		return -1;
	int fd = socket(ss.ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -1;
	int one = 1;
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (ss.ss_family == AF_INET6)
		setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one));
	if (bind(fd, (struct sockaddr *)&ss, sl) != 0 || listen(fd, 1024) != 0) {
		fprintf(stderr, "medkeep serve: cannot listen on %s: %s\n", cfg->listen, strerror(errno));
		close(fd);
		return -1;
	}
	return fd;
}

int http_serve(const struct http_config *cfg, int listen_fd, void (*started)(void))
{
	if (http_check_listen(cfg) != 0)
		return 2;
	struct sockaddr_storage ss;
	socklen_t sl = 0;
	bool loopback = false;
	parse_listen(cfg->listen, &ss, &sl, &loopback);
	bool tls = cfg->tls_cert != NULL;
	clients_use_tls = tls || cfg->behind_proxy;
	trust_forwarded = cfg->behind_proxy;
	char *cert = NULL, *key = NULL;
	if (tls) {
		cert = read_file(cfg->tls_cert);
		key = read_file(cfg->tls_key);
		if (cert == NULL || key == NULL) {
			fprintf(stderr, "medkeep serve: cannot read the TLS certificate or key\n");
			free(cert);
			free(key);
			return 2;
		}
	}
	pthread_t slow;
	if (audit_start_writer() != 0 || pthread_create(&slow, NULL, slow_lane, NULL) != 0) {
		fprintf(stderr, "medkeep serve: cannot start the audit writer or the slow lane\n");
		free(cert);
		free(key);
		return 1;
	}
	pthread_detach(slow);
	unsigned flags = MHD_USE_EPOLL_INTERNAL_THREAD | MHD_USE_ERROR_LOG | MHD_ALLOW_SUSPEND_RESUME | MHD_USE_ITC;
	if (ss.ss_family == AF_INET6)
		flags |= MHD_USE_IPv6;
	if (tls)
		flags |= MHD_USE_TLS;
	/* The option takes a non-const pointer: hand it a copy (parsed by MHD_start_daemon). */
	char priorities[sizeof(tls_priorities)];
	memcpy(priorities, tls_priorities, sizeof(priorities));
	struct MHD_OptionItem tls_opts[] = {
		{MHD_OPTION_HTTPS_MEM_CERT, 0, cert},
		{MHD_OPTION_HTTPS_MEM_KEY, 0, key},
		{MHD_OPTION_HTTPS_PRIORITIES, 0, priorities},
		{MHD_OPTION_END, 0, NULL},
	};
	struct MHD_Daemon *d = MHD_start_daemon(
		flags, 0, NULL, NULL, on_request, NULL, MHD_OPTION_EXTERNAL_LOGGER, on_mhd_log, NULL,
		MHD_OPTION_LISTEN_SOCKET, (MHD_socket)listen_fd,
		MHD_OPTION_THREAD_POOL_SIZE, (unsigned int)(cfg->threads ? cfg->threads : 2),
		MHD_OPTION_CONNECTION_LIMIT, (unsigned int)LIMIT_CONNECTIONS,
		/* Behind a proxy every connection comes from the proxy, and a cap per address would
		 * cap the whole portal; the proxy buffers requests and holds slow clients itself. */
		MHD_OPTION_PER_IP_CONNECTION_LIMIT,
		(unsigned int)(cfg->behind_proxy ? 0 : LIMIT_CONNECTIONS_PER_IP),
		MHD_OPTION_CONNECTION_TIMEOUT, (unsigned int)LIMIT_IDLE_SECONDS,
		MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)LIMIT_CONNECTION_MEMORY,
		MHD_OPTION_NOTIFY_COMPLETED, on_completed, NULL, MHD_OPTION_ARRAY, tls ? tls_opts : &tls_opts[3], MHD_OPTION_END);
	if (d == NULL) {
		audit_stop_writer();
		fprintf(stderr, "medkeep serve: cannot listen on %s\n", cfg->listen);
		free(cert);
		free(key);
		return 1;
	}
	struct sigaction sa;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
	if (started)
		started();
	log_info("component=http event=listening listen=%s tls=%d", cfg->listen, tls);
	while (!stop_requested)
		pause();
	/* Stop accepting, let reads waiting for their keys finish and parked requests get their
	 * audit answer, then stop. */
	MHD_quiesce_daemon(d);
	vault_key_lane_drain(5000);
	usleep(200 * 1000);
	MHD_stop_daemon(d);
	audit_stop_writer();
	if (cert)
		wipe(cert, strlen(cert));
	if (key)
		wipe(key, strlen(key));
	free(cert);
	free(key);
	log_info("component=http event=stopped");
	return 0;
}
