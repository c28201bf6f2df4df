/*
 * Every function of the store interface, once: the list from which src/store/backend.h makes
 * `struct store_backend` (a pointer per function), src/store/store.c the store_* functions
 * that callers use (each a call through the back-end chosen at startup), and a back-end its
 * table (src/store/sqlite/backend.c). Each function's contract is documented in the public
 * header named above its part; a prototype here that disagrees with the header's does not
 * compile, so the two cannot drift.
 *
 * An X-include list: no include guard. The includer defines, then undefines,
 *   STORE_FN(ret, name, params, args)   a function returning ret;
 *   STORE_VOID(name, params, args)      a function returning nothing;
 *   STORE_OPEN(ret, name, params, args) a function that opens the store (store.c chooses the
 *                                       back-end in it: it is not a plain call through one).
 * A new store function goes in its part's header with its contract, and here.
 */

/* --- store/store.h: the core (connections, accounts, sessions, patients, documents,
 * MFA, notices, audit, keystore, retention, file copies) --- */
STORE_OPEN(enum err, store_open, (const char *dir, bool create), (dir, create))
STORE_OPEN(enum err, store_open_audit, (const char *dir), (dir))
STORE_VOID(store_close, (void), ())
STORE_VOID(store_snapshot_begin, (void), ())
STORE_VOID(store_snapshot_end, (void), ())
STORE_FN(enum err, store_begin, (void), ())
STORE_FN(enum err, store_commit, (void), ())
STORE_FN(bool, store_connects, (void), ())
STORE_VOID(store_bulk_load, (void), ())
STORE_FN(enum err, store_sync_deferred, (bool on), (on))
STORE_FN(enum err, store_sync, (void), ())
STORE_FN(uint64_t, store_outages, (bool here), (here))
STORE_FN(enum err, store_practice_create, (const struct id *id, const char *name), (id, name))
STORE_FN(enum err, store_practice_name,
	 (const struct id *id, struct arena *a, const char **name),
	 (id, a, name))
STORE_FN(enum err, store_account_create, (const struct store_account *acct), (acct))
STORE_FN(enum err, store_account_by_email,
	 (const char *email, struct arena *a, struct store_account *out),
	 (email, a, out))
STORE_FN(enum err, store_account_lock, (const struct id *account), (account))
STORE_FN(enum err, store_account_lang, (const struct id *account, enum lang *out), (account, out))
STORE_FN(enum err, store_account_lang_set, (const struct id *account, enum lang lang),
	 (account, lang))
STORE_FN(enum err, store_sessions_revoke, (const struct id *account), (account))
STORE_FN(enum err, store_mfa_get,
	 (const struct id *account, struct arena *a, struct store_mfa *out),
	 (account, a, out))
STORE_FN(enum err, store_mfa_set_pending,
	 (const struct id *account, struct bytes sealed),
	 (account, sealed))
STORE_FN(enum err, store_mfa_enable,
	 (const struct id *account, const struct bytes *sealed, int64_t step),
	 (account, sealed, step))
STORE_FN(enum err, store_mfa_use_step, (const struct id *account, int64_t step), (account, step))
STORE_FN(enum err, store_mfa_set_recovery,
	 (const struct id *account, const uint8_t (*hashes)[HASH_BYTES], size_t n),
	 (account, hashes, n))
STORE_FN(enum err, store_mfa_use_recovery, (const struct id *account, int index), (account, index))
STORE_FN(enum err, store_session_create,
	 (const uint8_t token_hash[HASH_BYTES], const struct store_session *s),
	 (token_hash, s))
STORE_FN(enum err, store_session_get,
	 (const uint8_t token_hash[HASH_BYTES], struct store_session *out),
	 (token_hash, out))
STORE_FN(enum err, store_session_touch,
	 (const uint8_t token_hash[HASH_BYTES], int64_t now),
	 (token_hash, now))
STORE_FN(enum err, store_session_delete, (const uint8_t token_hash[HASH_BYTES]), (token_hash))
STORE_FN(enum err, store_sessions_list,
	 (const struct id *account, struct arena *a, struct store_session **out, size_t *n),
	 (account, a, out, n))
STORE_FN(enum err, store_session_revoke_id,
	 (const struct id *account, const struct id *session),
	 (account, session))
STORE_FN(enum err, store_device_seen, (const struct id *account, const char *device), (account, device))
STORE_FN(enum err, store_throttle_get,
	 (const char *key, int64_t now, int64_t window, int *failures, int64_t *blocked_until),
	 (key, now, window, failures, blocked_until))
STORE_FN(enum err, store_throttle_fail,
	 (const char *key, int64_t now, int64_t window, int block_after, int64_t block_seconds),
	 (key, now, window, block_after, block_seconds))
STORE_FN(enum err, store_throttle_clear, (const char *key), (key))
STORE_FN(enum err, store_patient_target, (const struct id *patient, struct target *out), (patient, out))
STORE_FN(enum err, store_proxy_scopes,
	 (const struct id *account, const struct id *patient, int64_t now, unsigned *scopes),
	 (account, patient, now, scopes))
STORE_FN(enum err, store_document_target,
	 (const struct id *document, struct target *out),
	 (document, out))
STORE_FN(enum err, store_practice_patient_ids,
	 (const struct id *practice, size_t offset, size_t limit, struct arena *a, struct id **ids,
	  size_t *n),
	 (practice, offset, limit, a, ids, n))
STORE_FN(enum err, store_patient_terms_set,
	 (const struct id *patient, const uint8_t (*terms)[STORE_TERM_BYTES], size_t n),
	 (patient, terms, n))
STORE_FN(enum err, store_patient_ids_after,
	 (const struct id *after, size_t limit, struct arena *a, struct id **ids, size_t *n),
	 (after, limit, a, ids, n))
STORE_FN(enum err, store_patient_count_live, (int64_t *n), (n))
STORE_FN(enum err, store_practice_patient_count, (const struct id *practice, int64_t *n),
	 (practice, n))
STORE_FN(enum err, store_practice_patient_search,
	 (const struct id *practice, const uint8_t (*terms)[STORE_TERM_BYTES], size_t n,
	  size_t offset, size_t limit, struct arena *a, struct id **ids, size_t *count),
	 (practice, terms, n, offset, limit, a, ids, count))
STORE_FN(enum err, store_patient_create,
	 (const struct id *id, const struct id *practice, const uint8_t nhi_index[HASH_BYTES],
	  struct bytes wrapped_key, struct bytes phi),
	 (id, practice, nhi_index, wrapped_key, phi))
STORE_FN(enum err, store_patient_get,
	 (const struct grant *g, const struct id *patient, struct arena *a, struct store_patient
	  *out),
	 (g, patient, a, out))
STORE_FN(enum err, store_patient_by_nhi,
	 (const uint8_t nhi_index[HASH_BYTES], struct id *out),
	 (nhi_index, out))
STORE_FN(enum err, store_patient_update,
	 (const struct grant *g, const struct id *patient, const uint8_t nhi_index[HASH_BYTES],
	  struct bytes phi, int64_t now),
	 (g, patient, nhi_index, phi, now))
STORE_FN(enum err, store_document_insert,
	 (const struct grant *g, const struct store_document *doc, const struct store_upload_limit
	  *lim),
	 (g, doc, lim))
STORE_FN(enum err, store_document_usage,
	 (const struct id *account, int64_t since, int64_t *total, int64_t *day),
	 (account, since, total, day))
STORE_FN(enum err, store_document_list,
	 (const struct grant *g, const struct id *patient, const struct store_page *pg, struct arena
	  *a, struct store_document **docs, size_t *n),
	 (g, patient, pg, a, docs, n))
STORE_FN(enum err, store_document_count,
	 (const struct grant *g, const struct id *patient, const struct store_page *pg, int64_t
	  *total),
	 (g, patient, pg, total))
STORE_FN(enum err, store_document_get,
	 (const struct grant *g, const struct id *document, bool with_body, struct arena *a, struct
	  store_document *out, struct store_patient *patient),
	 (g, document, with_body, a, out, patient))
STORE_FN(enum err, store_notice_insert,
	 (const struct grant *g, const struct id *patient, const struct store_notice *n),
	 (g, patient, n))
STORE_FN(enum err, store_notice_list,
	 (const struct grant *g, const struct id *patient, struct arena *a, struct store_notice
	  **out, size_t *n),
	 (g, patient, a, out, n))
STORE_FN(enum err, store_patient_accounts,
	 (const struct id *patient, struct arena *a, struct store_account **out, size_t *n),
	 (patient, a, out, n))
STORE_FN(enum err, store_outbox_insert,
	 (const struct id *id, const struct id *account, struct bytes to_ct, const char *subject,
	  struct bytes body_ct),
	 (id, account, to_ct, subject, body_ct))
STORE_FN(enum err, store_audit_last, (int64_t *seq, uint8_t hash[HASH_BYTES]), (seq, hash))
STORE_FN(enum err, store_audit_append,
	 (int64_t after_seq, const uint8_t after_hash[HASH_BYTES], const struct audit_record *r,
	  size_t n, const struct audit_checkpoint *cp),
	 (after_seq, after_hash, r, n, cp))
STORE_FN(enum err, store_audit_read_begin, (void), ())
STORE_VOID(store_audit_read_end, (void), ())
STORE_FN(int, store_audit_each,
	 (int (*fn)(const struct audit_record *r, void *ctx), void *ctx),
	 (fn, ctx))
STORE_FN(int, store_audit_each_session,
	 (const char *session_hex, int (*fn)(const struct audit_record *r, void *ctx), void *ctx),
	 (session_hex, fn, ctx))
STORE_FN(enum err, store_audit_alerts,
	 (struct arena *a, struct audit_record **out, size_t *n),
	 (a, out, n))
STORE_FN(enum err, store_accounts_by_role,
	 (enum role role, struct arena *a, struct store_account **out, size_t *n),
	 (role, a, out, n))
STORE_FN(enum err, store_audit_hash_at, (int64_t seq, uint8_t hash[HASH_BYTES]), (seq, hash))
STORE_FN(enum err, store_audit_last_checkpoint, (struct audit_checkpoint *out), (out))
STORE_FN(int, store_audit_checkpoints_each,
	 (int (*fn)(const struct audit_checkpoint *cp, void *ctx), void *ctx),
	 (fn, ctx))
STORE_FN(enum err, store_keystore_meta_get,
	 (const char *name, uint8_t *out, size_t cap, size_t *len),
	 (name, out, cap, len))
STORE_FN(enum err, store_keystore_meta_set,
	 (const char *name, const uint8_t *value, size_t len),
	 (name, value, len))
STORE_FN(enum err, store_keystore_counts,
	 (const uint8_t key_id[KEY_ID_BYTES], int64_t *total, int64_t *under),
	 (key_id, total, under))
STORE_FN(enum err, store_keystore_batch,
	 (int64_t after, const uint8_t key_id[KEY_ID_BYTES], size_t max, struct arena *a, struct
	  store_wrapped_key **rows, size_t *n),
	 (after, key_id, max, a, rows, n))
STORE_FN(enum err, store_keystore_replace,
	 (const struct store_wrapped_key *rows, const struct bytes *rewrapped, size_t n, size_t
	  *replaced),
	 (rows, rewrapped, n, replaced))
STORE_FN(enum err, store_legacy_keys_batch,
	 (size_t max, struct arena *a, struct store_wrapped_key **rows, size_t *n),
	 (max, a, rows, n))
STORE_FN(enum err, store_legacy_keys_count, (int64_t *n), (n))
STORE_FN(enum err, store_legacy_key_move,
	 (const struct id *patient, struct bytes rewrapped),
	 (patient, rewrapped))
STORE_FN(enum err, store_rotation_get,
	 (uint8_t old_id[KEY_ID_BYTES], uint8_t new_id[KEY_ID_BYTES]),
	 (old_id, new_id))
STORE_FN(enum err, store_rotation_begin,
	 (const uint8_t old_id[KEY_ID_BYTES], const uint8_t new_id[KEY_ID_BYTES]),
	 (old_id, new_id))
STORE_FN(enum err, store_rotation_end, (void), ())
STORE_FN(enum err, store_sessions_revoke_all, (void), ())
STORE_FN(enum err, store_patient_shred_state,
	 (const struct id *patient, struct store_shred_state *out),
	 (patient, out))
STORE_FN(enum err, store_patient_key_destroy, (const struct id *patient), (patient))
STORE_FN(enum err, store_patient_erase, (const struct id *patient, int64_t now), (patient, now))
STORE_FN(enum err, store_patient_release,
	 (const struct id *patient, const struct id *practice),
	 (patient, practice))
STORE_FN(enum err, store_patient_schedule_shred,
	 (const struct id *patient, int64_t when),
	 (patient, when))
STORE_FN(enum err, store_patients_due,
	 (int64_t now, struct arena *a, struct id **ids, size_t *n),
	 (now, a, ids, n))
STORE_FN(enum err, store_patient_key_counts,
	 (int64_t *patients, int64_t *with_key),
	 (patients, with_key))
STORE_FN(const char *, store_file_name, (enum store_file f), (f))
STORE_FN(enum err, store_file_copy,
	 (enum store_file f, const char *from_dir, const char *to_dir, void (*progress)(const char
	  *name, int64_t done, int64_t total)),
	 (f, from_dir, to_dir, progress))

/* --- store/account.h: account lifecycle: tokens, verification, passwords, outbox --- */
STORE_FN(enum err, store_token_insert,
	 (const uint8_t hash[HASH_BYTES], const struct store_token *t),
	 (hash, t))
STORE_FN(enum err, store_token_get,
	 (const uint8_t hash[HASH_BYTES], const char *kind, int64_t now, struct arena *a, struct
	  store_token *out),
	 (hash, kind, now, a, out))
STORE_FN(enum err, store_token_use,
	 (const uint8_t hash[HASH_BYTES], const char *kind, int64_t now),
	 (hash, kind, now))
STORE_FN(enum err, store_token_count,
	 (const struct id *account, const char *kind, int64_t since, int64_t *n),
	 (account, kind, since, n))
STORE_FN(enum err, store_tokens_end,
	 (const struct id *account, const char *kind, int64_t now),
	 (account, kind, now))
STORE_FN(enum err, store_account_state,
	 (const struct id *account, struct arena *a, struct store_account_state *out),
	 (account, a, out))
STORE_FN(enum err, store_account_set_verified, (const struct id *account), (account))
STORE_FN(enum err, store_account_set_password,
	 (const struct id *account, const char *pw_hash),
	 (account, pw_hash))
STORE_FN(enum err, store_account_set_email,
	 (const struct id *account, const char *email_index, struct bytes email_ct, struct bytes
	  marks),
	 (account, email_index, email_ct, marks))
STORE_FN(enum err, store_account_set_marks,
	 (const struct id *account, struct bytes marks),
	 (account, marks))
STORE_FN(enum err, store_account_register,
	 (const uint8_t invite_hash[HASH_BYTES], int64_t now, const struct store_account *acct, bool
	  verified, struct bytes marks),
	 (invite_hash, now, acct, verified, marks))
STORE_FN(enum err, store_sessions_revoke_others,
	 (const struct id *account, const struct id *keep),
	 (account, keep))
STORE_FN(enum err, store_account_tx, (enum err (*fn)(void *ctx), void *ctx), (fn, ctx))
STORE_FN(enum err, store_outbox_due,
	 (int64_t now, bool all, size_t max, struct arena *a, struct store_outbox_row **rows, size_t
	  *n),
	 (now, all, max, a, rows, n))
STORE_FN(enum err, store_outbox_claim, (const struct id *id, int64_t now, int64_t until),
	 (id, now, until))
STORE_FN(enum err, store_outbox_sent, (const struct id *id, int64_t now), (id, now))
STORE_FN(enum err, store_outbox_retry,
	 (const struct id *id, int64_t attempts, int64_t next_try, bool drop_body),
	 (id, attempts, next_try, drop_body))

/* --- store/accesslog.h: a patient's access log --- */
STORE_FN(enum err, store_accesslog_list,
	 (const struct grant *g, const struct id *patient, int64_t before, const char *skip_actor,
	  size_t max, struct arena *a, struct audit_record **out, size_t *n),
	 (g, patient, before, skip_actor, max, a, out, n))
STORE_FN(enum err, store_actor_facts,
	 (const struct id *account, const struct id *patient, struct store_actor_facts *out),
	 (account, patient, out))
STORE_FN(enum err, store_system_facts, (const struct id *id, struct store_system_facts *out),
	 (id, out))

/* --- store/apps.h: apps (OAuth clients and codes) --- */
STORE_FN(enum err, store_app_insert, (const struct store_app *app), (app))
STORE_FN(enum err, store_app_get, (const struct id *id, struct store_app *out), (id, out))
STORE_FN(enum err, store_apps_list, (struct arena *a, struct store_app **out, size_t *n), (a, out, n))
STORE_FN(enum err, store_app_remove, (const struct id *id, int64_t now), (id, now))
STORE_FN(enum err, store_app_code_insert, (const struct store_app_code *c), (c))
STORE_FN(enum err, store_app_code_take,
	 (const uint8_t hash[HASH_BYTES], struct arena *a, struct store_app_code *out),
	 (hash, a, out))
STORE_FN(enum err, store_app_codes_end, (const struct id *account), (account))
STORE_FN(enum err, store_app_refresh_begin,
	 (const struct store_app_refresh *f, const uint8_t hash[HASH_BYTES]), (f, hash))
STORE_FN(enum err, store_app_refresh_find,
	 (const uint8_t hash[HASH_BYTES], struct store_app_refresh *out, bool *current),
	 (hash, out, current))
STORE_FN(enum err, store_app_refresh_rotate,
	 (const struct id *family, const uint8_t old[HASH_BYTES], const uint8_t next[HASH_BYTES],
	  int64_t now),
	 (family, old, next, now))
STORE_FN(enum err, store_app_refresh_end, (const struct id *account, const struct id *family),
	 (account, family))
STORE_FN(enum err, store_app_refresh_list,
	 (const struct id *account, struct arena *a, struct store_app_refresh **out, size_t *n),
	 (account, a, out, n))
STORE_FN(enum err, store_account_online,
	 (const struct id *account, int64_t now, int64_t idle, bool *online), (account, now, idle, online))

/* --- store/contact.h: how a patient is known outside the portal --- */
STORE_FN(enum err, store_contact_set,
	 (const struct id *patient, const struct store_contact *c),
	 (patient, c))
STORE_FN(enum err, store_contact_get,
	 (const struct id *patient, struct arena *a, struct store_contact *out),
	 (patient, a, out))
STORE_FN(enum err, store_contact_erase, (const struct id *patient), (patient))

/* --- store/devices.h: known devices --- */
STORE_FN(enum err, store_known_device_put,
	 (const uint8_t hash[HASH_BYTES], const struct id *account, int64_t now),
	 (hash, account, now))
STORE_FN(enum err, store_known_device_get,
	 (const uint8_t hash[HASH_BYTES], const struct id *account, int64_t since),
	 (hash, account, since))
STORE_FN(enum err, store_known_devices_forget, (const struct id *account), (account))

/* --- store/locks.h: locks held for review, unlock tickets --- */
STORE_FN(enum err, store_lock_record,
	 (const struct id *account, const struct id *session, const char *reason, int64_t now,
	  const struct id *system_practice),
	 (account, session, reason, now, system_practice))
STORE_FN(bool, store_system_held, (const struct id *system), (system))
STORE_FN(enum err, store_locks_list,
	 (bool open_only, const struct id *practice, struct arena *a, struct store_lock **out,
	  size_t *n),
	 (open_only, practice, a, out, n))
STORE_FN(enum err, store_lock_get,
	 (const struct id *lock, struct arena *a, struct store_lock *out),
	 (lock, a, out))
STORE_FN(enum err, store_lock_latest,
	 (const struct id *account, struct arena *a, struct store_lock *out),
	 (account, a, out))
STORE_FN(enum err, store_lock_review,
	 (const struct id *account, const char *state, const struct id *reviewer, const char
	  *reason, int64_t now),
	 (account, state, reviewer, reason, now))
STORE_FN(enum err, store_accounts_list,
	 (bool locked_only, size_t max, struct arena *a, struct store_account **out, size_t *n),
	 (locked_only, max, a, out, n))
STORE_FN(enum err, store_unlock_ticket_set,
	 (const struct id *account, int64_t issued, const uint8_t *mac, size_t n),
	 (account, issued, mac, n))
STORE_FN(enum err, store_unlock_ticket_get,
	 (const struct id *account, int64_t *issued, uint8_t mac[32]),
	 (account, issued, mac))
STORE_FN(enum err, store_unlock_ticket_delete, (const struct id *account), (account))

/* --- store/passkey.h: passkeys --- */
STORE_FN(enum err, store_passkey_insert,
	 (const struct id *account, const struct store_passkey *p),
	 (account, p))
STORE_FN(enum err, store_passkey_list,
	 (const struct id *account, struct arena *a, struct store_passkey **out, size_t *n),
	 (account, a, out, n))
STORE_FN(enum err, store_passkey_find,
	 (const struct id *account, const uint8_t *cred_id, size_t cred_id_len, struct store_passkey
	  *out),
	 (account, cred_id, cred_id_len, out))
STORE_FN(enum err, store_passkey_used,
	 (const struct id *account, const struct id *passkey, uint32_t sign_count, int64_t now),
	 (account, passkey, sign_count, now))
STORE_FN(enum err, store_passkey_delete,
	 (const struct id *account, const struct id *passkey),
	 (account, passkey))
STORE_FN(enum err, store_passkey_count, (const struct id *account, int *n), (account, n))
STORE_FN(enum err, store_passkey_challenge_put,
	 (const struct id *session, int purpose, const uint8_t hash[HASH_BYTES], int64_t expires),
	 (session, purpose, hash, expires))
STORE_FN(enum err, store_passkey_challenge_take,
	 (const struct id *session, int purpose, const uint8_t hash[HASH_BYTES], int64_t now),
	 (session, purpose, hash, now))
STORE_FN(enum err, store_account_email_ct,
	 (const struct id *account, struct arena *a, struct bytes *out),
	 (account, a, out))

/* --- store/practice.h: practice settings --- */
STORE_FN(enum err, store_practice_settings_get,
	 (const struct id *practice, struct arena *a, struct store_practice_settings *out),
	 (practice, a, out))
STORE_FN(enum err, store_practice_require_patient_mfa,
	 (const struct id *practice, bool on),
	 (practice, on))
STORE_FN(enum err, store_practices_list,
	 (size_t offset, size_t limit, struct arena *a, struct store_practice **out, size_t *n),
	 (offset, limit, a, out, n))

/* --- store/proxy.h: proxy access --- */
STORE_FN(enum err, store_proxy_insert,
	 (const struct grant *g, const struct store_proxy_row *row, const char *email_index, int64_t
	  now, const struct store_mail *mail),
	 (g, row, email_index, now, mail))
STORE_FN(enum err, store_proxy_list,
	 (const struct grant *g, const struct id *patient, int64_t now, struct arena *a, struct
	  store_proxy_row **out, size_t *n),
	 (g, patient, now, a, out, n))
STORE_FN(enum err, store_proxy_target,
	 (const struct id *grant_id, int64_t now, struct target *out),
	 (grant_id, now, out))
STORE_FN(enum err, store_proxy_revoke,
	 (const struct grant *g, const struct id *grant_id, int64_t now, const struct id *by,
	  const char *reason),
	 (g, grant_id, now, by, reason))
STORE_FN(enum err, store_proxy_held,
	 (const struct id *account, int64_t now, struct arena *a, struct store_proxy_held **out,
	  size_t *n),
	 (account, now, a, out, n))
STORE_FN(enum err, store_session_set_record,
	 (const struct id *account, const struct id *session, const struct id *record),
	 (account, session, record))

/* --- store/medications.h: medications and repeats --- */
STORE_FN(enum err, store_medication_target,
	 (const struct id *medication, struct target *out),
	 (medication, out))
STORE_FN(enum err, store_repeat_target, (const struct id *request, struct target *out), (request, out))
STORE_FN(enum err, store_medication_insert,
	 (const struct grant *g, const struct store_medication *m),
	 (g, m))
STORE_FN(enum err, store_medication_list,
	 (const struct grant *g, const struct id *patient, struct arena *a, struct store_medication
	  **out, size_t *n),
	 (g, patient, a, out, n))
STORE_FN(enum err, store_medication_get,
	 (const struct grant *g, const struct id *medication, struct arena *a, struct
	  store_medication *out),
	 (g, medication, a, out))
STORE_FN(enum err, store_medication_stop,
	 (const struct grant *g, const struct id *medication, const struct id *by, int64_t now,
	  const char *reason, struct bytes detail),
	 (g, medication, by, now, reason, detail))
STORE_FN(enum err, store_repeat_insert, (const struct grant *g, const struct store_repeat *r), (g, r))
STORE_FN(enum err, store_repeat_list,
	 (const struct grant *g, const struct id *patient, struct arena *a, struct store_repeat
	  **out, size_t *n),
	 (g, patient, a, out, n))
STORE_FN(enum err, store_repeat_news,
	 (const struct grant *g, const struct id *patient, int64_t since, size_t max, struct arena *a,
	  struct store_repeat **out, size_t *n),
	 (g, patient, since, max, a, out, n))
STORE_FN(enum err, store_repeat_news_count,
	 (const struct grant *g, const struct id *patient, int64_t since, int64_t *total),
	 (g, patient, since, total))
STORE_FN(enum err, store_repeat_get,
	 (const struct grant *g, const struct id *request, struct arena *a, struct store_repeat
	  *out),
	 (g, request, a, out))
STORE_FN(enum err, store_repeat_decide,
	 (const struct grant *g, const struct id *request, enum repeat_state state, const struct id
	  *by, int64_t now, struct bytes decision),
	 (g, request, state, by, now, decision))
STORE_FN(enum err, store_repeat_queue,
	 (const struct id *practice, size_t max, struct arena *a, struct id **requests, struct id
	  **patients, int64_t **last_approved, size_t *n),
	 (practice, max, a, requests, patients, last_approved, n))

/* --- store/appointments.h: slots and appointments --- */
STORE_FN(enum err, store_slot_insert,
	 (const struct store_slot *s, const struct id *created_by, int64_t now),
	 (s, created_by, now))
STORE_FN(enum err, store_slot_remove_unused, (const struct id *slot), (slot))
STORE_FN(enum err, store_slot_get, (const struct id *slot, struct store_slot *out), (slot, out))
STORE_FN(enum err, store_slots_page,
	 (const struct store_slot_filter *f, const struct store_page *pg, struct arena *a,
	  struct store_slot **out, size_t *n),
	 (f, pg, a, out, n))
STORE_FN(enum err, store_slots_count, (const struct store_slot_filter *f, int64_t *total),
	 (f, total))
STORE_FN(enum err, store_slots_list,
	 (const struct id *practice, const struct id *clinician, int64_t from, int64_t to, bool
	  free_only, struct arena *a, struct store_slot **out, size_t *n),
	 (practice, clinician, from, to, free_only, a, out, n))
STORE_FN(enum err, store_slots_of_clinician,
	 (const struct id *clinician, int64_t from, int64_t to, struct arena *a, struct store_slot
	  **out, size_t *n),
	 (clinician, from, to, a, out, n))
STORE_FN(enum err, store_appointment_target,
	 (const struct id *appointment, struct target *out),
	 (appointment, out))
STORE_FN(enum err, store_appointment_insert,
	 (const struct grant *g, const struct store_appointment *ap, int64_t now, int max_upcoming,
	  bool *full),
	 (g, ap, now, max_upcoming, full))
STORE_FN(enum err, store_appointments_upcoming,
	 (const struct grant *g, const struct id *patient, int64_t now, int *count),
	 (g, patient, now, count))
STORE_FN(enum err, store_appointment_list,
	 (const struct grant *g, const struct id *patient, const struct store_page *pg, struct arena
	  *a, struct store_appointment **out, size_t *n),
	 (g, patient, pg, a, out, n))
STORE_FN(enum err, store_appointment_count,
	 (const struct grant *g, const struct id *patient, const struct store_page *pg, int64_t
	  *total),
	 (g, patient, pg, total))
STORE_FN(enum err, store_appointment_get,
	 (const struct grant *g, const struct id *appointment, struct arena *a, struct
	  store_appointment *out),
	 (g, appointment, a, out))
STORE_FN(enum err, store_appointment_cancel,
	 (const struct grant *g, const struct id *appointment, const struct id *by, int64_t now,
	  int64_t min_start, const char *reason),
	 (g, appointment, by, now, min_start, reason))
STORE_FN(enum err, store_appointment_move,
	 (const struct grant *g, const struct id *appointment, const struct id *practice,
	  const struct id *slot, int64_t now),
	 (g, appointment, practice, slot, now))
STORE_FN(enum err, store_slots_of_practice,
	 (const struct id *practice, int64_t from, int64_t to, struct arena *a, struct store_slot
	  **out, size_t *n),
	 (practice, from, to, a, out, n))
STORE_FN(enum err, store_slot_remove_free,
	 (const struct id *practice, const struct id *slot, int64_t now),
	 (practice, slot, now))
STORE_FN(enum err, store_practice_cutoff, (const struct id *practice, int *minutes), (practice, minutes))
STORE_FN(enum err, store_practice_cutoff_set,
	 (const struct id *practice, int minutes),
	 (practice, minutes))
STORE_FN(enum err, store_practice_booking,
	 (const struct id *practice, struct arena *a, struct store_booking_settings *out),
	 (practice, a, out))
STORE_FN(enum err, store_practice_booking_set,
	 (const struct id *practice, const struct store_booking_settings *s),
	 (practice, s))
STORE_FN(enum err, store_practice_clinicians,
	 (const struct id *practice, struct arena *a, struct store_staff **out, size_t *n),
	 (practice, a, out, n))
STORE_FN(enum err, store_staff_name,
	 (const struct id *account, struct arena *a, const char **name),
	 (account, a, name))
STORE_FN(enum err, store_staff_name_set, (const struct id *account, const char *name), (account, name))
STORE_FN(enum err, store_clinician_of,
	 (const struct id *account, const struct id *practice, bool *yes),
	 (account, practice, yes))

/* --- store/results.h: results --- */
STORE_FN(enum err, store_result_target, (const struct id *result, struct target *out), (result, out))
STORE_FN(enum err, store_result_by_accession,
	 (const struct grant *g, const struct id *patient, const char *accession, struct arena *a,
	  struct store_result *out),
	 (g, patient, accession, a, out))
STORE_FN(enum err, store_result_put,
	 (const struct grant *g, const struct store_result *r, bool replace),
	 (g, r, replace))
STORE_FN(enum err, store_result_list,
	 (const struct grant *g, const struct id *patient, int64_t now, const struct store_page *pg,
	  struct arena *a, struct store_result **out, size_t *n),
	 (g, patient, now, pg, a, out, n))
STORE_FN(enum err, store_result_count,
	 (const struct grant *g, const struct id *patient, int64_t now, const struct store_page *pg,
	  int64_t *total),
	 (g, patient, now, pg, total))
STORE_FN(enum err, store_result_news,
	 (const struct grant *g, const struct id *patient, const struct id *account, int64_t since,
	  int64_t now, size_t max, struct arena *a, struct store_result **out, size_t *n),
	 (g, patient, account, since, now, max, a, out, n))
STORE_FN(enum err, store_result_news_count,
	 (const struct grant *g, const struct id *patient, const struct id *account, int64_t since,
	  int64_t now, int64_t *total),
	 (g, patient, account, since, now, total))
STORE_FN(enum err, store_result_opened,
	 (const struct grant *g, const struct id *patient, const struct id *account,
	  const struct id *result, int64_t now),
	 (g, patient, account, result, now))
STORE_FN(enum err, store_result_get,
	 (const struct grant *g, const struct id *result, int64_t now, struct arena *a, struct
	  store_result *out),
	 (g, result, now, a, out))
STORE_FN(enum err, store_result_release,
	 (const struct grant *g, const struct id *result, int64_t now, bool commented, struct bytes
	  body),
	 (g, result, now, commented, body))
STORE_FN(enum err, store_result_inbox,
	 (const struct store_inbox_query *q, struct arena *a, struct store_result **out, size_t *n,
	  int64_t *total),
	 (q, a, out, n, total))
STORE_FN(enum err, store_result_inbox_next,
	 (const struct store_inbox_query *q, const struct store_result *after, struct id *next),
	 (q, after, next))
STORE_FN(enum err, store_result_review,
	 (const struct grant *g, const struct id *result, int64_t now, const char *how),
	 (g, result, now, how))
STORE_FN(enum err, store_result_rules,
	 (const struct id *practice, struct arena *a, struct store_result_rule **out, size_t *n),
	 (practice, a, out, n))
STORE_FN(enum err, store_result_rule_set,
	 (const struct id *practice, const struct store_result_rule *r),
	 (practice, r))
STORE_FN(enum err, store_result_pref_get,
	 (const struct grant *g, const struct id *patient, bool *comment_first),
	 (g, patient, comment_first))
STORE_FN(enum err, store_result_pref_set,
	 (const struct grant *g, const struct id *patient, bool comment_first),
	 (g, patient, comment_first))
STORE_FN(enum err, store_results_erase, (const struct id *patient), (patient))

/* --- store/messages.h: messages --- */
STORE_FN(enum err, store_draft_get,
	 (const struct grant *g, const struct id *author, const struct id *thread, struct arena *a,
	  struct store_draft *out),
	 (g, author, thread, a, out))
STORE_FN(enum err, store_draft_put, (const struct grant *g, const struct store_draft *d), (g, d))
STORE_FN(enum err, store_draft_delete,
	 (const struct grant *g, const struct id *author, const struct id *thread), (g, author, thread))
STORE_FN(enum err, store_thread_target,
	 (const struct id *thread, struct target *out, struct id *practice),
	 (thread, out, practice))
STORE_FN(enum err, store_message_target,
	 (const struct id *message, struct target *out, struct id *thread, struct id *practice),
	 (message, out, thread, practice))
STORE_FN(enum err, store_thread_insert,
	 (const struct grant *g, const struct store_thread *t, const struct store_message *first),
	 (g, t, first))
STORE_FN(enum err, store_message_insert, (const struct grant *g, const struct store_message *m), (g, m))
STORE_FN(enum err, store_threads_unread,
	 (const struct grant *g, const struct id *patient, size_t max, struct arena *a,
	  struct store_thread **out, size_t *n),
	 (g, patient, max, a, out, n))
STORE_FN(enum err, store_unread_count,
	 (const struct grant *g, const struct id *patient, int64_t *messages), (g, patient, messages))
STORE_FN(enum err, store_thread_get,
	 (const struct grant *g, const struct id *thread, struct arena *a, struct store_thread
	  *out),
	 (g, thread, a, out))
STORE_FN(enum err, store_thread_messages,
	 (const struct grant *g, const struct id *thread, struct arena *a, struct store_message
	  **out, size_t *n),
	 (g, thread, a, out, n))
STORE_FN(enum err, store_threads_by_patient,
	 (const struct grant *g, const struct id *patient, struct arena *a, struct store_thread
	  **out, size_t *n),
	 (g, patient, a, out, n))
STORE_FN(enum err, store_messages_by_patient,
	 (const struct grant *g, const struct id *patient, const struct id *practice, const struct
	  store_page *pg, struct arena *a, struct store_message **out, size_t *n),
	 (g, patient, practice, pg, a, out, n))
STORE_FN(enum err, store_messages_count,
	 (const struct grant *g, const struct id *patient, const struct id *practice, const struct
	  store_page *pg, int64_t *total),
	 (g, patient, practice, pg, total))
STORE_FN(enum err, store_message_get,
	 (const struct grant *g, const struct id *message, struct arena *a, struct store_message
	  *out),
	 (g, message, a, out))
STORE_FN(enum err, store_thread_mark_read,
	 (const struct grant *g, const struct id *thread, bool practice_side),
	 (g, thread, practice_side))
STORE_FN(enum err, store_practice_threads,
	 (const struct id *practice, const struct id *assignee, size_t max, struct arena *a,
	  struct store_thread **out, size_t *n),
	 (practice, assignee, max, a, out, n))
STORE_FN(enum err, store_thread_assign,
	 (const struct grant *g, const struct id *thread, const struct id *practice,
	  const struct id *assignee),
	 (g, thread, practice, assignee))
STORE_FN(enum err, store_practice_unread,
	 (const struct id *practice, int64_t *threads),
	 (practice, threads))

/* --- store/feeds.h: HL7 v2 feeds (the senders registered to a practice) --- */
STORE_FN(enum err, store_feed_insert, (const struct store_feed *f), (f))
STORE_FN(enum err, store_feed_get, (const struct id *id, struct store_feed *out), (id, out))
STORE_FN(enum err, store_feed_by_facility,
	 (const char *facility, struct store_feed *out),
	 (facility, out))
STORE_FN(enum err, store_feed_by_cert,
	 (const uint8_t sha256[FEED_CERT_SHA256_BYTES], struct store_feed *out),
	 (sha256, out))
STORE_FN(enum err, store_feeds_list,
	 (const struct id *practice, size_t offset, size_t limit, struct arena *a,
	  struct store_feed **out, size_t *n),
	 (practice, offset, limit, a, out, n))
STORE_FN(enum err, store_feed_remove, (const struct id *id, int64_t now), (id, now))

/* --- store/systems.h: practice systems over FHIR (SMART Backend Services) --- */
STORE_FN(enum err, store_system_insert, (const struct store_system *s), (s))
STORE_FN(enum err, store_system_get,
	 (const struct id *id, struct arena *a, struct store_system *out),
	 (id, a, out))
STORE_FN(enum err, store_systems_list,
	 (struct arena *a, struct store_system **out, size_t *n),
	 (a, out, n))
STORE_FN(enum err, store_system_remove, (const struct id *id, int64_t now), (id, now))
STORE_FN(enum err, store_system_jti_use,
	 (const struct id *client, const uint8_t jti_hash[HASH_BYTES], int64_t expires, int64_t now),
	 (client, jti_hash, expires, now))
STORE_FN(enum err, store_system_token_insert,
	 (const uint8_t token_hash[HASH_BYTES], const struct store_system_token *t),
	 (token_hash, t))
STORE_FN(enum err, store_system_token_get,
	 (const uint8_t token_hash[HASH_BYTES], int64_t now, struct store_system_token *out),
	 (token_hash, now, out))
STORE_FN(enum err, store_rollback, (void), ())
STORE_FN(bool, store_in_transaction, (void), ())
/* --- store/ingest.h: HL7 v2 ingestion (the duplicate check, the practice's feed queue) --- */
STORE_FN(enum err, store_feed_message_claim,
	 (const struct id *feed, const char *control_id, int64_t now, int64_t stale_before,
	  struct store_feed_message *out),
	 (feed, control_id, now, stale_before, out))
STORE_FN(enum err, store_feed_message_release, (const struct id *feed, const char *control_id),
	 (feed, control_id))
STORE_FN(enum err, store_feed_message_finish, (const struct store_feed_message *m), (m))
STORE_FN(enum err, store_feed_messages_prune, (int64_t before, int64_t *removed), (before, removed))
STORE_FN(enum err, store_feed_stats,
	 (const struct id *feed, int64_t since, struct store_feed_stats *out),
	 (feed, since, out))
STORE_FN(enum err, store_feedq_insert, (const struct store_feedq *q), (q))
STORE_FN(enum err, store_feedq_list,
	 (const struct id *practice, size_t limit, struct arena *a, struct store_feedq **out,
	  size_t *n),
	 (practice, limit, a, out, n))
STORE_FN(enum err, store_feedq_get,
	 (const struct id *practice, const struct id *id, struct arena *a, struct store_feedq *out),
	 (practice, id, a, out))
STORE_FN(enum err, store_feedq_decide,
	 (const struct id *practice, const struct id *id, enum feedq_state state,
	  const struct id *by, int64_t at, const char *note),
	 (practice, id, state, by, at, note))
STORE_FN(enum err, store_feedq_link,
	 (const struct id *practice, const struct id *id, const struct id *transfer,
	  struct bytes move_key),
	 (practice, id, transfer, move_key))
STORE_FN(enum err, store_feedq_of_transfer,
	 (const struct id *transfer, size_t limit, struct arena *a, struct store_feedq **out,
	  size_t *n),
	 (transfer, limit, a, out, n))
/* --- store/imports.h: the import map (medkeep import) --- */
STORE_FN(enum err, store_import_lookup,
	 (const struct id *practice, const char *rtype, const uint8_t source[HASH_BYTES],
	  struct id *target, struct id *patient),
	 (practice, rtype, source, target, patient))
STORE_FN(enum err, store_import_record,
	 (const struct id *practice, const char *rtype, const uint8_t source[HASH_BYTES],
	  const struct id *target, const struct id *patient, int64_t now),
	 (practice, rtype, source, target, patient, now))
STORE_FN(enum err, store_import_invitees,
	 (const struct id *practice, const struct id *after, size_t limit, struct id *out, size_t *n),
	 (practice, after, limit, out, n))

/* --- store/transfers.h: a patient moving between practices --- */
STORE_FN(enum err, store_transfer_ask, (const struct store_transfer *t, int max_per_day),
	 (t, max_per_day))
STORE_FN(enum err, store_transfer_get, (const struct id *id, struct store_transfer *out),
	 (id, out))
STORE_FN(enum err, store_transfers_of_practice,
	 (const struct id *practice, int64_t since, struct arena *a, struct store_transfer **out,
	  size_t *n),
	 (practice, since, a, out, n))
STORE_FN(enum err, store_transfers_open,
	 (struct arena *a, struct store_transfer **out, size_t *n), (a, out, n))
STORE_FN(enum err, store_transfer_note, (const struct id *id, const char *note), (id, note))
STORE_FN(enum err, store_transfers_of_patient,
	 (const struct id *patient, struct arena *a, struct store_transfer **out, size_t *n),
	 (patient, a, out, n))
STORE_FN(enum err, store_transfer_complete,
	 (const struct grant *g, const struct id *id, int64_t history_from, const struct id *by,
	  int64_t now),
	 (g, id, history_from, by, now))
STORE_FN(enum err, store_transfer_decline, (const struct id *id, const struct id *by, int64_t now),
	 (id, by, now))
STORE_FN(enum err, store_enrolment_share,
	 (const struct grant *g, const struct id *patient, const struct id *practice, bool share),
	 (g, patient, practice, share))

/* --- store/notify.h: notices (docs/internals/NOTICES.md) --- */
STORE_FN(enum err, store_notify_pref_get,
	 (const struct id *account, const struct id *record, unsigned *set, unsigned *on),
	 (account, record, set, on))
STORE_FN(enum err, store_notify_pref_set,
	 (const struct grant *g, const struct id *account, const struct id *record, unsigned kinds,
	  unsigned on),
	 (g, account, record, kinds, on))
STORE_FN(enum err, store_notify_proxies,
	 (const struct id *patient, int64_t now, struct arena *a, struct store_notify_proxy **out,
	  size_t *n),
	 (patient, now, a, out, n))
STORE_FN(enum err, store_notify_staff_claim, (const struct id *account, int64_t now, int64_t window),
	 (account, now, window))
STORE_FN(enum err, store_notify_staff_claim_kind,
	 (const struct id *account, const char *kind, int64_t now, int64_t window),
	 (account, kind, now, window))
STORE_FN(enum err, store_practice_staff,
	 (const struct id *practice, struct arena *a, struct store_staff **out, size_t *n),
	 (practice, a, out, n))
STORE_FN(enum err, store_outbox_schedule,
	 (const struct store_mail *m, int64_t not_before, const struct id *ref, const char *kind),
	 (m, not_before, ref, kind))
STORE_FN(enum err, store_outbox_withdraw, (const struct id *ref), (ref))
STORE_FN(enum err, store_outbox_withdraw_kind,
	 (const struct id *account, const char *kind, int64_t now), (account, kind, now))
/* --- store/recalls.h: recalls --- */
STORE_FN(enum err, store_recall_insert, (const struct grant *g, const struct store_recall *r), (g, r))
STORE_FN(enum err, store_recall_get, (const struct id *id, struct store_recall *out), (id, out))
STORE_FN(enum err, store_recall_close,
	 (const struct grant *g, const struct store_recall *r, const char *outcome,
	  const struct id *by, int64_t now),
	 (g, r, outcome, by, now))
STORE_FN(enum err, store_recalls_of_practice,
	 (const struct id *practice, int64_t due_before, size_t offset, size_t limit,
	  struct arena *a, struct store_recall **out, size_t *n),
	 (practice, due_before, offset, limit, a, out, n))
STORE_FN(enum err, store_recalls_booked_of_practice,
	 (const struct id *practice, int64_t now, size_t offset, size_t limit, struct arena *a,
	  struct store_recall **out, size_t *n),
	 (practice, now, offset, limit, a, out, n))
STORE_FN(enum err, store_recalls_open_due,
	 (const struct grant *g, const struct id *patient, const struct id *practice, int64_t due_by,
	  struct arena *a, struct store_recall **out, size_t *n),
	 (g, patient, practice, due_by, a, out, n))
STORE_FN(enum err, store_recall_booked,
	 (const struct grant *g, const struct store_recall *r, const struct id *appointment,
	  const struct id *by, int64_t now),
	 (g, r, appointment, by, now))
STORE_FN(enum err, store_recalls_of_appointment,
	 (const struct grant *g, const struct id *patient, const struct id *appointment,
	  struct arena *a, struct store_recall **out, size_t *n),
	 (g, patient, appointment, a, out, n))
STORE_FN(enum err, store_recall_reopen, (const struct grant *g, const struct store_recall *r), (g, r))
STORE_FN(enum err, store_recall_list,
	 (const struct grant *g, const struct id *patient, struct arena *a, struct store_recall **out,
	  size_t *n),
	 (g, patient, a, out, n))
/* --- store/details.h: a patient's own contact details --- */
STORE_FN(enum err, store_details_get,
	 (const struct grant *g, const struct id *patient, struct arena *a, struct store_details *out),
	 (g, patient, a, out))
STORE_FN(enum err, store_details_set,
	 (const struct grant *g, const struct id *patient, struct bytes body, int64_t now,
	  const struct id *by),
	 (g, patient, body, now, by))
/* --- store/summary.h: the health summary --- */
STORE_FN(enum err, store_summary_target, (const struct id *entry, struct target *out), (entry, out))
STORE_FN(enum err, store_summary_insert, (const struct grant *g, const struct store_summary *e), (g, e))
STORE_FN(enum err, store_summary_list,
	 (const struct grant *g, const struct id *patient, enum summary_kind kind, struct arena *a,
	  struct store_summary **out, size_t *n),
	 (g, patient, kind, a, out, n))
STORE_FN(enum err, store_summary_get,
	 (const struct grant *g, const struct id *entry, struct arena *a, struct store_summary *out),
	 (g, entry, a, out))
/* --- store/home.h: the home page's marks --- */
STORE_FN(enum err, store_seen_get,
	 (const struct id *account, const struct id *record, const char *kind, int64_t *seen),
	 (account, record, kind, seen))
STORE_FN(enum err, store_seen_set,
	 (const struct id *account, const struct id *record, const char *kind, int64_t seen),
	 (account, record, kind, seen))
/* --- store/breaker.h: several nodes' breaker facts --- */
STORE_FN(enum err, store_breaker_events_add,
	 (const struct id *node, const struct breaker_event *ev, size_t n), (node, ev, n))
STORE_FN(enum err, store_breaker_events_since,
	 (const struct id *node, int64_t *cursor, int64_t since, struct breaker_event *out,
	  size_t max, size_t *n),
	 (node, cursor, since, out, max, n))
STORE_FN(enum err, store_breaker_events_prune, (int64_t before), (before))
