/* A patient's own contact details (src/store/details.h). */
#include "store/details.h"
#include "store/sqlite/store_int.h"

#include <string.h>

static const char sql_details_get[] =
	"SELECT patient_id, body, version, updated, updated_by FROM patient_details"
	" WHERE patient_id = ?";
static const char sql_details_set[] =
	"INSERT INTO patient_details (patient_id, body, version, updated, updated_by)"
	" VALUES (?1, ?2, 1, ?3, ?4) ON CONFLICT (patient_id) DO UPDATE SET body = ?2,"
	" version = patient_details.version + 1, updated = ?3, updated_by = ?4";

enum err sq_store_details_get(const struct grant *g, const struct id *patient, struct arena *a,
			      struct store_details *out)
{
	memset(out, 0, sizeof(*out));
	if (!grant_for_patient(g, patient))
		return ERR_DENIED;
	struct db_stmt *s = sq_stmt(sql_details_get);
	if (s == NULL)
		return ERR_INTERNAL;
	sq_bind_id(s, 1, patient);
	int step = db_step(s);
	enum err rc = step == DB_DONE ? ERR_NOT_FOUND : ERR_INTERNAL;
	struct id row_patient;
	/* the row's own patient, checked again */
	if (step == DB_ROW && sq_col_id(s, 0, &row_patient) && id_eq(&row_patient, patient) &&
	    sq_col_bytes(s, 1, a, &out->body)) {
		out->version = db_column_int64(s, 2);
		out->updated = db_column_int64(s, 3);
		sq_col_id(s, 4, &out->updated_by);
		rc = ERR_OK;
	}
	db_reset(s);
	return rc == ERR_INTERNAL && step != DB_ROW ? sq_fail("details_get") : rc;
}

enum err sq_store_details_set(const struct grant *g, const struct id *patient, struct bytes body,
			      int64_t now, const struct id *by)
{
	if (!grant_allows(g, patient, ACTION_DETAILS_UPDATE))
		return ERR_DENIED;
	struct db_stmt *s = sq_stmt(sql_details_set);
	if (s == NULL)
		return ERR_INTERNAL;
	sq_bind_id(s, 1, patient);
	db_bind_blob(s, 2, body.ptr, body.len);
	db_bind_int64(s, 3, now);
	sq_bind_id(s, 4, by);
	return sq_step_done(s, "details_set");
}
