/*
 * Ingestion of HL7 v2 messages (ingest.h, docs/internals/FEEDS.md "Ingestion"): the entry
 * point, the duplicate check and the queue's writes. The kinds of message are in
 * ingest_adt.c (the register) and ingest_report.c (results and documents).
 *
 * Order, for every message (ingest_one), inside its batch's store transaction and its own
 * savepoint (ingest_batch.c): claim (feed, MSH-10) in feed_message; apply it through the
 * domain services with the feed as the actor (each one gates, audits, and writes); finish the
 * row with the answer. The batch's audit records are durable before its commit, and the
 * answer is given only after the commit. A message the service cannot take now (the store or
 * the vault failing, the breaker tripped) is undone to its savepoint, claim and all, so that
 * the sender's retry is applied (FEEDS.md "Duplicates", "Batches").
 */
#include "ingest/ingest_int.h"

#include <string.h>
#include <time.h>

#include "audit/audit.h"
#include "domain/nhi.h"
#include "domain/register.h"
#include "limits.h"
#include "store/ingest.h"
#include "util/log.h"
#include "util/wipe.h"
#include "vault/vault.h"

int ingest_text(struct ingest_ctx *c, size_t seg, size_t field, size_t rep, size_t comp,
		size_t sub, const char **out)
{
	struct slice raw;
	*out = "";
	if (seg >= c->m->nseg || hl7_get(c->m, seg, field, rep, comp, sub, &raw) != 0 || raw.len == 0)
		return 0;
	char *t = arena_alloc(c->ar, raw.len + 1);
	size_t n = 0;
	if (t == NULL || hl7_unescape(&c->m->sep, raw, t, raw.len + 1, &n) != 0) {
		*out = NULL;
		return -1;
	}
	t[n] = '\0';
	*out = t;
	return 0;
}

/* The occurrence of segment index seg among the segments with its id, 1-based. */
static size_t seg_seq(const struct hl7_msg *m, size_t seg)
{
	size_t n = 0;
	for (size_t i = 0; i <= seg && i < m->nseg; i++)
		n += strcmp(m->seg[i].id, m->seg[seg].id) == 0;
	return n;
}

enum err ingest_fail(struct ingest_ctx *c, enum hl7_ack_code ack, enum hl7_code code, size_t seg,
		     size_t field, const char *what)
{
	struct ingest_outcome *o = c->out;
	o->code = ack;
	o->queued = false;
	memset(&o->err, 0, sizeof(o->err));
	o->err.code = code;
	o->err.what = what;
	if (seg < c->m->nseg) {
		memcpy(o->err.segment, c->m->seg[seg].id, sizeof(o->err.segment));
		o->err.seg_seq = seg_seq(c->m, seg);
		o->err.seg_index = seg + 1;
		o->err.field = field;
	}
	c->outcome = ack == HL7_ACK_AR ? "rejected" : "error";
	return ERR_OK;
}

/* Is this CX repetition of PID-3 (or MRG-1) the NHI? Its assigning authority (CX-4, an HD
 * whose namespace is the first subcomponent) or its identifier type code (CX-5) says "NHI". */
static bool cx_is_nhi(struct ingest_ctx *c, size_t seg, size_t field, size_t rep)
{
	const char *auth, *type;
	if (ingest_text(c, seg, field, rep, 4, 1, &auth) != 0 ||
	    ingest_text(c, seg, field, rep, 5, 0, &type) != 0)
		return false;
	return strcmp(auth, "NHI") == 0 || strcmp(type, "NHI") == 0;
}

const char *ingest_nhi(struct ingest_ctx *c, size_t seg, size_t field, enum hl7_code *code)
{
	*code = HL7_E_REQUIRED_MISSING;
	if (seg >= c->m->nseg)
		return NULL;
	for (size_t rep = 1; rep <= LIMIT_HL7_REPETITIONS; rep++) {
		struct slice any;
		if (hl7_get(c->m, seg, field, rep, 0, 0, &any) != 0)
			break;
		if (!cx_is_nhi(c, seg, field, rep))
			continue;
		const char *v;
		char *norm = arena_alloc(c->ar, NHI_LEN + 1);
		*code = HL7_E_DATA_TYPE;
		if (norm == NULL || ingest_text(c, seg, field, rep, 1, 0, &v) != 0 ||
		    nhi_normalise(v, strlen(v), norm) != 0)
			return NULL;
		return norm;
	}
	return NULL;
}

enum err ingest_queue_for(struct ingest_ctx *c, const char *reason)
{
	struct store_feedq q;
	memset(&q, 0, sizeof(q));
	if (c->m->control_id.len > LIMIT_HL7_CONTROL_ID)
		return ERR_INTERNAL; /* ingest_hl7 refused it before */
	random_id(&q.id);
	q.practice = c->f->practice;
	q.feed = c->f->feed;
	memcpy(q.control_id, c->m->control_id.ptr, c->m->control_id.len);
	memcpy(q.kind, c->kind, sizeof(q.kind));
	snprintf(q.reason, sizeof(q.reason), "%s", reason);
	q.received = (int64_t)time(NULL);
	q.state = FEEDQ_WAITING;
	struct buf ct;
	buf_init(&ct, c->ar, LIMIT_HL7_MESSAGE_BYTES + LIMIT_SEAL_OVERHEAD_MARGIN);
	if (vault_feedq_seal(&q.id, &q.practice, c->raw, c->len, &ct) != ERR_OK)
		return ERR_INTERNAL;
	q.body_ct = (struct bytes){(const uint8_t *)ct.data, ct.len};
	/* On record before it is kept: the feed put a message in the practice's queue. */
	struct audit_event e = {.actor = c->f->actor, .action = "feed.queue", .rtype = "FeedMessage",
				.rid = &q.id, .outcome = AUDIT_ALLOW};
	if (audit_append(&e) != 0)
		return ERR_INTERNAL;
	enum err rc = store_feedq_insert(&q);
	/* CONFLICT: queued by a run cut short before its answer; that row stands. */
	if (rc != ERR_OK && rc != ERR_CONFLICT)
		return ERR_INTERNAL;
	c->queue_reason = reason;
	c->outcome = "queued";
	c->out->code = HL7_ACK_AA;
	c->out->queued = true;
	return ERR_OK;
}

enum err ingest_patient_at(struct ingest_ctx *c, size_t pid, bool queue, struct id *out)
{
	enum hl7_code code;
	const char *nhi = ingest_nhi(c, pid, 3, &code);
	if (nhi == NULL) {
		ingest_fail(c, HL7_ACK_AE, code, pid, 3, "No valid NHI in PID-3");
		return ERR_NOT_FOUND;
	}
	enum err rc = register_find_nhi(c->f->actor, nhi, out);
	if (rc == ERR_NOT_FOUND) {
		if (!queue) {
			ingest_fail(c, HL7_ACK_AE, HL7_E_UNKNOWN_KEY, pid, 3,
				    "No patient with this NHI here: send their results alone");
			return ERR_NOT_FOUND;
		}
		rc = ingest_queue_for(c, "No patient with this NHI is enrolled at the practice.");
		return rc == ERR_OK ? ERR_NOT_FOUND : rc;
	}
	return rc == ERR_OK || rc == ERR_TRIPPED ? rc : ERR_INTERNAL;
}

enum err ingest_patient(struct ingest_ctx *c, struct id *out)
{
	if (c->patient != NULL) {
		*out = *c->patient;
		return ERR_OK;
	}
	size_t pid = hl7_find(c->m, "PID", 0);
	if (pid == c->m->nseg) {
		ingest_fail(c, HL7_ACK_AE, HL7_E_SEGMENT_SEQUENCE, 0, 0, "No PID segment");
		return ERR_NOT_FOUND;
	}
	return ingest_patient_at(c, pid, true, out);
}

static bool type_is(const struct hl7_msg *m, const char *type, const char *event)
{
	return slice_eq(m->type, type) && (event == NULL || slice_eq(m->event, event));
}

enum err ingest_apply(struct ingest_ctx *c)
{
	const struct hl7_msg *m = c->m;
	snprintf(c->kind, sizeof(c->kind), "%.*s^%.*s", (int)(m->type.len > 3 ? 3 : m->type.len),
		 m->type.ptr, (int)(m->event.len > 3 ? 3 : m->event.len), m->event.ptr);
	c->outcome = "";
	if (type_is(m, "ADT", NULL)) {
		if (type_is(m, "ADT", "A04") || type_is(m, "ADT", "A28") || type_is(m, "ADT", "A08") ||
		    type_is(m, "ADT", "A31") || type_is(m, "ADT", "A40"))
			return ingest_adt(c);
		return ingest_fail(c, HL7_ACK_AR, HL7_E_UNSUPPORTED_EVENT, 0, 9, "Unsupported event");
	}
	if (type_is(m, "ORU", NULL))
		return type_is(m, "ORU", "R01")
			       ? ingest_oru(c)
			       : ingest_fail(c, HL7_ACK_AR, HL7_E_UNSUPPORTED_EVENT, 0, 9, "Unsupported event");
	if (type_is(m, "MDM", NULL))
		return type_is(m, "MDM", "T02")
			       ? ingest_document(c)
			       : ingest_fail(c, HL7_ACK_AR, HL7_E_UNSUPPORTED_EVENT, 0, 9, "Unsupported event");
	if (type_is(m, "REF", NULL))
		return type_is(m, "REF", "I12")
			       ? ingest_document(c)
			       : ingest_fail(c, HL7_ACK_AR, HL7_E_UNSUPPORTED_EVENT, 0, 9, "Unsupported event");
	return ingest_fail(c, HL7_ACK_AR, HL7_E_UNSUPPORTED_TYPE, 0, 9, "Unsupported message type");
}

/* The first answer, from the duplicate check's row. */
static void answer_again(const struct store_feed_message *row, struct ingest_outcome *out)
{
	out->code = row->ack == HL7_ACK_AE ? HL7_ACK_AE : row->ack == HL7_ACK_AR ? HL7_ACK_AR : HL7_ACK_AA;
	out->duplicate = true;
	out->queued = strcmp(row->outcome, "queued") == 0;
	if (row->err_code != 0) {
		out->err.code = (enum hl7_code)row->err_code;
		memcpy(out->err.segment, row->err_segment, sizeof(out->err.segment));
		out->err.seg_seq = (size_t)row->err_seg_seq;
		out->err.field = (size_t)row->err_field;
		out->err.what = hl7_code_text(out->err.code);
	}
}

enum err ingest_one(struct ingest_job *j)
{
	const struct ingest_feed *f = j->f;
	const struct hl7_msg *m = j->m;
	struct ingest_outcome *out = j->out;
	memset(out, 0, sizeof(*out));
	if (f == NULL || f->actor == NULL || m == NULL || m->nseg == 0)
		return ERR_INTERNAL;
	struct ingest_ctx c = {.f = f, .raw = j->raw, .len = j->len, .m = m, .out = out};
	if (m->control_id.len == 0 || m->control_id.len > LIMIT_HL7_CONTROL_ID) {
		/* Nothing to key the duplicate check on: refused, and not remembered. */
		return ingest_fail(&c, HL7_ACK_AR, HL7_E_DATA_TYPE, 0, 10, "Control id too long");
	}
	char control[LIMIT_HL7_CONTROL_ID + 1];
	memcpy(control, m->control_id.ptr, m->control_id.len);
	control[m->control_id.len] = '\0';
	int64_t now = (int64_t)time(NULL);
	struct store_feed_message row;
	/* In the batch's transaction: a copy earlier in the same batch is seen done here. */
	enum err rc = store_feed_message_claim(&f->feed, control, now, now - LIMIT_INGEST_STALE_SECONDS,
					       &row);
	if (rc == ERR_CONFLICT) {
		answer_again(&row, out);
		return ERR_OK;
	}
	if (rc == ERR_PENDING) {
		char hex[ID_HEX_LEN + 1];
		id_hex(&f->feed, hex);
		log_info("component=ingest event=in-flight feed=%s", hex);
		return ERR_INTERNAL; /* the first delivery is still being applied: retry later */
	}
	if (rc != ERR_OK)
		return ERR_INTERNAL;

	struct arena ar;
	arena_init(&ar, LIMIT_INGEST_ARENA);
	c.ar = &ar;
	rc = ingest_apply(&c);
	if (rc == ERR_TRIPPED) {
		/* The breaker stopped the feed: what the trip wrote (the feed's lock, its sessions
		 * revoked, the operators told) must stay, so the caller keeps this savepoint; the
		 * claim goes, so that the resend is applied once a person has unlocked the feed. */
		arena_release(&ar);
		(void)store_feed_message_release(&f->feed, control);
		return ERR_TRIPPED;
	}
	if (rc != ERR_OK) {
		/* The caller undoes the message's savepoint, its claim with it: the retry applies. */
		arena_release(&ar);
		return ERR_INTERNAL;
	}
	row.done = true;
	row.ack = (int)out->code;
	row.err_code = (int)out->err.code;
	memcpy(row.err_segment, out->err.segment, sizeof(row.err_segment));
	row.err_seg_seq = (int)out->err.seg_seq;
	row.err_field = (int)out->err.field;
	memcpy(row.kind, c.kind, sizeof(row.kind));
	snprintf(row.outcome, sizeof(row.outcome), "%s", c.outcome ? c.outcome : "");
	arena_release(&ar);
	/* Committed with the effects it records, in the same transaction. */
	return store_feed_message_finish(&row) == ERR_OK ? ERR_OK : ERR_INTERNAL;
}
