/*
 * Narrowing a process once it has what it needs (CONVENTIONS.md §1): drop privileges, then
 * install a syscall allow-list (seccomp via libseccomp) that covers every thread.
 */
#ifndef MEDKEEP_SANDBOX_H
#define MEDKEEP_SANDBOX_H

enum sandbox_profile {
	SANDBOX_VAULT,  /* compute and talk over inherited sockets; nothing else */
	SANDBOX_WORKER, /* HTTP, SQLite files already named, threads */
};

/* As root: chroot into dir (empty) and become `nobody`. Otherwise nothing. 0 or -1. */
int sandbox_drop_privileges(const char *empty_dir);
/* Forbid core dumps and ptrace of this process (it holds keys). */
void sandbox_not_dumpable(void);
/* Install the allow-list for profile on all threads; a forbidden call kills the process.
 * 0 or -1 (callers treat failure as fatal). */
int sandbox_install(enum sandbox_profile profile);

#endif
