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
#include "store/sqlite/store_int.h"
#include "store/apps.h"
#include "store/contact.h"
#include "store/results.h"

#include <pthread.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "limits.h"
#include "util/log.h"

static char db_path[4096];
static char audit_path[4096];
static char keys_path[4096];

/* One connection to each file and their prepared statements; all of them are listed so
 * store_close can finish them, whichever thread opened them. A file whose path is empty
 * (store_open_audit opens only the trail) gets no connection and no statements. */
struct conn {
	sqlite3 *db;
	sqlite3 *adb;
	sqlite3 *kdb;
	sqlite3_stmt *stmts[128];
	/* statements of the module files (store_int.h), prepared on first use */
	struct {
		const char *sql;
		sqlite3_stmt *s;
	} mod[MODULE_STMTS_MAX];
	size_t n_mod;
	bool snapshot; /* a read transaction of store_snapshot_begin is open on db */
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
	/* 3: patient keys move to keystore.db (patient.wrapped_key stays empty for new patients);
	 * retention (shred_after) and crypto-shredding (shredded_at); store_meta names the
	 * keystore that belongs with this file. */
	"ALTER TABLE patient ADD COLUMN shred_after INTEGER;"
	"ALTER TABLE patient ADD COLUMN shredded_at INTEGER;"
	"CREATE INDEX patient_by_shred_after ON patient(shred_after) WHERE shred_after IS NOT NULL;"
	"CREATE INDEX account_by_patient ON account(patient_id);"
	"CREATE TABLE store_meta (name TEXT PRIMARY KEY, value BLOB NOT NULL) WITHOUT ROWID;",
	/* 4: account.email holds a blind index; the address itself is sealed here */
	"ALTER TABLE account ADD COLUMN email_ct BLOB;",
	/* 5: incident notices to patients, and the email outbox */
	"CREATE TABLE notice (id BLOB PRIMARY KEY, patient_id BLOB NOT NULL REFERENCES patient(id),"
	" reference TEXT NOT NULL UNIQUE, created INTEGER NOT NULL, body BLOB NOT NULL);"
	"CREATE INDEX notice_by_patient ON notice(patient_id, created);"
	"CREATE TABLE outbox (id BLOB PRIMARY KEY, account_id BLOB NOT NULL, to_ct BLOB NOT NULL,"
	" subject TEXT NOT NULL, body TEXT NOT NULL, created INTEGER NOT NULL, sent INTEGER);",
	/* 6: second factor */
	"ALTER TABLE account ADD COLUMN totp_ct BLOB;"
	"ALTER TABLE account ADD COLUMN totp_pending_ct BLOB;"
	"ALTER TABLE account ADD COLUMN totp_last_step INTEGER NOT NULL DEFAULT 0;"
	"ALTER TABLE session ADD COLUMN mfa INTEGER NOT NULL DEFAULT 0;"
	"CREATE TABLE recovery_code (account_id BLOB NOT NULL REFERENCES account(id), idx INTEGER NOT NULL,"
	" hash BLOB NOT NULL, used INTEGER, PRIMARY KEY (account_id, idx)) WITHOUT ROWID;",
	/* 7: sessions say where and on what they were opened; devices an account has used */
	"ALTER TABLE session ADD COLUMN device TEXT NOT NULL DEFAULT '';"
	"ALTER TABLE session ADD COLUMN ip TEXT NOT NULL DEFAULT '';"
	"ALTER TABLE session ADD COLUMN new_device INTEGER NOT NULL DEFAULT 0;"
	"CREATE TABLE device (account_id BLOB NOT NULL, name TEXT NOT NULL, first_seen INTEGER NOT NULL,"
	" PRIMARY KEY (account_id, name)) WITHOUT ROWID;",
	/* 8: proxy (family and carer) access: account_id may act for patient_id within scopes
	 * (a bit set, policy.h) until not_after, unless revoked (store_proxy.c) */
	"CREATE TABLE proxy_grant (id BLOB PRIMARY KEY, patient_id BLOB NOT NULL REFERENCES patient(id),"
	" account_id BLOB NOT NULL REFERENCES account(id), scopes INTEGER NOT NULL,"
	" not_after INTEGER NOT NULL, created INTEGER NOT NULL, created_by BLOB NOT NULL,"
	" revoked INTEGER, detail BLOB);"
	"CREATE INDEX proxy_by_account ON proxy_grant(account_id, patient_id);"
	"CREATE INDEX proxy_by_patient ON proxy_grant(patient_id);",
	/* 9: a practice may require a second factor of its patients too (store_practice.c) */
	"ALTER TABLE practice ADD COLUMN require_patient_mfa INTEGER NOT NULL DEFAULT 0;",
	/* 10: account lifecycle (store_account.c): single-use tokens (invitation, email
	 * verification, password reset, email change) kept only as hashes; whether an account's
	 * address is verified (accounts made before: yes); the keyed-hash marks of its personal
	 * words (src/auth/pwrules.h); outbox retries with backoff */
	"ALTER TABLE account ADD COLUMN email_verified INTEGER NOT NULL DEFAULT 1;"
	"ALTER TABLE account ADD COLUMN pw_marks BLOB;"
	"CREATE TABLE account_token (hash BLOB PRIMARY KEY, kind TEXT NOT NULL,"
	" account_id BLOB NOT NULL, patient_id BLOB, practice_id BLOB, created_by BLOB, email TEXT,"
	" email_ct BLOB, detail BLOB, created INTEGER NOT NULL, expires INTEGER NOT NULL,"
	" used INTEGER) WITHOUT ROWID;"
	"CREATE INDEX account_token_by_account ON account_token(account_id, kind, created);"
	"ALTER TABLE outbox ADD COLUMN attempts INTEGER NOT NULL DEFAULT 0;"
	"ALTER TABLE outbox ADD COLUMN next_try INTEGER NOT NULL DEFAULT 0;"
	"CREATE INDEX outbox_due ON outbox(next_try) WHERE sent IS NULL;",
	/* 11: passkeys: WebAuthn credentials of accounts (public keys, with the vault's MAC tying
	 * each to its account), and the challenges issued for them (store_passkey.c) */
	"CREATE TABLE passkey (id BLOB PRIMARY KEY, account_id BLOB NOT NULL REFERENCES account(id),"
	" cred_id BLOB NOT NULL UNIQUE, name TEXT NOT NULL, alg INTEGER NOT NULL,"
	" public_key BLOB NOT NULL, mac BLOB NOT NULL, sign_count INTEGER NOT NULL,"
	" user_verified INTEGER NOT NULL, created INTEGER NOT NULL, last_used INTEGER NOT NULL DEFAULT 0);"
	"CREATE INDEX passkey_by_account ON passkey(account_id);"
	"CREATE TABLE passkey_challenge (hash BLOB PRIMARY KEY, session_id BLOB NOT NULL,"
	" purpose INTEGER NOT NULL, expires INTEGER NOT NULL);"
	"CREATE INDEX passkey_challenge_by_session ON passkey_challenge(session_id, purpose);",
	/* 12: careplan: medications and repeat requests (store_medications.c); slots, appointments,
	 * practice settings and staff display names (store_appointments.c). Free text and drug
	 * details are sealed with the patient's key; one open repeat request per medication and
	 * one live appointment per slot are unique indexes, so a race cannot make two. */
	"CREATE TABLE medication (id BLOB PRIMARY KEY, patient_id BLOB NOT NULL REFERENCES patient(id),"
	" prescriber_id BLOB NOT NULL, started INTEGER NOT NULL, created INTEGER NOT NULL,"
	" stopped INTEGER, stopped_by BLOB, detail BLOB NOT NULL);"
	"CREATE INDEX medication_by_patient ON medication(patient_id, created);"
	"CREATE TABLE repeat_request (id BLOB PRIMARY KEY,"
	" medication_id BLOB NOT NULL REFERENCES medication(id),"
	" patient_id BLOB NOT NULL REFERENCES patient(id), practice_id BLOB NOT NULL,"
	" requested_by BLOB NOT NULL, requested INTEGER NOT NULL,"
	" state TEXT NOT NULL CHECK (state IN ('requested', 'approved', 'declined')),"
	" decided INTEGER, decided_by BLOB, detail BLOB NOT NULL, decision BLOB);"
	"CREATE UNIQUE INDEX repeat_one_open ON repeat_request(medication_id)"
	" WHERE state = 'requested';"
	"CREATE INDEX repeat_by_patient ON repeat_request(patient_id, requested);"
	"CREATE INDEX repeat_queue ON repeat_request(practice_id, state, requested);"
	"CREATE TABLE staff_name (account_id BLOB PRIMARY KEY REFERENCES account(id),"
	" display TEXT NOT NULL) WITHOUT ROWID;"
	"CREATE TABLE practice_setting (practice_id BLOB PRIMARY KEY REFERENCES practice(id),"
	" cancel_cutoff_minutes INTEGER NOT NULL) WITHOUT ROWID;"
	"CREATE TABLE slot (id BLOB PRIMARY KEY, practice_id BLOB NOT NULL REFERENCES practice(id),"
	" clinician_id BLOB NOT NULL REFERENCES account(id), start INTEGER NOT NULL,"
	" minutes INTEGER NOT NULL CHECK (minutes BETWEEN 5 AND 240), created INTEGER NOT NULL,"
	" created_by BLOB NOT NULL);"
	"CREATE UNIQUE INDEX slot_by_clinician ON slot(clinician_id, start);"
	"CREATE INDEX slot_by_practice ON slot(practice_id, start);"
	"CREATE TABLE appointment (id BLOB PRIMARY KEY, slot_id BLOB NOT NULL REFERENCES slot(id),"
	" patient_id BLOB NOT NULL REFERENCES patient(id), booked_by BLOB NOT NULL,"
	" booked INTEGER NOT NULL, cancelled INTEGER, cancelled_by BLOB, reason BLOB);"
	"CREATE UNIQUE INDEX appointment_one_per_slot ON appointment(slot_id)"
	" WHERE cancelled IS NULL;"
	"CREATE INDEX appointment_by_patient ON appointment(patient_id, booked);",
	/* 13: results: lab reports (observations and comments sealed in body), release rules per
	 * practice and kind of test, and each patient's "after my clinician has commented" choice
	 * (store_results.c) */
	"CREATE TABLE result (id BLOB PRIMARY KEY, patient_id BLOB NOT NULL REFERENCES patient(id),"
	" practice_id BLOB NOT NULL REFERENCES practice(id), kind TEXT NOT NULL, status TEXT NOT NULL,"
	" abnormal INTEGER NOT NULL, accession TEXT NOT NULL, collected INTEGER NOT NULL,"
	" reported INTEGER NOT NULL, created INTEGER NOT NULL, release_at INTEGER, released_by BLOB,"
	" commented INTEGER NOT NULL DEFAULT 0, corrected INTEGER NOT NULL DEFAULT 0,"
	" body BLOB NOT NULL);"
	"CREATE INDEX result_by_patient ON result(patient_id, reported);"
	"CREATE UNIQUE INDEX result_by_accession ON result(patient_id, accession);"
	"CREATE INDEX result_inbox ON result(practice_id, release_at);"
	"CREATE TABLE result_rule (practice_id BLOB NOT NULL REFERENCES practice(id), kind TEXT NOT NULL,"
	" auto_release INTEGER NOT NULL, days INTEGER NOT NULL, PRIMARY KEY (practice_id, kind))"
	" WITHOUT ROWID;"
	"CREATE TABLE result_pref (patient_id BLOB PRIMARY KEY REFERENCES patient(id),"
	" comment_first INTEGER NOT NULL) WITHOUT ROWID;",
	/* 14: messages: threads between a patient and a practice (subject sealed, VREC_MESSAGE)
	 * with unread counts per side, and their messages (body sealed; an attachment is a
	 * document of the patient) (store_messages.c) */
	"CREATE TABLE message_thread (id BLOB PRIMARY KEY, patient_id BLOB NOT NULL REFERENCES patient(id),"
	" practice_id BLOB NOT NULL REFERENCES practice(id), created INTEGER NOT NULL,"
	" updated INTEGER NOT NULL, subject BLOB NOT NULL, patient_unread INTEGER NOT NULL DEFAULT 0,"
	" practice_unread INTEGER NOT NULL DEFAULT 0, n_messages INTEGER NOT NULL DEFAULT 0);"
	"CREATE INDEX thread_by_patient ON message_thread(patient_id, updated);"
	"CREATE INDEX thread_by_practice ON message_thread(practice_id, updated);"
	"CREATE TABLE message (id BLOB PRIMARY KEY, thread_id BLOB NOT NULL REFERENCES message_thread(id),"
	" patient_id BLOB NOT NULL REFERENCES patient(id), author_id BLOB NOT NULL,"
	" from_practice INTEGER NOT NULL, created INTEGER NOT NULL, body BLOB NOT NULL,"
	" attachment_id BLOB);"
	"CREATE INDEX message_by_thread ON message(thread_id, created);"
	"CREATE INDEX message_by_patient ON message(patient_id, created);",
	/* 15: proxies: the held record a session shows (believed only while a live grant allows
	 * it, see S_SESSION_GET); invitations to an address with no account yet, kept like
	 * grants so the granter's list does not tell the two apart (store_proxy.c) */
	"ALTER TABLE session ADD COLUMN record BLOB;"
	"CREATE TABLE proxy_invite (id BLOB PRIMARY KEY, patient_id BLOB NOT NULL REFERENCES patient(id),"
	" email_index TEXT NOT NULL, scopes INTEGER NOT NULL, not_after INTEGER NOT NULL,"
	" created INTEGER NOT NULL, created_by BLOB NOT NULL, revoked INTEGER, detail BLOB);"
	"CREATE INDEX proxy_invite_by_patient ON proxy_invite(patient_id);"
	"CREATE INDEX proxy_invite_by_email ON proxy_invite(email_index);",
	/* 16: apps (docs/internals/APPS.md): the operator's register, the codes between consent
	 * and exchange, and which app a session (an app's access token) belongs to */
	"CREATE TABLE oauth_client (id BLOB PRIMARY KEY, name TEXT NOT NULL, redirect_uri TEXT NOT NULL,"
	" created INTEGER NOT NULL, removed INTEGER);"
	"CREATE TABLE oauth_code (hash BLOB PRIMARY KEY, client_id BLOB NOT NULL REFERENCES oauth_client(id),"
	" redirect_uri TEXT NOT NULL, challenge TEXT NOT NULL, scopes INTEGER NOT NULL,"
	" account_id BLOB NOT NULL REFERENCES account(id), patient_id BLOB NOT NULL REFERENCES patient(id),"
	" session_id BLOB NOT NULL, mfa INTEGER NOT NULL, box BLOB NOT NULL, expires INTEGER NOT NULL)"
	" WITHOUT ROWID;"
	"ALTER TABLE session ADD COLUMN client_id BLOB;"
	"ALTER TABLE session ADD COLUMN scopes INTEGER NOT NULL DEFAULT 0;"
	"CREATE INDEX session_by_client ON session(client_id) WHERE client_id IS NOT NULL;",
	/* 17: locks held for review (store_locks.c, docs/internals/UNLOCK.md): each trip of the
	 * breaker and what a reviewer decided; the unlock tickets of `medkeep accounts unlock` */
	"CREATE TABLE account_lock (id BLOB PRIMARY KEY, account_id BLOB NOT NULL REFERENCES account(id),"
	" session_id BLOB NOT NULL, reason TEXT NOT NULL, tripped INTEGER NOT NULL,"
	" state TEXT NOT NULL CHECK (state IN ('locked', 'kept', 'unlocked')), reviewed_by BLOB,"
	" reviewed INTEGER, review_reason TEXT);"
	"CREATE INDEX account_lock_by_account ON account_lock(account_id, tripped);"
	"CREATE INDEX account_lock_by_time ON account_lock(tripped);"
	"CREATE TABLE unlock_ticket (account_id BLOB PRIMARY KEY REFERENCES account(id),"
	" issued INTEGER NOT NULL, mac BLOB NOT NULL) WITHOUT ROWID;",
	/* 18: known devices (src/store/devices.h): a keyed hash of a device cookie's id and the
	 * account, so a device the owner signed in from keeps its own login allowance */
	"CREATE TABLE known_device (hash BLOB PRIMARY KEY, account_id BLOB NOT NULL REFERENCES account(id),"
	" created INTEGER NOT NULL, last_used INTEGER NOT NULL) WITHOUT ROWID;"
	"CREATE INDEX known_device_by_account ON known_device(account_id, last_used);"
	/* ...and how a patient is known outside the portal (src/store/contact.h): the only address
	 * an invitation may go to, sealed, and a keyed check of the birth date registering gives */
	"CREATE TABLE patient_contact (patient_id BLOB PRIMARY KEY REFERENCES patient(id),"
	" email_index TEXT NOT NULL, email_ct BLOB NOT NULL, dob_check BLOB NOT NULL) WITHOUT ROWID;",
	/* 19: outbox bodies sealed (vault_outbox_seal) and dropped once sent or given up on
	 * (docs/internals/OUTBOX.md). A body queued in clear by an older version is sent once and
	 * then dropped like the others. */
	"ALTER TABLE outbox ADD COLUMN body_ct BLOB;"
	"UPDATE outbox SET body = '' WHERE sent IS NOT NULL;",
	/* 20: upload quotas (src/domain/quota.h): each account's bytes, in all and in a day */
	"CREATE INDEX document_by_author ON document(author_id, created, size);",
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
	/* 2: signed checkpoints (docs/internals/CHECKPOINTS.md) */
	("CREATE TABLE checkpoint (seq INTEGER PRIMARY KEY, ts_ms INTEGER NOT NULL,"
	 " head BLOB NOT NULL, key_id BLOB NOT NULL, sig BLOB NOT NULL);"),
	/* 3: accesslog: a patient's own access log reads their records newest first
	 * (store_accesslog.c), in time flat in the size of the trail */
	"CREATE INDEX audit_by_patient ON audit(patient, seq) WHERE patient != '-';",
	/* 4: proxies: how the actor reached the patient (self, proxy, staff, local); hashed
	 * only when set (audit_record_hash), so the records before this still verify */
	("ALTER TABLE audit ADD COLUMN via TEXT NOT NULL DEFAULT '';"),
	/* 5: every record goes into the index, "-" ones too: a partial index made a refusal about
	 * another patient's id (indexed) measurably slower than one about a random id (not), which
	 * told an asker which ids are patients (issue 12, timing; DESIGN.md invariant 2) */
	("DROP INDEX audit_by_patient;"
	 "CREATE INDEX audit_by_patient ON audit(patient, seq);"),
	/* 6: what one session was served (the incident report of a lock under review, on the
	 * operator's page), in time flat in the size of the trail */
	"CREATE INDEX audit_by_session ON audit(session, seq);",
};

/*
 * The keystore (keystore.db): each patient's key wrapped by a master key, one row per
 * patient. It is key material, not data: `medkeep backup` leaves it out, so deleting a row
 * (crypto-shredding) makes that patient unreadable in every backup of medkeep.db ever taken.
 * key_id names the master key that wraps the row (rotation); rotation holds the rotation in
 * progress, if any.
 */
static const char *const keystore_migrations[] = {
	"CREATE TABLE patient_key (patient_id BLOB PRIMARY KEY, key_id BLOB NOT NULL,"
	" wrapped BLOB NOT NULL, created INTEGER NOT NULL);"
	"CREATE TABLE rotation (old_key BLOB PRIMARY KEY, new_key BLOB NOT NULL,"
	" started INTEGER NOT NULL);"
	"CREATE TABLE meta (name TEXT PRIMARY KEY, value BLOB NOT NULL) WITHOUT ROWID;",
};

enum stmt_id {
	S_PRACTICE_CREATE,
	S_PRACTICE_NAME,
	S_ACCOUNT_CREATE,
	S_ACCOUNT_BY_EMAIL,
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
	S_PATIENT_CREATE,
	S_ENROL,
	S_PATIENT_GET,
	S_DOCUMENT_INSERT,
	S_DOCUMENT_USAGE,
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
	S_BEGIN,
	S_COMMIT,
	S_ROLLBACK,
	S_SNAPSHOT_BEGIN,
	S_SNAPSHOT_END,
	S_META_GET,
	S_META_SET,
	S_LEGACY_BATCH,
	S_LEGACY_CLEAR,
	S_LEGACY_COUNT,
	S_SESSIONS_REVOKE_ALL,
	S_SHRED_STATE,
	S_DOCS_DELETE,
	S_PATIENT_ERASE,
	S_ACCOUNTS_SIGN_OUT,
	S_ACCOUNTS_ERASE,
	S_ENROL_DELETE,
	S_SHRED_SCHEDULE,
	S_SHRED_DUE,
	S_MAIN_TRUNCATE,
	/* audit.db */
	S_AUDIT_LAST,
	S_AUDIT_INSERT,
	S_AUDIT_EACH,
	S_AUDIT_BEGIN,
	S_AUDIT_COMMIT,
	S_AUDIT_ROLLBACK,
	S_AUDIT_HASH_AT,
	S_CP_INSERT,
	S_CP_LAST,
	/* keystore.db */
	S_KEY_GET,
	S_KEY_INSERT,
	S_KEY_DELETE,
	S_KEY_BATCH,
	S_KEY_REPLACE,
	S_KEY_COUNTS,
	S_KMETA_GET,
	S_KMETA_SET,
	S_ROT_GET,
	S_ROT_BEGIN,
	S_ROT_END,
	S_KEY_BEGIN,
	S_KEY_COMMIT,
	S_KEY_ROLLBACK,
	S_KEY_TRUNCATE,
	S_COUNT
};

enum db_file { DB_MAIN, DB_AUDIT, DB_KEYS };

/* Which file each statement runs on: the enum lists them file by file. */
static enum db_file stmt_db(int i)
{
	if (i >= S_KEY_GET)
		return DB_KEYS;
	if (i >= S_AUDIT_LAST)
		return DB_AUDIT;
	return DB_MAIN;
}

static const char *const stmt_sql[S_COUNT] = {
	[S_PRACTICE_CREATE] = "INSERT INTO practice (id, name, created) VALUES (?, ?, unixepoch())",
	[S_PRACTICE_NAME] = "SELECT name FROM practice WHERE id = ?",
	[S_ACCOUNT_CREATE] = "INSERT INTO account (id, email, pw_hash, role, practice_id, patient_id,"
			     " created, email_ct) VALUES (?, ?, ?, ?, ?, ?, unixepoch(), ?)",
	[S_ACCOUNT_BY_EMAIL] = "SELECT id, email, pw_hash, role, practice_id, patient_id, locked"
			       " FROM account WHERE email = ?",
	[S_ACCOUNT_LOCK] = "UPDATE account SET locked = 1 WHERE id = ?",
	[S_SESSIONS_REVOKE] = "DELETE FROM session WHERE account_id = ?",
	[S_SESSION_CREATE] = "INSERT INTO session (token_hash, id, account_id, csrf, created,"
			     " last_seen, mfa, device, ip, new_device, client_id, scopes, record)"
			     " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
	[S_SESSION_GET] = "SELECT s.id, s.account_id, s.csrf, s.created, s.last_seen, a.role,"
			  " a.practice_id, a.patient_id, s.mfa, a.totp_ct IS NOT NULL, s.device,"
			  " EXISTS (SELECT 1 FROM enrolment e JOIN practice p ON p.id = e.practice_id"
			  "  WHERE e.patient_id = a.patient_id AND p.require_patient_mfa = 1),"
			  /* the held record, only while a live grant allows it (proxies) */
			  " (SELECT g.patient_id FROM proxy_grant g WHERE g.account_id = s.account_id"
			  " AND g.patient_id = s.record AND g.revoked IS NULL AND g.not_after > ?2"
			  " AND g.scopes != 0 LIMIT 1), s.client_id, s.scopes"
			  " FROM session s JOIN account a ON a.id = s.account_id"
			  " WHERE s.token_hash = ?1 AND a.locked = 0",
	[S_SESSION_TOUCH] = "UPDATE session SET last_seen = ? WHERE token_hash = ?",
	[S_SESSION_DELETE] = "DELETE FROM session WHERE token_hash = ?",
	[S_THROTTLE_GET] = "SELECT failures, window_start, blocked_until FROM throttle WHERE key = ?",
	[S_THROTTLE_UPSERT] =
		"INSERT INTO throttle (key, failures, window_start, blocked_until) VALUES (?1, 1, ?2, 0)"
		" ON CONFLICT(key) DO UPDATE SET"
		" failures = CASE WHEN window_start + ?3 < ?2 AND blocked_until + ?3 < ?2 THEN 1"
		"  ELSE failures + 1 END,"
		" window_start = CASE WHEN window_start + ?3 < ?2 AND blocked_until + ?3 < ?2 THEN ?2"
		"  ELSE window_start END,"
		/* exponential backoff: the block doubles with each failure past the threshold, up to
		 * ?6; failures are forgotten only after a whole window without failure or block */
		" blocked_until = CASE WHEN window_start + ?3 < ?2 AND blocked_until + ?3 < ?2"
		"  THEN blocked_until WHEN failures + 1 >= ?4"
		"  THEN ?2 + min(?5 << min(failures + 1 - ?4, 20), ?6) ELSE blocked_until END",
	[S_THROTTLE_CLEAR] = "DELETE FROM throttle WHERE key = ?",
	[S_PATIENT_EXISTS] = "SELECT 1 FROM patient WHERE id = ?",
	[S_ENROLMENTS] = "SELECT practice_id FROM enrolment WHERE patient_id = ? ORDER BY since LIMIT 8",
	[S_DOCUMENT_TARGET] = "SELECT d.patient_id, e.practice_id FROM document d"
			      " LEFT JOIN enrolment e ON e.patient_id = d.patient_id WHERE d.id = ?"
			      " ORDER BY e.since LIMIT 8",
	[S_PRACTICE_PATIENTS] = "SELECT patient_id FROM enrolment WHERE practice_id = ?"
				" ORDER BY since, patient_id LIMIT ? OFFSET ?",
	[S_PATIENT_CREATE] = "INSERT INTO patient (id, nhi_index, wrapped_key, phi, created)"
			     " VALUES (?, ?, ?, ?, unixepoch())",
	[S_ENROL] = "INSERT INTO enrolment (patient_id, practice_id, since) VALUES (?, ?, unixepoch())",
	[S_PATIENT_GET] = "SELECT wrapped_key, phi, created FROM patient WHERE id = ?",
	/* Within the author's allowance, decided in this one statement (quota.h). */
	[S_DOCUMENT_INSERT] = "INSERT INTO document (id, patient_id, author_id, kind, content_type,"
			      " size, created, wrapped_key, meta, body)"
			      " SELECT ?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10"
			      " WHERE (SELECT coalesce(sum(size), 0) FROM document WHERE author_id = ?3)"
			      " + ?6 <= ?13 AND (SELECT coalesce(sum(size), 0) FROM document"
			      " WHERE author_id = ?3 AND created >= ?11) + ?6 <= ?12",
	[S_DOCUMENT_USAGE] = "SELECT coalesce(sum(size), 0),"
			     " coalesce(sum(CASE WHEN created >= ?2 THEN size END), 0)"
			     " FROM document WHERE author_id = ?1",
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
	[S_OUTBOX_INSERT] = "INSERT INTO outbox (id, account_id, to_ct, subject, body, body_ct, created)"
			    " VALUES (?, ?, ?, ?, '', ?, unixepoch())",
	[S_AUDIT_LAST] = "SELECT seq, hash FROM audit ORDER BY seq DESC LIMIT 1",
	[S_AUDIT_INSERT] = "INSERT INTO audit (seq, ts_ms, actor, session, ip, action, patient,"
			   " rtype, rid, outcome, bytes, prev, hash, via)"
			   " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
	[S_AUDIT_EACH] = "SELECT seq, ts_ms, actor, session, ip, action, patient, rtype, rid, outcome,"
			 " bytes, prev, hash, via FROM audit ORDER BY seq",
	[S_AUDIT_BEGIN] = "BEGIN IMMEDIATE",
	[S_AUDIT_COMMIT] = "COMMIT",
	[S_AUDIT_ROLLBACK] = "ROLLBACK",
	[S_BEGIN] = "BEGIN IMMEDIATE",
	[S_COMMIT] = "COMMIT",
	[S_ROLLBACK] = "ROLLBACK",
	[S_SNAPSHOT_BEGIN] = "BEGIN DEFERRED",
	[S_SNAPSHOT_END] = "COMMIT",
	[S_META_GET] = "SELECT value FROM store_meta WHERE name = ?",
	[S_META_SET] = "INSERT INTO store_meta (name, value) VALUES (?1, ?2)"
		       " ON CONFLICT(name) DO UPDATE SET value = ?2",
	[S_LEGACY_BATCH] = "SELECT rowid, id, wrapped_key FROM patient WHERE length(wrapped_key) > 0"
			   " ORDER BY rowid LIMIT ?",
	[S_LEGACY_CLEAR] = "UPDATE patient SET wrapped_key = X'' WHERE id = ?",
	[S_LEGACY_COUNT] = "SELECT count(*) FROM patient WHERE length(wrapped_key) > 0",
	[S_SESSIONS_REVOKE_ALL] = "DELETE FROM session",
	[S_SHRED_STATE] = "SELECT coalesce(shredded_at, 0), coalesce(shred_after, 0),"
			  " length(wrapped_key) FROM patient WHERE id = ?",
	[S_DOCS_DELETE] = "DELETE FROM document WHERE patient_id = ?",
	[S_PATIENT_ERASE] = "UPDATE patient SET wrapped_key = X'', phi = X'', shredded_at = ?2,"
			    " shred_after = NULL WHERE id = ?1",
	[S_ACCOUNTS_SIGN_OUT] = "DELETE FROM session WHERE account_id IN"
				" (SELECT id FROM account WHERE patient_id = ?)",
	[S_ACCOUNTS_ERASE] = "UPDATE account SET email = 'erased-' || lower(hex(id)) || '@invalid',"
			     " pw_hash = '!', locked = 1 WHERE patient_id = ?",
	[S_ENROL_DELETE] = "DELETE FROM enrolment WHERE patient_id = ? AND practice_id = ?",
	[S_SHRED_SCHEDULE] = "UPDATE patient SET shred_after = ?2 WHERE id = ?1 AND shredded_at IS NULL",
	[S_SHRED_DUE] = "SELECT id FROM patient WHERE shred_after IS NOT NULL AND shred_after <= ?1"
			" AND shredded_at IS NULL ORDER BY shred_after LIMIT ?2",
	[S_MAIN_TRUNCATE] = "PRAGMA wal_checkpoint(TRUNCATE)",
	[S_AUDIT_HASH_AT] = "SELECT hash FROM audit WHERE seq = ?",
	[S_CP_INSERT] = "INSERT OR IGNORE INTO checkpoint (seq, ts_ms, head, key_id, sig)"
			" VALUES (?, ?, ?, ?, ?)",
	[S_CP_LAST] = "SELECT seq, ts_ms, head, key_id, sig FROM checkpoint ORDER BY seq DESC LIMIT 1",
	[S_KEY_GET] = "SELECT wrapped FROM patient_key WHERE patient_id = ?",
	/* Refused (no row inserted) under a master key that a rotation is retiring. */
	[S_KEY_INSERT] = "INSERT INTO patient_key (patient_id, key_id, wrapped, created)"
			 " SELECT ?1, substr(?2, 2, 8), ?2, unixepoch() WHERE length(?2) > 9 AND NOT EXISTS"
			 " (SELECT 1 FROM rotation WHERE old_key = substr(?2, 2, 8))",
	[S_KEY_DELETE] = "DELETE FROM patient_key WHERE patient_id = ?",
	[S_KEY_BATCH] = "SELECT rowid, patient_id, wrapped FROM patient_key WHERE rowid > ?1"
			" AND key_id != ?2 ORDER BY rowid LIMIT ?3",
	[S_KEY_REPLACE] = "UPDATE patient_key SET wrapped = ?1, key_id = substr(?1, 2, 8)"
			  " WHERE patient_id = ?2 AND wrapped = ?3",
	[S_KEY_COUNTS] = "SELECT count(*), coalesce(sum(key_id = ?1), 0) FROM patient_key",
	[S_KMETA_GET] = "SELECT value FROM meta WHERE name = ?",
	[S_KMETA_SET] = "INSERT INTO meta (name, value) VALUES (?1, ?2)"
			" ON CONFLICT(name) DO UPDATE SET value = ?2",
	[S_ROT_GET] = "SELECT old_key, new_key FROM rotation LIMIT 1",
	[S_ROT_BEGIN] = "INSERT OR IGNORE INTO rotation (old_key, new_key, started)"
			" VALUES (?, ?, unixepoch())",
	[S_ROT_END] = "DELETE FROM rotation",
	[S_KEY_BEGIN] = "BEGIN IMMEDIATE",
	[S_KEY_COMMIT] = "COMMIT",
	[S_KEY_ROLLBACK] = "ROLLBACK",
	[S_KEY_TRUNCATE] = "PRAGMA wal_checkpoint(TRUNCATE)",
};

_Static_assert(S_COUNT <= 128, "room for every statement");

static int conn_setup(sqlite3 *db);

/* This thread's connection, opened on first use; NULL when it cannot be opened. */
static struct conn *conn_get(void)
{
	if (thread_conn != NULL)
		return thread_conn;
	if (audit_path[0] == '\0')
		return NULL;
	struct conn *c = calloc(1, sizeof(*c));
	if (c == NULL)
		return NULL;
	int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX;
	const char *paths[3] = {db_path, audit_path, keys_path};
	sqlite3 **dbs[3] = {&c->db, &c->adb, &c->kdb};
	bool ok = true;
	for (int f = 0; f < 3 && ok; f++)
		if (paths[f][0] != '\0')
			ok = sqlite3_open_v2(paths[f], dbs[f], flags, NULL) == SQLITE_OK &&
			     conn_setup(*dbs[f]) == STORE_OK;
	for (int i = 0; i < S_COUNT && ok; i++) {
		sqlite3 *db = *dbs[stmt_db(i)];
		if (db == NULL)
			continue;
		if (sqlite3_prepare_v3(db, stmt_sql[i], -1, SQLITE_PREPARE_PERSISTENT, &c->stmts[i],
				       NULL) != SQLITE_OK) {
			log_warn("component=store op=prepare error=\"%s\"", sqlite3_errmsg(db));
			ok = false;
		}
	}
	if (!ok) {
		log_warn("component=store error=\"cannot open a connection\"");
		for (int i = 0; i < S_COUNT; i++)
			sqlite3_finalize(c->stmts[i]);
		sqlite3_close(c->db);
		sqlite3_close(c->adb);
		sqlite3_close(c->kdb);
		free(c);
		return NULL;
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
/*
 * A request's reads share one snapshot of medkeep.db (store_snapshot_begin/end): one read
 * transaction instead of one per statement, and each costs lock and unlock system calls.
 * Anything but a SELECT ends the snapshot first, so that a write never has to upgrade a read
 * transaction, which SQLite refuses outright when another connection has written meanwhile.
 */
static void snapshot_close(struct conn *c)
{
	if (!c->snapshot)
		return;
	c->snapshot = false;
	sqlite3_stmt *s = c->stmts[S_SNAPSHOT_END];
	if (sqlite3_step(s) != SQLITE_DONE)
		log_warn("component=store op=snapshot-end error=\"%s\"", sqlite3_errmsg(c->db));
	sqlite3_reset(s);
}

static void snapshot_guard(struct conn *c, sqlite3_stmt *s)
{
	if (c->snapshot && sqlite3_db_handle(s) == c->db && strncmp(sqlite3_sql(s), "SELECT", 6) != 0)
		snapshot_close(c);
}

void store_snapshot_begin(void)
{
	struct conn *c = conn_get();
	if (c == NULL || c->db == NULL)
		return;
	snapshot_close(c);
	sqlite3_stmt *s = c->stmts[S_SNAPSHOT_BEGIN];
	c->snapshot = sqlite3_step(s) == SQLITE_DONE;
	sqlite3_reset(s);
}

void store_snapshot_end(void)
{
	struct conn *c = thread_conn;
	if (c != NULL)
		snapshot_close(c);
}

static sqlite3_stmt *stmt(enum stmt_id i)
{
	struct conn *c = conn_get();
	if (c == NULL || c->stmts[i] == NULL)
		return NULL;
	sqlite3_reset(c->stmts[i]);
	sqlite3_clear_bindings(c->stmts[i]);
	snapshot_guard(c, c->stmts[i]);
	return c->stmts[i];
}

/* The cached module statement for sql on db (one of this thread's connections). */
static sqlite3_stmt *module_stmt_on(struct conn *c, sqlite3 *db, const char *sql)
{
	for (size_t i = 0; i < c->n_mod; i++)
		if (c->mod[i].sql == sql) {
			sqlite3_reset(c->mod[i].s);
			sqlite3_clear_bindings(c->mod[i].s);
			snapshot_guard(c, c->mod[i].s);
			return c->mod[i].s;
		}
	if (c->n_mod == MODULE_STMTS_MAX) {
		log_warn("component=store error=\"module statements exhausted\"");
		return NULL;
	}
	sqlite3_stmt *st = NULL;
	if (sqlite3_prepare_v3(db, sql, -1, SQLITE_PREPARE_PERSISTENT, &st, NULL) != SQLITE_OK) {
		log_warn("component=store op=prepare error=\"%s\"", sqlite3_errmsg(db));
		sqlite3_finalize(st);
		return NULL;
	}
	c->mod[c->n_mod].sql = sql;
	c->mod[c->n_mod].s = st;
	c->n_mod++;
	snapshot_guard(c, st);
	return st;
}

sqlite3_stmt *store_module_stmt(const char *sql)
{
	struct conn *c = conn_get();
	if (c == NULL || c->db == NULL)
		return NULL;
	return module_stmt_on(c, c->db, sql);
}

sqlite3_stmt *store_module_audit_stmt(const char *sql)
{
	struct conn *c = conn_get();
	if (c == NULL || c->adb == NULL)
		return NULL;
	return module_stmt_on(c, c->adb, sql);
}

int sq_step_done(sqlite3_stmt *s, const char *what)
{
	if (s == NULL)
		return sq_fail(what);
	int step = sqlite3_step(s);
	sqlite3_reset(s);
	if (step == SQLITE_CONSTRAINT)
		return STORE_CONFLICT;
	return step == SQLITE_DONE ? STORE_OK : sq_fail(what);
}

int sq_write_one(sqlite3_stmt *s, const char *what)
{
	int step = sqlite3_step(s);
	int changed = sqlite3_changes(sqlite3_db_handle(s));
	sqlite3_reset(s);
	if (step == SQLITE_CONSTRAINT)
		return STORE_CONFLICT;
	if (step != SQLITE_DONE)
		return sq_fail(what);
	return changed == 1 ? STORE_OK : STORE_NOT_FOUND;
}

int sq_fail(const char *what)
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

#define KEYSTORE_ID "keystore_id"
#define KEYSTORE_ID_BYTES 16

/* Read one store_meta value of medkeep.db on a connection of its own (before the keystore is
 * opened). *len is 0 when there is none. */
static int peek_data_meta(const char *path, const char *name, uint8_t *out, size_t cap, size_t *len)
{
	sqlite3 *db = NULL;
	sqlite3_stmt *s = NULL;
	*len = 0;
	int rc = STORE_ERROR;
	if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE, NULL) == SQLITE_OK &&
	    sqlite3_busy_timeout(db, 10000) == SQLITE_OK &&
	    sqlite3_prepare_v2(db, stmt_sql[S_META_GET], -1, &s, NULL) == SQLITE_OK) {
		sqlite3_bind_text(s, 1, name, -1, SQLITE_STATIC);
		int step = sqlite3_step(s);
		if (step == SQLITE_ROW) {
			int n = sqlite3_column_bytes(s, 0);
			if (n > 0 && (size_t)n <= cap) {
				memcpy(out, sqlite3_column_blob(s, 0), (size_t)n);
				*len = (size_t)n;
				rc = STORE_OK;
			}
		} else if (step == SQLITE_DONE) {
			rc = STORE_OK;
		}
	}
	sqlite3_finalize(s);
	sqlite3_close(db);
	return rc;
}

static int meta_get(enum stmt_id which, const char *name, uint8_t *out, size_t cap, size_t *len)
{
	sqlite3_stmt *s = stmt(which);
	sq_bind_text(s, 1, name);
	*len = 0;
	int step = sqlite3_step(s);
	int rc = step == SQLITE_DONE ? STORE_NOT_FOUND : STORE_ERROR;
	if (step == SQLITE_ROW) {
		int n = sqlite3_column_bytes(s, 0);
		if (n >= 0 && (size_t)n <= cap) {
			if (n > 0)
				memcpy(out, sqlite3_column_blob(s, 0), (size_t)n);
			*len = (size_t)n;
			rc = STORE_OK;
		}
	}
	sqlite3_reset(s);
	return rc;
}

static int meta_set(enum stmt_id which, const char *name, const uint8_t *v, size_t n)
{
	sqlite3_stmt *s = stmt(which);
	sq_bind_text(s, 1, name);
	sqlite3_bind_blob(s, 2, v, (int)n, SQLITE_STATIC);
	int rc = sqlite3_step(s) == SQLITE_DONE ? STORE_OK : sq_fail("meta_set");
	sqlite3_reset(s);
	return rc;
}

/*
 * medkeep.db and keystore.db name each other with a random id kept in both, so that a lost
 * keystore, or one of another data directory, is refused loudly: otherwise every patient
 * would quietly read as shredded. The id is set when the first of them is opened without one.
 */
static int link_keystore(void)
{
	uint8_t data_id[KEYSTORE_ID_BYTES], keys_id[KEYSTORE_ID_BYTES];
	size_t dn = 0, kn = 0;
	int d = meta_get(S_META_GET, KEYSTORE_ID, data_id, sizeof(data_id), &dn);
	int k = meta_get(S_KMETA_GET, KEYSTORE_ID, keys_id, sizeof(keys_id), &kn);
	if (d == STORE_ERROR || k == STORE_ERROR)
		return STORE_ERROR;
	if (d == STORE_OK && k == STORE_OK)
		return dn == kn && memcmp(data_id, keys_id, dn) == 0 ? STORE_OK : STORE_CONFLICT;
	if (d == STORE_OK) /* the data names a keystore, and this one is empty and new */
		return STORE_CONFLICT;
	if (k != STORE_OK) {
		/* An identifier, not a secret: SQLite's randomness is enough for it. */
		sqlite3_stmt *s = NULL;
		struct conn *c = conn_get();
		if (sqlite3_prepare_v2(c->kdb, "SELECT randomblob(16)", -1, &s, NULL) != SQLITE_OK ||
		    sqlite3_step(s) != SQLITE_ROW || sqlite3_column_bytes(s, 0) != KEYSTORE_ID_BYTES) {
			sqlite3_finalize(s);
			return STORE_ERROR;
		}
		memcpy(keys_id, sqlite3_column_blob(s, 0), KEYSTORE_ID_BYTES);
		sqlite3_finalize(s);
		kn = KEYSTORE_ID_BYTES;
		if (meta_set(S_KMETA_SET, KEYSTORE_ID, keys_id, kn) != STORE_OK)
			return STORE_ERROR;
	}
	return meta_set(S_META_SET, KEYSTORE_ID, keys_id, kn);
}

static void sqlite_configure(void)
{
	sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
}

/* Before SQLite's first use: no global memory statistics (we never read them), whose mutex
 * every allocation of every thread would otherwise take. */
static void sqlite_setup(void)
{
	static pthread_once_t once = PTHREAD_ONCE_INIT;
	pthread_once(&once, sqlite_configure);
}

static int set_paths(const char *dir, char *path, char *apath, char *kpath)
{
	return (size_t)snprintf(path, sizeof(db_path), "%s/medkeep.db", dir) < sizeof(db_path) &&
			       (size_t)snprintf(apath, sizeof(audit_path), "%s/audit.db", dir) <
				       sizeof(audit_path) &&
			       (size_t)snprintf(kpath, sizeof(keys_path), "%s/keystore.db", dir) <
				       sizeof(keys_path)
		       ? 0
		       : -1;
}

int store_open(const char *dir, bool create)
{
	char path[sizeof(db_path)], apath[sizeof(audit_path)], kpath[sizeof(keys_path)];
	sqlite_setup();
	if (set_paths(dir, path, apath, kpath) != 0)
		return STORE_ERROR;
	if (open_file(path, create, migrations, (int)(sizeof(migrations) / sizeof(*migrations))) !=
		    STORE_OK ||
	    open_file(apath, create, audit_migrations,
		      (int)(sizeof(audit_migrations) / sizeof(*audit_migrations))) != STORE_OK)
		return STORE_ERROR;
	struct stat st;
	bool keys_create = create;
	if (!create && stat(kpath, &st) != 0) {
		/* Only a data directory from before the keystore may get a new one. */
		uint8_t id[KEYSTORE_ID_BYTES];
		size_t n = 0;
		if (peek_data_meta(path, KEYSTORE_ID, id, sizeof(id), &n) != STORE_OK)
			return STORE_ERROR;
		if (n > 0) {
			log_warn("component=store error=\"keystore.db is missing: this data directory's "
				 "patient keys are in it (restore it from your key copy)\"");
			return STORE_ERROR;
		}
		keys_create = true;
	}
	if (open_file(kpath, keys_create, keystore_migrations,
		      (int)(sizeof(keystore_migrations) / sizeof(*keystore_migrations))) != STORE_OK)
		return STORE_ERROR;
	memcpy(db_path, path, sizeof(db_path));
	memcpy(audit_path, apath, sizeof(audit_path));
	memcpy(keys_path, kpath, sizeof(keys_path));
	if (conn_get() == NULL)
		return STORE_ERROR;
	int rc = link_keystore();
	if (rc == STORE_CONFLICT)
		log_warn("component=store error=\"keystore.db does not belong to this data directory\"");
	if (rc != STORE_OK) {
		store_close();
		return STORE_ERROR;
	}
	return STORE_OK;
}

int store_open_audit(const char *dir)
{
	char path[sizeof(db_path)], apath[sizeof(audit_path)], kpath[sizeof(keys_path)];
	sqlite_setup();
	if (set_paths(dir, path, apath, kpath) != 0 ||
	    open_file(apath, false, audit_migrations,
		      (int)(sizeof(audit_migrations) / sizeof(*audit_migrations))) != STORE_OK)
		return STORE_ERROR;
	db_path[0] = keys_path[0] = '\0';
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
		for (size_t i = 0; i < c->n_mod; i++)
			sqlite3_finalize(c->mod[i].s);
		sqlite3_close(c->db);
		sqlite3_close(c->adb);
		sqlite3_close(c->kdb);
		free(c);
	}
	conns = NULL;
	thread_conn = NULL;
	db_path[0] = audit_path[0] = keys_path[0] = '\0';
	pthread_mutex_unlock(&conns_lock);
}

static int run_simple(enum stmt_id i)
{
	sqlite3_stmt *s = stmt(i);
	int rc = sqlite3_step(s) == SQLITE_DONE ? STORE_OK : sq_fail("txn");
	sqlite3_reset(s);
	return rc;
}

int store_begin(void)
{
	if (run_simple(S_KEY_BEGIN) != STORE_OK)
		return STORE_ERROR;
	if (run_simple(S_BEGIN) != STORE_OK) {
		run_simple(S_KEY_ROLLBACK);
		return STORE_ERROR;
	}
	return STORE_OK;
}

int store_commit(void)
{
	/* Keys first: a crash between the two commits leaves a key without a patient (harmless),
	 * never a patient without a key. */
	if (run_simple(S_KEY_COMMIT) != STORE_OK)
		return STORE_ERROR;
	return run_simple(S_COMMIT);
}

/* --- binding and column helpers --- */

void sq_bind_id(sqlite3_stmt *s, int col, const struct id *id)
{
	sqlite3_bind_blob(s, col, id->b, ID_BYTES, SQLITE_STATIC);
}

void sq_bind_text(sqlite3_stmt *s, int col, const char *t)
{
	sqlite3_bind_text(s, col, t, -1, SQLITE_STATIC);
}

bool sq_col_id(sqlite3_stmt *s, int col, struct id *out)
{
	if (sqlite3_column_type(s, col) != SQLITE_BLOB || sqlite3_column_bytes(s, col) != ID_BYTES) {
		memset(out, 0, sizeof(*out));
		return false;
	}
	memcpy(out->b, sqlite3_column_blob(s, col), ID_BYTES);
	return true;
}

const char *sq_col_text(sqlite3_stmt *s, int col, struct arena *a)
{
	const unsigned char *t = sqlite3_column_text(s, col);
	return t ? arena_strndup(a, (const char *)t, (size_t)sqlite3_column_bytes(s, col)) : NULL;
}

void sq_col_text_fixed(sqlite3_stmt *s, int col, char *out, size_t outsz)
{
	const unsigned char *t = sqlite3_column_text(s, col);
	snprintf(out, outsz, "%s", t ? (const char *)t : "");
}

bool sq_col_bytes(sqlite3_stmt *s, int col, struct arena *a, struct bytes *out)
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
	sq_bind_id(s, 1, id);
	sq_bind_text(s, 2, name);
	int rc = sqlite3_step(s) == SQLITE_DONE ? STORE_OK : sq_fail("practice_create");
	sqlite3_reset(s);
	return rc;
}

int store_practice_name(const struct id *id, struct arena *a, const char **name)
{
	sqlite3_stmt *s = stmt(S_PRACTICE_NAME);
	sq_bind_id(s, 1, id);
	int rc = STORE_NOT_FOUND;
	if (sqlite3_step(s) == SQLITE_ROW) {
		*name = sq_col_text(s, 0, a);
		rc = *name ? STORE_OK : STORE_ERROR;
	}
	sqlite3_reset(s);
	return rc;
}

int store_account_create(const struct store_account *acct)
{
	sqlite3_stmt *s = stmt(S_ACCOUNT_CREATE);
	sq_bind_id(s, 1, &acct->id);
	sq_bind_text(s, 2, acct->email);
	sq_bind_text(s, 3, acct->pw_hash);
	sq_bind_text(s, 4, role_name(acct->role));
	if (acct->has_practice)
		sq_bind_id(s, 5, &acct->practice);
	if (acct->has_patient)
		sq_bind_id(s, 6, &acct->patient);
	if (acct->email_ct.ptr)
		sqlite3_bind_blob(s, 7, acct->email_ct.ptr, (int)acct->email_ct.len, SQLITE_STATIC);
	int step = sqlite3_step(s);
	int rc = step == SQLITE_DONE ? STORE_OK
		 : step == SQLITE_CONSTRAINT ? STORE_CONFLICT
					       : sq_fail("account_create");
	sqlite3_reset(s);
	return rc;
}

static int account_row(sqlite3_stmt *s, struct arena *a, struct store_account *out)
{
	memset(out, 0, sizeof(*out));
	sq_col_id(s, 0, &out->id);
	out->email = sq_col_text(s, 1, a);
	out->pw_hash = sq_col_text(s, 2, a);
	const char *role = sq_col_text(s, 3, a);
	out->role = role ? role_parse(role) : ROLE_NONE;
	out->has_practice = sq_col_id(s, 4, &out->practice);
	out->has_patient = sq_col_id(s, 5, &out->patient);
	out->locked = sqlite3_column_int(s, 6) != 0;
	return (out->email && out->pw_hash) ? STORE_OK : STORE_ERROR;
}

int store_account_by_email(const char *email, struct arena *a, struct store_account *out)
{
	sqlite3_stmt *s = stmt(S_ACCOUNT_BY_EMAIL);
	sq_bind_text(s, 1, email);
	int rc = STORE_NOT_FOUND;
	if (sqlite3_step(s) == SQLITE_ROW)
		rc = account_row(s, a, out);
	sqlite3_reset(s);
	return rc;
}

static int run_with_id(enum stmt_id which, const struct id *id, const char *what)
{
	sqlite3_stmt *s = stmt(which);
	sq_bind_id(s, 1, id);
	int rc = sqlite3_step(s) == SQLITE_DONE ? STORE_OK : sq_fail(what);
	sqlite3_reset(s);
	return rc;
}

int store_account_lock(const struct id *account)
{
	return run_with_id(S_ACCOUNT_LOCK, account, "account_lock");
}

int store_sessions_revoke(const struct id *account)
{
	int rc = run_with_id(S_SESSIONS_REVOKE, account, "sessions_revoke");
	return rc == STORE_OK ? store_app_codes_end(account) : rc;
}

/* --- sessions --- */

int store_session_create(const uint8_t token_hash[HASH_BYTES], const struct store_session *ses)
{
	sqlite3_stmt *s = stmt(S_SESSION_CREATE);
	sqlite3_bind_blob(s, 1, token_hash, HASH_BYTES, SQLITE_STATIC);
	sq_bind_id(s, 2, &ses->id);
	sq_bind_id(s, 3, &ses->account);
	sq_bind_text(s, 4, ses->csrf);
	sqlite3_bind_int64(s, 5, ses->created);
	sqlite3_bind_int64(s, 6, ses->last_seen);
	sqlite3_bind_int(s, 7, ses->mfa ? 1 : 0);
	sq_bind_text(s, 8, ses->device);
	sq_bind_text(s, 9, ses->ip);
	sqlite3_bind_int(s, 10, ses->new_device ? 1 : 0);
	if (ses->app) {
		sq_bind_id(s, 11, &ses->client);
		sqlite3_bind_int(s, 12, (int)ses->app_scopes);
	} else {
		sqlite3_bind_null(s, 11);
		sqlite3_bind_int(s, 12, 0);
	}
	if (ses->has_record)
		sq_bind_id(s, 13, &ses->record);
	else
		sqlite3_bind_null(s, 13);
	int rc = sqlite3_step(s) == SQLITE_DONE ? STORE_OK : sq_fail("session_create");
	sqlite3_reset(s);
	return rc;
}

int store_session_get(const uint8_t token_hash[HASH_BYTES], struct store_session *out)
{
	sqlite3_stmt *s = stmt(S_SESSION_GET);
	sqlite3_bind_blob(s, 1, token_hash, HASH_BYTES, SQLITE_STATIC);
	sqlite3_bind_int64(s, 2, (int64_t)time(NULL));
	int rc = STORE_NOT_FOUND;
	if (sqlite3_step(s) == SQLITE_ROW) {
		sq_col_id(s, 0, &out->id);
		sq_col_id(s, 1, &out->account);
		sq_col_text_fixed(s, 2, out->csrf, sizeof(out->csrf));
		out->created = sqlite3_column_int64(s, 3);
		out->last_seen = sqlite3_column_int64(s, 4);
		const unsigned char *role = sqlite3_column_text(s, 5);
		out->role = role ? role_parse((const char *)role) : ROLE_NONE;
		out->has_practice = sq_col_id(s, 6, &out->practice);
		out->has_patient = sq_col_id(s, 7, &out->patient);
		out->mfa = sqlite3_column_int(s, 8) != 0;
		out->mfa_enrolled = sqlite3_column_int(s, 9) != 0;
		sq_col_text_fixed(s, 10, out->device, sizeof(out->device));
		out->mfa_required = sqlite3_column_int(s, 11) != 0;
		out->has_record = sq_col_id(s, 12, &out->record);
		out->app = sq_col_id(s, 13, &out->client);
		out->app_scopes = out->app ? (unsigned)sqlite3_column_int(s, 14) : 0;
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
	int rc = sqlite3_step(s) == SQLITE_DONE ? STORE_OK : sq_fail("session_touch");
	sqlite3_reset(s);
	return rc;
}

int store_session_delete(const uint8_t token_hash[HASH_BYTES])
{
	sqlite3_stmt *s = stmt(S_SESSION_DELETE);
	sqlite3_bind_blob(s, 1, token_hash, HASH_BYTES, SQLITE_STATIC);
	int rc = sqlite3_step(s) == SQLITE_DONE ? STORE_OK : sq_fail("session_delete");
	sqlite3_reset(s);
	return rc;
}

/* --- throttling --- */

int store_throttle_get(const char *key, int64_t now, int64_t window, int *failures,
		       int64_t *blocked_until)
{
	sqlite3_stmt *s = stmt(S_THROTTLE_GET);
	sq_bind_text(s, 1, key);
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
	sq_bind_text(s, 1, key);
	sqlite3_bind_int64(s, 2, now);
	sqlite3_bind_int64(s, 3, window);
	sqlite3_bind_int(s, 4, block_after);
	sqlite3_bind_int64(s, 5, block_seconds);
	sqlite3_bind_int64(s, 6, THROTTLE_BLOCK_MAX_SECONDS);
	int rc = sqlite3_step(s) == SQLITE_DONE ? STORE_OK : sq_fail("throttle_fail");
	sqlite3_reset(s);
	return rc;
}

int store_throttle_clear(const char *key)
{
	sqlite3_stmt *s = stmt(S_THROTTLE_CLEAR);
	sq_bind_text(s, 1, key);
	int rc = sqlite3_step(s) == SQLITE_DONE ? STORE_OK : sq_fail("throttle_clear");
	sqlite3_reset(s);
	return rc;
}

/* --- unscoped metadata --- */

int store_patient_target(const struct id *patient, struct target *out)
{
	memset(out, 0, sizeof(*out));
	out->patient = *patient;
	sqlite3_stmt *s = stmt(S_PATIENT_EXISTS);
	sq_bind_id(s, 1, patient);
	out->exists = sqlite3_step(s) == SQLITE_ROW;
	sqlite3_reset(s);
	/* The enrolments are looked up for a missing id too (none are found): another patient's
	 * id must cost what a random one does (DESIGN.md invariant 2, timing). */
	s = stmt(S_ENROLMENTS);
	sq_bind_id(s, 1, patient);
	while (out->n_practices < TARGET_MAX_PRACTICES && sqlite3_step(s) == SQLITE_ROW)
		if (sq_col_id(s, 0, &out->practices[out->n_practices]))
			out->n_practices += out->exists ? 1 : 0;
	sqlite3_reset(s);
	return out->exists ? STORE_OK : STORE_NOT_FOUND;
}

int store_document_target(const struct id *document, struct target *out)
{
	memset(out, 0, sizeof(*out));
	sqlite3_stmt *s = stmt(S_DOCUMENT_TARGET);
	sq_bind_id(s, 1, document);
	while (sqlite3_step(s) == SQLITE_ROW) {
		if (!out->exists) {
			out->exists = sq_col_id(s, 0, &out->patient);
			if (!out->exists)
				break;
		}
		if (out->n_practices < TARGET_MAX_PRACTICES &&
		    sq_col_id(s, 1, &out->practices[out->n_practices]))
			out->n_practices++;
	}
	sqlite3_reset(s);
	return out->exists ? STORE_OK : STORE_NOT_FOUND;
}

int store_practice_patient_ids(const struct id *practice, size_t offset, size_t limit,
			       struct arena *a, struct id **ids, size_t *n)
{
	*n = 0;
	if (limit > LIMIT_LIST || offset > INT32_MAX)
		return STORE_ERROR;
	*ids = arena_calloc(a, limit ? limit : 1, sizeof(struct id));
	if (*ids == NULL)
		return STORE_ERROR;
	sqlite3_stmt *s = stmt(S_PRACTICE_PATIENTS);
	sq_bind_id(s, 1, practice);
	sqlite3_bind_int(s, 2, (int)limit);
	sqlite3_bind_int64(s, 3, (sqlite3_int64)offset);
	while (*n < limit && sqlite3_step(s) == SQLITE_ROW)
		if (sq_col_id(s, 0, &(*ids)[*n]))
			(*n)++;
	sqlite3_reset(s);
	return STORE_OK;
}

/* --- patient-scoped --- */

/* Insert a keystore row; STORE_CONFLICT when refused (a row exists, or its master key is
 * being retired by a rotation). */
static int keystore_insert(const struct id *patient, struct bytes wrapped)
{
	sqlite3_stmt *s = stmt(S_KEY_INSERT);
	sq_bind_id(s, 1, patient);
	sqlite3_bind_blob(s, 2, wrapped.ptr, (int)wrapped.len, SQLITE_STATIC);
	int step = sqlite3_step(s);
	int changed = step == SQLITE_DONE ? sqlite3_changes(sqlite3_db_handle(s)) : 0;
	sqlite3_reset(s);
	if (step == SQLITE_CONSTRAINT)
		return STORE_CONFLICT;
	if (step != SQLITE_DONE)
		return sq_fail("keystore_insert");
	return changed == 1 ? STORE_OK : STORE_CONFLICT;
}

static int keystore_delete(const struct id *patient)
{
	sqlite3_stmt *s = stmt(S_KEY_DELETE);
	sq_bind_id(s, 1, patient);
	int rc = sqlite3_step(s) == SQLITE_DONE ? STORE_OK : sq_fail("keystore_delete");
	sqlite3_reset(s);
	return rc;
}

int store_patient_create(const struct id *id, const struct id *practice,
			 const uint8_t nhi_index[HASH_BYTES], struct bytes wrapped_key,
			 struct bytes phi)
{
	/* The key goes to the keystore, first: a patient row never exists without its key. */
	int rc = keystore_insert(id, wrapped_key);
	if (rc != STORE_OK) {
		log_warn("component=store op=patient_create error=\"keystore refused the key (a "
			 "rotation is retiring the master key that wrapped it?)\"");
		return STORE_ERROR;
	}
	sqlite3_stmt *s = stmt(S_PATIENT_CREATE);
	sq_bind_id(s, 1, id);
	sqlite3_bind_blob(s, 2, nhi_index, HASH_BYTES, SQLITE_STATIC);
	sqlite3_bind_zeroblob(s, 3, 0);
	sqlite3_bind_blob(s, 4, phi.ptr, (int)phi.len, SQLITE_STATIC);
	int step = sqlite3_step(s);
	sqlite3_reset(s);
	rc = step == SQLITE_DONE ? STORE_OK
	     : step == SQLITE_CONSTRAINT ? STORE_CONFLICT
					   : sq_fail("patient_create");
	if (rc != STORE_OK)
		keystore_delete(id);
	if (rc == STORE_OK && practice != NULL) {
		s = stmt(S_ENROL);
		sq_bind_id(s, 1, id);
		sq_bind_id(s, 2, practice);
		rc = sqlite3_step(s) == SQLITE_DONE ? STORE_OK : sq_fail("enrol");
		sqlite3_reset(s);
	}
	return rc;
}

/*
 * The patient's wrapped key: from the keystore, or, for a data directory from before the
 * keystore, the one on the patient row (legacy, passed in). STORE_GONE when neither holds one:
 * the key was destroyed (crypto-shredded), here or before this backup was restored.
 */
static int patient_key_row(const struct id *patient, struct bytes legacy, struct arena *a,
			   struct bytes *out)
{
	sqlite3_stmt *s = stmt(S_KEY_GET);
	sq_bind_id(s, 1, patient);
	int step = sqlite3_step(s);
	int rc;
	if (step == SQLITE_ROW)
		rc = sq_col_bytes(s, 0, a, out) ? STORE_OK : STORE_ERROR;
	else if (step != SQLITE_DONE)
		rc = sq_fail("patient_key");
	else if (legacy.len > 0) {
		*out = legacy;
		rc = STORE_OK;
	} else
		rc = STORE_GONE;
	sqlite3_reset(s);
	return rc;
}

int store_patient_get(const struct grant *g, const struct id *patient, struct arena *a,
		      struct store_patient *out)
{
	if (!grant_for_patient(g, patient))
		return STORE_DENIED;
	sqlite3_stmt *s = stmt(S_PATIENT_GET);
	sq_bind_id(s, 1, patient);
	int rc = STORE_NOT_FOUND;
	struct bytes legacy = {0};
	if (sqlite3_step(s) == SQLITE_ROW) {
		out->id = *patient;
		rc = sq_col_bytes(s, 0, a, &legacy) && sq_col_bytes(s, 1, a, &out->phi) ? STORE_OK
										     : STORE_ERROR;
		out->created = sqlite3_column_int64(s, 2);
	}
	sqlite3_reset(s);
	if (rc == STORE_OK)
		rc = patient_key_row(patient, legacy, a, &out->wrapped_key);
	return rc;
}

int store_document_insert(const struct grant *g, const struct store_document *d,
			  const struct store_upload_limit *lim)
{
	if (!grant_allows(g, &d->patient, ACTION_DOCUMENT_CREATE))
		return STORE_DENIED;
	sqlite3_stmt *s = stmt(S_DOCUMENT_INSERT);
	sq_bind_id(s, 1, &d->id);
	sq_bind_id(s, 2, &d->patient);
	sq_bind_id(s, 3, &d->author);
	sq_bind_text(s, 4, d->kind);
	sq_bind_text(s, 5, d->content_type);
	sqlite3_bind_int64(s, 6, d->size);
	sqlite3_bind_int64(s, 7, d->created);
	sqlite3_bind_blob(s, 8, d->wrapped_key.ptr, (int)d->wrapped_key.len, SQLITE_STATIC);
	sqlite3_bind_blob(s, 9, d->meta.ptr, (int)d->meta.len, SQLITE_STATIC);
	sqlite3_bind_blob64(s, 10, d->body.ptr, d->body.len, SQLITE_STATIC);
	sqlite3_bind_int64(s, 11, lim ? lim->since : 0);
	sqlite3_bind_int64(s, 12, lim ? lim->daily_bytes : INT64_MAX / 4);
	sqlite3_bind_int64(s, 13, lim ? lim->total_bytes : INT64_MAX / 4);
	int rc = sqlite3_step(s) == SQLITE_DONE ? STORE_OK : sq_fail("document_insert");
	if (rc == STORE_OK && sqlite3_changes(sqlite3_db_handle(s)) == 0)
		rc = STORE_CONFLICT;
	sqlite3_reset(s);
	return rc;
}

int store_document_usage(const struct id *account, int64_t since, int64_t *total, int64_t *day)
{
	sqlite3_stmt *s = stmt(S_DOCUMENT_USAGE);
	sq_bind_id(s, 1, account);
	sqlite3_bind_int64(s, 2, since);
	*total = *day = 0;
	int rc = STORE_OK;
	if (sqlite3_step(s) == SQLITE_ROW) {
		*total = sqlite3_column_int64(s, 0);
		*day = sqlite3_column_int64(s, 1);
	} else {
		rc = sq_fail("document_usage");
	}
	sqlite3_reset(s);
	return rc;
}

static bool document_row(sqlite3_stmt *s, int first, struct arena *a, struct store_document *d)
{
	sq_col_id(s, first, &d->author);
	sq_col_text_fixed(s, first + 1, d->kind, sizeof(d->kind));
	sq_col_text_fixed(s, first + 2, d->content_type, sizeof(d->content_type));
	d->size = sqlite3_column_int64(s, first + 3);
	d->created = sqlite3_column_int64(s, first + 4);
	return sq_col_bytes(s, first + 5, a, &d->wrapped_key) && sq_col_bytes(s, first + 6, a, &d->meta);
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
	sq_bind_id(s, 1, patient);
	sqlite3_bind_int(s, 2, LIMIT_LIST);
	while (*n < LIMIT_LIST && sqlite3_step(s) == SQLITE_ROW) {
		struct store_document *d = &(*docs)[*n];
		sq_col_id(s, 0, &d->id);
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
	sq_bind_id(s, 1, document);
	sqlite3_bind_int(s, 2, with_body ? 1 : 0);
	int rc = STORE_NOT_FOUND;
	if (sqlite3_step(s) == SQLITE_ROW) {
		sq_col_id(s, 0, &out->patient);
		out->id = *document;
		/* The grant must be for this document's own patient: checked on the row itself. */
		if (!grant_allows(g, &out->patient, ACTION_DOCUMENT_READ))
			rc = STORE_DENIED;
		else if (!document_row(s, 1, a, out) || (with_body && !sq_col_bytes(s, 8, a, &out->body)))
			rc = STORE_ERROR;
		else
			rc = STORE_OK;
		if (rc == STORE_OK && patient != NULL) {
			patient->id = out->patient;
			patient->created = sqlite3_column_int64(s, 11);
			if (!sq_col_bytes(s, 9, a, &patient->wrapped_key) || !sq_col_bytes(s, 10, a, &patient->phi))
				rc = STORE_ERROR;
		}
	}
	sqlite3_reset(s);
	if (rc == STORE_OK && patient != NULL)
		rc = patient_key_row(&patient->id, patient->wrapped_key, a, &patient->wrapped_key);
	if (rc != STORE_OK)
		memset(out, 0, sizeof(*out));
	return rc;
}

/* --- sessions of an account, devices --- */

int store_sessions_list(const struct id *account, struct arena *a, struct store_session **out,
			size_t *n)
{
	static const char sql[] = "SELECT id, created, last_seen, device, ip, mfa, new_device FROM session"
				  " WHERE account_id = ? ORDER BY last_seen DESC LIMIT 50";
	*n = 0;
	*out = arena_calloc(a, 50, sizeof(**out));
	sqlite3_stmt *s = NULL;
	struct conn *c = conn_get();
	if (*out == NULL || c == NULL || sqlite3_prepare_v2(c->db, sql, -1, &s, NULL) != SQLITE_OK)
		return sq_fail("sessions_list");
	sq_bind_id(s, 1, account);
	while (*n < 50 && sqlite3_step(s) == SQLITE_ROW) {
		struct store_session *x = &(*out)[(*n)++];
		sq_col_id(s, 0, &x->id);
		x->account = *account;
		x->created = sqlite3_column_int64(s, 1);
		x->last_seen = sqlite3_column_int64(s, 2);
		sq_col_text_fixed(s, 3, x->device, sizeof(x->device));
		sq_col_text_fixed(s, 4, x->ip, sizeof(x->ip));
		x->mfa = sqlite3_column_int(s, 5) != 0;
		x->new_device = sqlite3_column_int(s, 6) != 0;
	}
	sqlite3_finalize(s);
	return STORE_OK;
}

int store_session_revoke_id(const struct id *account, const struct id *session)
{
	static const char sql[] = "DELETE FROM session WHERE account_id = ? AND id = ?";
	sqlite3_stmt *s = NULL;
	struct conn *c = conn_get();
	if (c == NULL || sqlite3_prepare_v2(c->db, sql, -1, &s, NULL) != SQLITE_OK)
		return sq_fail("session_revoke_id");
	sq_bind_id(s, 1, account);
	sq_bind_id(s, 2, session);
	int rc = sqlite3_step(s) == SQLITE_DONE ? STORE_OK : sq_fail("session_revoke_id");
	if (rc == STORE_OK && sqlite3_changes(c->db) != 1)
		rc = STORE_NOT_FOUND;
	sqlite3_finalize(s);
	return rc;
}

int store_device_seen(const struct id *account, const char *device)
{
	static const char sql[] = "INSERT OR IGNORE INTO device (account_id, name, first_seen)"
				  " VALUES (?, ?, unixepoch())";
	sqlite3_stmt *s = NULL;
	struct conn *c = conn_get();
	if (c == NULL || sqlite3_prepare_v2(c->db, sql, -1, &s, NULL) != SQLITE_OK)
		return sq_fail("device_seen");
	sq_bind_id(s, 1, account);
	sq_bind_text(s, 2, device);
	int rc = sqlite3_step(s) == SQLITE_DONE ? STORE_OK : sq_fail("device_seen");
	if (rc == STORE_OK && sqlite3_changes(c->db) != 1)
		rc = STORE_CONFLICT;
	sqlite3_finalize(s);
	return rc;
}

/* --- second factor --- */

int store_mfa_get(const struct id *account, struct arena *a, struct store_mfa *out)
{
	memset(out, 0, sizeof(*out));
	sqlite3_stmt *s = stmt(S_MFA_GET);
	sq_bind_id(s, 1, account);
	int rc = STORE_NOT_FOUND;
	if (sqlite3_step(s) == SQLITE_ROW) {
		rc = (sq_col_bytes(s, 0, a, &out->totp) && sq_col_bytes(s, 1, a, &out->totp_pending))
			     ? STORE_OK
			     : STORE_ERROR;
		out->last_step = sqlite3_column_int64(s, 2);
	}
	sqlite3_reset(s);
	if (rc != STORE_OK)
		return rc;
	s = stmt(S_MFA_RECOVERY);
	sq_bind_id(s, 1, account);
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
	sq_bind_id(s, 2, account);
	int rc = sqlite3_step(s) == SQLITE_DONE ? STORE_OK : sq_fail("mfa_pending");
	sqlite3_reset(s);
	return rc;
}

/* Run an UPDATE; STORE_CONFLICT when it changed no row. */
static int update_one(sqlite3_stmt *s, const char *what)
{
	int rc = sqlite3_step(s) == SQLITE_DONE ? STORE_OK : sq_fail(what);
	if (rc == STORE_OK && sqlite3_changes(sqlite3_db_handle(s)) != 1)
		rc = STORE_CONFLICT;
	sqlite3_reset(s);
	return rc;
}

int store_mfa_enable(const struct id *account, const struct bytes *sealed, int64_t step)
{
	sqlite3_stmt *s = stmt(sealed ? S_MFA_ENABLE_WITH : S_MFA_ENABLE);
	sq_bind_id(s, 1, account);
	sqlite3_bind_int64(s, 2, step);
	if (sealed)
		sqlite3_bind_blob(s, 3, sealed->ptr, (int)sealed->len, SQLITE_STATIC);
	return update_one(s, "mfa_enable");
}

int store_mfa_use_step(const struct id *account, int64_t step)
{
	sqlite3_stmt *s = stmt(S_MFA_STEP);
	sq_bind_id(s, 1, account);
	sqlite3_bind_int64(s, 2, step);
	return update_one(s, "mfa_step");
}

int store_mfa_set_recovery(const struct id *account, const uint8_t (*hashes)[HASH_BYTES], size_t n)
{
	sqlite3_stmt *s = stmt(S_MFA_RECOVERY_CLEAR);
	sq_bind_id(s, 1, account);
	int rc = sqlite3_step(s) == SQLITE_DONE ? STORE_OK : sq_fail("recovery_clear");
	sqlite3_reset(s);
	for (size_t i = 0; rc == STORE_OK && i < n; i++) {
		s = stmt(S_MFA_RECOVERY_ADD);
		sq_bind_id(s, 1, account);
		sqlite3_bind_int(s, 2, (int)i);
		sqlite3_bind_blob(s, 3, hashes[i], HASH_BYTES, SQLITE_STATIC);
		rc = sqlite3_step(s) == SQLITE_DONE ? STORE_OK : sq_fail("recovery_add");
		sqlite3_reset(s);
	}
	return rc;
}

int store_mfa_use_recovery(const struct id *account, int index)
{
	sqlite3_stmt *s = stmt(S_MFA_RECOVERY_USE);
	sq_bind_id(s, 1, account);
	sqlite3_bind_int(s, 2, index);
	return update_one(s, "recovery_use");
}

/* --- notices and outbox --- */

int store_notice_insert(const struct grant *g, const struct id *patient, const struct store_notice *n)
{
	if (!grant_for_patient(g, patient))
		return STORE_DENIED;
	sqlite3_stmt *s = stmt(S_NOTICE_INSERT);
	sq_bind_id(s, 1, &n->id);
	sq_bind_id(s, 2, patient);
	sq_bind_text(s, 3, n->reference);
	sqlite3_bind_int64(s, 4, n->created);
	sqlite3_bind_blob(s, 5, n->body.ptr, (int)n->body.len, SQLITE_STATIC);
	int rc = sqlite3_step(s) == SQLITE_DONE ? STORE_OK : sq_fail("notice_insert");
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
	sq_bind_id(s, 1, patient);
	while (*n < 100 && sqlite3_step(s) == SQLITE_ROW) {
		struct store_notice *x = &(*out)[*n];
		sq_col_id(s, 0, &x->id);
		sq_col_text_fixed(s, 1, x->reference, sizeof(x->reference));
		x->created = sqlite3_column_int64(s, 2);
		if (!sq_col_bytes(s, 3, a, &x->body)) {
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
	sq_bind_id(s, 1, patient);
	while (*n < 8 && sqlite3_step(s) == SQLITE_ROW) {
		struct store_account *x = &(*out)[*n];
		if (account_row(s, a, x) != STORE_OK || !sq_col_bytes(s, 7, a, &x->email_ct)) {
			rc = STORE_ERROR;
			break;
		}
		(*n)++;
	}
	sqlite3_reset(s);
	return rc;
}

int store_outbox_insert(const struct id *id, const struct id *account, struct bytes to_ct,
			const char *subject, struct bytes body_ct)
{
	if (body_ct.len == 0)
		return STORE_ERROR;
	sqlite3_stmt *s = stmt(S_OUTBOX_INSERT);
	sq_bind_id(s, 1, id);
	sq_bind_id(s, 2, account);
	sqlite3_bind_blob(s, 3, to_ct.ptr, (int)to_ct.len, SQLITE_STATIC);
	sq_bind_text(s, 4, subject);
	sqlite3_bind_blob(s, 5, body_ct.ptr, (int)body_ct.len, SQLITE_STATIC);
	int rc = sqlite3_step(s) == SQLITE_DONE ? STORE_OK : sq_fail("outbox_insert");
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
	sq_bind_text(s, 3, r->actor);
	sq_bind_text(s, 4, r->session);
	sq_bind_text(s, 5, r->ip);
	sq_bind_text(s, 6, r->action);
	sq_bind_text(s, 7, r->patient);
	sq_bind_text(s, 8, r->rtype);
	sq_bind_text(s, 9, r->rid);
	sq_bind_text(s, 10, r->outcome);
	sqlite3_bind_int64(s, 11, r->bytes);
	sqlite3_bind_blob(s, 12, r->prev, HASH_BYTES, SQLITE_STATIC);
	sqlite3_bind_blob(s, 13, r->hash, HASH_BYTES, SQLITE_STATIC);
	sq_bind_text(s, 14, r->via);
	int rc = sqlite3_step(s) == SQLITE_DONE ? STORE_OK : sq_fail("audit_insert");
	sqlite3_reset(s);
	return rc;
}

static int checkpoint_insert(const struct audit_checkpoint *cp)
{
	sqlite3_stmt *s = stmt(S_CP_INSERT);
	sqlite3_bind_int64(s, 1, cp->seq);
	sqlite3_bind_int64(s, 2, cp->ts_ms);
	sqlite3_bind_blob(s, 3, cp->head, HASH_BYTES, SQLITE_STATIC);
	sqlite3_bind_blob(s, 4, cp->key_id, KEY_ID_BYTES, SQLITE_STATIC);
	sqlite3_bind_blob(s, 5, cp->sig, SIGNATURE_BYTES, SQLITE_STATIC);
	int rc = sqlite3_step(s) == SQLITE_DONE ? STORE_OK : sq_fail("checkpoint_insert");
	sqlite3_reset(s);
	return rc;
}

int store_audit_append(int64_t after_seq, const uint8_t after_hash[HASH_BYTES],
		       const struct audit_record *r, size_t n, const struct audit_checkpoint *cp)
{
	if (run_simple(S_AUDIT_BEGIN) != STORE_OK)
		return STORE_ERROR;
	/* Inside the write transaction: nobody can append between this check and the commit. */
	int64_t last;
	uint8_t head[HASH_BYTES];
	int rc = store_audit_last(&last, head);
	if (rc == STORE_OK && (last != after_seq || memcmp(head, after_hash, HASH_BYTES) != 0))
		rc = STORE_CONFLICT;
	for (size_t i = 0; rc == STORE_OK && i < n; i++)
		rc = audit_insert_one(&r[i]);
	if (rc == STORE_OK && cp != NULL)
		rc = checkpoint_insert(cp);
	if (rc == STORE_OK && run_simple(S_AUDIT_COMMIT) == STORE_OK)
		return STORE_OK;
	run_simple(S_AUDIT_ROLLBACK);
	return rc == STORE_CONFLICT ? STORE_CONFLICT : STORE_ERROR;
}

int store_audit_read_begin(void)
{
	struct conn *c = conn_get();
	if (c == NULL || c->adb == NULL)
		return STORE_ERROR;
	return exec_on(c->adb, "BEGIN; SELECT count(*) FROM sqlite_schema;");
}

void store_audit_read_end(void)
{
	struct conn *c = conn_get();
	if (c != NULL && c->adb != NULL)
		exec_on(c->adb, "COMMIT;");
}

int store_audit_hash_at(int64_t seq, uint8_t hash[HASH_BYTES])
{
	sqlite3_stmt *s = stmt(S_AUDIT_HASH_AT);
	sqlite3_bind_int64(s, 1, seq);
	int step = sqlite3_step(s);
	int rc = step == SQLITE_DONE ? STORE_NOT_FOUND : STORE_ERROR;
	if (step == SQLITE_ROW && sqlite3_column_bytes(s, 0) == HASH_BYTES) {
		memcpy(hash, sqlite3_column_blob(s, 0), HASH_BYTES);
		rc = STORE_OK;
	}
	sqlite3_reset(s);
	return rc;
}

/* A checkpoint row; false when a column has the wrong size (a damaged or forged row). */
static bool checkpoint_row(sqlite3_stmt *s, struct audit_checkpoint *cp)
{
	memset(cp, 0, sizeof(*cp));
	cp->seq = sqlite3_column_int64(s, 0);
	cp->ts_ms = sqlite3_column_int64(s, 1);
	if (sqlite3_column_bytes(s, 2) != HASH_BYTES || sqlite3_column_bytes(s, 3) != KEY_ID_BYTES ||
	    sqlite3_column_bytes(s, 4) != SIGNATURE_BYTES)
		return false;
	memcpy(cp->head, sqlite3_column_blob(s, 2), HASH_BYTES);
	memcpy(cp->key_id, sqlite3_column_blob(s, 3), KEY_ID_BYTES);
	memcpy(cp->sig, sqlite3_column_blob(s, 4), SIGNATURE_BYTES);
	return true;
}

int store_audit_last_checkpoint(struct audit_checkpoint *out)
{
	sqlite3_stmt *s = stmt(S_CP_LAST);
	int step = sqlite3_step(s);
	int rc = step == SQLITE_DONE ? STORE_NOT_FOUND : STORE_ERROR;
	if (step == SQLITE_ROW)
		rc = checkpoint_row(s, out) ? STORE_OK : STORE_ERROR;
	sqlite3_reset(s);
	return rc;
}

int store_audit_checkpoints_each(int (*fn)(const struct audit_checkpoint *cp, void *ctx),
				 void *ctx)
{
	sqlite3_stmt *s = NULL;
	struct conn *c = conn_get();
	if (c == NULL || sqlite3_prepare_v2(c->adb,
					    "SELECT seq, ts_ms, head, key_id, sig FROM checkpoint"
					    " ORDER BY seq",
					    -1, &s, NULL) != SQLITE_OK)
		return sq_fail("checkpoints_each");
	int rc = 0;
	struct audit_checkpoint cp;
	while (rc == 0 && sqlite3_step(s) == SQLITE_ROW) {
		/* A row with a wrong-sized column is passed on zeroed but for seq and time, and
		 * fails its signature check there: it is reported, never skipped. */
		checkpoint_row(s, &cp);
		cp.seq = sqlite3_column_int64(s, 0);
		cp.ts_ms = sqlite3_column_int64(s, 1);
		rc = fn(&cp, ctx);
	}
	sqlite3_finalize(s);
	return rc;
}

void sq_audit_row(sqlite3_stmt *s, struct audit_record *r)
{
	memset(r, 0, sizeof(*r));
	r->seq = sqlite3_column_int64(s, 0);
	r->ts_ms = sqlite3_column_int64(s, 1);
	sq_col_text_fixed(s, 2, r->actor, sizeof(r->actor));
	sq_col_text_fixed(s, 3, r->session, sizeof(r->session));
	sq_col_text_fixed(s, 4, r->ip, sizeof(r->ip));
	sq_col_text_fixed(s, 5, r->action, sizeof(r->action));
	sq_col_text_fixed(s, 6, r->patient, sizeof(r->patient));
	sq_col_text_fixed(s, 7, r->rtype, sizeof(r->rtype));
	sq_col_text_fixed(s, 8, r->rid, sizeof(r->rid));
	sq_col_text_fixed(s, 9, r->outcome, sizeof(r->outcome));
	r->bytes = sqlite3_column_int64(s, 10);
	if (sqlite3_column_bytes(s, 11) == HASH_BYTES)
		memcpy(r->prev, sqlite3_column_blob(s, 11), HASH_BYTES);
	if (sqlite3_column_bytes(s, 12) == HASH_BYTES)
		memcpy(r->hash, sqlite3_column_blob(s, 12), HASH_BYTES);
	sq_col_text_fixed(s, 13, r->via, sizeof(r->via));
}

/* Walk the records sql selects (bound to `bound` when given), in a statement of its own so a
 * long walk does not hold the shared one. */
static int audit_walk(const char *sql, const char *bound,
		      int (*fn)(const struct audit_record *r, void *ctx), void *ctx)
{
	sqlite3_stmt *s = NULL;
	struct conn *c = conn_get();
	if (c == NULL || sqlite3_prepare_v2(c->adb, sql, -1, &s, NULL) != SQLITE_OK)
		return sq_fail("audit_walk");
	if (bound)
		sq_bind_text(s, 1, bound);
	int rc = 0;
	struct audit_record r;
	while (rc == 0 && sqlite3_step(s) == SQLITE_ROW) {
		sq_audit_row(s, &r);
		rc = fn(&r, ctx);
	}
	sqlite3_finalize(s);
	return rc;
}

int store_audit_each(int (*fn)(const struct audit_record *r, void *ctx), void *ctx)
{
	return audit_walk(stmt_sql[S_AUDIT_EACH], NULL, fn, ctx);
}

int store_audit_each_session(const char *session_hex,
			     int (*fn)(const struct audit_record *r, void *ctx), void *ctx)
{
	return audit_walk("SELECT seq, ts_ms, actor, session, ip, action, patient, rtype, rid,"
			  " outcome, bytes, prev, hash, via FROM audit WHERE session = ? ORDER BY seq",
			  session_hex, fn, ctx);
}

int store_audit_alerts(struct arena *a, struct audit_record **out, size_t *n)
{
	static const char sql[] = "SELECT seq, ts_ms, actor, session, ip, action, patient, rtype, rid,"
				  " outcome, bytes, prev, hash, via FROM audit WHERE action = 'breaker.trip'"
				  " ORDER BY seq DESC LIMIT 100";
	*n = 0;
	*out = arena_calloc(a, 100, sizeof(**out));
	sqlite3_stmt *s = NULL;
	struct conn *c = conn_get();
	if (*out == NULL || c == NULL || sqlite3_prepare_v2(c->adb, sql, -1, &s, NULL) != SQLITE_OK)
		return sq_fail("audit_alerts");
	while (*n < 100 && sqlite3_step(s) == SQLITE_ROW)
		sq_audit_row(s, &(*out)[(*n)++]);
	sqlite3_finalize(s);
	return STORE_OK;
}

int store_accounts_by_role(enum role role, struct arena *a, struct store_account **out, size_t *n)
{
	static const char sql[] = "SELECT id, email, pw_hash, role, practice_id, patient_id, locked,"
				  " email_ct FROM account WHERE role = ? AND locked = 0 LIMIT 20";
	*n = 0;
	*out = arena_calloc(a, 20, sizeof(**out));
	sqlite3_stmt *s = NULL;
	struct conn *c = conn_get();
	if (*out == NULL || c == NULL || sqlite3_prepare_v2(c->db, sql, -1, &s, NULL) != SQLITE_OK)
		return sq_fail("accounts_by_role");
	sq_bind_text(s, 1, role_name(role));
	int rc = STORE_OK;
	while (*n < 20 && sqlite3_step(s) == SQLITE_ROW) {
		struct store_account *x = &(*out)[*n];
		if (account_row(s, a, x) != STORE_OK || !sq_col_bytes(s, 7, a, &x->email_ct)) {
			rc = STORE_ERROR;
			break;
		}
		(*n)++;
	}
	sqlite3_finalize(s);
	return rc;
}

/* --- the keystore --- */

int store_keystore_meta_get(const char *name, uint8_t *out, size_t cap, size_t *len)
{
	return meta_get(S_KMETA_GET, name, out, cap, len);
}

int store_keystore_meta_set(const char *name, const uint8_t *value, size_t len)
{
	return meta_set(S_KMETA_SET, name, value, len);
}

int store_keystore_counts(const uint8_t key_id[KEY_ID_BYTES], int64_t *total, int64_t *under)
{
	sqlite3_stmt *s = stmt(S_KEY_COUNTS);
	sqlite3_bind_blob(s, 1, key_id, KEY_ID_BYTES, SQLITE_STATIC);
	int rc = STORE_ERROR;
	if (sqlite3_step(s) == SQLITE_ROW) {
		*total = sqlite3_column_int64(s, 0);
		*under = sqlite3_column_int64(s, 1);
		rc = STORE_OK;
	}
	sqlite3_reset(s);
	return rc == STORE_OK ? rc : sq_fail("keystore_counts");
}

/* Rows of (rowid, id, wrapped key) from a statement already bound. */
static int wrapped_rows(sqlite3_stmt *s, size_t max, struct arena *a,
			struct store_wrapped_key **rows, size_t *n)
{
	*n = 0;
	*rows = arena_calloc(a, max ? max : 1, sizeof(**rows));
	if (*rows == NULL)
		return STORE_ERROR;
	int rc = STORE_OK, step;
	while (*n < max && (step = sqlite3_step(s)) == SQLITE_ROW) {
		struct store_wrapped_key *r = &(*rows)[*n];
		r->rowid = sqlite3_column_int64(s, 0);
		if (!sq_col_id(s, 1, &r->patient) || !sq_col_bytes(s, 2, a, &r->wrapped)) {
			rc = STORE_ERROR;
			break;
		}
		(*n)++;
	}
	sqlite3_reset(s);
	return rc;
}

int store_keystore_batch(int64_t after, const uint8_t key_id[KEY_ID_BYTES], size_t max,
			 struct arena *a, struct store_wrapped_key **rows, size_t *n)
{
	sqlite3_stmt *s = stmt(S_KEY_BATCH);
	sqlite3_bind_int64(s, 1, after);
	sqlite3_bind_blob(s, 2, key_id, KEY_ID_BYTES, SQLITE_STATIC);
	sqlite3_bind_int64(s, 3, (sqlite3_int64)max);
	return wrapped_rows(s, max, a, rows, n);
}

int store_keystore_replace(const struct store_wrapped_key *rows, const struct bytes *rewrapped,
			   size_t n, size_t *replaced)
{
	*replaced = 0;
	if (run_simple(S_KEY_BEGIN) != STORE_OK)
		return STORE_ERROR;
	int rc = STORE_OK;
	for (size_t i = 0; rc == STORE_OK && i < n; i++) {
		sqlite3_stmt *s = stmt(S_KEY_REPLACE);
		sqlite3_bind_blob(s, 1, rewrapped[i].ptr, (int)rewrapped[i].len, SQLITE_STATIC);
		sq_bind_id(s, 2, &rows[i].patient);
		sqlite3_bind_blob(s, 3, rows[i].wrapped.ptr, (int)rows[i].wrapped.len, SQLITE_STATIC);
		if (sqlite3_step(s) == SQLITE_DONE)
			*replaced += (size_t)sqlite3_changes(sqlite3_db_handle(s));
		else
			rc = sq_fail("keystore_replace");
		sqlite3_reset(s);
	}
	if (rc == STORE_OK && run_simple(S_KEY_COMMIT) == STORE_OK)
		return STORE_OK;
	run_simple(S_KEY_ROLLBACK);
	*replaced = 0;
	return STORE_ERROR;
}

int store_legacy_keys_batch(size_t max, struct arena *a, struct store_wrapped_key **rows,
			    size_t *n)
{
	sqlite3_stmt *s = stmt(S_LEGACY_BATCH);
	sqlite3_bind_int64(s, 1, (sqlite3_int64)max);
	return wrapped_rows(s, max, a, rows, n);
}

int store_legacy_keys_count(int64_t *n)
{
	sqlite3_stmt *s = stmt(S_LEGACY_COUNT);
	int rc = sqlite3_step(s) == SQLITE_ROW ? STORE_OK : sq_fail("legacy_count");
	*n = rc == STORE_OK ? sqlite3_column_int64(s, 0) : 0;
	sqlite3_reset(s);
	return rc;
}

int store_legacy_key_move(const struct id *patient, struct bytes rewrapped)
{
	/* Into the keystore first, then off the row: a crash between leaves both, and the
	 * keystore's copy wins (patient_key_row); a rerun finds the row and clears it. */
	int rc = keystore_insert(patient, rewrapped);
	if (rc != STORE_OK && rc != STORE_CONFLICT)
		return rc;
	return run_with_id(S_LEGACY_CLEAR, patient, "legacy_clear");
}

int store_rotation_get(uint8_t old_id[KEY_ID_BYTES], uint8_t new_id[KEY_ID_BYTES])
{
	sqlite3_stmt *s = stmt(S_ROT_GET);
	int step = sqlite3_step(s);
	int rc = step == SQLITE_DONE ? STORE_NOT_FOUND : STORE_ERROR;
	if (step == SQLITE_ROW && sqlite3_column_bytes(s, 0) == KEY_ID_BYTES &&
	    sqlite3_column_bytes(s, 1) == KEY_ID_BYTES) {
		memcpy(old_id, sqlite3_column_blob(s, 0), KEY_ID_BYTES);
		memcpy(new_id, sqlite3_column_blob(s, 1), KEY_ID_BYTES);
		rc = STORE_OK;
	}
	sqlite3_reset(s);
	return rc;
}

int store_rotation_begin(const uint8_t old_id[KEY_ID_BYTES], const uint8_t new_id[KEY_ID_BYTES])
{
	sqlite3_stmt *s = stmt(S_ROT_BEGIN);
	sqlite3_bind_blob(s, 1, old_id, KEY_ID_BYTES, SQLITE_STATIC);
	sqlite3_bind_blob(s, 2, new_id, KEY_ID_BYTES, SQLITE_STATIC);
	int rc = sqlite3_step(s) == SQLITE_DONE ? STORE_OK : sq_fail("rotation_begin");
	sqlite3_reset(s);
	return rc;
}

int store_rotation_end(void)
{
	return run_simple(S_ROT_END);
}

int store_sessions_revoke_all(void)
{
	int rc = run_simple(S_SESSIONS_REVOKE_ALL);
	return rc == STORE_OK ? store_app_codes_end(NULL) : rc;
}

/* --- retention and crypto-shredding --- */

int store_patient_shred_state(const struct id *patient, struct store_shred_state *out)
{
	memset(out, 0, sizeof(*out));
	sqlite3_stmt *s = stmt(S_SHRED_STATE);
	sq_bind_id(s, 1, patient);
	int step = sqlite3_step(s);
	int rc = step == SQLITE_DONE ? STORE_NOT_FOUND : step == SQLITE_ROW ? STORE_OK : STORE_ERROR;
	if (rc == STORE_OK) {
		out->exists = true;
		out->shredded_at = sqlite3_column_int64(s, 0);
		out->shred_after = sqlite3_column_int64(s, 1);
		out->has_key = sqlite3_column_int64(s, 2) > 0;
	}
	sqlite3_reset(s);
	if (rc == STORE_OK && !out->has_key) {
		s = stmt(S_KEY_GET);
		sq_bind_id(s, 1, patient);
		step = sqlite3_step(s);
		out->has_key = step == SQLITE_ROW;
		if (step != SQLITE_ROW && step != SQLITE_DONE)
			rc = STORE_ERROR;
		sqlite3_reset(s);
	}
	return rc;
}

/* Fold the write-ahead log back into the file and empty it, so that old page images (a key,
 * a demographics row) do not linger in it. Best effort: a reader holding an old snapshot
 * keeps it; the pages are wiped anyway (secure_delete) once they are written back. */
static void truncate_wal(enum stmt_id which)
{
	/* The pragma answers (busy, frames, checkpointed); busy while `serve` holds a read
	 * snapshot for a moment, so try a few times. */
	for (int tries = 0; tries < 20; tries++) {
		sqlite3_stmt *s = stmt(which);
		int busy = sqlite3_step(s) == SQLITE_ROW ? sqlite3_column_int(s, 0) : 1;
		sqlite3_reset(s);
		if (!busy)
			return;
		usleep(50 * 1000);
	}
	log_warn("component=store op=wal_truncate error=\"readers kept the log; it is emptied at "
		 "the next checkpoint\"");
}

int store_patient_key_destroy(const struct id *patient)
{
	if (keystore_delete(patient) != STORE_OK)
		return STORE_ERROR;
	truncate_wal(S_KEY_TRUNCATE);
	/* A key from before the keystore lives on the row itself. */
	if (run_with_id(S_LEGACY_CLEAR, patient, "legacy_clear") != STORE_OK)
		return STORE_ERROR;
	return STORE_OK;
}

/* The rest of an erased patient's record, clear metadata included (when their appointments
 * were, that they asked for repeats, who held proxy access). Their sealed parts are already
 * unreadable once the key is gone; these rows go too. Children before parents. */
static const char *const erase_record_sql[] = {
	"DELETE FROM repeat_request WHERE patient_id = ?",
	"DELETE FROM medication WHERE patient_id = ?",
	"DELETE FROM appointment WHERE patient_id = ?",
	"DELETE FROM proxy_grant WHERE patient_id = ?",
	"DELETE FROM proxy_invite WHERE patient_id = ?",
};

static int erase_record_rows(const struct id *patient)
{
	for (size_t i = 0; i < sizeof(erase_record_sql) / sizeof(*erase_record_sql); i++) {
		sqlite3_stmt *s = store_module_stmt(erase_record_sql[i]);
		if (s == NULL)
			return STORE_ERROR;
		sq_bind_id(s, 1, patient);
		int rc = sqlite3_step(s);
		sqlite3_reset(s);
		if (rc != SQLITE_DONE)
			return sq_fail("erase_record");
	}
	return STORE_OK;
}

int store_patient_erase(const struct id *patient, int64_t now)
{
	if (run_simple(S_BEGIN) != STORE_OK)
		return STORE_ERROR;
	int rc = run_with_id(S_DOCS_DELETE, patient, "docs_delete");
	if (rc == STORE_OK)
		rc = store_results_erase(patient);
	if (rc == STORE_OK)
		rc = store_messages_erase(patient);
	if (rc == STORE_OK)
		rc = erase_record_rows(patient);
	if (rc == STORE_OK) {
		sqlite3_stmt *s = stmt(S_PATIENT_ERASE);
		sq_bind_id(s, 1, patient);
		sqlite3_bind_int64(s, 2, now);
		rc = sqlite3_step(s) == SQLITE_DONE ? STORE_OK : sq_fail("patient_erase");
		sqlite3_reset(s);
	}
	if (rc == STORE_OK)
		rc = run_with_id(S_ACCOUNTS_SIGN_OUT, patient, "accounts_sign_out");
	if (rc == STORE_OK)
		rc = run_with_id(S_ACCOUNTS_ERASE, patient, "accounts_erase");
	if (rc == STORE_OK)
		rc = store_contact_erase(patient);
	if (rc == STORE_OK && run_simple(S_COMMIT) == STORE_OK) {
		truncate_wal(S_MAIN_TRUNCATE);
		return STORE_OK;
	}
	run_simple(S_ROLLBACK);
	return STORE_ERROR;
}

int store_patient_release(const struct id *patient, const struct id *practice)
{
	sqlite3_stmt *s = stmt(S_ENROL_DELETE);
	sq_bind_id(s, 1, patient);
	sq_bind_id(s, 2, practice);
	int rc = sqlite3_step(s) == SQLITE_DONE ? STORE_OK : sq_fail("release");
	if (rc == STORE_OK && sqlite3_changes(sqlite3_db_handle(s)) == 0)
		rc = STORE_NOT_FOUND;
	sqlite3_reset(s);
	return rc;
}

int store_patient_schedule_shred(const struct id *patient, int64_t when)
{
	sqlite3_stmt *s = stmt(S_SHRED_SCHEDULE);
	sq_bind_id(s, 1, patient);
	if (when > 0)
		sqlite3_bind_int64(s, 2, when);
	else
		sqlite3_bind_null(s, 2);
	int rc = sqlite3_step(s) == SQLITE_DONE ? STORE_OK : sq_fail("schedule_shred");
	if (rc == STORE_OK && sqlite3_changes(sqlite3_db_handle(s)) == 0)
		rc = STORE_NOT_FOUND;
	sqlite3_reset(s);
	return rc;
}

int store_patients_due(int64_t now, struct arena *a, struct id **ids, size_t *n)
{
	*n = 0;
	*ids = arena_calloc(a, LIMIT_LIST, sizeof(struct id));
	if (*ids == NULL)
		return STORE_ERROR;
	sqlite3_stmt *s = stmt(S_SHRED_DUE);
	sqlite3_bind_int64(s, 1, now);
	sqlite3_bind_int(s, 2, LIMIT_LIST);
	while (*n < LIMIT_LIST && sqlite3_step(s) == SQLITE_ROW)
		if (sq_col_id(s, 0, &(*ids)[*n]))
			(*n)++;
	sqlite3_reset(s);
	return STORE_OK;
}

int store_patient_key_counts(int64_t *patients, int64_t *with_key)
{
	*patients = *with_key = 0;
	sqlite3_stmt *s = NULL;
	struct conn *c = conn_get();
	if (c == NULL || c->db == NULL ||
	    sqlite3_prepare_v2(c->db, "SELECT id, length(wrapped_key) FROM patient", -1, &s, NULL) !=
		    SQLITE_OK)
		return sq_fail("key_counts");
	int rc = STORE_OK, step;
	while (rc == STORE_OK && (step = sqlite3_step(s)) == SQLITE_ROW) {
		struct id id;
		(*patients)++;
		if (sqlite3_column_int64(s, 1) > 0) {
			(*with_key)++;
			continue;
		}
		if (!sq_col_id(s, 0, &id))
			continue;
		sqlite3_stmt *k = stmt(S_KEY_GET);
		sq_bind_id(k, 1, &id);
		int ks = sqlite3_step(k);
		if (ks == SQLITE_ROW)
			(*with_key)++;
		else if (ks != SQLITE_DONE)
			rc = STORE_ERROR;
		sqlite3_reset(k);
	}
	sqlite3_finalize(s);
	return rc;
}

/* --- copies of the database files --- */

static const char *const file_names[] = {
	[STORE_FILE_DATA] = "medkeep.db",
	[STORE_FILE_AUDIT] = "audit.db",
	[STORE_FILE_KEYS] = "keystore.db",
};

const char *store_file_name(enum store_file f)
{
	return f >= STORE_FILE_DATA && f <= STORE_FILE_KEYS ? file_names[f] : "?";
}

static int fsync_path(const char *path, bool dir)
{
	int fd = open(path, (dir ? O_DIRECTORY : 0) | O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	int rc = fsync(fd);
	close(fd);
	return rc;
}

int store_file_copy(enum store_file f, const char *from_dir, const char *to_dir,
		    void (*progress)(const char *name, int64_t done, int64_t total))
{
	const char *name = store_file_name(f);
	char src_path[4096], dst_path[4096];
	struct stat st;
	if ((size_t)snprintf(src_path, sizeof(src_path), "%s/%s", from_dir, name) >= sizeof(src_path) ||
	    (size_t)snprintf(dst_path, sizeof(dst_path), "%s/%s", to_dir, name) >= sizeof(dst_path) ||
	    stat(src_path, &st) != 0)
		return STORE_NOT_FOUND;
	sqlite3 *src = NULL, *dst = NULL;
	sqlite3_backup *b = NULL;
	int rc = STORE_ERROR;
	bool reading = false;
	/* Read-write so the live file's WAL index can be shared with `serve`; a copy on
	 * read-only media is opened read-only. Nothing here writes to the source. */
	if (sqlite3_open_v2(src_path, &src, SQLITE_OPEN_READWRITE, NULL) != SQLITE_OK) {
		sqlite3_close(src);
		src = NULL;
		if (sqlite3_open_v2(src_path, &src, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK)
			goto out;
	}
	sqlite3_busy_timeout(src, 10000);
	/* Were this the last connection, closing it would checkpoint the live file's log: a
	 * backup must not write to what it copies. */
	sqlite3_db_config(src, SQLITE_DBCONFIG_NO_CKPT_ON_CLOSE, 1, NULL);
	/*
	 * One read transaction around the whole copy: in WAL mode it pins a snapshot, so the copy
	 * is of one moment even while `serve` commits, and the backup never restarts (it would
	 * restart on every audit commit if each step took a fresh snapshot).
	 */
	if (exec_on(src, "BEGIN; SELECT count(*) FROM sqlite_schema;") != STORE_OK)
		goto out;
	reading = true;
	mode_t old = umask(077);
	int orc = sqlite3_open_v2(dst_path, &dst, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, NULL);
	umask(old);
	if (orc != SQLITE_OK)
		goto out;
	sqlite3_busy_timeout(dst, 10000);
	b = sqlite3_backup_init(dst, "main", src, "main");
	if (b == NULL)
		goto out;
	for (int tries = 0;;) {
		int step = sqlite3_backup_step(b, LIMIT_BACKUP_STEP_PAGES);
		int64_t total = sqlite3_backup_pagecount(b);
		if (progress)
			progress(name, total - sqlite3_backup_remaining(b), total);
		if (step == SQLITE_DONE)
			break;
		if (step == SQLITE_BUSY || step == SQLITE_LOCKED) {
			if (++tries > 1000)
				goto out;
			usleep(10 * 1000);
			continue;
		}
		if (step != SQLITE_OK)
			goto out;
	}
	if (sqlite3_backup_finish(b) != SQLITE_OK) {
		b = NULL;
		goto out;
	}
	b = NULL;
	rc = STORE_OK;
out:
	if (b)
		sqlite3_backup_finish(b);
	if (rc != STORE_OK)
		log_warn("component=store op=copy file=%s error=\"%s\"", name,
			 dst ? sqlite3_errmsg(dst) : src ? sqlite3_errmsg(src) : "cannot open");
	if (reading)
		exec_on(src, "COMMIT;");
	sqlite3_close(src);
	sqlite3_close(dst);
	if (rc == STORE_OK && (chmod(dst_path, 0600) != 0 || fsync_path(dst_path, false) != 0 ||
			       fsync_path(to_dir, true) != 0))
		rc = STORE_ERROR;
	return rc;
}
