/*
 * Internals of the MLLP listener (src/mllp): the byte transport of one connection, plain TCP or
 * TLS with a client certificate (transport.c, GnuTLS). Only src/mllp includes this.
 */
#ifndef MEDKEEP_MLLP_INT_H
#define MEDKEEP_MLLP_INT_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "crypto/cert.h"
#include "hl7/hl7.h"
#include "hl7/mllp.h"
#include "limits.h"
#include "util/id.h"
#include "vault/vault.h"
#include "policy/policy.h"

/* One connection's transport: the socket, and its TLS session when the listener has TLS. */
struct mllp_io {
	int fd;
	void *tls; /* gnutls_session_t, or NULL on a plain listener */
};

/* What a read gave: bytes (> 0), or one of these. */
#define MLLP_IO_EOF 0
#define MLLP_IO_ERROR (-1)
#define MLLP_IO_AGAIN (-2) /* nothing within the socket's receive timeout: check the clocks */

/* Load the listener's certificate and key (PEM files) and the priorities, once, before the
 * sandbox. 0, or -1 with a message on stderr. */
int mllp_tls_load(const char *cert, const char *key);
/* Whether mllp_tls_load succeeded: connections then speak TLS. */
bool mllp_tls_enabled(void);
/* Free what mllp_tls_load holds. */
void mllp_tls_unload(void);

/*
 * Start io on an accepted socket: plain, or (with TLS loaded) the handshake, which must finish
 * by the monotonic second `deadline` and must bring a client certificate; its SHA-256 (of the
 * DER) goes to cert_sha256. 0, or -1 (io is closed then). A plain start never fails.
 */
int mllp_io_start(struct mllp_io *io, int fd, int64_t deadline,
		  uint8_t cert_sha256[CERT_SHA256_BYTES]);
/* Read up to n bytes: > 0, MLLP_IO_EOF, MLLP_IO_ERROR or MLLP_IO_AGAIN. */
ssize_t mllp_io_read(struct mllp_io *io, void *buf, size_t n);
/* Write all n bytes by the monotonic second `deadline`: 0, or -1. */
int mllp_io_write(struct mllp_io *io, const void *buf, size_t n, int64_t deadline);
/* End the connection (a TLS close_notify when it can be sent at once) and close the socket. */
void mllp_io_close(struct mllp_io *io);

/* Seconds on the monotonic clock. */
int64_t mllp_now(void);

/* A message's control id as a log line shows it (escaped, cut short). */
#define LOG_CONTROL_MAX 64

/* One connection, from accept to close: allocated for it, wiped and freed after it. */
struct mllp_conn {
	struct mllp_io io;
	char ip[ACTOR_IP_MAX];
	bool has_cert;       /* TLS: the sender is the feed of its certificate */
	struct id cert_feed; /* that feed (looked up again for every message) */
	char feed_hex[ID_HEX_LEN + 1]; /* for logs: the last feed identified, or "-" */
	/* The feed's system token from the vault, minted on its first message. */
	char token[SESSION_TOKEN_B64_LEN + 1];
	struct id session;
	struct id token_feed;
	int64_t token_at;   /* monotonic seconds, for its renewal */
	int64_t token_wall; /* when it was minted (UTC seconds): the actor's factor_at */
	struct mllp_decoder dec;
	char *buf;           /* LIMIT_HL7_MESSAGE_BYTES, the decoder's */
	size_t buf_used;     /* the most of buf ever written, to wipe */
	struct hl7_segment segs[LIMIT_HL7_SEGMENTS];
	char out[LIMIT_HL7_ACK_BYTES + 3]; /* a framed ACK */
	char in[LIMIT_MLLP_READ_BYTES];
};

/* Handle one complete message (message.c): 0 when answered, -1 to close the connection. */
int mllp_handle_message(struct mllp_conn *c, struct slice msg);
/* Answer a frame too big with AR from its MSH (the prefix kept): 0, or -1 to close when its
 * MSH cannot be read. */
int mllp_refuse_too_big(struct mllp_conn *c, struct slice prefix);
/* Send m's ACK with code and err (NULL or code 0: none): 0, or -1 when it cannot be written. */
int mllp_send_ack(struct mllp_conn *c, const struct hl7_msg *m, enum hl7_ack_code code,
		  const struct hl7_error *err);

#endif
