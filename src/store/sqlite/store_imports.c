/* The import map (store/imports.h): source resource (practice, type, keyed hash of its id)
 * to our record. */
#include <string.h>

#include "store/imports.h"
#include "store/sqlite/store_int.h"

static const char sql_import_lookup[] =
	"SELECT target_id, patient_id FROM import_map WHERE practice_id = ? AND rtype = ?"
	" AND source = ?";
static const char sql_import_record[] =
	"INSERT INTO import_map (practice_id, rtype, source, target_id, patient_id, created)"
	" VALUES (?, ?, ?, ?, ?, ?)";

static const char sql_import_invitees[] =
	"SELECT m.target_id FROM import_map m"
	" JOIN patient_contact c ON c.patient_id = m.target_id"
	" JOIN enrolment e ON e.patient_id = m.target_id AND e.practice_id = m.practice_id"
	" WHERE m.practice_id = ?1 AND m.rtype = 'Patient' AND m.target_id > ?2"
	" AND NOT EXISTS (SELECT 1 FROM account a WHERE a.patient_id = m.target_id)"
	" AND NOT EXISTS (SELECT 1 FROM account_token t WHERE t.patient_id = m.target_id"
	" AND t.kind = 'invite')"
	" ORDER BY m.target_id LIMIT ?3";

enum err sq_store_import_invitees(const struct id *practice, const struct id *after, size_t limit,
				  struct id *out, size_t *n)
{
	*n = 0;
	struct db_stmt *s = sq_stmt(sql_import_invitees);
	if (s == NULL)
		return ERR_INTERNAL;
	sq_bind_id(s, 1, practice);
	sq_bind_id(s, 2, after);
	db_bind_int64(s, 3, (int64_t)limit);
	int step;
	while ((step = db_step(s)) == DB_ROW && *n < limit)
		if (sq_col_id(s, 0, &out[*n]))
			(*n)++;
	db_reset(s);
	return step == DB_DONE || step == DB_ROW ? ERR_OK : sq_fail("import_invitees");
}

enum err sq_store_import_lookup(const struct id *practice, const char *rtype,
				const uint8_t source[HASH_BYTES], struct id *target, struct id *patient)
{
	struct db_stmt *s = sq_stmt(sql_import_lookup);
	if (s == NULL)
		return ERR_INTERNAL;
	sq_bind_id(s, 1, practice);
	sq_bind_text(s, 2, rtype);
	db_bind_blob(s, 3, source, HASH_BYTES);
	int step = db_step(s);
	int rc = step == DB_ROW ? ERR_OK : step == DB_DONE ? ERR_NOT_FOUND : sq_fail("import_lookup");
	if (rc == ERR_OK && (!sq_col_id(s, 0, target) || !sq_col_id(s, 1, patient)))
		rc = ERR_INTERNAL;
	db_reset(s);
	return rc;
}

enum err sq_store_import_record(const struct id *practice, const char *rtype,
				const uint8_t source[HASH_BYTES], const struct id *target,
				const struct id *patient, int64_t now)
{
	struct db_stmt *s = sq_stmt(sql_import_record);
	if (s == NULL)
		return ERR_INTERNAL;
	sq_bind_id(s, 1, practice);
	sq_bind_text(s, 2, rtype);
	db_bind_blob(s, 3, source, HASH_BYTES);
	sq_bind_id(s, 4, target);
	sq_bind_id(s, 5, patient);
	db_bind_int64(s, 6, now);
	return sq_step_done(s, "import_record");
}
