/* 128-bit random identifiers, shown as 32 lower-case hex characters. */
#ifndef MEDKEEP_ID_H
#define MEDKEEP_ID_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define ID_BYTES 16
#define ID_HEX_LEN 32

struct id {
	uint8_t b[ID_BYTES];
};

/* Parse exactly 32 hex characters (either case); 0 on success, -1 otherwise. */
int id_parse(struct id *out, const char *s, size_t n);
/* Write 32 hex characters and a NUL into out (33 bytes). */
void id_hex(const struct id *id, char out[ID_HEX_LEN + 1]);
bool id_eq(const struct id *a, const struct id *b);
bool id_is_zero(const struct id *a);

#endif
