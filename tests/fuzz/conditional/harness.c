/*
 * libFuzzer harness: conditional requests and the $everything cursor, each given the same
 * input in a buffer of exactly its size: http_date_parse (If-Modified-Since), http_etag_matches
 * (If-None-Match, against the tags "1" and "12"), fhir_everything_cursor (a $everything
 * _cursor). Properties: a date that parses formats back to the same 29 bytes; a cursor that
 * parses names a part in range and, with a row, a date within half the int64 range.
 */
#include "../harness.h"

#include "fhir/fhir_int.h"
#include "http/conditional.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s = fuzz_copy(data, size);
	if (s == NULL)
		return 0;
	int64_t t = 0;
	if (http_date_parse(s, size, &t) == 0) {
		char back[HTTP_DATE_LEN + 1];
		http_date_format(t, back);
		/* a leap second (:60) reads as :59 */
		if (size != HTTP_DATE_LEN || (memcmp(back, s, 23) != 0 && s[23] != '6'))
			abort();
	}
	(void)http_etag_matches(s, size, "1");
	(void)http_etag_matches(s, size, "12");
	struct everything_cursor c;
	if (fhir_everything_cursor(s, size, &c) == 0) {
		if (c.part > 9 || (c.after && (c.t < INT64_MIN / 2 || c.t > INT64_MAX / 2)))
			abort();
	}
	free(s);
	return 0;
}
