/*
 * medkeep keys rotate | backup: a new master key for every patient key (safe to interrupt and
 * rerun, and to run beside `serve`), and a copy of the key material that data backups leave
 * out. See docs/internals/ROTATION.md and BACKUP.md.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "crypto/sign.h"
#include "domain/lifecycle.h"
#include "limits.h"
#include "main/cmd.h"
#include "store/store.h"
#include "util/strtonum.h"
#include "vault/vault.h"

static const char usage[] =
	"usage: medkeep keys rotate --data DIR [--batch N]\n"
	"       medkeep keys backup --data DIR --out KEYDIR\n"
	"\n"
	"rotate: make a new master key (DIR/master.key.next) and rewrap every patient key under\n"
	"it, N per transaction (default 500), while medkeep serve keeps serving; then the new key\n"
	"replaces master.key and everyone is signed out. Safe to interrupt: run it again and it\n"
	"continues. The blind-index and audit signing keys do not change.\n"
	"backup: copy the key material of DIR (master.key, keystore.db, index.key,\n"
	"audit-signing.key) into KEYDIR (mode 0700, files 0600), replacing an earlier copy there.\n"
	"Keep it apart from data backups, and replace it after every shred and rotation: a key\n"
	"copy still holds the keys destroyed after it was made.\n";

static void rotate_progress(const char *what, int64_t done, int64_t total)
{
	char line[96];
	snprintf(line, sizeof(line), "keys rotate: %s", what);
	show_progress(line, done, total);
}

static int rotate(const char *dir, size_t batch)
{
	if (open_data_dir(dir) != 0)
		return 1;
	struct rotate_report r;
	int rc = keys_rotate(batch, rotate_progress, &r);
	close_data_dir();
	char old_hex[KEY_ID_HEX_LEN + 1], new_hex[KEY_ID_HEX_LEN + 1];
	key_id_hex(r.old_id, old_hex);
	key_id_hex(r.new_id, new_hex);
	if (rc != 0) {
		fprintf(stderr, "medkeep keys rotate: stopped; run it again to continue\n");
		return 1;
	}
	if (r.finished_earlier)
		printf("Finished the rotation that was interrupted: %lld patient keys are wrapped by "
		       "master key %s.\n", (long long)r.total, new_hex);
	else
		printf("Rotated%s: %lld patient keys are wrapped by the new master key %s (%lld "
		       "rewrapped now, %lld moved into the keystore); master key %s is gone from %s.\n",
		       r.resumed ? " (continuing an interrupted rotation)" : "", (long long)r.total,
		       new_hex, (long long)r.rewrapped, (long long)r.legacy_moved, old_hex, dir);
	printf("Everyone was signed out. Restart medkeep serve to drop the old key from its memory,\n"
	       "and replace your key copies (medkeep keys backup): they hold the old master key.\n");
	return 0;
}

static int backup_keys(const char *dir, const char *out)
{
	char path[4096];
	struct stat st;
	if ((size_t)snprintf(path, sizeof(path), "%s/master.key", dir) >= sizeof(path) ||
	    stat(path, &st) != 0) {
		fprintf(stderr, "medkeep keys backup: %s holds no master key\n", dir);
		return 1;
	}
	if (mkdir(out, 0700) != 0 && errno != EEXIST) {
		fprintf(stderr, "medkeep keys backup: cannot create %s: %s\n", out, strerror(errno));
		return 1;
	}
	if (stat(out, &st) != 0 || !S_ISDIR(st.st_mode) || chmod(out, 0700) != 0) {
		fprintf(stderr, "medkeep keys backup: %s is not a directory we can use\n", out);
		return 1;
	}
	if (vault_key_files_copy(dir, out) != 0 ||
	    store_file_copy(STORE_FILE_KEYS, dir, out, NULL) != ERR_OK) {
		fprintf(stderr, "medkeep keys backup: the copy failed\n");
		return 1;
	}
	if (vault_key_files_check(dir, out) != 0) {
		fprintf(stderr, "medkeep keys backup: a key rotation ran during the copy; run it again\n");
		return 1;
	}
	printf("Key material of %s copied to %s (master.key, keystore.db, index.key,\n"
	       "audit-signing.key). Keep it apart from the data backups, and replace it after every\n"
	       "shred and rotation: it still holds keys destroyed after it was made.\n", dir, out);
	return 0;
}

int cmd_keys(int argc, char **argv)
{
	if (argc < 2 || (strcmp(argv[1], "rotate") != 0 && strcmp(argv[1], "backup") != 0)) {
		if (wants_help(argc, argv)) {
			fputs(usage, stdout);
			return 0;
		}
		fputs(usage, stderr);
		return 2;
	}
	bool is_rotate = strcmp(argv[1], "rotate") == 0;
	static const struct option opts[] = {{"data", required_argument, NULL, 'd'},
					     {"batch", required_argument, NULL, 'b'},
					     {"out", required_argument, NULL, 'o'},
					     {"help", no_argument, NULL, 'h'},
					     {NULL, 0, NULL, 0}};
	const char *dir = NULL, *out = NULL;
	int64_t batch = LIMIT_ROTATE_BATCH;
	int c;
	optind = 1;
	while ((c = getopt_long(argc - 1, argv + 1, "", opts, NULL)) != -1) {
		if (c == 'd') {
			dir = optarg;
		} else if (c == 'b' && is_rotate) {
			if (parse_int64(optarg, 1, 100000, &batch) != 0) {
				fprintf(stderr, "medkeep keys rotate: --batch must be 1 to 100000\n");
				return 2;
			}
		} else if (c == 'o' && !is_rotate) {
			out = optarg;
		} else if (c == 'h') {
			fputs(usage, stdout);
			return 0;
		} else {
			fputs(usage, stderr);
			return 2;
		}
	}
	if (dir == NULL || (!is_rotate && out == NULL) || optind != argc - 1) {
		fputs(usage, stderr);
		return 2;
	}
	return is_rotate ? rotate(dir, (size_t)batch) : backup_keys(dir, out);
}
