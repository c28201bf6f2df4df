/*
 * libFuzzer harness: a patient's contact details as typed (details_check, src/domain/details.c,
 * docs/internals/DETAILS.md). The input is the seven fields (mobile, phone, two address lines,
 * suburb, town, postcode) separated by NUL bytes. Properties: nothing reads outside the input;
 * every field comes back trimmed and not NULL; a field is refused exactly when why[] says so;
 * what is accepted keeps its limits: a phone of at most LIMIT_PHONE_CHARS digits, spaces,
 * dashes, brackets and a leading +, a mobile's national number starting with 2; an address
 * line of at most LIMIT_ADDRESS_LINE_CHARS characters with no control byte; a postcode of four
 * digits; an address with its street line and its town.
 */
#include "../harness.h"

#include "domain/details.h"
#include "limits.h"
#include "util/arena.h"

static void check_phone(const char *s)
{
	size_t n = strlen(s);
	if (n == 0)
		return;
	if (n > LIMIT_PHONE_CHARS)
		abort();
	for (size_t i = 0; i < n; i++)
		if (!((s[i] >= '0' && s[i] <= '9') || strchr(" -()", s[i]) != NULL || (s[i] == '+' && i == 0)))
			abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *buf = malloc(size + 1);
	if (buf == NULL)
		return 0;
	if (size)
		memcpy(buf, data, size);
	buf[size] = '\0';
	struct contact_details in;
	memset(&in, 0, sizeof(in));
	size_t at = 0;
	for (int f = 0; f < DF_COUNT; f++) {
		in.field[f] = at <= size ? buf + at : NULL; /* NULL: a field the form did not send */
		if (at <= size)
			at += strlen(buf + at) + 1;
	}
	struct arena ar;
	arena_init(&ar, 64 * 1024);
	struct contact_details out;
	const char *why[DF_COUNT];
	int wrong = details_check(&in, &ar, &out, why);
	int counted = 0;
	for (int f = 0; f < DF_COUNT; f++) {
		if (out.field[f] == NULL)
			abort();
		counted += why[f] != NULL;
		size_t n = strlen(out.field[f]);
		if (n && (out.field[f][0] == ' ' || out.field[f][n - 1] == ' '))
			abort();
	}
	if (counted != wrong)
		abort();
	if (wrong == 0) {
		check_phone(out.field[DF_MOBILE]);
		check_phone(out.field[DF_PHONE]);
		bool any = false;
		for (int f = DF_LINE1; f <= DF_CITY; f++) {
			size_t chars = 0;
			for (const unsigned char *p = (const unsigned char *)out.field[f]; *p; p++) {
				if (*p < 0x20 || *p == 0x7f)
					abort();
				chars += (*p & 0xc0) != 0x80;
			}
			if (chars > LIMIT_ADDRESS_LINE_CHARS)
				abort();
			any |= chars > 0;
		}
		const char *pc = out.field[DF_POSTCODE];
		if (pc[0] && (strlen(pc) != 4 || strspn(pc, "0123456789") != 4))
			abort();
		if ((any || pc[0]) && (!out.field[DF_LINE1][0] || !out.field[DF_CITY][0]))
			abort();
	}
	arena_release(&ar);
	free(buf);
	return 0;
}
