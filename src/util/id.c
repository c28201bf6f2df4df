#include "util/id.h"

#include <string.h>

#include "util/strtonum.h"

int id_parse(struct id *out, const char *s, size_t n)
{
	if (s == NULL || n != ID_HEX_LEN)
		return -1;
	for (size_t i = 0; i < ID_BYTES; i++) {
		int hi = hex_digit(s[2 * i]), lo = hex_digit(s[2 * i + 1]);
		if (hi < 0 || lo < 0)
			return -1;
		out->b[i] = (uint8_t)(hi << 4 | lo);
	}
	return 0;
}

void id_hex(const struct id *id, char out[ID_HEX_LEN + 1])
{
	static const char digits[] = "0123456789abcdef";
	for (size_t i = 0; i < ID_BYTES; i++) {
		out[2 * i] = digits[id->b[i] >> 4];
		out[2 * i + 1] = digits[id->b[i] & 15];
	}
	out[ID_HEX_LEN] = '\0';
}

bool id_eq(const struct id *a, const struct id *b)
{
	return memcmp(a->b, b->b, ID_BYTES) == 0;
}

bool id_is_zero(const struct id *a)
{
	static const struct id zero;
	return id_eq(a, &zero);
}
