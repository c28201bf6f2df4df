/*
 * Upload quotas (see quota.h). The numbers are read once, when a worker starts; the sums come
 * from the documents each account uploaded (store_document_usage), checked here for a clear
 * answer before anything is sealed, and again by the insert itself, atomically, so concurrent
 * uploads cannot pass together. Free space is asked of the data directory's filesystem
 * (statvfs) at each upload.
 */
#include "domain/quota.h"

#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/statvfs.h>

#include "domain/domain.h"
#include "limits.h"
#include "store/store.h"
#include "util/conf.h"
#include "util/log.h"
#include "util/strtonum.h"

static struct {
	bool on;
	int64_t daily[2], total[2]; /* [0] patients and carers, [1] staff and operators */
	int64_t reserve;
	char dir[4096];
} q;

static int setting(const char *conf, size_t len, const char *key, int64_t def, int64_t *out)
{
	char v[32];
	int g = conf_get(conf, len, key, v, sizeof(v));
	if (g == 1) {
		*out = def;
		return 0;
	}
	if (g != 0 || parse_int64(v, 0, INT64_MAX / 4, out) != 0) {
		fprintf(stderr, "medkeep: medkeep.conf: %s must be a number of bytes\n", key);
		return -1;
	}
	return 0;
}

int quota_configure(const char *dir, const char *conf, size_t len)
{
	if ((size_t)snprintf(q.dir, sizeof(q.dir), "%s", dir) >= sizeof(q.dir))
		return -1;
	if (setting(conf, len, "quota.account.daily_bytes", QUOTA_ACCOUNT_DAILY_BYTES_DEFAULT, &q.daily[0]) ||
	    setting(conf, len, "quota.account.total_bytes", QUOTA_ACCOUNT_TOTAL_BYTES_DEFAULT, &q.total[0]) ||
	    setting(conf, len, "quota.staff.daily_bytes", QUOTA_STAFF_DAILY_BYTES_DEFAULT, &q.daily[1]) ||
	    setting(conf, len, "quota.staff.total_bytes", QUOTA_STAFF_TOTAL_BYTES_DEFAULT, &q.total[1]) ||
	    setting(conf, len, "quota.disk_reserve_bytes", QUOTA_DISK_RESERVE_BYTES_DEFAULT, &q.reserve))
		return -1;
	q.on = true;
	return 0;
}

const char *quota_account_message(void)
{
	return "This file was not stored: your account has used its storage allowance for uploads. "
	       "Nothing you already have is affected, and you can still read everything. If you need "
	       "to upload more, please contact your practice.";
}

enum err quota_check(const struct actor *a, int64_t n, int64_t now, struct quota_limits *lim,
		     const char **why)
{
	lim->daily_bytes = INT64_MAX / 4;
	lim->total_bytes = INT64_MAX / 4;
	lim->since = now - QUOTA_WINDOW_SECONDS;
	lim->limited = q.on;
	if (!q.on)
		return ERR_OK;
	struct statvfs fs;
	if (statvfs(q.dir, &fs) != 0) {
		log_warn("component=quota error=\"cannot read the free space of the data directory\"");
		return ERR_INTERNAL;
	}
	unsigned long long avail = (unsigned long long)fs.f_bavail * (unsigned long long)fs.f_frsize;
	if (avail < (unsigned long long)q.reserve || avail - (unsigned long long)q.reserve < (unsigned long long)n * 2u) {
		log_warn("component=quota event=disk-reserve free=%llu reserve=%lld", avail, (long long)q.reserve);
		*why = "This file was not stored: the portal is short of storage space just now. Everything "
		       "already stored can still be read. Please try again later, or contact your practice.";
		return ERR_FULL;
	}
	int staff = a->role == ROLE_PATIENT ? 0 : 1;
	lim->daily_bytes = q.daily[staff];
	lim->total_bytes = q.total[staff];
	int64_t total = 0, day = 0;
	if (store_document_usage(&a->account, lim->since, &total, &day) != ERR_OK)
		return ERR_INTERNAL;
	if (total + n > lim->total_bytes || day + n > lim->daily_bytes) {
		*why = quota_account_message();
		return ERR_FULL;
	}
	return ERR_OK;
}
