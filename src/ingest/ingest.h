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
 * The listener (src/mllp) parses, calls ingest_hl7 once per message, and answers with the ACK
 * that ingest_hl7 decided, only after it returns: by then every effect is durable. A message
 * seen before from the same feed (its MSH-10) is answered as it was the first time and
 * changes nothing. A message whose patient cannot be matched exactly by NHI is never guessed
 * at: it waits in the practice's feed queue for a person (AA, queued).
 */
#ifndef MEDKEEP_INGEST_H
#define MEDKEEP_INGEST_H
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

#endif
