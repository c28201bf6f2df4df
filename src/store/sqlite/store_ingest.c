/* HL7 v2 ingestion: the duplicate check and the practice's feed queue (store/ingest.h). */
#include <string.h>

#include "store/ingest.h"
#include "store/sqlite/store_int.h"

static const char sql_fm_get[] =
	"SELECT received, done, ack, err_code, err_segment, err_seg_seq, err_field, kind, outcome"
	" FROM feed_message WHERE feed_id = ? AND control_id = ?";
static const char sql_fm_insert[] =
	"INSERT INTO feed_message (feed_id, control_id, received) VALUES (?, ?, ?)";
static const char sql_fm_take[] =
	"UPDATE feed_message SET received = ?3 WHERE feed_id = ?1 AND control_id = ?2 AND done = 0";
static const char sql_fm_finish[] =
	"UPDATE feed_message SET done = 1, ack = ?3, err_code = ?4, err_segment = ?5,"
	" err_seg_seq = ?6, err_field = ?7, kind = ?8, outcome = ?9"
	" WHERE feed_id = ?1 AND control_id = ?2";
static const char sql_fm_release[] =
	"DELETE FROM feed_message WHERE feed_id = ? AND control_id = ? AND done = 0";
static const char sql_fm_last[] =
	"SELECT max(received) FROM feed_message WHERE feed_id = ?";
static const char sql_fm_counts[] =
	"SELECT coalesce(sum(CASE WHEN ack = 0 AND outcome != 'queued' THEN 1 ELSE 0 END), 0),"
	" coalesce(sum(CASE WHEN ack = 1 THEN 1 ELSE 0 END), 0),"
	" coalesce(sum(CASE WHEN ack = 2 THEN 1 ELSE 0 END), 0),"
	" coalesce(sum(CASE WHEN outcome = 'queued' THEN 1 ELSE 0 END), 0)"
	" FROM feed_message WHERE feed_id = ? AND received >= ? AND done = 1";
static const char sql_fm_last_err[] =
	"SELECT err_code, err_segment, err_field, received FROM feed_message"
	" WHERE feed_id = ? AND received >= ? AND done = 1 AND ack != 0"
	" ORDER BY received DESC LIMIT 1";

static void fm_row(struct db_stmt *s, struct store_feed_message *out)
{
	out->received = db_column_int64(s, 0);
	out->done = db_column_int(s, 1) != 0;
	out->ack = db_column_int(s, 2);
	out->err_code = db_column_int(s, 3);
	sq_col_text_fixed(s, 4, out->err_segment, sizeof(out->err_segment));
	out->err_seg_seq = db_column_int(s, 5);
	out->err_field = db_column_int(s, 6);
	sq_col_text_fixed(s, 7, out->kind, sizeof(out->kind));
	sq_col_text_fixed(s, 8, out->outcome, sizeof(out->outcome));
}

/* Inside the claim's transaction: ERR_OK (claimed), ERR_CONFLICT, ERR_PENDING, ERR_INTERNAL. */
static enum err claim_in_txn(const struct id *feed, const char *control_id, int64_t now,
			     int64_t stale_before, struct store_feed_message *out)
{
	struct db_stmt *s = sq_stmt(sql_fm_get);
	if (s == NULL)
		return ERR_INTERNAL;
	sq_bind_id(s, 1, feed);
	sq_bind_text(s, 2, control_id);
	int step = db_step(s);
	if (step == DB_ROW)
		fm_row(s, out);
	db_reset(s);
	if (step == DB_DONE) {
		s = sq_stmt(sql_fm_insert);
		if (s == NULL)
			return ERR_INTERNAL;
		sq_bind_id(s, 1, feed);
		sq_bind_text(s, 2, control_id);
		db_bind_int64(s, 3, now);
		out->received = now;
		return sq_step_done(s, "feed_message_insert");
	}
	if (step != DB_ROW)
		return sq_fail("feed_message_get");
	if (out->done)
		return ERR_CONFLICT;
	if (out->received >= stale_before)
		return ERR_PENDING;
	s = sq_stmt(sql_fm_take);
	if (s == NULL)
		return ERR_INTERNAL;
	sq_bind_id(s, 1, feed);
	sq_bind_text(s, 2, control_id);
	db_bind_int64(s, 3, now);
	out->received = now;
	return sq_write_one(s, "feed_message_take");
}

enum err sq_store_feed_message_claim(const struct id *feed, const char *control_id, int64_t now,
				     int64_t stale_before, struct store_feed_message *out)
{
	memset(out, 0, sizeof(*out));
	out->feed = *feed;
	if (strlen(control_id) > LIMIT_HL7_CONTROL_ID)
		return ERR_INTERNAL;
	memcpy(out->control_id, control_id, strlen(control_id) + 1);
	/* A savepoint inside the caller's batch (FEEDS.md, "Batches"): committed with the
	 * message's effects, or undone with them. */
	enum err rc = sq_begin(SQ_MAIN) == ERR_OK ? claim_in_txn(feed, control_id, now, stale_before, out)
						  : ERR_INTERNAL;
	if (rc == ERR_OK && sq_commit(SQ_MAIN) != ERR_OK)
		rc = ERR_INTERNAL;
	if (rc != ERR_OK)
		(void)sq_rollback(SQ_MAIN);
	return rc;
}

enum err sq_store_feed_message_finish(const struct store_feed_message *m)
{
	struct db_stmt *s = sq_stmt(sql_fm_finish);
	if (s == NULL)
		return ERR_INTERNAL;
	sq_bind_id(s, 1, &m->feed);
	sq_bind_text(s, 2, m->control_id);
	db_bind_int64(s, 3, m->ack);
	db_bind_int64(s, 4, m->err_code);
	sq_bind_text(s, 5, m->err_segment);
	db_bind_int64(s, 6, m->err_seg_seq);
	db_bind_int64(s, 7, m->err_field);
	sq_bind_text(s, 8, m->kind);
	sq_bind_text(s, 9, m->outcome);
	/* In the caller's batch: durable with the effects it records, by the same commit. */
	return sq_write_one(s, "feed_message_finish");
}

enum err sq_store_feed_message_release(const struct id *feed, const char *control_id)
{
	struct db_stmt *s = sq_stmt(sql_fm_release);
	if (s == NULL)
		return ERR_INTERNAL;
	sq_bind_id(s, 1, feed);
	sq_bind_text(s, 2, control_id);
	return sq_write_one(s, "feed_message_release");
}

static const char sql_fm_prune[] = "DELETE FROM feed_message WHERE received < ? AND done = 1";

enum err sq_store_feed_messages_prune(int64_t before, int64_t *removed)
{
	*removed = 0;
	struct db_stmt *s = sq_stmt(sql_fm_prune);
	if (s == NULL)
		return ERR_INTERNAL;
	db_bind_int64(s, 1, before);
	enum err rc = sq_step_done(s, "feed_messages_prune");
	if (rc == ERR_OK)
		*removed = db_changes(s);
	return rc;
}

enum err sq_store_feed_stats(const struct id *feed, int64_t since, struct store_feed_stats *out)
{
	memset(out, 0, sizeof(*out));
	struct db_stmt *s = sq_stmt(sql_fm_last);
	if (s == NULL)
		return ERR_INTERNAL;
	sq_bind_id(s, 1, feed);
	int step = db_step(s);
	if (step == DB_ROW)
		out->last_received = db_column_int64(s, 0);
	db_reset(s);
	if (step != DB_ROW)
		return sq_fail("feed_stats_last");
	s = sq_stmt(sql_fm_counts);
	if (s == NULL)
		return ERR_INTERNAL;
	sq_bind_id(s, 1, feed);
	db_bind_int64(s, 2, since);
	step = db_step(s);
	if (step == DB_ROW) {
		out->accepted = db_column_int64(s, 0);
		out->errored = db_column_int64(s, 1);
		out->rejected = db_column_int64(s, 2);
		out->queued = db_column_int64(s, 3);
	}
	db_reset(s);
	if (step != DB_ROW)
		return sq_fail("feed_stats_counts");
	s = sq_stmt(sql_fm_last_err);
	if (s == NULL)
		return ERR_INTERNAL;
	sq_bind_id(s, 1, feed);
	db_bind_int64(s, 2, since);
	step = db_step(s);
	if (step == DB_ROW) {
		out->last_err_code = db_column_int(s, 0);
		sq_col_text_fixed(s, 1, out->last_err_segment, sizeof(out->last_err_segment));
		out->last_err_field = db_column_int(s, 2);
		out->last_err_at = db_column_int64(s, 3);
	}
	db_reset(s);
	return step == DB_ROW || step == DB_DONE ? ERR_OK : sq_fail("feed_stats_err");
}

/* --- the queue --- */

static const char sql_fq_insert[] =
	"INSERT INTO feed_queue (id, practice_id, feed_id, control_id, kind, reason, received,"
	" state, body_ct) VALUES (?, ?, ?, ?, ?, ?, ?, 0, ?)";
#define FQ_COLS                                                                            \
	"SELECT id, practice_id, feed_id, control_id, kind, reason, received, state,"      \
	" decided_by, decided_at, note, transfer_id, move_key"
static const char sql_fq_list[] = FQ_COLS ", NULL FROM feed_queue"
				  " WHERE practice_id = ? AND state = 0 ORDER BY received, rowid LIMIT ?";
static const char sql_fq_get[] = FQ_COLS ", body_ct FROM feed_queue"
				 " WHERE practice_id = ? AND id = ?";
static const char sql_fq_decide[] =
	"UPDATE feed_queue SET state = ?3, decided_by = ?4, decided_at = ?5, note = ?6,"
	" body_ct = NULL, move_key = NULL WHERE practice_id = ?1 AND id = ?2 AND state = 0";

enum err sq_store_feedq_insert(const struct store_feedq *q)
{
	struct db_stmt *s = sq_stmt(sql_fq_insert);
	if (s == NULL)
		return ERR_INTERNAL;
	sq_bind_id(s, 1, &q->id);
	sq_bind_id(s, 2, &q->practice);
	sq_bind_id(s, 3, &q->feed);
	sq_bind_text(s, 4, q->control_id);
	sq_bind_text(s, 5, q->kind);
	sq_bind_text(s, 6, q->reason);
	db_bind_int64(s, 7, q->received);
	db_bind_blob(s, 8, q->body_ct.ptr, q->body_ct.len);
	return sq_step_done(s, "feedq_insert");
}

static bool fq_row(struct db_stmt *s, struct arena *a, struct store_feedq *out)
{
	memset(out, 0, sizeof(*out));
	bool ok = sq_col_id(s, 0, &out->id) && sq_col_id(s, 1, &out->practice) &&
		  sq_col_id(s, 2, &out->feed);
	sq_col_text_fixed(s, 3, out->control_id, sizeof(out->control_id));
	sq_col_text_fixed(s, 4, out->kind, sizeof(out->kind));
	sq_col_text_fixed(s, 5, out->reason, sizeof(out->reason));
	out->received = db_column_int64(s, 6);
	int st = db_column_int(s, 7);
	out->state = st == 1 ? FEEDQ_MATCHED : st == 2 ? FEEDQ_REJECTED : FEEDQ_WAITING;
	if (!db_column_is_null(s, 8))
		out->has_decided_by = sq_col_id(s, 8, &out->decided_by);
	out->decided_at = db_column_int64(s, 9);
	sq_col_text_fixed(s, 10, out->note, sizeof(out->note));
	if (!db_column_is_null(s, 11))
		out->has_transfer = sq_col_id(s, 11, &out->transfer);
	if (!db_column_is_null(s, 12))
		ok = ok && sq_col_bytes(s, 12, a, &out->move_key);
	if (!db_column_is_null(s, 13))
		ok = ok && sq_col_bytes(s, 13, a, &out->body_ct);
	return ok;
}

/* The waiting items sql selects for key (?1), at most limit (?2), in its order. */
static enum err feedq_rows(const char *sql, const struct id *key, size_t limit, struct arena *a,
			   struct store_feedq **out, size_t *n, const char *what)
{
	*n = 0;
	*out = limit ? arena_calloc(a, limit, sizeof(**out)) : NULL;
	struct db_stmt *s = sq_stmt(sql);
	if (s == NULL || (limit && *out == NULL))
		return ERR_INTERNAL;
	sq_bind_id(s, 1, key);
	db_bind_int64(s, 2, (int64_t)limit);
	int step = DB_DONE, rc = ERR_OK;
	while (rc == ERR_OK && *n < limit && (step = db_step(s)) == DB_ROW) {
		if (fq_row(s, a, &(*out)[*n]))
			(*n)++;
		else
			rc = ERR_INTERNAL;
	}
	if (rc == ERR_OK && *n < limit && step != DB_DONE)
		rc = sq_fail(what);
	db_reset(s);
	return rc;
}

enum err sq_store_feedq_list(const struct id *practice, size_t limit, struct arena *a,
			     struct store_feedq **out, size_t *n)
{
	return feedq_rows(sql_fq_list, practice, limit, a, out, n, "feedq_list");
}

enum err sq_store_feedq_get(const struct id *practice, const struct id *id, struct arena *a,
			    struct store_feedq *out)
{
	struct db_stmt *s = sq_stmt(sql_fq_get);
	if (s == NULL)
		return ERR_INTERNAL;
	sq_bind_id(s, 1, practice);
	sq_bind_id(s, 2, id);
	int step = db_step(s);
	int rc = step == DB_ROW ? ERR_OK : step == DB_DONE ? ERR_NOT_FOUND : sq_fail("feedq_get");
	if (rc == ERR_OK && !fq_row(s, a, out))
		rc = ERR_INTERNAL;
	db_reset(s);
	return rc;
}

enum err sq_store_feedq_decide(const struct id *practice, const struct id *id, enum feedq_state state,
			       const struct id *by, int64_t at, const char *note)
{
	struct db_stmt *s = sq_stmt(sql_fq_decide);
	if (s == NULL)
		return ERR_INTERNAL;
	sq_bind_id(s, 1, practice);
	sq_bind_id(s, 2, id);
	db_bind_int64(s, 3, (int)state);
	sq_bind_id(s, 4, by);
	db_bind_int64(s, 5, at);
	if (note != NULL)
		sq_bind_text(s, 6, note);
	else
		db_bind_null(s, 6);
	return sq_write_one(s, "feedq_decide");
}

static const char sql_fq_link[] =
	"UPDATE feed_queue SET transfer_id = ?3, move_key = ?4 WHERE practice_id = ?1 AND id = ?2"
	" AND state = 0";

enum err sq_store_feedq_link(const struct id *practice, const struct id *id, const struct id *transfer,
			     struct bytes move_key)
{
	struct db_stmt *s = sq_stmt(sql_fq_link);
	if (s == NULL)
		return ERR_INTERNAL;
	sq_bind_id(s, 1, practice);
	sq_bind_id(s, 2, id);
	sq_bind_id(s, 3, transfer);
	db_bind_blob(s, 4, move_key.ptr, move_key.len);
	return sq_write_one(s, "feedq_link");
}

static const char sql_fq_of_transfer[] = FQ_COLS ", NULL FROM feed_queue"
					 " WHERE transfer_id = ? AND state = 0 ORDER BY received, rowid LIMIT ?";

enum err sq_store_feedq_of_transfer(const struct id *transfer, size_t limit, struct arena *a,
				    struct store_feedq **out, size_t *n)
{
	return feedq_rows(sql_fq_of_transfer, transfer, limit, a, out, n, "feedq_of_transfer");
}
