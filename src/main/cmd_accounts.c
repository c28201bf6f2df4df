/*
 * medkeep accounts list | unlock: the operator's view of accounts, and the way back from a
 * lock of the breaker from the command line (docs/internals/UNLOCK.md). An unlock here leaves
 * an unlock ticket, MACed with a key derived from the master key this tool holds, which a
 * running `serve` hands to its vault at the account's next sign-in: the vault clears its trip
 * only for a genuine ticket issued after that trip.
 */
#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "auth/auth.h"
#include "domain/locks.h"
#include "limits.h"
#include "main/cmd.h"
#include "store/locks.h"
#include "vault/vault.h"

static const char accounts_usage[] =
	"usage: medkeep accounts list --data DIR [--locked]\n"
	"       medkeep accounts unlock --data DIR --email EMAIL --reason TEXT\n"
	"list prints each account (at most 10000): address, role, id, and whether it is locked,\n"
	"with why and when the breaker stopped it. unlock opens an account the breaker locked:\n"
	"new sign-ins work at once, also on a running serve (its sessions from before stay\n"
	"ended); the person is emailed, and the decision is audited. Review what it reached\n"
	"first: medkeep incident report --data DIR --actor EMAIL.\n"
	"  --locked        only locked accounts\n"
	"  --email EMAIL   the account's address\n"
	"  --reason TEXT   why it is unlocked (kept with the decision; required)\n";

static int list(bool locked_only)
{
	struct arena ar;
	arena_init(&ar, LIMIT_BATCH_ARENA);
	struct store_account *accts;
	size_t n = 0;
	int rc = 0;
	if (store_accounts_list(locked_only, 10000, &ar, &accts, &n) != ERR_OK) {
		fprintf(stderr, "medkeep accounts list: cannot read the accounts\n");
		rc = 1;
	}
	for (size_t i = 0; rc == 0 && i < n; i++) {
		char id[ID_HEX_LEN + 1];
		id_hex(&accts[i].id, id);
		struct buf b;
		buf_init(&b, &ar, LIMIT_EMAIL_SHOWN);
		bool opened = accts[i].email_ct.len &&
			      vault_email_open(&accts[i].id, accts[i].email_ct.ptr, accts[i].email_ct.len,
					       &b) == ERR_OK && !b.failed;
		printf("%.*s\t%s\t%s\t%s", opened ? (int)b.len : 8, opened ? (const char *)b.data : "(sealed)",
		       role_name(accts[i].role), id, accts[i].locked ? "locked" : "active");
		struct store_lock l;
		if (accts[i].locked && store_lock_latest(&accts[i].id, &ar, &l) == ERR_OK) {
			printf("\t%s\t", l.reason);
			print_utc(l.tripped);
			char ses[ID_HEX_LEN + 1];
			id_hex(&l.session, ses);
			printf("\tsession %s\t%s", ses, l.state);
		}
		putchar('\n');
	}
	arena_release(&ar);
	return rc;
}

int cmd_accounts(int argc, char **argv)
{
	static const struct option opts[] = {{"data", required_argument, NULL, 'd'},
					     {"locked", no_argument, NULL, 'l'},
					     {"email", required_argument, NULL, 'e'},
					     {"reason", required_argument, NULL, 'r'},
					     {"help", no_argument, NULL, 'h'},
					     {NULL, 0, NULL, 0}};
	if (argc < 2 || wants_help(argc, argv)) {
		fputs(accounts_usage, argc < 2 ? stderr : stdout);
		return argc < 2 ? 2 : 0;
	}
	const char *what = argv[1], *dir = NULL, *email = NULL, *reason = NULL;
	bool locked = false;
	int c;
	optind = 2;
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 'd':
			dir = optarg;
			break;
		case 'l':
			locked = true;
			break;
		case 'e':
			email = optarg;
			break;
		case 'r':
			reason = optarg;
			break;
		default:
			fputs(accounts_usage, stderr);
			return 2;
		}
	}
	bool is_list = strcmp(what, "list") == 0, unlock = strcmp(what, "unlock") == 0;
	if (dir == NULL || optind != argc || (!is_list && !unlock) ||
	    (unlock && (email == NULL || reason == NULL)) || (is_list && (email || reason))) {
		fputs(accounts_usage, stderr);
		return 2;
	}
	if (open_data_dir(dir) != 0)
		return 1;
	int rc;
	if (is_list) {
		rc = list(locked);
	} else {
		bool was_locked = false;
		/* The reason first, then the address, as the command has always reported them. */
		int r = ERR_INVALID;
		struct arena ar;
		arena_init(&ar, LIMIT_CALL_ARENA);
		struct store_account acct;
		if (locks_reason_ok(reason)) {
			int found = auth_account_lookup(email, &ar, &acct);
			r = found == ERR_OK ? locks_unlock_local(&acct, reason, &was_locked)
			    : found == ERR_NOT_FOUND ? ERR_NOT_FOUND
						       : ERR_INTERNAL;
		}
		arena_release(&ar);
		if (r == ERR_OK && !was_locked)
			printf("not locked; nothing changed\n");
		else if (r == ERR_OK)
			printf("unlocked; the next sign-in works, and the person was emailed\n");
		else if (r == ERR_NOT_FOUND)
			fprintf(stderr, "medkeep accounts unlock: no such account\n");
		else if (r == ERR_INVALID)
			fprintf(stderr, "medkeep accounts unlock: give a reason (at most 500 bytes)\n");
		else
			fprintf(stderr, "medkeep accounts unlock: failed; run it again\n");
		rc = r == ERR_OK ? 0 : r == ERR_INVALID ? 2 : 1;
	}
	close_data_dir();
	return rc;
}
