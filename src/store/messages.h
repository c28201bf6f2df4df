/*
 * Secure messages in the store: threads between a patient and one practice, and their
 * messages. Subjects and bodies are sealed by the vault with the patient's key
 * (VREC_MESSAGE); the store keeps only ids, times, counts and ciphertext.
 *
 * Patient-scoped functions take a grant and return ERR_DENIED unless it is for the row's
 * patient and the action named. The unscoped ones (targets, a practice's inbox) return ids and
 * counts only, for the policy gate and for staff's inbox (each thread then goes through the
 * gate on its own).
 */
#ifndef MEDKEEP_STORE_MESSAGES_H
#define MEDKEEP_STORE_MESSAGES_H
#include "store/store.h"

struct store_thread {
	struct id id;
	struct id patient;
	struct id practice;
	int64_t created;
	int64_t updated; /* time of the newest message */
	struct bytes subject; /* sealed */
	int patient_unread;   /* messages from the practice the patient side has not read */
	int practice_unread;  /* messages from the patient side the practice has not read */
	int n_messages;
	bool assigned;         /* assigned to a clinician of the practice */
	struct id assigned_to; /* their account, when assigned */
};

struct store_message {
	struct id id;
	struct id thread;
	struct id patient;
	struct id author; /* account */
	bool from_practice;
	int64_t created;
	struct bytes body; /* sealed */
	bool has_attachment;
	struct id attachment; /* a document of the patient */
	struct id first;      /* the thread's first message (when read back) */
};

/* Unscoped: the patient of a thread (with their enrolments, as store_patient_target) and the
 * thread's practice. ERR_NOT_FOUND when there is no such thread. */
enum err store_thread_target(const struct id *thread, struct target *out, struct id *practice);
/* Unscoped: the thread of a message, then as store_thread_target. */
enum err store_message_target(const struct id *message, struct target *out, struct id *thread,
			      struct id *practice);

/* A new thread with its first message, in one transaction (grant: message.send). */
enum err store_thread_insert(const struct grant *g, const struct store_thread *t,
			     const struct store_message *first);
/* A reply: the message, and the thread's counters (the other side's unread count goes up),
 * in one transaction (grant: message.send). */
enum err store_message_insert(const struct grant *g, const struct store_message *m);
/* One thread (grant: message.read or message.list for its patient). */
enum err store_thread_get(const struct grant *g, const struct id *thread, struct arena *a,
			  struct store_thread *out);
/* A thread's messages, oldest first (at most LIMIT_LIST; grant: message.read). */
enum err store_thread_messages(const struct grant *g, const struct id *thread, struct arena *a,
			       struct store_message **out, size_t *n);
/* A patient's threads, newest first (at most LIMIT_LIST; grant: message.list). */
enum err store_threads_by_patient(const struct grant *g, const struct id *patient, struct arena *a,
				  struct store_thread **out, size_t *n);
/* The home page: the patient's threads with messages their side has not read, newest first
 * (at most max), and how many such messages in all (grant: message.list). */
enum err store_threads_unread(const struct grant *g, const struct id *patient, size_t max,
			      struct arena *a, struct store_thread **out, size_t *n);
enum err store_unread_count(const struct grant *g, const struct id *patient, int64_t *messages);
/* A page of a patient's messages (pg NULL: the newest LIMIT_LIST; grant: message.list), only
 * those of threads with practice when it is not NULL. Date and last change are both `created`
 * (a message never changes); no codes. */
enum err store_messages_by_patient(const struct grant *g, const struct id *patient,
				   const struct id *practice, const struct store_page *pg,
				   struct arena *a, struct store_message **out, size_t *n);
/* How many of them pg's filters match (its cursor and limit aside). */
enum err store_messages_count(const struct grant *g, const struct id *patient,
			      const struct id *practice, const struct store_page *pg, int64_t *total);
/* One message (grant: message.read). */
enum err store_message_get(const struct grant *g, const struct id *message, struct arena *a,
			   struct store_message *out);
/* The practice side (or the patient side) has read the thread (grant: message.read). */
enum err store_thread_mark_read(const struct grant *g, const struct id *thread, bool practice_side);

/*
 * A draft of a message (docs/internals/MESSAGES.md, Drafts): one per author, patient and
 * thread (the zero id for the new-message form of that patient), its subject and text
 * sealed as one record (VREC_MESSAGE, record id = the draft's own id). Each takes a grant
 * for message.send on the patient; rows are found by their author as well, so nobody reads
 * another person's draft.
 */
struct store_draft {
	struct id id;
	struct id author;
	struct id patient;
	struct id thread; /* zero: the new-message form */
	int64_t updated;
	struct bytes body; /* sealed */
};
/* The draft of author on patient's thread (zero: new message). ERR_NOT_FOUND when none. */
enum err store_draft_get(const struct grant *g, const struct id *author, const struct id *thread,
			 struct arena *a, struct store_draft *out);
/* Write d (replacing the author's draft of the same patient and thread). */
enum err store_draft_put(const struct grant *g, const struct store_draft *d);
/* Delete the author's draft on that patient and thread (none: ERR_OK). */
enum err store_draft_delete(const struct grant *g, const struct id *author, const struct id *thread);

/* Unscoped: a practice's threads for its inbox, unread first then newest (ids, times, counts
 * and the assignee only; subject left empty), at most max; assignee: only the threads assigned
 * to that account (NULL: all). */
enum err store_practice_threads(const struct id *practice, const struct id *assignee, size_t max,
				struct arena *a, struct store_thread **out, size_t *n);
/* Assign a thread of the grant's patient held by practice to a clinician's account (NULL:
 * nobody). Needs message.send; ERR_NOT_FOUND when no such thread of that patient and practice. */
enum err store_thread_assign(const struct grant *g, const struct id *thread, const struct id *practice,
			     const struct id *assignee);
/* Unscoped: how many of a practice's threads have messages it has not read. */
enum err store_practice_unread(const struct id *practice, int64_t *threads);

#endif
