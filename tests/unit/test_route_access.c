/* Route access (src/policy/route_access.c): actor x route declaration -> decision. */
#include <string.h>

#include "policy/route_access.h"
#include "test.h"

static struct actor actor(enum role r, bool has_patient, bool has_record, bool enrolled, bool mfa)
{
	struct actor a;
	memset(&a, 0, sizeof(a));
	a.role = r;
	a.has_patient = has_patient;
	a.has_record = has_record;
	a.mfa_enrolled = enrolled;
	a.mfa = mfa;
	return a;
}

void test_route_access(void)
{
	struct actor patient = actor(ROLE_PATIENT, true, true, false, false);
	struct actor carer = actor(ROLE_PATIENT, false, true, false, false); /* a proxy-only account */
	struct actor clinician = actor(ROLE_CLINICIAN, false, false, true, true);
	struct actor admin = actor(ROLE_PRACTICE_ADMIN, false, false, true, true);
	struct actor nobody;
	memset(&nobody, 0, sizeof(nobody));

	/* Not signed in: only routes without a session. */
	CHECK(policy_route_access(&nobody, false, true, AUD_ANYONE, SIGNIN_DONE) == ROUTE_SIGN_IN);
	CHECK(policy_route_access(&nobody, false, false, AUD_PATIENT, SIGNIN_DONE) == ROUTE_ALLOW);

	/* Audiences. */
	CHECK(policy_route_access(&patient, true, true, AUD_PATIENT, SIGNIN_DONE) == ROUTE_ALLOW);
	CHECK(policy_route_access(&clinician, true, true, AUD_PATIENT, SIGNIN_DONE) == ROUTE_DENY);
	CHECK(policy_route_access(&admin, true, true, AUD_PATIENT_RECORD, SIGNIN_DONE) == ROUTE_DENY);
	CHECK(policy_route_access(&carer, true, true, AUD_PATIENT_RECORD, SIGNIN_DONE) == ROUTE_ALLOW);
	CHECK(policy_route_access(&carer, true, true, AUD_PATIENT_OWN, SIGNIN_DONE) == ROUTE_DENY);
	CHECK(policy_route_access(&patient, true, true, AUD_PATIENT_OWN, SIGNIN_DONE) == ROUTE_ALLOW);
	CHECK(policy_route_access(&clinician, true, true, AUD_ANYONE, SIGNIN_DONE) == ROUTE_ALLOW);
	CHECK(policy_audience(&clinician, AUD_CLINICIAN) && !policy_audience(&admin, AUD_CLINICIAN));
	CHECK(policy_audience(&admin, AUD_PRACTICE_ADMIN) && !policy_audience(&admin, AUD_OPERATOR));
	CHECK(!policy_audience(&patient, (enum audience)99)); /* unknown: deny */

	/* Second factor due: only the code page and what any stage may reach. */
	struct actor pending = actor(ROLE_PATIENT, true, true, true, false);
	CHECK(policy_route_access(&pending, true, true, AUD_ANYONE, SIGNIN_DONE) == ROUTE_SECOND_FACTOR);
	CHECK(policy_route_access(&pending, true, false, AUD_ANYONE, SIGNIN_DONE) == ROUTE_SECOND_FACTOR);
	CHECK(policy_route_access(&pending, true, true, AUD_ANYONE, SIGNIN_SECOND_FACTOR) == ROUTE_ALLOW);
	CHECK(policy_route_access(&pending, true, true, AUD_ANYONE, SIGNIN_ENROL) == ROUTE_SECOND_FACTOR);
	CHECK(policy_route_access(&pending, true, true, AUD_ANYONE, SIGNIN_ANY) == ROUTE_ALLOW);

	/* Staff without a second factor: set one up first. */
	struct actor new_staff = actor(ROLE_CLINICIAN, false, false, false, false);
	CHECK(policy_route_access(&new_staff, true, true, AUD_ANYONE, SIGNIN_DONE) == ROUTE_ENROL);
	CHECK(policy_route_access(&new_staff, true, true, AUD_ANYONE, SIGNIN_ENROL) == ROUTE_ALLOW);
	CHECK(policy_route_access(&new_staff, true, true, AUD_ANYONE, SIGNIN_SECOND_FACTOR) == ROUTE_ENROL);
	/* A patient whose practice asks for one: the same. */
	struct actor asked = actor(ROLE_PATIENT, true, true, false, false);
	asked.mfa_required = true;
	CHECK(policy_route_access(&asked, true, true, AUD_PATIENT, SIGNIN_DONE) == ROUTE_ENROL);
	/* Finished signing in: the sign-in pages stay reachable (their handlers decide). */
	CHECK(policy_route_access(&clinician, true, true, AUD_ANYONE, SIGNIN_SECOND_FACTOR) == ROUTE_ALLOW);
}
