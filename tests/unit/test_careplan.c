/* Medications and appointments: who may manage slots, settings and work queues (policy) and
 * the repeat states. New Zealand time, in which slots are entered and shown: test_nztime.c. */
#include <string.h>
#include <time.h>

#include "policy/policy.h"
#include "store/medications.h"
#include "test.h"

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

void test_careplan(void)
{
	test_predicates();
	CHECK(strcmp(repeat_state_name(REPEAT_REQUESTED), "requested") == 0);
	CHECK(strcmp(repeat_state_name(REPEAT_APPROVED), "approved") == 0);
	CHECK(strcmp(repeat_state_name(REPEAT_DECLINED), "declined") == 0);
}
