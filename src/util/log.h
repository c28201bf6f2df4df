/*
 * Operational log: key=value lines on stderr. Never pass names, NHIs, emails, tokens or
 * clinical content here; ids only (invariant 8). Untrusted strings go through log_escape.
 */
#ifndef MEDKEEP_LOG_H
#define MEDKEEP_LOG_H
#include <stddef.h>

void log_info(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Print to stderr and exit(1). */
_Noreturn void fatalx(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Copy at most n bytes of s into out (size outsz), replacing anything outside printable ASCII
 * and the characters " and \ by '?', for use inside a quoted value; always NUL-terminates. */
void log_escape(char *out, size_t outsz, const char *s, size_t n);
/* Quiet mode for tests and subcommands that print to stdout. */
void log_set_quiet(int quiet);

#endif
