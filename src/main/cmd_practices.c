/*
 * medkeep practices list: the practices of a data directory, for the operator who registers
 * their feeds and systems (docs/internals/FEEDS.md). A practice's name is not patient data.
 * medkeep practices reindex: every patient's register search terms made again
 * (docs/internals/SEARCH.md, "Patients").
 */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "domain/domain.h"
#include "limits.h"
#include "main/cmd.h"
#include "policy/policy.h"
#include "store/practice.h"

static const char practices_usage[] =
	"usage: medkeep practices list --data DIR\n"
	"       medkeep practices reindex --data DIR\n"
	"list prints one line per practice, oldest first: its id (32 hex digits), a tab, its name.\n"
	"reindex makes the register search terms (name words, birth date) of every patient again\n"
	"from their sealed details: for data from before staff could search by name. Progress on\n"
	"standard error.\n";

/* Every practice, a page at a time. 0, or 1 when the database cannot be read. */
static int list(void)
{
	struct arena ar;
	arena_init(&ar, LIMIT_REGISTER_ARENA);
	int rc = 0;
	for (size_t offset = 0;; offset += LIMIT_LIST) {
		struct store_practice *p;
		size_t n = 0;
		if (store_practices_list(offset, LIMIT_LIST, &ar, &p, &n) != ERR_OK) {
			fprintf(stderr, "medkeep practices list: cannot read the practices\n");
			rc = 1;
			break;
		}
		for (size_t i = 0; i < n; i++) {
			char id[ID_HEX_LEN + 1];
			id_hex(&p[i].id, id);
			printf("%s\t%s\n", id, p[i].name);
		}
		arena_release(&ar);
		if (n < LIMIT_LIST)
			break;
	}
	arena_release(&ar);
	return rc;
}

static void reindex_progress(int64_t done, int64_t total)
{
	fprintf(stderr, "\rreindex: %lld of %lld patients", (long long)done, (long long)total);
}

/* Every live patient's search terms again. 0, or 1. */
static int reindex(void)
{
	policy_enable_local_tools();
	int64_t done = 0;
	enum err rc = patient_terms_rebuild_local(reindex_progress, &done);
	fprintf(stderr, "%sreindex: %lld patients %s\n", done ? "\n" : "", (long long)done,
		rc == ERR_OK ? "done" : "done before a failure");
	return rc == ERR_OK ? 0 : 1;
}

int cmd_practices(int argc, char **argv)
{
	static const struct option opts[] = {{"data", required_argument, NULL, 'd'},
					     {"help", no_argument, NULL, 'h'},
					     {NULL, 0, NULL, 0}};
	if (argc < 2 || wants_help(argc, argv)) {
		fputs(practices_usage, argc < 2 ? stderr : stdout);
		return argc < 2 ? 2 : 0;
	}
	const char *what = argv[1], *dir = NULL;
	int c;
	optind = 2;
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		if (c == 'd') {
			dir = optarg;
		} else {
			fputs(practices_usage, stderr);
			return 2;
		}
	}
	bool is_list = strcmp(what, "list") == 0, is_reindex = strcmp(what, "reindex") == 0;
	if (dir == NULL || optind != argc || !(is_list || is_reindex)) {
		fputs(practices_usage, stderr);
		return 2;
	}
	if (open_data_dir(dir) != 0)
		return 1;
	int rc = is_list ? list() : reindex();
	close_data_dir();
	return rc;
}
