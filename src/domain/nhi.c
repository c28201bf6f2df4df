#include "domain/nhi.h"

/* Value of a letter in the 24-letter NHI alphabet (A=1 … H=8, J=9 … N=13, P=14 … Z=24),
 * or 0 for anything else (including I and O). */
static int letter_value(char c)
{
	if (c < 'A' || c > 'Z' || c == 'I' || c == 'O')
		return 0;
	int v = c - 'A' + 1;
	if (c > 'I')
		v--;
	if (c > 'O')
		v--;
	return v;
}

static char upper(char c)
{
	return (c >= 'a' && c <= 'z') ? (char)(c - 'a' + 'A') : c;
}

static bool is_digit(char c)
{
	return c >= '0' && c <= '9';
}

int nhi_normalise(const char *s, size_t n, char out[NHI_LEN + 1])
{
	if (s == NULL || n != NHI_LEN)
		return -1;
	char u[NHI_LEN];
	for (size_t i = 0; i < NHI_LEN; i++)
		u[i] = upper(s[i]);
	int sum = 0;
	for (int i = 0; i < 3; i++) {
		int v = letter_value(u[i]);
		if (v == 0)
			return -1;
		sum += v * (7 - i);
	}
	if (!is_digit(u[3]) || !is_digit(u[4]))
		return -1;
	sum += (u[3] - '0') * 4 + (u[4] - '0') * 3;
	if (is_digit(u[5]) && is_digit(u[6])) {
		/* old format AAANNNC */
		sum += (u[5] - '0') * 2;
		int r = sum % 11;
		if (r == 0)
			return -1;
		if ((11 - r) % 10 != u[6] - '0')
			return -1;
	} else {
		/* new format AAANNAX (2023 edition: check letter value is 23 - sum mod 23) */
		int v5 = letter_value(u[5]), v6 = letter_value(u[6]);
		if (v5 == 0 || v6 == 0)
			return -1;
		sum += v5 * 2;
		if (23 - sum % 23 != v6)
			return -1;
	}
	for (size_t i = 0; i < NHI_LEN; i++)
		out[i] = u[i];
	out[NHI_LEN] = '\0';
	return 0;
}

bool nhi_valid(const char *s, size_t n)
{
	char tmp[NHI_LEN + 1];
	return nhi_normalise(s, n, tmp) == 0;
}

bool nhi_is_test_range(const char nhi[NHI_LEN + 1])
{
	return nhi[0] == 'Z';
}
