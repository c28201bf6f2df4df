/* medkeep.conf lookups (see conf.h). A parser of a file the operator writes, fuzzed anyway
 * (tests/fuzz/conf): it never reads past len and never writes past outsz. */
#include "util/conf.h"

#include <stdbool.h>
#include <stdio.h>
#include <string.h>

static bool key_byte(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '-';
}

static bool blank(char c)
{
	return c == ' ' || c == '\t' || c == '\r';
}

int conf_get(const char *text, size_t len, const char *key, char *out, size_t outsz)
{
	size_t klen = strlen(key), i = 0;
	int found = 1;
	if (outsz == 0)
		return -1;
	while (i < len) {
		size_t start = i;
		while (i < len && text[i] != '\n')
			i++;
		size_t end = i;
		if (i < len)
			i++;
		/* comments: from a '#' at the start or after a blank */
		for (size_t j = start; j < end; j++)
			if (text[j] == '#' && (j == start || blank(text[j - 1]))) {
				end = j;
				break;
			}
		while (start < end && blank(text[start]))
			start++;
		while (end > start && blank(text[end - 1]))
			end--;
		if (start == end)
			continue;
		size_t k = start;
		while (k < end && key_byte((unsigned char)text[k]))
			k++;
		size_t this_klen = k - start;
		while (k < end && blank(text[k]))
			k++;
		if (this_klen == 0 || k == end || text[k] != '=')
			return -1;
		k++;
		while (k < end && blank(text[k]))
			k++;
		for (size_t j = k; j < end; j++)
			if ((unsigned char)text[j] < 0x20 && text[j] != '\t')
				return -1;
		if (this_klen != klen || memcmp(text + start, key, klen) != 0)
			continue;
		size_t vlen = end - k;
		if (vlen + 1 > outsz)
			return -1;
		memcpy(out, text + k, vlen);
		out[vlen] = '\0';
		found = 0;
	}
	return found;
}

int conf_read(const char *dir, char *buf, size_t cap, size_t *len)
{
	char path[4096];
	*len = 0;
	if (cap == 0)
		return -1;
	buf[0] = '\0';
	if ((size_t)snprintf(path, sizeof(path), "%s/medkeep.conf", dir) >= sizeof(path))
		return -1;
	FILE *f = fopen(path, "r");
	if (f == NULL)
		return 0;
	size_t n = fread(buf, 1, cap - 1, f);
	bool more = fgetc(f) != EOF;
	fclose(f);
	if (more)
		return -1;
	buf[n] = '\0';
	*len = n;
	return 0;
}
