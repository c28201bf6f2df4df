/*
 * The home page's marks (src/store/sqlite/store_home.c, docs/internals/HOME.md): per account
 * and record, when the account last looked at a part (so what changed after is new to it) or
 * put a card away (so it stays folded until something newer happens). Times only: an
 * account's own reading state, no patient data.
 */
#ifndef MEDKEEP_STORE_HOME_H
#define MEDKEEP_STORE_HOME_H
#include "store/store.h"

#define SEEN_KIND_MAX 24 /* "card.device" and the like */

/* When account last marked kind for record: *seen, 0 when never. */
enum err store_seen_get(const struct id *account, const struct id *record, const char *kind,
			int64_t *seen);
/* Mark it at `seen` (a later mark replaces an earlier one, never the other way). */
enum err store_seen_set(const struct id *account, const struct id *record, const char *kind,
			int64_t seen);

#endif
