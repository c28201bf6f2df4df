/*
 * A patient's own access log as FHIR AuditEvent (search by patient only; the patient alone may
 * read it). One AuditEvent per audit record; agents are described, never named.
 */
#include "fhir/fhir_int.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

#include "domain/accesslog.h"
#include "limits.h"
#include "util/strtonum.h"

static const char *rest_interaction(const char *action)
{
	const char *dot = strrchr(action, '.');
	if (dot == NULL)
		return NULL;
	if (strcmp(dot, ".read") == 0)
		return "read";
	if (strcmp(dot, ".list") == 0)
		return "search-type";
	if (strcmp(dot, ".create") == 0 || strcmp(dot, ".send") == 0 || strcmp(dot, ".book") == 0 ||
	    strcmp(dot, ".request") == 0 || strcmp(dot, ".grant") == 0)
		return "create";
	if (strcmp(dot, ".release") == 0 || strcmp(dot, ".decide") == 0 || strcmp(dot, ".cancel") == 0 ||
	    strcmp(dot, ".revoke") == 0)
		return "update";
	return NULL;
}

/* C create, R read, U update, E execute (anything else, e.g. an export). */
static const char *action_code(const char *interaction)
{
	if (interaction == NULL)
		return "E";
	if (strcmp(interaction, "create") == 0)
		return "C";
	if (strcmp(interaction, "update") == 0)
		return "U";
	return "R";
}

static json_t *auditevent(const struct access_entry *e, const struct id *patient)
{
	char recorded[40], pid[ID_HEX_LEN + 1], ref[64];
	time_t t = (time_t)(e->newest_ms / 1000);
	struct tm tm;
	gmtime_r(&t, &tm);
	size_t k = strftime(recorded, sizeof(recorded), "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(recorded + k, sizeof(recorded) - k, ".%03dZ", (int)(e->newest_ms % 1000));
	id_hex(patient, pid);
	const char *interaction = rest_interaction(e->action);
	/* 0 success; 4 minor failure (refused, not found, a fresh second factor needed) */
	const char *outcome = e->allowed ? "0" : "4";
	json_t *who = e->via == ACCESS_SELF
			      ? json_pack("{s:s, s:s}", "reference", (snprintf(ref, sizeof(ref), "Patient/%s", pid), ref),
					  "display", "You")
			      : json_pack("{s:s}", "display", e->who);
	json_t *o = json_pack(
		"{s:s, s:s, s:{s:s, s:s, s:s}, s:s, s:s, s:s, s:s,"
		" s:[{s:[{s:s}], s:o, s:b}], s:{s:{s:s}}, s:[{s:{s:s}, s:{s:s, s:s, s:s}, s:{s:s, s:s, s:s}}]}",
		"resourceType", "AuditEvent", "id", e->key, "type", "system",
		"http://terminology.hl7.org/CodeSystem/audit-event-type", "code", "rest", "display",
		"RESTful Operation", "action", action_code(interaction), "recorded", recorded, "outcome",
		outcome, "outcomeDesc", e->allowed ? e->what : "Refused", "agent", "role", "text",
		policy_role_label(e->role), "who", who, "requestor", 1, "source", "observer", "display",
		"medkeep", "entity", "what", "reference", (snprintf(ref, sizeof(ref), "Patient/%s", pid), ref),
		"type", "system", "http://terminology.hl7.org/CodeSystem/audit-entity-type", "code", "1",
		"display", "Person", "role", "system", "http://terminology.hl7.org/CodeSystem/object-role",
		"code", "1", "display", "Patient");
	if (o == NULL)
		return NULL;
	/* The trail is append-only; an entry changes only when a later record of the same access
	 * is folded into it: its version is the records it holds, changed at the newest. */
	fhir_meta_version(o, e->count, e->newest_ms / 1000);
	if (interaction)
		json_object_set_new(o, "subtype", json_pack("[{s:s, s:s}]", "system",
							    "http://hl7.org/fhir/restful-interaction",
							    "code", interaction));
	json_t *agent = json_array_get(json_object_get(o, "agent"), 0);
	json_array_append_new(json_object_get(agent, "role"),
			      json_pack("{s:s}", "text", access_via_label(e->via)));
	if (e->via == ACCESS_BREAK_GLASS)
		json_object_set_new(o, "purposeOfEvent",
				    json_pack("[{s:[{s:s, s:s, s:s}]}]", "coding", "system",
					      "http://terminology.hl7.org/CodeSystem/v3-ActReason", "code",
					      "ETREAT", "display", "Emergency Treatment"));
	if (e->has_rid && strcmp(e->rtype, "Patient") != 0 && strcmp(e->rtype, "MessageThread") != 0 &&
	    strcmp(e->rtype, "-") != 0) {
		char rid[ID_HEX_LEN + 1];
		id_hex(&e->rid, rid);
		snprintf(ref, sizeof(ref), "%s/%s", e->rtype, rid);
		json_array_append_new(json_object_get(o, "entity"),
				      json_pack("{s:{s:s}, s:{s:s, s:s, s:s}}", "what", "reference", ref,
						"type", "system",
						"http://terminology.hl7.org/CodeSystem/audit-entity-type",
						"code", "2", "display", "System Object"));
	}
	return o;
}

void fhir_auditevent_search(struct request *req, struct response *res)
{
	static const char *const allowed[] = {"patient", "_before", NULL};
	struct id pid;
	int p = fhir_search_patient(req, res, allowed, &pid);
	if (p < 0)
		return;
	int64_t before = 0;
	const char *b = request_query(req, "_before");
	if (b && parse_int64(b, 1, INT64_MAX, &before) != 0) {
		fhir_error(req, res, 400, "_before must be a positive whole number");
		return;
	}
	struct access_entry *es = NULL;
	size_t n = 0;
	int64_t next = 0;
	int rc = p == 0 ? accesslog_read(&req->actor, &pid, before, false, &req->arena, &es, &n, &next)
			: ERR_NOT_FOUND;
	if (rc != ERR_OK) {
		fhir_domain_error(req, res, rc, "Patient");
		return;
	}
	json_t *bundle = fhir_bundle_new(req);
	for (size_t i = 0; bundle && i < n; i++) {
		json_t *entry = auditevent(&es[i], &pid);
		const char *url = arena_printf(&req->arena, "%s/AuditEvent/%s", fhir_base_url(req), es[i].key);
		json_array_append_new(json_object_get(bundle, "entry"),
				      json_pack("{s:s, s:o, s:{s:s}}", "fullUrl", url ? url : "", "resource",
						entry, "search", "mode", "match"));
	}
	/* The whole log's size is not counted: total only when this page is all of it. */
	if (bundle && next == 0)
		json_object_set_new(bundle, "total",
				    json_integer((json_int_t)json_array_size(json_object_get(bundle, "entry"))));
	else if (bundle)
		json_object_del(bundle, "total");
	if (bundle && next > 0) {
		char hex[ID_HEX_LEN + 1];
		id_hex(&pid, hex);
		const char *url = arena_printf(&req->arena, "%s/AuditEvent?patient=%s&_before=%lld",
					       fhir_base_url(req), hex, (long long)next);
		json_array_append_new(json_object_get(bundle, "link"),
				      json_pack("{s:s, s:s}", "relation", "next", "url", url ? url : ""));
	}
	fhir_respond(req, res, 200, bundle);
}

int fhir_accesslog_everything(const struct actor *a, const struct id *patient,
			      const struct store_page *pg, struct everything_page *p)
{
	struct access_entry *es = NULL;
	size_t n = 0;
	int64_t next = 0;
	int rc = accesslog_read(a, patient, pg->after ? pg->after_t : 0, false, p->ar, &es, &n, &next);
	json_t *entries = p->entries;
	if (rc == ERR_OK && pg->limit > 0 && n > pg->limit) {
		/* A smaller page than the log's: the next starts below the last one served. */
		n = pg->limit;
		next = es[n - 1].seq;
	}
	p->n = n;
	p->more = next != 0; /* older records follow, from this cursor */
	p->last_t = next;
	for (size_t i = 0; rc == ERR_OK && i < n; i++) {
		json_t *r = auditevent(&es[i], patient);
		char url[64];
		snprintf(url, sizeof(url), "AuditEvent/%s", es[i].key);
		if (r == NULL || json_array_append_new(entries, json_pack("{s:s, s:o}", "fullUrl", url,
									  "resource", r)) != 0)
			rc = ERR_INTERNAL;
	}
	return rc;
}

void fhir_accesslog_capability(json_t *resources)
{
	json_array_append_new(resources,
			      json_pack("{s:s, s:[{s:s}], s:[{s:s, s:s, s:s}]}", "type", "AuditEvent",
					"interaction", "code", "search-type", "searchParam", "name",
					"patient", "type", "reference", "documentation",
					"Required. Who has seen this record: for the patient only."));
}
