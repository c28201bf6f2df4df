/*
 * Group commit of feed messages (ingest.h, docs/internals/FEEDS.md "Batches").
 *
 * Each message used to be applied on its own and to wait for its own syncs (the audit group,
 * the result's commit: about three a message), so the listener spent its time waiting, not
 * working. Here the messages that the listener's connection threads submit while a batch is
 * being applied and made durable wait together, and the next batch takes them all: one store
 * transaction (each message a savepoint inside it), one audit commit, one sync of medkeep.db.
 *
 * Leader and followers, no thread of its own: a thread that submits when no batch is under way
 * applies one at once, on its own thread and its own store connection, with whatever is
 * waiting, its own message included, and with those that arrive while it applies them (until
 * none has come); the others wait, each on its own condition variable, and one of them leads
 * the next batch. So a sender alone is applied the moment its message arrives (no timer, no
 * hand-over to another thread), and under load the batches grow by themselves, up to
 * LIMIT_INGEST_BATCH_MESSAGES messages or LIMIT_INGEST_BATCH_BYTES.
 *
 * Order within a batch: BEGIN; for each message a savepoint, its claim, its effects (each
 * service audits and writes as always, the audit records queued, not waited for:
 * audit_hold_begin), the finish of its claim, and the savepoint released, or rolled back alone
 * when the message cannot be taken now (AR); then the batch's audit records are made durable
 * together (audit_hold_end), then COMMIT; only then are the ACKs sent. Records before what
 * they describe (invariant 3); an ACK only once durable.
 *
 * The leader's COMMIT does not wait for the disk (store_sync_deferred): it hands the lead to
 * the next batch's thread first, then syncs, then answers. So one batch's sync runs while the
 * next is applied and its records are made durable, instead of each batch waiting for two
 * syncs in turn. What a batch filed is visible to the portal from its COMMIT, a sync before its
 * ACKs; a crash in between loses it with its ACKs unsent, and the sender sends it again.
 */
#include "ingest/ingest_int.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "audit/audit.h"
#include "limits.h"
#include "store/store.h"
#include "util/log.h"

bool ingest_batch_fits(size_t n, size_t bytes, size_t next_len)
{
	if (n == 0)
		return true;
	return n < LIMIT_INGEST_BATCH_MESSAGES && next_len <= LIMIT_INGEST_BATCH_BYTES &&
	       bytes + next_len <= LIMIT_INGEST_BATCH_BYTES;
}

/* Undo the whole batch: every message is answered AR (the sender retries) whatever it got. */
static void batch_failed(struct ingest_job *const *jobs, size_t n)
{
	log_warn("component=ingest error=\"batch not committed\" messages=%zu", n);
	for (size_t i = 0; i < n; i++)
		jobs[i]->rc = ERR_INTERNAL;
}

/*
 * One message in its savepoint: kept (released) when it was answered, else undone alone. One
 * that tripped the breaker is kept too: the trip locked the feed, revoked its sessions and
 * queued the operators' mail in it (domain_tripped), which must outlive the message, as what
 * it filed before the trip did before batches; its claim is given back (ingest_one).
 */
static void apply_one(struct ingest_job *j)
{
	if (store_begin() != ERR_OK) {
		j->rc = ERR_INTERNAL;
		return;
	}
	j->rc = ingest_one(j);
	bool keep = j->rc == ERR_OK || j->rc == ERR_TRIPPED;
	if (keep && store_commit() == ERR_OK)
		return;
	if (j->rc == ERR_OK)
		j->rc = ERR_INTERNAL;
	(void)store_rollback();
}

/*
 * Apply jobs[0..*n) as one batch. With `more`, the messages that arrive while it is applied
 * join it before its audit commit (more appends them to jobs and returns the new count), until
 * none has come or it is full: senders answered by the batch before send their next messages
 * a moment apart, and without this the first of them would make a batch (and two syncs) alone.
 * A sender alone loses nothing by it: more finds nothing and the batch commits at once.
 */
static void batch_run(struct ingest_job **jobs, size_t *n,
		      size_t (*more)(struct ingest_job **jobs, size_t n))
{
	for (size_t i = 0; i < *n; i++)
		jobs[i]->rc = ERR_INTERNAL;
	if (*n == 0)
		return;
	if (store_begin() != ERR_OK) {
		batch_failed(jobs, *n);
		return;
	}
	audit_hold_begin();
	bool whole = true;
	for (size_t i = 0; i < *n && whole; i++) {
		apply_one(jobs[i]);
		/* A full disk or an I/O error can roll back the whole transaction, not just the
		 * statement: then what came before is gone too, and nothing more is applied. */
		whole = store_in_transaction();
		if (whole && i + 1 == *n && more != NULL) {
			size_t m = more(jobs, *n);
			for (size_t k = *n; k < m; k++)
				jobs[k]->rc = ERR_INTERNAL;
			*n = m;
		}
	}
	int audited = audit_hold_end();
	/* Still in a transaction after the batch's commit: a level that something opened and
	 * never closed took the commit's place, so nothing reached the disk. Fail closed. */
	if (!whole || audited != 0 || store_commit() != ERR_OK || store_in_transaction()) {
		do
			(void)store_rollback();
		while (store_in_transaction());
		batch_failed(jobs, *n);
	}
}

void ingest_batch_apply(struct ingest_job **jobs, size_t n)
{
	batch_run(jobs, &n, NULL);
}

enum err ingest_hl7(const struct ingest_feed *f, const char *raw, size_t len,
		    const struct hl7_msg *m, struct ingest_outcome *out)
{
	struct ingest_job j = {.f = f, .raw = raw, .len = len, .m = m, .out = out};
	struct ingest_job *one = &j;
	ingest_batch_apply(&one, 1);
	return j.rc;
}

/* The messages waiting for a batch, oldest first, and whether a batch is being applied. Each
 * waiting thread sleeps on its own job's condition variable, so that a batch's end wakes the
 * threads whose messages it answered and the one that leads next, and no other. */
static pthread_mutex_t batch_lock = PTHREAD_MUTEX_INITIALIZER;
static struct ingest_job *waiting;
static struct ingest_job **waiting_tail = &waiting;
static bool applying;

/* Move waiting messages, oldest first, onto batch[n..) while they fit; the new count. Under
 * batch_lock. */
static size_t take_waiting(struct ingest_job **batch, size_t n)
{
	size_t bytes = 0;
	for (size_t i = 0; i < n; i++)
		bytes += batch[i]->len;
	while (waiting != NULL && ingest_batch_fits(n, bytes, waiting->len)) {
		struct ingest_job *j = waiting;
		waiting = j->next;
		j->next = NULL;
		bytes += j->len;
		batch[n++] = j;
	}
	if (waiting == NULL)
		waiting_tail = &waiting;
	return n;
}

/* batch_run's `more`: what came in while the batch was being applied. */
static size_t take_arrived(struct ingest_job **batch, size_t n)
{
	pthread_mutex_lock(&batch_lock);
	n = take_waiting(batch, n);
	pthread_mutex_unlock(&batch_lock);
	return n;
}

#ifdef MEDKEEP_CHAOS
/* Fault injection (build/medkeep-chaos only): with MEDKEEP_FAULT=mllp_crash_after_commit, a
 * batch that filed a message whose control id begins with CRASH ends the process once it is
 * committed and before any of its ACKs is sent, as a crash there would (a resend, a duplicate
 * then, does not crash it again). */
static void chaos_after_commit(struct ingest_job *const *batch, size_t n)
{
	const char *fault = getenv("MEDKEEP_FAULT");
	if (fault == NULL || strcmp(fault, "mllp_crash_after_commit") != 0)
		return;
	for (size_t i = 0; i < n; i++)
		if (batch[i]->rc == ERR_OK && !batch[i]->out->duplicate &&
		    batch[i]->m->control_id.len >= 5 && memcmp(batch[i]->m->control_id.ptr, "CRASH", 5) == 0)
			_exit(EXIT_FAILURE);
}
#endif

/* A batch committed with its sync deferred reaches the disk before any message of it is
 * answered; if the sync fails, every message it kept is answered AR (the sender sends it again,
 * and finds it there or files it anew). */
static void batch_synced(struct ingest_job *const *batch, size_t n, bool deferred, bool restored)
{
	if (!deferred || (store_sync() == ERR_OK && restored))
		return;
	log_warn("component=ingest error=\"batch not synced\" messages=%zu", n);
	for (size_t i = 0; i < n; i++)
		if (batch[i]->rc == ERR_OK)
			batch[i]->rc = ERR_INTERNAL;
}

enum err ingest_submit(struct ingest_job *j)
{
	j->done = false;
	j->next = NULL;
	pthread_cond_init(&j->wake, NULL);
	pthread_mutex_lock(&batch_lock);
	*waiting_tail = j;
	waiting_tail = &j->next;
	while (!j->done) {
		if (applying) {
			pthread_cond_wait(&j->wake, &batch_lock);
			continue;
		}
		/* No batch under way: this thread applies the next one (its own message in it,
		 * unless more than a batch was waiting before it; then it leads again). */
		struct ingest_job *batch[LIMIT_INGEST_BATCH_MESSAGES];
		size_t n = take_waiting(batch, 0);
		applying = true;
		pthread_mutex_unlock(&batch_lock);
		bool deferred = store_sync_deferred(true) == ERR_OK;
		batch_run(batch, &n, take_arrived);
		/* Not restored: this connection's next commits would not wait for the disk. */
		bool restored = !deferred || store_sync_deferred(false) == ERR_OK;
		/* Committed, not yet on the disk: the next batch is applied (what came meanwhile: its
		 * oldest message's thread leads) while this one's sync runs, and only then are its
		 * messages answered. */
		pthread_mutex_lock(&batch_lock);
		applying = false;
		if (waiting != NULL)
			pthread_cond_signal(&waiting->wake);
		pthread_mutex_unlock(&batch_lock);
		batch_synced(batch, n, deferred, restored);
#ifdef MEDKEEP_CHAOS
		chaos_after_commit(batch, n);
#endif
		pthread_mutex_lock(&batch_lock);
		for (size_t i = 0; i < n; i++) {
			batch[i]->done = true;
			pthread_cond_signal(&batch[i]->wake);
		}
	}
	pthread_mutex_unlock(&batch_lock);
	pthread_cond_destroy(&j->wake);
	return j->rc;
}
