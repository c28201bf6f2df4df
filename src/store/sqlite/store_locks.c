/* Locks held for review and unlock tickets (see src/store/locks.h). */
#include "store/locks.h"
#include "store/account.h"
#include "store/sqlite/store_int.h"

#include <string.h>

#define LOCKS_MAX 200

/* One open lock per account: a session of an account already stopped adds none. A practice
 * system's or a feed's lock (?6, its practice) says which of the two it is. */
static const char sql_lock_insert[] =
	"INSERT INTO account_lock (id, account_id, session_id, reason, tripped, state, system_kind,"
	" system_practice)"
	" SELECT ?1, ?2, ?3, ?4, ?5, 'locked',"
	" CASE WHEN CAST(?6 AS BLOB) IS NULL THEN NULL WHEN EXISTS (SELECT 1 FROM feed WHERE id = ?2) THEN 'feed'"
	" ELSE 'system' END, CAST(?6 AS BLOB) WHERE NOT EXISTS"
	" (SELECT 1 FROM account_lock WHERE account_id = ?2 AND state = 'locked')";

enum err sq_store_lock_record(const struct id *account, const struct id *session, const char *reason,
		      int64_t now, const struct id *system_practice)
{
	struct db_stmt *s = sq_stmt(sql_lock_insert);
	if (s == NULL)
		return ERR_INTERNAL;
	struct id id;
	random_id(&id);
	sq_bind_id(s, 1, &id);
	sq_bind_id(s, 2, account);
	sq_bind_id(s, 3, session);
	sq_bind_text(s, 4, reason);
	db_bind_int64(s, 5, now);
	if (system_practice)
		sq_bind_id(s, 6, system_practice);
	else
		db_bind_null(s, 6);
	return sq_step_done(s, "lock_record");
}

static const char sql_system_held[] =
	"SELECT 1 FROM account_lock WHERE account_id = ? AND system_kind IS NOT NULL"
	" AND state != 'unlocked' LIMIT 1";

bool sq_store_system_held(const struct id *system)
{
	struct db_stmt *s = sq_stmt(sql_system_held);
	if (s == NULL)
		return true; /* fail closed: a system is not let in when this cannot be read */
	sq_bind_id(s, 1, system);
	int step = db_step(s);
	db_reset(s);
	return step != DB_DONE;
}

/* An account's lock, or a practice system's or feed's (no account row: role 'system', the
 * lock's practice, locked until reviewed unlocked, and its name). */
#define LOCK_COLUMNS                                                                              \
	"SELECT l.id, l.account_id, l.session_id, l.reason, l.tripped, l.state, l.reviewed_by,"     \
	" l.reviewed, l.review_reason,"                                                             \
	" CASE WHEN l.system_kind IS NULL THEN a.role ELSE 'system' END,"                           \
	" COALESCE(l.system_practice, a.practice_id), a.patient_id,"                                \
	" CASE WHEN l.system_kind IS NULL THEN a.locked ELSE CASE WHEN l.state != 'unlocked' THEN 1 ELSE 0 END END, a.email_ct," \
	" l.system_kind, CASE l.system_kind WHEN 'feed' THEN (SELECT name FROM feed WHERE id ="    \
	" l.account_id) WHEN 'system' THEN (SELECT name FROM system_client WHERE id = l.account_id)" \
	" END FROM account_lock l LEFT JOIN account a ON a.id = l.account_id"                       \
	" WHERE (l.system_kind IS NOT NULL OR a.id IS NOT NULL)"

/* The account columns role, practice_id, patient_id, locked, email_ct from column col on. */
static void account_tail(struct db_stmt *s, int col, struct arena *a, struct store_account *x)
{
	const char *role = sq_col_text(s, col, a);
	x->role = role ? role_parse(role) : ROLE_NONE;
	x->has_practice = sq_col_id(s, col + 1, &x->practice);
	x->has_patient = sq_col_id(s, col + 2, &x->patient);
	x->locked = db_column_int(s, col + 3) != 0;
	sq_col_bytes(s, col + 4, a, &x->email_ct);
}

static void lock_row(struct db_stmt *s, struct arena *a, struct store_lock *out)
{
	memset(out, 0, sizeof(*out));
	sq_col_id(s, 0, &out->id);
	sq_col_id(s, 1, &out->account);
	sq_col_id(s, 2, &out->session);
	sq_col_text_fixed(s, 3, out->reason, sizeof(out->reason));
	out->tripped = db_column_int64(s, 4);
	sq_col_text_fixed(s, 5, out->state, sizeof(out->state));
	out->reviewed = sq_col_id(s, 6, &out->reviewed_by);
	out->reviewed_at = db_column_int64(s, 7);
	out->review_reason = sq_col_text(s, 8, a);
	struct store_account x;
	memset(&x, 0, sizeof(x));
	account_tail(s, 9, a, &x);
	out->role = x.role;
	out->has_practice = x.has_practice;
	out->practice = x.practice;
	out->has_patient = x.has_patient;
	out->patient = x.patient;
	out->locked = x.locked;
	out->email_ct = x.email_ct;
	sq_col_text_fixed(s, 14, out->system_kind, sizeof(out->system_kind));
	out->system_name = sq_col_text(s, 15, a);
}

/* ?1: only unreviewed; ?2: a practice (NULL for all): its staff, and patients enrolled there. */
static const char sql_locks_list[] =
	LOCK_COLUMNS " AND (?1 = 0 OR l.state = 'locked') AND (CAST(?2 AS BLOB) IS NULL OR a.practice_id = ?2"
	" OR l.system_practice = ?2"
	" OR a.patient_id IN (SELECT patient_id FROM enrolment WHERE practice_id = ?2))"
	" ORDER BY l.tripped DESC LIMIT 200";

enum err sq_store_locks_list(bool open_only, const struct id *practice, struct arena *a,
		     struct store_lock **out, size_t *n)
{
	*n = 0;
	*out = arena_calloc(a, LOCKS_MAX, sizeof(**out));
	struct db_stmt *s = sq_stmt(sql_locks_list);
	if (*out == NULL || s == NULL)
		return ERR_INTERNAL;
	db_bind_int64(s, 1, open_only ? 1 : 0);
	if (practice)
		sq_bind_id(s, 2, practice);
	while (*n < LOCKS_MAX && db_step(s) == DB_ROW)
		lock_row(s, a, &(*out)[(*n)++]);
	db_reset(s);
	return ERR_OK;
}

static const char sql_lock_get[] = LOCK_COLUMNS " AND l.id = ?";
static const char sql_lock_latest[] =
	LOCK_COLUMNS " AND l.account_id = ? ORDER BY l.tripped DESC, l.rowid DESC LIMIT 1";

static enum err one_lock(const char *sql, const struct id *key, struct arena *a, struct store_lock *out)
{
	struct db_stmt *s = sq_stmt(sql);
	if (s == NULL)
		return ERR_INTERNAL;
	sq_bind_id(s, 1, key);
	int step = db_step(s), rc = ERR_NOT_FOUND;
	if (step == DB_ROW) {
		lock_row(s, a, out);
		rc = ERR_OK;
	} else if (step != DB_DONE) {
		rc = sq_fail("lock_get");
	}
	db_reset(s);
	return rc;
}

enum err sq_store_lock_get(const struct id *lock, struct arena *a, struct store_lock *out)
{
	return one_lock(sql_lock_get, lock, a, out);
}

enum err sq_store_lock_latest(const struct id *account, struct arena *a, struct store_lock *out)
{
	return one_lock(sql_lock_latest, account, a, out);
}

static const char sql_lock_review[] =
	"UPDATE account_lock SET state = ?2, reviewed_by = ?3, reviewed = ?4, review_reason = ?5"
	" WHERE account_id = ?1 AND state != 'unlocked'";
static const char sql_account_unlock[] = "UPDATE account SET locked = 0 WHERE id = ?";
static const char sql_account_relock[] = "UPDATE account SET locked = 1 WHERE id = ?";

struct review {
	const struct id *account, *reviewer;
	const char *state, *reason;
	int64_t now;
};

static enum err review_tx(void *ctx)
{
	const struct review *r = ctx;
	struct db_stmt *s = sq_stmt(sql_lock_review);
	if (s == NULL)
		return ERR_INTERNAL;
	sq_bind_id(s, 1, r->account);
	sq_bind_text(s, 2, r->state);
	if (r->reviewer)
		sq_bind_id(s, 3, r->reviewer);
	db_bind_int64(s, 4, r->now);
	if (r->reason)
		sq_bind_text(s, 5, r->reason);
	int rc = sq_step_done(s, "lock_review");
	if (rc != ERR_OK)
		return rc;
	/* Unlocked: new sign-ins work (the sessions stay revoked). Kept: locked, whatever
	 * happened meanwhile. */
	s = sq_stmt(strcmp(r->state, "unlocked") == 0 ? sql_account_unlock
							       : sql_account_relock);
	if (s == NULL)
		return ERR_INTERNAL;
	/* A practice system or feed has no account row: its lock's state is all there is. */
	return sq_run_id(s, r->account, "lock_review_account");
}

enum err sq_store_lock_review(const struct id *account, const char *state, const struct id *reviewer,
		      const char *reason, int64_t now)
{
	struct review r = {account, reviewer, state, reason, now};
	return sq_store_account_tx(review_tx, &r);
}

static const char sql_accounts_list[] =
	"SELECT id, email, role, practice_id, patient_id, locked, email_ct FROM account"
	" WHERE (?1 = 0 OR locked = 1) ORDER BY role, created LIMIT ?2";

enum err sq_store_accounts_list(bool locked_only, size_t max, struct arena *a, struct store_account **out,
			size_t *n)
{
	*n = 0;
	*out = arena_calloc(a, max ? max : 1, sizeof(**out));
	struct db_stmt *s = sq_stmt(sql_accounts_list);
	if (*out == NULL || s == NULL)
		return ERR_INTERNAL;
	db_bind_int64(s, 1, locked_only ? 1 : 0);
	db_bind_int64(s, 2, (int64_t)max);
	while (*n < max && db_step(s) == DB_ROW) {
		struct store_account *x = &(*out)[(*n)++];
		memset(x, 0, sizeof(*x));
		sq_col_id(s, 0, &x->id);
		x->email = sq_col_text(s, 1, a);
		account_tail(s, 2, a, x);
	}
	db_reset(s);
	return ERR_OK;
}

static const char sql_ticket_set[] =
	"INSERT INTO unlock_ticket (account_id, issued, mac) VALUES (?1, ?2, ?3)"
	" ON CONFLICT (account_id) DO UPDATE SET issued = ?2, mac = ?3";
static const char sql_ticket_get[] = "SELECT issued, mac FROM unlock_ticket WHERE account_id = ?";
static const char sql_ticket_delete[] = "DELETE FROM unlock_ticket WHERE account_id = ?";

enum err sq_store_unlock_ticket_set(const struct id *account, int64_t issued, const uint8_t *mac, size_t n)
{
	struct db_stmt *s = sq_stmt(sql_ticket_set);
	if (s == NULL)
		return ERR_INTERNAL;
	sq_bind_id(s, 1, account);
	db_bind_int64(s, 2, issued);
	db_bind_blob(s, 3, mac, n);
	return sq_step_done(s, "ticket_set");
}

enum err sq_store_unlock_ticket_get(const struct id *account, int64_t *issued, uint8_t mac[32])
{
	struct db_stmt *s = sq_stmt(sql_ticket_get);
	if (s == NULL)
		return ERR_INTERNAL;
	sq_bind_id(s, 1, account);
	int step = db_step(s), rc = ERR_NOT_FOUND;
	if (step == DB_ROW && db_column_bytes(s, 1) == 32) {
		*issued = db_column_int64(s, 0);
		memcpy(mac, db_column_blob(s, 1), 32);
		rc = ERR_OK;
	} else if (step != DB_DONE && step != DB_ROW) {
		rc = sq_fail("ticket_get");
	}
	db_reset(s);
	return rc;
}

enum err sq_store_unlock_ticket_delete(const struct id *account)
{
	struct db_stmt *s = sq_stmt(sql_ticket_delete);
	if (s == NULL)
		return ERR_INTERNAL;
	sq_bind_id(s, 1, account);
	return sq_step_done(s, "ticket_delete");
}
