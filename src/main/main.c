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
	"  backup        consistent online copy of the database (no keys)\n"
	"  restore       a new data directory from a backup and a key copy\n"
	"  keys rotate   new master key; every patient key rewrapped (resumable)\n"
	"  keys backup   copy the key material (master key, keystore, ...)\n"
	"  shred         crypto-shred a patient (destroy their key), now or after a grace period\n"
	"  retention run shred the patients whose grace period is over\n"
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

int cmd_serve(int argc, char **argv)
{
	static const char usage[] =
		"usage: medkeep serve --data DIR [--listen ADDR:PORT] [--tls-cert PEM --tls-key PEM]\n"
		"                     [--behind-proxy] [--threads N]\n"
		"Serve the portal. Default listen address 127.0.0.1:8080. Addresses beyond loopback\n"
		"need TLS, or --behind-proxy when a TLS-terminating proxy fronts medkeep.\n";
	static const struct option opts[] = {{"data", required_argument, NULL, 'd'},
					     {"listen", required_argument, NULL, 'l'},
					     {"tls-cert", required_argument, NULL, 'c'},
					     {"tls-key", required_argument, NULL, 'k'},
					     {"behind-proxy", no_argument, NULL, 'p'},
					     {"threads", required_argument, NULL, 't'},
					     {"help", no_argument, NULL, 'h'},
					     {NULL, 0, NULL, 0}};
	struct http_config cfg = {.listen = "127.0.0.1:8080"};
	long cores = sysconf(_SC_NPROCESSORS_ONLN);
	cfg.threads = cores > 0 && cores < 64 ? (unsigned)cores : 2;
	const char *dir = NULL;
	int c;
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 'd':
			dir = optarg;
			break;
		case 'l':
			cfg.listen = optarg;
			break;
		case 'c':
			cfg.tls_cert = optarg;
			break;
		case 'k':
			cfg.tls_key = optarg;
			break;
		case 'p':
			cfg.behind_proxy = true;
			break;
		case 't': {
			char *end = NULL;
			unsigned long t = strtoul(optarg, &end, 10);
			if (end == optarg || *end || t < 1 || t > 64) {
				fprintf(stderr, "medkeep serve: --threads must be 1..64\n");
				return 2;
			}
			cfg.threads = (unsigned)t;
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
	if (dir == NULL || optind != argc) {
		fputs(usage, stderr);
		return 2;
	}
	if (open_data_dir(dir) != 0 || auth_init() != 0 || vault_require_tokens(dir) != 0)
		return 1;
	int rc = http_serve(&cfg);
	store_close();
	vault_unload();
	return rc;
}

/* A time as YYYY-MM-DD, YYYY-MM-DDTHH:MM:SSZ or seconds since 1970, in milliseconds. */
static int parse_time_ms(const char *s, int64_t *out)
{
	struct tm tm;
	memset(&tm, 0, sizeof(tm));
	const char *end = strptime(s, "%Y-%m-%dT%H:%M:%SZ", &tm);
	if (end == NULL || *end != '\0') {
		memset(&tm, 0, sizeof(tm));
		end = strptime(s, "%Y-%m-%d", &tm);
	}
	if (end != NULL && *end == '\0') {
		*out = (int64_t)timegm(&tm) * 1000;
		return 0;
	}
	int64_t secs;
	if (parse_int64(s, 0, INT64_MAX / 1000, &secs) != 0)
		return -1;
	*out = secs * 1000;
	return 0;
}

static void incident_progress(int64_t done)
{
	fprintf(stderr, "incident report: %lld audit records read\n", (long long)done);
}

int cmd_incident(int argc, char **argv)
{
	static const char usage[] =
		"usage: medkeep incident report --data DIR [--actor EMAIL] [--session ID] [--ip ADDR]\n"
		"                               [--since TIME] [--until TIME] [--format table|csv|json]\n"
		"List exactly which Patient, DocumentReference and Binary resources of which patients\n"
		"were served, from the audit trail. TIME is YYYY-MM-DD, YYYY-MM-DDTHH:MM:SSZ (UTC) or\n"
		"seconds since 1970. ID is a session id as recorded in the audit trail.\n";
	if (argc < 2 || strcmp(argv[1], "report") != 0) {
		if (wants_help(argc, argv)) {
			fputs(usage, stdout);
			return 0;
		}
		fputs(usage, stderr);
		return 2;
	}
	static const struct option opts[] = {{"data", required_argument, NULL, 'd'},
					     {"actor", required_argument, NULL, 'a'},
					     {"session", required_argument, NULL, 's'},
					     {"ip", required_argument, NULL, 'i'},
					     {"since", required_argument, NULL, 'f'},
					     {"until", required_argument, NULL, 'u'},
					     {"format", required_argument, NULL, 'o'},
					     {"help", no_argument, NULL, 'h'},
					     {NULL, 0, NULL, 0}};
	const char *dir = NULL, *actor = NULL, *format = "table";
	struct incident_filter f;
	memset(&f, 0, sizeof(f));
	int c;
	optind = 1;
	while ((c = getopt_long(argc - 1, argv + 1, "", opts, NULL)) != -1) {
		switch (c) {
		case 'd':
			dir = optarg;
			break;
		case 'a':
			actor = optarg;
			break;
		case 's':
			if (id_parse(&f.session, optarg, strlen(optarg)) != 0) {
				fprintf(stderr, "medkeep incident report: --session takes a 32-hex-digit id\n");
				return 2;
			}
			f.by_session = true;
			break;
		case 'i':
			f.ip = optarg;
			break;
		case 'f':
		case 'u':
			if (parse_time_ms(optarg, c == 'f' ? &f.since_ms : &f.until_ms) != 0) {
				fprintf(stderr, "medkeep incident report: bad time '%s'\n", optarg);
				return 2;
			}
			break;
		case 'o':
			format = optarg;
			break;
		case 'h':
			fputs(usage, stdout);
			return 0;
		default:
			fputs(usage, stderr);
			return 2;
		}
	}
	enum incident_format fmt;
	if (strcmp(format, "table") == 0)
		fmt = INCIDENT_TABLE;
	else if (strcmp(format, "csv") == 0)
		fmt = INCIDENT_CSV;
	else if (strcmp(format, "json") == 0)
		fmt = INCIDENT_JSON;
	else {
		fprintf(stderr, "medkeep incident report: --format is table, csv or json\n");
		return 2;
	}
	if (dir == NULL || optind != argc - 1) {
		fputs(usage, stderr);
		return 2;
	}
	if (store_open(dir, false) != 0)
		return 1;
	char label[512];
	int off = snprintf(label, sizeof(label), "%s", "");
	if (actor) {
		struct arena ar;
		arena_init(&ar, 64 * 1024);
		char norm[256];
		struct store_account acct;
		if (auth_normalise_email(actor, strlen(actor), norm, sizeof(norm)) != 0 ||
		    store_account_by_email(norm, &ar, &acct) != STORE_OK) {
			fprintf(stderr, "medkeep incident report: no account %s\n", actor);
			arena_release(&ar);
			store_close();
			return 1;
		}
		f.actor = acct.id;
		f.by_actor = true;
		char hex[ID_HEX_LEN + 1];
		id_hex(&acct.id, hex);
		off += snprintf(label + off, sizeof(label) - (size_t)off, "actor=%s (account %s) ", norm, hex);
		arena_release(&ar);
	}
	if (f.by_session && off < (int)sizeof(label)) {
		char hex[ID_HEX_LEN + 1];
		id_hex(&f.session, hex);
		off += snprintf(label + off, sizeof(label) - (size_t)off, "session=%s ", hex);
	}
	if (f.ip && off < (int)sizeof(label))
		off += snprintf(label + off, sizeof(label) - (size_t)off, "ip=%s ", f.ip);
	if (f.since_ms && off < (int)sizeof(label))
		off += snprintf(label + off, sizeof(label) - (size_t)off, "since=%lld ", (long long)(f.since_ms / 1000));
	if (f.until_ms && off < (int)sizeof(label))
		snprintf(label + off, sizeof(label) - (size_t)off, "until=%lld", (long long)(f.until_ms / 1000));
	int rc = incident_report(&f, fmt, label[0] ? label : "all actors", stdout, incident_progress);
	store_close();
	if (rc != 0) {
		fprintf(stderr, "medkeep incident report: could not read the audit trail\n");
		return 1;
	}
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
	if (strcmp(cmd, "init") == 0)
		return cmd_init(argc - 1, argv + 1);
	if (strcmp(cmd, "serve") == 0)
		return cmd_serve(argc - 1, argv + 1);
	if (strcmp(cmd, "demo") == 0)
		return cmd_demo(argc - 1, argv + 1);
	if (strcmp(cmd, "audit") == 0)
		return cmd_audit(argc - 1, argv + 1);
	if (strcmp(cmd, "incident") == 0)
		return cmd_incident(argc - 1, argv + 1);
	if (strcmp(cmd, "backup") == 0)
		return cmd_backup(argc - 1, argv + 1);
	if (strcmp(cmd, "restore") == 0)
		return cmd_restore(argc - 1, argv + 1);
	if (strcmp(cmd, "keys") == 0)
		return cmd_keys(argc - 1, argv + 1);
	if (strcmp(cmd, "shred") == 0)
		return cmd_shred(argc - 1, argv + 1);
	if (strcmp(cmd, "retention") == 0)
		return cmd_retention(argc - 1, argv + 1);
	fprintf(stderr, "medkeep: unknown command '%s'\n\n%s", cmd, usage_top);
	return 2;
}
