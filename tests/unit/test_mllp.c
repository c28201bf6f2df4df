/* The MLLP listener's parts that need no server (src/mllp, docs/internals/FEEDS.md): which
 * sockets count as loopback (plain MLLP is allowed only there), and the answers to messages
 * that never reach a feed: AE for a malformed message, AR for a frame too big (from its MSH),
 * and no answer at all when no MSH can be read. The ACKs travel over a socket pair. */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "mllp/listener.h"
#include "mllp/mllp_int.h"
#include "test.h"

static int bound(int family, const char *addr)
{
	int fd = socket(family, SOCK_STREAM, 0);
	struct sockaddr_storage ss;
	memset(&ss, 0, sizeof(ss));
	socklen_t sl;
	if (family == AF_INET6) {
		struct sockaddr_in6 *a = (struct sockaddr_in6 *)&ss;
		a->sin6_family = AF_INET6;
		inet_pton(AF_INET6, addr, &a->sin6_addr);
		sl = sizeof(*a);
	} else {
		struct sockaddr_in *a = (struct sockaddr_in *)&ss;
		a->sin_family = AF_INET;
		inet_pton(AF_INET, addr, &a->sin_addr);
		sl = sizeof(*a);
	}
	if (fd >= 0 && bind(fd, (struct sockaddr *)&ss, sl) != 0) {
		close(fd);
		return -1;
	}
	return fd;
}

static void loopback(void)
{
	int fd = bound(AF_INET, "127.0.0.1");
	CHECK(fd >= 0 && mllp_fd_is_loopback(fd));
	close(fd);
	fd = bound(AF_INET, "127.1.2.3");
	CHECK(fd >= 0 && mllp_fd_is_loopback(fd));
	close(fd);
	fd = bound(AF_INET, "0.0.0.0");
	CHECK(fd >= 0 && !mllp_fd_is_loopback(fd));
	close(fd);
	fd = bound(AF_INET6, "::1");
	if (fd >= 0) { /* a machine without IPv6 has nothing to check */
		CHECK(mllp_fd_is_loopback(fd));
		close(fd);
	}
	CHECK(!mllp_fd_is_loopback(-1));
}

/* The ACK the other end of the pair received, NUL-terminated, without its frame. */
static size_t take_ack(int fd, char *out, size_t cap)
{
	ssize_t n = recv(fd, out, cap - 1, MSG_DONTWAIT);
	if (n < 3 || out[0] != MLLP_START || out[n - 2] != MLLP_END || out[n - 1] != MLLP_END2)
		return 0;
	memmove(out, out + 1, (size_t)n - 3);
	out[n - 3] = '\0';
	return (size_t)n - 3;
}

static const char msh[] = "MSH|^~\\&|LABAPP|DEMOLAB|MEDKEEP|PORTAL|20260101120000||ORU^R01|CTL1|P|2.4\r";

static void answers(void)
{
	int sv[2];
	CHECK(socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == 0);
	struct mllp_conn *c = calloc(1, sizeof(*c));
	c->io.fd = sv[0];
	c->io.tls = NULL;
	memcpy(c->feed_hex, "-", 2);
	char ack[LIMIT_HL7_ACK_BYTES + 8], text[512];

	/* A malformed segment id: AE, the control id in MSA-2, an ERR with code 100. */
	snprintf(text, sizeof(text), "%sobx|1\r", msh);
	struct slice m = {text, strlen(text)};
	CHECK(mllp_handle_message(c, m) == 0);
	CHECK(take_ack(sv[1], ack, sizeof(ack)) > 0);
	CHECK(strstr(ack, "\rMSA|AE|CTL1") != NULL);
	CHECK(strstr(ack, "|100^") != NULL);
	CHECK(strncmp(ack, "MSH|^~\\&|MEDKEEP|PORTAL|LABAPP|DEMOLAB|", 39) == 0);

	/* An unsupported version: AR with 203. */
	snprintf(text, sizeof(text), "MSH|^~\\&|A|B|C|D|20260101||ADT^A04|V9|P|2.9\rPID|1\r");
	m = (struct slice){text, strlen(text)};
	CHECK(mllp_handle_message(c, m) == 0);
	CHECK(take_ack(sv[1], ack, sizeof(ack)) > 0);
	CHECK(strstr(ack, "\rMSA|AR|V9") != NULL);
	CHECK(strstr(ack, "|203^") != NULL);

	/* No MSH: nothing to answer, the connection is to be closed. */
	snprintf(text, sizeof(text), "PID|1||ZAA0067\r");
	m = (struct slice){text, strlen(text)};
	CHECK(mllp_handle_message(c, m) == -1);
	CHECK(take_ack(sv[1], ack, sizeof(ack)) == 0);

	/* A frame too big: AR with 102 from its first line; without a line end, close. */
	snprintf(text, sizeof(text), "%sOBX|1|ED|PDF||^application^pdf^Base64^AAAA", msh);
	m = (struct slice){text, strlen(text)};
	CHECK(mllp_refuse_too_big(c, m) == 0);
	CHECK(take_ack(sv[1], ack, sizeof(ack)) > 0);
	CHECK(strstr(ack, "\rMSA|AR|CTL1") != NULL);
	CHECK(strstr(ack, "|102^") != NULL);
	m = (struct slice){msh, strlen(msh) - 1};
	CHECK(mllp_refuse_too_big(c, m) == -1);

	free(c);
	close(sv[0]);
	close(sv[1]);
}

void test_mllp_listener(void)
{
	loopback();
	answers();
}
