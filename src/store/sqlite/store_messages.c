/* Secure messages (src/store/messages.h): threads and their sealed messages. */
#include "store/messages.h"
#include "store/sqlite/store_int.h"

#include <string.h>

#include "limits.h"

static const char sql_thread_target[] =
	"SELECT patient_id, practice_id FROM message_thread WHERE id = ?";
static const char sql_message_thread[] = "SELECT thread_id FROM message WHERE id = ?";
static const char sql_thread_insert[] =
	"INSERT INTO message_thread (id, patient_id, practice_id, created, updated, subject,"
	" patient_unread, practice_unread, n_messages) VALUES (?, ?, ?, ?, ?, ?, ?, ?, 0)";
static const char sql_message_insert[] =
	"INSERT INTO message (id, thread_id, patient_id, author_id, from_practice, created, body,"
	" attachment_id) SELECT ?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8"
	" WHERE EXISTS (SELECT 1 FROM message_thread WHERE id = ?2 AND patient_id = ?3)";
static const char sql_thread_bump[] =
	"UPDATE message_thread SET n_messages = n_messages + 1, updated = max(updated, ?2),"
	" patient_unread = CASE WHEN ?3 <> 0 THEN patient_unread + 1 ELSE 0 END,"
	" practice_unread = CASE WHEN ?3 <> 0 THEN 0 ELSE practice_unread + 1 END"
	" WHERE id = ?1"; /* writing in a thread is having read it */
#define THREAD_COLS "id, patient_id, practice_id, created, updated, subject, patient_unread," \
		    " practice_unread, n_messages, assigned_to"
static const char sql_thread_get[] = "SELECT " THREAD_COLS " FROM message_thread WHERE id = ?";
static const char sql_threads_unread[] =
	"SELECT " THREAD_COLS " FROM message_thread WHERE patient_id = ? AND patient_unread > 0"
	" ORDER BY updated DESC, id LIMIT ?";
static const char sql_unread_count[] =
	"SELECT coalesce(sum(patient_unread), 0) FROM message_thread WHERE patient_id = ?";
static const char sql_threads_by_patient[] =
	"SELECT " THREAD_COLS " FROM message_thread WHERE patient_id = ? ORDER BY updated DESC, id LIMIT ?";
/* A practice's inbox holds the threads of patients still enrolled with it: one who left is not
 * theirs to see any more (the gate would refuse each, and the refusals would crowd the
 * patient's access log). */
#define STILL_ENROLLED "EXISTS (SELECT 1 FROM enrolment e WHERE e.patient_id = t.patient_id" \
		       " AND e.practice_id = t.practice_id)"
static const char sql_practice_threads[] =
	"SELECT id, patient_id, practice_id, created, updated, X'', patient_unread, practice_unread,"
	" n_messages, assigned_to FROM message_thread t WHERE practice_id = ?1 AND (CAST(?3 AS BLOB) IS NULL OR"
	" assigned_to = ?3) AND " STILL_ENROLLED
	" ORDER BY practice_unread > 0 DESC, updated DESC, id LIMIT ?2";
/* Only a thread of the grant's patient held by this practice. */
static const char sql_thread_assign[] =
	"UPDATE message_thread SET assigned_to = ?1 WHERE id = ?2 AND patient_id = ?3 AND practice_id = ?4";
static const char sql_practice_unread[] =
	"SELECT count(*) FROM message_thread t WHERE practice_id = ?1 AND practice_unread > 0 AND "
	STILL_ENROLLED;
/* the thread's first message (FHIR inResponseTo of every reply) comes along */
#define MESSAGE_COLS "id, thread_id, patient_id, author_id, from_practice, created, body, attachment_id," \
		     " (SELECT f.id FROM message f WHERE f.thread_id = message.thread_id" \
		     " ORDER BY f.created, f.rowid LIMIT 1) AS first_id"
static const char sql_thread_messages[] =
	"SELECT " MESSAGE_COLS " FROM message WHERE thread_id = ? ORDER BY created, rowid LIMIT ?";
/* ?2: only the threads of this practice (NULL: every thread). */
#define MESSAGES_OF_PATIENT                                                                        \
	" FROM message WHERE patient_id = ?1 AND (CAST(?2 AS BLOB) IS NULL OR thread_id IN"                      \
	" (SELECT t.id FROM message_thread t WHERE t.patient_id = ?1 AND t.practice_id = ?2))"
/* A message never changes once sent: its date is its last change. */
static const char *const sql_messages_page[4] =
	SQ_PAGE_SQL("SELECT " MESSAGE_COLS MESSAGES_OF_PATIENT, "created", "created", "NULL", "id");
static const char sql_messages_count[] =
	"SELECT count(*)" MESSAGES_OF_PATIENT SQ_PAGE_WHERE("created", "created", "NULL");
static const char sql_message_get[] = "SELECT " MESSAGE_COLS " FROM message WHERE id = ?";
static const char sql_mark_read_practice[] =
	"UPDATE message_thread SET practice_unread = 0 WHERE id = ? AND patient_id = ?";
static const char sql_mark_read_patient[] =
	"UPDATE message_thread SET patient_unread = 0 WHERE id = ? AND patient_id = ?";

static const char sql_erase_messages[] = "DELETE FROM message WHERE patient_id = ?";
static const char sql_erase_threads[] = "DELETE FROM message_thread WHERE patient_id = ?";
static const char sql_erase_drafts[] = "DELETE FROM message_draft WHERE patient_id = ?";
static const char sql_draft_get[] =
	"SELECT id, updated, body FROM message_draft WHERE author_id = ? AND patient_id = ? AND thread_id = ?";
static const char sql_draft_put[] =
	"INSERT INTO message_draft (id, author_id, patient_id, thread_id, updated, body)"
	" VALUES (?1, ?2, ?3, ?4, ?5, ?6) ON CONFLICT (author_id, patient_id, thread_id)"
	" DO UPDATE SET id = excluded.id, updated = excluded.updated, body = excluded.body";
static const char sql_draft_delete[] =
	"DELETE FROM message_draft WHERE author_id = ? AND patient_id = ? AND thread_id = ?";

enum err sq_store_thread_target(const struct id *thread, struct target *out, struct id *practice)
{
	memset(out, 0, sizeof(*out));
	struct db_stmt *s = sq_stmt(sql_thread_target);
	if (s == NULL)
		return ERR_INTERNAL;
	sq_bind_id(s, 1, thread);
	int rc = db_step(s);
	struct id patient;
	bool ok = rc == DB_ROW && sq_col_id(s, 0, &patient) && sq_col_id(s, 1, practice);
	db_reset(s);
	if (rc == DB_DONE)
		return ERR_NOT_FOUND;
	if (!ok)
		return sq_fail("thread_target");
	return sq_store_patient_target(&patient, out);
}

enum err sq_store_message_target(const struct id *message, struct target *out, struct id *thread,
			 struct id *practice)
{
	memset(out, 0, sizeof(*out));
	struct db_stmt *s = sq_stmt(sql_message_thread);
	if (s == NULL)
		return ERR_INTERNAL;
	sq_bind_id(s, 1, message);
	int rc = db_step(s);
	bool ok = rc == DB_ROW && sq_col_id(s, 0, thread);
	db_reset(s);
	if (rc == DB_DONE)
		return ERR_NOT_FOUND;
	if (!ok)
		return sq_fail("message_target");
	return sq_store_thread_target(thread, out, practice);
}

static enum err bind_and_insert_message(const struct store_message *m)
{
	struct db_stmt *s = sq_stmt(sql_message_insert);
	if (s == NULL)
		return ERR_INTERNAL;
	sq_bind_id(s, 1, &m->id);
	sq_bind_id(s, 2, &m->thread);
	sq_bind_id(s, 3, &m->patient);
	sq_bind_id(s, 4, &m->author);
	db_bind_int64(s, 5, m->from_practice ? 1 : 0);
	db_bind_int64(s, 6, m->created);
	db_bind_blob(s, 7, m->body.ptr, m->body.len);
	if (m->has_attachment)
		sq_bind_id(s, 8, &m->attachment);
	int rc = db_step(s);
	int changed = db_changes(s);
	db_reset(s);
	if (rc != DB_DONE)
		return sq_fail("message_insert");
	if (changed != 1)
		return ERR_NOT_FOUND; /* no such thread of this patient */
	s = sq_stmt(sql_thread_bump);
	if (s == NULL)
		return ERR_INTERNAL;
	sq_bind_id(s, 1, &m->thread);
	db_bind_int64(s, 2, m->created);
	db_bind_int64(s, 3, m->from_practice ? 1 : 0);
	return sq_step_done(s, "thread_bump");
}

/* Run body inside one transaction of medkeep.db; rolled back unless it returns ERR_OK. */
static enum err in_transaction(enum err (*body)(const void *ctx), const void *ctx)
{
	/* Inside a caller's transaction already (demo seeding, store_begin), a savepoint in it. */
	if (sq_begin(SQ_MAIN) != ERR_OK)
		return ERR_INTERNAL;
	int rc = body(ctx);
	if (rc == ERR_OK && sq_commit(SQ_MAIN) == ERR_OK)
		return ERR_OK;
	sq_rollback(SQ_MAIN);
	return rc == ERR_OK ? ERR_INTERNAL : rc;
}

struct thread_and_first {
	const struct store_thread *t;
	const struct store_message *first;
};

static enum err thread_insert_body(const void *ctx)
{
	const struct thread_and_first *x = ctx;
	struct db_stmt *s = sq_stmt(sql_thread_insert);
	if (s == NULL)
		return ERR_INTERNAL;
	sq_bind_id(s, 1, &x->t->id);
	sq_bind_id(s, 2, &x->t->patient);
	sq_bind_id(s, 3, &x->t->practice);
	db_bind_int64(s, 4, x->t->created);
	db_bind_int64(s, 5, x->t->updated);
	db_bind_blob(s, 6, x->t->subject.ptr, x->t->subject.len);
	db_bind_int64(s, 7, 0);
	db_bind_int64(s, 8, 0);
	if (sq_step_done(s, "thread_insert") != ERR_OK)
		return ERR_INTERNAL;
	return bind_and_insert_message(x->first);
}

enum err sq_store_thread_insert(const struct grant *g, const struct store_thread *t,
			const struct store_message *first)
{
	if (!grant_allows(g, &t->patient, ACTION_MESSAGE_SEND) || !id_eq(&first->patient, &t->patient) ||
	    !id_eq(&first->thread, &t->id))
		return ERR_DENIED;
	struct thread_and_first x = {t, first};
	return in_transaction(thread_insert_body, &x);
}

static enum err message_insert_body(const void *ctx)
{
	return bind_and_insert_message(ctx);
}

enum err sq_store_message_insert(const struct grant *g, const struct store_message *m)
{
	if (!grant_allows(g, &m->patient, ACTION_MESSAGE_SEND))
		return ERR_DENIED;
	return in_transaction(message_insert_body, m);
}

static bool thread_row(struct db_stmt *s, struct arena *a, struct store_thread *t)
{
	memset(t, 0, sizeof(*t));
	t->created = db_column_int64(s, 3);
	t->updated = db_column_int64(s, 4);
	t->patient_unread = db_column_int(s, 6);
	t->practice_unread = db_column_int(s, 7);
	t->n_messages = db_column_int(s, 8);
	t->assigned = sq_col_id(s, 9, &t->assigned_to); /* NULL: nobody */
	return sq_col_id(s, 0, &t->id) && sq_col_id(s, 1, &t->patient) &&
	       sq_col_id(s, 2, &t->practice) && sq_col_bytes(s, 5, a, &t->subject);
}

static bool message_row(struct db_stmt *s, struct arena *a, struct store_message *m)
{
	memset(m, 0, sizeof(*m));
	m->from_practice = db_column_int(s, 4) != 0;
	m->created = db_column_int64(s, 5);
	m->has_attachment = sq_col_id(s, 7, &m->attachment);
	sq_col_id(s, 8, &m->first);
	return sq_col_id(s, 0, &m->id) && sq_col_id(s, 1, &m->thread) &&
	       sq_col_id(s, 2, &m->patient) && sq_col_id(s, 3, &m->author) &&
	       sq_col_bytes(s, 6, a, &m->body);
}

/* A grant for the patient of a row that may read messages. */
static bool may_read(const struct grant *g, const struct id *patient)
{
	return grant_allows(g, patient, ACTION_MESSAGE_READ) ||
	       grant_allows(g, patient, ACTION_MESSAGE_LIST) ||
	       grant_allows(g, patient, ACTION_MESSAGE_SEND);
}

enum err sq_store_thread_get(const struct grant *g, const struct id *thread, struct arena *a,
		     struct store_thread *out)
{
	struct db_stmt *s = sq_stmt(sql_thread_get);
	if (s == NULL)
		return ERR_INTERNAL;
	sq_bind_id(s, 1, thread);
	int rc = db_step(s);
	int result = ERR_OK;
	if (rc == DB_DONE)
		result = ERR_NOT_FOUND;
	else if (rc != DB_ROW || !thread_row(s, a, out))
		result = sq_fail("thread_get");
	else if (!may_read(g, &out->patient)) {
		memset(out, 0, sizeof(*out));
		result = ERR_DENIED;
	}
	db_reset(s);
	return result;
}

/* One kind of row: how to read it, and whose it is. */
struct row_kind {
	size_t size;
	bool (*read)(struct db_stmt *s, struct arena *a, void *row);
	const struct id *(*patient)(const void *row);
	const char *what;
};

static bool thread_read(struct db_stmt *s, struct arena *a, void *row)
{
	return thread_row(s, a, row);
}

static const struct id *thread_patient(const void *row)
{
	return &((const struct store_thread *)row)->patient;
}

static bool message_read(struct db_stmt *s, struct arena *a, void *row)
{
	return message_row(s, a, row);
}

static const struct id *message_patient(const void *row)
{
	return &((const struct store_message *)row)->patient;
}

static const struct row_kind thread_kind = {sizeof(struct store_thread), thread_read, thread_patient,
					    "thread_row"};
static const struct row_kind message_kind = {sizeof(struct store_message), message_read,
					     message_patient, "message_row"};

/* Rows of a list query into *out (at most max), each checked against the grant (none: the
 * unscoped inbox, whose rows carry no sealed content). */
static enum err list_rows(struct db_stmt *s, const struct row_kind *k, const struct grant *g, size_t max,
			  struct arena *a, void **out, size_t *n)
{
	*n = 0;
	uint8_t *rows = arena_calloc(a, max ? max : 1, k->size);
	*out = rows;
	if (rows == NULL) {
		db_reset(s);
		return ERR_INTERNAL;
	}
	int result = ERR_OK;
	while (*n < max && db_step(s) == DB_ROW) {
		void *row = rows + *n * k->size;
		if (!k->read(s, a, row)) {
			result = sq_fail(k->what);
			break;
		}
		if (g != NULL && !may_read(g, k->patient(row))) {
			result = ERR_DENIED;
			break;
		}
		(*n)++;
	}
	db_reset(s);
	if (result != ERR_OK)
		*n = 0;
	return result;
}

static enum err thread_rows(struct db_stmt *s, const struct grant *g, size_t max, struct arena *a,
			    struct store_thread **out, size_t *n)
{
	void *rows = NULL;
	int rc = list_rows(s, &thread_kind, g, max, a, &rows, n);
	*out = rows;
	return rc;
}

static enum err message_rows(struct db_stmt *s, const struct grant *g, size_t max, struct arena *a,
			     struct store_message **out, size_t *n)
{
	void *rows = NULL;
	int rc = list_rows(s, &message_kind, g, max, a, &rows, n);
	*out = rows;
	return rc;
}

enum err sq_store_thread_messages(const struct grant *g, const struct id *thread, struct arena *a,
			  struct store_message **out, size_t *n)
{
	*n = 0;
	if (g == NULL)
		return ERR_DENIED;
	struct db_stmt *s = sq_stmt(sql_thread_messages);
	if (s == NULL)
		return ERR_INTERNAL;
	sq_bind_id(s, 1, thread);
	db_bind_int64(s, 2, LIMIT_LIST);
	return message_rows(s, g, LIMIT_LIST, a, out, n);
}

enum err sq_store_threads_by_patient(const struct grant *g, const struct id *patient, struct arena *a,
			     struct store_thread **out, size_t *n)
{
	*n = 0;
	if (!grant_allows(g, patient, ACTION_MESSAGE_LIST))
		return ERR_DENIED;
	struct db_stmt *s = sq_stmt(sql_threads_by_patient);
	if (s == NULL)
		return ERR_INTERNAL;
	sq_bind_id(s, 1, patient);
	db_bind_int64(s, 2, LIMIT_LIST);
	return thread_rows(s, g, LIMIT_LIST, a, out, n);
}

enum err sq_store_threads_unread(const struct grant *g, const struct id *patient, size_t max,
				 struct arena *a, struct store_thread **out, size_t *n)
{
	*n = 0;
	if (!grant_allows(g, patient, ACTION_MESSAGE_LIST))
		return ERR_DENIED;
	struct db_stmt *s = sq_stmt(sql_threads_unread);
	if (s == NULL)
		return ERR_INTERNAL;
	if (max > LIMIT_LIST)
		max = LIMIT_LIST;
	sq_bind_id(s, 1, patient);
	db_bind_int64(s, 2, (int64_t)max);
	return thread_rows(s, g, max, a, out, n);
}

enum err sq_store_unread_count(const struct grant *g, const struct id *patient, int64_t *messages)
{
	*messages = 0;
	if (!grant_allows(g, patient, ACTION_MESSAGE_LIST))
		return ERR_DENIED;
	struct db_stmt *s = sq_stmt(sql_unread_count);
	if (s == NULL)
		return ERR_INTERNAL;
	sq_bind_id(s, 1, patient);
	int step = db_step(s);
	if (step == DB_ROW)
		*messages = db_column_int64(s, 0);
	db_reset(s);
	return step == DB_ROW ? ERR_OK : sq_fail("unread_count");
}

enum err sq_store_messages_by_patient(const struct grant *g, const struct id *patient,
				     const struct id *practice, const struct store_page *pg,
				     struct arena *a, struct store_message **out, size_t *n)
{
	*n = 0;
	if (!grant_allows(g, patient, ACTION_MESSAGE_LIST))
		return ERR_DENIED;
	struct store_page newest = {.desc = true, .limit = LIMIT_LIST};
	if (pg == NULL)
		pg = &newest;
	struct db_stmt *s = sq_page_stmt(sql_messages_page, pg);
	if (s == NULL)
		return ERR_INTERNAL;
	sq_bind_id(s, 1, patient);
	if (practice)
		sq_bind_id(s, 2, practice);
	size_t max = pg->limit > LIMIT_SEARCH_COUNT_MAX + 1 ? LIMIT_SEARCH_COUNT_MAX + 1 : pg->limit;
	return message_rows(s, g, max, a, out, n);
}

enum err sq_store_messages_count(const struct grant *g, const struct id *patient,
				 const struct id *practice, const struct store_page *pg, int64_t *total)
{
	*total = 0;
	if (!grant_allows(g, patient, ACTION_MESSAGE_LIST))
		return ERR_DENIED;
	return sq_page_count(sql_messages_count, patient, practice, pg, total);
}

enum err sq_store_message_get(const struct grant *g, const struct id *message, struct arena *a,
		      struct store_message *out)
{
	struct db_stmt *s = sq_stmt(sql_message_get);
	if (s == NULL)
		return ERR_INTERNAL;
	sq_bind_id(s, 1, message);
	int rc = db_step(s);
	int result = ERR_OK;
	if (rc == DB_DONE)
		result = ERR_NOT_FOUND;
	else if (rc != DB_ROW || !message_row(s, a, out))
		result = sq_fail("message_get");
	else if (!may_read(g, &out->patient)) {
		memset(out, 0, sizeof(*out));
		result = ERR_DENIED;
	}
	db_reset(s);
	return result;
}

enum err sq_store_thread_mark_read(const struct grant *g, const struct id *thread, bool practice_side)
{
	if (g == NULL || !may_read(g, &g->patient))
		return ERR_DENIED;
	struct db_stmt *s = sq_stmt(practice_side ? sql_mark_read_practice : sql_mark_read_patient);
	if (s == NULL)
		return ERR_INTERNAL;
	sq_bind_id(s, 1, thread);
	/* the grant's patient must be the thread's: a grant for another patient changes nothing */
	sq_bind_id(s, 2, &g->patient);
	return sq_step_done(s, "thread_mark_read");
}

enum err sq_store_practice_threads(const struct id *practice, const struct id *assignee, size_t max,
				   struct arena *a, struct store_thread **out, size_t *n)
{
	*n = 0;
	if (max > LIMIT_LIST)
		max = LIMIT_LIST;
	struct db_stmt *s = sq_stmt(sql_practice_threads);
	if (s == NULL)
		return ERR_INTERNAL;
	sq_bind_id(s, 1, practice);
	db_bind_int64(s, 2, (int64_t)max);
	if (assignee)
		sq_bind_id(s, 3, assignee);
	else
		db_bind_null(s, 3);
	return thread_rows(s, NULL, max, a, out, n);
}

enum err sq_store_thread_assign(const struct grant *g, const struct id *thread, const struct id *practice,
				const struct id *assignee)
{
	if (g == NULL || !grant_allows(g, &g->patient, ACTION_MESSAGE_SEND))
		return ERR_DENIED;
	struct db_stmt *s = sq_stmt(sql_thread_assign);
	if (s == NULL)
		return ERR_INTERNAL;
	if (assignee)
		sq_bind_id(s, 1, assignee);
	else
		db_bind_null(s, 1);
	sq_bind_id(s, 2, thread);
	sq_bind_id(s, 3, &g->patient);
	sq_bind_id(s, 4, practice);
	return sq_write_one(s, "thread_assign");
}

enum err sq_store_practice_unread(const struct id *practice, int64_t *threads)
{
	*threads = 0;
	struct db_stmt *s = sq_stmt(sql_practice_unread);
	if (s == NULL)
		return ERR_INTERNAL;
	sq_bind_id(s, 1, practice);
	int rc = db_step(s);
	if (rc == DB_ROW)
		*threads = db_column_int64(s, 0);
	db_reset(s);
	return rc == DB_ROW ? ERR_OK : sq_fail("practice_unread");
}

enum err store_messages_erase(const struct id *patient)
{
	const char *const sqls[] = {sql_erase_drafts, sql_erase_messages, sql_erase_threads};
	for (size_t i = 0; i < sizeof(sqls) / sizeof(*sqls); i++) {
		struct db_stmt *s = sq_stmt(sqls[i]);
		if (s == NULL)
			return ERR_INTERNAL;
		sq_bind_id(s, 1, patient);
		if (sq_step_done(s, "messages_erase") != ERR_OK)
			return ERR_INTERNAL;
	}
	return ERR_OK;
}

/* --- drafts: the grant's patient, the author and the thread name the row --- */

static struct db_stmt *draft_stmt(const char *sql, const struct grant *g, const struct id *author,
				const struct id *thread)
{
	struct db_stmt *s = sq_stmt(sql);
	if (s == NULL)
		return NULL;
	sq_bind_id(s, 1, author);
	sq_bind_id(s, 2, &g->patient);
	sq_bind_id(s, 3, thread);
	return s;
}

enum err sq_store_draft_get(const struct grant *g, const struct id *author, const struct id *thread,
			    struct arena *a, struct store_draft *out)
{
	memset(out, 0, sizeof(*out));
	if (g == NULL || !grant_allows(g, &g->patient, ACTION_MESSAGE_SEND))
		return ERR_DENIED;
	struct db_stmt *s = draft_stmt(sql_draft_get, g, author, thread);
	if (s == NULL)
		return ERR_INTERNAL;
	int step = db_step(s);
	int rc = ERR_NOT_FOUND;
	if (step == DB_ROW) {
		out->author = *author;
		out->patient = g->patient;
		out->thread = *thread;
		out->updated = db_column_int64(s, 1);
		rc = sq_col_id(s, 0, &out->id) && sq_col_bytes(s, 2, a, &out->body) ? ERR_OK
										    : sq_fail("draft_get");
	} else if (step != DB_DONE) {
		rc = sq_fail("draft_get");
	}
	db_reset(s);
	return rc;
}

enum err sq_store_draft_put(const struct grant *g, const struct store_draft *d)
{
	if (g == NULL || !grant_allows(g, &d->patient, ACTION_MESSAGE_SEND))
		return ERR_DENIED;
	struct db_stmt *s = sq_stmt(sql_draft_put);
	if (s == NULL)
		return ERR_INTERNAL;
	sq_bind_id(s, 1, &d->id);
	sq_bind_id(s, 2, &d->author);
	sq_bind_id(s, 3, &d->patient);
	sq_bind_id(s, 4, &d->thread);
	db_bind_int64(s, 5, d->updated);
	db_bind_blob(s, 6, d->body.ptr, d->body.len);
	return sq_step_done(s, "draft_put");
}

enum err sq_store_draft_delete(const struct grant *g, const struct id *author, const struct id *thread)
{
	if (g == NULL || !grant_allows(g, &g->patient, ACTION_MESSAGE_SEND))
		return ERR_DENIED;
	struct db_stmt *s = draft_stmt(sql_draft_delete, g, author, thread);
	return s ? sq_step_done(s, "draft_delete") : ERR_INTERNAL;
}
