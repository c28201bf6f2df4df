#include "auth/auth.h"
#include "auth/auth_int.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

#include "audit/audit.h"
#include "auth/account.h"
#include "domain/locks.h"
#include "limits.h"
#include "store/devices.h"
#include "store/store.h"
#include "store/proxy.h"
#include "util/log.h"
#include "util/conf.h"
#include "util/nztime.h"
#include "util/strtonum.h"
#include "util/text.h"
#include "util/wipe.h"
#include "vault/vault.h"
#include "domain/outbox.h"

static char dummy_hash[PWHASH_STR_BYTES];

/* Password checks waiting for the vault's single hashing lane: past this many, a login is
 * refused before it costs anything (a flood queues nowhere). */
#define LOGINS_IN_FLIGHT_MAX 4
static int logins_in_flight;

int auth_init(void)
{
	char pw[32];
	random_bytes(pw, sizeof(pw));
	return password_hash(pw, sizeof(pw), dummy_hash);
}

int auth_normalise_email(const char *in, size_t n, char *out, size_t outsz)
{
	while (n > 0 && (*in == ' ' || *in == '\t')) {
		in++;
		n--;
	}
	while (n > 0 && (in[n - 1] == ' ' || in[n - 1] == '\t'))
		n--;
	if (n == 0 || n > LIMIT_EMAIL || n + 1 > outsz)
		return -1;
	size_t at = 0, ats = 0;
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)in[i];
		if (c <= 0x20 || c >= 0x7f || c == '<' || c == '>' || c == '"' || c == '\\')
			return -1;
		if (c == '@') {
			at = i;
			ats++;
		}
		out[i] = (char)((c >= 'A' && c <= 'Z') ? c - 'A' + 'a' : c);
	}
	out[n] = '\0';
	return (ats == 1 && at > 0 && at < n - 1) ? 0 : -1;
}


void auth_hash_key(const char *prefix, const uint8_t h[HASH_BYTES], char out[80])
{
	struct id head;
	memcpy(head.b, h, ID_BYTES);
	char hex[ID_HEX_LEN + 1];
	id_hex(&head, hex);
	snprintf(out, 80, "%s%s", prefix, hex);
}

/* Throttle keys never carry the email itself: a keyed hash of it. */
int auth_throttle_key(const char *email, char out[80])
{
	uint8_t h[HASH_BYTES];
	if (vault_blind_index("throttle-email", email, h) != 0)
		return -1;
	auth_hash_key("e:", h, out);
	return 0;
}

/* The value stored in account.email: never the address, its keyed hash. */
int auth_email_key(const char *norm, char out[80])
{
	uint8_t h[HASH_BYTES];
	if (vault_blind_index("email", norm, h) != 0)
		return -1;
	struct id a, b;
	memcpy(a.b, h, ID_BYTES);
	memcpy(b.b, h + ID_BYTES, ID_BYTES);
	char ha[ID_HEX_LEN + 1], hb[ID_HEX_LEN + 1];
	id_hex(&a, ha);
	id_hex(&b, hb);
	snprintf(out, 80, "idx:%s%s", ha, hb);
	return 0;
}

enum err auth_account_lookup(const char *email, struct arena *a, struct store_account *out)
{
	char norm[LIMIT_EMAIL + 1], key[80];
	if (auth_normalise_email(email, strlen(email), norm, sizeof(norm)) != 0)
		return ERR_NOT_FOUND;
	if (auth_email_key(norm, key) != 0)
		return ERR_INTERNAL;
	return store_account_by_email(key, a, out);
}

int auth_email_index(const char *email, char out[80])
{
	char norm[LIMIT_EMAIL + 1];
	if (email == NULL || auth_normalise_email(email, strlen(email), norm, sizeof(norm)) != 0)
		return -1;
	return auth_email_key(norm, out);
}

static void audit_login(const struct actor *a, const char *ip, const char *action,
			const char *outcome)
{
	struct audit_event e = {
		.actor = a, .action = action, .outcome = outcome, .ip = ip, .deferrable = true};
	if (audit_append(&e) != 0)
		log_warn("component=auth error=\"audit append failed\" action=%s", action);
}

static void actor_from_account(const struct store_account *acct, const char *ip, struct actor *a)
{
	memset(a, 0, sizeof(*a));
	a->account = acct->id;
	a->role = acct->role;
	a->has_practice = acct->has_practice;
	a->practice = acct->practice;
	a->has_patient = acct->has_patient;
	a->patient = acct->patient;
	a->has_record = acct->has_patient;
	a->record = acct->patient;
	snprintf(a->ip, sizeof(a->ip), "%s", ip);
}

void auth_device_name(const char *ua, char out[48])
{
	static const struct {
		const char *needle, *name;
	} browsers[] = {{"Edg/", "Edge"},       {"Firefox/", "Firefox"}, {"Chrome/", "Chrome"},
			{"Chromium/", "Chromium"}, {"Safari/", "Safari"},   {"curl/", "curl"}},
	  systems[] = {{"Android", "Android"}, {"iPhone", "iPhone"}, {"iPad", "iPad"},
		       {"Windows", "Windows"}, {"Mac OS", "macOS"},  {"Linux", "Linux"}};
	const char *b = "an unknown browser", *o = NULL;
	for (size_t i = 0; ua && i < sizeof(browsers) / sizeof(*browsers); i++)
		if (strstr(ua, browsers[i].needle)) {
			b = browsers[i].name;
			break;
		}
	for (size_t i = 0; ua && i < sizeof(systems) / sizeof(*systems); i++)
		if (strstr(ua, systems[i].needle)) {
			o = systems[i].name;
			break;
		}
	snprintf(out, 48, "%s%s%s", b, o ? " on " : "", o ? o : "");
}

/* A wrong password (or none to check): count it against the allowance the attempt used (tkey,
 * a known device's own when device) and the address's, and put it on record. */
static void login_failed(const struct store_account *acct, const char *tkey, bool device,
			 const char *ikey, const char *ip, int64_t now)
{
	store_throttle_fail(tkey, now, THROTTLE_WINDOW_SECONDS,
			    device ? THROTTLE_DEVICE_FAILURES : THROTTLE_ACCOUNT_FAILURES,
			    THROTTLE_BLOCK_SECONDS);
	store_throttle_fail(ikey, now, THROTTLE_WINDOW_SECONDS, THROTTLE_ADDRESS_FAILURES,
			    THROTTLE_BLOCK_SECONDS);
	if (acct) {
		struct actor who;
		actor_from_account(acct, ip, &who);
		audit_login(&who, ip, "login", acct->locked ? "locked" : AUDIT_FAIL);
	} else {
		audit_login(NULL, ip, "login", AUDIT_FAIL);
	}
}

/* A sign-in from a device this account has not used: tell the account's own address. */
static void new_device_notice(const struct store_account *acct, const char *device,
			      const char *ip, int64_t now, struct arena *ar)
{
	char when[NZ_WHEN_LEN];
	nz_when(now, when, sizeof(when));
	struct bytes to = {0};
	struct store_account *self;
	size_t na = 0;
	if (acct->has_patient && store_patient_accounts(&acct->patient, ar, &self, &na) == ERR_OK)
		for (size_t i = 0; i < na; i++)
			if (id_eq(&self[i].id, &acct->id))
				to = self[i].email_ct;
	/* in the account's language (docs/internals/TEXT.md) */
	enum lang l = LANG_EN;
	if (store_account_lang(&acct->id, &l) != ERR_OK)
		l = LANG_EN;
	const char *args[] = {when, device, ip, account_portal_url()};
	const char *text = text_fill(ar, text_get(l, TEXT_MAIL_SIGNIN_BODY), args, 4);
	const char *body = text ? arena_printf(ar, "%s\n", text) : NULL;
	if (to.len && body)
		outbox_queue(&acct->id, to, text_get(l, TEXT_MAIL_SIGNIN_SUBJECT), body);
}

/* The password is right and the account may sign in: store the session of out->token (minted
 * by the vault for `session`), fill out->csrf and out->actor, and say whether a second factor
 * is due. ERR_OK or ERR_INTERNAL. */
static enum err login_session_start(const struct store_account *acct, const struct id *session,
				    const char *ip, const char *user_agent, int64_t now,
				    struct arena *ar, struct login_result *out)
{
	uint8_t th[HASH_BYTES], csrf_raw[TOKEN_BYTES];
	token_new(out->csrf, csrf_raw);
	hash2("medkeep-session", 15, out->token, strlen(out->token), th);
	struct store_session ses;
	memset(&ses, 0, sizeof(ses));
	ses.id = *session;
	ses.account = acct->id;
	memcpy(ses.csrf, out->csrf, sizeof(ses.csrf));
	ses.created = now;
	ses.last_seen = now;
	auth_device_name(user_agent, ses.device);
	snprintf(ses.ip, sizeof(ses.ip), "%s", ip);
	/* A device this account has not used: say so on the account's pages and by email. */
	ses.new_device = store_device_seen(&acct->id, ses.device) == ERR_OK;
	if (ses.new_device)
		new_device_notice(acct, ses.device, ip, now, ar);
	actor_from_account(acct, ip, &out->actor);
	out->actor.session = ses.id;
	int rc = store_session_create(th, &ses) == ERR_OK ? ERR_OK : ERR_INTERNAL;
	struct store_mfa mfa;
	if (rc == ERR_OK && store_mfa_get(&acct->id, ar, &mfa) == ERR_OK)
		out->mfa_required = mfa.totp.len > 0 || mfa.n_passkeys > 0;
	if (rc == ERR_OK)
		audit_login(&out->actor, ip, "login", out->mfa_required ? "password-ok" : AUDIT_OK);
	return rc;
}

enum err auth_login(const char *email_in, size_t email_len, const char *password, size_t pw_len,
		    const char *ip, const char *user_agent, const char *device, struct login_result *out)
{
	char email[LIMIT_EMAIL + 1];
	char akey[80], ikey[80], dkey[80];
	int64_t now = now_s(), blocked_a, blocked_i;
	int fails_a, fails_i;
	memset(out, 0, sizeof(*out));
	if (pw_len == 0 || pw_len > LIMIT_PASSWORD ||
	    auth_normalise_email(email_in, email_len, email, sizeof(email)) != 0) {
		audit_login(NULL, ip, "login", AUDIT_FAIL);
		return ERR_AUTH_FAIL;
	}
	snprintf(ikey, sizeof(ikey), "ip:%s", ip);
	store_throttle_get(ikey, now, THROTTLE_WINDOW_SECONDS, &fails_i, &blocked_i);
	if (blocked_i > now) {
		audit_login(NULL, ip, "login", "throttled");
		return ERR_THROTTLED;
	}

	struct arena ar;
	arena_init(&ar, LIMIT_CALL_ARENA);
	struct store_account acct;
	char ekey[80];
	int found = auth_email_key(email, ekey) == 0 ? store_account_by_email(ekey, &ar, &acct) : ERR_INTERNAL;
	/* Which allowance this attempt counts against: a device the account has signed in from
	 * keeps its own, so strangers exhausting the shared one do not lock the owner out. An
	 * unknown address costs the same hash and lookup (for an id no account has), and always
	 * falls to the shared allowance, like a known address from an unknown device. */
	struct id nobody = {{0}};
	if (found == ERR_INTERNAL || auth_throttle_key(email, akey) != 0 ||
	    auth_device_throttle_key(device, found == ERR_OK ? &acct.id : &nobody, now, dkey) != 0) {
		arena_release(&ar);
		return ERR_INTERNAL;
	}
	const char *tkey = dkey[0] ? dkey : akey;
	store_throttle_get(tkey, now, THROTTLE_WINDOW_SECONDS, &fails_a, &blocked_a);
	if (blocked_a > now) {
		audit_login(NULL, ip, "login", "throttled");
		arena_release(&ar);
		return ERR_THROTTLED;
	}
	/* Verify against a dummy hash when there is no account, so both cost the same. The
	 * vault verifies the password and mints the session token in one step. */
	struct session_claims claims;
	memset(&claims, 0, sizeof(claims));
	/* A locked account's password is checked like any other (a token is minted and thrown
	 * away, so the work is the same): only who knows it learns that the account is paused. */
	bool usable = found == ERR_OK;
	if (usable) {
		random_id(&claims.session);
		claims.account = acct.id;
		claims.role = acct.role;
		claims.has_patient = acct.has_patient;
		claims.patient = acct.patient;
		claims.has_practice = acct.has_practice;
		claims.practice = acct.practice;
		claims.issued = now;
	}
	if (__atomic_add_fetch(&logins_in_flight, 1, __ATOMIC_ACQ_REL) > LOGINS_IN_FLIGHT_MAX) {
		__atomic_sub_fetch(&logins_in_flight, 1, __ATOMIC_ACQ_REL);
		audit_login(NULL, ip, "login", "busy");
		arena_release(&ar);
		return ERR_THROTTLED;
	}
	int ok = vault_login(found == ERR_OK ? acct.pw_hash : dummy_hash, password, pw_len,
			     usable ? &claims : NULL, out->token) == 0;
	__atomic_sub_fetch(&logins_in_flight, 1, __ATOMIC_ACQ_REL);
	if (!ok) {
		login_failed(found == ERR_OK ? &acct : NULL, tkey, dkey[0] != '\0', ikey, ip, now);
		arena_release(&ar);
		return ERR_AUTH_FAIL;
	}
	/* Only the allowance this attempt used: the owner signing in on their own device leaves a
	 * stranger's count against the shared one as it was. */
	store_throttle_clear(tkey);
	if (acct.locked) {
		wipe(out->token, sizeof(out->token));
		struct actor who;
		actor_from_account(&acct, ip, &who);
		audit_login(&who, ip, "login", "locked");
		const char *contact = locks_contact(&acct.id, acct.role, acct.has_patient, &acct.patient, &ar);
		snprintf(out->contact, sizeof(out->contact), "%s", contact);
		arena_release(&ar);
		return ERR_LOCKED;
	}
	/* Unlocked from the command line: the vault clears its trip on the ticket left for it. */
	locks_present_ticket(&acct.id);
	/* The password is right: only now may the answer say the address is unconfirmed. */
	if (!account_verified_or_resend(&acct.id)) {
		wipe(out->token, sizeof(out->token));
		struct actor who;
		actor_from_account(&acct, ip, &who);
		audit_login(&who, ip, "login", "unverified");
		arena_release(&ar);
		return ERR_UNVERIFIED;
	}

	int rc = login_session_start(&acct, &claims.session, ip, user_agent, now, &ar, out);
	arena_release(&ar);
	return rc;
}

static int64_t app_token_seconds = APP_TOKEN_SECONDS;
static int64_t session_idle_seconds = SESSION_IDLE_SECONDS;

int auth_session_configure(const char *conf, size_t len)
{
	char v[32];
	int64_t n = SESSION_IDLE_SECONDS;
	int g = conf_get(conf, len, "session.idle_seconds", v, sizeof(v));
	if (g < 0 || (g == 0 && parse_int64(v, SESSION_IDLE_MIN_SECONDS, SESSION_ABSOLUTE_SECONDS, &n) != 0)) {
		fprintf(stderr, "medkeep: medkeep.conf: session.idle_seconds must be %d to %d\n",
			SESSION_IDLE_MIN_SECONDS, SESSION_ABSOLUTE_SECONDS);
		return -1;
	}
	session_idle_seconds = n;
	return 0;
}

int64_t auth_session_idle_seconds(void)
{
	return session_idle_seconds;
}

int64_t auth_session_warn_seconds(void)
{
	return session_idle_seconds / 3 < SESSION_IDLE_WARN_SECONDS ? session_idle_seconds / 3
								      : SESSION_IDLE_WARN_SECONDS;
}

/* How stale last_seen may get before a request writes it again: a thirtieth of the idle
 * timeout (a minute at the default), so that sessions in use never end. */
static int64_t session_touch_seconds(void)
{
	return session_idle_seconds / 30 > 1 ? session_idle_seconds / 30 : 1;
}

int auth_app_token_configure(const char *conf, size_t len)
{
	char v[32];
	int64_t n = APP_TOKEN_SECONDS;
	int g = conf_get(conf, len, "oauth.access_token_seconds", v, sizeof(v));
	if (g < 0 || (g == 0 && parse_int64(v, APP_TOKEN_MIN_SECONDS, APP_TOKEN_SECONDS, &n) != 0)) {
		fprintf(stderr, "medkeep: medkeep.conf: oauth.access_token_seconds must be %d to %d\n",
			APP_TOKEN_MIN_SECONDS, APP_TOKEN_SECONDS);
		return -1;
	}
	app_token_seconds = n;
	return 0;
}

int64_t auth_app_token_seconds(void)
{
	return app_token_seconds;
}

static int token_hash(const char *token, size_t n, uint8_t th[HASH_BYTES])
{
	if (n != SESSION_TOKEN_B64_LEN)
		return -1;
	hash2("medkeep-session", 15, token, n, th);
	return 0;
}

int auth_session(const char *token, size_t n, const char *ip, bool bearer, struct actor *out,
		 char csrf[TOKEN_B64_LEN + 1])
{
	uint8_t th[HASH_BYTES];
	struct store_session ses;
	if (token_hash(token, n, th) != 0)
		return -1;
	if (store_session_get(th, &ses) != ERR_OK) {
		/* A practice system's token: bearer only, never a cookie (SYSTEMS.md). */
		if (!bearer || auth_system_session(th, ip, out) != 0)
			return -1;
		memset(csrf, 0, TOKEN_B64_LEN + 1);
		return 0;
	}
	if (ses.app != bearer)
		return -1;
	int64_t now = now_s();
	bool ended = ses.app ? now - ses.created > app_token_seconds
			     : now - ses.last_seen > session_idle_seconds ||
				       now - ses.created > SESSION_ABSOLUTE_SECONDS;
	if (ended) {
		store_session_delete(th);
		return -1;
	}
	struct store_account acct = {.id = ses.account,
				     .role = ses.role,
				     .has_practice = ses.has_practice,
				     .practice = ses.practice,
				     .has_patient = ses.has_patient,
				     .patient = ses.patient};
	actor_from_account(&acct, ip, out);
	out->session = ses.id;
	out->mfa = ses.mfa;
	out->mfa_enrolled = ses.mfa_enrolled;
	out->lang = ses.lang;
	/* A proxy's choice of record, only while a live grant still allows it (the store
	 * checks it in the same query); otherwise, or when it lapses, their own record. */
	if (ses.role == ROLE_PATIENT && ses.has_record) {
		out->has_record = true;
		out->record = ses.record;
	}
	/* The menu offers only what the grant covers (the gate decides again on each access). */
	out->record_scopes = SCOPE_ALL;
	if (out->has_record && !(out->has_patient && id_eq(&out->record, &out->patient)) &&
	    store_proxy_scopes(&out->account, &out->record, now, &out->record_scopes) != ERR_OK)
		out->record_scopes = 0;
	/* A session is replaced each time a second factor is given, so its start is the time of
	 * the last factor. */
	out->factor_at = ses.mfa ? ses.created : 0;
	out->mfa_required = ses.mfa_required;
	out->app = ses.app;
	out->app_scopes = ses.app_scopes;
	memcpy(csrf, ses.csrf, TOKEN_B64_LEN + 1);
	/* last_seen has a coarse resolution for idle timeouts; skip the write otherwise. */
	if (now - ses.last_seen >= session_touch_seconds())
		store_session_touch(th, now);
	return 0;
}

int auth_app_session_create(const char *token, const struct id *session, const struct id *account,
			    bool mfa, const struct id *client, unsigned scopes, const struct id *family,
			    const char *device, const char *ip)
{
	uint8_t th[HASH_BYTES], csrf_raw[TOKEN_BYTES];
	if (token_hash(token, strlen(token), th) != 0)
		return -1;
	struct store_session ses;
	memset(&ses, 0, sizeof(ses));
	ses.id = *session;
	ses.account = *account;
	/* Never used (bearer requests need no CSRF token), but the column wants one. */
	token_new(ses.csrf, csrf_raw);
	ses.created = ses.last_seen = now_s();
	ses.mfa = mfa;
	snprintf(ses.device, sizeof(ses.device), "%s", device);
	snprintf(ses.ip, sizeof(ses.ip), "%s", ip);
	ses.app = true;
	ses.client = *client;
	ses.app_scopes = scopes & APP_SCOPE_ALL; /* the gate's bits only */
	if (family != NULL) {
		ses.has_family = true;
		ses.family = *family;
	}
	return store_session_create(th, &ses) == ERR_OK ? 0 : -1;
}

int auth_app_session_find(const char *token, struct store_session *out)
{
	uint8_t th[HASH_BYTES];
	if (token_hash(token, strlen(token), th) != 0 || store_session_get(th, out) != ERR_OK || !out->app)
		return -1;
	return now_s() - out->created > app_token_seconds ? -1 : 0;
}

int auth_app_session_end(const char *token, const char *ip, struct actor *who)
{
	uint8_t th[HASH_BYTES];
	struct store_session ses;
	if (token_hash(token, strlen(token), th) != 0 || store_session_get(th, &ses) != ERR_OK ||
	    !ses.app || store_session_delete(th) != ERR_OK)
		return -1;
	struct store_account acct = {.id = ses.account, .role = ses.role};
	actor_from_account(&acct, ip, who);
	who->session = ses.id;
	return 0;
}

enum err auth_replace_session(const char *old_token, const struct actor *a, const char *new_token,
			   const struct id *session, struct login_result *out)
{
	uint8_t old_th[HASH_BYTES], th[HASH_BYTES], csrf_raw[TOKEN_BYTES];
	if (token_hash(old_token, strlen(old_token), old_th) != 0 ||
	    token_hash(new_token, strlen(new_token), th) != 0)
		return ERR_INTERNAL;
	memset(out, 0, sizeof(*out));
	memcpy(out->token, new_token, SESSION_TOKEN_B64_LEN + 1);
	token_new(out->csrf, csrf_raw);
	struct store_session old, ses;
	memset(&ses, 0, sizeof(ses));
	bool had_old = store_session_get(old_th, &old) == ERR_OK;
	if (had_old)
		memcpy(ses.device, old.device, sizeof(ses.device));
	ses.id = *session;
	ses.account = a->account;
	memcpy(ses.csrf, out->csrf, sizeof(ses.csrf));
	ses.created = ses.last_seen = now_s();
	ses.mfa = true;
	snprintf(ses.ip, sizeof(ses.ip), "%s", a->ip);
	store_session_delete(old_th);
	if (store_session_create(th, &ses) != ERR_OK)
		return ERR_INTERNAL;
	/* A proxy who steps up keeps the record they were viewing (still only while its grant
	 * lives: auth_session checks again at every request). */
	if (had_old && old.has_record && store_session_set_record(&a->account, session, &old.record) != ERR_OK)
		return ERR_INTERNAL;
	out->actor = *a;
	out->actor.session = *session;
	out->actor.mfa = true;
	out->actor.mfa_enrolled = true;
	out->actor.factor_at = ses.created;
	return ERR_OK;
}

enum err auth_mfa_verify(const char *token, const struct actor *a, const char *code,
			 struct login_result *out)
{
	char key[80];
	int64_t now = now_s(), blocked;
	int fails;
	char hex[ID_HEX_LEN + 1];
	id_hex(&a->account, hex);
	snprintf(key, sizeof(key), "mfa:%s", hex);
	store_throttle_get(key, now, THROTTLE_WINDOW_SECONDS, &fails, &blocked);
	if (blocked > now) {
		audit_login(a, a->ip, "login.mfa", "throttled");
		return ERR_THROTTLED;
	}
	struct arena ar;
	arena_init(&ar, LIMIT_CALL_ARENA);
	struct store_mfa m;
	char nt[SESSION_TOKEN_B64_LEN + 1];
	struct id session;
	int rc = ERR_AUTH_FAIL;
	if (store_mfa_get(&a->account, &ar, &m) != ERR_OK) {
		rc = ERR_INTERNAL;
	} else if (strlen(code) == 6) {
		/* a TOTP code; an account whose second factor is a passkey has none to check */
		int64_t step = 0;
		/* The step is claimed in the database before the session is made: a replayed or
		 * concurrent use of the same code loses the race and fails. */
		if (m.totp.len > 0 &&
		    vault_totp_verify(token, m.totp, code, m.last_step, &step, nt, &session) == ERR_OK &&
		    store_mfa_use_step(&a->account, step) == ERR_OK)
			rc = auth_replace_session(token, a, nt, &session, out);
	} else {
		size_t index = 0;
		if (vault_recovery_verify(token, code, (const uint8_t(*)[HASH_BYTES])m.recovery,
					  m.n_recovery, &index, nt, &session) == ERR_OK &&
		    store_mfa_use_recovery(&a->account, m.recovery_index[index]) == ERR_OK)
			rc = auth_replace_session(token, a, nt, &session, out);
	}
	arena_release(&ar);
	if (rc == ERR_OK)
		store_throttle_clear(key);
	else
		store_throttle_fail(key, now, THROTTLE_WINDOW_SECONDS, THROTTLE_ACCOUNT_FAILURES,
				    THROTTLE_BLOCK_SECONDS);
	audit_login(a, a->ip, "login.mfa", rc == ERR_OK ? AUDIT_OK : AUDIT_FAIL);
	return rc;
}

enum err auth_mfa_enrol_begin(const char *token, const struct actor *a,
			      char secret_b32[TOTP_SECRET_B32_LEN + 1])
{
	struct arena ar;
	arena_init(&ar, LIMIT_SCRATCH_ARENA);
	struct buf sealed;
	buf_init(&sealed, &ar, LIMIT_SEALED_SECRET);
	int rc = vault_totp_new(token, secret_b32, &sealed) == ERR_OK &&
				 store_mfa_set_pending(&a->account,
						       (struct bytes){(const uint8_t *)sealed.data, sealed.len}) ==
					 ERR_OK
			 ? ERR_OK
			 : ERR_INTERNAL;
	arena_release(&ar);
	return rc;
}

enum err auth_mfa_enrol_confirm(const char *token, const struct actor *a, const char *code,
				struct login_result *out, char codes[RECOVERY_CODES][RECOVERY_CODE_LEN + 1])
{
	struct arena ar;
	arena_init(&ar, LIMIT_CALL_ARENA);
	struct store_mfa m;
	char nt[SESSION_TOKEN_B64_LEN + 1];
	struct id session;
	int64_t step = 0;
	int rc = ERR_AUTH_FAIL;
	uint8_t hashes[RECOVERY_CODES][HASH_BYTES];
	if (store_mfa_get(&a->account, &ar, &m) == ERR_OK && m.totp_pending.len > 0 &&
	    vault_totp_verify(token, m.totp_pending, code, 0, &step, nt, &session) == ERR_OK &&
	    store_mfa_enable(&a->account, NULL, step) == ERR_OK) {
		rc = auth_replace_session(token, a, nt, &session, out);
		if (rc == ERR_OK &&
		    (vault_recovery_new(out->token, codes, hashes) != ERR_OK ||
		     store_mfa_set_recovery(&a->account, (const uint8_t(*)[HASH_BYTES])hashes,
					    RECOVERY_CODES) != ERR_OK))
			rc = ERR_INTERNAL;
	}
	arena_release(&ar);
	audit_login(a, a->ip, "mfa.enrol", rc == ERR_OK ? AUDIT_OK : AUDIT_FAIL);
	return rc;
}

enum err auth_sessions_list(const struct actor *a, struct arena *ar, struct store_session **out, size_t *n)
{
	return store_sessions_list(&a->account, ar, out, n);
}

enum err auth_session_revoke(const struct actor *a, const struct id *session)
{
	int rc = store_session_revoke_id(&a->account, session) == ERR_OK ? ERR_OK : ERR_AUTH_FAIL;
	struct audit_event e = {.actor = a, .action = "session.revoke", .rtype = "Session",
				.rid = session, .outcome = rc == ERR_OK ? AUDIT_OK : AUDIT_NOT_FOUND,
				.deferrable = true};
	if (audit_append(&e) != 0)
		return ERR_INTERNAL;
	return rc;
}

enum err auth_sessions_end_all(const struct actor *a)
{
	int rc = store_sessions_revoke(&a->account) == ERR_OK &&
				 store_known_devices_forget(&a->account) == ERR_OK
			 ? ERR_OK
			 : ERR_INTERNAL;
	struct audit_event e = {.actor = a, .action = "session.revoke-all",
				.outcome = rc == ERR_OK ? AUDIT_OK : AUDIT_FAIL, .deferrable = true};
	if (audit_append(&e) != 0)
		return ERR_INTERNAL;
	return rc;
}

enum err auth_logout(const char *token, size_t n, const struct actor *a)
{
	uint8_t th[HASH_BYTES];
	if (token_hash(token, n, th) != 0)
		return ERR_INTERNAL;
	int rc = store_session_delete(th) == ERR_OK ? 0 : -1;
	audit_login(a, a ? a->ip : "-", "logout", AUDIT_OK);
	return rc;
}

int auth_account_create(const char *email, const char *pw_hash, enum role role,
			const struct id *practice, const struct id *patient, struct id *out)
{
	char norm[LIMIT_EMAIL + 1], ekey[80];
	if (auth_normalise_email(email, strlen(email), norm, sizeof(norm)) != 0 ||
	    auth_email_key(norm, ekey) != 0)
		return -1;
	struct store_account acct;
	memset(&acct, 0, sizeof(acct));
	random_id(&acct.id);
	acct.email = ekey;
	struct arena ar;
	arena_init(&ar, LIMIT_SCRATCH_ARENA);
	struct buf ct;
	buf_init(&ct, &ar, LIMIT_SEALED_EMAIL);
	if (vault_email_seal(&acct.id, norm, &ct) != ERR_OK) {
		arena_release(&ar);
		return -1;
	}
	acct.email_ct = (struct bytes){(const uint8_t *)ct.data, ct.len};
	acct.pw_hash = pw_hash;
	acct.role = role;
	if (practice) {
		acct.has_practice = true;
		acct.practice = *practice;
	}
	if (patient) {
		acct.has_patient = true;
		acct.patient = *patient;
	}
	int rc = store_account_create(&acct);
	arena_release(&ar);
	if (rc != ERR_OK)
		return -1;
	if (out)
		*out = acct.id;
	return 0;
}
