/*
 * medkeep import --data DIR --practice ID FILE...: load a practice's register and history from
 * its FHIR Bulk Data export (NDJSON), docs/internals/IMPORT.md.
 *
 * Lines are read in place from a buffer capped at LIMIT_IMPORT_LINE, mapped one at a time
 * (fhir_import_parse) and filed (import_apply.c) in batches of LIMIT_IMPORT_BATCH lines per
 * store transaction. The audit records of a batch are held (audit_batch_begin) and committed
 * before the batch's store transaction is: durable before what they describe, one fsync each.
 * A crash loses at most the batch in flight, which the next run files again: every record is
 * written with its import-map entry in one transaction, so nothing is filed twice.
 *
 * Refused lines are listed as file:line: reason (reasons name fields, never values: no PHI).
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "audit/audit.h"
#include "limits.h"
#include "main/cmd.h"
#include "main/import_int.h"
#include "store/store.h"
#include "util/log.h"
#include "util/wipe.h"
#include "vault/vault.h"

/* A line reader over one file: lines are handed out in place, the buffer grows to
 * LIMIT_IMPORT_LINE + 1 at most, and a longer line is skipped to its end and reported. */
struct reader {
	int fd;
	char *buf;
	size_t cap, start, end, scanned;
	int64_t base; /* file offset of buf[0] */
	bool eof;
};

static int reader_fill(struct reader *r)
{
	if (r->start > 0) {
		memmove(r->buf, r->buf + r->start, r->end - r->start);
		r->base += (int64_t)r->start;
		r->end -= r->start;
		r->scanned -= r->start;
		r->start = 0;
	}
	if (r->end == r->cap) {
		size_t max = (size_t)LIMIT_IMPORT_LINE + 1;
		if (r->cap >= max)
			return 1; /* a line longer than the limit */
		size_t cap = r->cap * 2 > max ? max : r->cap * 2;
		/* Not realloc: the old buffer holds lines of the export, wiped before it is freed. */
		char *n = malloc(cap);
		if (n == NULL)
			return -1;
		memcpy(n, r->buf, r->end);
		wipe(r->buf, r->cap);
		free(r->buf);
		r->buf = n;
		r->cap = cap;
	}
	ssize_t got;
	do
		got = read(r->fd, r->buf + r->end, r->cap - r->end);
	while (got < 0 && errno == EINTR);
	if (got < 0)
		return -1;
	if (got == 0)
		r->eof = true;
	r->end += (size_t)got;
	return 0;
}

/* The next line: 1 with line, len and off set (too_long when it was over the limit and
 * skipped), 0 at the end, -1 on a read error. */
static int reader_next(struct reader *r, const char **line, size_t *len, int64_t *off, bool *too_long)
{
	*too_long = false;
	for (;;) {
		char *nl = memchr(r->buf + r->scanned, '\n', r->end - r->scanned);
		if (nl != NULL) {
			*line = r->buf + r->start;
			*len = (size_t)(nl - *line);
			*off = r->base + (int64_t)r->start;
			r->start = r->scanned = (size_t)(nl - r->buf) + 1;
			return 1;
		}
		r->scanned = r->end;
		if (r->eof) {
			if (r->start == r->end)
				return 0;
			*line = r->buf + r->start;
			*len = r->end - r->start;
			*off = r->base + (int64_t)r->start;
			r->start = r->scanned = r->end;
			return 1;
		}
		int rc = reader_fill(r);
		if (rc < 0)
			return -1;
		if (rc == 1) {
			/* Over the limit: drop what is held and skip to the line's end. */
			*off = r->base;
			r->base += (int64_t)r->end;
			r->start = r->end = r->scanned = 0;
			for (;;) {
				if (reader_fill(r) < 0)
					return -1;
				nl = memchr(r->buf, '\n', r->end);
				if (nl != NULL || r->eof)
					break;
				r->base += (int64_t)r->end;
				r->end = r->scanned = 0;
			}
			r->start = r->scanned = nl ? (size_t)(nl - r->buf) + 1 : r->end;
			*too_long = true;
			*line = NULL;
			*len = 0;
			return 1;
		}
	}
}

/* --- progress and the summary --- */

static struct {
	bool tty;
	double t0, last;
	int64_t bytes_total, bytes_done;
} prog;

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int64_t records(const struct importer *im)
{
	int64_t n = 0;
	for (int t = 0; t < IMPORT_TYPE_COUNT; t++)
		n += im->loaded[t] + im->already[t] + im->refused[t];
	return n + im->refused_other;
}

static void progress(struct importer *im, bool force)
{
	double t = now_s();
	if (!force && t - prog.last < (prog.tty ? 0.25 : 10.0))
		return;
	prog.last = t;
	double el = t - prog.t0 > 0.001 ? t - prog.t0 : 0.001;
	double frac = prog.bytes_total > 0 ? (double)prog.bytes_done / (double)prog.bytes_total : 1.0;
	double left = frac > 0.001 ? el / frac - el : 0;
	int64_t n = records(im);
	if (prog.tty) {
		char bar[31];
		int fill = (int)(frac * 30 + 0.5);
		for (int i = 0; i < 30; i++)
			bar[i] = i < fill ? '#' : '.';
		bar[30] = '\0';
		fprintf(stderr, "\rimport [%s] %3d%%  %lld lines  %.0f/s  %d:%02d left ", bar,
			(int)(frac * 100), (long long)n, (double)n / el, (int)left / 60, (int)left % 60);
	} else {
		fprintf(stderr, "import: %lld lines, %d%% of %lld bytes, %.0f lines/s, about %d s left\n",
			(long long)n, (int)(frac * 100), (long long)prog.bytes_total, (double)n / el,
			(int)left);
	}
	fflush(stderr);
}

static void refuse(struct importer *im, int f, int64_t line, enum import_type t, const char *why)
{
	if ((unsigned)t < IMPORT_TYPE_COUNT)
		im->refused[t]++;
	else
		im->refused_other++;
	if (prog.tty)
		fputs("\r\033[K", stderr); /* over the bar, which is drawn again after */
	/* A file name is the operator's own; the reason names fields only. */
	fprintf(stderr, "%s:%lld: %s\n", im->files[f], (long long)line, why ? why : "refused");
}

static void summary(const struct importer *im, double elapsed)
{
	int64_t loaded = 0, already = 0, refused_n = im->refused_other;
	for (int t = 0; t < IMPORT_TYPE_COUNT; t++) {
		loaded += im->loaded[t];
		already += im->already[t];
		refused_n += im->refused[t];
	}
	printf("import: %lld loaded, %lld already there, %lld refused in %.1f s (%.0f lines/s)\n",
	       (long long)loaded, (long long)already, (long long)refused_n, elapsed,
	       (double)(loaded + already + refused_n) / (elapsed > 0.001 ? elapsed : 0.001));
	for (int t = 0; t < IMPORT_TYPE_COUNT; t++)
		if (im->loaded[t] + im->already[t] + im->refused[t] > 0)
			printf("  %-18s %lld loaded, %lld already there, %lld refused\n",
			       fhir_import_type_name((enum import_type)t), (long long)im->loaded[t],
			       (long long)im->already[t], (long long)im->refused[t]);
	if (loaded == 0 && refused_n == 0)
		printf("Nothing changed: everything was already there.\n");
}

/* --- batches --- */

static size_t in_batch, batch_bytes;

/* Commit the batch: its audit records first, then what they describe. 0, or -1. */
static int batch_commit(void)
{
	if (audit_batch_commit() != 0 || store_commit() != ERR_OK)
		return -1;
	in_batch = batch_bytes = 0;
	return 0;
}

/* One more line of len bytes filed: the batch ends at LIMIT_IMPORT_BATCH lines, or sooner at
 * LIMIT_IMPORT_BATCH_BYTES of them (a batch of large documents). */
static int batch_tick(size_t len)
{
	batch_bytes += len;
	if (++in_batch < LIMIT_IMPORT_BATCH && batch_bytes < LIMIT_IMPORT_BATCH_BYTES)
		return 0;
	return batch_commit() == 0 && store_begin() == ERR_OK ? 0 : -1;
}

static bool tick_failed;

static void pending_tick(struct importer *im)
{
	if (batch_tick(0) != 0)
		tick_failed = true;
	progress(im, false);
}

/* One line: parsed, filed, counted. -1 when the import must stop. */
static int one_line(struct importer *im, int f, const char *line, size_t len, int64_t off,
		    int64_t lineno)
{
	struct arena ar;
	arena_init(&ar, LIMIT_ARENA_BYTES);
	struct import_item it;
	const char *why = NULL;
	enum outcome out = OUT_REFUSED;
	if (fhir_import_parse(line, len, &ar, &it, &why) == 0)
		out = import_apply(im, &it, f, off, len, lineno, &ar, &why);
	enum import_type t = it.type;
	fhir_import_free(&it);
	arena_release(&ar);
	switch (out) {
	case OUT_LOADED:
		im->loaded[t]++;
		break;
	case OUT_ALREADY:
		im->already[t]++;
		break;
	case OUT_REFUSED:
		refuse(im, f, lineno, t, why);
		break;
	case OUT_DEFERRED:
		return 0; /* counted when its report or the end files it */
	case OUT_FATAL:
		return -1;
	}
	return batch_tick(len);
}

static int one_file(struct importer *im, int f)
{
	struct reader r = {.fd = im->fds[f], .cap = 1u << 20};
	r.buf = malloc(r.cap);
	if (r.buf == NULL)
		return -1;
	int rc = 0;
	int64_t lineno = 0;
	for (;;) {
		const char *line;
		size_t len;
		int64_t off;
		bool too_long;
		int got = reader_next(&r, &line, &len, &off, &too_long);
		if (got <= 0) {
			rc = got;
			break;
		}
		lineno++;
		prog.bytes_done += (int64_t)len + 1;
		if (too_long) {
			refuse(im, f, lineno, IMPORT_TYPE_COUNT, "line longer than the limit (LIMIT_IMPORT_LINE)");
			continue;
		}
		while (len > 0 && (line[len - 1] == '\r' || line[len - 1] == ' ' || line[len - 1] == '\t'))
			len--;
		if (len == 0)
			continue; /* blank lines are allowed between resources */
		if (one_line(im, f, line, len, off, lineno) != 0) {
			rc = -1;
			break;
		}
		progress(im, false);
	}
	wipe(r.buf, r.cap);
	free(r.buf);
	return rc;
}

static int import_options(int argc, char **argv, const char **dir, const char **practice)
{
	static const char usage[] =
		"usage: medkeep import --data DIR --practice ID FILE...\n"
		"Load a practice's register and history from its FHIR Bulk Data export: NDJSON files,\n"
		"one resource a line (Patient, DocumentReference with the document inline,\n"
		"DiagnosticReport, Observation, MedicationRequest, Appointment). Patient lines come\n"
		"before the lines that refer to them, Observations before the reports that name them.\n"
		"A resource imported before is already there: running again changes nothing, and an\n"
		"interrupted import finishes when run again. Refused lines are listed as FILE:LINE:\n"
		"reason, and the rest is loaded. Exit 0 when every line was loaded or already there,\n"
		"1 when any was refused, 2 for a usage error. ID: `medkeep practices list`.\n";
	static const struct option opts[] = {{"data", required_argument, NULL, 'd'},
					     {"practice", required_argument, NULL, 'p'},
					     {"help", no_argument, NULL, 'h'},
					     {NULL, 0, NULL, 0}};
	int c;
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		if (c == 'd')
			*dir = optarg;
		else if (c == 'p')
			*practice = optarg;
		else if (c == 'h') {
			fputs(usage, stdout);
			return 0;
		} else {
			fputs(usage, stderr);
			return 2;
		}
	}
	if (*dir == NULL || *practice == NULL || optind >= argc) {
		fputs(usage, stderr);
		return 2;
	}
	return -1;
}

/* Open every file before starting, so a typo stops the run before anything is written. */
static int open_files(struct importer *im)
{
	im->fds = calloc((size_t)im->n_files, sizeof(int));
	if (im->fds == NULL)
		return -1;
	for (int i = 0; i < im->n_files; i++) {
		struct stat st;
		im->fds[i] = open(im->files[i], O_RDONLY | O_CLOEXEC);
		if (im->fds[i] < 0 || fstat(im->fds[i], &st) != 0 || !S_ISREG(st.st_mode)) {
			fprintf(stderr, "medkeep import: cannot read %s\n", im->files[i]);
			return -1;
		}
		prog.bytes_total += st.st_size;
	}
	return 0;
}

static int run(struct importer *im)
{
	audit_batch_begin();
	if (store_begin() != ERR_OK)
		return -1;
	for (int f = 0; f < im->n_files; f++)
		if (one_file(im, f) != 0)
			return -1;
	if (import_pending(im, refuse, pending_tick) != 0 || tick_failed)
		return -1;
	if (batch_commit() != 0 || audit_batch_end() != 0)
		return -1;
	return 0;
}

int cmd_import(int argc, char **argv)
{
	const char *dir = NULL, *practice = NULL;
	int status = import_options(argc, argv, &dir, &practice);
	if (status >= 0)
		return status;
	static struct importer im;
	if (id_parse(&im.practice, practice, strlen(practice)) != 0) {
		fprintf(stderr, "medkeep import: --practice takes a practice id (medkeep practices list)\n");
		return 2;
	}
	im.files = (const char *const *)(argv + optind);
	im.n_files = argc - optind;
	prog.tty = isatty(STDERR_FILENO) == 1;
	if (open_files(&im) != 0)
		return 1;
	if (open_data_dir(dir) != 0)
		return 1;
	store_bulk_load();
	log_set_quiet(1);
	int rc = 1;
	struct arena ar;
	arena_init(&ar, LIMIT_JOB_ARENA);
	const char *name;
	if (store_practice_name(&im.practice, &ar, &name) != ERR_OK) {
		fprintf(stderr, "medkeep import: no practice with that id (medkeep practices list)\n");
		goto out;
	}
	import_actor(&im.practice, &im.actor);
	prog.t0 = prog.last = now_s();
	if (run(&im) != 0) {
		if (prog.tty)
			fputc('\n', stderr);
		fprintf(stderr, "medkeep import: stopped: the store, the vault or the audit trail failed; "
				"what was committed stays, and running again finishes the import\n");
		goto out;
	}
	progress(&im, true);
	if (prog.tty)
		fputc('\n', stderr);
	summary(&im, now_s() - prog.t0);
	int64_t refused_n = im.refused_other;
	for (int t = 0; t < IMPORT_TYPE_COUNT; t++)
		refused_n += im.refused[t];
	rc = refused_n == 0 ? 0 : 1;
out:
	import_pending_free(&im);
	arena_release(&ar);
	close_data_dir();
	for (int i = 0; i < im.n_files && im.fds; i++)
		if (im.fds[i] >= 0)
			close(im.fds[i]);
	free(im.fds);
	return rc;
}
