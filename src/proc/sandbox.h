/*
 * Narrowing a process once it has what it needs (CONVENTIONS.md §1): a syscall allow-list
 * (seccomp via libseccomp) that covers every thread. Running each process as its own user is
 * the deployment's part (docs/internals/PROCESSES.md).
 */
#ifndef MEDKEEP_SANDBOX_H
#define MEDKEEP_SANDBOX_H

enum sandbox_profile {
	SANDBOX_VAULT,  /* compute, its sockets, and read-only opens (key files); nothing else */
	SANDBOX_WORKER, /* HTTP, SQLite files already named, threads */
	SANDBOX_MLLP,   /* the worker's list (sockets, TLS, SQLite, threads) and rt_sigsuspend */
};

/* Give up every capability, for good (bounding set, effective, permitted, inheritable).
 * A process started as root keeps uid 0 and so its own files, but loses root's powers:
 * overriding file permissions, ptrace, raw sockets, mounts... 0 or -1. */
int sandbox_drop_capabilities(void);
/* Forbid core dumps and ptrace of this process (it holds keys). */
void sandbox_not_dumpable(void);
/* Install the allow-list for profile on all threads; a forbidden call kills the process.
 * 0 or -1 (callers treat failure as fatal). */
int sandbox_install(enum sandbox_profile profile);
/* Before sandbox_install: let a worker or the MLLP listener open connections (socket for Unix,
 * IPv4 and IPv6, and connect), for a store that reaches its database over a socket
 * (PostgreSQL, which connects a thread when it first needs the database). */
void sandbox_permit_connections(void);

#endif
