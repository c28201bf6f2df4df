/*
 * SQLite back-end of src/store/store.h.
 *
 * WAL mode, one connection per thread (libmicrohttpd calls us from a pool of threads, and the
 * audit writer has its own thread), each opened in defensive mode with tightened limits and
 * every statement prepared once per connection and bound, never built from strings. WAL lets
 * readers run beside the one writer. synchronous=FULL: an acknowledged audit row survives a
 * power cut (invariant 3).
 */
#include "store/store.h"

#include <pthread.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "limits.h"
#include "util/log.h"

static char db_path[4096];
static char audit_path[4096];

/* One connection to each file and their prepared statements; all of them are listed so
 * store_close can finish them, whichever thread opened them. */
struct conn {
	sqlite3 *db;
	sqlite3 *adb;
	sqlite3_stmt *stmts[64];
	struct conn *next;
};
static pthread_mutex_t conns_lock = PTHREAD_MUTEX_INITIALIZER;
static struct conn *conns;
static _Thread_local struct conn *thread_conn;

/* Migrations, in order; schema_version holds how many have run. Never edit a shipped one. */
static const char *const migrations[] = {
	"CREATE TABLE practice (id BLOB PRIMARY KEY, name TEXT NOT NULL, created INTEGER NOT NULL);"
	"CREATE TABLE account (id BLOB PRIMARY KEY, email TEXT NOT NULL UNIQUE, pw_hash TEXT NOT NULL,"
	" role TEXT NOT NULL, practice_id BLOB REFERENCES practice(id), patient_id BLOB,"
	" created INTEGER NOT NULL);"
	"CREATE TABLE patient (id BLOB PRIMARY KEY, nhi_index BLOB NOT NULL UNIQUE,"
	" wrapped_key BLOB NOT NULL, phi BLOB NOT NULL, created INTEGER NOT NULL);"
	"CREATE TABLE enrolment (patient_id BLOB NOT NULL REFERENCES patient(id),"
	" practice_id BLOB NOT NULL REFERENCES practice(id), since INTEGER NOT NULL,"
	" PRIMARY KEY (patient_id, practice_id)) WITHOUT ROWID;"
	"CREATE INDEX enrolment_by_practice ON enrolment(practice_id);"
	"CREATE TABLE document (id BLOB PRIMARY KEY, patient_id BLOB NOT NULL REFERENCES patient(id),"
	" author_id BLOB NOT NULL, kind TEXT NOT NULL, content_type TEXT NOT NULL,"
	" size INTEGER NOT NULL, created INTEGER NOT NULL, wrapped_key BLOB NOT NULL,"
	" meta BLOB NOT NULL, body BLOB NOT NULL);"
	"CREATE INDEX document_by_patient ON document(patient_id, created);"
	"CREATE TABLE session (token_hash BLOB PRIMARY KEY, id BLOB NOT NULL,"
	" account_id BLOB NOT NULL REFERENCES account(id), csrf TEXT NOT NULL,"
	" created INTEGER NOT NULL, last_seen INTEGER NOT NULL) WITHOUT ROWID;"
	"CREATE TABLE throttle (key TEXT PRIMARY KEY, failures INTEGER NOT NULL,"
	" window_start INTEGER NOT NULL, blocked_until INTEGER NOT NULL) WITHOUT ROWID;",
	/* 2: the breaker locks accounts pending review */
	"ALTER TABLE account ADD COLUMN locked INTEGER NOT NULL DEFAULT 0;"
	"CREATE INDEX session_by_account ON session(account_id);",
	/* 3: account.email holds a blind index; the address itself is sealed here */
	"ALTER TABLE account ADD COLUMN email_ct BLOB;",
	/* 4: incident notices to patients, and the email outbox */
	"CREATE TABLE notice (id BLOB PRIMARY KEY, patient_id BLOB NOT NULL REFERENCES patient(id),"
	" reference TEXT NOT NULL UNIQUE, created INTEGER NOT NULL, body BLOB NOT NULL);"
	"CREATE INDEX notice_by_patient ON notice(patient_id, created);"
	"CREATE TABLE outbox (id BLOB PRIMARY KEY, account_id BLOB NOT NULL, to_ct BLOB NOT NULL,"
	" subject TEXT NOT NULL, body TEXT NOT NULL, created INTEGER NOT NULL, sent INTEGER);",
	/* 5: second factor */
	"ALTER TABLE account ADD COLUMN totp_ct BLOB;"
	"ALTER TABLE account ADD COLUMN totp_pending_ct BLOB;"
	"ALTER TABLE account ADD COLUMN totp_last_step INTEGER NOT NULL DEFAULT 0;"
	"ALTER TABLE session ADD COLUMN mfa INTEGER NOT NULL DEFAULT 0;"
	"CREATE TABLE recovery_code (account_id BLOB NOT NULL REFERENCES account(id), idx INTEGER NOT NULL,"
	" hash BLOB NOT NULL, used INTEGER, PRIMARY KEY (account_id, idx)) WITHOUT ROWID;",
};

/*
 * The audit trail has a database file of its own (audit.db): it is appended to on every
 * access, and a commit to a file makes every other connection to that file drop its page
 * cache. Kept apart, the records the portal reads stay cached.
 */
static const char *const audit_migrations[] = {
	"CREATE TABLE audit (seq INTEGER PRIMARY KEY, ts_ms INTEGER NOT NULL, actor TEXT NOT NULL,"
	" session TEXT NOT NULL, ip TEXT NOT NULL, action TEXT NOT NULL, patient TEXT NOT NULL,"
	" rtype TEXT NOT NULL, rid TEXT NOT NULL, outcome TEXT NOT NULL, bytes INTEGER NOT NULL,"
	" prev BLOB NOT NULL, hash BLOB NOT NULL);",
};

enum stmt_id {
	S_PRACTICE_CREATE,
	S_PRACTICE_NAME,
	S_ACCOUNT_CREATE,
	S_ACCOUNT_BY_EMAIL,
	S_ACCOUNT_BY_ID,
	S_ACCOUNT_LOCK,
	S_SESSIONS_REVOKE,
	S_SESSION_CREATE,
	S_SESSION_GET,
	S_SESSION_TOUCH,
	S_SESSION_DELETE,
	S_THROTTLE_GET,
	S_THROTTLE_UPSERT,
	S_THROTTLE_CLEAR,
	S_PATIENT_EXISTS,
	S_ENROLMENTS,
	S_DOCUMENT_TARGET,
	S_PRACTICE_PATIENTS,
	S_PATIENT_BY_INDEX,
	S_PATIENT_CREATE,
	S_ENROL,
	S_PATIENT_GET,
	S_DOCUMENT_INSERT,
	S_DOCUMENT_LIST,
	S_DOCUMENT_GET,
	S_MFA_GET,
	S_MFA_RECOVERY,
	S_MFA_PENDING,
	S_MFA_ENABLE,
	S_MFA_ENABLE_WITH,
	S_MFA_STEP,
	S_MFA_RECOVERY_CLEAR,
	S_MFA_RECOVERY_ADD,
	S_MFA_RECOVERY_USE,
	S_NOTICE_INSERT,
	S_NOTICE_LIST,
	S_PATIENT_ACCOUNTS,
	S_OUTBOX_INSERT,
	S_AUDIT_LAST,
	S_AUDIT_INSERT,
	S_AUDIT_EACH,
	S_AUDIT_BEGIN,
	S_AUDIT_COMMIT,
	S_AUDIT_ROLLBACK,
	S_BEGIN,
	S_COMMIT,
	S_ROLLBACK,
	S_COUNT
};

/* Statements S_AUDIT_LAST .. S_AUDIT_ROLLBACK run on the audit file. */
static bool on_audit_db(int i)
{
	return i >= S_AUDIT_LAST && i <= S_AUDIT_ROLLBACK;
}

static const char *const stmt_sql[S_COUNT] = {
	[S_PRACTICE_CREATE] = "INSERT INTO practice (id, name, created) VALUES (?, ?, unixepoch())",
	[S_PRACTICE_NAME] = "SELECT name FROM practice WHERE id = ?",
	[S_ACCOUNT_CREATE] = "INSERT INTO account (id, email, pw_hash, role, practice_id, patient_id,"
			     " created, email_ct) VALUES (?, ?, ?, ?, ?, ?, unixepoch(), ?)",
	[S_ACCOUNT_BY_EMAIL] = "SELECT id, email, pw_hash, role, practice_id, patient_id, locked"
			       " FROM account WHERE email = ?",
	[S_ACCOUNT_BY_ID] = "SELECT id, email, pw_hash, role, practice_id, patient_id, locked"
			    " FROM account WHERE id = ?",
	[S_ACCOUNT_LOCK] = "UPDATE account SET locked = 1 WHERE id = ?",
	[S_SESSIONS_REVOKE] = "DELETE FROM session WHERE account_id = ?",
	[S_SESSION_CREATE] = "INSERT INTO session (token_hash, id, account_id, csrf, created,"
			     " last_seen, mfa) VALUES (?, ?, ?, ?, ?, ?, ?)",
	[S_SESSION_GET] = "SELECT s.id, s.account_id, s.csrf, s.created, s.last_seen, a.role,"
			  " a.practice_id, a.patient_id, s.mfa, a.totp_ct IS NOT NULL"
			  " FROM session s JOIN account a ON a.id = s.account_id"
			  " WHERE s.token_hash = ? AND a.locked = 0",
	[S_SESSION_TOUCH] = "UPDATE session SET last_seen = ? WHERE token_hash = ?",
	[S_SESSION_DELETE] = "DELETE FROM session WHERE token_hash = ?",
	[S_THROTTLE_GET] = "SELECT failures, window_start, blocked_until FROM throttle WHERE key = ?",
	[S_THROTTLE_UPSERT] =
		"INSERT INTO throttle (key, failures, window_start, blocked_until) VALUES (?1, 1, ?2, 0)"
		" ON CONFLICT(key) DO UPDATE SET"
		" failures = CASE WHEN window_start + ?3 < ?2 THEN 1 ELSE failures + 1 END,"
		" window_start = CASE WHEN window_start + ?3 < ?2 THEN ?2 ELSE window_start END,"
		" blocked_until = CASE WHEN window_start + ?3 >= ?2 AND failures + 1 >= ?4"
		"  THEN ?2 + ?5 ELSE blocked_until END",
	[S_THROTTLE_CLEAR] = "DELETE FROM throttle WHERE key = ?",
	[S_PATIENT_EXISTS] = "SELECT 1 FROM patient WHERE id = ?",
	[S_ENROLMENTS] = "SELECT practice_id FROM enrolment WHERE patient_id = ? ORDER BY since LIMIT 8",
	[S_DOCUMENT_TARGET] = "SELECT d.patient_id, e.practice_id FROM document d"
			      " LEFT JOIN enrolment e ON e.patient_id = d.patient_id WHERE d.id = ?"
			      " ORDER BY e.since LIMIT 8",
	[S_PRACTICE_PATIENTS] = "SELECT patient_id FROM enrolment WHERE practice_id = ?"
				" ORDER BY since, patient_id LIMIT ?",
	[S_PATIENT_BY_INDEX] = "SELECT id FROM patient WHERE nhi_index = ?",
	[S_PATIENT_CREATE] = "INSERT INTO patient (id, nhi_index, wrapped_key, phi, created)"
			     " VALUES (?, ?, ?, ?, unixepoch())",
	[S_ENROL] = "INSERT INTO enrolment (patient_id, practice_id, since) VALUES (?, ?, unixepoch())",
	[S_PATIENT_GET] = "SELECT wrapped_key, phi, created FROM patient WHERE id = ?",
	[S_DOCUMENT_INSERT] = "INSERT INTO document (id, patient_id, author_id, kind, content_type,"
			      " size, created, wrapped_key, meta, body)"
			      " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
	[S_DOCUMENT_LIST] = "SELECT id, author_id, kind, content_type, size, created, wrapped_key,"
			    " meta FROM document WHERE patient_id = ? ORDER BY created DESC, id LIMIT ?",
	[S_DOCUMENT_GET] = "SELECT d.patient_id, d.author_id, d.kind, d.content_type, d.size,"
			   " d.created, d.wrapped_key, d.meta, CASE WHEN ?2 THEN d.body ELSE NULL END,"
			   " p.wrapped_key, p.phi, p.created"
			   " FROM document d JOIN patient p ON p.id = d.patient_id WHERE d.id = ?1",
	[S_MFA_GET] = "SELECT totp_ct, totp_pending_ct, totp_last_step FROM account WHERE id = ?",
	[S_MFA_RECOVERY] = "SELECT idx, hash FROM recovery_code WHERE account_id = ? AND used IS NULL"
			   " ORDER BY idx LIMIT 10",
	[S_MFA_PENDING] = "UPDATE account SET totp_pending_ct = ? WHERE id = ?",
	[S_MFA_ENABLE] = "UPDATE account SET totp_ct = totp_pending_ct, totp_pending_ct = NULL,"
			 " totp_last_step = ?2 WHERE id = ?1 AND totp_pending_ct IS NOT NULL",
	[S_MFA_ENABLE_WITH] = "UPDATE account SET totp_ct = ?3, totp_pending_ct = NULL,"
			      " totp_last_step = ?2 WHERE id = ?1",
	[S_MFA_STEP] = "UPDATE account SET totp_last_step = ?2 WHERE id = ?1 AND totp_last_step < ?2",
	[S_MFA_RECOVERY_CLEAR] = "DELETE FROM recovery_code WHERE account_id = ?",
	[S_MFA_RECOVERY_ADD] = "INSERT INTO recovery_code (account_id, idx, hash) VALUES (?, ?, ?)",
	[S_MFA_RECOVERY_USE] = "UPDATE recovery_code SET used = unixepoch() WHERE account_id = ? AND"
			       " idx = ? AND used IS NULL",
	[S_NOTICE_INSERT] = "INSERT INTO notice (id, patient_id, reference, created, body)"
			    " VALUES (?, ?, ?, ?, ?)",
	[S_NOTICE_LIST] = "SELECT id, reference, created, body FROM notice WHERE patient_id = ?"
			  " ORDER BY created DESC LIMIT 100",
	[S_PATIENT_ACCOUNTS] = "SELECT id, email, pw_hash, role, practice_id, patient_id, locked,"
			       " email_ct FROM account WHERE patient_id = ? LIMIT 8",
	[S_OUTBOX_INSERT] = "INSERT INTO outbox (id, account_id, to_ct, subject, body, created)"
			    " VALUES (?, ?, ?, ?, ?, unixepoch())",
	[S_AUDIT_LAST] = "SELECT seq, hash FROM audit ORDER BY seq DESC LIMIT 1",
	[S_AUDIT_INSERT] = "INSERT INTO audit (seq, ts_ms, actor, session, ip, action, patient,"
			   " rtype, rid, outcome, bytes, prev, hash)"
			   " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
	[S_AUDIT_EACH] = "SELECT seq, ts_ms, actor, session, ip, action, patient, rtype, rid, outcome,"
			 " bytes, prev, hash FROM audit ORDER BY seq",
	[S_AUDIT_BEGIN] = "BEGIN IMMEDIATE",
	[S_AUDIT_COMMIT] = "COMMIT",
	[S_AUDIT_ROLLBACK] = "ROLLBACK",
	[S_BEGIN] = "BEGIN IMMEDIATE",
	[S_COMMIT] = "COMMIT",
	[S_ROLLBACK] = "ROLLBACK",
};

_Static_assert(S_COUNT <= 64, "room for every statement");

static int conn_setup(sqlite3 *db);

/* This thread's connection, opened on first use; NULL when it cannot be opened. */
static struct conn *conn_get(void)
{
	if (thread_conn != NULL)
		return thread_conn;
	if (db_path[0] == '\0')
		return NULL;
	struct conn *c = calloc(1, sizeof(*c));
	if (c == NULL)
		return NULL;
	int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX;
	if (sqlite3_open_v2(db_path, &c->db, flags, NULL) != SQLITE_OK || conn_setup(c->db) != STORE_OK ||
	    sqlite3_open_v2(audit_path, &c->adb, flags, NULL) != SQLITE_OK ||
	    conn_setup(c->adb) != STORE_OK) {
		log_warn("component=store error=\"cannot open a connection\"");
		sqlite3_close(c->db);
		sqlite3_close(c->adb);
		free(c);
		return NULL;
	}
	for (int i = 0; i < S_COUNT; i++) {
		sqlite3 *db = on_audit_db(i) ? c->adb : c->db;
		if (sqlite3_prepare_v3(db, stmt_sql[i], -1, SQLITE_PREPARE_PERSISTENT, &c->stmts[i],
				       NULL) != SQLITE_OK) {
			log_warn("component=store op=prepare error=\"%s\"", sqlite3_errmsg(db));
			for (int j = 0; j < i; j++)
				sqlite3_finalize(c->stmts[j]);
			sqlite3_close(c->db);
			sqlite3_close(c->adb);
			free(c);
			return NULL;
		}
	}
	pthread_mutex_lock(&conns_lock);
	c->next = conns;
	conns = c;
	pthread_mutex_unlock(&conns_lock);
	thread_conn = c;
	return c;
}

/* A reset statement of this thread's connection; NULL (which SQLite treats as a misuse and
 * answers with an error, never a crash) when there is no connection. */
static sqlite3_stmt *stmt(enum stmt_id i)
{
	struct conn *c = conn_get();
	if (c == NULL)
		return NULL;
	sqlite3_reset(c->stmts[i]);
	sqlite3_clear_bindings(c->stmts[i]);
	return c->stmts[i];
}

static int db_fail(const char *what)
{
	struct conn *c = thread_conn;
	log_warn("component=store op=%s error=\"%s\"", what, c ? sqlite3_errmsg(c->db) : "no db");
	return STORE_ERROR;
}

static int exec_on(sqlite3 *db, const char *sql)
{
	char *err = NULL;
	if (sqlite3_exec(db, sql, NULL, NULL, &err) != SQLITE_OK) {
		log_warn("component=store op=exec error=\"%s\"", err ? err : "?");
		sqlite3_free(err);
		return STORE_ERROR;
	}
	return STORE_OK;
}

static int conn_setup(sqlite3 *db)
{
	sqlite3_db_config(db, SQLITE_DBCONFIG_DEFENSIVE, 1, NULL);
	sqlite3_db_config(db, SQLITE_DBCONFIG_TRUSTED_SCHEMA, 0, NULL);
	sqlite3_limit(db, SQLITE_LIMIT_LENGTH, 64 * 1024 * 1024);
	sqlite3_limit(db, SQLITE_LIMIT_SQL_LENGTH, 64 * 1024);
	sqlite3_limit(db, SQLITE_LIMIT_ATTACHED, 0);
	sqlite3_busy_timeout(db, 10000);
	/* 8 MB of page cache per connection. (mmap measured slower: the file grows with every audit
	 * batch, and each growth remaps.) */
	return exec_on(db, "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL; PRAGMA foreign_keys=ON;"
			   "PRAGMA secure_delete=ON; PRAGMA cache_size=-8192;");
}

static int migrate(sqlite3 *db, const char *const *steps, int total)
{
	sqlite3_stmt *s = NULL;
	if (exec_on(db, "CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL);") != 0)
		return STORE_ERROR;
	int version = 0;
	if (sqlite3_prepare_v2(db, "SELECT version FROM schema_version", -1, &s, NULL) != SQLITE_OK)
		return STORE_ERROR;
	if (sqlite3_step(s) == SQLITE_ROW)
		version = sqlite3_column_int(s, 0);
	sqlite3_finalize(s);
	if (version > total) {
		log_warn("component=store error=\"database is newer than this binary\" version=%d", version);
		return STORE_ERROR;
	}
	for (int v = version; v < total; v++) {
		char bump[96];
		snprintf(bump, sizeof(bump),
			 "DELETE FROM schema_version; INSERT INTO schema_version VALUES (%d);", v + 1);
		if (exec_on(db, "BEGIN") != 0 || exec_on(db, steps[v]) != 0 ||
		    exec_on(db, bump) != 0 || exec_on(db, "COMMIT") != 0) {
			exec_on(db, "ROLLBACK");
			return STORE_ERROR;
		}
	}
	return STORE_OK;
}

/* Create (when asked) and migrate one database file on a connection of its own. */
static int open_file(const char *path, bool create, const char *const *steps, int total)
{
	struct stat st;
	if (!create && stat(path, &st) != 0) {
		log_warn("component=store error=\"no database; run medkeep init\"");
		return STORE_ERROR;
	}
	sqlite3 *db = NULL;
	int flags = SQLITE_OPEN_READWRITE | (create ? SQLITE_OPEN_CREATE : 0);
	mode_t old = umask(077);
	int rc = sqlite3_open_v2(path, &db, flags, NULL);
	umask(old);
	if (rc != SQLITE_OK || conn_setup(db) != STORE_OK || migrate(db, steps, total) != STORE_OK) {
		log_warn("component=store error=\"cannot open or migrate a database file\"");
		sqlite3_close(db);
		return STORE_ERROR;
	}
	sqlite3_close(db);
	return STORE_OK;
}

int store_open(const char *dir, bool create)
{
	char path[sizeof(db_path)], apath[sizeof(audit_path)];
	if ((size_t)snprintf(path, sizeof(path), "%s/medkeep.db", dir) >= sizeof(path) ||
	    (size_t)snprintf(apath, sizeof(apath), "%s/audit.db", dir) >= sizeof(apath))
		return STORE_ERROR;
	if (open_file(path, create, migrations, (int)(sizeof(migrations) / sizeof(*migrations))) !=
		    STORE_OK ||
	    open_file(apath, create, audit_migrations,
		      (int)(sizeof(audit_migrations) / sizeof(*audit_migrations))) != STORE_OK)
		return STORE_ERROR;
	memcpy(db_path, path, sizeof(db_path));
	memcpy(audit_path, apath, sizeof(audit_path));
	return conn_get() ? STORE_OK : STORE_ERROR;
}

void store_close(void)
{
	pthread_mutex_lock(&conns_lock);
	for (struct conn *c = conns, *next; c != NULL; c = next) {
		next = c->next;
		for (int i = 0; i < S_COUNT; i++)
			sqlite3_finalize(c->stmts[i]);
		sqlite3_close(c->db);
		sqlite3_close(c->adb);
		free(c);
	}
	conns = NULL;
	thread_conn = NULL;
	db_path[0] = '\0';
	pthread_mutex_unlock(&conns_lock);
}

static int run_simple(enum stmt_id i)
{
	sqlite3_stmt *s = stmt(i);
	int rc = sqlite3_step(s) == SQLITE_DONE ? STORE_OK : db_fail("txn");
	sqlite3_reset(s);
	return rc;
}

int store_begin(void)
{
	return run_simple(S_BEGIN);
}

int store_commit(void)
{
	return run_simple(S_COMMIT);
}

/* --- binding and column helpers --- */

static void bind_id(sqlite3_stmt *s, int col, const struct id *id)
{
	sqlite3_bind_blob(s, col, id->b, ID_BYTES, SQLITE_STATIC);
}

static void bind_text(sqlite3_stmt *s, int col, const char *t)
{
	sqlite3_bind_text(s, col, t, -1, SQLITE_STATIC);
}

static bool col_id(sqlite3_stmt *s, int col, struct id *out)
{
	if (sqlite3_column_type(s, col) != SQLITE_BLOB || sqlite3_column_bytes(s, col) != ID_BYTES) {
		memset(out, 0, sizeof(*out));
		return false;
	}
	memcpy(out->b, sqlite3_column_blob(s, col), ID_BYTES);
	return true;
}

static const char *col_text(sqlite3_stmt *s, int col, struct arena *a)
{
	const unsigned char *t = sqlite3_column_text(s, col);
	return t ? arena_strndup(a, (const char *)t, (size_t)sqlite3_column_bytes(s, col)) : NULL;
}

static void col_text_fixed(sqlite3_stmt *s, int col, char *out, size_t outsz)
{
	const unsigned char *t = sqlite3_column_text(s, col);
	snprintf(out, outsz, "%s", t ? (const char *)t : "");
}

static bool col_bytes(sqlite3_stmt *s, int col, struct arena *a, struct bytes *out)
{
	int n = sqlite3_column_bytes(s, col);
	const void *p = sqlite3_column_blob(s, col);
	uint8_t *copy = arena_alloc(a, (size_t)n + 1);
	if (copy == NULL)
		return false;
	if (n > 0)
		memcpy(copy, p, (size_t)n);
	out->ptr = copy;
	out->len = (size_t)n;
	return true;
}

/* --- practices and accounts --- */

int store_practice_create(const struct id *id, const char *name)
{
	sqlite3_stmt *s = stmt(S_PRACTICE_CREATE);
	bind_id(s, 1, id);
	bind_text(s, 2, name);
	int rc = sqlite3_step(s) == SQLITE_DONE ? STORE_OK : db_fail("practice_create");
	sqlite3_reset(s);
	return rc;
}

int store_practice_name(const struct id *id, struct arena *a, const char **name)
{
	sqlite3_stmt *s = stmt(S_PRACTICE_NAME);
	bind_id(s, 1, id);
	int rc = STORE_NOT_FOUND;
	if (sqlite3_step(s) == SQLITE_ROW) {
		*name = col_text(s, 0, a);
		rc = *name ? STORE_OK : STORE_ERROR;
	}
	sqlite3_reset(s);
	return rc;
}

int store_account_create(const struct store_account *acct)
{
	sqlite3_stmt *s = stmt(S_ACCOUNT_CREATE);
	bind_id(s, 1, &acct->id);
	bind_text(s, 2, acct->email);
	bind_text(s, 3, acct->pw_hash);
	bind_text(s, 4, role_name(acct->role));
	if (acct->has_practice)
		bind_id(s, 5, &acct->practice);
	if (acct->has_patient)
		bind_id(s, 6, &acct->patient);
	if (acct->email_ct.ptr)
		sqlite3_bind_blob(s, 7, acct->email_ct.ptr, (int)acct->email_ct.len, SQLITE_STATIC);
	int step = sqlite3_step(s);
	int rc = step == SQLITE_DONE ? STORE_OK
		 : step == SQLITE_CONSTRAINT ? STORE_CONFLICT
					       : db_fail("account_create");
	sqlite3_reset(s);
	return rc;
}

static int account_row(sqlite3_stmt *s, struct arena *a, struct store_account *out)
{
	memset(out, 0, sizeof(*out));
	col_id(s, 0, &out->id);
	out->email = col_text(s, 1, a);
	out->pw_hash = col_text(s, 2, a);
	const char *role = col_text(s, 3, a);
	out->role = role ? role_parse(role) : ROLE_NONE;
	out->has_practice = col_id(s, 4, &out->practice);
	out->has_patient = col_id(s, 5, &out->patient);
	out->locked = sqlite3_column_int(s, 6) != 0;
	return (out->email && out->pw_hash) ? STORE_OK : STORE_ERROR;
}

static int account_lookup(enum stmt_id which, const void *key, struct arena *a,
			  struct store_account *out)
{
	sqlite3_stmt *s = stmt(which);
	if (which == S_ACCOUNT_BY_EMAIL)
		bind_text(s, 1, key);
	else
		bind_id(s, 1, key);
	int rc = STORE_NOT_FOUND;
	if (sqlite3_step(s) == SQLITE_ROW)
		rc = account_row(s, a, out);
	sqlite3_reset(s);
	return rc;
}

int store_account_by_email(const char *email, struct arena *a, struct store_account *out)
{
	return account_lookup(S_ACCOUNT_BY_EMAIL, email, a, out);
}

int store_account_by_id(const struct id *id, struct arena *a, struct store_account *out)
{
	return account_lookup(S_ACCOUNT_BY_ID, id, a, out);
}

static int run_with_id(enum stmt_id which, const struct id *id, const char *what)
{
	sqlite3_stmt *s = stmt(which);
	bind_id(s, 1, id);
	int rc = sqlite3_step(s) == SQLITE_DONE ? STORE_OK : db_fail(what);
	sqlite3_reset(s);
	return rc;
}

int store_account_lock(const struct id *account)
{
	return run_with_id(S_ACCOUNT_LOCK, account, "account_lock");
}

int store_sessions_revoke(const struct id *account)
{
	return run_with_id(S_SESSIONS_REVOKE, account, "sessions_revoke");
}

/* --- sessions --- */

int store_session_create(const uint8_t token_hash[HASH_BYTES], const struct store_session *ses)
{
	sqlite3_stmt *s = stmt(S_SESSION_CREATE);
	sqlite3_bind_blob(s, 1, token_hash, HASH_BYTES, SQLITE_STATIC);
	bind_id(s, 2, &ses->id);
	bind_id(s, 3, &ses->account);
	bind_text(s, 4, ses->csrf);
	sqlite3_bind_int64(s, 5, ses->created);
	sqlite3_bind_int64(s, 6, ses->last_seen);
	sqlite3_bind_int(s, 7, ses->mfa ? 1 : 0);
	int rc = sqlite3_step(s) == SQLITE_DONE ? STORE_OK : db_fail("session_create");
	sqlite3_reset(s);
	return rc;
}

int store_session_get(const uint8_t token_hash[HASH_BYTES], struct store_session *out)
{
	sqlite3_stmt *s = stmt(S_SESSION_GET);
	sqlite3_bind_blob(s, 1, token_hash, HASH_BYTES, SQLITE_STATIC);
	int rc = STORE_NOT_FOUND;
	if (sqlite3_step(s) == SQLITE_ROW) {
		col_id(s, 0, &out->id);
		col_id(s, 1, &out->account);
		col_text_fixed(s, 2, out->csrf, sizeof(out->csrf));
		out->created = sqlite3_column_int64(s, 3);
		out->last_seen = sqlite3_column_int64(s, 4);
		const unsigned char *role = sqlite3_column_text(s, 5);
		out->role = role ? role_parse((const char *)role) : ROLE_NONE;
		out->has_practice = col_id(s, 6, &out->practice);
		out->has_patient = col_id(s, 7, &out->patient);
		out->mfa = sqlite3_column_int(s, 8) != 0;
		out->mfa_enrolled = sqlite3_column_int(s, 9) != 0;
		rc = STORE_OK;
	}
	sqlite3_reset(s);
	return rc;
}

int store_session_touch(const uint8_t token_hash[HASH_BYTES], int64_t now)
{
	sqlite3_stmt *s = stmt(S_SESSION_TOUCH);
	sqlite3_bind_int64(s, 1, now);
	sqlite3_bind_blob(s, 2, token_hash, HASH_BYTES, SQLITE_STATIC);
	int rc = sqlite3_step(s) == SQLITE_DONE ? STORE_OK : db_fail("session_touch");
	sqlite3_reset(s);
	return rc;
}

int store_session_delete(const uint8_t token_hash[HASH_BYTES])
{
	sqlite3_stmt *s = stmt(S_SESSION_DELETE);
	sqlite3_bind_blob(s, 1, token_hash, HASH_BYTES, SQLITE_STATIC);
	int rc = sqlite3_step(s) == SQLITE_DONE ? STORE_OK : db_fail("session_delete");
	sqlite3_reset(s);
	return rc;
}

/* --- throttling --- */

int store_throttle_get(const char *key, int64_t now, int64_t window, int *failures,
		       int64_t *blocked_until)
{
	sqlite3_stmt *s = stmt(S_THROTTLE_GET);
	bind_text(s, 1, key);
	*failures = 0;
	*blocked_until = 0;
	if (sqlite3_step(s) == SQLITE_ROW) {
		int64_t start = sqlite3_column_int64(s, 1);
		if (start + window >= now)
			*failures = sqlite3_column_int(s, 0);
		*blocked_until = sqlite3_column_int64(s, 2);
	}
	sqlite3_reset(s);
	return STORE_OK;
}

int store_throttle_fail(const char *key, int64_t now, int64_t window, int block_after,
			int64_t block_seconds)
{
	sqlite3_stmt *s = stmt(S_THROTTLE_UPSERT);
	bind_text(s, 1, key);
	sqlite3_bind_int64(s, 2, now);
	sqlite3_bind_int64(s, 3, window);
	sqlite3_bind_int(s, 4, block_after);
	sqlite3_bind_int64(s, 5, block_seconds);
	int rc = sqlite3_step(s) == SQLITE_DONE ? STORE_OK : db_fail("throttle_fail");
	sqlite3_reset(s);
	return rc;
}

int store_throttle_clear(const char *key)
{
	sqlite3_stmt *s = stmt(S_THROTTLE_CLEAR);
	bind_text(s, 1, key);
	int rc = sqlite3_step(s) == SQLITE_DONE ? STORE_OK : db_fail("throttle_clear");
	sqlite3_reset(s);
	return rc;
}

/* --- unscoped metadata --- */

int store_patient_target(const struct id *patient, struct target *out)
{
	memset(out, 0, sizeof(*out));
	out->patient = *patient;
	sqlite3_stmt *s = stmt(S_PATIENT_EXISTS);
	bind_id(s, 1, patient);
	out->exists = sqlite3_step(s) == SQLITE_ROW;
	sqlite3_reset(s);
	if (out->exists) {
		s = stmt(S_ENROLMENTS);
		bind_id(s, 1, patient);
		while (out->n_practices < TARGET_MAX_PRACTICES && sqlite3_step(s) == SQLITE_ROW)
			if (col_id(s, 0, &out->practices[out->n_practices]))
				out->n_practices++;
		sqlite3_reset(s);
	}
	return out->exists ? STORE_OK : STORE_NOT_FOUND;
}

int store_document_target(const struct id *document, struct target *out)
{
	memset(out, 0, sizeof(*out));
	sqlite3_stmt *s = stmt(S_DOCUMENT_TARGET);
	bind_id(s, 1, document);
	while (sqlite3_step(s) == SQLITE_ROW) {
		if (!out->exists) {
			out->exists = col_id(s, 0, &out->patient);
			if (!out->exists)
				break;
		}
		if (out->n_practices < TARGET_MAX_PRACTICES &&
		    col_id(s, 1, &out->practices[out->n_practices]))
			out->n_practices++;
	}
	sqlite3_reset(s);
	return out->exists ? STORE_OK : STORE_NOT_FOUND;
}

int store_practice_patient_ids(const struct id *practice, struct arena *a, struct id **ids,
			       size_t *n)
{
	*n = 0;
	*ids = arena_calloc(a, LIMIT_LIST, sizeof(struct id));
	if (*ids == NULL)
		return STORE_ERROR;
	sqlite3_stmt *s = stmt(S_PRACTICE_PATIENTS);
	bind_id(s, 1, practice);
	sqlite3_bind_int(s, 2, LIMIT_LIST);
	while (*n < LIMIT_LIST && sqlite3_step(s) == SQLITE_ROW)
		if (col_id(s, 0, &(*ids)[*n]))
			(*n)++;
	sqlite3_reset(s);
	return STORE_OK;
}

int store_patient_by_index(const uint8_t nhi_index[HASH_BYTES], struct id *patient)
{
	sqlite3_stmt *s = stmt(S_PATIENT_BY_INDEX);
	sqlite3_bind_blob(s, 1, nhi_index, HASH_BYTES, SQLITE_STATIC);
	int rc = STORE_NOT_FOUND;
	if (sqlite3_step(s) == SQLITE_ROW && col_id(s, 0, patient))
		rc = STORE_OK;
	sqlite3_reset(s);
	return rc;
}

/* --- patient-scoped --- */

int store_patient_create(const struct id *id, const struct id *practice,
			 const uint8_t nhi_index[HASH_BYTES], struct bytes wrapped_key,
			 struct bytes phi)
{
	sqlite3_stmt *s = stmt(S_PATIENT_CREATE);
	bind_id(s, 1, id);
	sqlite3_bind_blob(s, 2, nhi_index, HASH_BYTES, SQLITE_STATIC);
	sqlite3_bind_blob(s, 3, wrapped_key.ptr, (int)wrapped_key.len, SQLITE_STATIC);
	sqlite3_bind_blob(s, 4, phi.ptr, (int)phi.len, SQLITE_STATIC);
	int step = sqlite3_step(s);
	sqlite3_reset(s);
	int rc = step == SQLITE_DONE ? STORE_OK
		 : step == SQLITE_CONSTRAINT ? STORE_CONFLICT
					       : db_fail("patient_create");
	if (rc == STORE_OK && practice != NULL) {
		s = stmt(S_ENROL);
		bind_id(s, 1, id);
		bind_id(s, 2, practice);
		rc = sqlite3_step(s) == SQLITE_DONE ? STORE_OK : db_fail("enrol");
		sqlite3_reset(s);
	}
	return rc;
}

int store_patient_get(const struct grant *g, const struct id *patient, struct arena *a,
		      struct store_patient *out)
{
	if (!grant_for_patient(g, patient))
		return STORE_DENIED;
	sqlite3_stmt *s = stmt(S_PATIENT_GET);
	bind_id(s, 1, patient);
	int rc = STORE_NOT_FOUND;
	if (sqlite3_step(s) == SQLITE_ROW) {
		out->id = *patient;
		rc = col_bytes(s, 0, a, &out->wrapped_key) && col_bytes(s, 1, a, &out->phi)
			     ? STORE_OK
			     : STORE_ERROR;
		out->created = sqlite3_column_int64(s, 2);
	}
	sqlite3_reset(s);
	return rc;
}

int store_document_insert(const struct grant *g, const struct store_document *d)
{
	if (!grant_allows(g, &d->patient, ACTION_DOCUMENT_CREATE))
		return STORE_DENIED;
	sqlite3_stmt *s = stmt(S_DOCUMENT_INSERT);
	bind_id(s, 1, &d->id);
	bind_id(s, 2, &d->patient);
	bind_id(s, 3, &d->author);
	bind_text(s, 4, d->kind);
	bind_text(s, 5, d->content_type);
	sqlite3_bind_int64(s, 6, d->size);
	sqlite3_bind_int64(s, 7, d->created);
	sqlite3_bind_blob(s, 8, d->wrapped_key.ptr, (int)d->wrapped_key.len, SQLITE_STATIC);
	sqlite3_bind_blob(s, 9, d->meta.ptr, (int)d->meta.len, SQLITE_STATIC);
	sqlite3_bind_blob64(s, 10, d->body.ptr, d->body.len, SQLITE_STATIC);
	int rc = sqlite3_step(s) == SQLITE_DONE ? STORE_OK : db_fail("document_insert");
	sqlite3_reset(s);
	return rc;
}

static bool document_row(sqlite3_stmt *s, int first, struct arena *a, struct store_document *d)
{
	col_id(s, first, &d->author);
	col_text_fixed(s, first + 1, d->kind, sizeof(d->kind));
	col_text_fixed(s, first + 2, d->content_type, sizeof(d->content_type));
	d->size = sqlite3_column_int64(s, first + 3);
	d->created = sqlite3_column_int64(s, first + 4);
	return col_bytes(s, first + 5, a, &d->wrapped_key) && col_bytes(s, first + 6, a, &d->meta);
}

int store_document_list(const struct grant *g, const struct id *patient, struct arena *a,
			struct store_document **docs, size_t *n)
{
	*n = 0;
	if (!grant_allows(g, patient, ACTION_DOCUMENT_LIST))
		return STORE_DENIED;
	*docs = arena_calloc(a, LIMIT_LIST, sizeof(struct store_document));
	if (*docs == NULL)
		return STORE_ERROR;
	int rc = STORE_OK;
	sqlite3_stmt *s = stmt(S_DOCUMENT_LIST);
	bind_id(s, 1, patient);
	sqlite3_bind_int(s, 2, LIMIT_LIST);
	while (*n < LIMIT_LIST && sqlite3_step(s) == SQLITE_ROW) {
		struct store_document *d = &(*docs)[*n];
		col_id(s, 0, &d->id);
		d->patient = *patient;
		if (!document_row(s, 1, a, d)) {
			rc = STORE_ERROR;
			break;
		}
		(*n)++;
	}
	sqlite3_reset(s);
	return rc;
}

int store_document_get(const struct grant *g, const struct id *document, bool with_body,
		       struct arena *a, struct store_document *out, struct store_patient *patient)
{
	memset(out, 0, sizeof(*out));
	if (g == NULL)
		return STORE_DENIED;
	sqlite3_stmt *s = stmt(S_DOCUMENT_GET);
	bind_id(s, 1, document);
	sqlite3_bind_int(s, 2, with_body ? 1 : 0);
	int rc = STORE_NOT_FOUND;
	if (sqlite3_step(s) == SQLITE_ROW) {
		col_id(s, 0, &out->patient);
		out->id = *document;
		/* The grant must be for this document's own patient: checked on the row itself. */
		if (!grant_allows(g, &out->patient, ACTION_DOCUMENT_READ))
			rc = STORE_DENIED;
		else if (!document_row(s, 1, a, out) || (with_body && !col_bytes(s, 8, a, &out->body)))
			rc = STORE_ERROR;
		else
			rc = STORE_OK;
		if (rc == STORE_OK && patient != NULL) {
			patient->id = out->patient;
			patient->created = sqlite3_column_int64(s, 11);
			if (!col_bytes(s, 9, a, &patient->wrapped_key) || !col_bytes(s, 10, a, &patient->phi))
				rc = STORE_ERROR;
		}
	}
	sqlite3_reset(s);
	if (rc != STORE_OK)
		memset(out, 0, sizeof(*out));
	return rc;
}

/* --- second factor --- */

int store_mfa_get(const struct id *account, struct arena *a, struct store_mfa *out)
{
	memset(out, 0, sizeof(*out));
	sqlite3_stmt *s = stmt(S_MFA_GET);
	bind_id(s, 1, account);
	int rc = STORE_NOT_FOUND;
	if (sqlite3_step(s) == SQLITE_ROW) {
		rc = (col_bytes(s, 0, a, &out->totp) && col_bytes(s, 1, a, &out->totp_pending))
			     ? STORE_OK
			     : STORE_ERROR;
		out->last_step = sqlite3_column_int64(s, 2);
	}
	sqlite3_reset(s);
	if (rc != STORE_OK)
		return rc;
	s = stmt(S_MFA_RECOVERY);
	bind_id(s, 1, account);
	while (out->n_recovery < 10 && sqlite3_step(s) == SQLITE_ROW) {
		if (sqlite3_column_bytes(s, 1) != HASH_BYTES)
			continue;
		out->recovery_index[out->n_recovery] = sqlite3_column_int(s, 0);
		memcpy(out->recovery[out->n_recovery], sqlite3_column_blob(s, 1), HASH_BYTES);
		out->n_recovery++;
	}
	sqlite3_reset(s);
	return STORE_OK;
}

int store_mfa_set_pending(const struct id *account, struct bytes sealed)
{
	sqlite3_stmt *s = stmt(S_MFA_PENDING);
	sqlite3_bind_blob(s, 1, sealed.ptr, (int)sealed.len, SQLITE_STATIC);
	bind_id(s, 2, account);
	int rc = sqlite3_step(s) == SQLITE_DONE ? STORE_OK : db_fail("mfa_pending");
	sqlite3_reset(s);
	return rc;
}

/* Run an UPDATE; STORE_CONFLICT when it changed no row. */
static int update_one(sqlite3_stmt *s, const char *what)
{
	int rc = sqlite3_step(s) == SQLITE_DONE ? STORE_OK : db_fail(what);
	if (rc == STORE_OK && sqlite3_changes(sqlite3_db_handle(s)) != 1)
		rc = STORE_CONFLICT;
	sqlite3_reset(s);
	return rc;
}

int store_mfa_enable(const struct id *account, const struct bytes *sealed, int64_t step)
{
	sqlite3_stmt *s = stmt(sealed ? S_MFA_ENABLE_WITH : S_MFA_ENABLE);
	bind_id(s, 1, account);
	sqlite3_bind_int64(s, 2, step);
	if (sealed)
		sqlite3_bind_blob(s, 3, sealed->ptr, (int)sealed->len, SQLITE_STATIC);
	return update_one(s, "mfa_enable");
}

int store_mfa_use_step(const struct id *account, int64_t step)
{
	sqlite3_stmt *s = stmt(S_MFA_STEP);
	bind_id(s, 1, account);
	sqlite3_bind_int64(s, 2, step);
	return update_one(s, "mfa_step");
}

int store_mfa_set_recovery(const struct id *account, const uint8_t (*hashes)[HASH_BYTES], size_t n)
{
	sqlite3_stmt *s = stmt(S_MFA_RECOVERY_CLEAR);
	bind_id(s, 1, account);
	int rc = sqlite3_step(s) == SQLITE_DONE ? STORE_OK : db_fail("recovery_clear");
	sqlite3_reset(s);
	for (size_t i = 0; rc == STORE_OK && i < n; i++) {
		s = stmt(S_MFA_RECOVERY_ADD);
		bind_id(s, 1, account);
		sqlite3_bind_int(s, 2, (int)i);
		sqlite3_bind_blob(s, 3, hashes[i], HASH_BYTES, SQLITE_STATIC);
		rc = sqlite3_step(s) == SQLITE_DONE ? STORE_OK : db_fail("recovery_add");
		sqlite3_reset(s);
	}
	return rc;
}

int store_mfa_use_recovery(const struct id *account, int index)
{
	sqlite3_stmt *s = stmt(S_MFA_RECOVERY_USE);
	bind_id(s, 1, account);
	sqlite3_bind_int(s, 2, index);
	return update_one(s, "recovery_use");
}

/* --- notices and outbox --- */

int store_notice_insert(const struct grant *g, const struct id *patient, const struct store_notice *n)
{
	if (!grant_for_patient(g, patient))
		return STORE_DENIED;
	sqlite3_stmt *s = stmt(S_NOTICE_INSERT);
	bind_id(s, 1, &n->id);
	bind_id(s, 2, patient);
	bind_text(s, 3, n->reference);
	sqlite3_bind_int64(s, 4, n->created);
	sqlite3_bind_blob(s, 5, n->body.ptr, (int)n->body.len, SQLITE_STATIC);
	int rc = sqlite3_step(s) == SQLITE_DONE ? STORE_OK : db_fail("notice_insert");
	sqlite3_reset(s);
	return rc;
}

int store_notice_list(const struct grant *g, const struct id *patient, struct arena *a,
		      struct store_notice **out, size_t *n)
{
	*n = 0;
	if (!grant_for_patient(g, patient))
		return STORE_DENIED;
	*out = arena_calloc(a, 100, sizeof(**out));
	if (*out == NULL)
		return STORE_ERROR;
	int rc = STORE_OK;
	sqlite3_stmt *s = stmt(S_NOTICE_LIST);
	bind_id(s, 1, patient);
	while (*n < 100 && sqlite3_step(s) == SQLITE_ROW) {
		struct store_notice *x = &(*out)[*n];
		col_id(s, 0, &x->id);
		col_text_fixed(s, 1, x->reference, sizeof(x->reference));
		x->created = sqlite3_column_int64(s, 2);
		if (!col_bytes(s, 3, a, &x->body)) {
			rc = STORE_ERROR;
			break;
		}
		(*n)++;
	}
	sqlite3_reset(s);
	return rc;
}

int store_patient_accounts(const struct id *patient, struct arena *a, struct store_account **out,
			   size_t *n)
{
	*n = 0;
	*out = arena_calloc(a, 8, sizeof(**out));
	if (*out == NULL)
		return STORE_ERROR;
	int rc = STORE_OK;
	sqlite3_stmt *s = stmt(S_PATIENT_ACCOUNTS);
	bind_id(s, 1, patient);
	while (*n < 8 && sqlite3_step(s) == SQLITE_ROW) {
		struct store_account *x = &(*out)[*n];
		if (account_row(s, a, x) != STORE_OK || !col_bytes(s, 7, a, &x->email_ct)) {
			rc = STORE_ERROR;
			break;
		}
		(*n)++;
	}
	sqlite3_reset(s);
	return rc;
}

int store_outbox_insert(const struct id *account, struct bytes to_ct, const char *subject,
			const char *body)
{
	struct id id;
	random_id(&id);
	sqlite3_stmt *s = stmt(S_OUTBOX_INSERT);
	bind_id(s, 1, &id);
	bind_id(s, 2, account);
	sqlite3_bind_blob(s, 3, to_ct.ptr, (int)to_ct.len, SQLITE_STATIC);
	bind_text(s, 4, subject);
	bind_text(s, 5, body);
	int rc = sqlite3_step(s) == SQLITE_DONE ? STORE_OK : db_fail("outbox_insert");
	sqlite3_reset(s);
	return rc;
}

/* --- audit --- */

int store_audit_last(int64_t *seq, uint8_t hash[HASH_BYTES])
{
	sqlite3_stmt *s = stmt(S_AUDIT_LAST);
	*seq = 0;
	memset(hash, 0, HASH_BYTES);
	int rc = STORE_OK;
	if (sqlite3_step(s) == SQLITE_ROW) {
		*seq = sqlite3_column_int64(s, 0);
		if (sqlite3_column_bytes(s, 1) == HASH_BYTES)
			memcpy(hash, sqlite3_column_blob(s, 1), HASH_BYTES);
		else
			rc = STORE_ERROR;
	}
	sqlite3_reset(s);
	return rc;
}

static int audit_insert_one(const struct audit_record *r)
{
	sqlite3_stmt *s = stmt(S_AUDIT_INSERT);
	sqlite3_bind_int64(s, 1, r->seq);
	sqlite3_bind_int64(s, 2, r->ts_ms);
	bind_text(s, 3, r->actor);
	bind_text(s, 4, r->session);
	bind_text(s, 5, r->ip);
	bind_text(s, 6, r->action);
	bind_text(s, 7, r->patient);
	bind_text(s, 8, r->rtype);
	bind_text(s, 9, r->rid);
	bind_text(s, 10, r->outcome);
	sqlite3_bind_int64(s, 11, r->bytes);
	sqlite3_bind_blob(s, 12, r->prev, HASH_BYTES, SQLITE_STATIC);
	sqlite3_bind_blob(s, 13, r->hash, HASH_BYTES, SQLITE_STATIC);
	int rc = sqlite3_step(s) == SQLITE_DONE ? STORE_OK : db_fail("audit_insert");
	sqlite3_reset(s);
	return rc;
}

int store_audit_insert(const struct audit_record *r)
{
	return audit_insert_one(r);
}

int store_audit_insert_batch(const struct audit_record *r, size_t n)
{
	if (run_simple(S_AUDIT_BEGIN) != STORE_OK)
		return STORE_ERROR;
	for (size_t i = 0; i < n; i++)
		if (audit_insert_one(&r[i]) != STORE_OK) {
			run_simple(S_AUDIT_ROLLBACK);
			return STORE_ERROR;
		}
	if (run_simple(S_AUDIT_COMMIT) != STORE_OK) {
		run_simple(S_AUDIT_ROLLBACK);
		return STORE_ERROR;
	}
	return STORE_OK;
}

int store_audit_each(int (*fn)(const struct audit_record *r, void *ctx), void *ctx)
{
	/* A separate statement so a long verification does not hold the shared one. */
	sqlite3_stmt *s = NULL;
	struct conn *c = conn_get();
	if (c == NULL || sqlite3_prepare_v2(c->adb, stmt_sql[S_AUDIT_EACH], -1, &s, NULL) != SQLITE_OK)
		return db_fail("audit_each");
	int rc = 0;
	struct audit_record r;
	while (rc == 0 && sqlite3_step(s) == SQLITE_ROW) {
		memset(&r, 0, sizeof(r));
		r.seq = sqlite3_column_int64(s, 0);
		r.ts_ms = sqlite3_column_int64(s, 1);
		col_text_fixed(s, 2, r.actor, sizeof(r.actor));
		col_text_fixed(s, 3, r.session, sizeof(r.session));
		col_text_fixed(s, 4, r.ip, sizeof(r.ip));
		col_text_fixed(s, 5, r.action, sizeof(r.action));
		col_text_fixed(s, 6, r.patient, sizeof(r.patient));
		col_text_fixed(s, 7, r.rtype, sizeof(r.rtype));
		col_text_fixed(s, 8, r.rid, sizeof(r.rid));
		col_text_fixed(s, 9, r.outcome, sizeof(r.outcome));
		r.bytes = sqlite3_column_int64(s, 10);
		if (sqlite3_column_bytes(s, 11) == HASH_BYTES)
			memcpy(r.prev, sqlite3_column_blob(s, 11), HASH_BYTES);
		if (sqlite3_column_bytes(s, 12) == HASH_BYTES)
			memcpy(r.hash, sqlite3_column_blob(s, 12), HASH_BYTES);
		rc = fn(&r, ctx);
	}
	sqlite3_finalize(s);
	return rc;
}
