/*
 * A patient's own access log (accesslog.h). The trail is read through store_accesslog_list
 * with an accesslog.read grant; who each actor was comes from unscoped account metadata
 * (role, practice, own record, proxy grants held), so the log names no one: other patients
 * never appear by name, staff appear as their role at their practice.
 */
#include "domain/accesslog.h"
#include "domain/domain_int.h"

#include <stdio.h>
#include <string.h>

#include "audit/audit.h"
#include "limits.h"
#include "store/accesslog.h"
#include "vault/vault.h"

static const struct {
	const char *action;
	const char *rtype; /* NULL: any */
	const char *words;
} action_words[] = {
	{"patient.read", NULL, "Saw your name, date of birth, NHI number and contact details"},
	{"patient.enrol", NULL, "Enrolled you at a practice"},
	{"patient.write", NULL, "Corrected your name, date of birth or NHI number"},
	{"patient.contact.update", NULL, "Changed your phone numbers or postal address"},
	{"patient.search", NULL, "Looked for your NHI number"},
	{"patient.transfer.ask", NULL, "Asked that you move to their practice"},
	{"patient.transfer", NULL, "Agreed to your move to another practice"},
	{"patient.transfer.decline", NULL, "Refused a move to another practice"},
	{"patient.history.share", NULL, "Shared your earlier records with your new practice"},
	{"patient.history.unshare", NULL, "Stopped sharing your earlier records with your new practice"},
	{"document.list", NULL, "Listed your documents"},
	{"document.read", "Binary", "Downloaded a document"},
	{"document.read", NULL, "Opened a document's details"},
	{"document.create", NULL, "Added a document"},
	{"result.list", NULL, "Listed your lab results"},
	{"result.read", NULL, "Opened a lab result"},
	{"result.create", NULL, "Filed a lab result"},
	{"result.release", NULL, "Released a lab result to you"},
	{"medication.list", NULL, "Saw your medications"},
	{"medication.create", NULL, "Added a medication"},
	{"repeat.request", NULL, "Asked for a repeat prescription"},
	{"repeat.decide", NULL, "Decided on a repeat prescription"},
	{"appointment.list", NULL, "Saw your appointments"},
	{"appointment.book", NULL, "Booked an appointment"},
	{"appointment.cancel", NULL, "Cancelled an appointment"},
	{"message.list", NULL, "Listed your messages"},
	{"message.read", NULL, "Read your messages"},
	{"message.send", NULL, "Sent a message"},
	{"proxy.list", NULL, "Saw who has access to your record"},
	{"proxy.grant", NULL, "Gave someone access to your record"},
	{"proxy.revoke", NULL, "Ended someone's access to your record"},
	{"accesslog.read", NULL, "Looked at this access log"},
	{"record.export", NULL, "Downloaded your whole record"},
	{"notice.list", NULL, "Saw security notices"},
	{"app.consent", NULL, "Connected an app to your record"},
	{"app.token", NULL, "An app collected its access to your record"},
	{"account.invite", NULL, "Invited you to the portal"},
	{"account.register", NULL, "Made a portal account for your record"},
	{"recall.set", NULL, "Asked you to come in (a recall)"},
	{"recall.list", NULL, "Saw the recalls your practice set"},
	{"recall.close", NULL, "Closed a recall: done, or no longer needed"},
	{"recall.booked", NULL, "Closed a recall: an appointment was booked"},
	{"recall.reopen", NULL, "Opened a recall again: its appointment was cancelled"},
	{"feed.queue.match", NULL, "Matched a message from a laboratory or hospital to your record"},
};

static const char *words_for(const char *action, const char *rtype)
{
	for (size_t i = 0; i < sizeof(action_words) / sizeof(*action_words); i++)
		if (strcmp(action_words[i].action, action) == 0 &&
		    (action_words[i].rtype == NULL || strcmp(action_words[i].rtype, rtype) == 0))
			return action_words[i].words;
	return NULL;
}

const char *access_via_label(enum access_via v)
{
	switch (v) {
	case ACCESS_SELF:
		return "You";
	case ACCESS_PROXY:
		return "Family or carer";
	case ACCESS_STAFF:
		return "Staff";
	case ACCESS_BREAK_GLASS:
		return "Break-glass";
	case ACCESS_APP:
		return "An app you connected";
	case ACCESS_SYSTEM:
		return "Practice system";
	case ACCESS_OTHER:
		break;
	}
	return "Other";
}

/* Facts about each actor on the page, looked up once. */
struct actor_cache {
	char hex[ID_HEX_LEN + 1];
	struct store_actor_facts facts;
	const char *practice_name;
	/* When the actor is not an account: a practice system (a feed, a system client). */
	struct store_system_facts system;
	/* ...or a practice's own records loaded by `medkeep import` (actor: the practice). */
	bool import;
};

/* "Demo Community Laboratory (practice system)": a system is not a person, and the patient is
 * told which one wrote to or read their record. */
static const char *system_who(const struct actor_cache *c, struct arena *ar)
{
	const char *name = c->system.name[0] ? c->system.name : "A practice's system";
	return arena_printf(ar, "%s (practice system)", name);
}

static enum err describe(const struct id *viewer, const struct id *patient, const struct target *enrol,
			 const struct audit_record *r,
			 struct actor_cache *cache, size_t *n_cache, struct arena *ar, struct access_entry *e)
{
	memset(e, 0, sizeof(*e));
	e->seq = r->seq;
	e->newest_ms = e->oldest_ms = r->ts_ms;
	e->count = 1;
	for (int i = 0; i < 16; i++)
		snprintf(e->key + 2 * i, 3, "%02x", r->hash[i]);
	snprintf(e->action, sizeof(e->action), "%s", r->action);
	snprintf(e->rtype, sizeof(e->rtype), "%s", r->rtype);
	snprintf(e->outcome, sizeof(e->outcome), "%s", r->outcome);
	snprintf(e->session, sizeof(e->session), "%s", r->session);
	snprintf(e->actor, sizeof(e->actor), "%s", r->actor);
	e->has_rid = id_parse(&e->rid, r->rid, strlen(r->rid)) == 0;
	/* Access decisions say allow; account events (a consent, a registration) say ok. */
	e->allowed = strcmp(r->outcome, AUDIT_ALLOW) == 0 || strcmp(r->outcome, AUDIT_OK) == 0;
	const char *w = words_for(r->action, r->rtype);
	e->what = w ? w : arena_strdup(ar, r->action);

	struct actor_cache *c = NULL;
	for (size_t i = 0; i < *n_cache && c == NULL; i++)
		if (strcmp(cache[i].hex, r->actor) == 0)
			c = &cache[i];
	if (c == NULL && *n_cache < LIMIT_ACCESSLOG_PAGE) {
		c = &cache[(*n_cache)++];
		memset(c, 0, sizeof(*c));
		snprintf(c->hex, sizeof(c->hex), "%s", r->actor);
		struct id acct;
		if (id_parse(&acct, r->actor, strlen(r->actor)) == 0 &&
		    store_actor_facts(&acct, patient, &c->facts) != ERR_OK)
			return ERR_INTERNAL;
		if (!c->facts.exists && id_parse(&acct, r->actor, strlen(r->actor)) == 0 &&
		    store_system_facts(&acct, &c->system) != ERR_OK)
			return ERR_INTERNAL;
		if (!c->facts.exists && !c->system.exists && strcmp(r->ip, "import") == 0 &&
		    id_parse(&acct, r->actor, strlen(r->actor)) == 0 &&
		    store_practice_name(&acct, ar, &c->practice_name) == ERR_OK)
			c->import = true;
		if (c->facts.has_practice && c->facts.role != ROLE_PATIENT)
			store_practice_name(&c->facts.practice, ar, &c->practice_name);
		else if (c->system.exists && c->system.has_practice)
			store_practice_name(&c->system.practice, ar, &c->practice_name);
	}
	const struct store_actor_facts *f = c ? &c->facts : NULL;
	e->role = f && f->exists ? f->role : ROLE_NONE;
	/* "You" is the account reading the log, never another login to the same record: a second
	 * account made for a record (an invitation) shows as itself. */
	bool own_record = f && f->exists && f->has_patient && id_eq(&f->patient, patient);
	struct id who;
	bool me = own_record && id_parse(&who, r->actor, strlen(r->actor)) == 0 && id_eq(&who, viewer);
	if (me && strcmp(r->via, "app") == 0) {
		e->via = ACCESS_APP;
		e->who = "An app you connected";
	} else if (me) {
		e->via = ACCESS_SELF;
		e->who = "You";
	} else if (own_record) {
		e->via = ACCESS_OTHER;
		e->who = strcmp(r->via, "app") == 0 ? "An app connected by another login to your record"
						     : "Another login to your record";
	} else if (f && f->exists && f->role == ROLE_PATIENT) {
		e->via = f->ever_proxy ? ACCESS_PROXY : ACCESS_OTHER;
		e->who = f->ever_proxy ? "Someone you gave family or carer access" : "Another portal account";
	} else if (f && f->exists && (f->role == ROLE_CLINICIAN || f->role == ROLE_PRACTICE_ADMIN)) {
		bool enrolled = false;
		for (size_t i = 0; i < enrol->n_practices && i < TARGET_MAX_PRACTICES; i++)
			enrolled |= f->has_practice && id_eq(&enrol->practices[i], &f->practice);
		/* outside the patient's practices, only break-glass gets in; a refused try is
		 * someone else's, not break-glass */
		e->via = enrolled ? ACCESS_STAFF : e->allowed ? ACCESS_BREAK_GLASS : ACCESS_OTHER;
		e->practice_name = c->practice_name;
		e->who = arena_printf(ar, "%s at %s", f->role == ROLE_CLINICIAN ? "A clinician" : "A practice administrator",
				      c->practice_name ? c->practice_name : "a practice");
	} else if (c && c->system.exists) {
		e->via = ACCESS_SYSTEM;
		e->role = ROLE_SYSTEM;
		e->practice_name = c->practice_name;
		e->who = system_who(c, ar);
	} else if (c && c->import) {
		e->via = ACCESS_SYSTEM;
		e->role = ROLE_SYSTEM;
		e->practice_name = c->practice_name;
		e->who = arena_printf(ar, "%s (its records, imported into the portal)", c->practice_name);
	} else if (strcmp(r->via, "local") == 0) {
		e->via = ACCESS_OTHER;
		e->who = "The portal's operator (a command-line tool)";
	} else if (f && f->exists && f->role == ROLE_OPERATOR) {
		e->via = ACCESS_OTHER;
		e->who = "A service operator";
	} else {
		e->via = ACCESS_OTHER;
		e->who = "Someone not signed in";
	}
	if (strncmp(r->action, "breakglass", 10) == 0)
		e->via = ACCESS_BREAK_GLASS;
	return e->who ? ERR_OK : ERR_INTERNAL;
}

enum err accesslog_read(const struct actor *a, const struct id *patient, int64_t before, bool others_only,
			struct arena *ar, struct access_entry **out, size_t *n, int64_t *next_before)
{
	*n = 0;
	*next_before = 0;
	struct grant g;
	int rc = domain_gate(a, ACTION_ACCESS_LOG_READ, patient, "AuditEvent", NULL, &g);
	if (rc != ERR_OK)
		return rc;
	char self[ID_HEX_LEN + 1];
	id_hex(&a->account, self);
	struct audit_record *rows;
	size_t count;
	if (store_accesslog_list(&g, patient, before, others_only ? self : NULL, LIMIT_ACCESSLOG_PAGE,
				 ar, &rows, &count) != ERR_OK)
		return ERR_INTERNAL;
	struct target enrol;
	if (store_patient_target(patient, &enrol) != ERR_OK)
		return ERR_INTERNAL;
	*out = arena_calloc(ar, count ? count : 1, sizeof(**out));
	struct actor_cache *cache = arena_calloc(ar, count ? count : 1, sizeof(*cache));
	if (*out == NULL || cache == NULL)
		return ERR_INTERNAL;
	size_t n_cache = 0;
	for (size_t i = 0; i < count; i++)
		if (describe(&a->account, patient, &enrol, &rows[i], cache, &n_cache, ar, &(*out)[i]) != ERR_OK)
			return ERR_INTERNAL;
	/* Who looked at a record, and when, is part of it: the breaker counts it like any other
	 * read (the log is not sealed with the patient's key, so the vault is told). */
	int vrc = vault_report_read(a->token, patient, (int64_t)(count * sizeof(rows[0])));
	if (vrc != ERR_OK)
		return domain_vault_failed(a, vrc);
	/* Reading the log is an access like any other: on record before the page leaves. */
	if (domain_audit(a, ACTION_ACCESS_LOG_READ, patient, "AuditEvent", NULL, AUDIT_ALLOW, 0) != 0)
		return ERR_INTERNAL;
	*n = count;
	if (count == LIMIT_ACCESSLOG_PAGE)
		*next_before = rows[count - 1].seq;
	return ERR_OK;
}

static bool same_run(const struct access_entry *run, const struct access_entry *e)
{
	return strcmp(run->actor, e->actor) == 0 && strcmp(run->session, e->session) == 0 &&
	       strcmp(run->action, e->action) == 0 && strcmp(run->rtype, e->rtype) == 0 &&
	       strcmp(run->outcome, e->outcome) == 0 && run->oldest_ms - e->newest_ms <= 10 * 60 * 1000;
}

enum err accesslog_fold(const struct access_entry *in, size_t n, struct arena *ar,
			struct access_entry **out, size_t *nout)
{
	*nout = 0;
	*out = arena_calloc(ar, n ? n : 1, sizeof(**out));
	if (*out == NULL)
		return ERR_INTERNAL;
	struct access_entry *own_views = NULL;
	for (size_t i = 0; i < n; i++) {
		const struct access_entry *e = &in[i];
		bool own_view = e->via == ACCESS_SELF && strcmp(e->action, "accesslog.read") == 0;
		struct access_entry *run = own_view ? own_views
				       : *nout > 0 ? &(*out)[*nout - 1] : NULL;
		if (run != NULL && (own_view || (run != own_views && same_run(run, e)))) {
			run->count++;
			run->oldest_ms = e->oldest_ms;
			run->seq = e->seq;
			run->has_rid = run->has_rid && e->has_rid && id_eq(&run->rid, &e->rid);
			continue;
		}
		(*out)[*nout] = *e;
		if (own_view)
			own_views = &(*out)[*nout];
		(*nout)++;
	}
	return ERR_OK;
}
