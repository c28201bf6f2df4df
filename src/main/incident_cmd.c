/*
 * `medkeep incident report` and `medkeep incident notify`: the operator's tools after a
 * breach. Both read the audit trail with the same filters; notify then writes one sealed
 * notice per affected patient (shown on their security page, with a reference they can check
 * there) and queues one email per account that holds the record. Nobody unaffected is told.
 */
#include <getopt.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "domain/outbox.h"
#include "audit/audit.h"
#include "audit/incident.h"
#include "auth/auth.h"
#include "domain/domain.h"
#include "domain/notices.h"
#include "limits.h"
#include "main/cmd.h"
#include "store/accesslog.h"
#include "store/store.h"
#include "util/log.h"
#include "util/nztime.h"
#include "util/strtonum.h"
#include "vault/vault.h"

static const char usage[] =
	"usage: medkeep incident report --data DIR [FILTERS] [--format table|csv|json]\n"
	"       medkeep incident notify --data DIR [FILTERS] --what TEXT [--contact TEXT] [--dry-run]\n"
	"FILTERS: [--actor EMAIL | --system ID] [--session ID] [--ip ADDR] [--since TIME] [--until TIME]\n"
	"report lists exactly which Patient, DocumentReference and Binary resources of which\n"
	"patients were served, from the audit trail. notify turns the same selection into a notice\n"
	"to each affected patient (in the portal, with a reference) and an email to their address.\n"
	"TIME is YYYY-MM-DD (the start of that day in New Zealand), YYYY-MM-DDTHH:MM:SSZ (UTC) or\n"
	"seconds since 1970. ID is a session id;\n"
	"for --system, the 32-hex-digit id of a practice system (an HL7 v2 feed, `medkeep feeds\n"
	"list`, or a system client, `medkeep apps add --system`): its report lists what it wrote\n"
	"(enrolments, corrections, documents and results filed) as well as what it was served.\n";

static const char default_actions[] =
	"You do not need to do anything to keep using the portal. We recommend that you change your "
	"password and turn on two-step sign-in. Be wary of emails, texts or calls about this incident "
	"that ask for your password or payment: we never ask for either. You can check the reference "
	"of any message about this incident on this page.";

/* A time as YYYY-MM-DD (a day as the practice lives it: from midnight in New Zealand),
 * YYYY-MM-DDTHH:MM:SSZ or seconds since 1970, in milliseconds. */
static int parse_time_ms(const char *s, int64_t *out)
{
	int64_t t;
	if (iso_utc_parse(s, &t) == 0 || nz_parse(s, "00:00", &t) == 0) {
		*out = t * 1000;
		return 0;
	}
	int64_t secs;
	if (parse_int64(s, 0, INT64_MAX / 1000, &secs) != 0)
		return -1;
	*out = secs * 1000;
	return 0;
}

static void progress(int64_t done)
{
	fprintf(stderr, "incident: %lld audit records read\n", (long long)done);
}

/* Notify every patient in r; returns 0 when all were notified. */
static int notify(const struct incident_result *r, const char *what, const char *contact,
		  bool dry_run)
{
	size_t patients = 0, emails = 0, failures = 0;
	for (size_t i = 0; i < r->n;) {
		size_t j = i;
		json_t *resources = json_array();
		int64_t first = r->lines[i].first_ms, last = r->lines[i].last_ms;
		while (j < r->n && strcmp(r->lines[j].patient, r->lines[i].patient) == 0) {
			json_array_append_new(resources, json_pack("{s:s, s:s}", "type", r->lines[j].rtype,
								   "id", r->lines[j].rid));
			if (r->lines[j].first_ms < first)
				first = r->lines[j].first_ms;
			if (r->lines[j].last_ms > last)
				last = r->lines[j].last_ms;
			j++;
		}
		char a[32], b[32];
		incident_time(first, a);
		incident_time(last, b);
		json_t *body = json_pack("{s:s, s:s, s:s, s:s, s:s, s:o}", "what", what, "actions",
					 default_actions, "contact", contact, "firstServed", a,
					 "lastServed", b, "resources", resources);
		char *text = body ? json_dumps(body, JSON_COMPACT) : NULL;
		json_decref(body);
		struct id patient;
		char reference[NOTICE_REFERENCE_LEN + 1] = "(dry run)";
		int ok = text != NULL && id_parse(&patient, r->lines[i].patient, ID_HEX_LEN) == 0;
		if (ok && !dry_run)
			ok = notice_create_local(&patient, text, reference) == ERR_OK;
		free(text);
		size_t queued = 0;
		if (ok && !dry_run) {
			struct arena ar;
			arena_init(&ar, LIMIT_CALL_ARENA);
			struct store_account *accts;
			size_t na = 0;
			char *mail = NULL;
			ok = store_patient_accounts(&patient, &ar, &accts, &na) == ERR_OK;
			for (size_t k = 0; ok && k < na; k++) {
				if (accts[k].email_ct.len == 0)
					continue;
				free(mail);
				mail = NULL;
				if (asprintf(&mail,
					     "We are writing about a security incident that involved your "
					     "health record.\n\nReference: %s\n\nFor your safety this email "
					     "has no details and no links. Open the portal as you usually do "
					     "(type its address yourself), sign in and choose Security: the "
					     "same reference is shown there, with what happened, which of your "
					     "documents were involved and what you can do. If the reference is "
					     "not there, this email did not come from us.\n\nContact: %s\n",
					     reference, contact) < 0) {
					ok = 0;
					break;
				}
				ok = outbox_queue(&accts[k].id, accts[k].email_ct,
							 "A security notice about your health record",
							 mail) == ERR_OK;
				queued += ok;
			}
			free(mail);
			arena_release(&ar);
		}
		printf("patient %s: %zu resources served, notice %s, %zu email(s) queued%s\n",
		       r->lines[i].patient, j - i, reference, queued, ok ? "" : "  FAILED");
		patients++;
		emails += queued;
		failures += !ok;
		fprintf(stderr, "incident notify: %zu patients done\n", patients);
		i = j;
	}
	printf("%s%zu patients notified, %zu emails queued, %zu failed\n", dry_run ? "dry run: " : "",
	       dry_run ? 0 : patients - failures, emails, failures);
	return failures ? 1 : 0;
}

/* What incident report|notify was asked for, besides the filter. */
struct incident_opts {
	const char *dir, *actor, *what, *contact;
	bool by_system;
	struct id system; /* --system: a feed's or system client's id */
	bool dry_run;
	enum incident_format fmt;
};

/* The options of incident report|notify (after the subcommand) into o and f: -1 to go on, else
 * the exit status (0 after --help, 2 for a usage error). */
static int incident_options(int argc, char **argv, bool is_notify, struct incident_opts *o,
			    struct incident_filter *f)
{
	static const struct option opts[] = {{"data", required_argument, NULL, 'd'},
					     {"actor", required_argument, NULL, 'a'},
					     {"session", required_argument, NULL, 's'},
					     {"system", required_argument, NULL, 'y'},
					     {"ip", required_argument, NULL, 'i'},
					     {"since", required_argument, NULL, 'f'},
					     {"until", required_argument, NULL, 'u'},
					     {"format", required_argument, NULL, 'o'},
					     {"what", required_argument, NULL, 'w'},
					     {"contact", required_argument, NULL, 'c'},
					     {"dry-run", no_argument, NULL, 'n'},
					     {"help", no_argument, NULL, 'h'},
					     {NULL, 0, NULL, 0}};
	const char *format = "table";
	int c;
	optind = 1;
	while ((c = getopt_long(argc - 1, argv + 1, "", opts, NULL)) != -1) {
		switch (c) {
		case 'd':
			o->dir = optarg;
			break;
		case 'a':
			o->actor = optarg;
			break;
		case 's':
			if (id_parse(&f->session, optarg, strlen(optarg)) != 0) {
				fprintf(stderr, "medkeep incident: --session takes a 32-hex-digit id\n");
				return 2;
			}
			f->by_session = true;
			break;
		case 'y':
			if (id_parse(&o->system, optarg, strlen(optarg)) != 0) {
				fprintf(stderr, "medkeep incident: --system takes a 32-hex-digit id\n");
				return 2;
			}
			o->by_system = true;
			break;
		case 'i':
			f->ip = optarg;
			break;
		case 'f':
		case 'u':
			if (parse_time_ms(optarg, c == 'f' ? &f->since_ms : &f->until_ms) != 0) {
				fprintf(stderr, "medkeep incident: bad time '%s'\n", optarg);
				return 2;
			}
			break;
		case 'o':
			format = optarg;
			break;
		case 'w':
			o->what = optarg;
			break;
		case 'c':
			o->contact = optarg;
			break;
		case 'n':
			o->dry_run = true;
			break;
		case 'h':
			fputs(usage, stdout);
			return 0;
		default:
			fputs(usage, stderr);
			return 2;
		}
	}
	o->fmt = INCIDENT_TABLE;
	if (strcmp(format, "csv") == 0)
		o->fmt = INCIDENT_CSV;
	else if (strcmp(format, "json") == 0)
		o->fmt = INCIDENT_JSON;
	else if (strcmp(format, "table") != 0) {
		fprintf(stderr, "medkeep incident: --format is table, csv or json\n");
		return 2;
	}
	if (o->actor != NULL && o->by_system) {
		fprintf(stderr, "medkeep incident: --actor and --system each name the one actor: give one\n");
		return 2;
	}
	if (o->dir == NULL || optind != argc - 1 ||
	    (is_notify && (o->what == NULL || o->what[0] == '\0'))) {
		fputs(usage, stderr);
		return 2;
	}
	return -1;
}

/* The practice system `system` (when not NULL) as the filter's actor, with what it wrote as well
 * as what it was served, and its part of the label, named: "system=ID (NAME, practice system
 * of PRACTICE)". 0 (adding what it wrote to *off), or -1 when no feed or client has that id. */
static int system_label(const struct id *system, struct incident_filter *f, char *label,
			size_t size, int *off)
{
	if (system == NULL)
		return 0;
	struct store_system_facts sf;
	char hex[ID_HEX_LEN + 1];
	id_hex(system, hex);
	if (store_system_facts(system, &sf) != ERR_OK || !sf.exists) {
		fprintf(stderr, "medkeep incident: no practice system %s (a feed or a system client)\n",
			hex);
		return -1;
	}
	f->actor = *system;
	f->by_actor = true;
	f->with_writes = true;
	struct arena ar;
	arena_init(&ar, LIMIT_CALL_ARENA);
	const char *practice = NULL;
	if (sf.has_practice)
		store_practice_name(&sf.practice, &ar, &practice);
	int k = snprintf(label, size, "system=%s (%s, practice system%s%s) ", hex, sf.name,
			 practice ? " of " : "", practice ? practice : "");
	arena_release(&ar);
	if (k > 0)
		*off += k < (int)size ? k : (int)size - 1;
	return 0;
}

/* The filter's account (from the address `actor`, when given) or practice system (`system`)
 * into f, and a label of the whole filter for the report into label. 0, or -1 when there is
 * no such account or system (said on stderr). */
static int incident_label(const char *actor, const struct id *system, struct incident_filter *f,
			  char *label, size_t size)
{
	int off = 0;
	label[0] = '\0';
	if (actor) {
		struct arena ar;
		arena_init(&ar, LIMIT_CALL_ARENA);
		struct store_account acct;
		if (auth_account_lookup(actor, &ar, &acct) != ERR_OK) {
			fprintf(stderr, "medkeep incident: no account %s\n", actor);
			arena_release(&ar);
			return -1;
		}
		f->actor = acct.id;
		f->by_actor = true;
		char hex[ID_HEX_LEN + 1];
		id_hex(&acct.id, hex);
		off += snprintf(label + off, size - (size_t)off, "actor=%s (account %s) ", actor, hex);
		arena_release(&ar);
	}
	if (off < (int)size && system_label(system, f, label + off, size - (size_t)off, &off) != 0)
		return -1;
	if (f->by_session) {
		char hex[ID_HEX_LEN + 1];
		id_hex(&f->session, hex);
		off += snprintf(label + off, size - (size_t)off, "session=%s ", hex);
	}
	if (f->ip && off < (int)size)
		off += snprintf(label + off, size - (size_t)off, "ip=%s ", f->ip);
	if (f->since_ms && off < (int)size)
		off += snprintf(label + off, size - (size_t)off, "since=%lld ",
				(long long)(f->since_ms / 1000));
	if (f->until_ms && off < (int)size)
		snprintf(label + off, size - (size_t)off, "until=%lld",
			 (long long)(f->until_ms / 1000));
	return 0;
}

int cmd_incident(int argc, char **argv)
{
	bool is_report = argc >= 2 && strcmp(argv[1], "report") == 0;
	bool is_notify = argc >= 2 && strcmp(argv[1], "notify") == 0;
	if (!is_report && !is_notify) {
		bool help = false;
		for (int i = 1; i < argc; i++)
			help |= strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0;
		fputs(usage, help ? stdout : stderr);
		return help ? 0 : 2;
	}
	struct incident_opts o = {.contact = "your practice"};
	struct incident_filter f;
	memset(&f, 0, sizeof(f));
	int status = incident_options(argc, argv, is_notify, &o, &f);
	if (status >= 0)
		return status;
	if (store_open(o.dir, false) != 0)
		return 1;
	bool need_keys = o.actor != NULL || is_notify;
	if (need_keys && (vault_load(o.dir) != 0 || vault_keys_load(o.dir) != 0 || audit_init() != 0)) {
		fprintf(stderr, "medkeep incident: this needs the master key of %s\n", o.dir);
		store_close();
		return 1;
	}
	policy_init();
	char label[512];
	if (incident_label(o.actor, o.by_system ? &o.system : NULL, &f, label, sizeof(label)) != 0) {
		store_close();
		return 1;
	}
	int rc;
	if (is_report) {
		rc = incident_report(&f, o.fmt, label[0] ? label : "all actors", stdout, progress);
	} else {
		policy_enable_local_tools();
		struct incident_result r;
		rc = incident_collect(&f, &r, progress);
		if (rc == 0) {
			rc = notify(&r, o.what, o.contact, o.dry_run);
			incident_free(&r);
		}
	}
	store_close();
	vault_unload();
	if (rc < 0)
		fprintf(stderr, "medkeep incident: could not read the audit trail\n");
	return rc == 0 ? 0 : 1;
}
