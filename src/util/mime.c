/* Mail header values (mime.h). */
#include "util/mime.h"

#include <stdbool.h>
#include <string.h>

/* RFC 2047: an encoded-word is at most 75 characters; "=?UTF-8?Q?" and "?=" take 12. */
#define WORD_MAX 75u
#define WORD_FRAME 12u

static bool plain(const char *s)
{
	for (const unsigned char *p = (const unsigned char *)s; *p; p++)
		if (*p >= 0x80 || (*p < 0x20 && *p != '\t'))
			return false;
	return true;
}

/* The length of the UTF-8 sequence that starts with c (1 for a stray byte: kept whole). */
static size_t seq_len(unsigned char c)
{
	return c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : c >= 0xC0 ? 2 : 1;
}

/* How one byte is written in a Q encoded-word (RFC 2047 5(3)): the safe ASCII as itself, a
 * space as "_", everything else "=XX". Returns how many characters it wrote (1 or 3). */
static size_t q_byte(unsigned char c, char out[3])
{
	static const char hex[] = "0123456789ABCDEF";
	bool safe = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		    c == '!' || c == '*' || c == '+' || c == '-' || c == '/';
	if (safe) {
		out[0] = (char)c;
		return 1;
	}
	if (c == ' ' || c == '\r' || c == '\n') {
		out[0] = '_';
		return 1;
	}
	out[0] = '=';
	out[1] = hex[c >> 4];
	out[2] = hex[c & 15];
	return 3;
}

void mime_header_value(struct buf *out, const char *value)
{
	const char *s = value ? value : "";
	if (plain(s)) {
		for (const char *p = s; *p; p++)
			buf_append(out, (*p == '\r' || *p == '\n') ? " " : p, 1);
		return;
	}
	size_t used = 0; /* characters of the open word's text; 0: no word open */
	const unsigned char *p = (const unsigned char *)s;
	while (*p) {
		size_t n = seq_len(*p);
		char enc[4 * 3];
		size_t len = 0;
		for (size_t i = 0; i < n && p[i]; i++)
			len += q_byte(p[i], enc + len);
		if (used > 0 && used + len > WORD_MAX - WORD_FRAME) {
			buf_puts(out, "?=\r\n ");
			used = 0;
		}
		if (used == 0)
			buf_puts(out, "=?UTF-8?Q?");
		buf_append(out, enc, len);
		used += len;
		for (size_t i = 0; i < n && *p; i++)
			p++;
	}
	buf_puts(out, "?=");
}
