/*
 * `medkeep serve`: the parent. It checks its arguments, binds the listening socket, and
 * starts two kinds of process, each by fork and a fresh exec of this binary:
 *
 *   vault-process   loads the master key, drops privileges and installs its syscall filter,
 *                   then answers key requests (src/vault/vault_server.c). Started first.
 *   worker-process  serves HTTP on the inherited listening socket and asks the vault for
 *                   keys over a socket pair; never reads the master key.
 *   mailer-process  (when medkeep.conf names an SMTP relay) sends the outbox; asks the vault
 *                   to open each recipient's address over a socket allowed nothing else.
 *   mllp-process    (with --mllp) the HL7 v2 feed listener on its own listening socket; asks
 *                   the vault for each feed's system token over its key lane.
 *   breaker-sync-process  (when the store is PostgreSQL, shared by several nodes) carries the
 *                   breaker's counts between this node's vault and the others' (BREAKER.md).
 *
 * Peers: the parent talks to the vault (ctl: hands it each worker's socket) and starts
 * workers; workers talk only to the vault. The parent never parses a request and never holds
 * a key. A worker that dies (say, killed by its syscall filter) is restarted with a new socket
 * pair while the listening socket stays open; a vault that dies takes the service down.
 */
#include <errno.h>
#include <fcntl.h>
#include <malloc.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "audit/audit.h"
#include "auth/account.h"
#include "auth/auth.h"
#include "auth/passkey.h"
#include "fhir/fhir.h"
#include "http/http.h"
#include "domain/quota.h"
#include "main/cmd.h"
#include "main/mailer.h"
#include "mllp/listener.h"
#include "policy/policy.h"
#include "proc/sandbox.h"
#include "store/store.h"
#include "util/conf.h"
#include "util/log.h"
#include "util/strtonum.h"
#include "util/wipe.h"
#include "vault/vault.h"
#include "web/web.h"

static volatile sig_atomic_t stop_signal;
/* The worker running now. The handler passes every stop on to it and serve waits for it to
 * end, so a signal that lands outside waitpid (in the pause before a mailer restart, say) is
 * not lost. */
static volatile sig_atomic_t running_worker; /* a pid; sig_atomic_t is what a handler may read */

static void on_stop(int sig)
{
	stop_signal = sig;
	if (running_worker > 0)
		kill((pid_t)running_worker, SIGTERM);
}

static void on_child(int sig)
{
	(void)sig; /* only to interrupt waitpid/pause */
}

/* Hand fd to the vault over ctl (SCM_RIGHTS), tagged with its lane ('k' or 'p'). */
static int send_fd(int ctl, int fd, char tag)
{
	char data = tag;
	struct iovec iov = {&data, 1};
	union {
		struct cmsghdr align;
		char buf[CMSG_SPACE(sizeof(int))];
	} u;
	memset(&u, 0, sizeof(u));
	struct msghdr m = {.msg_iov = &iov, .msg_iovlen = 1, .msg_control = u.buf,
			   .msg_controllen = sizeof(u.buf)};
	struct cmsghdr *c = CMSG_FIRSTHDR(&m);
	c->cmsg_level = SOL_SOCKET;
	c->cmsg_type = SCM_RIGHTS;
	c->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(c), &fd, sizeof(fd));
	return sendmsg(ctl, &m, MSG_NOSIGNAL) == 1 ? 0 : -1;
}

/* fork + exec this binary with argv; the fds listed stay open in the child. */
/* The most arguments a child is started with (the worker's, with every option). */
#define SPAWN_ARGS_MAX 20

static void free_args(char **argv, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(argv[i]);
}

static pid_t spawn(const char *const args[], const int *keep, size_t nkeep)
{
	/* execv takes char *const[]: it gets copies, made before fork, not our const strings. */
	char *argv[SPAWN_ARGS_MAX + 1];
	size_t nargs = 0;
	for (; args[nargs] != NULL; nargs++) {
		if (nargs == SPAWN_ARGS_MAX || (argv[nargs] = strdup(args[nargs])) == NULL) {
			free_args(argv, nargs);
			return -1;
		}
	}
	argv[nargs] = NULL;
	pid_t parent = getpid();
	pid_t pid = fork();
	if (pid != 0) {
		free_args(argv, nargs);
		return pid;
	}
	/* No child outlives serve, however serve ends (SIGKILL included). */
	if (prctl(PR_SET_PDEATHSIG, SIGTERM) != 0 || getppid() != parent)
		_exit(127);
	for (size_t i = 0; i < nkeep; i++) {
		int flags = fcntl(keep[i], F_GETFD);
		fcntl(keep[i], F_SETFD, flags & ~FD_CLOEXEC);
	}
	sigset_t none;
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	signal(SIGTERM, SIG_DFL);
	signal(SIGINT, SIG_DFL);
	signal(SIGCHLD, SIG_DFL);
	execv("/proc/self/exe", argv);
	_exit(127);
}

static void fd_arg(char out[16], int fd)
{
	snprintf(out, 16, "%d", fd);
}

/* A background process of the node, on a vault lane of its own: the outbox sender (lane 'm',
 * when medkeep.conf names an SMTP relay) and the breaker's sync (lane 'b', when the store is
 * shared by several nodes). Restarted whenever it dies. */
struct helper {
	const char *command; /* its subcommand */
	const char *name;    /* in the log: event=NAME-started, NAME-exited */
	char lane;
	pid_t pid;           /* 0: not running (not wanted, or stopping) */
};

/* Start h with a socket to its vault lane; h->pid is -1 when it cannot. */
static void start_helper(int ctl, const char *dir, struct helper *h)
{
	int pair[2];
	h->pid = -1;
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, pair) != 0)
		return;
	if (send_fd(ctl, pair[0], h->lane) != 0) {
		close(pair[0]);
		close(pair[1]);
		return;
	}
	close(pair[0]);
	char fd[16];
	fd_arg(fd, pair[1]);
	const char *argv[] = {"medkeep", h->command, "--data", dir, "--vault-fd", fd, NULL};
	h->pid = spawn(argv, &pair[1], 1);
	close(pair[1]);
	if (h->pid > 0)
		log_info("component=serve event=%s-started pid=%d", h->name, (int)h->pid);
}

/* The MLLP listener (serve --mllp), and what it needs to be started again. */
struct mllp_child {
	pid_t pid;
	int listen_fd; /* -1: no --mllp */
	const struct http_config *cfg; /* its TLS certificate and key are the HTTP listener's */
};

/* Start the MLLP listener with a socket to the vault's key lane; its pid, or -1. */
static pid_t start_mllp(int ctl, const char *dir, const struct mllp_child *m)
{
	int pair[2];
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, pair) != 0)
		return -1;
	if (send_fd(ctl, pair[0], 'k') != 0) {
		close(pair[0]);
		close(pair[1]);
		return -1;
	}
	close(pair[0]);
	char vault_arg[16], listen_arg[16];
	fd_arg(vault_arg, pair[1]);
	fd_arg(listen_arg, m->listen_fd);
	const char *argv[SPAWN_ARGS_MAX] = {"medkeep", "mllp-process", "--data", dir,
					   "--listen-fd", listen_arg, "--vault-fd", vault_arg};
	int n = 8;
	if (m->cfg->tls_cert) {
		argv[n++] = "--tls-cert";
		argv[n++] = m->cfg->tls_cert;
		argv[n++] = "--tls-key";
		argv[n++] = m->cfg->tls_key;
	}
	argv[n] = NULL;
	int keep[2] = {m->listen_fd, pair[1]};
	pid_t pid = spawn(argv, keep, 2);
	close(pair[1]);
	if (pid > 0)
		log_info("component=serve event=mllp-started pid=%d", (int)pid);
	else
		log_warn("component=serve error=\"cannot start the MLLP listener\"");
	return pid;
}

/* The MLLP listening socket for --mllp ADDR:PORT: -1 for none, -2 on failure (with a message).
 * Plain TCP only on loopback: beyond it, the HTTP listener's --tls-cert/--tls-key are needed
 * (and then every MLLP connection is TLS with a client certificate, loopback included). */
static int mllp_socket(const char *addr, const struct http_config *cfg)
{
	if (addr == NULL)
		return -1;
	struct http_config m = {.listen = addr};
	int fd = http_listen_socket(&m);
	if (fd < 0) {
		fprintf(stderr, "medkeep serve: --mllp must be a free ADDR:PORT, e.g. 127.0.0.1:2575\n");
		return -2;
	}
	if (cfg->tls_cert == NULL && !mllp_fd_is_loopback(fd)) {
		fprintf(stderr, "medkeep serve: refusing MLLP on %s without TLS; give --tls-cert/--tls-key\n",
			addr);
		close(fd);
		return -2;
	}
	return fd;
}

/* The options of serve into cfg, *dir and *threads: -1 to go on, else the exit status (0 after
 * --help, 2 for a usage error). */
static int serve_options(int argc, char **argv, struct http_config *cfg, const char **dir,
			 const char **threads, const char **mllp)
{
	static const char usage[] =
		"usage: medkeep serve --data DIR [--listen ADDR:PORT] [--tls-cert PEM --tls-key PEM]\n"
		"                     [--behind-proxy] [--threads N] [--mllp ADDR:PORT]\n"
		"Serve the portal. Default listen address 127.0.0.1:8080. Addresses beyond loopback\n"
		"need TLS, or --behind-proxy when a TLS-terminating proxy fronts medkeep. Starts the\n"
		"vault (keys) and a worker (HTTP) as separate, sandboxed processes.\n"
		"--mllp ADDR:PORT also receives HL7 v2 messages from the registered feeds (MLLP):\n"
		"over TLS with client certificates when --tls-cert is given, else plain, on loopback\n"
		"only, with senders known by their sending facility (medkeep feeds --help).\n";
	static const struct option opts[] = {{"data", required_argument, NULL, 'd'},
					     {"listen", required_argument, NULL, 'l'},
					     {"tls-cert", required_argument, NULL, 'c'},
					     {"tls-key", required_argument, NULL, 'k'},
					     {"behind-proxy", no_argument, NULL, 'p'},
					     {"threads", required_argument, NULL, 't'},
					     {"mllp", required_argument, NULL, 'm'},
					     {"help", no_argument, NULL, 'h'},
					     {NULL, 0, NULL, 0}};
	int c;
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 'd':
			*dir = optarg;
			break;
		case 'l':
			cfg->listen = optarg;
			break;
		case 'c':
			cfg->tls_cert = optarg;
			break;
		case 'k':
			cfg->tls_key = optarg;
			break;
		case 'p':
			cfg->behind_proxy = true;
			break;
		case 'm':
			*mllp = optarg;
			break;
		case 't': {
			int64_t t;
			if (parse_int64(optarg, 1, 64, &t) != 0) {
				fprintf(stderr, "medkeep serve: --threads must be 1..64\n");
				return 2;
			}
			*threads = optarg;
			break;
		}
		case 'h':
			fputs(usage, stdout);
			return 0;
		default:
			fputs(usage, stderr);
			return 2;
		}
	}
	if (*dir == NULL || optind != argc) {
		fputs(usage, stderr);
		return 2;
	}
	return -1;
}

/* Start a worker with its own two channels to the vault (keys, passwords), passed to the vault
 * over ctl. Its pid, or -1. */
static pid_t start_worker(int ctl, int listen_fd, const struct http_config *cfg, const char *dir,
			  const char *threads)
{
	int pair[2], ppair[2];
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, pair) != 0 ||
	    socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, ppair) != 0 ||
	    send_fd(ctl, pair[0], 'k') != 0 || send_fd(ctl, ppair[0], 'p') != 0) {
		log_warn("component=serve error=\"cannot reach the vault\"");
		return -1;
	}
	close(pair[0]);
	close(ppair[0]);
	char listen_arg[16], vault_arg[16], pw_arg[16];
	fd_arg(listen_arg, listen_fd);
	fd_arg(vault_arg, pair[1]);
	fd_arg(pw_arg, ppair[1]);
	const char *wargv[SPAWN_ARGS_MAX];
	int n = 0;
	wargv[n++] = "medkeep";
	wargv[n++] = "worker-process";
	wargv[n++] = "--data";
	wargv[n++] = dir;
	wargv[n++] = "--listen";
	wargv[n++] = cfg->listen;
	wargv[n++] = "--listen-fd";
	wargv[n++] = listen_arg;
	wargv[n++] = "--vault-fd";
	wargv[n++] = vault_arg;
	wargv[n++] = "--vault-password-fd";
	wargv[n++] = pw_arg;
	if (cfg->tls_cert) {
		wargv[n++] = "--tls-cert";
		wargv[n++] = cfg->tls_cert;
		wargv[n++] = "--tls-key";
		wargv[n++] = cfg->tls_key;
	}
	if (cfg->behind_proxy)
		wargv[n++] = "--behind-proxy";
	if (threads) {
		wargv[n++] = "--threads";
		wargv[n++] = threads;
	}
	wargv[n] = NULL;
	int keep[3] = {listen_fd, pair[1], ppair[1]};
	pid_t worker = spawn(wargv, keep, 3);
	close(pair[1]);
	close(ppair[1]);
	return worker;
}

#define HELPERS 2

/* Wait until the worker ends (restarting helpers whenever they die): 0, or 1 when the vault
 * exited (the worker is stopped then, and so is serve). */
static int wait_worker(pid_t vault, pid_t worker, struct helper helpers[HELPERS],
		       struct mllp_child *mllp, int ctl, const char *dir)
{
	for (;;) {
		int status = 0;
		pid_t who = waitpid(-1, &status, 0);
		if (who < 0 && errno == EINTR)
			continue; /* on_stop passed any stop on to the worker: wait for it to end */
		if (who == vault) {
			log_warn("component=serve error=\"the vault exited\" status=%d", status);
			kill(worker, SIGTERM);
			waitpid(worker, NULL, 0);
			running_worker = 0;
			stop_signal = SIGTERM;
			return 1;
		}
		struct helper *h = NULL;
		for (int i = 0; i < HELPERS; i++)
			if (helpers[i].pid > 0 && who == helpers[i].pid)
				h = &helpers[i];
		if (h != NULL) {
			/* Mail and counts can wait; a helper that keeps dying must not spin the machine. */
			log_warn("component=serve event=%s-exited status=%d restarting=1", h->name,
				 status);
			sleep(1);
			h->pid = 0;
			if (!stop_signal)
				start_helper(ctl, dir, h);
			continue;
		}
		if (mllp->pid > 0 && who == mllp->pid) {
			log_warn("component=serve event=mllp-exited status=%d restarting=1", status);
			sleep(1); /* as the mailer: a listener that keeps dying must not spin */
			mllp->pid = stop_signal ? 0 : start_mllp(ctl, dir, mllp);
			continue;
		}
		if (who == worker) {
			running_worker = 0;
			if (stop_signal)
				return 0;
			if (WIFSIGNALED(status))
				log_warn("component=serve event=worker-died signal=%d restarting=1",
					 WTERMSIG(status));
			else
				log_warn("component=serve event=worker-exited status=%d restarting=1",
					 WEXITSTATUS(status));
			return 0;
		}
	}
}

int cmd_serve(int argc, char **argv)
{
	struct http_config cfg = {.listen = "127.0.0.1:8080"};
	const char *dir = NULL, *threads = NULL, *mllp_addr = NULL;
	int status = serve_options(argc, argv, &cfg, &dir, &threads, &mllp_addr);
	if (status >= 0)
		return status;
	if (http_check_listen(&cfg) != 0)
		return 2;
	char probe[4096];
	struct stat st;
	snprintf(probe, sizeof(probe), "%s/master.key", dir);
	if (stat(probe, &st) != 0) {
		fprintf(stderr, "medkeep serve: %s is not a data directory (run medkeep init)\n", dir);
		return 1;
	}
	/* A store that several nodes share (PostgreSQL) needs this node's breaker to hear theirs. */
	if (store_open(dir, false) != ERR_OK) {
		fprintf(stderr, "medkeep serve: cannot open the store of %s\n", dir);
		return 1;
	}
	bool shared = store_connects();
	store_close();
	int listen_fd = http_listen_socket(&cfg);
	if (listen_fd < 0)
		return 1;
	struct mllp_child mllp = {.pid = 0, .listen_fd = mllp_socket(mllp_addr, &cfg), .cfg = &cfg};
	if (mllp.listen_fd == -2) {
		close(listen_fd);
		return 2;
	}

	sigset_t block;
	sigemptyset(&block);
	struct sigaction sa;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_stop;
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	sa.sa_handler = on_child;
	sigaction(SIGCHLD, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);

	int ctl[2];
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, ctl) != 0)
		return 1;
	char ctl_arg[16];
	fd_arg(ctl_arg, ctl[1]);
	/* The vault checks passkeys against the same origin the worker serves. */
	const char *vault_argv[] = {"medkeep", "vault-process", "--data", dir, "--ctl-fd", ctl_arg,
				    "--listen", cfg.listen, "--tls", cfg.tls_cert ? "1" : "0", NULL};
	pid_t vault = spawn(vault_argv, &ctl[1], 1);
	close(ctl[1]);
	if (vault < 0)
		return 1;
	log_info("component=serve event=vault-started pid=%d", (int)vault);
	struct mail_config mail;
	int mail_cfg = mail_config_load(dir, &mail);
	wipe(&mail, sizeof(mail));
	/* The workers read the quotas; a bad setting stops serve here, once, with its message. */
	char qconf[CONF_MAX_BYTES];
	size_t qlen = 0;
	if (conf_read(dir, qconf, sizeof(qconf), &qlen) != 0)
		qlen = 0;
	if (quota_configure(dir, qconf, qlen) != 0 || auth_app_token_configure(qconf, qlen) != 0 ||
	    auth_session_configure(qconf, qlen) != 0)
		mail_cfg = -1;
	if (mail_cfg < 0) {
		close(ctl[0]);
		waitpid(vault, NULL, 0);
		return 2;
	}
	struct helper helpers[HELPERS] = {{"mailer-process", "mailer", 'm', 0},
					  {"breaker-sync-process", "breaker-sync", 'b', 0}};
	if (mail_cfg == 0)
		start_helper(ctl[0], dir, &helpers[0]);
	if (shared)
		start_helper(ctl[0], dir, &helpers[1]);
	if (mllp.listen_fd >= 0)
		mllp.pid = start_mllp(ctl[0], dir, &mllp);

	int rc = 0;
	unsigned backoff_ms = 100;
	while (!stop_signal) {
		pid_t worker = start_worker(ctl[0], listen_fd, &cfg, dir, threads);
		if (worker < 0) {
			rc = 1;
			break;
		}
		running_worker = worker;
		if (stop_signal) /* a stop that came before on_stop knew this worker */
			kill(worker, SIGTERM);
		log_info("component=serve event=worker-started pid=%d", (int)worker);
		if (wait_worker(vault, worker, helpers, &mllp, ctl[0], dir) != 0) {
			rc = 1;
			break;
		}
		if (stop_signal)
			break;
		usleep(backoff_ms * 1000); /* a worker dying at once must not spin the machine */
		backoff_ms = backoff_ms < 5000 ? backoff_ms * 2 : 5000;
	}
	for (int i = 0; i < HELPERS; i++)
		if (helpers[i].pid > 0) {
			kill(helpers[i].pid, SIGTERM);
			waitpid(helpers[i].pid, NULL, 0);
		}
	if (mllp.pid > 0) {
		kill(mllp.pid, SIGTERM);
		waitpid(mllp.pid, NULL, 0);
	}
	if (mllp.listen_fd >= 0)
		close(mllp.listen_fd);
	close(ctl[0]); /* the vault sees EOF and exits */
	int vstatus = 0;
	waitpid(vault, &vstatus, 0);
	close(listen_fd);
	log_info("component=serve event=stopped");
	return rc;
}

static int int_arg(const char *s, int *out)
{
	int64_t v;
	if (parse_int64(s, 0, 65535, &v) != 0)
		return -1;
	*out = (int)v;
	return 0;
}

/*
 * Memory for requests comes and goes by tens of kilobytes (arenas, response buffers, JSON).
 * Keep what is freed for the next request instead of handing it back to the kernel each time
 * and faulting it in again (measured: a DocumentReference search used 17% less CPU). Blocks of
 * 4 MB and more (uploads) still come from the kernel and go straight back.
 */
static void keep_freed_memory(void)
{
	mallopt(M_MMAP_THRESHOLD, 4 * 1024 * 1024);
	mallopt(M_TRIM_THRESHOLD, 64 * 1024 * 1024);
	mallopt(M_TOP_PAD, 4 * 1024 * 1024);
}

int cmd_vault_process(int argc, char **argv)
{
	const char *dir = NULL, *listen = NULL;
	bool tls = false;
	int ctl = -1;
	for (int i = 1; i + 1 < argc; i += 2) {
		if (strcmp(argv[i], "--data") == 0)
			dir = argv[i + 1];
		else if (strcmp(argv[i], "--listen") == 0)
			listen = argv[i + 1];
		else if (strcmp(argv[i], "--tls") == 0)
			tls = strcmp(argv[i + 1], "1") == 0;
		else if (strcmp(argv[i], "--ctl-fd") == 0 && int_arg(argv[i + 1], &ctl) != 0)
			return 2;
	}
	if (dir == NULL || ctl < 0) {
		fprintf(stderr, "medkeep vault-process is started by medkeep serve\n");
		return 2;
	}
	keep_freed_memory();
	sandbox_not_dumpable();
	struct webauthn_rp rp;
	if (vault_load(dir) != 0 || vault_keys_load(dir) != 0 || vault_require_tokens(dir) != 0 ||
	    webauthn_config_load(dir, listen, tls, &rp) != 0 || webauthn_init() != 0)
		return 1;
	vault_passkey_configure(&rp);
	/* The vault keeps its user and root directory: during a key rotation it must read the new
	 * key file, which only the data directory's owner can. Its filter allows files to be
	 * opened read-only, and nothing else outside its sockets: no network, no exec, no writes. */
	int lane = vault_start_password_lane();
	if (lane < 0 || sandbox_drop_capabilities() != 0 || sandbox_install(SANDBOX_VAULT) != 0) {
		log_warn("component=vault error=\"cannot drop privileges or install the filter\"");
		return 1;
	}
	log_info("component=vault event=ready");
	return vault_serve(ctl, lane);
}

static void worker_started(void)
{
	if (store_connects())
		sandbox_permit_connections();
	if (sandbox_drop_capabilities() != 0 || sandbox_install(SANDBOX_WORKER) != 0)
		fatalx("worker: cannot install the syscall filter");
}

int cmd_worker_process(int argc, char **argv)
{
	struct http_config cfg = {.listen = NULL};
	const char *dir = NULL;
	int listen_fd = -1, vault_fd = -1, password_fd = -1;
	long cores = sysconf(_SC_NPROCESSORS_ONLN);
	cfg.threads = cores > 0 && cores < 64 ? (unsigned)cores : 2;
	for (int i = 1; i < argc; i++) {
		const char *next = i + 1 < argc ? argv[i + 1] : NULL;
		if (strcmp(argv[i], "--behind-proxy") == 0) {
			cfg.behind_proxy = true;
			continue;
		}
		if (next == NULL)
			return 2;
		if (strcmp(argv[i], "--data") == 0)
			dir = next;
		else if (strcmp(argv[i], "--listen") == 0)
			cfg.listen = next;
		else if (strcmp(argv[i], "--listen-fd") == 0 && int_arg(next, &listen_fd) != 0)
			return 2;
		else if (strcmp(argv[i], "--vault-fd") == 0 && int_arg(next, &vault_fd) != 0)
			return 2;
		else if (strcmp(argv[i], "--vault-password-fd") == 0 && int_arg(next, &password_fd) != 0)
			return 2;
		else if (strcmp(argv[i], "--tls-cert") == 0)
			cfg.tls_cert = next;
		else if (strcmp(argv[i], "--tls-key") == 0)
			cfg.tls_key = next;
		else if (strcmp(argv[i], "--threads") == 0) {
			int t;
			if (int_arg(next, &t) != 0 || t < 1 || t > 64)
				return 2;
			cfg.threads = (unsigned)t;
		}
		i++;
	}
	if (dir == NULL || cfg.listen == NULL || listen_fd < 0 || vault_fd < 0 || password_fd < 0) {
		fprintf(stderr, "medkeep worker-process is started by medkeep serve\n");
		return 2;
	}
	keep_freed_memory();
	fcntl(listen_fd, F_SETFD, FD_CLOEXEC);
	fcntl(vault_fd, F_SETFD, FD_CLOEXEC);
	fcntl(password_fd, F_SETFD, FD_CLOEXEC);
	vault_use_remote(vault_fd, password_fd);
	/* Links in emails point at portal.url, else at the address served (never at a Host
	 * header a request could forge). */
	char conf[CONF_MAX_BYTES], url[256];
	size_t clen = 0;
	conf[0] = '\0';
	if (conf_read(dir, conf, sizeof(conf), &clen) != 0 ||
	    conf_get(conf, clen, "portal.url", url, sizeof(url)) != 0)
		snprintf(url, sizeof(url), "%s://%s", cfg.tls_cert ? "https" : "http", cfg.listen);
	account_set_portal_url(url);
	if (quota_configure(dir, conf, clen) != 0 || auth_app_token_configure(conf, clen) != 0 ||
	    auth_session_configure(conf, clen) != 0)
		return 1;
	if (store_open(dir, false) != 0 || audit_init() != 0 || auth_init() != 0) {
		fprintf(stderr, "medkeep: cannot open the data directory %s\n", dir);
		return 1;
	}
	policy_init();
	struct webauthn_rp rp;
	if (webauthn_config_load(dir, cfg.listen, cfg.tls_cert != NULL, &rp) != 0 || webauthn_init() != 0)
		return 1;
	auth_passkey_configure(&rp);
	web_http_register();
	fhir_http_register();
	int rc = http_serve(&cfg, listen_fd, worker_started);
	store_close();
	return rc;
}
