/*
 * Patient/{id}/$everything: the patient's whole record as one searchset Bundle, for the patient
 * alone (record.export) and only with a fresh second factor (step-up): without one, FHIR
 * answers 401 and the export page sends the user to /step-up.
 *
 * The Bundle is assembled from a table of appenders, one per part of the record, each going
 * through the gate, filters and audit of its own search (so, for example, results the patient
 * may not see yet are never in it). DocumentReference entries carry their Binary url, and the
 * bytes inline (attachment.data) for documents up to LIMIT_EXPORT_INLINE_DOC while the export
 * has inlined less than LIMIT_EXPORT_INLINE_TOTAL: small letters and reports travel whole in
 * the file, large scans are fetched by url.
 */
#include "fhir/fhir_int.h"
#include "fhir/fhir_results.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "domain/export.h"
#include "limits.h"
#include "util/wipe.h"

static const fhir_everything_fn appenders[] = {
	fhir_patient_everything,
	fhir_docref_everything,
	fhir_results_everything,
	fhir_medications_everything,
	fhir_appointments_everything,
	fhir_messages_everything,
	fhir_accesslog_everything,
};

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

int fhir_patient_everything(const struct actor *a, const struct id *patient, struct arena *ar,
			    json_t *entries)
{
	struct patient_view p;
	int rc = patient_read(a, patient, ar, &p);
	if (rc == ERR_NOT_FOUND || rc == ERR_OUT_OF_SCOPE)
		return ERR_OK;
	if (rc != ERR_OK)
		return rc;
	return fhir_entry_append(entries, "Patient", patient, fhir_patient_resource(&p));
}

int fhir_docref_everything(const struct actor *a, const struct id *patient, struct arena *ar,
			   json_t *entries)
{
	struct document_view *docs = NULL;
	size_t n = 0;
	int rc = document_list(a, patient, ar, &docs, &n);
	if (rc == ERR_NOT_FOUND || rc == ERR_OUT_OF_SCOPE)
		return ERR_OK;
	size_t inlined = 0;
	for (size_t i = 0; rc == ERR_OK && i < n; i++) {
		json_t *r = fhir_docref_resource(&docs[i]);
		if (r != NULL && docs[i].size > 0 && (size_t)docs[i].size <= LIMIT_EXPORT_INLINE_DOC &&
		    inlined + (size_t)docs[i].size <= LIMIT_EXPORT_INLINE_TOTAL) {
			struct document_view body;
			rc = document_read(a, &docs[i].id, true, "Binary", ar, &body);
			if (rc != ERR_OK) {
				json_decref(r);
				break;
			}
			struct buf b64;
			buf_init(&b64, ar, LIMIT_EXPORT_INLINE_DOC * 2);
			base64_encode(body.data, body.data_len, &b64);
			json_t *att = json_object_get(json_array_get(json_object_get(r, "content"), 0), "attachment");
			if (b64.data != NULL && !b64.failed)
				json_object_set_new(att, "data", json_stringn(b64.data, b64.len));
			inlined += body.data_len;
		}
		rc = fhir_entry_append(entries, "DocumentReference", &docs[i].id, r);
	}
	return rc;
}

static int everything_bundle(const struct actor *actor, const struct id *patient, const char *base,
			     struct arena *ar, json_t **out)
{
	*out = NULL;
	int rc = record_export_begin(actor, patient, (int64_t)time(NULL));
	if (rc != ERR_OK)
		return rc;
	json_t *entries = json_array();
	if (entries == NULL)
		return ERR_INTERNAL;
	for (size_t i = 0; rc == ERR_OK && i < sizeof(appenders) / sizeof(*appenders); i++)
		rc = appenders[i](actor, patient, ar, entries);
	if (rc != ERR_OK) {
		json_decref(entries);
		return rc;
	}
	/* Each fullUrl is the resource's own absolute URL (appenders of different parts may set
	 * a relative one or none); the patient is the match, the rest is included. */
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
	char now[32];
	fhir_instant((int64_t)time(NULL), now);
	const char *self_url = arena_printf(ar, "%s/Patient/%s/$everything", base, hex);
	*out = json_pack("{s:s, s:s, s:{s:s}, s:I, s:[{s:s, s:s}], s:o}", "resourceType", "Bundle",
			 "type", "searchset", "meta", "lastUpdated", now, "total",
			 (json_int_t)json_array_size(entries), "link", "relation", "self", "url",
			 self_url ? self_url : "", "entry", entries);
	return *out ? ERR_OK : ERR_INTERNAL;
}

/* The Bundle for the actor's export of patient: ERR_OK with *out (the caller owns it),
 * ERR_STEP_UP without a fresh second factor, or a refusal. */
static int fhir_everything_bundle(struct request *req, const struct id *patient, json_t **out)
{
	return everything_bundle(&req->actor, patient, fhir_base_url(req), &req->arena, out);
}

/* The Bundle serialised, for the export page (record_export, src/domain/export.h); the
 * serialised copy outside the arena is wiped. */
static enum err everything_json(const struct actor *a, const struct id *patient, const char *base,
				struct arena *ar, char **out, size_t *len)
{
	json_t *bundle = NULL;
	int rc = everything_bundle(a, patient, base, ar, &bundle);
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
	static const char *const allowed[] = {NULL};
	if (!fhir_params_check(req, res, allowed))
		return;
	struct id pid;
	json_t *bundle = NULL;
	int rc = request_param_id(req, 0, &pid) == 0 ? fhir_everything_bundle(req, &pid, &bundle)
						     : ERR_NOT_FOUND;
	if (rc == ERR_STEP_UP) {
		fhir_error(req, res, 401, "A fresh second factor is required to export the whole record: "
					  "sign in again with your second factor, then retry within 5 minutes");
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
				      "documentation", "The whole record (the patient only, with a "
				      "second factor passed in the last 5 minutes)."));
}
