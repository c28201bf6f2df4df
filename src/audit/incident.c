#include "audit/incident.h"

#include <jansson.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "audit/audit.h"
#include "store/store.h"
#include "util/nztime.h"

struct served {
	char patient[ID_HEX_LEN + 1];
	char rtype[24];
	char rid[ID_HEX_LEN + 1];
	int64_t ts_ms;
	int64_t bytes;
};

struct collect {
	const struct incident_filter *f;
	struct served *rows;
	size_t n, cap;
	int64_t examined, denied;
	void (*progress)(int64_t);
	bool oom;
};

/*
 * Every action that serves a patient's content (invariant 7: every kind), each audited per
 * resource it served: demographics, documents and their files, results, medicines and repeat
 * requests (MedicationRequest), appointments, message threads and messages (Communication).
 * Whole-record reads have no one resource id and are named by the patient's: their access log
 * (AuditEvent), the list of who may act for them (ProxyGrant) and an export of the record
 * (Bundle). Free slots (Slot) are no one's data.
 */
static const char *const served_actions[] = {
	"patient.read",     "document.read",   "document.list", "result.read",
	"result.list",      "medication.list", "appointment.list", "message.list",
	"message.read",     "proxy.list",      "accesslog.read",   "record.export",
};
/* What a writer leaves in a patient's record, each audited per resource written: listed too when
 * the filter asks (a practice system's report, incident_filter.with_writes). */
static const char *const written_actions[] = {
	"patient.enrol",   "patient.write",     "document.create", "result.create",
	"result.release",  "medication.create", "appointment.book", "message.send",
	"patient.contact.update",
};
static const char *const whole_record_actions[] = {"proxy.list", "accesslog.read", "record.export"};

static bool in(const char *s, const char *const *set, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(s, set[i]) == 0)
			return true;
	return false;
}

static bool whole_record(const struct audit_record *r)
{
	return in(r->action, whole_record_actions,
		  sizeof(whole_record_actions) / sizeof(whole_record_actions[0]));
}

static bool is_served(const struct audit_record *r)
{
	return strcmp(r->outcome, AUDIT_ALLOW) == 0 && strcmp(r->patient, "-") != 0 &&
	       strcmp(r->rtype, "Slot") != 0 &&
	       (strcmp(r->rid, "-") != 0 || whole_record(r)) &&
	       in(r->action, served_actions, sizeof(served_actions) / sizeof(served_actions[0]));
}

static bool is_written(const struct audit_record *r)
{
	return strcmp(r->outcome, AUDIT_ALLOW) == 0 && strcmp(r->patient, "-") != 0 &&
	       strcmp(r->rid, "-") != 0 &&
	       in(r->action, written_actions, sizeof(written_actions) / sizeof(written_actions[0]));
}

static bool matches(const struct incident_filter *f, const struct audit_record *r)
{
	char hex[ID_HEX_LEN + 1];
	if (f->by_actor) {
		id_hex(&f->actor, hex);
		if (strcmp(hex, r->actor) != 0)
			return false;
	}
	if (f->by_session) {
		id_hex(&f->session, hex);
		if (strcmp(hex, r->session) != 0)
			return false;
	}
	if (f->ip && strcmp(f->ip, r->ip) != 0)
		return false;
	if (f->since_ms && r->ts_ms < f->since_ms)
		return false;
	if (f->until_ms && r->ts_ms > f->until_ms)
		return false;
	return true;
}

static int collect_one(const struct audit_record *r, void *arg)
{
	struct collect *c = arg;
	c->examined++;
	if (c->progress && c->examined % 100000 == 0)
		c->progress(c->examined);
	if (!matches(c->f, r))
		return 0;
	if (strcmp(r->outcome, AUDIT_DENY) == 0 || strcmp(r->outcome, AUDIT_NOT_FOUND) == 0)
		c->denied++;
	if (!is_served(r) && !(c->f->with_writes && is_written(r)))
		return 0;
	if (c->n == c->cap) {
		size_t cap = c->cap ? c->cap * 2 : 256;
		struct served *p = realloc(c->rows, cap * sizeof(*p));
		if (p == NULL) {
			c->oom = true;
			return 1;
		}
		c->rows = p;
		c->cap = cap;
	}
	struct served *s = &c->rows[c->n++];
	memcpy(s->patient, r->patient, sizeof(s->patient));
	snprintf(s->rtype, sizeof(s->rtype), "%s", r->rtype);
	/* a whole-record read is named by the patient's id */
	memcpy(s->rid, strcmp(r->rid, "-") == 0 ? r->patient : r->rid, sizeof(s->rid));
	s->ts_ms = r->ts_ms;
	s->bytes = r->bytes;
	return 0;
}

static int by_resource(const void *a, const void *b)
{
	const struct served *x = a, *y = b;
	int c = strcmp(x->patient, y->patient);
	if (c == 0)
		c = strcmp(x->rtype, y->rtype);
	if (c == 0)
		c = strcmp(x->rid, y->rid);
	if (c == 0)
		c = (x->ts_ms > y->ts_ms) - (x->ts_ms < y->ts_ms);
	return c;
}

void incident_time(int64_t ms, char out[32])
{
	time_t t = (time_t)(ms / 1000);
	struct tm tm;
	gmtime_r(&t, &tm);
	strftime(out, 32, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

int incident_collect(const struct incident_filter *f, struct incident_result *out,
		     void (*progress)(int64_t done))
{
	memset(out, 0, sizeof(*out));
	struct collect c = {.f = f, .progress = progress};
	char session[ID_HEX_LEN + 1];
	if (f->by_session)
		id_hex(&f->session, session);
	int walked = f->by_session ? store_audit_each_session(session, collect_one, &c)
				   : store_audit_each(collect_one, &c);
	if (walked < 0 || c.oom) {
		free(c.rows);
		return -1;
	}
	if (c.n > 1) /* qsort wants a non-NULL array, even of nothing */
		qsort(c.rows, c.n, sizeof(*c.rows), by_resource);
	struct incident_line *lines = calloc(c.n ? c.n : 1, sizeof(*lines));
	if (lines == NULL) {
		free(c.rows);
		return -1;
	}
	size_t nl = 0;
	for (size_t i = 0; i < c.n; i++) {
		const struct served *s = &c.rows[i];
		struct incident_line *prev = nl ? &lines[nl - 1] : NULL;
		if (prev && strcmp(prev->rid, s->rid) == 0 && strcmp(prev->rtype, s->rtype) == 0 &&
		    strcmp(prev->patient, s->patient) == 0) {
			prev->times++;
			prev->last_ms = s->ts_ms;
			prev->bytes += s->bytes;
			continue;
		}
		struct incident_line *l = &lines[nl++];
		memcpy(l->patient, s->patient, sizeof(l->patient));
		memcpy(l->rtype, s->rtype, sizeof(l->rtype));
		memcpy(l->rid, s->rid, sizeof(l->rid));
		l->first_ms = l->last_ms = s->ts_ms;
		l->times = 1;
		l->bytes = s->bytes;
	}
	free(c.rows);
	out->lines = lines;
	out->n = nl;
	out->examined = c.examined;
	out->denied = c.denied;
	return 0;
}

void incident_free(struct incident_result *r)
{
	free(r->lines);
	memset(r, 0, sizeof(*r));
}

int incident_report(const struct incident_filter *f, enum incident_format fmt, const char *label,
		    FILE *out, void (*progress)(int64_t done))
{
	struct incident_result res;
	if (incident_collect(f, &res, progress) != 0)
		return -1;
	const struct incident_line *lines = res.lines;
	/* Counts per resource type: the first three always (the report's first kinds), then each
	 * other type served, in the order first seen. */
	enum { TYPES_MAX = 16 };
	const char *types[TYPES_MAX] = {"Patient", "DocumentReference", "Binary"};
	size_t nl = res.n, patients = 0, per_type[TYPES_MAX] = {0}, ntypes = 3;
	for (size_t i = 0; i < nl; i++) {
		if (i == 0 || strcmp(lines[i - 1].patient, lines[i].patient) != 0)
			patients++;
		size_t t = 0;
		while (t < ntypes && strcmp(lines[i].rtype, types[t]) != 0)
			t++;
		if (t == ntypes && ntypes < TYPES_MAX)
			types[ntypes++] = lines[i].rtype;
		if (t < ntypes)
			per_type[t]++;
	}
	char a[32], b[32];
	if (fmt == INCIDENT_JSON) {
		json_t *root = json_object();
		json_t *plist = json_array();
		json_t *cur = NULL, *resources = NULL;
		for (size_t i = 0; i < nl; i++) {
			if (cur == NULL || strcmp(json_string_value(json_object_get(cur, "patient")),
						  lines[i].patient) != 0) {
				resources = json_array();
				cur = json_pack("{s:s, s:o}", "patient", lines[i].patient,
						"resources", resources);
				json_array_append_new(plist, cur);
			}
			incident_time(lines[i].first_ms, a);
			incident_time(lines[i].last_ms, b);
			json_array_append_new(resources, json_pack("{s:s, s:s, s:s, s:s, s:I, s:I}", "resourceType",
							     lines[i].rtype, "id", lines[i].rid,
							     "firstServed", a, "lastServed", b, "times",
							     (json_int_t)lines[i].times, "bytes",
							     (json_int_t)lines[i].bytes));
		}
		json_object_set_new(root, "filter", json_string(label ? label : ""));
		json_object_set_new(root, "recordsExamined", json_integer(res.examined));
		json_object_set_new(root, "deniedOrNotFound", json_integer(res.denied));
		json_object_set_new(root, "patients", plist);
		json_t *totals = json_pack("{s:I}", "patients", (json_int_t)patients);
		for (size_t t = 0; t < ntypes; t++)
			json_object_set_new(totals, types[t], json_integer((json_int_t)per_type[t]));
		json_object_set_new(root, "totals", totals);
		json_dumpf(root, out, JSON_INDENT(2));
		fputc('\n', out);
		json_decref(root);
	} else if (fmt == INCIDENT_CSV) {
		fprintf(out, "patient,resource_type,resource_id,first_served,last_served,times,bytes\n");
		for (size_t i = 0; i < nl; i++) {
			incident_time(lines[i].first_ms, a);
			incident_time(lines[i].last_ms, b);
			fprintf(out, "%s,%s,%s,%s,%s,%lld,%lld\n", lines[i].patient,
				lines[i].rtype, lines[i].rid, a, b,
				(long long)lines[i].times, (long long)lines[i].bytes);
		}
	} else {
		fprintf(out, "Incident report: %s\n", label ? label : "all actors");
		fprintf(out, "Audit records examined: %lld; denied or not found for this filter: %lld\n\n",
			(long long)res.examined, (long long)res.denied);
		if (nl == 0)
			fprintf(out, f->with_writes ? "Nothing was served or written.\n"
						    : "Nothing was served.\n");
		else
			fprintf(out, "%-32s  %-17s  %-32s  %-25s  %5s  %9s\n", "PATIENT", "RESOURCE", "ID",
				f->with_writes ? "FIRST TOUCHED" : "FIRST SERVED", "TIMES", "BYTES");
		for (size_t i = 0; i < nl; i++) {
			/* the table is for people: New Zealand time; csv and json stay UTC */
			nz_when(lines[i].first_ms / 1000, a, sizeof(a));
			fprintf(out, "%-32s  %-17s  %-32s  %-25s  %5lld  %9lld\n", lines[i].patient,
				lines[i].rtype, lines[i].rid, a, (long long)lines[i].times,
				(long long)lines[i].bytes);
		}
		fprintf(out, "\nPatients affected: %zu; Patient records: %zu; DocumentReference: %zu; "
			     "Binary: %zu",
			patients, per_type[0], per_type[1], per_type[2]);
		for (size_t t = 3; t < ntypes; t++)
			fprintf(out, "; %s: %zu", types[t], per_type[t]);
		fputc('\n', out);
	}
	incident_free(&res);
	return 0;
}
