/*
 * One message on an MLLP connection (see mllp_int.h): parse, identify the feed it comes from,
 * hand it to ingestion as the feed's system actor, and answer with an ACK only once ingestion
 * has returned (by then its effects are durable). Logs carry the feed's id, the message's
 * control id (MSH-10, escaped) and the ACK code: never the message's content.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "crypto/crypto.h"
#include "domain/locks.h"
#include "hl7/mllp.h"
#include "ingest/ingest.h"
#include "limits.h"
#include "mllp/mllp_int.h"
#include "store/feeds.h"
#include "util/log.h"
#include "util/wipe.h"
#include "vault/vault.h"

/* An ACK's own control id (MSH-10): 80 random bits in hex, within v2.4's 20 characters. */
#define ACK_ID_LEN 20
/* A token is re-minted once it is half its life old, so it never ends mid-message. */
#define TOKEN_RENEW_SECONDS (SYSTEM_TOKEN_SECONDS / 2)

static const char *ack_name(enum hl7_ack_code c)
{
	return c == HL7_ACK_AA ? "AA" : c == HL7_ACK_AE ? "AE" : "AR";
}

/* The message's control id, escaped for a log line. */
static void log_control(const struct hl7_msg *m, char out[LOG_CONTROL_MAX])
{
	log_escape(out, LOG_CONTROL_MAX, m->control_id.ptr, m->control_id.len);
}

int mllp_send_ack(struct mllp_conn *c, const struct hl7_msg *m, enum hl7_ack_code code,
		  const struct hl7_error *err)
{
	struct id r;
	char hex[ID_HEX_LEN + 1], ts[32];
	random_id(&r);
	id_hex(&r, hex);
	struct tm tm;
	time_t now = time(NULL);
	gmtime_r(&now, &tm);
	size_t tl = strftime(ts, sizeof(ts), "%Y%m%d%H%M%S+0000", &tm);
	const char *text = "";
	if (err != NULL && err->code != 0)
		text = err->what != NULL ? err->what : hl7_code_text(err->code);
	struct hl7_ack a = {.code = code,
			    .control_id = {hex, ACK_ID_LEN},
			    .timestamp = {ts, tl},
			    .text = {text, strlen(text)},
			    .err = err != NULL && err->code != 0 ? err : NULL};
	char ack[LIMIT_HL7_ACK_BYTES];
	size_t n = 0, framed_len = 0;
	if (hl7_ack(m, &a, ack, sizeof(ack), &n) != 0 ||
	    mllp_frame(ack, n, c->out, sizeof(c->out), &framed_len) != 0)
		return -1;
	char ctl[LOG_CONTROL_MAX];
	log_control(m, ctl);
	log_info("component=mllp event=ack feed=%s control=\"%s\" ack=%s code=%d", c->feed_hex, ctl,
		 ack_name(code), err != NULL ? (int)err->code : 0);
	return mllp_io_write(&c->io, c->out, framed_len, mllp_now() + LIMIT_MLLP_WRITE_SECONDS);
}

/* An error on MSH-4: the sending facility is not the feed's (AR). */
static const struct hl7_error facility_refused = {
	.code = HL7_E_TABLE_VALUE, .segment = "MSH", .seg_seq = 1, .seg_index = 1, .field = 4,
	.what = "Sending facility not registered for this connection"};

static const struct hl7_error service_down = {
	.code = HL7_E_INTERNAL, .what = "Cannot take messages now; send again later"};

/*
 * The feed this message comes from, into *f. 0: found; 1: refused with an AR (the facility is
 * not a feed's, or not this certificate's feed's); -1: close the connection (the certificate's
 * feed was removed); 2: cannot tell now (AR, internal).
 */
static int identify(struct mllp_conn *c, const struct hl7_msg *m, struct store_feed *f)
{
	struct slice msh4 = {"", 0};
	if (hl7_get(m, 0, 4, 0, 0, 0, &msh4) < 0)
		return 1;
	if (c->has_cert) {
		/* Looked up again for every message: a feed removed meanwhile stops here. */
		enum err e = store_feed_get(&c->cert_feed, f);
		if (e == ERR_NOT_FOUND)
			return -1;
		if (e != ERR_OK)
			return 2;
		return msh4.len == strlen(f->facility) && memcmp(msh4.ptr, f->facility, msh4.len) == 0
			       ? 0 : 1;
	}
	if (msh4.len == 0 || msh4.len > LIMIT_FEED_FACILITY)
		return 1;
	char facility[LIMIT_FEED_FACILITY + 1];
	memcpy(facility, msh4.ptr, msh4.len);
	facility[msh4.len] = '\0';
	enum err e = store_feed_by_facility(facility, f);
	if (e == ERR_NOT_FOUND)
		return 1;
	if (e != ERR_OK)
		return 2;
	/* On a plain listener only a feed registered without a certificate is known by MSH-4:
	 * a certificate's feed proves itself with its certificate, never with a string. */
	return f->has_cert ? 1 : 0;
}

/* The feed's system token, minted by the vault for this connection, and again when old or
 * when the connection's messages come from another facility-only feed. */
static enum err system_token(struct mllp_conn *c, const struct store_feed *f)
{
	int64_t now = mllp_now();
	if (c->token[0] != '\0' && id_eq(&c->token_feed, &f->id) &&
	    now - c->token_at < TOKEN_RENEW_SECONDS)
		return ERR_OK;
	wipe(c->token, sizeof(c->token));
	/* A feed the breaker stopped gets no token until a reviewer unlocks it (UNLOCK.md). */
	if (locks_system_held(&f->id))
		return ERR_TRIPPED;
	enum err e = vault_system_token(&f->id, &f->practice, c->token, &c->session);
	if (e != ERR_OK) {
		wipe(c->token, sizeof(c->token));
		return e;
	}
	c->token_feed = f->id;
	c->token_at = now;
	c->token_wall = (int64_t)time(NULL);
	return ERR_OK;
}

/* Hand the message to ingestion as the feed's system actor; *out is the ACK to give. */
static void ingest(struct mllp_conn *c, const struct store_feed *f, struct slice msg,
		   const struct hl7_msg *m, struct ingest_outcome *out)
{
	memset(out, 0, sizeof(*out));
	out->code = HL7_ACK_AR;
	out->err = service_down;
	enum err held = system_token(c, f);
	if (held != ERR_OK) {
		log_warn("component=mllp feed=%s error=\"%s\"", c->feed_hex,
			 held == ERR_TRIPPED ? "held for review" : "no system token");
		return;
	}
	struct actor a;
	ingest_feed_actor_of(&f->id, &f->practice, &c->session, c->token, c->token_wall, c->ip, &a);
	struct ingest_feed in = {.feed = f->id, .practice = f->practice, .actor = &a};
	/* Applied with what the other connections send meanwhile, and durable when it returns. */
	struct ingest_job job = {.f = &in, .raw = msg.ptr, .len = msg.len, .m = m, .out = out};
	enum err e = ingest_submit(&job);
	if (e == ERR_TRIPPED || job.rc == ERR_TRIPPED)
		wipe(c->token, sizeof(c->token)); /* the next message asks again, and is held */
	if (e != ERR_OK) {
		log_warn("component=mllp feed=%s error=\"ingestion refused\" err=%s", c->feed_hex,
			 err_name(e));
		memset(out, 0, sizeof(*out));
		out->code = HL7_ACK_AR;
		out->err = service_down;
	}
}

#ifdef MEDKEEP_CHAOS
/* Fault injection (build/medkeep-chaos only): with MEDKEEP_FAULT=mllp_syscall, a message whose
 * control id is SYSCALL makes the listener call something its filter forbids, to show the
 * filter kills it and serve starts it again. */
static void chaos_syscall(const struct hl7_msg *m)
{
	const char *fault = getenv("MEDKEEP_FAULT");
	if (fault && strcmp(fault, "mllp_syscall") == 0 && m->control_id.len == 7 &&
	    memcmp(m->control_id.ptr, "SYSCALL", 7) == 0)
		syscall(SYS_ptrace, 0 /* PTRACE_TRACEME */, 0, 0, 0);
}
#endif

int mllp_handle_message(struct mllp_conn *c, struct slice msg)
{
	struct hl7_msg m;
	struct hl7_error err;
	memset(&m, 0, sizeof(m));
	memset(&err, 0, sizeof(err));
	if (hl7_parse(msg.ptr, msg.len, c->segs, LIMIT_HL7_SEGMENTS, &m, &err) != 0) {
		if (m.nseg < 1) {
			log_info("component=mllp feed=%s event=unreadable what=\"%s\" close=1",
				 c->feed_hex, err.what ? err.what : "-");
			return -1;
		}
		/* Not supported (type, event, processing id, version): AR; malformed: AE. */
		enum hl7_ack_code code = err.code >= HL7_E_UNSUPPORTED_TYPE ? HL7_ACK_AR : HL7_ACK_AE;
		return mllp_send_ack(c, &m, code, &err);
	}
#ifdef MEDKEEP_CHAOS
	chaos_syscall(&m);
#endif
	struct store_feed f;
	int who = identify(c, &m, &f);
	if (who < 0) {
		log_info("component=mllp feed=%s event=feed-removed close=1", c->feed_hex);
		return -1;
	}
	if (who == 1)
		return mllp_send_ack(c, &m, HL7_ACK_AR, &facility_refused);
	if (who == 2)
		return mllp_send_ack(c, &m, HL7_ACK_AR, &service_down);
	if (!c->has_cert)
		id_hex(&f.id, c->feed_hex);
	struct ingest_outcome out;
	ingest(c, &f, msg, &m, &out);
	return mllp_send_ack(c, &m, out.code, &out.err);
}

/* The MSH alone of a frame too big (its first line), parsed for the AR. */
int mllp_refuse_too_big(struct mllp_conn *c, struct slice prefix)
{
	size_t n = 0;
	while (n < prefix.len && prefix.ptr[n] != '\r' && prefix.ptr[n] != '\n')
		n++;
	struct hl7_msg m;
	struct hl7_error err;
	memset(&m, 0, sizeof(m));
	if (n == prefix.len || (hl7_parse(prefix.ptr, n, c->segs, 1, &m, &err) != 0 && m.nseg < 1))
		return -1;
	static const struct hl7_error too_big = {
		.code = HL7_E_DATA_TYPE, .what = "Message larger than this listener takes"};
	log_info("component=mllp feed=%s event=too-big", c->feed_hex);
	return mllp_send_ack(c, &m, HL7_ACK_AR, &too_big);
}
