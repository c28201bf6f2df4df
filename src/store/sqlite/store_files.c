/* Copies of the database files (`medkeep backup` and restore), online, of one moment
 * (src/store/store.h). */
#include "store/store.h"
#include "store/sqlite/store_int.h"

#include <fcntl.h>
#include <sqlite3.h>
#include <stdio.h>
#include <sys/stat.h>
#include <unistd.h>

#include "limits.h"
#include "util/log.h"


static const char *const file_names[] = {
	[STORE_FILE_DATA] = "medkeep.db",
	[STORE_FILE_AUDIT] = "audit.db",
	[STORE_FILE_KEYS] = "keystore.db",
};

const char *sq_store_file_name(enum store_file f)
{
	return f >= STORE_FILE_DATA && f <= STORE_FILE_KEYS ? file_names[f] : "?";
}

static enum err fsync_path(const char *path, bool dir)
{
	int fd = open(path, (dir ? O_DIRECTORY : 0) | O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return ERR_INTERNAL;
	int rc = fsync(fd);
	close(fd);
	return rc;
}

enum err sq_store_file_copy(enum store_file f, const char *from_dir, const char *to_dir,
		    void (*progress)(const char *name, int64_t done, int64_t total))
{
	const char *name = sq_store_file_name(f);
	char src_path[4096], dst_path[4096];
	struct stat st;
	if ((size_t)snprintf(src_path, sizeof(src_path), "%s/%s", from_dir, name) >= sizeof(src_path) ||
	    (size_t)snprintf(dst_path, sizeof(dst_path), "%s/%s", to_dir, name) >= sizeof(dst_path) ||
	    stat(src_path, &st) != 0)
		return ERR_NOT_FOUND;
	sqlite3 *src = NULL, *dst = NULL;
	sqlite3_backup *b = NULL;
	int rc = ERR_INTERNAL;
	bool reading = false;
	/* Read-write so the live file's WAL index can be shared with `serve`; a copy on
	 * read-only media is opened read-only. Nothing here writes to the source. */
	if (sqlite3_open_v2(src_path, &src, SQLITE_OPEN_READWRITE, NULL) != SQLITE_OK) {
		sqlite3_close(src);
		src = NULL;
		if (sqlite3_open_v2(src_path, &src, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK)
			goto out;
	}
	sqlite3_busy_timeout(src, 10000);
	/* Were this the last connection, closing it would checkpoint the live file's log: a
	 * backup must not write to what it copies. */
	sqlite3_db_config(src, SQLITE_DBCONFIG_NO_CKPT_ON_CLOSE, 1, NULL);
	/*
	 * One read transaction around the whole copy: in WAL mode it pins a snapshot, so the copy
	 * is of one moment even while `serve` commits, and the backup never restarts (it would
	 * restart on every audit commit if each step took a fresh snapshot).
	 */
	if (sq_exec(src, "BEGIN; SELECT count(*) FROM sqlite_schema;") != ERR_OK)
		goto out;
	reading = true;
	mode_t old = umask(077);
	int orc = sqlite3_open_v2(dst_path, &dst, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, NULL);
	umask(old);
	if (orc != SQLITE_OK)
		goto out;
	sqlite3_busy_timeout(dst, 10000);
	b = sqlite3_backup_init(dst, "main", src, "main");
	if (b == NULL)
		goto out;
	for (int tries = 0;;) {
		int step = sqlite3_backup_step(b, LIMIT_BACKUP_STEP_PAGES);
		int64_t total = sqlite3_backup_pagecount(b);
		if (progress)
			progress(name, total - sqlite3_backup_remaining(b), total);
		if (step == SQLITE_DONE)
			break;
		if (step == SQLITE_BUSY || step == SQLITE_LOCKED) {
			if (++tries > 1000)
				goto out;
			usleep(10 * 1000);
			continue;
		}
		if (step != SQLITE_OK)
			goto out;
	}
	if (sqlite3_backup_finish(b) != SQLITE_OK) {
		b = NULL;
		goto out;
	}
	b = NULL;
	rc = ERR_OK;
out:
	if (b)
		sqlite3_backup_finish(b);
	if (rc != ERR_OK)
		log_warn("component=store op=copy file=%s error=\"%s\"", name,
			 dst ? sqlite3_errmsg(dst) : src ? sqlite3_errmsg(src) : "cannot open");
	if (reading)
		sq_exec(src, "COMMIT;");
	sqlite3_close(src);
	sqlite3_close(dst);
	if (rc == ERR_OK && (chmod(dst_path, 0600) != 0 || fsync_path(dst_path, false) != 0 ||
			       fsync_path(to_dir, true) != 0))
		rc = ERR_INTERNAL;
	return rc;
}
