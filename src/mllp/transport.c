/*
 * The MLLP listener's transport (mllp_int.h): plain TCP on loopback, or TLS 1.2/1.3 with
 * GnuTLS (the library libmicrohttpd already uses for HTTPS), the same priorities as the HTTP
 * listener (TLS_PRIORITIES), and a client certificate required. The certificate is not checked
 * against a CA: the register pins each sender's certificate by the SHA-256 of its DER
 * (docs/internals/FEEDS.md), and the handshake's CertificateVerify proves the sender holds its
 * key. Sockets carry a one-second receive timeout (set by the listener), so a read or a
 * handshake step returns to the caller, which checks its deadlines, at least once a second.
 */
#include <errno.h>
#include <gnutls/gnutls.h>
#include <gnutls/x509.h>
#include <stdio.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "mllp/mllp_int.h"
#include "util/log.h"

static gnutls_certificate_credentials_t creds;
static gnutls_priority_t priorities;
static bool tls_loaded;

int64_t mllp_now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec;
}

int mllp_tls_load(const char *cert, const char *key)
{
	if (gnutls_certificate_allocate_credentials(&creds) != GNUTLS_E_SUCCESS)
		return -1;
	int rc = gnutls_certificate_set_x509_key_file(creds, cert, key, GNUTLS_X509_FMT_PEM);
	if (rc < 0) {
		fprintf(stderr, "medkeep: MLLP: cannot read the TLS certificate or key (%s)\n",
			gnutls_strerror(rc));
		gnutls_certificate_free_credentials(creds);
		return -1;
	}
	if (gnutls_priority_init(&priorities, TLS_PRIORITIES, NULL) != GNUTLS_E_SUCCESS) {
		gnutls_certificate_free_credentials(creds);
		return -1;
	}
	tls_loaded = true;
	return 0;
}

bool mllp_tls_enabled(void)
{
	return tls_loaded;
}

void mllp_tls_unload(void)
{
	if (!tls_loaded)
		return;
	gnutls_priority_deinit(priorities);
	gnutls_certificate_free_credentials(creds);
	tls_loaded = false;
}

/* The handshake, retried on each receive timeout until the deadline. */
static int handshake(gnutls_session_t s, int64_t deadline)
{
	for (;;) {
		int rc = gnutls_handshake(s);
		if (rc == GNUTLS_E_SUCCESS)
			return 0;
		if ((rc != GNUTLS_E_AGAIN && rc != GNUTLS_E_INTERRUPTED) || mllp_now() >= deadline)
			return -1;
	}
}

/* The SHA-256 of the client's own certificate (the first of those it showed). */
static int peer_fingerprint(gnutls_session_t s, uint8_t out[CERT_SHA256_BYTES])
{
	if (gnutls_certificate_type_get(s) != GNUTLS_CRT_X509)
		return -1;
	unsigned int n = 0;
	const gnutls_datum_t *chain = gnutls_certificate_get_peers(s, &n);
	if (chain == NULL || n == 0)
		return -1;
	return cert_der_sha256(chain[0].data, chain[0].size, out);
}

int mllp_io_start(struct mllp_io *io, int fd, int64_t deadline,
		  uint8_t cert_sha256[CERT_SHA256_BYTES])
{
	io->fd = fd;
	io->tls = NULL;
	if (!tls_loaded)
		return 0;
	gnutls_session_t s;
	if (gnutls_init(&s, GNUTLS_SERVER | GNUTLS_NO_SIGNAL) != GNUTLS_E_SUCCESS) {
		close(fd);
		return -1;
	}
	io->tls = s;
	if (gnutls_priority_set(s, priorities) != GNUTLS_E_SUCCESS ||
	    gnutls_credentials_set(s, GNUTLS_CRD_CERTIFICATE, creds) != GNUTLS_E_SUCCESS) {
		mllp_io_close(io);
		return -1;
	}
	/* No certificate, no connection: the handshake fails without one. */
	gnutls_certificate_server_set_request(s, GNUTLS_CERT_REQUIRE);
	gnutls_transport_set_int(s, fd);
	gnutls_handshake_set_timeout(s, 0);
	if (handshake(s, deadline) != 0 || peer_fingerprint(s, cert_sha256) != 0) {
		gnutls_deinit(s);
		io->tls = NULL;
		close(fd);
		return -1;
	}
	return 0;
}

ssize_t mllp_io_read(struct mllp_io *io, void *buf, size_t n)
{
	if (io->tls == NULL) {
		ssize_t r = recv(io->fd, buf, n, 0);
		if (r >= 0)
			return r;
		return errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR ? MLLP_IO_AGAIN
										 : MLLP_IO_ERROR;
	}
	ssize_t r = gnutls_record_recv(io->tls, buf, n);
	if (r >= 0)
		return r;
	if (r == GNUTLS_E_AGAIN || r == GNUTLS_E_INTERRUPTED)
		return MLLP_IO_AGAIN;
	/* A peer that closes without close_notify has ended the connection all the same. */
	return r == GNUTLS_E_PREMATURE_TERMINATION ? MLLP_IO_EOF : MLLP_IO_ERROR;
}

int mllp_io_write(struct mllp_io *io, const void *buf, size_t n, int64_t deadline)
{
	const char *p = buf;
	while (n > 0) {
		ssize_t w;
		if (io->tls == NULL) {
			w = send(io->fd, p, n, MSG_NOSIGNAL);
			if (w < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)
				return -1;
		} else {
			w = gnutls_record_send(io->tls, p, n);
			if (w < 0 && w != GNUTLS_E_AGAIN && w != GNUTLS_E_INTERRUPTED)
				return -1;
		}
		if (w > 0) {
			p += w;
			n -= (size_t)w;
		} else if (mllp_now() >= deadline) {
			return -1;
		}
	}
	return 0;
}

void mllp_io_close(struct mllp_io *io)
{
	if (io->tls != NULL) {
		gnutls_bye(io->tls, GNUTLS_SHUT_WR);
		gnutls_deinit(io->tls);
		io->tls = NULL;
	}
	if (io->fd >= 0)
		close(io->fd);
	io->fd = -1;
}
