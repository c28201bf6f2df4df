/* Route access: the decision the server takes before any handler runs (route_access.h). */
#include "policy/route_access.h"

bool policy_audience(const struct actor *a, enum audience who)
{
	switch (who) {
	case AUD_ANYONE:
		return true;
	case AUD_PATIENT:
		return a->role == ROLE_PATIENT;
	case AUD_PATIENT_OWN:
		return a->role == ROLE_PATIENT && a->has_patient;
	case AUD_PATIENT_RECORD:
		return a->role == ROLE_PATIENT && a->has_record;
	case AUD_CLINICIAN:
		return a->role == ROLE_CLINICIAN;
	case AUD_PRACTICE_ADMIN:
		return a->role == ROLE_PRACTICE_ADMIN;
	case AUD_OPERATOR:
		return a->role == ROLE_OPERATOR;
	}
	return false;
}

enum route_decision policy_route_access(const struct actor *a, bool authenticated, bool needs_session,
					enum audience who, enum signin_stage stage)
{
	if (authenticated) {
		/* A session waiting for its second factor, or a staff account without one,
		 * reaches only the pages that finish signing in, plus signing out. */
		enum route_decision next = ROUTE_ALLOW;
		if (a->mfa_enrolled && !a->mfa)
			next = ROUTE_SECOND_FACTOR;
		else if (policy_needs_second_factor(a) && !a->mfa_enrolled)
			next = ROUTE_ENROL;
		bool exempt = stage == SIGNIN_ANY ||
			      (stage == SIGNIN_SECOND_FACTOR && next == ROUTE_SECOND_FACTOR) ||
			      (stage == SIGNIN_ENROL && next == ROUTE_ENROL);
		if (next != ROUTE_ALLOW && !exempt)
			return next;
	}
	if (needs_session && !authenticated)
		return ROUTE_SIGN_IN;
	if (authenticated && !policy_audience(a, who))
		return ROUTE_DENY;
	return ROUTE_ALLOW;
}
