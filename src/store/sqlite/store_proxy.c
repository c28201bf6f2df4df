/* Proxy (family and carer) grants: the part of them the policy gate needs. */
#include "store/sqlite/store_int.h"

static const char sql_proxy_scopes[] =
	"SELECT scopes FROM proxy_grant WHERE account_id = ? AND patient_id = ?"
	" AND revoked IS NULL AND not_after > ?";

int store_proxy_scopes(const struct id *account, const struct id *patient, int64_t now,
		       unsigned *scopes)
{
	*scopes = 0;
	sqlite3_stmt *s = store_module_stmt(sql_proxy_scopes);
	if (s == NULL)
		return STORE_ERROR;
	sq_bind_id(s, 1, account);
	sq_bind_id(s, 2, patient);
	sqlite3_bind_int64(s, 3, now);
	int rc;
	while ((rc = sqlite3_step(s)) == SQLITE_ROW)
		*scopes |= (unsigned)sqlite3_column_int64(s, 0) & SCOPE_ALL;
	sqlite3_reset(s);
	return rc == SQLITE_DONE ? STORE_OK : sq_fail("proxy_scopes");
}
