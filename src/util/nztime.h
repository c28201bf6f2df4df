/*
 * New Zealand local time (Pacific/Auckland) without the time-zone database: workers run in a
 * sandbox that may not reach /usr/share/zoneinfo, and NZ has one rule since 2007. NZST is
 * UTC+12; NZDT (UTC+13) runs from 2:00 NZST on the last Sunday in September to 3:00 NZDT on
 * the first Sunday in April. Appointment times are stored as UTC and shown and entered in NZ
 * time.
 */
#ifndef MEDKEEP_NZTIME_H
#define MEDKEEP_NZTIME_H
#include <stdint.h>
#include <time.h>

/* The offset from UTC, in seconds, in force at utc. */
int64_t nz_offset(int64_t utc);
/* Broken-down NZ local time of utc. */
void nz_local(int64_t utc, struct tm *out);
/* The UTC instant of a NZ local date and time. A time skipped when clocks go forward is read
 * as standard time; a repeated one as daylight time. -1 when the fields are out of range. */
int nz_from_local(int year, int month, int day, int hour, int minute, int64_t *utc);
/* UTC instant of 00:00 NZ time on the local day containing utc, plus `days` days. */
int64_t nz_day_start(int64_t utc, int days);
/* Parse "YYYY-MM-DD" and "HH:MM" (NZ local) into a UTC instant; -1 when malformed. */
int nz_parse(const char *date, const char *hhmm, int64_t *utc);
/* "Mon 30 Nov 2026, 9:15 am" (NZ local) into out (at least 40 bytes). */
void nz_format(int64_t utc, char *out, size_t n);
/* "YYYY-MM-DD" of the NZ local day of utc (at least 11 bytes). */
void nz_format_date(int64_t utc, char *out, size_t n);

#endif
