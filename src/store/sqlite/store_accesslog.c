/* A patient's own access log (src/store/accesslog.h): the audit trail read through a grant. */
#include "store/accesslog.h"
#include "store/sqlite/store_int.h"

#include <string.h>

#include "limits.h"

/* The partial index audit_by_patient (patient != '-') serves both, newest first. */
static const char sql_accesslog[] =
	"SELECT seq, ts_ms, actor, session, ip, action, patient, rtype, rid, outcome, bytes, prev, hash,"
	" via FROM audit WHERE patient = ?1 AND patient != '-' AND seq < ?2 ORDER BY seq DESC LIMIT ?3";
static const char sql_accesslog_others[] =
	"SELECT seq, ts_ms, actor, session, ip, action, patient, rtype, rid, outcome, bytes, prev, hash,"
	" via FROM audit WHERE patient = ?1 AND patient != '-' AND seq < ?2 AND actor != ?4"
	" ORDER BY seq DESC LIMIT ?3";
static const char sql_actor_facts[] =
	"SELECT role, practice_id, patient_id, EXISTS (SELECT 1 FROM proxy_grant"
	" WHERE account_id = ?1 AND patient_id = ?2) FROM account WHERE id = ?1";

/* A feed keeps its row when removed; a system client is in the apps table (oauth_client). */
static const char sql_system_facts[] =
	"SELECT name, practice_id FROM feed WHERE id = ?1"
	" UNION ALL SELECT name, practice_id FROM system_client WHERE id = ?1"
	" UNION ALL SELECT name, NULL FROM oauth_client WHERE id = ?1 LIMIT 1";

enum err sq_store_accesslog_list(const struct grant *g, const struct id *patient, int64_t before,
			 const char *skip_actor, size_t max, struct arena *a,
			 struct audit_record **out, size_t *n)
{
	*n = 0;
	if (!grant_allows(g, patient, ACTION_ACCESS_LOG_READ))
		return ERR_DENIED;
	if (max > LIMIT_LIST)
		max = LIMIT_LIST;
	*out = arena_calloc(a, max ? max : 1, sizeof(**out));
	if (*out == NULL)
		return ERR_INTERNAL;
	struct db_stmt *s = sq_audit_stmt(skip_actor ? sql_accesslog_others : sql_accesslog);
	if (s == NULL)
		return ERR_INTERNAL;
	char hex[ID_HEX_LEN + 1];
	id_hex(patient, hex);
	db_bind_text(s, 1, hex);
	db_bind_int64(s, 2, before > 0 ? before : INT64_MAX);
	db_bind_int64(s, 3, (int64_t)max);
	if (skip_actor)
		sq_bind_text(s, 4, skip_actor);
	int rc = DB_DONE;
	while (*n < max && (rc = db_step(s)) == DB_ROW)
		sq_audit_row(s, &(*out)[(*n)++]);
	if (rc != DB_ROW && rc != DB_DONE) {
		db_reset(s);
		*n = 0;
		return sq_fail("accesslog");
	}
	db_reset(s);
	return ERR_OK;
}

enum err sq_store_actor_facts(const struct id *account, const struct id *patient, struct store_actor_facts *out)
{
	memset(out, 0, sizeof(*out));
	struct db_stmt *s = sq_stmt(sql_actor_facts);
	if (s == NULL)
		return ERR_INTERNAL;
	sq_bind_id(s, 1, account);
	sq_bind_id(s, 2, patient);
	int rc = db_step(s);
	if (rc == DB_ROW) {
		char role[32];
		sq_col_text_fixed(s, 0, role, sizeof(role));
		out->exists = true;
		out->role = role_parse(role);
		out->has_practice = sq_col_id(s, 1, &out->practice);
		out->has_patient = sq_col_id(s, 2, &out->patient);
		out->ever_proxy = db_column_int(s, 3) != 0;
	}
	db_reset(s);
	return rc == DB_ROW || rc == DB_DONE ? ERR_OK : sq_fail("actor_facts");
}

enum err sq_store_system_facts(const struct id *id, struct store_system_facts *out)
{
	memset(out, 0, sizeof(*out));
	struct db_stmt *s = sq_stmt(sql_system_facts);
	if (s == NULL)
		return ERR_INTERNAL;
	sq_bind_id(s, 1, id);
	int rc = db_step(s);
	if (rc == DB_ROW) {
		out->exists = true;
		sq_col_text_fixed(s, 0, out->name, sizeof(out->name));
		out->has_practice = sq_col_id(s, 1, &out->practice);
	}
	db_reset(s);
	return rc == DB_ROW || rc == DB_DONE ? ERR_OK : sq_fail("system_facts");
}
