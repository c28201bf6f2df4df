/* Notices (src/store/notify.h): choices per account and record, the proxy holders of a record,
 * the staff rate limit, and outbox rows scheduled for later or withdrawn. */
#include "store/notify.h"
#include "store/appointments.h"
#include "store/sqlite/store_int.h"

#include "limits.h"

static const char sql_pref_get[] =
	"SELECT kinds_set, kinds_on FROM notify_pref WHERE account_id = ? AND record_id = ?";

enum err sq_store_notify_pref_get(const struct id *account, const struct id *record, unsigned *set,
				  unsigned *on)
{
	*set = *on = 0;
	struct db_stmt *s = sq_stmt(sql_pref_get);
	if (s == NULL)
		return ERR_INTERNAL;
	sq_bind_id(s, 1, account);
	sq_bind_id(s, 2, record);
	int step = db_step(s);
	if (step == DB_ROW) {
		*set = (unsigned)db_column_int64(s, 0);
		*on = (unsigned)db_column_int64(s, 1);
	}
	db_reset(s);
	return step == DB_ROW || step == DB_DONE ? ERR_OK : sq_fail("notify_pref_get");
}

static const char sql_pref_set[] =
	"INSERT INTO notify_pref (account_id, record_id, kinds_set, kinds_on) VALUES (?1, ?2, ?3, ?4)"
	" ON CONFLICT (account_id, record_id) DO UPDATE SET kinds_set = notify_pref.kinds_set | ?3,"
	" kinds_on = (notify_pref.kinds_on & ~?3) | ?4";

enum err sq_store_notify_pref_set(const struct grant *g, const struct id *account,
				  const struct id *record, unsigned kinds, unsigned on)
{
	static const struct id zero;
	if (g == NULL ? !id_eq(record, &zero) : !grant_allows(g, record, ACTION_NOTICE_PREFS))
		return ERR_DENIED;
	struct db_stmt *s = sq_stmt(sql_pref_set);
	if (s == NULL)
		return ERR_INTERNAL;
	sq_bind_id(s, 1, account);
	sq_bind_id(s, 2, record);
	db_bind_int64(s, 3, (int64_t)kinds);
	db_bind_int64(s, 4, (int64_t)(on & kinds));
	return sq_step_done(s, "notify_pref_set");
}

static const char sql_proxies[] =
	"SELECT g.account_id, g.scopes, a.email_ct FROM proxy_grant g JOIN account a"
	" ON a.id = g.account_id WHERE g.patient_id = ?1 AND g.revoked IS NULL"
	" AND g.not_after > ?2 AND g.scopes != 0 AND a.locked = 0 LIMIT ?3";

enum err sq_store_notify_proxies(const struct id *patient, int64_t now, struct arena *a,
				 struct store_notify_proxy **out, size_t *n)
{
	*n = 0;
	*out = arena_calloc(a, LIMIT_NOTIFY_PROXIES, sizeof(**out));
	struct db_stmt *s = sq_stmt(sql_proxies);
	if (s == NULL || *out == NULL)
		return ERR_INTERNAL;
	sq_bind_id(s, 1, patient);
	db_bind_int64(s, 2, now);
	db_bind_int64(s, 3, LIMIT_NOTIFY_PROXIES);
	int step;
	while ((step = db_step(s)) == DB_ROW && *n < LIMIT_NOTIFY_PROXIES) {
		struct store_notify_proxy *r = &(*out)[*n];
		sq_col_id(s, 0, &r->account);
		r->scopes = (unsigned)db_column_int64(s, 1);
		sq_col_bytes(s, 2, a, &r->email_ct);
		if (r->email_ct.len)
			(*n)++;
	}
	db_reset(s);
	return step == DB_DONE || step == DB_ROW ? ERR_OK : sq_fail("notify_proxies");
}

static const char sql_staff_claim[] =
	"INSERT INTO notify_staff (account_id, last_sent) VALUES (?1, ?2)"
	" ON CONFLICT (account_id) DO UPDATE SET last_sent = ?2 WHERE notify_staff.last_sent <= ?2 - ?3";

enum err sq_store_notify_staff_claim(const struct id *account, int64_t now, int64_t window)
{
	struct db_stmt *s = sq_stmt(sql_staff_claim);
	if (s == NULL)
		return ERR_INTERNAL;
	sq_bind_id(s, 1, account);
	db_bind_int64(s, 2, now);
	db_bind_int64(s, 3, window);
	int rc = sq_write_one(s, "notify_staff_claim");
	return rc == ERR_NOT_FOUND ? ERR_THROTTLED : rc;
}

static const char sql_staff_claim_kind[] =
	"INSERT INTO notify_staff_kind (account_id, kind, last_sent) VALUES (?1, ?4, ?2)"
	" ON CONFLICT (account_id, kind) DO UPDATE SET last_sent = ?2 WHERE notify_staff_kind.last_sent <= ?2 - ?3";

enum err sq_store_notify_staff_claim_kind(const struct id *account, const char *kind, int64_t now,
					  int64_t window)
{
	struct db_stmt *s = sq_stmt(sql_staff_claim_kind);
	if (s == NULL)
		return ERR_INTERNAL;
	sq_bind_id(s, 1, account);
	db_bind_int64(s, 2, now);
	db_bind_int64(s, 3, window);
	sq_bind_text(s, 4, kind);
	int rc = sq_write_one(s, "notify_staff_claim_kind");
	return rc == ERR_NOT_FOUND ? ERR_THROTTLED : rc;
}

static const char sql_practice_staff[] =
	"SELECT id FROM account WHERE practice_id = ? AND role IN ('clinician', 'practice_admin')"
	" AND locked = 0 ORDER BY created LIMIT ?";

enum err sq_store_practice_staff(const struct id *practice, struct arena *a, struct store_staff **out,
				 size_t *n)
{
	*n = 0;
	struct db_stmt *s = sq_stmt(sql_practice_staff);
	*out = arena_calloc(a, LIMIT_LIST, sizeof(**out));
	if (s == NULL || *out == NULL)
		return ERR_INTERNAL;
	sq_bind_id(s, 1, practice);
	db_bind_int64(s, 2, LIMIT_LIST);
	int rc = DB_DONE;
	while (*n < LIMIT_LIST && (rc = db_step(s)) == DB_ROW)
		if (sq_col_id(s, 0, &(*out)[*n].account))
			(*n)++;
	db_reset(s);
	return rc == DB_ROW || rc == DB_DONE ? ERR_OK : sq_fail("practice_staff");
}

static const char sql_schedule[] =
	"INSERT INTO outbox (id, account_id, to_ct, subject, body, body_ct, created, not_before,"
	" ref, kind) VALUES (?, ?, ?, ?, '', ?, unixepoch(), ?, ?, ?)";

enum err sq_store_outbox_schedule(const struct store_mail *m, int64_t not_before, const struct id *ref,
				  const char *kind)
{
	if (m->body_ct.len == 0 || m->to_ct.len == 0)
		return ERR_INTERNAL;
	struct db_stmt *s = sq_stmt(sql_schedule);
	if (s == NULL)
		return ERR_INTERNAL;
	sq_bind_id(s, 1, &m->id);
	sq_bind_id(s, 2, &m->account);
	db_bind_blob(s, 3, m->to_ct.ptr, m->to_ct.len);
	sq_bind_text(s, 4, m->subject);
	db_bind_blob(s, 5, m->body_ct.ptr, m->body_ct.len);
	db_bind_int64(s, 6, not_before);
	if (ref)
		sq_bind_id(s, 7, ref);
	sq_bind_text(s, 8, kind ? kind : "");
	return sq_step_done(s, "outbox_schedule");
}

static const char sql_withdraw[] = "DELETE FROM outbox WHERE ref = ? AND sent IS NULL";

enum err sq_store_outbox_withdraw(const struct id *ref)
{
	struct db_stmt *s = sq_stmt(sql_withdraw);
	return s ? sq_run_id(s, ref, "outbox_withdraw") : ERR_INTERNAL;
}

static const char sql_withdraw_kind[] =
	"DELETE FROM outbox WHERE account_id = ? AND kind = ? AND sent IS NULL AND not_before > ?";

enum err sq_store_outbox_withdraw_kind(const struct id *account, const char *kind, int64_t now)
{
	struct db_stmt *s = sq_stmt(sql_withdraw_kind);
	if (s == NULL)
		return ERR_INTERNAL;
	sq_bind_id(s, 1, account);
	sq_bind_text(s, 2, kind);
	db_bind_int64(s, 3, now);
	return sq_step_done(s, "outbox_withdraw_kind");
}
