/*
 * The vault's key operations: holds the master key in guarded memory, derives subkeys, mints
 * and checks session tokens, counts every key opened against the exfiltration breaker, wraps
 * and unwraps keys. In `serve` this code runs only in the vault process (vault_server.c), which
 * answers the workers over a socket; command-line tools run it in their own process. Nothing
 * here trusts a worker's word about who is asking: only the session token.
 */
#include "vault/vault.h"

#include <errno.h>
#include <fcntl.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "limits.h"
#include "util/log.h"
#include "util/strtonum.h"
#include "util/wipe.h"
#include "vault/breaker.h"
#include "vault/vault_int.h"

/*
 * The master key lives in sodium_malloc memory: guard pages around it, locked out of swap and
 * core dumps, and read-only once loaded. It is not toggled to no-access between uses: with
 * a pool of threads every toggle is an mprotect plus a TLB shoot-down on every core, which
 * measured as the largest single cost of a document read. Keeping the key away from request
 * code altogether is the separate vault process (DESIGN.md invariant 5).
 */
static struct key *master;
static struct key *token_key; /* MAC key for session tokens, derived from the master key */
static bool tokens_required;
static int64_t breaker_now(void);

#define MASTER_FILE "master.key"

static int master_path(const char *dir, char *out, size_t outsz)
{
	return (size_t)snprintf(out, outsz, "%s/%s", dir, MASTER_FILE) < outsz ? 0 : -1;
}

int vault_create(const char *dir)
{
	char path[4096];
	if (master_path(dir, path, sizeof(path)) != 0)
		return -1;
	int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd < 0)
		return -1;
	struct key k;
	key_random(&k);
	ssize_t w = write(fd, k.b, sizeof(k.b));
	key_wipe(&k);
	int ok = w == (ssize_t)sizeof(k.b) && fsync(fd) == 0;
	close(fd);
	return ok ? 0 : -1;
}

int vault_load(const char *dir)
{
	char path[4096];
	if (master_path(dir, path, sizeof(path)) != 0)
		return -1;
	int fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0) {
		log_warn("component=vault error=\"cannot open master key\" errno=%d", errno);
		return -1;
	}
	struct stat st;
	if (fstat(fd, &st) != 0 || (st.st_mode & 077) != 0 || st.st_size != KEY_BYTES) {
		log_warn("component=vault error=\"master key must be a 32-byte file of mode 0600\"");
		close(fd);
		return -1;
	}
	master = sodium_malloc(sizeof(*master));
	if (master == NULL) {
		close(fd);
		return -1;
	}
	ssize_t r = read(fd, master->b, sizeof(master->b));
	close(fd);
	if (r != (ssize_t)sizeof(master->b)) {
		sodium_free(master);
		master = NULL;
		return -1;
	}
	token_key = sodium_malloc(sizeof(*token_key));
	if (token_key == NULL)
		return -1;
	key_derive(master, 2, "sesstokn", token_key);
	sodium_mprotect_readonly(master);
	sodium_mprotect_readonly(token_key);
	return 0;
}

int vault_local_require_tokens(const char *dir)
{
	struct breaker_config c;
	breaker_defaults(&c);
	char path[4096];
	snprintf(path, sizeof(path), "%s/medkeep.conf", dir);
	FILE *f = fopen(path, "r");
	if (f != NULL) {
		char text[16384];
		size_t n = fread(text, 1, sizeof(text), f);
		int overflow = !feof(f);
		fclose(f);
		int line = 0;
		if (overflow || breaker_parse_config(text, n, &c, &line) != 0) {
			fprintf(stderr, "medkeep: %s: bad setting on line %d\n", path, line);
			return -1;
		}
	}
	breaker_configure(&c);
	/* every node fingerprints patients alike, so their counts add up (BREAKER.md, "Several
	 * nodes"): from the blind-index key, which every node of one service holds */
	struct key idx, fingerprint;
	vault_index_subkey(&idx);
	key_derive(&idx, 1, "breakfp_", &fingerprint);
	breaker_set_fingerprint_key(fingerprint.b);
	key_wipe(&idx);
	key_wipe(&fingerprint);
	(void)breaker_now(); /* starts the breaker's clock (and says so, if a test sped it up) */
	tokens_required = true;
	return 0;
}

/* Facts waiting for the sync process: a few seconds of a busy node's opens and misses (one
 * fact each, ~50 bytes), taken every SYNC interval (BREAKER.md, "Several nodes"). */
#define BREAKER_SHARE_RING 65536

enum err vault_local_breaker_exchange(const struct breaker_event *in, size_t n_in,
				      struct breaker_event *out, size_t max_out, size_t *n_out,
				      uint64_t *dropped)
{
	/* the first exchange starts the keeping: one node alone keeps nothing */
	if (breaker_share_begin(BREAKER_SHARE_RING) != 0)
		return ERR_INTERNAL;
	breaker_share_apply(in, n_in, breaker_now());
	*n_out = breaker_share_take(out, max_out, dropped);
	return ERR_OK;
}

int64_t vault_test_clock_skew;

/* The vault's own clock: what a token's age is measured by, whatever a worker says. */
static int64_t vault_now(void)
{
	return (int64_t)time(NULL) + vault_test_clock_skew;
}

/*
 * How long a token may be used after the vault issued it: a browser's session its absolute
 * life, an app's token its hour counted from the consent plus the minute its code may wait
 * for the exchange (the worker counts the hour from the exchange). A worker's session table
 * says the same, but a worker can be wrong or taken over: the vault checks for itself.
 */
static bool token_live(const struct session_claims *c, int64_t now)
{
	/* A practice system's token lives minutes by the vault's clock too, not an app's hour
	 * (its minute of grace covers a request begun just before the worker's table ends it). */
	int64_t life = c->role == ROLE_SYSTEM ? SYSTEM_TOKEN_SECONDS + 60
		       : c->app		      ? APP_TOKEN_SECONDS + APP_CODE_SECONDS
					      : SESSION_ABSOLUTE_SECONDS;
	/* A minute of grace for a token issued "in the future" (never by us: the clock moved). */
	return c->issued <= now + 60 && now - c->issued <= life;
}

static void claims_encode(const struct session_claims *c, uint8_t out[SESSION_CLAIMS_BYTES])
{
	memset(out, 0, SESSION_CLAIMS_BYTES);
	out[0] = 1;
	memcpy(out + 1, c->session.b, ID_BYTES);
	memcpy(out + 17, c->account.b, ID_BYTES);
	out[33] = (uint8_t)c->role;
	out[34] = (uint8_t)((c->has_patient ? 1 : 0) | (c->has_practice ? 2 : 0) | (c->mfa ? 4 : 0) |
			    (c->app ? 8 : 0));
	memcpy(out + 35, c->patient.b, ID_BYTES);
	memcpy(out + 51, c->practice.b, ID_BYTES);
	uint64_t t = (uint64_t)c->issued;
	for (int i = 0; i < 8; i++)
		out[67 + i] = (uint8_t)(t >> (8 * i));
}

static void token_mac(const uint8_t *claims, uint8_t mac[32])
{
	crypto_generichash(mac, 32, claims, SESSION_CLAIMS_BYTES, token_key->b, KEY_BYTES);
}

int64_t vault_clock(void)
{
	return vault_now();
}

void vault_token_encode(uint8_t raw[SESSION_TOKEN_BYTES], char token[SESSION_TOKEN_B64_LEN + 1])
{
	token_mac(raw, raw + SESSION_CLAIMS_BYTES);
	sodium_bin2base64(token, SESSION_TOKEN_B64_LEN + 1, raw, SESSION_TOKEN_BYTES,
			  sodium_base64_VARIANT_URLSAFE_NO_PADDING);
	wipe(raw, SESSION_TOKEN_BYTES);
}

int vault_token_decode(const char *token, size_t n, uint8_t raw[SESSION_TOKEN_BYTES])
{
	uint8_t mac[32];
	size_t len = 0;
	const char *end = NULL;
	if (token == NULL || token_key == NULL || n != SESSION_TOKEN_B64_LEN ||
	    sodium_base642bin(raw, SESSION_TOKEN_BYTES, token, n, NULL, &len, &end,
			      sodium_base64_VARIANT_URLSAFE_NO_PADDING) != 0 ||
	    len != SESSION_TOKEN_BYTES || end != token + n)
		return -1;
	token_mac(raw, mac);
	return sodium_memcmp(mac, raw + SESSION_CLAIMS_BYTES, sizeof(mac)) == 0 ? 0 : -1;
}

enum err vault_local_login(const char *pw_hash, const char *password, size_t pw_len,
		const struct session_claims *claims, char token[SESSION_TOKEN_B64_LEN + 1])
{
	/* Only hashes made with our own parameters: a hash string naming huge costs would make
	 * the vault spend minutes or gigabytes on one request. */
	if (password_hash_params_ok(pw_hash) != 0 || password_verify(pw_hash, password, pw_len) != 0 ||
	    claims == NULL)
		return ERR_DENIED;
	if (token_key == NULL)
		return ERR_DENIED;
	/* The vault stamps the time itself: a worker cannot mint a token that lives longer. */
	struct session_claims stamped = *claims;
	stamped.issued = vault_now();
	uint8_t raw[SESSION_TOKEN_BYTES];
	claims_encode(&stamped, raw);
	vault_token_encode(raw, token);
	return ERR_OK;
}

int vault_token_claims(const char *token, size_t n, struct session_claims *out)
{
	uint8_t raw[SESSION_TOKEN_BYTES];
	/* Version 1: a session's or an app's access token (a refresh token is 2: vault_refresh.c). */
	if (vault_token_decode(token, n, raw) != 0 || raw[0] != 1)
		return -1;
	memset(out, 0, sizeof(*out));
	memcpy(out->session.b, raw + 1, ID_BYTES);
	memcpy(out->account.b, raw + 17, ID_BYTES);
	out->role = raw[33] <= ROLE_LAST ? (enum role)raw[33] : ROLE_NONE;
	out->has_patient = raw[34] & 1;
	out->has_practice = (raw[34] & 2) != 0;
	out->mfa = (raw[34] & 4) != 0;
	out->app = (raw[34] & 8) != 0;
	memcpy(out->patient.b, raw + 35, ID_BYTES);
	memcpy(out->practice.b, raw + 51, ID_BYTES);
	uint64_t t = 0;
	for (int i = 0; i < 8; i++)
		t |= (uint64_t)raw[67 + i] << (8 * i);
	out->issued = (int64_t)t;
	if (!token_live(out, vault_now()) || breaker_released_after(&out->account, out->issued)) {
		/* too old for its kind, or from before an unlock (vault_unlock.c) */
		wipe(out, sizeof(*out));
		return -1;
	}
	return 0;
}

/*
 * Who is asking, from the token alone. With tokens not required (command-line tools), a NULL
 * token is the local operator and is not counted. Returns ERR_OK with *counted set when the
 * breaker should count this actor.
 */
static enum err caller(const char *token, struct session_claims *c, bool *counted)
{
	*counted = false;
	if (token == NULL)
		return tokens_required ? ERR_DENIED : ERR_OK;
	if (vault_token_claims(token, strlen(token), c) != 0)
		return ERR_DENIED;
	*counted = true;
	return ERR_OK;
}

#ifdef MEDKEEP_CHAOS
/* Fault injection (build/medkeep-chaos only): MEDKEEP_BREAKER_CLOCK=N runs the breaker's clock
 * N times faster than the wall's, so a test can work a clinician's whole day at a person's
 * pace in a minute. Nothing else in the vault sees this clock. */
static int64_t breaker_now(void)
{
	static int64_t scale = -1, t0;
	static struct timespec m0;
	struct timespec m;
	clock_gettime(CLOCK_MONOTONIC, &m);
	if (scale < 0) {
		const char *s = getenv("MEDKEEP_BREAKER_CLOCK");
		int64_t v = 1;
		scale = s != NULL && parse_int64(s, 1, 100000, &v) == 0 ? v : 1;
		t0 = (int64_t)time(NULL);
		m0 = m;
		if (scale > 1)
			log_warn("component=breaker event=fault fault=clock scale=%lld", (long long)scale);
	}
	int64_t ms = (int64_t)(m.tv_sec - m0.tv_sec) * 1000 + (m.tv_nsec - m0.tv_nsec) / 1000000;
	return t0 + ms * scale / 1000;
}
#else
static int64_t breaker_now(void)
{
	return (int64_t)time(NULL);
}
#endif

static void actor_of(const struct session_claims *c, struct breaker_actor *a)
{
	memset(a, 0, sizeof(*a));
	a->account = c->account;
	a->session = c->session;
	a->role = c->role;
	a->app = c->app;
	a->has_patient = c->has_patient;
	a->own_patient = c->patient;
}

/* Map the breaker's verdict onto the vault's answer, and log a trip (ids only). */
static enum err verdict(const struct session_claims *c, enum breaker_verdict v)
{
	char acct[ID_HEX_LEN + 1];
	id_hex(&c->account, acct);
	switch (v) {
	case BREAKER_OK:
		return ERR_OK;
	case BREAKER_TRIP:
		vault_trip_note(c); /* for the review (vault_unlock.c) */
		log_warn("component=breaker event=trip reason=%s account=%s role=%s",
			 breaker_reason_name(breaker_trip_reason(&c->account)), acct,
			 role_name(c->role));
		return ERR_TRIPPED;
	case BREAKER_APP_TRIP:
		log_warn("component=breaker event=app_stopped reason=enumeration account=%s", acct);
		return ERR_APP_STOPPED;
	case BREAKER_TRIPPED:
		return c->app && !breaker_is_tripped(&c->account, NULL) ? ERR_APP_STOPPED
									: ERR_TRIPPED;
	case BREAKER_FULL:
		log_warn("component=breaker event=full account=%s", acct);
		return ERR_DENIED; /* this request only: nothing was counted, nothing is served */
	}
	return ERR_DENIED;
}

/* Count opening `bytes` of patient (what it reveals: reach) for the caller. */
static enum err count_open(const char *token, const struct id *patient, int64_t bytes,
			   enum breaker_reach reach)
{
	struct session_claims c;
	bool counted;
	int rc = caller(token, &c, &counted);
	if (rc != ERR_OK || !counted)
		return rc;
	/* Staff reach no patient data on a password alone. */
	if (c.role != ROLE_PATIENT && !c.mfa)
		return ERR_DENIED;
	struct breaker_actor a;
	actor_of(&c, &a);
	return verdict(&c, breaker_open(&a, reach, patient, bytes, breaker_now()));
}

enum err vault_local_read(const char *token, const struct id *patient, int64_t bytes)
{
	return count_open(token, patient, bytes, BREAKER_CLINICAL);
}

enum err vault_local_read_demographics(const char *token, const struct id *subject)
{
	return count_open(token, subject, 0, BREAKER_DEMOGRAPHICS);
}

enum err vault_local_miss(const char *token)
{
	struct session_claims c;
	bool counted;
	int rc = caller(token, &c, &counted);
	if (rc != ERR_OK || !counted)
		return rc;
	struct breaker_actor a;
	actor_of(&c, &a);
	return verdict(&c, breaker_miss(&a, breaker_now()));
}

void vault_unload(void)
{
	if (master)
		sodium_free(master);
	if (token_key)
		sodium_free(token_key);
	master = NULL;
	token_key = NULL;
	tokens_required = false;
}

static const struct key *master_open(void)
{
	if (master == NULL)
		fatalx("vault used before vault_load");
	return master;
}

const struct key *vault_master(void)
{
	return master_open();
}

void vault_ad(char out[128], const char *purpose, const struct id *patient, const struct id *record)
{
	char p[ID_HEX_LEN + 1], r[ID_HEX_LEN + 1];
	id_hex(patient, p);
	if (record)
		id_hex(record, r);
	snprintf(out, 128, "medkeep/v1/%s/%s/%s", purpose, p, record ? r : "-");
}

void vault_local_index(const char *kind, const char *value, uint8_t out[HASH_BYTES])
{
	struct key sub;
	vault_index_subkey(&sub); /* index.key: unchanged by a master key rotation */
	crypto_generichash_state st;
	crypto_generichash_init(&st, sub.b, sizeof(sub.b), HASH_BYTES);
	crypto_generichash_update(&st, (const uint8_t *)kind, strlen(kind) + 1);
	crypto_generichash_update(&st, (const uint8_t *)value, strlen(value));
	crypto_generichash_final(&st, out, HASH_BYTES);
	key_wipe(&sub);
}

static int patient_key(const struct id *patient, struct bytes wrapped, struct key *pk)
{
	/* The wrapped key names the master key that wraps it (vault_keys.c, for rotation). */
	return vault_patient_key_unwrap(patient, wrapped.ptr, wrapped.len, pk);
}

enum err vault_local_patient_create(const struct id *patient, const void *phi, size_t phi_len,
				    struct buf *wrapped_key, struct buf *phi_ct)
{
	struct key pk;
	char ad[128];
	key_random(&pk);
	int rc = vault_patient_key_wrap(patient, &pk, wrapped_key); /* vault_keys.c */
	if (rc == 0) {
		vault_ad(ad, "patient-phi", patient, NULL);
		rc = envelope_seal(&pk, ad, phi, phi_len, phi_ct);
	}
	key_wipe(&pk);
	return rc == 0 ? ERR_OK : ERR_DENIED;
}

static const char *record_purpose(enum vault_record kind)
{
	switch (kind) {
	case VREC_PHI:
		return "patient-phi";
	case VREC_NOTICE:
		return "notice";
	case VREC_RESULT:
		return "result";
	case VREC_MEDICATION:
		return "medication";
	case VREC_REPEAT:
		return "repeat";
	case VREC_APPOINTMENT:
		return "appointment";
	case VREC_MESSAGE:
		return "message";
	case VREC_PROXY:
		return "proxy";
	case VREC_DETAILS:
		return "details";
	case VREC_SUMMARY:
		return "summary";
	case VREC_COUNT:
		break;
	}
	return NULL;
}

enum err vault_local_record_open(const char *token, const struct id *patient, struct bytes wrapped_pk,
				 enum vault_record kind, const struct id *record, struct bytes ct,
				 struct buf *out)
{
	const char *purpose = record_purpose(kind);
	if (purpose == NULL)
		return ERR_DENIED;
	/* Demographics (and the contact details beside them) are what staff lists show;
	 * everything else is clinical content. */
	int counted = count_open(token, patient, (int64_t)ct.len,
				 kind == VREC_PHI || kind == VREC_DETAILS ? BREAKER_DEMOGRAPHICS
									  : BREAKER_CLINICAL);
	if (counted != ERR_OK)
		return counted;
	struct key pk;
	char ad[128];
	if (patient_key(patient, wrapped_pk, &pk) != 0)
		return ERR_DENIED;
	vault_ad(ad, purpose, patient, kind == VREC_PHI ? NULL : record);
	int rc = envelope_open(&pk, ad, ct.ptr, ct.len, out);
	key_wipe(&pk);
	return rc == 0 ? ERR_OK : ERR_DENIED;
}

enum err vault_local_record_seal(const char *token, const struct id *patient, struct bytes wrapped_pk,
				 enum vault_record kind, const struct id *record, const void *pt, size_t n,
				 struct buf *out)
{
	const char *purpose = record_purpose(kind);
	struct key pk;
	char ad[128];
	struct session_claims c;
	bool counted;
	if (purpose == NULL || caller(token, &c, &counted) != ERR_OK)
		return ERR_DENIED;
	/* Staff write nothing to a record on a password alone; a stopped actor writes nothing. */
	if (counted && ((c.role != ROLE_PATIENT && !c.mfa) ||
			breaker_is_tripped(&c.account, &c.session)))
		return ERR_DENIED;
	/* Demographics are corrected by the practice (register_update): its staff or its system,
	 * after their strong factor; never by a patient's or an app's token. */
	if (counted && kind == VREC_PHI &&
	    !((c.role == ROLE_CLINICIAN || c.role == ROLE_PRACTICE_ADMIN || c.role == ROLE_SYSTEM) && c.mfa))
		return ERR_DENIED;
	if (patient_key(patient, wrapped_pk, &pk) != 0)
		return ERR_DENIED;
	vault_ad(ad, purpose, patient, kind == VREC_PHI ? NULL : record);
	int rc = envelope_seal(&pk, ad, pt, n, out);
	key_wipe(&pk);
	return rc == 0 ? ERR_OK : ERR_DENIED;
}

enum err vault_local_doc_new_key(const char *token, const struct id *patient, struct bytes wrapped_pk,
				 const struct id *document, struct key *dk, struct buf *wrapped_dk)
{
	struct session_claims c;
	bool counted;
	if (caller(token, &c, &counted) != ERR_OK)
		return ERR_DENIED;
	if (counted && breaker_is_tripped(&c.account, &c.session))
		return ERR_TRIPPED;
	struct key pk;
	char ad[128];
	if (patient_key(patient, wrapped_pk, &pk) != 0)
		return ERR_DENIED;
	key_random(dk);
	vault_ad(ad, "doc-key", patient, document);
	int rc = key_wrap(&pk, ad, dk, wrapped_dk);
	key_wipe(&pk);
	if (rc != 0)
		key_wipe(dk);
	return rc == 0 ? ERR_OK : ERR_DENIED;
}

enum err vault_local_doc_key(const char *token, const struct id *patient, struct bytes wrapped_pk,
			     const struct id *document, struct bytes wrapped_dk, int64_t size,
			     struct key *key)
{
	int counted = count_open(token, patient, size, BREAKER_CLINICAL);
	if (counted != ERR_OK)
		return counted;
	struct key pk;
	char ad[128];
	if (patient_key(patient, wrapped_pk, &pk) != 0)
		return ERR_DENIED;
	vault_ad(ad, "doc-key", patient, document);
	int rc = key_unwrap(&pk, ad, wrapped_dk.ptr, wrapped_dk.len, key);
	key_wipe(&pk);
	return rc == 0 ? ERR_OK : ERR_DENIED;
}

enum err vault_local_email(const struct id *account, const char *email, const void *ct, size_t n,
			   struct buf *out)
{
	struct key k;
	char ad[128];
	vault_stable_subkey(3, "acctmail", &k); /* survives master key rotation */
	vault_ad(ad, "account-email", account, NULL);
	int rc = email ? envelope_seal(&k, ad, email, strlen(email), out)
		       : envelope_open(&k, ad, ct, n, out);
	key_wipe(&k);
	return rc == 0 ? ERR_OK : ERR_DENIED;
}

enum err vault_local_outbox(const struct id *outbox, const struct id *account, const char *body,
			    const void *ct, size_t n, struct buf *out)
{
	struct key k;
	char ad[128];
	size_t len = body ? strlen(body) : 0;
	if (body && len > LIMIT_MAIL_BODY)
		return ERR_DENIED;
	vault_stable_subkey(7, "mailbody", &k); /* survives master key rotation */
	vault_ad(ad, "outbox-body", account, outbox);
	int rc = body ? envelope_seal(&k, ad, body, len, out) : envelope_open(&k, ad, ct, n, out);
	key_wipe(&k);
	if (rc == 0 && !body && out->len > LIMIT_MAIL_BODY)
		rc = -1;
	return rc == 0 ? ERR_OK : ERR_DENIED;
}

/* --- second factor --- */

static void b32(const uint8_t *p, size_t n, char *out, size_t outsz)
{
	static const char alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
	size_t j = 0;
	uint32_t acc = 0;
	int bits = 0;
	for (size_t i = 0; i < n && j + 1 < outsz; i++) {
		acc = (acc << 8) | p[i];
		bits += 8;
		while (bits >= 5 && j + 1 < outsz) {
			out[j++] = alphabet[(acc >> (bits - 5)) & 31];
			bits -= 5;
		}
	}
	if (bits > 0 && j + 1 < outsz)
		out[j++] = alphabet[(acc << (5 - bits)) & 31];
	out[j] = '\0';
}

static void totp_key(struct key *k)
{
	vault_stable_subkey(4, "totpseal", k); /* survives master key rotation */
}

static enum err totp_seal(const struct id *account, const uint8_t secret[20], struct buf *sealed)
{
	struct key k;
	char ad[128];
	totp_key(&k);
	vault_ad(ad, "totp-secret", account, NULL);
	int rc = envelope_seal(&k, ad, secret, 20, sealed);
	key_wipe(&k);
	return rc;
}

enum err vault_local_totp_new(const struct id *account, char secret_b32[TOTP_SECRET_B32_LEN + 1],
			      struct buf *sealed)
{
	uint8_t secret[20];
	random_bytes(secret, sizeof(secret));
	b32(secret, sizeof(secret), secret_b32, TOTP_SECRET_B32_LEN + 1);
	int rc = totp_seal(account, secret, sealed);
	wipe(secret, sizeof(secret));
	return rc == 0 ? ERR_OK : ERR_DENIED;
}

enum err vault_mint_fresh(const struct session_claims *c, char token[SESSION_TOKEN_B64_LEN + 1],
			  struct id *session)
{
	struct session_claims n = *c;
	random_id(&n.session);
	n.issued = vault_now();
	uint8_t raw[SESSION_TOKEN_BYTES];
	claims_encode(&n, raw);
	vault_token_encode(raw, token);
	*session = n.session;
	return ERR_OK;
}

enum err vault_remint(const struct session_claims *c, char token[SESSION_TOKEN_B64_LEN + 1],
		  struct id *session)
{
	struct session_claims n = *c;
	n.mfa = true;
	return vault_mint_fresh(&n, token, session);
}

enum err vault_local_system_token(const struct id *system, const struct id *practice,
				  char token[SESSION_TOKEN_B64_LEN + 1], struct id *session)
{
	if (system == NULL || practice == NULL || token_key == NULL)
		return ERR_DENIED;
	/* Short-lived like an app's token; the key or certificate that proved the system is its
	 * strong factor, so it counts as a second factor passed. */
	struct session_claims c = {.account = *system, .role = ROLE_SYSTEM, .has_practice = true,
				   .practice = *practice, .mfa = true, .app = true};
	return vault_mint_fresh(&c, token, session);
}

enum err vault_local_app_token(const char *token, char new_token[SESSION_TOKEN_B64_LEN + 1],
			       struct id *session)
{
	struct session_claims c;
	/* Only a patient's own session, never an app's: an app cannot mint itself more. */
	if (token == NULL || vault_token_claims(token, strlen(token), &c) != 0 || c.app ||
	    c.role != ROLE_PATIENT)
		return ERR_DENIED;
	c.app = true;
	return vault_mint_fresh(&c, new_token, session);
}

enum err vault_local_totp_verify(const char *token, struct bytes sealed, const char *code,
				 int64_t last_step, int64_t *step, char new_token[SESSION_TOKEN_B64_LEN + 1],
				 struct id *session)
{
	struct session_claims c;
	if (token == NULL || vault_token_claims(token, strlen(token), &c) != 0)
		return ERR_DENIED;
	if (breaker_is_tripped(&c.account, &c.session))
		return ERR_TRIPPED;
	if (strlen(code) != 6 || strspn(code, "0123456789") != 6)
		return ERR_DENIED;
	uint32_t want = 0;
	for (int i = 0; i < 6; i++)
		want = want * 10 + (uint32_t)(code[i] - '0');
	struct key k;
	char ad[128];
	uint8_t secret[20];
	totp_key(&k);
	vault_ad(ad, "totp-secret", &c.account, NULL);
	struct arena ar;
	arena_init(&ar, LIMIT_SCRATCH_ARENA);
	struct buf pt;
	buf_init(&pt, &ar, LIMIT_TOTP_SECRET);
	int rc = envelope_open(&k, ad, sealed.ptr, sealed.len, &pt);
	key_wipe(&k);
	if (rc != 0 || pt.len != sizeof(secret)) {
		arena_release(&ar);
		return ERR_DENIED;
	}
	memcpy(secret, pt.data, sizeof(secret));
	arena_release(&ar);
	int64_t now = (int64_t)time(NULL) / 30;
	int64_t used = -1;
	/* one step either side for clock drift; each step once (replay) */
	for (int64_t s = now - 1; s <= now + 1; s++)
		if (s > last_step && totp_code(secret, sizeof(secret), (uint64_t)s, 6) == want)
			used = s;
	wipe(secret, sizeof(secret));
	if (used < 0)
		return ERR_DENIED;
	*step = used;
	return vault_remint(&c, new_token, session);
}

static void recovery_hash(const struct id *account, const char *code, uint8_t out[HASH_BYTES])
{
	struct key k;
	vault_stable_subkey(5, "recovery", &k); /* survives master key rotation */
	crypto_generichash_state st;
	crypto_generichash_init(&st, k.b, sizeof(k.b), HASH_BYTES);
	crypto_generichash_update(&st, account->b, ID_BYTES);
	crypto_generichash_update(&st, (const uint8_t *)code, strlen(code));
	crypto_generichash_final(&st, out, HASH_BYTES);
	key_wipe(&k);
}

enum err vault_local_recovery_new(const char *token, char codes[RECOVERY_CODES][RECOVERY_CODE_LEN + 1],
				  uint8_t hashes[RECOVERY_CODES][HASH_BYTES])
{
	struct session_claims c;
	if (token == NULL || vault_token_claims(token, strlen(token), &c) != 0 || !c.mfa)
		return ERR_DENIED;
	static const char alphabet[] = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";
	for (int i = 0; i < RECOVERY_CODES; i++) {
		uint8_t r[12];
		random_bytes(r, sizeof(r));
		for (int j = 0, k = 0; j < RECOVERY_CODE_LEN; j++)
			codes[i][j] = (j == 4 || j == 9) ? '-' : alphabet[r[k++] & 31];
		codes[i][RECOVERY_CODE_LEN] = '\0';
		recovery_hash(&c.account, codes[i], hashes[i]);
	}
	return ERR_OK;
}

enum err vault_local_recovery_verify(const char *token, const char *code,
				     const uint8_t (*hashes)[HASH_BYTES], size_t n, size_t *index,
				     char new_token[SESSION_TOKEN_B64_LEN + 1], struct id *session)
{
	struct session_claims c;
	if (token == NULL || vault_token_claims(token, strlen(token), &c) != 0)
		return ERR_DENIED;
	if (breaker_is_tripped(&c.account, &c.session))
		return ERR_TRIPPED;
	char norm[RECOVERY_CODE_LEN + 1];
	size_t j = 0;
	for (const char *p = code; *p && j < RECOVERY_CODE_LEN; p++) {
		char ch = *p >= 'a' && *p <= 'z' ? (char)(*p - 'a' + 'A') : *p;
		if (ch == ' ')
			continue;
		norm[j++] = ch;
	}
	norm[j] = '\0';
	uint8_t h[HASH_BYTES];
	recovery_hash(&c.account, norm, h);
	for (size_t i = 0; i < n; i++)
		if (sodium_memcmp(h, hashes[i], HASH_BYTES) == 0) {
			*index = i;
			return vault_remint(&c, new_token, session);
		}
	return ERR_DENIED;
}
