/*
 * What the ingestion of HL7 v2 messages keeps (src/ingest, docs/internals/FEEDS.md):
 *
 * - feed_message: one row per message a feed sent (feed id, MSH-10), claimed before the
 *   message's effects and finished with its answer once they are durable, so that the same
 *   message again is answered as the first time and changes nothing. No PHI: ids, the
 *   message type, the answer and, for an error, the segment and field it names.
 * - feed_queue: messages whose patient could not be matched, waiting for a person of the
 *   practice. The message itself is PHI that belongs to no patient yet: it is kept sealed by
 *   the vault (vault_feedq_seal), bound to the row's id and the practice, and dropped once a
 *   person has decided. The reason is a fixed text.
 *
 * Neither table is reached with a grant: a queued message has no patient. Every caller is
 * the ingestion layer, which the listener, `medkeep feeds inject` and the queue's pages (for
 * staff that policy_may_work_feed_queue allows) go through.
 */
#ifndef MEDKEEP_STORE_INGEST_H
#define MEDKEEP_STORE_INGEST_H
#include "limits.h"
#include "store/store.h"

/* A message's row. control_id is MSH-10 as sent (raw, at most LIMIT_HL7_CONTROL_ID). */
struct store_feed_message {
	struct id feed;
	char control_id[LIMIT_HL7_CONTROL_ID + 1];
	int64_t received;
	bool done;         /* false: claimed, its effects under way (or cut short by a crash) */
	int ack;           /* enum hl7_ack_code */
	int err_code;      /* table 0357, 0 for none */
	char err_segment[4];
	int err_seg_seq;   /* which occurrence of that segment */
	int err_field;
	char kind[16];     /* "ORU^R01" */
	char outcome[16];  /* "enrolled", "updated", "filed", "queued", "error", "rejected", ... */
};

/*
 * Claim (feed, control id) at `now` for a message about to be applied, inside the caller's
 * transaction (the batch's, src/ingest), so that the claim, the message's effects and the
 * finish are committed together, or undone together when the caller rolls back:
 *   ERR_OK        claimed: a new row, not done; or a row left not done by a run that ended
 *                 before `stale_before` (a crash between the effects and the finish): taken
 *                 over (its received time set to now), *out filled, and the caller applies
 *                 the message again (its effects are idempotent, FEEDS.md "Duplicates");
 *   ERR_CONFLICT  seen and done already: *out is the first answer;
 *   ERR_PENDING   claimed by a run still under way (the sender sent it twice at once);
 *   ERR_INTERNAL.
 */
enum err store_feed_message_claim(const struct id *feed, const char *control_id, int64_t now,
				  int64_t stale_before, struct store_feed_message *out);
/* Finish a claimed row with its answer (done becomes true). ERR_OK, ERR_NOT_FOUND. */
enum err store_feed_message_finish(const struct store_feed_message *m);

/* Give up a claim whose message tripped the breaker (the message keeps what the trip wrote and
 * what it filed before it; the sender is told to retry): the row goes, so the resend is
 * applied once the feed is unlocked. Only a row not done. ERR_OK, ERR_NOT_FOUND. */
enum err store_feed_message_release(const struct id *feed, const char *control_id);

/* Forget the finished rows received before `before` (the retention run): their answers are in
 * the audit trail; a sender resending a message that old has it applied again. *removed: how
 * many went. */
enum err store_feed_messages_prune(int64_t before, int64_t *removed);

/* What a feed did in a time window, for the practice's feeds page (no PHI). */
struct store_feed_stats {
	int64_t last_received; /* 0: nothing yet (ever) */
	int64_t accepted, errored, rejected, queued; /* since `since` */
	int last_err_code;     /* the newest AE/AR in the window: code, segment, field (0: none) */
	char last_err_segment[4];
	int last_err_field;
	int64_t last_err_at;
};
enum err store_feed_stats(const struct id *feed, int64_t since, struct store_feed_stats *out);

/* A queued message. body_ct (sealed) only by store_feedq_get, while waiting. */
enum feedq_state { FEEDQ_WAITING = 0, FEEDQ_MATCHED, FEEDQ_REJECTED };
struct store_feedq {
	struct id id;
	struct id practice;
	struct id feed;
	char control_id[LIMIT_HL7_CONTROL_ID + 1];
	char kind[16];
	char reason[LIMIT_FEEDQ_REASON + 1];
	int64_t received;
	enum feedq_state state;
	bool has_decided_by;
	struct id decided_by;
	int64_t decided_at;
	char note[LIMIT_FEEDQ_REASON + 1]; /* a rejection's reason (a fixed text, ingest.h) */
	bool has_transfer; /* a registration of a patient enrolled elsewhere whose move a person */
	struct id transfer; /* asked for from it (TRANSFERS.md): applied once the move is made */
	struct bytes move_key; /* its key bound to that move (vault_feedq_bind_move), while waiting */
	struct bytes body_ct;
};

/* Queue a message (state waiting). ERR_OK; ERR_CONFLICT when (feed, control id) is queued
 * already (a replay after a crash: the first row stands); ERR_INTERNAL. */
enum err store_feedq_insert(const struct store_feedq *q);
/* Waiting messages of a practice, oldest first, at most `limit`, without bodies. */
enum err store_feedq_list(const struct id *practice, size_t limit, struct arena *a,
			  struct store_feedq **out, size_t *n);
/* One queued message of this practice, with its sealed body while it waits; ERR_NOT_FOUND
 * for an id of another practice or none. */
enum err store_feedq_get(const struct id *practice, const struct id *id, struct arena *a,
			 struct store_feedq *out);
/* Decide a waiting message: state, who, when, note (NULL or text); the sealed body is dropped.
 * ERR_NOT_FOUND when it is not waiting (decided meanwhile) or not this practice's. */
enum err store_feedq_decide(const struct id *practice, const struct id *id, enum feedq_state state,
			    const struct id *by, int64_t at, const char *note);
/* Link a waiting message to the move (transfer request) a person asked for from it, with its
 * key bound to that move. ERR_NOT_FOUND when it is not waiting or not this practice's. */
enum err store_feedq_link(const struct id *practice, const struct id *id, const struct id *transfer,
			  struct bytes move_key);
/* The waiting messages linked to a move, oldest first, at most `limit`, without bodies. */
enum err store_feedq_of_transfer(const struct id *transfer, size_t limit, struct arena *a,
				 struct store_feedq **out, size_t *n);

#endif
