/*
 * Shorthands for writing a route table (src/web/web_routes.c, src/fhir/fhir_routes.c): each
 * row is {method, pattern, auth, body, kind, handler, lane, origin, access}.
 */
#ifndef MEDKEEP_ROUTE_TABLE_H
#define MEDKEEP_ROUTE_TABLE_H
#include "http/http.h"

/* Where a route runs: on the serving threads, or on the slow lane (see src/http/server.c). */
#define FAST false
#define SLOW true
/* Whether apps may call it from their own origin (every FHIR route may). */
#define CORS true
#define SAME_ORIGIN false
/* Who may use it (src/policy/route_access.h): whoever passes its authentication, once signed in. */
#define ANYONE {AUD_ANYONE, SIGNIN_DONE, NULL, NULL}

#endif
