/*
 * DIR/medkeep.conf, for the settings other than the breaker's (which the vault reads itself):
 * lines "key = value", blank lines and "#" comments (a "#" at the start of a line or after a
 * space). Keys are [a-z0-9._-]; values are trimmed of spaces and may not hold control bytes.
 */
#ifndef MEDKEEP_CONF_H
#define MEDKEEP_CONF_H
#include <stddef.h>

#define CONF_MAX_BYTES 16384

/* The value of key (its last occurrence): 0 and out filled, 1 when absent, -1 when the text is
 * malformed or the value does not fit in outsz. */
int conf_get(const char *text, size_t len, const char *key, char *out, size_t outsz);
/* Read DIR/medkeep.conf into buf (NUL-terminated, at most cap - 1 bytes): 0 (empty when there
 * is no file), -1 when it cannot be read or is too large. */
int conf_read(const char *dir, char *buf, size_t cap, size_t *len);

#endif
