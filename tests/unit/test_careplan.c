/* Medications and appointments: who may manage slots, settings and work queues (policy), the
 * repeat states, and New Zealand local time (slots are entered and shown in it). */
#include <string.h>
#include <time.h>

#include "policy/policy.h"
#include "store/medications.h"
#include "test.h"
#include "util/nztime.h"

static void staff(struct actor *a, enum role role, const struct id *practice, bool mfa)
{
	memset(a, 0, sizeof(*a));
	a->role = role;
	if (practice) {
		a->has_practice = true;
		a->practice = *practice;
	}
	a->mfa = mfa;
}

static void test_predicates(void)
{
	struct id P, Q;
	memset(&P, 1, sizeof(P));
	memset(&Q, 2, sizeof(Q));
	struct actor clin, clin_other, clin_nomfa, admin, admin_other, op, pat;
	staff(&clin, ROLE_CLINICIAN, &P, true);
	staff(&clin_other, ROLE_CLINICIAN, &Q, true);
	staff(&clin_nomfa, ROLE_CLINICIAN, &P, false);
	staff(&admin, ROLE_PRACTICE_ADMIN, &P, true);
	staff(&admin_other, ROLE_PRACTICE_ADMIN, &Q, true);
	staff(&op, ROLE_OPERATOR, NULL, true);
	staff(&pat, ROLE_PATIENT, NULL, true);
	pat.has_patient = true;
	/* slots: the practice's clinicians and admins, after their second factor */
	CHECK(policy_may_manage_slots(&clin, &P));
	CHECK(policy_may_manage_slots(&admin, &P));
	CHECK(!policy_may_manage_slots(&clin_other, &P));
	CHECK(!policy_may_manage_slots(&admin_other, &P));
	CHECK(!policy_may_manage_slots(&clin_nomfa, &P));
	CHECK(!policy_may_manage_slots(&op, &P));
	CHECK(!policy_may_manage_slots(&pat, &P));
	CHECK(!policy_may_manage_slots(NULL, &P));
	CHECK(!policy_may_manage_slots(&clin, NULL));
	/* settings: the practice's admins only */
	CHECK(policy_may_manage_practice(&admin, &P));
	CHECK(!policy_may_manage_practice(&admin_other, &P));
	CHECK(!policy_may_manage_practice(&clin, &P));
	CHECK(!policy_may_manage_practice(&op, &P));
	CHECK(!policy_may_manage_practice(&pat, &P));
	/* clinical work queues: the practice's clinicians only, never admins or operators */
	CHECK(policy_may_work_queue(&clin, &P));
	CHECK(!policy_may_work_queue(&clin_other, &P));
	CHECK(!policy_may_work_queue(&clin_nomfa, &P));
	CHECK(!policy_may_work_queue(&admin, &P));
	CHECK(!policy_may_work_queue(&op, &P));
	CHECK(!policy_may_work_queue(&pat, &P));
	/* a clinician without a practice reaches none */
	struct actor loose;
	staff(&loose, ROLE_CLINICIAN, NULL, true);
	CHECK(!policy_may_manage_slots(&loose, &P) && !policy_may_work_queue(&loose, &P));
}

static int64_t utc(int y, int mo, int d, int h, int mi)
{
	struct tm tm = {.tm_year = y - 1900, .tm_mon = mo - 1, .tm_mday = d, .tm_hour = h, .tm_min = mi};
	return (int64_t)timegm(&tm);
}

static void test_nz_time(void)
{
	/* NZST in winter, NZDT in summer */
	CHECK(nz_offset(utc(2026, 7, 1, 0, 0)) == 12 * 3600);
	CHECK(nz_offset(utc(2026, 12, 1, 0, 0)) == 13 * 3600);
	CHECK(nz_offset(utc(2026, 1, 15, 0, 0)) == 13 * 3600);
	/* 2026: daylight time ends Sunday 5 April at 3:00 NZDT (14:00 UTC on the 4th) and starts
	 * Sunday 27 September at 2:00 NZST (14:00 UTC on the 26th) */
	CHECK(nz_offset(utc(2026, 4, 4, 13, 59)) == 13 * 3600);
	CHECK(nz_offset(utc(2026, 4, 4, 14, 0)) == 12 * 3600);
	CHECK(nz_offset(utc(2026, 9, 26, 13, 59)) == 12 * 3600);
	CHECK(nz_offset(utc(2026, 9, 26, 14, 0)) == 13 * 3600);
	/* 2027: 4 April and 26 September */
	CHECK(nz_offset(utc(2027, 4, 3, 13, 59)) == 13 * 3600);
	CHECK(nz_offset(utc(2027, 4, 3, 14, 0)) == 12 * 3600);
	CHECK(nz_offset(utc(2027, 9, 25, 14, 0)) == 13 * 3600);
	/* local to UTC and back */
	int64_t t;
	CHECK(nz_from_local(2026, 12, 1, 9, 30, &t) == 0 && t == utc(2026, 11, 30, 20, 30));
	CHECK(nz_from_local(2026, 7, 1, 9, 30, &t) == 0 && t == utc(2026, 6, 30, 21, 30));
	CHECK(nz_from_local(2026, 2, 30, 9, 0, &t) != 0);
	CHECK(nz_from_local(2026, 13, 1, 9, 0, &t) != 0);
	CHECK(nz_from_local(2026, 1, 1, 24, 0, &t) != 0);
	/* a time skipped when clocks go forward reads as standard time */
	CHECK(nz_from_local(2026, 9, 27, 2, 30, &t) == 0 && t == utc(2026, 9, 26, 14, 30));
	struct tm tm;
	nz_local(utc(2026, 11, 30, 20, 30), &tm);
	CHECK(tm.tm_year == 126 && tm.tm_mon == 11 && tm.tm_mday == 1 && tm.tm_hour == 9 && tm.tm_min == 30);
	char s[48];
	nz_format(utc(2026, 11, 30, 20, 30), s, sizeof(s));
	CHECK(strcmp(s, "Tue 01 Dec 2026, 9:30 am") == 0);
	nz_format(utc(2026, 12, 1, 1, 5), s, sizeof(s));
	CHECK(strcmp(s, "Tue 01 Dec 2026, 2:05 pm") == 0);
	nz_format_date(utc(2026, 11, 30, 11, 0), s, sizeof(s));
	CHECK(strcmp(s, "2026-12-01") == 0);
	/* a day starts at local midnight, across a change of offset */
	CHECK(nz_day_start(utc(2026, 11, 30, 20, 30), 0) == utc(2026, 11, 30, 11, 0));
	CHECK(nz_day_start(utc(2026, 4, 4, 20, 0), 1) == utc(2026, 4, 5, 12, 0));
	/* form input */
	CHECK(nz_parse("2026-12-01", "09:30", &t) == 0 && t == utc(2026, 11, 30, 20, 30));
	CHECK(nz_parse("2026-12-01", "09:30:00", &t) == 0 && t == utc(2026, 11, 30, 20, 30));
	CHECK(nz_parse("2026-12-1", "09:30", &t) != 0);
	CHECK(nz_parse("2026-12-01", "9:30", &t) != 0);
	CHECK(nz_parse("2026-12-01", "09:3x", &t) != 0);
	CHECK(nz_parse("2026-12-01", "09:30:01", &t) != 0);
	CHECK(nz_parse(NULL, "09:30", &t) != 0);
	CHECK(nz_parse("2026-12-01T0", "09:30", &t) != 0);
}

void test_careplan(void)
{
	test_predicates();
	test_nz_time();
	CHECK(strcmp(repeat_state_name(REPEAT_REQUESTED), "requested") == 0);
	CHECK(strcmp(repeat_state_name(REPEAT_APPROVED), "approved") == 0);
	CHECK(strcmp(repeat_state_name(REPEAT_DECLINED), "declined") == 0);
}
