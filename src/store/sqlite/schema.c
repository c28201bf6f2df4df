/*
 * The schema of the SQLite back-end: one ordered list of migrations per database file, and
 * the code that runs the ones a file has not had yet. The order of a list is the file's
 * history: append, never edit a shipped step.
 */
#include "store/store.h"
#include "store/sqlite/store_int.h"

#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "util/log.h"

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
	/* 10: account lifecycle (store_account_lifecycle.c): single-use tokens (invitation, email
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
	 * it, see store_sessions.c); invitations to an address with no account yet, kept like
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
	/* 21: HL7 v2 feeds (src/store/feeds.h, docs/internals/FEEDS.md): the senders registered
	 * to a practice, by certificate fingerprint or sending facility (MSH-4). A removed feed
	 * keeps its row; a facility or a certificate names at most one live feed. */
	"CREATE TABLE feed (id BLOB PRIMARY KEY, practice_id BLOB NOT NULL REFERENCES practice(id),"
	" name TEXT NOT NULL, facility TEXT NOT NULL, cert_sha256 BLOB, created INTEGER NOT NULL,"
	" removed INTEGER);"
	"CREATE UNIQUE INDEX feed_live_by_facility ON feed(facility) WHERE removed IS NULL;"
	"CREATE UNIQUE INDEX feed_live_by_cert ON feed(cert_sha256)"
	" WHERE removed IS NULL AND cert_sha256 IS NOT NULL;"
	"CREATE INDEX feed_by_practice ON feed(practice_id, created);",
	/* 22: practice systems over FHIR (src/store/systems.h, docs/internals/SYSTEMS.md): the
	 * register of system clients with their public keys, the assertion ids (jti) already used,
	 * kept until their assertion expires, and the minutes-long tokens issued (by hash) */
	"CREATE TABLE system_client (id BLOB PRIMARY KEY, practice_id BLOB NOT NULL REFERENCES practice(id),"
	" name TEXT NOT NULL, jwks TEXT NOT NULL, scopes INTEGER NOT NULL, created INTEGER NOT NULL,"
	" removed INTEGER);"
	"CREATE TABLE system_jti (client_id BLOB NOT NULL, jti_hash BLOB NOT NULL,"
	" expires INTEGER NOT NULL, PRIMARY KEY (client_id, jti_hash)) WITHOUT ROWID;"
	"CREATE TABLE system_token (token_hash BLOB PRIMARY KEY, id BLOB NOT NULL,"
	" client_id BLOB NOT NULL REFERENCES system_client(id), practice_id BLOB NOT NULL,"
	" scopes INTEGER NOT NULL, created INTEGER NOT NULL, expires INTEGER NOT NULL) WITHOUT ROWID;"
	"CREATE INDEX system_token_by_client ON system_token(client_id);",
	/* 23: ingestion of HL7 v2 messages (src/store/ingest.h, docs/internals/FEEDS.md): each
	 * message a feed sent, claimed before its effects and finished with its answer (the
	 * duplicate check); the practice's queue of messages whose patient was not matched, the
	 * message sealed by the vault and dropped once decided. No PHI in clear. */
	"CREATE TABLE feed_message (feed_id BLOB NOT NULL REFERENCES feed(id),"
	" control_id TEXT NOT NULL, received INTEGER NOT NULL, done INTEGER NOT NULL DEFAULT 0,"
	" ack INTEGER NOT NULL DEFAULT 0, err_code INTEGER NOT NULL DEFAULT 0,"
	" err_segment TEXT NOT NULL DEFAULT '', err_seg_seq INTEGER NOT NULL DEFAULT 0,"
	" err_field INTEGER NOT NULL DEFAULT 0, kind TEXT NOT NULL DEFAULT '',"
	" outcome TEXT NOT NULL DEFAULT '', PRIMARY KEY (feed_id, control_id)) WITHOUT ROWID;"
	"CREATE INDEX feed_message_by_time ON feed_message(feed_id, received);"
	"CREATE TABLE feed_queue (id BLOB PRIMARY KEY, practice_id BLOB NOT NULL REFERENCES practice(id),"
	" feed_id BLOB NOT NULL REFERENCES feed(id), control_id TEXT NOT NULL, kind TEXT NOT NULL,"
	" reason TEXT NOT NULL, received INTEGER NOT NULL, state INTEGER NOT NULL DEFAULT 0,"
	" decided_by BLOB, decided_at INTEGER, note TEXT, body_ct BLOB);"
	"CREATE UNIQUE INDEX feed_queue_by_message ON feed_queue(feed_id, control_id);"
	"CREATE INDEX feed_queue_waiting ON feed_queue(practice_id, state, received);",
	/* 24: the import map (src/store/imports.h, docs/internals/IMPORT.md): which record each
	 * resource of a practice's export became, by a keyed hash of its source id */
	"CREATE TABLE import_map (practice_id BLOB NOT NULL REFERENCES practice(id),"
	" rtype TEXT NOT NULL, source BLOB NOT NULL, target_id BLOB NOT NULL,"
	" patient_id BLOB NOT NULL, created INTEGER NOT NULL,"
	" PRIMARY KEY (practice_id, rtype, source)) WITHOUT ROWID;"
	/* ...and invitations by patient, so a bulk invitation finds who has one (invite_cmd.c) */
	"CREATE INDEX account_token_by_patient ON account_token(patient_id, kind)"
	" WHERE patient_id IS NOT NULL;",
	/* 25: a patient moving between practices (docs/internals/TRANSFERS.md): from when each
	 * practice sees the record (0: all of it), and the moves asked and decided */
	"ALTER TABLE enrolment ADD COLUMN history_from INTEGER NOT NULL DEFAULT 0;"
	"CREATE TABLE transfer (id BLOB PRIMARY KEY, patient_id BLOB NOT NULL REFERENCES patient(id),"
	" from_practice BLOB, to_practice BLOB NOT NULL REFERENCES practice(id),"
	" asked_by BLOB NOT NULL, asked INTEGER NOT NULL, decided INTEGER, decided_by BLOB,"
	" outcome TEXT);"
	"CREATE UNIQUE INDEX transfer_open ON transfer(patient_id, to_practice) WHERE decided IS NULL;"
	"CREATE INDEX transfer_to ON transfer(to_practice, asked);"
	"CREATE INDEX transfer_from ON transfer(from_practice, asked);",
	/* 26: notices (src/store/notify.h, docs/internals/NOTICES.md): mails scheduled for later
	 * and withdrawn when their event changes; each account's choice of notices per record;
	 * when each staff account was last told of new messages */
	"ALTER TABLE outbox ADD COLUMN not_before INTEGER NOT NULL DEFAULT 0;"
	"ALTER TABLE outbox ADD COLUMN ref BLOB;"
	"ALTER TABLE outbox ADD COLUMN kind TEXT NOT NULL DEFAULT '';"
	"CREATE INDEX outbox_by_ref ON outbox(ref) WHERE ref IS NOT NULL AND sent IS NULL;"
	"CREATE TABLE notify_pref (account_id BLOB NOT NULL REFERENCES account(id),"
	" record_id BLOB NOT NULL, kinds_set INTEGER NOT NULL, kinds_on INTEGER NOT NULL,"
	" PRIMARY KEY (account_id, record_id)) WITHOUT ROWID;"
	"CREATE TABLE notify_staff (account_id BLOB PRIMARY KEY REFERENCES account(id),"
	" last_sent INTEGER NOT NULL) WITHOUT ROWID;"
	/* ...and recalls a practice sets (src/store/recalls.h): a kind from a fixed list, due */
	"CREATE TABLE recall (id BLOB PRIMARY KEY, patient_id BLOB NOT NULL REFERENCES patient(id),"
	" practice_id BLOB NOT NULL REFERENCES practice(id), kind TEXT NOT NULL,"
	" due INTEGER NOT NULL, created INTEGER NOT NULL, created_by BLOB NOT NULL);"
	"CREATE INDEX recall_by_patient ON recall(patient_id, due);",
	/* 27: apps' refresh tokens (src/store/apps.h, docs/internals/APPS.md): a family per
	 * consent, the hash of each refresh token it gave (current, or spent: reuse), and which
	 * family an access token (session) came from, so ending a family ends them all */
	"CREATE TABLE oauth_refresh (family BLOB PRIMARY KEY,"
	" client_id BLOB NOT NULL REFERENCES oauth_client(id),"
	" account_id BLOB NOT NULL REFERENCES account(id), patient_id BLOB NOT NULL,"
	" scopes INTEGER NOT NULL, offline INTEGER NOT NULL, mfa INTEGER NOT NULL,"
	" created INTEGER NOT NULL, expires INTEGER NOT NULL, used INTEGER NOT NULL) WITHOUT ROWID;"
	"CREATE INDEX oauth_refresh_by_account ON oauth_refresh(account_id);"
	"CREATE INDEX oauth_refresh_by_client ON oauth_refresh(client_id);"
	"CREATE TABLE oauth_refresh_token (hash BLOB PRIMARY KEY, family BLOB NOT NULL,"
	" current INTEGER NOT NULL) WITHOUT ROWID;"
	"CREATE INDEX oauth_refresh_token_by_family ON oauth_refresh_token(family);"
	"ALTER TABLE session ADD COLUMN family BLOB;"
	"CREATE INDEX session_by_family ON session(family) WHERE family IS NOT NULL;"
	/* ...and the OpenID Connect nonce a code carries to its id_token */
	"ALTER TABLE oauth_code ADD COLUMN nonce TEXT NOT NULL DEFAULT '';",
	/* 28: a practice system or an HL7 feed the breaker stops is held for review as an account
	 * is (DESIGN.md invariant 10): account_lock no longer requires an account row; system_kind
	 * ('feed' or 'system') and system_practice say what was stopped and whose it is */
	"CREATE TABLE account_lock_v28 (id BLOB PRIMARY KEY, account_id BLOB NOT NULL,"
	" session_id BLOB NOT NULL, reason TEXT NOT NULL, tripped INTEGER NOT NULL,"
	" state TEXT NOT NULL CHECK (state IN ('locked', 'kept', 'unlocked')), reviewed_by BLOB,"
	" reviewed INTEGER, review_reason TEXT,"
	" system_kind TEXT CHECK (system_kind IN ('feed', 'system')),"
	" system_practice BLOB REFERENCES practice(id),"
	" CHECK ((system_kind IS NULL) = (system_practice IS NULL)));"
	"INSERT INTO account_lock_v28 (id, account_id, session_id, reason, tripped, state,"
	" reviewed_by, reviewed, review_reason) SELECT id, account_id, session_id, reason, tripped,"
	" state, reviewed_by, reviewed, review_reason FROM account_lock;"
	"DROP TABLE account_lock;"
	"ALTER TABLE account_lock_v28 RENAME TO account_lock;"
	"CREATE INDEX account_lock_by_account ON account_lock(account_id, tripped);"
	"CREATE INDEX account_lock_by_time ON account_lock(tripped);"
	"CREATE INDEX account_lock_by_system ON account_lock(system_practice, state)"
	" WHERE system_kind IS NOT NULL;",
	/* 29: staff find patients by name and birth date (src/store/patients.h): a keyed hash per
	 * name word and one of the birth date (the vault's blind index, as for the NHI), never the
	 * words themselves; erased with the patient's record */
	"CREATE TABLE patient_term (term BLOB NOT NULL, patient_id BLOB NOT NULL REFERENCES patient(id),"
	" PRIMARY KEY (term, patient_id)) WITHOUT ROWID;"
	"CREATE INDEX patient_term_by_patient ON patient_term(patient_id);",
	/* 30: who ended a family-access grant or invitation and why (docs/internals/PROXIES.md):
	 * the ending account, and for the practice one of the fixed reasons of domain/proxies.c
	 * (a code, never free text: no PHI) */
	"ALTER TABLE proxy_grant ADD COLUMN ended_by BLOB;"
	"ALTER TABLE proxy_grant ADD COLUMN end_reason TEXT;"
	"ALTER TABLE proxy_invite ADD COLUMN ended_by BLOB;"
	"ALTER TABLE proxy_invite ADD COLUMN end_reason TEXT;",
	/* 31: a move the operator completed (`medkeep transfers complete`, TRANSFERS.md): the
	 * operator's reason, kept with the request (never in a log line or the audit trail) */
	"ALTER TABLE transfer ADD COLUMN decided_note TEXT;",
	/* 32: the home page's "what's new" (src/store/home.h, docs/internals/HOME.md): the
	 * released results each account has opened; per account and record, when it last looked
	 * at a part (repeats) or put a card away; and the indexes that keep its counts cheap for a
	 * patient with thousands of rows (released since, decided since) */
	"CREATE TABLE result_seen (account_id BLOB NOT NULL, result_id BLOB NOT NULL,"
	" patient_id BLOB NOT NULL, opened INTEGER NOT NULL, PRIMARY KEY (account_id, result_id))"
	" WITHOUT ROWID;"
	"CREATE INDEX result_seen_by_patient ON result_seen(patient_id);"
	"CREATE TABLE seen_mark (account_id BLOB NOT NULL, record_id BLOB NOT NULL, kind TEXT NOT NULL,"
	" seen INTEGER NOT NULL, PRIMARY KEY (account_id, record_id, kind)) WITHOUT ROWID;"
	"CREATE INDEX result_by_release ON result(patient_id, release_at);"
	"CREATE INDEX repeat_by_decided ON repeat_request(patient_id, decided);",
	/* 33: recalls are closed (done, or no longer needed) by the practice, and listed
	 * practice-wide (src/store/recalls.h) */
	"ALTER TABLE recall ADD COLUMN closed INTEGER;"
	"ALTER TABLE recall ADD COLUMN closed_by BLOB;"
	"ALTER TABLE recall ADD COLUMN outcome TEXT;"
	"CREATE INDEX recall_open_by_practice ON recall(practice_id, due) WHERE closed IS NULL;",
	/* 34: versions (docs/internals/SEARCH.md, "Versions"): the rows that change more than
	 * once count their changes and keep the time of the last one (NULL: never changed since
	 * written), each bumped by the statement that changes the row */
	"ALTER TABLE patient ADD COLUMN version INTEGER NOT NULL DEFAULT 1;"
	"ALTER TABLE patient ADD COLUMN updated INTEGER;"
	"ALTER TABLE result ADD COLUMN version INTEGER NOT NULL DEFAULT 1;"
	"ALTER TABLE result ADD COLUMN updated INTEGER;",
	/* 35: booking: how a visit happens (in person, by phone or by video), chosen at booking;
	 * the visits booked before say in person, as they were */
	"ALTER TABLE appointment ADD COLUMN kind TEXT NOT NULL DEFAULT 'in-person'"
	" CHECK (kind IN ('in-person', 'phone', 'video'));"
	/* and whether patients may book online, with the practice's phone number and opening
	 * hours for when they may not (the practice's own details, not PHI) */
	"ALTER TABLE practice_setting ADD COLUMN booking_closed INTEGER NOT NULL DEFAULT 0;"
	"ALTER TABLE practice_setting ADD COLUMN phone TEXT NOT NULL DEFAULT '';"
	"ALTER TABLE practice_setting ADD COLUMN hours TEXT NOT NULL DEFAULT '';"
	/* and the practice's side: a free slot removed (kept, marked, when a cancelled
	 * appointment still names it), and why the practice cancelled a booking (a fixed code of
	 * domain/appointments.c, never free text) */
	"ALTER TABLE slot ADD COLUMN removed INTEGER;"
	"ALTER TABLE appointment ADD COLUMN cancel_reason TEXT;",
	/* 36: clinicians' tools (docs/internals/RESULTS.md "The inbox", MEDICATIONS in
	 * CAREPLAN.md): a result filed off the inbox (when, by whom, and how: 'filed', 'book':
	 * the patient asked to book), and a medicine's reason for stopping (a code of
	 * domain/medications.c, never free text; a note is sealed in the medicine's detail) */
	"ALTER TABLE result ADD COLUMN reviewed INTEGER;"
	"ALTER TABLE result ADD COLUMN reviewed_by BLOB;"
	"ALTER TABLE result ADD COLUMN review_action TEXT;"
	"CREATE INDEX result_open ON result(practice_id, abnormal, reported) WHERE reviewed IS NULL;"
	"ALTER TABLE medication ADD COLUMN stop_reason TEXT;"
	/* ...and the repeat queue's "last approved" of each medicine */
	"CREATE INDEX repeat_approved ON repeat_request(medication_id, decided)"
	" WHERE state = 'approved';"
	/* ...and a message thread assigned to a clinician of its practice (their inbox filter) */
	"ALTER TABLE message_thread ADD COLUMN assigned_to BLOB;"
	"CREATE INDEX thread_assigned ON message_thread(practice_id, assigned_to, updated)"
	" WHERE assigned_to IS NOT NULL;",
	/* 37: drafts of messages (src/store/messages.h, docs/internals/MESSAGES.md): one per
	 * author, patient and thread (a zero id for the new-message form), subject and text
	 * sealed (VREC_MESSAGE); erased with the patient's messages */
	"CREATE TABLE message_draft (id BLOB PRIMARY KEY, author_id BLOB NOT NULL,"
	" patient_id BLOB NOT NULL REFERENCES patient(id), thread_id BLOB NOT NULL,"
	" updated INTEGER NOT NULL, body BLOB NOT NULL, UNIQUE (author_id, patient_id, thread_id));"
	"CREATE INDEX message_draft_by_patient ON message_draft(patient_id);",
	/* 38: a recall closed by the patient's booking (docs/internals/NOTICES.md "Recalls"):
	 * outcome 'booked' with the appointment, so that cancelling it opens the recall again */
	"ALTER TABLE recall ADD COLUMN appointment_id BLOB;"
	"CREATE INDEX recall_by_appointment ON recall(appointment_id) WHERE appointment_id IS NOT NULL;"
	"CREATE INDEX recall_booked_by_practice ON recall(practice_id) WHERE outcome = 'booked';",
	/* 39: a patient's own contact details (src/store/details.h, docs/internals/DETAILS.md):
	 * their phones and postal address, sealed with their key (VREC_DETAILS); who saved them
	 * last and when; erased with the rest of the record */
	"CREATE TABLE patient_details (patient_id BLOB PRIMARY KEY REFERENCES patient(id),"
	" body BLOB NOT NULL, version INTEGER NOT NULL, updated INTEGER NOT NULL,"
	" updated_by BLOB NOT NULL);",
	/* 40: the language an account chose for its pages and emails (util/text.h,
	 * docs/internals/TEXT.md): a language code, not PHI */
	"ALTER TABLE account ADD COLUMN lang TEXT NOT NULL DEFAULT 'en' CHECK (lang IN ('en', 'mi'));",
	/* 41: moves started by HL7 (docs/internals/TRANSFERS.md): a queued registration linked to
	 * the move a person asked for from it (and its key wrapped again for whoever makes the
	 * move: vault_feedq_bind_move), applied once the move is made; and the staff's
	 * notices claimed per kind (a move asked of their practice), one per window each */
	"ALTER TABLE feed_queue ADD COLUMN transfer_id BLOB;"
	"ALTER TABLE feed_queue ADD COLUMN move_key BLOB;"
	"CREATE INDEX feed_queue_by_transfer ON feed_queue(transfer_id) WHERE transfer_id IS NOT NULL;"
	"CREATE TABLE notify_staff_kind (account_id BLOB NOT NULL REFERENCES account(id),"
	" kind TEXT NOT NULL, last_sent INTEGER NOT NULL, PRIMARY KEY (account_id, kind))"
	" WITHOUT ROWID;",
	/* 42: the health summary (src/store/summary.h, docs/internals/SUMMARY.md): allergies,
	 * problems, immunisations and vital signs from the practice; what they say is sealed
	 * (VREC_SUMMARY), the kind, FHIR status, date and a vital sign's LOINC code are clear */
	("CREATE TABLE summary_entry (id BLOB PRIMARY KEY,"
	 " patient_id BLOB NOT NULL REFERENCES patient(id), practice_id BLOB NOT NULL,"
	 " kind TEXT NOT NULL CHECK (kind IN ('allergy', 'condition', 'immunization', 'vital')),"
	 " status TEXT NOT NULL, code TEXT NOT NULL DEFAULT '', effective INTEGER NOT NULL,"
	 " created INTEGER NOT NULL, detail BLOB NOT NULL);"
	 "CREATE INDEX summary_by_patient ON summary_entry(patient_id, kind, effective);"),
	/* 43: several nodes on one database. The breaker's facts (src/store/breaker.h, BREAKER.md
	 * "Several nodes"):
	 * a fingerprint's 64 bits kept as a signed integer */
	"CREATE TABLE breaker_event (seq INTEGER PRIMARY KEY AUTOINCREMENT, node BLOB NOT NULL,"
	" actor BLOB NOT NULL, kind INTEGER NOT NULL, app INTEGER NOT NULL, role INTEGER NOT NULL,"
	" patient INTEGER NOT NULL, amount INTEGER NOT NULL, at INTEGER NOT NULL);"
	"CREATE INDEX breaker_event_at ON breaker_event (at);"
	/* ... and each email sent by one mailer: its claim on a message (store_outbox_claim) */
	"ALTER TABLE outbox ADD COLUMN claimed_until INTEGER NOT NULL DEFAULT 0;",
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

static enum err migrate(sqlite3 *db, const char *const *steps, int total)
{
	sqlite3_stmt *s = NULL;
	if (sq_exec(db, "CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL);") != 0)
		return ERR_INTERNAL;
	int version = 0;
	if (sqlite3_prepare_v2(db, "SELECT version FROM schema_version", -1, &s, NULL) != SQLITE_OK)
		return ERR_INTERNAL;
	if (sqlite3_step(s) == SQLITE_ROW)
		version = sqlite3_column_int(s, 0);
	sqlite3_finalize(s);
	if (version > total) {
		log_warn("component=store error=\"database is newer than this binary\" version=%d", version);
		return ERR_INTERNAL;
	}
	for (int v = version; v < total; v++) {
		char bump[96];
		snprintf(bump, sizeof(bump),
			 "DELETE FROM schema_version; INSERT INTO schema_version VALUES (%d);", v + 1);
		if (sq_exec(db, "BEGIN") != 0 || sq_exec(db, steps[v]) != 0 ||
		    sq_exec(db, bump) != 0 || sq_exec(db, "COMMIT") != 0) {
			sq_exec(db, "ROLLBACK");
			return ERR_INTERNAL;
		}
	}
	return ERR_OK;
}

/* Create (when asked) and migrate one database file on a connection of its own. */
static enum err open_file(const char *path, bool create, const char *const *steps, int total)
{
	struct stat st;
	if (!create && stat(path, &st) != 0) {
		log_warn("component=store error=\"no database; run medkeep init\"");
		return ERR_INTERNAL;
	}
	sqlite3 *db = NULL;
	int flags = SQLITE_OPEN_READWRITE | (create ? SQLITE_OPEN_CREATE : 0);
	mode_t old = umask(077);
	int rc = sqlite3_open_v2(path, &db, flags, NULL);
	umask(old);
	if (rc != SQLITE_OK || sq_conn_setup(db) != ERR_OK || migrate(db, steps, total) != ERR_OK) {
		log_warn("component=store error=\"cannot open or migrate a database file\"");
		sqlite3_close(db);
		return ERR_INTERNAL;
	}
	sqlite3_close(db);
	return ERR_OK;
}

#define N_STEPS(list) ((int)(sizeof(list) / sizeof(*(list))))

#ifdef MEDKEEP_CHAOS
/* Fault injection, only in build/medkeep-chaos: MEDKEEP_FAULT=schema_probe adds one step after
 * the records' last, as a later release would, so tests can open a data directory (or a
 * PostgreSQL database) made by build/medkeep and see it migrated forward, and see
 * build/medkeep then refuse the newer schema. */
static const char *const probe_migrations[] = {
	"CREATE TABLE schema_probe (id BLOB PRIMARY KEY, n INTEGER NOT NULL, note TEXT);"
	"ALTER TABLE outbox ADD COLUMN probe BLOB;",
};
static bool probe_on(void)
{
	const char *fault = getenv("MEDKEEP_FAULT");
	return fault != NULL && strcmp(fault, "schema_probe") == 0;
}
#endif

int sq_schema_steps(enum sq_file f, const char *const **steps)
{
	switch (f) {
	case SQ_MAIN:
#ifdef MEDKEEP_CHAOS
		if (probe_on()) {
			static const char *all[N_STEPS(migrations) + N_STEPS(probe_migrations)];
			memcpy(all, migrations, sizeof(migrations));
			memcpy(all + N_STEPS(migrations), probe_migrations, sizeof(probe_migrations));
			*steps = all;
			return N_STEPS(all);
		}
#endif
		*steps = migrations;
		return N_STEPS(migrations);
	case SQ_AUDIT:
		*steps = audit_migrations;
		return N_STEPS(audit_migrations);
	case SQ_KEYS:
		*steps = keystore_migrations;
		return N_STEPS(keystore_migrations);
	}
	*steps = NULL;
	return 0;
}

enum err sq_schema_open(enum sq_file f, const char *path, bool create)
{
	const char *const *steps;
	int total = sq_schema_steps(f, &steps);
	return steps != NULL ? open_file(path, create, steps, total) : ERR_INTERNAL;
}
