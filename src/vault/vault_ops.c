/*
 * The vault's protocol: one handler per operation, and the table that says which lane (so
 * which peer) may ask for each. A request is one frame (src/proc/msg.h) from another process,
 * so untrusted: each handler reads its fields with the typed getters, requires the whole frame
 * consumed (msg_end) before it acts, and returns -1 for anything malformed, which ends that
 * peer's connection (vault_server.c). Everything else (a bad token, a grant the breaker
 * refuses) is an answer with a status. Pure apart from the key operations; fuzzed
 * (tests/fuzz/vault_msg).
 */
#include <sodium.h>
#include <string.h>

#include "limits.h"
#include "proc/msg.h"
#include "util/wipe.h"
#include "vault/vault.h"
#include "vault/vault_int.h"

/* A request's scratch arena: the request and its answer (MSG_MAX each) with what is opened or
 * sealed between them. */
#define VAULT_CALL_ARENA (4u * MSG_MAX)

/* One request being answered. */
struct vcall {
	uint8_t op;
	struct msg_reader r; /* the request's fields, after its op */
	struct msg_writer w; /* the answer, begun by put_status */
	uint8_t *out;        /* where the answer goes (MSG_MAX bytes) */
	struct arena ar;     /* scratch for this request, wiped on release */
};

static void put_status(struct vcall *c, int rc)
{
	msg_begin(&c->w, c->out, MSG_MAX, rc == ERR_OK	  ? ERR_OK
					  : rc == ERR_TRIPPED	  ? ERR_TRIPPED
					  : rc == ERR_APP_STOPPED ? ERR_APP_STOPPED
								  : ERR_DENIED);
}

/* The status, and when it is ERR_OK one byte string. */
static void put_status_bytes(struct vcall *c, int rc, const void *p, size_t n)
{
	put_status(c, rc);
	if (rc == ERR_OK)
		msg_put_bytes(&c->w, p, n);
}

/* The status, and when it is ERR_OK a fresh token and its session id. */
static void put_status_reminted(struct vcall *c, int rc, const char *token, const struct id *session)
{
	put_status(c, rc);
	if (rc == ERR_OK) {
		msg_put_str(&c->w, token);
		msg_put_id(&c->w, session);
	}
}

/* A token field: empty means "none" (refused once tokens are required). */
static const char *get_token(struct msg_reader *r, char buf[SESSION_TOKEN_B64_LEN + 1])
{
	const uint8_t *p;
	size_t n;
	msg_get_bytes(r, &p, &n, SESSION_TOKEN_B64_LEN);
	if (r->failed || n == 0)
		return NULL;
	memcpy(buf, p, n);
	buf[n] = '\0';
	return memchr(p, '\0', n) ? NULL : buf;
}

/* A request whose one field is a token; -1 when the frame holds anything else. */
static int get_token_only(struct vcall *c, char buf[SESSION_TOKEN_B64_LEN + 1], const char **token)
{
	*token = get_token(&c->r, buf);
	return msg_end(&c->r);
}

static struct bytes get_bytes(struct msg_reader *r, size_t max)
{
	struct bytes b;
	msg_get_bytes(r, &b.ptr, &b.len, max);
	return b;
}

static int op_login(struct vcall *c)
{
	char hash[PWHASH_STR_BYTES];
	struct session_claims claims;
	memset(&claims, 0, sizeof(claims));
	msg_get_str(&c->r, hash, sizeof(hash));
	struct bytes pw = get_bytes(&c->r, LIMIT_PASSWORD);
	uint8_t has = msg_get_u8(&c->r);
	if (has) {
		msg_get_id(&c->r, &claims.session);
		msg_get_id(&c->r, &claims.account);
		uint8_t role = msg_get_u8(&c->r);
		claims.role = role <= ROLE_LAST ? (enum role)role : ROLE_NONE;
		claims.has_patient = msg_get_u8(&c->r) != 0;
		msg_get_id(&c->r, &claims.patient);
		claims.has_practice = msg_get_u8(&c->r) != 0;
		msg_get_id(&c->r, &claims.practice);
		claims.issued = (int64_t)msg_get_u64(&c->r);
	}
	if (msg_end(&c->r) != 0 || has > 1)
		return -1;
	char token[SESSION_TOKEN_B64_LEN + 1];
	int ok = vault_local_login(hash, (const char *)pw.ptr, pw.len, has ? &claims : NULL, token);
	put_status(c, ok == 0 ? ERR_OK : ERR_DENIED);
	if (ok == 0)
		msg_put_str(&c->w, token);
	wipe(token, sizeof(token));
	return 0;
}

static int op_app_token(struct vcall *c)
{
	char tokbuf[SESSION_TOKEN_B64_LEN + 1];
	const char *token;
	if (get_token_only(c, tokbuf, &token) != 0)
		return -1;
	char nt[SESSION_TOKEN_B64_LEN + 1];
	struct id session;
	int v = vault_local_app_token(token, nt, &session);
	put_status_reminted(c, v, nt, &session);
	wipe(nt, sizeof(nt));
	return 0;
}

static int op_refresh_issue(struct vcall *c)
{
	char tokbuf[SESSION_TOKEN_B64_LEN + 1];
	const char *token = get_token(&c->r, tokbuf);
	uint8_t offline = msg_get_u8(&c->r);
	if (msg_end(&c->r) != 0 || offline > 1)
		return -1;
	char refresh[SESSION_TOKEN_B64_LEN + 1];
	struct id family;
	int v = vault_local_refresh_issue(token, offline != 0, refresh, &family);
	put_status_reminted(c, v, refresh, &family);
	wipe(refresh, sizeof(refresh));
	return 0;
}

static int op_refresh_use(struct vcall *c)
{
	char tokbuf[SESSION_TOKEN_B64_LEN + 1];
	const char *token;
	if (get_token_only(c, tokbuf, &token) != 0)
		return -1;
	struct vault_refreshed r;
	int v = vault_local_refresh_use(token, &r);
	put_status_reminted(c, v, r.access_token, &r.session);
	if (v == ERR_OK) {
		msg_put_str(&c->w, r.refresh_token);
		msg_put_id(&c->w, &r.family);
		msg_put_id(&c->w, &r.account);
		msg_put_id(&c->w, &r.patient);
		msg_put_u8(&c->w, r.mfa ? 1 : 0);
	}
	wipe(&r, sizeof(r));
	return 0;
}

static int op_id_token(struct vcall *c)
{
	char tokbuf[SESSION_TOKEN_B64_LEN + 1], iss[257], client[ID_HEX_LEN + 1], nonce[257];
	const char *token = get_token(&c->r, tokbuf);
	msg_get_str(&c->r, iss, sizeof(iss));
	msg_get_str(&c->r, client, sizeof(client));
	struct bytes nb = get_bytes(&c->r, sizeof(nonce) - 1); /* may be empty: no nonce */
	uint8_t fhir_user = msg_get_u8(&c->r);
	if (msg_end(&c->r) != 0 || fhir_user > 1 || (nb.len && memchr(nb.ptr, '\0', nb.len)))
		return -1;
	if (nb.len)
		memcpy(nonce, nb.ptr, nb.len);
	nonce[nb.len] = '\0';
	char out[LIMIT_ID_TOKEN];
	int v = vault_local_id_token(token, iss, client, nonce, fhir_user != 0, out, sizeof(out));
	put_status(c, v);
	if (v == ERR_OK)
		msg_put_str(&c->w, out);
	return 0;
}

static int op_oidc_jwk(struct vcall *c)
{
	if (msg_end(&c->r) != 0)
		return -1;
	char x[VAULT_JWK_X_LEN + 1], kid[2 * 8 + 1];
	int v = vault_local_oidc_jwk(x, kid);
	put_status(c, v);
	if (v == ERR_OK) {
		msg_put_str(&c->w, x);
		msg_put_str(&c->w, kid);
	}
	return 0;
}

/* The sync lane's one operation: other nodes' facts counted here, this node's handed out. */
static int op_breaker_exchange(struct vcall *c)
{
	uint64_t n_in = msg_get_u64(&c->r);
	if (c->r.failed || n_in > BREAKER_EVENTS_PER_FRAME)
		return -1;
	struct breaker_event *in = arena_calloc(&c->ar, n_in ? n_in : 1, sizeof(*in));
	if (in == NULL)
		return -1;
	for (uint64_t i = 0; i < n_in; i++)
		breaker_event_get(&c->r, &in[i]);
	uint64_t max_out = msg_get_u64(&c->r);
	if (msg_end(&c->r) != 0 || max_out > BREAKER_EVENTS_PER_FRAME)
		return -1;
	struct breaker_event *out = arena_calloc(&c->ar, max_out ? max_out : 1, sizeof(*out));
	if (out == NULL)
		return -1;
	size_t n_out = 0;
	uint64_t dropped = 0;
	int v = vault_local_breaker_exchange(in, n_in, out, max_out, &n_out, &dropped);
	put_status(c, v);
	if (v == ERR_OK) {
		msg_put_u64(&c->w, dropped);
		msg_put_u64(&c->w, n_out);
		for (size_t i = 0; i < n_out; i++)
			breaker_event_put(&c->w, &out[i]);
	}
	return 0;
}

static int op_system_token(struct vcall *c)
{
	struct id system, practice;
	msg_get_id(&c->r, &system);
	msg_get_id(&c->r, &practice);
	if (msg_end(&c->r) != 0)
		return -1;
	char nt[SESSION_TOKEN_B64_LEN + 1];
	struct id session;
	int v = vault_local_system_token(&system, &practice, nt, &session);
	put_status_reminted(c, v, nt, &session);
	wipe(nt, sizeof(nt));
	return 0;
}

static int op_miss(struct vcall *c)
{
	char tokbuf[SESSION_TOKEN_B64_LEN + 1];
	const char *token;
	if (get_token_only(c, tokbuf, &token) != 0)
		return -1;
	put_status(c, vault_local_miss(token));
	return 0;
}

static int op_read(struct vcall *c)
{
	char tokbuf[SESSION_TOKEN_B64_LEN + 1];
	struct id patient;
	const char *token = get_token(&c->r, tokbuf);
	msg_get_id(&c->r, &patient);
	uint64_t bytes = msg_get_u64(&c->r);
	if (msg_end(&c->r) != 0 || bytes > INT64_MAX / 4)
		return -1;
	put_status(c, vault_local_read(token, &patient, (int64_t)bytes));
	return 0;
}

/* A reviewer's token, or none and a ticket: the account, its issue time, its MAC. */
static int op_unlock(struct vcall *c)
{
	char tokbuf[SESSION_TOKEN_B64_LEN + 1];
	struct id account;
	const char *token = get_token(&c->r, tokbuf);
	msg_get_id(&c->r, &account);
	uint64_t issued = msg_get_u64(&c->r);
	struct bytes mac = get_bytes(&c->r, UNLOCK_TICKET_MAC_BYTES);
	if (msg_end(&c->r) != 0 || issued > INT64_MAX)
		return -1;
	put_status(c, vault_local_unlock(token, &account, (int64_t)issued, token ? NULL : mac.ptr,
					 token ? 0 : mac.len));
	return 0;
}

static int op_review_email(struct vcall *c)
{
	char tokbuf[SESSION_TOKEN_B64_LEN + 1];
	struct id account;
	const char *token = get_token(&c->r, tokbuf);
	msg_get_id(&c->r, &account);
	struct bytes ct = get_bytes(&c->r, 1024);
	if (msg_end(&c->r) != 0)
		return -1;
	struct buf b;
	buf_init(&b, &c->ar, LIMIT_EMAIL_BUF);
	int v = vault_local_review_email(token, &account, ct.ptr, ct.len, &b);
	if (v == ERR_OK && (b.len == 0 || b.len > LIMIT_EMAIL))
		v = ERR_DENIED;
	put_status_bytes(c, v, b.data, b.len);
	return 0;
}

static int op_index(struct vcall *c)
{
	char kind[64], value[LIMIT_EMAIL + 64];
	msg_get_str(&c->r, kind, sizeof(kind));
	msg_get_str(&c->r, value, sizeof(value));
	if (msg_end(&c->r) != 0)
		return -1;
	uint8_t h[HASH_BYTES];
	vault_local_index(kind, value, h);
	put_status_bytes(c, ERR_OK, h, sizeof(h));
	return 0;
}

static int op_patient_create(struct vcall *c)
{
	struct id patient;
	msg_get_id(&c->r, &patient);
	struct bytes phi = get_bytes(&c->r, 16 * 1024);
	if (msg_end(&c->r) != 0)
		return -1;
	struct buf wk, ct;
	buf_init(&wk, &c->ar, LIMIT_WRAPPED_KEY);
	buf_init(&ct, &c->ar, LIMIT_VAULT_RECORD);
	int v = vault_local_patient_create(&patient, phi.ptr, phi.len, &wk, &ct);
	put_status_bytes(c, v, wk.data, wk.len);
	if (v == ERR_OK)
		msg_put_bytes(&c->w, ct.data, ct.len);
	return 0;
}

/* The head of a record operation: token, patient, wrapped patient key, kind, record. */
struct record_req {
	char tokbuf[SESSION_TOKEN_B64_LEN + 1];
	const char *token;
	struct id patient, record;
	struct bytes wpk;
	uint8_t kind;
};

static void get_record(struct msg_reader *r, struct record_req *q)
{
	q->token = get_token(r, q->tokbuf);
	msg_get_id(r, &q->patient);
	q->wpk = get_bytes(r, 256);
	q->kind = msg_get_u8(r);
	msg_get_id(r, &q->record);
}

static int op_record_open(struct vcall *c)
{
	struct record_req q;
	get_record(&c->r, &q);
	struct bytes ct = get_bytes(&c->r, 20 * 1024);
	if (msg_end(&c->r) != 0 || q.kind >= VREC_COUNT)
		return -1;
	struct buf pt;
	buf_init(&pt, &c->ar, LIMIT_VAULT_RECORD);
	int v = vault_local_record_open(q.token, &q.patient, q.wpk, (enum vault_record)q.kind,
					&q.record, ct, &pt);
	put_status_bytes(c, v, pt.data, pt.len);
	return 0;
}

static int op_record_seal(struct vcall *c)
{
	struct record_req q;
	get_record(&c->r, &q);
	struct bytes pt = get_bytes(&c->r, RECORD_PLAINTEXT_MAX);
	/* A worker seals only the portal's records and, to correct the register, demographics
	 * (vault_local_record_seal: staff or a practice system only); never notices, and only
	 * with a session token. */
	if (msg_end(&c->r) != 0 || q.token == NULL || q.kind == VREC_NOTICE || q.kind >= VREC_COUNT)
		return -1;
	struct buf ct;
	buf_init(&ct, &c->ar, RECORD_PLAINTEXT_MAX + 256);
	int v = vault_local_record_seal(q.token, &q.patient, q.wpk, (enum vault_record)q.kind,
					&q.record, pt.ptr, pt.len, &ct);
	put_status_bytes(c, v, ct.data, ct.len);
	return 0;
}

static int op_doc_new_key(struct vcall *c)
{
	char tokbuf[SESSION_TOKEN_B64_LEN + 1];
	struct id patient, doc;
	const char *token = get_token(&c->r, tokbuf);
	msg_get_id(&c->r, &patient);
	struct bytes wpk = get_bytes(&c->r, 256);
	msg_get_id(&c->r, &doc);
	if (msg_end(&c->r) != 0)
		return -1;
	struct key dk;
	struct buf wk;
	buf_init(&wk, &c->ar, LIMIT_WRAPPED_KEY);
	int v = vault_local_doc_new_key(token, &patient, wpk, &doc, &dk, &wk);
	put_status_bytes(c, v, dk.b, KEY_BYTES);
	if (v == ERR_OK)
		msg_put_bytes(&c->w, wk.data, wk.len);
	key_wipe(&dk);
	return 0;
}

/* u8 count, then per job: token, patient, wrapped patient key, document, wrapped document key,
 * size. The answer is OK with, per job, a status and a key when it is OK. Each job is checked
 * and counted on its own, as if asked alone. */
static int op_doc_keys(struct vcall *c)
{
	uint8_t count = msg_get_u8(&c->r);
	if (c->r.failed || count == 0 || count > VAULT_BATCH_MAX)
		return -1;
	struct {
		const char *token;
		char tokbuf[SESSION_TOKEN_B64_LEN + 1];
		struct id patient, doc;
		struct bytes wpk, wdk;
		uint64_t size;
	} *jobs = arena_calloc(&c->ar, count, sizeof(*jobs));
	if (jobs == NULL)
		return -1;
	for (uint8_t i = 0; i < count; i++) {
		jobs[i].token = get_token(&c->r, jobs[i].tokbuf);
		msg_get_id(&c->r, &jobs[i].patient);
		jobs[i].wpk = get_bytes(&c->r, 256);
		msg_get_id(&c->r, &jobs[i].doc);
		jobs[i].wdk = get_bytes(&c->r, 256);
		jobs[i].size = msg_get_u64(&c->r);
		if (jobs[i].size > INT64_MAX)
			c->r.failed = true;
	}
	if (msg_end(&c->r) != 0)
		return -1;
	put_status(c, ERR_OK);
	for (uint8_t i = 0; i < count; i++) {
		struct key dk;
		int v = vault_local_doc_key(jobs[i].token, &jobs[i].patient, jobs[i].wpk, &jobs[i].doc,
					    jobs[i].wdk, (int64_t)jobs[i].size, &dk);
		msg_put_u8(&c->w, v == ERR_OK ? ERR_OK : v == ERR_TRIPPED ? ERR_TRIPPED : ERR_DENIED);
		if (v == ERR_OK)
			msg_put_bytes(&c->w, dk.b, KEY_BYTES);
		key_wipe(&dk);
	}
	return 0;
}

static int op_totp_new(struct vcall *c)
{
	char tokbuf[SESSION_TOKEN_B64_LEN + 1];
	const char *token;
	struct session_claims claims;
	if (get_token_only(c, tokbuf, &token) != 0)
		return -1;
	char secret[TOTP_SECRET_B32_LEN + 1];
	struct buf sealed;
	buf_init(&sealed, &c->ar, LIMIT_SEALED_SECRET);
	int v = token && vault_token_claims(token, strlen(token), &claims) == 0
			? vault_local_totp_new(&claims.account, secret, &sealed)
			: ERR_DENIED;
	put_status(c, v);
	if (v == ERR_OK) {
		msg_put_str(&c->w, secret);
		msg_put_bytes(&c->w, sealed.data, sealed.len);
	}
	wipe(secret, sizeof(secret));
	return 0;
}

static int op_totp_verify(struct vcall *c)
{
	char tokbuf[SESSION_TOKEN_B64_LEN + 1];
	char code[16];
	const char *token = get_token(&c->r, tokbuf);
	struct bytes sealed = get_bytes(&c->r, 256);
	msg_get_str(&c->r, code, sizeof(code));
	uint64_t last = msg_get_u64(&c->r);
	if (msg_end(&c->r) != 0 || last > INT64_MAX)
		return -1;
	int64_t step = 0;
	char nt[SESSION_TOKEN_B64_LEN + 1];
	struct id session;
	int v = vault_local_totp_verify(token, sealed, code, (int64_t)last, &step, nt, &session);
	put_status(c, v);
	if (v == ERR_OK) {
		msg_put_u64(&c->w, (uint64_t)step);
		msg_put_str(&c->w, nt);
		msg_put_id(&c->w, &session);
	}
	return 0;
}

static int op_recovery_new(struct vcall *c)
{
	char tokbuf[SESSION_TOKEN_B64_LEN + 1];
	const char *token;
	if (get_token_only(c, tokbuf, &token) != 0)
		return -1;
	char codes[RECOVERY_CODES][RECOVERY_CODE_LEN + 1];
	uint8_t hashes[RECOVERY_CODES][HASH_BYTES];
	int v = vault_local_recovery_new(token, codes, hashes);
	put_status(c, v);
	for (int i = 0; v == ERR_OK && i < RECOVERY_CODES; i++) {
		msg_put_str(&c->w, codes[i]);
		msg_put_bytes(&c->w, hashes[i], HASH_BYTES);
	}
	wipe(codes, sizeof(codes));
	return 0;
}

static int op_recovery_verify(struct vcall *c)
{
	char tokbuf[SESSION_TOKEN_B64_LEN + 1];
	char code[32];
	uint8_t hashes[RECOVERY_CODES][HASH_BYTES];
	memset(hashes, 0, sizeof(hashes));
	const char *token = get_token(&c->r, tokbuf);
	msg_get_str(&c->r, code, sizeof(code));
	uint8_t count = msg_get_u8(&c->r);
	if (count > RECOVERY_CODES)
		return -1;
	for (uint8_t i = 0; i < count; i++) {
		struct bytes h = get_bytes(&c->r, HASH_BYTES);
		if (c->r.failed || h.len != HASH_BYTES)
			break;
		memcpy(hashes[i], h.ptr, HASH_BYTES);
	}
	if (msg_end(&c->r) != 0)
		return -1;
	size_t index = 0;
	char nt[SESSION_TOKEN_B64_LEN + 1];
	struct id session;
	int v = vault_local_recovery_verify(token, code, (const uint8_t(*)[HASH_BYTES])hashes, count,
					    &index, nt, &session);
	put_status(c, v);
	if (v == ERR_OK) {
		msg_put_u8(&c->w, (uint8_t)index);
		msg_put_str(&c->w, nt);
		msg_put_id(&c->w, &session);
	}
	return 0;
}

/* An account's address (the account, or the account-to-be): sealing for any worker; opening
 * for the mail lane only (the table below). */
static int email_op(struct vcall *c, bool seal)
{
	char email[LIMIT_EMAIL + 1];
	struct id account;
	struct bytes ct = {NULL, 0};
	msg_get_id(&c->r, &account);
	if (seal)
		msg_get_str(&c->r, email, sizeof(email));
	else
		ct = get_bytes(&c->r, 1024);
	if (msg_end(&c->r) != 0)
		return -1;
	struct buf b;
	buf_init(&b, &c->ar, LIMIT_EMAIL_BUF);
	int v = seal ? vault_local_email(&account, email, NULL, 0, &b)
		     : vault_local_email(&account, NULL, ct.ptr, ct.len, &b);
	if (v == ERR_OK && !seal && (b.len == 0 || b.len > LIMIT_EMAIL))
		v = ERR_DENIED;
	put_status_bytes(c, v, b.data, b.len);
	wipe(email, sizeof(email));
	return 0;
}

static int op_email_seal(struct vcall *c)
{
	return email_op(c, true);
}

static int op_email_open(struct vcall *c)
{
	return email_op(c, false);
}

/* A queued mail's body, for the account it goes to: sealing for any worker; opening for the
 * mail lane only. */
static int outbox_op(struct vcall *c, bool seal)
{
	struct id outbox, account;
	msg_get_id(&c->r, &outbox);
	msg_get_id(&c->r, &account);
	struct bytes in = get_bytes(&c->r, seal ? LIMIT_MAIL_BODY : LIMIT_MAIL_BODY + LIMIT_SEAL_OVERHEAD_MARGIN);
	if (msg_end(&c->r) != 0)
		return -1;
	struct buf b;
	buf_init(&b, &c->ar, LIMIT_MAIL_BODY + LIMIT_SEAL_OVERHEAD_MARGIN);
	int v = ERR_DENIED;
	if (seal) {
		/* a body is text: no NUL inside */
		char *body = arena_alloc(&c->ar, in.len + 1);
		if (body != NULL && memchr(in.ptr, 0, in.len) == NULL) {
			memcpy(body, in.ptr, in.len);
			body[in.len] = '\0';
			v = vault_local_outbox(&outbox, &account, body, NULL, 0, &b);
			wipe(body, in.len);
		}
	} else {
		v = vault_local_outbox(&outbox, &account, NULL, in.ptr, in.len, &b);
	}
	put_status_bytes(c, v, b.data, b.len);
	return 0;
}

static int op_outbox_seal(struct vcall *c)
{
	return outbox_op(c, true);
}

static int op_outbox_open(struct vcall *c)
{
	return outbox_op(c, false);
}

/* A queued feed message's key: a new one (any worker: the one queueing it), or an existing
 * one unwrapped for staff of its practice (the token's claims, vault_feedq.c). */
static int feedq_key_op(struct vcall *c, bool fresh)
{
	char tokbuf[SESSION_TOKEN_B64_LEN + 1];
	struct id item, practice;
	const char *token = fresh ? NULL : get_token(&c->r, tokbuf);
	msg_get_id(&c->r, &item);
	msg_get_id(&c->r, &practice);
	struct bytes wrapped = fresh ? (struct bytes){NULL, 0} : get_bytes(&c->r, LIMIT_WRAPPED_KEY);
	/* a move's binding (vault_feedq.c): 0 none, 1 wrap again, 2 open the bound copy */
	uint8_t mode = fresh ? 0 : msg_get_u8(&c->r);
	struct feedq_move mv;
	memset(&mv, 0, sizeof(mv));
	if (mode != 0) {
		msg_get_id(&c->r, &mv.patient);
		mv.has_from = msg_get_u8(&c->r) == 1;
		msg_get_id(&c->r, &mv.from);
		mv.bind = mode == 1;
	}
	if (msg_end(&c->r) != 0 || (!fresh && wrapped.ptr == NULL) || mode > 2)
		return -1;
	struct key k;
	struct buf wk;
	buf_init(&wk, &c->ar, LIMIT_WRAPPED_KEY);
	int v = vault_local_feedq_key(token, &item, &practice, wrapped, &k,
				      fresh || mode == 1 ? &wk : NULL, mode ? &mv : NULL);
	put_status_bytes(c, v, k.b, KEY_BYTES);
	if (v == ERR_OK && (fresh || mode == 1))
		msg_put_bytes(&c->w, wk.data, wk.len);
	key_wipe(&k);
	return 0;
}

static int op_feedq_key_new(struct vcall *c)
{
	return feedq_key_op(c, true);
}

static int op_feedq_key_open(struct vcall *c)
{
	return feedq_key_op(c, false);
}

static int op_passkey_challenge(struct vcall *c)
{
	char tokbuf[SESSION_TOKEN_B64_LEN + 1];
	const char *token = get_token(&c->r, tokbuf);
	uint8_t purpose = msg_get_u8(&c->r);
	if (msg_end(&c->r) != 0)
		return -1;
	uint8_t ch[WEBAUTHN_CHALLENGE_BYTES];
	int v = vault_local_passkey_challenge(token, purpose, ch);
	put_status_bytes(c, v, ch, sizeof(ch));
	return 0;
}

static int op_passkey_register(struct vcall *c)
{
	char tokbuf[SESSION_TOKEN_B64_LEN + 1];
	const char *token = get_token(&c->r, tokbuf);
	struct bytes cd = get_bytes(&c->r, WEBAUTHN_CLIENT_DATA_MAX);
	struct bytes att = get_bytes(&c->r, WEBAUTHN_ATTESTATION_MAX);
	if (msg_end(&c->r) != 0)
		return -1;
	struct webauthn_credential *cred = arena_alloc(&c->ar, sizeof(*cred));
	uint8_t mac[PASSKEY_MAC_BYTES];
	int v = cred ? vault_local_passkey_register(token, cd.ptr, cd.len, att.ptr, att.len, cred, mac)
		     : ERR_DENIED;
	put_status(c, v);
	if (v == ERR_OK) {
		msg_put_bytes(&c->w, cred->id, cred->id_len);
		msg_put_u8(&c->w, (uint8_t)-cred->key.alg);
		msg_put_bytes(&c->w, cred->key.pub, cred->key.pub_len);
		msg_put_u64(&c->w, cred->sign_count);
		msg_put_u8(&c->w, cred->user_verified ? 1 : 0);
		msg_put_bytes(&c->w, mac, sizeof(mac));
	}
	return 0;
}

static int op_passkey_verify(struct vcall *c)
{
	char tokbuf[SESSION_TOKEN_B64_LEN + 1];
	const char *token = get_token(&c->r, tokbuf);
	struct webauthn_credential *cred = arena_alloc(&c->ar, sizeof(*cred));
	if (cred == NULL)
		return -1;
	memset(cred, 0, sizeof(*cred));
	struct bytes id = get_bytes(&c->r, WEBAUTHN_CRED_ID_MAX);
	uint8_t alg = msg_get_u8(&c->r);
	struct bytes pub = get_bytes(&c->r, WEBAUTHN_PUBKEY_MAX);
	uint64_t stored = msg_get_u64(&c->r);
	struct bytes mac = get_bytes(&c->r, PASSKEY_MAC_BYTES);
	struct bytes cd = get_bytes(&c->r, WEBAUTHN_CLIENT_DATA_MAX);
	struct bytes ad = get_bytes(&c->r, WEBAUTHN_AUTH_DATA_MAX);
	struct bytes sig = get_bytes(&c->r, WEBAUTHN_SIG_MAX);
	if (msg_end(&c->r) != 0 || stored > UINT32_MAX || mac.len != PASSKEY_MAC_BYTES)
		return -1;
	memcpy(cred->id, id.ptr, id.len);
	cred->id_len = id.len;
	cred->key.alg = alg == 7 ? WEBAUTHN_ES256 : alg == 8 ? WEBAUTHN_EDDSA : 0;
	memcpy(cred->key.pub, pub.ptr, pub.len);
	cred->key.pub_len = pub.len;
	cred->sign_count = (uint32_t)stored;
	uint32_t count = 0;
	char nt[SESSION_TOKEN_B64_LEN + 1];
	struct id session;
	int v = vault_local_passkey_verify(token, cred, mac.ptr, cd.ptr, cd.len, ad.ptr, ad.len,
					   sig.ptr, sig.len, &count, nt, &session);
	put_status(c, v);
	if (v == ERR_OK) {
		msg_put_u64(&c->w, count);
		msg_put_str(&c->w, nt);
		msg_put_id(&c->w, &session);
	}
	return 0;
}

/* Signing what the worker says the chain head is: a worker cannot make the trail lie about
 * records the vault never saw, but it cannot forge signatures either. */
static int op_checkpoint_sign(struct vcall *c)
{
	uint64_t seq = msg_get_u64(&c->r), ts = msg_get_u64(&c->r);
	struct bytes head = get_bytes(&c->r, HASH_BYTES);
	if (msg_end(&c->r) != 0 || head.len != HASH_BYTES || seq > INT64_MAX || ts > INT64_MAX)
		return -1;
	uint8_t sig[SIGNATURE_BYTES], kid[KEY_ID_BYTES];
	int v = vault_local_checkpoint_sign((int64_t)seq, (int64_t)ts, head.ptr, sig, kid) == 0
			? ERR_OK
			: ERR_DENIED;
	put_status_bytes(c, v, sig, sizeof(sig));
	if (v == ERR_OK)
		msg_put_bytes(&c->w, kid, sizeof(kid));
	return 0;
}

/*
 * Who may ask what. Each connection is one lane, and each lane has its peers: the key lane is
 * the workers' quick key operations (and the parent's at start-up); the password lane, the
 * workers' password checks, on a thread of their own; the mail lane, the outbox sender alone,
 * which may open addresses and mail bodies and nothing else; the breaker lane, the node's sync
 * process alone, which may exchange breaker facts and nothing else. No operation is on two
 * lanes.
 */
#define KEYS (1u << LANE_KEYS)
#define PASSWORDS (1u << LANE_PASSWORDS)
#define MAIL (1u << LANE_MAIL)
#define BREAKER (1u << LANE_BREAKER)

struct vault_op_entry {
	unsigned lanes; /* bits: 1 << enum vault_lane */
	int (*handle)(struct vcall *c);
};

static const struct vault_op_entry op_table[] = {
	[VOP_LOGIN] = {PASSWORDS, op_login},
	[VOP_MISS] = {KEYS, op_miss},
	[VOP_INDEX] = {KEYS, op_index},
	[VOP_PATIENT_CREATE] = {KEYS, op_patient_create},
	[VOP_PHI_OPEN] = {KEYS, op_record_open},
	[VOP_DOC_NEW_KEY] = {KEYS, op_doc_new_key},
	[VOP_DOC_KEYS] = {KEYS, op_doc_keys},
	[VOP_TOTP_NEW] = {KEYS, op_totp_new},
	[VOP_TOTP_VERIFY] = {KEYS, op_totp_verify},
	[VOP_RECOVERY_NEW] = {KEYS, op_recovery_new},
	[VOP_RECOVERY_VERIFY] = {KEYS, op_recovery_verify},
	[VOP_CHECKPOINT_SIGN] = {KEYS, op_checkpoint_sign},
	[VOP_RECORD_SEAL] = {KEYS, op_record_seal},
	[VOP_EMAIL_SEAL] = {KEYS, op_email_seal},
	[VOP_EMAIL_OPEN] = {MAIL, op_email_open},
	[VOP_PASSKEY_CHALLENGE] = {KEYS, op_passkey_challenge},
	[VOP_PASSKEY_REGISTER] = {KEYS, op_passkey_register},
	[VOP_PASSKEY_VERIFY] = {KEYS, op_passkey_verify},
	[VOP_APP_TOKEN] = {KEYS, op_app_token},
	[VOP_SYSTEM_TOKEN] = {KEYS, op_system_token},
	[VOP_READ] = {KEYS, op_read},
	[VOP_UNLOCK] = {KEYS, op_unlock},
	[VOP_REVIEW_EMAIL] = {KEYS, op_review_email},
	[VOP_OUTBOX_SEAL] = {KEYS, op_outbox_seal},
	[VOP_OUTBOX_OPEN] = {MAIL, op_outbox_open},
	[VOP_FEEDQ_KEY_NEW] = {KEYS, op_feedq_key_new},
	[VOP_FEEDQ_KEY_OPEN] = {KEYS, op_feedq_key_open},
	[VOP_REFRESH_ISSUE] = {KEYS, op_refresh_issue},
	[VOP_REFRESH_USE] = {KEYS, op_refresh_use},
	[VOP_ID_TOKEN] = {KEYS, op_id_token},
	[VOP_OIDC_JWK] = {KEYS, op_oidc_jwk},
	[VOP_BREAKER_EXCHANGE] = {BREAKER, op_breaker_exchange},
};

static const struct vault_op_entry *op_entry(uint8_t op)
{
	if (op >= sizeof(op_table) / sizeof(op_table[0]) || op_table[op].handle == NULL)
		return NULL;
	return &op_table[op];
}

int vault_handle(const uint8_t *frame, size_t n, uint8_t *out, size_t *out_len)
{
	struct vcall c = {.out = out};
	*out_len = 0;
	if (msg_open(&c.r, frame, n, &c.op) != 0)
		return -1;
	const struct vault_op_entry *e = op_entry(c.op);
	if (e == NULL)
		return -1;
	arena_init(&c.ar, VAULT_CALL_ARENA);
	int rc = e->handle(&c);
	arena_release(&c.ar);
	if (rc == 0) {
		*out_len = msg_finish(&c.w);
		if (*out_len == 0)
			rc = -1;
	}
	return rc;
}

int vault_handle_lane(enum vault_lane lane, const uint8_t *frame, size_t n, uint8_t *out,
		      size_t *out_len)
{
	*out_len = 0;
	const struct vault_op_entry *e = op_entry(n >= 6 ? frame[5] : 0);
	if (e == NULL || !(e->lanes & (1u << lane)))
		return -1;
	return vault_handle(frame, n, out, out_len);
}
