/*
 * libFuzzer harness: nhi_normalise. Property: whatever it accepts comes out as seven
 * upper-case characters (A-Z without I and O, or digits), matches the input up to case,
 * and is itself accepted again unchanged; nhi_valid agrees with nhi_normalise.
 */
#include "../harness.h"

#include "domain/nhi.h"

static int upper_ok(char c)
{
	return (c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z' && c != 'I' && c != 'O');
}

static char lower(char c)
{
	return (c >= 'A' && c <= 'Z') ? (char)(c - 'A' + 'a') : c;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s = fuzz_copy(data, size);
	if (s == NULL)
		return 0;
	char out[NHI_LEN + 1];
	memset(out, 'x', sizeof(out));
	int rc = nhi_normalise(s, size, out);
	if ((rc == 0) != nhi_valid(s, size))
		abort();
	if (rc == 0) {
		if (size != NHI_LEN || out[NHI_LEN] != '\0' || strlen(out) != NHI_LEN)
			abort();
		for (size_t i = 0; i < NHI_LEN; i++)
			if (!upper_ok(out[i]) || lower(out[i]) != lower(s[i]))
				abort();
		/* letters first, then two digits */
		for (size_t i = 0; i < 3; i++)
			if (out[i] < 'A' || out[i] > 'Z')
				abort();
		if (out[3] < '0' || out[3] > '9' || out[4] < '0' || out[4] > '9')
			abort();
		char again[NHI_LEN + 1];
		if (nhi_normalise(out, NHI_LEN, again) != 0 || memcmp(again, out, NHI_LEN + 1) != 0)
			abort();
		/* Lower case is accepted too and normalises to the same thing. */
		char low[NHI_LEN];
		for (size_t i = 0; i < NHI_LEN; i++)
			low[i] = lower(out[i]);
		if (nhi_normalise(low, NHI_LEN, again) != 0 || memcmp(again, out, NHI_LEN + 1) != 0)
			abort();
		(void)nhi_is_test_range(out);
	}
	free(s);
	return 0;
}
