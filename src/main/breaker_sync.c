/*
 * `medkeep breaker-sync-process`, started by `serve` when the store is PostgreSQL: the node's
 * share of one breaker across nodes (docs/internals/BREAKER.md, "Several nodes"). Every tenth
 * of a second it brings the facts other nodes' vaults counted from the database to this
 * node's vault, and takes what this vault counted to the database. It asks the vault on a lane
 * of its own that allows that exchange and nothing else, and holds no key.
 *
 * A node that starts reads the facts of the whole window first, so a restarted node (or a new
 * one) counts what its actors did before, on any node.
 */
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "crypto/crypto.h"
#include "main/cmd.h"
#include "proc/sandbox.h"
#include "store/breaker.h"
#include "store/store.h"
#include "util/conf.h"
#include "util/log.h"
#include "vault/breaker.h"
#include "vault/vault.h"

#define SYNC_INTERVAL_MS 100 /* how far behind another node's count may be: a tenth of a second */
#define PRUNE_EVERY_S 60

static volatile sig_atomic_t sync_stop;

static void on_term(int sig)
{
	(void)sig;
	sync_stop = 1;
}

/* The longest window the breaker counts over: facts older than that count nowhere. */
static int64_t longest_window(const char *dir)
{
	struct breaker_config c;
	breaker_defaults(&c);
	char text[CONF_MAX_BYTES];
	size_t len = 0;
	int line = 0;
	if (conf_read(dir, text, sizeof(text), &len) == 0)
		(void)breaker_parse_config(text, len, &c, &line); /* the vault refused bad lines */
	return c.window_seconds > c.miss_window_seconds ? c.window_seconds : c.miss_window_seconds;
}

/* One exchange: theirs in, ours out. 1 when either side filled a frame (go again at once). */
static int exchange(const struct id *node, int64_t *cursor, int64_t window)
{
	static struct breaker_event theirs[BREAKER_EVENTS_PER_FRAME], ours[BREAKER_EVENTS_PER_FRAME];
	size_t n_theirs = 0, n_ours = 0;
	uint64_t dropped = 0;
	int64_t now = (int64_t)time(NULL);
	if (store_breaker_events_since(node, cursor, now - window, theirs, BREAKER_EVENTS_PER_FRAME,
				       &n_theirs) != ERR_OK) {
		log_warn("component=breaker-sync error=\"cannot read other nodes' counts\"");
		n_theirs = 0;
	}
	if (vault_breaker_exchange(theirs, n_theirs, ours, BREAKER_EVENTS_PER_FRAME, &n_ours,
				   &dropped) != ERR_OK) {
		log_warn("component=breaker-sync error=\"the vault refused the exchange\"");
		return -1;
	}
	if (dropped > 0)
		log_warn("component=breaker-sync error=\"counts lost to a full ring\" lost=%llu",
			 (unsigned long long)dropped);
	if (store_breaker_events_add(node, ours, n_ours) != ERR_OK)
		log_warn("component=breaker-sync error=\"cannot write this node's counts\" lost=%zu",
			 n_ours);
	return n_theirs == BREAKER_EVENTS_PER_FRAME || n_ours == BREAKER_EVENTS_PER_FRAME;
}

int cmd_breaker_sync_process(int argc, char **argv)
{
	const char *dir;
	int fd;
	if (helper_args(argc, argv, "breaker-sync-process", &dir, &fd) != 0)
		return 2;
	signal(SIGTERM, on_term);
	signal(SIGINT, on_term);
	signal(SIGPIPE, SIG_IGN);
	int64_t window = longest_window(dir);
	vault_use_remote(fd, -1);
	if (store_open(dir, false) != ERR_OK || sandbox_drop_capabilities() != 0)
		return 1;
	struct id node;
	random_id(&node); /* this process's facts, told apart from every other node's */
	int64_t cursor = 0, pruned_at = 0;
	log_info("component=breaker-sync event=ready");
	while (!sync_stop) {
		int more = exchange(&node, &cursor, window);
		if (more < 0)
			break; /* the vault is gone: serve restarts us, or is stopping */
		int64_t now = (int64_t)time(NULL);
		if (now - pruned_at >= PRUNE_EVERY_S) {
			pruned_at = now;
			if (store_breaker_events_prune(now - window - PRUNE_EVERY_S) != ERR_OK)
				log_warn("component=breaker-sync error=\"cannot prune old counts\"");
		}
		if (!more)
			usleep(SYNC_INTERVAL_MS * 1000);
	}
	store_close();
	return 0;
}
