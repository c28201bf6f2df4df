/*
 * medkeep apps add | list | remove: the operator's register of apps that patients may
 * connect to their record (docs/internals/APPS.md).
 */
#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "auth/apps.h"
#include "limits.h"
#include "main/cmd.h"

static const char apps_usage[] =
	"usage: medkeep apps add --data DIR --name NAME --redirect-uri URI\n"
	"       medkeep apps list --data DIR\n"
	"       medkeep apps remove --data DIR --client ID\n"
	"Register the apps that patients may connect to their record (OAuth 2.0 authorization code\n"
	"with PKCE, as SMART App Launch uses it: public clients, no secret). add prints the app's\n"
	"client_id. remove ends every access the app holds at once.\n"
	"  --name NAME          what patients see on the consent page (at most 80 characters)\n"
	"  --redirect-uri URI   where the app receives its code: https://..., or http:// to\n"
	"                       127.0.0.1, [::1] or localhost for an app on the patient's device\n"
	"  --client ID          the app's client_id\n";

int cmd_apps(int argc, char **argv)
{
	static const struct option opts[] = {{"data", required_argument, NULL, 'd'},
					     {"name", required_argument, NULL, 'n'},
					     {"redirect-uri", required_argument, NULL, 'r'},
					     {"client", required_argument, NULL, 'c'},
					     {"help", no_argument, NULL, 'h'},
					     {NULL, 0, NULL, 0}};
	if (argc < 2 || wants_help(argc, argv)) {
		fputs(apps_usage, argc < 2 ? stderr : stdout);
		return argc < 2 ? 2 : 0;
	}
	const char *what = argv[1], *dir = NULL, *name = NULL, *redirect = NULL, *client = NULL;
	int c;
	optind = 2;
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 'd':
			dir = optarg;
			break;
		case 'n':
			name = optarg;
			break;
		case 'r':
			redirect = optarg;
			break;
		case 'c':
			client = optarg;
			break;
		default:
			fputs(apps_usage, stderr);
			return 2;
		}
	}
	bool add = strcmp(what, "add") == 0, list = strcmp(what, "list") == 0,
	     remove = strcmp(what, "remove") == 0;
	if (dir == NULL || optind != argc || (!add && !list && !remove) ||
	    (add && (name == NULL || redirect == NULL)) || (remove && client == NULL)) {
		fputs(apps_usage, stderr);
		return 2;
	}
	if (open_data_dir(dir) != 0)
		return 1;
	int rc = 0;
	if (add) {
		struct store_app app;
		const char *why = NULL;
		int r = apps_register(name, redirect, &app, &why);
		if (r == ERR_OK) {
			char id[ID_HEX_LEN + 1];
			id_hex(&app.id, id);
			printf("client_id %s\n", id);
		} else {
			fprintf(stderr, "medkeep apps add: %s\n", why ? why : "cannot store the app");
			rc = r == ERR_BAD_REQUEST ? 2 : 1;
		}
	} else if (list) {
		struct arena ar;
		arena_init(&ar, LIMIT_ACCOUNT_ARENA);
		struct store_app *apps;
		size_t n = 0;
		if (store_apps_list(&ar, &apps, &n) != ERR_OK) {
			fprintf(stderr, "medkeep apps list: cannot read the register\n");
			rc = 1;
		}
		for (size_t i = 0; rc == 0 && i < n; i++) {
			char id[ID_HEX_LEN + 1];
			id_hex(&apps[i].id, id);
			printf("%s\t%s\t%s\n", id, apps[i].name, apps[i].redirect_uri);
		}
		arena_release(&ar);
	} else {
		int r = apps_remove(client);
		if (r == ERR_BAD_CLIENT)
			fprintf(stderr, "medkeep apps remove: no app %s\n", client);
		else if (r != ERR_OK)
			fprintf(stderr, "medkeep apps remove: failed; run it again\n");
		else
			printf("removed %s; its tokens are ended\n", client);
		rc = r == ERR_OK ? 0 : 1;
	}
	close_data_dir();
	return rc;
}
