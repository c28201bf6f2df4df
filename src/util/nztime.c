#include "util/nztime.h"

#include <stdio.h>
#include <string.h>

#define HOUR 3600

/* UTC instant of hh:00 UTC-as-local on the nth Sunday of a month (n = -1: the last). */
static int64_t sunday(int year, int month, int nth, int hour)
{
	struct tm tm = {.tm_year = year - 1900, .tm_mon = month - 1, .tm_mday = 1, .tm_hour = hour};
	int64_t first = (int64_t)timegm(&tm);
	int first_wday = tm.tm_wday;
	int day = 1 + (7 - first_wday) % 7; /* the first Sunday */
	if (nth < 0) {
		int days_in_month = (month == 9) ? 30 : 31; /* only used for September */
		while (day + 7 <= days_in_month)
			day += 7;
	}
	return first + (int64_t)(day - 1) * 24 * HOUR;
}

int64_t nz_offset(int64_t utc)
{
	time_t guess = (time_t)(utc + 12 * HOUR);
	struct tm tm;
	gmtime_r(&guess, &tm);
	int year = tm.tm_year + 1900;
	/* daylight time ends at 3:00 NZDT (14:00 UTC the day before) on the first Sunday in April
	 * and starts at 2:00 NZST (14:00 UTC the day before) on the last Sunday in September */
	int64_t end = sunday(year, 4, 1, 3) - 13 * HOUR;
	int64_t start = sunday(year, 9, -1, 2) - 12 * HOUR;
	return (utc < end || utc >= start) ? 13 * HOUR : 12 * HOUR;
}

void nz_local(int64_t utc, struct tm *out)
{
	time_t t = (time_t)(utc + nz_offset(utc));
	gmtime_r(&t, out);
}

int nz_from_local(int year, int month, int day, int hour, int minute, int64_t *utc)
{
	if (year < 1970 || year > 9999 || month < 1 || month > 12 || day < 1 || day > 31 ||
	    hour < 0 || hour > 23 || minute < 0 || minute > 59)
		return -1;
	struct tm tm = {.tm_year = year - 1900, .tm_mon = month - 1, .tm_mday = day,
			.tm_hour = hour, .tm_min = minute};
	int64_t as_utc = (int64_t)timegm(&tm);
	if (tm.tm_mday != day) /* 31 November and the like */
		return -1;
	int64_t summer = as_utc - 13 * HOUR;
	*utc = nz_offset(summer) == 13 * HOUR ? summer : as_utc - 12 * HOUR;
	return 0;
}

int64_t nz_day_start(int64_t utc, int days)
{
	struct tm tm;
	nz_local(utc, &tm);
	int64_t out = 0;
	struct tm d = {.tm_year = tm.tm_year, .tm_mon = tm.tm_mon, .tm_mday = tm.tm_mday + days};
	timegm(&d); /* normalises the day */
	if (nz_from_local(d.tm_year + 1900, d.tm_mon + 1, d.tm_mday, 0, 0, &out) != 0)
		return utc;
	return out;
}

static int digits(const char *s, size_t n, int *out)
{
	int v = 0;
	for (size_t i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		v = v * 10 + (s[i] - '0');
	}
	*out = v;
	return 0;
}

int nz_parse(const char *date, const char *hhmm, int64_t *utc)
{
	int y, mo, d, h, mi;
	if (date == NULL || hhmm == NULL || strlen(date) != 10 || date[4] != '-' || date[7] != '-' ||
	    digits(date, 4, &y) || digits(date + 5, 2, &mo) || digits(date + 8, 2, &d))
		return -1;
	size_t hl = strlen(hhmm);
	if ((hl != 5 && hl != 8) || hhmm[2] != ':' || digits(hhmm, 2, &h) || digits(hhmm + 3, 2, &mi))
		return -1;
	if (hl == 8 && (hhmm[5] != ':' || hhmm[6] != '0' || hhmm[7] != '0'))
		return -1;
	return nz_from_local(y, mo, d, h, mi, utc);
}

void nz_format(int64_t utc, char *out, size_t n)
{
	struct tm tm;
	nz_local(utc, &tm);
	int h12 = tm.tm_hour % 12 == 0 ? 12 : tm.tm_hour % 12;
	char day[24];
	strftime(day, sizeof(day), "%a %d %b %Y", &tm);
	snprintf(out, n, "%s, %d:%02d %s", day, h12, tm.tm_min, tm.tm_hour < 12 ? "am" : "pm");
}

void nz_format_date(int64_t utc, char *out, size_t n)
{
	struct tm tm;
	nz_local(utc, &tm);
	strftime(out, n, "%Y-%m-%d", &tm);
}
