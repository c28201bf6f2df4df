/*
 * Upload quotas (docs/internals/QUOTAS.md): how many bytes of files one account may store in a
 * rolling 24 hours and in all, and the free space the data directory's filesystem keeps in
 * reserve. Set in DIR/medkeep.conf:
 *
 *   quota.account.daily_bytes = 524288000     patients and carers: files uploaded in 24 hours
 *   quota.account.total_bytes = 2147483648    ... and in all (still stored)
 *   quota.staff.daily_bytes   = 2147483648    practice staff, operators
 *   quota.staff.total_bytes   = 214748364800
 *   quota.disk_reserve_bytes  = 1073741824    no upload is stored below this much free space
 *
 * Reads, the audit trail and every other write are untouched: only files are refused.
 */
#ifndef MEDKEEP_QUOTA_H
#define MEDKEEP_QUOTA_H
#include <stddef.h>
#include <stdint.h>

#include "policy/policy.h"

struct quota_limits {
	int64_t daily_bytes, total_bytes; /* for this account's role */
	int64_t since;                    /* start of the rolling day */
	bool limited; /* quotas are on (serve): the insert checks the allowance again */
};

/* Read the quota.* settings of DIR/medkeep.conf (text, len) and watch the filesystem of dir
 * from now on. 0, or -1 with a message on stderr when a setting is malformed. Until called
 * (command-line tools), nothing is limited. */
int quota_configure(const char *dir, const char *conf, size_t len);

/* Whether the actor may store n more bytes at now: ERR_OK with *lim filled in (the insert
 * checks the account's sums again, atomically), or ERR_FULL with a message for the person
 * in *why (their day's or total allowance, or the disk's reserve). */
enum err quota_check(const struct actor *a, int64_t n, int64_t now, struct quota_limits *lim,
		     const char **why);

/* The message for an account past its allowance (the insert's own check). */
const char *quota_account_message(void);

#endif
