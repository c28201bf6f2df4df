/*
 * medkeep apps add | list | remove: the operator's register of apps that patients may
 * connect to their record (docs/internals/APPS.md).
 */
#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "auth/apps.h"
#include "auth/systems.h"
#include "crypto/jws.h"
#include "limits.h"
#include "main/cmd.h"

static const char apps_usage[] =
	"usage: medkeep apps add --data DIR --name NAME --redirect-uri URI\n"
	"       medkeep apps add --system --data DIR --practice ID --name NAME --jwks FILE [--scope S]\n"
	"       medkeep apps list --data DIR\n"
	"       medkeep apps remove --data DIR --client ID\n"
	"Register the apps that patients may connect to their record (OAuth 2.0 authorization code\n"
	"with PKCE, as SMART App Launch uses it: public clients, no secret). add prints the app's\n"
	"client_id. remove ends every access the app holds at once.\n"
	"  --name NAME          what patients see on the consent page (at most 80 characters)\n"
	"  --redirect-uri URI   where the app receives its code: https://..., or http:// to\n"
	"                       127.0.0.1, [::1] or localhost for an app on the patient's device\n"
	"  --client ID          the app's (or system's) client_id\n"
	"A practice system (--system) is a practice's management system over FHIR, as SMART Backend\n"
	"Services connects one: client_credentials with an assertion signed by its private key\n"
	"(ES384 or EdDSA), tokens of five minutes, only its practice's patients (SYSTEMS.md).\n"
	"  --practice ID        the practice it belongs to (medkeep practices list)\n"
	"  --jwks FILE          its public keys (a JWK Set: EC P-384 or OKP Ed25519, each with a kid)\n"
	"  --scope S            what it may be granted (default: system/Patient.cru\n"
	"                       system/DocumentReference.c system/DiagnosticReport.c system/Observation.c)\n";

/* The key set file, whole, NUL-terminated, at most JWKS_MAX_BYTES. */
static char *read_jwks(const char *path, char *buf, size_t cap)
{
	FILE *f = fopen(path, "rb");
	if (f == NULL)
		return NULL;
	size_t n = fread(buf, 1, cap, f);
	bool whole = n < cap && feof(f) && !ferror(f);
	fclose(f);
	if (!whole)
		return NULL;
	buf[n] = '\0';
	return buf;
}

static int add_system(const char *practice, const char *name, const char *jwks_path, const char *scope)
{
	static char buf[JWKS_MAX_BYTES + 1];
	const char *jwks = read_jwks(jwks_path, buf, sizeof(buf));
	if (jwks == NULL) {
		fprintf(stderr, "medkeep apps add: cannot read %s (at most %d bytes)\n", jwks_path, JWKS_MAX_BYTES);
		return 1;
	}
	struct store_system sys;
	const char *why = NULL;
	int r = systems_register(practice, name, jwks, scope, &sys, &why);
	if (r != ERR_OK) {
		fprintf(stderr, "medkeep apps add: %s\n", why ? why : "cannot store the system");
		return r == ERR_BAD_REQUEST ? 2 : 1;
	}
	char id[ID_HEX_LEN + 1];
	id_hex(&sys.id, id);
	printf("client_id %s\n", id);
	return 0;
}

static int list_systems(void)
{
	struct arena ar;
	arena_init(&ar, LIMIT_ACCOUNT_ARENA);
	struct store_system *ss;
	size_t n = 0;
	int rc = 0;
	if (store_systems_list(&ar, &ss, &n) != ERR_OK) {
		fprintf(stderr, "medkeep apps list: cannot read the register of systems\n");
		rc = 1;
	}
	for (size_t i = 0; rc == 0 && i < n; i++) {
		char id[ID_HEX_LEN + 1], practice[ID_HEX_LEN + 1];
		id_hex(&ss[i].id, id);
		id_hex(&ss[i].practice, practice);
		struct buf scope;
		buf_init(&scope, &ar, LIMIT_SCOPE_STRING);
		systems_scope_string(ss[i].scopes, &scope);
		printf("%s\t%s\tsystem practice=%s\t%s\n", id, ss[i].name, practice, buf_cstr(&scope));
	}
	arena_release(&ar);
	return rc;
}

int cmd_apps(int argc, char **argv)
{
	static const struct option opts[] = {{"data", required_argument, NULL, 'd'},
					     {"name", required_argument, NULL, 'n'},
					     {"redirect-uri", required_argument, NULL, 'r'},
					     {"client", required_argument, NULL, 'c'},
					     {"system", no_argument, NULL, 's'},
					     {"practice", required_argument, NULL, 'p'},
					     {"jwks", required_argument, NULL, 'j'},
					     {"scope", required_argument, NULL, 'S'},
					     {"help", no_argument, NULL, 'h'},
					     {NULL, 0, NULL, 0}};
	if (argc < 2 || wants_help(argc, argv)) {
		fputs(apps_usage, argc < 2 ? stderr : stdout);
		return argc < 2 ? 2 : 0;
	}
	const char *what = argv[1], *dir = NULL, *name = NULL, *redirect = NULL, *client = NULL;
	const char *practice = NULL, *jwks = NULL, *scope = NULL;
	bool system = false;
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
		case 's':
			system = true;
			break;
		case 'p':
			practice = optarg;
			break;
		case 'j':
			jwks = optarg;
			break;
		case 'S':
			scope = optarg;
			break;
		default:
			fputs(apps_usage, stderr);
			return 2;
		}
	}
	bool add = strcmp(what, "add") == 0, list = strcmp(what, "list") == 0,
	     remove = strcmp(what, "remove") == 0;
	if (dir == NULL || optind != argc || (!add && !list && !remove) ||
	    (add && !system && (name == NULL || redirect == NULL)) ||
	    (add && system && (name == NULL || practice == NULL || jwks == NULL || redirect != NULL)) ||
	    (!add && (system || practice || jwks || scope)) || (remove && client == NULL)) {
		fputs(apps_usage, stderr);
		return 2;
	}
	if (open_data_dir(dir) != 0)
		return 1;
	int rc = 0;
	if (add && system) {
		rc = add_system(practice, name, jwks, scope);
	} else if (add) {
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
		if (rc == 0)
			rc = list_systems();
	} else {
		int r = apps_remove(client);
		if (r == ERR_BAD_CLIENT)
			r = systems_remove(client);
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
