/* Proxy (family and carer) grants and invitations (store/proxy.h), and the record a session
 * shows. */
#include "store/proxy.h"
#include "store/sqlite/store_int.h"

#include <string.h>

#include "limits.h"

static const char sql_proxy_scopes[] =
	"SELECT scopes FROM proxy_grant WHERE account_id = ? AND patient_id = ?"
	" AND revoked IS NULL AND not_after > ?";

enum err sq_store_proxy_scopes(const struct id *account, const struct id *patient, int64_t now,
		       unsigned *scopes)
{
	*scopes = 0;
	struct db_stmt *s = sq_stmt(sql_proxy_scopes);
	if (s == NULL)
		return ERR_INTERNAL;
	sq_bind_id(s, 1, account);
	sq_bind_id(s, 2, patient);
	db_bind_int64(s, 3, now);
	int rc;
	while ((rc = db_step(s)) == DB_ROW)
		*scopes |= (unsigned)db_column_int64(s, 0) & SCOPE_ALL;
	db_reset(s);
	return rc == DB_DONE ? ERR_OK : sq_fail("proxy_scopes");
}

static const char sql_grant_replace[] =
	"UPDATE proxy_grant SET revoked = ?3 WHERE patient_id = ?1 AND account_id = ?2"
	" AND revoked IS NULL";
static const char sql_invite_replace[] =
	"UPDATE proxy_invite SET revoked = ?3 WHERE patient_id = ?1 AND email_index = ?2"
	" AND revoked IS NULL";
static const char sql_grant_insert[] =
	"INSERT INTO proxy_grant (id, patient_id, account_id, scopes, not_after, created,"
	" created_by, detail) VALUES (?, ?, ?, ?, ?, ?, ?, ?)";
static const char sql_invite_insert[] =
	"INSERT INTO proxy_invite (id, patient_id, email_index, scopes, not_after, created,"
	" created_by, detail) VALUES (?, ?, ?, ?, ?, ?, ?, ?)";

static enum err proxy_write(const struct store_proxy_row *row, const char *email_index, int64_t now)
{
	struct db_stmt *r = sq_stmt(row->invite ? sql_invite_replace : sql_grant_replace);
	struct db_stmt *s = sq_stmt(row->invite ? sql_invite_insert : sql_grant_insert);
	if (r == NULL || s == NULL)
		return ERR_INTERNAL;
	sq_bind_id(r, 1, &row->patient);
	if (row->invite)
		sq_bind_text(r, 2, email_index);
	else
		sq_bind_id(r, 2, &row->account);
	db_bind_int64(r, 3, now);
	if (sq_step_done(r, "proxy_replace") != ERR_OK)
		return ERR_INTERNAL;
	sq_bind_id(s, 1, &row->id);
	sq_bind_id(s, 2, &row->patient);
	if (row->invite)
		sq_bind_text(s, 3, email_index);
	else
		sq_bind_id(s, 3, &row->account);
	db_bind_int64(s, 4, (int64_t)row->scopes);
	db_bind_int64(s, 5, row->not_after);
	db_bind_int64(s, 6, row->created);
	sq_bind_id(s, 7, &row->created_by);
	db_bind_blob(s, 8, row->detail.ptr, row->detail.len);
	return sq_step_done(s, "proxy_insert");
}

enum err sq_store_proxy_insert(const struct grant *g, const struct store_proxy_row *row,
		       const char *email_index, int64_t now, const struct store_mail *mail)
{
	if (!grant_allows(g, &row->patient, ACTION_PROXY_GRANT))
		return ERR_DENIED;
	if (row->invite && email_index == NULL)
		return ERR_INTERNAL;
	if (sq_begin(SQ_MAIN) != ERR_OK)
		return ERR_INTERNAL;
	int rc = proxy_write(row, email_index, now);
	if (rc == ERR_OK && mail != NULL && mail->to_ct.len > 0 && !row->invite)
		rc = sq_store_outbox_insert(&mail->id, &mail->account, mail->to_ct, mail->subject,
					 mail->body_ct);
	if (rc != ERR_OK) {
		sq_rollback(SQ_MAIN);
		return rc;
	}
	return sq_commit(SQ_MAIN);
}

static const char sql_proxy_list[] =
	"SELECT id, account_id, 0, scopes, not_after, created, created_by, detail FROM proxy_grant"
	" WHERE patient_id = ?1 AND revoked IS NULL AND not_after > ?2"
	" UNION ALL SELECT id, NULL, 1, scopes, not_after, created, created_by, detail"
	" FROM proxy_invite WHERE patient_id = ?1 AND revoked IS NULL AND not_after > ?2"
	" ORDER BY 6 DESC LIMIT ?3";

enum err sq_store_proxy_list(const struct grant *g, const struct id *patient, int64_t now, struct arena *a,
		     struct store_proxy_row **out, size_t *n)
{
	*n = 0;
	if (!grant_allows(g, patient, ACTION_PROXY_LIST))
		return ERR_DENIED;
	struct db_stmt *s = sq_stmt(sql_proxy_list);
	*out = arena_calloc(a, LIMIT_LIST, sizeof(**out));
	if (s == NULL || *out == NULL)
		return ERR_INTERNAL;
	sq_bind_id(s, 1, patient);
	db_bind_int64(s, 2, now);
	db_bind_int64(s, 3, LIMIT_LIST);
	int rc;
	while ((rc = db_step(s)) == DB_ROW && *n < LIMIT_LIST) {
		struct store_proxy_row *r = &(*out)[*n];
		sq_col_id(s, 0, &r->id);
		r->patient = *patient;
		sq_col_id(s, 1, &r->account);
		r->invite = db_column_int(s, 2) != 0;
		r->scopes = (unsigned)db_column_int64(s, 3) & SCOPE_ALL;
		r->not_after = db_column_int64(s, 4);
		r->created = db_column_int64(s, 5);
		sq_col_id(s, 6, &r->created_by);
		if (!sq_col_bytes(s, 7, a, &r->detail)) {
			rc = DB_ERROR;
			break;
		}
		(*n)++;
	}
	db_reset(s);
	return rc == DB_DONE || rc == DB_ROW ? ERR_OK : sq_fail("proxy_list");
}

static const char sql_proxy_target[] =
	"SELECT x.patient_id, e.practice_id, e.history_from FROM (SELECT patient_id FROM proxy_grant"
	" WHERE id = ?1 AND revoked IS NULL AND not_after > ?2 UNION ALL SELECT patient_id"
	" FROM proxy_invite WHERE id = ?1 AND revoked IS NULL AND not_after > ?2) x"
	" LEFT JOIN enrolment e ON e.patient_id = x.patient_id ORDER BY e.since LIMIT 8";

enum err sq_store_proxy_target(const struct id *grant_id, int64_t now, struct target *out)
{
	struct db_stmt *s = sq_stmt(sql_proxy_target);
	if (s != NULL) {
		sq_bind_id(s, 1, grant_id);
		db_bind_int64(s, 2, now);
	}
	return sq_target_collect(s, out, "proxy_target");
}

static const char sql_grant_revoke[] =
	"UPDATE proxy_grant SET revoked = ?3, ended_by = ?4, end_reason = ?5"
	" WHERE id = ?1 AND patient_id = ?2 AND revoked IS NULL";
static const char sql_invite_revoke[] =
	"UPDATE proxy_invite SET revoked = ?3, ended_by = ?4, end_reason = ?5"
	" WHERE id = ?1 AND patient_id = ?2 AND revoked IS NULL";

enum err sq_store_proxy_revoke(const struct grant *g, const struct id *grant_id, int64_t now,
			       const struct id *by, const char *reason)
{
	if (!grant_allows(g, &g->patient, ACTION_PROXY_REVOKE))
		return ERR_DENIED;
	int changed = 0;
	const char *const sqls[] = {sql_grant_revoke, sql_invite_revoke};
	for (size_t i = 0; i < 2; i++) {
		struct db_stmt *s = sq_stmt(sqls[i]);
		if (s == NULL)
			return ERR_INTERNAL;
		sq_bind_id(s, 1, grant_id);
		sq_bind_id(s, 2, &g->patient);
		db_bind_int64(s, 3, now);
		if (by)
			sq_bind_id(s, 4, by);
		else
			db_bind_null(s, 4);
		if (reason)
			sq_bind_text(s, 5, reason);
		else
			db_bind_null(s, 5);
		if (sq_step_done(s, "proxy_revoke") != ERR_OK)
			return ERR_INTERNAL;
		changed += db_changes(s);
	}
	return changed > 0 ? ERR_OK : ERR_NOT_FOUND;
}

static const char sql_proxy_held[] =
	"SELECT patient_id, scopes, not_after FROM proxy_grant WHERE account_id = ?1"
	" AND revoked IS NULL AND not_after > ?2 AND scopes != 0 ORDER BY not_after DESC LIMIT ?3";

enum err sq_store_proxy_held(const struct id *account, int64_t now, struct arena *a,
		     struct store_proxy_held **out, size_t *n)
{
	*n = 0;
	struct db_stmt *s = sq_stmt(sql_proxy_held);
	*out = arena_calloc(a, LIMIT_LIST, sizeof(**out));
	if (s == NULL || *out == NULL)
		return ERR_INTERNAL;
	sq_bind_id(s, 1, account);
	db_bind_int64(s, 2, now);
	db_bind_int64(s, 3, LIMIT_LIST);
	int rc;
	while ((rc = db_step(s)) == DB_ROW && *n < LIMIT_LIST) {
		struct store_proxy_held *h = &(*out)[*n];
		/* Two live grants for one patient (not made by us, but possible): one entry. */
		bool dup = false;
		struct id p;
		sq_col_id(s, 0, &p);
		for (size_t i = 0; i < *n; i++)
			if (id_eq(&(*out)[i].patient, &p)) {
				(*out)[i].scopes |= (unsigned)db_column_int64(s, 1) & SCOPE_ALL;
				dup = true;
			}
		if (dup)
			continue;
		h->patient = p;
		h->scopes = (unsigned)db_column_int64(s, 1) & SCOPE_ALL;
		h->not_after = db_column_int64(s, 2);
		(*n)++;
	}
	db_reset(s);
	return rc == DB_DONE || rc == DB_ROW ? ERR_OK : sq_fail("proxy_held");
}

static const char sql_session_record[] =
	"UPDATE session SET record = ?3 WHERE id = ?2 AND account_id = ?1";

enum err sq_store_session_set_record(const struct id *account, const struct id *session,
			     const struct id *record)
{
	struct db_stmt *s = sq_stmt(sql_session_record);
	if (s == NULL)
		return ERR_INTERNAL;
	sq_bind_id(s, 1, account);
	sq_bind_id(s, 2, session);
	if (record)
		sq_bind_id(s, 3, record);
	else
		db_bind_null(s, 3);
	return sq_step_done(s, "session_record");
}
