/*
 * WebAuthn (passkeys): parsing and checking what a browser sends when it registers a passkey
 * (clientDataJSON and the CBOR attestation object) and when it signs in with one
 * (clientDataJSON, authenticatorData and a signature). Everything here reads outside input:
 * each parser takes (buf, len) under an explicit size limit, never reads past len, and fails
 * closed. CBOR is libcbor's, JSON jansson's, SHA-256 and the signatures (ES256 over P-256,
 * EdDSA over Ed25519) OpenSSL's: nothing cryptographic is written here.
 *
 * The same checks run twice: in the worker (to answer with a clear reason) and again in the
 * vault, which alone can turn a good assertion into a session token with the mfa claim
 * (docs/internals/PASSKEYS.md).
 */
#ifndef MEDKEEP_WEBAUTHN_H
#define MEDKEEP_WEBAUTHN_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* clientDataJSON from browsers is 120-300 bytes; room for topOrigin and the extra key that
 * Chromium sometimes adds to keep parsers honest. */
#define WEBAUTHN_CLIENT_DATA_MAX 2048
/* authenticatorData: 37 bytes, plus an attested credential (id and COSE key) at registration,
 * plus extensions. A credential id may be up to 1023 bytes (WebAuthn L2 §5.8.3). */
#define WEBAUTHN_AUTH_DATA_MAX 2048
/* attestationObject: with attestation "none" or packed self-attestation a few hundred bytes;
 * forms carry it base64url-encoded within LIMIT_FORM_BODY_BYTES. */
#define WEBAUTHN_ATTESTATION_MAX 8192
#define WEBAUTHN_CRED_ID_MAX 1023
/* A COSE_Key for P-256 is 77 bytes, for Ed25519 42. */
#define WEBAUTHN_COSE_KEY_MAX 256
/* ES256 signatures are DER (at most 72 bytes); Ed25519 signatures 64. */
#define WEBAUTHN_SIG_MAX 128
#define WEBAUTHN_CHALLENGE_BYTES 32
#define WEBAUTHN_ORIGIN_MAX 255
#define WEBAUTHN_RP_ID_MAX 253
/* Uncompressed P-256 point (0x04 | x | y); an Ed25519 key is 32 bytes. */
#define WEBAUTHN_PUBKEY_MAX 65
/* How long a challenge is good for. */
#define WEBAUTHN_CHALLENGE_SECONDS 300

/* COSE algorithm identifiers we accept. */
enum webauthn_alg { WEBAUTHN_ES256 = -7, WEBAUTHN_EDDSA = -8 };

/* authenticatorData flags */
#define WEBAUTHN_FLAG_UP 0x01 /* user present */
#define WEBAUTHN_FLAG_UV 0x04 /* user verified (PIN, biometric) */
#define WEBAUTHN_FLAG_AT 0x40 /* attested credential data follows */
#define WEBAUTHN_FLAG_ED 0x80 /* extensions follow */

enum webauthn_err {
	WA_OK = 0,
	WA_MALFORMED,   /* not parseable, or over a size limit */
	WA_TYPE,        /* clientData.type is not the ceremony's */
	WA_CHALLENGE,   /* not a challenge we issued for this session, used, or expired */
	WA_ORIGIN,      /* clientData.origin is not ours (or a cross-origin frame) */
	WA_RP_ID,       /* rpIdHash is not SHA-256 of our RP id */
	WA_PRESENCE,    /* the user-present flag is missing */
	WA_VERIFICATION, /* user verification is required and the flag is missing */
	WA_FORMAT,      /* an attestation format we do not verify */
	WA_ALG,         /* a key type or algorithm we do not accept */
	WA_SIGNATURE,   /* the signature does not verify */
	WA_COUNTER,     /* the signature counter did not increase: a cloned authenticator? */
	WA_UNKNOWN,     /* no such passkey on this account */
};
/* A sentence for the person at the browser (no detail an attacker could use). */
const char *webauthn_err_text(int err);

/* Load OpenSSL's configuration and the algorithms used here, before a process installs its
 * syscall filter (they are otherwise loaded on first use). 0 on success. */
int webauthn_init(void);

/* Who we are: the origin pages are served from and the RP id passkeys are scoped to. */
struct webauthn_rp {
	char origin[WEBAUTHN_ORIGIN_MAX + 1]; /* e.g. https://portal.example.nz */
	char rp_id[WEBAUTHN_RP_ID_MAX + 1];   /* e.g. portal.example.nz */
	/* Require user verification (PIN or biometric) as well as presence. Off by default: a
	 * passkey here is a second factor after the password, and security keys without a PIN
	 * verify no user. */
	bool require_uv;
};

/* webauthn.origin, webauthn.rp_id and webauthn.require_uv (true/false) from medkeep.conf text (other sections are skipped);
 * rp keeps its values for keys that are absent. 0, or -1 with *line set on a bad line. */
int webauthn_parse_config(const char *text, size_t len, struct webauthn_rp *rp, int *line);
/* The RP for `serve`: DIR/medkeep.conf, defaulting to http(s)://localhost:PORT and RP id
 * localhost from the listen address (WebAuthn needs a secure context; localhost is one,
 * a bare IP address cannot be an RP id). 0, or -1 with a message on stderr. */
int webauthn_config_load(const char *dir, const char *listen, bool tls, struct webauthn_rp *rp);

struct webauthn_client_data {
	char type[24];
	uint8_t challenge[WEBAUTHN_CHALLENGE_BYTES];
	size_t challenge_len;
	char origin[WEBAUTHN_ORIGIN_MAX + 1];
	bool cross_origin;
};
int webauthn_parse_client_data(const uint8_t *json, size_t n, struct webauthn_client_data *out);

struct webauthn_auth_data {
	uint8_t rp_id_hash[32];
	uint8_t flags;
	uint32_t sign_count;
	/* With WEBAUTHN_FLAG_AT: pointers into the parsed buffer. */
	const uint8_t *cred_id;
	size_t cred_id_len;
	const uint8_t *cose_key;
	size_t cose_key_len;
};
/* Parses exactly n bytes (trailing bytes are an error). */
int webauthn_parse_auth_data(const uint8_t *p, size_t n, struct webauthn_auth_data *out);

struct webauthn_key {
	int alg; /* enum webauthn_alg */
	uint8_t pub[WEBAUTHN_PUBKEY_MAX];
	size_t pub_len;
};
/* A COSE_Key (RFC 9053): EC2 P-256 with ES256, or OKP Ed25519 with EdDSA; the point is
 * checked to be on its curve. */
int webauthn_parse_cose_key(const uint8_t *p, size_t n, struct webauthn_key *out);

struct webauthn_attestation {
	char fmt[16];
	uint8_t auth_data[WEBAUTHN_AUTH_DATA_MAX];
	size_t auth_data_len;
	bool self_attested; /* "packed" without certificates: att_sig by the credential key */
	int att_alg;
	uint8_t att_sig[WEBAUTHN_SIG_MAX];
	size_t att_sig_len;
};
/* The attestation object {fmt, attStmt, authData}. Formats other than "none" and packed
 * self-attestation give WA_FORMAT. */
int webauthn_parse_attestation(const uint8_t *p, size_t n, struct webauthn_attestation *out);

/* Verify sig over msg with key (OpenSSL). 0 when it verifies. */
int webauthn_verify_signature(const struct webauthn_key *key, const uint8_t *msg, size_t msg_len,
			      const uint8_t *sig, size_t sig_len);

/* A registered passkey as kept by the server. */
struct webauthn_credential {
	uint8_t id[WEBAUTHN_CRED_ID_MAX];
	size_t id_len;
	struct webauthn_key key;
	uint32_t sign_count;
	bool user_verified;
};

/* Registration: type webauthn.create, origin, rpIdHash, user present, an attested ES256 or
 * EdDSA key, attestation none or packed self-attestation. On WA_OK, *cred is the new
 * credential and challenge (WEBAUTHN_CHALLENGE_BYTES) the one the browser signed, for the
 * caller to check it was issued. */
int webauthn_check_registration(const struct webauthn_rp *rp, const uint8_t *client_data,
				size_t client_data_len, const uint8_t *attestation,
				size_t attestation_len, struct webauthn_credential *cred,
				uint8_t challenge[WEBAUTHN_CHALLENGE_BYTES]);
/* Assertion: type webauthn.get, origin, rpIdHash, user present, and key's signature over
 * authenticatorData || SHA-256(clientDataJSON). On WA_OK: challenge as above, *sign_count and
 * *user_verified from the authenticator data. The counter is checked by webauthn_counter_ok. */
int webauthn_check_assertion(const struct webauthn_rp *rp, const struct webauthn_key *key,
			     const uint8_t *client_data, size_t client_data_len,
			     const uint8_t *auth_data, size_t auth_data_len, const uint8_t *sig,
			     size_t sig_len, uint8_t challenge[WEBAUTHN_CHALLENGE_BYTES],
			     uint32_t *sign_count, bool *user_verified);
/* A counter must grow, unless the authenticator keeps none (both zero). */
bool webauthn_counter_ok(uint32_t stored, uint32_t seen);

/* base64url without padding, as browsers send it; -1 when malformed or over max. */
int webauthn_b64url_decode(const char *s, size_t n, uint8_t *out, size_t max, size_t *out_len);
/* Encode into out (room for 4*ceil(n/3)+1 bytes); returns out. */
char *webauthn_b64url_encode(const uint8_t *p, size_t n, char *out, size_t outsz);

#endif
