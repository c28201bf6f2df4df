#include "proc/breaker_event.h"

#include <string.h>

void breaker_event_put(struct msg_writer *w, const struct breaker_event *e)
{
	msg_put_id(w, &e->key);
	msg_put_u8(w, e->kind);
	msg_put_u8(w, e->app);
	msg_put_u8(w, e->role);
	msg_put_u64(w, e->patient);
	msg_put_u64(w, (uint64_t)e->amount);
	msg_put_u64(w, (uint64_t)e->at);
}

void breaker_event_get(struct msg_reader *r, struct breaker_event *e)
{
	memset(e, 0, sizeof(*e));
	msg_get_id(r, &e->key);
	e->kind = msg_get_u8(r);
	e->app = msg_get_u8(r);
	e->role = msg_get_u8(r);
	e->patient = msg_get_u64(r);
	uint64_t amount = msg_get_u64(r), at = msg_get_u64(r);
	if (e->kind < BREAKER_EV_CLINICAL || e->kind > BREAKER_EV_MISS || e->app > 1 || e->role >= 16 ||
	    amount > INT64_MAX || at > INT64_MAX)
		r->failed = true;
	e->amount = (int64_t)amount;
	e->at = (int64_t)at;
}
