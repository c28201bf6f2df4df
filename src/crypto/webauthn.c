/*
 * WebAuthn parsing and verification (see webauthn.h). Outside input throughout: every length is
 * checked against a limit before use, CBOR items are checked for type and definiteness before
 * their contents are read, and any surprise is WA_MALFORMED.
 */
#include "crypto/webauthn.h"
#include "crypto/evp_key.h"

#include <cbor.h>
#include <jansson.h>
#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/params.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/conf.h"

const char *webauthn_err_text(int err)
{
	switch (err) {
	case WA_OK:
		return "The passkey was accepted.";
	case WA_TYPE:
	case WA_MALFORMED:
		return "The browser's answer could not be read. Please try again.";
	case WA_CHALLENGE:
		return "That passkey request has expired or was already used. Please try again.";
	case WA_ORIGIN:
	case WA_RP_ID:
		return "That passkey answer was made for a different site, so it was refused.";
	case WA_PRESENCE:
		return "The passkey did not confirm that you were present. Please try again.";
	case WA_VERIFICATION:
		return "This portal needs a passkey that checks it is you (with a PIN, fingerprint or "
		       "face). Please use such a passkey, or a code.";
	case WA_FORMAT:
		return "This security key sends an attestation medkeep does not check. Please use "
		       "another passkey, or a browser that sends attestation \"none\".";
	case WA_ALG:
		return "This passkey uses a key type medkeep does not accept (it accepts ES256 and "
		       "Ed25519).";
	case WA_SIGNATURE:
	case WA_UNKNOWN:
		return "That passkey was not recognised.";
	case WA_COUNTER:
		return "That passkey was refused because it may have been copied. We have emailed "
		       "you about it; sign in with your authenticator app code instead.";
	default:
		return "That passkey could not be used.";
	}
}

int webauthn_init(void)
{
	if (OPENSSL_init_crypto(OPENSSL_INIT_LOAD_CONFIG, NULL) != 1)
		return -1;
	/* One key of each kind through the same calls a verification makes: the P-256 base
	 * point, and an Ed25519 key. */
	static const uint8_t p256_generator[65] = {
		0x04, 0x6b, 0x17, 0xd1, 0xf2, 0xe1, 0x2c, 0x42, 0x47, 0xf8, 0xbc, 0xe6, 0xe5, 0x63,
		0xa4, 0x40, 0xf2, 0x77, 0x03, 0x7d, 0x81, 0x2d, 0xeb, 0x33, 0xa0, 0xf4, 0xa1, 0x39,
		0x45, 0xd8, 0x98, 0xc2, 0x96, 0x4f, 0xe3, 0x42, 0xe2, 0xfe, 0x1a, 0x7f, 0x9b, 0x8e,
		0xe7, 0xeb, 0x4a, 0x7c, 0x0f, 0x9e, 0x16, 0x2b, 0xce, 0x33, 0x57, 0x6b, 0x31, 0x5e,
		0xce, 0xcb, 0xb6, 0x40, 0x68, 0x37, 0xbf, 0x51, 0xf5};
	struct webauthn_key es = {.alg = WEBAUTHN_ES256, .pub_len = 65};
	struct webauthn_key ed = {.alg = WEBAUTHN_EDDSA, .pub_len = 32};
	memcpy(es.pub, p256_generator, sizeof(p256_generator));
	memset(ed.pub, 0x11, 32);
	uint8_t sig[64] = {0}, digest[32];
	if (webauthn_verify_signature(&es, sig, 1, sig, 8) == 0 ||
	    webauthn_verify_signature(&ed, sig, 1, sig, 64) == 0)
		return -1; /* a zero signature verified: this OpenSSL cannot be trusted */
	unsigned int len = 0;
	return EVP_Digest("", 0, digest, &len, EVP_sha256(), NULL) == 1 ? 0 : -1;
}

/* --- configuration --- */

/* One "key = value" setting; values are single tokens (no spaces). */
static int set_rp(void *ctx, const char *key, const char *value)
{
	struct webauthn_rp *rp = ctx;
	size_t n = strlen(value);
	if (strcmp(key, "origin") == 0) {
		/* scheme://host[:port], no path: exactly what clientData.origin holds */
		const char *host = strncmp(value, "https://", 8) == 0  ? value + 8
				   : strncmp(value, "http://", 7) == 0 ? value + 7
								       : NULL;
		if (host == NULL || *host == '\0' || strchr(host, '/') || n > WEBAUTHN_ORIGIN_MAX)
			return -1;
		memcpy(rp->origin, value, n + 1);
		return 0;
	}
	if (strcmp(key, "require_uv") == 0) {
		if (strcmp(value, "true") != 0 && strcmp(value, "false") != 0)
			return -1;
		rp->require_uv = strcmp(value, "true") == 0;
		return 0;
	}
	if (strcmp(key, "rp_id") == 0) {
		if (n == 0 || n > WEBAUTHN_RP_ID_MAX || strpbrk(value, "/:@"))
			return -1;
		memcpy(rp->rp_id, value, n + 1);
		return 0;
	}
	return -1;
}

int webauthn_parse_config(const char *text, size_t len, struct webauthn_rp *rp, int *line)
{
	return conf_parse(text, len, "webauthn.", set_rp, rp, line);
}

int webauthn_config_load(const char *dir, const char *listen, bool tls, struct webauthn_rp *rp)
{
	memset(rp, 0, sizeof(*rp));
	const char *colon = listen ? strrchr(listen, ':') : NULL;
	snprintf(rp->origin, sizeof(rp->origin), "%s://localhost%s%s", tls ? "https" : "http",
		 colon ? ":" : "", colon ? colon + 1 : "");
	snprintf(rp->rp_id, sizeof(rp->rp_id), "localhost");
	char path[4096];
	if ((size_t)snprintf(path, sizeof(path), "%s/medkeep.conf", dir) >= sizeof(path))
		return -1;
	FILE *f = fopen(path, "r");
	if (f == NULL)
		return 0;
	char text[16384];
	size_t n = fread(text, 1, sizeof(text), f);
	int overflow = !feof(f);
	fclose(f);
	int line = 0;
	if (overflow || webauthn_parse_config(text, n, rp, &line) != 0) {
		fprintf(stderr, "medkeep: %s: bad webauthn setting on line %d\n", path, line);
		return -1;
	}
	return 0;
}

/* --- base64url --- */

int webauthn_b64url_decode(const char *s, size_t n, uint8_t *out, size_t max, size_t *out_len)
{
	const char *end = NULL;
	*out_len = 0;
	if (n == 0 || n > (max / 3 + 1) * 4)
		return -1;
	if (sodium_base642bin(out, max, s, n, NULL, out_len, &end,
			      sodium_base64_VARIANT_URLSAFE_NO_PADDING) != 0 ||
	    end != s + n)
		return -1;
	return 0;
}

char *webauthn_b64url_encode(const uint8_t *p, size_t n, char *out, size_t outsz)
{
	if (outsz < sodium_base64_ENCODED_LEN(n, sodium_base64_VARIANT_URLSAFE_NO_PADDING)) {
		if (outsz)
			out[0] = '\0';
		return out;
	}
	return sodium_bin2base64(out, outsz, p, n, sodium_base64_VARIANT_URLSAFE_NO_PADDING);
}

/* --- clientDataJSON --- */

static int copy_string(json_t *v, char *out, size_t outsz)
{
	if (!json_is_string(v))
		return -1;
	size_t n = json_string_length(v);
	const char *s = json_string_value(v);
	if (n >= outsz || memchr(s, '\0', n))
		return -1;
	memcpy(out, s, n + 1);
	return 0;
}

int webauthn_parse_client_data(const uint8_t *data, size_t n, struct webauthn_client_data *out)
{
	memset(out, 0, sizeof(*out));
	if (n == 0 || n > WEBAUTHN_CLIENT_DATA_MAX)
		return WA_MALFORMED;
	json_error_t err;
	json_t *o = json_loadb((const char *)data, n, JSON_REJECT_DUPLICATES, &err);
	int rc = WA_MALFORMED;
	char challenge[WEBAUTHN_CHALLENGE_BYTES * 2];
	if (!json_is_object(o) || copy_string(json_object_get(o, "type"), out->type, sizeof(out->type)) != 0 ||
	    copy_string(json_object_get(o, "origin"), out->origin, sizeof(out->origin)) != 0 ||
	    copy_string(json_object_get(o, "challenge"), challenge, sizeof(challenge)) != 0 ||
	    webauthn_b64url_decode(challenge, strlen(challenge), out->challenge, sizeof(out->challenge),
				   &out->challenge_len) != 0)
		goto out;
	json_t *co = json_object_get(o, "crossOrigin");
	if (co != NULL && !json_is_boolean(co))
		goto out;
	out->cross_origin = json_is_true(co);
	rc = WA_OK;
out:
	json_decref(o);
	return rc;
}

/* --- CBOR, checked before libcbor builds it ---
 *
 * cbor_load allocates a definite-length array or map for the count its header claims before it
 * has seen a single element, so five bytes claiming four billion pairs make it ask for tens of
 * gigabytes (found by tests/fuzz/webauthn_*). So every CBOR input is first walked header by
 * header with libcbor's streaming decoder, which allocates nothing: a count larger than the
 * bytes left to hold it, nesting deeper than anything WebAuthn sends, indefinite lengths and
 * tags (CTAP2 canonical CBOR has neither) are refused, and the walk measures the first item. */

#define CBOR_DEPTH_MAX 8 /* attestation object > attStmt > x5c > certificate is 4 */

struct cbor_scan {
	size_t remaining; /* bytes from the current header on */
	size_t pending[CBOR_DEPTH_MAX];
	int depth;
	bool started, bad;
};

static void scan_item(struct cbor_scan *s)
{
	while (s->depth > 0 && s->pending[s->depth - 1] == 0)
		s->depth--;
	if (s->depth > 0)
		s->pending[s->depth - 1]--;
	else if (s->started)
		s->bad = true; /* a second top-level item */
	s->started = true;
}

static void scan_open(struct cbor_scan *s, size_t slots)
{
	scan_item(s);
	if (slots > s->remaining || (slots > 0 && s->depth == CBOR_DEPTH_MAX)) {
		s->bad = true;
		return;
	}
	if (slots > 0)
		s->pending[s->depth++] = slots;
}

static void scan_scalar(void *ctx)
{
	scan_item(ctx);
}
static void scan_bad(void *ctx)
{
	((struct cbor_scan *)ctx)->bad = true;
}
static void scan_u8(void *ctx, uint8_t v)
{
	(void)v;
	scan_item(ctx);
}
static void scan_u16(void *ctx, uint16_t v)
{
	(void)v;
	scan_item(ctx);
}
static void scan_u32(void *ctx, uint32_t v)
{
	(void)v;
	scan_item(ctx);
}
static void scan_u64(void *ctx, uint64_t v)
{
	(void)v;
	scan_item(ctx);
}
static void scan_tag(void *ctx, uint64_t v)
{
	(void)v;
	scan_bad(ctx);
}
static void scan_string(void *ctx, cbor_data p, size_t n)
{
	(void)p;
	(void)n;
	scan_item(ctx);
}
static void scan_array(void *ctx, size_t n)
{
	scan_open(ctx, n);
}
static void scan_map(void *ctx, size_t n)
{
	struct cbor_scan *s = ctx;
	if (n > SIZE_MAX / 2)
		s->bad = true;
	else
		scan_open(s, 2 * n);
}
static void scan_float(void *ctx, float v)
{
	(void)v;
	scan_item(ctx);
}
static void scan_double(void *ctx, double v)
{
	(void)v;
	scan_item(ctx);
}
static void scan_bool(void *ctx, bool v)
{
	(void)v;
	scan_item(ctx);
}

static const struct cbor_callbacks scan_callbacks = {
	.uint8 = scan_u8, .uint16 = scan_u16, .uint32 = scan_u32, .uint64 = scan_u64,
	.negint8 = scan_u8, .negint16 = scan_u16, .negint32 = scan_u32, .negint64 = scan_u64,
	.byte_string_start = scan_bad, .byte_string = scan_string, .string = scan_string,
	.string_start = scan_bad, .indef_array_start = scan_bad, .array_start = scan_array,
	.indef_map_start = scan_bad, .map_start = scan_map, .tag = scan_tag,
	.float2 = scan_float, .float4 = scan_float, .float8 = scan_double, .undefined = scan_scalar,
	.null = scan_scalar, .boolean = scan_bool, .indef_break = scan_bad,
};

/* Check the first CBOR item of p[0..n) as above; 0 with *len its length in bytes. */
static int cbor_measure(const uint8_t *p, size_t n, size_t *len)
{
	struct cbor_scan s;
	memset(&s, 0, sizeof(s));
	size_t off = 0;
	while (off < n) {
		s.remaining = n - off;
		struct cbor_decoder_result r = cbor_stream_decode(p + off, n - off, &scan_callbacks, &s);
		if (r.status != CBOR_DECODER_FINISHED || r.read == 0 || r.read > n - off || s.bad)
			return -1;
		off += r.read;
		bool open = false;
		for (int i = 0; i < s.depth; i++)
			open = open || s.pending[i] > 0;
		if (!open) {
			*len = off;
			return 0;
		}
	}
	return -1;
}

/* The CBOR item that is exactly p[0..n), built by libcbor once cbor_measure passed it. */
static cbor_item_t *cbor_load_exact(const uint8_t *p, size_t n)
{
	size_t len = 0;
	if (cbor_measure(p, n, &len) != 0 || len != n)
		return NULL;
	struct cbor_load_result r;
	cbor_item_t *item = cbor_load(p, n, &r);
	if (item != NULL && (r.error.code != CBOR_ERR_NONE || r.read != n)) {
		cbor_decref(&item);
		return NULL;
	}
	return item;
}

/* --- authenticatorData --- */

int webauthn_parse_auth_data(const uint8_t *p, size_t n, struct webauthn_auth_data *out)
{
	memset(out, 0, sizeof(*out));
	if (n < 37 || n > WEBAUTHN_AUTH_DATA_MAX)
		return WA_MALFORMED;
	memcpy(out->rp_id_hash, p, 32);
	out->flags = p[32];
	out->sign_count = (uint32_t)p[33] << 24 | (uint32_t)p[34] << 16 | (uint32_t)p[35] << 8 | p[36];
	size_t at = 37;
	if (out->flags & WEBAUTHN_FLAG_AT) {
		if (n - at < 18)
			return WA_MALFORMED;
		at += 16; /* AAGUID: says which model made the key; unused without attestation */
		size_t id_len = (size_t)p[at] << 8 | p[at + 1];
		at += 2;
		if (id_len == 0 || id_len > WEBAUTHN_CRED_ID_MAX || n - at < id_len)
			return WA_MALFORMED;
		out->cred_id = p + at;
		out->cred_id_len = id_len;
		at += id_len;
		/* The COSE key is one CBOR item; its length is what walking it takes. */
		size_t len = 0;
		if (cbor_measure(p + at, n - at, &len) != 0 || len > WEBAUTHN_COSE_KEY_MAX)
			return WA_MALFORMED;
		out->cose_key = p + at;
		out->cose_key_len = len;
		at += len;
	}
	if (out->flags & WEBAUTHN_FLAG_ED) {
		/* Extensions: one CBOR map, which we do not use. */
		size_t len = 0;
		if (at >= n || (p[at] & 0xe0) != 0xa0 || cbor_measure(p + at, n - at, &len) != 0)
			return WA_MALFORMED;
		at += len;
	}
	return at == n ? WA_OK : WA_MALFORMED;
}

/* --- COSE keys --- */

static bool cbor_int_value(const cbor_item_t *v, int64_t *out)
{
	if (cbor_isa_uint(v)) {
		uint64_t u = cbor_get_int(v);
		if (u > INT64_MAX)
			return false;
		*out = (int64_t)u;
		return true;
	}
	if (cbor_isa_negint(v)) {
		uint64_t u = cbor_get_int(v);
		if (u > INT64_MAX)
			return false;
		*out = -1 - (int64_t)u;
		return true;
	}
	return false;
}

static bool cbor_definite_bytes(const cbor_item_t *v)
{
	return cbor_isa_bytestring(v) && cbor_bytestring_is_definite(v);
}

static bool cbor_text_is(const cbor_item_t *v, const char *s)
{
	size_t n = strlen(s);
	return cbor_isa_string(v) && cbor_string_is_definite(v) && cbor_string_length(v) == n &&
	       memcmp(cbor_string_handle(v), s, n) == 0;
}

/* A public key OpenSSL accepts (a P-256 point on the curve, or an Ed25519 key); NULL if not. */
static EVP_PKEY *pkey_from(const struct webauthn_key *key)
{
	if (key->alg == WEBAUTHN_EDDSA && key->pub_len == 32)
		return EVP_PKEY_new_raw_public_key(EVP_PKEY_ED25519, NULL, key->pub, 32);
	if (key->alg != WEBAUTHN_ES256 || key->pub_len != 65)
		return NULL;
	return evp_ec_public_key("prime256v1", key->pub, key->pub_len);
}

int webauthn_parse_cose_key(const uint8_t *p, size_t n, struct webauthn_key *out)
{
	memset(out, 0, sizeof(*out));
	if (n == 0 || n > WEBAUTHN_COSE_KEY_MAX)
		return WA_MALFORMED;
	cbor_item_t *m = cbor_load_exact(p, n);
	int rc = WA_MALFORMED;
	int64_t kty = 0, alg = 0, crv = 0;
	const cbor_item_t *x = NULL, *y = NULL;
	if (m == NULL || !cbor_isa_map(m) || !cbor_map_is_definite(m))
		goto out;
	size_t count = cbor_map_size(m);
	struct cbor_pair *pairs = cbor_map_handle(m);
	unsigned seen = 0;
	for (size_t i = 0; i < count; i++) {
		int64_t label, v = 0;
		if (!cbor_int_value(pairs[i].key, &label))
			goto out; /* text labels are not used by any key we accept */
		unsigned bit;
		switch (label) {
		case 1: /* kty */
		case 3: /* alg */
		case -1: /* crv */
			bit = label == 1 ? 1u : label == 3 ? 2u : 4u;
			if (!cbor_int_value(pairs[i].value, &v))
				goto out;
			if (label == 1)
				kty = v;
			else if (label == 3)
				alg = v;
			else
				crv = v;
			break;
		case -2:
			bit = 8u;
			x = pairs[i].value;
			break;
		case -3:
			bit = 16u;
			y = pairs[i].value;
			break;
		default:
			continue; /* other parameters (kid, key_ops) do not change the key */
		}
		if (seen & bit)
			goto out; /* a label twice */
		seen |= bit;
	}
	if (x == NULL || !cbor_definite_bytes(x))
		goto out;
	rc = WA_ALG;
	if (kty == 2 && alg == WEBAUTHN_ES256 && crv == 1) {
		if (y == NULL || !cbor_definite_bytes(y) || cbor_bytestring_length(x) != 32 ||
		    cbor_bytestring_length(y) != 32) {
			rc = WA_MALFORMED;
			goto out;
		}
		out->alg = WEBAUTHN_ES256;
		out->pub[0] = 0x04;
		memcpy(out->pub + 1, cbor_bytestring_handle(x), 32);
		memcpy(out->pub + 33, cbor_bytestring_handle(y), 32);
		out->pub_len = 65;
	} else if (kty == 1 && alg == WEBAUTHN_EDDSA && crv == 6) {
		if (y != NULL || cbor_bytestring_length(x) != 32) {
			rc = WA_MALFORMED;
			goto out;
		}
		out->alg = WEBAUTHN_EDDSA;
		memcpy(out->pub, cbor_bytestring_handle(x), 32);
		out->pub_len = 32;
	} else {
		goto out;
	}
	EVP_PKEY *pkey = pkey_from(out);
	rc = pkey ? WA_OK : WA_MALFORMED;
	EVP_PKEY_free(pkey);
out:
	if (m)
		cbor_decref(&m);
	if (rc != WA_OK)
		memset(out, 0, sizeof(*out));
	return rc;
}

/* --- attestation object --- */

static int parse_att_stmt(const cbor_item_t *st, struct webauthn_attestation *out)
{
	if (!cbor_isa_map(st) || !cbor_map_is_definite(st))
		return WA_MALFORMED;
	size_t count = cbor_map_size(st);
	struct cbor_pair *pairs = cbor_map_handle(st);
	if (strcmp(out->fmt, "none") == 0)
		return count == 0 ? WA_OK : WA_MALFORMED;
	if (strcmp(out->fmt, "packed") != 0)
		return WA_FORMAT;
	const cbor_item_t *alg = NULL, *sig = NULL;
	for (size_t i = 0; i < count; i++) {
		const cbor_item_t *k = pairs[i].key;
		if (cbor_text_is(k, "alg") && alg == NULL)
			alg = pairs[i].value;
		else if (cbor_text_is(k, "sig") && sig == NULL)
			sig = pairs[i].value;
		else if (cbor_text_is(k, "x5c") || cbor_text_is(k, "ecdaaKeyId"))
			return WA_FORMAT; /* certificate chains are not checked: refuse, never ignore */
		else
			return WA_MALFORMED;
	}
	int64_t a;
	if (alg == NULL || sig == NULL || !cbor_int_value(alg, &a) || !cbor_definite_bytes(sig) ||
	    cbor_bytestring_length(sig) == 0 || cbor_bytestring_length(sig) > WEBAUTHN_SIG_MAX ||
	    a < INT32_MIN || a > INT32_MAX)
		return WA_MALFORMED;
	out->self_attested = true;
	out->att_alg = (int)a;
	out->att_sig_len = cbor_bytestring_length(sig);
	memcpy(out->att_sig, cbor_bytestring_handle(sig), out->att_sig_len);
	return WA_OK;
}

int webauthn_parse_attestation(const uint8_t *p, size_t n, struct webauthn_attestation *out)
{
	memset(out, 0, sizeof(*out));
	if (n == 0 || n > WEBAUTHN_ATTESTATION_MAX)
		return WA_MALFORMED;
	cbor_item_t *m = cbor_load_exact(p, n);
	int rc = WA_MALFORMED;
	if (m == NULL || !cbor_isa_map(m) || !cbor_map_is_definite(m) || cbor_map_size(m) != 3)
		goto out;
	struct cbor_pair *pairs = cbor_map_handle(m);
	const cbor_item_t *fmt = NULL, *st = NULL, *ad = NULL;
	for (size_t i = 0; i < 3; i++) {
		const cbor_item_t *k = pairs[i].key;
		if (cbor_text_is(k, "fmt") && fmt == NULL)
			fmt = pairs[i].value;
		else if (cbor_text_is(k, "attStmt") && st == NULL)
			st = pairs[i].value;
		else if (cbor_text_is(k, "authData") && ad == NULL)
			ad = pairs[i].value;
		else
			goto out;
	}
	if (fmt == NULL || st == NULL || ad == NULL || !cbor_isa_string(fmt) ||
	    !cbor_string_is_definite(fmt) || cbor_string_length(fmt) == 0 ||
	    cbor_string_length(fmt) >= sizeof(out->fmt) || !cbor_definite_bytes(ad) ||
	    cbor_bytestring_length(ad) > WEBAUTHN_AUTH_DATA_MAX)
		goto out;
	memcpy(out->fmt, cbor_string_handle(fmt), cbor_string_length(fmt));
	if (memchr(out->fmt, '\0', cbor_string_length(fmt)))
		goto out;
	out->auth_data_len = cbor_bytestring_length(ad);
	memcpy(out->auth_data, cbor_bytestring_handle(ad), out->auth_data_len);
	rc = parse_att_stmt(st, out);
out:
	if (m)
		cbor_decref(&m);
	return rc;
}

/* --- signatures --- */

int webauthn_verify_signature(const struct webauthn_key *key, const uint8_t *msg, size_t msg_len,
			      const uint8_t *sig, size_t sig_len)
{
	if (sig_len == 0 || sig_len > WEBAUTHN_SIG_MAX)
		return -1;
	EVP_PKEY *pkey = pkey_from(key);
	EVP_MD_CTX *md = EVP_MD_CTX_new();
	int ok = pkey != NULL && md != NULL &&
		 EVP_DigestVerifyInit(md, NULL, key->alg == WEBAUTHN_ES256 ? EVP_sha256() : NULL, NULL,
				      pkey) == 1 &&
		 EVP_DigestVerify(md, sig, sig_len, msg, msg_len) == 1;
	EVP_MD_CTX_free(md);
	EVP_PKEY_free(pkey);
	return ok ? 0 : -1;
}

static int sha256(const void *p, size_t n, uint8_t out[32])
{
	unsigned int len = 0;
	return EVP_Digest(p, n, out, &len, EVP_sha256(), NULL) == 1 && len == 32 ? 0 : -1;
}

/* What both ceremonies check in clientDataJSON and authenticatorData. */
static int check_common(const struct webauthn_rp *rp, const char *type, const uint8_t *client_data,
			size_t client_data_len, const struct webauthn_auth_data *ad,
			uint8_t challenge[WEBAUTHN_CHALLENGE_BYTES])
{
	struct webauthn_client_data cd;
	int rc = webauthn_parse_client_data(client_data, client_data_len, &cd);
	if (rc != WA_OK)
		return rc;
	if (strcmp(cd.type, type) != 0)
		return WA_TYPE;
	if (cd.challenge_len != WEBAUTHN_CHALLENGE_BYTES)
		return WA_CHALLENGE;
	if (rp->origin[0] == '\0' || strcmp(cd.origin, rp->origin) != 0 || cd.cross_origin)
		return WA_ORIGIN;
	uint8_t want[32];
	if (sha256(rp->rp_id, strlen(rp->rp_id), want) != 0)
		return WA_MALFORMED;
	if (CRYPTO_memcmp(want, ad->rp_id_hash, 32) != 0)
		return WA_RP_ID;
	if (!(ad->flags & WEBAUTHN_FLAG_UP))
		return WA_PRESENCE;
	if (rp->require_uv && !(ad->flags & WEBAUTHN_FLAG_UV))
		return WA_VERIFICATION;
	memcpy(challenge, cd.challenge, WEBAUTHN_CHALLENGE_BYTES);
	return WA_OK;
}

/* authenticatorData || SHA-256(clientDataJSON): what both signatures cover. */
static int signed_message(const uint8_t *auth_data, size_t auth_data_len, const uint8_t *client_data,
			  size_t client_data_len, uint8_t msg[WEBAUTHN_AUTH_DATA_MAX + 32], size_t *len)
{
	if (auth_data_len > WEBAUTHN_AUTH_DATA_MAX)
		return -1;
	memcpy(msg, auth_data, auth_data_len);
	if (sha256(client_data, client_data_len, msg + auth_data_len) != 0)
		return -1;
	*len = auth_data_len + 32;
	return 0;
}

int webauthn_check_registration(const struct webauthn_rp *rp, const uint8_t *client_data,
				size_t client_data_len, const uint8_t *attestation,
				size_t attestation_len, struct webauthn_credential *cred,
				uint8_t challenge[WEBAUTHN_CHALLENGE_BYTES])
{
	memset(cred, 0, sizeof(*cred));
	struct webauthn_attestation *att = malloc(sizeof(*att));
	if (att == NULL)
		return WA_MALFORMED;
	struct webauthn_auth_data ad;
	int rc = webauthn_parse_attestation(attestation, attestation_len, att);
	if (rc == WA_OK)
		rc = webauthn_parse_auth_data(att->auth_data, att->auth_data_len, &ad);
	if (rc == WA_OK)
		rc = check_common(rp, "webauthn.create", client_data, client_data_len, &ad, challenge);
	if (rc == WA_OK && (!(ad.flags & WEBAUTHN_FLAG_AT) || ad.cose_key == NULL))
		rc = WA_MALFORMED;
	if (rc == WA_OK)
		rc = webauthn_parse_cose_key(ad.cose_key, ad.cose_key_len, &cred->key);
	if (rc == WA_OK && att->self_attested) {
		/* packed self-attestation: signed by the new credential's own key */
		uint8_t msg[WEBAUTHN_AUTH_DATA_MAX + 32];
		size_t len = 0;
		if (att->att_alg != cred->key.alg)
			rc = WA_ALG;
		else if (signed_message(att->auth_data, att->auth_data_len, client_data,
					client_data_len, msg, &len) != 0 ||
			 webauthn_verify_signature(&cred->key, msg, len, att->att_sig,
						   att->att_sig_len) != 0)
			rc = WA_SIGNATURE;
	}
	if (rc == WA_OK) {
		memcpy(cred->id, ad.cred_id, ad.cred_id_len);
		cred->id_len = ad.cred_id_len;
		cred->sign_count = ad.sign_count;
		cred->user_verified = (ad.flags & WEBAUTHN_FLAG_UV) != 0;
	} else {
		memset(cred, 0, sizeof(*cred));
	}
	free(att);
	return rc;
}

int webauthn_check_assertion(const struct webauthn_rp *rp, const struct webauthn_key *key,
			     const uint8_t *client_data, size_t client_data_len,
			     const uint8_t *auth_data, size_t auth_data_len, const uint8_t *sig,
			     size_t sig_len, uint8_t challenge[WEBAUTHN_CHALLENGE_BYTES],
			     uint32_t *sign_count, bool *user_verified)
{
	struct webauthn_auth_data ad;
	int rc = webauthn_parse_auth_data(auth_data, auth_data_len, &ad);
	if (rc == WA_OK && (ad.flags & WEBAUTHN_FLAG_AT))
		rc = WA_MALFORMED; /* an assertion carries no new credential */
	if (rc == WA_OK)
		rc = check_common(rp, "webauthn.get", client_data, client_data_len, &ad, challenge);
	uint8_t msg[WEBAUTHN_AUTH_DATA_MAX + 32];
	size_t len = 0;
	if (rc == WA_OK &&
	    (signed_message(auth_data, auth_data_len, client_data, client_data_len, msg, &len) != 0 ||
	     webauthn_verify_signature(key, msg, len, sig, sig_len) != 0))
		rc = WA_SIGNATURE;
	if (rc == WA_OK) {
		*sign_count = ad.sign_count;
		*user_verified = (ad.flags & WEBAUTHN_FLAG_UV) != 0;
	}
	return rc;
}

bool webauthn_counter_ok(uint32_t stored, uint32_t seen)
{
	return seen > stored || (seen == 0 && stored == 0);
}
