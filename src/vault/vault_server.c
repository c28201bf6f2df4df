/*
 * The vault process. It holds the master key and the session-token MAC key, counts every
 * key it opens against the exfiltration breaker, and talks to nobody but the workers whose
 * sockets the parent hands it (over ctl_fd, SCM_RIGHTS) and the parent itself. It has no
 * network and no database. Each request is one frame (src/proc/msg.h); a malformed frame ends
 * that worker's connection (the worker then dies and the parent restarts it).
 */
#include <errno.h>
#include <poll.h>
#include <sodium.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <fcntl.h>
#include <pthread.h>
#include <unistd.h>

#include "limits.h"
#include "proc/msg.h"
#include "util/log.h"
#include "vault/vault.h"
#include "vault/vault_int.h"

#define VAULT_MAX_PEERS 8

static void put_status(struct msg_writer *w, uint8_t *out, int rc)
{
	msg_begin(w, out, MSG_MAX, rc == VAULT_OK	     ? VST_OK
				   : rc == VAULT_TRIPPED     ? VST_TRIPPED
				   : rc == VAULT_APP_STOPPED ? VST_APP_STOPPED
							     : VST_DENIED);
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

int vault_handle(const uint8_t *frame, size_t n, uint8_t *out, size_t *out_len)
{
	struct msg_reader r;
	struct msg_writer w;
	uint8_t op;
	char tokbuf[SESSION_TOKEN_B64_LEN + 1];
	const uint8_t *p, *q;
	size_t pn, qn;
	struct id patient, doc;
	struct arena ar;
	int rc = -1;
	*out_len = 0;
	if (msg_open(&r, frame, n, &op) != 0)
		return -1;
	arena_init(&ar, 4 * MSG_MAX);
	switch (op) {
	case VOP_LOGIN: {
		char hash[PWHASH_STR_BYTES];
		struct session_claims c;
		memset(&c, 0, sizeof(c));
		msg_get_str(&r, hash, sizeof(hash));
		msg_get_bytes(&r, &p, &pn, LIMIT_PASSWORD);
		uint8_t has = msg_get_u8(&r);
		if (has) {
			msg_get_id(&r, &c.session);
			msg_get_id(&r, &c.account);
			uint8_t role = msg_get_u8(&r);
			c.role = role <= ROLE_OPERATOR ? (enum role)role : ROLE_NONE;
			c.has_patient = msg_get_u8(&r) != 0;
			msg_get_id(&r, &c.patient);
			c.has_practice = msg_get_u8(&r) != 0;
			msg_get_id(&r, &c.practice);
			c.issued = (int64_t)msg_get_u64(&r);
		}
		if (msg_end(&r) != 0 || has > 1)
			break;
		char token[SESSION_TOKEN_B64_LEN + 1];
		int ok = vault_local_login(hash, (const char *)p, pn, has ? &c : NULL, token);
		put_status(&w, out, ok == 0 ? VAULT_OK : VAULT_DENIED);
		if (ok == 0)
			msg_put_str(&w, token);
		sodium_memzero(token, sizeof(token));
		rc = 0;
		break;
	}
	case VOP_APP_TOKEN: {
		const char *token = get_token(&r, tokbuf);
		if (msg_end(&r) != 0)
			break;
		char nt[SESSION_TOKEN_B64_LEN + 1];
		struct id session;
		int v = vault_local_app_token(token, nt, &session);
		put_status(&w, out, v);
		if (v == VAULT_OK) {
			msg_put_str(&w, nt);
			msg_put_id(&w, &session);
		}
		sodium_memzero(nt, sizeof(nt));
		rc = 0;
		break;
	}
	case VOP_MISS: {
		const char *token = get_token(&r, tokbuf);
		if (msg_end(&r) != 0)
			break;
		put_status(&w, out, vault_local_miss(token));
		rc = 0;
		break;
	}
	case VOP_READ: {
		const char *token = get_token(&r, tokbuf);
		msg_get_id(&r, &patient);
		uint64_t bytes = msg_get_u64(&r);
		if (msg_end(&r) != 0 || bytes > INT64_MAX / 4)
			break;
		put_status(&w, out, vault_local_read(token, &patient, (int64_t)bytes));
		rc = 0;
		break;
	}
	case VOP_UNLOCK: {
		/* A reviewer's token, or none and a ticket: the account, its issue time, its MAC. */
		const char *token = get_token(&r, tokbuf);
		struct id account;
		msg_get_id(&r, &account);
		uint64_t issued = msg_get_u64(&r);
		msg_get_bytes(&r, &p, &pn, UNLOCK_TICKET_MAC_BYTES);
		if (msg_end(&r) != 0 || issued > INT64_MAX)
			break;
		put_status(&w, out, vault_local_unlock(token, &account, (int64_t)issued,
						       token ? NULL : p, token ? 0 : pn));
		rc = 0;
		break;
	}
	case VOP_REVIEW_EMAIL: {
		const char *token = get_token(&r, tokbuf);
		struct id account;
		msg_get_id(&r, &account);
		msg_get_bytes(&r, &p, &pn, 1024);
		if (msg_end(&r) != 0)
			break;
		struct buf b;
		buf_init(&b, &ar, 2048);
		int v = vault_local_review_email(token, &account, p, pn, &b);
		if (v == VAULT_OK && (b.len == 0 || b.len > LIMIT_EMAIL))
			v = VAULT_DENIED;
		put_status(&w, out, v);
		if (v == VAULT_OK)
			msg_put_bytes(&w, b.data, b.len);
		rc = 0;
		break;
	}
	case VOP_INDEX: {
		char kind[64], value[LIMIT_EMAIL + 64];
		msg_get_str(&r, kind, sizeof(kind));
		msg_get_str(&r, value, sizeof(value));
		if (msg_end(&r) != 0)
			break;
		uint8_t h[HASH_BYTES];
		vault_local_index(kind, value, h);
		put_status(&w, out, VAULT_OK);
		msg_put_bytes(&w, h, sizeof(h));
		rc = 0;
		break;
	}
	case VOP_PATIENT_CREATE: {
		msg_get_id(&r, &patient);
		msg_get_bytes(&r, &p, &pn, 16 * 1024);
		if (msg_end(&r) != 0)
			break;
		struct buf wk, ct;
		buf_init(&wk, &ar, 256);
		buf_init(&ct, &ar, 20 * 1024);
		int v = vault_local_patient_create(&patient, p, pn, &wk, &ct);
		put_status(&w, out, v);
		if (v == VAULT_OK) {
			msg_put_bytes(&w, wk.data, wk.len);
			msg_put_bytes(&w, ct.data, ct.len);
		}
		rc = 0;
		break;
	}
	case VOP_PHI_OPEN: {
		const char *token = get_token(&r, tokbuf);
		msg_get_id(&r, &patient);
		msg_get_bytes(&r, &p, &pn, 256);
		uint8_t kind = msg_get_u8(&r);
		msg_get_id(&r, &doc);
		msg_get_bytes(&r, &q, &qn, 20 * 1024);
		if (msg_end(&r) != 0 || kind >= VREC_COUNT)
			break;
		struct buf pt;
		buf_init(&pt, &ar, 20 * 1024);
		int v = vault_local_record_open(token, &patient, (struct bytes){p, pn},
						(enum vault_record)kind, &doc, (struct bytes){q, qn}, &pt);
		put_status(&w, out, v);
		if (v == VAULT_OK)
			msg_put_bytes(&w, pt.data, pt.len);
		rc = 0;
		break;
	}
	case VOP_RECORD_SEAL: {
		const char *token = get_token(&r, tokbuf);
		msg_get_id(&r, &patient);
		msg_get_bytes(&r, &p, &pn, 256);
		uint8_t kind = msg_get_u8(&r);
		msg_get_id(&r, &doc);
		msg_get_bytes(&r, &q, &qn, RECORD_PLAINTEXT_MAX);
		/* A worker seals only the portal's records, never demographics or notices, and
		 * only with a session token. */
		if (msg_end(&r) != 0 || token == NULL || kind <= VREC_NOTICE || kind >= VREC_COUNT)
			break;
		struct buf ct;
		buf_init(&ct, &ar, RECORD_PLAINTEXT_MAX + 256);
		int v = vault_local_record_seal(token, &patient, (struct bytes){p, pn},
						(enum vault_record)kind, &doc, q, qn, &ct);
		put_status(&w, out, v);
		if (v == VAULT_OK)
			msg_put_bytes(&w, ct.data, ct.len);
		rc = 0;
		break;
	}
	case VOP_DOC_NEW_KEY: {
		const char *token = get_token(&r, tokbuf);
		msg_get_id(&r, &patient);
		msg_get_bytes(&r, &p, &pn, 256);
		msg_get_id(&r, &doc);
		if (msg_end(&r) != 0)
			break;
		struct key dk;
		struct buf wk;
		buf_init(&wk, &ar, 256);
		int v = vault_local_doc_new_key(token, &patient, (struct bytes){p, pn}, &doc, &dk, &wk);
		put_status(&w, out, v);
		if (v == VAULT_OK) {
			msg_put_bytes(&w, dk.b, KEY_BYTES);
			msg_put_bytes(&w, wk.data, wk.len);
		}
		key_wipe(&dk);
		rc = 0;
		break;
	}
	case VOP_DOC_KEYS: {
		/* u8 count, then per job: token, patient, wrapped patient key, document, wrapped
		 * document key, size. The answer is OK with, per job, a status and a key when it
		 * is OK. Each job is checked and counted on its own, as if asked alone. */
		uint8_t count = msg_get_u8(&r);
		if (r.failed || count == 0 || count > VAULT_BATCH_MAX)
			break;
		struct {
			const char *token;
			char tokbuf[SESSION_TOKEN_B64_LEN + 1];
			struct id patient, doc;
			struct bytes wpk, wdk;
			uint64_t size;
		} *jobs = arena_calloc(&ar, count, sizeof(*jobs));
		if (jobs == NULL)
			break;
		for (uint8_t i = 0; i < count; i++) {
			jobs[i].token = get_token(&r, jobs[i].tokbuf);
			msg_get_id(&r, &jobs[i].patient);
			msg_get_bytes(&r, &p, &pn, 256);
			jobs[i].wpk = (struct bytes){p, pn};
			msg_get_id(&r, &jobs[i].doc);
			msg_get_bytes(&r, &q, &qn, 256);
			jobs[i].wdk = (struct bytes){q, qn};
			jobs[i].size = msg_get_u64(&r);
			if (jobs[i].size > INT64_MAX)
				r.failed = true;
		}
		if (msg_end(&r) != 0)
			break;
		put_status(&w, out, VAULT_OK);
		for (uint8_t i = 0; i < count; i++) {
			struct key dk;
			int v = vault_local_doc_key(jobs[i].token, &jobs[i].patient, jobs[i].wpk,
						    &jobs[i].doc, jobs[i].wdk, (int64_t)jobs[i].size, &dk);
			msg_put_u8(&w, v == VAULT_OK ? VST_OK : v == VAULT_TRIPPED ? VST_TRIPPED : VST_DENIED);
			if (v == VAULT_OK)
				msg_put_bytes(&w, dk.b, KEY_BYTES);
			key_wipe(&dk);
		}
		rc = 0;
		break;
	}
	case VOP_TOTP_NEW: {
		const char *token = get_token(&r, tokbuf);
		struct session_claims c;
		if (msg_end(&r) != 0)
			break;
		char secret[TOTP_SECRET_B32_LEN + 1];
		struct buf sealed;
		buf_init(&sealed, &ar, 256);
		int v = token && vault_token_claims(token, strlen(token), &c) == 0
				? vault_local_totp_new(&c.account, secret, &sealed)
				: VAULT_DENIED;
		put_status(&w, out, v);
		if (v == VAULT_OK) {
			msg_put_str(&w, secret);
			msg_put_bytes(&w, sealed.data, sealed.len);
		}
		sodium_memzero(secret, sizeof(secret));
		rc = 0;
		break;
	}
	case VOP_TOTP_VERIFY: {
		const char *token = get_token(&r, tokbuf);
		char code[16];
		msg_get_bytes(&r, &p, &pn, 256);
		msg_get_str(&r, code, sizeof(code));
		uint64_t last = msg_get_u64(&r);
		if (msg_end(&r) != 0 || last > INT64_MAX)
			break;
		int64_t step = 0;
		char nt[SESSION_TOKEN_B64_LEN + 1];
		struct id session;
		int v = vault_local_totp_verify(token, (struct bytes){p, pn}, code, (int64_t)last, &step,
						nt, &session);
		put_status(&w, out, v);
		if (v == VAULT_OK) {
			msg_put_u64(&w, (uint64_t)step);
			msg_put_str(&w, nt);
			msg_put_id(&w, &session);
		}
		rc = 0;
		break;
	}
	case VOP_RECOVERY_NEW: {
		const char *token = get_token(&r, tokbuf);
		if (msg_end(&r) != 0)
			break;
		char codes[RECOVERY_CODES][RECOVERY_CODE_LEN + 1];
		uint8_t hashes[RECOVERY_CODES][HASH_BYTES];
		int v = vault_local_recovery_new(token, codes, hashes);
		put_status(&w, out, v);
		for (int i = 0; v == VAULT_OK && i < RECOVERY_CODES; i++) {
			msg_put_str(&w, codes[i]);
			msg_put_bytes(&w, hashes[i], HASH_BYTES);
		}
		sodium_memzero(codes, sizeof(codes));
		rc = 0;
		break;
	}
	case VOP_RECOVERY_VERIFY: {
		const char *token = get_token(&r, tokbuf);
		char code[32];
		uint8_t hashes[RECOVERY_CODES][HASH_BYTES];
		msg_get_str(&r, code, sizeof(code));
		uint8_t count = msg_get_u8(&r);
		if (count > RECOVERY_CODES)
			break;
		for (uint8_t i = 0; i < count; i++) {
			msg_get_bytes(&r, &p, &pn, HASH_BYTES);
			if (r.failed || pn != HASH_BYTES)
				break;
			memcpy(hashes[i], p, HASH_BYTES);
		}
		if (msg_end(&r) != 0)
			break;
		size_t index = 0;
		char nt[SESSION_TOKEN_B64_LEN + 1];
		struct id session;
		int v = vault_local_recovery_verify(token, code, (const uint8_t(*)[HASH_BYTES])hashes,
						    count, &index, nt, &session);
		put_status(&w, out, v);
		if (v == VAULT_OK) {
			msg_put_u8(&w, (uint8_t)index);
			msg_put_str(&w, nt);
			msg_put_id(&w, &session);
		}
		rc = 0;
		break;
	}
	case VOP_EMAIL_SEAL:
	case VOP_EMAIL_OPEN: {
		char email[LIMIT_EMAIL + 1];
		msg_get_id(&r, &patient); /* the account (or the account-to-be) */
		if (op == VOP_EMAIL_SEAL)
			msg_get_str(&r, email, sizeof(email));
		else
			msg_get_bytes(&r, &p, &pn, 1024);
		if (msg_end(&r) != 0)
			break;
		struct buf b;
		buf_init(&b, &ar, 2048);
		int v = op == VOP_EMAIL_SEAL ? vault_local_email(&patient, email, NULL, 0, &b)
					     : vault_local_email(&patient, NULL, p, pn, &b);
		if (v == VAULT_OK && op == VOP_EMAIL_OPEN && (b.len == 0 || b.len > LIMIT_EMAIL))
			v = VAULT_DENIED;
		put_status(&w, out, v);
		if (v == VAULT_OK)
			msg_put_bytes(&w, b.data, b.len);
		sodium_memzero(email, sizeof(email));
		rc = 0;
		break;
	}
	case VOP_OUTBOX_SEAL:
	case VOP_OUTBOX_OPEN: {
		struct id outbox;
		msg_get_id(&r, &outbox);
		msg_get_id(&r, &patient); /* the account the mail goes to */
		msg_get_bytes(&r, &p, &pn, op == VOP_OUTBOX_SEAL ? LIMIT_MAIL_BODY : LIMIT_MAIL_BODY + 1024);
		if (msg_end(&r) != 0)
			break;
		struct buf b;
		buf_init(&b, &ar, LIMIT_MAIL_BODY + 1024);
		int v = VAULT_DENIED;
		if (op == VOP_OUTBOX_SEAL) {
			/* a body is text: no NUL inside */
			char *body = arena_alloc(&ar, pn + 1);
			if (body != NULL && memchr(p, 0, pn) == NULL) {
				memcpy(body, p, pn);
				body[pn] = '\0';
				v = vault_local_outbox(&outbox, &patient, body, NULL, 0, &b);
				sodium_memzero(body, pn);
			}
		} else {
			v = vault_local_outbox(&outbox, &patient, NULL, p, pn, &b);
		}
		put_status(&w, out, v);
		if (v == VAULT_OK)
			msg_put_bytes(&w, b.data, b.len);
		rc = 0;
		break;
	}
	case VOP_PASSKEY_CHALLENGE: {
		const char *token = get_token(&r, tokbuf);
		uint8_t purpose = msg_get_u8(&r);
		if (msg_end(&r) != 0)
			break;
		uint8_t ch[WEBAUTHN_CHALLENGE_BYTES];
		int v = vault_local_passkey_challenge(token, purpose, ch);
		put_status(&w, out, v);
		if (v == VAULT_OK)
			msg_put_bytes(&w, ch, sizeof(ch));
		rc = 0;
		break;
	}
	case VOP_PASSKEY_REGISTER: {
		const char *token = get_token(&r, tokbuf);
		msg_get_bytes(&r, &p, &pn, WEBAUTHN_CLIENT_DATA_MAX);
		msg_get_bytes(&r, &q, &qn, WEBAUTHN_ATTESTATION_MAX);
		if (msg_end(&r) != 0)
			break;
		struct webauthn_credential *cred = arena_alloc(&ar, sizeof(*cred));
		uint8_t mac[PASSKEY_MAC_BYTES];
		int v = cred ? vault_local_passkey_register(token, p, pn, q, qn, cred, mac) : VAULT_DENIED;
		put_status(&w, out, v);
		if (v == VAULT_OK) {
			msg_put_bytes(&w, cred->id, cred->id_len);
			msg_put_u8(&w, (uint8_t)-cred->key.alg);
			msg_put_bytes(&w, cred->key.pub, cred->key.pub_len);
			msg_put_u64(&w, cred->sign_count);
			msg_put_u8(&w, cred->user_verified ? 1 : 0);
			msg_put_bytes(&w, mac, sizeof(mac));
		}
		rc = 0;
		break;
	}
	case VOP_PASSKEY_VERIFY: {
		const char *token = get_token(&r, tokbuf);
		struct webauthn_credential *cred = arena_alloc(&ar, sizeof(*cred));
		const uint8_t *mac, *ad, *sig;
		size_t macn, adn, sn;
		if (cred == NULL)
			break;
		memset(cred, 0, sizeof(*cred));
		msg_get_bytes(&r, &p, &pn, WEBAUTHN_CRED_ID_MAX);
		uint8_t alg = msg_get_u8(&r);
		msg_get_bytes(&r, &q, &qn, WEBAUTHN_PUBKEY_MAX);
		uint64_t stored = msg_get_u64(&r);
		msg_get_bytes(&r, &mac, &macn, PASSKEY_MAC_BYTES);
		const uint8_t *cd;
		size_t cdn;
		msg_get_bytes(&r, &cd, &cdn, WEBAUTHN_CLIENT_DATA_MAX);
		msg_get_bytes(&r, &ad, &adn, WEBAUTHN_AUTH_DATA_MAX);
		msg_get_bytes(&r, &sig, &sn, WEBAUTHN_SIG_MAX);
		if (msg_end(&r) != 0 || stored > UINT32_MAX || macn != PASSKEY_MAC_BYTES)
			break;
		memcpy(cred->id, p, pn);
		cred->id_len = pn;
		cred->key.alg = alg == 7 ? WEBAUTHN_ES256 : alg == 8 ? WEBAUTHN_EDDSA : 0;
		memcpy(cred->key.pub, q, qn);
		cred->key.pub_len = qn;
		cred->sign_count = (uint32_t)stored;
		uint32_t count = 0;
		char nt[SESSION_TOKEN_B64_LEN + 1];
		struct id session;
		int v = vault_local_passkey_verify(token, cred, mac, cd, cdn, ad, adn, sig, sn, &count,
						   nt, &session);
		put_status(&w, out, v);
		if (v == VAULT_OK) {
			msg_put_u64(&w, count);
			msg_put_str(&w, nt);
			msg_put_id(&w, &session);
		}
		rc = 0;
		break;
	}
	case VOP_CHECKPOINT_SIGN: {
		/* Signing what the worker says the chain head is: a worker cannot make the trail
		 * lie about records the vault never saw, but it cannot forge signatures either. */
		uint64_t seq = msg_get_u64(&r), ts = msg_get_u64(&r);
		msg_get_bytes(&r, &p, &pn, HASH_BYTES);
		if (msg_end(&r) != 0 || pn != HASH_BYTES || seq > INT64_MAX || ts > INT64_MAX)
			break;
		uint8_t sig[SIGNATURE_BYTES], kid[KEY_ID_BYTES];
		int v = vault_local_checkpoint_sign((int64_t)seq, (int64_t)ts, p, sig, kid) == 0 ? VAULT_OK
												 : VAULT_DENIED;
		put_status(&w, out, v);
		if (v == VAULT_OK) {
			msg_put_bytes(&w, sig, sizeof(sig));
			msg_put_bytes(&w, kid, sizeof(kid));
		}
		rc = 0;
		break;
	}
	default:
		break;
	}
	arena_release(&ar);
	if (rc == 0) {
		*out_len = msg_finish(&w);
		if (*out_len == 0)
			rc = -1;
	}
	return rc;
}

int vault_handle_lane(enum vault_lane lane, const uint8_t *frame, size_t n, uint8_t *out,
		      size_t *out_len)
{
	*out_len = 0;
	uint8_t op = n >= 6 ? frame[5] : 0;
	/* Password checks only on the slow lane; opening addresses only on the mail lane, whose
	 * one peer (the outbox sender) may do nothing else. */
	enum vault_lane needed = op == VOP_LOGIN ? LANE_PASSWORDS
				 : op == VOP_EMAIL_OPEN || op == VOP_OUTBOX_OPEN ? LANE_MAIL
							: LANE_KEYS;
	if (needed != lane)
		return -1;
	return vault_handle(frame, n, out, out_len);
}

/* Receive one file descriptor from the parent and its lane tag; -1 on EOF or error. */
static int receive_fd(int ctl, char *tag)
{
	char data;
	struct iovec iov = {&data, 1};
	union {
		struct cmsghdr align;
		char buf[CMSG_SPACE(sizeof(int))];
	} u;
	struct msghdr m = {.msg_iov = &iov, .msg_iovlen = 1, .msg_control = u.buf,
			   .msg_controllen = sizeof(u.buf)};
	ssize_t n = recvmsg(ctl, &m, MSG_CMSG_CLOEXEC);
	if (n <= 0)
		return -1;
	struct cmsghdr *c = CMSG_FIRSTHDR(&m);
	if (c == NULL || c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS ||
	    c->cmsg_len != CMSG_LEN(sizeof(int)))
		return -1;
	int fd;
	memcpy(&fd, CMSG_DATA(c), sizeof(fd));
	*tag = data;
	return fd;
}

/*
 * One lane's loop: answer the connections in fds[1..] and take new ones from fds[0] (the ctl
 * socket for the key lane; for the password lane, a pipe from the key lane's thread).
 */
struct lane {
	enum vault_lane kind;
	int intake;      /* where new connections come from */
	bool from_parent; /* intake is the parent's ctl socket (SCM_RIGHTS) */
	int hand_to;     /* key lane: the pipe to the password lane */
};

static int lane_loop(const struct lane *l)
{
	static _Thread_local uint8_t in[MSG_MAX + 1], out[MSG_MAX];
	struct pollfd fds[1 + VAULT_MAX_PEERS];
	enum vault_lane kinds[1 + VAULT_MAX_PEERS];
	int npeers = 0;
	fds[0] = (struct pollfd){.fd = l->intake, .events = POLLIN};
	for (;;) {
		if (poll(fds, (nfds_t)(1 + npeers), -1) < 0) {
			if (errno == EINTR)
				continue;
			return 1;
		}
		if (fds[0].revents) {
			char tag = 'k';
			int fd = -1;
			if (l->from_parent) {
				fd = receive_fd(l->intake, &tag);
			} else if (read(l->intake, &fd, sizeof(fd)) != (ssize_t)sizeof(fd)) {
				fd = -1;
			}
			if (fd < 0)
				return 0; /* the parent is gone: so are we */
			if (tag == 'p' && l->hand_to >= 0) {
				if (write(l->hand_to, &fd, sizeof(fd)) != (ssize_t)sizeof(fd))
					close(fd);
			} else if (npeers == VAULT_MAX_PEERS) {
				close(fd);
				log_warn("component=vault error=\"too many workers\"");
			} else {
				kinds[1 + npeers] = tag == 'm' && l->from_parent ? LANE_MAIL : l->kind;
				fds[1 + npeers++] = (struct pollfd){.fd = fd, .events = POLLIN};
			}
		}
		for (int i = 1; i <= npeers; i++) {
			if (!fds[i].revents)
				continue;
			ssize_t n = recv(fds[i].fd, in, sizeof(in), 0);
			size_t out_len = 0;
			bool ok = n > 0 && (size_t)n <= MSG_MAX &&
				  vault_handle_lane(kinds[i], in, (size_t)n, out, &out_len) == 0 &&
				  send(fds[i].fd, out, out_len, MSG_NOSIGNAL) == (ssize_t)out_len;
			sodium_memzero(out, out_len);
			sodium_memzero(in, n > 0 ? (size_t)n : 0);
			if (!ok) {
				if (n > 0)
					log_warn("component=vault error=\"malformed request; closing worker\"");
				close(fds[i].fd);
				fds[i] = fds[npeers];
				kinds[i] = kinds[npeers];
				npeers--;
				i--;
			}
		}
	}
}

static void *password_lane(void *arg)
{
	const struct lane *l = arg;
	lane_loop(l);
	return NULL;
}

int vault_start_password_lane(void)
{
	static struct lane slow;
	int pipefd[2];
	if (pipe2(pipefd, O_CLOEXEC) != 0)
		return -1;
	slow = (struct lane){.kind = LANE_PASSWORDS, .intake = pipefd[0], .hand_to = -1};
	pthread_t t;
	if (pthread_create(&t, NULL, password_lane, &slow) != 0)
		return -1;
	pthread_detach(t);
	return pipefd[1];
}

int vault_serve(int ctl_fd, int password_lane_fd)
{
	/* Password checks (Argon2id, tens of milliseconds each) run on their own thread: a bounded
	 * pool of one, so a flood of logins can never hold up the key operations of reads. */
	struct lane keys = {.kind = LANE_KEYS, .intake = ctl_fd, .from_parent = true,
			    .hand_to = password_lane_fd};
	return lane_loop(&keys);
}
