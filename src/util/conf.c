/* medkeep.conf (see conf.h): it never reads past len and never writes past its buffers. */
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

struct setting {
	const char *key, *value;
	size_t key_len, value_len;
};

/* The next setting from *pos: 1 and *s filled, 0 at the end, -1 for a malformed line. *line
 * counts lines read. */
static int next_setting(const char *text, size_t len, size_t *pos, int *line, struct setting *s)
{
	size_t i = *pos;
	while (i < len) {
		(*line)++;
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
		size_t klen = k - start;
		while (k < end && blank(text[k]))
			k++;
		if (klen == 0 || k == end || text[k] != '=')
			goto malformed;
		k++;
		while (k < end && blank(text[k]))
			k++;
		for (size_t j = k; j < end; j++)
			if ((unsigned char)text[j] < 0x20 && text[j] != '\t')
				goto malformed;
		*s = (struct setting){text + start, text + k, klen, end - k};
		*pos = i;
		return 1;
	}
	*pos = i;
	return 0;
malformed:
	*pos = i;
	return -1;
}

int conf_get(const char *text, size_t len, const char *key, char *out, size_t outsz)
{
	size_t klen = strlen(key), pos = 0;
	int found = 1, line = 0, rc;
	struct setting s;
	if (outsz == 0)
		return -1;
	while ((rc = next_setting(text, len, &pos, &line, &s)) == 1) {
		if (s.key_len != klen || memcmp(s.key, key, klen) != 0)
			continue;
		if (s.value_len + 1 > outsz)
			return -1;
		memcpy(out, s.value, s.value_len);
		out[s.value_len] = '\0';
		found = 0;
	}
	return rc < 0 ? -1 : found;
}

int conf_parse(const char *text, size_t len, const char *prefix,
	       int (*fn)(void *ctx, const char *key, const char *value), void *ctx, int *line)
{
	size_t plen = strlen(prefix), pos = 0;
	struct setting s;
	int rc;
	*line = 0;
	while ((rc = next_setting(text, len, &pos, line, &s)) == 1) {
		if (s.key_len < plen || memcmp(s.key, prefix, plen) != 0)
			continue;
		char key[CONF_KEY_MAX + 1], value[CONF_LINE_MAX + 1];
		if (s.key_len - plen > CONF_KEY_MAX || s.value_len > CONF_LINE_MAX)
			return -1;
		memcpy(key, s.key + plen, s.key_len - plen);
		key[s.key_len - plen] = '\0';
		memcpy(value, s.value, s.value_len);
		value[s.value_len] = '\0';
		if (fn(ctx, key, value) != 0)
			return -1;
	}
	return rc < 0 ? -1 : 0;
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
