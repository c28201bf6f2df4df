/*
 * The audit trail (invariants 3 and 6): every access to patient data, allowed or denied,
 * and every login, logout and failed login. Each record's hash covers the previous record's
 * hash, so a changed, removed or reordered record breaks the chain from that point on.
 *
 * No audit, no access (invariant 3): a record is durable (committed with synchronous=FULL)
 * before the data it describes leaves the server. In `serve`, one writer thread commits the
 * records of many requests together (group commit); a request whose records are not durable
 * yet is parked (suspended, not blocking a thread) and answered once they are. Records of
 * writes are made durable before the write itself. Command-line tools append inline.
 */
#ifndef MEDKEEP_AUDIT_H
#define MEDKEEP_AUDIT_H
#include <stdbool.h>
#include <stdint.h>

#include "crypto/sign.h"
#include "policy/policy.h"
#include "store/store.h"
#include "util/id.h"

/* Load the chain head; call once after store_open. */
int audit_init(void);

/* Outcomes */
#define AUDIT_ALLOW "allow"
#define AUDIT_DENY "deny"
#define AUDIT_NOT_FOUND "notfound"
#define AUDIT_OK "ok"
#define AUDIT_FAIL "fail"
#define AUDIT_GONE "gone" /* allowed, but the patient's key was destroyed: nothing served */

struct audit_event {
	const struct actor *actor; /* NULL for anonymous (failed login, unknown) */
	const char *action;        /* e.g. "document.read", "login" */
	const struct id *patient;  /* NULL when not about one patient */
	const char *rtype;         /* "DocumentReference", "Binary", "Patient", "-" */
	const struct id *rid;      /* NULL when none */
	const char *outcome;
	int64_t bytes; /* bytes of patient data served */
	const char *via; /* how the actor reached the patient (grant_via_name), or NULL */
	const char *ip; /* only when actor is NULL */
	/* true when nothing is changed on the strength of this record, so it may become durable
	 * after audit_append returns (but before the response; see audit_defer_begin). */
	bool deferrable;
};

/*
 * Append one record. Returns 0 once it is durable, or, for a deferrable record on a thread
 * inside audit_defer_begin/end, once it is queued; -1 when it cannot be written (then serve
 * nothing: the trail is failed closed).
 */
int audit_append(const struct audit_event *e) __attribute__((warn_unused_result));

/*
 * Command-line tools that write many records in one store transaction (`medkeep import`):
 * after audit_batch_begin, this process's appends are held in memory (LIMIT_AUDIT_BATCH at
 * most: a full batch is committed at once) and made durable together by audit_batch_commit,
 * one fsync for the batch instead of one per record. The caller commits the changes the
 * records describe only after audit_batch_commit returns 0, so every record is still durable
 * before what it describes (invariant 3); a change never committed leaves a record of an
 * attempt, as a failed write does. audit_batch_end commits what is held and stops batching.
 * Not for serve (its writer thread already groups commits). 0, or -1 (the trail failed).
 */
void audit_batch_begin(void);
int audit_batch_commit(void) __attribute__((warn_unused_result));
int audit_batch_end(void) __attribute__((warn_unused_result));

/*
 * A batch applied in one store transaction (src/ingest: the feed messages of many connections
 * at once): between audit_hold_begin and audit_hold_end this thread's appends, every one of
 * them (deferrable or not), are queued for the writer thread and return at once, and
 * audit_hold_end waits until all of them are durable: 0, or -1 when the trail has failed. The
 * caller keeps what the records describe in a store transaction that it commits only after
 * audit_hold_end returned 0, so each record is still durable before what it describes
 * (invariant 3), and the writer's one commit serves the whole batch instead of one wait per
 * record. Nothing held may leave the server meanwhile. Without the writer (command-line tools)
 * each append is durable when it returns, as always. Pairs do not nest.
 */
void audit_hold_begin(void);
int audit_hold_end(void) __attribute__((warn_unused_result));

/* Start the group-commit writer thread (serve); audit_stop_writer drains and stops it, and
 * leaves a signed checkpoint of the last record. */
int audit_start_writer(void);
void audit_stop_writer(void);

/* Collect the records this thread appends while handling one request. Pairs may nest (a
 * continuation run inline); the inner end answers for everything collected so far. */
void audit_defer_begin(void);
/* The last sequence number collected so far on this thread, or 0. */
int64_t audit_defer_last(void);
/* Stop collecting; returns the last sequence number appended, or 0 for none. */
int64_t audit_defer_end(void);
/*
 * Ask to be told when record `seq` is durable. Returns 1 when it already is, -1 when the trail
 * has failed, or 0 when done(ctx, ok) will be called later from the writer thread.
 */
int audit_when_durable(int64_t seq, void (*done)(void *ctx, bool ok), void *ctx);
/* Batches the writer could not commit so far: a request during which this changed is refused,
 * since some of its records may be among those lost (audit.c). */
uint64_t audit_failures(void);

/* Compute a record's chain hash from its fields and r->prev. */
void audit_record_hash(const struct audit_record *r, uint8_t out[HASH_BYTES]);

struct audit_verify_result {
	int64_t records;
	int64_t first_bad_seq; /* 0 when the chain is intact */
	const char *reason;
};
/* Walk the whole chain; progress(records_done) is called every 10,000 records if set. */
int audit_verify(struct audit_verify_result *out, void (*progress)(int64_t done));

/*
 * Signed checkpoints (docs/internals/CHECKPOINTS.md). The writer thread of `serve` makes one
 * after a commit every AUDIT_CHECKPOINT_RECORDS records or AUDIT_CHECKPOINT_SECONDS seconds;
 * command-line tools append inline, make one by count as they go, and call audit_checkpoint
 * before they exit. A checkpoint signs (seq, time, chain hash at seq) with the vault's audit
 * signing key, so deleting records up to a checkpoint, or rewriting the trail before it, is
 * detected; records after the newest checkpoint are not covered.
 */
/* Checkpoint every record written so far, unless one already covers them. 0, or -1. */
int audit_checkpoint(void);

struct audit_checkpoint_result {
	int64_t checked;      /* checkpoints verified */
	int64_t last_seq;     /* the newest verified checkpoint's seq (0: none) */
	int64_t last_ts_ms;   /* and when it was made */
	int64_t bad_seq;      /* the checkpoint that failed (0: none) */
	const char *reason;   /* why */
	int64_t missing_from; /* when records a checkpoint covers are gone: the first ... */
	int64_t missing_to;   /* ... and the last of them */
};
/*
 * Check checkpoints against the trail: each signed by pk (and naming pk's key id), each one's
 * hash equal to the stored chain hash at its seq, none beyond the trail's last record
 * (trail_last, from the chain walk). cps/n: checkpoints from an exported file, in seq order;
 * cps NULL: the trail's own. Returns 0 when all verify, 1 at the first that does not, -1 when
 * the trail cannot be read. progress(checkpoints done) every 10,000 if set.
 */
int audit_verify_checkpoints(const uint8_t pk[SIGN_PUBLIC_BYTES], const struct audit_checkpoint *cps,
			     size_t n, int64_t trail_last, struct audit_checkpoint_result *out,
			     void (*progress)(int64_t done));

/* The format name of an exported checkpoint file (audit export-checkpoints). */
#define AUDIT_EXPORT_FORMAT "medkeep-audit-checkpoints/1"
/*
 * Parse an exported checkpoint file (untrusted: it comes from whoever hands it over): the
 * public key and the checkpoints, in file order. *cps is malloc'ed (the caller frees it).
 * Returns 0, or -1 with *why saying what is wrong (nothing allocated).
 */
int audit_checkpoints_parse(const char *json, size_t len, uint8_t pk[SIGN_PUBLIC_BYTES],
			    struct audit_checkpoint **cps, size_t *n, const char **why);

#endif
