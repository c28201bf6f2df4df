/* Practices: creating one, its name, and its settings. */
#include "store/practice.h"
#include "store/sqlite/store_int.h"

static const char sql_practice_create[] =
	"INSERT INTO practice (id, name, created) VALUES (?, ?, unixepoch())";
static const char sql_practice_name[] = "SELECT name FROM practice WHERE id = ?";
static const char sql_settings[] =
	"SELECT name, require_patient_mfa,"
	" (SELECT count(*) FROM enrolment WHERE practice_id = p.id),"
	" (SELECT count(DISTINCT e.patient_id) FROM enrolment e JOIN account a ON a.patient_id = e.patient_id"
	"  WHERE e.practice_id = p.id AND (a.totp_ct IS NOT NULL"
	"  OR EXISTS (SELECT 1 FROM passkey k WHERE k.account_id = a.id)))"
	" FROM practice p WHERE id = ?";
static const char sql_require[] = "UPDATE practice SET require_patient_mfa = ? WHERE id = ?";
static const char sql_practices_list[] =
	"SELECT id, name FROM practice ORDER BY created, rowid LIMIT ? OFFSET ?";

enum err sq_store_practice_create(const struct id *id, const char *name)
{
	struct db_stmt *s = sq_stmt(sql_practice_create);
	sq_bind_id(s, 1, id);
	sq_bind_text(s, 2, name);
	int rc = db_step(s) == DB_DONE ? ERR_OK : sq_fail("practice_create");
	db_reset(s);
	return rc;
}

enum err sq_store_practice_name(const struct id *id, struct arena *a, const char **name)
{
	struct db_stmt *s = sq_stmt(sql_practice_name);
	sq_bind_id(s, 1, id);
	int rc = ERR_NOT_FOUND;
	if (db_step(s) == DB_ROW) {
		*name = sq_col_text(s, 0, a);
		rc = *name ? ERR_OK : ERR_INTERNAL;
	}
	db_reset(s);
	return rc;
}

enum err sq_store_practice_settings_get(const struct id *practice, struct arena *a,
				struct store_practice_settings *out)
{
	struct db_stmt *s = sq_stmt(sql_settings);
	if (s == NULL)
		return ERR_INTERNAL;
	sq_bind_id(s, 1, practice);
	int rc = db_step(s);
	if (rc == DB_ROW) {
		out->name = sq_col_text(s, 0, a);
		out->require_patient_mfa = db_column_int(s, 1) != 0;
		out->patients = db_column_int64(s, 2);
		out->patients_with_mfa = db_column_int64(s, 3);
	}
	db_reset(s);
	if (rc == DB_DONE)
		return ERR_NOT_FOUND;
	return rc == DB_ROW && out->name ? ERR_OK : sq_fail("practice_settings");
}

enum err sq_store_practice_require_patient_mfa(const struct id *practice, bool on)
{
	struct db_stmt *s = sq_stmt(sql_require);
	if (s == NULL)
		return ERR_INTERNAL;
	db_bind_int64(s, 1, on ? 1 : 0);
	sq_bind_id(s, 2, practice);
	return sq_write_one(s, "practice_require_mfa");
}

enum err sq_store_practices_list(size_t offset, size_t limit, struct arena *a,
				 struct store_practice **out, size_t *n)
{
	*n = 0;
	*out = limit ? arena_calloc(a, limit, sizeof(**out)) : NULL;
	struct db_stmt *s = sq_stmt(sql_practices_list);
	if (s == NULL || (limit && *out == NULL))
		return ERR_INTERNAL;
	db_bind_int64(s, 1, (int64_t)limit);
	db_bind_int64(s, 2, (int64_t)offset);
	int step = DB_DONE, rc = ERR_OK;
	while (rc == ERR_OK && *n < limit && (step = db_step(s)) == DB_ROW) {
		struct store_practice *p = &(*out)[*n];
		p->name = sq_col_text(s, 1, a);
		if (!sq_col_id(s, 0, &p->id) || p->name == NULL)
			rc = ERR_INTERNAL;
		else
			(*n)++;
	}
	if (rc == ERR_OK && *n < limit && step != DB_DONE)
		rc = sq_fail("practices_list");
	db_reset(s);
	return rc;
}
