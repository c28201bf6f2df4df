/* Demo lab results (demo_results.c). */
#ifndef MEDKEEP_DEMO_RESULTS_H
#define MEDKEEP_DEMO_RESULTS_H
#include <stdbool.h>

#include "policy/policy.h"

/* File the i-th demo patient's results as the demo clinician (and, for i == 1, the demo
 * practice's release rules). 0, or -1 when anything was refused. */
int demo_results_seed(const struct actor *clinician, const struct id *patient, bool female,
		      unsigned long i);

#endif
