/*
 * FHIR Communication: each secure message is one Communication. A thread's subject is
 * topic.text; a reply points at its thread's first message with inResponseTo; an attachment
 * is payload.contentAttachment with the url of its Binary (never the bytes).
 */
#include "fhir/fhir_int.h"
#include "fhir/fhir_search.h"

#include <stdio.h>
#include <string.h>

#include "domain/messages.h"
#include "limits.h"

static json_t *reference(const char *type, const struct id *id)
{
	char hex[ID_HEX_LEN + 1], ref[64];
	id_hex(id, hex);
	snprintf(ref, sizeof(ref), "%s/%s", type, hex);
	return json_pack("{s:s}", "reference", ref);
}

static json_t *practice_party(const char *practice_name)
{
	return json_pack("{s:s}", "display", practice_name ? practice_name : "Your practice");
}

static json_t *fhir_communication_resource(const struct message_view *m)
{
	const char *practice_name = m->practice_name;
	char id[ID_HEX_LEN + 1], sent[32];
	id_hex(&m->id, id);
	fhir_instant(m->created, sent);
	json_t *o = json_pack("{s:s, s:s, s:s, s:o, s:s, s:[{s:s}]}", "resourceType", "Communication",
			      "id", id, "status", "completed", "subject", reference("Patient", &m->patient),
			      "sent", sent, "payload", "contentString", m->text ? m->text : "");
	if (o == NULL)
		return NULL;
	if (m->subject)
		json_object_set_new(o, "topic", json_pack("{s:s}", "text", m->subject));
	if (!id_eq(&m->first, &m->id) && !id_is_zero(&m->first))
		json_object_set_new(o, "inResponseTo", json_pack("[o]", reference("Communication", &m->first)));
	json_t *patient_side;
	if (m->author_kind == AUTHOR_PATIENT)
		patient_side = reference("Patient", &m->patient);
	else
		patient_side = m->author_kind == AUTHOR_PROXY
				       ? json_pack("{s:s}", "display", "Family member or carer of the patient")
				       : reference("Patient", &m->patient);
	if (m->author_kind == AUTHOR_PRACTICE) {
		json_object_set_new(o, "sender", practice_party(practice_name));
		json_object_set_new(o, "recipient", json_pack("[o]", patient_side));
	} else {
		json_object_set_new(o, "sender", patient_side);
		json_object_set_new(o, "recipient", json_pack("[o]", practice_party(practice_name)));
	}
	if (m->has_attachment) {
		char doc[ID_HEX_LEN + 1], url[64];
		id_hex(&m->attachment, doc);
		snprintf(url, sizeof(url), "Binary/%s", doc);
		json_t *att = json_pack("{s:s, s:s, s:s, s:I}", "contentType",
					m->attachment_type ? m->attachment_type : "application/octet-stream",
					"url", url, "title", m->attachment_name ? m->attachment_name : "attachment",
					"size", (json_int_t)m->attachment_size);
		json_array_append_new(json_object_get(o, "payload"), json_pack("{s:o}", "contentAttachment", att));
	}
	fhir_meta_version(o, 1, m->created); /* a message never changes once sent */
	return o;
}

/* Search: sent (and _lastUpdated) on the message's clear time; the body and subject are
 * sealed and not searched. */
static const struct search_param communication_params[] = {
	{"sent", SP_DATE, NULL, 0, "When the message was sent (Communication.sent)."},
};
const struct search_spec fhir_communication_spec = {
	.type = "Communication",
	.params = communication_params,
	.n_params = 1,
	.updated_doc = "When the message was sent: a message never changes after.",
	.subject = true,
};

static int64_t communication_key(const void *row, enum store_sort sort)
{
	(void)sort; /* a message's sending is its last change */
	return ((const struct message_view *)row)->created;
}

static const struct id *communication_id(const void *row)
{
	return &((const struct message_view *)row)->id;
}

static json_t *communication_render(struct request *req, const void *row)
{
	(void)req;
	return fhir_communication_resource(row);
}

void fhir_communication_search(struct request *req, struct response *res)
{
	struct fhir_search s;
	struct search_call c;
	if (fhir_search_start(req, res, &fhir_communication_spec, &s, &c) != 0)
		return;
	struct message_view *rows = NULL;
	size_t n = 0;
	int rc = s.patient_bad ? ERR_NOT_FOUND : message_search(&req->actor, &s.patient, &c.page, &req->arena, &rows, &n, &c.info);
	fhir_search_done(req, res, &s, &fhir_communication_spec, &c, rc,
			 &(struct search_rows){rows, n, sizeof(*rows), communication_key, communication_id, communication_render});
}

void fhir_communication_read(struct request *req, struct response *res)
{
	struct id id;
	struct message_view m;
	int rc = request_param_id(req, 0, &id) == 0 ? message_read(&req->actor, &id, &req->arena, &m)
						    : ERR_NOT_FOUND;
	if (rc != ERR_OK) {
		fhir_domain_error(req, res, rc, "Communication");
		return;
	}
	fhir_respond_read(req, res, fhir_communication_resource(&m), 1, m.created);
}

/* "Type/ID" (or an absolute URL ending so) into an id; 0 on success. */
static int parse_reference(const char *ref, const char *type, struct id *out)
{
	if (ref == NULL)
		return -1;
	const char *slash = strrchr(ref, '/');
	if (slash == NULL)
		return -1;
	size_t tl = strlen(type);
	if ((size_t)(slash - ref) < tl || strncmp(slash - tl, type, tl) != 0 ||
	    (slash - tl != ref && slash[-(long)tl - 1] != '/'))
		return -1;
	return id_parse(out, slash + 1, strlen(slash + 1));
}

int fhir_communication_parse(const char *json, size_t len, struct arena *a, struct message_new *out,
			     const char **why)
{
	memset(out, 0, sizeof(*out));
	json_t *o = fhir_parse_resource(json, len, "Communication", why);
	int rc = -1;
	if (o == NULL)
		goto out;
	json_t *irt = json_object_get(o, "inResponseTo");
	if (irt != NULL) {
		*why = "inResponseTo must name one Communication/{id}";
		if (!json_is_array(irt) || json_array_size(irt) != 1 ||
		    parse_reference(json_string_value(json_object_get(json_array_get(irt, 0), "reference")),
				    "Communication", &out->message) != 0)
			goto out;
		out->reply = true;
		out->by_message = true;
	} else {
		*why = "subject.reference must be Patient/{id}";
		if (parse_reference(json_string_value(json_object_get(json_object_get(o, "subject"), "reference")),
				    "Patient", &out->patient) != 0)
			goto out;
		*why = "A new conversation needs topic.text (its subject)";
		const char *topic = json_string_value(json_object_get(json_object_get(o, "topic"), "text"));
		if (topic == NULL)
			goto out;
		out->subject = arena_strdup(a, topic);
	}
	json_t *payload = json_object_get(o, "payload");
	*why = "payload must hold one contentString, and at most one contentAttachment";
	if (!json_is_array(payload) || json_array_size(payload) < 1 || json_array_size(payload) > 2)
		goto out;
	size_t i;
	json_t *part;
	json_array_foreach(payload, i, part)
	{
		json_t *text = json_object_get(part, "contentString");
		json_t *att = json_object_get(part, "contentAttachment");
		if (json_is_string(text) && out->text == NULL) {
			out->text = arena_strdup(a, json_string_value(text));
			continue;
		}
		if (!json_is_object(att) || out->file != NULL)
			goto out;
		json_t *data = json_object_get(att, "data");
		*why = "contentAttachment needs its data (base64)";
		if (!json_is_string(data))
			goto out;
		struct buf bytes;
		buf_init(&bytes, a, LIMIT_MESSAGE_ATTACHMENT_BYTES);
		*why = "contentAttachment.data is not valid base64, or larger than 10 MB";
		if (base64_decode(json_string_value(data), json_string_length(data), &bytes) != 0 || bytes.len == 0)
			goto out;
		out->file = (const uint8_t *)bytes.data;
		out->file_len = bytes.len;
		const char *ct = json_string_value(json_object_get(att, "contentType"));
		const char *title = json_string_value(json_object_get(att, "title"));
		out->file_type = ct ? arena_strdup(a, ct) : NULL;
		out->file_name = arena_strdup(a, title ? title : "attachment");
		*why = "payload must hold one contentString, and at most one contentAttachment";
	}
	if (out->text == NULL)
		goto out;
	*why = NULL;
	rc = 0;
out:
	json_decref(o);
	return rc;
}

void fhir_communication_create(struct request *req, struct response *res)
{
	if (!fhir_json_body(req, res))
		return;
	struct message_new m;
	const char *why = NULL;
	if (fhir_communication_parse(req->body.data ? req->body.data : "", req->body.len, &req->arena,
				     &m, &why) != 0) {
		fhir_error(req, res, 400, why ? why : "Invalid Communication");
		return;
	}
	struct id thread, message;
	int rc = message_send(&req->actor, &m, &req->arena, &thread, &message, &why);
	if (rc == ERR_INVALID) {
		fhir_error(req, res, 400, why ? why : "Invalid Communication");
		return;
	}
	struct message_view v;
	if (rc == ERR_OK)
		rc = message_read(&req->actor, &message, &req->arena, &v);
	if (rc != ERR_OK) {
		fhir_domain_error(req, res, rc, m.reply ? "Communication" : "Patient");
		return;
	}
	fhir_respond_created(req, res, 201, "Communication", &message, fhir_communication_resource(&v));
}

int fhir_messages_everything(const struct actor *a, const struct id *patient,
			     const struct store_page *pg, struct everything_page *p)
{
	struct message_view *ms = NULL;
	struct page_info info = {0};
	int rc = message_search(a, patient, pg, p->ar, &ms, &p->n, &info);
	for (size_t i = 0; rc == ERR_OK && i < p->n; i++) {
		rc = fhir_entry_append(p->entries, "Communication", &ms[i].id,
				       fhir_communication_resource(&ms[i]));
		p->last_t = communication_key(&ms[i], STORE_SORT_DATE);
		p->last_id = ms[i].id;
	}
	p->more = info.more;
	return rc;
}

void fhir_messages_capability(json_t *resources)
{
	json_t *r = json_pack("{s:s, s:[{s:s},{s:s},{s:s}]}", "type", "Communication", "interaction",
			      "code", "read", "code", "search-type", "code", "create");
	fhir_search_capability(r, &fhir_communication_spec);
	json_array_append_new(resources, r);
}
