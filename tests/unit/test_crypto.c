#include <string.h>

#include "crypto/crypto.h"
#include "test.h"
#include "util/arena.h"

void test_totp_vectors(void);

void test_crypto(void)
{
	struct arena a;
	arena_init(&a, 1u << 20);
	struct key k, other;
	key_random(&k);
	key_random(&other);
	const char msg[] = "Discharge summary: community-acquired pneumonia";
	const char *ad = "medkeep/v1/doc-body/aaaa/bbbb";

	/* round trip */
	struct buf ct, pt;
	buf_init(&ct, &a, 4096);
	buf_init(&pt, &a, 4096);
	CHECK(envelope_seal(&k, ad, msg, sizeof(msg), &ct) == 0);
	CHECK(ct.len == sizeof(msg) + envelope_overhead());
	CHECK((unsigned char)ct.data[0] == ENVELOPE_VERSION);
	CHECK(memmem(ct.data, ct.len, "pneumonia", 9) == NULL);
	CHECK(envelope_open(&k, ad, ct.data, ct.len, &pt) == 0);
	CHECK(pt.len == sizeof(msg) && memcmp(pt.data, msg, sizeof(msg)) == 0);

	/* two seals of the same plaintext differ (random nonce) */
	struct buf ct2;
	buf_init(&ct2, &a, 4096);
	CHECK(envelope_seal(&k, ad, msg, sizeof(msg), &ct2) == 0);
	CHECK(ct2.len == ct.len && memcmp(ct.data, ct2.data, ct.len) != 0);

	/* every single changed byte is detected */
	int detected = 0;
	for (size_t i = 0; i < ct.len; i++) {
		ct.data[i] ^= 0x01;
		struct buf out;
		buf_init(&out, &a, 4096);
		if (envelope_open(&k, ad, ct.data, ct.len, &out) != 0 && out.len == 0)
			detected++;
		ct.data[i] ^= 0x01;
	}
	CHECK(detected == (int)ct.len);

	/* swapped ids (other associated data) and wrong key fail */
	struct buf out;
	buf_init(&out, &a, 4096);
	CHECK(envelope_open(&k, "medkeep/v1/doc-body/cccc/bbbb", ct.data, ct.len, &out) != 0);
	CHECK(envelope_open(&other, ad, ct.data, ct.len, &out) != 0);
	CHECK(envelope_open(&k, ad, ct.data, 10, &out) != 0);
	CHECK(out.len == 0);

	/* key wrapping */
	struct buf wrapped;
	buf_init(&wrapped, &a, 256);
	struct key inner, back;
	key_random(&inner);
	CHECK(key_wrap(&k, "patient-key/1", &inner, &wrapped) == 0);
	CHECK(key_unwrap(&k, "patient-key/1", wrapped.data, wrapped.len, &back) == 0);
	CHECK(memcmp(inner.b, back.b, KEY_BYTES) == 0);
	CHECK(key_unwrap(&k, "patient-key/2", wrapped.data, wrapped.len, &back) != 0);
	CHECK(key_unwrap(&other, "patient-key/1", wrapped.data, wrapped.len, &back) != 0);

	/* tokens */
	char tok[TOKEN_B64_LEN + 1];
	uint8_t raw[TOKEN_BYTES], dec[TOKEN_BYTES];
	token_new(tok, raw);
	CHECK(strlen(tok) == TOKEN_B64_LEN);
	CHECK(token_decode(tok, strlen(tok), dec) == 0 && memcmp(raw, dec, TOKEN_BYTES) == 0);
	CHECK(token_decode(tok, strlen(tok) - 1, dec) != 0);
	tok[3] = '*';
	CHECK(token_decode(tok, strlen(tok), dec) != 0);

	/* base64 */
	struct buf b64, bin;
	buf_init(&b64, &a, 256);
	buf_init(&bin, &a, 256);
	base64_encode("%PDF-1.4", 8, &b64);
	CHECK(strcmp(b64.data, "JVBERi0xLjQ=") == 0);
	CHECK(base64_decode(b64.data, b64.len, &bin) == 0 && bin.len == 8 &&
	      memcmp(bin.data, "%PDF-1.4", 8) == 0);
	struct buf bad;
	buf_init(&bad, &a, 256);
	CHECK(base64_decode("JVBERi0xLjQ", 11, &bad) != 0);
	CHECK(base64_decode("JVB!Ri0xLjQ=", 12, &bad) != 0);
	CHECK(base64_decode("JVBE Ri0xLjQ=", 13, &bad) != 0);

	/* passwords */
	char h[PWHASH_STR_BYTES];
	CHECK(password_hash("correct horse battery", 21, h) == 0);
	CHECK(strncmp(h, "$argon2id$", 10) == 0);
	CHECK(password_verify(h, "correct horse battery", 21) == 0);
	CHECK(password_verify(h, "correct horse batterY", 21) != 0);
	CHECK(password_hash_params_ok(h) == 0);
	CHECK(password_hash_params_ok("$argon2id$v=19$m=999999,t=99,p=1$c2FsdA$aGFzaA") != 0);
	test_totp_vectors();
	arena_release(&a);
}

/* RFC 6238 appendix B test vectors (SHA-1, 8 digits, seed "12345678901234567890"). */
void test_totp_vectors(void);
void test_totp_vectors(void)
{
	const uint8_t *seed = (const uint8_t *)"12345678901234567890";
	static const struct {
		uint64_t t;
		uint32_t code;
	} v[] = {{59, 94287082},          {1111111109, 7081804}, {1111111111, 14050471},
		 {1234567890, 89005924},  {2000000000, 69279037}, {20000000000ull, 65353130}};
	for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++)
		CHECK(totp_code(seed, 20, v[i].t / 30, 8) == v[i].code);
	CHECK(totp_code(seed, 20, 59 / 30, 6) == 287082);
}
