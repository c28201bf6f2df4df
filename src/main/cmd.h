/* Subcommands of the medkeep binary. Each returns the process exit code. */
#ifndef MEDKEEP_CMD_H
#define MEDKEEP_CMD_H
#include <stdint.h>

int cmd_init(int argc, char **argv);
int cmd_serve(int argc, char **argv);
int cmd_vault_process(int argc, char **argv);
int cmd_worker_process(int argc, char **argv);
int cmd_demo(int argc, char **argv);
int cmd_audit(int argc, char **argv);
int cmd_incident(int argc, char **argv);
int cmd_totp(int argc, char **argv);
int cmd_backup(int argc, char **argv);   /* cmd_backup.c */
int cmd_restore(int argc, char **argv);  /* cmd_backup.c */
int cmd_keys(int argc, char **argv);     /* cmd_keys.c */
int cmd_shred(int argc, char **argv);    /* cmd_shred.c */
int cmd_apps(int argc, char **argv);     /* cmd_apps.c */
int cmd_accounts(int argc, char **argv); /* cmd_accounts.c */
int cmd_practices(int argc, char **argv); /* cmd_practices.c */
int cmd_transfers(int argc, char **argv); /* cmd_transfers.c */
int cmd_feeds(int argc, char **argv);    /* cmd_feeds.c */
int cmd_import(int argc, char **argv);   /* import.c */
int cmd_invite(int argc, char **argv);   /* invite_cmd.c */
int cmd_retention(int argc, char **argv); /* cmd_shred.c */
int cmd_outbox(int argc, char **argv);   /* mailer.c */
int cmd_mailer_process(int argc, char **argv); /* mailer.c */
int cmd_breaker_sync_process(int argc, char **argv); /* breaker_sync.c */
int cmd_mllp_process(int argc, char **argv);   /* cmd_mllp.c */

/* Open an existing data directory: store, vault, audit chain, policy. 0 on success. */
int open_data_dir(const char *dir);
/* Create a data directory (mode 0700), its master key and database. */
int create_data_dir(const char *dir);
/* Close what open_data_dir opened, after a checkpoint of any audit records appended. */
void close_data_dir(void);
/* Whether argv[1..argc) asks for --help or -h. */
int wants_help(int argc, char **argv);
/* A time (seconds since 1970) on stdout as ISO 8601 UTC (2026-12-06T20:30:00Z). */
void print_utc(int64_t t);
/* A progress line on stderr ("what: done/total"), rewritten in place, ended at done == total. */
void show_progress(const char *what, int64_t done, int64_t total);
/* The arguments `serve` starts a helper process with (--data DIR --vault-fd N): 0, or 2 with
 * a message naming `command` when they are not there. */
int helper_args(int argc, char **argv, const char *command, const char **dir, int *vault_fd);

/* Demo data of each part of the portal, for one patient (demo_<part>.c). */
struct actor;
struct id;
int demo_messages(const struct actor *clinician, const struct actor *self, const struct id *patient,
		  unsigned long i);

#endif
