/* Internal to the SQLite back-end: steps shared by store_medications.c and
 * store_appointments.c (defined in store_medications.c). */
#ifndef MEDKEEP_STORE_CAREPLAN_INT_H
#define MEDKEEP_STORE_CAREPLAN_INT_H
#include "store/sqlite/store_int.h"

/* Step a write: STORE_OK (with *changed rows), STORE_CONFLICT on a constraint, STORE_ERROR. */
int careplan_step_write(sqlite3_stmt *s, const char *what, int *changed);
/* Read a target query (patient first column, one enrolled practice per row in the second)
 * for the row id; STORE_NOT_FOUND when there is none. */
int careplan_target_rows(sqlite3_stmt *s, const struct id *id, struct target *out);

#endif
