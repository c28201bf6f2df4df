/*
 * Patient/{id}/$everything: the patient's record as a searchset Bundle, paged, and the export
 * page's file, whole (docs/internals/SEARCH.md, "$everything").
 *
 * The record is its parts in a fixed order (Patient, DocumentReference, DiagnosticReport with
 * its Observations, MedicationRequest, Appointment, Communication, AuditEvent), each newest
 * first; a page is up to _count rows (default and most LIMIT_SEARCH_COUNT_MAX; a report brings
 * its observations) taken from the parts in turn, and its next link's cursor names the part
 * and the last row served (its date and id): a position only, like a search's, every page going
 * through record.export's gate for the patient in the path and each part through its own.
 * Who: the patient (with a fresh second factor: without one, FHIR answers 401 and the export
 * page sends the user to /step-up), or an app for its own patient, which gets the parts its
 * scopes cover and never the access log (policy_export_covers) without a step-up. The export
 * file is every page at once (one gate, one record.export record). DocumentReference entries
 * carry the bytes inline (attachment.data) for documents up to LIMIT_EXPORT_INLINE_DOC while
 * the file, or the operation's first page, has inlined less than LIMIT_EXPORT_INLINE_TOTAL
 * (so a traversal inlines no more than the whole record did before paging, well within the
 * breaker's budget): small letters and reports travel whole, the rest is fetched by url.
 */
#include "fhir/fhir_int.h"
#include "fhir/fhir_results.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "domain/details.h"
#include "domain/export.h"
#include "limits.h"
#include "store/page.h"
#include "util/strtonum.h"
#include "util/wipe.h"

static int patient_part(const struct actor *a, const struct id *patient,
			const struct store_page *pg, struct everything_page *p);
static int docref_part(const struct actor *a, const struct id *patient,
		       const struct store_page *pg, struct everything_page *p);

/* The parts, in the record's order, with the list action an app's scopes must cover. */
static const struct {
	fhir_everything_fn page;
	enum action action;
} parts[] = {
	{patient_part, ACTION_PATIENT_READ},
	{docref_part, ACTION_DOCUMENT_LIST},
	{fhir_results_everything, ACTION_RESULT_LIST},
	{fhir_medications_everything, ACTION_MEDICATION_LIST},
	{fhir_summary_everything, ACTION_SUMMARY_LIST},
	{fhir_appointments_everything, ACTION_APPOINTMENT_LIST},
	{fhir_messages_everything, ACTION_MESSAGE_LIST},
	{fhir_accesslog_everything, ACTION_ACCESS_LOG_READ},
};
#define N_PARTS (sizeof(parts) / sizeof(parts[0]))

int fhir_entry_append(json_t *entries, const char *type, const struct id *id, json_t *resource)
{
	char hex[ID_HEX_LEN + 1], url[96];
	id_hex(id, hex);
	snprintf(url, sizeof(url), "%s/%s", type, hex);
	if (resource == NULL)
		return ERR_INTERNAL;
	return json_array_append_new(entries, json_pack("{s:s, s:o}", "fullUrl", url, "resource",
							 resource)) == 0
		       ? ERR_OK
		       : ERR_INTERNAL;
}

static int patient_part(const struct actor *a, const struct id *patient,
			const struct store_page *pg, struct everything_page *p)
{
	p->more = false;
	if (pg->after)
		return ERR_OK; /* one row, served */
	struct patient_view v;
	struct contact_details c;
	int rc = details_read(a, patient, p->ar, &v, &c);
	if (rc != ERR_OK)
		return rc;
	p->n = 1;
	p->last_id = *patient;
	return fhir_entry_append(p->entries, "Patient", patient, fhir_patient_with_contact(&v, &c));
}

/* A document's bytes inline, while the export's allowance lasts (the file only). */
static int docref_inline(const struct actor *a, const struct document_view *d, json_t *r,
			 struct everything_page *p)
{
	if (r == NULL || d->size <= 0 || (size_t)d->size > LIMIT_EXPORT_INLINE_DOC ||
	    (size_t)d->size > p->inline_left)
		return ERR_OK;
	struct document_view body;
	int rc = document_read(a, &d->id, true, "Binary", p->ar, &body);
	if (rc != ERR_OK)
		return rc;
	struct buf b64;
	buf_init(&b64, p->ar, LIMIT_EXPORT_INLINE_DOC * 2);
	base64_encode(body.data, body.data_len, &b64);
	json_t *att = json_object_get(json_array_get(json_object_get(r, "content"), 0), "attachment");
	if (b64.data != NULL && !b64.failed)
		json_object_set_new(att, "data", json_stringn(b64.data, b64.len));
	p->inline_left -= body.data_len < p->inline_left ? body.data_len : p->inline_left;
	return ERR_OK;
}

static int docref_part(const struct actor *a, const struct id *patient,
		       const struct store_page *pg, struct everything_page *p)
{
	struct document_view *docs = NULL;
	struct page_info info = {0};
	int rc = document_search(a, patient, pg, p->ar, &docs, &p->n, &info);
	for (size_t i = 0; rc == ERR_OK && i < p->n; i++) {
		json_t *r = fhir_docref_resource(&docs[i]);
		rc = docref_inline(a, &docs[i], r, p);
		if (rc != ERR_OK) {
			json_decref(r);
			break;
		}
		rc = fhir_entry_append(p->entries, "DocumentReference", &docs[i].id, r);
		p->last_t = docs[i].created;
		p->last_id = docs[i].id;
	}
	p->more = info.more;
	return rc;
}

int fhir_everything_cursor(const char *v, size_t n, struct everything_cursor *c)
{
	/* "P" or "P.T.ID": the part's index, the last row's date (or AuditEvent's cursor), its id. */
	memset(c, 0, sizeof(*c));
	if (v == NULL || n < 1 || v[0] < '0' || v[0] >= (char)('0' + N_PARTS))
		return -1;
	c->part = (size_t)(v[0] - '0');
	if (n == 1)
		return 0;
	if (n < 4 + ID_HEX_LEN || v[1] != '.' || v[n - ID_HEX_LEN - 1] != '.')
		return -1;
	size_t tl = n - ID_HEX_LEN - 3;
	char t[24];
	if (tl == 0 || tl >= sizeof(t))
		return -1;
	memcpy(t, v + 2, tl);
	t[tl] = '\0';
	for (size_t i = 0; i < tl; i++)
		if (!((t[i] >= '0' && t[i] <= '9') || (i == 0 && t[i] == '-' && tl > 1)))
			return -1;
	if (parse_int64(t, INT64_MIN / 2, INT64_MAX / 2, &c->t) != 0 ||
	    id_parse(&c->id, v + n - ID_HEX_LEN, ID_HEX_LEN) != 0)
		return -1;
	c->after = true;
	return 0;
}

/* One page of the record from *c, at most count rows: appended to p->entries; *c becomes the
 * next page's start, and *done says none follows. Parts the actor's export does not cover are
 * passed over, and so is a part its gate refuses as not found or out of scope. */
static int everything_page(const struct actor *a, const struct id *patient, size_t count,
			   struct everything_cursor *c, struct everything_page *p, bool *done)
{
	size_t left = count;
	while (c->part < N_PARTS && left > 0) {
		if (!policy_export_covers(a, parts[c->part].action)) {
			*c = (struct everything_cursor){.part = c->part + 1};
			continue;
		}
		struct store_page pg = {.sort = STORE_SORT_DATE, .desc = true, .after = c->after,
					.after_t = c->t, .after_id = c->id, .limit = left};
		p->n = 0;
		p->more = false;
		int rc = parts[c->part].page(a, patient, &pg, p);
		if (rc == ERR_NOT_FOUND || rc == ERR_OUT_OF_SCOPE) {
			p->n = 0;
			p->more = false;
		} else if (rc != ERR_OK) {
			return rc;
		}
		left -= p->n < left ? p->n : left;
		if (p->more && p->n > 0)
			*c = (struct everything_cursor){c->part, true, p->last_t, p->last_id};
		else
			*c = (struct everything_cursor){.part = c->part + 1};
	}
	*done = c->part >= N_PARTS;
	return ERR_OK;
}

/* Absolute fullUrls (appenders set a relative one, or a urn) and search.mode: the patient is
 * the match, the rest is included. */
static void everything_urls(json_t *entries, const char *base, const struct id *patient,
			    struct arena *ar)
{
	char hex[ID_HEX_LEN + 1];
	id_hex(patient, hex);
	size_t i;
	json_t *e;
	json_array_foreach(entries, i, e)
	{
		json_t *r = json_object_get(e, "resource");
		const char *type = json_string_value(json_object_get(r, "resourceType"));
		const char *rid = json_string_value(json_object_get(r, "id"));
		bool self = type && rid && strcmp(type, "Patient") == 0 && strcmp(rid, hex) == 0;
		if (type && rid) {
			const char *abs = arena_printf(ar, "%s/%s/%s", base, type, rid);
			json_object_set_new(e, "fullUrl", json_string(abs ? abs : ""));
		}
		json_object_set_new(e, "search", json_pack("{s:s}", "mode", self ? "match" : "include"));
	}
}

/* What a Bundle of the operation holds and where it is. */
struct everything_ask {
	const char *base;
	size_t count;            /* rows a page holds at most */
	bool whole;              /* every page at once (the export file) */
	bool given_count;        /* _count was sent: kept in the links */
	const char *cursor;      /* the _cursor sent, NULL on the first page */
};

static int everything_bundle(const struct actor *actor, const struct id *patient,
			     const struct everything_ask *q, struct arena *ar, json_t **out)
{
	*out = NULL;
	struct everything_cursor c = {0};
	if (q->cursor && fhir_everything_cursor(q->cursor, strlen(q->cursor), &c) != 0)
		return ERR_INVALID;
	int64_t now = (int64_t)time(NULL);
	int rc = record_export_begin(actor, patient, now);
	if (rc != ERR_OK)
		return rc;
	json_t *entries = json_array();
	if (entries == NULL)
		return ERR_INTERNAL;
	struct everything_page p = {.ar = ar, .entries = entries, .now = now,
				    /* at most this much in a whole traversal, as before paging:
				     * the file, or the first page of the operation */
				    .inline_left = q->whole || q->cursor == NULL ? LIMIT_EXPORT_INLINE_TOTAL : 0};
	bool done = false;
	do
		rc = everything_page(actor, patient, q->count, &c, &p, &done);
	while (rc == ERR_OK && q->whole && !done);
	if (rc != ERR_OK) {
		json_decref(entries);
		return rc;
	}
	everything_urls(entries, q->base, patient, ar);
	char hex[ID_HEX_LEN + 1], now_s[32], count_s[24];
	id_hex(patient, hex);
	fhir_instant(now, now_s);
	snprintf(count_s, sizeof(count_s), "%zu", q->count);
	const char *op = arena_printf(ar, "%s/Patient/%s/$everything", q->base, hex);
	const char *self = q->cursor ? arena_printf(ar, "%s?%s%s%s_cursor=%s", op, q->given_count ? "_count=" : "",
						    q->given_count ? count_s : "", q->given_count ? "&" : "", q->cursor)
			   : q->given_count ? arena_printf(ar, "%s?_count=%s", op, count_s)
					    : op;
	*out = json_pack("{s:s, s:s, s:{s:s}, s:[{s:s, s:s}], s:o}", "resourceType", "Bundle",
			 "type", "searchset", "meta", "lastUpdated", now_s, "link", "relation", "self",
			 "url", self ? self : "", "entry", entries);
	if (*out == NULL)
		return ERR_INTERNAL;
	/* The true total when this page is the whole record; otherwise none (FHIR lets a server
	 * leave it out): counting every part would open what is not served. */
	if (done && q->cursor == NULL)
		json_object_set_new(*out, "total", json_integer((json_int_t)json_array_size(entries)));
	if (!done) {
		char next[ID_HEX_LEN + 48];
		char idh[ID_HEX_LEN + 1];
		id_hex(&c.id, idh);
		if (c.after)
			snprintf(next, sizeof(next), "%zu.%lld.%s", c.part, (long long)c.t, idh);
		else
			snprintf(next, sizeof(next), "%zu", c.part);
		const char *url = arena_printf(ar, "%s?_count=%s&_cursor=%s", op, count_s, next);
		json_array_append_new(json_object_get(*out, "link"),
				      json_pack("{s:s, s:s}", "relation", "next", "url", url ? url : ""));
	}
	return ERR_OK;
}

/* The Bundle serialised, for the export page (record_export, src/domain/export.h): every
 * page at once; the serialised copy outside the arena is wiped. */
static enum err everything_json(const struct actor *a, const struct id *patient, const char *base,
				struct arena *ar, char **out, size_t *len)
{
	json_t *bundle = NULL;
	struct everything_ask q = {.base = base, .count = LIMIT_SEARCH_COUNT_MAX, .whole = true};
	int rc = everything_bundle(a, patient, &q, ar, &bundle);
	if (rc != ERR_OK)
		return rc;
	char *s = json_dumps(bundle, JSON_COMPACT);
	json_decref(bundle);
	*out = s ? arena_strdup(ar, s) : NULL;
	if (s) {
		wipe(s, strlen(s));
		free(s);
	}
	if (*out == NULL)
		return ERR_INTERNAL;
	*len = strlen(*out);
	return ERR_OK;
}

void fhir_everything_register(void)
{
	record_export_format(everything_json);
}

void fhir_patient_everything_op(struct request *req, struct response *res)
{
	static const char *const allowed[] = {"_count", "_cursor", NULL};
	if (!fhir_params_check(req, res, allowed))
		return;
	struct everything_ask q = {.base = fhir_base_url(req), .count = LIMIT_SEARCH_COUNT_MAX,
				   .cursor = request_query(req, "_cursor")};
	const char *count = request_query(req, "_count");
	int64_t n = 0;
	if (count != NULL && parse_int64(count, 1, INT64_MAX, &n) != 0) {
		fhir_error(req, res, 400, "_count must be a whole number from 1 (at most 500 are served)");
		return;
	}
	if (count != NULL) {
		q.given_count = true;
		q.count = n > (int64_t)LIMIT_SEARCH_COUNT_MAX ? LIMIT_SEARCH_COUNT_MAX : (size_t)n;
	}
	struct id pid;
	json_t *bundle = NULL;
	int rc = request_param_id(req, 0, &pid) == 0 ? everything_bundle(&req->actor, &pid, &q, &req->arena, &bundle)
						     : ERR_NOT_FOUND;
	if (rc == ERR_STEP_UP) {
		fhir_error(req, res, 401, "A fresh second factor is required to export the whole record: "
					  "sign in again with your second factor, then retry within 5 minutes");
		return;
	}
	if (rc == ERR_INVALID) {
		fhir_error(req, res, 400, "_cursor is not a cursor this server gave");
		return;
	}
	if (rc != ERR_OK) {
		fhir_domain_error(req, res, rc, "Patient");
		return;
	}
	fhir_respond(req, res, 200, bundle);
}

void fhir_everything_capability(json_t *resources)
{
	json_object_set_new(json_array_get(resources, 0), "operation",
			    json_pack("[{s:s, s:s, s:s}]", "name", "everything", "definition",
				      "http://hl7.org/fhir/OperationDefinition/Patient-everything",
				      "documentation",
				      "The whole record, paged: _count rows a page (at most and by default "
				      "500; a DiagnosticReport brings its Observations), next links to the "
				      "end, total only when one page holds it all. For the patient with a "
				      "second factor passed in the last 5 minutes (with their access log as "
				      "AuditEvent); for an app, its own patient, the resource types its "
				      "scopes cover (never AuditEvent)."));
}
