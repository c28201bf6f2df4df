/* Demo health summaries (demo_summary.c, docs/internals/SUMMARY.md). */
#ifndef MEDKEEP_DEMO_SUMMARY_H
#define MEDKEEP_DEMO_SUMMARY_H
#include "policy/policy.h"

/* File the i-th demo patient's allergies, problems, immunisations and vital signs (invented)
 * as the demo clinician. 0, or -1 when anything was refused. */
int demo_summary_seed(const struct actor *clinician, const struct id *patient, unsigned long i);

#endif
