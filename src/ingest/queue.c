/*
 * The practice's feed queue and feeds page (ingest.h): messages whose patient could not be
 * matched exactly wait here for a clinician or practice admin of the practice
 * (policy_may_work_feed_queue), who opens one (the vault opens it only for their token),
 * matches it to an enrolled patient (it is then applied by the same ingestion, as its feed)
 * or rejects it. Every opening and decision is on the audit trail with the person as actor.
 */
#include "ingest/ingest_int.h"

#include <string.h>
#include <time.h>

#include "audit/audit.h"
#include "domain/register.h"
#include "domain/transfers.h"
#include "limits.h"
#include "util/log.h"
#include "util/wipe.h"

/* Fixed texts: a rejection is kept, and free text typed here could name someone. */
const char *const ingest_reject_reasons[] = {
	"Not a patient of this practice",
	"Sent in error or a test message",
	"Already filed (a duplicate)",
	"Resolved in the register by hand",
	"Asked the sender to correct and resend it",
	NULL,
};

enum err ingest_feed_actor(const struct id *feed, const struct id *practice, const char *ip,
			   struct actor *out, char token[SESSION_TOKEN_B64_LEN + 1])
{
	memset(out, 0, sizeof(*out));
	struct id session;
	if (vault_system_token(feed, practice, token, &session) != ERR_OK)
		return ERR_INTERNAL;
	ingest_feed_actor_of(feed, practice, &session, token, (int64_t)time(NULL), ip, out);
	return ERR_OK;
}

void ingest_feed_actor_of(const struct id *feed, const struct id *practice, const struct id *session,
			  const char *token, int64_t minted, const char *ip, struct actor *out)
{
	memset(out, 0, sizeof(*out));
	out->account = *feed;
	out->session = *session;
	out->role = ROLE_SYSTEM;
	out->has_practice = true;
	out->practice = *practice;
	/* The certificate (or, on loopback and at the command line, the machine itself) is the
	 * system's factor, proved for this token: as a login's second factor is for a session. */
	out->mfa = true;
	out->mfa_enrolled = true;
	out->factor_at = minted;
	out->system_scopes = SYSTEM_SCOPE_ALL;
	out->token = token;
	snprintf(out->ip, sizeof(out->ip), "%s", ip ? ip : "local");
}

static int queue_audit(const struct actor *a, const char *action, const struct id *patient,
		       const struct id *item, const char *outcome)
{
	struct audit_event e = {.actor = a, .action = action, .patient = patient,
				.rtype = "FeedMessage", .rid = item, .outcome = outcome,
				.via = patient ? grant_via_name(policy_via(a, patient)) : NULL};
	return audit_append(&e);
}

static bool may(const struct actor *a)
{
	return a != NULL && a->has_practice && policy_may_work_feed_queue(a, &a->practice);
}

enum err ingest_feeds_status(const struct actor *a, struct arena *ar, struct feed_status **out,
			     size_t *n)
{
	*n = 0;
	*out = NULL;
	if (!may(a))
		return ERR_DENIED;
	struct store_feed *feeds;
	size_t nf = 0;
	if (store_feeds_list(&a->practice, 0, LIMIT_LIST, ar, &feeds, &nf) != ERR_OK)
		return ERR_INTERNAL;
	*out = nf ? arena_calloc(ar, nf, sizeof(**out)) : NULL;
	if (nf && *out == NULL)
		return ERR_INTERNAL;
	int64_t since = (int64_t)time(NULL) - FEEDS_PAGE_DAYS * 86400;
	for (size_t i = 0; i < nf; i++) {
		(*out)[i].feed = feeds[i];
		if (store_feed_stats(&feeds[i].id, since, &(*out)[i].stats) != ERR_OK)
			return ERR_INTERNAL;
	}
	*n = nf;
	return ERR_OK;
}

static const char *feed_name(const struct id *feed, struct arena *ar)
{
	struct store_feed f;
	if (store_feed_get(feed, &f) != ERR_OK)
		return "A removed feed";
	return arena_strdup(ar, f.name);
}

enum err ingest_queue_list(const struct actor *a, struct arena *ar, struct feedq_row **out,
			   size_t *n)
{
	*n = 0;
	*out = NULL;
	if (!may(a))
		return ERR_DENIED;
	struct store_feedq *q;
	size_t nq = 0;
	if (store_feedq_list(&a->practice, LIMIT_FEEDQ_LIST, ar, &q, &nq) != ERR_OK)
		return ERR_INTERNAL;
	*out = nq ? arena_calloc(ar, nq, sizeof(**out)) : NULL;
	if (nq && *out == NULL)
		return ERR_INTERNAL;
	for (size_t i = 0; i < nq; i++) {
		(*out)[i].q = q[i];
		(*out)[i].feed_name = feed_name(&q[i].feed, ar);
	}
	*n = nq;
	return ERR_OK;
}

/* A waiting item of the actor's practice, opened and parsed into c (its arena ar). */
struct opened {
	struct store_feedq q;
	struct buf raw;
	struct hl7_segment segs[LIMIT_HL7_SEGMENTS];
	struct hl7_msg m;
};

static enum err open_item(const struct actor *a, const struct id *item, struct arena *ar,
			  struct opened *o)
{
	if (!may(a))
		return ERR_NOT_FOUND;
	enum err rc = store_feedq_get(&a->practice, item, ar, &o->q);
	if (rc != ERR_OK || o->q.state != FEEDQ_WAITING || o->q.body_ct.ptr == NULL)
		return rc == ERR_INTERNAL ? ERR_INTERNAL : ERR_NOT_FOUND;
	buf_init(&o->raw, ar, LIMIT_HL7_MESSAGE_BYTES + 1);
	rc = vault_feedq_open(a->token, item, &a->practice, o->q.body_ct.ptr, o->q.body_ct.len,
			      &o->raw);
	if (rc != ERR_OK)
		return rc == ERR_TRIPPED ? ERR_TRIPPED : ERR_NOT_FOUND;
	struct hl7_error err;
	if (hl7_parse(o->raw.data, o->raw.len, o->segs, LIMIT_HL7_SEGMENTS, &o->m, &err) != 0)
		return ERR_INTERNAL; /* it was parsed once to be queued */
	return ERR_OK;
}

static bool matchable(const struct hl7_msg *m)
{
	return slice_eq(m->type, "ORU") || slice_eq(m->type, "MDM") || slice_eq(m->type, "REF") ||
	       (slice_eq(m->type, "ADT") && (slice_eq(m->event, "A08") || slice_eq(m->event, "A31")));
}

static bool is_registration(const struct hl7_msg *m)
{
	return slice_eq(m->type, "ADT") && (slice_eq(m->event, "A04") || slice_eq(m->event, "A28"));
}

static const char *summary(struct ingest_ctx *c)
{
	const struct hl7_msg *m = c->m;
	if (slice_eq(m->type, "ORU")) {
		size_t obr = 0, obx = 0;
		for (size_t i = 0; i < m->nseg; i++) {
			obr += strcmp(m->seg[i].id, "OBR") == 0;
			obx += strcmp(m->seg[i].id, "OBX") == 0;
		}
		char *s = arena_alloc(c->ar, 64);
		if (s != NULL)
			snprintf(s, 64, "%zu report%s, %zu observation%s", obr, obr == 1 ? "" : "s", obx,
				 obx == 1 ? "" : "s");
		return s ? s : "";
	}
	if (slice_eq(m->type, "MDM") || slice_eq(m->type, "REF"))
		return "A letter (PDF)";
	if (slice_eq(m->event, "A40"))
		return "A merge of two NHIs";
	if (slice_eq(m->event, "A04") || slice_eq(m->event, "A28"))
		return "An enrolment";
	return "A change of details";
}

enum err ingest_queue_open(const struct actor *a, const struct id *item, struct arena *ar,
			   struct feedq_detail *out)
{
	memset(out, 0, sizeof(*out));
	/* The message (up to 16 MB) in an arena of this call's own, wiped on release; what is
	 * shown is copied into the caller's. */
	struct arena work;
	arena_init(&work, LIMIT_INGEST_ARENA);
	struct opened *o = arena_calloc(&work, 1, sizeof(*o));
	enum err rc = o == NULL ? ERR_INTERNAL : open_item(a, item, &work, o);
	if (rc != ERR_OK) {
		if (may(a) && queue_audit(a, "feed.queue.open", NULL, item, "notfound") != 0)
			rc = ERR_INTERNAL;
		arena_release(&work);
		return rc;
	}
	/* On record before anything of it is shown. */
	if (queue_audit(a, "feed.queue.open", NULL, item, AUDIT_ALLOW) != 0) {
		arena_release(&work);
		return ERR_INTERNAL;
	}
	struct ingest_outcome scratch;
	struct ingest_ctx c = {.m = &o->m, .ar = ar, .out = &scratch};
	out->row.q = o->q;
	out->row.q.body_ct = (struct bytes){NULL, 0};
	out->row.feed_name = feed_name(&o->q.feed, ar);
	size_t pid = hl7_find(&o->m, "PID", 0);
	enum hl7_code code;
	out->nhi = ingest_nhi(&c, pid, 3, &code);
	if (out->nhi == NULL && ingest_text(&c, pid, 3, 1, 1, 0, &out->nhi) != 0)
		out->nhi = "";
	if (ingest_text(&c, pid, 5, 1, 1, 1, &out->family) != 0)
		out->family = "";
	if (ingest_text(&c, pid, 5, 1, 2, 0, &out->given) != 0)
		out->given = "";
	if (ingest_text(&c, pid, 7, 1, 1, 0, &out->birth_date) != 0)
		out->birth_date = "";
	if (ingest_text(&c, pid, 8, 1, 1, 0, &out->sex) != 0)
		out->sex = "";
	size_t mrg = hl7_find(&o->m, "MRG", 0);
	out->prior_nhi = mrg < o->m.nseg ? ingest_nhi(&c, mrg, 1, &code) : NULL;
	out->summary = summary(&c);
	out->can_match = matchable(&o->m);
	out->is_update = slice_eq(o->m.type, "ADT");
	out->is_registration = is_registration(&o->m);
	struct store_transfer t;
	if (o->q.has_transfer && store_transfer_get(&o->q.transfer, &t) == ERR_OK) {
		out->move = t.decided == 0				? FEEDQ_MOVE_ASKED
			    : strcmp(t.outcome, TRANSFER_MOVED) == 0 ? FEEDQ_MOVE_MADE
								      : FEEDQ_MOVE_REFUSED;
		out->move_asked = t.asked;
	}
	arena_release(&work);
	return ERR_OK;
}

/* The patient the person chose: by id, or by NHI; one they reach (the read is audited). */
static enum err chosen(const struct actor *a, const struct id *patient, const char *nhi,
		       struct arena *ar, struct id *out)
{
	if (patient != NULL)
		*out = *patient;
	else if (nhi == NULL || register_find_nhi(a, nhi, out) != ERR_OK)
		return ERR_NOT_FOUND;
	struct patient_view v;
	return patient_read(a, out, ar, &v) == ERR_OK ? ERR_OK : ERR_NOT_FOUND;
}

enum err ingest_queue_match(const struct actor *a, const struct id *item, const struct id *patient,
			    const char *nhi, const char **why)
{
	*why = NULL;
	struct arena ar;
	arena_init(&ar, LIMIT_INGEST_ARENA);
	struct opened *o = arena_calloc(&ar, 1, sizeof(*o));
	enum err rc = o == NULL ? ERR_INTERNAL : open_item(a, item, &ar, o);
	struct id pid;
	char token[SESSION_TOKEN_B64_LEN + 1] = "";
	if (rc != ERR_OK)
		goto out;
	if (!matchable(&o->m)) {
		*why = "This message cannot be matched to a patient here: change the register, then "
		       "reject it.";
		rc = ERR_INVALID;
		goto out;
	}
	if (chosen(a, patient, nhi, &ar, &pid) != ERR_OK) {
		*why = "No patient of the practice has that NHI or record number.";
		rc = ERR_NOT_FOUND;
		goto out;
	}
	struct actor feed_actor;
	struct ingest_feed f = {.feed = o->q.feed, .practice = a->practice, .actor = &feed_actor};
	if (ingest_feed_actor(&o->q.feed, &a->practice, "local", &feed_actor, token) != ERR_OK) {
		rc = ERR_INTERNAL;
		goto out;
	}
	snprintf(feed_actor.ip, sizeof(feed_actor.ip), "%s", a->ip);
	/* The person's decision is on record before the message is applied for the patient. */
	if (queue_audit(a, "feed.queue.match", &pid, item, AUDIT_ALLOW) != 0) {
		rc = ERR_INTERNAL;
		goto out;
	}
	struct ingest_outcome res;
	memset(&res, 0, sizeof(res));
	struct ingest_ctx c = {.f = &f, .raw = o->raw.data, .len = o->raw.len, .m = &o->m,
			       .ar = &ar, .patient = &pid, .out = &res};
	rc = ingest_apply(&c);
	if (rc != ERR_OK)
		goto out;
	if (res.code != HL7_ACK_AA || res.queued) {
		*why = "The message could not be filed for this patient (a field of it was refused).";
		rc = ERR_INVALID;
		goto out;
	}
	rc = store_feedq_decide(&a->practice, item, FEEDQ_MATCHED, &a->account, (int64_t)time(NULL),
				NULL);
out:
	wipe(token, sizeof(token));
	if (o != NULL && o->raw.data != NULL)
		wipe(o->raw.data, o->raw.len);
	arena_release(&ar);
	return rc;
}

enum err ingest_queue_reject(const struct actor *a, const struct id *item, const char *reason,
			     const char **why)
{
	*why = NULL;
	if (!may(a))
		return ERR_NOT_FOUND;
	bool ok = false;
	for (size_t i = 0; reason != NULL && ingest_reject_reasons[i] != NULL && !ok; i++)
		ok = strcmp(reason, ingest_reject_reasons[i]) == 0;
	if (!ok) {
		*why = "Choose why the message is rejected.";
		return ERR_INVALID;
	}
	struct arena ar;
	arena_init(&ar, LIMIT_JOB_ARENA);
	struct store_feedq q;
	enum err rc = store_feedq_get(&a->practice, item, &ar, &q);
	if (rc == ERR_OK && q.state != FEEDQ_WAITING)
		rc = ERR_NOT_FOUND;
	if (rc == ERR_OK && queue_audit(a, "feed.queue.reject", NULL, item, AUDIT_ALLOW) != 0)
		rc = ERR_INTERNAL;
	if (rc == ERR_OK)
		rc = store_feedq_decide(&a->practice, item, FEEDQ_REJECTED, &a->account,
					(int64_t)time(NULL), reason);
	arena_release(&ar);
	return rc;
}

/* --- moves started by HL7 (docs/internals/TRANSFERS.md "Moves started by HL7") --- */

/* Whether the move linked to q is still waiting for the patient or the practice being left. */
static bool move_open(const struct store_feedq *q)
{
	struct store_transfer t;
	return q->has_transfer && store_transfer_get(&q->transfer, &t) == ERR_OK && t.decided == 0;
}

/* The item's key wrapped again for whoever makes the move (vault_feedq_bind_move), and the
 * item linked to the request. */
static enum err bind_move(const struct actor *a, const struct opened *o, const struct id *item,
			  const struct id *request, struct arena *ar)
{
	struct store_transfer t;
	if (store_transfer_get(request, &t) != ERR_OK)
		return ERR_INTERNAL;
	struct feedq_move mv = {.patient = t.patient, .has_from = t.has_from, .from = t.from};
	struct buf key;
	buf_init(&key, ar, LIMIT_WRAPPED_KEY);
	if (vault_feedq_bind_move(a->token, item, &a->practice, o->q.body_ct.ptr, o->q.body_ct.len,
				  &mv, &key) != ERR_OK || key.failed)
		return ERR_INTERNAL;
	struct bytes bound = {(const uint8_t *)key.data, key.len};
	return store_feedq_link(&a->practice, item, request, bound) == ERR_OK ? ERR_OK : ERR_INTERNAL;
}

enum err ingest_queue_ask_move(const struct actor *a, const struct id *item, struct id *request,
			       const char **why)
{
	*why = NULL;
	struct arena ar;
	arena_init(&ar, LIMIT_INGEST_ARENA);
	struct opened *o = arena_calloc(&ar, 1, sizeof(*o));
	enum err rc = o == NULL ? ERR_INTERNAL : open_item(a, item, &ar, o);
	const char *nhi = NULL;
	if (rc == ERR_OK && (!is_registration(&o->m) || move_open(&o->q))) {
		*why = move_open(&o->q) ? "A move of this patient is asked already: it waits for the "
					  "patient or their current practice."
					: "Only a registration (ADT^A04 or A28) can lead to a move.";
		rc = ERR_INVALID;
	}
	if (rc == ERR_OK) {
		struct ingest_outcome scratch;
		struct ingest_ctx c = {.m = &o->m, .ar = &ar, .out = &scratch};
		enum hl7_code code;
		nhi = ingest_nhi(&c, hl7_find(&o->m, "PID", 0), 3, &code);
		if (nhi == NULL) {
			*why = "The message names no valid NHI.";
			rc = ERR_INVALID;
		}
	}
	/* The person's decision on record first; transfer_ask audits the request itself on the
	 * patient's trail, limits it and sends its emails, as on /practice/transfers. */
	if (rc == ERR_OK && queue_audit(a, "feed.queue.ask", NULL, item, AUDIT_ALLOW) != 0)
		rc = ERR_INTERNAL;
	if (rc == ERR_OK)
		rc = transfer_ask(a, &a->practice, nhi, request);
	if (rc == ERR_OK)
		rc = bind_move(a, o, item, request, &ar);
	if (o != NULL && o->raw.data != NULL)
		wipe(o->raw.data, o->raw.len);
	arena_release(&ar);
	return rc;
}

/* Apply one waiting registration for the patient who has moved here, as its feed; opened by
 * the vault for the person who made the move (decider; NULL: the operator's command line). */
static enum err apply_moved(const struct actor *decider, const struct store_feedq *q,
			    const struct store_transfer *t)
{
	struct store_feed feed;
	if (!id_eq(&q->practice, &t->to) || store_feed_get(&q->feed, &feed) != ERR_OK)
		return ERR_NOT_FOUND; /* a removed feed sends nothing more: a person decides */
	struct arena ar;
	arena_init(&ar, LIMIT_INGEST_ARENA);
	struct opened *o = arena_calloc(&ar, 1, sizeof(*o));
	char token[SESSION_TOKEN_B64_LEN + 1] = "";
	struct actor fa;
	struct ingest_feed f = {.feed = q->feed, .practice = q->practice, .actor = &fa};
	struct hl7_error err;
	enum err rc = o == NULL ? ERR_INTERNAL : ingest_feed_actor(&q->feed, &q->practice, "local", &fa, token);
	if (rc == ERR_OK)
		rc = store_feedq_get(&q->practice, &q->id, &ar, &o->q);
	if (rc == ERR_OK && (o->q.state != FEEDQ_WAITING || o->q.body_ct.ptr == NULL ||
			     o->q.move_key.ptr == NULL))
		rc = ERR_NOT_FOUND;
	if (rc == ERR_OK) {
		struct feedq_move mv = {.patient = t->patient, .has_from = t->has_from, .from = t->from};
		buf_init(&o->raw, &ar, LIMIT_HL7_MESSAGE_BYTES + 1);
		rc = vault_feedq_open_moved(decider ? decider->token : NULL, &q->id, &q->practice, &mv,
					    o->q.move_key, o->q.body_ct.ptr, o->q.body_ct.len, &o->raw);
	}
	if (rc == ERR_OK && (hl7_parse(o->raw.data, o->raw.len, o->segs, LIMIT_HL7_SEGMENTS, &o->m,
				       &err) != 0 || !is_registration(&o->m)))
		rc = ERR_INTERNAL;
	/* On the patient's trail as the feed's, before it is applied. */
	if (rc == ERR_OK && queue_audit(&fa, "feed.queue.apply", &t->patient, &q->id, AUDIT_ALLOW) != 0)
		rc = ERR_INTERNAL;
	struct ingest_outcome res;
	memset(&res, 0, sizeof(res));
	struct ingest_ctx c = {.f = &f, .raw = o ? o->raw.data : NULL, .len = o ? o->raw.len : 0,
			       .m = o ? &o->m : NULL, .ar = &ar, .patient = &t->patient, .out = &res};
	if (rc == ERR_OK)
		rc = ingest_apply(&c);
	if (rc == ERR_OK && (res.code != HL7_ACK_AA || res.queued))
		rc = ERR_INVALID; /* a field refused: it stays for a person */
	if (rc == ERR_OK)
		rc = store_feedq_decide(&q->practice, &q->id, FEEDQ_MATCHED, &q->feed,
					(int64_t)time(NULL), NULL);
	wipe(token, sizeof(token));
	if (o != NULL && o->raw.data != NULL)
		wipe(o->raw.data, o->raw.len);
	arena_release(&ar);
	return rc;
}

enum err ingest_queue_after_move(const struct actor *decider, const struct id *request)
{
	struct store_transfer t;
	if (store_transfer_get(request, &t) != ERR_OK || strcmp(t.outcome, TRANSFER_MOVED) != 0)
		return ERR_NOT_FOUND;
	struct arena ar;
	arena_init(&ar, LIMIT_JOB_ARENA);
	struct store_feedq *q = NULL;
	size_t n = 0;
	enum err rc = store_feedq_of_transfer(request, LIMIT_FEEDQ_LIST, &ar, &q, &n);
	for (size_t i = 0; rc == ERR_OK && i < n; i++) {
		enum err one = apply_moved(decider, &q[i], &t);
		if (one != ERR_OK) {
			char hex[ID_HEX_LEN + 1];
			id_hex(&q[i].id, hex);
			log_warn("component=ingest event=move-apply-failed item=%s err=%d", hex, (int)one);
		}
	}
	arena_release(&ar);
	return rc;
}
