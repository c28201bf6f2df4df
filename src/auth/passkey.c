/* Passkeys as a second factor (auth/passkey.h; docs/internals/PASSKEYS.md). */
#include "auth/passkey.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "audit/audit.h"
#include "auth/auth_int.h"
#include "limits.h"
#include "util/log.h"
#include "util/nztime.h"
#include "util/wipe.h"
#include "domain/outbox.h"

static struct webauthn_rp rp;

void auth_passkey_configure(const struct webauthn_rp *config)
{
	rp = *config;
}

const struct webauthn_rp *auth_passkey_rp(void)
{
	return &rp;
}

static void challenge_hash(const uint8_t challenge[WEBAUTHN_CHALLENGE_BYTES], uint8_t h[HASH_BYTES])
{
	hash2("medkeep-passkey-challenge", 25, challenge, WEBAUTHN_CHALLENGE_BYTES, h);
}

static void audit_passkey(const struct actor *a, const char *action, const struct id *passkey,
			  const char *outcome)
{
	struct audit_event e = {.actor = a, .action = action, .rtype = passkey ? "Passkey" : "-",
				.rid = passkey, .outcome = outcome, .deferrable = true};
	if (audit_append(&e) != 0)
		log_warn("component=auth error=\"audit append failed\" action=%s", action);
}

enum err auth_passkey_challenge(const char *token, const struct actor *a, enum passkey_purpose purpose,
				char out[PASSKEY_CHALLENGE_B64_LEN + 1])
{
	uint8_t ch[WEBAUTHN_CHALLENGE_BYTES], h[HASH_BYTES];
	out[0] = '\0';
	if (vault_passkey_challenge(token, purpose, ch) != ERR_OK)
		return ERR_INTERNAL;
	challenge_hash(ch, h);
	if (store_passkey_challenge_put(&a->session, (int)purpose, h,
					(int64_t)time(NULL) + WEBAUTHN_CHALLENGE_SECONDS) != ERR_OK)
		return ERR_INTERNAL;
	webauthn_b64url_encode(ch, sizeof(ch), out, PASSKEY_CHALLENGE_B64_LEN + 1);
	return ERR_OK;
}

/* Use up the challenge the browser signed; WA_CHALLENGE when it was not issued to this session
 * for this purpose, was used, or expired. */
static enum webauthn_err take_challenge(const struct actor *a, enum passkey_purpose purpose,
					 const uint8_t challenge[WEBAUTHN_CHALLENGE_BYTES])
{
	uint8_t h[HASH_BYTES];
	challenge_hash(challenge, h);
	return store_passkey_challenge_take(&a->session, (int)purpose, h, (int64_t)time(NULL)) ==
			       ERR_OK
		       ? WA_OK
		       : WA_CHALLENGE;
}

static bool name_ok(const char *name)
{
	size_t n = name ? strlen(name) : 0;
	if (n == 0 || n > PASSKEY_NAME_MAX)
		return false;
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)name[i] < 0x20 || name[i] == 0x7f)
			return false;
	return true;
}

enum err auth_passkey_register(const char *token, const struct actor *a, const char *name,
			       const uint8_t *client_data, size_t client_data_len,
			       const uint8_t *attestation, size_t attestation_len, int *why)
{
	*why = WA_OK;
	if (!name_ok(name))
		return ERR_INVALID;
	struct store_passkey *p = calloc(1, sizeof(*p));
	struct webauthn_credential *mine = calloc(1, sizeof(*mine));
	uint8_t challenge[WEBAUTHN_CHALLENGE_BYTES];
	int rc = ERR_AUTH_FAIL;
	if (p == NULL || mine == NULL) {
		rc = ERR_INTERNAL;
		goto out;
	}
	/* With a second factor, only a session that passed it adds another; without one, the
	 * passkey is the first (as an authenticator app may be: PASSKEYS.md). */
	if (!a->mfa && a->mfa_enrolled) {
		*why = WA_CHALLENGE;
		goto out;
	}
	*why = webauthn_check_registration(&rp, client_data, client_data_len, attestation,
					   attestation_len, mine, challenge);
	if (*why == WA_OK)
		*why = take_challenge(a, PASSKEY_REGISTER, challenge);
	if (*why != WA_OK)
		goto out;
	/* The vault checks again and MACs the credential to this account. */
	if (vault_passkey_register(token, client_data, client_data_len, attestation, attestation_len,
				   &p->cred, p->mac) != ERR_OK ||
	    p->cred.id_len != mine->id_len || memcmp(p->cred.id, mine->id, mine->id_len) != 0) {
		*why = WA_SIGNATURE;
		goto out;
	}
	random_id(&p->id);
	snprintf(p->name, sizeof(p->name), "%s", name);
	p->created = (int64_t)time(NULL);
	int st = store_passkey_insert(&a->account, p);
	rc = st == ERR_OK ? ERR_OK : st == ERR_CONFLICT ? ERR_INVALID : ERR_INTERNAL;
out:
	audit_passkey(a, "passkey.add", rc == ERR_OK ? &p->id : NULL, rc == ERR_OK ? AUDIT_OK : AUDIT_FAIL);
	free(p);
	free(mine);
	return rc;
}

/* Tell the owner, by email, that a copy of their passkey may exist. */
static void notify_clone(const struct actor *a, const char *name)
{
	struct arena ar;
	arena_init(&ar, LIMIT_NOTICE_MAIL_ARENA);
	struct bytes to = {0};
	char when[NZ_WHEN_LEN];
	nz_when((int64_t)time(NULL), when, sizeof(when));
	char *body = arena_printf(&ar, "On %s (New Zealand time), someone tried to sign in to your "
				       "patient portal account with your passkey \"%s\", but the "
				       "passkey's own counter shows it may have been copied, so the "
				       "sign-in was refused. If you did not just sign in, sign in at %s, "
				       "change your password, and remove that passkey under Two-step "
				       "sign-in.\n",
				  when, name, account_portal_url());
	if (store_account_email_ct(&a->account, &ar, &to) == ERR_OK && body)
		outbox_queue(&a->account, to, "A passkey of your medkeep account was refused", body);
	arena_release(&ar);
}

enum err auth_passkey_verify(const char *token, const struct actor *a, const uint8_t *cred_id,
			     size_t cred_id_len, const uint8_t *client_data, size_t client_data_len,
			     const uint8_t *auth_data, size_t auth_data_len, const uint8_t *sig,
			     size_t sig_len, struct login_result *out, int *why)
{
	char key[80], hex[ID_HEX_LEN + 1];
	int64_t now = (int64_t)time(NULL), blocked;
	int fails;
	/* The same failure budget as codes: a passkey is another way to the same door. */
	id_hex(&a->account, hex);
	snprintf(key, sizeof(key), "mfa:%s", hex);
	*why = WA_OK;
	store_throttle_get(key, now, THROTTLE_WINDOW_SECONDS, &fails, &blocked);
	if (blocked > now) {
		audit_passkey(a, "login.mfa", NULL, "throttled");
		return ERR_THROTTLED;
	}
	struct store_passkey *p = calloc(1, sizeof(*p));
	uint8_t challenge[WEBAUTHN_CHALLENGE_BYTES];
	uint32_t count = 0;
	bool uv = false;
	char nt[SESSION_TOKEN_B64_LEN + 1];
	struct id session;
	int rc = ERR_AUTH_FAIL;
	const struct id *which = NULL;
	if (p == NULL) {
		rc = ERR_INTERNAL;
		goto out;
	}
	int found = cred_id_len > 0 && cred_id_len <= WEBAUTHN_CRED_ID_MAX
			    ? store_passkey_find(&a->account, cred_id, cred_id_len, p)
			    : ERR_NOT_FOUND;
	if (found != ERR_OK) {
		*why = WA_UNKNOWN;
		rc = found == ERR_NOT_FOUND ? ERR_AUTH_FAIL : ERR_INTERNAL;
		goto out;
	}
	which = &p->id;
	*why = webauthn_check_assertion(&rp, &p->cred.key, client_data, client_data_len, auth_data,
					auth_data_len, sig, sig_len, challenge, &count, &uv);
	if (*why == WA_OK)
		*why = take_challenge(a, PASSKEY_ASSERT, challenge);
	if (*why == WA_OK && !webauthn_counter_ok(p->cred.sign_count, count)) {
		*why = WA_COUNTER;
		audit_passkey(a, "passkey.cloned", which, "refused");
		log_warn("component=auth event=passkey-counter-regressed stored=%u seen=%u",
			 p->cred.sign_count, count);
		notify_clone(a, p->name);
	}
	if (*why != WA_OK)
		goto out;
	if (vault_passkey_verify(token, &p->cred, p->mac, client_data, client_data_len, auth_data,
				 auth_data_len, sig, sig_len, &count, nt, &session) != ERR_OK) {
		/* We accepted it and the vault did not: the stored key or its MAC was changed, or
		 * the two processes disagree about the origin. Never expected: say so loudly. */
		*why = WA_SIGNATURE;
		audit_passkey(a, "passkey.mismatch", which, "refused");
		log_warn("component=auth event=passkey-refused-by-vault");
		goto out;
	}
	/* The counter moves forward in the database before the session exists: of two uses of
	 * the same counter value, one loses. */
	if (store_passkey_used(&a->account, &p->id, count, now) != ERR_OK) {
		*why = WA_COUNTER;
		goto out;
	}
	rc = auth_replace_session(token, a, nt, &session, out);
	wipe(nt, sizeof(nt));
out:
	if (rc == ERR_OK)
		store_throttle_clear(key);
	else
		store_throttle_fail(key, now, THROTTLE_WINDOW_SECONDS, THROTTLE_ACCOUNT_FAILURES,
				    THROTTLE_BLOCK_SECONDS);
	audit_passkey(a, "login.mfa", which, rc == ERR_OK ? AUDIT_OK : AUDIT_FAIL);
	free(p);
	return rc;
}

enum err auth_passkey_list(const struct actor *a, struct arena *ar, struct store_passkey **out, size_t *n)
{
	return store_passkey_list(&a->account, ar, out, n) == ERR_OK ? ERR_OK : ERR_INTERNAL;
}

enum err auth_factors_get(const struct actor *a, struct auth_factors *out)
{
	memset(out, 0, sizeof(*out));
	struct arena ar;
	arena_init(&ar, LIMIT_SCRATCH_ARENA);
	struct store_mfa m;
	int rc = store_mfa_get(&a->account, &ar, &m);
	if (rc == ERR_OK) {
		out->totp = m.totp.len > 0;
		out->passkeys = m.n_passkeys;
		out->recovery = m.n_recovery;
	}
	arena_release(&ar);
	return rc == ERR_OK ? ERR_OK : ERR_INTERNAL;
}

enum err auth_passkey_first_codes(const char *token, const struct actor *a,
				  char codes[RECOVERY_CODES][RECOVERY_CODE_LEN + 1])
{
	struct auth_factors f;
	if (auth_factors_get(a, &f) != ERR_OK)
		return ERR_INTERNAL;
	if (f.totp || f.passkeys == 0 || f.recovery > 0)
		return ERR_NOT_FOUND;
	uint8_t hashes[RECOVERY_CODES][HASH_BYTES];
	/* the vault makes them only for a token that passed a second factor (this one did) */
	int rc = vault_recovery_new(token, codes, hashes) == ERR_OK &&
				 store_mfa_set_recovery(&a->account, (const uint8_t(*)[HASH_BYTES])hashes,
							RECOVERY_CODES) == ERR_OK
			 ? ERR_OK
			 : ERR_INTERNAL;
	wipe(hashes, sizeof(hashes));
	audit_passkey(a, "mfa.recovery.issue", NULL, rc == ERR_OK ? AUDIT_OK : AUDIT_FAIL);
	return rc;
}

enum err auth_passkey_remove(const struct actor *a, const struct id *passkey)
{
	struct auth_factors f;
	if (auth_factors_get(a, &f) != ERR_OK)
		return ERR_INTERNAL;
	/* the last second factor stays: two-step sign-in is not turned off by removing it */
	if (!f.totp && f.passkeys <= 1) {
		audit_passkey(a, "passkey.remove", passkey, "refused");
		return ERR_CONFLICT;
	}
	int st = store_passkey_delete(&a->account, passkey);
	int rc = st == ERR_OK ? ERR_OK : st == ERR_NOT_FOUND ? ERR_AUTH_FAIL : ERR_INTERNAL;
	audit_passkey(a, "passkey.remove", passkey, rc == ERR_OK ? AUDIT_OK : AUDIT_NOT_FOUND);
	return rc;
}
