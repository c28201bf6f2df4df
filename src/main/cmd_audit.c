/*
 * medkeep audit verify | export-checkpoints: checking the trail's hash chain and its signed
 * checkpoints, locally or, from an exported checkpoint file, as a third party. Neither reads
 * the master key: verification needs only audit.db and a public key (from audit-signing.key,
 * or from the exported file).
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "audit/audit.h"
#include "crypto/sign.h"
#include "limits.h"
#include "main/cmd.h"
#include "store/store.h"
#include "util/nztime.h"
#include "vault/vault.h"

static const char usage[] =
	"usage: medkeep audit verify --data DIR [--checkpoints FILE]\n"
	"       medkeep audit export-checkpoints --data DIR [--out FILE]\n"
	"\n"
	"verify: check every audit record's hash chain and every signed checkpoint (its Ed25519\n"
	"signature, and that the chain's hash at its record is the one signed), and report the\n"
	"last verified checkpoint. Exits 1 naming the first changed, missing or reordered record,\n"
	"forged checkpoint, or records deleted before a checkpoint. Records after the last\n"
	"checkpoint are not covered: had some of them been deleted, verify could not tell.\n"
	"  --checkpoints FILE  verify DIR/audit.db (a copy of the trail is enough) against the\n"
	"                      checkpoints and public key in FILE, from export-checkpoints; no\n"
	"                      key of DIR is read.\n"
	"export-checkpoints: write the signed checkpoints and the public key that verifies them,\n"
	"as JSON, to FILE (or standard output), for a third party to keep.\n";

static void format_time(int64_t ms, char out[32])
{
	time_t t = (time_t)(ms / 1000);
	struct tm tm;
	if (gmtime_r(&t, &tm) == NULL || strftime(out, 32, "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
		snprintf(out, 32, "?");
}

static void verify_progress(int64_t done)
{
	fprintf(stderr, "audit verify: %lld records checked\n", (long long)done);
}

static void checkpoint_progress(int64_t done)
{
	fprintf(stderr, "audit verify: %lld checkpoints checked\n", (long long)done);
}

/* Parse options after the subcommand word. Returns 0, or the exit code (help: -1 → 0). */
static int parse_opts(int argc, char **argv, const char **dir, const char **file, const char *fname)
{
	static const struct option opts[] = {{"data", required_argument, NULL, 'd'},
					     {"checkpoints", required_argument, NULL, 'c'},
					     {"out", required_argument, NULL, 'o'},
					     {"help", no_argument, NULL, 'h'},
					     {NULL, 0, NULL, 0}};
	int c;
	optind = 1;
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		if (c == 'd')
			*dir = optarg;
		else if ((c == 'c' && strcmp(fname, "checkpoints") == 0) ||
			 (c == 'o' && strcmp(fname, "out") == 0))
			*file = optarg;
		else if (c == 'h') {
			fputs(usage, stdout);
			return -1;
		} else {
			fputs(usage, stderr);
			return 2;
		}
	}
	if (*dir == NULL || optind != argc) {
		fputs(usage, stderr);
		return 2;
	}
	return 0;
}

/* --- the exported file --- */

struct export_ctx {
	FILE *f;
	bool first;
};

static int export_one(const struct audit_checkpoint *cp, void *arg)
{
	struct export_ctx *x = arg;
	char head[2 * HASH_BYTES + 1], kid[KEY_ID_HEX_LEN + 1], when[32];
	bytes_hex(cp->head, HASH_BYTES, head);
	key_id_hex(cp->key_id, kid);
	format_time(cp->ts_ms, when);
	struct arena a;
	arena_init(&a, LIMIT_SCRATCH_ARENA);
	struct buf sig;
	buf_init(&sig, &a, LIMIT_ENCODED_KEY);
	base64_encode(cp->sig, SIGNATURE_BYTES, &sig);
	int rc = buf_cstr(&sig) == NULL ? -1 : 0;
	if (rc == 0)
		fprintf(x->f, "%s\n    {\"seq\": %lld, \"ts_ms\": %lld, \"time\": \"%s\", \"head\": \"%s\","
			   " \"key_id\": \"%s\", \"signature\": \"%s\"}",
			x->first ? "" : ",", (long long)cp->seq, (long long)cp->ts_ms, when, head, kid,
			sig.data);
	x->first = false;
	arena_release(&a);
	return rc;
}

static int export_checkpoints(const char *dir, const char *out_path)
{
	uint8_t pk[SIGN_PUBLIC_BYTES], kid[KEY_ID_BYTES];
	if (vault_checkpoint_public_key_read(dir, pk, kid) != 0) {
		fprintf(stderr, "medkeep audit export-checkpoints: cannot read %s/audit-signing.key\n", dir);
		return 1;
	}
	if (store_open_audit(dir) != ERR_OK) {
		fprintf(stderr, "medkeep audit export-checkpoints: cannot open %s/audit.db\n", dir);
		return 1;
	}
	FILE *f = stdout;
	if (out_path != NULL && (f = fopen(out_path, "w")) == NULL) {
		fprintf(stderr, "medkeep audit export-checkpoints: cannot write %s: %s\n", out_path,
			strerror(errno));
		store_close();
		return 1;
	}
	struct arena a;
	arena_init(&a, LIMIT_SCRATCH_ARENA);
	struct buf b64;
	buf_init(&b64, &a, LIMIT_ENCODED_KEY);
	base64_encode(pk, sizeof(pk), &b64);
	char hex[KEY_ID_HEX_LEN + 1], now[32];
	key_id_hex(kid, hex);
	format_time((int64_t)time(NULL) * 1000, now);
	int64_t last = 0;
	uint8_t h[HASH_BYTES];
	int rc = store_audit_read_begin() == ERR_OK && store_audit_last(&last, h) == ERR_OK &&
			 buf_cstr(&b64) != NULL
		 ? 0
		 : -1;
	if (rc == 0) {
		fprintf(f, "{\n  \"format\": \"%s\",\n  \"algorithm\": \"Ed25519\",\n"
			   "  \"public_key\": \"%s\",\n  \"key_id\": \"%s\",\n  \"exported\": \"%s\",\n"
			   "  \"trail_records\": %lld,\n  \"checkpoints\": [",
			AUDIT_EXPORT_FORMAT, b64.data, hex, now, (long long)last);
		struct export_ctx x = {.f = f, .first = true};
		rc = store_audit_checkpoints_each(export_one, &x);
		fprintf(f, "\n  ]\n}\n");
	}
	store_audit_read_end();
	arena_release(&a);
	store_close();
	if (fflush(f) != 0 || ferror(f))
		rc = -1;
	if (f != stdout && fclose(f) != 0)
		rc = -1;
	if (rc != 0) {
		fprintf(stderr, "medkeep audit export-checkpoints: could not read the trail or write "
				"the file\n");
		return 1;
	}
	if (out_path != NULL)
		fprintf(stderr, "audit export-checkpoints: wrote %s (public key %s)\n", out_path, hex);
	return 0;
}

/* Read an exported checkpoint file; *cps is malloc'ed. Returns 0, or -1 with a message. */
static int load_export(const char *path, uint8_t pk[SIGN_PUBLIC_BYTES],
		       struct audit_checkpoint **cps, size_t *n)
{
	struct stat st;
	FILE *f = NULL;
	char *text = NULL;
	const char *why = "cannot be read";
	int rc = -1;
	if (stat(path, &st) == 0 && S_ISREG(st.st_mode) && st.st_size > LIMIT_CHECKPOINT_FILE_BYTES) {
		why = "is over 1 GB";
	} else if (stat(path, &st) == 0 && S_ISREG(st.st_mode) && (f = fopen(path, "r")) != NULL &&
		   (text = malloc((size_t)st.st_size + 1)) != NULL &&
		   fread(text, 1, (size_t)st.st_size, f) == (size_t)st.st_size) {
		rc = audit_checkpoints_parse(text, (size_t)st.st_size, pk, cps, n, &why);
	}
	if (f)
		fclose(f);
	free(text);
	if (rc != 0)
		fprintf(stderr, "medkeep audit verify: %s: %s\n", path, why);
	return rc;
}

static int verify(const char *dir, const char *export_file)
{
	uint8_t pk[SIGN_PUBLIC_BYTES], kid[KEY_ID_BYTES];
	struct audit_checkpoint *cps = NULL;
	size_t n_cps = 0;
	if (export_file != NULL) {
		if (load_export(export_file, pk, &cps, &n_cps) != 0)
			return 1;
	} else if (vault_checkpoint_public_key_read(dir, pk, kid) != 0) {
		fprintf(stderr, "audit verify: cannot read %s/audit-signing.key, so checkpoint "
				"signatures cannot be checked (give --checkpoints FILE from "
				"export-checkpoints)\n", dir);
		return 1;
	}
	vault_signing_key_id(pk, kid);
	if (store_open_audit(dir) != ERR_OK) {
		fprintf(stderr, "audit verify: cannot open %s/audit.db\n", dir);
		free(cps);
		return 1;
	}
	struct audit_verify_result r;
	struct audit_checkpoint_result cr;
	int64_t last = 0;
	uint8_t h[HASH_BYTES];
	int rc = -1, crc = -1;
	if (store_audit_read_begin() == ERR_OK && store_audit_last(&last, h) == ERR_OK) {
		rc = audit_verify(&r, verify_progress);
		if (rc >= 0)
			crc = audit_verify_checkpoints(pk, cps, n_cps, last, &cr, checkpoint_progress);
	}
	store_audit_read_end();
	store_close();
	free(cps);
	if (rc < 0 || crc < 0) {
		fprintf(stderr, "audit verify: could not read the audit trail\n");
		return 1;
	}
	char hex[KEY_ID_HEX_LEN + 1];
	key_id_hex(kid, hex);
	if (rc > 0)
		printf("audit verify: FAILED at record %lld: %s (%lld records verified before it)\n",
		       (long long)r.first_bad_seq, r.reason, (long long)r.records);
	else
		printf("audit verify: chain intact, %lld records\n", (long long)r.records);
	if (crc > 0) {
		char when[NZ_WHEN_LEN];
		nz_when(cr.last_ts_ms / 1000, when, sizeof(when));
		printf("audit verify: FAILED at checkpoint %lld: %s\n", (long long)cr.bad_seq, cr.reason);
		if (cr.missing_from > 0)
			printf("audit verify: records %lld to %lld are missing: the trail ends at %lld but "
			       "a signed checkpoint covers record %lld\n",
			       (long long)cr.missing_from, (long long)cr.missing_to, (long long)last,
			       (long long)cr.bad_seq);
		if (cr.checked > 0)
			printf("audit verify: %lld checkpoints verified before it, the last at record "
			       "%lld (%s)\n", (long long)cr.checked, (long long)cr.last_seq, when);
	} else if (cr.checked > 0) {
		char when[NZ_WHEN_LEN];
		nz_when(cr.last_ts_ms / 1000, when, sizeof(when));
		printf("audit verify: %lld signed checkpoints verified (key %s%s); last verified "
		       "checkpoint: record %lld, signed %s\n",
		       (long long)cr.checked, hex, export_file ? ", from the exported file" : "",
		       (long long)cr.last_seq, when);
	} else {
		printf("audit verify: no signed checkpoints%s\n",
		       export_file ? " in the exported file" : "");
	}
	if (crc == 0) {
		int64_t uncovered = last - cr.last_seq;
		if (uncovered > 0)
			printf("audit verify: %lld records after record %lld are not covered by a signed "
			       "checkpoint: had records after it been deleted, this check could not "
			       "tell\n",
			       (long long)uncovered, (long long)cr.last_seq);
	}
	if (rc != 0 || crc != 0)
		return 1;
	printf("audit verify: OK, %lld records, chain intact, %lld checkpoints\n",
	       (long long)r.records, (long long)cr.checked);
	return 0;
}

int cmd_audit(int argc, char **argv)
{
	if (argc < 2 || (strcmp(argv[1], "verify") != 0 && strcmp(argv[1], "export-checkpoints") != 0)) {
		if (wants_help(argc, argv)) {
			fputs(usage, stdout);
			return 0;
		}
		fputs(usage, stderr);
		return 2;
	}
	const char *dir = NULL, *file = NULL;
	bool is_verify = strcmp(argv[1], "verify") == 0;
	int rc = parse_opts(argc - 1, argv + 1, &dir, &file, is_verify ? "checkpoints" : "out");
	if (rc != 0)
		return rc < 0 ? 0 : rc;
	return is_verify ? verify(dir, file) : export_checkpoints(dir, file);
}
