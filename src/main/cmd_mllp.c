/*
 * `medkeep mllp-process`: the HL7 v2 feed listener, started by `serve --mllp` (see serve.c and
 * docs/internals/PROCESSES.md). It holds no key: it speaks to the vault over one socket (the
 * key lane; the vault mints each feed's system token), opens the database as a worker does,
 * gives up its capabilities and installs its syscall filter (SANDBOX_MLLP: the worker's list)
 * before it accepts anything.
 */
#include <fcntl.h>
#include <stdio.h>
#include <string.h>

#include "audit/audit.h"
#include "domain/outbox.h"
#include "domain/quota.h"
#include "main/cmd.h"
#include "mllp/listener.h"
#include "policy/policy.h"
#include "proc/sandbox.h"
#include "store/store.h"
#include "util/conf.h"
#include "util/log.h"
#include "util/strtonum.h"
#include "vault/vault.h"

static void mllp_started(void)
{
	if (store_connects())
		sandbox_permit_connections();
	if (sandbox_drop_capabilities() != 0 || sandbox_install(SANDBOX_MLLP) != 0)
		fatalx("mllp: cannot install the syscall filter");
}

static int fd_option(const char *s, int *out)
{
	int64_t v;
	if (parse_int64(s, 0, 65535, &v) != 0)
		return -1;
	*out = (int)v;
	return 0;
}

int cmd_mllp_process(int argc, char **argv)
{
	const char *dir = NULL;
	struct mllp_config cfg = {.listen_fd = -1};
	int vault_fd = -1;
	for (int i = 1; i + 1 < argc; i += 2) {
		if (strcmp(argv[i], "--data") == 0)
			dir = argv[i + 1];
		else if (strcmp(argv[i], "--tls-cert") == 0)
			cfg.tls_cert = argv[i + 1];
		else if (strcmp(argv[i], "--tls-key") == 0)
			cfg.tls_key = argv[i + 1];
		else if ((strcmp(argv[i], "--listen-fd") == 0 && fd_option(argv[i + 1], &cfg.listen_fd) != 0) ||
			 (strcmp(argv[i], "--vault-fd") == 0 && fd_option(argv[i + 1], &vault_fd) != 0))
			return 2;
	}
	if (dir == NULL || cfg.listen_fd < 0 || vault_fd < 0) {
		fprintf(stderr, "medkeep mllp-process is started by medkeep serve\n");
		return 2;
	}
	fcntl(cfg.listen_fd, F_SETFD, FD_CLOEXEC);
	fcntl(vault_fd, F_SETFD, FD_CLOEXEC);
	vault_use_remote(vault_fd, -1);
	char conf[CONF_MAX_BYTES];
	size_t clen = 0;
	if (conf_read(dir, conf, sizeof(conf), &clen) != 0)
		clen = 0;
	if (quota_configure(dir, conf, clen) != 0)
		return 1;
	/* Result notices from feeds give the portal's address (docs/internals/NOTICES.md). */
	char url[256];
	if (clen > 0 && conf_get(conf, clen, "portal.url", url, sizeof(url)) == 0)
		outbox_set_portal_url(url);
	if (store_open(dir, false) != 0 || audit_init() != 0 || audit_start_writer() != 0) {
		fprintf(stderr, "medkeep: cannot open the data directory %s\n", dir);
		return 1;
	}
	policy_init();
	int rc = mllp_serve(&cfg, mllp_started);
	audit_stop_writer();
	store_close();
	return rc;
}
