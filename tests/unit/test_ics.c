/* The calendar file writer (src/util/ics.c): CRLF everywhere, TEXT escaping, folding at 75
 * octets that never splits a UTF-8 sequence, and unfolding giving back the value. */
#include <string.h>

#include "test.h"
#include "util/arena.h"
#include "util/buf.h"
#include "util/ics.h"

/* every line ends CRLF, no bare LF or CR, and no line is longer than 75 octets */
static int lines_ok(const char *s, size_t n)
{
	size_t start = 0;
	for (size_t i = 0; i < n; i++) {
		if (s[i] == '\n' && (i == 0 || s[i - 1] != '\r'))
			return 0;
		if (s[i] == '\r' && (i + 1 >= n || s[i + 1] != '\n'))
			return 0;
		if (s[i] == '\n') {
			if (i - 1 - start > ICS_LINE_OCTETS)
				return 0;
			start = i + 1;
		}
	}
	return n >= 2 && s[n - 2] == '\r' && s[n - 1] == '\n';
}

/* the file unfolded (CRLF + space removed) */
static void unfold(const char *s, size_t n, char *out, size_t cap)
{
	size_t o = 0;
	for (size_t i = 0; i < n && o + 1 < cap; i++) {
		if (s[i] == '\r' && i + 2 < n && s[i + 1] == '\n' && s[i + 2] == ' ') {
			i += 2;
			continue;
		}
		out[o++] = s[i];
	}
	out[o] = 0;
}

/* no continuation line begins with a UTF-8 continuation byte */
static int utf8_whole(const char *s, size_t n)
{
	for (size_t i = 0; i + 3 < n; i++)
		if (s[i] == '\r' && s[i + 1] == '\n' && s[i + 2] == ' ' &&
		    ((unsigned char)s[i + 3] & 0xC0) == 0x80)
			return 0;
	return 1;
}

void test_ics(void)
{
	struct arena ar;
	arena_init(&ar, 64 * 1024);
	struct buf b;
	buf_init(&b, &ar, 16 * 1024);
	/* 2026-12-07 02:52 UTC is Mon 7 Dec 2026, 3:52 pm in New Zealand */
	struct ics_event e = {.uid = "0123456789abcdef0123456789abcdef@medkeep", .stamp = 1796611920,
			      .start = 1796611920, .end = 1796611920 + 900,
			      .summary = "Appointment at Te Whare Hauora; Ōtautahi, \"North\" \\ branch "
					 "— a long name that must fold over the seventy-five octet line",
			      .location = NULL, .cancelled = false};
	CHECK(ics_event_write(&b, &e) == 0);
	const char *s = buf_cstr(&b);
	CHECK(s != NULL);
	if (s == NULL)
		goto out;
	CHECK(lines_ok(s, b.len));
	CHECK(utf8_whole(s, b.len));
	CHECK(strncmp(s, "BEGIN:VCALENDAR\r\nVERSION:2.0\r\n", 30) == 0);
	CHECK(strstr(s, "DTSTART:20261207T025200Z\r\n") != NULL);
	CHECK(strstr(s, "DTEND:20261207T030700Z\r\n") != NULL);
	CHECK(strstr(s, "STATUS:CONFIRMED\r\n") != NULL);
	CHECK(strstr(s, "END:VEVENT\r\nEND:VCALENDAR\r\n") != NULL);
	char un[4096];
	unfold(s, b.len, un, sizeof(un));
	CHECK(strstr(un, "SUMMARY:Appointment at Te Whare Hauora\\; Ōtautahi\\, \"North\" \\\\ branch "
			 "— a long name that must fold over the seventy-five octet line\r\n") != NULL);
	CHECK(strstr(un, "UID:0123456789abcdef0123456789abcdef@medkeep\r\n") != NULL);
	/* the summary was folded: the raw file lacks it whole */
	CHECK(strstr(s, "seventy-five octet line") == NULL || strstr(s, "\r\n ") != NULL);
	/* a fold right at a multi-byte character: 70 ASCII octets then Māori vowels */
	struct buf c;
	buf_init(&c, &ar, 16 * 1024);
	e.summary = "Appointment at xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
		    "ĀĒĪŌŪāēīōūĀĒĪŌŪāēīōūĀĒĪŌŪāēīōūĀĒĪŌŪāēīōū";
	e.cancelled = true;
	e.location = "1 Main St, Town\nNew Zealand";
	CHECK(ics_event_write(&c, &e) == 0);
	const char *t = buf_cstr(&c);
	CHECK(t && lines_ok(t, c.len) && utf8_whole(t, c.len));
	CHECK(t && strstr(t, "STATUS:CANCELLED\r\n") != NULL);
	unfold(t, c.len, un, sizeof(un));
	CHECK(strstr(un, "LOCATION:1 Main St\\, Town\\nNew Zealand\r\n") != NULL);
	/* a buffer too small fails the write, never truncates silently */
	struct buf d;
	buf_init(&d, &ar, 64);
	CHECK(ics_event_write(&d, &e) == -1);
out:
	arena_release(&ar);
}
