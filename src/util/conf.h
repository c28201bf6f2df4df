/* medkeep.conf: lines of "section.key = value", '#' comments, blank lines. */
#ifndef MEDKEEP_CONF_H
#define MEDKEEP_CONF_H
#include <stddef.h>

/* A line (spaces dropped, comment cut) may hold at most this many characters. */
#define CONF_LINE_MAX 319

/* Call fn(ctx, key, value) for each setting whose key starts with prefix (which is stripped;
 * other sections belong to other modules and are skipped). 0 when every line is well formed
 * and fn returned 0 for each; otherwise -1 with *line the number of the offending line. */
int conf_parse(const char *text, size_t len, const char *prefix,
	       int (*fn)(void *ctx, const char *key, const char *value), void *ctx, int *line);

#endif
