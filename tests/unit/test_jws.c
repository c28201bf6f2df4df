/* Practice systems' assertions (src/crypto/jws.c) and system scopes (src/auth/systems.c): strict
 * base64url, key sets refused for private parts and other key types, signatures checked against
 * the named key only, and scope strings mapped onto SYSTEM_SCOPE_* bits. The same checks run
 * end to end with keys made by npm `jose` in tests/integration/systems.test.js. */
#include <sodium.h>
#include <stdio.h>
#include <string.h>

#include "auth/systems.h"
#include "crypto/jws.h"
#include "test.h"

static void b64(const void *p, size_t n, char *out, size_t cap)
{
	sodium_bin2base64(out, cap, p, n, sodium_base64_VARIANT_URLSAFE_NO_PADDING);
}

/* A compact EdDSA JWS of claims with header {alg, kid}, signed with sk. */
static void sign(const uint8_t sk[crypto_sign_SECRETKEYBYTES], const char *alg, const char *kid,
		 const char *claims, char *out, size_t cap)
{
	char hdr[128], h64[256], c64[1024], s64[128];
	snprintf(hdr, sizeof(hdr), "{\"alg\":\"%s\",\"kid\":\"%s\"}", alg, kid);
	b64(hdr, strlen(hdr), h64, sizeof(h64));
	b64(claims, strlen(claims), c64, sizeof(c64));
	char input[1400];
	snprintf(input, sizeof(input), "%s.%s", h64, c64);
	uint8_t sig[crypto_sign_BYTES];
	crypto_sign_detached(sig, NULL, (const uint8_t *)input, strlen(input), sk);
	b64(sig, sizeof(sig), s64, sizeof(s64));
	snprintf(out, cap, "%s.%s", input, s64);
}

void test_jws(void)
{
	uint8_t out[64];
	size_t n = 0;
	CHECK(b64url_decode("QUJD", 4, out, sizeof(out), &n) == 0 && n == 3 && memcmp(out, "ABC", 3) == 0);
	CHECK(b64url_decode("QUI", 3, out, sizeof(out), &n) == 0 && n == 2);
	CHECK(b64url_decode("QUJ", 3, out, sizeof(out), &n) != 0);  /* non-canonical last bits */
	CHECK(b64url_decode("QUI=", 4, out, sizeof(out), &n) != 0); /* padding */
	CHECK(b64url_decode("QU+/", 4, out, sizeof(out), &n) != 0); /* the other alphabet */
	CHECK(b64url_decode("Q", 1, out, sizeof(out), &n) != 0);
	CHECK(b64url_decode("QU JD", 5, out, sizeof(out), &n) != 0);
	CHECK(b64url_decode("QUJDREVG", 8, out, 5, &n) != 0); /* over the cap */

	uint8_t pk[crypto_sign_PUBLICKEYBYTES], sk[crypto_sign_SECRETKEYBYTES];
	uint8_t pk2[crypto_sign_PUBLICKEYBYTES], sk2[crypto_sign_SECRETKEYBYTES];
	crypto_sign_keypair(pk, sk);
	crypto_sign_keypair(pk2, sk2);
	char x[64], x2[64], jwks[512], bad[512];
	b64(pk, sizeof(pk), x, sizeof(x));
	b64(pk2, sizeof(pk2), x2, sizeof(x2));
	snprintf(jwks, sizeof(jwks),
		 "{\"keys\":[{\"kty\":\"OKP\",\"crv\":\"Ed25519\",\"x\":\"%s\",\"kid\":\"a\",\"alg\":\"EdDSA\",\"use\":\"sig\"},"
		 "{\"kty\":\"OKP\",\"crv\":\"Ed25519\",\"x\":\"%s\",\"kid\":\"b\"}]}", x, x2);
	const char *why = NULL;
	CHECK(jwks_check(jwks, strlen(jwks), &why) == 0);
	/* Each refused set: its text before and after the key's x. */
	static const char *const refused[][2] = {
		{"{\"keys\":[{\"kty\":\"OKP\",\"crv\":\"Ed25519\",\"x\":\"", "\",\"kid\":\"a\",\"d\":\"AAAA\"}]}"},
		{"{\"keys\":[{\"kty\":\"OKP\",\"crv\":\"Ed25519\",\"x\":\"", "\"}]}"},
		{"{\"keys\":[{\"kty\":\"OKP\",\"crv\":\"X25519\",\"x\":\"", "\",\"kid\":\"a\"}]}"},
		{"{\"keys\":[{\"kty\":\"OKP\",\"crv\":\"Ed25519\",\"x\":\"", "\",\"kid\":\"a\",\"alg\":\"ES384\"}]}"},
		{"{\"keys\":[{\"kty\":\"OKP\",\"crv\":\"Ed25519\",\"x\":\"", "\",\"kid\":\"a\",\"use\":\"enc\"}]}"},
		{"{\"keys\":[{\"kty\":\"oct\",\"k\":\"", "\",\"kid\":\"a\"}]}"},
		{"{\"keys\":[{\"kty\":\"EC\",\"crv\":\"P-384\",\"x\":\"", "\",\"y\":\"AAAA\",\"kid\":\"a\"}]}"},
		{"{\"keys\":[], \"x\":\"", "\"}"},
		{"[\"", "\"]"},
	};
	for (size_t i = 0; i < sizeof(refused) / sizeof(*refused); i++) {
		snprintf(bad, sizeof(bad), "%s%s%s", refused[i][0], x, refused[i][1]);
		why = NULL;
		CHECK(jwks_check(bad, strlen(bad), &why) != 0 && why != NULL);
	}

	char jws[2048];
	json_t *claims = NULL;
	const char *c = "{\"iss\":\"me\",\"jti\":\"1\"}";
	sign(sk, "EdDSA", "a", c, jws, sizeof(jws));
	CHECK(jws_verify(jws, strlen(jws), jwks, strlen(jwks), &claims, &why) == 0);
	CHECK(claims != NULL && strcmp(json_string_value(json_object_get(claims, "iss")), "me") == 0);
	json_decref(claims);
	json_t *peek = jws_peek_claims(jws, strlen(jws));
	CHECK(peek != NULL && json_is_object(peek));
	json_decref(peek);
	/* The other key's kid, an unknown kid, another alg, a changed byte: refused. */
	sign(sk, "EdDSA", "b", c, jws, sizeof(jws));
	CHECK(jws_verify(jws, strlen(jws), jwks, strlen(jwks), &claims, &why) != 0 && claims == NULL);
	sign(sk, "EdDSA", "zz", c, jws, sizeof(jws));
	CHECK(jws_verify(jws, strlen(jws), jwks, strlen(jwks), &claims, &why) != 0);
	const char *algs[] = {"none", "HS256", "RS256", "ES256", "ES384", "eddsa"};
	for (size_t i = 0; i < sizeof(algs) / sizeof(*algs); i++) {
		sign(sk, algs[i], "a", c, jws, sizeof(jws));
		CHECK(jws_verify(jws, strlen(jws), jwks, strlen(jwks), &claims, &why) != 0);
	}
	sign(sk, "EdDSA", "a", c, jws, sizeof(jws));
	jws[strlen(jws) - 3] = jws[strlen(jws) - 3] == 'A' ? 'B' : 'A';
	CHECK(jws_verify(jws, strlen(jws), jwks, strlen(jwks), &claims, &why) != 0);
	CHECK(jws_verify("a.b", 3, jwks, strlen(jwks), &claims, &why) != 0);
	CHECK(jws_verify("a.b.c.d", 7, jwks, strlen(jwks), &claims, &why) != 0);

	/* Scopes: reads and writes of the types a system may have, nothing else. */
	CHECK(systems_parse_scope("system/Patient.rs", 17) == SYSTEM_SCOPE_PATIENT_READ);
	CHECK(systems_parse_scope("system/Patient.cru", 18) == (SYSTEM_SCOPE_PATIENT_READ | SYSTEM_SCOPE_PATIENT_WRITE));
	CHECK(systems_parse_scope("system/Patient.rc", 17) == 0); /* out of cruds order */
	CHECK(systems_parse_scope("system/DocumentReference.c", 26) == SYSTEM_SCOPE_DOCUMENT_WRITE);
	CHECK(systems_parse_scope("system/DocumentReference.r", 26) == 0);
	CHECK(systems_parse_scope("system/Observation.write", 24) == SYSTEM_SCOPE_RESULT_WRITE);
	CHECK(systems_parse_scope("system/*.*", 10) == SYSTEM_SCOPE_ALL);
	CHECK(systems_parse_scope("patient/*.read user/Patient.r", 29) == 0);
	const char *all = "system/Patient.cru system/DocumentReference.c system/DiagnosticReport.c"
			  " system/Condition.c";
	CHECK(systems_parse_scope("system/Immunization.c", 21) == SYSTEM_SCOPE_SUMMARY_WRITE);
	CHECK(systems_parse_scope("system/AllergyIntolerance.r", 27) == 0); /* systems read no summary */
	CHECK(systems_parse_scope(all, strlen(all)) == SYSTEM_SCOPE_ALL);
}
