/*
 * WebAuthn parsing and checks against fixed vectors: an ES256 registration (attestation none)
 * and assertion captured from Chromium's virtual authenticator (tests/browser/passkeys.test.js
 * with MEDKEEP_CAPTURE), an EdDSA registration (packed self-attestation) and assertion made
 * with node:crypto's Ed25519 (tests/integration/webauthn.js), and tampered variants of each.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>
#include <time.h>

#include "crypto/webauthn.h"
#include "test.h"
#include "vault/vault.h"
#include "vault/vault_int.h"

/* Chromium, origin http://localhost:38667, RP id localhost */
static const char chrome_reg_cd[] =
	"eyJ0eXBlIjoid2ViYXV0aG4uY3JlYXRlIiwiY2hhbGxlbmdlIjoiaXpWWXNqWEhHeG1yUEtvemF3eGZBeEE2ZHRvZlVSNU"
	"9SeEVMSUFMT1BKMCIsIm9yaWdpbiI6Imh0dHA6Ly9sb2NhbGhvc3Q6Mzg2NjciLCJjcm9zc09yaWdpbiI6ZmFsc2V9";
static const char chrome_reg_att[] =
	"o2NmbXRkbm9uZWdhdHRTdG10oGhhdXRoRGF0YVikSZYN5YgOjGh0NBcPZHZgW4_krrmihjLHmVzzuoMdl2NFAAAAAQEC"
	"AwQFBgcIAQIDBAUGBwgAILleSMq0vn1lXXie1RJLZ-8fsS6Y44moDlAic4uEQUkppQECAyYgASFYIJWqUnmHz9cv4XVp"
	"Y6sI1ZT1Jg9XDq59ql2Wp4jcYNldIlggjGdSfWC-8vPV6ew5olBPsB21aLSZlycLvzcKzvOU75c";
static const char chrome_reg_challenge[] = "izVYsjXHGxmrPKozawxfAxA6dtofUR5ORxELIALOPJ0";
static const char chrome_as_cred[] = "uV5IyrS-fWVdeJ7VEktn7x-xLpjjiagOUCJzi4RBSSk";
static const char chrome_as_cd[] =
	"eyJ0eXBlIjoid2ViYXV0aG4uZ2V0IiwiY2hhbGxlbmdlIjoiX1hla2htMHJjY0dORVUxNmF3eGZCdjZiOGU0WERtNGtBUH"
	"ZwX2dXY1Z4USIsIm9yaWdpbiI6Imh0dHA6Ly9sb2NhbGhvc3Q6Mzg2NjciLCJjcm9zc09yaWdpbiI6ZmFsc2UsIm90aGVy"
	"X2tleXNfY2FuX2JlX2FkZGVkX2hlcmUiOiJkbyBub3QgY29tcGFyZSBjbGllbnREYXRhSlNPTiBhZ2FpbnN0IGEgdGVtcG"
	"xhdGUuIFNlZSBodHRwczovL2dvby5nbC95YWJQZXgifQ";
static const char chrome_as_ad[] = "SZYN5YgOjGh0NBcPZHZgW4_krrmihjLHmVzzuoMdl2MFAAAAAg";
static const char chrome_as_sig[] =
	"MEUCIQDe3frVnNEbfJsnxL3ykycXPPVCOfyXrqhWdttNSUuTaAIgNuzDTmd6ff-ROImV2rBq-ieLm3uOBpOywafXE7wNsSk";

/* node:crypto Ed25519, origin http://localhost:8080, RP id localhost, challenge 32 x 0x5a */
static const char ed_reg_cd[] =
	"eyJ0eXBlIjoid2ViYXV0aG4uY3JlYXRlIiwiY2hhbGxlbmdlIjoiV2xwYVdscGFXbHBhV2xwYVdscGFXbHBhV2xwYVdscG"
	"FXbHBhV2xwYVdsbyIsIm9yaWdpbiI6Imh0dHA6Ly9sb2NhbGhvc3Q6ODA4MCIsImNyb3NzT3JpZ2luIjpmYWxzZX0";
static const char ed_reg_att[] =
	"o2NmbXRmcGFja2VkZ2F0dFN0bXSiY2FsZydjc2lnWEBLb3wZzhqhwPEQ2KLVzi1KC1ajo49txEUlllm_WRkoQgYhEpi9kX"
	"yl8fXHcODK1p78eOWXRMxyxtgvALsA7WoIaGF1dGhEYXRhWIFJlg3liA6MaHQ0Fw9kdmBbj-SuuaKGMseZXPO6gx2XY0UA"
	"AAAAAAAAAAAAAAAAAAAAAAAAAAAgBYgL4fwz5ubH3Odph2aYlhDlIFrEzxyOdzsuyK1TFr6kAQEDJyAGIVggu0FNdGlRIQ"
	"gyVzMlhBxKviz31x5KcoLNP5guUB6PCUY";
static const char ed_as_cd[] =
	"eyJ0eXBlIjoid2ViYXV0aG4uZ2V0IiwiY2hhbGxlbmdlIjoiV2xwYVdscGFXbHBhV2xwYVdscGFXbHBhV2xwYVdscGFXbH"
	"BhV2xwYVdsbyIsIm9yaWdpbiI6Imh0dHA6Ly9sb2NhbGhvc3Q6ODA4MCIsImNyb3NzT3JpZ2luIjpmYWxzZX0";
static const char ed_as_ad[] = "SZYN5YgOjGh0NBcPZHZgW4_krrmihjLHmVzzuoMdl2MFAAAABw";
static const char ed_as_sig[] =
	"-caNRJIqjCsDbirHF4NGQ42tyLC3Uze9AlvHOFqmnn68GTgBypTusYdy0rzaPW7yyvvLJaUPIPRuoIPgLKy4Aw";
/* fmt "tpm": a format we do not verify */
static const char tpm_att[] =
	"o2NmbXRjdHBtZ2F0dFN0bXSgaGF1dGhEYXRhWKRJlg3liA6MaHQ0Fw9kdmBbj-SuuaKGMseZXPO6gx2XY0UAAAAAAAAAAA"
	"AAAAAAAAAAAAAAAAAg92v-LRRKJP9kFD7bjVHVAcMd0o-GSKyOMagl3EWkFlulAQIDJiABIVggtaiCO3jQ3OjLUTXmQyvE"
	"cgeGgua_1_vN51rBpBLBXFMiWCBpH4DF9swI2ftx5iGZmIYDmh6bslIGacImZXrNfIBIEQ";

struct blob {
	uint8_t b[WEBAUTHN_ATTESTATION_MAX];
	size_t n;
};

static struct blob dec(const char *s)
{
	struct blob x;
	memset(&x, 0, sizeof(x));
	if (webauthn_b64url_decode(s, strlen(s), x.b, sizeof(x.b), &x.n) != 0)
		x.n = 0;
	return x;
}

static const struct webauthn_rp chrome_rp = {"http://localhost:38667", "localhost", false};
static const struct webauthn_rp node_rp = {"http://localhost:8080", "localhost", false};

static int assertion(const struct webauthn_rp *rp, const struct webauthn_key *key, const struct blob *cd,
		     const struct blob *ad, const struct blob *sig, uint32_t *count)
{
	uint8_t ch[WEBAUTHN_CHALLENGE_BYTES];
	bool uv = false;
	return webauthn_check_assertion(rp, key, cd->b, cd->n, ad->b, ad->n, sig->b, sig->n, ch, count, &uv);
}

static void test_chrome_es256(void)
{
	struct blob cd = dec(chrome_reg_cd), att = dec(chrome_reg_att), want = dec(chrome_reg_challenge);
	struct webauthn_credential *cred = calloc(1, sizeof(*cred));
	uint8_t ch[WEBAUTHN_CHALLENGE_BYTES];
	CHECK(cd.n > 0 && att.n > 0 && want.n == WEBAUTHN_CHALLENGE_BYTES);
	CHECK(webauthn_check_registration(&chrome_rp, cd.b, cd.n, att.b, att.n, cred, ch) == WA_OK);
	CHECK(memcmp(ch, want.b, sizeof(ch)) == 0);
	CHECK(cred->key.alg == WEBAUTHN_ES256 && cred->key.pub_len == 65 && cred->id_len == 32);
	CHECK(cred->sign_count == 1 && cred->user_verified);
	struct blob id = dec(chrome_as_cred);
	CHECK(id.n == cred->id_len && memcmp(id.b, cred->id, id.n) == 0);

	/* registration refused: other origin, other RP id, user not present, a tampered key */
	struct webauthn_rp other = chrome_rp;
	snprintf(other.origin, sizeof(other.origin), "http://localhost:38668");
	CHECK(webauthn_check_registration(&other, cd.b, cd.n, att.b, att.n, cred, ch) == WA_ORIGIN);
	other = chrome_rp;
	snprintf(other.rp_id, sizeof(other.rp_id), "example.org");
	CHECK(webauthn_check_registration(&other, cd.b, cd.n, att.b, att.n, cred, ch) == WA_RP_ID);
	struct blob t = att;
	/* authData starts 37 bytes into the object here; its flags byte is at 32 of authData */
	size_t ad_at = 0;
	for (size_t i = 0; i + 8 < t.n; i++)
		if (memcmp(t.b + i, "authData", 8) == 0)
			ad_at = i + 8 + 2; /* "authData", then bytes(164) is 0x58 0xa4 */
	CHECK(ad_at > 0);
	t.b[ad_at + 32] &= (uint8_t)~WEBAUTHN_FLAG_UP;
	CHECK(webauthn_check_registration(&chrome_rp, cd.b, cd.n, t.b, t.n, cred, ch) == WA_PRESENCE);
	t = att;
	t.b[t.n - 1] ^= 0x01; /* the key's y coordinate: off the curve */
	CHECK(webauthn_check_registration(&chrome_rp, cd.b, cd.n, t.b, t.n, cred, ch) == WA_MALFORMED);
	CHECK(webauthn_check_registration(&chrome_rp, cd.b, cd.n, att.b, att.n - 1, cred, ch) == WA_MALFORMED);
	/* an assertion's clientData is not a registration's */
	struct blob acd = dec(chrome_as_cd);
	CHECK(webauthn_check_registration(&chrome_rp, acd.b, acd.n, att.b, att.n, cred, ch) == WA_TYPE);

	/* the good assertion, then tampered ones */
	CHECK(webauthn_check_registration(&chrome_rp, cd.b, cd.n, att.b, att.n, cred, ch) == WA_OK);
	struct blob ad = dec(chrome_as_ad), sig = dec(chrome_as_sig);
	uint32_t count = 0;
	CHECK(assertion(&chrome_rp, &cred->key, &acd, &ad, &sig, &count) == WA_OK);
	CHECK(count == 2);
	CHECK(webauthn_counter_ok(cred->sign_count, count));
	CHECK(!webauthn_counter_ok(count, count) && !webauthn_counter_ok(5, 3) && webauthn_counter_ok(0, 0));
	CHECK(assertion(&other, &cred->key, &acd, &ad, &sig, &count) == WA_RP_ID);
	other = chrome_rp;
	snprintf(other.origin, sizeof(other.origin), "https://localhost:38667");
	CHECK(assertion(&other, &cred->key, &acd, &ad, &sig, &count) == WA_ORIGIN);
	t = ad;
	t.b[0] ^= 0x80; /* rpIdHash */
	CHECK(assertion(&chrome_rp, &cred->key, &acd, &t, &sig, &count) == WA_RP_ID);
	t = ad;
	t.b[32] &= (uint8_t)~WEBAUTHN_FLAG_UP;
	CHECK(assertion(&chrome_rp, &cred->key, &acd, &t, &sig, &count) == WA_PRESENCE);
	/* user verification, when required: the vector has it; without the flag, refused */
	struct webauthn_rp uv = chrome_rp;
	uv.require_uv = true;
	CHECK(assertion(&uv, &cred->key, &acd, &ad, &sig, &count) == WA_OK);
	t = ad;
	t.b[32] &= (uint8_t)~WEBAUTHN_FLAG_UV;
	CHECK(assertion(&uv, &cred->key, &acd, &t, &sig, &count) == WA_VERIFICATION);
	CHECK(assertion(&chrome_rp, &cred->key, &acd, &t, &sig, &count) == WA_SIGNATURE);
	t = ad;
	t.b[36] ^= 0x01; /* the counter: signed, so the signature fails */
	CHECK(assertion(&chrome_rp, &cred->key, &acd, &t, &sig, &count) == WA_SIGNATURE);
	t = sig;
	t.b[t.n - 1] ^= 0x01;
	CHECK(assertion(&chrome_rp, &cred->key, &acd, &ad, &t, &count) == WA_SIGNATURE);
	/* another challenge in clientDataJSON: the signature covers it */
	t = acd;
	char *c = strstr((char *)t.b, "_Xek");
	CHECK(c != NULL);
	if (c)
		c[1] = 'Y';
	CHECK(assertion(&chrome_rp, &cred->key, &t, &ad, &sig, &count) == WA_SIGNATURE);
	/* the registration's clientData is not an assertion's */
	CHECK(assertion(&chrome_rp, &cred->key, &cd, &ad, &sig, &count) == WA_TYPE);
	free(cred);
}

static void test_node_eddsa(void)
{
	struct blob cd = dec(ed_reg_cd), att = dec(ed_reg_att);
	struct webauthn_credential *cred = calloc(1, sizeof(*cred));
	uint8_t ch[WEBAUTHN_CHALLENGE_BYTES], want[WEBAUTHN_CHALLENGE_BYTES];
	memset(want, 0x5a, sizeof(want));
	CHECK(webauthn_check_registration(&node_rp, cd.b, cd.n, att.b, att.n, cred, ch) == WA_OK);
	CHECK(memcmp(ch, want, sizeof(ch)) == 0);
	CHECK(cred->key.alg == WEBAUTHN_EDDSA && cred->key.pub_len == 32);
	/* packed self-attestation: its signature is checked */
	struct blob t = att;
	for (size_t i = 0; i + 3 < t.n; i++)
		if (memcmp(t.b + i, "sig", 3) == 0) {
			t.b[i + 5] ^= 0x01; /* "sig", then bytes(64) is 0x58 0x40 */
			break;
		}
	CHECK(webauthn_check_registration(&node_rp, cd.b, cd.n, t.b, t.n, cred, ch) == WA_SIGNATURE);
	struct blob tpm = dec(tpm_att);
	CHECK(webauthn_check_registration(&node_rp, cd.b, cd.n, tpm.b, tpm.n, cred, ch) == WA_FORMAT);

	CHECK(webauthn_check_registration(&node_rp, cd.b, cd.n, att.b, att.n, cred, ch) == WA_OK);
	struct blob acd = dec(ed_as_cd), ad = dec(ed_as_ad), sig = dec(ed_as_sig);
	uint32_t count = 0;
	CHECK(assertion(&node_rp, &cred->key, &acd, &ad, &sig, &count) == WA_OK && count == 7);
	t = sig;
	t.b[0] ^= 0x01;
	CHECK(assertion(&node_rp, &cred->key, &acd, &ad, &t, &count) == WA_SIGNATURE);
	/* an ES256 key cannot verify it, and an EdDSA key of the wrong size is no key */
	struct webauthn_key wrong = cred->key;
	wrong.alg = WEBAUTHN_ES256;
	CHECK(assertion(&node_rp, &wrong, &acd, &ad, &sig, &count) == WA_SIGNATURE);
	wrong = cred->key;
	wrong.pub_len = 31;
	CHECK(assertion(&node_rp, &wrong, &acd, &ad, &sig, &count) == WA_SIGNATURE);
	free(cred);
}

static void test_parsers(void)
{
	struct webauthn_client_data cd;
	static const char dup[] = "{\"type\":\"webauthn.get\",\"type\":\"webauthn.get\","
				  "\"challenge\":\"AA\",\"origin\":\"http://localhost\"}";
	CHECK(webauthn_parse_client_data((const uint8_t *)dup, strlen(dup), &cd) == WA_MALFORMED);
	static const char arr[] = "[1,2]";
	CHECK(webauthn_parse_client_data((const uint8_t *)arr, strlen(arr), &cd) == WA_MALFORMED);
	static const char cross[] = "{\"type\":\"webauthn.get\",\"challenge\":\"AA\",\"origin\":\"x\","
				    "\"crossOrigin\":true}";
	CHECK(webauthn_parse_client_data((const uint8_t *)cross, strlen(cross), &cd) == WA_OK &&
	      cd.cross_origin && cd.challenge_len == 1);

	struct webauthn_auth_data ad;
	uint8_t raw[64] = {0};
	CHECK(webauthn_parse_auth_data(raw, 36, &ad) == WA_MALFORMED);
	CHECK(webauthn_parse_auth_data(raw, 37, &ad) == WA_OK);
	CHECK(webauthn_parse_auth_data(raw, 38, &ad) == WA_MALFORMED); /* trailing byte */
	raw[32] = WEBAUTHN_FLAG_AT;
	CHECK(webauthn_parse_auth_data(raw, 64, &ad) == WA_MALFORMED); /* credential id length 0 */
	raw[32] = WEBAUTHN_FLAG_ED;
	raw[37] = 0xa0; /* an empty map of extensions */
	CHECK(webauthn_parse_auth_data(raw, 38, &ad) == WA_OK);
	raw[37] = 0x80; /* an array is no map */
	CHECK(webauthn_parse_auth_data(raw, 38, &ad) == WA_MALFORMED);

	struct webauthn_key k;
	/* {1: 1, 3: -8, -1: 6, -2: h'00..' (31 bytes)} */
	uint8_t cose[64] = {0xa4, 0x01, 0x01, 0x03, 0x27, 0x20, 0x06, 0x21, 0x58, 0x1f};
	CHECK(webauthn_parse_cose_key(cose, 10 + 31, &k) == WA_MALFORMED);
	cose[9] = 0x20;
	CHECK(webauthn_parse_cose_key(cose, 10 + 32, &k) == WA_OK && k.alg == WEBAUTHN_EDDSA);
	cose[4] = 0x26; /* alg -7 with an OKP key */
	CHECK(webauthn_parse_cose_key(cose, 10 + 32, &k) == WA_ALG);
	cose[4] = 0x27;
	cose[5] = 0x03; /* label 3 twice */
	CHECK(webauthn_parse_cose_key(cose, 10 + 32, &k) == WA_MALFORMED);

	/* a map claiming 3 billion pairs in five bytes: refused before anything is allocated */
	static const uint8_t huge[] = {0xbb, 0x00, 0x00, 0x00, 0x00, 0xba, 0xba, 0xba, 0xba, 0x01};
	CHECK(webauthn_parse_cose_key(huge, sizeof(huge), &k) == WA_MALFORMED);
	struct webauthn_attestation *att = malloc(sizeof(*att));
	CHECK(att && webauthn_parse_attestation(huge, sizeof(huge), att) == WA_MALFORMED);
	free(att);
	/* nesting deeper than WebAuthn's, indefinite lengths, tags */
	static const uint8_t deep[] = {0x81, 0x81, 0x81, 0x81, 0x81, 0x81, 0x81, 0x81, 0x81, 0x01};
	static const uint8_t indef[] = {0xbf, 0x01, 0x02, 0xff};
	static const uint8_t tagged[] = {0xa1, 0x01, 0xc1, 0x02};
	CHECK(webauthn_parse_cose_key(deep, sizeof(deep), &k) == WA_MALFORMED);
	CHECK(webauthn_parse_cose_key(indef, sizeof(indef), &k) == WA_MALFORMED);
	CHECK(webauthn_parse_cose_key(tagged, sizeof(tagged), &k) == WA_MALFORMED);

	struct webauthn_rp rp = {"http://keep", "keep", false};
	static const char conf[] = "breaker.misses = 3\n# comment\nwebauthn.origin = https://portal.example.nz\n"
				   "webauthn.rp_id = portal.example.nz # ours\nwebauthn.require_uv = true\n";
	int line = 0;
	CHECK(webauthn_parse_config(conf, strlen(conf), &rp, &line) == 0);
	CHECK(strcmp(rp.origin, "https://portal.example.nz") == 0 && strcmp(rp.rp_id, "portal.example.nz") == 0);
	CHECK(rp.require_uv);
	static const char bad3[] = "webauthn.require_uv = yes\n";
	CHECK(webauthn_parse_config(bad3, strlen(bad3), &rp, &line) == -1);
	static const char bad[] = "webauthn.origin = https://portal.example.nz/login\n";
	CHECK(webauthn_parse_config(bad, strlen(bad), &rp, &line) == -1 && line == 1);
	static const char bad2[] = "\nwebauthn.colour = blue\n";
	CHECK(webauthn_parse_config(bad2, strlen(bad2), &rp, &line) == -1 && line == 2);

	uint8_t out[8];
	size_t n = 0;
	CHECK(webauthn_b64url_decode("AAAA", 4, out, sizeof(out), &n) == 0 && n == 3);
	CHECK(webauthn_b64url_decode("AA==", 4, out, sizeof(out), &n) == -1); /* padding */
	CHECK(webauthn_b64url_decode("AA+/", 4, out, sizeof(out), &n) == -1); /* not url-safe */
	CHECK(webauthn_b64url_decode("AAAAAAAAAAAAAAAA", 16, out, sizeof(out), &n) == -1); /* too long */
	CHECK(webauthn_init() == 0);
}

/*
 * The vault's own checks, which a worker taken over cannot skip: challenges bound to the
 * session and purpose they were issued for, credentials bound by MAC to their account, the
 * counter, and a registration only for the session its challenge was made for. A software
 * Ed25519 authenticator (OpenSSL) signs.
 */
struct soft_key {
	EVP_PKEY *key;
	uint8_t pub[32];
	uint8_t id[32];
};

static size_t client_data(char *out, size_t outsz, const char *type, const uint8_t ch[32])
{
	char b64[64];
	webauthn_b64url_encode(ch, 32, b64, sizeof(b64));
	return (size_t)snprintf(out, outsz, "{\"type\":\"%s\",\"challenge\":\"%s\","
				"\"origin\":\"http://localhost:8080\"}", type, b64);
}

static size_t auth_data(uint8_t *out, uint8_t flags, uint32_t counter, const struct soft_key *k)
{
	unsigned int len = 0;
	EVP_Digest("localhost", 9, out, &len, EVP_sha256(), NULL);
	out[32] = flags;
	for (int i = 0; i < 4; i++)
		out[33 + i] = (uint8_t)(counter >> (24 - 8 * i));
	if (!(flags & WEBAUTHN_FLAG_AT))
		return 37;
	static const uint8_t cose[10] = {0xa4, 0x01, 0x01, 0x03, 0x27, 0x20, 0x06, 0x21, 0x58, 0x20};
	memset(out + 37, 0, 16);
	out[53] = 0;
	out[54] = 32;
	memcpy(out + 55, k->id, 32);
	memcpy(out + 87, cose, sizeof(cose));
	memcpy(out + 97, k->pub, 32);
	return 129;
}

static size_t sign(const struct soft_key *k, const uint8_t *ad, size_t adn, const char *cd,
		   uint8_t sig[64])
{
	uint8_t msg[256];
	unsigned int len = 0;
	memcpy(msg, ad, adn);
	EVP_Digest(cd, strlen(cd), msg + adn, &len, EVP_sha256(), NULL);
	size_t sn = 64;
	EVP_MD_CTX *md = EVP_MD_CTX_new();
	if (EVP_DigestSignInit(md, NULL, NULL, NULL, k->key) != 1 ||
	    EVP_DigestSign(md, sig, &sn, msg, adn + 32) != 1)
		sn = 0;
	EVP_MD_CTX_free(md);
	return sn;
}

/* A token for account (mfa when asked), new session each time. */
static void token_for(const struct id *account, bool mfa, char tok[SESSION_TOKEN_B64_LEN + 1],
		      const char *pw_hash)
{
	struct session_claims c;
	memset(&c, 0, sizeof(c));
	random_id(&c.session);
	c.account = *account;
	c.role = ROLE_PATIENT;
	c.issued = (int64_t)time(NULL);
	struct id session;
	if (mfa)
		CHECK(vault_remint(&c, tok, &session) == ERR_OK);
	else
		CHECK(vault_local_login(pw_hash, "unit-test-password", 18, &c, tok) == 0);
}

static void test_vault_passkeys(void)
{
	char dir[] = "/tmp/medkeep-unit-passkey-XXXXXX";
	CHECK(mkdtemp(dir) != NULL);
	CHECK(vault_create(dir) == 0 && vault_keys_create(dir) == 0 && vault_load(dir) == 0 &&
	      vault_keys_load(dir) == 0);
	vault_passkey_configure(&node_rp);
	char pw_hash[PWHASH_STR_BYTES];
	CHECK(password_hash("unit-test-password", 18, pw_hash) == 0);
	struct soft_key k;
	k.key = EVP_PKEY_Q_keygen(NULL, NULL, "ED25519");
	size_t pn = sizeof(k.pub);
	CHECK(k.key != NULL && EVP_PKEY_get_raw_public_key(k.key, k.pub, &pn) == 1 && pn == 32);
	random_bytes(k.id, sizeof(k.id));
	struct id alice, bob;
	random_id(&alice);
	random_id(&bob);
	char plain[SESSION_TOKEN_B64_LEN + 1], strong[SESSION_TOKEN_B64_LEN + 1];
	char other[SESSION_TOKEN_B64_LEN + 1], bobs[SESSION_TOKEN_B64_LEN + 1];
	token_for(&alice, false, plain, pw_hash);
	token_for(&alice, true, strong, pw_hash);
	token_for(&alice, false, other, pw_hash);
	token_for(&bob, false, bobs, pw_hash);

	/* a registration challenge also for a token without mfa (a first passkey: the worker
	 * refuses it when the account has a second factor), bound to its own session */
	uint8_t ch[32], ad[256], sig[64], mac[PASSKEY_MAC_BYTES], att[512];
	char cd[256];
	CHECK(vault_local_passkey_challenge(plain, PASSKEY_REGISTER, ch) == ERR_OK);
	/* never for an app's token: an app cannot give its patient a passkey */
	{
		struct session_claims ac;
		char app[SESSION_TOKEN_B64_LEN + 1];
		struct id as;
		CHECK(vault_token_claims(strong, strlen(strong), &ac) == 0);
		ac.app = true;
		CHECK(vault_mint_fresh(&ac, app, &as) == ERR_OK);
		CHECK(vault_local_passkey_challenge(app, PASSKEY_REGISTER, ch) == ERR_DENIED);
		CHECK(vault_local_passkey_challenge(app, PASSKEY_ASSERT, ch) == ERR_OK);
	}
	CHECK(vault_local_passkey_challenge(strong, PASSKEY_REGISTER, ch) == ERR_OK);
	size_t cdn = client_data(cd, sizeof(cd), "webauthn.create", ch);
	size_t adn = auth_data(ad, 0x45, 0, &k);
	static const uint8_t head[] = {0xa3, 0x63, 'f', 'm', 't', 0x64, 'n', 'o', 'n', 'e', 0x67, 'a',
				       't', 't', 'S', 't', 'm', 't', 0xa0, 0x68, 'a', 'u', 't', 'h',
				       'D', 'a', 't', 'a', 0x58};
	memcpy(att, head, sizeof(head));
	att[sizeof(head)] = (uint8_t)adn;
	memcpy(att + sizeof(head) + 1, ad, adn);
	size_t an = sizeof(head) + 1 + adn;
	struct webauthn_credential *cred = calloc(1, sizeof(*cred));
	/* strong's challenge in plain's session (same account, another session): refused */
	CHECK(vault_local_passkey_register(plain, (uint8_t *)cd, cdn, att, an, cred, mac) == ERR_DENIED);
	CHECK(vault_local_passkey_register(strong, (uint8_t *)cd, cdn, att, an, cred, mac) == ERR_OK);
	CHECK(cred->key.alg == WEBAUTHN_EDDSA && memcmp(cred->key.pub, k.pub, 32) == 0);

	/* a good assertion: a new token, with mfa */
	char nt[SESSION_TOKEN_B64_LEN + 1];
	struct id session;
	uint32_t count = 0;
	CHECK(vault_local_passkey_challenge(plain, PASSKEY_ASSERT, ch) == ERR_OK);
	cdn = client_data(cd, sizeof(cd), "webauthn.get", ch);
	adn = auth_data(ad, 0x05, 1, &k);
	size_t sn = sign(&k, ad, adn, cd, sig);
	CHECK(sn == 64);
	CHECK(vault_local_passkey_verify(plain, cred, mac, (uint8_t *)cd, cdn, ad, adn, sig, sn, &count,
					 nt, &session) == ERR_OK);
	struct session_claims got;
	CHECK(count == 1 && vault_token_claims(nt, strlen(nt), &got) == 0 && got.mfa &&
	      id_eq(&got.account, &alice) && id_eq(&got.session, &session));
	/* the same assertion in another session of the same account: its challenge is not theirs */
	CHECK(vault_local_passkey_verify(other, cred, mac, (uint8_t *)cd, cdn, ad, adn, sig, sn, &count,
					 nt, &session) == ERR_DENIED);
	/* the counter must grow */
	cred->sign_count = 1;
	CHECK(vault_local_passkey_verify(plain, cred, mac, (uint8_t *)cd, cdn, ad, adn, sig, sn, &count,
					 nt, &session) == ERR_DENIED);
	cred->sign_count = 0;
	/* another account's token with alice's credential: the MAC binds it to alice */
	CHECK(vault_local_passkey_challenge(bobs, PASSKEY_ASSERT, ch) == ERR_OK);
	cdn = client_data(cd, sizeof(cd), "webauthn.get", ch);
	sn = sign(&k, ad, adn, cd, sig);
	CHECK(vault_local_passkey_verify(bobs, cred, mac, (uint8_t *)cd, cdn, ad, adn, sig, sn, &count,
					 nt, &session) == ERR_DENIED);
	/* a key swapped in under alice's MAC */
	struct webauthn_credential *swapped = calloc(1, sizeof(*swapped));
	*swapped = *cred;
	swapped->key.pub[0] ^= 1;
	CHECK(vault_local_passkey_challenge(plain, PASSKEY_ASSERT, ch) == ERR_OK);
	cdn = client_data(cd, sizeof(cd), "webauthn.get", ch);
	sn = sign(&k, ad, adn, cd, sig);
	CHECK(vault_local_passkey_verify(plain, swapped, mac, (uint8_t *)cd, cdn, ad, adn, sig, sn,
					 &count, nt, &session) == ERR_DENIED);
	/* a registration challenge is no sign-in challenge */
	CHECK(vault_local_passkey_challenge(strong, PASSKEY_REGISTER, ch) == ERR_OK);
	cdn = client_data(cd, sizeof(cd), "webauthn.get", ch);
	sn = sign(&k, ad, adn, cd, sig);
	CHECK(vault_local_passkey_verify(strong, cred, mac, (uint8_t *)cd, cdn, ad, adn, sig, sn,
					 &count, nt, &session) == ERR_DENIED);
	/* and a forged challenge (right shape, no MAC of ours) is refused */
	random_bytes(ch, sizeof(ch));
	cdn = client_data(cd, sizeof(cd), "webauthn.get", ch);
	sn = sign(&k, ad, adn, cd, sig);
	CHECK(vault_local_passkey_verify(plain, cred, mac, (uint8_t *)cd, cdn, ad, adn, sig, sn,
					 &count, nt, &session) == ERR_DENIED);
	free(swapped);
	free(cred);
	EVP_PKEY_free(k.key);
	vault_keys_unload();
	vault_unload();
}

void test_webauthn(void)
{
	test_chrome_es256();
	test_node_eddsa();
	test_parsers();
	test_vault_passkeys();
}
