/*
 * medkeep feeds add | list | remove: the operator's register of the HL7 v2 senders (a
 * laboratory, a hospital, a practice's own system) that may deliver messages for a practice
 * (docs/internals/FEEDS.md). The listener that receives their messages comes later.
 */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include <stdlib.h>
#include <time.h>

#include "crypto/cert.h"
#include "domain/feeds.h"
#include "hl7/hl7.h"
#include "ingest/ingest.h"
#include "util/wipe.h"
#include "limits.h"
#include "main/cmd.h"
#include "store/practice.h"

_Static_assert(CERT_SHA256_BYTES == FEED_CERT_SHA256_BYTES, "a feed keeps the whole fingerprint");

static const char feeds_usage[] =
	"usage: medkeep feeds add --data DIR --practice ID --name NAME --facility MSH4 [--cert PEM]\n"
	"       medkeep feeds list --data DIR [--practice ID]\n"
	"       medkeep feeds remove --data DIR FEED\n"
	"       medkeep feeds inject --data DIR --feed FEED FILE\n"
	"Register the HL7 v2 senders that may deliver messages for a practice. A feed is known by\n"
	"its TLS client certificate (--cert: its SHA-256 is kept) or, without one, by its sending\n"
	"facility alone, which is for a plain listener on loopback (development and tests). add\n"
	"prints the feed's id. list prints one line per live feed: id, practice, name, facility,\n"
	"cert:SHA256 or facility-only, created (UTC), tab-separated. remove ends a feed (its row\n"
	"is kept, marked removed). add and remove are audited. inject runs one HL7 v2 message\n"
	"(FILE, as a laboratory sent it) through ingestion as that feed, exactly as the listener\n"
	"would, and prints the acknowledgement (segments on lines): for an operator replaying a\n"
	"message a sender could not deliver. A message the feed sent before (its MSH-10) changes\n"
	"nothing and is answered as the first time. Exit 0 for AA, 1 for AE, AR or a failure.\n"
	"  --practice ID      the practice's id (medkeep practices list)\n"
	"  --name NAME        what the operator and the practice call the sender (1 to 80 bytes)\n"
	"  --facility MSH4    its sending facility (MSH-4) as its messages carry it; one live feed\n"
	"                     per facility\n"
	"  --cert PEM         its TLS client certificate (PEM); one live feed per certificate\n"
	"  --feed FEED        the feed a message is injected as (medkeep feeds list)\n";

static void print_feed(const struct store_feed *f)
{
	char id[ID_HEX_LEN + 1], practice[ID_HEX_LEN + 1];
	id_hex(&f->id, id);
	id_hex(&f->practice, practice);
	printf("%s\t%s\t%s\t%s\t", id, practice, f->name, f->facility);
	if (f->has_cert) {
		fputs("cert:", stdout);
		for (size_t i = 0; i < FEED_CERT_SHA256_BYTES; i++)
			printf("%02x", f->cert_sha256[i]);
	} else {
		fputs("facility-only", stdout);
	}
	putchar('\t');
	print_utc(f->created);
	putchar('\n');
}

static int add(const char *practice, const char *name, const char *facility, const char *cert)
{
	uint8_t sha[CERT_SHA256_BYTES];
	if (cert != NULL && cert_pem_sha256(cert, sha) != 0) {
		fprintf(stderr, "medkeep feeds add: cannot read a certificate (PEM) from %s\n", cert);
		return 1;
	}
	struct store_feed f;
	const char *why = NULL;
	int r = feeds_add(practice, name, facility, cert ? sha : NULL, &f, &why);
	if (r == ERR_OK) {
		char id[ID_HEX_LEN + 1];
		id_hex(&f.id, id);
		printf("%s\n", id);
		return 0;
	}
	fprintf(stderr, "medkeep feeds add: %s\n", why ? why : "cannot store the feed; run it again");
	return r == ERR_BAD_REQUEST ? 2 : 1;
}

static int list(const char *practice)
{
	struct id pid;
	if (practice != NULL) {
		struct arena one;
		arena_init(&one, LIMIT_LOOKUP_ARENA);
		const char *name;
		int r = id_parse(&pid, practice, strlen(practice)) != 0 ? ERR_NOT_FOUND
		      : store_practice_name(&pid, &one, &name);
		arena_release(&one);
		if (r != ERR_OK) {
			fprintf(stderr, "medkeep feeds list: %s\n", r == ERR_NOT_FOUND
				? "no such practice (medkeep practices list)" : "cannot read the practices");
			return 1;
		}
	}
	struct arena ar;
	arena_init(&ar, LIMIT_REGISTER_ARENA);
	int rc = 0;
	for (size_t offset = 0;; offset += LIMIT_LIST) {
		struct store_feed *feeds;
		size_t n = 0;
		if (store_feeds_list(practice ? &pid : NULL, offset, LIMIT_LIST, &ar, &feeds, &n) != ERR_OK) {
			fprintf(stderr, "medkeep feeds list: cannot read the feeds\n");
			rc = 1;
			break;
		}
		for (size_t i = 0; i < n; i++)
			print_feed(&feeds[i]);
		arena_release(&ar);
		if (n < LIMIT_LIST)
			break;
	}
	arena_release(&ar);
	return rc;
}

static int remove_feed(const char *feed)
{
	int r = feeds_remove(feed);
	if (r == ERR_OK)
		printf("removed %s\n", feed);
	else if (r == ERR_NOT_FOUND)
		fprintf(stderr, "medkeep feeds remove: no live feed %s\n", feed);
	else
		fprintf(stderr, "medkeep feeds remove: failed; run it again\n");
	return r == ERR_OK ? 0 : 1;
}

/* The message file whole, at most LIMIT_HL7_MESSAGE_BYTES; NULL (and a message) otherwise. */
static char *read_message(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	if (f == NULL) {
		fprintf(stderr, "medkeep feeds inject: cannot read %s\n", path);
		return NULL;
	}
	char *buf = malloc(LIMIT_HL7_MESSAGE_BYTES + 1);
	size_t n = buf ? fread(buf, 1, LIMIT_HL7_MESSAGE_BYTES + 1, f) : 0;
	bool bad = buf == NULL || ferror(f) || n > LIMIT_HL7_MESSAGE_BYTES;
	fclose(f);
	if (bad) {
		fprintf(stderr, "medkeep feeds inject: %s is not a message of at most 16 MB\n", path);
		free(buf);
		return NULL;
	}
	*len = n;
	return buf;
}

static void print_ack(const struct hl7_msg *m, const struct ingest_outcome *o)
{
	char ack[LIMIT_HL7_ACK_BYTES], ts[32], ctl[ID_HEX_LEN + 1];
	struct id rnd;
	random_id(&rnd);
	id_hex(&rnd, ctl);
	ctl[20] = '\0'; /* MSH-10 is 20 characters in v2.4 */
	time_t now = time(NULL);
	struct tm tm;
	gmtime_r(&now, &tm);
	strftime(ts, sizeof(ts), "%Y%m%d%H%M%S+0000", &tm);
	static const char *const text[] = {"", "Queued for the practice"};
	struct hl7_ack a = {.code = o->code, .control_id = {ctl, strlen(ctl)},
			    .timestamp = {ts, strlen(ts)},
			    .text = {text[o->queued], strlen(text[o->queued])},
			    .err = o->err.code != 0 ? &o->err : NULL};
	size_t n = 0;
	if (hl7_ack(m, &a, ack, sizeof(ack), &n) != 0) {
		fprintf(stderr, "medkeep feeds inject: cannot build the acknowledgement\n");
		return;
	}
	for (size_t i = 0; i < n; i++)
		putchar(ack[i] == '\r' ? '\n' : ack[i]);
}

static int inject(const char *feed, const char *path)
{
	struct store_feed f;
	struct id fid;
	if (id_parse(&fid, feed, strlen(feed)) != 0 || store_feed_get(&fid, &f) != ERR_OK) {
		fprintf(stderr, "medkeep feeds inject: no live feed %s\n", feed);
		return 1;
	}
	size_t len = 0;
	char *raw = read_message(path, &len);
	if (raw == NULL)
		return 1;
	static struct hl7_segment segs[LIMIT_HL7_SEGMENTS];
	struct hl7_msg m;
	struct hl7_error err;
	struct ingest_outcome o;
	memset(&o, 0, sizeof(o));
	int rc = 1;
	if (hl7_parse(raw, len, segs, LIMIT_HL7_SEGMENTS, &m, &err) != 0) {
		/* as the listener answers a message it cannot read: AR naming where */
		o.code = HL7_ACK_AR;
		o.err = err;
		if (m.nseg > 0)
			print_ack(&m, &o);
		else
			fprintf(stderr, "medkeep feeds inject: %s is not an HL7 v2 message\n", path);
		goto out;
	}
	struct actor a;
	char token[SESSION_TOKEN_B64_LEN + 1];
	if (ingest_feed_actor(&f.id, &f.practice, "local", &a, token) != ERR_OK) {
		fprintf(stderr, "medkeep feeds inject: cannot act as the feed\n");
		goto out;
	}
	struct ingest_feed in = {.feed = f.id, .practice = f.practice, .actor = &a};
	enum err r = ingest_hl7(&in, raw, len, &m, &o);
	wipe(token, sizeof(token));
	if (r != ERR_OK) {
		fprintf(stderr, "medkeep feeds inject: the message could not be taken now (%s); "
				"run it again\n", err_name(r));
		goto out;
	}
	print_ack(&m, &o);
	rc = o.code == HL7_ACK_AA ? 0 : 1;
out:
	wipe(raw, len);
	free(raw);
	return rc;
}

int cmd_feeds(int argc, char **argv)
{
	static const struct option opts[] = {{"data", required_argument, NULL, 'd'},
					     {"practice", required_argument, NULL, 'p'},
					     {"name", required_argument, NULL, 'n'},
					     {"facility", required_argument, NULL, 'f'},
					     {"cert", required_argument, NULL, 'c'},
					     {"feed", required_argument, NULL, 'F'},
					     {"help", no_argument, NULL, 'h'},
					     {NULL, 0, NULL, 0}};
	if (argc < 2 || wants_help(argc, argv)) {
		fputs(feeds_usage, argc < 2 ? stderr : stdout);
		return argc < 2 ? 2 : 0;
	}
	const char *what = argv[1], *dir = NULL, *practice = NULL, *name = NULL, *facility = NULL,
		   *cert = NULL, *feed = NULL;
	int c;
	optind = 2;
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 'd':
			dir = optarg;
			break;
		case 'p':
			practice = optarg;
			break;
		case 'n':
			name = optarg;
			break;
		case 'f':
			facility = optarg;
			break;
		case 'c':
			cert = optarg;
			break;
		case 'F':
			feed = optarg;
			break;
		default:
			fputs(feeds_usage, stderr);
			return 2;
		}
	}
	bool is_add = strcmp(what, "add") == 0, is_list = strcmp(what, "list") == 0,
	     is_remove = strcmp(what, "remove") == 0, is_inject = strcmp(what, "inject") == 0;
	int positional = argc - optind;
	if (dir == NULL || (!is_add && !is_list && !is_remove && !is_inject) ||
	    (is_inject && (feed == NULL || practice || name || facility || cert || positional != 1)) ||
	    (!is_inject && feed != NULL) ||
	    (is_add && (practice == NULL || name == NULL || facility == NULL || positional != 0)) ||
	    (is_list && (name || facility || cert || positional != 0)) ||
	    (is_remove && (practice || name || facility || cert || positional != 1))) {
		fputs(feeds_usage, stderr);
		return 2;
	}
	if (open_data_dir(dir) != 0)
		return 1;
	int rc = is_add	     ? add(practice, name, facility, cert)
		 : is_list   ? list(practice)
		 : is_inject ? inject(feed, argv[optind])
			     : remove_feed(argv[optind]);
	close_data_dir();
	return rc;
}
