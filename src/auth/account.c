/*
 * The account lifecycle (see account.h), its first half: what both halves share (links'
 * tokens, personal-word marks, the trail and the mail), invitations, registration and
 * confirming an address. Resets and the changes made signed in are in account_change.c.
 * Handlers parse and render; this file decides, writes the audit record, changes the store in
 * one transaction where several rows move together, and queues the emails. No address, token
 * or password is ever logged.
 */
#include "auth/account.h"
#include "auth/auth_int.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

#include "audit/audit.h"
#include "auth/auth.h"
#include "auth/pwrules.h"
#include "domain/domain.h"
#include "limits.h"
#include "store/contact.h"
#include "store/store.h"
#include "util/log.h"
#include "util/wipe.h"
#include "domain/outbox.h"

void account_set_portal_url(const char *url)
{
	outbox_set_portal_url(url);
}

const char *account_portal_url(void)
{
	return outbox_portal_url();
}

/* --- tokens --- */

static void token_digest(const char *token, uint8_t hash[HASH_BYTES])
{
	hash2("medkeep-account-token", 21, token, strlen(token), hash);
}

void account_token_make(char token[TOKEN_B64_LEN + 1], uint8_t hash[HASH_BYTES])
{
	uint8_t raw[TOKEN_BYTES];
	token_new(token, raw);
	wipe(raw, sizeof(raw));
	token_digest(token, hash);
}

/* The hash of a token as it came in a link; -1 when it cannot be one of ours. */
int account_token_parse(const char *token, uint8_t hash[HASH_BYTES])
{
	uint8_t raw[TOKEN_BYTES];
	if (token == NULL || strlen(token) != TOKEN_B64_LEN ||
	    token_decode(token, TOKEN_B64_LEN, raw) != 0)
		return -1;
	wipe(raw, sizeof(raw));
	token_digest(token, hash);
	return 0;
}

/* --- personal-word marks (src/auth/pwrules.h) --- */

static int mark_hash(const char *word, size_t n, uint8_t out[HASH_BYTES])
{
	char w[PW_WORD_MAX + 1];
	if (n > PW_WORD_MAX)
		return -1;
	memcpy(w, word, n);
	w[n] = '\0';
	int rc = vault_blind_index("pwmark", w, out);
	wipe(w, sizeof(w));
	return rc;
}

/* Append the marks of kind from text to m (at most PW_MARKS_MAX in all). */
void account_marks_add(char kind, const char *text, struct pw_mark *m, size_t *n)
{
	char words[PW_MARKS_MAX][PW_WORD_MAX + 1];
	size_t k = pw_words(kind, text, words, PW_MARKS_MAX);
	for (size_t i = 0; i < k && *n < PW_MARKS_MAX; i++) {
		m[*n].kind = kind;
		m[*n].len = (uint8_t)strlen(words[i]);
		if (mark_hash(words[i], strlen(words[i]), m[*n].hash) == 0)
			(*n)++;
	}
	wipe(words, sizeof(words));
}

/* Keep the marks of one kind from a stored blob. */
void account_marks_keep(struct bytes blob, char kind, struct pw_mark *m, size_t *n)
{
	struct pw_mark old[PW_MARKS_MAX];
	size_t k = pw_marks_decode(blob.ptr, blob.len, old, PW_MARKS_MAX);
	for (size_t i = 0; i < k && *n < PW_MARKS_MAX; i++)
		if (old[i].kind == kind)
			m[(*n)++] = old[i];
}

struct bytes account_marks_blob(const struct pw_mark *m, size_t n, struct arena *ar)
{
	uint8_t *p = n ? arena_alloc(ar, n * PW_MARK_BYTES) : NULL;
	if (p == NULL)
		return (struct bytes){NULL, 0};
	pw_marks_encode(m, n, p);
	return (struct bytes){p, n * PW_MARK_BYTES};
}

int account_password_ok(const char *pw, size_t n, const char *email, struct bytes marks,
			const char **why)
{
	struct pw_mark m[PW_MARKS_MAX];
	char words[PW_MARKS_MAX][PW_WORD_MAX + 1];
	struct pw_personal p = {.marks = m, .hash = mark_hash};
	p.n_marks = pw_marks_decode(marks.ptr, marks.len, m, PW_MARKS_MAX);
	p.n_words = pw_words('e', email, words, PW_MARKS_MAX);
	for (size_t i = 0; i < p.n_words; i++)
		p.words[i] = words[i];
	enum pw_verdict v = pw_check(pw, n, &p);
	wipe(words, sizeof(words));
	*why = pw_message(v);
	return v == PW_OK ? 0 : -1;
}

int account_marks_local(const struct id *account, const char *email, const char *given,
			const char *family)
{
	struct pw_mark m[PW_MARKS_MAX];
	size_t n = 0;
	account_marks_add('e', email, m, &n);
	account_marks_add('n', given, m, &n);
	account_marks_add('n', family, m, &n);
	uint8_t blob[PW_MARKS_MAX * PW_MARK_BYTES];
	pw_marks_encode(m, n, blob);
	return store_account_set_marks(account, (struct bytes){blob, n * PW_MARK_BYTES}) == ERR_OK ? 0 : -1;
}

/* --- audit and mail --- */

int auth_audit(const struct actor *a, const char *action, const struct id *patient,
	       const char *outcome, const char *ip)
{
	struct audit_event e = {.actor = a,
				.action = action,
				.patient = patient,
				.rtype = patient ? "Patient" : "-",
				.rid = patient,
				.outcome = outcome,
				.ip = ip ? ip : "-"};
	return audit_append(&e);
}

/* An actor for the audit trail when there is no session (a link from an email). */
void account_actor_for(const struct id *account, const char *ip, struct actor *a)
{
	memset(a, 0, sizeof(*a));
	a->account = *account;
	snprintf(a->ip, sizeof(a->ip), "%s", ip ? ip : "-");
}

enum err account_queue(const struct id *sealed_for, struct bytes to_ct, const char *subject,
		 const char *body)
{
	if (to_ct.len == 0 || body == NULL)
		return ERR_INTERNAL;
	return outbox_queue(sealed_for, to_ct, subject, body);
}

const char account_mail_footer[] =
	"\n-- \nThis message was sent by your practice's patient portal. We never ask for your "
	"password by email.\n";

/* --- invitations and registration --- */

/* Whether a may invite this patient; -1 when the store fails. */
static int invite_allowed(const struct actor *a, const struct id *patient)
{
	struct target t;
	memset(&t, 0, sizeof(t));
	int s = store_patient_target(patient, &t);
	if (s == ERR_INTERNAL)
		return -1;
	if (s != ERR_OK)
		t.exists = false;
	return policy_may_invite(a, &t) ? 1 : 0;
}

enum err account_invite_form(const struct actor *a, const struct id *patient)
{
	int allowed = invite_allowed(a, patient);
	return allowed < 0 ? ERR_INTERNAL : allowed ? ERR_OK : ERR_NOT_FOUND;
}

/* The keyed check of a patient's birth date: bound to the patient, so a check copied onto
 * another record fails. */
static int dob_check(const struct id *patient, const char *birth_date, uint8_t out[HASH_BYTES])
{
	char hex[ID_HEX_LEN + 1], value[ID_HEX_LEN + 1 + 16];
	id_hex(patient, hex);
	/* YYYY-MM-DD, as a date input sends it and the record holds it; nothing else is hashed. */
	if (birth_date == NULL || strlen(birth_date) != 10)
		return -1;
	for (size_t i = 0; i < 10; i++)
		if ((i == 4 || i == 7) ? birth_date[i] != '-' : (birth_date[i] < '0' || birth_date[i] > '9'))
			return -1;
	snprintf(value, sizeof(value), "%s:%s", hex, birth_date);
	return vault_blind_index("dob", value, out);
}

enum err account_contact_set(const struct id *patient, const char *email, const char *birth_date)
{
	char norm[LIMIT_EMAIL + 1], idx[80];
	struct store_contact c;
	memset(&c, 0, sizeof(c));
	if (auth_normalise_email(email, strlen(email), norm, sizeof(norm)) != 0 ||
	    auth_email_key(norm, idx) != 0 || dob_check(patient, birth_date, c.dob_check) != 0)
		return ERR_INTERNAL;
	struct arena ar;
	arena_init(&ar, LIMIT_SCRATCH_ARENA);
	struct buf ct;
	buf_init(&ct, &ar, LIMIT_SEALED_EMAIL);
	int rc = -1;
	if (vault_email_seal(patient, norm, &ct) == ERR_OK && !ct.failed) {
		c.email_index = idx;
		c.email_ct = (struct bytes){(const uint8_t *)ct.data, ct.len};
		rc = store_contact_set(patient, &c) == ERR_OK ? 0 : -1;
	}
	wipe(norm, sizeof(norm));
	arena_release(&ar);
	return rc;
}

enum err account_invite(const struct actor *a, const struct id *patient, const char *email,
			const char **why)
{
	int decided = invite_allowed(a, patient);
	if (decided < 0)
		return ERR_INTERNAL;
	bool allowed = decided == 1;
	if (auth_audit(a, "account.invite", patient, allowed ? AUDIT_ALLOW : AUDIT_DENY, NULL) != 0)
		return ERR_INTERNAL;
	if (!allowed)
		return ERR_NOT_FOUND;
	/* Only the address the record holds: staff who could type one could invite themselves to
	 * any enrolled patient's record and read it as the patient. */
	if (email != NULL && email[0] != '\0') {
		*why = "An invitation goes only to the email address held in the patient's record. "
		       "You cannot choose another.";
		return ERR_INVALID;
	}
	struct arena ar;
	arena_init(&ar, LIMIT_ACCOUNT_ARENA);
	int rc = ERR_INTERNAL;
	struct store_contact contact;
	int found = store_contact_get(patient, &ar, &contact);
	if (found != ERR_OK) {
		*why = "This record holds no email address for the patient, so no invitation can be "
		       "sent. The patient can give the practice their address.";
		arena_release(&ar);
		return found == ERR_NOT_FOUND ? ERR_INVALID : ERR_INTERNAL;
	}
	struct store_token tok;
	memset(&tok, 0, sizeof(tok));
	snprintf(tok.kind, sizeof(tok.kind), "%s", TOKEN_INVITE);
	random_id(&tok.account); /* the id the account will have */
	tok.has_patient = true;
	tok.patient = *patient;
	tok.has_practice = true;
	tok.practice = a->practice;
	tok.created_by = a->account;
	tok.created = now_s();
	tok.expires = tok.created + ACCOUNT_INVITE_SECONDS;
	/* The record's address: its index (registering with it confirms it at once) and its
	 * sealed form, sealed for the patient's id (the outbox row says so). */
	tok.email = contact.email_index;
	tok.email_ct = contact.email_ct;
	/* The patient's names, for the password rules of the account to be: only staff who may
	 * read the record (clinicians) can give them; a practice admin's invitation goes without. */
	struct pw_mark m[PW_MARKS_MAX];
	size_t nm = 0;
	struct patient_view pv;
	if (a->role == ROLE_CLINICIAN && patient_read(a, patient, &ar, &pv) == ERR_OK) {
		account_marks_add('n', pv.given, m, &nm);
		account_marks_add('n', pv.family, m, &nm);
	}
	tok.detail = account_marks_blob(m, nm, &ar);
	char token[TOKEN_B64_LEN + 1];
	uint8_t hash[HASH_BYTES];
	account_token_make(token, hash);
	const char *practice = NULL;
	if (store_practice_name(&a->practice, &ar, &practice) != ERR_OK || practice == NULL ||
	    practice[0] == '\0')
		practice = "Your practice";
	char *body = arena_printf(&ar,
				  "Hello,\n\n%s has invited you to see your health record on its "
				  "patient portal. Open this link within 7 days to create "
				  "your account (you will be asked for your date of birth):\n\n"
				  "%s/register?token=%s\n\nThe link works once. If you "
				  "did not expect this email, you can ignore it.\n%s",
				  practice, outbox_portal_url(), token, account_mail_footer);
	if (body && store_token_insert(hash, &tok) == ERR_OK &&
	    account_queue(patient, contact.email_ct, "Your invitation to your practice's patient portal",
			  body) == ERR_OK)
		rc = ERR_OK;
	wipe(token, sizeof(token));
	arena_release(&ar);
	return rc;
}

enum err account_link_live(const char *kind, const char *token)
{
	uint8_t hash[HASH_BYTES];
	struct arena ar;
	arena_init(&ar, LIMIT_LOOKUP_ARENA);
	struct store_token t;
	int rc = account_token_parse(token, hash) == 0 && store_token_get(hash, kind, now_s(), &ar, &t) == ERR_OK
			 ? ERR_OK
			 : ERR_NOT_FOUND;
	arena_release(&ar);
	return rc;
}

/* A new confirmation link for an account's address (sealed for it already). */
static int send_verification(const struct id *account, struct bytes to_ct, struct arena *ar)
{
	char token[TOKEN_B64_LEN + 1];
	uint8_t hash[HASH_BYTES];
	account_token_make(token, hash);
	struct store_token t;
	memset(&t, 0, sizeof(t));
	snprintf(t.kind, sizeof(t.kind), "%s", TOKEN_VERIFY);
	t.account = *account;
	t.created_by = *account;
	t.created = now_s();
	t.expires = t.created + ACCOUNT_VERIFY_SECONDS;
	char *body = arena_printf(ar,
				  "Hello,\n\nPlease confirm that this is your email address for the patient portal by "
				  "opening this link within 48 hours:\n\n%s/verify?token=%s\n\nYou can "
				  "sign in once it is confirmed. If you did not create an account, "
				  "ignore this email.\n%s",
				  outbox_portal_url(), token, account_mail_footer);
	wipe(token, sizeof(token));
	if (body == NULL || store_tokens_end(account, TOKEN_VERIFY, t.created) != ERR_OK ||
	    store_token_insert(hash, &t) != ERR_OK ||
	    account_queue(account, to_ct, "Confirm your email address for the patient portal", body) != ERR_OK)
		return -1;
	return 0;
}

/* Someone tried to use an address that already has an account: tell its owner, only them. */
void account_tell_owner(const char *idx, const char *what, struct arena *ar)
{
	struct store_account owner;
	struct store_account_state st;
	if (store_account_by_email(idx, ar, &owner) != ERR_OK ||
	    store_account_state(&owner.id, ar, &st) != ERR_OK)
		return;
	char *body = arena_printf(ar,
				  "Hello,\n\nSomeone just tried to %s on the patient portal with this email "
				  "address, which already has an account. Nothing was changed.\n\nIf it "
				  "was you, sign in at %s/login (or reset your password there). If it "
				  "was not, you need do nothing.\n%s",
				  what, outbox_portal_url(), account_mail_footer);
	if (body)
		account_queue(&owner.id, st.email_ct, "Your patient portal account", body);
}

/* The record already has accounts: tell each holder that another was just made for it. */
static void tell_holders(const struct id *patient, const struct id *new_account, struct arena *ar)
{
	struct store_account *held;
	size_t n = 0;
	if (store_patient_accounts(patient, ar, &held, &n) != ERR_OK)
		return;
	char *body = arena_printf(ar,
				  "Hello,\n\nA second login to your health record was just created on "
				  "your practice's patient portal, from an invitation by your practice, with another email "
				  "address. Your access log shows what it reads as \"Another login to "
				  "your record\".\n\nIf you did not ask for this, contact your practice "
				  "now: they can end it.\n%s",
				  account_mail_footer);
	for (size_t i = 0; body && i < n; i++)
		if (!id_eq(&held[i].id, new_account) && held[i].email_ct.len > 0)
			account_queue(&held[i].id, held[i].email_ct, "A new login to your health record", body);
}

/* The birth date given with an invitation: 1 when it is the patient's, 0 when not (a try is
 * counted against the invitation, and the last one ends it), -1 on an error. */
static int dob_matches(const uint8_t hash[HASH_BYTES], const struct store_token *inv,
		       const char *birth_date, int64_t now, struct arena *ar)
{
	struct store_contact c;
	int s = store_contact_get(&inv->patient, ar, &c);
	if (s == ERR_INTERNAL)
		return -1;
	uint8_t given[HASH_BYTES];
	bool same = s == ERR_OK && dob_check(&inv->patient, birth_date, given) == 0 &&
		    ct_compare(given, c.dob_check, HASH_BYTES) == 0;
	if (same)
		return 1;
	char key[80];
	auth_hash_key("inv:", hash, key);
	int fails = 0;
	int64_t blocked = 0;
	store_throttle_fail(key, now, ACCOUNT_INVITE_SECONDS, INVITE_DOB_TRIES, ACCOUNT_INVITE_SECONDS);
	store_throttle_get(key, now, ACCOUNT_INVITE_SECONDS, &fails, &blocked);
	if (fails >= INVITE_DOB_TRIES)
		store_token_use(hash, TOKEN_INVITE, now);
	return 0;
}

enum err account_register(const char *token, const char *email, const char *birth_date,
			  const char *password, size_t pw_len, const char *ip, bool *confirm_sent,
			  const char **why)
{
	*confirm_sent = false;
	uint8_t hash[HASH_BYTES];
	struct arena ar;
	arena_init(&ar, LIMIT_ACCOUNT_ARENA);
	struct store_token inv;
	int64_t now = now_s();
	int rc = ERR_INTERNAL;
	char norm[LIMIT_EMAIL + 1], idx[80], pw_hash[PWHASH_STR_BYTES];
	if (account_token_parse(token, hash) != 0 || store_token_get(hash, TOKEN_INVITE, now, &ar, &inv) != ERR_OK) {
		rc = ERR_NOT_FOUND;
		goto out;
	}
	if (email == NULL || auth_normalise_email(email, strlen(email), norm, sizeof(norm)) != 0 ||
	    auth_email_key(norm, idx) != 0) {
		*why = "Enter your email address, like name@example.nz.";
		rc = ERR_INVALID;
		goto out;
	}
	int dob = dob_matches(hash, &inv, birth_date, now, &ar);
	if (dob < 0)
		goto out;
	if (dob == 0) {
		*why = "That date of birth is not the one in your health record. Enter it as your "
		       "practice has it.";
		rc = ERR_INVALID;
		goto out;
	}
	if (account_password_ok(password, pw_len, norm, inv.detail, why) != 0) {
		rc = ERR_INVALID;
		goto out;
	}
	bool invited_address = inv.email && strcmp(inv.email, idx) == 0;
	struct store_account acct;
	memset(&acct, 0, sizeof(acct));
	acct.id = inv.account;
	acct.email = idx;
	acct.role = ROLE_PATIENT;
	acct.has_patient = true;
	acct.patient = inv.patient;
	/* Sealed for the new account (the invitation's copy is sealed for the patient). */
	struct buf ct;
	buf_init(&ct, &ar, LIMIT_EMAIL_BUF);
	if (vault_email_seal(&acct.id, norm, &ct) != ERR_OK || ct.failed)
		goto out;
	acct.email_ct = (struct bytes){(const uint8_t *)ct.data, ct.len};
	if (password_hash(password, pw_len, pw_hash) != 0)
		goto out;
	acct.pw_hash = pw_hash;
	struct pw_mark m[PW_MARKS_MAX];
	size_t nm = 0;
	account_marks_add('e', norm, m, &nm);
	account_marks_keep(inv.detail, 'n', m, &nm);
	struct actor who;
	account_actor_for(&acct.id, ip, &who);
	who.role = ROLE_PATIENT;
	int s = store_account_register(hash, now, &acct, invited_address, account_marks_blob(m, nm, &ar));
	if (auth_audit(&who, "account.register", &inv.patient,
		      s == ERR_OK ? AUDIT_OK : s == ERR_CONFLICT ? "conflict" : AUDIT_FAIL, ip) != 0)
		goto out;
	if (s == ERR_NOT_FOUND) {
		rc = ERR_NOT_FOUND;
		goto out;
	}
	if (s == ERR_CONFLICT && invited_address) {
		/* The invited address has an account already: whoever followed the link reads that
		 * address's mail, so they may be told. */
		*why = "This email address already has a medkeep account. Log in, or reset your "
		       "password from the login page.";
		rc = ERR_INVALID;
		goto out;
	}
	if (s == ERR_CONFLICT) {
		/* Another address, taken: answer as if it were free; its owner hears of it. */
		account_tell_owner(idx, "create an account", &ar);
		*confirm_sent = true;
		rc = ERR_OK;
		goto out;
	}
	if (s != ERR_OK)
		goto out;
	tell_holders(&inv.patient, &acct.id, &ar);
	if (!invited_address) {
		if (send_verification(&acct.id, acct.email_ct, &ar) != 0)
			goto out;
		*confirm_sent = true;
	}
	rc = ERR_OK;
out:
	wipe(pw_hash, sizeof(pw_hash));
	wipe(norm, sizeof(norm));
	arena_release(&ar);
	return rc;
}

enum err account_verify(const char *token, const char *ip)
{
	uint8_t hash[HASH_BYTES];
	struct arena ar;
	arena_init(&ar, LIMIT_LOOKUP_ARENA);
	struct store_token t;
	int64_t now = now_s();
	int rc = ERR_NOT_FOUND;
	if (account_token_parse(token, hash) == 0 && store_token_get(hash, TOKEN_VERIFY, now, &ar, &t) == ERR_OK) {
		struct actor who;
		account_actor_for(&t.account, ip, &who);
		if (auth_audit(&who, "account.verify", NULL, AUDIT_OK, ip) != 0)
			rc = ERR_INTERNAL;
		else if (store_token_use(hash, TOKEN_VERIFY, now) == ERR_OK &&
			 store_account_set_verified(&t.account) == ERR_OK)
			rc = ERR_OK;
	}
	arena_release(&ar);
	return rc;
}

bool account_verified_or_resend(const struct id *account)
{
	struct arena ar;
	arena_init(&ar, LIMIT_LOOKUP_ARENA);
	struct store_account_state st;
	bool verified = true;
	if (store_account_state(account, &ar, &st) == ERR_OK && !st.verified) {
		verified = false;
		int64_t recent = 0;
		if (store_token_count(account, TOKEN_VERIFY, now_s() - ACCOUNT_VERIFY_RESEND_SECONDS,
				      &recent) == ERR_OK &&
		    recent == 0)
			send_verification(account, st.email_ct, &ar);
	}
	arena_release(&ar);
	return verified;
}
