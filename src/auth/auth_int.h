/* Internal to src/auth: what its files share. */
#ifndef MEDKEEP_AUTH_INT_H
#define MEDKEEP_AUTH_INT_H
#include "auth/auth.h"

#include <stdint.h>
#include <time.h>

static inline int64_t now_s(void)
{
	return (int64_t)time(NULL);
}

/* A throttle key: prefix ("e:", "d:") and the hex of the first ID_BYTES of a keyed hash. */
void auth_hash_key(const char *prefix, const uint8_t h[HASH_BYTES], char out[80]);

/* Replace the session of old_token by one for new_token, which the vault minted with mfa set
 * after a second factor (TOTP, recovery code or passkey) was checked. */
int auth_replace_session(const char *old_token, const struct actor *a, const char *new_token,
			 const struct id *session, struct login_result *out);

/* One record of an account event in the trail: about a patient (or none), for an actor who
 * may have no session (ip then says where from). */
int auth_audit(const struct actor *a, const char *action, const struct id *patient,
	       const char *outcome, const char *ip);

/* Store the session of an app's access token (apps.c), minted by the vault at the patient's
 * consent; and end one, only if it is an app's (*who: whose, for the trail). 0 on success. */
int auth_app_session_create(const char *token, const struct id *session, const struct id *account,
			    bool mfa, const struct id *client, unsigned scopes, const char *device,
			    const char *ip);
int auth_app_session_end(const char *token, const char *ip, struct actor *who);

#endif
