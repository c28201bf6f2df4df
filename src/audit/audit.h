/*
 * The audit trail (invariants 3 and 6): every access to patient data, allowed or denied,
 * and every login, logout and failed login. Each record's hash covers the previous record's
 * hash, so a changed, removed or reordered record breaks the chain from that point on.
 *
 * audit_append returns only after the record is durable (the store commits with
 * synchronous=FULL); callers send data only after it returned 0.
 */
#ifndef MEDKEEP_AUDIT_H
#define MEDKEEP_AUDIT_H
#include <stdint.h>

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

struct audit_event {
	const struct actor *actor; /* NULL for anonymous (failed login, unknown) */
	const char *action;        /* e.g. "document.read", "login" */
	const struct id *patient;  /* NULL when not about one patient */
	const char *rtype;         /* "DocumentReference", "Binary", "Patient", "-" */
	const struct id *rid;      /* NULL when none */
	const char *outcome;
	int64_t bytes; /* bytes of patient data served */
	const char *ip; /* only when actor is NULL */
};

/* Append one durable record; -1 when it could not be written (then serve nothing). */
int audit_append(const struct audit_event *e) __attribute__((warn_unused_result));

/* Compute a record's chain hash from its fields and r->prev. */
void audit_record_hash(const struct audit_record *r, uint8_t out[HASH_BYTES]);

struct audit_verify_result {
	int64_t records;
	int64_t first_bad_seq; /* 0 when the chain is intact */
	const char *reason;
};
/* Walk the whole chain; progress(records_done) is called every 10,000 records if set. */
int audit_verify(struct audit_verify_result *out, void (*progress)(int64_t done));

#endif
