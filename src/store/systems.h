/*
 * Practice systems over FHIR (docs/internals/SYSTEMS.md): the operator's register of system
 * clients (SMART Backend Services: one practice, public keys, system scopes), the assertion
 * ids already used (a jti is never taken twice), and the short-lived access tokens issued to
 * them. Not patient data: no grant here; what a system's token reaches is decided by the gate.
 */
#ifndef MEDKEEP_STORE_SYSTEMS_H
#define MEDKEEP_STORE_SYSTEMS_H
#include "store/store.h"

#define SYSTEM_NAME_MAX 80
#define SYSTEMS_MAX 200

struct store_system {
	struct id id; /* the client_id */
	struct id practice;
	char name[SYSTEM_NAME_MAX + 1];
	const char *jwks; /* the registered public key set (JSON), in the caller's arena */
	unsigned scopes;  /* SYSTEM_SCOPE_* (policy.h) it may be granted */
	int64_t created;
};

/* Register a system client. */
enum err store_system_insert(const struct store_system *s);
/* A registered system (not removed), its key set copied into a; ERR_NOT_FOUND otherwise. */
enum err store_system_get(const struct id *id, struct arena *a, struct store_system *out);
/* Every registered system, oldest first (at most SYSTEMS_MAX); *out and key sets in a. */
enum err store_systems_list(struct arena *a, struct store_system **out, size_t *n);
/* Remove a system: its tokens end with it, at once. ERR_NOT_FOUND when there is none. */
enum err store_system_remove(const struct id *id, int64_t now);

/* Use an assertion id (a hash of the jti) of a system until `expires`: ERR_OK the first time,
 * ERR_CONFLICT when it was used before. Ids whose assertion has expired are forgotten
 * (an expired assertion is refused anyway). */
enum err store_system_jti_use(const struct id *client, const uint8_t jti_hash[HASH_BYTES],
			      int64_t expires, int64_t now);

/* An access token issued to a system, stored by its hash only. */
struct store_system_token {
	struct id session; /* the token's session id (in the vault's claims) */
	struct id client;
	struct id practice;
	unsigned scopes; /* SYSTEM_SCOPE_* granted */
	int64_t created;
	int64_t expires;
	char name[SYSTEM_NAME_MAX + 1]; /* the system's name (read with the token) */
};
/* Store a new token (its system's expired ones are deleted on the way). */
enum err store_system_token_insert(const uint8_t token_hash[HASH_BYTES],
				   const struct store_system_token *t);
/* The live token of this hash whose system is still registered; ERR_NOT_FOUND otherwise
 * (an expired token is deleted on the way). */
enum err store_system_token_get(const uint8_t token_hash[HASH_BYTES], int64_t now,
				struct store_system_token *out);

#endif
