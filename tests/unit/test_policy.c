/* The authorization table: actor x action x target -> expected decision. */
#include <string.h>

#include "policy/policy.h"
#include "test.h"

enum who { PATIENT_SELF, PATIENT_OTHER, CLINICIAN_SAME, CLINICIAN_OTHER, ADMIN_SAME, OPERATOR, NOBODY,
	   WHO_COUNT };

static struct id P, Q, A, B, ACCT;

static void make_actor(enum who w, struct actor *a)
{
	memset(a, 0, sizeof(*a));
	a->account = ACCT;
	switch (w) {
	case PATIENT_SELF:
		a->role = ROLE_PATIENT;
		a->has_patient = true;
		a->patient = A;
		break;
	case PATIENT_OTHER:
		a->role = ROLE_PATIENT;
		a->has_patient = true;
		a->patient = B;
		break;
	case CLINICIAN_SAME:
		a->role = ROLE_CLINICIAN;
		a->has_practice = true;
		a->practice = P;
		a->mfa = true;
		break;
	case CLINICIAN_OTHER:
		a->role = ROLE_CLINICIAN;
		a->has_practice = true;
		a->practice = Q;
		a->mfa = true;
		break;
	case ADMIN_SAME:
		a->role = ROLE_PRACTICE_ADMIN;
		a->has_practice = true;
		a->practice = P;
		a->mfa = true;
		break;
	case OPERATOR:
		a->role = ROLE_OPERATOR;
		a->mfa = true;
		break;
	case NOBODY:
	case WHO_COUNT:
		a->role = ROLE_NONE;
		break;
	}
}

void test_policy(void)
{
	memset(&P, 1, sizeof(P));
	memset(&Q, 2, sizeof(Q));
	memset(&A, 3, sizeof(A));
	memset(&B, 4, sizeof(B));
	memset(&ACCT, 5, sizeof(ACCT));
	policy_init();
	/* Patient A, enrolled at practice P. */
	struct target t = {.exists = true, .patient = A, .n_practices = 1, .practices = {P}};
	/* expected[who] for every action: only A themself and P's clinicians. */
	static const int expected[WHO_COUNT] = {
		[PATIENT_SELF] = 1, [PATIENT_OTHER] = 0, [CLINICIAN_SAME] = 1, [CLINICIAN_OTHER] = 0,
		[ADMIN_SAME] = 0,   [OPERATOR] = 0,      [NOBODY] = 0,
	};
	for (int w = 0; w < WHO_COUNT; w++) {
		struct actor a;
		make_actor((enum who)w, &a);
		for (enum action act = ACTION_PATIENT_READ; act <= ACTION_DOCUMENT_CREATE; act++) {
			struct grant g;
			int rc = policy_decide(&a, act, &t, &g);
			CHECK((rc == 0) == (expected[w] == 1));
			if (rc == 0) {
				CHECK(grant_allows(&g, &A, act));
				CHECK(!grant_allows(&g, &B, act)); /* a grant is for one patient */
				CHECK(grant_for_patient(&g, &A));
			} else {
				CHECK(!grant_for_patient(&g, &A)); /* deny leaves no usable grant */
			}
			/* a patient that does not exist is denied to everyone */
			struct target missing = t;
			missing.exists = false;
			CHECK(policy_decide(&a, act, &missing, &g) != 0);
		}
	}
	/* unknown actions deny; a grant forged by hand is not a grant */
	struct actor self;
	make_actor(PATIENT_SELF, &self);
	struct grant g;
	CHECK(policy_decide(&self, (enum action)99, &t, &g) != 0);
	CHECK(policy_decide(NULL, ACTION_PATIENT_READ, &t, &g) != 0);
	struct grant forged = {.seal = 12345, .action = ACTION_DOCUMENT_READ, .patient = A};
	CHECK(!grant_allows(&forged, &A, ACTION_DOCUMENT_READ));
	/* a grant for one action does not cover another */
	CHECK(policy_decide(&self, ACTION_DOCUMENT_LIST, &t, &g) == 0);
	CHECK(!grant_allows(&g, &A, ACTION_DOCUMENT_READ));
	/* which kinds each role may create */
	CHECK(policy_may_create_kind(&self, true));
	CHECK(!policy_may_create_kind(&self, false));
	struct actor clin;
	make_actor(CLINICIAN_SAME, &clin);
	CHECK(policy_may_create_kind(&clin, false));
	CHECK(!policy_may_create_kind(&clin, true));
	struct actor op;
	make_actor(OPERATOR, &op);
	CHECK(!policy_may_create_kind(&op, false) && !policy_may_create_kind(&op, true));
	/* staff without a second factor reach nothing; a patient does not need one (yet) */
	struct actor no_mfa;
	make_actor(CLINICIAN_SAME, &no_mfa);
	no_mfa.mfa = false;
	for (enum action act = ACTION_PATIENT_READ; act <= ACTION_DOCUMENT_CREATE; act++)
		CHECK(policy_decide(&no_mfa, act, &t, &g) != 0);
	CHECK(policy_decide(&self, ACTION_DOCUMENT_READ, &t, &g) == 0);
	/* a patient enrolled at several practices is reachable from each */
	struct target multi = {.exists = true, .patient = A, .n_practices = 2, .practices = {Q, P}};
	CHECK(policy_decide(&clin, ACTION_DOCUMENT_READ, &multi, &g) == 0);
}
