/* Conditional requests: HTTP dates and If-None-Match lists (http/conditional.h). */
#include "http/conditional.h"

#include <string.h>
#include <time.h>

static const char days[7][4] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
static const char months[12][4] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
				   "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};

void http_date_format(int64_t t, char out[HTTP_DATE_LEN + 1])
{
	time_t tt = (time_t)t;
	struct tm tm;
	if (gmtime_r(&tt, &tm) == NULL || tm.tm_year + 1900 > 9999 || tm.tm_year + 1900 < 0) {
		memcpy(out, "Thu, 01 Jan 1970 00:00:00 GMT", HTTP_DATE_LEN + 1);
		return;
	}
	/* Written by hand: strftime's %a and %b follow the locale. */
	static const char digits[] = "0123456789";
	int y = tm.tm_year + 1900;
	char *p = out;
	memcpy(p, days[tm.tm_wday % 7], 3);
	p += 3;
	*p++ = ',';
	*p++ = ' ';
	*p++ = digits[tm.tm_mday / 10];
	*p++ = digits[tm.tm_mday % 10];
	*p++ = ' ';
	memcpy(p, months[tm.tm_mon % 12], 3);
	p += 3;
	*p++ = ' ';
	*p++ = digits[y / 1000 % 10];
	*p++ = digits[y / 100 % 10];
	*p++ = digits[y / 10 % 10];
	*p++ = digits[y % 10];
	*p++ = ' ';
	int f[3] = {tm.tm_hour, tm.tm_min, tm.tm_sec};
	for (int i = 0; i < 3; i++) {
		*p++ = digits[f[i] / 10 % 10];
		*p++ = digits[f[i] % 10];
		*p++ = i < 2 ? ':' : ' ';
	}
	memcpy(p, "GMT", 4);
}

/* n decimal digits at s: the number, or -1. */
static int digits_at(const char *s, size_t n)
{
	int v = 0;
	for (size_t i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		v = v * 10 + (s[i] - '0');
	}
	return v;
}

/* Days from 1970-01-01 to y-m-d of the proleptic Gregorian calendar (m 1..12). */
static int64_t days_from_civil(int64_t y, int m, int d)
{
	y -= m <= 2;
	int64_t era = (y >= 0 ? y : y - 399) / 400;
	int64_t yoe = y - era * 400;
	int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

int http_date_parse(const char *s, size_t len, int64_t *out)
{
	/* "Sun, 06 Nov 1994 08:49:37 GMT": 29 bytes exactly, each in its place. */
	if (s == NULL || len != HTTP_DATE_LEN || s[3] != ',' || s[4] != ' ' || s[7] != ' ' ||
	    s[11] != ' ' || s[16] != ' ' || s[19] != ':' || s[22] != ':' || s[25] != ' ' ||
	    memcmp(s + 26, "GMT", 3) != 0)
		return -1;
	int wday = -1, mon = -1;
	for (int i = 0; i < 7; i++)
		if (memcmp(s, days[i], 3) == 0)
			wday = i;
	for (int i = 0; i < 12; i++)
		if (memcmp(s + 8, months[i], 3) == 0)
			mon = i + 1;
	int day = digits_at(s + 5, 2), year = digits_at(s + 12, 4), hh = digits_at(s + 17, 2),
	    mm = digits_at(s + 20, 2), ss = digits_at(s + 23, 2);
	if (wday < 0 || mon < 0 || day < 1 || year < 0 || hh < 0 || hh > 23 || mm < 0 || mm > 59 ||
	    ss < 0 || ss > 60)
		return -1;
	static const int mdays[12] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
	bool leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
	if (day > mdays[mon - 1] || (mon == 2 && day == 29 && !leap))
		return -1;
	int64_t d = days_from_civil(year, mon, day);
	/* The day of the week must be that date's: 1970-01-01 was a Thursday (4). */
	if ((int)(((d % 7) + 7 + 4) % 7) != wday)
		return -1;
	*out = d * 86400 + hh * 3600 + mm * 60 + (ss == 60 ? 59 : ss);
	return 0;
}

bool http_etag_matches(const char *h, size_t len, const char *tag)
{
	if (h == NULL || tag == NULL)
		return false;
	size_t tlen = strlen(tag), i = 0;
	bool any = false;
	while (i < len) {
		while (i < len && (h[i] == ' ' || h[i] == '\t' || h[i] == ','))
			i++;
		if (i >= len)
			break;
		if (h[i] == '*') {
			any = true;
			i++;
			continue;
		}
		if (len - i >= 2 && h[i] == 'W' && h[i + 1] == '/')
			i += 2;
		if (i >= len || h[i] != '"')
			return false; /* not an entity tag: the list cannot be read */
		size_t start = ++i;
		while (i < len && h[i] != '"')
			i++;
		if (i >= len)
			return false;
		if (i - start == tlen && memcmp(h + start, tag, tlen) == 0)
			any = true;
		i++;
		while (i < len && (h[i] == ' ' || h[i] == '\t'))
			i++;
		if (i < len && h[i] != ',')
			return false;
	}
	return any;
}
