/* Internal to src/ingest: what ingest.c (the entry, duplicates, the queue's writes),
 * ingest_adt.c (the register), ingest_report.c (results and documents) and queue.c (the
 * queue's pages) share. Nothing outside src/ingest includes this header. */
#ifndef MEDKEEP_INGEST_INT_H
#define MEDKEEP_INGEST_INT_H
#include <stdbool.h>

#include "domain/domain.h"
#include "ingest/ingest.h"
#include "util/arena.h"

/* One message being applied. */
struct ingest_ctx {
	const struct ingest_feed *f;
	const char *raw;
	size_t len;
	const struct hl7_msg *m;
	struct arena *ar;
	/* A person chose the patient (a match from the queue): used instead of PID-3's NHI. */
	const struct id *patient;
	struct ingest_outcome *out;
	const char *outcome;      /* for the duplicate check's row: "enrolled", "filed", ... */
	const char *queue_reason; /* set: the message waits in the queue for this reason */
	char kind[16];            /* "ORU^R01" */
};

/* The value at (field, rep, comp, sub) of segment index seg, unescaped into the arena and
 * NUL-terminated: "" when absent or empty. -1 for an escape sequence that cannot be text
 * (then *out is NULL). */
int ingest_text(struct ingest_ctx *c, size_t seg, size_t field, size_t rep, size_t comp,
		size_t sub, const char **out);
/* Answer AE (or AR) naming segment index seg (0: the message) and field. Returns ERR_OK. */
enum err ingest_fail(struct ingest_ctx *c, enum hl7_ack_code ack, enum hl7_code code, size_t seg,
		     size_t field, const char *what);
/* Wait in the practice's queue for a person (AA, queued). */
enum err ingest_queue_for(struct ingest_ctx *c, const char *reason);
/* The live NHI of PID-3 (the repetition whose assigning authority or identifier type is NHI),
 * normalised; NULL with *code set (101 missing, 102 not an NHI) when there is none. The same
 * for MRG-1 with field 1 of segment index seg. */
const char *ingest_nhi(struct ingest_ctx *c, size_t seg, size_t field, enum hl7_code *code);
/* The message's patient for a result or a document: the one a person chose, or the one
 * PID-3's NHI names exactly. ERR_OK with *out; ERR_NOT_FOUND after answering (AE) or queueing;
 * ERR_INTERNAL, ERR_TRIPPED. */
enum err ingest_patient(struct ingest_ctx *c, struct id *out);
/* The patient PID-3's NHI at segment index pid names exactly; not found: queued (queue) or
 * answered AE 204 naming that PID (a message of several patients, which a person could not
 * match). Answers as ingest_patient does. */
enum err ingest_patient_at(struct ingest_ctx *c, size_t pid, bool queue, struct id *out);

/* The kinds of message (ingest_adt.c, ingest_report.c): ERR_OK once *c->out is decided. */
enum err ingest_adt(struct ingest_ctx *c);
enum err ingest_oru(struct ingest_ctx *c);
enum err ingest_document(struct ingest_ctx *c);

/* Apply a parsed message (no duplicate check): the listener's path through ingest_hl7, and a
 * person's match from the queue (patient set). */
enum err ingest_apply(struct ingest_ctx *c);

/* One message of a batch, inside the batch's transaction: the duplicate check's claim, the
 * message applied, the claim finished with the answer; j->out filled. ERR_OK whenever an
 * answer is decided; ERR_INTERNAL when the caller must undo the message (its savepoint) and
 * answer AR; ERR_TRIPPED (answer AR) when the breaker stopped the feed: the caller keeps the
 * savepoint, for the trip's lock and notice are in it, and the claim is given back already. */
enum err ingest_one(struct ingest_job *j);

/* Apply jobs[0..n) as one batch on this thread (ingest_batch.c): one store transaction, each
 * message in a savepoint, the batch's audit records made durable together before its commit.
 * Sets each job's rc (and *out); when the batch as a whole cannot be committed, every job's
 * rc is ERR_INTERNAL and nothing of it stays but audit records of attempts. */
void ingest_batch_apply(struct ingest_job **jobs, size_t n);
/* Whether a waiting message of next_len bytes joins a batch that holds n messages of `bytes`
 * bytes so far (LIMIT_INGEST_BATCH_MESSAGES, LIMIT_INGEST_BATCH_BYTES; the first always). */
bool ingest_batch_fits(size_t n, size_t bytes, size_t next_len);

#endif
