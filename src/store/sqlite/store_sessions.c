/* Sessions: opening, reading, touching and ending them; the sessions of an account and the
 * devices it has used (src/store/store.h). */
#include "store/store.h"
#include "store/apps.h"
#include "store/sqlite/store_int.h"

#include <string.h>
#include <time.h>

#include "limits.h"

static const char sql_sessions_revoke[] = "DELETE FROM session WHERE account_id = ?";
static const char sql_session_create[] =
	"INSERT INTO session (token_hash, id, account_id, csrf, created,"
	" last_seen, mfa, device, ip, new_device, client_id, scopes, record, family)"
	" VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)";
static const char sql_session_get[] =
	"SELECT s.id, s.account_id, s.csrf, s.created, s.last_seen, a.role,"
	" a.practice_id, a.patient_id, s.mfa,"
	/* a second factor: an authenticator app or a passkey (PASSKEYS.md) */
	" (a.totp_ct IS NOT NULL OR EXISTS (SELECT 1 FROM passkey k WHERE k.account_id = a.id)), s.device,"
	" EXISTS (SELECT 1 FROM enrolment e JOIN practice p ON p.id = e.practice_id"
	"  WHERE e.patient_id = a.patient_id AND p.require_patient_mfa = 1),"
	/* the held record, only while a live grant allows it (proxies) */
	" (SELECT g.patient_id FROM proxy_grant g WHERE g.account_id = s.account_id"
	" AND g.patient_id = s.record AND g.revoked IS NULL AND g.not_after > ?2"
	" AND g.scopes != 0 LIMIT 1), s.client_id, s.scopes, a.lang"
	" FROM session s JOIN account a ON a.id = s.account_id"
	" WHERE s.token_hash = ?1 AND a.locked = 0";
static const char sql_session_touch[] = "UPDATE session SET last_seen = ? WHERE token_hash = ?";
static const char sql_session_delete[] = "DELETE FROM session WHERE token_hash = ?";
static const char sql_sessions_revoke_all[] = "DELETE FROM session";

enum err sq_store_sessions_revoke(const struct id *account)
{
	enum err rc = sq_run_id(sq_stmt(sql_sessions_revoke), account, "sessions_revoke");
	return rc == ERR_OK ? sq_store_app_codes_end(account) : rc;
}

enum err sq_store_session_create(const uint8_t token_hash[HASH_BYTES], const struct store_session *ses)
{
	struct db_stmt *s = sq_stmt(sql_session_create);
	db_bind_blob(s, 1, token_hash, HASH_BYTES);
	sq_bind_id(s, 2, &ses->id);
	sq_bind_id(s, 3, &ses->account);
	sq_bind_text(s, 4, ses->csrf);
	db_bind_int64(s, 5, ses->created);
	db_bind_int64(s, 6, ses->last_seen);
	db_bind_int64(s, 7, ses->mfa ? 1 : 0);
	sq_bind_text(s, 8, ses->device);
	sq_bind_text(s, 9, ses->ip);
	db_bind_int64(s, 10, ses->new_device ? 1 : 0);
	if (ses->app) {
		sq_bind_id(s, 11, &ses->client);
		db_bind_int64(s, 12, (int)ses->app_scopes);
	} else {
		db_bind_null(s, 11);
		db_bind_int64(s, 12, 0);
	}
	if (ses->has_record)
		sq_bind_id(s, 13, &ses->record);
	else
		db_bind_null(s, 13);
	if (ses->app && ses->has_family)
		sq_bind_id(s, 14, &ses->family);
	else
		db_bind_null(s, 14);
	int rc = db_step(s) == DB_DONE ? ERR_OK : sq_fail("session_create");
	db_reset(s);
	return rc;
}

enum err sq_store_session_get(const uint8_t token_hash[HASH_BYTES], struct store_session *out)
{
	struct db_stmt *s = sq_stmt(sql_session_get);
	db_bind_blob(s, 1, token_hash, HASH_BYTES);
	db_bind_int64(s, 2, (int64_t)time(NULL));
	int rc = ERR_NOT_FOUND;
	if (db_step(s) == DB_ROW) {
		sq_col_id(s, 0, &out->id);
		sq_col_id(s, 1, &out->account);
		sq_col_text_fixed(s, 2, out->csrf, sizeof(out->csrf));
		out->created = db_column_int64(s, 3);
		out->last_seen = db_column_int64(s, 4);
		const char *role = db_column_text(s, 5);
		out->role = role ? role_parse(role) : ROLE_NONE;
		out->has_practice = sq_col_id(s, 6, &out->practice);
		out->has_patient = sq_col_id(s, 7, &out->patient);
		out->mfa = db_column_int(s, 8) != 0;
		out->mfa_enrolled = db_column_int(s, 9) != 0;
		sq_col_text_fixed(s, 10, out->device, sizeof(out->device));
		out->mfa_required = db_column_int(s, 11) != 0;
		out->has_record = sq_col_id(s, 12, &out->record);
		out->app = sq_col_id(s, 13, &out->client);
		out->app_scopes = out->app ? (unsigned)db_column_int(s, 14) : 0;
		const char *lang = db_column_text(s, 15);
		if (lang == NULL || lang_parse((const char *)lang, &out->lang) != 0)
			out->lang = LANG_EN;
		rc = ERR_OK;
	}
	db_reset(s);
	return rc;
}

enum err sq_store_session_touch(const uint8_t token_hash[HASH_BYTES], int64_t now)
{
	struct db_stmt *s = sq_stmt(sql_session_touch);
	db_bind_int64(s, 1, now);
	db_bind_blob(s, 2, token_hash, HASH_BYTES);
	int rc = db_step(s) == DB_DONE ? ERR_OK : sq_fail("session_touch");
	db_reset(s);
	return rc;
}

enum err sq_store_session_delete(const uint8_t token_hash[HASH_BYTES])
{
	struct db_stmt *s = sq_stmt(sql_session_delete);
	db_bind_blob(s, 1, token_hash, HASH_BYTES);
	int rc = db_step(s) == DB_DONE ? ERR_OK : sq_fail("session_delete");
	db_reset(s);
	return rc;
}

enum err sq_store_sessions_list(const struct id *account, struct arena *a, struct store_session **out,
			size_t *n)
{
	static const char sql[] = "SELECT id, created, last_seen, device, ip, mfa, new_device FROM session"
				  " WHERE account_id = ? ORDER BY last_seen DESC LIMIT 50";
	*n = 0;
	*out = arena_calloc(a, 50, sizeof(**out));
	struct db_stmt *s = sq_stmt_fresh(SQ_MAIN, sql);
	if (*out == NULL || s == NULL) {
		db_finalize(s);
		return sq_fail("sessions_list");
	}
	sq_bind_id(s, 1, account);
	while (*n < 50 && db_step(s) == DB_ROW) {
		struct store_session *x = &(*out)[(*n)++];
		sq_col_id(s, 0, &x->id);
		x->account = *account;
		x->created = db_column_int64(s, 1);
		x->last_seen = db_column_int64(s, 2);
		sq_col_text_fixed(s, 3, x->device, sizeof(x->device));
		sq_col_text_fixed(s, 4, x->ip, sizeof(x->ip));
		x->mfa = db_column_int(s, 5) != 0;
		x->new_device = db_column_int(s, 6) != 0;
	}
	db_finalize(s);
	return ERR_OK;
}

enum err sq_store_session_revoke_id(const struct id *account, const struct id *session)
{
	/* An app's access token from a refresh-token family: the patient ends the app's access,
	 * so the family goes too (and every access token it gave). */
	struct id family;
	if (sq_session_family(account, session, &family) == ERR_OK)
		return sq_store_app_refresh_end(account, &family);
	static const char sql[] = "DELETE FROM session WHERE account_id = ? AND id = ?";
	struct db_stmt *s = sq_stmt_fresh(SQ_MAIN, sql);
	if (s == NULL)
		return sq_fail("session_revoke_id");
	sq_bind_id(s, 1, account);
	sq_bind_id(s, 2, session);
	int rc = db_step(s) == DB_DONE ? ERR_OK : sq_fail("session_revoke_id");
	if (rc == ERR_OK && db_changes(s) != 1)
		rc = ERR_NOT_FOUND;
	db_finalize(s);
	return rc;
}

enum err sq_store_device_seen(const struct id *account, const char *device)
{
	static const char sql[] = "INSERT INTO device (account_id, name, first_seen)"
				  " VALUES (?, ?, unixepoch()) ON CONFLICT DO NOTHING";
	struct db_stmt *s = sq_stmt_fresh(SQ_MAIN, sql);
	if (s == NULL)
		return sq_fail("device_seen");
	sq_bind_id(s, 1, account);
	sq_bind_text(s, 2, device);
	int rc = db_step(s) == DB_DONE ? ERR_OK : sq_fail("device_seen");
	if (rc == ERR_OK && db_changes(s) != 1)
		rc = ERR_CONFLICT;
	db_finalize(s);
	return rc;
}

enum err sq_store_sessions_revoke_all(void)
{
	enum err rc = sq_run(sq_stmt(sql_sessions_revoke_all));
	return rc == ERR_OK ? sq_store_app_codes_end(NULL) : rc;
}
