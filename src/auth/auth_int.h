/* Internal to src/auth: what its files share. */
#ifndef MEDKEEP_AUTH_INT_H
#define MEDKEEP_AUTH_INT_H
#include "auth/auth.h"

/* Replace the session of old_token by one for new_token, which the vault minted with mfa set
 * after a second factor (TOTP, recovery code or passkey) was checked. */
int auth_replace_session(const char *old_token, const struct actor *a, const char *new_token,
			 const struct id *session, struct login_result *out);

#endif
