/*
 * libFuzzer harness: fhir_appointment_parse over a posted Appointment, and nz_parse over the
 * date and time fields of the slot form (the same bytes, split). Properties: on failure a reason
 * is given; on success the reason, when present, is a string within the input; nz_parse either
 * refuses or yields an instant whose NZ local date and time print back as the input.
 */
#define FUZZ_CRYPTO_JSON
#include "../harness.h"

#include <stdio.h>

#include "fhir/fhir.h"
#include "limits.h"
#include "util/arena.h"
#include "util/nztime.h"

static void check_nz_parse(const uint8_t *data, size_t size)
{
	char date[16] = {0}, hhmm[16] = {0};
	size_t dn = size < 12 ? size : 12;
	memcpy(date, data, dn);
	size_t tn = size - dn < 10 ? size - dn : 10;
	memcpy(hhmm, data + dn, tn);
	int64_t t;
	if (nz_parse(date, hhmm, &t) != 0)
		return;
	char back[16];
	nz_input_date(t, back, sizeof(back));
	struct tm tm;
	nz_local(t, &tm);
	char clock[8];
	snprintf(clock, sizeof(clock), "%02d:%02d", tm.tm_hour, tm.tm_min);
	/* A time skipped by the spring change reads as an hour later; otherwise exact. */
	if (strcmp(back, date) != 0 || (strncmp(clock, hhmm, 5) != 0 && tm.tm_hour != 3))
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static int zone;
	const char *no_zone = NULL;
	if (!zone && nz_time_init(&no_zone) != 0)
		abort(); /* as medkeep itself: no zone, no start */
	zone = 1;
	check_nz_parse(data, size);
	char *json = fuzz_copy(data, size);
	if (json == NULL)
		return 0;
	struct arena a;
	arena_init(&a, 1u << 20);
	struct appointment_new an;
	const char *why = NULL;
	if (fhir_appointment_parse(json, size, &a, &an, &why) == 0) {
		if (why != NULL || (an.reason && strlen(an.reason) > size))
			abort();
	} else if (why == NULL) {
		abort();
	}
	arena_release(&a);
	free(json);
	return 0;
}
