/*
 * medkeep shred | retention run: crypto-shredding a patient, now or after a grace period.
 * See docs/internals/SHREDDING.md.
 */
#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "domain/feeds.h"
#include "domain/lifecycle.h"
#include "limits.h"
#include "main/cmd.h"
#include "util/id.h"
#include "util/nztime.h"
#include "util/strtonum.h"

static const char shred_usage[] =
	"usage: medkeep shred --data DIR --patient ID [--release PRACTICE] [--after-days N]\n"
	"                     [--force] [--yes]\n"
	"Crypto-shred a patient: destroy their key, so that their demographics and documents can\n"
	"never be read again, here or in any backup of the database. Their documents are deleted,\n"
	"their accounts erased and locked, and their sessions ended.\n"
	"  --patient ID        the patient's id (32 hex digits, as in Patient/ID)\n"
	"  --release PRACTICE  the practice (id) letting the patient go: its enrolment ends\n"
	"  --after-days N      do it after a grace period of N days (1 to 3650): the enrolment\n"
	"                      ends now, medkeep retention run shreds once the time has come\n"
	"  --force             shred although another practice still holds the patient\n"
	"  --yes               confirm; without it nothing is changed\n"
	"A patient still enrolled at a practice other than --release is kept unless --force.\n"
	"Key copies (medkeep keys backup) made before a shred still hold the key: replace them.\n";

static const char retention_usage[] =
	"usage: medkeep retention run --data DIR [--force] [--yes]\n"
	"Shred every patient whose grace period (medkeep shred --after-days) is over. Patients\n"
	"that a practice still holds are kept and listed, unless --force. Without --yes, only\n"
	"lists what is due.\n";

static int parse_id_arg(const char *s, struct id *out)
{
	if (strncmp(s, "Patient/", 8) == 0)
		s += 8;
	return id_parse(out, s, strlen(s));
}

/* For the person at the terminal: New Zealand time, as the pages show it. */
static void print_time(int64_t t)
{
	char when[NZ_WHEN_LEN];
	if (nz_when(t, when, sizeof(when)) == 0)
		fputs(when, stdout);
}

static int explain(int rc, const char *patient_hex, const struct shred_report *r)
{
	switch (rc) {
	case ERR_NOT_FOUND:
		fprintf(stderr, "medkeep shred: no patient %s\n", patient_hex);
		return 1;
	case ERR_NOT_ENROLLED:
		fprintf(stderr, "medkeep shred: patient %s is not enrolled at the practice given with "
				"--release\n", patient_hex);
		return 1;
	case ERR_HELD:
		fprintf(stderr, "medkeep shred: patient %s is still held by %zu other practice%s; "
				"nothing was changed (--force shreds anyway)\n",
			patient_hex, r->holders, r->holders == 1 ? "" : "s");
		return 1;
	case ERR_OK:
		return 0;
	default:
		fprintf(stderr, "medkeep shred: failed; run it again to finish (the key may already "
				"be destroyed)\n");
		return 1;
	}
}

int cmd_shred(int argc, char **argv)
{
	static const struct option opts[] = {{"data", required_argument, NULL, 'd'},
					     {"patient", required_argument, NULL, 'p'},
					     {"release", required_argument, NULL, 'r'},
					     {"after-days", required_argument, NULL, 'a'},
					     {"force", no_argument, NULL, 'f'},
					     {"yes", no_argument, NULL, 'y'},
					     {"help", no_argument, NULL, 'h'},
					     {NULL, 0, NULL, 0}};
	const char *dir = NULL;
	struct id patient, practice;
	bool has_patient = false, has_release = false, force = false, yes = false;
	int64_t days = 0;
	int c;
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 'd':
			dir = optarg;
			break;
		case 'p':
			if (parse_id_arg(optarg, &patient) != 0) {
				fprintf(stderr, "medkeep shred: --patient takes a 32-hex-digit id\n");
				return 2;
			}
			has_patient = true;
			break;
		case 'r':
			if (id_parse(&practice, optarg, strlen(optarg)) != 0) {
				fprintf(stderr, "medkeep shred: --release takes a 32-hex-digit practice id\n");
				return 2;
			}
			has_release = true;
			break;
		case 'a':
			if (parse_int64(optarg, 1, 3650, &days) != 0) {
				fprintf(stderr, "medkeep shred: --after-days must be 1 to 3650\n");
				return 2;
			}
			break;
		case 'f':
			force = true;
			break;
		case 'y':
			yes = true;
			break;
		case 'h':
			fputs(shred_usage, stdout);
			return 0;
		default:
			fputs(shred_usage, stderr);
			return 2;
		}
	}
	if (dir == NULL || !has_patient || optind != argc) {
		fputs(shred_usage, stderr);
		return 2;
	}
	char hex[ID_HEX_LEN + 1];
	id_hex(&patient, hex);
	if (!yes) {
		if (days > 0)
			printf("Would schedule patient %s to be shredded in %lld days%s.\n", hex,
			       (long long)days, has_release ? ", ending the practice's enrolment now" : "");
		else
			printf("Would shred patient %s now: their key is destroyed, and their documents "
			       "and demographics can never be read again, backups included.\n", hex);
		fprintf(stderr, "medkeep shred: nothing changed; add --yes to confirm\n");
		return 1;
	}
	if (open_data_dir(dir) != 0)
		return 1;
	struct shred_report r;
	int rc;
	if (days > 0) {
		int64_t when = (int64_t)time(NULL) + days * 86400;
		rc = patient_shred_schedule(&patient, has_release ? &practice : NULL, when, &r);
		if (rc == ERR_OK && r.already) {
			printf("Patient %s was shredded already.\n", hex);
		} else if (rc == ERR_OK) {
			printf("Patient %s will be shredded after ", hex);
			print_time(when);
			printf(" by medkeep retention run%s.\n",
			       r.holders ? ", unless a practice still holds them then" : "");
		}
	} else {
		rc = patient_shred(&patient, has_release ? &practice : NULL, force, &r);
		if (rc == ERR_OK && r.already) {
			printf("Patient %s was shredded already (", hex);
			print_time(r.shredded_at);
			printf("); nothing of theirs is left to read.\n");
		} else if (rc == ERR_OK) {
			printf("Patient %s shredded: their key is destroyed; their documents and "
			       "demographics cannot be read, here or in any backup.%s\n", hex,
			       r.holders ? " (forced: another practice still held them)" : "");
			printf("Replace your key copies (medkeep keys backup): copies made before now "
			       "still hold the key.\n");
		}
	}
	close_data_dir();
	return explain(rc, hex, &r);
}

static void retention_each(const struct id *patient, int rc, const struct shred_report *r)
{
	char hex[ID_HEX_LEN + 1];
	id_hex(patient, hex);
	if (rc == ERR_OK)
		printf("  shredded %s\n", hex);
	else if (rc == ERR_HELD)
		printf("  kept     %s: still held by %zu practice%s\n", hex, r->holders,
		       r->holders == 1 ? "" : "s");
	else
		printf("  FAILED   %s\n", hex);
}

static void retention_list(const struct id *patient)
{
	char hex[ID_HEX_LEN + 1];
	id_hex(patient, hex);
	printf("  due      %s\n", hex);
}

int cmd_retention(int argc, char **argv)
{
	if (argc < 2 || strcmp(argv[1], "run") != 0) {
		if (wants_help(argc, argv)) {
			fputs(retention_usage, stdout);
			return 0;
		}
		fputs(retention_usage, stderr);
		return 2;
	}
	static const struct option opts[] = {{"data", required_argument, NULL, 'd'},
					     {"force", no_argument, NULL, 'f'},
					     {"yes", no_argument, NULL, 'y'},
					     {"help", no_argument, NULL, 'h'},
					     {NULL, 0, NULL, 0}};
	const char *dir = NULL;
	bool force = false, yes = false;
	int c;
	optind = 1;
	while ((c = getopt_long(argc - 1, argv + 1, "", opts, NULL)) != -1) {
		if (c == 'd')
			dir = optarg;
		else if (c == 'f')
			force = true;
		else if (c == 'y')
			yes = true;
		else if (c == 'h') {
			fputs(retention_usage, stdout);
			return 0;
		} else {
			fputs(retention_usage, stderr);
			return 2;
		}
	}
	if (dir == NULL || optind != argc - 1) {
		fputs(retention_usage, stderr);
		return 2;
	}
	if (open_data_dir(dir) != 0)
		return 1;
	int64_t now = (int64_t)time(NULL);
	if (!yes) {
		struct retention_report r;
		/* Listing only: nothing due is changed without --yes. */
		int rc = retention_due(now, &r, retention_list);
		close_data_dir();
		if (rc != 0)
			return 1;
		printf("%zu patient%s due for shredding; add --yes to shred them.\n", r.due,
		       r.due == 1 ? "" : "s");
		return 0;
	}
	struct retention_report r;
	int rc = retention_run(now, force, retention_each, &r);
	int64_t pruned = 0;
	int prc = feeds_prune(now, &pruned);
	close_data_dir();
	printf("retention run: %zu due, %zu shredded, %zu kept (still held), %zu failed\n", r.due,
	       r.shredded, r.held, r.failed);
	if (prc == ERR_OK)
		printf("feed messages: %lld older than %u days forgotten (the duplicate check)\n",
		       (long long)pruned, LIMIT_FEED_MESSAGE_KEEP_DAYS);
	else
		fprintf(stderr, "medkeep retention: could not forget old feed messages\n");
	return rc == 0 && prc == ERR_OK ? 0 : 1;
}
