/*
 * New Zealand time: the one place where an instant becomes a date or time a person reads, and
 * where a date and time a person types becomes an instant. The zone is PRACTICE_TIME_ZONE
 * (limits.h), read from the system's tz database (Debian's tzdata) once, by nz_time_init, at
 * the start of every process and before any sandbox: glibc keeps the parsed zone in memory, so
 * formatting and converting never open a file afterwards (the vault's and the worker's seccomp
 * filters, a chroot, a deleted /usr/share/zoneinfo do not matter once started).
 *
 * Instants are stored as seconds since 1970 (UTC); these functions are the only conversions.
 * Machine formats (CSV, JSON, FHIR instants, logs) stay ISO 8601 UTC and do not come here.
 *
 * One style, everywhere a person reads it:
 *   an instant   "Mon 7 Dec 2026, 3:52 pm"   nz_when
 *   a day        "Mon 7 Dec 2026"            nz_day
 *   a time       "3:52 pm"                   nz_clock
 *   a birth date "7 Dec 1986"                nz_birth_date (a calendar date: never shifted)
 * and for <input type=date/time>: "2026-12-07" (nz_input_date), "15:52" (nz_input_time).
 * The formatters take the buffer's length, return 0, or -1 (and an empty string) when it does
 * not fit; each style's *_LEN is enough for every year up to 9999.
 */
#ifndef MEDKEEP_NZTIME_H
#define MEDKEEP_NZTIME_H
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#define NZ_WHEN_LEN 32
#define NZ_DAY_LEN 20
#define NZ_CLOCK_LEN 12
#define NZ_BIRTH_LEN 16
#define NZ_INPUT_DATE_LEN 11
#define NZ_INPUT_TIME_LEN 6

/* Load PRACTICE_TIME_ZONE (TZ, tzset) and check that it is really there: glibc would otherwise
 * fall back to UTC without a word. 0, or -1 with why (a sentence for the operator) set. Call
 * it once, at the start of the process, before any thread and any sandbox. */
int nz_time_init(const char **why);

/* The offset from UTC, in seconds, in force at utc. */
int64_t nz_offset(int64_t utc);
/* Broken-down NZ local time of utc. */
void nz_local(int64_t utc, struct tm *out);
/* The UTC instant of a NZ local date and time; -1 when the fields are out of range.
 * The hour skipped when clocks go forward (2:00-2:59 on the last Sunday of September) is read
 * with the offset in force just before it (standard time: 2:30 is the instant the clocks then
 * show as 3:30), so a time typed there still lands on that morning, an hour later, and never on
 * a time already past. The hour repeated when clocks go back (2:00-2:59 on the first Sunday of
 * April) is read as its first occurrence (daylight time): the earlier one, so nobody booked for
 * it arrives to find it was an hour ago. */
int nz_from_local(int year, int month, int day, int hour, int minute, int64_t *utc);
/* UTC instant of 00:00 NZ time on the local day containing utc, plus `days` days. */
int64_t nz_day_start(int64_t utc, int days);
/* Parse "YYYY-MM-DD" and "HH:MM" (NZ local, as <input type=date/time> send them) into a UTC
 * instant; -1 when malformed. */
int nz_parse(const char *date, const char *hhmm, int64_t *utc);

int nz_when(int64_t utc, char *out, size_t n);
int nz_day(int64_t utc, char *out, size_t n);
int nz_clock(int64_t utc, char *out, size_t n);
/* "YYYY-MM-DD" (a calendar date, as stored) into "7 Dec 1986"; -1 when it is not one. */
int nz_birth_date(const char *ymd, char *out, size_t n);
int nz_input_date(int64_t utc, char *out, size_t n);
int nz_input_time(int64_t utc, char *out, size_t n);
/* "YYYY-MM-DDTHH:MM:SSZ" (an ISO 8601 UTC instant, as stored in JSON) into seconds; -1 when
 * it is not one. */
int iso_utc_parse(const char *s, int64_t *utc);

#endif
