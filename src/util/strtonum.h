#ifndef MEDKEEP_STRTONUM_H
#define MEDKEEP_STRTONUM_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
/* Parse a decimal integer in [min, max] from the whole of s; 0 on success, -1 otherwise. */
int parse_int64(const char *s, int64_t min, int64_t max, int64_t *out);
/* The value of one hex digit (0-9, a-f, A-F), or -1 for any other character. */
int hex_digit(char c);
/* Whether s is 1..max characters of A-Z a-z 0-9 '-' '.' (the alphabet of a FHIR id and of the
 * codes a practice sends). */
bool token_ok(const char *s, size_t max);
#endif
