/* Internal to the SQLite back-end: steps shared by store_medications.c and
 * store_appointments.c (defined in store_medications.c). */
#ifndef MEDKEEP_STORE_CAREPLAN_INT_H
#define MEDKEEP_STORE_CAREPLAN_INT_H
#include "store/sqlite/store_int.h"

/* Step a write: ERR_OK (with *changed rows), ERR_CONFLICT on a constraint, ERR_INTERNAL. */
enum err careplan_step_write(struct db_stmt *s, const char *what, int *changed);
/* Read a target query (sq_target_collect's columns) for the row id; ERR_NOT_FOUND when there
 * is none. */
enum err careplan_target_rows(struct db_stmt *s, const struct id *id, struct target *out);

/* Fill one row of a result from the statement's current row; false when it cannot be copied. */
typedef bool (*careplan_row_fn)(struct db_stmt *s, struct arena *a, void *row);
/* One row by id (sql binds the id as its one parameter) into row (row_size bytes). The row
 * belongs to the patient at *row_patient once filled: ERR_DENIED, with the row wiped, unless
 * g is a grant for that patient. ERR_NOT_FOUND when there is no such row. */
enum err careplan_get(const char *sql, const struct id *id, const struct grant *g, struct arena *a,
		      careplan_row_fn fn, void *row, size_t row_size, const struct id *row_patient,
		      const char *what);
/* A patient's rows (sql binds ?1 the patient, ?2 a LIMIT, ?3 the grant's visible_from) into
 * an array of elem-byte rows from a, at most LIMIT_LIST. The caller has checked the grant. */
enum err careplan_list(const char *sql, const struct grant *g, const struct id *patient,
		       struct arena *a, size_t elem, careplan_row_fn fn, void **out, size_t *n,
		       const char *what);
/* The same for a page (SQ_PAGE_SQL with the patient as ?1 and the grant's visible_from as ?5;
 * pg NULL: the newest LIMIT_LIST by date), at most pg->limit rows. */
enum err careplan_page(const char *const sql[4], const struct grant *g, const struct id *patient,
		       const struct store_page *pg, struct arena *a, size_t elem, careplan_row_fn fn,
		       void **out, size_t *n, const char *what);

#endif
