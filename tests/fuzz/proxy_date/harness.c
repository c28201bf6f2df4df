/*
 * libFuzzer harness: the end date of a proxy grant, as typed into the form (proxy_date_end),
 * and a birth date read back from a record (proxy_age_years). Properties: a date that is
 * accepted prints back as exactly the input and ends a day after its midnight; an age is -1
 * or a plausible number of years; nothing reads outside the input.
 */
#include "../harness.h"

#include <stdio.h>
#include <time.h>

#include "domain/proxies.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s = fuzz_cstr(data, size);
	if (s == NULL)
		return 0;
	int64_t end = proxy_date_end(s);
	if (end != -1) {
		if (strlen(s) != 10 || end % 86400 != 0)
			abort();
		char back[16];
		time_t t = (time_t)(end - 86400);
		struct tm tm;
		if (gmtime_r(&t, &tm) == NULL || strftime(back, sizeof(back), "%Y-%m-%d", &tm) != 10 ||
		    strcmp(back, s) != 0)
			abort();
	}
	int age = proxy_age_years(s, 1795000000);
	if (age < -1 || age > 200)
		abort();
	if (end != -1 && end - 86400 <= 1795000000 && age < 0)
		abort(); /* a valid date in the past has an age */
	free(s);
	return 0;
}
