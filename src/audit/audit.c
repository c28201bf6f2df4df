#include "audit/audit.h"

#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "crypto/crypto.h"

static pthread_mutex_t chain_lock = PTHREAD_MUTEX_INITIALIZER;
static int64_t chain_seq;
static uint8_t chain_head[HASH_BYTES];

int audit_init(void)
{
	return store_audit_last(&chain_seq, chain_head) == STORE_OK ? 0 : -1;
}

static void put_field(struct buf *b, const char *s)
{
	buf_printf(b, "%zu:%s;", strlen(s), s);
}

void audit_record_hash(const struct audit_record *r, uint8_t out[HASH_BYTES])
{
	struct arena a;
	arena_init(&a, 4096);
	struct buf b;
	buf_init(&b, &a, 2048);
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

	pthread_mutex_lock(&chain_lock);
	r.seq = chain_seq + 1;
	memcpy(r.prev, chain_head, HASH_BYTES);
	audit_record_hash(&r, r.hash);
	int rc = store_audit_insert(&r);
	if (rc == STORE_OK) {
		chain_seq = r.seq;
		memcpy(chain_head, r.hash, HASH_BYTES);
	}
	pthread_mutex_unlock(&chain_lock);
	return rc == STORE_OK ? 0 : -1;
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
	/* A deleted tail is only visible against the head we hold; verify runs offline, so
	 * compare with the stored last record instead (done by the caller via seq count). */
	return out->first_bad_seq == 0 ? 0 : 1;
}
