/*
 * OpenID Connect for apps (docs/internals/APPS.md, "OpenID Connect"): the vault signs each
 * id_token itself, with an Ed25519 key derived from the stable index key (so a rotation of the
 * master key does not change it), and builds its claims from the app's access token alone:
 * `sub` is the token's account and `fhirUser` its patient, so a worker cannot have an id_token
 * signed for anyone else. The worker says only who issues it (the portal's address), for which
 * client and with which nonce, each checked to be plain characters.
 */
#include "vault/vault.h"

#include <sodium.h>
#include <stdio.h>
#include <string.h>

#include "crypto/sign.h"
#include "limits.h"
#include "util/wipe.h"
#include "vault/breaker.h"
#include "vault/vault_int.h"

static void oidc_keypair(uint8_t pk[SIGN_PUBLIC_BYTES], uint8_t sk[SIGN_SECRET_BYTES])
{
	struct key k;
	vault_stable_subkey(1, "oidcsign", &k);
	sign_keypair_from_seed(k.b, pk, sk);
	key_wipe(&k);
}

static void oidc_kid(const uint8_t pk[SIGN_PUBLIC_BYTES], char kid[KEY_ID_HEX_LEN + 1])
{
	uint8_t id[KEY_ID_BYTES];
	key_id_of(pk, SIGN_PUBLIC_BYTES, "oidc", id);
	sodium_bin2hex(kid, KEY_ID_HEX_LEN + 1, id, sizeof(id));
}

enum err vault_local_oidc_jwk(char x[VAULT_JWK_X_LEN + 1], char kid[KEY_ID_HEX_LEN + 1])
{
	uint8_t pk[SIGN_PUBLIC_BYTES], sk[SIGN_SECRET_BYTES];
	oidc_keypair(pk, sk);
	wipe(sk, sizeof(sk));
	sodium_bin2base64(x, VAULT_JWK_X_LEN + 1, pk, sizeof(pk), sodium_base64_VARIANT_URLSAFE_NO_PADDING);
	oidc_kid(pk, kid);
	return ERR_OK;
}

/* A claim value the vault writes into JSON as it is: printable ASCII without '"' or '\'. */
static bool plain(const char *s, size_t max)
{
	size_t n = strlen(s);
	if (n == 0 || n > max)
		return false;
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)s[i] < 0x21 || (unsigned char)s[i] > 0x7e || s[i] == '"' || s[i] == '\\')
			return false;
	return true;
}

static size_t b64url(char *out, size_t max, const void *p, size_t n)
{
	if (sodium_base64_ENCODED_LEN(n, sodium_base64_VARIANT_URLSAFE_NO_PADDING) > max)
		return 0;
	sodium_bin2base64(out, max, p, n, sodium_base64_VARIANT_URLSAFE_NO_PADDING);
	return strlen(out);
}

enum err vault_local_id_token(const char *app_token, const char *iss, const char *client_id,
			      const char *nonce, bool fhir_user, char *out, size_t max)
{
	struct session_claims c;
	/* At the code's exchange, from the app's own fresh token of a patient's own record. */
	if (app_token == NULL || vault_token_claims(app_token, strlen(app_token), &c) != 0 || !c.app ||
	    c.role != ROLE_PATIENT || !c.has_patient || vault_clock() - c.issued > APP_CODE_SECONDS + 10 ||
	    iss == NULL || !plain(iss, 256) || strncmp(iss, "http", 4) != 0 || client_id == NULL ||
	    strlen(client_id) != ID_HEX_LEN || strspn(client_id, "0123456789abcdef") != ID_HEX_LEN ||
	    (nonce != NULL && nonce[0] != '\0' && !plain(nonce, 256)))
		return ERR_DENIED;
	if (breaker_is_tripped(&c.account, NULL))
		return ERR_TRIPPED;
	uint8_t pk[SIGN_PUBLIC_BYTES], sk[SIGN_SECRET_BYTES];
	oidc_keypair(pk, sk);
	char kid[KEY_ID_HEX_LEN + 1], sub[ID_HEX_LEN + 1], patient[ID_HEX_LEN + 1];
	oidc_kid(pk, kid);
	id_hex(&c.account, sub);
	id_hex(&c.patient, patient);
	char header[128], payload[1024];
	int64_t now = vault_clock();
	snprintf(header, sizeof(header), "{\"alg\":\"EdDSA\",\"typ\":\"JWT\",\"kid\":\"%s\"}", kid);
	int pn = snprintf(payload, sizeof(payload),
			  "{\"iss\":\"%s\",\"sub\":\"%s\",\"aud\":\"%s\",\"iat\":%lld,\"exp\":%lld%s%s%s%s%s%s}",
			  iss, sub, client_id, (long long)now, (long long)(now + APP_TOKEN_SECONDS),
			  nonce && nonce[0] ? ",\"nonce\":\"" : "", nonce && nonce[0] ? nonce : "",
			  nonce && nonce[0] ? "\"" : "", fhir_user ? ",\"fhirUser\":\"" : "",
			  fhir_user ? iss : "", fhir_user ? "/fhir/R4/Patient/" : "");
	if (pn < 0 || (size_t)pn + ID_HEX_LEN + 3 >= sizeof(payload)) {
		wipe(sk, sizeof(sk));
		return ERR_DENIED;
	}
	if (fhir_user)
		snprintf(payload + pn - 1, sizeof(payload) - (size_t)pn + 1, "%s\"}", patient);
	size_t at = b64url(out, max, header, strlen(header));
	if (at == 0 || at + 1 >= max) {
		wipe(sk, sizeof(sk));
		return ERR_DENIED;
	}
	out[at++] = '.';
	size_t m = b64url(out + at, max - at, payload, strlen(payload));
	uint8_t sig[SIGNATURE_BYTES];
	if (m == 0 || at + m + 1 >= max) {
		wipe(sk, sizeof(sk));
		return ERR_DENIED;
	}
	at += m;
	sign_detached(sk, out, at, sig);
	wipe(sk, sizeof(sk));
	out[at++] = '.';
	return b64url(out + at, max - at, sig, sizeof(sig)) != 0 ? ERR_OK : ERR_DENIED;
}
