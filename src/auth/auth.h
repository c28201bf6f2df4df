/*
 * Authentication: passwords (Argon2id), sessions and login throttling.
 *
 * Session tokens are minted by the vault (claims plus a MAC; see vault.h); only their hash is
 * stored, which is what makes revocation work. A session dies after
 * SESSION_IDLE_SECONDS without use or SESSION_ABSOLUTE_SECONDS after login, and at logout.
 * A login with an unknown email costs the same password hash as a wrong password and gets
 * the same answer; throttling is keyed by the email as typed, so it behaves the same too.
 */
#ifndef MEDKEEP_AUTH_H
#define MEDKEEP_AUTH_H
#include <stddef.h>

#include "crypto/crypto.h"
#include "policy/policy.h"
#include "util/arena.h"
#include "store/store.h"
#include "vault/vault.h"
#include "util/err.h"

struct login_result {
	char token[SESSION_TOKEN_B64_LEN + 1];
	char csrf[TOKEN_B64_LEN + 1];
	struct actor actor;
	bool mfa_required; /* the session is good only for POST /login/mfa until a code is given */
	char contact[160]; /* ERR_LOCKED: whom to contact, as a phrase ("your practice, ...") */
};

/* Prepare the dummy hash used to equalise timing; call once at start. */
int auth_init(void);
/* Normalise an email (trim, lower-case, bounded); 0 when it looks like an address. */
int auth_normalise_email(const char *in, size_t n, char *out, size_t outsz);
/* Check a password and open a session. `device` is the device cookie's value (a well-formed
 * TOKEN_B64_LEN id) or NULL: when it is a known device of the account, failures count against
 * that device's own allowance instead of the account's shared one (src/auth/device.c). */
enum err auth_login(const char *email, size_t email_len, const char *password, size_t pw_len,
		    const char *ip, const char *user_agent, const char *device, struct login_result *out);
/* The device cookie: a random id, bound to an account when a sign-in completes. */
#define DEVICE_COOKIE "__Host-medkeep-device"
/* The throttle key ("d:" and a keyed hash) of a device known to account, or "" when device is
 * NULL, malformed, or not a device of that account seen within DEVICE_COOKIE_SECONDS. 0, or -1
 * on an error. Costs the same keyed hash and lookup whether or not the account exists. */
int auth_device_throttle_key(const char *device, const struct id *account, int64_t now,
			     char out[80]);
/* After a full sign-in: remember device (or, when NULL or malformed, a new random id) as a
 * known device of account; out is the cookie value to set. 0, or -1 when not stored. */
int auth_device_remember(const struct id *account, const char *device, char out[TOKEN_B64_LEN + 1]);
/* A coarse device name from a User-Agent ("Firefox on Linux"), never the string itself. */
void auth_device_name(const char *user_agent, char out[48]);
/* Resolve a session token to its actor; 0 when the session is live. Touches last_seen. A
 * browser's session comes as a cookie and an app's access token as a bearer token: each is
 * refused in the other's place (`bearer` says which this is). */
int auth_session(const char *token, size_t n, const char *ip, bool bearer, struct actor *out,
		 char csrf[TOKEN_B64_LEN + 1]);
/* medkeep.conf's `oauth.access_token_seconds` (APP_TOKEN_MIN_SECONDS to APP_TOKEN_SECONDS;
 * absent: APP_TOKEN_SECONDS): how long an app's access token lives from its exchange or
 * refresh. 0, or -1 with a message on stderr when the setting is out of range. Call before the
 * workers serve. */
int auth_app_token_configure(const char *conf, size_t len);
/* session.idle_seconds from medkeep.conf (SESSION_IDLE_MIN_SECONDS to
 * SESSION_ABSOLUTE_SECONDS; SESSION_IDLE_SECONDS when unset). 0, or -1 with a message on
 * stderr when out of range. Call before the workers serve. */
int auth_session_configure(const char *conf, size_t len);
/* The idle timeout of a signed-in session, in seconds, and how long before it pages warn. */
int64_t auth_session_idle_seconds(void);
int64_t auth_session_warn_seconds(void);
/* The configured life of an app's access token, in seconds. */
int64_t auth_app_token_seconds(void);
/* Second factor for the session of `token` (a TOTP code, or a recovery code): on success the
 * session is replaced by a new one (new token and CSRF token in *out) that carries mfa. */
enum err auth_mfa_verify(const char *token, const struct actor *a, const char *code,
			 struct login_result *out);
/* Start enrolling TOTP: a new secret for the account, kept pending; its base32 for display. */
enum err auth_mfa_enrol_begin(const char *token, const struct actor *a,
			      char secret_b32[TOTP_SECRET_B32_LEN + 1]);
/* Confirm enrolment with a first code: enables TOTP, replaces the session (as auth_mfa_verify)
 * and makes ten recovery codes, shown once. */
enum err auth_mfa_enrol_confirm(const char *token, const struct actor *a, const char *code,
				struct login_result *out, char codes[RECOVERY_CODES][RECOVERY_CODE_LEN + 1]);
/* The actor's own live sessions, newest first. */
enum err auth_sessions_list(const struct actor *a, struct arena *ar, struct store_session **out, size_t *n);
/* End one of the actor's own sessions (audited); ERR_AUTH_FAIL when it is not theirs. */
enum err auth_session_revoke(const struct actor *a, const struct id *session);
/* Sign out everywhere: every session of the actor's account (this one too), the apps' tokens
 * and the OAuth codes not yet exchanged, and the account's known devices. Audited. */
enum err auth_sessions_end_all(const struct actor *a);
/* Revoke the session of this token. */
enum err auth_logout(const char *token, size_t n, const struct actor *a);
/* The throttling key of a normalised email ("e:" and a keyed hash), as login counts it. */
int auth_throttle_key(const char *email, char out[80]);
/* The lookup value stored in account.email for a normalised email (its blind index). */
int auth_email_key(const char *email, char out[80]);
/* Find an account by email (through its blind index). ERR_OK, ERR_NOT_FOUND or error. */
enum err auth_account_lookup(const char *email, struct arena *a, struct store_account *out);
/* The blind index of an address (normalised first), as accounts are looked up by it; 0, or -1
 * when it is not an address. */
int auth_email_index(const char *email, char out[80]);
/* Create an account (demo data, practice onboarding). */
int auth_account_create(const char *email, const char *pw_hash, enum role role,
			const struct id *practice, const struct id *patient, struct id *out);

#endif
