/*
 * A page of one patient's rows, as a FHIR search asks for it (docs/internals/SEARCH.md): which
 * rows (ranges of the row's date and of its last change, a list of the row's clear codes), in
 * which order, and where the page starts. Only positions and clear metadata: the patient is
 * the grant's, never the page's, so no page can reach another patient's rows.
 */
#ifndef MEDKEEP_STORE_PAGE_H
#define MEDKEEP_STORE_PAGE_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "limits.h"
#include "util/id.h"

/* Half-open ranges [lo, hi) of seconds; a row matches when its time is in any of them. */
struct store_ranges {
	bool on;  /* false: no condition */
	size_t n; /* on with n == 0: nothing matches */
	int64_t lo[LIMIT_SEARCH_RANGES], hi[LIMIT_SEARCH_RANGES];
};

enum store_sort {
	STORE_SORT_DATE,    /* the row's own date (written, collected, booked for, sent) */
	STORE_SORT_UPDATED, /* its last change */
};

struct store_page {
	struct store_ranges date, updated;
	/* ",a,b," : the row's clear code (kind, status) must be one of these; NULL: any. */
	const char *codes;
	enum store_sort sort;
	bool desc;
	/* Start after this row (by the sort key, then id, in the page's order). */
	bool after;
	int64_t after_t;
	struct id after_id;
	size_t limit; /* rows to return, at most LIMIT_SEARCH_COUNT_MAX + 1 */
};

#endif
