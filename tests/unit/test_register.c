/* Practice systems as they appear to patients and to an incident report (docs/internals/
 * REGISTER.md, AUDIT.md): an audit record whose actor is an HL7 v2 feed (or a system client)
 * rather than an account shows in the patient's access log as that system, by name, and an
 * incident report filtered by the system lists what it wrote. Through the real store, vault
 * and audit trail in a temporary directory. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "audit/audit.h"
#include "audit/incident.h"
#include "domain/accesslog.h"
#include "domain/domain.h"
#include "fhir/fhir_int.h"
#include "store/accesslog.h"
#include "store/apps.h"
#include "store/feeds.h"
#include "store/store.h"
#include "test.h"
#include "vault/vault.h"

static struct actor an_actor(enum role role, const struct id *practice, const struct id *patient)
{
	struct actor a;
	memset(&a, 0, sizeof(a));
	random_id(&a.account);
	random_id(&a.session);
	a.role = role;
	a.mfa = true;
	if (practice) {
		a.has_practice = true;
		a.practice = *practice;
	}
	if (patient) {
		a.has_patient = a.has_record = true;
		a.patient = a.record = *patient;
	}
	return a;
}

/* What a practice system leaves in the trail when it files a document: its own id as actor. */
static void system_writes(const struct actor *sys, const struct id *patient, const struct id *doc)
{
	struct audit_event e = {.actor = sys, .action = "document.create", .patient = patient,
				.rtype = "DocumentReference", .rid = doc, .outcome = AUDIT_ALLOW,
				.via = "system"};
	CHECK(audit_append(&e) == 0);
}

static void names(const struct id *practice, struct store_feed *feed, struct store_app *app)
{
	struct store_system_facts sf;
	CHECK(store_system_facts(&feed->id, &sf) == ERR_OK && sf.exists);
	CHECK(strcmp(sf.name, "Demo Community Laboratory") == 0);
	CHECK(sf.has_practice && id_eq(&sf.practice, practice));
	CHECK(store_system_facts(&app->id, &sf) == ERR_OK && sf.exists && !sf.has_practice);
	CHECK(strcmp(sf.name, "Practice PMS") == 0);
	struct id rnd;
	random_id(&rnd);
	CHECK(store_system_facts(&rnd, &sf) == ERR_OK && !sf.exists && sf.name[0] == '\0');
}

static const struct access_entry *entry_by(const struct access_entry *es, size_t n,
					   const struct id *actor)
{
	char hex[ID_HEX_LEN + 1];
	id_hex(actor, hex);
	for (size_t i = 0; i < n; i++)
		if (strcmp(es[i].actor, hex) == 0)
			return &es[i];
	return NULL;
}

static void access_log(const struct id *pid, const struct actor *feed_actor,
		       const struct actor *app_actor, const struct actor *ghost)
{
	struct actor self = an_actor(ROLE_PATIENT, NULL, pid);
	struct arena ar;
	arena_init(&ar, 4u << 20);
	struct access_entry *es = NULL;
	size_t n = 0;
	int64_t next = 0;
	CHECK(accesslog_read(&self, pid, 0, false, &ar, &es, &n, &next) == ERR_OK);
	const struct access_entry *e = entry_by(es, n, &feed_actor->account);
	CHECK(e != NULL);
	if (e) {
		CHECK(e->via == ACCESS_SYSTEM && e->role == ROLE_SYSTEM && e->allowed);
		CHECK(strcmp(e->who, "Demo Community Laboratory (practice system)") == 0);
		CHECK(e->practice_name && strcmp(e->practice_name, "Unit Practice") == 0);
		CHECK(strcmp(e->what, "Added a document") == 0);
		CHECK(strcmp(access_via_label(e->via), "Practice system") == 0);
		CHECK(strcmp(policy_role_label(e->role), "Practice system") == 0);
	}
	e = entry_by(es, n, &app_actor->account);
	CHECK(e && e->via == ACCESS_SYSTEM && strcmp(e->who, "Practice PMS (practice system)") == 0);
	/* an id that is neither an account nor a system is still nobody's name */
	e = entry_by(es, n, &ghost->account);
	CHECK(e && e->via == ACCESS_OTHER && e->role == ROLE_NONE);
	/* The FHIR AuditEvent says the same: the system by name, its role "Practice system". */
	json_t *entries = json_array();
	struct store_page pg = {.limit = LIMIT_ACCESSLOG_PAGE};
	struct everything_page page = {.ar = &ar, .entries = entries};
	CHECK(fhir_accesslog_everything(&self, pid, &pg, &page) == ERR_OK);
	CHECK(page.n == json_array_size(entries) && !page.more);
	int named = 0;
	size_t i;
	json_t *en;
	json_array_foreach(entries, i, en) {
		json_t *agent = json_array_get(json_object_get(json_object_get(en, "resource"), "agent"), 0);
		const char *who = json_string_value(json_object_get(json_object_get(agent, "who"), "display"));
		const char *role = json_string_value(json_object_get(json_array_get(json_object_get(agent, "role"), 0), "text"));
		if (who && strcmp(who, "Demo Community Laboratory (practice system)") == 0)
			named += role && strcmp(role, "Practice system") == 0;
	}
	CHECK(named == 2); /* its two records, each named */
	json_decref(entries);
	arena_release(&ar);
}

static void incident(const struct actor *feed_actor, const struct id *pid, const struct id *doc)
{
	struct incident_filter f;
	memset(&f, 0, sizeof(f));
	f.by_actor = true;
	f.actor = feed_actor->account;
	struct incident_result r;
	/* what it was served: nothing (it only wrote) */
	CHECK(incident_collect(&f, &r, NULL) == 0 && r.n == 0);
	incident_free(&r);
	/* with what it wrote: exactly the document it filed, for that patient */
	f.with_writes = true;
	CHECK(incident_collect(&f, &r, NULL) == 0 && r.n == 1);
	if (r.n == 1) {
		char ph[ID_HEX_LEN + 1], dh[ID_HEX_LEN + 1];
		id_hex(pid, ph);
		id_hex(doc, dh);
		CHECK(strcmp(r.lines[0].patient, ph) == 0 && strcmp(r.lines[0].rid, dh) == 0);
		CHECK(strcmp(r.lines[0].rtype, "DocumentReference") == 0 && r.lines[0].times == 2);
	}
	incident_free(&r);
}

/* A name's words as the register search knows them (patient_name_words). */
static void name_words(void)
{
	static const struct {
		const char *in;
		const char *out; /* the words, '|' after each */
	} rows[] = {
		{"Te Awa", "te|awa|"},
		{"  O'Brien-Smith ", "obrien|smith|"},
		{"Ng\xc4\x81t\xc4\x81", "ngata|"},                  /* macrons (UTF-8) */
		{"\xc4\x80ROH\xc4\x80 m\xc4\x81ori", "aroha|maori|"},  /* capital macrons */
		{"Jos\xc3\xa9 Zo\xc3\xab", "jose|zoe|"},              /* Latin-1 accents */
		{"O\xe2\x80\x99Neill", "oneill|"},                    /* a typographic apostrophe */
		{"Mia mia MIA", "mia|"},                                /* no repeats */
		{"\xe7\x8e\x8b Wei", "\xe7\x8e\x8b|wei|"},             /* kept as written */
		{",.-", ""},
		{"", ""},
		{"a b c d e f g h i j", "a|b|c|d|e|f|g|h|"},            /* at most PATIENT_WORDS_MAX */
	};
	for (size_t i = 0; i < sizeof(rows) / sizeof(*rows); i++) {
		char words[PATIENT_WORDS_MAX][PATIENT_WORD_MAX + 1];
		size_t n = patient_name_words(rows[i].in, strlen(rows[i].in), words, PATIENT_WORDS_MAX);
		char got[256] = "";
		size_t len = 0;
		for (size_t k = 0; k < n; k++)
			len += (size_t)snprintf(got + len, sizeof(got) - len, "%s|", words[k]);
		CHECK(strcmp(got, rows[i].out) == 0);
	}
	/* a word longer than PATIENT_WORD_MAX counts by its first bytes, the same every time */
	char longname[200];
	memset(longname, 'k', sizeof(longname) - 1);
	longname[sizeof(longname) - 1] = '\0';
	char words[2][PATIENT_WORD_MAX + 1];
	CHECK(patient_name_words(longname, strlen(longname), words, 2) == 1);
	CHECK(strlen(words[0]) == PATIENT_WORD_MAX);
}

void test_register(void)
{
	name_words();
	char dir[] = "/tmp/medkeep-unit-register-XXXXXX";
	CHECK(mkdtemp(dir) != NULL);
	CHECK(vault_create(dir) == 0 && vault_keys_create(dir) == 0);
	CHECK(store_open(dir, true) == ERR_OK);
	CHECK(vault_load(dir) == 0 && vault_keys_load(dir) == 0);
	CHECK(audit_init() == 0);
	policy_init();
	struct id practice, pid, doc;
	random_id(&practice);
	random_id(&doc);
	CHECK(store_practice_create(&practice, "Unit Practice") == ERR_OK);
	struct patient_view pv = {.family = "Test", .given = "Una", .birth_date = "1980-01-01",
				  .gender = "female", .nhi = "ZBN77VL"};
	CHECK(patient_create(&practice, &pv, &pid) == ERR_OK);

	struct store_feed feed;
	memset(&feed, 0, sizeof(feed));
	random_id(&feed.id);
	feed.practice = practice;
	snprintf(feed.name, sizeof(feed.name), "%s", "Demo Community Laboratory");
	snprintf(feed.facility, sizeof(feed.facility), "%s", "DEMOLAB");
	feed.created = (int64_t)time(NULL);
	CHECK(store_feed_insert(&feed) == ERR_OK);
	struct store_app app;
	memset(&app, 0, sizeof(app));
	random_id(&app.id);
	snprintf(app.name, sizeof(app.name), "%s", "Practice PMS");
	snprintf(app.redirect_uri, sizeof(app.redirect_uri), "%s", "https://pms.example/cb");
	app.created = feed.created;
	CHECK(store_app_insert(&app) == ERR_OK);
	names(&practice, &feed, &app);

	struct actor feed_actor = an_actor(ROLE_SYSTEM, &practice, NULL);
	feed_actor.account = feed.id;
	struct actor app_actor = an_actor(ROLE_SYSTEM, &practice, NULL);
	app_actor.account = app.id;
	struct actor ghost = an_actor(ROLE_SYSTEM, &practice, NULL);
	system_writes(&feed_actor, &pid, &doc);
	system_writes(&feed_actor, &pid, &doc);
	struct id other_doc;
	random_id(&other_doc);
	system_writes(&app_actor, &pid, &other_doc);
	system_writes(&ghost, &pid, &other_doc);
	/* a removed feed stays named: what it did stays attributable */
	CHECK(store_feed_remove(&feed.id, feed.created + 1) == ERR_OK);
	access_log(&pid, &feed_actor, &app_actor, &ghost);
	incident(&feed_actor, &pid, &doc);

	store_close();
	vault_keys_unload();
	vault_unload();
	char cmd[128];
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	CHECK(system(cmd) == 0);
}
