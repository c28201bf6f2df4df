/*
 * Secure messages between a patient and their practice. A thread has a subject and messages,
 * each with its author, time and at most one attachment (a document of the patient, made with
 * document_create). Subjects and bodies are sealed with the patient's key (VREC_MESSAGE).
 * Each side (the patient with their proxies, the practice) has its own unread count.
 *
 * Every function asks the gate for the thread's patient and audits what it served, one
 * record per thread or message; a thread outside the actor's reach answers ERR_NOT_FOUND
 * exactly like one that does not exist.
 */
#ifndef MEDKEEP_MESSAGES_H
#define MEDKEEP_MESSAGES_H
#include "domain/domain.h"

enum message_author_kind {
	AUTHOR_PATIENT,   /* the patient themselves */
	AUTHOR_PROXY,     /* someone acting for them */
	AUTHOR_PRACTICE,  /* staff of the thread's practice */
};

struct message_view {
	struct id id;
	struct id thread;
	struct id patient;
	struct id author;
	struct id first; /* the thread's first message (itself, when it is the first) */
	const char *subject; /* the thread's (message_list and message_read only) */
	const char *practice_name; /* the thread's practice (message_list and message_read only) */
	enum message_author_kind author_kind;
	bool mine; /* written by the actor reading it */
	int64_t created;
	const char *text;
	bool has_attachment;
	struct id attachment; /* a document id */
	const char *attachment_name;
	const char *attachment_type;
	int64_t attachment_size;
};

struct thread_view {
	struct id id;
	struct id patient;
	struct id practice;
	const char *practice_name;
	const char *patient_name; /* "Family, Given": staff's inbox only */
	const char *subject;
	int64_t created;
	int64_t updated;
	int n_messages;
	int unread;       /* unread by the actor's side */
	int other_unread; /* written by the actor's side, not yet read by the other */
	bool assigned;             /* staff: assigned to a clinician of the practice */
	struct id assigned_to;
	const char *assigned_name; /* staff only: their name */
	struct message_view *messages; /* message_thread_read only, oldest first */
	size_t n;
};

struct message_new {
	/* a new thread: patient and subject; a reply: thread, or any message of it (by_message) */
	bool reply;
	bool by_message;
	struct id patient;
	struct id thread;
	struct id message;
	const char *subject;
	const char *text;
	/* optional attachment (PDF, PNG or JPEG, checked by its bytes) */
	const char *file_name;
	const char *file_type; /* declared; may be NULL */
	const uint8_t *file;
	size_t file_len;
	/* queue no email to the patient (demo data: its addresses are invented) */
	bool no_email;
};

/* A patient's threads, newest first (message.list). */
enum err message_threads(const struct actor *a, const struct id *patient, struct arena *ar,
			 struct thread_view **out, size_t *n);
/* One thread with its messages (message.read); marks it read for the actor's side. */
enum err message_thread_read(const struct actor *a, const struct id *thread, struct arena *ar,
			     struct thread_view *out);
/* A patient's messages across threads, newest first (message.list; FHIR search). */
enum err message_list(const struct actor *a, const struct id *patient, struct arena *ar,
		      struct message_view **out, size_t *n);
/* A page of them (pg NULL: the newest LIMIT_LIST; domain.h, document_search): staff see their
 * own practice's threads only, in the page and in its total. info may be NULL. */
enum err message_search(const struct actor *a, const struct id *patient,
			const struct store_page *pg, struct arena *ar, struct message_view **out,
			size_t *n, struct page_info *info);
/* One message (message.read; FHIR read). */
enum err message_read(const struct actor *a, const struct id *message, struct arena *ar,
		      struct message_view *out);
/* Start a thread or reply in one (message.send). On success *thread and *message name what
 * was written. ERR_INVALID with *why for the user. A reply from the practice queues an
 * email to the patient that carries no content. */
enum err message_send(const struct actor *a, const struct message_new *m, struct arena *ar,
		      struct id *thread, struct id *message, const char **why);

/* The home page (home.h): the patient's threads with messages their side has not read, newest
 * first, at most max (message.list; each thread served audited), and *unread the number of
 * such messages in all. */
enum err message_threads_unread(const struct actor *a, const struct id *patient, size_t max,
				struct arena *ar, struct thread_view **out, size_t *n);
/*
 * Drafts: what the actor was writing, kept until sent (docs/internals/MESSAGES.md). m names
 * the form: a reply (m->reply, m->thread) or a new message to m->patient; subject is used for
 * a new message only. Gate message.send on the patient; each draft read or written is
 * audited ("MessageDraft"); another person's draft is never found.
 */
struct message_draft {
	bool found;
	const char *subject; /* "" when none */
	const char *text;
	int64_t updated;
};
/* The actor's draft for this form (out->found false when there is none). */
enum err message_draft_read(const struct actor *a, const struct message_new *m, struct arena *ar,
			    struct message_draft *out);
/* Keep m->subject and m->text as the actor's draft for this form; both empty deletes it.
 * ERR_INVALID with *why for the user. */
enum err message_draft_save(const struct actor *a, const struct message_new *m, struct arena *ar,
			    const char **why);

/* Staff: their practice's threads, unread first (at most LIMIT_INBOX_THREADS), each through
 * the gate; mine: only those assigned to the actor. *unread_threads counts all threads with
 * unread messages. */
enum err message_inbox(const struct actor *a, bool mine, struct arena *ar, struct thread_view **out,
		       size_t *n, int64_t *unread_threads);
/* Staff: the clinicians of their practice, to assign a thread to. */
struct colleague {
	struct id account;
	const char *name;
};
enum err message_colleagues(const struct actor *a, struct arena *ar, struct colleague **out, size_t *n);
/* Staff: assign a thread of their practice to a clinician of it (to NULL: nobody). Audited
 * "message.assign"; not found for anyone else, or a thread not theirs; ERR_INVALID with *why
 * when `to` is not a clinician of the thread's practice. */
enum err message_assign(const struct actor *a, const struct id *thread, const struct id *to,
			const char **why);
/* Staff: how many of their practice's threads have unread messages (0 for anyone who may not
 * see the inbox). Counts only: no patient data, not audited. */
int64_t message_inbox_unread(const struct actor *a);

#endif
