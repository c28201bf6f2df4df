/* Shared inside the results services (results.c, results_inbox.c): not for other parts. */
#ifndef MEDKEEP_RESULTS_INT_H
#define MEDKEEP_RESULTS_INT_H
#include "domain/results.h"
#include "store/results.h"

/* A row's clear metadata as a view (no observations). */
void result_view_from_row(const struct store_result *r, int64_t now, struct result_view *v);
/* Gate and fetch one result for action; NOT_FOUND for missing, foreign and (for patients and
 * proxies) unreleased alike. */
enum err result_fetch(const struct actor *a, enum action action, const struct id *result,
		      const char *rtype, struct arena *ar, struct grant *g, struct store_patient *p,
		      struct store_result *row);
/* Audit a decision about a practice setting or page (no patient). */
enum err result_audit_practice(const struct actor *a, const char *action, bool ok);

#endif
