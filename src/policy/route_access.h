/*
 * Who may use a route, decided before its handler runs: the audience a route declares (any
 * signed-in actor, patients, patients with a record shown…) and whether it is reachable while
 * sign-in is unfinished (a second factor due, or a staff account still to enrol one). The
 * server (src/http) asks policy_route_access for every request; pages that only render
 * differently for an audience ask policy_audience.
 */
#ifndef MEDKEEP_ROUTE_ACCESS_H
#define MEDKEEP_ROUTE_ACCESS_H
#include <stdbool.h>

#include "policy/policy.h"

enum audience {
	AUD_ANYONE = 0,     /* whoever passed the route's authentication */
	AUD_PATIENT,        /* the patient role (their own record or one held as proxy) */
	AUD_PATIENT_OWN,    /* the patient role with a record of their own */
	AUD_PATIENT_RECORD, /* the patient role with a record shown (their own or a held one) */
	AUD_CLINICIAN,
	AUD_PRACTICE_ADMIN,
	AUD_OPERATOR,
};

enum signin_stage {
	SIGNIN_DONE = 0,      /* only once sign-in is finished */
	SIGNIN_ANY,           /* also while it is unfinished (sign out, styles, /session) */
	SIGNIN_SECOND_FACTOR, /* also while the second factor is due (the code page) */
	SIGNIN_ENROL,         /* also while a second factor must be set up first */
};

enum route_decision {
	ROUTE_ALLOW = 0,
	ROUTE_SIGN_IN,       /* the route needs a session and there is none */
	ROUTE_SECOND_FACTOR, /* finish signing in: the second factor is due */
	ROUTE_ENROL,         /* finish signing in: set up a second factor first */
	ROUTE_DENY,          /* signed in, but not in the route's audience */
};

/* Whether actor a is in audience who. */
bool policy_audience(const struct actor *a, enum audience who);
/* May this request reach the route's handler? authenticated: a holds a valid session;
 * needs_session: the route requires one. Fails closed on unknown values. */
enum route_decision policy_route_access(const struct actor *a, bool authenticated, bool needs_session,
					enum audience who, enum signin_stage stage);

#endif
