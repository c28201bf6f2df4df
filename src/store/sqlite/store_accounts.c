/* Accounts: creating them, finding one by its address, locking, and the lists of a
 * patient's or a role's accounts (src/store/store.h). The account lifecycle (tokens,
 * verification, passwords) is in store_account_lifecycle.c. */
#include "store/store.h"
#include "store/sqlite/store_int.h"

#include <string.h>

#include "limits.h"

static const char sql_account_create[] =
	"INSERT INTO account (id, email, pw_hash, role, practice_id, patient_id,"
	" created, email_ct) VALUES (?, ?, ?, ?, ?, ?, unixepoch(), ?)";
static const char sql_account_by_email[] =
	"SELECT id, email, pw_hash, role, practice_id, patient_id, locked"
	" FROM account WHERE email = ?";
static const char sql_account_lock[] = "UPDATE account SET locked = 1 WHERE id = ?";
static const char sql_patient_accounts[] =
	"SELECT id, email, pw_hash, role, practice_id, patient_id, locked,"
	" email_ct FROM account WHERE patient_id = ? LIMIT 8";

enum err sq_store_account_create(const struct store_account *acct)
{
	struct db_stmt *s = sq_stmt(sql_account_create);
	sq_bind_id(s, 1, &acct->id);
	sq_bind_text(s, 2, acct->email);
	sq_bind_text(s, 3, acct->pw_hash);
	sq_bind_text(s, 4, role_name(acct->role));
	if (acct->has_practice)
		sq_bind_id(s, 5, &acct->practice);
	if (acct->has_patient)
		sq_bind_id(s, 6, &acct->patient);
	if (acct->email_ct.ptr)
		db_bind_blob(s, 7, acct->email_ct.ptr, acct->email_ct.len);
	int step = db_step(s);
	int rc = step == DB_DONE ? ERR_OK
		 : step == DB_CONSTRAINT ? ERR_CONFLICT
					       : sq_fail("account_create");
	db_reset(s);
	return rc;
}

static enum err account_row(struct db_stmt *s, struct arena *a, struct store_account *out)
{
	memset(out, 0, sizeof(*out));
	sq_col_id(s, 0, &out->id);
	out->email = sq_col_text(s, 1, a);
	out->pw_hash = sq_col_text(s, 2, a);
	const char *role = sq_col_text(s, 3, a);
	out->role = role ? role_parse(role) : ROLE_NONE;
	out->has_practice = sq_col_id(s, 4, &out->practice);
	out->has_patient = sq_col_id(s, 5, &out->patient);
	out->locked = db_column_int(s, 6) != 0;
	return (out->email && out->pw_hash) ? ERR_OK : ERR_INTERNAL;
}

/* Up to max accounts (with their sealed addresses, column 7) from a bound statement into
 * out; ERR_INTERNAL when a row cannot be copied. */
static enum err account_rows(struct db_stmt *s, size_t max, struct arena *a, struct store_account *out,
			     size_t *n)
{
	while (*n < max && db_step(s) == DB_ROW) {
		if (account_row(s, a, &out[*n]) != ERR_OK || !sq_col_bytes(s, 7, a, &out[*n].email_ct))
			return ERR_INTERNAL;
		(*n)++;
	}
	return ERR_OK;
}

enum err sq_store_account_by_email(const char *email, struct arena *a, struct store_account *out)
{
	struct db_stmt *s = sq_stmt(sql_account_by_email);
	sq_bind_text(s, 1, email);
	int rc = ERR_NOT_FOUND;
	if (db_step(s) == DB_ROW)
		rc = account_row(s, a, out);
	db_reset(s);
	return rc;
}

enum err sq_store_account_lock(const struct id *account)
{
	return sq_run_id(sq_stmt(sql_account_lock), account, "account_lock");
}

static const char sql_account_lang[] = "SELECT lang FROM account WHERE id = ?";
static const char sql_account_lang_set[] = "UPDATE account SET lang = ? WHERE id = ?";

enum err sq_store_account_lang(const struct id *account, enum lang *out)
{
	struct db_stmt *s = sq_stmt(sql_account_lang);
	if (s == NULL)
		return ERR_INTERNAL;
	sq_bind_id(s, 1, account);
	int step = db_step(s);
	enum err rc = step == DB_ROW ? ERR_OK : step == DB_DONE ? ERR_NOT_FOUND
									 : sq_fail("account_lang");
	*out = LANG_EN;
	const char *code = rc == ERR_OK ? db_column_text(s, 0) : NULL;
	if (code == NULL || lang_parse(code, out) != 0)
		*out = LANG_EN;
	db_reset(s);
	return rc;
}

enum err sq_store_account_lang_set(const struct id *account, enum lang lang)
{
	struct db_stmt *s = sq_stmt(sql_account_lang_set);
	if (s == NULL)
		return ERR_INTERNAL;
	sq_bind_text(s, 1, lang_code(lang));
	sq_bind_id(s, 2, account);
	return sq_write_one(s, "account_lang_set");
}

enum err sq_store_patient_accounts(const struct id *patient, struct arena *a, struct store_account **out,
			   size_t *n)
{
	*n = 0;
	*out = arena_calloc(a, 8, sizeof(**out));
	if (*out == NULL)
		return ERR_INTERNAL;
	struct db_stmt *s = sq_stmt(sql_patient_accounts);
	sq_bind_id(s, 1, patient);
	int rc = account_rows(s, 8, a, *out, n);
	db_reset(s);
	return rc;
}

enum err sq_store_accounts_by_role(enum role role, struct arena *a, struct store_account **out, size_t *n)
{
	static const char sql[] = "SELECT id, email, pw_hash, role, practice_id, patient_id, locked,"
				  " email_ct FROM account WHERE role = ? AND locked = 0 LIMIT 20";
	*n = 0;
	*out = arena_calloc(a, 20, sizeof(**out));
	struct db_stmt *s = sq_stmt_fresh(SQ_MAIN, sql);
	if (*out == NULL || s == NULL) {
		db_finalize(s);
		return sq_fail("accounts_by_role");
	}
	sq_bind_text(s, 1, role_name(role));
	int rc = account_rows(s, 20, a, *out, n);
	db_finalize(s);
	return rc;
}
