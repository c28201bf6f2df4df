#include "vault/breaker.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "util/conf.h"
#include "util/strtonum.h"

/*
 * Defaults. A patient's own record does not count against the other-patients budget; other
 * patients come only through proxy grants, so a handful is generous. Bytes count whoever's
 * record they are: 2 GB a day is far beyond a person reading their own documents, and a
 * session that pulls that much is worth stopping. A clinician's day is a few dozen patients; 200
 * distinct patients in 24 hours is beyond a plausible panel day. Practice admins and
 * operators never open clinical content.
 */
void breaker_defaults(struct breaker_config *c)
{
	memset(c, 0, sizeof(*c));
	c->window_seconds = 24 * 3600;
	c->role[ROLE_PATIENT] = (struct breaker_budget){.other_patients = 5, .bytes = 2000000000};
	c->role[ROLE_CLINICIAN] = (struct breaker_budget){.other_patients = 200, .bytes = 4000000000};
	c->role[ROLE_PRACTICE_ADMIN] = (struct breaker_budget){0, 0};
	c->role[ROLE_OPERATOR] = (struct breaker_budget){0, 0};
	c->role[ROLE_NONE] = (struct breaker_budget){0, 0};
	c->misses = 30;
	c->miss_window_seconds = 600;
}

struct seen {
	struct id patient;
	int64_t last;
};

struct tracker {
	bool used;
	bool tripped;
	struct id key;
	int64_t last_activity;
	struct seen *seen; /* distinct other patients in the window */
	size_t n_seen, cap_seen;
	/* bytes and misses: two fixed windows, the previous one weighted (sliding estimate) */
	int64_t bytes_start, bytes_now, bytes_prev;
	int64_t miss_start, miss_now, miss_prev;
};

#define TRACKERS (1u << 16)

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static struct breaker_config config;
static bool configured;
static struct tracker *table;
static size_t used_count;

static void ensure_configured(void)
{
	if (!configured) {
		breaker_defaults(&config);
		configured = true;
	}
	if (table == NULL)
		table = calloc(TRACKERS, sizeof(*table));
}

void breaker_configure(const struct breaker_config *c)
{
	pthread_mutex_lock(&lock);
	if (table != NULL) {
		for (size_t i = 0; i < TRACKERS; i++)
			free(table[i].seen);
		memset(table, 0, TRACKERS * sizeof(*table));
	}
	used_count = 0;
	config = *c;
	configured = true;
	pthread_mutex_unlock(&lock);
}

static size_t slot_of(const struct id *key)
{
	uint64_t h;
	memcpy(&h, key->b, sizeof(h)); /* ids are random: their bytes are a good hash */
	return (size_t)(h & (TRACKERS - 1));
}

/* Drop idle, untripped trackers when the table fills up. */
static void prune(int64_t now)
{
	for (size_t i = 0; i < TRACKERS; i++) {
		struct tracker *t = &table[i];
		if (t->used && !t->tripped && now - t->last_activity > config.window_seconds) {
			free(t->seen);
			memset(t, 0, sizeof(*t));
			used_count--;
		}
	}
	/* Rebuild probe chains: reinsert everything. */
	struct tracker *old = table;
	table = calloc(TRACKERS, sizeof(*table));
	if (table == NULL) {
		table = old;
		return;
	}
	for (size_t i = 0; i < TRACKERS; i++) {
		if (!old[i].used)
			continue;
		size_t s = slot_of(&old[i].key);
		while (table[s].used)
			s = (s + 1) & (TRACKERS - 1);
		table[s] = old[i];
	}
	free(old);
}

/* The tracker for key, created when missing; NULL when the table is full (fail closed). */
static struct tracker *tracker_for(const struct id *key, int64_t now)
{
	if (table == NULL)
		return NULL;
	if (used_count >= TRACKERS * 3 / 4)
		prune(now);
	size_t s = slot_of(key);
	for (size_t probes = 0; probes < TRACKERS; probes++, s = (s + 1) & (TRACKERS - 1)) {
		struct tracker *t = &table[s];
		if (t->used && id_eq(&t->key, key))
			return t;
		if (!t->used) {
			if (used_count >= TRACKERS - 1)
				return NULL;
			memset(t, 0, sizeof(*t));
			t->used = true;
			t->key = *key;
			t->bytes_start = t->miss_start = now;
			used_count++;
			return t;
		}
	}
	return NULL;
}

/* Sliding estimate over two fixed windows of length w. */
static int64_t windowed(int64_t *start, int64_t *cur, int64_t *prev, int64_t add, int64_t w,
			int64_t now)
{
	if (now - *start >= 2 * w) {
		*prev = 0;
		*cur = 0;
		*start = now;
	} else if (now - *start >= w) {
		*prev = *cur;
		*cur = 0;
		*start += w;
	}
	*cur += add;
	int64_t elapsed = now - *start;
	double weight = w > 0 ? (double)(w - elapsed) / (double)w : 0.0;
	if (weight < 0)
		weight = 0;
	return *cur + (int64_t)((double)*prev * weight);
}

static bool over_patients(struct tracker *t, const struct id *patient, int64_t budget, int64_t now)
{
	size_t j = 0;
	bool found = false;
	for (size_t i = 0; i < t->n_seen; i++) {
		if (now - t->seen[i].last > config.window_seconds)
			continue; /* expired: drop */
		if (id_eq(&t->seen[i].patient, patient)) {
			t->seen[i].last = now;
			found = true;
		}
		t->seen[j++] = t->seen[i];
	}
	t->n_seen = j;
	if (found)
		return false;
	if ((int64_t)t->n_seen >= budget)
		return true;
	if (t->n_seen == t->cap_seen) {
		size_t cap = t->cap_seen ? t->cap_seen * 2 : 8;
		struct seen *p = realloc(t->seen, cap * sizeof(*p));
		if (p == NULL)
			return true; /* fail closed */
		t->seen = p;
		t->cap_seen = cap;
	}
	t->seen[t->n_seen++] = (struct seen){*patient, now};
	return false;
}

static enum breaker_verdict account_for(struct tracker *t, enum role role,
					const struct id *own_patient, const struct id *patient,
					int64_t bytes, int64_t now)
{
	const struct breaker_budget *b = &config.role[(role >= 0 && role < BREAKER_ROLES) ? role : 0];
	t->last_activity = now;
	bool over = false;
	if (own_patient == NULL || !id_eq(own_patient, patient))
		over = over_patients(t, patient, b->other_patients, now);
	int64_t total = windowed(&t->bytes_start, &t->bytes_now, &t->bytes_prev, bytes,
				 config.window_seconds, now);
	if (total > b->bytes)
		over = true;
	if (over) {
		t->tripped = true;
		return BREAKER_TRIP;
	}
	return BREAKER_OK;
}

enum breaker_verdict breaker_open(const struct id *account, const struct id *session, enum role role,
				  const struct id *own_patient, const struct id *patient,
				  int64_t bytes, int64_t now)
{
	pthread_mutex_lock(&lock);
	ensure_configured();
	enum breaker_verdict v;
	struct tracker *ta = tracker_for(account, now);
	struct tracker *ts = session ? tracker_for(session, now) : NULL;
	if (ta == NULL || (session && ts == NULL))
		v = BREAKER_TRIPPED; /* no room to count: refuse rather than not count */
	else if (ta->tripped || (ts && ts->tripped))
		v = BREAKER_TRIPPED;
	else {
		v = account_for(ta, role, own_patient, patient, bytes, now);
		if (ts && account_for(ts, role, own_patient, patient, bytes, now) == BREAKER_TRIP)
			v = BREAKER_TRIP;
		if (v == BREAKER_TRIP) {
			ta->tripped = true;
			if (ts)
				ts->tripped = true;
		}
	}
	pthread_mutex_unlock(&lock);
	return v;
}

enum breaker_verdict breaker_miss(const struct id *account, const struct id *session, enum role role,
				  int64_t now)
{
	(void)role;
	pthread_mutex_lock(&lock);
	ensure_configured();
	enum breaker_verdict v = BREAKER_OK;
	struct tracker *ta = tracker_for(account, now);
	struct tracker *ts = session ? tracker_for(session, now) : NULL;
	if (ta == NULL || (session && ts == NULL) || ta->tripped || (ts && ts->tripped)) {
		v = BREAKER_TRIPPED;
	} else {
		ta->last_activity = now;
		int64_t n = windowed(&ta->miss_start, &ta->miss_now, &ta->miss_prev, 1,
				     config.miss_window_seconds, now);
		if (n > config.misses) {
			ta->tripped = true;
			if (ts)
				ts->tripped = true;
			v = BREAKER_TRIP;
		}
	}
	pthread_mutex_unlock(&lock);
	return v;
}

bool breaker_is_tripped(const struct id *account, const struct id *session)
{
	pthread_mutex_lock(&lock);
	ensure_configured();
	bool tripped = false;
	if (table != NULL) {
		for (int k = 0; k < 2 && !tripped; k++) {
			const struct id *key = k == 0 ? account : session;
			if (key == NULL)
				continue;
			size_t s = slot_of(key);
			for (size_t p = 0; p < TRACKERS && table[s].used; p++, s = (s + 1) & (TRACKERS - 1))
				if (id_eq(&table[s].key, key)) {
					tripped = table[s].tripped;
					break;
				}
		}
	}
	pthread_mutex_unlock(&lock);
	return tripped;
}

void breaker_release(const struct id *account, int64_t issued_after_trip_time)
{
	pthread_mutex_lock(&lock);
	ensure_configured();
	size_t s = slot_of(account);
	for (size_t p = 0; table != NULL && p < TRACKERS && table[s].used;
	     p++, s = (s + 1) & (TRACKERS - 1)) {
		struct tracker *t = &table[s];
		if (!id_eq(&t->key, account))
			continue;
		/* A tripped tracker is not counted any further, so its last activity is the trip. */
		if (t->tripped && t->last_activity <= issued_after_trip_time) {
			t->tripped = false;
			t->n_seen = 0;
			t->bytes_start = t->miss_start = issued_after_trip_time;
			t->bytes_now = t->bytes_prev = t->miss_now = t->miss_prev = 0;
		}
		break;
	}
	pthread_mutex_unlock(&lock);
}

static int set_value(struct breaker_config *c, const char *key, int64_t v)
{
	static const char *const roles[BREAKER_ROLES] = {"none", "patient", "clinician",
							 "practice_admin", "operator"};
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
	for (int r = 1; r < BREAKER_ROLES; r++) {
		size_t n = strlen(roles[r]);
		if (strncmp(key, roles[r], n) != 0 || key[n] != '.')
			continue;
		if (strcmp(key + n + 1, "other_patients") == 0) {
			c->role[r].other_patients = v;
			return 0;
		}
		if (strcmp(key + n + 1, "bytes") == 0) {
			c->role[r].bytes = v;
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
