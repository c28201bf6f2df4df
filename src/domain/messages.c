/*
 * Secure messages (messages.h). The steps of domain_int.h, plus one rule of the gate's own:
 * staff reach only their practice's threads (policy_thread_in_reach), answered like a miss.
 */
#include "domain/messages.h"
#include "domain/domain_int.h"
#include "domain/notify.h"

#include <jansson.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "audit/audit.h"
#include "limits.h"
#include "store/accesslog.h"
#include "store/appointments.h"
#include "store/messages.h"
#include "util/log.h"
#include "util/wipe.h"
#include "vault/vault.h"
#include "domain/outbox.h"

static const char rtype_thread[] = "MessageThread";
static const char rtype_message[] = "Communication";
static const char rtype_draft[] = "MessageDraft";

/* Gate an access to one thread: missing, outside the gate and outside the actor's reach all
 * come back ERR_NOT_FOUND (audited, counted as misses). */
static enum err thread_gate(const struct actor *a, enum action action, const struct id *thread,
			    const char *rtype, const struct id *rid, struct target *t, struct id *practice,
			    struct grant *g)
{
	int s = store_thread_target(thread, t, practice);
	if (s == ERR_INTERNAL)
		return ERR_INTERNAL;
	if (s == ERR_NOT_FOUND)
		return domain_miss(a, action, NULL, rtype, rid, AUDIT_NOT_FOUND);
	int rc = domain_gate_target(a, action, t, rtype, rid, g);
	if (rc != ERR_OK)
		return rc;
	if (!policy_thread_in_reach(a, g, practice))
		return domain_miss(a, action, &t->patient, rtype, rid, AUDIT_DENY);
	return ERR_OK;
}

/* The patient's key row for a grant; ERR_GONE when shredded. */
static enum err patient_row(const struct grant *g, const struct id *patient, struct arena *ar,
			    struct store_patient *p)
{
	int s = store_patient_get(g, patient, ar, p);
	if (s == ERR_GONE)
		return ERR_GONE;
	return s == ERR_OK ? ERR_OK : ERR_INTERNAL;
}

/* Open one sealed record as a NUL-terminated string in the arena. */
static enum err open_text(const struct actor *a, const struct grant *g, const struct store_patient *p,
			  const struct id *record, struct bytes ct, struct arena *ar, const char **out)
{
	struct buf pt;
	buf_init(&pt, ar, RECORD_PLAINTEXT_MAX + 1);
	int v = vault_record_open(a->token, g, p, VREC_MESSAGE, record, ct, &pt);
	if (v != ERR_OK)
		return domain_vault_failed(a, v);
	*out = buf_cstr(&pt);
	return *out ? ERR_OK : ERR_INTERNAL;
}

/* Open a sealed thread subject ({"subject": "..."}). */
static enum err open_subject(const struct actor *a, const struct grant *g, const struct store_patient *p,
			     const struct id *thread, struct bytes ct, struct arena *ar, const char **out)
{
	const char *json = NULL;
	int rc = open_text(a, g, p, thread, ct, ar, &json);
	if (rc != ERR_OK)
		return rc;
	json_t *o = json_loads(json, 0, NULL);
	const char *v = json_string_value(json_object_get(o, "subject"));
	*out = v ? arena_strdup(ar, v) : NULL;
	json_decref(o);
	return *out ? ERR_OK : ERR_INTERNAL;
}

static enum message_author_kind author_kind(const struct store_message *m)
{
	if (m->from_practice)
		return AUTHOR_PRACTICE;
	struct store_actor_facts f;
	if (store_actor_facts(&m->author, &m->patient, &f) == ERR_OK && f.has_patient &&
	    id_eq(&f.patient, &m->patient))
		return AUTHOR_PATIENT;
	return AUTHOR_PROXY;
}

/* A message row opened into a view: its sealed JSON holds the text and the attachment's name. */
static enum err message_open(const struct actor *a, const struct grant *g, const struct store_patient *p,
			     const struct store_message *m, struct arena *ar, struct message_view *v)
{
	memset(v, 0, sizeof(*v));
	v->id = m->id;
	v->thread = m->thread;
	v->patient = m->patient;
	v->author = m->author;
	v->first = m->first;
	v->author_kind = author_kind(m);
	v->mine = id_eq(&m->author, &a->account);
	v->created = m->created;
	v->has_attachment = m->has_attachment;
	v->attachment = m->attachment;
	const char *json = NULL;
	int rc = open_text(a, g, p, &m->id, m->body, ar, &json);
	if (rc != ERR_OK)
		return rc;
	json_t *o = json_loads(json, 0, NULL);
	rc = ERR_INTERNAL;
	const char *text = json_string_value(json_object_get(o, "text"));
	if (text != NULL) {
		v->text = arena_strdup(ar, text);
		const char *file = json_string_value(json_object_get(o, "file"));
		const char *type = json_string_value(json_object_get(o, "type"));
		v->attachment_name = file ? arena_strdup(ar, file) : NULL;
		v->attachment_type = type ? arena_strdup(ar, type) : NULL;
		v->attachment_size = (int64_t)json_integer_value(json_object_get(o, "size"));
		rc = v->text ? ERR_OK : ERR_INTERNAL;
	}
	json_decref(o);
	return rc;
}

static int thread_open(const struct actor *a, const struct grant *g, const struct store_patient *p,
		       const struct store_thread *t, struct arena *ar, struct thread_view *v)
{
	memset(v, 0, sizeof(*v));
	v->id = t->id;
	v->patient = t->patient;
	v->practice = t->practice;
	v->created = t->created;
	v->updated = t->updated;
	v->n_messages = t->n_messages;
	v->unread = g->via == VIA_STAFF ? t->practice_unread : t->patient_unread;
	v->other_unread = g->via == VIA_STAFF ? t->patient_unread : t->practice_unread;
	store_practice_name(&t->practice, ar, &v->practice_name);
	v->assigned = t->assigned;
	v->assigned_to = t->assigned_to;
	if (t->assigned && g->via == VIA_STAFF && store_staff_name(&t->assigned_to, ar, &v->assigned_name) != ERR_OK)
		v->assigned_name = "a colleague";
	return open_subject(a, g, p, &t->id, t->subject, ar, &v->subject);
}

/* A patient's threads this actor reaches, each opened and listed on record: all of them (an
 * empty list on record too), or only those with unread messages (unread_max of them, for the
 * home page). */
static enum err threads_of(const struct actor *a, const struct id *patient, size_t unread_max,
			   struct arena *ar, struct thread_view **out, size_t *n)
{
	*n = 0;
	struct grant g;
	int rc = domain_gate(a, ACTION_MESSAGE_LIST, patient, rtype_thread, NULL, &g);
	if (rc != ERR_OK)
		return rc;
	struct store_patient p;
	struct store_thread *rows;
	size_t count = 0;
	rc = patient_row(&g, patient, ar, &p);
	if (rc == ERR_GONE)
		return domain_gone(a, ACTION_MESSAGE_LIST, patient, rtype_thread, NULL);
	if (rc == ERR_OK)
		rc = unread_max ? store_threads_unread(&g, patient, unread_max, ar, &rows, &count)
				: store_threads_by_patient(&g, patient, ar, &rows, &count);
	if (rc != ERR_OK)
		return ERR_INTERNAL;
	*out = arena_calloc(ar, count ? count : 1, sizeof(**out));
	if (*out == NULL)
		return ERR_INTERNAL;
	size_t k = 0;
	for (size_t i = 0; i < count; i++) {
		if (!policy_thread_in_reach(a, &g, &rows[i].practice))
			continue;
		rc = thread_open(a, &g, &p, &rows[i], ar, &(*out)[k]);
		if (rc != ERR_OK)
			return rc;
		k++;
	}
	for (size_t i = 0; i < k; i++)
		if (domain_audit(a, ACTION_MESSAGE_LIST, patient, rtype_thread, &(*out)[i].id,
				 AUDIT_ALLOW, 0) != 0)
			return ERR_INTERNAL;
	if (k == 0 && unread_max == 0 &&
	    domain_audit(a, ACTION_MESSAGE_LIST, patient, rtype_thread, NULL, AUDIT_ALLOW, 0) != 0)
		return ERR_INTERNAL;
	*n = k;
	return ERR_OK;
}

enum err message_threads(const struct actor *a, const struct id *patient, struct arena *ar,
			 struct thread_view **out, size_t *n)
{
	return threads_of(a, patient, 0, ar, out, n);
}

enum err message_threads_unread(const struct actor *a, const struct id *patient, size_t max,
				struct arena *ar, struct thread_view **out, size_t *n)
{
	if (max == 0) {
		*n = 0;
		return ERR_OK;
	}
	return threads_of(a, patient, max, ar, out, n);
}

enum err message_thread_read(const struct actor *a, const struct id *thread, struct arena *ar,
			     struct thread_view *out)
{
	struct target t;
	struct id practice;
	struct grant g;
	int rc = thread_gate(a, ACTION_MESSAGE_READ, thread, rtype_thread, thread, &t, &practice, &g);
	if (rc != ERR_OK)
		return rc;
	struct store_patient p;
	struct store_thread row;
	struct store_message *msgs;
	size_t count;
	rc = patient_row(&g, &t.patient, ar, &p);
	if (rc == ERR_GONE)
		return domain_gone(a, ACTION_MESSAGE_READ, &t.patient, rtype_thread, thread);
	if (rc != ERR_OK || store_thread_get(&g, thread, ar, &row) != ERR_OK ||
	    store_thread_messages(&g, thread, ar, &msgs, &count) != ERR_OK)
		return ERR_INTERNAL;
	rc = thread_open(a, &g, &p, &row, ar, out);
	if (rc != ERR_OK)
		return rc;
	out->messages = arena_calloc(ar, count ? count : 1, sizeof(*out->messages));
	if (out->messages == NULL)
		return ERR_INTERNAL;
	for (size_t i = 0; i < count; i++) {
		rc = message_open(a, &g, &p, &msgs[i], ar, &out->messages[i]);
		if (rc != ERR_OK)
			return rc;
	}
	out->n = count;
	/* No audit, no access: the thread and each message served are on record. */
	if (domain_audit(a, ACTION_MESSAGE_READ, &t.patient, rtype_thread, thread, AUDIT_ALLOW, 0) != 0)
		return ERR_INTERNAL;
	for (size_t i = 0; i < count; i++)
		if (domain_audit(a, ACTION_MESSAGE_READ, &t.patient, rtype_message, &msgs[i].id,
				 AUDIT_ALLOW, 0) != 0)
			return ERR_INTERNAL;
	/* An app reading for the patient has not shown them the messages: they stay unread. */
	if (out->unread > 0 && g.via != VIA_APP &&
	    store_thread_mark_read(&g, thread, g.via == VIA_STAFF) != ERR_OK)
		log_warn("component=messages event=mark-read-failed");
	return ERR_OK;
}

enum err message_list(const struct actor *a, const struct id *patient, struct arena *ar,
		      struct message_view **out, size_t *n)
{
	return message_search(a, patient, NULL, ar, out, n, NULL);
}

enum err message_search(const struct actor *a, const struct id *patient,
			const struct store_page *pg, struct arena *ar, struct message_view **out,
			size_t *n, struct page_info *info)
{
	*n = 0;
	struct grant g;
	int rc = domain_gate(a, ACTION_MESSAGE_LIST, patient, rtype_message, NULL, &g);
	if (rc != ERR_OK)
		return rc;
	struct store_patient p;
	struct store_thread *threads;
	struct store_message *msgs;
	size_t nt, count;
	rc = patient_row(&g, patient, ar, &p);
	if (rc == ERR_GONE)
		return domain_gone(a, ACTION_MESSAGE_LIST, patient, rtype_message, NULL);
	/* Staff reach their own practice's threads only: the page and its total are of those. */
	struct id practice;
	int threads_in_reach = policy_thread_reach(a, &g, &practice);
	struct store_page ask;
	if (rc != ERR_OK)
		return ERR_INTERNAL;
	if (threads_in_reach < 0) /* none: a practice id no thread has (ids are random) */
		memset(&practice, 0, sizeof(practice));
	const struct id *only = threads_in_reach != 0 ? &practice : NULL;
	domain_page_begin(pg, &ask, info);
	if ((info && info->want_total &&
	     store_messages_count(&g, patient, only, &ask, &info->total) != ERR_OK) ||
	    store_threads_by_patient(&g, patient, ar, &threads, &nt) != ERR_OK ||
	    store_messages_by_patient(&g, patient, only, &ask, ar, &msgs, &count) != ERR_OK)
		return ERR_INTERNAL;
	count = domain_page_end(&ask, count, info);
	*out = arena_calloc(ar, count ? count : 1, sizeof(**out));
	if (*out == NULL)
		return ERR_INTERNAL;
	size_t k = 0;
	for (size_t i = 0; i < count; i++) {
		bool reach = false;
		for (size_t j = 0; j < nt && !reach; j++)
			reach = id_eq(&threads[j].id, &msgs[i].thread) &&
				policy_thread_in_reach(a, &g, &threads[j].practice);
		if (!reach)
			continue;
		rc = message_open(a, &g, &p, &msgs[i], ar, &(*out)[k]);
		if (rc != ERR_OK)
			return rc;
		/* the subject and practice of its thread: opened once per thread */
		struct message_view *v = &(*out)[k];
		for (size_t j = 0; j < k && v->subject == NULL; j++)
			if (id_eq(&(*out)[j].thread, &msgs[i].thread)) {
				v->subject = (*out)[j].subject;
				v->practice_name = (*out)[j].practice_name;
			}
		for (size_t j = 0; j < nt && v->subject == NULL; j++) {
			if (!id_eq(&threads[j].id, &msgs[i].thread))
				continue;
			store_practice_name(&threads[j].practice, ar, &v->practice_name);
			rc = open_subject(a, &g, &p, &threads[j].id, threads[j].subject, ar, &v->subject);
			if (rc != ERR_OK)
				return rc;
		}
		k++;
	}
	for (size_t i = 0; i < k; i++)
		if (domain_audit(a, ACTION_MESSAGE_LIST, patient, rtype_message, &(*out)[i].id,
				 AUDIT_ALLOW, 0) != 0)
			return ERR_INTERNAL;
	if (k == 0 && domain_audit(a, ACTION_MESSAGE_LIST, patient, rtype_message, NULL, AUDIT_ALLOW, 0) != 0)
		return ERR_INTERNAL;
	*n = k;
	return ERR_OK;
}

enum err message_read(const struct actor *a, const struct id *message, struct arena *ar,
		      struct message_view *out)
{
	struct target t;
	struct id thread, practice;
	struct grant g;
	int s = store_message_target(message, &t, &thread, &practice);
	if (s == ERR_INTERNAL)
		return ERR_INTERNAL;
	if (s == ERR_NOT_FOUND)
		return domain_miss(a, ACTION_MESSAGE_READ, NULL, rtype_message, message, AUDIT_NOT_FOUND);
	int rc = domain_gate_target(a, ACTION_MESSAGE_READ, &t, rtype_message, message, &g);
	if (rc != ERR_OK)
		return rc;
	if (!policy_thread_in_reach(a, &g, &practice))
		return domain_miss(a, ACTION_MESSAGE_READ, &t.patient, rtype_message, message, AUDIT_DENY);
	struct store_patient p;
	struct store_message row;
	rc = patient_row(&g, &t.patient, ar, &p);
	if (rc == ERR_GONE)
		return domain_gone(a, ACTION_MESSAGE_READ, &t.patient, rtype_message, message);
	struct store_thread th;
	if (rc != ERR_OK || store_message_get(&g, message, ar, &row) != ERR_OK ||
	    store_thread_get(&g, &thread, ar, &th) != ERR_OK)
		return ERR_INTERNAL;
	rc = message_open(a, &g, &p, &row, ar, out);
	if (rc == ERR_OK)
		rc = open_subject(a, &g, &p, &thread, th.subject, ar, &out->subject);
	store_practice_name(&th.practice, ar, &out->practice_name);
	if (rc != ERR_OK)
		return rc;
	if (domain_audit(a, ACTION_MESSAGE_READ, &t.patient, rtype_message, message, AUDIT_ALLOW, 0) != 0)
		return ERR_INTERNAL;
	return ERR_OK;
}

/* Text a person typed: not empty, within max bytes, valid UTF-8 (checked by jansson when it is
 * sealed), no control characters but line breaks and tabs when multiline. */
static bool typed_text_ok(const char *s, size_t max, bool multiline)
{
	if (s == NULL)
		return false;
	size_t n = strlen(s);
	bool any = false;
	if (n == 0 || n > max)
		return false;
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c < 0x20 && !(multiline && (c == '\n' || c == '\r' || c == '\t')))
			return false;
		if (c == 0x7f)
			return false;
		any |= c > 0x20;
	}
	return any;
}

/* Seal a JSON object as one message record of p. */
static enum err seal_json(const struct actor *a, const struct grant *g, const struct store_patient *p,
			  const struct id *record, json_t *o, struct arena *ar, struct bytes *out)
{
	char *s = o ? json_dumps(o, JSON_COMPACT) : NULL;
	if (s == NULL)
		return ERR_INVALID; /* jansson refuses text that is not UTF-8 */
	size_t len = strlen(s);
	struct buf ct;
	buf_init(&ct, ar, RECORD_PLAINTEXT_MAX + LIMIT_SEAL_OVERHEAD_MARGIN);
	int v = len <= RECORD_PLAINTEXT_MAX ? vault_record_seal(a->token, g, p, VREC_MESSAGE, record, s, len, &ct)
					     : ERR_DENIED;
	wipe(s, len);
	free(s);
	if (v != ERR_OK)
		return domain_vault_failed(a, v);
	*out = (struct bytes){(const uint8_t *)ct.data, ct.len};
	return ERR_OK;
}

/* Tell the patient (and proxies who chose so) that the practice wrote: who, not what. */
static void notify_patient(const struct actor *a, const struct id *patient, const struct id *practice,
			   struct arena *ar)
{
	struct notify_event e = {.kind = NOTIFY_MESSAGES, .patient = *patient, .practice = *practice,
				 .subject = TEXT_MAIL_MESSAGE_SUBJECT, .line = TEXT_MAIL_MESSAGE_LINE,
				 .args = {notify_practice_name(practice, ar)}};
	notify_record(a, &e);
}

/* Valid UTF-8 (what jansson, and so the sealed record, accepts). */
static bool utf8_ok(const char *s)
{
	json_t *t = json_string(s);
	json_decref(t);
	return t != NULL;
}

/* Validate what a person wrote before anything is looked up or stored. */
static const char *check_new(const struct message_new *m)
{
	if (!m->reply && !typed_text_ok(m->subject, LIMIT_MESSAGE_SUBJECT, false))
		return "Give your message a subject (up to 150 characters).";
	if (!typed_text_ok(m->text, LIMIT_MESSAGE_BODY, true))
		return "Write a message (up to 5000 characters).";
	if ((!m->reply && !utf8_ok(m->subject)) || !utf8_ok(m->text) ||
	    (m->file_len > 0 && m->file_name != NULL && !utf8_ok(m->file_name)))
		return "Your message contains characters that cannot be sent.";
	if (m->file_len > LIMIT_MESSAGE_ATTACHMENT_BYTES)
		return "An attachment can be at most 10 MB.";
	if (m->file_len > 0 && (m->file_name == NULL || m->file_name[0] == '\0'))
		return "The attachment needs a file name.";
	return NULL;
}

/* Store the attachment as a document of the patient; its id in *doc. */
static enum err attach(const struct actor *a, const struct id *patient, const struct message_new *m,
		       struct arena *ar, struct id *doc, const char **why)
{
	struct document_new d = {.patient = *patient,
				 /* patients (and proxies) upload; staff publish a letter */
				 .kind = policy_may_create_kind(a, true) ? DOC_PATIENT_UPLOAD
									 : DOC_CLINICAL_LETTER,
				 .title = m->file_name,
				 .filename = m->file_name,
				 .declared_type = m->file_type,
				 .data = m->file,
				 .data_len = m->file_len};
	struct document_view v;
	int rc = document_create(a, &d, ar, &v, why);
	if (rc == ERR_NOT_FOUND || rc == ERR_OUT_OF_SCOPE) {
		/* allowed to message, but not to add documents (a proxy without that scope) */
		*why = "Your access to this record does not include documents, so you cannot attach "
		       "files. Send the message without one.";
		return ERR_INVALID;
	}
	if (rc == ERR_OK)
		*doc = v.id;
	return rc;
}

enum err message_send(const struct actor *a, const struct message_new *m, struct arena *ar,
		      struct id *thread_out, struct id *message_out, const char **why)
{
	*why = check_new(m);
	if (*why != NULL)
		return ERR_INVALID;
	struct target t;
	struct id practice;
	struct grant g;
	int rc;
	struct id thread = m->thread;
	if (m->reply && m->by_message) {
		/* a reply to one message goes into its thread */
		int s = store_message_target(&m->message, &t, &thread, &practice);
		if (s == ERR_INTERNAL)
			return ERR_INTERNAL;
		if (s == ERR_NOT_FOUND)
			return domain_miss(a, ACTION_MESSAGE_SEND, NULL, rtype_message, &m->message,
					   AUDIT_NOT_FOUND);
	}
	if (m->reply) {
		rc = thread_gate(a, ACTION_MESSAGE_SEND, &thread, rtype_message, NULL, &t, &practice, &g);
	} else {
		if (store_patient_target(&m->patient, &t) == ERR_INTERNAL)
			return ERR_INTERNAL;
		rc = domain_gate_target(a, ACTION_MESSAGE_SEND, &t, rtype_thread, NULL, &g);
		/* Staff write for their own practice; a patient to the practice they are enrolled
		 * with (the first, when several). */
		if (rc == ERR_OK && g.via == VIA_STAFF)
			practice = a->practice;
		else if (rc == ERR_OK && t.n_practices > 0)
			practice = t.practices[0];
		else if (rc == ERR_OK) {
			*why = "This record is not enrolled with a practice, so there is no one to message.";
			return ERR_INVALID;
		}
	}
	if (rc != ERR_OK)
		return rc;
	const struct id *patient = &t.patient;
	struct store_patient p;
	rc = patient_row(&g, patient, ar, &p);
	if (rc == ERR_GONE)
		return domain_gone(a, ACTION_MESSAGE_SEND, patient, rtype_message, NULL);
	if (rc != ERR_OK)
		return rc;

	struct store_message msg;
	memset(&msg, 0, sizeof(msg));
	random_id(&msg.id);
	msg.patient = *patient;
	msg.author = a->account;
	msg.from_practice = g.via == VIA_STAFF;
	msg.created = (int64_t)time(NULL);
	struct store_thread th;
	memset(&th, 0, sizeof(th));
	if (m->reply)
		msg.thread = thread;
	else
		random_id(&msg.thread);
	if (m->file_len > 0) {
		rc = attach(a, patient, m, ar, &msg.attachment, why);
		if (rc != ERR_OK)
			return rc;
		msg.has_attachment = true;
	}
	json_t *o = json_pack("{s:s}", "text", m->text);
	if (o != NULL && msg.has_attachment) {
		json_object_set_new(o, "file", json_string(m->file_name));
		json_object_set_new(o, "type", json_string(document_sniff_type(m->file, m->file_len)));
		json_object_set_new(o, "size", json_integer((json_int_t)m->file_len));
	}
	rc = seal_json(a, &g, &p, &msg.id, o, ar, &msg.body);
	json_decref(o);
	if (rc == ERR_OK && !m->reply) {
		th.id = msg.thread;
		th.patient = *patient;
		th.practice = practice;
		th.created = th.updated = msg.created;
		json_t *subject = json_pack("{s:s}", "subject", m->subject);
		rc = seal_json(a, &g, &p, &th.id, subject, ar, &th.subject);
		json_decref(subject);
	}
	if (rc == ERR_INVALID)
		*why = "Your message contains characters that cannot be sent.";
	if (rc != ERR_OK)
		return rc;
	/* A write's record is durable before the write. */
	if (domain_audit(a, ACTION_MESSAGE_SEND, patient, rtype_message, &msg.id, AUDIT_ALLOW,
			 (int64_t)msg.body.len) != 0)
		return ERR_INTERNAL;
	int s = m->reply ? store_message_insert(&g, &msg) : store_thread_insert(&g, &th, &msg);
	if (s != ERR_OK)
		return ERR_INTERNAL;
	/* what was sent is no draft any more (a new message's draft is kept under the zero id) */
	struct id no_thread = {{0}};
	if (store_draft_delete(&g, &a->account, m->reply ? &thread : &no_thread) != ERR_OK)
		log_warn("component=messages event=draft-delete-failed");
	if (msg.from_practice && !m->no_email)
		notify_patient(a, patient, &practice, ar);
	else if (!msg.from_practice)
		notify_staff_messages(a, &practice);
	*thread_out = msg.thread;
	*message_out = msg.id;
	return ERR_OK;
}

enum err message_inbox(const struct actor *a, bool mine, struct arena *ar, struct thread_view **out,
		       size_t *n, int64_t *unread_threads)
{
	*n = 0;
	*unread_threads = 0;
	bool ok = policy_may_view_inbox(a);
	if (!ok) {
		struct audit_event e = {.actor = a, .action = "message.inbox", .rtype = rtype_thread,
					.outcome = AUDIT_DENY, .deferrable = true};
		return audit_append(&e) == 0 ? ERR_NOT_FOUND : ERR_INTERNAL;
	}
	struct store_thread *rows;
	size_t count;
	if (store_practice_threads(&a->practice, mine ? &a->account : NULL, LIMIT_INBOX_THREADS, ar,
				   &rows, &count) != ERR_OK ||
	    store_practice_unread(&a->practice, unread_threads) != ERR_OK)
		return ERR_INTERNAL;
	*out = arena_calloc(ar, count ? count : 1, sizeof(**out));
	if (*out == NULL)
		return ERR_INTERNAL;
	for (size_t i = 0; i < count; i++) {
		/* Each thread's patient goes through the gate: one who left the practice drops out
		 * of the inbox (audited, not counted as a miss: nobody asked for them). */
		struct target t;
		struct grant g;
		if (store_patient_target(&rows[i].patient, &t) != ERR_OK)
			return ERR_INTERNAL;
		t.proxy_scopes = 0;
		if (policy_decide(a, ACTION_MESSAGE_LIST, &t, &g) != 0 ||
		    !policy_thread_in_reach(a, &g, &rows[i].practice)) {
			if (domain_audit(a, ACTION_MESSAGE_LIST, &rows[i].patient, rtype_thread,
					 &rows[i].id, AUDIT_DENY, 0) != 0)
				return ERR_INTERNAL;
			continue;
		}
		struct store_patient p;
		struct store_thread full;
		int rc = patient_row(&g, &rows[i].patient, ar, &p);
		if (rc == ERR_GONE)
			continue;
		if (rc != ERR_OK || store_thread_get(&g, &rows[i].id, ar, &full) != ERR_OK)
			return ERR_INTERNAL;
		struct thread_view *v = &(*out)[*n];
		rc = thread_open(a, &g, &p, &full, ar, v);
		if (rc != ERR_OK)
			return rc;
		struct patient_view pv;
		rc = patient_read(a, &rows[i].patient, ar, &pv);
		if (rc == ERR_OK)
			v->patient_name = arena_printf(ar, "%s, %s", pv.family, pv.given);
		else if (rc != ERR_GONE)
			return rc;
		if (domain_audit(a, ACTION_MESSAGE_LIST, &rows[i].patient, rtype_thread, &rows[i].id,
				 AUDIT_ALLOW, 0) != 0)
			return ERR_INTERNAL;
		(*n)++;
	}
	if (count == 0) {
		struct audit_event e = {.actor = a, .action = "message.inbox", .rtype = rtype_thread,
					.outcome = AUDIT_ALLOW, .deferrable = true};
		if (audit_append(&e) != 0)
			return ERR_INTERNAL;
	}
	return ERR_OK;
}

int64_t message_inbox_unread(const struct actor *a)
{
	int64_t n = 0;
	if (!policy_may_view_inbox(a) || store_practice_unread(&a->practice, &n) != ERR_OK)
		return 0;
	return n;
}

/* --- assigning a thread to a colleague --- */

enum err message_colleagues(const struct actor *a, struct arena *ar, struct colleague **out, size_t *n)
{
	*n = 0;
	if (!policy_may_view_inbox(a))
		return ERR_NOT_FOUND;
	struct store_staff *staff = NULL;
	size_t count = 0;
	if (store_practice_clinicians(&a->practice, ar, &staff, &count) != ERR_OK)
		return ERR_INTERNAL;
	*out = arena_calloc(ar, count ? count : 1, sizeof(**out));
	if (*out == NULL)
		return ERR_INTERNAL;
	for (size_t i = 0; i < count; i++)
		(*out)[(*n)++] = (struct colleague){.account = staff[i].account, .name = staff[i].name};
	return ERR_OK;
}

enum err message_assign(const struct actor *a, const struct id *thread, const struct id *to,
			const char **why)
{
	*why = NULL;
	/* Staff of a practice with an inbox only; anyone else is told what a random id is. */
	if (!policy_may_view_inbox(a)) {
		struct audit_event e = {.actor = a, .action = "message.assign", .rtype = rtype_thread,
					.rid = thread, .outcome = AUDIT_DENY, .deferrable = true};
		return audit_append(&e) == 0 ? ERR_NOT_FOUND : ERR_INTERNAL;
	}
	struct target t;
	struct id practice;
	struct grant g;
	int rc = thread_gate(a, ACTION_MESSAGE_SEND, thread, rtype_thread, thread, &t, &practice, &g);
	if (rc != ERR_OK)
		return rc;
	bool colleague = false;
	if (to && (store_clinician_of(to, &practice, &colleague) != ERR_OK || !colleague)) {
		*why = "Choose a clinician of the practice.";
		return ERR_INVALID;
	}
	struct audit_event e = {.actor = a, .action = "message.assign", .patient = &t.patient,
				.rtype = rtype_thread, .rid = thread, .outcome = AUDIT_ALLOW,
				.via = grant_via_name(g.via), .deferrable = false};
	if (audit_append(&e) != 0)
		return ERR_INTERNAL;
	return store_thread_assign(&g, thread, &practice, to) == ERR_OK ? ERR_OK : ERR_INTERNAL;
}

/* --- drafts --- */

/* The gate for a draft's form: a reply's thread (in reach, as for sending), or a new message
 * to m->patient. *key: the thread, or the zero id for a new message. */
static enum err draft_gate(const struct actor *a, const struct message_new *m, struct id *key,
			   struct target *t, struct grant *g)
{
	struct id practice;
	if (m->reply) {
		*key = m->thread;
		return thread_gate(a, ACTION_MESSAGE_SEND, &m->thread, rtype_draft, NULL, t, &practice, g);
	}
	memset(key, 0, sizeof(*key));
	if (store_patient_target(&m->patient, t) == ERR_INTERNAL)
		return ERR_INTERNAL;
	return domain_gate_target(a, ACTION_MESSAGE_SEND, t, rtype_draft, NULL, g);
}

enum err message_draft_read(const struct actor *a, const struct message_new *m, struct arena *ar,
			    struct message_draft *out)
{
	memset(out, 0, sizeof(*out));
	struct target t;
	struct grant g;
	struct id key;
	int rc = draft_gate(a, m, &key, &t, &g);
	if (rc != ERR_OK)
		return rc;
	struct store_draft d;
	rc = store_draft_get(&g, &a->account, &key, ar, &d);
	if (rc == ERR_NOT_FOUND)
		return ERR_OK; /* nothing kept: nothing served */
	if (rc != ERR_OK)
		return ERR_INTERNAL;
	struct store_patient p;
	rc = patient_row(&g, &t.patient, ar, &p);
	if (rc == ERR_GONE)
		return domain_gone(a, ACTION_MESSAGE_READ, &t.patient, rtype_draft, &d.id);
	const char *json = NULL;
	if (rc == ERR_OK)
		rc = open_text(a, &g, &p, &d.id, d.body, ar, &json);
	if (rc != ERR_OK)
		return rc;
	json_t *o = json_loads(json, 0, NULL);
	out->subject = domain_json_str(o, "subject", ar);
	out->text = domain_json_str(o, "text", ar);
	json_decref(o);
	if (out->subject == NULL || out->text == NULL)
		return ERR_INTERNAL;
	out->updated = d.updated;
	out->found = true;
	if (domain_audit(a, ACTION_MESSAGE_READ, &t.patient, rtype_draft, &d.id, AUDIT_ALLOW,
			 (int64_t)d.body.len) != 0)
		return ERR_INTERNAL;
	return ERR_OK;
}

/* Draft text: may be empty; otherwise as typed_text_ok and valid UTF-8. */
static bool draft_text_ok(const char *s, size_t max, bool multiline)
{
	return s != NULL && (s[0] == '\0' || (typed_text_ok(s, max, multiline) && utf8_ok(s)));
}

enum err message_draft_save(const struct actor *a, const struct message_new *m, struct arena *ar,
			    const char **why)
{
	const char *subject = m->reply || m->subject == NULL ? "" : m->subject;
	const char *text = m->text ? m->text : "";
	*why = NULL;
	if (!draft_text_ok(subject, LIMIT_MESSAGE_SUBJECT, false) ||
	    !draft_text_ok(text, LIMIT_MESSAGE_BODY, true)) {
		*why = "The draft could not be kept: a subject is up to 150 characters, a message up "
		       "to 5000, in ordinary characters.";
		return ERR_INVALID;
	}
	struct target t;
	struct grant g;
	struct store_draft d;
	memset(&d, 0, sizeof(d));
	int rc = draft_gate(a, m, &d.thread, &t, &g);
	if (rc != ERR_OK)
		return rc;
	if (subject[0] == '\0' && text[0] == '\0')
		return store_draft_delete(&g, &a->account, &d.thread) == ERR_OK ? ERR_OK : ERR_INTERNAL;
	struct store_patient p;
	rc = patient_row(&g, &t.patient, ar, &p);
	if (rc == ERR_GONE)
		return domain_gone(a, ACTION_MESSAGE_SEND, &t.patient, rtype_draft, NULL);
	if (rc != ERR_OK)
		return rc;
	random_id(&d.id);
	d.author = a->account;
	d.patient = t.patient;
	d.updated = (int64_t)time(NULL);
	json_t *o = json_pack("{s:s, s:s}", "subject", subject, "text", text);
	rc = seal_json(a, &g, &p, &d.id, o, ar, &d.body);
	json_decref(o);
	if (rc != ERR_OK)
		return rc;
	/* A write's record is durable before the write. */
	if (domain_audit(a, ACTION_MESSAGE_SEND, &t.patient, rtype_draft, &d.id, AUDIT_ALLOW,
			 (int64_t)d.body.len) != 0)
		return ERR_INTERNAL;
	return store_draft_put(&g, &d) == ERR_OK ? ERR_OK : ERR_INTERNAL;
}
