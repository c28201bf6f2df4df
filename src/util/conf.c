#include "util/conf.h"

#include <string.h>

int conf_parse(const char *text, size_t len, const char *prefix,
	       int (*fn)(void *ctx, const char *key, const char *value), void *ctx, int *line)
{
	size_t i = 0, plen = strlen(prefix);
	*line = 0;
	while (i < len) {
		(*line)++;
		size_t start = i;
		while (i < len && text[i] != '\n')
			i++;
		size_t n = i - start;
		if (i < len)
			i++;
		const char *hash = memchr(text + start, '#', n);
		if (hash)
			n = (size_t)(hash - (text + start));
		char buf[CONF_LINE_MAX + 1];
		size_t k = 0;
		for (size_t j = 0; j < n; j++) {
			char c = text[start + j];
			if (c == ' ' || c == '\t' || c == '\r')
				continue;
			if (k == CONF_LINE_MAX)
				return -1;
			buf[k++] = c;
		}
		buf[k] = '\0';
		if (k == 0)
			continue;
		char *eq = strchr(buf, '=');
		if (eq == NULL)
			return -1;
		*eq = '\0';
		if (strncmp(buf, prefix, plen) != 0)
			continue;
		if (fn(ctx, buf + plen, eq + 1) != 0)
			return -1;
	}
	return 0;
}
