/*
 * Several nodes' breaker facts (docs/internals/BREAKER.md, "Several nodes"): what each node's
 * vault counted, written by that node's sync process and read back by every other node's, so
 * that an actor's budget is one budget across nodes. Not patient data: an account or app
 * session id and a keyed fingerprint (proc/breaker_event.h); no grant.
 */
#ifndef MEDKEEP_STORE_BREAKER_H
#define MEDKEEP_STORE_BREAKER_H
#include <stddef.h>
#include <stdint.h>

#include "proc/breaker_event.h"
#include "store/store.h"

/* Add n facts counted on `node`, in one transaction. */
enum err store_breaker_events_add(const struct id *node, const struct breaker_event *ev,
				  size_t n);
/* Facts from nodes other than `node`, written after *cursor and none from before `since`,
 * oldest first, at most max; *cursor moves to the last one returned. */
enum err store_breaker_events_since(const struct id *node, int64_t *cursor, int64_t since,
				    struct breaker_event *out, size_t max, size_t *n);
/* Forget facts from before `before` (they have left every window). */
enum err store_breaker_events_prune(int64_t before);

#endif
