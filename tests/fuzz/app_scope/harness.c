/*
 * libFuzzer harness: apps_parse_scope over an OAuth scope string (untrusted, from an app's
 * authorization request). The input is the string itself, not NUL-terminated. Properties: only
 * known scope bits come back (the parts an app may read, and online_access / offline_access);
 * the same input gives the same bits; and the scope string the token endpoint writes for those
 * bits parses back to exactly them (v1 and v2 permissions, v2 queries, the refresh kinds).
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
	if ((bits & ~(unsigned)APP_SCOPE_GRANTABLE) != 0 || apps_parse_scope(s, size) != bits)
		abort();
	/* Both refresh kinds asked for: the lesser is granted and said. */
	if ((bits & APP_SCOPE_REFRESH) == APP_SCOPE_REFRESH)
		bits &= ~(unsigned)APP_SCOPE_OFFLINE;
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
