/*
 * The exfiltration breaker's bookkeeping (see breaker.h for what it counts and why).
 *
 * Layout: one open-addressing table of 64-byte slots, keyed by account id (or by an app
 * token's session id), linear probing with backward-shift deletion (no tombstones). Every
 * operation first makes room for the slots it may insert (sweeping idle actors, growing the
 * table up to its bound) and only then looks anything up, so no pointer into the table is ever
 * held across a move: the use-after-free of the first design (a second lookup rebuilt the
 * table under the first one's pointer) cannot recur by construction.
 */
#include "vault/breaker.h"

#include <math.h>
#include <pthread.h>
#include <sodium.h>
#include <stdlib.h>
#include <string.h>


#define HLL_BITS 10
#define HLL_REGISTERS (1u << HLL_BITS)
#define REGISTER_EXACT 32u

/* A patient in a reach list: a keyed 64-bit fingerprint of their id (collisions among the few
 * hundred an actor may reach are out of reach) and when they were last opened. */
struct seen {
	uint64_t patient;
	uint32_t last;
};

/* What one actor reached of other patients' records; only actors who open someone else's. */
struct reach {
	struct seen *seen; /* clinical: distinct other patients in the window (exact) */
	uint32_t n_seen, cap_seen;
	int64_t tokens_milli; /* burst allowance, in thousandths of a patient */
	int64_t tokens_at;
	/* demographics: distinct other patients per fixed window, the previous window's count
	 * weighted in (a sliding estimate): the first REGISTER_EXACT exactly (a carer's switcher),
	 * beyond them a HyperLogLog (~3% error, 1 KB however many: staff and the register) */
	int64_t hll_start;
	double hll_prev;
	uint32_t n_exact;
	uint64_t exact[REGISTER_EXACT];
	struct hll *hll; /* made when the exact list overflows */
};

struct hll {
	double sum;     /* of 2^-register, kept as registers change: the estimate is O(1) */
	uint32_t zeros; /* registers still 0 */
	uint8_t reg[HLL_REGISTERS];
};

struct tracker {
	struct id key;
	uint32_t last;       /* times are seconds since the epoch (to 2106) */
	uint32_t tripped_at; /* 0: never tripped; else when it tripped, or was released (reason) */
	uint32_t bytes_start, miss_start;
	uint32_t kib_cur, kib_prev; /* bytes opened, in KiB, this window and the one before */
	uint16_t miss_cur, miss_prev;
	uint16_t apps; /* app trackers this account made in this window */
	uint16_t byte_rem; /* bytes of this window short of a whole KiB */
	uint8_t used, app, reason;
	struct reach *reach;
};
_Static_assert(sizeof(struct tracker) <= 64, "a breaker slot is meant to fit a cache line");

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static bool any_release; /* read without the lock: nothing to look up until a first unlock */
static struct breaker_config config;
static bool configured;
static struct tracker *slots;
static size_t cap;       /* slots, a power of two */
static size_t count;     /* used slots */
static size_t max_cap;   /* the most slots the table may grow to */
static size_t sweep_at;  /* where the incremental sweep goes on */
static int64_t full_sweep_at;
static size_t reach_bytes;
static uint8_t hash_key[crypto_shorthash_KEYBYTES];
static bool keyed;

/* Facts counted here, waiting for the sync process (several nodes): a ring, NULL on one node. */
static struct breaker_event *ring;
static size_t ring_cap, ring_head, ring_len;
static uint64_t ring_dropped;

#define MIN_CAP 1024u
#define SWEEP_STEP 8u
#define SHARE_MERGE_LOOKBACK 16u

static uint32_t u32(int64_t t)
{
	return t <= 0 ? 0 : t >= (int64_t)UINT32_MAX ? UINT32_MAX : (uint32_t)t;
}

static uint64_t hash_id(const struct id *k, uint8_t domain)
{
	uint8_t in[ID_BYTES + 1], out[crypto_shorthash_BYTES];
	memcpy(in, k->b, ID_BYTES);
	in[ID_BYTES] = domain;
	crypto_shorthash(out, in, sizeof(in), hash_key);
	uint64_t h;
	memcpy(&h, out, sizeof(h));
	return h;
}

static size_t home(const struct id *key)
{
	return (size_t)hash_id(key, 0) & (cap - 1);
}

static void reach_free(struct reach *r)
{
	if (r == NULL)
		return;
	reach_bytes -= sizeof(*r) + (size_t)r->cap_seen * sizeof(struct seen) +
		       (r->hll ? sizeof(*r->hll) : 0);
	free(r->seen);
	free(r->hll);
	free(r);
}

static void forget_all(void)
{
	for (size_t i = 0; i < cap; i++)
		if (slots[i].used)
			reach_free(slots[i].reach);
	free(slots);
	slots = NULL;
	cap = count = sweep_at = 0;
	full_sweep_at = 0;
}

static void set_bounds(void)
{
	/* Enough slots for `actors` at a load of at most 3/4. */
	uint64_t want = (uint64_t)(config.actors > 0 ? config.actors : 1) * 4 / 3 + 1;
	max_cap = MIN_CAP;
	while (max_cap < want && max_cap < ((size_t)1 << 40))
		max_cap <<= 1;
}

static void ensure_configured(void)
{
	if (!configured) {
		breaker_defaults(&config);
		configured = true;
		set_bounds();
	}
	if (!keyed) {
		randombytes_buf(hash_key, sizeof(hash_key));
		keyed = true;
	}
}

void breaker_configure(const struct breaker_config *c)
{
	pthread_mutex_lock(&lock);
	ensure_configured();
	forget_all();
	config = *c;
	configured = true;
	set_bounds();
	pthread_mutex_unlock(&lock);
}

/* --- the table --- */

static struct tracker *find(const struct id *key)
{
	if (cap == 0)
		return NULL;
	size_t s = home(key);
	for (size_t probes = 0; probes < cap && slots[s].used; probes++, s = (s + 1) & (cap - 1))
		if (id_eq(&slots[s].key, key))
			return &slots[s];
	return NULL;
}

/* Remove slot i and pull later members of its probe run back (backward-shift deletion). */
static void remove_at(size_t i)
{
	reach_free(slots[i].reach);
	size_t j = i;
	for (;;) {
		j = (j + 1) & (cap - 1);
		if (!slots[j].used)
			break;
		size_t k = home(&slots[j].key);
		/* Slot j may move to i only if its home is not cyclically within (i, j]. */
		bool stays = (i <= j) ? (i < k && k <= j) : (i < k || k <= j);
		if (stays)
			continue;
		slots[i] = slots[j];
		i = j;
	}
	memset(&slots[i], 0, sizeof(slots[i]));
	count--;
}

/* Stopped now. A released tracker keeps its release time in tripped_at (breaker_release). */
static bool is_tripped(const struct tracker *t)
{
	return t->tripped_at && t->reason != BREAKER_REASON_RELEASED;
}

/* An actor with nothing left to count: idle for a window (a tripped one for a week of them). */
static bool expired(const struct tracker *t, int64_t now)
{
	int64_t idle = now - (int64_t)t->last;
	int64_t w = config.window_seconds > config.miss_window_seconds ? config.window_seconds
									: config.miss_window_seconds;
	return t->tripped_at ? idle > 7 * w : idle > w;
}

static void sweep(size_t steps, int64_t now)
{
	for (size_t n = 0; n < steps && cap > 0 && count > 0; n++) {
		size_t i = sweep_at & (cap - 1);
		if (slots[i].used && expired(&slots[i], now))
			remove_at(i); /* a later slot may have moved into i: look at it again */
		else
			sweep_at = i + 1;
	}
}

static int grow(size_t want)
{
	struct tracker *bigger = calloc(want, sizeof(*bigger));
	if (bigger == NULL)
		return -1;
	struct tracker *old = slots;
	size_t old_cap = cap;
	slots = bigger;
	cap = want;
	for (size_t i = 0; i < old_cap; i++) {
		if (!old[i].used)
			continue;
		size_t s = home(&old[i].key);
		while (slots[s].used)
			s = (s + 1) & (cap - 1);
		slots[s] = old[i];
	}
	free(old);
	sweep_at = 0;
	return 0;
}

/*
 * Make room for up to n new actors before anything is looked up: sweep a little, grow while
 * the bound allows, and when the table is at its bound, sweep it whole (at most once a
 * minute). Nothing moves between this and the end of the operation.
 */
static void reserve(size_t n, int64_t now)
{
	if (slots == NULL) {
		slots = calloc(MIN_CAP, sizeof(*slots));
		cap = slots ? MIN_CAP : 0;
	}
	if (cap == 0)
		return;
	sweep(SWEEP_STEP, now);
	if ((count + n) * 4 <= cap * 3)
		return;
	if (cap < max_cap && grow(cap * 2) == 0)
		return;
	if (now - full_sweep_at >= 60) {
		full_sweep_at = now;
		sweep(cap * 2, now);
	}
}

/* The actor's slot, made when missing; NULL when no room (the table is at its bound). */
static struct tracker *obtain(const struct id *key, bool app, int64_t now)
{
	struct tracker *t = find(key);
	if (t != NULL)
		return t;
	if (cap == 0 || (int64_t)count >= config.actors || (count + 1) * 8 > cap * 7)
		return NULL; /* at the bound: this actor is refused, those counted go on */
	size_t s = home(key);
	while (slots[s].used)
		s = (s + 1) & (cap - 1);
	t = &slots[s];
	memset(t, 0, sizeof(*t));
	t->used = 1;
	t->app = app;
	t->key = *key;
	t->last = u32(now);
	t->bytes_start = t->miss_start = u32(now);
	count++;
	return t;
}

/* --- the counts --- */

/* Roll a pair of fixed windows of length w forward to now; returns the weight of the previous
 * one in a sliding estimate. */
static double roll(uint32_t *start, uint32_t *cur, uint32_t *prev, int64_t w, int64_t now)
{
	int64_t elapsed = now - (int64_t)*start;
	if (elapsed >= 2 * w || elapsed < 0) {
		*prev = 0;
		*cur = 0;
		*start = u32(now);
		elapsed = 0;
	} else if (elapsed >= w) {
		*prev = *cur;
		*cur = 0;
		*start = u32((int64_t)*start + w);
		elapsed -= w;
	}
	return w > 0 ? (double)(w - elapsed) / (double)w : 0.0;
}

static const struct breaker_budget *budget_of(enum role role)
{
	return &config.role[(role >= 0 && role < BREAKER_ROLES) ? role : ROLE_NONE];
}

static struct reach *reach_of(struct tracker *t)
{
	if (t->reach == NULL) {
		t->reach = calloc(1, sizeof(*t->reach));
		if (t->reach != NULL)
			reach_bytes += sizeof(*t->reach);
	}
	return t->reach;
}

static void hll_reset(struct hll *h)
{
	memset(h->reg, 0, sizeof(h->reg));
	h->sum = HLL_REGISTERS;
	h->zeros = HLL_REGISTERS;
}

/* Add x; true when a register rose (what another node must hear of to count the same). */
static bool hll_add(struct hll *h, uint64_t x)
{
	unsigned j = (unsigned)(x >> (64 - HLL_BITS));
	uint64_t rest = (x << HLL_BITS) | ((uint64_t)1 << (HLL_BITS - 1));
	uint8_t rank = (uint8_t)(__builtin_clzll(rest) + 1);
	if (rank <= h->reg[j])
		return false;
	h->sum += ldexp(1.0, -(int)rank) - ldexp(1.0, -(int)h->reg[j]);
	h->zeros -= h->reg[j] == 0;
	h->reg[j] = rank;
	return true;
}

static double hll_estimate(const struct hll *h)
{
	double m = HLL_REGISTERS;
	double e = (0.7213 / (1.0 + 1.079 / m)) * m * m / h->sum;
	if (e <= 2.5 * m && h->zeros > 0)
		e = m * log(m / (double)h->zeros); /* few patients: linear counting, near exact */
	return e;
}

/* Distinct other patients' demographics this window. */
static double register_count(const struct reach *r)
{
	return r->hll ? hll_estimate(r->hll) : (double)r->n_exact;
}

/* Start the next fixed window of demographics once now has left the current one. */
static void register_roll(struct reach *r, int64_t now)
{
	int64_t w = config.window_seconds;
	if (now - r->hll_start < w && r->hll_start != 0)
		return;
	bool adjacent = r->hll_start != 0 && now - r->hll_start < 2 * w;
	r->hll_prev = adjacent ? register_count(r) : 0;
	r->hll_start = adjacent ? r->hll_start + w : now;
	r->n_exact = 0;
	if (r->hll) {
		reach_bytes -= sizeof(*r->hll);
		free(r->hll);
		r->hll = NULL;
	}
}

/* Count fingerprint h: 1 when that changed the count (another node must hear of it), 0 when
 * it was counted already, -1 without the memory to count it. */
static int register_add(struct reach *r, uint64_t h)
{
	if (r->hll == NULL) {
		for (uint32_t i = 0; i < r->n_exact; i++)
			if (r->exact[i] == h)
				return 0;
		if (r->n_exact < REGISTER_EXACT) {
			r->exact[r->n_exact++] = h;
			return 1;
		}
		/* past the exact list: count on in a HyperLogLog, from what it held */
		r->hll = malloc(sizeof(*r->hll));
		if (r->hll == NULL)
			return -1;
		reach_bytes += sizeof(*r->hll);
		hll_reset(r->hll);
		for (uint32_t i = 0; i < r->n_exact; i++)
			(void)hll_add(r->hll, r->exact[i]);
	}
	return hll_add(r->hll, h) ? 1 : 0;
}

/* Count one more other patient's demographics (fingerprint h); true when past the budget.
 * *fresh: the count changed. */
static bool over_register(struct reach *r, uint64_t h, int64_t budget, int64_t now, bool *fresh)
{
	int64_t w = config.window_seconds;
	register_roll(r, now);
	int added = register_add(r, h);
	if (added < 0)
		return true; /* fail closed */
	*fresh = added == 1;
	double weight = (double)(w - (now - r->hll_start)) / (double)w;
	double total = register_count(r) + r->hll_prev * (weight > 0 ? weight : 0);
	return total > (double)budget + 0.5;
}

/* Is fp among the other patients reached in the window? Drops those that left it, and marks
 * fp reached again at `at`. */
static bool seen_recently(struct reach *r, uint64_t fp, int64_t now, int64_t at)
{
	uint32_t j = 0;
	bool found = false;
	for (uint32_t i = 0; i < r->n_seen; i++) {
		if (now - (int64_t)r->seen[i].last > config.window_seconds)
			continue; /* left the window */
		if (r->seen[i].patient == fp) {
			if (at > (int64_t)r->seen[i].last)
				r->seen[i].last = u32(at);
			found = true;
		}
		r->seen[j++] = r->seen[i];
	}
	r->n_seen = j;
	return found;
}

/* The burst allowance: full at first, refilled at a person's pace up to now. */
static void refill(struct reach *r, const struct breaker_budget *b, int64_t now)
{
	if (r->tokens_at == 0) {
		r->tokens_milli = b->burst * 1000;
		r->tokens_at = now;
	} else if (now > r->tokens_at) {
		int64_t add = (now - r->tokens_at) * b->per_hour * 1000 / 3600;
		r->tokens_milli = r->tokens_milli + add > b->burst * 1000 ? b->burst * 1000
									   : r->tokens_milli + add;
		r->tokens_at = now;
	}
}

/* Remember fp as reached at `at`, and spend one patient of the burst allowance; -1 without
 * memory. */
static int seen_add(struct reach *r, uint64_t fp, const struct breaker_budget *b, int64_t now,
		    int64_t at)
{
	if (r->n_seen == r->cap_seen) {
		uint32_t more = r->cap_seen ? r->cap_seen + r->cap_seen / 2 : 8;
		struct seen *p = realloc(r->seen, (size_t)more * sizeof(*p));
		if (p == NULL)
			return -1;
		reach_bytes += (size_t)(more - r->cap_seen) * sizeof(*p);
		r->seen = p;
		r->cap_seen = more;
	}
	refill(r, b, now);
	r->tokens_milli -= 1000;
	r->seen[r->n_seen++] = (struct seen){fp, u32(at)};
	return 0;
}

/* Count one more other patient's clinical content (fingerprint fp); sets *why when past a
 * budget, *fresh when the patient is new in the window (another node must hear of it). */
static bool over_clinical(struct reach *r, uint64_t fp, const struct breaker_budget *b,
			  int64_t now, enum breaker_reason *why, bool *fresh)
{
	if (seen_recently(r, fp, now, now))
		return false;
	if ((int64_t)r->n_seen >= b->other_patients) {
		*why = BREAKER_REASON_BUDGET;
		return true;
	}
	refill(r, b, now);
	if (r->tokens_milli < 1000) {
		*why = BREAKER_REASON_BURST;
		return true;
	}
	if (seen_add(r, fp, b, now, now) != 0) {
		*why = BREAKER_REASON_BUDGET; /* fail closed */
		return true;
	}
	*fresh = true;
	return false;
}

/* Keep a fact for the sync process (under the lock); a full ring loses it, counted. */
static void share(const struct id *key, bool app, enum role role, enum breaker_event_kind kind,
		  uint64_t patient, int64_t amount, int64_t now)
{
	if (ring == NULL)
		return;
	if (ring_len == ring_cap) {
		ring_dropped++;
		return;
	}
	ring[(ring_head + ring_len++) % ring_cap] =
		(struct breaker_event){.key = *key, .kind = (uint8_t)kind, .app = app,
				       .role = (uint8_t)role, .patient = patient,
				       .amount = amount, .at = now};
}

/* Count bytes opened by t at now; returns the window's total (the previous window weighted). */
static double add_bytes(struct tracker *t, int64_t bytes, int64_t now)
{
	uint32_t window_was = t->bytes_start;
	double weight = roll(&t->bytes_start, &t->kib_cur, &t->kib_prev, config.window_seconds, now);
	if (t->bytes_start != window_was) {
		t->apps = 0; /* a new window: the app slots of two windows ago are gone by now */
		t->byte_rem = 0;
	}
	uint64_t sum = (uint64_t)t->byte_rem + (uint64_t)(bytes > 0 ? bytes : 0);
	uint64_t kib = (uint64_t)t->kib_cur + sum / 1024;
	t->byte_rem = (uint16_t)(sum % 1024);
	t->kib_cur = (uint32_t)(kib > UINT32_MAX ? UINT32_MAX : kib);
	return ((double)t->kib_cur + (double)t->kib_prev * weight) * 1024.0 + t->byte_rem;
}

static void trip(struct tracker *t, enum breaker_reason why, int64_t now)
{
	t->tripped_at = u32(now > 0 ? now : 1);
	t->reason = (uint8_t)why;
}

enum breaker_verdict breaker_open(const struct breaker_actor *a, enum breaker_reach reach,
				  const struct id *patient, int64_t bytes, int64_t now)
{
	pthread_mutex_lock(&lock);
	ensure_configured();
	reserve(1, now);
	enum breaker_verdict v = BREAKER_OK;
	struct tracker *t = obtain(&a->account, false, now);
	struct tracker *app = a->app ? find(&a->session) : NULL;
	if (t == NULL) {
		v = BREAKER_FULL;
		goto out;
	}
	if (is_tripped(t) || (app && is_tripped(app))) {
		v = BREAKER_TRIPPED;
		goto out;
	}
	t->last = u32(now);
	const struct breaker_budget *b = budget_of(a->role);
	enum breaker_reason why = BREAKER_REASON_NONE;
	bool own = a->has_patient && id_eq(&a->own_patient, patient);
	if (!own) {
		struct reach *r = reach_of(t);
		bool demographics = reach == BREAKER_DEMOGRAPHICS, fresh = false;
		uint64_t fp = hash_id(patient, demographics ? 1 : 2);
		if (r == NULL)
			why = BREAKER_REASON_BUDGET; /* no memory to count: refuse rather than not count */
		else if (demographics) {
			if (over_register(r, fp, b->register_patients, now, &fresh))
				why = BREAKER_REASON_BUDGET;
		} else {
			(void)over_clinical(r, fp, b, now, &why, &fresh);
		}
		if (fresh)
			share(&a->account, false, a->role,
			      demographics ? BREAKER_EV_DEMOGRAPHICS : BREAKER_EV_CLINICAL, fp, 1, now);
	}
	double total = add_bytes(t, bytes, now);
	if (bytes > 0)
		share(&a->account, false, a->role, BREAKER_EV_BYTES, 0, bytes, now);
	if (why == BREAKER_REASON_NONE && total > (double)b->bytes)
		why = BREAKER_REASON_BUDGET;
	if (why != BREAKER_REASON_NONE) {
		trip(t, why, now);
		v = BREAKER_TRIP;
	}
out:
	pthread_mutex_unlock(&lock);
	return v;
}

/* n more not-found answers for t; returns the window's count (the previous one weighted). */
static double add_misses(struct tracker *t, int64_t n, int64_t now)
{
	uint32_t cur = t->miss_cur, prev = t->miss_prev;
	double weight = roll(&t->miss_start, &cur, &prev, config.miss_window_seconds, now);
	cur = (int64_t)cur + n < UINT16_MAX ? (uint32_t)((int64_t)cur + n) : UINT16_MAX;
	t->miss_cur = (uint16_t)cur;
	t->miss_prev = (uint16_t)prev;
	return (double)cur + (double)prev * weight;
}

/* One more not-found answer for t (told to the other nodes); true when past the budget. */
static bool over_misses(struct tracker *t, enum role role, int64_t now)
{
	share(&t->key, t->app, role, BREAKER_EV_MISS, 0, 1, now);
	return add_misses(t, 1, now) > (double)config.misses + 0.5;
}

enum breaker_verdict breaker_miss(const struct breaker_actor *a, int64_t now)
{
	pthread_mutex_lock(&lock);
	ensure_configured();
	reserve(2, now);
	enum breaker_verdict v = BREAKER_OK;
	struct tracker *t = obtain(&a->account, false, now);
	if (t == NULL) {
		v = BREAKER_FULL;
		goto out;
	}
	if (is_tripped(t)) {
		v = BREAKER_TRIPPED;
		goto out;
	}
	t->last = u32(now);
	if (a->app) {
		/* An app's mistakes fall on the app, never on the patient it acts for; an account
		 * can hold only so many app slots, so it cannot fill the table for others. */
		struct tracker *app = find(&a->session);
		if (app == NULL) {
			if ((int64_t)t->apps >= config.apps_per_account ||
			    (app = obtain(&a->session, true, now)) == NULL) {
				v = BREAKER_FULL;
				goto out;
			}
			t->apps++;
		}
		if (is_tripped(app)) {
			v = BREAKER_TRIPPED;
			goto out;
		}
		app->last = u32(now);
		if (over_misses(app, a->role, now)) {
			trip(app, BREAKER_REASON_ENUMERATION, now);
			v = BREAKER_APP_TRIP;
		}
		goto out;
	}
	if (over_misses(t, a->role, now)) {
		trip(t, BREAKER_REASON_ENUMERATION, now);
		v = BREAKER_TRIP;
	}
out:
	pthread_mutex_unlock(&lock);
	return v;
}

bool breaker_is_tripped(const struct id *account, const struct id *session)
{
	pthread_mutex_lock(&lock);
	ensure_configured();
	const struct tracker *t = account ? find(account) : NULL;
	const struct tracker *s = session ? find(session) : NULL;
	bool tripped = (t && is_tripped(t)) || (s && s->app && is_tripped(s));
	pthread_mutex_unlock(&lock);
	return tripped;
}

enum breaker_reason breaker_trip_reason(const struct id *account)
{
	pthread_mutex_lock(&lock);
	ensure_configured();
	const struct tracker *t = find(account);
	enum breaker_reason r = t && is_tripped(t) ? (enum breaker_reason)t->reason
						   : BREAKER_REASON_NONE;
	pthread_mutex_unlock(&lock);
	return r;
}

void breaker_release(const struct id *account, int64_t not_after)
{
	pthread_mutex_lock(&lock);
	ensure_configured();
	reserve(1, not_after);
	/* Kept (or made, when this vault never saw the trip), so that the account's tokens from
	 * before the unlock stay refused: its counts start again, its release time stays. */
	struct tracker *t = find(account);
	if (t == NULL || !is_tripped(t) || (int64_t)t->tripped_at <= not_after)
		t = obtain(account, false, not_after);
	if (t != NULL && (!is_tripped(t) || (int64_t)t->tripped_at <= not_after)) {
		reach_free(t->reach);
		struct id key = t->key;
		memset(t, 0, sizeof(*t));
		t->used = 1;
		t->key = key;
		t->last = t->bytes_start = t->miss_start = u32(not_after);
		t->tripped_at = u32(not_after > 0 ? not_after : 1);
		t->reason = BREAKER_REASON_RELEASED;
		__atomic_store_n(&any_release, true, __ATOMIC_RELEASE);
	}
	pthread_mutex_unlock(&lock);
}

bool breaker_released_after(const struct id *account, int64_t issued)
{
	if (!__atomic_load_n(&any_release, __ATOMIC_ACQUIRE))
		return false;
	pthread_mutex_lock(&lock);
	const struct tracker *t = find(account);
	bool after = t != NULL && t->reason == BREAKER_REASON_RELEASED &&
		     issued < (int64_t)t->tripped_at;
	pthread_mutex_unlock(&lock);
	return after;
}

void breaker_usage(size_t *actors, size_t *bytes)
{
	pthread_mutex_lock(&lock);
	*actors = count;
	*bytes = cap * sizeof(struct tracker) + reach_bytes;
	pthread_mutex_unlock(&lock);
}

const char *breaker_reason_name(enum breaker_reason r)
{
	switch (r) {
	case BREAKER_REASON_BUDGET:
		return "budget";
	case BREAKER_REASON_BURST:
		return "burst";
	case BREAKER_REASON_ENUMERATION:
		return "enumeration";
	case BREAKER_REASON_RELEASED:
		return "released";
	case BREAKER_REASON_NONE:
		break;
	}
	return "none";
}

/* --- several nodes --- */

void breaker_set_fingerprint_key(const uint8_t key[16])
{
	_Static_assert(crypto_shorthash_KEYBYTES == 16, "the fingerprint key is 16 bytes");
	pthread_mutex_lock(&lock);
	ensure_configured();
	forget_all();
	memcpy(hash_key, key, sizeof(hash_key));
	keyed = true;
	pthread_mutex_unlock(&lock);
}

int breaker_share_begin(size_t n)
{
	pthread_mutex_lock(&lock);
	int rc = 0;
	if (ring == NULL && n > 0) {
		ring = calloc(n, sizeof(*ring));
		ring_cap = ring ? n : 0;
		rc = ring ? 0 : -1;
	}
	pthread_mutex_unlock(&lock);
	return rc;
}

/* A count (bytes, misses) of the same actor already among the last few taken: the one to add
 * e's amount to, so that a reader opening document after document costs the database one row
 * per exchange, not one per read. Only the last few are looked at: the few actors busy in one
 * interval are found at once, and the rest merely go unmerged. */
static struct breaker_event *same_count(struct breaker_event *out, size_t n,
					const struct breaker_event *e)
{
	if (e->kind != BREAKER_EV_BYTES && e->kind != BREAKER_EV_MISS)
		return NULL;
	for (size_t i = n; i > 0 && n - i < SHARE_MERGE_LOOKBACK; i--) {
		struct breaker_event *o = &out[i - 1];
		if (o->kind == e->kind && o->app == e->app && o->role == e->role &&
		    id_eq(&o->key, &e->key))
			return o;
	}
	return NULL;
}

size_t breaker_share_take(struct breaker_event *out, size_t max, uint64_t *dropped)
{
	pthread_mutex_lock(&lock);
	size_t n = 0;
	for (; n < max && ring_len > 0; ring_len--) {
		const struct breaker_event *e = &ring[ring_head];
		ring_head = (ring_head + 1) % ring_cap;
		struct breaker_event *o = same_count(out, n, e);
		if (o != NULL && o->amount <= INT64_MAX - e->amount) {
			o->amount += e->amount;
			o->at = e->at > o->at ? e->at : o->at;
		} else {
			out[n++] = *e;
		}
	}
	*dropped = ring_dropped;
	ring_dropped = 0;
	pthread_mutex_unlock(&lock);
	return n;
}

/* One fact from another node, counted as if it had happened here, without judging it. */
static void apply_one(const struct breaker_event *e, int64_t now)
{
	if (e->at > now + 60 || now - e->at > config.window_seconds)
		return; /* a clock far ahead, or a fact that has left the window */
	struct tracker *t = obtain(&e->key, e->app != 0, now);
	if (t == NULL)
		return; /* the table is at its bound: this node refuses the actor anyway */
	if ((int64_t)t->last < e->at)
		t->last = u32(e->at);
	const struct breaker_budget *b = budget_of((enum role)e->role);
	struct reach *r = NULL;
	switch ((enum breaker_event_kind)e->kind) {
	case BREAKER_EV_CLINICAL:
		if ((r = reach_of(t)) != NULL && !seen_recently(r, e->patient, now, e->at))
			(void)seen_add(r, e->patient, b, now, e->at);
		break;
	case BREAKER_EV_DEMOGRAPHICS:
		if ((r = reach_of(t)) != NULL) {
			register_roll(r, now);
			(void)register_add(r, e->patient);
		}
		break;
	case BREAKER_EV_BYTES:
		(void)add_bytes(t, e->amount, now);
		break;
	case BREAKER_EV_MISS:
		(void)add_misses(t, e->amount, now);
		break;
	}
}

void breaker_share_apply(const struct breaker_event *ev, size_t n, int64_t now)
{
	pthread_mutex_lock(&lock);
	ensure_configured();
	for (size_t i = 0; i < n; i++) {
		reserve(1, now);
		apply_one(&ev[i], now);
	}
	pthread_mutex_unlock(&lock);
}
