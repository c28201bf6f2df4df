/*
 * The account lifecycle (see account.h), its second half: password resets, and the changes
 * made signed in with a fresh second factor (password, email address, recovery codes). Each
 * is on the audit trail and announced by email; several rows that move together move in one
 * store transaction. No address, token or password is ever logged.
 */
#include "auth/account.h"
#include "auth/auth_int.h"

#include <stdio.h>
#include <string.h>

#include "audit/audit.h"
#include "domain/domain.h"
#include "domain/locks.h"
#include "limits.h"
#include "store/devices.h"
#include "store/store.h"
#include "util/wipe.h"

/* --- password reset --- */

struct reset_ctx {
	const char *rate_key;
	bool send;
	const uint8_t *hash;
	const struct store_token *tok;
	struct bytes to_ct;
	const char *body;
	const char *paused; /* the account is locked for review: this notice, no link */
};

static enum err reset_steps(void *p)
{
	struct reset_ctx *c = p;
	int64_t now = now_s();
	if (store_throttle_fail(c->rate_key, now, 3600, ACCOUNT_RESETS_PER_HOUR, 3600) != ERR_OK)
		return ERR_INTERNAL;
	if (!c->send)
		return ERR_OK;
	if (c->paused)
		return account_queue(&c->tok->account, c->to_ct, "Your patient portal account is paused for review",
			     c->paused);
	if (store_tokens_end(&c->tok->account, TOKEN_RESET, now) != ERR_OK ||
	    store_token_insert(c->hash, c->tok) != ERR_OK)
		return ERR_INTERNAL;
	return account_queue(&c->tok->account, c->to_ct, "Reset your patient portal password", c->body);
}

enum err account_reset_request(const char *email, const char *ip)
{
	char norm[LIMIT_EMAIL + 1], idx[80], throttle[80], rate[96];
	if (email == NULL || auth_normalise_email(email, strlen(email), norm, sizeof(norm)) != 0)
		return ERR_INVALID;
	struct arena ar;
	arena_init(&ar, LIMIT_CALL_ARENA);
	int rc = ERR_INTERNAL;
	int64_t now = now_s();
	struct store_account acct;
	struct store_account_state st;
	memset(&st, 0, sizeof(st));
	if (auth_email_key(norm, idx) != 0 || auth_throttle_key(norm, throttle) != 0)
		goto out;
	/* The same work for known and unknown addresses: the lookups, a token and its link, and
	 * one transaction that counts the request for this address. */
	int found = store_account_by_email(idx, &ar, &acct);
	if (found == ERR_INTERNAL)
		goto out;
	bool known = found == ERR_OK && store_account_state(&acct.id, &ar, &st) == ERR_OK &&
		     st.verified;
	/* A locked account gets no link (a new password would not open it) but the truth: it is
	 * paused for review, and whom to contact. The page answers the same for every address. */
	const char *paused = NULL;
	if (known && st.locked) {
		const char *contact = locks_contact(&acct.id, acct.role, acct.has_patient, &acct.patient, &ar);
		paused = arena_printf(&ar,
				      "Hello,\n\nSomeone asked to reset the password of your patient portal "
				      "account. Your account was paused for review%s after unusual activity, "
				      "so a new password would not open it and no reset link was made.\n\n"
				      "To have it reviewed and opened again, contact %s.\n\nIf it was "
				      "not you who asked, there is nothing to do.\n%s",
				      locks_paused_on(&acct.id, 0, &ar), contact, account_mail_footer);
		if (paused == NULL)
			goto out;
	}
	snprintf(rate, sizeof(rate), "reset:%s", throttle);
	int fails = 0;
	int64_t blocked = 0;
	store_throttle_get(rate, now, 3600, &fails, &blocked);
	char token[TOKEN_B64_LEN + 1];
	uint8_t hash[HASH_BYTES];
	account_token_make(token, hash);
	struct store_token tok;
	memset(&tok, 0, sizeof(tok));
	snprintf(tok.kind, sizeof(tok.kind), "%s", TOKEN_RESET);
	tok.account = known ? acct.id : tok.account;
	tok.created_by = tok.account;
	tok.created = now;
	tok.expires = now + ACCOUNT_RESET_SECONDS;
	tok.detail = (struct bytes){(const uint8_t *)throttle, strlen(throttle) + 1};
	char *body = arena_printf(&ar,
				  "Hello,\n\nSomeone asked to reset the password of your patient portal account. "
				  "If it was you, open this link within 30 minutes and choose a new "
				  "password:\n\n%s/reset/confirm?token=%s\n\nThe link works once. Setting "
				  "a new password signs you out everywhere.\n\nIf it was not you, ignore "
				  "this email: your password stays as it is.\n%s",
				  account_portal_url(), token, account_mail_footer);
	wipe(token, sizeof(token));
	struct reset_ctx c = {rate, known && blocked <= now && body, hash, &tok, st.email_ct, body, paused};
	if (store_account_tx(reset_steps, &c) != ERR_OK)
		goto out;
	struct actor who;
	account_actor_for(known ? &acct.id : &tok.account, ip, &who);
	struct audit_event e = {.actor = known ? &who : NULL, .action = "password.reset.request",
				.rtype = "-", .outcome = AUDIT_OK, .ip = ip, .deferrable = true};
	rc = audit_append(&e) == 0 ? ERR_OK : ERR_INTERNAL;
out:
	wipe(norm, sizeof(norm));
	arena_release(&ar);
	return rc;
}


/* After a password is set: a notice to the account's address. */
static void password_notice(const struct id *account, struct bytes to_ct, const char *how,
			    struct arena *ar)
{
	char *body = arena_printf(ar,
				  "Hello,\n\nThe password of your patient portal account was just %s. %s\n\nIf "
				  "this was not you, reset your password at once at %s/reset and tell "
				  "your practice.\n%s",
				  how,
				  strcmp(how, "reset") == 0 ? "Every device was signed out."
							    : "Every other device was signed out.",
				  account_portal_url(), account_mail_footer);
	if (body)
		account_queue(account, to_ct, "Your patient portal password was changed", body);
}

struct setpw_ctx {
	const uint8_t *hash; /* the reset token (or emailed code), or NULL */
	const char *kind;    /* its kind: TOKEN_RESET or TOKEN_PWCODE */
	const struct id *account;
	const struct id *keep; /* the session to keep, or NULL for none */
	const char *pw_hash;
};

static enum err setpw_steps(void *p)
{
	struct setpw_ctx *c = p;
	if (c->hash && store_token_use(c->hash, c->kind, now_s()) != ERR_OK)
		return ERR_NOT_FOUND;
	if (store_account_set_password(c->account, c->pw_hash) != ERR_OK)
		return ERR_INTERNAL;
	if (c->keep)
		return store_sessions_revoke_others(c->account, c->keep);
	/* A reset is for someone who lost control of the account: the browsers it knew lose their
	 * own login allowance too (src/auth/device.c). */
	enum err rc = store_sessions_revoke(c->account);
	return rc == ERR_OK ? store_known_devices_forget(c->account) : rc;
}

enum err account_reset_finish(const char *token, const char *password, size_t pw_len, const char *ip,
			      const char **why)
{
	uint8_t hash[HASH_BYTES];
	struct arena ar;
	arena_init(&ar, LIMIT_CALL_ARENA);
	struct store_token t;
	struct store_account_state st;
	int64_t now = now_s();
	int rc = ERR_INTERNAL;
	char pw_hash[PWHASH_STR_BYTES];
	if (account_token_parse(token, hash) != 0 || store_token_get(hash, TOKEN_RESET, now, &ar, &t) != ERR_OK ||
	    store_account_state(&t.account, &ar, &st) != ERR_OK) {
		rc = ERR_NOT_FOUND;
		goto out;
	}
	if (account_password_ok(password, pw_len, NULL, st.marks, why) != 0) {
		rc = ERR_INVALID;
		goto out;
	}
	if (password_hash(password, pw_len, pw_hash) != 0)
		goto out;
	struct actor who;
	account_actor_for(&t.account, ip, &who);
	if (auth_audit(&who, "password.reset", NULL, AUDIT_OK, ip) != 0)
		goto out;
	struct setpw_ctx c = {hash, TOKEN_RESET, &t.account, NULL, pw_hash};
	int s = store_account_tx(setpw_steps, &c);
	if (s == ERR_NOT_FOUND) {
		rc = ERR_NOT_FOUND;
		goto out;
	}
	if (s != ERR_OK)
		goto out;
	/* Whoever was locked out by failed logins is let in again with the new password. */
	char mfa_key[80], hex[ID_HEX_LEN + 1];
	id_hex(&t.account, hex);
	snprintf(mfa_key, sizeof(mfa_key), "mfa:%s", hex);
	store_throttle_clear(mfa_key);
	if (t.detail.len > 1 && t.detail.len <= 80 && t.detail.ptr[t.detail.len - 1] == '\0')
		store_throttle_clear((const char *)t.detail.ptr);
	password_notice(&t.account, st.email_ct, "reset", &ar);
	rc = ERR_OK;
out:
	wipe(pw_hash, sizeof(pw_hash));
	arena_release(&ar);
	return rc;
}

/* --- changes while signed in (step-up) --- */

/* An account made without its names' marks (invited by a practice admin, who may not read
 * the record): a patient signed in may read their own, so add them now. */
static struct bytes with_own_names(const struct actor *a, struct bytes marks, struct arena *ar)
{
	struct pw_mark m[PW_MARKS_MAX];
	size_t n = pw_marks_decode(marks.ptr, marks.len, m, PW_MARKS_MAX);
	for (size_t i = 0; i < n; i++)
		if (m[i].kind == 'n')
			return marks;
	struct patient_view pv;
	if (a->role != ROLE_PATIENT || !a->has_patient ||
	    patient_read(a, &a->patient, ar, &pv) != ERR_OK)
		return marks;
	account_marks_add('n', pv.given, m, &n);
	account_marks_add('n', pv.family, m, &n);
	return account_marks_blob(m, n, ar);
}

enum err account_step_up_state(const struct actor *a)
{
	if (!a->mfa_enrolled)
		return ERR_NO_FACTOR;
	return policy_factor_fresh(a, now_s()) ? ERR_OK : ERR_STEP_UP;
}

/* --- a password change confirmed by an emailed code (no second factor) --- */

struct pwcode_ctx {
	const uint8_t *hash;
	const struct store_token *tok;
	struct bytes to_ct;
	const char *body;
};

static enum err pwcode_steps(void *p)
{
	struct pwcode_ctx *c = p;
	if (store_tokens_end(&c->tok->account, TOKEN_PWCODE, c->tok->created) != ERR_OK ||
	    store_token_insert(c->hash, c->tok) != ERR_OK)
		return ERR_INTERNAL;
	return account_queue(&c->tok->account, c->to_ct, "Your code to change your medkeep password",
			     c->body);
}

static void pwcode_hash(const struct id *account, const char code[7], uint8_t hash[HASH_BYTES])
{
	hash2(account->b, sizeof(account->b), code, 6, hash);
}

/* Make and send the code; the new password's hash waits with it. ERR_PENDING once sent. */
static enum err password_code_send(const struct actor *a, struct bytes to_ct, const char *pw_hash,
				   struct arena *ar)
{
	uint32_t v;
	do
		random_bytes(&v, sizeof(v));
	while (v >= 4294000000u); /* a multiple of 10^6: every code equally likely */
	char code[7];
	snprintf(code, sizeof(code), "%06u", (unsigned)(v % 1000000u));
	uint8_t hash[HASH_BYTES];
	pwcode_hash(&a->account, code, hash);
	int64_t now = now_s();
	struct store_token t;
	memset(&t, 0, sizeof(t));
	snprintf(t.kind, sizeof(t.kind), "%s", TOKEN_PWCODE);
	t.account = a->account;
	t.created = now;
	t.expires = now + ACCOUNT_PWCODE_SECONDS;
	t.detail = (struct bytes){(const uint8_t *)pw_hash, strlen(pw_hash) + 1};
	char *body = arena_printf(ar,
				  "Hello,\n\nTo finish changing your password, enter this code on the "
				  "page that asked for it:\n\n    %s\n\nIt works for 10 minutes. If "
				  "you did not try to change your password, someone knows it: reset it at "
				  "%s/reset and tell your practice.\n%s",
				  code, account_portal_url(), account_mail_footer);
	wipe(code, sizeof(code));
	if (body == NULL || auth_audit(a, "password.change.code", NULL, AUDIT_OK, NULL) != 0)
		return ERR_INTERNAL;
	struct pwcode_ctx c = {hash, &t, to_ct, body};
	enum err rc = store_account_tx(pwcode_steps, &c);
	wipe(body, strlen(body));
	return rc == ERR_OK ? ERR_PENDING : ERR_INTERNAL;
}

enum err account_change_password_code(const struct actor *a, const char *code, const char **why)
{
	char key[80], hex[ID_HEX_LEN + 1];
	id_hex(&a->account, hex);
	snprintf(key, sizeof(key), "pwcode:%s", hex);
	int64_t now = now_s(), blocked = 0;
	int fails = 0;
	store_throttle_get(key, now, ACCOUNT_PWCODE_SECONDS, &fails, &blocked);
	if (blocked > now)
		return ERR_THROTTLED;
	struct arena ar;
	arena_init(&ar, LIMIT_CALL_ARENA);
	struct store_token t;
	struct store_account_state st;
	uint8_t hash[HASH_BYTES];
	bool shaped = code != NULL && strlen(code) == 6 && strspn(code, "0123456789") == 6;
	if (shaped)
		pwcode_hash(&a->account, code, hash);
	enum err rc = ERR_INTERNAL;
	if (!shaped || store_token_get(hash, TOKEN_PWCODE, now, &ar, &t) != ERR_OK ||
	    !id_eq(&t.account, &a->account) || t.detail.len < 2 ||
	    t.detail.ptr[t.detail.len - 1] != '\0') {
		store_throttle_fail(key, now, ACCOUNT_PWCODE_SECONDS, ACCOUNT_PWCODE_TRIES,
				    ACCOUNT_PWCODE_SECONDS);
		/* The last try ends the code: the next one must be a new code. */
		if (fails + 1 >= ACCOUNT_PWCODE_TRIES)
			store_tokens_end(&a->account, TOKEN_PWCODE, now);
		if (auth_audit(a, "password.change", NULL, AUDIT_FAIL, NULL) == 0) {
			*why = "That code is not right, or it is more than 10 minutes old.";
			rc = ERR_INVALID;
		}
		goto out;
	}
	store_throttle_clear(key);
	if (store_account_state(&a->account, &ar, &st) != ERR_OK ||
	    auth_audit(a, "password.change", NULL, AUDIT_OK, NULL) != 0)
		goto out;
	struct setpw_ctx c = {hash, TOKEN_PWCODE, &a->account, &a->session,
			      (const char *)t.detail.ptr};
	rc = store_account_tx(setpw_steps, &c);
	if (rc == ERR_NOT_FOUND) {
		*why = "That code is not right, or it is more than 10 minutes old.";
		rc = ERR_INVALID;
		goto out;
	}
	if (rc != ERR_OK) {
		rc = ERR_INTERNAL;
		goto out;
	}
	password_notice(&a->account, st.email_ct, "changed", &ar);
out:
	arena_release(&ar);
	return rc;
}

enum err account_change_password(const struct actor *a, const char *old_pw, size_t old_len,
				 const char *new_pw, size_t new_len, const char **why)
{
	int fresh = account_step_up_state(a);
	/* Without a second factor, a code sent to the account's address stands in for one. */
	bool by_code = fresh == ERR_NO_FACTOR;
	if (fresh != ERR_OK && !by_code)
		return fresh;
	struct arena ar;
	arena_init(&ar, LIMIT_CALL_ARENA);
	struct store_account_state st;
	int rc = ERR_INTERNAL;
	char key[80], hex[ID_HEX_LEN + 1], pw_hash[PWHASH_STR_BYTES];
	int64_t now = now_s(), blocked = 0;
	int fails = 0;
	id_hex(&a->account, hex);
	snprintf(key, sizeof(key), "pwchange:%s", hex);
	if (store_account_state(&a->account, &ar, &st) != ERR_OK)
		goto out;
	store_throttle_get(key, now, THROTTLE_WINDOW_SECONDS, &fails, &blocked);
	if (blocked > now) {
		rc = ERR_THROTTLED;
		goto out;
	}
	/* The vault checks passwords only as part of minting a token: it mints one for a session
	 * that is never stored (so it opens nothing), and it is wiped at once. */
	char unused[SESSION_TOKEN_B64_LEN + 1];
	struct session_claims claims = {.account = a->account, .role = a->role,
					.has_patient = a->has_patient, .patient = a->patient,
					.has_practice = a->has_practice, .practice = a->practice,
					.issued = now};
	random_id(&claims.session);
	bool old_ok = old_len > 0 && old_len <= LIMIT_PASSWORD &&
		      vault_login(st.pw_hash, old_pw, old_len, &claims, unused) == 0;
	wipe(unused, sizeof(unused));
	if (!old_ok) {
		store_throttle_fail(key, now, THROTTLE_WINDOW_SECONDS, THROTTLE_ACCOUNT_FAILURES,
				    THROTTLE_BLOCK_SECONDS);
		if (auth_audit(a, "password.change", NULL, AUDIT_FAIL, NULL) != 0)
			goto out;
		*why = "Your current password is not right.";
		rc = ERR_INVALID;
		goto out;
	}
	store_throttle_clear(key);
	struct bytes marks = with_own_names(a, st.marks, &ar);
	if (account_password_ok(new_pw, new_len, NULL, marks, why) != 0) {
		rc = ERR_INVALID;
		goto out;
	}
	if (by_code) {
		if (password_hash(new_pw, new_len, pw_hash) == 0)
			rc = password_code_send(a, st.email_ct, pw_hash, &ar);
		if (rc == ERR_PENDING && marks.ptr != st.marks.ptr)
			store_account_set_marks(&a->account, marks);
		goto out;
	}
	if (password_hash(new_pw, new_len, pw_hash) != 0 ||
	    auth_audit(a, "password.change", NULL, AUDIT_OK, NULL) != 0)
		goto out;
	struct setpw_ctx c = {NULL, NULL, &a->account, &a->session, pw_hash};
	if (store_account_tx(setpw_steps, &c) != ERR_OK)
		goto out;
	if (marks.ptr != st.marks.ptr)
		store_account_set_marks(&a->account, marks);
	password_notice(&a->account, st.email_ct, "changed", &ar);
	rc = ERR_OK;
out:
	wipe(pw_hash, sizeof(pw_hash));
	arena_release(&ar);
	return rc;
}

struct email_ctx {
	const uint8_t *hash;
	const struct store_token *tok;
	const struct id *account;
	struct bytes old_ct;
	const char *new_body, *old_body;
};

static enum err email_steps(void *p)
{
	struct email_ctx *c = p;
	int64_t now = now_s();
	if (store_tokens_end(c->account, TOKEN_EMAIL, now) != ERR_OK ||
	    store_token_insert(c->hash, c->tok) != ERR_OK ||
	    account_queue(c->account, c->tok->email_ct, "Confirm your new email address for the patient portal",
		  c->new_body) != ERR_OK)
		return ERR_INTERNAL;
	return account_queue(c->account, c->old_ct, "A change of your patient portal email address", c->old_body);
}

enum err account_change_email(const struct actor *a, const char *email, const char **why)
{
	int fresh = account_step_up_state(a);
	if (fresh != ERR_OK)
		return fresh;
	char norm[LIMIT_EMAIL + 1], idx[80];
	if (email == NULL || auth_normalise_email(email, strlen(email), norm, sizeof(norm)) != 0 ||
	    auth_email_key(norm, idx) != 0) {
		*why = "Enter the new email address, like name@example.nz.";
		return ERR_INVALID;
	}
	struct arena ar;
	arena_init(&ar, LIMIT_EMAIL_CHANGE_ARENA);
	int rc = ERR_INTERNAL;
	struct store_account_state st;
	struct store_account other;
	if (store_account_state(&a->account, &ar, &st) != ERR_OK)
		goto out;
	int taken = store_account_by_email(idx, &ar, &other);
	if (taken == ERR_INTERNAL)
		goto out;
	if (taken == ERR_OK && id_eq(&other.id, &a->account)) {
		*why = "That is already your email address.";
		rc = ERR_INVALID;
		goto out;
	}
	if (auth_audit(a, "email.change.request", NULL, AUDIT_OK, NULL) != 0)
		goto out;
	if (taken == ERR_OK) {
		/* Not said to the asker (that would tell them the address has an account). */
		account_tell_owner(idx, "move another account to this address", &ar);
		rc = ERR_OK;
		goto out;
	}
	struct store_token tok;
	memset(&tok, 0, sizeof(tok));
	snprintf(tok.kind, sizeof(tok.kind), "%s", TOKEN_EMAIL);
	tok.account = a->account;
	tok.created_by = a->account;
	tok.created = now_s();
	tok.expires = tok.created + ACCOUNT_EMAIL_SECONDS;
	tok.email = idx;
	struct buf ct;
	buf_init(&ct, &ar, LIMIT_EMAIL_BUF);
	if (vault_email_seal(&a->account, norm, &ct) != ERR_OK || ct.failed)
		goto out;
	tok.email_ct = (struct bytes){(const uint8_t *)ct.data, ct.len};
	/* The marks the account will have: the new address's words, its names as they were. */
	struct pw_mark m[PW_MARKS_MAX];
	size_t nm = 0;
	account_marks_add('e', norm, m, &nm);
	account_marks_keep(st.marks, 'n', m, &nm);
	tok.detail = account_marks_blob(m, nm, &ar);
	char token[TOKEN_B64_LEN + 1];
	uint8_t hash[HASH_BYTES];
	account_token_make(token, hash);
	char *new_body = arena_printf(&ar,
				      "Hello,\n\nTo make this the email address of your patient portal account, "
				      "open this link within 24 hours:\n\n%s/account/email/confirm?token="
				      "%s\n\nUntil then, nothing changes. If you did not ask for this, "
				      "ignore this email.\n%s",
				      account_portal_url(), token, account_mail_footer);
	char *old_body = arena_printf(&ar,
				      "Hello,\n\nSomeone signed in to your patient portal account asked to move it "
				      "to a new email address. Nothing changes unless the new address "
				      "confirms it within 24 hours.\n\nIf this was not you, sign in now at "
				      "%s/login, change your password (Account), and end the sessions you "
				      "do not know (Sessions). If you cannot sign in, reset your password "
				      "at %s/reset and call your practice.\n%s",
				      account_portal_url(), account_portal_url(), account_mail_footer);
	wipe(token, sizeof(token));
	if (new_body == NULL || old_body == NULL)
		goto out;
	struct email_ctx c = {hash, &tok, &a->account, st.email_ct, new_body, old_body};
	if (store_account_tx(email_steps, &c) == ERR_OK)
		rc = ERR_OK;
out:
	wipe(norm, sizeof(norm));
	arena_release(&ar);
	return rc;
}

struct confirm_ctx {
	const uint8_t *hash;
	const struct store_token *tok;
};

static enum err confirm_steps(void *p)
{
	struct confirm_ctx *c = p;
	if (store_token_use(c->hash, TOKEN_EMAIL, now_s()) != ERR_OK)
		return ERR_NOT_FOUND;
	return store_account_set_email(&c->tok->account, c->tok->email, c->tok->email_ct,
				       c->tok->detail);
}

enum err account_change_email_confirm(const char *token, const char *ip, const char **why)
{
	uint8_t hash[HASH_BYTES];
	struct arena ar;
	arena_init(&ar, LIMIT_CALL_ARENA);
	struct store_token t;
	int rc = ERR_NOT_FOUND;
	if (account_token_parse(token, hash) != 0 || store_token_get(hash, TOKEN_EMAIL, now_s(), &ar, &t) != ERR_OK ||
	    t.email == NULL)
		goto out;
	struct actor who;
	account_actor_for(&t.account, ip, &who);
	struct confirm_ctx c = {hash, &t};
	int s = store_account_tx(confirm_steps, &c);
	if (auth_audit(&who, "email.change", NULL, s == ERR_OK ? AUDIT_OK : AUDIT_FAIL, ip) != 0) {
		rc = ERR_INTERNAL;
		goto out;
	}
	if (s == ERR_CONFLICT) {
		*why = "That address now belongs to another account, so it was not changed.";
		rc = ERR_INVALID;
	} else {
		rc = s == ERR_OK ? ERR_OK : s == ERR_NOT_FOUND ? ERR_NOT_FOUND : ERR_INTERNAL;
	}
out:
	arena_release(&ar);
	return rc;
}

enum err account_recovery_left(const struct actor *a, size_t *left)
{
	*left = 0;
	struct arena ar;
	arena_init(&ar, LIMIT_SCRATCH_ARENA);
	struct store_mfa m;
	enum err rc = store_mfa_get(&a->account, &ar, &m);
	if (rc == ERR_OK)
		*left = m.n_recovery;
	arena_release(&ar);
	return rc == ERR_OK || rc == ERR_NOT_FOUND ? ERR_OK : ERR_INTERNAL;
}

enum err account_recovery_renew(const struct actor *a, char codes[RECOVERY_CODES][RECOVERY_CODE_LEN + 1])
{
	int fresh = account_step_up_state(a);
	if (fresh != ERR_OK)
		return fresh;
	uint8_t hashes[RECOVERY_CODES][HASH_BYTES];
	if (auth_audit(a, "mfa.recovery.renew", NULL, AUDIT_OK, NULL) != 0 ||
	    vault_recovery_new(a->token, codes, hashes) != ERR_OK ||
	    store_mfa_set_recovery(&a->account, (const uint8_t(*)[HASH_BYTES])hashes, RECOVERY_CODES) !=
		    ERR_OK)
		return ERR_INTERNAL;
	return ERR_OK;
}

enum err account_language_set(const struct actor *a, enum lang lang)
{
	if ((unsigned)lang >= LANG_COUNT)
		return ERR_INVALID;
	/* Audit first: a change not on record must not happen. */
	if (auth_audit(a, "account.language", NULL, AUDIT_OK, NULL) != 0)
		return ERR_INTERNAL;
	return store_account_lang_set(&a->account, lang) == ERR_OK ? ERR_OK : ERR_INTERNAL;
}
