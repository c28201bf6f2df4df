/*
 * medkeep transfers list | complete: the operator's part in a patient's move between
 * practices (docs/internals/TRANSFERS.md). A move is asked by the practice the patient joins
 * and agreed by the patient or by the practice being left; when neither can (that practice
 * has closed and the patient has no portal account), the operator completes it here, with a
 * reason, on the local grant. No patient's name or NHI is printed: requests are ids, times and
 * practices.
 */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "domain/transfers.h"
#include "ingest/ingest.h"
#include "limits.h"
#include "main/cmd.h"
#include "policy/policy.h"
#include "store/practice.h"

static const char transfers_usage[] =
	"usage: medkeep transfers list --data DIR\n"
	"       medkeep transfers complete --data DIR --request ID --reason TEXT [--share-history]\n"
	"list prints one line per open request, oldest first: its id, when it was asked (UTC), the\n"
	"practice being left (id, or - when the patient was enrolled nowhere) and the practice that\n"
	"asked, tab-separated. complete moves the patient as if the practice being left had agreed:\n"
	"for when it cannot (it has closed) and the patient has no portal account to agree with.\n"
	"The reason is kept with the request; the act is on the patient's audit trail. Without\n"
	"--share-history the new practice sees only what is filed from the move on.\n"
	"Exit 0 when done, 1 when the request is not open or the patient's enrolment changed.\n";

static void print_practice(const struct id *p, bool has)
{
	char hex[ID_HEX_LEN + 1];
	if (!has) {
		fputs("-", stdout);
		return;
	}
	id_hex(p, hex);
	fputs(hex, stdout);
}

static int list(void)
{
	struct arena ar;
	arena_init(&ar, LIMIT_REGISTER_ARENA);
	struct store_transfer *t;
	size_t n = 0;
	int rc = 0;
	if (store_transfers_open(&ar, &t, &n) != ERR_OK) {
		fprintf(stderr, "medkeep transfers list: cannot read the requests\n");
		rc = 1;
	}
	for (size_t i = 0; i < n; i++) {
		char id[ID_HEX_LEN + 1];
		id_hex(&t[i].id, id);
		printf("%s\t", id);
		print_utc(t[i].asked);
		putchar('\t');
		print_practice(&t[i].from, t[i].has_from);
		putchar('\t');
		print_practice(&t[i].to, true);
		putchar('\n');
	}
	arena_release(&ar);
	return rc;
}

static int complete(const char *request, const char *reason, bool share)
{
	struct id id;
	if (request == NULL || id_parse(&id, request, strlen(request)) != 0) {
		fprintf(stderr, "medkeep transfers complete: --request takes a request's id "
				"(medkeep transfers list)\n");
		return 2;
	}
	policy_enable_local_tools();
	switch (transfer_complete_local(&id, share, reason)) {
	case ERR_OK:
		/* A registration the new practice's PMS sent, waiting for this move: filed now, as
		 * its feed (best effort: one that cannot be stays in the queue for a person). */
		(void)ingest_queue_after_move(NULL, &id);
		printf("moved%s\n", share ? ", earlier records shared" : "");
		return 0;
	case ERR_INVALID:
		fprintf(stderr, "medkeep transfers complete: give a --reason (at most %d bytes)\n",
			LIMIT_LOCK_REASON);
		return 2;
	case ERR_NOT_FOUND:
		fprintf(stderr, "medkeep transfers complete: no open request with that id\n");
		return 1;
	case ERR_CONFLICT:
		fprintf(stderr, "medkeep transfers complete: the patient's enrolment changed since the "
				"request was made; the practice should ask again\n");
		return 1;
	default:
		fprintf(stderr, "medkeep transfers complete: could not complete it; nothing changed\n");
		return 1;
	}
}

int cmd_transfers(int argc, char **argv)
{
	static const struct option opts[] = {{"data", required_argument, NULL, 'd'},
					     {"request", required_argument, NULL, 'r'},
					     {"reason", required_argument, NULL, 'R'},
					     {"share-history", no_argument, NULL, 's'},
					     {"help", no_argument, NULL, 'h'},
					     {NULL, 0, NULL, 0}};
	if (argc < 2 || wants_help(argc, argv)) {
		fputs(transfers_usage, argc < 2 ? stderr : stdout);
		return argc < 2 ? 2 : 0;
	}
	const char *what = argv[1], *dir = NULL, *request = NULL, *reason = NULL;
	bool share = false;
	int c;
	optind = 2;
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		if (c == 'd')
			dir = optarg;
		else if (c == 'r')
			request = optarg;
		else if (c == 'R')
			reason = optarg;
		else if (c == 's')
			share = true;
		else {
			fputs(transfers_usage, stderr);
			return 2;
		}
	}
	bool is_list = strcmp(what, "list") == 0, is_complete = strcmp(what, "complete") == 0;
	if (dir == NULL || optind != argc || !(is_list || is_complete) ||
	    (is_list && (request || reason || share)) || (is_complete && (!request || !reason))) {
		fputs(transfers_usage, stderr);
		return 2;
	}
	if (open_data_dir(dir) != 0)
		return 1;
	int rc = is_list ? list() : complete(request, reason, share);
	close_data_dir();
	return rc;
}
