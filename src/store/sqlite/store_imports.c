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

enum err sq_store_import_lookup(const struct id *practice, const char *rtype,
				const uint8_t source[HASH_BYTES], struct id *target, struct id *patient)
{
	sqlite3_stmt *s = sq_stmt(sql_import_lookup);
	if (s == NULL)
		return ERR_INTERNAL;
	sq_bind_id(s, 1, practice);
	sq_bind_text(s, 2, rtype);
	sqlite3_bind_blob(s, 3, source, HASH_BYTES, SQLITE_STATIC);
	int step = sqlite3_step(s);
	int rc = step == SQLITE_ROW ? ERR_OK : step == SQLITE_DONE ? ERR_NOT_FOUND : sq_fail("import_lookup");
	if (rc == ERR_OK && (!sq_col_id(s, 0, target) || !sq_col_id(s, 1, patient)))
		rc = ERR_INTERNAL;
	sqlite3_reset(s);
	return rc;
}

enum err sq_store_import_record(const struct id *practice, const char *rtype,
				const uint8_t source[HASH_BYTES], const struct id *target,
				const struct id *patient, int64_t now)
{
	sqlite3_stmt *s = sq_stmt(sql_import_record);
	if (s == NULL)
		return ERR_INTERNAL;
	sq_bind_id(s, 1, practice);
	sq_bind_text(s, 2, rtype);
	sqlite3_bind_blob(s, 3, source, HASH_BYTES, SQLITE_STATIC);
	sq_bind_id(s, 4, target);
	sq_bind_id(s, 5, patient);
	sqlite3_bind_int64(s, 6, now);
	return sq_step_done(s, "import_record");
}
