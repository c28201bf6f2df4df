/*
 * medkeep backup | restore. A backup is the data (medkeep.db) and the audit trail (audit.db),
 * copied online and consistently while `serve` runs; it holds no keys. A restore puts a backup
 * together with key material (a key copy, or the live data directory) into a new data
 * directory. See docs/internals/BACKUP.md.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "audit/audit.h"
#include "main/cmd.h"
#include "store/store.h"
#include "util/conf.h"
#include "vault/vault.h"

/* Whether the data directory's medkeep.conf names a PostgreSQL store. */
static bool stores_in_postgresql(const char *dir)
{
	static char text[CONF_MAX_BYTES];
	char url[CONF_LINE_MAX + 1];
	size_t len = 0;
	return conf_read(dir, text, sizeof(text), &len) == 0 &&
	       conf_get(text, len, "store.url", url, sizeof(url)) == 0;
}

static void copy_progress(const char *name, int64_t done, int64_t total)
{
	char what[64];
	snprintf(what, sizeof(what), "  %s (pages)", name);
	show_progress(what, done, total);
}

/* Create dir (mode 0700); an existing directory is accepted only when empty. */
static int make_empty_dir(const char *dir, const char *cmd)
{
	if (mkdir(dir, 0700) == 0)
		return 0;
	if (errno != EEXIST) {
		fprintf(stderr, "%s: cannot create %s: %s\n", cmd, dir, strerror(errno));
		return -1;
	}
	DIR *d = opendir(dir);
	if (d == NULL) {
		fprintf(stderr, "%s: %s exists and is not a directory\n", cmd, dir);
		return -1;
	}
	struct dirent *e;
	int entries = 0;
	while ((e = readdir(d)) != NULL)
		if (strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0)
			entries++;
	closedir(d);
	if (entries > 0) {
		fprintf(stderr, "%s: %s is not empty; give a new directory\n", cmd, dir);
		return -1;
	}
	if (chmod(dir, 0700) != 0) {
		fprintf(stderr, "%s: cannot restrict %s: %s\n", cmd, dir, strerror(errno));
		return -1;
	}
	return 0;
}

static bool has_file(const char *dir, const char *name)
{
	char path[4096];
	struct stat st;
	return (size_t)snprintf(path, sizeof(path), "%s/%s", dir, name) < sizeof(path) &&
	       stat(path, &st) == 0 && S_ISREG(st.st_mode);
}

static int write_manifest(const char *dir)
{
	char path[4096];
	if ((size_t)snprintf(path, sizeof(path), "%s/MANIFEST", dir) >= sizeof(path))
		return -1;
	int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd < 0)
		return -1;
	FILE *f = fdopen(fd, "w");
	if (f == NULL) {
		close(fd);
		return -1;
	}
	char when[32];
	time_t now = time(NULL);
	struct tm tm;
	strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%SZ", gmtime_r(&now, &tm));
	fprintf(f, "medkeep backup 1\ncreated %s\nfiles medkeep.db audit.db\n"
		   "keys none: restore needs a key copy (medkeep keys backup) or the live data "
		   "directory\n", when);
	int rc = fflush(f) == 0 && fsync(fd) == 0 ? 0 : -1;
	fclose(f);
	return rc;
}

int cmd_backup(int argc, char **argv)
{
	static const char usage[] =
		"usage: medkeep backup --data DIR --out BACKUPDIR\n"
		"Copy the database (medkeep.db) and the audit trail (audit.db) of DIR into BACKUPDIR\n"
		"(created, mode 0700, files 0600) with SQLite's online backup: a consistent copy,\n"
		"safe while medkeep serve runs. Nothing in DIR is changed.\n"
		"The backup holds NO keys: master.key, keystore.db (the patient keys), index.key and\n"
		"audit-signing.key stay behind, and without them the backup cannot be read. Copy them\n"
		"apart with medkeep keys backup; put both back with medkeep restore.\n";
	static const struct option opts[] = {{"data", required_argument, NULL, 'd'},
					     {"out", required_argument, NULL, 'o'},
					     {"help", no_argument, NULL, 'h'},
					     {NULL, 0, NULL, 0}};
	const char *dir = NULL, *out = NULL;
	int c;
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		if (c == 'd')
			dir = optarg;
		else if (c == 'o')
			out = optarg;
		else if (c == 'h') {
			fputs(usage, stdout);
			return 0;
		} else {
			fputs(usage, stderr);
			return 2;
		}
	}
	if (dir == NULL || out == NULL || optind != argc) {
		fputs(usage, stderr);
		return 2;
	}
	if (stores_in_postgresql(dir)) {
		fprintf(stderr, "medkeep backup: %s keeps its records in PostgreSQL (store.url): back "
				"them up with PostgreSQL's own tools (pg_dump, pg_basebackup; "
				"docs/internals/STORE.md), and the data directory's key files with "
				"medkeep keys backup\n",
			dir);
		return 1;
	}
	if (!has_file(dir, "medkeep.db") || !has_file(dir, "audit.db")) {
		fprintf(stderr, "medkeep backup: %s is not a medkeep data directory\n", dir);
		return 1;
	}
	if (make_empty_dir(out, "medkeep backup") != 0)
		return 1;
	fprintf(stderr, "backup: copying %s to %s\n", dir, out);
	/* The data first, then the trail: the trail's copy is the newer, so it holds the record
	 * of every write in the data's copy (a write's record is durable before the write). */
	if (store_file_copy(STORE_FILE_DATA, dir, out, copy_progress) != ERR_OK ||
	    store_file_copy(STORE_FILE_AUDIT, dir, out, copy_progress) != ERR_OK ||
	    write_manifest(out) != 0) {
		fprintf(stderr, "medkeep backup: the copy failed; %s is incomplete, remove it\n", out);
		return 1;
	}
	printf("Backup written to %s (medkeep.db, audit.db).\n", out);
	printf("It holds no keys and cannot be read without the key material (master.key,\n"
	       "keystore.db, index.key, audit-signing.key), which is backed up separately:\n"
	       "  medkeep keys backup --data %s --out KEYDIR\n", dir);
	return 0;
}

int cmd_restore(int argc, char **argv)
{
	static const char usage[] =
		"usage: medkeep restore --backup BACKUPDIR --keys KEYDIR --data NEWDIR\n"
		"Make a new data directory NEWDIR from a backup (medkeep backup) and key material:\n"
		"KEYDIR is a key copy (medkeep keys backup) or the live data directory, holding\n"
		"master.key, keystore.db, index.key and audit-signing.key. Patients whose keys are no\n"
		"longer in that keystore (shredded after the backup was taken) stay unreadable.\n"
		"Then serve it with medkeep serve --data NEWDIR.\n";
	static const struct option opts[] = {{"backup", required_argument, NULL, 'b'},
					     {"keys", required_argument, NULL, 'k'},
					     {"data", required_argument, NULL, 'd'},
					     {"help", no_argument, NULL, 'h'},
					     {NULL, 0, NULL, 0}};
	const char *backup = NULL, *keys = NULL, *dir = NULL;
	int c;
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		if (c == 'b')
			backup = optarg;
		else if (c == 'k')
			keys = optarg;
		else if (c == 'd')
			dir = optarg;
		else if (c == 'h') {
			fputs(usage, stdout);
			return 0;
		} else {
			fputs(usage, stderr);
			return 2;
		}
	}
	if (backup == NULL || keys == NULL || dir == NULL || optind != argc) {
		fputs(usage, stderr);
		return 2;
	}
	if (!has_file(backup, "medkeep.db") || !has_file(backup, "audit.db")) {
		fprintf(stderr, "medkeep restore: %s is not a medkeep backup (no medkeep.db and "
				"audit.db)\n", backup);
		return 1;
	}
	if (!has_file(keys, "master.key") || !has_file(keys, "keystore.db")) {
		fprintf(stderr, "medkeep restore: %s holds no key material (master.key and "
				"keystore.db)\n", keys);
		return 1;
	}
	struct stat st;
	if (stat(dir, &st) == 0) {
		fprintf(stderr, "medkeep restore: %s exists; restore into a new directory\n", dir);
		return 1;
	}
	if (make_empty_dir(dir, "medkeep restore") != 0)
		return 1;
	fprintf(stderr, "restore: %s with keys from %s into %s\n", backup, keys, dir);
	if (store_file_copy(STORE_FILE_DATA, backup, dir, copy_progress) != ERR_OK ||
	    store_file_copy(STORE_FILE_AUDIT, backup, dir, copy_progress) != ERR_OK ||
	    vault_key_files_copy(keys, dir) != 0 ||
	    store_file_copy(STORE_FILE_KEYS, keys, dir, copy_progress) != ERR_OK ||
	    vault_key_files_check(keys, dir) != 0) {
		fprintf(stderr, "medkeep restore: the copy failed (or a key rotation ran in %s "
				"meanwhile); %s is incomplete, remove it\n", keys, dir);
		return 1;
	}
	if (open_data_dir(dir) != 0) {
		fprintf(stderr, "medkeep restore: the restored directory does not open: are the keys "
				"in %s this backup's?\n", keys);
		return 1;
	}
	int64_t patients = 0, with_key = 0;
	struct audit_event e = {.action = "restore", .outcome = AUDIT_OK, .ip = "local"};
	int rc = store_patient_key_counts(&patients, &with_key) == ERR_OK && audit_append(&e) == 0
			 ? 0
			 : 1;
	close_data_dir();
	if (rc != 0) {
		fprintf(stderr, "medkeep restore: cannot read the restored database\n");
		return 1;
	}
	printf("Restored into %s: %lld patients, %lld readable, %lld without a key (shredded).\n",
	       dir, (long long)patients, (long long)with_key, (long long)(patients - with_key));
	printf("Check the audit trail with: medkeep audit verify --data %s\n", dir);
	return 0;
}
