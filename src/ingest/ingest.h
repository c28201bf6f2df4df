/*
 * Ingestion of HL7 v2 messages from a practice's feeds (docs/internals/FEEDS.md): what a
 * laboratory's or hospital's message does to the record, through the same gate, vault,
 * breaker and audit trail as everything else, with the feed as the actor (ROLE_SYSTEM).
 *
 *   ADT^A04, ^A28  register: register_enrol
 *   ADT^A08, ^A31  update: register_find_nhi, register_update
 *   ADT^A40        merge: the live NHI (PID-3) and the dormant one (MRG-1)
 *   ORU^R01        results: DiagnosticReport and Observations, held for release as today
 *   MDM^T02, REF^I12  letters, referrals, discharge summaries: a DocumentReference, the PDF
 *                  from the encapsulated data (OBX-5, ED, Base64)
 *
 * The listener (src/mllp) parses, submits each message (ingest_submit: applied in a batch with
 * those of other connections), and answers with the ACK decided, only after it returns: by
 * then every effect is durable. A message seen before from the same feed (its MSH-10) is
 * answered as it was the first time and changes nothing. A message whose patient cannot be matched exactly by NHI is never guessed
 * at: it waits in the practice's feed queue for a person (AA, queued).
 */
#ifndef MEDKEEP_INGEST_H
#define MEDKEEP_INGEST_H
#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>

#include "hl7/hl7.h"
#include "policy/policy.h"
#include "util/err.h"
#include "util/id.h"

/* A feed as the listener knows it once the sender is identified (store_feed_by_cert or, on
 * a plain loopback listener, store_feed_by_facility). */
struct ingest_feed {
	struct id feed;
	struct id practice;
	const struct actor *actor; /* ROLE_SYSTEM, its token minted by vault_system_token */
};

struct ingest_outcome {
	enum hl7_ack_code code;  /* AA, AE or AR */
	struct hl7_error err;    /* where and why, for AE and AR (code 0: none) */
	bool queued;             /* AA: held in the practice's feed queue for a person */
	bool duplicate;          /* AA/AE/AR repeated from the first time this MSH-10 came */
};

/*
 * Apply one parsed message (m over raw[0..len)) from feed f. Returns ERR_OK with *out filled
 * whenever an ACK can be given (AA, AE or AR alike), and ERR_INTERNAL (or ERR_TRIPPED) when
 * the service cannot take messages now: the listener then answers AR and the sender retries
 * later. Never returns before the message's effects (the record, the queue, the duplicate
 * check's row, the audit records) are durable.
 */
enum err ingest_hl7(const struct ingest_feed *f, const char *raw, size_t len,
		    const struct hl7_msg *m, struct ingest_outcome *out);

/*
 * The listener's way in: one message, applied with the messages that other connections'
 * threads submit meanwhile (FEEDS.md "Batches"): one store transaction and one audit commit
 * for the batch, each message in a savepoint of its own, so that its failure undoes it alone.
 * The caller fills the inputs (the same as ingest_hl7's, each valid until this returns) and
 * out; the rest is ingest_submit's. Blocks until the message's batch is durable (or undone),
 * then returns what ingest_hl7 would (ERR_OK with *out, or ERR_INTERNAL / ERR_TRIPPED: answer
 * AR). A thread submitting alone is applied at once, on its own thread: nothing waits for
 * company.
 */
struct ingest_job {
	const struct ingest_feed *f;
	const char *raw;
	size_t len;
	const struct hl7_msg *m;
	struct ingest_outcome *out;
	/* ingest_submit's */
	enum err rc;
	bool done;
	pthread_cond_t wake; /* its thread waits here: done, or its turn to lead a batch */
	struct ingest_job *next;
};
enum err ingest_submit(struct ingest_job *j);

/* --- a feed as an actor (the listener, `medkeep feeds inject`, a match from the queue) --- */

/* A ROLE_SYSTEM actor for feed `feed` of `practice` with the system scopes a feed needs (find
 * by NHI, write the register, file results and documents), its token minted by
 * vault_system_token into token (owned by the caller, who wipes it). ip: the sender's
 * address, or "local" for the command line. ERR_OK or ERR_INTERNAL. */
#include "vault/vault.h"
enum err ingest_feed_actor(const struct id *feed, const struct id *practice, const char *ip,
			   struct actor *out, char token[SESSION_TOKEN_B64_LEN + 1]);
/* The same actor around a token already minted (session, at wall time `minted`): for the MLLP
 * listener, which keeps a connection's token and mints again at half its life. */
void ingest_feed_actor_of(const struct id *feed, const struct id *practice, const struct id *session,
			  const char *token, int64_t minted, const char *ip, struct actor *out);

/* --- the practice's feed queue, for its staff (docs/internals/FEEDS.md "The queue") --- */

#include "store/feeds.h"
#include "store/ingest.h"
#include "util/arena.h"

/* Each live feed of the actor's practice and what it did in the last FEEDS_PAGE_DAYS days. */
#define FEEDS_PAGE_DAYS 7
struct feed_status {
	struct store_feed feed;
	struct store_feed_stats stats;
};
enum err ingest_feeds_status(const struct actor *a, struct arena *ar, struct feed_status **out,
			     size_t *n);

/* The waiting messages of the actor's practice, oldest first (at most LIMIT_FEEDQ_LIST), with
 * each one's feed name; no PHI. ERR_DENIED unless policy_may_work_feed_queue. */
struct feedq_row {
	struct store_feedq q;
	const char *feed_name;
};
enum err ingest_queue_list(const struct actor *a, struct arena *ar, struct feedq_row **out,
			   size_t *n);

/* One waiting message opened by the vault for the actor (audited `feed.queue.open`): who it
 * names, so that a person can decide. Strings in ar; "" when the message leaves one out. */
struct feedq_detail {
	struct feedq_row row;
	const char *nhi, *family, *given, *birth_date, *sex;
	const char *prior_nhi;  /* ADT^A40: MRG-1 */
	const char *summary;    /* e.g. "2 reports, 7 observations", "a PDF letter" */
	bool can_match;         /* results, letters and updates can be matched; enrolments and
				 * merges are decided in the register, then rejected here */
	bool is_update;         /* matching it replaces the patient's details with the message's */
	bool is_registration;   /* ADT^A04/A28 (queued: its NHI is enrolled at another practice):
				 * a person may ask for the patient's move from it */
	enum feedq_move_state { FEEDQ_MOVE_NONE = 0, FEEDQ_MOVE_ASKED, FEEDQ_MOVE_MADE, FEEDQ_MOVE_REFUSED }
		move;           /* the move linked to it, if any */
	int64_t move_asked;     /* when it was asked */
};
enum err ingest_queue_open(const struct actor *a, const struct id *item, struct arena *ar,
			   struct feedq_detail *out);

/* Match a waiting message to an enrolled patient of the practice (by patient id, or by NHI
 * when patient is NULL) and apply it for them by the same ingestion, as its feed, with the
 * actor recorded as who decided (audited `feed.queue.match`). ERR_OK; ERR_NOT_FOUND (no such
 * waiting message, or no such patient the actor reaches); ERR_INVALID with *why (a message
 * that cannot be matched, or that the patient's record refused). */
enum err ingest_queue_match(const struct actor *a, const struct id *item, const struct id *patient,
			    const char *nhi, const char **why);
/* Reject a waiting message with one of ingest_reject_reasons (fixed texts, NULL-terminated:
 * a reason typed freely could name someone, and it is kept), audited `feed.queue.reject`; its
 * sealed copy is dropped. ERR_OK, ERR_NOT_FOUND, ERR_INVALID. */
extern const char *const ingest_reject_reasons[];
enum err ingest_queue_reject(const struct actor *a, const struct id *item, const char *reason,
			     const char **why);

/*
 * Moves started by HL7 (docs/internals/TRANSFERS.md): a registration (ADT^A04/A28) for an NHI
 * enrolled at another practice waits; a person of the practice (policy_may_ask_transfer, via
 * transfer_ask: the same limits, audit and emails as /practice/transfers) asks for the
 * patient's move from it, audited `feed.queue.ask`, and the item is linked to the request
 * (*request). ERR_OK; ERR_NOT_FOUND (no such waiting item for the actor); ERR_INVALID with
 * *why (not a registration, no valid NHI, a move of it waiting already); or what
 * transfer_ask answers (ERR_HELD, ERR_CONFLICT, ERR_THROTTLED, ERR_DENIED, ...).
 */
enum err ingest_queue_ask_move(const struct actor *a, const struct id *item, struct id *request,
			       const char **why);
/* Once request is moved (by the patient, the practice being left, or the operator): apply the
 * waiting registrations linked to it for the patient, as their feed (audited
 * `feed.queue.apply` from the feed, then as the registration's own update), and close them.
 * Each is opened by the vault for decider, who made the move (its key was bound to the move
 * when it was asked: vault_feedq_bind_move); NULL for the operator's command line, which
 * holds the master key. Best effort after the move: one that cannot be applied stays waiting
 * for a person (logged with ids). ERR_OK; ERR_NOT_FOUND when the request is not moved. */
enum err ingest_queue_after_move(const struct actor *decider, const struct id *request);

#endif
