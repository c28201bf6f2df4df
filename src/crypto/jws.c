/*
 * JWS and JWK checks (jws.h): outside input from practice systems. Parse strictly, look up the
 * key by kid, verify with OpenSSL's EVP. Nothing here allocates without a bound: the compact
 * form and the key set are capped before anything is decoded.
 */
#include "crypto/jws.h"
#include "crypto/evp_key.h"

#include <openssl/bn.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <sodium.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#define ES384_COORD 48
#define ED25519_BYTES 32
#define JWS_PART_MAX (JWS_MAX_BYTES / 4 * 3 + 3)

int b64url_decode(const char *s, size_t n, uint8_t *out, size_t max, size_t *out_len)
{
	*out_len = 0;
	if (n == 0 || n % 4 == 1)
		return -1;
	for (size_t i = 0; i < n; i++) {
		char c = s[i];
		if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
		      c == '-' || c == '_'))
			return -1;
	}
	size_t need = n / 4 * 3 + (n % 4 ? n % 4 - 1 : 0);
	if (need > max)
		return -1;
	const char *end = NULL;
	/* libsodium refuses non-canonical final bits; with no ignore set, anything stray too. */
	if (sodium_base642bin(out, max, s, n, NULL, out_len, &end,
			      sodium_base64_VARIANT_URLSAFE_NO_PADDING) != 0 ||
	    end != s + n || *out_len != need)
		return -1;
	return 0;
}

/* A JSON value decoded from a base64url part: an object, or NULL. */
static json_t *b64url_json(const char *s, size_t n)
{
	uint8_t *buf = malloc(JWS_PART_MAX);
	size_t len = 0;
	json_t *o = NULL;
	if (buf != NULL && b64url_decode(s, n, buf, JWS_PART_MAX, &len) == 0) {
		o = json_loadb((const char *)buf, len, JSON_REJECT_DUPLICATES, NULL);
		if (o != NULL && !json_is_object(o)) {
			json_decref(o);
			o = NULL;
		}
	}
	free(buf);
	return o;
}

/* The three parts of a compact JWS; -1 unless exactly three, the first two non-empty. */
static int split(const char *c, size_t len, size_t dot[2])
{
	if (c == NULL || len == 0 || len > JWS_MAX_BYTES)
		return -1;
	size_t k = 0;
	for (size_t i = 0; i < len; i++) {
		if (c[i] == '.') {
			if (k == 2)
				return -1;
			dot[k++] = i;
		}
	}
	/* An empty signature splits, so that "alg none" is refused for its alg. */
	return k == 2 && dot[0] > 0 && dot[1] > dot[0] + 1 ? 0 : -1;
}

json_t *jws_peek_claims(const char *compact, size_t len)
{
	size_t dot[2];
	if (split(compact, len, dot) != 0)
		return NULL;
	return b64url_json(compact + dot[0] + 1, dot[1] - dot[0] - 1);
}

/* A member that must be a string of 1..max bytes; NULL otherwise. */
static const char *str_member(json_t *o, const char *k, size_t max)
{
	json_t *v = json_object_get(o, k);
	if (!json_is_string(v))
		return NULL;
	size_t n = json_string_length(v);
	return n >= 1 && n <= max ? json_string_value(v) : NULL;
}

static bool printable(const char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s < 0x21 || (unsigned char)*s > 0x7e)
			return false;
	return true;
}

/* A coordinate of exactly n bytes. */
static int coord(json_t *k, const char *name, uint8_t *out, size_t n)
{
	const char *s = str_member(k, name, 128);
	size_t got = 0;
	if (s == NULL || b64url_decode(s, strlen(s), out, n, &got) != 0 || got != n)
		return -1;
	return 0;
}

static EVP_PKEY *es384_key(const uint8_t x[ES384_COORD], const uint8_t y[ES384_COORD])
{
	uint8_t pub[1 + 2 * ES384_COORD];
	pub[0] = 0x04;
	memcpy(pub + 1, x, ES384_COORD);
	memcpy(pub + 1 + ES384_COORD, y, ES384_COORD);
	return evp_ec_public_key("secp384r1", pub, sizeof(pub));
}

/* One JWK as OpenSSL's key, with its algorithm; NULL with *why when it is not one we take. */
static EVP_PKEY *jwk_key(json_t *k, enum jws_alg *alg, const char **why)
{
	static const char *const private_members[] = {"d", "p", "q", "dp", "dq", "qi", "oth", "k"};
	if (!json_is_object(k)) {
		*why = "a key is not a JSON object";
		return NULL;
	}
	for (size_t i = 0; i < sizeof(private_members) / sizeof(private_members[0]); i++)
		if (json_object_get(k, private_members[i]) != NULL) {
			*why = "a key has a private part: register public keys only";
			return NULL;
		}
	const char *kty = str_member(k, "kty", 8), *crv = str_member(k, "crv", 16);
	const char *kid = str_member(k, "kid", JWK_KID_MAX), *use = str_member(k, "use", 8);
	json_t *a = json_object_get(k, "alg");
	if (kid == NULL || !printable(kid)) {
		*why = "every key needs a kid of 1 to 128 printable characters";
		return NULL;
	}
	if (json_object_get(k, "use") != NULL && (use == NULL || strcmp(use, "sig") != 0)) {
		*why = "a key's use must be sig";
		return NULL;
	}
	const char *as = a ? json_string_value(a) : NULL;
	if (kty != NULL && crv != NULL && strcmp(kty, "EC") == 0 && strcmp(crv, "P-384") == 0 &&
	    (a == NULL || (as != NULL && strcmp(as, "ES384") == 0))) {
		uint8_t x[ES384_COORD], y[ES384_COORD];
		EVP_PKEY *p = coord(k, "x", x, sizeof(x)) == 0 && coord(k, "y", y, sizeof(y)) == 0
				      ? es384_key(x, y)
				      : NULL;
		*alg = JWS_ALG_ES384;
		if (p == NULL)
			*why = "an EC key is not a P-384 point";
		return p;
	}
	if (kty != NULL && crv != NULL && strcmp(kty, "OKP") == 0 && strcmp(crv, "Ed25519") == 0 &&
	    (a == NULL || (as != NULL && strcmp(as, "EdDSA") == 0))) {
		uint8_t x[ED25519_BYTES];
		EVP_PKEY *p = coord(k, "x", x, sizeof(x)) == 0
				      ? EVP_PKEY_new_raw_public_key(EVP_PKEY_ED25519, NULL, x, sizeof(x))
				      : NULL;
		*alg = JWS_ALG_EDDSA;
		if (p == NULL)
			*why = "an OKP key is not an Ed25519 public key";
		return p;
	}
	*why = "only EC P-384 (ES384) and OKP Ed25519 (EdDSA) keys are accepted";
	return NULL;
}

static json_t *jwks_keys(const char *json, size_t len, const char **why)
{
	if (json == NULL || len == 0 || len > JWKS_MAX_BYTES) {
		*why = "the key set is empty or too large";
		return NULL;
	}
	json_t *o = json_loadb(json, len, JSON_REJECT_DUPLICATES, NULL);
	json_t *keys = json_is_object(o) ? json_object_get(o, "keys") : NULL;
	if (!json_is_array(keys) || json_array_size(keys) == 0 ||
	    json_array_size(keys) > JWKS_MAX_KEYS) {
		*why = "a key set is {\"keys\": [...]} with 1 to 8 keys";
		json_decref(o);
		return NULL;
	}
	return o;
}

int jwks_check(const char *json, size_t len, const char **why)
{
	json_t *o = jwks_keys(json, len, why);
	if (o == NULL)
		return -1;
	json_t *keys = json_object_get(o, "keys");
	int rc = 0;
	for (size_t i = 0; rc == 0 && i < json_array_size(keys); i++) {
		enum jws_alg alg;
		json_t *k = json_array_get(keys, i);
		EVP_PKEY *p = jwk_key(k, &alg, why);
		if (p == NULL) {
			rc = -1;
			break;
		}
		EVP_PKEY_free(p);
		const char *kid = json_string_value(json_object_get(k, "kid"));
		for (size_t j = 0; j < i; j++)
			if (strcmp(kid, json_string_value(json_object_get(json_array_get(keys, j), "kid"))) == 0) {
				*why = "two keys have the same kid";
				rc = -1;
			}
	}
	json_decref(o);
	return rc;
}

/* A JWS ES384 signature (r||s, 48 bytes each) as the DER ECDSA-Sig-Value EVP verifies. */
static int es384_der(const uint8_t *sig, size_t n, uint8_t **der, int *der_len)
{
	if (n != 2 * ES384_COORD)
		return -1;
	ECDSA_SIG *s = ECDSA_SIG_new();
	BIGNUM *r = BN_bin2bn(sig, ES384_COORD, NULL), *ss = BN_bin2bn(sig + ES384_COORD, ES384_COORD, NULL);
	if (s == NULL || r == NULL || ss == NULL || ECDSA_SIG_set0(s, r, ss) != 1) {
		BN_free(r);
		BN_free(ss);
		ECDSA_SIG_free(s);
		return -1;
	}
	*der = NULL;
	*der_len = i2d_ECDSA_SIG(s, der);
	ECDSA_SIG_free(s);
	return *der_len > 0 ? 0 : -1;
}

static int verify_with(EVP_PKEY *p, enum jws_alg alg, const char *msg, size_t msg_len,
		       const uint8_t *sig, size_t sig_len)
{
	uint8_t *der = NULL;
	int der_len = 0;
	if (alg == JWS_ALG_ES384) {
		if (es384_der(sig, sig_len, &der, &der_len) != 0)
			return -1;
		sig = der;
		sig_len = (size_t)der_len;
	} else if (sig_len != 64) {
		return -1;
	}
	EVP_MD_CTX *md = EVP_MD_CTX_new();
	bool ok = md != NULL &&
		  EVP_DigestVerifyInit(md, NULL, alg == JWS_ALG_ES384 ? EVP_sha384() : NULL, NULL, p) == 1 &&
		  EVP_DigestVerify(md, sig, sig_len, (const uint8_t *)msg, msg_len) == 1;
	EVP_MD_CTX_free(md);
	OPENSSL_free(der);
	return ok ? 0 : -1;
}

/* The key of the set named kid, of the header's algorithm; NULL with *why otherwise. */
static EVP_PKEY *find_key(json_t *set, const char *kid, enum jws_alg alg, const char **why)
{
	json_t *keys = json_object_get(set, "keys");
	for (size_t i = 0; i < json_array_size(keys); i++) {
		json_t *k = json_array_get(keys, i);
		const char *id = json_string_value(json_object_get(k, "kid"));
		if (id == NULL || strcmp(id, kid) != 0)
			continue;
		enum jws_alg ka;
		EVP_PKEY *p = jwk_key(k, &ka, why);
		if (p != NULL && ka != alg) {
			EVP_PKEY_free(p);
			*why = "the key named by kid is not of the header's alg";
			return NULL;
		}
		return p;
	}
	*why = "no registered key has this kid";
	return NULL;
}

int jws_verify(const char *compact, size_t len, const char *jwks, size_t jwks_len, json_t **claims,
	       const char **why)
{
	*claims = NULL;
	size_t dot[2];
	if (split(compact, len, dot) != 0) {
		*why = "the assertion is not a compact JWS";
		return -1;
	}
	json_t *hdr = b64url_json(compact, dot[0]);
	const char *alg = hdr ? str_member(hdr, "alg", 16) : NULL;
	const char *kid = hdr ? str_member(hdr, "kid", JWK_KID_MAX) : NULL;
	const char *typ = hdr ? str_member(hdr, "typ", 16) : NULL;
	int rc = -1;
	enum jws_alg a = 0;
	json_t *set = NULL, *payload = NULL;
	uint8_t *sig = NULL;
	EVP_PKEY *p = NULL;
	if (hdr == NULL) {
		*why = "the assertion's header is not a JSON object";
		goto out;
	}
	if (alg != NULL && strcmp(alg, "ES384") == 0)
		a = JWS_ALG_ES384;
	else if (alg != NULL && strcmp(alg, "EdDSA") == 0)
		a = JWS_ALG_EDDSA;
	if (a == 0) {
		*why = "alg must be ES384 or EdDSA";
		goto out;
	}
	/* Extensions we do not understand must not be ignored (RFC 7515 4.1.11). */
	if (json_object_get(hdr, "crit") != NULL ||
	    (json_object_get(hdr, "typ") != NULL && (typ == NULL || strcmp(typ, "JWT") != 0))) {
		*why = "unsupported header (crit, or a typ other than JWT)";
		goto out;
	}
	if (kid == NULL) {
		*why = "the header has no kid";
		goto out;
	}
	set = jwks_keys(jwks, jwks_len, why);
	if (set == NULL || (p = find_key(set, kid, a, why)) == NULL)
		goto out;
	size_t sig_len = 0;
	sig = malloc(JWS_PART_MAX);
	if (sig == NULL || b64url_decode(compact + dot[1] + 1, len - dot[1] - 1, sig, JWS_PART_MAX, &sig_len) != 0 ||
	    verify_with(p, a, compact, dot[1], sig, sig_len) != 0) {
		*why = "the signature does not verify";
		goto out;
	}
	payload = b64url_json(compact + dot[0] + 1, dot[1] - dot[0] - 1);
	if (payload == NULL) {
		*why = "the claims are not a JSON object";
		goto out;
	}
	*claims = payload;
	rc = 0;
out:
	EVP_PKEY_free(p);
	free(sig);
	json_decref(set);
	json_decref(hdr);
	return rc;
}
