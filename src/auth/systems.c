/*
 * Practice systems (systems.h): the register, the token endpoint's client_credentials grant
 * with a signed assertion (SMART Backend Services), and the system's bearer token read back
 * into an actor. The assertion is checked here, in the worker; the vault then mints the token
 * on the worker's word, as it does after a password check (DESIGN.md invariant 5, SYSTEMS.md).
 */
#include "auth/systems.h"

#include <stdio.h>
#include <string.h>

#include "audit/audit.h"
#include "auth/auth_int.h"
#include "crypto/crypto.h"
#include "crypto/jws.h"
#include "domain/locks.h"
#include "limits.h"
#include "store/practice.h"
#include "util/wipe.h"

/* Each resource type a system scope names, and the bits of its read and write. */
static const struct {
	const char *type;
	unsigned read, write;
} kinds[] = {
	{"Patient", SYSTEM_SCOPE_PATIENT_READ, SYSTEM_SCOPE_PATIENT_WRITE},
	{"DocumentReference", 0, SYSTEM_SCOPE_DOCUMENT_WRITE},
	{"DiagnosticReport", 0, SYSTEM_SCOPE_RESULT_WRITE},
	{"Observation", 0, SYSTEM_SCOPE_RESULT_WRITE},
	/* the health summary, one part (docs/internals/SUMMARY.md): vital-sign Observations too */
	{"AllergyIntolerance", 0, SYSTEM_SCOPE_SUMMARY_WRITE},
	{"Condition", 0, SYSTEM_SCOPE_SUMMARY_WRITE},
	{"Immunization", 0, SYSTEM_SCOPE_SUMMARY_WRITE},
};
#define N_KINDS (sizeof(kinds) / sizeof(kinds[0]))

static unsigned scope_bits(const char *s, size_t n)
{
	if (n < 9 || n > 64 || memcmp(s, "system/", 7) != 0)
		return 0;
	const char *type = s + 7, *dot = memchr(type, '.', n - 7);
	if (dot == NULL)
		return 0;
	size_t tn = (size_t)(dot - type);
	bool read, write;
	auth_perm_bits(dot + 1, n - 7 - tn - 1, &read, &write);
	unsigned bits = 0;
	for (size_t i = 0; i < N_KINDS; i++)
		if ((tn == 1 && type[0] == '*') ||
		    (strlen(kinds[i].type) == tn && memcmp(kinds[i].type, type, tn) == 0))
			bits |= (read ? kinds[i].read : 0) | (write ? kinds[i].write : 0);
	return bits;
}

unsigned systems_parse_scope(const char *scope, size_t len)
{
	return auth_scope_bits(scope, len, LIMIT_SCOPE_STRING, scope_bits);
}

void systems_scope_string(unsigned scopes, struct buf *out)
{
	static const struct {
		unsigned bit;
		const char *names;
	} names[] = {
		{SYSTEM_SCOPE_PATIENT_READ, "system/Patient.rs"},
		{SYSTEM_SCOPE_PATIENT_WRITE, "system/Patient.cu"},
		{SYSTEM_SCOPE_DOCUMENT_WRITE, "system/DocumentReference.c"},
		{SYSTEM_SCOPE_RESULT_WRITE, "system/DiagnosticReport.c system/Observation.c"},
		{SYSTEM_SCOPE_SUMMARY_WRITE,
		 "system/AllergyIntolerance.c system/Condition.c system/Immunization.c"},
	};
	bool first = true;
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (scopes & names[i].bit) {
			if (!first)
				buf_append(out, " ", 1);
			buf_append(out, names[i].names, strlen(names[i].names));
			first = false;
		}
}

enum err systems_register(const char *practice_id, const char *name, const char *jwks,
			  const char *scope, struct store_system *out, const char **why)
{
	memset(out, 0, sizeof(*out));
	if (practice_id == NULL || id_parse(&out->practice, practice_id, strlen(practice_id)) != 0) {
		*why = "--practice must be a practice id (32 hex digits; medkeep practices list)";
		return ERR_BAD_REQUEST;
	}
	struct arena ar;
	arena_init(&ar, LIMIT_SCRATCH_ARENA);
	const char *pname = NULL;
	int p = store_practice_name(&out->practice, &ar, &pname);
	arena_release(&ar);
	if (p != ERR_OK) {
		*why = p == ERR_NOT_FOUND ? "no such practice" : "cannot read the practices";
		return p == ERR_NOT_FOUND ? ERR_BAD_REQUEST : ERR_INTERNAL;
	}
	if (name == NULL || name[0] == '\0' || strlen(name) > SYSTEM_NAME_MAX) {
		*why = "give the system a name of at most 80 characters";
		return ERR_BAD_REQUEST;
	}
	for (const char *c = name; *c; c++)
		if ((unsigned char)*c < 0x20 || *c == 0x7f) {
			*why = "the name has a control character";
			return ERR_BAD_REQUEST;
		}
	if (jwks == NULL || jwks_check(jwks, strlen(jwks), why) != 0)
		return ERR_BAD_REQUEST;
	out->scopes = scope ? systems_parse_scope(scope, strlen(scope)) : SYSTEM_SCOPE_ALL;
	if (out->scopes == 0) {
		*why = "--scope names no system scope medkeep grants (system/Patient.cru, "
		       "system/DocumentReference.c, system/DiagnosticReport.c, system/Observation.c)";
		return ERR_BAD_REQUEST;
	}
	random_id(&out->id);
	snprintf(out->name, sizeof(out->name), "%s", name);
	out->jwks = jwks;
	out->created = now_s();
	return store_system_insert(out) == ERR_OK ? ERR_OK : ERR_INTERNAL;
}

enum err systems_remove(const char *client_id)
{
	struct id id;
	if (client_id == NULL || id_parse(&id, client_id, strlen(client_id)) != 0)
		return ERR_BAD_CLIENT;
	int s = store_system_remove(&id, now_s());
	return s == ERR_OK ? ERR_OK : s == ERR_NOT_FOUND ? ERR_BAD_CLIENT : ERR_INTERNAL;
}

/* --- the token endpoint --- */

static void throttle_key(const char *ip, char out[80])
{
	uint8_t h[HASH_BYTES];
	hash2("medkeep-system-ip", 17, ip, strlen(ip), h);
	auth_hash_key("s:", h, out);
}

static bool aud_ok(json_t *aud, const char *endpoint)
{
	if (json_is_string(aud))
		return strcmp(json_string_value(aud), endpoint) == 0;
	if (!json_is_array(aud) || json_array_size(aud) != 1)
		return false;
	json_t *one = json_array_get(aud, 0);
	return json_is_string(one) && strcmp(json_string_value(one), endpoint) == 0;
}

/* The claims of a verified assertion: iss = sub = client, aud = this token endpoint, exp
 * ahead by at most SYSTEM_ASSERTION_MAX_SECONDS, nbf and iat not ahead, a jti. */
static const char *claims_problem(json_t *c, const char *client, const char *endpoint, int64_t now,
				  int64_t *exp, const char **jti)
{
	json_t *iss = json_object_get(c, "iss"), *sub = json_object_get(c, "sub");
	json_t *e = json_object_get(c, "exp"), *j = json_object_get(c, "jti");
	json_t *nbf = json_object_get(c, "nbf"), *iat = json_object_get(c, "iat");
	if (!json_is_string(iss) || !json_is_string(sub) || strcmp(json_string_value(iss), client) != 0 ||
	    strcmp(json_string_value(sub), client) != 0)
		return "iss and sub must both be the client_id";
	if (endpoint == NULL || !aud_ok(json_object_get(c, "aud"), endpoint))
		return "aud must be this server's token endpoint URL";
	if (!json_is_integer(e))
		return "exp is required";
	*exp = json_integer_value(e);
	if (*exp <= now)
		return "the assertion has expired";
	if (*exp > now + SYSTEM_ASSERTION_MAX_SECONDS + SYSTEM_CLOCK_SKEW_SECONDS)
		return "exp may be at most five minutes ahead";
	if ((nbf != NULL && (!json_is_integer(nbf) || json_integer_value(nbf) > now + SYSTEM_CLOCK_SKEW_SECONDS)) ||
	    (iat != NULL && (!json_is_integer(iat) || json_integer_value(iat) > now + SYSTEM_CLOCK_SKEW_SECONDS)))
		return "nbf or iat is in the future";
	if (!json_is_string(j) || json_string_length(j) == 0 || json_string_length(j) > 256)
		return "jti is required (at most 256 characters)";
	*jti = json_string_value(j);
	return NULL;
}

static void system_actor(const struct id *client, const struct id *practice, const char *ip,
			 struct actor *a)
{
	memset(a, 0, sizeof(*a));
	a->role = ROLE_SYSTEM;
	if (client)
		a->account = *client;
	if (practice) {
		a->has_practice = true;
		a->practice = *practice;
	}
	/* The private key that signed the assertion is the system's strong factor: its sign-in
	 * is finished, as the vault's claims for it say (vault_local_system_token). */
	a->mfa = true;
	a->mfa_enrolled = true;
	snprintf(a->ip, sizeof(a->ip), "%s", ip ? ip : "-");
}

/* Check the assertion: 0 with the client's row, or -1 with *description (invalid_client). */
static int check_assertion(const struct system_token_request *r, struct arena *ar,
			   struct store_system *sys, const char **description)
{
	const char *jws = r->client_assertion;
	size_t n = jws ? strlen(jws) : 0;
	json_t *peek = n && n <= JWS_MAX_BYTES ? jws_peek_claims(jws, n) : NULL;
	const char *iss = peek ? json_string_value(json_object_get(peek, "iss")) : NULL;
	struct id client;
	int rc = -1;
	json_t *claims = NULL;
	if (iss == NULL || id_parse(&client, iss, strlen(iss)) != 0) {
		*description = "client_assertion is not a signed JWT from a registered system";
		goto out;
	}
	if (r->client_id != NULL && strcmp(r->client_id, iss) != 0) {
		*description = "client_id is not the assertion's issuer";
		goto out;
	}
	if (store_system_get(&client, ar, sys) != ERR_OK) {
		*description = "unknown client";
		goto out;
	}
	const char *why = NULL;
	if (jws_verify(jws, n, sys->jwks, strlen(sys->jwks), &claims, &why) != 0) {
		*description = why;
		goto out;
	}
	int64_t exp = 0, now = now_s();
	const char *jti = NULL;
	*description = claims_problem(claims, iss, r->token_endpoint, now, &exp, &jti);
	if (*description != NULL)
		goto out;
	uint8_t h[HASH_BYTES];
	hash2("medkeep-system-jti", 18, jti, strlen(jti), h);
	int used = store_system_jti_use(&client, h, exp, now);
	if (used != ERR_OK) {
		*description = used == ERR_CONFLICT ? "this assertion's jti was used before"
						    : "cannot record the assertion";
		rc = used == ERR_CONFLICT ? -1 : -2;
		goto out;
	}
	rc = 0;
out:
	json_decref(peek);
	json_decref(claims);
	return rc;
}

enum err systems_token(const struct system_token_request *r, struct system_token *out,
		       const char **error, const char **description)
{
	memset(out, 0, sizeof(*out));
	*error = "invalid_client";
	*description = NULL;
	const char *ip = r->ip ? r->ip : "-";
	char key[80];
	throttle_key(ip, key);
	int64_t now = now_s(), blocked = 0;
	int fails = 0;
	if (store_throttle_get(key, now, THROTTLE_WINDOW_SECONDS, &fails, &blocked) != ERR_OK)
		return ERR_INTERNAL;
	if (blocked > now) {
		*description = "too many failed assertions from this address: wait and try again";
		return ERR_THROTTLED;
	}
	if (r->client_secret != NULL) {
		*description = "client secrets are never accepted: sign an assertion (private_key_jwt)";
		goto fail;
	}
	if (r->client_assertion_type == NULL || strcmp(r->client_assertion_type, SYSTEM_ASSERTION_TYPE) != 0 ||
	    r->client_assertion == NULL) {
		*description = "client_assertion_type must be " SYSTEM_ASSERTION_TYPE " with a client_assertion";
		goto fail;
	}
	struct arena ar;
	arena_init(&ar, LIMIT_SCRATCH_ARENA);
	struct store_system sys;
	int c = check_assertion(r, &ar, &sys, description);
	arena_release(&ar);
	struct actor who;
	system_actor(c == 0 ? &sys.id : NULL, c == 0 ? &sys.practice : NULL, ip, &who);
	if (c == -2)
		return ERR_INTERNAL;
	if (c != 0)
		goto fail;
	unsigned asked = r->scope ? systems_parse_scope(r->scope, strlen(r->scope)) : 0;
	out->scopes = asked & sys.scopes;
	if (out->scopes == 0) {
		*error = "invalid_scope";
		*description = "no requested scope is one this system may be granted";
		return auth_audit(&who, "system.token", NULL, AUDIT_FAIL, ip) == 0 ? ERR_BAD_REQUEST
										   : ERR_INTERNAL;
	}
	if (locks_system_held(&sys.id)) {
		/* Stopped by the breaker, held until a reviewer unlocks it (UNLOCK.md): told plainly,
		 * and not counted against the address, for the assertion was good. */
		*error = "invalid_client";
		*description = "this system was stopped by the breaker and is held for review: ask the "
			       "practice's admin or the portal's operator to review and unlock it";
		return auth_audit(&who, "system.token", NULL, AUDIT_DENY, ip) == 0 ? ERR_BAD_REQUEST
										   : ERR_INTERNAL;
	}
	struct store_system_token t;
	memset(&t, 0, sizeof(t));
	if (vault_system_token(&sys.id, &sys.practice, out->access_token, &t.session) != ERR_OK)
		return ERR_INTERNAL;
	uint8_t th[HASH_BYTES];
	hash2("medkeep-session", 15, out->access_token, strlen(out->access_token), th);
	t.client = sys.id;
	t.practice = sys.practice;
	t.scopes = out->scopes;
	t.created = now;
	t.expires = now + SYSTEM_TOKEN_SECONDS;
	who.session = t.session;
	if (auth_audit(&who, "system.token", NULL, AUDIT_OK, ip) != 0 ||
	    store_system_token_insert(th, &t) != ERR_OK) {
		wipe(out->access_token, sizeof(out->access_token));
		return ERR_INTERNAL;
	}
	out->expires_in = SYSTEM_TOKEN_SECONDS;
	*error = NULL;
	return ERR_OK;
fail:
	/* Unauthenticated: counted against the address, never against the client it names. */
	if (store_throttle_fail(key, now, THROTTLE_WINDOW_SECONDS, SYSTEM_ASSERTION_FAILURES,
				THROTTLE_BLOCK_SECONDS) != ERR_OK)
		return ERR_INTERNAL;
	return auth_audit(NULL, "system.token", NULL, AUDIT_FAIL, ip) == 0 ? ERR_BAD_REQUEST : ERR_INTERNAL;
}

int auth_system_session(const uint8_t th[HASH_BYTES], const char *ip, struct actor *out)
{
	struct store_system_token t;
	if (store_system_token_get(th, now_s(), &t) != ERR_OK)
		return -1;
	system_actor(&t.client, &t.practice, ip, out);
	out->session = t.session;
	out->system_scopes = t.scopes;
	out->factor_at = t.created;
	return 0;
}
