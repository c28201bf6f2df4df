/*
 * iCalendar writer (ics.h). One content line is built in a small buffer, then folded onto the
 * output: a fold is CRLF followed by one space, placed before ICS_LINE_OCTETS octets are
 * reached and never inside a UTF-8 sequence.
 */
#include "util/ics.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

/* The longest content line before folding: the summary and location are a practice's name
 * and address, far below this; longer values fail the write rather than truncate. */
#define ICS_CONTENT_MAX 2048

struct line {
	char s[ICS_CONTENT_MAX];
	size_t n;
	bool failed;
};

static void line_add(struct line *l, const char *p, size_t n)
{
	if (l->failed || n > sizeof(l->s) - l->n) {
		l->failed = true;
		return;
	}
	memcpy(l->s + l->n, p, n);
	l->n += n;
}

/* TEXT escaping (RFC 5545 §3.3.11); other control characters are dropped. */
static void line_text(struct line *l, const char *v)
{
	for (const unsigned char *p = (const unsigned char *)v; *p; p++) {
		if (*p == '\\' || *p == ';' || *p == ',') {
			char e[2] = {'\\', (char)*p};
			line_add(l, e, 2);
		} else if (*p == '\n') {
			line_add(l, "\\n", 2);
		} else if (*p >= 0x20 && *p != 0x7f) {
			line_add(l, (const char *)p, 1);
		}
	}
}

/* Emit one content line folded at ICS_LINE_OCTETS (continuation lines begin with a space,
 * which counts towards their 75). */
static void line_emit(struct buf *b, struct line *l)
{
	if (l->failed) {
		b->failed = true;
		return;
	}
	size_t i = 0, room = ICS_LINE_OCTETS;
	while (l->n - i > room) {
		size_t cut = i + room;
		/* back off so that the cut falls before a UTF-8 lead byte, not a continuation */
		while (cut > i && ((unsigned char)l->s[cut] & 0xC0) == 0x80)
			cut--;
		buf_append(b, l->s + i, cut - i);
		buf_append(b, "\r\n ", 3);
		i = cut;
		room = ICS_LINE_OCTETS - 1;
	}
	buf_append(b, l->s + i, l->n - i);
	buf_append(b, "\r\n", 2);
	l->n = 0;
}

static void plain(struct buf *b, const char *s)
{
	buf_puts(b, s);
	buf_append(b, "\r\n", 2);
}

static int utc_value(struct line *l, const char *name, int64_t t)
{
	struct tm tm;
	time_t tt = (time_t)t;
	char v[32];
	if (gmtime_r(&tt, &tm) == NULL || strftime(v, sizeof(v), "%Y%m%dT%H%M%SZ", &tm) != 16)
		return -1;
	line_add(l, name, strlen(name));
	line_add(l, ":", 1);
	line_add(l, v, 16);
	return 0;
}

int ics_event_write(struct buf *b, const struct ics_event *e)
{
	struct line l = {.n = 0, .failed = false};
	plain(b, "BEGIN:VCALENDAR");
	plain(b, "VERSION:2.0");
	plain(b, "PRODID:-//medkeep//appointments//EN");
	plain(b, "CALSCALE:GREGORIAN");
	plain(b, "METHOD:PUBLISH");
	plain(b, "BEGIN:VEVENT");
	line_add(&l, "UID:", 4);
	line_text(&l, e->uid);
	line_emit(b, &l);
	if (utc_value(&l, "DTSTAMP", e->stamp) != 0)
		return -1;
	line_emit(b, &l);
	if (utc_value(&l, "DTSTART", e->start) != 0)
		return -1;
	line_emit(b, &l);
	if (utc_value(&l, "DTEND", e->end) != 0)
		return -1;
	line_emit(b, &l);
	line_add(&l, "SUMMARY:", 8);
	line_text(&l, e->summary);
	line_emit(b, &l);
	if (e->location && e->location[0]) {
		line_add(&l, "LOCATION:", 9);
		line_text(&l, e->location);
		line_emit(b, &l);
	}
	plain(b, e->cancelled ? "STATUS:CANCELLED" : "STATUS:CONFIRMED");
	plain(b, "TRANSP:OPAQUE");
	plain(b, "END:VEVENT");
	plain(b, "END:VCALENDAR");
	return b->failed ? -1 : 0;
}
