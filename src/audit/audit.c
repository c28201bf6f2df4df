#include "audit/audit.h"

#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "crypto/crypto.h"
#include "limits.h"
#include "util/log.h"
#include "vault/vault.h"

/*
 * Records are chained when they are written, not when they are queued: the writer (or, in a
 * command-line tool, the appending thread) reads the trail's head inside its write
 * transaction and chains onto it. So another process appending to the same trail (a
 * command-line tool beside `serve`) does not break the chain, nor fail `serve`: the store
 * answers ERR_CONFLICT, and the batch is chained again onto the new head.
 *
 * Requests wait for their records by ticket: a number given out in queue order, separate from
 * the sequence number the record gets when written.
 *
 * A batch that cannot be committed fails its own requests, not the node: the database may be
 * restarting (several nodes on PostgreSQL), and the next batch tries again on the head it
 * reads then. A commit lost with its connection is tried again for a few seconds first, and
 * found written when the head it reads back is the batch's own. Any request during which a
 * batch failed is refused (audit_failures), whichever batch its records were in: it may not
 * know which of its records were lost. Command-line tools still stop at the first failure.
 */
static pthread_mutex_t chain_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t queued_cond = PTHREAD_COND_INITIALIZER;
static pthread_cond_t durable_cond = PTHREAD_COND_INITIALIZER;
static int64_t last_ticket;    /* last ticket given out */
static int64_t durable_ticket; /* last ticket whose batch is done (committed, or failed) */
static bool trail_failed;      /* a tool's commit failed: refuse everything from now on */
static uint64_t batch_failures; /* batches the writer could not commit (audit_failures) */
static int64_t failed_upto;    /* the last ticket of the last batch that failed */
static bool writer_running;
static bool writer_stop;
static pthread_t writer_thread;

/* The trail as this process last wrote or read it, and its newest checkpoint. Touched only by
 * the writer thread while it runs, otherwise under chain_lock. */
static int64_t db_seq;
static uint8_t db_head[HASH_BYTES];
static int64_t cp_seq, cp_ms;
static bool cp_warned;

#define QUEUE_MAX 4096 /* records waiting for the writer; appenders wait when it is full */
static struct audit_record queue[QUEUE_MAX]; /* .seq holds the ticket until written */
static size_t queue_len;

struct waiter {
	int64_t seq;
	void (*done)(void *ctx, bool ok);
	void *ctx;
	struct waiter *next;
};
static struct waiter *waiters;

/* Inline appends held for one commit (audit_batch_begin); under chain_lock. */
static struct audit_record *held;
static size_t held_n;
static bool batching;

static _Thread_local int defer_depth;
static _Thread_local int64_t defer_last_seq;
static _Thread_local bool hold_on;
static _Thread_local int64_t hold_last_seq;
static _Thread_local int64_t hold_first_seq;

static int64_t now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int audit_init(void)
{
	if (store_audit_last(&db_seq, db_head) != ERR_OK)
		return -1;
	struct audit_checkpoint cp;
	int rc = store_audit_last_checkpoint(&cp);
	if (rc == ERR_INTERNAL)
		return -1;
	cp_seq = rc == ERR_OK ? cp.seq : 0;
	cp_ms = rc == ERR_OK ? cp.ts_ms : 0;
	last_ticket = durable_ticket = 0;
	return 0;
}

/* The database could not be reached during a commit: wait a little for it and say whether to
 * try again (for at most AUDIT_OUTAGE_RETRY_MS in all). */
static bool outage_wait(uint64_t before, int64_t *waited_ms)
{
	if (store_outages(true) == before || *waited_ms >= AUDIT_OUTAGE_RETRY_MS)
		return false;
	usleep(200 * 1000);
	*waited_ms += 200;
	return true;
}

/* The batch ending at seq, with chain hash head, is on the trail: it is the head this process
 * knows, and its checkpoint (if it had one) the newest. */
static int batch_written(int64_t seq, const uint8_t head[HASH_BYTES], bool with_cp, int64_t now)
{
	db_seq = seq;
	memcpy(db_head, head, HASH_BYTES);
	if (with_cp) {
		cp_seq = seq;
		cp_ms = now;
	}
	return 0;
}

/*
 * Chain r[0..n) onto the trail's head and write them, with a signed checkpoint when one is due
 * (AUDIT_CHECKPOINT_RECORDS or _SECONDS, see limits.h) or forced. n may be 0: a checkpoint
 * alone. When another process appended meanwhile, re-read the head and chain again.
 */
static int commit_records(struct audit_record *r, size_t n, bool force_cp)
{
	int64_t outage_waited = 0;
	for (int attempt = 0; attempt < 100; attempt++) {
		uint64_t outages = store_outages(true);
		int64_t seq = db_seq;
		uint8_t head[HASH_BYTES];
		memcpy(head, db_head, HASH_BYTES);
		for (size_t i = 0; i < n; i++) {
			r[i].seq = ++seq;
			memcpy(r[i].prev, head, HASH_BYTES);
			audit_record_hash(&r[i], r[i].hash);
			memcpy(head, r[i].hash, HASH_BYTES);
		}
		int64_t now = now_ms();
		struct audit_checkpoint cp;
		bool with_cp = false;
		if (seq > cp_seq && (force_cp || seq - cp_seq >= AUDIT_CHECKPOINT_RECORDS ||
				     now - cp_ms >= (int64_t)AUDIT_CHECKPOINT_SECONDS * 1000)) {
			memset(&cp, 0, sizeof(cp));
			cp.seq = seq;
			cp.ts_ms = now;
			memcpy(cp.head, head, HASH_BYTES);
			with_cp = vault_checkpoint_sign(seq, now, head, cp.sig, cp.key_id) == 0;
			if (!with_cp) {
				/* No signing key loaded (a tool that opened only the store): the chain
				 * still protects order and content; try again in a while. */
				if (!cp_warned)
					log_warn("component=audit error=\"no audit signing key: checkpoints not made\"");
				cp_warned = true;
				cp_ms = now;
			}
		}
		if (n == 0 && !with_cp)
			return 0;
		int rc = store_audit_append(db_seq, db_head, r, n, with_cp ? &cp : NULL);
		if (rc == ERR_OK)
			return batch_written(seq, head, with_cp, now);
		if (rc != ERR_CONFLICT && !outage_wait(outages, &outage_waited))
			return -1;
		/* Another writer appended (a conflict), or the commit was lost with its connection:
		 * read the head. When it is the batch's own, the batch was written after all (the
		 * commit's answer was lost, or the engine sent the statement again after a lost
		 * connection and found its first sending committed); otherwise chain again. */
		bool read = store_audit_last(&db_seq, db_head) == ERR_OK;
		if (!read && rc == ERR_CONFLICT)
			return -1;
		if (read && db_seq == seq && memcmp(db_head, head, HASH_BYTES) == 0)
			return batch_written(seq, head, with_cp, now);
	}
	return -1;
}

/* Call the waiters whose records are durable (or all of them, failed); outside the lock. */
static void wake_waiters(int64_t upto, bool failed)
{
	struct waiter *ready = NULL, **pp;
	pthread_mutex_lock(&chain_lock);
	pp = &waiters;
	while (*pp) {
		struct waiter *w = *pp;
		if (w->seq <= upto) {
			*pp = w->next;
			w->next = ready;
			ready = w;
		} else {
			pp = &w->next;
		}
	}
	pthread_mutex_unlock(&chain_lock);
	while (ready) {
		struct waiter *next = ready->next;
		ready->done(ready->ctx, !failed);
		free(ready);
		ready = next;
	}
}

/* Wait for records, or until a checkpoint of the records already written falls due. Returns
 * with chain_lock held. */
static void writer_wait(void)
{
	while (queue_len == 0 && !writer_stop) {
		if (db_seq <= cp_seq) {
			pthread_cond_wait(&queued_cond, &chain_lock);
			continue;
		}
		int64_t due = cp_ms + (int64_t)AUDIT_CHECKPOINT_SECONDS * 1000;
		struct timespec dl = {.tv_sec = (time_t)(due / 1000), .tv_nsec = (long)(due % 1000) * 1000000};
		if (pthread_cond_timedwait(&queued_cond, &chain_lock, &dl) == ETIMEDOUT)
			return;
	}
}

static void *writer_main(void *arg)
{
	(void)arg;
	static struct audit_record batch[QUEUE_MAX];
	for (;;) {
		pthread_mutex_lock(&chain_lock);
		writer_wait();
		if (queue_len == 0 && writer_stop) {
			pthread_mutex_unlock(&chain_lock);
			return NULL;
		}
		size_t n = queue_len;
		memcpy(batch, queue, n * sizeof(batch[0]));
		queue_len = 0;
		pthread_cond_broadcast(&durable_cond); /* room in the queue again */
		pthread_mutex_unlock(&chain_lock);

		if (n == 0) {
			/* Nothing new, but records written since the last checkpoint: make one. */
			if (commit_records(batch, 0, true) != 0) {
				log_warn("component=audit error=\"checkpoint commit failed\"");
				cp_ms = now_ms(); /* try again in AUDIT_CHECKPOINT_SECONDS, not now */
			}
			continue;
		}
		/* Everything queued while the previous commit was syncing goes in this one. */
		int64_t upto_ticket = batch[n - 1].seq;
		int rc = commit_records(batch, n, false);
		pthread_mutex_lock(&chain_lock);
		bool failed = rc != 0;
		if (failed) {
			__atomic_add_fetch(&batch_failures, 1, __ATOMIC_RELEASE);
			failed_upto = upto_ticket;
		}
		durable_ticket = upto_ticket;
		pthread_cond_broadcast(&durable_cond);
		pthread_mutex_unlock(&chain_lock);
		if (failed)
			log_warn("component=audit error=\"audit commit failed; refusing its requests\" records=%zu",
				 n);
		wake_waiters(upto_ticket, failed);
	}
}

int audit_start_writer(void)
{
	writer_stop = false;
	if (pthread_create(&writer_thread, NULL, writer_main, NULL) != 0)
		return -1;
	writer_running = true;
	return 0;
}

void audit_stop_writer(void)
{
	if (!writer_running)
		return;
	pthread_mutex_lock(&chain_lock);
	writer_stop = true;
	pthread_cond_broadcast(&queued_cond);
	pthread_mutex_unlock(&chain_lock);
	pthread_join(writer_thread, NULL);
	writer_running = false;
	/* A clean stop leaves every record under a signed checkpoint. */
	audit_checkpoint();
}

int audit_checkpoint(void)
{
	pthread_mutex_lock(&chain_lock);
	int rc = 0;
	if (!writer_running && !trail_failed && db_seq > cp_seq)
		rc = commit_records(NULL, 0, true);
	pthread_mutex_unlock(&chain_lock);
	return rc;
}

void audit_batch_begin(void)
{
	pthread_mutex_lock(&chain_lock);
	if (held == NULL)
		held = calloc(LIMIT_AUDIT_BATCH, sizeof(*held));
	batching = held != NULL && !writer_running;
	held_n = 0;
	pthread_mutex_unlock(&chain_lock);
}

int audit_batch_commit(void)
{
	pthread_mutex_lock(&chain_lock);
	int rc = trail_failed ? -1 : 0;
	if (rc == 0 && held_n > 0) {
		rc = commit_records(held, held_n, false);
		trail_failed = rc != 0;
	}
	held_n = 0;
	pthread_mutex_unlock(&chain_lock);
	return rc;
}

int audit_batch_end(void)
{
	int rc = audit_batch_commit();
	pthread_mutex_lock(&chain_lock);
	batching = false;
	free(held);
	held = NULL;
	pthread_mutex_unlock(&chain_lock);
	return rc;
}

void audit_defer_begin(void)
{
	if (defer_depth++ == 0)
		defer_last_seq = 0;
}

int64_t audit_defer_last(void)
{
	return defer_depth > 0 ? defer_last_seq : 0;
}

int64_t audit_defer_end(void)
{
	if (defer_depth > 0)
		defer_depth--;
	return defer_last_seq;
}

void audit_hold_begin(void)
{
	hold_on = true;
	hold_last_seq = 0;
	pthread_mutex_lock(&chain_lock);
	hold_first_seq = last_ticket + 1;
	pthread_mutex_unlock(&chain_lock);
}

int audit_hold_end(void)
{
	hold_on = false;
	pthread_mutex_lock(&chain_lock);
	if (durable_ticket < hold_last_seq)
		pthread_cond_signal(&queued_cond); /* the batch's records, all queued: one commit */
	while (durable_ticket < hold_last_seq && !trail_failed)
		pthread_cond_wait(&durable_cond, &chain_lock);
	int rc = trail_failed || failed_upto >= hold_first_seq ? -1 : 0;
	pthread_mutex_unlock(&chain_lock);
	return rc;
}

int audit_when_durable(int64_t seq, void (*done)(void *ctx, bool ok), void *ctx)
{
	struct waiter *w = malloc(sizeof(*w));
	pthread_mutex_lock(&chain_lock);
	int rc = trail_failed ? -1 : durable_ticket < seq ? 0 : failed_upto >= seq ? -1 : 1;
	if (rc == 0 && w == NULL)
		rc = -1;
	if (rc == 0) {
		w->seq = seq;
		w->done = done;
		w->ctx = ctx;
		w->next = waiters;
		waiters = w;
	}
	pthread_mutex_unlock(&chain_lock);
	if (rc != 0)
		free(w);
	return rc;
}

static void put_field(struct buf *b, const char *s)
{
	buf_printf(b, "%zu:%s;", strlen(s), s);
}

void audit_record_hash(const struct audit_record *r, uint8_t out[HASH_BYTES])
{
	struct arena a;
	arena_init(&a, LIMIT_SCRATCH_ARENA);
	struct buf b;
	buf_init(&b, &a, LIMIT_AUDIT_HASH_INPUT);
	buf_printf(&b, "medkeep-audit-v1;%lld;%lld;", (long long)r->seq, (long long)r->ts_ms);
	put_field(&b, r->actor);
	put_field(&b, r->session);
	put_field(&b, r->ip);
	put_field(&b, r->action);
	put_field(&b, r->patient);
	put_field(&b, r->rtype);
	put_field(&b, r->rid);
	put_field(&b, r->outcome);
	buf_printf(&b, "%lld;", (long long)r->bytes);
	/* Added by audit migration 3: only in records that have it, so older ones still verify;
	 * adding or removing it from a record changes the hash like any other field. */
	if (r->via[0] != '\0') {
		buf_puts(&b, "via=");
		put_field(&b, r->via);
	}
	hash2(r->prev, HASH_BYTES, b.data, b.len, out);
	arena_release(&a);
}

static void id_or_dash(char out[ID_HEX_LEN + 1], const struct id *id)
{
	if (id == NULL)
		snprintf(out, ID_HEX_LEN + 1, "-");
	else
		id_hex(id, out);
}

int audit_append(const struct audit_event *e)
{
	struct audit_record r;
	memset(&r, 0, sizeof(r));
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	r.ts_ms = (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
	id_or_dash(r.actor, e->actor ? &e->actor->account : NULL);
	id_or_dash(r.session, e->actor && !id_is_zero(&e->actor->session) ? &e->actor->session : NULL);
	snprintf(r.ip, sizeof(r.ip), "%s", e->actor ? e->actor->ip : (e->ip ? e->ip : "-"));
	snprintf(r.action, sizeof(r.action), "%s", e->action);
	id_or_dash(r.patient, e->patient);
	snprintf(r.rtype, sizeof(r.rtype), "%s", e->rtype ? e->rtype : "-");
	id_or_dash(r.rid, e->rid);
	snprintf(r.outcome, sizeof(r.outcome), "%s", e->outcome);
	r.bytes = e->bytes;
	snprintf(r.via, sizeof(r.via), "%s", e->via ? e->via : "");

	pthread_mutex_lock(&chain_lock);
	if (trail_failed) {
		pthread_mutex_unlock(&chain_lock);
		return -1;
	}
	if (!writer_running && batching) {
		/* A tool's batch: held until audit_batch_commit, or committed now when full. */
		int rc = 0;
		if (held_n == LIMIT_AUDIT_BATCH) {
			rc = commit_records(held, held_n, false);
			held_n = 0;
			trail_failed = rc != 0;
		}
		if (rc == 0)
			held[held_n++] = r;
		pthread_mutex_unlock(&chain_lock);
		return rc;
	}
	if (!writer_running) {
		/* Command-line tools: write it now, on this thread's connection. */
		int rc = commit_records(&r, 1, false);
		pthread_mutex_unlock(&chain_lock);
		return rc;
	}
	while (queue_len == QUEUE_MAX && !trail_failed) {
		pthread_cond_signal(&queued_cond); /* full of held records: the writer must run */
		pthread_cond_wait(&durable_cond, &chain_lock);
	}
	if (trail_failed) {
		pthread_mutex_unlock(&chain_lock);
		return -1;
	}
	r.seq = ++last_ticket;
	queue[queue_len++] = r;
	/* A held record waits for audit_hold_end to wake the writer: records that trickle in
	 * while a batch is applied would otherwise each start a commit of their own. */
	if (!hold_on)
		pthread_cond_signal(&queued_cond);
	if (e->deferrable && defer_depth > 0)
		defer_last_seq = r.seq;
	if (hold_on)
		hold_last_seq = r.seq;
	if ((e->deferrable && defer_depth > 0) || hold_on) {
		pthread_mutex_unlock(&chain_lock);
		return 0;
	}
	while (durable_ticket < r.seq && !trail_failed)
		pthread_cond_wait(&durable_cond, &chain_lock);
	int rc = trail_failed || failed_upto >= r.seq ? -1 : 0;
	pthread_mutex_unlock(&chain_lock);
	return rc;
}

uint64_t audit_failures(void)
{
	return __atomic_load_n(&batch_failures, __ATOMIC_ACQUIRE);
}

struct verify_ctx {
	struct audit_verify_result *res;
	uint8_t prev[HASH_BYTES];
	int64_t expect_seq;
	void (*progress)(int64_t);
};

static int verify_one(const struct audit_record *r, void *arg)
{
	struct verify_ctx *v = arg;
	uint8_t h[HASH_BYTES];
	if (r->seq != v->expect_seq) {
		v->res->first_bad_seq = v->expect_seq;
		v->res->reason = "record missing or out of order";
		return 1;
	}
	if (memcmp(r->prev, v->prev, HASH_BYTES) != 0) {
		v->res->first_bad_seq = r->seq;
		v->res->reason = "previous-hash link broken";
		return 1;
	}
	audit_record_hash(r, h);
	if (ct_compare(h, r->hash, HASH_BYTES) != 0) {
		v->res->first_bad_seq = r->seq;
		v->res->reason = "record content changed";
		return 1;
	}
	memcpy(v->prev, r->hash, HASH_BYTES);
	v->expect_seq++;
	v->res->records++;
	if (v->progress && v->res->records % 10000 == 0)
		v->progress(v->res->records);
	return 0;
}

int audit_verify(struct audit_verify_result *out, void (*progress)(int64_t done))
{
	memset(out, 0, sizeof(*out));
	struct verify_ctx v = {.res = out, .expect_seq = 1, .progress = progress};
	int rc = store_audit_each(verify_one, &v);
	if (rc < 0)
		return -1;
	/* A deleted tail leaves an intact chain: signed checkpoints catch it, up to the newest
	 * checkpoint (audit_verify_checkpoints). */
	return out->first_bad_seq == 0 ? 0 : 1;
}
