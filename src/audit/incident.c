#include "audit/incident.h"

#include <jansson.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "audit/audit.h"
#include "store/store.h"

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

static bool is_served(const struct audit_record *r)
{
	return strcmp(r->outcome, AUDIT_ALLOW) == 0 && strcmp(r->patient, "-") != 0 &&
	       strcmp(r->rid, "-") != 0 &&
	       (strcmp(r->action, "document.read") == 0 || strcmp(r->action, "document.list") == 0 ||
		strcmp(r->action, "patient.read") == 0);
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
	if (!is_served(r))
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
	memcpy(s->rid, r->rid, sizeof(s->rid));
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

/* One line of the report: a resource of a patient, served `times` times. */
struct line {
	const struct served *first;
	int64_t last_ms, times, bytes;
};

static void stamp(int64_t ms, char out[32])
{
	time_t t = (time_t)(ms / 1000);
	struct tm tm;
	gmtime_r(&t, &tm);
	strftime(out, 32, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

int incident_report(const struct incident_filter *f, enum incident_format fmt, const char *label,
		    FILE *out, void (*progress)(int64_t done))
{
	struct collect c = {.f = f, .progress = progress};
	if (store_audit_each(collect_one, &c) < 0 || c.oom) {
		free(c.rows);
		return -1;
	}
	qsort(c.rows, c.n, sizeof(*c.rows), by_resource);
	struct line *lines = calloc(c.n ? c.n : 1, sizeof(*lines));
	if (lines == NULL) {
		free(c.rows);
		return -1;
	}
	size_t nl = 0, patients = 0, per_type[3] = {0, 0, 0};
	static const char *const types[3] = {"Patient", "DocumentReference", "Binary"};
	for (size_t i = 0; i < c.n; i++) {
		const struct served *s = &c.rows[i];
		if (nl > 0 && strcmp(lines[nl - 1].first->rid, s->rid) == 0 &&
		    strcmp(lines[nl - 1].first->rtype, s->rtype) == 0 &&
		    strcmp(lines[nl - 1].first->patient, s->patient) == 0) {
			lines[nl - 1].times++;
			lines[nl - 1].last_ms = s->ts_ms;
			lines[nl - 1].bytes += s->bytes;
			continue;
		}
		if (nl == 0 || strcmp(lines[nl - 1].first->patient, s->patient) != 0)
			patients++;
		for (int t = 0; t < 3; t++)
			if (strcmp(s->rtype, types[t]) == 0)
				per_type[t]++;
		lines[nl++] = (struct line){s, s->ts_ms, 1, s->bytes};
	}

	char a[32], b[32];
	if (fmt == INCIDENT_JSON) {
		json_t *root = json_object();
		json_t *plist = json_array();
		json_t *cur = NULL, *res = NULL;
		for (size_t i = 0; i < nl; i++) {
			if (cur == NULL || strcmp(json_string_value(json_object_get(cur, "patient")),
						  lines[i].first->patient) != 0) {
				res = json_array();
				cur = json_pack("{s:s, s:o}", "patient", lines[i].first->patient,
						"resources", res);
				json_array_append_new(plist, cur);
			}
			stamp(lines[i].first->ts_ms, a);
			stamp(lines[i].last_ms, b);
			json_array_append_new(res, json_pack("{s:s, s:s, s:s, s:s, s:I, s:I}", "resourceType",
							     lines[i].first->rtype, "id", lines[i].first->rid,
							     "firstServed", a, "lastServed", b, "times",
							     (json_int_t)lines[i].times, "bytes",
							     (json_int_t)lines[i].bytes));
		}
		json_object_set_new(root, "filter", json_string(label ? label : ""));
		json_object_set_new(root, "recordsExamined", json_integer(c.examined));
		json_object_set_new(root, "deniedOrNotFound", json_integer(c.denied));
		json_object_set_new(root, "patients", plist);
		json_object_set_new(root, "totals",
				    json_pack("{s:I, s:I, s:I, s:I}", "patients", (json_int_t)patients,
					      "Patient", (json_int_t)per_type[0], "DocumentReference",
					      (json_int_t)per_type[1], "Binary", (json_int_t)per_type[2]));
		json_dumpf(root, out, JSON_INDENT(2));
		fputc('\n', out);
		json_decref(root);
	} else if (fmt == INCIDENT_CSV) {
		fprintf(out, "patient,resource_type,resource_id,first_served,last_served,times,bytes\n");
		for (size_t i = 0; i < nl; i++) {
			stamp(lines[i].first->ts_ms, a);
			stamp(lines[i].last_ms, b);
			fprintf(out, "%s,%s,%s,%s,%s,%lld,%lld\n", lines[i].first->patient,
				lines[i].first->rtype, lines[i].first->rid, a, b,
				(long long)lines[i].times, (long long)lines[i].bytes);
		}
	} else {
		fprintf(out, "Incident report: %s\n", label ? label : "all actors");
		fprintf(out, "Audit records examined: %lld; denied or not found for this filter: %lld\n\n",
			(long long)c.examined, (long long)c.denied);
		if (nl == 0)
			fprintf(out, "Nothing was served.\n");
		else
			fprintf(out, "%-32s  %-17s  %-32s  %-20s  %5s  %9s\n", "PATIENT", "RESOURCE", "ID",
				"FIRST SERVED", "TIMES", "BYTES");
		for (size_t i = 0; i < nl; i++) {
			stamp(lines[i].first->ts_ms, a);
			fprintf(out, "%-32s  %-17s  %-32s  %-20s  %5lld  %9lld\n", lines[i].first->patient,
				lines[i].first->rtype, lines[i].first->rid, a, (long long)lines[i].times,
				(long long)lines[i].bytes);
		}
		fprintf(out, "\nPatients affected: %zu; Patient records: %zu; DocumentReference: %zu; "
			     "Binary: %zu\n",
			patients, per_type[0], per_type[1], per_type[2]);
	}
	free(lines);
	free(c.rows);
	return 0;
}
