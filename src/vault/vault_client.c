/*
 * The remote client (struct vault_client_ops, vault_int.h): a worker's side of the vault
 * socket. Each operation encodes its request frame, exchanges it (one request at a time on
 * each connection: a mutex; requests are short) and decodes the answer; document keys go in
 * batches through the key lane below. A lost vault is fatal for the worker: without keys it
 * can serve nothing, and the parent restarts it with a fresh connection.
 */
#include <errno.h>
#include <pthread.h>
#include <sodium.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "limits.h"
#include "proc/msg.h"
#include "util/log.h"
#include "util/wipe.h"
#include "vault/vault_int.h"

/* Two connections: one for the quick key operations of every request, one for password
 * checks, which take the better part of a tenth of a second each and must never hold up the
 * others. */
static int vault_fd = -1, login_fd = -1;
static pthread_mutex_t call_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_mutex_t login_lock = PTHREAD_MUTEX_INITIALIZER;

void vault_remote_connect(int fd, int password_fd)
{
	vault_fd = fd;
	login_fd = password_fd;
}

/* One request and its answer. */
struct exchange {
	uint8_t req[MSG_MAX], resp[MSG_MAX];
	struct msg_writer w; /* the request, from begin() */
	struct msg_reader r; /* the answer's fields after its status, after send_request() */
	size_t got;          /* bytes of resp used */
};

static struct msg_writer *begin(struct exchange *x, uint8_t op)
{
	x->got = 0;
	msg_begin(&x->w, x->req, sizeof(x->req), op);
	return &x->w;
}

/* Wipe what went each way (passwords, plaintexts, keys). */
static void end(struct exchange *x)
{
	wipe(x->req, x->w.len);
	wipe(x->resp, x->got);
}

/* Send the request and read the answer: returns its status, with x->r positioned after it, or
 * exits when the vault is gone or answers nonsense. */
static enum err send_request(struct exchange *x)
{
	size_t n = msg_finish(&x->w);
	if (n == 0)
		return ERR_DENIED; /* request too large: refuse, nothing sent */
	bool slow = x->req[5] == VOP_LOGIN;
	pthread_mutex_t *lock = slow ? &login_lock : &call_lock;
	int fd = slow ? login_fd : vault_fd;
	pthread_mutex_lock(lock);
	ssize_t sent = send(fd, x->req, n, MSG_NOSIGNAL);
	ssize_t got = sent == (ssize_t)n ? recv(fd, x->resp, MSG_MAX, 0) : -1;
	pthread_mutex_unlock(lock);
	uint8_t status = 0;
	if (got <= 0 || msg_open(&x->r, x->resp, (size_t)got, &status) != 0)
		fatalx("the vault connection was lost (errno %d)", errno);
	x->got = (size_t)got;
	switch (status) {
	case ERR_OK:
		return ERR_OK;
	case ERR_TRIPPED:
		return ERR_TRIPPED;
	case ERR_APP_STOPPED:
		return ERR_APP_STOPPED;
	default:
		return ERR_DENIED;
	}
}

static void put_token(struct msg_writer *w, const char *token)
{
	msg_put_str(w, token ? token : "");
}

/* Append a byte string field of the answer to out. */
static int take_bytes(struct msg_reader *r, struct buf *out, size_t max)
{
	const uint8_t *p;
	size_t n;
	msg_get_bytes(r, &p, &n, max);
	if (r->failed)
		return -1;
	buf_append(out, p, n);
	return out->failed ? -1 : 0;
}

/* A byte string field of exactly n bytes, copied to out. */
static int take_exact(struct msg_reader *r, void *out, size_t n)
{
	const uint8_t *p;
	size_t got;
	msg_get_bytes(r, &p, &got, n);
	if (r->failed || got != n)
		return -1;
	memcpy(out, p, n);
	return 0;
}

/* An answer that is one byte string (at most max) appended to out: ERR_DENIED when it is
 * malformed. */
static enum err answer_bytes(struct exchange *x, int rc, struct buf *out, size_t max)
{
	if (rc == ERR_OK && (take_bytes(&x->r, out, max) != 0 || msg_end(&x->r) != 0))
		rc = ERR_DENIED;
	end(x);
	return rc;
}

/* The new token and session id that a successful second factor brings back. */
static int take_reminted(struct msg_reader *r, char new_token[SESSION_TOKEN_B64_LEN + 1],
			 struct id *session)
{
	msg_get_str(r, new_token, SESSION_TOKEN_B64_LEN + 1);
	msg_get_id(r, session);
	return (r->failed || strlen(new_token) != SESSION_TOKEN_B64_LEN || msg_end(r) != 0) ? -1 : 0;
}

static enum err remote_login(const char *pw_hash, const char *password, size_t pw_len,
			     const struct session_claims *claims, char token[SESSION_TOKEN_B64_LEN + 1])
{
	struct exchange x;
	struct msg_writer *w = begin(&x, VOP_LOGIN);
	msg_put_str(w, pw_hash);
	msg_put_bytes(w, password, pw_len);
	msg_put_u8(w, claims ? 1 : 0);
	if (claims) {
		msg_put_id(w, &claims->session);
		msg_put_id(w, &claims->account);
		msg_put_u8(w, (uint8_t)claims->role);
		msg_put_u8(w, claims->has_patient);
		msg_put_id(w, &claims->patient);
		msg_put_u8(w, claims->has_practice);
		msg_put_id(w, &claims->practice);
		msg_put_u64(w, (uint64_t)claims->issued);
	}
	int rc = send_request(&x);
	if (rc == ERR_OK) {
		msg_get_str(&x.r, token, SESSION_TOKEN_B64_LEN + 1);
		if (msg_end(&x.r) != 0 || strlen(token) != SESSION_TOKEN_B64_LEN)
			fatalx("the vault sent a malformed token");
	}
	end(&x);
	return rc == ERR_OK ? 0 : -1;
}

/* The answer to a request that brings back only a status. */
static enum err status_only(struct exchange *x)
{
	int rc = send_request(x);
	end(x);
	return rc;
}

static enum err remote_miss(const char *token)
{
	struct exchange x;
	put_token(begin(&x, VOP_MISS), token);
	return status_only(&x);
}

static enum err remote_read(const char *token, const struct id *patient, int64_t bytes)
{
	struct exchange x;
	struct msg_writer *w = begin(&x, VOP_READ);
	put_token(w, token);
	msg_put_id(w, patient);
	msg_put_u64(w, (uint64_t)(bytes > 0 ? bytes : 0));
	return status_only(&x);
}

static enum err remote_unlock(const char *token, const struct id *account, int64_t issued,
			      const uint8_t *mac, size_t mac_len)
{
	struct exchange x;
	struct msg_writer *w = begin(&x, VOP_UNLOCK);
	put_token(w, token);
	msg_put_id(w, account);
	msg_put_u64(w, (uint64_t)(issued > 0 ? issued : 0));
	msg_put_bytes(w, mac ? (const void *)mac : (const void *)"", mac ? mac_len : 0);
	int rc = send_request(&x);
	if (msg_end(&x.r) != 0)
		fatalx("the vault sent a malformed unlock answer");
	end(&x);
	return rc;
}

static enum err remote_index(const char *kind, const char *value, uint8_t out[HASH_BYTES])
{
	struct exchange x;
	struct msg_writer *w = begin(&x, VOP_INDEX);
	msg_put_str(w, kind);
	msg_put_str(w, value);
	int rc = send_request(&x);
	if (rc == ERR_OK && (take_exact(&x.r, out, HASH_BYTES) != 0 || msg_end(&x.r) != 0))
		fatalx("the vault sent a malformed index");
	end(&x);
	return rc == ERR_OK ? 0 : -1;
}

static enum err remote_review_email(const char *token, const struct id *account, const void *ct,
				    size_t n, struct buf *out)
{
	struct exchange x;
	struct msg_writer *w = begin(&x, VOP_REVIEW_EMAIL);
	put_token(w, token);
	msg_put_id(w, account);
	msg_put_bytes(w, ct, n);
	return answer_bytes(&x, send_request(&x), out, LIMIT_EMAIL);
}

static enum err remote_patient_create(const struct id *patient, const void *phi, size_t phi_len,
				      struct buf *wrapped_key, struct buf *phi_ct)
{
	struct exchange x;
	struct msg_writer *w = begin(&x, VOP_PATIENT_CREATE);
	msg_put_id(w, patient);
	msg_put_bytes(w, phi, phi_len);
	int rc = send_request(&x);
	if (rc == ERR_OK &&
	    (take_bytes(&x.r, wrapped_key, 256) != 0 || take_bytes(&x.r, phi_ct, MSG_MAX) != 0 ||
	     msg_end(&x.r) != 0))
		rc = ERR_DENIED;
	end(&x);
	return rc;
}

/* Whose record and with which key, as the record operations send it. */
static void put_record(struct msg_writer *w, const char *token, const struct id *patient,
		       struct bytes wrapped_pk, enum vault_record kind, const struct id *record)
{
	static const struct id none;
	put_token(w, token);
	msg_put_id(w, patient);
	msg_put_bytes(w, wrapped_pk.ptr, wrapped_pk.len);
	msg_put_u8(w, (uint8_t)kind);
	msg_put_id(w, record ? record : &none);
}

static enum err remote_record_open(const char *token, const struct id *patient, struct bytes wrapped_pk,
				   enum vault_record kind, const struct id *record, struct bytes ct,
				   struct buf *out)
{
	struct exchange x;
	struct msg_writer *w = begin(&x, VOP_PHI_OPEN);
	put_record(w, token, patient, wrapped_pk, kind, record);
	msg_put_bytes(w, ct.ptr, ct.len);
	return answer_bytes(&x, send_request(&x), out, MSG_MAX);
}

static enum err remote_record_seal(const char *token, const struct id *patient, struct bytes wrapped_pk,
				   enum vault_record kind, const struct id *record, const void *pt,
				   size_t n, struct buf *out)
{
	struct exchange x;
	struct msg_writer *w = begin(&x, VOP_RECORD_SEAL);
	put_record(w, token, patient, wrapped_pk, kind, record);
	msg_put_bytes(w, pt, n);
	return answer_bytes(&x, send_request(&x), out, MSG_MAX);
}

static int take_key(struct msg_reader *r, struct key *key)
{
	return take_exact(r, key->b, KEY_BYTES);
}

static enum err remote_doc_new_key(const char *token, const struct id *patient, struct bytes wrapped_pk,
				   const struct id *document, struct key *dk, struct buf *wrapped_dk)
{
	struct exchange x;
	struct msg_writer *w = begin(&x, VOP_DOC_NEW_KEY);
	put_token(w, token);
	msg_put_id(w, patient);
	msg_put_bytes(w, wrapped_pk.ptr, wrapped_pk.len);
	msg_put_id(w, document);
	int rc = send_request(&x);
	if (rc == ERR_OK &&
	    (take_key(&x.r, dk) != 0 || take_bytes(&x.r, wrapped_dk, 256) != 0 || msg_end(&x.r) != 0))
		rc = ERR_DENIED;
	end(&x);
	if (rc != ERR_OK)
		key_wipe(dk);
	return rc;
}

static void remote_doc_keys(struct vault_key_job *const *jobs, size_t n)
{
	static _Thread_local struct exchange x;
	for (size_t i = 0; i < n; i++) {
		jobs[i]->rc = ERR_DENIED;
		key_wipe(&jobs[i]->key);
	}
	if (n == 0 || n > VAULT_BATCH_MAX)
		return;
	struct msg_writer *w = begin(&x, VOP_DOC_KEYS);
	msg_put_u8(w, (uint8_t)n);
	for (size_t i = 0; i < n; i++) {
		put_token(w, jobs[i]->token);
		msg_put_id(w, &jobs[i]->patient);
		msg_put_bytes(w, jobs[i]->wrapped_pk.ptr, jobs[i]->wrapped_pk.len);
		msg_put_id(w, &jobs[i]->document);
		msg_put_bytes(w, jobs[i]->wrapped_dk.ptr, jobs[i]->wrapped_dk.len);
		msg_put_u64(w, (uint64_t)jobs[i]->size);
	}
	if (send_request(&x) == ERR_OK) {
		for (size_t i = 0; i < n && !x.r.failed; i++) {
			uint8_t st = msg_get_u8(&x.r);
			if (st == ERR_OK && take_key(&x.r, &jobs[i]->key) == 0)
				jobs[i]->rc = ERR_OK;
			else if (st == ERR_TRIPPED)
				jobs[i]->rc = ERR_TRIPPED;
		}
		if (msg_end(&x.r) != 0)
			fatalx("the vault sent a malformed batch of keys");
	}
	wipe(x.resp, x.got);
}

/*
 * The key lane: one thread that takes the jobs every serving thread has submitted, asks the
 * vault for all of them in one message and runs their continuations. Under load a batch
 * gathers while the previous one is answered, so the round trip is paid per batch, not per
 * request.
 */
static pthread_mutex_t lane_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t lane_cond = PTHREAD_COND_INITIALIZER;
static pthread_cond_t lane_idle = PTHREAD_COND_INITIALIZER;
static struct vault_key_job *lane_head, *lane_tail;
static size_t lane_pending; /* submitted and not yet done */
static bool lane_started;

static void *key_lane(void *arg)
{
	(void)arg;
	struct vault_key_job *taken[VAULT_BATCH_MAX];
	for (;;) {
		pthread_mutex_lock(&lane_lock);
		while (lane_head == NULL)
			pthread_cond_wait(&lane_cond, &lane_lock);
		size_t n = 0;
		while (lane_head != NULL && n < VAULT_BATCH_MAX) {
			taken[n++] = lane_head;
			lane_head = lane_head->next;
		}
		if (lane_head == NULL)
			lane_tail = NULL;
		pthread_mutex_unlock(&lane_lock);
		remote_doc_keys(taken, n);
		for (size_t i = 0; i < n; i++)
			taken[i]->done(taken[i], taken[i]->ctx);
		pthread_mutex_lock(&lane_lock);
		lane_pending -= n;
		if (lane_pending == 0)
			pthread_cond_broadcast(&lane_idle);
		pthread_mutex_unlock(&lane_lock);
	}
	return NULL;
}

/* Queue a job for the lane; false when there is no lane (and none can be started). */
static bool remote_submit(struct vault_key_job *job)
{
	pthread_mutex_lock(&lane_lock);
	if (!lane_started) {
		pthread_t t;
		lane_started = pthread_create(&t, NULL, key_lane, NULL) == 0;
		if (lane_started)
			pthread_detach(t);
	}
	bool ok = lane_started;
	if (ok) {
		job->next = NULL;
		if (lane_tail)
			lane_tail->next = job;
		else
			lane_head = job;
		lane_tail = job;
		lane_pending++;
		pthread_cond_signal(&lane_cond);
	}
	pthread_mutex_unlock(&lane_lock);
	return ok;
}

void vault_key_lane_drain(int timeout_ms)
{
	struct timespec dl;
	clock_gettime(CLOCK_REALTIME, &dl);
	dl.tv_sec += timeout_ms / 1000;
	dl.tv_nsec += (long)(timeout_ms % 1000) * 1000000;
	if (dl.tv_nsec >= 1000000000) {
		dl.tv_sec++;
		dl.tv_nsec -= 1000000000;
	}
	pthread_mutex_lock(&lane_lock);
	while (lane_pending > 0)
		if (pthread_cond_timedwait(&lane_idle, &lane_lock, &dl) != 0)
			break;
	pthread_mutex_unlock(&lane_lock);
}

static enum err remote_totp_new(const char *token, char secret_b32[TOTP_SECRET_B32_LEN + 1],
				struct buf *sealed)
{
	struct exchange x;
	put_token(begin(&x, VOP_TOTP_NEW), token);
	int rc = send_request(&x);
	if (rc == ERR_OK) {
		msg_get_str(&x.r, secret_b32, TOTP_SECRET_B32_LEN + 1);
		if (take_bytes(&x.r, sealed, 256) != 0 || msg_end(&x.r) != 0)
			rc = ERR_DENIED;
	}
	end(&x);
	return rc;
}

static enum err remote_totp_verify(const char *token, struct bytes sealed, const char *code,
				   int64_t last_step, int64_t *step,
				   char new_token[SESSION_TOKEN_B64_LEN + 1], struct id *session)
{
	struct exchange x;
	struct msg_writer *w = begin(&x, VOP_TOTP_VERIFY);
	put_token(w, token);
	msg_put_bytes(w, sealed.ptr, sealed.len);
	msg_put_str(w, code);
	msg_put_u64(w, (uint64_t)last_step);
	int rc = send_request(&x);
	if (rc == ERR_OK) {
		*step = (int64_t)msg_get_u64(&x.r);
		if (take_reminted(&x.r, new_token, session) != 0)
			rc = ERR_DENIED;
	}
	end(&x);
	return rc;
}

static enum err remote_app_token(const char *token, char new_token[SESSION_TOKEN_B64_LEN + 1],
				 struct id *session)
{
	struct exchange x;
	put_token(begin(&x, VOP_APP_TOKEN), token);
	int rc = send_request(&x);
	if (rc == ERR_OK && take_reminted(&x.r, new_token, session) != 0)
		rc = ERR_DENIED;
	end(&x);
	return rc;
}

static enum err remote_refresh_issue(const char *app_token, bool offline,
				     char refresh[SESSION_TOKEN_B64_LEN + 1], struct id *family)
{
	struct exchange x;
	struct msg_writer *w = begin(&x, VOP_REFRESH_ISSUE);
	put_token(w, app_token);
	msg_put_u8(w, offline ? 1 : 0);
	int rc = send_request(&x);
	if (rc == ERR_OK && take_reminted(&x.r, refresh, family) != 0)
		rc = ERR_DENIED;
	end(&x);
	return rc;
}

static enum err remote_refresh_use(const char *refresh, struct vault_refreshed *out)
{
	memset(out, 0, sizeof(*out));
	struct exchange x;
	put_token(begin(&x, VOP_REFRESH_USE), refresh);
	int rc = send_request(&x);
	if (rc == ERR_OK) {
		struct msg_reader *r = &x.r;
		msg_get_str(r, out->access_token, sizeof(out->access_token));
		msg_get_id(r, &out->session);
		msg_get_str(r, out->refresh_token, sizeof(out->refresh_token));
		msg_get_id(r, &out->family);
		msg_get_id(r, &out->account);
		msg_get_id(r, &out->patient);
		out->mfa = msg_get_u8(r) != 0;
		if (r->failed || strlen(out->access_token) != SESSION_TOKEN_B64_LEN ||
		    strlen(out->refresh_token) != SESSION_TOKEN_B64_LEN || msg_end(r) != 0) {
			wipe(out, sizeof(*out));
			rc = ERR_DENIED;
		}
	}
	end(&x);
	return rc;
}

static enum err remote_id_token(const char *app_token, const char *iss, const char *client_id,
				const char *nonce, bool fhir_user, char *out, size_t max)
{
	struct exchange x;
	struct msg_writer *w = begin(&x, VOP_ID_TOKEN);
	put_token(w, app_token);
	msg_put_str(w, iss ? iss : "");
	msg_put_str(w, client_id ? client_id : "");
	msg_put_bytes(w, nonce ? nonce : "", nonce ? strlen(nonce) : 0);
	msg_put_u8(w, fhir_user ? 1 : 0);
	int rc = send_request(&x);
	if (rc == ERR_OK) {
		msg_get_str(&x.r, out, max);
		if (x.r.failed || msg_end(&x.r) != 0)
			rc = ERR_DENIED;
	}
	end(&x);
	return rc;
}

static enum err remote_oidc_jwk(char xs[VAULT_JWK_X_LEN + 1], char kid[2 * 8 + 1])
{
	struct exchange x;
	begin(&x, VOP_OIDC_JWK);
	int rc = send_request(&x);
	if (rc == ERR_OK) {
		msg_get_str(&x.r, xs, VAULT_JWK_X_LEN + 1);
		msg_get_str(&x.r, kid, 2 * 8 + 1);
		if (x.r.failed || msg_end(&x.r) != 0)
			rc = ERR_DENIED;
	}
	end(&x);
	return rc;
}

static enum err remote_breaker_exchange(const struct breaker_event *in, size_t n_in,
					struct breaker_event *out, size_t max_out, size_t *n_out,
					uint64_t *dropped)
{
	struct exchange x;
	struct msg_writer *w = begin(&x, VOP_BREAKER_EXCHANGE);
	msg_put_u64(w, n_in);
	for (size_t i = 0; i < n_in; i++)
		breaker_event_put(w, &in[i]);
	msg_put_u64(w, max_out);
	int rc = send_request(&x);
	if (rc == ERR_OK) {
		*dropped = msg_get_u64(&x.r);
		uint64_t n = msg_get_u64(&x.r);
		if (n > max_out)
			x.r.failed = true;
		for (uint64_t i = 0; i < n && !x.r.failed; i++)
			breaker_event_get(&x.r, &out[i]);
		if (x.r.failed || msg_end(&x.r) != 0)
			rc = ERR_DENIED;
		else
			*n_out = (size_t)n;
	}
	end(&x);
	return rc;
}

static enum err remote_system_token(const struct id *system, const struct id *practice,
				    char token[SESSION_TOKEN_B64_LEN + 1], struct id *session)
{
	struct exchange x;
	struct msg_writer *w = begin(&x, VOP_SYSTEM_TOKEN);
	msg_put_id(w, system);
	msg_put_id(w, practice);
	int rc = send_request(&x);
	if (rc == ERR_OK && take_reminted(&x.r, token, session) != 0)
		rc = ERR_DENIED;
	end(&x);
	return rc;
}

static enum err remote_recovery_new(const char *token, char codes[RECOVERY_CODES][RECOVERY_CODE_LEN + 1],
				    uint8_t hashes[RECOVERY_CODES][HASH_BYTES])
{
	struct exchange x;
	put_token(begin(&x, VOP_RECOVERY_NEW), token);
	int rc = send_request(&x);
	for (int i = 0; rc == ERR_OK && i < RECOVERY_CODES; i++) {
		msg_get_str(&x.r, codes[i], RECOVERY_CODE_LEN + 1);
		if (take_exact(&x.r, hashes[i], HASH_BYTES) != 0)
			rc = ERR_DENIED;
	}
	if (rc == ERR_OK && msg_end(&x.r) != 0)
		rc = ERR_DENIED;
	end(&x);
	return rc;
}

static enum err remote_recovery_verify(const char *token, const char *code,
				       const uint8_t (*hashes)[HASH_BYTES], size_t n, size_t *index,
				       char new_token[SESSION_TOKEN_B64_LEN + 1], struct id *session)
{
	struct exchange x;
	struct msg_writer *w = begin(&x, VOP_RECOVERY_VERIFY);
	put_token(w, token);
	msg_put_str(w, code);
	msg_put_u8(w, (uint8_t)n);
	for (size_t i = 0; i < n; i++)
		msg_put_bytes(w, hashes[i], HASH_BYTES);
	int rc = send_request(&x);
	if (rc == ERR_OK) {
		*index = msg_get_u8(&x.r);
		if (take_reminted(&x.r, new_token, session) != 0 || *index >= n)
			rc = ERR_DENIED;
	}
	end(&x);
	return rc;
}

static enum err remote_checkpoint_sign(int64_t seq, int64_t ts_ms, const uint8_t head[HASH_BYTES],
				       uint8_t sig[SIGNATURE_BYTES], uint8_t key_id[KEY_ID_BYTES])
{
	struct exchange x;
	struct msg_writer *w = begin(&x, VOP_CHECKPOINT_SIGN);
	msg_put_u64(w, (uint64_t)seq);
	msg_put_u64(w, (uint64_t)ts_ms);
	msg_put_bytes(w, head, HASH_BYTES);
	int rc = send_request(&x) == ERR_OK && take_exact(&x.r, sig, SIGNATURE_BYTES) == 0 &&
			 take_exact(&x.r, key_id, KEY_ID_BYTES) == 0 && msg_end(&x.r) == 0
		 ? 0
		 : -1;
	end(&x);
	return rc;
}

static enum err remote_email(const struct id *account, const char *email, const void *ct, size_t n,
			     struct buf *out)
{
	struct exchange x;
	struct msg_writer *w = begin(&x, email ? VOP_EMAIL_SEAL : VOP_EMAIL_OPEN);
	msg_put_id(w, account);
	if (email)
		msg_put_str(w, email);
	else
		msg_put_bytes(w, ct, n);
	return answer_bytes(&x, send_request(&x), out, 2048);
}

static enum err remote_outbox(const struct id *outbox, const struct id *account, const char *body,
			      const void *ct, size_t n, struct buf *out)
{
	struct exchange x;
	struct msg_writer *w = begin(&x, body ? VOP_OUTBOX_SEAL : VOP_OUTBOX_OPEN);
	msg_put_id(w, outbox);
	msg_put_id(w, account);
	if (body)
		msg_put_bytes(w, body, strlen(body));
	else
		msg_put_bytes(w, ct, n);
	return answer_bytes(&x, send_request(&x), out, LIMIT_MAIL_BODY + LIMIT_SEAL_OVERHEAD_MARGIN);
}

static enum err remote_feedq_key(const char *token, const struct id *item, const struct id *practice,
				 struct bytes wrapped, struct key *k, struct buf *wrapped_out,
				 const struct feedq_move *mv)
{
	struct exchange x;
	bool fresh = wrapped.ptr == NULL;
	bool bind = mv != NULL && mv->bind;
	struct msg_writer *w = begin(&x, fresh ? VOP_FEEDQ_KEY_NEW : VOP_FEEDQ_KEY_OPEN);
	if (!fresh)
		put_token(w, token);
	msg_put_id(w, item);
	msg_put_id(w, practice);
	if (!fresh) {
		msg_put_bytes(w, wrapped.ptr, wrapped.len);
		/* 0: the message's own key; 1: wrap it again for a move; 2: a move's copy */
		msg_put_u8(w, mv == NULL ? 0 : bind ? 1 : 2);
		if (mv != NULL) {
			msg_put_id(w, &mv->patient);
			msg_put_u8(w, mv->has_from ? 1 : 0);
			msg_put_id(w, &mv->from);
		}
	}
	int rc = send_request(&x);
	if (rc == ERR_OK &&
	    (take_key(&x.r, k) != 0 ||
	     ((fresh || bind) && take_bytes(&x.r, wrapped_out, LIMIT_WRAPPED_KEY) != 0) ||
	     msg_end(&x.r) != 0))
		rc = ERR_DENIED;
	end(&x);
	if (rc != ERR_OK)
		key_wipe(k);
	return rc;
}

static enum err remote_passkey_challenge(const char *token, int purpose,
					 uint8_t challenge[WEBAUTHN_CHALLENGE_BYTES])
{
	struct exchange x;
	struct msg_writer *w = begin(&x, VOP_PASSKEY_CHALLENGE);
	put_token(w, token);
	msg_put_u8(w, (uint8_t)purpose);
	int rc = send_request(&x);
	if (rc == ERR_OK &&
	    (take_exact(&x.r, challenge, WEBAUTHN_CHALLENGE_BYTES) != 0 || msg_end(&x.r) != 0))
		rc = ERR_DENIED;
	end(&x);
	return rc;
}

/* A registered credential and its MAC, as VOP_PASSKEY_REGISTER answers them. */
static int take_credential(struct msg_reader *r, struct webauthn_credential *cred,
			   uint8_t mac[PASSKEY_MAC_BYTES])
{
	const uint8_t *id, *pub;
	size_t idn, pubn;
	memset(cred, 0, sizeof(*cred));
	msg_get_bytes(r, &id, &idn, WEBAUTHN_CRED_ID_MAX);
	uint8_t alg = msg_get_u8(r);
	msg_get_bytes(r, &pub, &pubn, WEBAUTHN_PUBKEY_MAX);
	uint64_t count = msg_get_u64(r);
	uint8_t uv = msg_get_u8(r);
	if (take_exact(r, mac, PASSKEY_MAC_BYTES) != 0 || msg_end(r) != 0 || count > UINT32_MAX ||
	    (alg != 7 && alg != 8))
		return -1;
	memcpy(cred->id, id, idn);
	cred->id_len = idn;
	cred->key.alg = -(int)alg;
	memcpy(cred->key.pub, pub, pubn);
	cred->key.pub_len = pubn;
	cred->sign_count = (uint32_t)count;
	cred->user_verified = uv != 0;
	return 0;
}

static enum err remote_passkey_register(const char *token, const uint8_t *client_data,
					size_t client_data_len, const uint8_t *attestation,
					size_t attestation_len, struct webauthn_credential *cred,
					uint8_t mac[PASSKEY_MAC_BYTES])
{
	struct exchange x;
	struct msg_writer *w = begin(&x, VOP_PASSKEY_REGISTER);
	put_token(w, token);
	msg_put_bytes(w, client_data, client_data_len);
	msg_put_bytes(w, attestation, attestation_len);
	int rc = send_request(&x);
	if (rc == ERR_OK && take_credential(&x.r, cred, mac) != 0)
		rc = ERR_DENIED;
	end(&x);
	return rc;
}

static enum err remote_passkey_verify(const char *token, const struct webauthn_credential *cred,
				      const uint8_t mac[PASSKEY_MAC_BYTES], const uint8_t *client_data,
				      size_t client_data_len, const uint8_t *auth_data,
				      size_t auth_data_len, const uint8_t *sig, size_t sig_len,
				      uint32_t *sign_count, char new_token[SESSION_TOKEN_B64_LEN + 1],
				      struct id *session)
{
	struct exchange x;
	struct msg_writer *w = begin(&x, VOP_PASSKEY_VERIFY);
	put_token(w, token);
	msg_put_bytes(w, cred->id, cred->id_len);
	msg_put_u8(w, (uint8_t)-cred->key.alg);
	msg_put_bytes(w, cred->key.pub, cred->key.pub_len);
	msg_put_u64(w, cred->sign_count);
	msg_put_bytes(w, mac, PASSKEY_MAC_BYTES);
	msg_put_bytes(w, client_data, client_data_len);
	msg_put_bytes(w, auth_data, auth_data_len);
	msg_put_bytes(w, sig, sig_len);
	int rc = send_request(&x);
	if (rc == ERR_OK) {
		uint64_t count = msg_get_u64(&x.r);
		if (take_reminted(&x.r, new_token, session) != 0 || count > UINT32_MAX)
			rc = ERR_DENIED;
		else
			*sign_count = (uint32_t)count;
	}
	end(&x);
	return rc;
}

const struct vault_client_ops vault_remote_client = {
	.holds_keys = false,
	.login = remote_login,
	.app_token = remote_app_token,
	.refresh_issue = remote_refresh_issue,
	.refresh_use = remote_refresh_use,
	.id_token = remote_id_token,
	.oidc_jwk = remote_oidc_jwk,
	.breaker_exchange = remote_breaker_exchange,
	.system_token = remote_system_token,
	.miss = remote_miss,
	.read = remote_read,
	.unlock = remote_unlock,
	.review_email = remote_review_email,
	.index = remote_index,
	.patient_create = remote_patient_create,
	.record_open = remote_record_open,
	.record_seal = remote_record_seal,
	.doc_new_key = remote_doc_new_key,
	.doc_keys = remote_doc_keys,
	.submit = remote_submit,
	.email = remote_email,
	.outbox = remote_outbox,
	.feedq_key = remote_feedq_key,
	.totp_new = remote_totp_new,
	.totp_verify = remote_totp_verify,
	.recovery_new = remote_recovery_new,
	.recovery_verify = remote_recovery_verify,
	.checkpoint_sign = remote_checkpoint_sign,
	.passkey_challenge = remote_passkey_challenge,
	.passkey_register = remote_passkey_register,
	.passkey_verify = remote_passkey_verify,
};
