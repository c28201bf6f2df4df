/* Demo data for family and carer (proxy) access (demo_proxies.c). */
#ifndef MEDKEEP_DEMO_PROXIES_H
#define MEDKEEP_DEMO_PROXIES_H
#include <stdio.h>

#include "policy/policy.h"
#include "util/id.h"

/* With 10 patients or more (as `make run` makes): a child patient with a parent's proxy access
 * (the last patient) and an ended grant; notes go to logins. Called by cmd_demo inside its
 * transaction, after the patients exist. 0, or -1. */
int demo_proxies(const struct id *practice, const struct actor *clinician, unsigned long n_patients,
		 FILE *logins);

#endif
