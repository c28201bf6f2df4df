#include "util/nztime.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "limits.h"

#define DAY_SECONDS 86400

static const char *const wday_name[7] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
static const char *const month_name[12] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
					   "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};

/* The zone's file, where glibc looks for it: a name not found there is read by glibc as a
 * POSIX TZ string and, being none, silently becomes UTC. */
static int zone_file_ok(void)
{
	const char *dir = getenv("TZDIR");
	char path[512];
	int k = snprintf(path, sizeof(path), "%s/%s", dir && dir[0] ? dir : "/usr/share/zoneinfo",
			 PRACTICE_TIME_ZONE);
	if (k < 0 || (size_t)k >= sizeof(path))
		return -1;
	FILE *f = fopen(path, "rb");
	if (f == NULL)
		return -1;
	char magic[4];
	size_t got = fread(magic, 1, sizeof(magic), f);
	fclose(f);
	return got == 4 && memcmp(magic, "TZif", 4) == 0 ? 0 : -1;
}

int nz_time_init(const char **why)
{
	if (zone_file_ok() != 0) {
		*why = "the time zone " PRACTICE_TIME_ZONE " is not in the system's tz database "
		       "(/usr/share/zoneinfo); install it (Debian: apt-get install tzdata)";
		return -1;
	}
	if (setenv("TZ", PRACTICE_TIME_ZONE, 1) != 0) {
		*why = "cannot set TZ";
		return -1;
	}
	tzset();
	/* Loaded, not UTC: New Zealand is ahead of UTC all year (and so is every zone with a
	 * summer time in at least one of January and July). */
	int64_t jan = 1767225600, jul = 1782864000; /* 2026-01-01 and 2026-07-01, 00:00 UTC */
	if (nz_offset(jan) == 0 && nz_offset(jul) == 0) {
		*why = "the time zone " PRACTICE_TIME_ZONE " did not load (the time would be UTC)";
		return -1;
	}
	return 0;
}

void nz_local(int64_t utc, struct tm *out)
{
	time_t t = (time_t)utc;
	if (localtime_r(&t, out) == NULL)
		memset(out, 0, sizeof(*out));
}

int64_t nz_offset(int64_t utc)
{
	struct tm tm;
	nz_local(utc, &tm);
	return (int64_t)tm.tm_gmtoff;
}

/* Whether utc shows as local wall-clock `wall` (seconds, local as if UTC). */
static int shows_as(int64_t utc, int64_t wall)
{
	return utc + nz_offset(utc) == wall;
}

int nz_from_local(int year, int month, int day, int hour, int minute, int64_t *utc)
{
	if (year < 1970 || year > 9999 || month < 1 || month > 12 || day < 1 || day > 31 ||
	    hour < 0 || hour > 23 || minute < 0 || minute > 59)
		return -1;
	struct tm tm = {.tm_year = year - 1900, .tm_mon = month - 1, .tm_mday = day,
			.tm_hour = hour, .tm_min = minute};
	int64_t wall = (int64_t)timegm(&tm);
	if (tm.tm_mday != day) /* 31 November and the like */
		return -1;
	/* The offsets in force a day either side: a zone changes at most once in two days. */
	int64_t before = nz_offset(wall - DAY_SECONDS), after = nz_offset(wall + DAY_SECONDS);
	int64_t a = wall - before, b = wall - after;
	int a_ok = shows_as(a, wall), b_ok = shows_as(b, wall);
	if (a_ok && b_ok)
		*utc = a < b ? a : b; /* repeated: the first occurrence */
	else if (a_ok || b_ok)
		*utc = a_ok ? a : b;
	else
		*utc = a; /* skipped: the offset in force before the change */
	return 0;
}

int64_t nz_day_start(int64_t utc, int days)
{
	struct tm tm;
	nz_local(utc, &tm);
	struct tm d = {.tm_year = tm.tm_year, .tm_mon = tm.tm_mon, .tm_mday = tm.tm_mday + days};
	timegm(&d); /* normalises the day */
	int64_t out = 0;
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

static int parse_ymd(const char *date, int *y, int *mo, int *d)
{
	if (date == NULL || strlen(date) != 10 || date[4] != '-' || date[7] != '-' ||
	    digits(date, 4, y) || digits(date + 5, 2, mo) || digits(date + 8, 2, d))
		return -1;
	return 0;
}

int nz_parse(const char *date, const char *hhmm, int64_t *utc)
{
	int y, mo, d, h, mi;
	if (parse_ymd(date, &y, &mo, &d) != 0 || hhmm == NULL)
		return -1;
	size_t hl = strlen(hhmm);
	if ((hl != 5 && hl != 8) || hhmm[2] != ':' || digits(hhmm, 2, &h) || digits(hhmm + 3, 2, &mi))
		return -1;
	if (hl == 8 && (hhmm[5] != ':' || hhmm[6] != '0' || hhmm[7] != '0'))
		return -1;
	return nz_from_local(y, mo, d, h, mi, utc);
}

/* snprintf's result checked: anything cut short is an error, and leaves "". */
static int fitted(int k, char *out, size_t n)
{
	if (k < 0 || (size_t)k >= n) {
		if (n > 0)
			out[0] = '\0';
		return -1;
	}
	return 0;
}

static int day_of(const struct tm *tm, char *out, size_t n)
{
	return fitted(snprintf(out, n, "%s %d %s %d", wday_name[tm->tm_wday % 7], tm->tm_mday,
			       month_name[tm->tm_mon % 12], tm->tm_year + 1900),
		      out, n);
}

static int clock_of(const struct tm *tm, char *out, size_t n)
{
	int h12 = tm->tm_hour % 12 == 0 ? 12 : tm->tm_hour % 12;
	return fitted(snprintf(out, n, "%d:%02d %s", h12, tm->tm_min, tm->tm_hour < 12 ? "am" : "pm"),
		      out, n);
}

int nz_when(int64_t utc, char *out, size_t n)
{
	struct tm tm;
	nz_local(utc, &tm);
	char day[NZ_DAY_LEN], clock[NZ_CLOCK_LEN];
	if (day_of(&tm, day, sizeof(day)) != 0 || clock_of(&tm, clock, sizeof(clock)) != 0)
		return fitted(-1, out, n);
	return fitted(snprintf(out, n, "%s, %s", day, clock), out, n);
}

int nz_day(int64_t utc, char *out, size_t n)
{
	struct tm tm;
	nz_local(utc, &tm);
	return day_of(&tm, out, n);
}

int nz_clock(int64_t utc, char *out, size_t n)
{
	struct tm tm;
	nz_local(utc, &tm);
	return clock_of(&tm, out, n);
}

int nz_birth_date(const char *ymd, char *out, size_t n)
{
	int y, mo, d;
	if (parse_ymd(ymd, &y, &mo, &d) != 0 || mo < 1 || mo > 12 || d < 1 || d > 31)
		return fitted(-1, out, n);
	struct tm tm = {.tm_year = y - 1900, .tm_mon = mo - 1, .tm_mday = d, .tm_hour = 12};
	timegm(&tm); /* only to see that it is a real day: 30 February moves into March */
	if (tm.tm_mday != d)
		return fitted(-1, out, n);
	return fitted(snprintf(out, n, "%d %s %d", d, month_name[mo - 1], y), out, n);
}

int nz_input_date(int64_t utc, char *out, size_t n)
{
	struct tm tm;
	nz_local(utc, &tm);
	return fitted(snprintf(out, n, "%04d-%02d-%02d", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday),
		      out, n);
}

int nz_input_time(int64_t utc, char *out, size_t n)
{
	struct tm tm;
	nz_local(utc, &tm);
	return fitted(snprintf(out, n, "%02d:%02d", tm.tm_hour, tm.tm_min), out, n);
}

int iso_utc_parse(const char *s, int64_t *utc)
{
	int y, mo, d, h, mi, se;
	if (s == NULL || strlen(s) != 20 || s[10] != 'T' || s[13] != ':' || s[16] != ':' ||
	    s[19] != 'Z')
		return -1;
	char date[11];
	memcpy(date, s, 10);
	date[10] = '\0';
	if (parse_ymd(date, &y, &mo, &d) != 0 || digits(s + 11, 2, &h) || digits(s + 14, 2, &mi) ||
	    digits(s + 17, 2, &se) || mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 ||
	    se > 60)
		return -1;
	struct tm tm = {.tm_year = y - 1900, .tm_mon = mo - 1, .tm_mday = d, .tm_hour = h,
			.tm_min = mi, .tm_sec = se};
	*utc = (int64_t)timegm(&tm);
	return tm.tm_mday == d ? 0 : -1;
}
