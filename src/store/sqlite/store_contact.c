/* A patient's contact address and birth-date check (see src/store/contact.h). */
#include "store/contact.h"
#include "store/sqlite/store_int.h"

#include <string.h>

static const char sql_set[] =
	"INSERT INTO patient_contact (patient_id, email_index, email_ct, dob_check) VALUES (?1, ?2, ?3, ?4)"
	" ON CONFLICT(patient_id) DO UPDATE SET email_index = ?2, email_ct = ?3, dob_check = ?4";

enum err sq_store_contact_set(const struct id *patient, const struct store_contact *c)
{
	struct db_stmt *s = sq_stmt(sql_set);
	if (s == NULL)
		return ERR_INTERNAL;
	sq_bind_id(s, 1, patient);
	sq_bind_text(s, 2, c->email_index);
	db_bind_blob(s, 3, c->email_ct.ptr, c->email_ct.len);
	db_bind_blob(s, 4, c->dob_check, HASH_BYTES);
	return sq_step_done(s, "contact_set");
}

static const char sql_get[] =
	"SELECT email_index, email_ct, dob_check FROM patient_contact WHERE patient_id = ?";

enum err sq_store_contact_get(const struct id *patient, struct arena *a, struct store_contact *out)
{
	memset(out, 0, sizeof(*out));
	struct db_stmt *s = sq_stmt(sql_get);
	if (s == NULL)
		return ERR_INTERNAL;
	sq_bind_id(s, 1, patient);
	int step = db_step(s), rc = ERR_NOT_FOUND;
	if (step == DB_ROW) {
		out->email_index = sq_col_text(s, 0, a);
		bool ok = sq_col_bytes(s, 1, a, &out->email_ct) &&
			  db_column_bytes(s, 2) == HASH_BYTES && out->email_index != NULL;
		if (ok)
			memcpy(out->dob_check, db_column_blob(s, 2), HASH_BYTES);
		rc = ok ? ERR_OK : ERR_INTERNAL;
	} else if (step != DB_DONE) {
		rc = sq_fail("contact_get");
	}
	db_reset(s);
	return rc;
}

static const char sql_erase[] = "DELETE FROM patient_contact WHERE patient_id = ?";

enum err sq_store_contact_erase(const struct id *patient)
{
	struct db_stmt *s = sq_stmt(sql_erase);
	if (s == NULL)
		return ERR_INTERNAL;
	sq_bind_id(s, 1, patient);
	return sq_step_done(s, "contact_erase");
}
