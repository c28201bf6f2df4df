/*
 * DIR/medkeep.conf: lines "key = value", blank lines and "#" comments (a "#" at the start of a
 * line or after a space). Keys are [a-z0-9._-] and named by section ("breaker.misses",
 * "smtp.url", "webauthn.origin"); values are trimmed of spaces and may not hold control bytes.
 * A parser of a file the operator writes, fuzzed anyway (tests/fuzz/conf).
 */
#ifndef MEDKEEP_CONF_H
#define MEDKEEP_CONF_H
#include <stddef.h>

#define CONF_MAX_BYTES 16384
/* The longest key and value conf_parse hands on (longer ones are refused in its section). */
#define CONF_KEY_MAX 63
#define CONF_LINE_MAX 319

/* The value of key (its last occurrence): 0 and out filled, 1 when absent, -1 when the text is
 * malformed or the value does not fit in outsz. */
int conf_get(const char *text, size_t len, const char *key, char *out, size_t outsz);
/* Read DIR/medkeep.conf into buf (NUL-terminated, at most cap - 1 bytes): 0 (empty when there
 * is no file), -1 when it cannot be read or is too large. */
int conf_read(const char *dir, char *buf, size_t cap, size_t *len);
/* Call fn(ctx, key, value) for each setting whose key starts with prefix (which is stripped;
 * other sections belong to other modules and are skipped, whatever their length). 0 when every
 * line is well formed and fn returned 0 for each; otherwise -1 with *line the number of the
 * offending line. */
int conf_parse(const char *text, size_t len, const char *prefix,
	       int (*fn)(void *ctx, const char *key, const char *value), void *ctx, int *line);

#endif
