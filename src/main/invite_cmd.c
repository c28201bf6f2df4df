/*
 * medkeep invite --data DIR --practice ID --imported [--per-minute N]: invite, in bulk and
 * paced, the patients imported into a practice (`medkeep import`) who have an email address on
 * record, no account and no invitation yet. Each invitation is the one staff send from the
 * patient's page (account_invite): it goes to the address the record holds and to no other,
 * through the outbox, audited as `account.invite` by the import actor (docs/internals/IMPORT.md).
 * Interrupted, it carries on where it stopped when run again: who has an invitation is left out.
 */
#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "auth/account.h"
#include "limits.h"
#include "main/cmd.h"
#include "main/import_int.h"
#include "store/imports.h"
#include "util/log.h"
#include "util/strtonum.h"

static int invite_options(int argc, char **argv, const char **dir, const char **practice,
			  int64_t *per_minute)
{
	static const char usage[] =
		"usage: medkeep invite --data DIR --practice ID --imported [--per-minute N]\n"
		"Invite the patients imported into the practice (medkeep import) who have an email\n"
		"address on record and no account or invitation yet: each invitation goes to the\n"
		"address the record holds, and to no other. N a minute (default 60, at most 600);\n"
		"run it again to carry on after an interruption.\n";
	static const struct option opts[] = {{"data", required_argument, NULL, 'd'},
					     {"practice", required_argument, NULL, 'p'},
					     {"imported", no_argument, NULL, 'i'},
					     {"per-minute", required_argument, NULL, 'n'},
					     {"help", no_argument, NULL, 'h'},
					     {NULL, 0, NULL, 0}};
	bool imported = false;
	const char *rate = NULL;
	int c;
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		if (c == 'd')
			*dir = optarg;
		else if (c == 'p')
			*practice = optarg;
		else if (c == 'i')
			imported = true;
		else if (c == 'n')
			rate = optarg;
		else if (c == 'h') {
			fputs(usage, stdout);
			return 0;
		} else {
			fputs(usage, stderr);
			return 2;
		}
	}
	if (*dir == NULL || *practice == NULL || !imported || optind != argc ||
	    (rate != NULL && parse_int64(rate, 1, LIMIT_INVITE_PER_MINUTE_MAX, per_minute) != 0)) {
		fputs(usage, stderr);
		return 2;
	}
	return -1;
}

static void pause_ns(int64_t ns)
{
	struct timespec ts = {.tv_sec = (time_t)(ns / 1000000000), .tv_nsec = (long)(ns % 1000000000)};
	while (nanosleep(&ts, &ts) != 0)
		;
}

int cmd_invite(int argc, char **argv)
{
	const char *dir = NULL, *practice_hex = NULL;
	int64_t per_minute = LIMIT_INVITE_PER_MINUTE_DEFAULT;
	int status = invite_options(argc, argv, &dir, &practice_hex, &per_minute);
	if (status >= 0)
		return status;
	struct id practice;
	if (id_parse(&practice, practice_hex, strlen(practice_hex)) != 0) {
		fprintf(stderr, "medkeep invite: --practice takes a practice id (medkeep practices list)\n");
		return 2;
	}
	if (open_data_dir(dir) != 0)
		return 1;
	log_set_quiet(1);
	struct actor a;
	import_actor(&practice, &a);
	int64_t sent = 0, refused = 0;
	int rc = 0;
	struct id after, batch[LIMIT_LIST];
	memset(&after, 0, sizeof(after));
	for (;;) {
		size_t n = 0;
		if (store_import_invitees(&practice, &after, LIMIT_LIST, batch, &n) != ERR_OK) {
			rc = 1;
			break;
		}
		if (n == 0)
			break;
		for (size_t i = 0; i < n; i++) {
			const char *why = NULL;
			enum err e = account_invite(&a, &batch[i], NULL, &why);
			if (e == ERR_OK)
				sent++;
			else if (e == ERR_INVALID || e == ERR_NOT_FOUND)
				refused++; /* no address after all, or no longer enrolled here */
			else {
				rc = 1;
				break;
			}
			fprintf(stderr, "\rinvite: %lld queued", (long long)sent);
			fflush(stderr);
			pause_ns(60000000000LL / per_minute);
		}
		after = batch[n - 1];
		if (rc != 0)
			break;
	}
	fprintf(stderr, "\n");
	printf("invite: %lld invitations queued for the outbox, %lld patients left out%s\n",
	       (long long)sent, (long long)refused, rc ? "; stopped by an error (run again to carry on)" : "");
	close_data_dir();
	return rc;
}
