/*
 * The vault process. It holds the master key and the session-token MAC key, counts every
 * key it opens against the exfiltration breaker, and talks to nobody but the workers whose
 * sockets the parent hands it (over ctl_fd, SCM_RIGHTS) and the parent itself. It has no
 * network and no database. Each request is one frame (src/proc/msg.h), answered by
 * vault_handle_lane (vault_ops.c: one handler per operation, and which lane may ask for it); a
 * malformed frame ends that worker's connection (the worker then dies and the parent restarts
 * it).
 */
#include <errno.h>
#include <poll.h>
#include <sodium.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <fcntl.h>
#include <pthread.h>
#include <unistd.h>

#include "limits.h"
#include "proc/msg.h"
#include "util/log.h"
#include "util/wipe.h"
#include "vault/vault.h"
#include "vault/vault_int.h"

#define VAULT_MAX_PEERS 8

/* Receive one file descriptor from the parent and its lane tag; -1 on EOF or error. */
static int receive_fd(int ctl, char *tag)
{
	char data;
	struct iovec iov = {&data, 1};
	union {
		struct cmsghdr align;
		char buf[CMSG_SPACE(sizeof(int))];
	} u;
	struct msghdr m = {.msg_iov = &iov, .msg_iovlen = 1, .msg_control = u.buf,
			   .msg_controllen = sizeof(u.buf)};
	ssize_t n = recvmsg(ctl, &m, MSG_CMSG_CLOEXEC);
	if (n <= 0)
		return -1;
	struct cmsghdr *c = CMSG_FIRSTHDR(&m);
	if (c == NULL || c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS ||
	    c->cmsg_len != CMSG_LEN(sizeof(int)))
		return -1;
	int fd;
	memcpy(&fd, CMSG_DATA(c), sizeof(fd));
	*tag = data;
	return fd;
}

/*
 * One lane's loop: answer the connections in fds[1..] and take new ones from fds[0] (the ctl
 * socket for the key lane; for the password lane, a pipe from the key lane's thread).
 */
struct lane {
	enum vault_lane kind;
	int intake;      /* where new connections come from */
	bool from_parent; /* intake is the parent's ctl socket (SCM_RIGHTS) */
	int hand_to;     /* key lane: the pipe to the password lane */
};

static int lane_loop(const struct lane *l)
{
	static _Thread_local uint8_t in[MSG_MAX + 1], out[MSG_MAX];
	struct pollfd fds[1 + VAULT_MAX_PEERS];
	enum vault_lane kinds[1 + VAULT_MAX_PEERS];
	int npeers = 0;
	fds[0] = (struct pollfd){.fd = l->intake, .events = POLLIN};
	for (;;) {
		if (poll(fds, (nfds_t)(1 + npeers), -1) < 0) {
			if (errno == EINTR)
				continue;
			return 1;
		}
		if (fds[0].revents) {
			char tag = 'k';
			int fd = -1;
			if (l->from_parent) {
				fd = receive_fd(l->intake, &tag);
			} else if (read(l->intake, &fd, sizeof(fd)) != (ssize_t)sizeof(fd)) {
				fd = -1;
			}
			if (fd < 0)
				return 0; /* the parent is gone: so are we */
			if (tag == 'p' && l->hand_to >= 0) {
				if (write(l->hand_to, &fd, sizeof(fd)) != (ssize_t)sizeof(fd))
					close(fd);
			} else if (npeers == VAULT_MAX_PEERS) {
				close(fd);
				log_warn("component=vault error=\"too many workers\"");
			} else {
				kinds[1 + npeers] = !l->from_parent ? l->kind
						    : tag == 'm'    ? LANE_MAIL
						    : tag == 'b'    ? LANE_BREAKER
								    : l->kind;
				fds[1 + npeers++] = (struct pollfd){.fd = fd, .events = POLLIN};
			}
		}
		for (int i = 1; i <= npeers; i++) {
			if (!fds[i].revents)
				continue;
			ssize_t n = recv(fds[i].fd, in, sizeof(in), 0);
			size_t out_len = 0;
			bool ok = n > 0 && (size_t)n <= MSG_MAX &&
				  vault_handle_lane(kinds[i], in, (size_t)n, out, &out_len) == 0 &&
				  send(fds[i].fd, out, out_len, MSG_NOSIGNAL) == (ssize_t)out_len;
			wipe(out, out_len);
			wipe(in, n > 0 ? (size_t)n : 0);
			if (!ok) {
				if (n > 0)
					log_warn("component=vault error=\"malformed request; closing worker\"");
				close(fds[i].fd);
				fds[i] = fds[npeers];
				kinds[i] = kinds[npeers];
				npeers--;
				i--;
			}
		}
	}
}

static void *password_lane(void *arg)
{
	const struct lane *l = arg;
	lane_loop(l);
	return NULL;
}

int vault_start_password_lane(void)
{
	static struct lane slow;
	int pipefd[2];
	if (pipe2(pipefd, O_CLOEXEC) != 0)
		return -1;
	slow = (struct lane){.kind = LANE_PASSWORDS, .intake = pipefd[0], .hand_to = -1};
	pthread_t t;
	if (pthread_create(&t, NULL, password_lane, &slow) != 0)
		return -1;
	pthread_detach(t);
	return pipefd[1];
}

int vault_serve(int ctl_fd, int password_lane_fd)
{
	/* Password checks (Argon2id, tens of milliseconds each) run on their own thread: a bounded
	 * pool of one, so a flood of logins can never hold up the key operations of reads. */
	struct lane keys = {.kind = LANE_KEYS, .intake = ctl_fd, .from_parent = true,
			    .hand_to = password_lane_fd};
	return lane_loop(&keys);
}
