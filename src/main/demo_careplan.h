/* Demo data for medications, repeat prescriptions and appointments (demo_careplan.c). */
#ifndef MEDKEEP_DEMO_CAREPLAN_H
#define MEDKEEP_DEMO_CAREPLAN_H
#include "policy/policy.h"

/* Seed patient number i (from 1): their medicines, repeat requests and appointments, as the
 * clinician and as the patient (self). On the first patient, the practice's clinicians are
 * named and publish two weeks of slots. 0 on success. */
int demo_careplan(const struct actor *clinician, const struct actor *self, const struct id *patient,
		  unsigned long i);

#endif
