/*
 * Passkeys in the vault: challenges it can recognise without a table, registrations and
 * assertions checked again here (the worker checks them first, for its answers, but only the
 * vault's check can mint a token with mfa set), and a MAC that ties each stored credential to
 * its account. See docs/internals/PASSKEYS.md.
 *
 * A challenge is 32 bytes: nonce (12) | issued, seconds, big-endian (4) | MAC (16), the MAC
 * (BLAKE2b keyed with a subkey of the stable index key) over the purpose, the session id, the
 * nonce and the time. So an assertion captured from one session cannot be replayed into
 * another, nor after WEBAUTHN_CHALLENGE_SECONDS; single use within that window is the
 * worker's table (a deleted row), which a worker taken over could skip, but only for its own
 * session and only with an assertion the authenticator made for it.
 */
#include <sodium.h>
#include <string.h>
#include <time.h>

#include "vault/breaker.h"
#include "vault/vault.h"
#include "vault/vault_int.h"

static struct webauthn_rp rp_config;

void vault_passkey_configure(const struct webauthn_rp *rp)
{
	rp_config = *rp;
}

static void passkey_key(struct key *k)
{
	vault_stable_subkey(6, "passkeys", k); /* survives master key rotation */
}

static void challenge_mac(int purpose, const struct id *session, const uint8_t *nonce_and_time,
			  uint8_t mac[16])
{
	struct key k;
	passkey_key(&k);
	crypto_generichash_state st;
	crypto_generichash_init(&st, k.b, sizeof(k.b), 16);
	crypto_generichash_update(&st, (const uint8_t *)"medkeep-challenge-v1", 20);
	uint8_t p = (uint8_t)purpose;
	crypto_generichash_update(&st, &p, 1);
	crypto_generichash_update(&st, session->b, ID_BYTES);
	crypto_generichash_update(&st, nonce_and_time, 16);
	crypto_generichash_final(&st, mac, 16);
	key_wipe(&k);
}

static bool challenge_ok(int purpose, const struct id *session,
			 const uint8_t challenge[WEBAUTHN_CHALLENGE_BYTES])
{
	uint8_t mac[16];
	challenge_mac(purpose, session, challenge, mac);
	if (sodium_memcmp(mac, challenge + 16, 16) != 0)
		return false;
	int64_t issued = (int64_t)((uint32_t)challenge[12] << 24 | (uint32_t)challenge[13] << 16 |
				   (uint32_t)challenge[14] << 8 | challenge[15]);
	int64_t now = (int64_t)time(NULL) & 0xffffffff;
	return issued <= now && now - issued <= WEBAUTHN_CHALLENGE_SECONDS;
}

/* MAC binding a credential (id, algorithm, public key) to an account. */
static void credential_mac(const struct id *account, const struct webauthn_credential *cred,
			   uint8_t mac[PASSKEY_MAC_BYTES])
{
	struct key k;
	passkey_key(&k);
	crypto_generichash_state st;
	crypto_generichash_init(&st, k.b, sizeof(k.b), PASSKEY_MAC_BYTES);
	crypto_generichash_update(&st, (const uint8_t *)"medkeep-passkey-v1", 18);
	crypto_generichash_update(&st, account->b, ID_BYTES);
	uint8_t hdr[3] = {(uint8_t)(cred->id_len >> 8), (uint8_t)cred->id_len,
			  (uint8_t)-cred->key.alg};
	crypto_generichash_update(&st, hdr, sizeof(hdr));
	crypto_generichash_update(&st, cred->id, cred->id_len);
	crypto_generichash_update(&st, cred->key.pub, cred->key.pub_len);
	crypto_generichash_final(&st, mac, PASSKEY_MAC_BYTES);
	key_wipe(&k);
}

enum err vault_local_passkey_challenge(const char *token, int purpose,
				       uint8_t challenge[WEBAUTHN_CHALLENGE_BYTES])
{
	struct session_claims c;
	/* A registration challenge also for a token without mfa: a passkey may be an account's
	 * first second factor, as an authenticator app may (PASSKEYS.md, "The first factor"). */
	if (token == NULL || vault_token_claims(token, strlen(token), &c) != 0 ||
	    (purpose != PASSKEY_REGISTER && purpose != PASSKEY_ASSERT) ||
	    (purpose == PASSKEY_REGISTER && c.app))
		return ERR_DENIED;
	random_bytes(challenge, 12);
	uint32_t now = (uint32_t)time(NULL);
	challenge[12] = (uint8_t)(now >> 24);
	challenge[13] = (uint8_t)(now >> 16);
	challenge[14] = (uint8_t)(now >> 8);
	challenge[15] = (uint8_t)now;
	challenge_mac(purpose, &c.session, challenge, challenge + 16);
	return ERR_OK;
}

enum err vault_local_passkey_register(const char *token, const uint8_t *client_data, size_t client_data_len,
				      const uint8_t *attestation, size_t attestation_len,
				      struct webauthn_credential *cred, uint8_t mac[PASSKEY_MAC_BYTES])
{
	struct session_claims c;
	uint8_t challenge[WEBAUTHN_CHALLENGE_BYTES];
	if (token == NULL || vault_token_claims(token, strlen(token), &c) != 0 || c.app)
		return ERR_DENIED;
	if (breaker_is_tripped(&c.account, &c.session))
		return ERR_TRIPPED;
	if (webauthn_check_registration(&rp_config, client_data, client_data_len, attestation,
					attestation_len, cred, challenge) != WA_OK ||
	    !challenge_ok(PASSKEY_REGISTER, &c.session, challenge))
		return ERR_DENIED;
	credential_mac(&c.account, cred, mac);
	return ERR_OK;
}

enum err vault_local_passkey_verify(const char *token, const struct webauthn_credential *cred,
				    const uint8_t mac[PASSKEY_MAC_BYTES], const uint8_t *client_data,
				    size_t client_data_len, const uint8_t *auth_data, size_t auth_data_len,
				    const uint8_t *sig, size_t sig_len, uint32_t *sign_count,
				    char new_token[SESSION_TOKEN_B64_LEN + 1], struct id *session)
{
	struct session_claims c;
	uint8_t want[PASSKEY_MAC_BYTES], challenge[WEBAUTHN_CHALLENGE_BYTES];
	bool uv = false;
	if (token == NULL || vault_token_claims(token, strlen(token), &c) != 0)
		return ERR_DENIED;
	if (breaker_is_tripped(&c.account, &c.session))
		return ERR_TRIPPED;
	credential_mac(&c.account, cred, want);
	if (sodium_memcmp(want, mac, PASSKEY_MAC_BYTES) != 0 ||
	    webauthn_check_assertion(&rp_config, &cred->key, client_data, client_data_len, auth_data,
				     auth_data_len, sig, sig_len, challenge, sign_count, &uv) != WA_OK ||
	    !challenge_ok(PASSKEY_ASSERT, &c.session, challenge) ||
	    !webauthn_counter_ok(cred->sign_count, *sign_count))
		return ERR_DENIED;
	return vault_remint(&c, new_token, session);
}

/* --- the interface (vault.h): through this process's client (vault_int.h) --- */

enum err vault_passkey_challenge(const char *token, enum passkey_purpose purpose,
				 uint8_t challenge[WEBAUTHN_CHALLENGE_BYTES])
{
	return vault_client->passkey_challenge(token, (int)purpose, challenge);
}

enum err vault_passkey_register(const char *token, const uint8_t *client_data, size_t client_data_len,
				const uint8_t *attestation, size_t attestation_len,
				struct webauthn_credential *cred, uint8_t mac[PASSKEY_MAC_BYTES])
{
	return vault_client->passkey_register(token, client_data, client_data_len, attestation,
					      attestation_len, cred, mac);
}

enum err vault_passkey_verify(const char *token, const struct webauthn_credential *cred,
			      const uint8_t mac[PASSKEY_MAC_BYTES], const uint8_t *client_data,
			      size_t client_data_len, const uint8_t *auth_data, size_t auth_data_len,
			      const uint8_t *sig, size_t sig_len, uint32_t *sign_count,
			      char new_token[SESSION_TOKEN_B64_LEN + 1], struct id *session)
{
	return vault_client->passkey_verify(token, cred, mac, client_data, client_data_len, auth_data,
					    auth_data_len, sig, sig_len, sign_count, new_token, session);
}
