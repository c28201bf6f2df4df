/*
 * Refresh tokens of apps (docs/internals/APPS.md, vault.h). The vault mints and MACs them with
 * the key of session tokens, under a version byte of their own (2), so a refresh token is never
 * taken for an access token (vault_token_claims wants 1) nor the reverse. Its claims:
 *
 *   [0] 2 · [1..16] family · [17..32] account · [33] role · [34] flags (1 patient, 4 mfa,
 *   16 offline) · [35..50] patient · [51..58] issued · [59..66] the family's start (the
 *   consent) · [67..74] 8 random bytes (two rotations in one second differ)
 *
 * Using one, the vault believes only these claims: the access token it mints names the account
 * and patient of the consent, the family's life is counted by its own clock, and the breaker
 * (a trip, or an unlock since the token was issued) is applied here, whatever a worker says.
 */
#include "vault/vault.h"

#include <sodium.h>
#include <string.h>

#include "limits.h"
#include "util/wipe.h"
#include "vault/breaker.h"
#include "vault/vault_int.h"

#define REFRESH_VERSION 2
#define F_PATIENT 1
#define F_MFA 4
#define F_OFFLINE 16

struct refresh_claims {
	struct id family, account, patient;
	bool mfa, offline;
	int64_t issued, start;
};

static void put64(uint8_t *p, int64_t v)
{
	for (int i = 0; i < 8; i++)
		p[i] = (uint8_t)((uint64_t)v >> (8 * i));
}

static int64_t get64(const uint8_t *p)
{
	uint64_t t = 0;
	for (int i = 0; i < 8; i++)
		t |= (uint64_t)p[i] << (8 * i);
	return (int64_t)t;
}

static void refresh_mint(const struct refresh_claims *c, char out[SESSION_TOKEN_B64_LEN + 1])
{
	uint8_t raw[SESSION_TOKEN_BYTES];
	memset(raw, 0, sizeof(raw));
	raw[0] = REFRESH_VERSION;
	memcpy(raw + 1, c->family.b, ID_BYTES);
	memcpy(raw + 17, c->account.b, ID_BYTES);
	raw[33] = (uint8_t)ROLE_PATIENT;
	raw[34] = (uint8_t)(F_PATIENT | (c->mfa ? F_MFA : 0) | (c->offline ? F_OFFLINE : 0));
	memcpy(raw + 35, c->patient.b, ID_BYTES);
	put64(raw + 51, c->issued);
	put64(raw + 59, c->start);
	randombytes_buf(raw + 67, 8);
	vault_token_encode(raw, out);
}

/* A genuine refresh token within its family's life, of an account the breaker does not hold
 * and not issued before an unlock: 0, or -1. */
static int refresh_read(const char *token, struct refresh_claims *c)
{
	uint8_t raw[SESSION_TOKEN_BYTES];
	if (vault_token_decode(token, strlen(token), raw) != 0 || raw[0] != REFRESH_VERSION ||
	    raw[33] != (uint8_t)ROLE_PATIENT || !(raw[34] & F_PATIENT)) {
		wipe(raw, sizeof(raw));
		return -1;
	}
	memset(c, 0, sizeof(*c));
	memcpy(c->family.b, raw + 1, ID_BYTES);
	memcpy(c->account.b, raw + 17, ID_BYTES);
	memcpy(c->patient.b, raw + 35, ID_BYTES);
	c->mfa = (raw[34] & F_MFA) != 0;
	c->offline = (raw[34] & F_OFFLINE) != 0;
	c->issued = get64(raw + 51);
	c->start = get64(raw + 59);
	wipe(raw, sizeof(raw));
	int64_t now = vault_clock();
	int64_t life = c->offline ? APP_REFRESH_OFFLINE_SECONDS : APP_REFRESH_ONLINE_SECONDS;
	if (c->start > now + 60 || c->issued < c->start || now - c->start > life ||
	    breaker_released_after(&c->account, c->issued))
		return -1;
	return 0;
}

enum err vault_local_refresh_issue(const char *app_token, bool offline,
				   char refresh[SESSION_TOKEN_B64_LEN + 1], struct id *family)
{
	struct session_claims a;
	/* Only from an app's token of a patient's own record, at the exchange of its consent's
	 * code (a code waits at most APP_CODE_SECONDS; a few seconds more for the request). */
	if (app_token == NULL || vault_token_claims(app_token, strlen(app_token), &a) != 0 || !a.app ||
	    a.role != ROLE_PATIENT || !a.has_patient || vault_clock() - a.issued > APP_CODE_SECONDS + 10)
		return ERR_DENIED;
	if (breaker_is_tripped(&a.account, NULL))
		return ERR_TRIPPED;
	struct refresh_claims c = {.account = a.account, .patient = a.patient, .mfa = a.mfa,
				   .offline = offline, .start = a.issued, .issued = vault_clock()};
	random_id(&c.family);
	refresh_mint(&c, refresh);
	*family = c.family;
	return ERR_OK;
}

enum err vault_local_refresh_use(const char *refresh, struct vault_refreshed *out)
{
	memset(out, 0, sizeof(*out));
	struct refresh_claims c;
	if (refresh == NULL || refresh_read(refresh, &c) != 0)
		return ERR_DENIED;
	if (breaker_is_tripped(&c.account, NULL))
		return ERR_TRIPPED;
	struct session_claims a = {.account = c.account, .role = ROLE_PATIENT, .has_patient = true,
				   .patient = c.patient, .mfa = c.mfa, .app = true};
	enum err rc = vault_mint_fresh(&a, out->access_token, &out->session);
	if (rc != ERR_OK)
		return rc;
	c.issued = vault_clock();
	refresh_mint(&c, out->refresh_token);
	out->family = c.family;
	out->account = c.account;
	out->patient = c.patient;
	out->mfa = c.mfa;
	return ERR_OK;
}
