/* New Zealand time (src/util/nztime.c): the zone from the tz database, both daylight-saving
 * changes each way, the hours they skip and repeat, and the one style of every date and time. */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "test.h"
#include "util/nztime.h"

#define H 3600

static int64_t utc(int y, int mo, int d, int h, int mi)
{
	struct tm tm = {.tm_year = y - 1900, .tm_mon = mo - 1, .tm_mday = d, .tm_hour = h, .tm_min = mi};
	return (int64_t)timegm(&tm);
}

/* nz_when of t is exactly `want` */
static int when_is(int64_t t, const char *want)
{
	char s[NZ_WHEN_LEN];
	if (nz_when(t, s, sizeof(s)) != 0 || strcmp(s, want) != 0) {
		fprintf(stderr, "  nz_when(%lld) = \"%s\", want \"%s\"\n", (long long)t, s, want);
		return 0;
	}
	return 1;
}

static int local_is(int y, int mo, int d, int h, int mi, int64_t want)
{
	int64_t t = 0;
	return nz_from_local(y, mo, d, h, mi, &t) == 0 && t == want;
}

static void test_zone(void)
{
	/* a missing zone is refused, with a reason, not read as UTC */
	const char *why = NULL, *dir = getenv("TZDIR");
	char *was = dir ? strdup(dir) : NULL;
	setenv("TZDIR", "/nonexistent-zoneinfo", 1);
	CHECK(nz_time_init(&why) == -1 && why != NULL && strstr(why, "tzdata") != NULL);
	if (was)
		setenv("TZDIR", was, 1);
	else
		unsetenv("TZDIR");
	free(was);
	why = NULL;
	CHECK(nz_time_init(&why) == 0 && why == NULL);
	CHECK(strcmp(getenv("TZ"), "Pacific/Auckland") == 0);
	/* NZST in winter, NZDT in summer */
	CHECK(nz_offset(utc(2026, 7, 1, 0, 0)) == 12 * H);
	CHECK(nz_offset(utc(2026, 12, 1, 0, 0)) == 13 * H);
	CHECK(nz_offset(utc(2026, 1, 15, 0, 0)) == 13 * H);
}

/* Daylight time ends on the first Sunday of April at 3:00 NZDT (14:00 UTC the day before),
 * the clocks going back to 2:00; it starts on the last Sunday of September at 2:00 NZST (14:00
 * UTC the day before), the clocks going forward to 3:00. */
static void test_changes(void)
{
	/* ends 5 April 2026 */
	CHECK(nz_offset(utc(2026, 4, 4, 13, 59)) == 13 * H);
	CHECK(nz_offset(utc(2026, 4, 4, 14, 0)) == 12 * H);
	CHECK(when_is(utc(2026, 4, 4, 13, 59), "Sun 5 Apr 2026, 2:59 am"));
	CHECK(when_is(utc(2026, 4, 4, 14, 0), "Sun 5 Apr 2026, 2:00 am"));
	CHECK(when_is(utc(2026, 4, 4, 12, 59), "Sun 5 Apr 2026, 1:59 am"));
	CHECK(when_is(utc(2026, 4, 4, 15, 0), "Sun 5 Apr 2026, 3:00 am"));
	/* starts 27 September 2026 */
	CHECK(nz_offset(utc(2026, 9, 26, 13, 59)) == 12 * H);
	CHECK(nz_offset(utc(2026, 9, 26, 14, 0)) == 13 * H);
	CHECK(when_is(utc(2026, 9, 26, 13, 59), "Sun 27 Sep 2026, 1:59 am"));
	CHECK(when_is(utc(2026, 9, 26, 14, 0), "Sun 27 Sep 2026, 3:00 am"));
	/* ends 4 April 2027, starts 26 September 2027 */
	CHECK(nz_offset(utc(2027, 4, 3, 13, 59)) == 13 * H);
	CHECK(nz_offset(utc(2027, 4, 3, 14, 0)) == 12 * H);
	CHECK(when_is(utc(2027, 4, 3, 13, 59), "Sun 4 Apr 2027, 2:59 am"));
	CHECK(when_is(utc(2027, 4, 3, 14, 0), "Sun 4 Apr 2027, 2:00 am"));
	CHECK(nz_offset(utc(2027, 9, 25, 13, 59)) == 12 * H);
	CHECK(nz_offset(utc(2027, 9, 25, 14, 0)) == 13 * H);
	/* the days themselves: 25 hours in April, 23 in September, 24 otherwise */
	int64_t apr5 = utc(2026, 4, 4, 11, 0); /* Sun 5 Apr 00:00 NZDT */
	CHECK(nz_day_start(apr5, 0) == apr5);
	CHECK(nz_day_start(apr5, 1) - apr5 == 25 * H);
	int64_t sep27 = utc(2026, 9, 26, 12, 0); /* Sun 27 Sep 00:00 NZST */
	CHECK(nz_day_start(sep27 + 5 * H, 0) == sep27);
	CHECK(nz_day_start(sep27, 1) - sep27 == 23 * H);
	CHECK(nz_day_start(sep27, -1) == sep27 - 24 * H);
	CHECK(nz_day_start(utc(2026, 11, 30, 20, 30), 0) == utc(2026, 11, 30, 11, 0));
}

/* Which UTC day a New Zealand instant falls on: the bug this module was made for. */
static void test_days(void)
{
	/* midnight UTC is 1 pm NZDT the same day; 11:30 UTC is 00:30 the next day */
	CHECK(when_is(utc(2026, 12, 7, 0, 0), "Mon 7 Dec 2026, 1:00 pm"));
	CHECK(when_is(utc(2026, 12, 7, 11, 30), "Tue 8 Dec 2026, 12:30 am"));
	/* 10:59 UTC on the 6th is 11:59 pm on the 6th; 11:00 is 12:00 am on the 7th */
	CHECK(when_is(utc(2026, 12, 6, 10, 59), "Sun 6 Dec 2026, 11:59 pm"));
	CHECK(when_is(utc(2026, 12, 6, 11, 0), "Mon 7 Dec 2026, 12:00 am"));
	CHECK(when_is(utc(2026, 12, 6, 23, 0), "Mon 7 Dec 2026, 12:00 pm"));
	CHECK(when_is(utc(2026, 12, 6, 23, 59), "Mon 7 Dec 2026, 12:59 pm"));
	CHECK(when_is(utc(2026, 12, 7, 2, 52), "Mon 7 Dec 2026, 3:52 pm"));
	/* winter: NZST, 12 hours ahead */
	CHECK(when_is(utc(2026, 7, 1, 0, 0), "Wed 1 Jul 2026, 12:00 pm"));
	CHECK(when_is(utc(2026, 6, 30, 21, 30), "Wed 1 Jul 2026, 9:30 am"));
	char s[NZ_WHEN_LEN];
	CHECK(nz_day(utc(2026, 12, 6, 12, 0), s, sizeof(s)) == 0 && strcmp(s, "Mon 7 Dec 2026") == 0);
	CHECK(nz_clock(utc(2026, 12, 7, 2, 52), s, sizeof(s)) == 0 && strcmp(s, "3:52 pm") == 0);
	CHECK(nz_clock(utc(2026, 12, 6, 11, 5), s, sizeof(s)) == 0 && strcmp(s, "12:05 am") == 0);
	CHECK(nz_clock(utc(2026, 12, 6, 23, 0), s, sizeof(s)) == 0 && strcmp(s, "12:00 pm") == 0);
	CHECK(nz_input_date(utc(2026, 11, 30, 11, 0), s, sizeof(s)) == 0 && strcmp(s, "2026-12-01") == 0);
	CHECK(nz_input_date(utc(2026, 11, 30, 10, 59), s, sizeof(s)) == 0 && strcmp(s, "2026-11-30") == 0);
	CHECK(nz_input_time(utc(2026, 12, 7, 2, 52), s, sizeof(s)) == 0 && strcmp(s, "15:52") == 0);
	CHECK(nz_input_time(utc(2026, 12, 6, 11, 5), s, sizeof(s)) == 0 && strcmp(s, "00:05") == 0);
	/* a birth date is a calendar date: the same day whatever the zone */
	CHECK(nz_birth_date("1986-12-07", s, sizeof(s)) == 0 && strcmp(s, "7 Dec 1986") == 0);
	CHECK(nz_birth_date("2024-02-29", s, sizeof(s)) == 0 && strcmp(s, "29 Feb 2024") == 0);
	CHECK(nz_birth_date("2025-02-29", s, sizeof(s)) == -1 && s[0] == '\0');
	CHECK(nz_birth_date("1986-13-07", s, sizeof(s)) == -1);
	CHECK(nz_birth_date("07/12/1986", s, sizeof(s)) == -1);
	CHECK(nz_birth_date(NULL, s, sizeof(s)) == -1);
	/* every style fits its length in the widest case, and a short buffer is an error */
	CHECK(nz_when(utc(2026, 9, 30, 0, 59), s, sizeof(s)) == 0 && strcmp(s, "Wed 30 Sep 2026, 1:59 pm") == 0);
	char small[10];
	CHECK(nz_when(utc(2026, 12, 7, 2, 52), small, sizeof(small)) == -1 && small[0] == '\0');
	CHECK(nz_day(utc(2026, 12, 7, 2, 52), small, sizeof(small)) == -1 && small[0] == '\0');
	CHECK(nz_clock(utc(2026, 12, 7, 2, 52), small, 4) == -1 && small[0] == '\0');
	CHECK(nz_input_date(utc(2026, 12, 7, 2, 52), small, sizeof(small)) == -1);
}

/* Local to instant: each side of both changes, the hour skipped and the hour repeated. */
static void test_from_local(void)
{
	CHECK(local_is(2026, 12, 1, 9, 30, utc(2026, 11, 30, 20, 30)));
	CHECK(local_is(2026, 7, 1, 9, 30, utc(2026, 6, 30, 21, 30)));
	CHECK(local_is(2026, 12, 7, 0, 0, utc(2026, 12, 6, 11, 0)));
	int64_t t;
	CHECK(nz_from_local(2026, 2, 30, 9, 0, &t) != 0);
	CHECK(nz_from_local(2026, 13, 1, 9, 0, &t) != 0);
	CHECK(nz_from_local(2026, 1, 1, 24, 0, &t) != 0);
	CHECK(nz_from_local(2026, 1, 1, 9, 60, &t) != 0);
	/* 27 Sep 2026: 1:59 is NZST, 3:00 NZDT; 2:00-2:59 never shows on a clock and is read
	 * with the offset before the change, so 2:30 is the instant shown as 3:30 */
	CHECK(local_is(2026, 9, 27, 1, 59, utc(2026, 9, 26, 13, 59)));
	CHECK(local_is(2026, 9, 27, 3, 0, utc(2026, 9, 26, 14, 0)));
	CHECK(local_is(2026, 9, 27, 2, 0, utc(2026, 9, 26, 14, 0)));
	CHECK(local_is(2026, 9, 27, 2, 30, utc(2026, 9, 26, 14, 30)));
	CHECK(when_is(utc(2026, 9, 26, 14, 30), "Sun 27 Sep 2026, 3:30 am"));
	/* 5 Apr 2026: 2:00-2:59 happens twice; the first (NZDT) is chosen */
	CHECK(local_is(2026, 4, 5, 1, 59, utc(2026, 4, 4, 12, 59)));
	CHECK(local_is(2026, 4, 5, 2, 30, utc(2026, 4, 4, 13, 30)));
	CHECK(local_is(2026, 4, 5, 2, 0, utc(2026, 4, 4, 13, 0)));
	CHECK(local_is(2026, 4, 5, 3, 0, utc(2026, 4, 4, 15, 0)));
	CHECK(local_is(2027, 4, 4, 2, 15, utc(2027, 4, 3, 13, 15)));
	/* every quarter hour from 10:00 to 18:00 UTC on both change days goes there and back,
	 * except the second pass of the repeated hour, which comes back as the first */
	int64_t days[] = {utc(2026, 4, 4, 10, 0), utc(2026, 9, 26, 10, 0), utc(2027, 4, 3, 10, 0)};
	for (size_t d = 0; d < sizeof(days) / sizeof(days[0]); d++)
		for (int64_t u = days[d]; u <= days[d] + 8 * H; u += 15 * 60) {
			struct tm tm;
			nz_local(u, &tm);
			int64_t back = 0;
			int second = tm.tm_hour == 2 && nz_offset(u) == 12 * H && tm.tm_mon == 3;
			CHECK(nz_from_local(tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour,
					    tm.tm_min, &back) == 0 &&
			      back == (second ? u - H : u));
		}
	/* form input: <input type=date> and <input type=time>, in NZ time */
	CHECK(nz_parse("2026-12-01", "09:30", &t) == 0 && t == utc(2026, 11, 30, 20, 30));
	CHECK(nz_parse("2026-07-01", "09:00", &t) == 0 && t == utc(2026, 6, 30, 21, 0));
	CHECK(nz_parse("2026-12-01", "09:30:00", &t) == 0 && t == utc(2026, 11, 30, 20, 30));
	CHECK(nz_parse("2026-12-1", "09:30", &t) != 0);
	CHECK(nz_parse("2026-12-01", "9:30", &t) != 0);
	CHECK(nz_parse("2026-12-01", "09:3x", &t) != 0);
	CHECK(nz_parse("2026-12-01", "09:30:01", &t) != 0);
	CHECK(nz_parse(NULL, "09:30", &t) != 0);
	CHECK(nz_parse("2026-12-01T0", "09:30", &t) != 0);
	/* an ISO 8601 UTC instant, as notices store them */
	CHECK(iso_utc_parse("2026-12-07T02:52:00Z", &t) == 0 && t == utc(2026, 12, 7, 2, 52));
	CHECK(iso_utc_parse("2026-12-07T02:52:00", &t) != 0);
	CHECK(iso_utc_parse("2026-02-30T02:52:00Z", &t) != 0);
	CHECK(iso_utc_parse("2026-12-07 02:52:00Z", &t) != 0);
	CHECK(iso_utc_parse(NULL, &t) != 0);
}

void test_nztime(void)
{
	test_zone();
	test_changes();
	test_days();
	test_from_local();
}
