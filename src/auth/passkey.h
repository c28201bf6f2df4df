/*
 * Passkeys as a second factor (WebAuthn). An account may add up to PASSKEYS_PER_ACCOUNT
 * passkeys, each named, and then use any of them instead of a code: at POST /login/mfa, and for
 * step-up (a fresh second factor before a sensitive change). A passkey may be the account's
 * first second factor (no authenticator app): it is then used once to finish signing in, and
 * recovery codes are made as an app's are.
 *
 * Each assertion is checked here first (to answer with a reason, and to catch a signature
 * counter going backwards: audited, and the owner emailed), then again by the vault, which
 * alone mints the replacement session token with mfa set. Challenges are the vault's (bound
 * to the session, expiring); this layer stores their hashes so each is used once.
 */
#ifndef MEDKEEP_AUTH_PASSKEY_H
#define MEDKEEP_AUTH_PASSKEY_H
#include "auth/auth.h"
#include "crypto/webauthn.h"
#include "store/passkey.h"

/* The origin and RP id pages and checks use (worker start-up). */
void auth_passkey_configure(const struct webauthn_rp *rp);
const struct webauthn_rp *auth_passkey_rp(void);

/* Room for a challenge in base64url. */
#define PASSKEY_CHALLENGE_B64_LEN 43
/* A new challenge for the actor's session and purpose, kept for one use; base64url in out.
 * Registering needs a session that passed a second factor when the account has one. */
enum err auth_passkey_challenge(const char *token, const struct actor *a, enum passkey_purpose purpose,
				char out[PASSKEY_CHALLENGE_B64_LEN + 1]);

/* Register a passkey named `name` (1..PASSKEY_NAME_MAX printable characters) for the actor.
 * ERR_OK; ERR_AUTH_FAIL with *why (enum webauthn_err) when the browser's answer is refused;
 * ERR_INVALID for a bad name, a passkey registered already, or too many. Audited. */
enum err auth_passkey_register(const char *token, const struct actor *a, const char *name,
			       const uint8_t *client_data, size_t client_data_len,
			       const uint8_t *attestation, size_t attestation_len, int *why);

/* A passkey assertion as the second factor of the session of `token` (sign-in or step-up):
 * on ERR_OK the session is replaced by one with mfa set (new token and CSRF token in *out),
 * as auth_mfa_verify does. ERR_AUTH_FAIL with *why; ERR_THROTTLED after too many failures (the
 * same budget as codes). A counter that does not grow is refused as a possible clone
 * (WA_COUNTER), audited as passkey.cloned, and the owner is emailed. */
enum err auth_passkey_verify(const char *token, const struct actor *a, const uint8_t *cred_id,
			     size_t cred_id_len, const uint8_t *client_data, size_t client_data_len,
			     const uint8_t *auth_data, size_t auth_data_len, const uint8_t *sig,
			     size_t sig_len, struct login_result *out, int *why);

/* The actor's passkeys, oldest first. */
enum err auth_passkey_list(const struct actor *a, struct arena *ar, struct store_passkey **out, size_t *n);
/* The account's second factors: an authenticator app, how many passkeys, how many unused
 * recovery codes. ERR_OK or ERR_INTERNAL. */
struct auth_factors {
	bool totp;
	size_t passkeys;
	size_t recovery;
};
enum err auth_factors_get(const struct actor *a, struct auth_factors *out);

/* Recovery codes for an account whose second factor is a passkey and that has none unused (its
 * first passkey, just used once; or all of its codes used): new codes into `codes` (shown once)
 * for the session of `token`, which must have passed a second factor. ERR_OK when made
 * (audited as mfa.recovery.issue), ERR_NOT_FOUND when not due (an authenticator app, which
 * comes with its own, or codes left), ERR_INTERNAL. */
enum err auth_passkey_first_codes(const char *token, const struct actor *a,
				  char codes[RECOVERY_CODES][RECOVERY_CODE_LEN + 1]);

/* Remove one of the actor's passkeys (audited); ERR_AUTH_FAIL when it is not theirs,
 * ERR_CONFLICT when it is their only second factor (no authenticator app, no other passkey). */
enum err auth_passkey_remove(const struct actor *a, const struct id *passkey);

#endif
