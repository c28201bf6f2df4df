#include "proc/sandbox.h"

#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <seccomp.h>
#include <stdbool.h>
#include <stddef.h>
#include <linux/capability.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include "util/log.h"

int sandbox_drop_capabilities(void)
{
	/* Emptying the bounding set needs CAP_SETPCAP (root has it); without it there is nothing to
	 * regain anyway, and no_new_privs (set by sandbox_install) bars gaining any by exec. */
	for (int cap = 0; cap <= 63; cap++)
		if (prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) != 0 && errno != EINVAL && errno != EPERM)
			return -1;
	struct __user_cap_header_struct head = {.version = _LINUX_CAPABILITY_VERSION_3, .pid = 0};
	struct __user_cap_data_struct data[2];
	memset(data, 0, sizeof(data));
	return syscall(SYS_capset, &head, data) == 0 ? 0 : -1;
}

void sandbox_not_dumpable(void)
{
	struct rlimit none = {0, 0};
	setrlimit(RLIMIT_CORE, &none);
	prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
}

static int allow(scmp_filter_ctx ctx, const char *name)
{
	int nr = seccomp_syscall_resolve_name(name);
	if (nr == __NR_SCMP_ERROR)
		return 0; /* not on this architecture */
	return seccomp_rule_add(ctx, SCMP_ACT_ALLOW, nr, 0);
}

/* Both processes: memory, time, randomness, signals, exit, and their own sockets. */
static const char *const common[] = {
	"read", "write", "readv", "writev", "close", "recvfrom", "recvmsg", "sendto", "sendmsg",
	"poll", "ppoll", "brk", "mmap", "munmap", "mremap", "mprotect", "madvise", "futex",
	"getrandom", "clock_gettime", "clock_nanosleep", "nanosleep", "gettimeofday", "time",
	"rt_sigreturn", "rt_sigprocmask", "rt_sigaction", "sigaltstack", "exit", "exit_group",
	"getpid", "gettid", "tgkill", "sched_yield", "fstat", "newfstatat", "statx", "lseek",
	"restart_syscall", "munlock", "mlock", "set_robust_list", "rseq", "pipe2",
};

/* A worker also speaks HTTP, uses SQLite files and runs threads (never processes). */
static const char *const worker_extra[] = {
	"accept", "accept4", "shutdown", "setsockopt", "getsockopt", "getsockname", "getpeername",
	"epoll_create1", "epoll_ctl", "epoll_wait", "epoll_pwait", "eventfd2", "pipe2", "pause",
	"pread64", "pwrite64", "openat", "fcntl", "fsync", "fdatasync", "ftruncate", "unlink",
	"unlinkat", "getcwd", "readlink", "access", "faccessat", "faccessat2", "fchown", "fchmod",
	"umask", "prctl", "sched_getaffinity", "getuid", "geteuid", "uname", "sysinfo", "flock",
	"fallocate", "select", "pselect6", "getdents64",
	"statfs", "fstatfs", /* the data directory's free space (src/domain/quota.c) */
};

static bool permit_connections;

void sandbox_permit_connections(void)
{
	permit_connections = true;
}

/* socket(2) for the families a database address can name, and connect(2). */
static int allow_connections(scmp_filter_ctx ctx)
{
	static const int families[] = {AF_UNIX, AF_INET, AF_INET6};
	int rc = 0;
	for (size_t i = 0; rc == 0 && i < sizeof(families) / sizeof(families[0]); i++)
		rc = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(socket), 1,
				      SCMP_A0(SCMP_CMP_EQ, (scmp_datum_t)families[i], 0));
	return rc == 0 ? allow(ctx, "connect") : rc;
}

int sandbox_install(enum sandbox_profile profile)
{
	/* Under the sanitizers the runtime makes calls of its own (reports, stack unwinding):
	 * log violations instead of killing, so a report is never cut short. Shipped builds kill. */
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_UNDEFINED__)
	uint32_t deny = SCMP_ACT_LOG;
#else
	uint32_t deny = SCMP_ACT_KILL_PROCESS;
#endif
	/* The zone is loaded already (nz_time_init, at the top of main); tzset again costs nothing
	 * and makes sure nothing opens a zone file once the filter is in. */
	tzset();
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0)
		return -1;
	scmp_filter_ctx ctx = seccomp_init(deny);
	if (ctx == NULL)
		return -1;
	int rc = seccomp_attr_set(ctx, SCMP_FLTATR_CTL_TSYNC, 1);
	for (size_t i = 0; rc == 0 && i < sizeof(common) / sizeof(common[0]); i++)
		rc = allow(ctx, common[i]);
	if (profile == SANDBOX_VAULT && rc == 0) {
		/* The vault re-reads key files when a rotation starts while it runs: files may be
		 * opened for reading only, never created, truncated or written. */
		rc = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(openat), 1,
				      SCMP_A2(SCMP_CMP_MASKED_EQ, O_ACCMODE | O_CREAT | O_TRUNC, O_RDONLY));
	}
	if (profile == SANDBOX_WORKER || profile == SANDBOX_MLLP) {
		for (size_t i = 0; rc == 0 && i < sizeof(worker_extra) / sizeof(worker_extra[0]); i++)
			rc = allow(ctx, worker_extra[i]);
		if (rc == 0 && permit_connections)
			rc = allow_connections(ctx);
		/* The MLLP listener's main thread waits for a stop in sigsuspend. */
		if (rc == 0 && profile == SANDBOX_MLLP)
			rc = allow(ctx, "rt_sigsuspend");
		/* threads yes, processes no: clone only with CLONE_THREAD; clone3 (whose flags a
		 * filter cannot see) answers ENOSYS, and glibc falls back to clone. */
		if (rc == 0)
			rc = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(clone), 1,
					      SCMP_A0(SCMP_CMP_MASKED_EQ, CLONE_THREAD, CLONE_THREAD));
		if (rc == 0)
			rc = seccomp_rule_add(ctx, SCMP_ACT_ERRNO(ENOSYS), SCMP_SYS(clone3), 0);
	}
	if (rc == 0)
		rc = seccomp_load(ctx);
	seccomp_release(ctx);
	if (rc != 0)
		log_warn("component=sandbox error=\"cannot install the syscall filter\" rc=%d", rc);
	return rc == 0 ? 0 : -1;
}
