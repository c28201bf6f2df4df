/* Notices: the reminder's time (9 am NZ the day before, across both daylight-saving changes),
 * and who among a record's proxies may be told (policy_notice_to_proxy). */
#include <string.h>
#include <time.h>

#include "domain/notify.h"
#include "policy/policy.h"
#include "test.h"
#include "util/nztime.h"

static int64_t utc(int y, int mo, int d, int h, int mi)
{
	struct tm tm = {.tm_year = y - 1900, .tm_mon = mo - 1, .tm_mday = d, .tm_hour = h, .tm_min = mi};
	return (int64_t)timegm(&tm);
}

static int64_t nz(int y, int mo, int d, int h, int mi)
{
	int64_t t = 0;
	CHECK(nz_from_local(y, mo, d, h, mi, &t) == 0);
	return t;
}

void test_notify(void)
{
	/* summer: 9 am NZDT is 20:00 UTC the day before */
	CHECK(notify_reminder_at(nz(2026, 12, 8, 10, 15)) == utc(2026, 12, 6, 20, 0));
	/* just after midnight: still the NZ day before, not the UTC one */
	CHECK(notify_reminder_at(nz(2026, 12, 1, 0, 30)) == utc(2026, 11, 29, 20, 0));
	/* winter: 9 am NZST is 21:00 UTC */
	CHECK(notify_reminder_at(nz(2026, 7, 15, 14, 0)) == utc(2026, 7, 13, 21, 0));
	/* clocks go forward at 2 am on Sunday 27 September 2026 */
	CHECK(notify_reminder_at(nz(2026, 9, 28, 10, 0)) == utc(2026, 9, 26, 20, 0));
	CHECK(notify_reminder_at(nz(2026, 9, 27, 10, 0)) == utc(2026, 9, 25, 21, 0));
	/* clocks go back at 3 am on Sunday 4 April 2027 */
	CHECK(notify_reminder_at(nz(2027, 4, 5, 10, 0)) == utc(2027, 4, 3, 21, 0));
	CHECK(notify_reminder_at(nz(2027, 4, 4, 8, 0)) == utc(2027, 4, 2, 20, 0));
	/* across a month and a year */
	CHECK(notify_reminder_at(nz(2027, 1, 1, 9, 0)) == utc(2026, 12, 30, 20, 0));

	/* proxies are told only within their grant's scopes */
	CHECK(policy_notice_to_proxy(SCOPE_RESULTS, ACTION_RESULT_READ));
	CHECK(!policy_notice_to_proxy(SCOPE_DOCUMENTS, ACTION_RESULT_READ));
	CHECK(policy_notice_to_proxy(SCOPE_APPOINTMENTS, ACTION_RECALL_LIST));
	CHECK(!policy_notice_to_proxy(SCOPE_ALL & ~SCOPE_MEDICATIONS, ACTION_MEDICATION_LIST));
	CHECK(!policy_notice_to_proxy(SCOPE_ALL, ACTION_PATIENT_READ)); /* no kind is "any scope" */
	size_t n;
	const struct notify_kind_info *k = notify_kinds(&n);
	for (size_t i = 0; i < n; i++)
		CHECK(k[i].slug && k[i].label && policy_proxy_scope_for(k[i].about) != 0);
	CHECK(policy_gets_staff_notices(ROLE_CLINICIAN, true));
	CHECK(!policy_gets_staff_notices(ROLE_PRACTICE_ADMIN, true));
	CHECK(!policy_gets_staff_notices(ROLE_CLINICIAN, false));
	/* a move asked of the practice: those who may decide it (TRANSFERS.md) */
	CHECK(policy_gets_transfer_notices(ROLE_CLINICIAN, true));
	CHECK(policy_gets_transfer_notices(ROLE_PRACTICE_ADMIN, true));
	CHECK(!policy_gets_transfer_notices(ROLE_PRACTICE_ADMIN, false));
	CHECK(!policy_gets_transfer_notices(ROLE_PATIENT, false));
	CHECK(!policy_gets_transfer_notices(ROLE_OPERATOR, false));
	CHECK(!policy_gets_transfer_notices(ROLE_SYSTEM, true));
}
