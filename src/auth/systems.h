/*
 * Practice systems over FHIR (docs/internals/SYSTEMS.md): a practice's management system
 * authenticates as SMART Backend Services does (client_credentials with a private_key_jwt
 * assertion, ES384 or EdDSA; no secret is ever accepted) and gets a token of minutes that acts
 * as the system (ROLE_SYSTEM) for its one practice, within its system/ scopes.
 */
#ifndef MEDKEEP_AUTH_SYSTEMS_H
#define MEDKEEP_AUTH_SYSTEMS_H
#include "policy/policy.h"
#include "store/systems.h"
#include "util/buf.h"
#include "util/err.h"
#include "vault/vault.h"

#define SYSTEM_ASSERTION_TYPE "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"

/* The SYSTEM_SCOPE_* bits of a space-separated scope string: system/Patient with read
 * (r, s, read) and write (c, u, write) permissions, system/DocumentReference,
 * system/DiagnosticReport and system/Observation with create (c, write), and system/\*.
 * Anything else grants nothing. 0 when nothing is granted. */
unsigned systems_parse_scope(const char *scope, size_t len);
/* The bits as a scope string (the names systems_parse_scope reads back). */
void systems_scope_string(unsigned scopes, struct buf *out);

/* The operator registers a system for a practice with its public key set (jwks_check) and the
 * scopes it may be granted (NULL: all). ERR_BAD_REQUEST with *why for anything wrong. */
enum err systems_register(const char *practice_id, const char *name, const char *jwks,
			  const char *scope, struct store_system *out, const char **why);
enum err systems_remove(const char *client_id);

struct system_token_request {
	const char *client_assertion_type, *client_assertion, *client_id, *client_secret, *scope;
	const char *token_endpoint; /* this server's token endpoint URL: the assertion's aud */
	const char *ip;
};
struct system_token {
	char access_token[SESSION_TOKEN_B64_LEN + 1];
	unsigned scopes;
	int64_t expires_in;
};
/*
 * Check a client_credentials request (SMART Backend Services) and issue a token. On failure
 * ERR_BAD_REQUEST with *error (RFC 6749 5.2: invalid_request, invalid_client, invalid_scope)
 * and *description; ERR_THROTTLED when this address has failed too often; ERR_INTERNAL.
 */
enum err systems_token(const struct system_token_request *r, struct system_token *out,
		       const char **error, const char **description);

#endif
