/*
 * A calendar file (RFC 5545, iCalendar) of one event: what a patient adds to their own
 * calendar for an appointment. A writer only (medkeep never reads calendar files): CRLF line
 * ends, content lines folded at 75 octets without splitting a UTF-8 sequence, TEXT values
 * escaped (backslash, semicolon, comma, newline), times in UTC ("Z"), so no VTIMEZONE is needed
 * and every calendar shows the New Zealand time the practice published.
 */
#ifndef MEDKEEP_ICS_H
#define MEDKEEP_ICS_H
#include <stdbool.h>
#include <stdint.h>

#include "util/buf.h"

/* Octets of one content line before it is folded (RFC 5545 §3.1). */
#define ICS_LINE_OCTETS 75

struct ics_event {
	const char *uid;     /* stable per event: the same file twice updates one entry */
	int64_t stamp;       /* DTSTAMP: when the event was made, UTC seconds */
	int64_t start;       /* DTSTART, UTC seconds */
	int64_t end;         /* DTEND, UTC seconds */
	const char *summary; /* TEXT, escaped here */
	const char *location; /* TEXT or NULL */
	bool cancelled;      /* STATUS:CANCELLED rather than CONFIRMED */
};

/* Append the whole VCALENDAR with one VEVENT to b. Returns 0, or -1 when a time cannot be
 * written or b failed (its maximum reached). */
int ics_event_write(struct buf *b, const struct ics_event *e);

#endif
