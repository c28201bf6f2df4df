/* The exfiltration breaker's bookkeeping: budgets per role and per kind of content, sliding
 * windows, the burst allowance, sticky trips, apps as their own actors, bounded memory. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "test.h"
#include "vault/breaker.h"

static struct id mkid(uint32_t n)
{
	struct id x;
	memset(&x, 0, sizeof(x));
	memcpy(x.b, &n, sizeof(n));
	x.b[15] = 0xAB;
	return x;
}

static struct breaker_actor actor(uint32_t account, uint32_t session, enum role role,
				  const struct id *own)
{
	struct breaker_actor a;
	memset(&a, 0, sizeof(a));
	a.account = mkid(account);
	a.session = mkid(session);
	a.role = role;
	if (own) {
		a.has_patient = true;
		a.own_patient = *own;
	}
	return a;
}

static enum breaker_verdict open_clinical(const struct breaker_actor *a, uint32_t patient, int64_t bytes,
					  int64_t t)
{
	struct id p = mkid(patient);
	return breaker_open(a, BREAKER_CLINICAL, &p, bytes, t);
}

static void test_budgets(void)
{
	struct breaker_config c;
	breaker_defaults(&c);
	c.role[ROLE_PATIENT] = (struct breaker_budget){.other_patients = 3, .burst = 3, .per_hour = 3,
						       .register_patients = 4, .bytes = 10000};
	c.role[ROLE_CLINICIAN].other_patients = 50;
	c.role[ROLE_CLINICIAN].burst = 20;
	c.role[ROLE_CLINICIAN].per_hour = 360; /* one every ten seconds */
	c.misses = 5;
	c.miss_window_seconds = 60;
	c.window_seconds = 3600;
	breaker_configure(&c);
	int64_t t = 1000000;

	/* a patient reads their own record without limit on distinct patients */
	struct id self = mkid(3);
	struct breaker_actor pa = actor(1, 2, ROLE_PATIENT, &self);
	for (int i = 0; i < 100; i++)
		CHECK(breaker_open(&pa, BREAKER_CLINICAL, &self, 10, t) == BREAKER_OK);
	/* three other patients are within budget; the same one again costs nothing more */
	for (uint32_t p = 10; p < 13; p++)
		CHECK(open_clinical(&pa, p, 1, t) == BREAKER_OK);
	CHECK(open_clinical(&pa, 10, 1, t) == BREAKER_OK);
	/* the fourth trips, and it sticks for the account, whatever is asked, in any session */
	CHECK(open_clinical(&pa, 13, 1, t) == BREAKER_TRIP);
	CHECK(breaker_trip_reason(&pa.account) == BREAKER_REASON_BUDGET);
	CHECK(breaker_open(&pa, BREAKER_CLINICAL, &self, 1, t) == BREAKER_TRIPPED);
	CHECK(breaker_is_tripped(&pa.account, NULL));
	struct breaker_actor pa2 = actor(1, 4, ROLE_PATIENT, &self);
	CHECK(breaker_open(&pa2, BREAKER_CLINICAL, &self, 1, t) == BREAKER_TRIPPED);
	/* a review lifts it, but not one decided before the trip */
	breaker_release(&pa.account, t - 1);
	CHECK(breaker_is_tripped(&pa.account, NULL));
	breaker_release(&pa.account, t);
	CHECK(!breaker_is_tripped(&pa.account, NULL));
	CHECK(breaker_open(&pa, BREAKER_CLINICAL, &self, 1, t) == BREAKER_OK);

	/* demographics of other patients have their own, separate budget */
	struct id self5 = mkid(5);
	struct breaker_actor pd = actor(6, 7, ROLE_PATIENT, &self5);
	for (uint32_t p = 500; p < 504; p++) {
		struct id px = mkid(p);
		CHECK(breaker_open(&pd, BREAKER_DEMOGRAPHICS, &px, 1, t) == BREAKER_OK);
	}
	CHECK(open_clinical(&pd, 500, 1, t) == BREAKER_OK); /* clinical counts apart */
	struct id p504 = mkid(504);
	CHECK(breaker_open(&pd, BREAKER_DEMOGRAPHICS, &p504, 1, t) == BREAKER_TRIP);

	/* bytes: past the budget within the window trips ... */
	struct id self2 = mkid(22);
	struct breaker_actor b2 = actor(20, 21, ROLE_PATIENT, &self2);
	CHECK(breaker_open(&b2, BREAKER_CLINICAL, &self2, 9000, t) == BREAKER_OK);
	CHECK(breaker_open(&b2, BREAKER_CLINICAL, &self2, 2000, t + 1) == BREAKER_TRIP);
	/* ... but the same bytes spread over two and a half windows do not */
	struct id self3 = mkid(32);
	struct breaker_actor b3 = actor(30, 31, ROLE_PATIENT, &self3);
	CHECK(breaker_open(&b3, BREAKER_CLINICAL, &self3, 9000, t) == BREAKER_OK);
	CHECK(breaker_open(&b3, BREAKER_CLINICAL, &self3, 2000, t + 9000) == BREAKER_OK);

	/* other patients seen long ago have left the window */
	struct id self4 = mkid(42);
	struct breaker_actor b4 = actor(40, 41, ROLE_PATIENT, &self4);
	for (uint32_t p = 100; p < 103; p++)
		CHECK(open_clinical(&b4, p, 1, t) == BREAKER_OK);
	CHECK(open_clinical(&b4, 103, 1, t + 4000) == BREAKER_OK);

	/* operators trip on the first patient, of either kind; practice admins on clinical
	 * content only (the register is their work) */
	struct breaker_actor op = actor(50, 51, ROLE_OPERATOR, NULL);
	struct id p52 = mkid(52);
	CHECK(breaker_open(&op, BREAKER_DEMOGRAPHICS, &p52, 1, t) == BREAKER_TRIP);
	struct breaker_actor adm = actor(53, 54, ROLE_PRACTICE_ADMIN, NULL);
	for (uint32_t p = 1000; p < 3000; p++) {
		struct id px = mkid(p);
		CHECK(breaker_open(&adm, BREAKER_DEMOGRAPHICS, &px, 100, t) == BREAKER_OK);
	}
	CHECK(open_clinical(&adm, 1000, 1, t) == BREAKER_TRIP);

	/* a clinician: the burst allowance, then a person's pace, then the day's budget */
	struct breaker_actor cl = actor(60, 61, ROLE_CLINICIAN, NULL);
	uint32_t next = 200;
	for (int i = 0; i < 20; i++)
		CHECK(open_clinical(&cl, next++, 2000, t) == BREAKER_OK);
	CHECK(open_clinical(&cl, 200, 1, t) == BREAKER_OK); /* seen: free */
	struct breaker_actor cl_fast = actor(62, 63, ROLE_CLINICIAN, NULL);
	for (int i = 0; i < 20; i++)
		CHECK(open_clinical(&cl_fast, 5000 + (uint32_t)i, 1, t) == BREAKER_OK);
	CHECK(open_clinical(&cl_fast, 5020, 1, t + 5) == BREAKER_TRIP); /* machine speed */
	CHECK(breaker_trip_reason(&cl_fast.account) == BREAKER_REASON_BURST);
	/* at one every ten seconds the clinician goes on, to the day's budget of 50 */
	int64_t when = t;
	for (int i = 20; i < 50; i++) {
		when += 10;
		CHECK(open_clinical(&cl, next++, 2000, when) == BREAKER_OK);
	}
	CHECK(open_clinical(&cl, next++, 1, when + 10) == BREAKER_TRIP);
	CHECK(breaker_trip_reason(&cl.account) == BREAKER_REASON_BUDGET);

	/* enumeration: the sixth miss within the minute trips */
	struct breaker_actor en = actor(70, 71, ROLE_PATIENT, NULL);
	for (int i = 0; i < 5; i++)
		CHECK(breaker_miss(&en, t + i) == BREAKER_OK);
	CHECK(breaker_miss(&en, t + 5) == BREAKER_TRIP);
	CHECK(breaker_trip_reason(&en.account) == BREAKER_REASON_ENUMERATION);
	CHECK(breaker_miss(&en, t + 6) == BREAKER_TRIPPED);
	/* misses spread out do not */
	struct breaker_actor slow = actor(80, 81, ROLE_PATIENT, NULL);
	for (int i = 0; i < 20; i++)
		CHECK(breaker_miss(&slow, t + i * 100) == BREAKER_OK);

	/* an app's misses stop the app, not the patient nor their other apps */
	struct id self9 = mkid(92);
	struct breaker_actor app = actor(90, 91, ROLE_PATIENT, &self9);
	app.app = true;
	struct breaker_actor other_app = actor(90, 93, ROLE_PATIENT, &self9);
	other_app.app = true;
	struct breaker_actor person = actor(90, 94, ROLE_PATIENT, &self9);
	for (int i = 0; i < 5; i++)
		CHECK(breaker_miss(&app, t) == BREAKER_OK);
	CHECK(breaker_miss(&app, t) == BREAKER_APP_TRIP);
	CHECK(breaker_open(&app, BREAKER_CLINICAL, &self9, 1, t) == BREAKER_TRIPPED);
	CHECK(breaker_is_tripped(&app.account, &app.session));
	CHECK(!breaker_is_tripped(&app.account, &person.session));
	CHECK(breaker_open(&person, BREAKER_CLINICAL, &self9, 1, t) == BREAKER_OK);
	CHECK(breaker_open(&other_app, BREAKER_CLINICAL, &self9, 1, t) == BREAKER_OK);
	CHECK(breaker_miss(&other_app, t) == BREAKER_OK);
	/* ... and an account cannot make app slots without end */
	int full = 0;
	for (uint32_t s = 0; s < 200; s++) {
		struct breaker_actor many = actor(95, 10000 + s, ROLE_PATIENT, &self9);
		many.app = true;
		full += breaker_miss(&many, t) == BREAKER_FULL;
	}
	CHECK(full == 200 - (int)c.apps_per_account);
	struct breaker_actor owner = actor(95, 96, ROLE_PATIENT, &self9);
	CHECK(breaker_open(&owner, BREAKER_CLINICAL, &self9, 1, t) == BREAKER_OK);
}

/* Churn actors past every size boundary of the table: growth, sweeping, the bound. */
static void test_churn(void)
{
	struct breaker_config c;
	breaker_defaults(&c);
	c.actors = 3000;
	c.window_seconds = 600;
	c.miss_window_seconds = 60;
	breaker_configure(&c);
	int64_t t = 2000000;
	struct id self = mkid(7);
	/* a steady stream of sign-ins over hours: old ones leave, new ones always get in */
	uint32_t refused = 0, counted = 0;
	for (uint32_t i = 0; i < 60000; i++) {
		struct breaker_actor a = actor(100000 + i, 900000 + i, ROLE_PATIENT, &self);
		enum breaker_verdict v = i % 3 == 0 ? breaker_miss(&a, t)
						    : breaker_open(&a, BREAKER_CLINICAL, &self, 10, t);
		if (v == BREAKER_FULL)
			refused++;
		else
			counted = i;
		if (i % 10 == 0)
			t++; /* 6,000 actors per window of 600 s: more than the bound holds at once */
	}
	size_t actors, bytes;
	breaker_usage(&actors, &bytes);
	CHECK(actors <= 3000);
	CHECK(bytes <= 4096 * 64 + 1024 * 1024);
	/* at the bound the newcomer is refused, never those already counted */
	CHECK(refused > 0);
	struct breaker_actor known = actor(100000 + counted, 900000 + counted, ROLE_PATIENT, &self);
	CHECK(breaker_open(&known, BREAKER_CLINICAL, &self, 10, t) == BREAKER_OK);
	/* a tripped actor stays tripped through all the churn around it */
	struct breaker_actor bad = actor(5, 6, ROLE_PATIENT, &self);
	t += 10000;
	for (int i = 0; i < 40; i++)
		(void)breaker_miss(&bad, t);
	CHECK(breaker_is_tripped(&bad.account, NULL));
	for (uint32_t i = 0; i < 20000; i++) {
		struct breaker_actor a = actor(300000 + i, 0, ROLE_PATIENT, &self);
		(void)breaker_open(&a, BREAKER_CLINICAL, &self, 10, t + i / 5);
	}
	CHECK(breaker_is_tripped(&bad.account, NULL));
	/* after a quiet window everyone is forgotten but the tripped */
	t += 100000;
	struct breaker_actor late = actor(777, 778, ROLE_PATIENT, &self);
	CHECK(breaker_open(&late, BREAKER_CLINICAL, &self, 10, t) == BREAKER_OK);
	CHECK(breaker_is_tripped(&bad.account, NULL));
}

/* Operations in random order against what the breaker promises, whatever the order. */
static void test_random_order(void)
{
	struct breaker_config c;
	breaker_defaults(&c);
	c.actors = 500;
	c.window_seconds = 1000000; /* one window: nothing leaves it during the run */
	c.miss_window_seconds = 1000000;
	c.misses = 7;
	c.apps_per_account = 3;
	c.role[ROLE_CLINICIAN] = (struct breaker_budget){.other_patients = 30, .burst = 10,
							 .per_hour = 3600, .register_patients = 50,
							 .bytes = 1000000};
	breaker_configure(&c);
	enum { ACCOUNTS = 64, PATIENTS = 200 };
	static uint8_t opened[ACCOUNTS][PATIENTS];
	int64_t since[ACCOUNTS];
	int misses[ACCOUNTS] = {0};
	int distinct[ACCOUNTS] = {0};
	bool tripped[ACCOUNTS] = {false};
	memset(opened, 0, sizeof(opened));
	srand(12345);
	int64_t t = 3000000;
	for (int k = 0; k < ACCOUNTS; k++)
		since[k] = t;
	for (int step = 0; step < 200000; step++) {
		uint32_t k = (uint32_t)rand() % ACCOUNTS;
		enum role role = k % 2 ? ROLE_CLINICIAN : ROLE_PATIENT;
		struct id own = mkid(9000 + k);
		struct breaker_actor a = actor(k + 1, 50000 + (uint32_t)rand() % 8, role,
					       role == ROLE_PATIENT ? &own : NULL);
		a.app = rand() % 4 == 0;
		if (rand() % 50 == 0)
			t += rand() % 3;
		int op = rand() % 10;
		if (op < 6) {
			uint32_t p = (uint32_t)rand() % PATIENTS;
			enum breaker_reach reach = rand() % 3 ? BREAKER_CLINICAL : BREAKER_DEMOGRAPHICS;
			struct id pid = mkid(p);
			enum breaker_verdict v = breaker_open(&a, reach, &pid, rand() % 100, t);
			CHECK(v != BREAKER_FULL);
			if (tripped[k])
				CHECK(v == BREAKER_TRIPPED);
			if (v == BREAKER_TRIP)
				tripped[k] = true;
			if (v == BREAKER_OK && reach == BREAKER_CLINICAL && !opened[k][p]) {
				opened[k][p] = 1;
				distinct[k]++;
			}
			const struct breaker_budget *b = &c.role[role];
			/* never more distinct patients than the day's budget, nor faster than the
			 * burst allowance and its refill allow */
			CHECK(distinct[k] <= b->other_patients);
			CHECK(distinct[k] <= b->burst + (t - since[k]) * b->per_hour / 3600 + 1);
		} else if (op < 9) {
			enum breaker_verdict v = breaker_miss(&a, t);
			if (tripped[k])
				CHECK(v == BREAKER_TRIPPED);
			if (!a.app && v == BREAKER_OK)
				CHECK(++misses[k] <= c.misses);
			if (v == BREAKER_TRIP)
				tripped[k] = true;
		} else if (rand() % 20 == 0) {
			breaker_release(&a.account, t);
			tripped[k] = false;
			misses[k] = 0;
			distinct[k] = 0;
			memset(opened[k], 0, sizeof(opened[k]));
			since[k] = t; /* a released account starts with a full allowance */
		} else {
			CHECK(breaker_is_tripped(&a.account, NULL) == tripped[k]);
		}
	}
	size_t actors, bytes;
	breaker_usage(&actors, &bytes);
	CHECK(actors <= (size_t)c.actors);
}

static void test_config(void)
{
	struct breaker_config parsed;
	breaker_defaults(&parsed);
	int line = 0;
	const char *text = "# budgets\nbreaker.patient.other_patients = 2\n\nbreaker.clinician.bytes=5\n"
			   "breaker.misses = 7 # comment\nother.setting = x\n"
			   "breaker.clinician.burst = 40\nbreaker.clinician.per_hour = 100\n"
			   "breaker.practice_admin.register = 9000\nbreaker.actors = 100000\n";
	CHECK(breaker_parse_config(text, strlen(text), &parsed, &line) == 0);
	CHECK(parsed.role[ROLE_PATIENT].other_patients == 2 && parsed.role[ROLE_CLINICIAN].bytes == 5 &&
	      parsed.misses == 7 && parsed.role[ROLE_CLINICIAN].burst == 40 &&
	      parsed.role[ROLE_CLINICIAN].per_hour == 100 &&
	      parsed.role[ROLE_PRACTICE_ADMIN].register_patients == 9000 && parsed.actors == 100000);
	const char *bad = "breaker.patient.other_patients = 2\nbreaker.patient.colour = 3\n";
	CHECK(breaker_parse_config(bad, strlen(bad), &parsed, &line) != 0 && line == 2);
	/* other modules' lines may be long (an SMTP relay's URL); the breaker's lines still count */
	char longline[400];
	snprintf(longline, sizeof(longline), "smtp.url = smtps://user:%0200d@relay.example.nz:465\n"
		 "  breaker.misses = 9\n", 0);
	CHECK(breaker_parse_config(longline, strlen(longline), &parsed, &line) == 0 && parsed.misses == 9);
	const char *garbage = "not a setting\n";
	CHECK(breaker_parse_config(garbage, strlen(garbage), &parsed, &line) != 0);
	const char *neg = "breaker.misses = -1\n";
	CHECK(breaker_parse_config(neg, strlen(neg), &parsed, &line) != 0);
	const char *zero_actors = "breaker.actors = 0\n";
	CHECK(breaker_parse_config(zero_actors, strlen(zero_actors), &parsed, &line) != 0);
}

/* Several nodes: what one vault counted, applied on another (here: the same breaker after
 * forgetting, as a second node that has counted nothing), adds up to one budget. */
static void test_share(void)
{
	struct breaker_config c;
	breaker_defaults(&c);
	c.role[ROLE_CLINICIAN] = (struct breaker_budget){.other_patients = 6, .burst = 6, .per_hour = 6,
							 .register_patients = 40, .bytes = 100000};
	c.misses = 5;
	c.miss_window_seconds = 600;
	c.window_seconds = 3600;
	uint8_t key[16] = {1, 2, 3};
	breaker_set_fingerprint_key(key);
	breaker_configure(&c);
	CHECK(breaker_share_begin(8192) == 0);
	int64_t t = 2000000;
	struct breaker_actor cl = actor(70, 71, ROLE_CLINICIAN, NULL);
	static struct breaker_event ev[8192];
	uint64_t dropped = 0;
	(void)breaker_share_take(ev, 8192, &dropped); /* nothing from before */

	/* node A: 4 patients' content (twice each: counted once), 3 misses, 40 KB */
	for (uint32_t p = 0; p < 4; p++) {
		CHECK(open_clinical(&cl, 100 + p, 5000, t) == BREAKER_OK);
		CHECK(open_clinical(&cl, 100 + p, 5000, t) == BREAKER_OK);
	}
	for (int i = 0; i < 3; i++)
		CHECK(breaker_miss(&cl, t) == BREAKER_OK);
	size_t n = breaker_share_take(ev, 8192, &dropped);
	size_t clinical = 0, counts = 0;
	int64_t bytes = 0, misses = 0;
	for (size_t i = 0; i < n; i++) {
		CHECK(id_eq(&ev[i].key, &cl.account) && ev[i].role == ROLE_CLINICIAN && ev[i].at == t);
		clinical += ev[i].kind == BREAKER_EV_CLINICAL;
		counts += ev[i].kind == BREAKER_EV_MISS || ev[i].kind == BREAKER_EV_BYTES;
		misses += ev[i].kind == BREAKER_EV_MISS ? ev[i].amount : 0;
		bytes += ev[i].kind == BREAKER_EV_BYTES ? ev[i].amount : 0;
	}
	CHECK(clinical == 4 && misses == 3 && bytes == 40000 && dropped == 0);
	CHECK(counts == 2); /* one actor's bytes and misses: one fact each per exchange */
	CHECK(breaker_share_take(ev + n, 8192 - n, &dropped) == 0); /* taken once */

	/* node B: counted nothing itself; with A's facts, 2 more patients, then the budget */
	breaker_configure(&c);
	breaker_share_apply(ev, n, t + 1);
	breaker_share_apply(ev, n, t + 1); /* the same facts twice: one patient is one patient */
	CHECK(open_clinical(&cl, 100, 5000, t + 2) == BREAKER_OK); /* A's patient: not new */
	CHECK(open_clinical(&cl, 104, 100, t + 2) == BREAKER_OK);
	CHECK(open_clinical(&cl, 105, 100, t + 2) == BREAKER_OK);
	CHECK(open_clinical(&cl, 106, 100, t + 2) == BREAKER_TRIP);

	/* misses add up too: 3 from A and 2 here are 5, the budget; the next trips */
	breaker_configure(&c);
	breaker_share_apply(ev, n, t + 1);
	CHECK(breaker_miss(&cl, t + 2) == BREAKER_OK);
	CHECK(breaker_miss(&cl, t + 2) == BREAKER_OK);
	CHECK(breaker_miss(&cl, t + 2) == BREAKER_TRIP);

	/* bytes: A's 40 KB and B's own cross 100 KB */
	breaker_configure(&c);
	breaker_share_apply(ev, n, t + 1);
	struct id own = mkid(9);
	struct breaker_actor cl2 = actor(70, 72, ROLE_CLINICIAN, &own);
	CHECK(breaker_open(&cl2, BREAKER_CLINICAL, &own, 50000, t + 2) == BREAKER_OK);
	CHECK(breaker_open(&cl2, BREAKER_CLINICAL, &own, 20000, t + 2) == BREAKER_TRIP);

	/* a fact that has left the window, or from a clock far ahead, counts nowhere */
	breaker_configure(&c);
	struct breaker_event old = ev[0], ahead = ev[0];
	old.at = t - 4000;
	ahead.at = t + 1000;
	for (uint32_t p = 0; p < 6; p++) {
		old.patient = ahead.patient = 7000 + p;
		breaker_share_apply(&old, 1, t);
		breaker_share_apply(&ahead, 1, t);
	}
	for (uint32_t p = 0; p < 6; p++)
		CHECK(open_clinical(&cl, 200 + p, 10, t) == BREAKER_OK);

	/* a full ring loses facts, and says how many */
	breaker_configure(&c);
	(void)breaker_share_take(ev, 8192, &dropped);
	struct breaker_actor pa = actor(80, 81, ROLE_PATIENT, &own);
	for (int i = 0; i < 8200; i++)
		(void)breaker_open(&pa, BREAKER_CLINICAL, &own, 1, t);
	n = breaker_share_take(ev, 8192, &dropped);
	CHECK(n == 1 && ev[0].amount == 8192 && dropped == 8);
}

void test_breaker(void)
{
	test_share();
	test_budgets();
	test_churn();
	test_random_order();
	test_config();
	struct breaker_config c;
	breaker_defaults(&c);
	breaker_configure(&c);
}
