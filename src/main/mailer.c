/*
 * The outbox sender (see mailer.h). In `serve` it runs as a process of its own, started and
 * restarted by the parent: it needs the network (the relay) and TLS files, which neither the
 * worker's nor the vault's syscall filter allows, and it holds no key. It reads and marks
 * outbox rows in the database and asks the vault, over a socket whose only permitted request
 * is "open this address", for each recipient. See docs/internals/PROCESSES.md.
 */
#include "main/mailer.h"

#include <curl/curl.h>
#include <jansson.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "limits.h"
#include "main/cmd.h"
#include "proc/sandbox.h"
#include "store/account.h"
#include "store/store.h"
#include "util/conf.h"
#include "util/log.h"
#include "util/mime.h"
#include "util/strtonum.h"
#include "util/wipe.h"
#include "vault/vault.h"

#define MAIL_RETRY_FIRST_SECONDS 5
#define MAIL_RETRY_MAX_SECONDS 3600
#define MAIL_BATCH 50
/* A mailer claims a message for this long before it sends it, so that another node's mailer
 * does not send it too (several nodes on one database); longer than a send can take (curl's
 * 60 s), so only a mailer that died mid-send leaves a message for another to send again. */
#define MAIL_CLAIM_SECONDS 300
#define MAIL_MESSAGE_MAX (64u * 1024u)
/* One message sent: its rendered text (MAIL_MESSAGE_MAX), opened address and body. */
#define MAIL_SEND_ARENA (2u * MAIL_MESSAGE_MAX)

int mail_config_load(const char *dir, struct mail_config *c)
{
	memset(c, 0, sizeof(*c));
	char text[CONF_MAX_BYTES];
	size_t len = 0;
	if (conf_read(dir, text, sizeof(text), &len) != 0) {
		fprintf(stderr, "medkeep: %s/medkeep.conf cannot be read\n", dir);
		return -1;
	}
	char starttls[32] = "";
	int u = conf_get(text, len, "smtp.url", c->url, sizeof(c->url));
	int f = conf_get(text, len, "smtp.from", c->from, sizeof(c->from));
	int un = conf_get(text, len, "smtp.username", c->username, sizeof(c->username));
	int pw = conf_get(text, len, "smtp.password", c->password, sizeof(c->password));
	int st = conf_get(text, len, "smtp.starttls", starttls, sizeof(starttls));
	wipe(text, sizeof(text));
	if (u < 0 || f < 0 || un < 0 || pw < 0 || st < 0 ||
	    (st == 0 && strcmp(starttls, "required") != 0 && strcmp(starttls, "no") != 0)) {
		fprintf(stderr, "medkeep: medkeep.conf: a bad smtp.* setting\n");
		return -1;
	}
	if (u == 1)
		return 1;
	if (f == 1 || (strncmp(c->url, "smtp://", 7) != 0 && strncmp(c->url, "smtps://", 8) != 0)) {
		fprintf(stderr, "medkeep: medkeep.conf: smtp.url must be smtp:// or smtps://, with "
				"smtp.from\n");
		return -1;
	}
	c->starttls_required = st == 0 && strcmp(starttls, "required") == 0;
	return 0;
}

/* The envelope sender: the part in <...> of smtp.from, or all of it. */
static void envelope_from(const char *from, char out[260])
{
	const char *lt = strchr(from, '<'), *gt = lt ? strchr(lt, '>') : NULL;
	if (lt && gt)
		snprintf(out, 260, "%.*s", (int)(gt - lt + 1), lt);
	else
		snprintf(out, 260, "<%.255s>", from);
}

struct upload {
	const char *data;
	size_t len, at;
};

static size_t read_message(char *dst, size_t size, size_t nitems, void *p)
{
	struct upload *u = p;
	size_t room = size * nitems, left = u->len - u->at;
	size_t n = left < room ? left : room;
	memcpy(dst, u->data + u->at, n);
	u->at += n;
	return n;
}

/* Header values are ours, but a CR or LF would start a header of its own: replace them. */
static void header_value(struct buf *b, const char *v)
{
	for (const char *p = v; *p; p++)
		buf_append(b, (*p == '\r' || *p == '\n') ? " " : p, 1);
}

static int build_message(const struct mail_config *c, const struct store_outbox_row *row,
			 const char *to, const char *body, struct buf *m)
{
	char date[64], idhex[ID_HEX_LEN + 1];
	time_t now = time(NULL);
	struct tm tm;
	gmtime_r(&now, &tm);
	strftime(date, sizeof(date), "%a, %d %b %Y %H:%M:%S +0000", &tm);
	id_hex(&row->id, idhex);
	buf_printf(m, "Date: %s\r\nFrom: ", date);
	header_value(m, c->from);
	buf_printf(m, "\r\nTo: <%s>\r\nSubject: ", to);
	/* UTF-8 (a Māori subject line) as RFC 2047 encoded-words; ASCII as it is */
	mime_header_value(m, row->subject);
	buf_printf(m, "\r\nMessage-ID: <%s@medkeep>\r\nMIME-Version: 1.0\r\n"
		      "Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n"
		      "Auto-Submitted: auto-generated\r\n\r\n", idhex);
	/* Body lines end in CRLF (curl dot-stuffs lines that start with a dot). */
	for (const char *p = body; *p; p++) {
		if (*p == '\n' && (p == body || p[-1] != '\r'))
			buf_append(m, "\r", 1);
		buf_append(m, p, 1);
	}
	if (m->len < 2 || memcmp(m->data + m->len - 2, "\r\n", 2) != 0)
		buf_append(m, "\r\n", 2);
	return m->failed ? -1 : 0;
}

/* The body of a row as text in ar: opened through the vault's mail lane (or with the master key
 * of a command-line tool), or, for a row queued in clear by an older version, as stored. NULL
 * when it cannot be opened (never deliverable). */
static const char *open_body(const struct store_outbox_row *row, struct arena *ar)
{
	if (row->body_ct.len == 0)
		return row->body && row->body[0] ? row->body : NULL;
	struct buf b;
	buf_init(&b, ar, LIMIT_MAIL_BODY + 1);
	if (vault_outbox_open(&row->id, &row->account, row->body_ct.ptr, row->body_ct.len, &b) !=
		    ERR_OK ||
	    b.len == 0 || memchr(b.data, 0, b.len) != NULL)
		return NULL;
	buf_append(&b, "", 1);
	return b.failed ? NULL : b.data;
}

static int send_one(const struct mail_config *c, const struct store_outbox_row *row, struct arena *ar)
{
	const char *body = open_body(row, ar);
	if (body == NULL)
		return -2;
	struct buf addr;
	buf_init(&addr, ar, LIMIT_EMAIL_BUF);
	if (vault_email_open(&row->account, row->to_ct.ptr, row->to_ct.len, &addr) != ERR_OK ||
	    addr.len == 0 || addr.len > LIMIT_EMAIL)
		return -2; /* cannot be opened (a shredded account): never deliverable */
	char to[LIMIT_EMAIL + 3];
	snprintf(to, sizeof(to), "%.*s", (int)addr.len, addr.data);
	char rcpt[LIMIT_EMAIL + 8], from[260];
	snprintf(rcpt, sizeof(rcpt), "<%.254s>", to);
	envelope_from(c->from, from);
	struct buf msg;
	buf_init(&msg, ar, MAIL_MESSAGE_MAX);
	if (build_message(c, row, to, body, &msg) != 0)
		return -2;
	CURL *curl = curl_easy_init();
	if (curl == NULL)
		return -1;
	struct curl_slist *rcpts = curl_slist_append(NULL, rcpt);
	struct upload up = {msg.data, msg.len, 0};
	curl_easy_setopt(curl, CURLOPT_URL, c->url);
	curl_easy_setopt(curl, CURLOPT_PROTOCOLS_STR, "smtp,smtps");
	curl_easy_setopt(curl, CURLOPT_MAIL_FROM, from);
	curl_easy_setopt(curl, CURLOPT_MAIL_RCPT, rcpts);
	curl_easy_setopt(curl, CURLOPT_READFUNCTION, read_message);
	curl_easy_setopt(curl, CURLOPT_READDATA, &up);
	curl_easy_setopt(curl, CURLOPT_UPLOAD, 1L);
	curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT, 10L);
	curl_easy_setopt(curl, CURLOPT_TIMEOUT, 60L);
	if (c->starttls_required)
		curl_easy_setopt(curl, CURLOPT_USE_SSL, (long)CURLUSESSL_ALL);
	if (c->username[0]) {
		curl_easy_setopt(curl, CURLOPT_USERNAME, c->username);
		curl_easy_setopt(curl, CURLOPT_PASSWORD, c->password);
	}
	CURLcode rc = curl_easy_perform(curl);
	curl_slist_free_all(rcpts);
	curl_easy_cleanup(curl);
	wipe(to, sizeof(to));
	wipe(rcpt, sizeof(rcpt));
	if (rc != CURLE_OK) {
		char hex[ID_HEX_LEN + 1];
		id_hex(&row->id, hex);
		log_warn("component=mailer event=send-failed outbox=%s curl=%d", hex, (int)rc);
		return -1;
	}
	return 0;
}

int mail_send_pass(const struct mail_config *c, bool all, int64_t now, struct mail_pass *out)
{
	memset(out, 0, sizeof(*out));
	struct arena ar;
	arena_init(&ar, LIMIT_MAIL_PASS_ARENA);
	struct store_outbox_row *rows = NULL;
	size_t n = 0;
	int rc = store_outbox_due(now, all, MAIL_BATCH, &ar, &rows, &n) == ERR_OK ? 0 : -1;
	for (size_t i = 0; rc == 0 && i < n; i++) {
		if (store_outbox_claim(&rows[i].id, now, now + MAIL_CLAIM_SECONDS) != ERR_OK)
			continue; /* another node's mailer has it, or it was sent meanwhile */
		struct arena one;
		arena_init(&one, MAIL_SEND_ARENA);
		int s = send_one(c, &rows[i], &one);
		arena_release(&one);
		char hex[ID_HEX_LEN + 1];
		id_hex(&rows[i].id, hex);
		if (s == 0) {
			out->sent++;
			store_outbox_sent(&rows[i].id, now);
			log_info("component=mailer event=sent outbox=%s", hex);
			continue;
		}
		out->failed++;
		int64_t attempts = rows[i].attempts + 1, wait = MAIL_RETRY_FIRST_SECONDS;
		for (int64_t k = 1; k < attempts && wait < MAIL_RETRY_MAX_SECONDS; k++)
			wait *= 2;
		if (wait > MAIL_RETRY_MAX_SECONDS)
			wait = MAIL_RETRY_MAX_SECONDS;
		/* An address that cannot be opened never will be: park it for good. */
		store_outbox_retry(&rows[i].id, attempts, s == -2 ? INT64_MAX / 2 : now + wait, s == -2);
	}
	arena_release(&ar);
	return rc;
}

/* --- the process `serve` starts --- */

/* The mailer's clock: when a scheduled mail (a reminder) is due. Fault injection
 * (build/medkeep-chaos only): with MEDKEEP_FAULT=mailer_clock, the time is read from
 * DIR/chaos-clock (seconds since 1970) when that file exists, so a test can move the mailer to
 * the day before an appointment without waiting for it. */
static int64_t mailer_now(const char *dir)
{
	int64_t now = (int64_t)time(NULL);
#ifdef MEDKEEP_CHAOS
	const char *fault = getenv("MEDKEEP_FAULT");
	char path[512], text[32];
	if (fault && strcmp(fault, "mailer_clock") == 0 &&
	    snprintf(path, sizeof(path), "%s/chaos-clock", dir) < (int)sizeof(path)) {
		FILE *f = fopen(path, "r");
		size_t n = f ? fread(text, 1, sizeof(text) - 1, f) : 0;
		if (f)
			fclose(f);
		while (n > 0 && (text[n - 1] == '\n' || text[n - 1] == ' '))
			n--;
		text[n] = '\0';
		int64_t v;
		if (n > 0 && parse_int64(text, 0, INT64_MAX / 4, &v) == 0)
			now = v;
	}
#else
	(void)dir;
#endif
	return now;
}

static volatile sig_atomic_t mailer_stop;

static void on_term(int sig)
{
	(void)sig;
	mailer_stop = 1;
}

int cmd_mailer_process(int argc, char **argv)
{
	const char *dir;
	int fd;
	if (helper_args(argc, argv, "mailer-process", &dir, &fd) != 0)
		return 2;
	struct mail_config c;
	if (mail_config_load(dir, &c) != 0)
		return 1;
	signal(SIGTERM, on_term);
	signal(SIGINT, on_term);
	signal(SIGPIPE, SIG_IGN);
	vault_use_remote(fd, -1);
	if (curl_global_init(CURL_GLOBAL_DEFAULT) != 0 || store_open(dir, false) != 0)
		return 1;
	if (sandbox_drop_capabilities() != 0)
		return 1;
	log_info("component=mailer event=ready");
	while (!mailer_stop) {
		struct mail_pass p;
		if (mail_send_pass(&c, false, mailer_now(dir), &p) != 0)
			log_warn("component=mailer error=\"cannot read the outbox\"");
		for (int i = 0; i < 10 && !mailer_stop; i++)
			usleep(100 * 1000);
	}
	store_close();
	curl_global_cleanup();
	wipe(&c, sizeof(c));
	return 0;
}

/* --- medkeep outbox send | show --- */

/* Print every unsent email as one JSON array (id, account, subject, body, created), the bodies
 * opened with the master key. For an operator diagnosing the relay, and for tests that follow
 * the links a mail carries without a relay. */
static int outbox_show(void)
{
	struct arena ar;
	arena_init(&ar, LIMIT_LIST * (LIMIT_MAIL_BODY + 4096u));
	struct store_outbox_row *rows = NULL;
	size_t n = 0;
	/* scheduled mails too (a reminder, a result released later): every unsent row */
	if (store_outbox_due(INT64_MAX / 2, true, LIMIT_LIST, &ar, &rows, &n) != ERR_OK) {
		arena_release(&ar);
		fprintf(stderr, "medkeep outbox show: cannot read the outbox\n");
		return 1;
	}
	json_t *all = json_array();
	for (size_t i = 0; i < n; i++) {
		char id[ID_HEX_LEN + 1], acct[ID_HEX_LEN + 1];
		id_hex(&rows[i].id, id);
		id_hex(&rows[i].account, acct);
		const char *body = open_body(&rows[i], &ar);
		json_array_append_new(all, json_pack("{s:s, s:s, s:s, s:s?, s:I}", "id", id, "account",
						     acct, "subject", rows[i].subject, "body", body,
						     "created", (json_int_t)rows[i].created));
	}
	char *text = json_dumps(all, JSON_INDENT(1));
	json_decref(all);
	int rc = text ? 0 : 1;
	if (text) {
		puts(text);
		wipe(text, strlen(text));
		free(text);
	}
	arena_release(&ar);
	return rc;
}

int cmd_outbox(int argc, char **argv)
{
	static const char usage[] =
		"usage: medkeep outbox send --data DIR\n"
		"       medkeep outbox show --data DIR\n"
		"send: send every unsent email of the outbox now, by the SMTP relay of\n"
		"DIR/medkeep.conf (smtp.url, smtp.from; see README). Exits 1 when any could not be\n"
		"sent (they stay queued and `serve` retries them).\n"
		"show: print the unsent emails as JSON, their sealed bodies opened with the master key\n"
		"(they hold live sign-in links: treat the output like the key). Sent emails keep no body.\n";
	if (wants_help(argc, argv)) {
		fputs(usage, stdout);
		return 0;
	}
	if (argc != 4 || (strcmp(argv[1], "send") != 0 && strcmp(argv[1], "show") != 0) ||
	    strcmp(argv[2], "--data") != 0) {
		fputs(usage, stderr);
		return 2;
	}
	const char *dir = argv[3];
	if (strcmp(argv[1], "show") == 0) {
		if (open_data_dir(dir) != 0)
			return 1;
		int rc = outbox_show();
		close_data_dir();
		return rc;
	}
	struct mail_config c;
	int cfg = mail_config_load(dir, &c);
	if (cfg != 0) {
		if (cfg == 1)
			fprintf(stderr, "medkeep outbox send: no smtp.url in %s/medkeep.conf\n", dir);
		return 1;
	}
	if (open_data_dir(dir) != 0 || curl_global_init(CURL_GLOBAL_DEFAULT) != 0)
		return 1;
	struct mail_pass total = {0, 0};
	for (;;) {
		struct mail_pass p;
		if (mail_send_pass(&c, true, (int64_t)time(NULL), &p) != 0) {
			total.failed++;
			break;
		}
		total.sent += p.sent;
		total.failed += p.failed;
		if (p.sent == 0 || p.failed > 0)
			break; /* nothing left, or the relay is refusing: stop rather than spin */
	}
	curl_global_cleanup();
	close_data_dir();
	printf("sent %zu, failed %zu\n", total.sent, total.failed);
	return total.failed ? 1 : 0;
}
