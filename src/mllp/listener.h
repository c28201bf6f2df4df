/*
 * The HL7 v2 feed listener, `medkeep serve --mllp ADDR:PORT` (docs/internals/FEEDS.md, "The
 * listener"): MLLP release 2 over plain TCP on loopback, or over TLS with client
 * certificates. Each sender is identified against the feed register, each message parsed
 * (src/hl7), handed to ingestion (src/ingest/ingest.h) as the feed's system actor, and
 * answered with the ACK ingestion decided, only after it returns.
 */
#ifndef MEDKEEP_MLLP_LISTENER_H
#define MEDKEEP_MLLP_LISTENER_H
#include <stdbool.h>

struct mllp_config {
	int listen_fd;        /* bound and listening (the parent made it) */
	const char *tls_cert; /* PEM paths, or NULL for plain TCP (loopback only) */
	const char *tls_key;
};

/* Whether the socket fd is bound to a loopback address (127.0.0.0/8 or ::1). */
bool mllp_fd_is_loopback(int fd);

/*
 * Serve MLLP on cfg->listen_fd until SIGTERM or SIGINT: LIMIT_MLLP_CONNECTIONS connection
 * slots, each a thread. The store, audit and vault client must be ready; started() runs once
 * the TLS credentials are loaded, before any slot starts or any connection is accepted (the
 * process narrows itself there; the slots inherit its filter).
 * Refuses (2) plain TCP on an address beyond loopback. Returns the process exit code.
 */
int mllp_serve(const struct mllp_config *cfg, void (*started)(void));

#endif
