/*
 * medkeep practices list: the practices of a data directory, for the operator who registers
 * their feeds and systems (docs/internals/FEEDS.md). A practice's name is not patient data.
 */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "limits.h"
#include "main/cmd.h"
#include "store/practice.h"

static const char practices_usage[] =
	"usage: medkeep practices list --data DIR\n"
	"list prints one line per practice, oldest first: its id (32 hex digits), a tab, its name.\n";

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
	if (dir == NULL || optind != argc || strcmp(what, "list") != 0) {
		fputs(practices_usage, stderr);
		return 2;
	}
	if (open_data_dir(dir) != 0)
		return 1;
	int rc = list();
	close_data_dir();
	return rc;
}
