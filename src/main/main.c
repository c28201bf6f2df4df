/*
 * medkeep: one binary, with subcommands. The parent reads its arguments, opens the data
 * directory and starts what the subcommand needs; it never parses a request itself.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "audit/audit.h"
#include "audit/incident.h"
#include "auth/auth.h"
#include "crypto/crypto.h"
#include "domain/lifecycle.h"
#include "http/http.h"
#include "main/cmd.h"
#include "policy/policy.h"
#include "store/store.h"
#include "util/log.h"
#include "util/nztime.h"
#include "util/strtonum.h"
#include "vault/vault.h"

static const char usage_top[] =
	"usage: medkeep <command> [options]\n"
	"\n"
	"commands:\n"
	"  init          create a data directory (master key, database)\n"
	"  serve         serve the portal over HTTP(S)\n"
	"  demo          create a demo practice with staff, patients and documents\n"
	"  audit verify  check the audit trail's hash chain and signed checkpoints\n"
	"  audit export-checkpoints  the signed checkpoints and public key, for a third party\n"
	"  incident report  what was served to whom, from the audit trail\n"
	"  incident notify  tell each affected patient, in the portal and by email\n"
	"  totp SECRET   the current code for a TOTP secret (to try the demo without an app)\n"
	"  backup        consistent online copy of the database (no keys)\n"
	"  restore       a new data directory from a backup and a key copy\n"
	"  keys rotate   new master key; every patient key rewrapped (resumable)\n"
	"  keys backup   copy the key material (master key, keystore, ...)\n"
	"  shred         crypto-shred a patient (destroy their key), now or after a grace period\n"
	"  accounts      list accounts; unlock one the breaker locked, after review\n"
	"  apps          register the apps patients may connect to their record (OAuth, SMART)\n"
	"  practices     list the practices (id and name); reindex the register's search\n"
	"  transfers     list open moves between practices; complete one the operator must\n"
	"  feeds         register the HL7 v2 senders (labs, hospitals) of a practice\n"
	"  import        load a practice's register and history from its FHIR export (NDJSON)\n"
	"  invite        invite a practice's imported patients, paced, each at their address\n"
	"  retention run shred the patients whose grace period is over\n"
	"  outbox send   send the queued emails now by the configured SMTP relay\n"
	"  outbox show   print the queued emails (bodies opened with the master key)\n"
	"\n"
	"Run 'medkeep <command> --help' for a command's options.\n";

int create_data_dir(const char *dir)
{
	if (mkdir(dir, 0700) != 0 && errno != EEXIST) {
		fprintf(stderr, "medkeep: cannot create %s: %s\n", dir, strerror(errno));
		return -1;
	}
	if (chmod(dir, 0700) != 0) {
		fprintf(stderr, "medkeep: cannot restrict %s: %s\n", dir, strerror(errno));
		return -1;
	}
	if (vault_create(dir) != 0) {
		fprintf(stderr, "medkeep: %s already holds a master key (or it cannot be written)\n",
			dir);
		return -1;
	}
	if (vault_keys_create(dir) != 0) {
		fprintf(stderr, "medkeep: cannot write the index and audit signing keys in %s\n", dir);
		return -1;
	}
	if (store_open(dir, true) != 0) {
		fprintf(stderr, "medkeep: cannot create the database in %s\n", dir);
		return -1;
	}
	store_close();
	return 0;
}

int open_data_dir(const char *dir)
{
	if (vault_load(dir) != 0) {
		fprintf(stderr, "medkeep: cannot load the master key from %s (run medkeep init?)\n", dir);
		return -1;
	}
	if (store_open(dir, false) != 0) {
		fprintf(stderr, "medkeep: cannot open the database in %s\n", dir);
		return -1;
	}
	if (vault_keys_load(dir) != 0 || keys_check_index() != 0) {
		fprintf(stderr, "medkeep: the keys in %s (index.key, audit-signing.key) are missing, "
				"unreadable or not this data's\n", dir);
		return -1;
	}
	if (audit_init() != 0) {
		fprintf(stderr, "medkeep: cannot read the audit trail\n");
		return -1;
	}
	policy_init();
	return 0;
}

int wants_help(int argc, char **argv)
{
	for (int i = 1; i < argc; i++)
		if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0)
			return 1;
	return 0;
}

int cmd_init(int argc, char **argv)
{
	static const char usage[] = "usage: medkeep init --data DIR\n"
				    "Create DIR (mode 0700) with a new master key and an empty database.\n";
	static const struct option opts[] = {{"data", required_argument, NULL, 'd'},
					     {"help", no_argument, NULL, 'h'},
					     {NULL, 0, NULL, 0}};
	const char *dir = NULL;
	int c;
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		if (c == 'd')
			dir = optarg;
		else if (c == 'h') {
			fputs(usage, stdout);
			return 0;
		} else {
			fputs(usage, stderr);
			return 2;
		}
	}
	if (dir == NULL || optind != argc) {
		fputs(usage, stderr);
		return 2;
	}
	if (create_data_dir(dir) != 0)
		return 1;
	printf("Created %s\n", dir);
	return 0;
}


int main(int argc, char **argv)
{
	crypto_setup();
	if (argc < 2) {
		fputs(usage_top, stderr);
		return 2;
	}
	const char *cmd = argv[1];
	if (strcmp(cmd, "--help") == 0 || strcmp(cmd, "-h") == 0 || strcmp(cmd, "help") == 0) {
		fputs(usage_top, stdout);
		return 0;
	}
	/* Before any command, and so before every sandbox: dates are read and written in the
	 * practice's time zone, loaded once here (util/nztime.h); without it, no start. */
	const char *why = NULL;
	if (nz_time_init(&why) != 0) {
		fprintf(stderr, "medkeep: %s\n", why);
		return 1;
	}
	if (strcmp(cmd, "init") == 0)
		return cmd_init(argc - 1, argv + 1);
	if (strcmp(cmd, "serve") == 0)
		return cmd_serve(argc - 1, argv + 1);
	/* Internal: the processes `serve` starts (fresh exec, so each gets its own layout). */
	if (strcmp(cmd, "vault-process") == 0)
		return cmd_vault_process(argc - 1, argv + 1);
	if (strcmp(cmd, "worker-process") == 0)
		return cmd_worker_process(argc - 1, argv + 1);
	if (strcmp(cmd, "mailer-process") == 0)
		return cmd_mailer_process(argc - 1, argv + 1);
	if (strcmp(cmd, "breaker-sync-process") == 0)
		return cmd_breaker_sync_process(argc - 1, argv + 1);
	if (strcmp(cmd, "mllp-process") == 0)
		return cmd_mllp_process(argc - 1, argv + 1);
	if (strcmp(cmd, "demo") == 0)
		return cmd_demo(argc - 1, argv + 1);
	if (strcmp(cmd, "audit") == 0)
		return cmd_audit(argc - 1, argv + 1);
	if (strcmp(cmd, "incident") == 0)
		return cmd_incident(argc - 1, argv + 1);
	if (strcmp(cmd, "totp") == 0)
		return cmd_totp(argc - 1, argv + 1);
	if (strcmp(cmd, "backup") == 0)
		return cmd_backup(argc - 1, argv + 1);
	if (strcmp(cmd, "restore") == 0)
		return cmd_restore(argc - 1, argv + 1);
	if (strcmp(cmd, "keys") == 0)
		return cmd_keys(argc - 1, argv + 1);
	if (strcmp(cmd, "shred") == 0)
		return cmd_shred(argc - 1, argv + 1);
	if (strcmp(cmd, "apps") == 0)
		return cmd_apps(argc - 1, argv + 1);
	if (strcmp(cmd, "accounts") == 0)
		return cmd_accounts(argc - 1, argv + 1);
	if (strcmp(cmd, "practices") == 0)
		return cmd_practices(argc - 1, argv + 1);
	if (strcmp(cmd, "transfers") == 0)
		return cmd_transfers(argc - 1, argv + 1);
	if (strcmp(cmd, "feeds") == 0)
		return cmd_feeds(argc - 1, argv + 1);
	if (strcmp(cmd, "import") == 0)
		return cmd_import(argc - 1, argv + 1);
	if (strcmp(cmd, "invite") == 0)
		return cmd_invite(argc - 1, argv + 1);
	if (strcmp(cmd, "retention") == 0)
		return cmd_retention(argc - 1, argv + 1);
	if (strcmp(cmd, "outbox") == 0)
		return cmd_outbox(argc - 1, argv + 1);
	fprintf(stderr, "medkeep: unknown command '%s'\n\n%s", cmd, usage_top);
	return 2;
}
