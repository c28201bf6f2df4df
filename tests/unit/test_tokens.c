/* Session tokens die in the vault at the end of their life, whatever a worker's session table
 * says (issue 12, "Everything ends with the sessions"): the vault stamps the time a token is
 * issued and measures its age by its own clock. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "limits.h"
#include "test.h"
#include "vault/vault.h"
#include "vault/vault_int.h"

void test_tokens(void)
{
	char dir[] = "/tmp/medkeep-unit-tokens-XXXXXX";
	CHECK(mkdtemp(dir) != NULL);
	CHECK(vault_create(dir) == 0);
	CHECK(vault_load(dir) == 0);
	char hash[PWHASH_STR_BYTES];
	CHECK(password_hash("a-long-password-1", 17, hash) == 0);

	struct session_claims c, got;
	memset(&c, 0, sizeof(c));
	random_id(&c.session);
	random_id(&c.account);
	c.role = ROLE_PATIENT;
	c.has_patient = true;
	random_id(&c.patient);
	/* A worker that asks for a token issued ten years ahead gets one issued now. */
	c.issued = (int64_t)time(NULL) + 10 * 365 * 86400;
	char tok[SESSION_TOKEN_B64_LEN + 1], app[SESSION_TOKEN_B64_LEN + 1];
	CHECK(vault_local_login(hash, "a-long-password-1", 17, &c, tok) == 0);
	vault_test_clock_skew = 0;
	CHECK(vault_token_claims(tok, strlen(tok), &got) == 0);
	CHECK(got.issued <= (int64_t)time(NULL) + 1 && id_eq(&got.account, &c.account));

	/* A browser's session: good to the end of its absolute life, refused after. */
	vault_test_clock_skew = SESSION_ABSOLUTE_SECONDS - 5;
	CHECK(vault_token_claims(tok, strlen(tok), &got) == 0);
	vault_test_clock_skew = SESSION_ABSOLUTE_SECONDS + 5;
	CHECK(vault_token_claims(tok, strlen(tok), &got) != 0);
	/* ...so nothing can be opened or minted with it either. */
	struct id s2;
	CHECK(vault_local_app_token(tok, app, &s2) != ERR_OK);
	CHECK(vault_local_miss(tok) != ERR_OK);
	/* A token from the future (the clock went back) is refused too. */
	vault_test_clock_skew = -3600;
	CHECK(vault_token_claims(tok, strlen(tok), &got) != 0);

	/* An app's token: its hour from the consent, and the minute its code may wait. */
	vault_test_clock_skew = 0;
	CHECK(vault_local_app_token(tok, app, &s2) == ERR_OK);
	CHECK(vault_token_claims(app, strlen(app), &got) == 0 && got.app);
	vault_test_clock_skew = APP_TOKEN_SECONDS + APP_CODE_SECONDS - 5;
	CHECK(vault_token_claims(app, strlen(app), &got) == 0);
	vault_test_clock_skew = APP_TOKEN_SECONDS + APP_CODE_SECONDS + 5;
	CHECK(vault_token_claims(app, strlen(app), &got) != 0);
	/* The session it came from is still alive then, but the app's token is not. */
	CHECK(vault_token_claims(tok, strlen(tok), &got) == 0);

	/* A practice system's token: minutes by the vault's clock (and a minute of grace), not an
	 * app's hour, whatever the worker's table says; and never a source of an app's token. */
	vault_test_clock_skew = 0;
	struct id sys, practice, s3;
	random_id(&sys);
	random_id(&practice);
	char stok[SESSION_TOKEN_B64_LEN + 1];
	CHECK(vault_local_system_token(&sys, &practice, stok, &s3) == ERR_OK);
	CHECK(vault_token_claims(stok, strlen(stok), &got) == 0 && got.role == ROLE_SYSTEM && got.mfa &&
	      got.has_practice && id_eq(&got.practice, &practice) && id_eq(&got.account, &sys));
	CHECK(vault_local_app_token(stok, app, &s2) != ERR_OK);
	vault_test_clock_skew = SYSTEM_TOKEN_SECONDS + 55;
	CHECK(vault_token_claims(stok, strlen(stok), &got) == 0);
	vault_test_clock_skew = SYSTEM_TOKEN_SECONDS + 65;
	CHECK(vault_token_claims(stok, strlen(stok), &got) != 0);

	/* Refresh tokens (APPS.md): a kind of their own, minted from an app's token at its code's
	 * exchange, good for the family's life from the consent by the vault's clock. */
	vault_test_clock_skew = 0;
	char rt[SESSION_TOKEN_B64_LEN + 1], rt2[SESSION_TOKEN_B64_LEN + 1];
	struct id family;
	CHECK(vault_local_app_token(tok, app, &s2) == ERR_OK);
	CHECK(vault_local_refresh_issue(tok, true, rt, &family) != ERR_OK);  /* not an app's */
	CHECK(vault_local_refresh_issue(stok, true, rt, &family) != ERR_OK); /* nor a system's */
	CHECK(vault_local_refresh_issue(app, true, rt, &family) == ERR_OK);
	CHECK(vault_token_claims(rt, strlen(rt), &got) != 0); /* never an access token */
	struct vault_refreshed r;
	CHECK(vault_local_refresh_use(app, &r) != ERR_OK); /* nor an access token a refresh token */
	CHECK(vault_local_refresh_use(rt, &r) == ERR_OK);
	CHECK(id_eq(&r.family, &family) && id_eq(&r.account, &c.account) && id_eq(&r.patient, &c.patient));
	CHECK(strcmp(r.refresh_token, rt) != 0);
	CHECK(vault_token_claims(r.access_token, strlen(r.access_token), &got) == 0 && got.app &&
	      got.role == ROLE_PATIENT && id_eq(&got.session, &r.session));
	memcpy(rt2, r.refresh_token, sizeof(rt2));
	/* a MAC that fails */
	rt2[10] = rt2[10] == 'A' ? 'B' : 'A';
	CHECK(vault_local_refresh_use(rt2, &r) != ERR_OK);
	/* only a fresh app token starts a family (at its code's exchange) */
	vault_test_clock_skew = APP_CODE_SECONDS + 30;
	CHECK(vault_local_refresh_issue(app, true, rt2, &family) != ERR_OK);
	/* offline: 90 days from the consent, then refused whatever the worker's table says */
	vault_test_clock_skew = APP_REFRESH_OFFLINE_SECONDS - 60;
	CHECK(vault_local_refresh_use(rt, &r) == ERR_OK);
	vault_test_clock_skew = APP_REFRESH_OFFLINE_SECONDS + 60;
	CHECK(vault_local_refresh_use(rt, &r) != ERR_OK);
	/* online: never longer than a session can live */
	vault_test_clock_skew = 0;
	CHECK(vault_local_app_token(tok, app, &s2) == ERR_OK);
	CHECK(vault_local_refresh_issue(app, false, rt, &family) == ERR_OK);
	vault_test_clock_skew = APP_REFRESH_ONLINE_SECONDS - 60;
	CHECK(vault_local_refresh_use(rt, &r) == ERR_OK);
	vault_test_clock_skew = APP_REFRESH_ONLINE_SECONDS + 60;
	CHECK(vault_local_refresh_use(rt, &r) != ERR_OK);

	/* OpenID Connect: an id_token only from an app's fresh token, with plain claim values. */
	vault_test_clock_skew = 0;
	char idt[LIMIT_ID_TOKEN], client[ID_HEX_LEN + 1];
	id_hex(&c.account, client);
	CHECK(vault_local_app_token(tok, app, &s2) == ERR_OK);
	CHECK(vault_local_id_token(app, "https://portal.example", client, "n1", true, idt, sizeof(idt)) == ERR_OK);
	CHECK(strchr(idt, '.') != NULL && strchr(strchr(idt, '.') + 1, '.') != NULL);
	CHECK(vault_local_id_token(tok, "https://portal.example", client, "n1", true, idt, sizeof(idt)) != ERR_OK);
	CHECK(vault_local_id_token(app, "https://portal.example", client, "n\"1", true, idt, sizeof(idt)) != ERR_OK);
	CHECK(vault_local_id_token(app, "https://portal.example", "xyz", NULL, false, idt, sizeof(idt)) != ERR_OK);
	CHECK(vault_local_id_token(app, "https://portal.example", client, NULL, false, idt, 40) != ERR_OK);
	vault_test_clock_skew = APP_CODE_SECONDS + 30;
	CHECK(vault_local_id_token(app, "https://portal.example", client, NULL, false, idt, sizeof(idt)) != ERR_OK);
	char x[VAULT_JWK_X_LEN + 1], kid[2 * 8 + 1], x2[VAULT_JWK_X_LEN + 1], kid2[2 * 8 + 1];
	CHECK(vault_local_oidc_jwk(x, kid) == ERR_OK && vault_local_oidc_jwk(x2, kid2) == ERR_OK);
	CHECK(strlen(x) == VAULT_JWK_X_LEN && strcmp(x, x2) == 0 && strcmp(kid, kid2) == 0);

	vault_test_clock_skew = 0;
	vault_unload();
	char cmd[600];
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	CHECK(system(cmd) == 0);
}
