/*
 * libFuzzer harness: accept_takes_json (src/http/parse.c) over an Accept header value as a
 * client sends it (untrusted). The first byte says whether the path is a Binary. The value is
 * copied into a buffer of exactly its size, so ASan catches any read past len. Properties: the
 * answer does not depend on bytes past len (the same value inside a longer buffer answers the
 * same); a Binary takes whatever a non-Binary takes; adding ", application/fhir+json" to any
 * value makes it taken.
 */
#include "../harness.h"

#include "http/parse.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size == 0)
		return 0;
	bool binary = data[0] & 1;
	data++;
	size--;
	char *v = fuzz_copy(data, size);
	if (v == NULL)
		return 0;
	bool takes = accept_takes_json(v, size, binary);
	if (takes && !binary && !accept_takes_json(v, size, true))
		abort();
	static const char more[] = ", application/fhir+json";
	char *longer = malloc(size + sizeof(more));
	if (longer != NULL) {
		memcpy(longer, data, size);
		memcpy(longer + size, more, sizeof(more));
		if (accept_takes_json(longer, size, binary) != takes)
			abort();
		if (!accept_takes_json(longer, size + sizeof(more) - 1, binary))
			abort();
		free(longer);
	}
	free(v);
	return 0;
}
