/*
 * libFuzzer harness: apps_parse_scope over an OAuth scope string (untrusted, from an app's
 * authorization request). The input is the string itself, not NUL-terminated. Properties: only
 * known scope bits come back; the same input gives the same bits; and the scope string the
 * token endpoint writes for those bits parses back to exactly them.
 */
#include "../harness.h"

#include "auth/apps.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	/* An exact-size copy so ASan catches any read past len. */
	char *s = fuzz_copy(data, size);
	if (s == NULL)
		return 0;
	unsigned bits = apps_parse_scope(s, size);
	if ((bits & ~(unsigned)APP_SCOPE_ALL) != 0 || apps_parse_scope(s, size) != bits)
		abort();
	if (bits != 0) {
		struct arena a;
		arena_init(&a, 4096);
		struct buf b;
		buf_init(&b, &a, 2048);
		apps_scope_string(bits, &b);
		if (b.failed || apps_parse_scope(b.data, b.len) != bits)
			abort();
		arena_release(&a);
	}
	free(s);
	return 0;
}
