/* Internal to `medkeep import` (import.c: the command, lines, batches, progress;
 * import_apply.c: filing one resource). docs/internals/IMPORT.md. */
#ifndef MEDKEEP_MAIN_IMPORT_INT_H
#define MEDKEEP_MAIN_IMPORT_INT_H
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "fhir/fhir_import.h"

/* An Observation line not yet filed: where it is, for the DiagnosticReport that names it or,
 * at the end, to be filed as a result of its own. */
struct pending_obs {
	char *source_id; /* NULL: an empty slot of the table */
	int file;
	int64_t offset;
	size_t len;
	int64_t line;
	bool done;
};

struct importer {
	struct id practice;
	struct actor actor; /* the import: the practice's system, run by the operator */
	const char *const *files;
	int n_files;
	int *fds;
	int64_t loaded[IMPORT_TYPE_COUNT], already[IMPORT_TYPE_COUNT], refused[IMPORT_TYPE_COUNT];
	int64_t refused_other; /* lines whose type is not known */
	int64_t lines;
	/* pending Observations: an open-addressing table of LIMIT_IMPORT_PENDING_OBS at most */
	struct pending_obs *pend;
	size_t pend_cap, pend_n;
	/* clinicians of the practice, who hold imported appointments' slots */
	struct arena staff_ar;
	struct store_staff *staff;
	size_t n_staff;
	bool staff_loaded;
};

/* The import actor of `practice`, after enabling local tools (policy_enable_local_tools): the
 * practice's system on the operator's command line, every system scope, no token. Its records
 * are the practice's, attributed in the audit trail to the practice (actor) and to the import
 * (address "import"), reached "via system". `medkeep invite --imported` acts as it too. */
void import_actor(const struct id *practice, struct actor *out);

/* What became of a line. */
enum outcome { OUT_LOADED, OUT_ALREADY, OUT_REFUSED, OUT_DEFERRED, OUT_FATAL };

/* File one parsed line (file index f, its bytes at offset off): loaded, already there,
 * refused (*why set), deferred (an Observation remembered for its report) or fatal (the
 * store, vault or audit trail failed: stop). */
enum outcome import_apply(struct importer *im, struct import_item *it, int f, int64_t off,
			  size_t len, int64_t line, struct arena *ar, const char **why);
/* File the Observations no report named, each as a result of its own; report(line, why)
 * for each refused. -1 when fatal. */
int import_pending(struct importer *im, void (*report)(struct importer *, int, int64_t, enum import_type,
							const char *),
		   void (*tick)(struct importer *));
void import_pending_free(struct importer *im);

#endif
