/* Helpers shared by the subcommands. */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "audit/audit.h"
#include "main/cmd.h"
#include "store/store.h"
#include "util/strtonum.h"
#include "vault/vault.h"

void close_data_dir(void)
{
	/* Command-line tools append inline: leave what they appended under a signed checkpoint. */
	if (audit_checkpoint() != 0)
		fprintf(stderr, "medkeep: could not write an audit checkpoint\n");
	store_close();
	vault_keys_unload();
	vault_unload();
}

void show_progress(const char *what, int64_t done, int64_t total)
{
	fprintf(stderr, "\r%s: %lld/%lld", what, (long long)done, (long long)total);
	if (done >= total)
		fputc('\n', stderr);
	fflush(stderr);
}

int helper_args(int argc, char **argv, const char *command, const char **dir, int *vault_fd)
{
	int64_t fd = -1;
	*dir = NULL;
	for (int i = 1; i + 1 < argc; i += 2) {
		if (strcmp(argv[i], "--data") == 0)
			*dir = argv[i + 1];
		else if (strcmp(argv[i], "--vault-fd") == 0 && parse_int64(argv[i + 1], 0, 65535, &fd) != 0)
			fd = -1;
	}
	if (*dir == NULL || fd < 0) {
		fprintf(stderr, "medkeep %s is started by medkeep serve\n", command);
		return 2;
	}
	*vault_fd = (int)fd;
	return 0;
}

void print_utc(int64_t t)
{
	char when[32];
	time_t tt = (time_t)t;
	struct tm tm;
	if (gmtime_r(&tt, &tm) != NULL && strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%SZ", &tm) > 0)
		fputs(when, stdout);
}
