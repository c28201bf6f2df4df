/*
 * The MLLP listener (listener.h). It runs in its own process, `mllp-process`, started by
 * `serve` (docs/internals/PROCESSES.md): it holds no key (the vault mints each feed's system
 * token), reads and writes the database as a worker does, and narrows itself like a worker.
 *
 * LIMIT_MLLP_CONNECTIONS slots, each a thread that accepts one connection at a time on the
 * shared listening socket and serves it to the end; further senders wait in the listen queue.
 * Messages on one connection are handled in order, each answered before the next is read
 * (MLLP is request and response). A connection holds a buffer of LIMIT_HL7_MESSAGE_BYTES,
 * allocated when it is accepted and wiped and freed when it closes, so a sender that leaves
 * mid-message leaves nothing behind. Clocks: a TLS handshake within LIMIT_MLLP_HANDSHAKE_SECONDS;
 * a whole message within LIMIT_MLLP_MESSAGE_SECONDS of the read that began its frame; at most
 * LIMIT_MLLP_IDLE_SECONDS between messages. Bytes outside a frame, or a broken frame, close the
 * connection at once.
 */
#include "mllp/listener.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "mllp/mllp_int.h"
#include "store/feeds.h"
#include "util/log.h"
#include "util/wipe.h"

static volatile sig_atomic_t stopping;
static int listen_fd = -1;
static unsigned message_seconds = LIMIT_MLLP_MESSAGE_SECONDS;
static unsigned idle_seconds = LIMIT_MLLP_IDLE_SECONDS;
static unsigned handshake_seconds = LIMIT_MLLP_HANDSHAKE_SECONDS;

static void on_stop(int sig)
{
	(void)sig;
	stopping = 1;
}

bool mllp_fd_is_loopback(int fd)
{
	struct sockaddr_storage ss;
	socklen_t sl = sizeof(ss);
	if (getsockname(fd, (struct sockaddr *)&ss, &sl) != 0)
		return false;
	if (ss.ss_family == AF_INET6)
		return IN6_IS_ADDR_LOOPBACK(&((struct sockaddr_in6 *)&ss)->sin6_addr);
	if (ss.ss_family == AF_INET)
		return (ntohl(((struct sockaddr_in *)&ss)->sin_addr.s_addr) >> 24) == 127;
	return false;
}

static void peer_ip(const struct sockaddr_storage *ss, char out[ACTOR_IP_MAX])
{
	const void *a = ss->ss_family == AF_INET6
				? (const void *)&((const struct sockaddr_in6 *)ss)->sin6_addr
				: (const void *)&((const struct sockaddr_in *)ss)->sin_addr;
	if (inet_ntop(ss->ss_family, a, out, ACTOR_IP_MAX) == NULL)
		snprintf(out, ACTOR_IP_MAX, "-");
}

/* A socket's timeouts: reads return at least once a second (so the clocks are checked), and
 * a write that cannot go on for a second returns to mllp_io_write's deadline. */
static void set_timeouts(int fd)
{
	struct timeval tv = {.tv_sec = 1, .tv_usec = 0};
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
}

/* Identify a TLS sender by its certificate: 0 with c->cert_feed, or -1 (unknown: close). */
static int identify_certificate(struct mllp_conn *c, const uint8_t sha[CERT_SHA256_BYTES])
{
	struct store_feed f;
	enum err e = store_feed_by_cert(sha, &f);
	if (e != ERR_OK) {
		log_info("component=mllp event=refused reason=%s", e == ERR_NOT_FOUND
									  ? "unknown-certificate"
									  : "cannot-look-up");
		return -1;
	}
	c->has_cert = true;
	c->cert_feed = f.id;
	id_hex(&f.id, c->feed_hex);
	return 0;
}

/* Feed one read's bytes to the decoder, handling every message they complete: how many frames
 * ended (answered or dropped), or -1 to close. */
static int take_bytes(struct mllp_conn *c, const char *p, size_t n)
{
	int ended = 0;
	while (n > 0) {
		size_t used = 0;
		enum mllp_event ev = mllp_push(&c->dec, p, n, &used);
		if (c->dec.len > c->buf_used)
			c->buf_used = c->dec.len;
		p += used;
		n -= used;
		switch (ev) {
		case MLLP_MORE:
			break;
		case MLLP_MESSAGE:
			if (mllp_handle_message(c, mllp_message(&c->dec)) != 0)
				return -1;
			ended++;
			break;
		case MLLP_TOO_BIG:
			if (mllp_refuse_too_big(c, mllp_message(&c->dec)) != 0)
				return -1;
			break;
		case MLLP_OUTSIDE:
		case MLLP_BROKEN:
			log_info("component=mllp feed=%s event=%s close=1", c->feed_hex,
				 ev == MLLP_OUTSIDE ? "bytes-outside-frame" : "broken-frame");
			return -1;
		}
	}
	return ended;
}

/* Read and answer until the sender leaves, breaks the framing or a clock runs out. */
static void converse(struct mllp_conn *c)
{
	int64_t last = mllp_now(), frame_start = 0;
	while (!stopping) {
		ssize_t r = mllp_io_read(&c->io, c->in, sizeof(c->in));
		int64_t now = mllp_now();
		/* Checked after every read, with bytes or without: a drip never resets a clock. */
		if (frame_start != 0 && now - frame_start >= (int64_t)message_seconds) {
			log_info("component=mllp feed=%s event=message-deadline close=1", c->feed_hex);
			return;
		}
		if (r == MLLP_IO_AGAIN) {
			if (frame_start == 0 && now - last >= (int64_t)idle_seconds)
				return;
			continue;
		}
		if (r <= 0) {
			if (mllp_in_frame(&c->dec))
				log_info("component=mllp feed=%s event=left-mid-message", c->feed_hex);
			return;
		}
		if (frame_start == 0)
			frame_start = now;
		int ended = take_bytes(c, c->in, (size_t)r);
		if (ended < 0)
			return;
		if (!mllp_in_frame(&c->dec)) {
			frame_start = 0;
			last = mllp_now();
		} else if (ended > 0) {
			frame_start = mllp_now(); /* the next frame began in this read, after the last */
		}
	}
}

/* The address each slot serves now ("" when free), to cap the connections of one address. */
static pthread_mutex_t slots_lock = PTHREAD_MUTEX_INITIALIZER;
static char slot_ip[LIMIT_MLLP_CONNECTIONS][ACTOR_IP_MAX];

/* Take slot for ip: 0, or -1 when ip holds LIMIT_MLLP_CONNECTIONS_PER_IP slots already. */
static int claim_slot(size_t slot, const char *ip)
{
	pthread_mutex_lock(&slots_lock);
	unsigned held = 0;
	for (size_t i = 0; i < LIMIT_MLLP_CONNECTIONS; i++)
		held += strcmp(slot_ip[i], ip) == 0;
	int rc = held < LIMIT_MLLP_CONNECTIONS_PER_IP ? 0 : -1;
	if (rc == 0)
		snprintf(slot_ip[slot], ACTOR_IP_MAX, "%s", ip);
	pthread_mutex_unlock(&slots_lock);
	return rc;
}

static void release_slot(size_t slot)
{
	pthread_mutex_lock(&slots_lock);
	slot_ip[slot][0] = '\0';
	pthread_mutex_unlock(&slots_lock);
}

/* One connection from accept to close. */
static void serve_connection(int fd, const char *ip)
{
	struct mllp_conn *c = calloc(1, sizeof(*c));
	char *buf = malloc(LIMIT_HL7_MESSAGE_BYTES);
	if (c == NULL || buf == NULL) {
		log_warn("component=mllp error=\"out of memory\"");
		free(c);
		free(buf);
		close(fd);
		return;
	}
	set_timeouts(fd);
	snprintf(c->ip, sizeof(c->ip), "%s", ip);
	snprintf(c->feed_hex, sizeof(c->feed_hex), "-");
	c->buf = buf;
	mllp_init(&c->dec, buf, LIMIT_HL7_MESSAGE_BYTES);
	uint8_t sha[CERT_SHA256_BYTES];
	if (mllp_io_start(&c->io, fd, mllp_now() + handshake_seconds, sha) != 0) {
		log_info("component=mllp event=refused reason=handshake");
	} else if (!mllp_tls_enabled() || identify_certificate(c, sha) == 0) {
		converse(c);
		mllp_io_close(&c->io);
	} else {
		mllp_io_close(&c->io);
	}
	wipe(buf, c->buf_used);
	free(buf);
	wipe(c, sizeof(*c));
	free(c);
}

static void *slot_main(void *arg)
{
	size_t slot = (size_t)(uintptr_t)arg;
	while (!stopping) {
		struct sockaddr_storage peer;
		socklen_t pl = sizeof(peer);
		memset(&peer, 0, sizeof(peer));
		int fd = accept4(listen_fd, (struct sockaddr *)&peer, &pl, SOCK_CLOEXEC);
		if (fd < 0) {
			if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR &&
			    errno != ECONNABORTED)
				usleep(100 * 1000); /* out of descriptors, say: do not spin */
			continue;
		}
		char ip[ACTOR_IP_MAX];
		peer_ip(&peer, ip);
		if (claim_slot(slot, ip) != 0) {
			log_info("component=mllp event=refused reason=too-many-from-address");
			close(fd);
			continue;
		}
		serve_connection(fd, ip);
		release_slot(slot);
	}
	return NULL;
}

#ifdef MEDKEEP_CHAOS
/* Fault injection (build/medkeep-chaos only): MEDKEEP_FAULT=mllp_short_clocks makes the
 * message deadline, the idle time and the handshake's 3 seconds, so tests of a dripping or
 * silent sender stay short. */
static void chaos_clocks(void)
{
	const char *fault = getenv("MEDKEEP_FAULT");
	if (fault != NULL && strcmp(fault, "mllp_short_clocks") == 0)
		message_seconds = idle_seconds = handshake_seconds = 3;
}
#endif

int mllp_serve(const struct mllp_config *cfg, void (*started)(void))
{
	bool tls = cfg->tls_cert != NULL && cfg->tls_key != NULL;
	if (!tls && !mllp_fd_is_loopback(cfg->listen_fd)) {
		fprintf(stderr, "medkeep: MLLP without TLS is for loopback only\n");
		return 2;
	}
	if (tls && mllp_tls_load(cfg->tls_cert, cfg->tls_key) != 0)
		return 2;
#ifdef MEDKEEP_CHAOS
	chaos_clocks();
#endif
	listen_fd = cfg->listen_fd;
	set_timeouts(listen_fd); /* accept returns each second, to see a stop */
	struct sigaction sa;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_stop;
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
	if (started)
		started();
	/* The slots block the stop signals, so they reach this thread's sigsuspend. */
	sigset_t stops, old;
	sigemptyset(&stops);
	sigaddset(&stops, SIGTERM);
	sigaddset(&stops, SIGINT);
	pthread_sigmask(SIG_BLOCK, &stops, &old);
	pthread_t slots[LIMIT_MLLP_CONNECTIONS];
	size_t n = 0;
	for (; n < LIMIT_MLLP_CONNECTIONS; n++)
		if (pthread_create(&slots[n], NULL, slot_main, (void *)(uintptr_t)n) != 0)
			break;
	int rc = n == LIMIT_MLLP_CONNECTIONS ? 0 : 1;
	if (rc != 0)
		stopping = 1;
	else
		log_info("component=mllp event=listening tls=%d slots=%u", tls, LIMIT_MLLP_CONNECTIONS);
	while (!stopping)
		sigsuspend(&old); /* the stops are blocked but here: none is missed */
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	for (size_t i = 0; i < n; i++)
		pthread_join(slots[i], NULL);
	mllp_tls_unload();
	log_info("component=mllp event=stopped");
	return rc;
}
