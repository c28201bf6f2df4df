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

#include "util/conf.h"
#include "util/strtonum.h"

/*
 * Defaults, from real work (docs/internals/BREAKER.md derives each):
 * - A patient reads their own record without a count of patients; other patients come only
 *   through proxy grants, so five records' content a day and twenty in the record switcher.
 * - A GP's heavy day touches 150-350 patients' content (consultations, results, repeats,
 *   messages) at a person's pace: a few a minute at most. 600 a day, 80 at once, refilled at
 *   240 an hour, lets that day through and stops a harvest at machine speed within 100.
 * - Demographics of a practice's register are normal staff work: 30,000 a day covers paging
 *   through the largest New Zealand practice's register.
 * - Practice admins see the register and the appointment book, never clinical content;
 *   operators see neither.
 * - Thirty not-found answers in ten minutes is enumeration, not mistyping.
 */
void breaker_defaults(struct breaker_config *c)
{
	memset(c, 0, sizeof(*c));
	c->window_seconds = 24 * 3600;
	c->role[ROLE_PATIENT] = (struct breaker_budget){.other_patients = 5, .burst = 5,
							.per_hour = 5, .register_patients = 20,
							.bytes = 2000000000};
	c->role[ROLE_CLINICIAN] = (struct breaker_budget){.other_patients = 600, .burst = 80,
							  .per_hour = 240,
							  .register_patients = 30000,
							  .bytes = 4000000000};
	c->role[ROLE_PRACTICE_ADMIN] = (struct breaker_budget){.register_patients = 30000,
							       .bytes = 1000000000};
	c->role[ROLE_OPERATOR] = (struct breaker_budget){0};
	/* A practice system writes (which the breaker does not count) and reads only the register
	 * of its practice, to match a patient by NHI: a practice's whole register in a day. The one
	 * clinical content it opens is a result it corrects (an HL7 ORU sent again for the same
	 * report: the old values are kept with the new, RESULTS.md), never shown to it: a lab
	 * corrects a few of a practice's reports a day, a bad day's batch a few dozen at once. */
	c->role[ROLE_SYSTEM] = (struct breaker_budget){.other_patients = 200, .burst = 50,
						       .per_hour = 60, .register_patients = 30000,
						       .bytes = 1000000000};
	c->role[ROLE_NONE] = (struct breaker_budget){0};
	c->misses = 30;
	c->miss_window_seconds = 600;
	c->actors = 4000000;
	c->apps_per_account = 64;
}

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

#define MIN_CAP 1024u
#define SWEEP_STEP 8u

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
	static bool keyed;
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

static void hll_add(struct hll *h, uint64_t x)
{
	unsigned j = (unsigned)(x >> (64 - HLL_BITS));
	uint64_t rest = (x << HLL_BITS) | ((uint64_t)1 << (HLL_BITS - 1));
	uint8_t rank = (uint8_t)(__builtin_clzll(rest) + 1);
	if (rank <= h->reg[j])
		return;
	h->sum += ldexp(1.0, -(int)rank) - ldexp(1.0, -(int)h->reg[j]);
	h->zeros -= h->reg[j] == 0;
	h->reg[j] = rank;
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

/* Count one more other patient's demographics; true when past the budget. */
static bool over_register(struct reach *r, const struct id *patient, int64_t budget, int64_t now)
{
	int64_t w = config.window_seconds;
	if (now - r->hll_start >= w || r->hll_start == 0) {
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
	uint64_t h = hash_id(patient, 1);
	if (r->hll == NULL) {
		bool known = false;
		for (uint32_t i = 0; i < r->n_exact && !known; i++)
			known = r->exact[i] == h;
		if (!known && r->n_exact < REGISTER_EXACT) {
			r->exact[r->n_exact++] = h;
		} else if (!known) {
			/* past the exact list: count on in a HyperLogLog, from what it held */
			r->hll = malloc(sizeof(*r->hll));
			if (r->hll == NULL)
				return true; /* fail closed */
			reach_bytes += sizeof(*r->hll);
			hll_reset(r->hll);
			for (uint32_t i = 0; i < r->n_exact; i++)
				hll_add(r->hll, r->exact[i]);
		}
	}
	if (r->hll)
		hll_add(r->hll, h);
	double weight = (double)(w - (now - r->hll_start)) / (double)w;
	double total = register_count(r) + r->hll_prev * (weight > 0 ? weight : 0);
	return total > (double)budget + 0.5;
}

/* Count one more other patient's clinical content; sets *why when past a budget. */
static bool over_clinical(struct reach *r, const struct id *patient, const struct breaker_budget *b,
			  int64_t now, enum breaker_reason *why)
{
	uint32_t j = 0;
	bool found = false;
	uint64_t fp = hash_id(patient, 2);
	for (uint32_t i = 0; i < r->n_seen; i++) {
		if (now - (int64_t)r->seen[i].last > config.window_seconds)
			continue; /* left the window */
		if (r->seen[i].patient == fp) {
			r->seen[i].last = u32(now);
			found = true;
		}
		r->seen[j++] = r->seen[i];
	}
	r->n_seen = j;
	if (found)
		return false;
	if ((int64_t)r->n_seen >= b->other_patients) {
		*why = BREAKER_REASON_BUDGET;
		return true;
	}
	/* The burst allowance: full at first, refilled at a person's pace. */
	if (r->tokens_at == 0) {
		r->tokens_milli = b->burst * 1000;
		r->tokens_at = now;
	} else if (now > r->tokens_at) {
		int64_t add = (now - r->tokens_at) * b->per_hour * 1000 / 3600;
		r->tokens_milli = r->tokens_milli + add > b->burst * 1000 ? b->burst * 1000
									   : r->tokens_milli + add;
		r->tokens_at = now;
	}
	if (r->tokens_milli < 1000) {
		*why = BREAKER_REASON_BURST;
		return true;
	}
	if (r->n_seen == r->cap_seen) {
		uint32_t more = r->cap_seen ? r->cap_seen + r->cap_seen / 2 : 8;
		struct seen *p = realloc(r->seen, (size_t)more * sizeof(*p));
		if (p == NULL) {
			*why = BREAKER_REASON_BUDGET; /* fail closed */
			return true;
		}
		reach_bytes += (size_t)(more - r->cap_seen) * sizeof(*p);
		r->seen = p;
		r->cap_seen = more;
	}
	r->tokens_milli -= 1000;
	r->seen[r->n_seen++] = (struct seen){fp, u32(now)};
	return false;
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
		if (r == NULL)
			why = BREAKER_REASON_BUDGET; /* no memory to count: refuse rather than not count */
		else if (reach == BREAKER_DEMOGRAPHICS) {
			if (over_register(r, patient, b->register_patients, now))
				why = BREAKER_REASON_BUDGET;
		} else {
			(void)over_clinical(r, patient, b, now, &why);
		}
	}
	uint32_t window_was = t->bytes_start;
	double weight = roll(&t->bytes_start, &t->kib_cur, &t->kib_prev, config.window_seconds, now);
	if (t->bytes_start != window_was)
		t->apps = 0; /* a new window: the app slots of two windows ago are gone by now */
	if (t->bytes_start != window_was)
		t->byte_rem = 0;
	uint64_t sum = (uint64_t)t->byte_rem + (uint64_t)(bytes > 0 ? bytes : 0);
	uint64_t kib = (uint64_t)t->kib_cur + sum / 1024;
	t->byte_rem = (uint16_t)(sum % 1024);
	t->kib_cur = (uint32_t)(kib > UINT32_MAX ? UINT32_MAX : kib);
	double total = ((double)t->kib_cur + (double)t->kib_prev * weight) * 1024.0 + t->byte_rem;
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

/* One more not-found answer for t; true when past the budget. */
static bool over_misses(struct tracker *t, int64_t now)
{
	uint32_t cur = t->miss_cur, prev = t->miss_prev;
	double weight = roll(&t->miss_start, &cur, &prev, config.miss_window_seconds, now);
	if (cur < UINT16_MAX)
		cur++;
	t->miss_cur = (uint16_t)cur;
	t->miss_prev = (uint16_t)prev;
	return (double)cur + (double)prev * weight > (double)config.misses + 0.5;
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
		if (over_misses(app, now)) {
			trip(app, BREAKER_REASON_ENUMERATION, now);
			v = BREAKER_APP_TRIP;
		}
		goto out;
	}
	if (over_misses(t, now)) {
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

/* --- configuration --- */

static int set_value(struct breaker_config *c, const char *key, int64_t v)
{
	static const char *const roles[BREAKER_ROLES] = {"none", "patient", "clinician",
							 "practice_admin", "operator", "system"};
	static const struct {
		const char *name;
		size_t offset;
	} budget_keys[] = {
		{"other_patients", offsetof(struct breaker_budget, other_patients)},
		{"burst", offsetof(struct breaker_budget, burst)},
		{"per_hour", offsetof(struct breaker_budget, per_hour)},
		{"register", offsetof(struct breaker_budget, register_patients)},
		{"bytes", offsetof(struct breaker_budget, bytes)},
	};
	if (strcmp(key, "window_seconds") == 0 && v > 0) {
		c->window_seconds = v;
		return 0;
	}
	if (strcmp(key, "misses") == 0) {
		c->misses = v;
		return 0;
	}
	if (strcmp(key, "miss_window_seconds") == 0 && v > 0) {
		c->miss_window_seconds = v;
		return 0;
	}
	if (strcmp(key, "actors") == 0 && v > 0 && v <= 100000000) {
		c->actors = v;
		return 0;
	}
	if (strcmp(key, "apps_per_account") == 0 && v <= UINT16_MAX) {
		c->apps_per_account = v;
		return 0;
	}
	for (int r = 1; r < BREAKER_ROLES; r++) {
		size_t n = strlen(roles[r]);
		if (strncmp(key, roles[r], n) != 0 || key[n] != '.')
			continue;
		for (size_t k = 0; k < sizeof(budget_keys) / sizeof(budget_keys[0]); k++)
			if (strcmp(key + n + 1, budget_keys[k].name) == 0) {
				memcpy((char *)&c->role[r] + budget_keys[k].offset, &v, sizeof(v));
				return 0;
			}
	}
	return -1;
}

static int breaker_setting(void *ctx, const char *key, const char *value)
{
	int64_t v;
	return parse_int64(value, 0, INT64_MAX / 4, &v) == 0 ? set_value(ctx, key, v) : -1;
}

int breaker_parse_config(const char *text, size_t len, struct breaker_config *c, int *line)
{
	return conf_parse(text, len, "breaker.", breaker_setting, c, line);
}
