/*
 * The audit trail in audit.db: appending a batch to the hash chain (with its checkpoint) in
 * one transaction, reading it back, and the signed checkpoints (src/store/store.h).
 */
#include "store/store.h"
#include "store/sqlite/store_int.h"

#include <pthread.h>
#include <stdio.h>
#include <string.h>

#include "limits.h"

static const char sql_audit_last[] = "SELECT seq, hash FROM audit ORDER BY seq DESC LIMIT 1";
/*
 * A batch is written by one INSERT of up to AUDIT_ROWS_PER_INSERT rows that states the head it
 * chains onto (?1, the trail's last seq): when another writer appended meanwhile it inserts
 * nothing, and when another writer's same seq commits first the primary key refuses it. So a
 * batch costs one statement (on PostgreSQL one round trip and one WAL flush, with no writer
 * lock; STORE.md, "The audit trail across nodes"), and nothing can chain onto a stale head.
 * The statements for 1..AUDIT_ROWS_PER_INSERT rows are made once: the PostgreSQL engine keeps
 * a prepared statement per SQL text address.
 */
#define AUDIT_ROWS_PER_INSERT 32
#define AUDIT_COLUMNS 14
_Static_assert(1 + AUDIT_ROWS_PER_INSERT * AUDIT_COLUMNS < 480, "PG_PARAMS_MAX (engine_pg.c)");
#define AUDIT_INSERT_SQL_MAX (256 + AUDIT_ROWS_PER_INSERT * AUDIT_COLUMNS * 8)
static char sql_audit_rows[AUDIT_ROWS_PER_INSERT][AUDIT_INSERT_SQL_MAX];
static pthread_once_t sql_audit_rows_once = PTHREAD_ONCE_INIT;

static void make_sql_audit_rows(void)
{
	for (int rows = 1; rows <= AUDIT_ROWS_PER_INSERT; rows++) {
		char *p = sql_audit_rows[rows - 1];
		size_t left = AUDIT_INSERT_SQL_MAX;
		int w = snprintf(p, left, "INSERT INTO audit (seq, ts_ms, actor, session, ip, action, patient,"
					  " rtype, rid, outcome, bytes, prev, hash, via) SELECT * FROM (VALUES ");
		for (int r = 0; r < rows; r++)
			for (int c = 0; c < AUDIT_COLUMNS; c++)
				w += snprintf(p + w, left - (size_t)w, "%s?%d%s", c == 0 ? (r ? ", (" : "(") : "",
					      2 + r * AUDIT_COLUMNS + c, c == AUDIT_COLUMNS - 1 ? ")" : ", ");
		snprintf(p + w, left - (size_t)w,
			 ") AS v WHERE (SELECT coalesce(max(seq), 0) FROM audit) = ?1");
	}
}

static const char sql_cp_insert[] =
	"INSERT INTO checkpoint (seq, ts_ms, head, key_id, sig)"
	" VALUES (?, ?, ?, ?, ?) ON CONFLICT DO NOTHING";
static const char sql_audit_hash_at[] = "SELECT hash FROM audit WHERE seq = ?";
static const char sql_cp_last[] =
	"SELECT seq, ts_ms, head, key_id, sig FROM checkpoint ORDER BY seq DESC LIMIT 1";
static const char sql_audit_each[] =
	"SELECT seq, ts_ms, actor, session, ip, action, patient, rtype, rid, outcome,"
	" bytes, prev, hash, via FROM audit ORDER BY seq";

enum err sq_store_audit_last(int64_t *seq, uint8_t hash[HASH_BYTES])
{
	struct db_stmt *s = sq_audit_stmt(sql_audit_last);
	*seq = 0;
	memset(hash, 0, HASH_BYTES);
	int rc = ERR_OK;
	if (db_step(s) == DB_ROW) {
		*seq = db_column_int64(s, 0);
		if (db_column_bytes(s, 1) == HASH_BYTES)
			memcpy(hash, db_column_blob(s, 1), HASH_BYTES);
		else
			rc = ERR_INTERNAL;
	}
	db_reset(s);
	return rc;
}

static void bind_record(struct db_stmt *s, int at, const struct audit_record *r)
{
	db_bind_int64(s, at, r->seq);
	db_bind_int64(s, at + 1, r->ts_ms);
	sq_bind_text(s, at + 2, r->actor);
	sq_bind_text(s, at + 3, r->session);
	sq_bind_text(s, at + 4, r->ip);
	sq_bind_text(s, at + 5, r->action);
	sq_bind_text(s, at + 6, r->patient);
	sq_bind_text(s, at + 7, r->rtype);
	sq_bind_text(s, at + 8, r->rid);
	sq_bind_text(s, at + 9, r->outcome);
	db_bind_int64(s, at + 10, r->bytes);
	db_bind_blob(s, at + 11, r->prev, HASH_BYTES);
	db_bind_blob(s, at + 12, r->hash, HASH_BYTES);
	sq_bind_text(s, at + 13, r->via);
}

/* Write r[0..n) (n <= AUDIT_ROWS_PER_INSERT, r[0].seq == after_seq + 1) in one statement:
 * ERR_CONFLICT when the trail's head is no longer after_seq. */
static enum err audit_insert_rows(int64_t after_seq, const struct audit_record *r, size_t n)
{
	pthread_once(&sql_audit_rows_once, make_sql_audit_rows);
	struct db_stmt *s = sq_audit_stmt(sql_audit_rows[n - 1]);
	db_bind_int64(s, 1, after_seq);
	for (size_t i = 0; i < n; i++)
		bind_record(s, 2 + (int)i * AUDIT_COLUMNS, &r[i]);
	int step = db_step(s);
	int rc = step == DB_CONSTRAINT ? ERR_CONFLICT
		 : step != DB_DONE     ? sq_fail("audit_insert")
		 : db_changes(s) == (int64_t)n ? ERR_OK
		 : db_changes(s) == 0 ? ERR_CONFLICT
				      : sq_fail("audit_insert");
	db_reset(s);
	return rc;
}

static enum err checkpoint_insert(const struct audit_checkpoint *cp)
{
	struct db_stmt *s = sq_audit_stmt(sql_cp_insert);
	db_bind_int64(s, 1, cp->seq);
	db_bind_int64(s, 2, cp->ts_ms);
	db_bind_blob(s, 3, cp->head, HASH_BYTES);
	db_bind_blob(s, 4, cp->key_id, KEY_ID_BYTES);
	db_bind_blob(s, 5, cp->sig, SIGNATURE_BYTES);
	int rc = db_step(s) == DB_DONE ? ERR_OK : sq_fail("checkpoint_insert");
	db_reset(s);
	return rc;
}

enum err sq_store_audit_append(int64_t after_seq, const uint8_t after_hash[HASH_BYTES],
		       const struct audit_record *r, size_t n, const struct audit_checkpoint *cp)
{
	/* The common batch, a few records and no checkpoint: one statement, its own transaction. */
	if (n > 0 && n <= AUDIT_ROWS_PER_INSERT && cp == NULL)
		return audit_insert_rows(after_seq, r, n);
	if (sq_begin(SQ_AUDIT) != ERR_OK)
		return ERR_INTERNAL;
	/* Inside the write transaction: on SQLite nobody can append between this check and the
	 * commit; on PostgreSQL the inserts' own check and the primary key see to it. */
	int64_t last;
	uint8_t head[HASH_BYTES];
	int rc = sq_store_audit_last(&last, head);
	if (rc == ERR_OK && (last != after_seq || memcmp(head, after_hash, HASH_BYTES) != 0))
		rc = ERR_CONFLICT;
	for (size_t i = 0; rc == ERR_OK && i < n; i += AUDIT_ROWS_PER_INSERT) {
		size_t k = n - i < AUDIT_ROWS_PER_INSERT ? n - i : AUDIT_ROWS_PER_INSERT;
		rc = audit_insert_rows(after_seq + (int64_t)i, &r[i], k);
	}
	if (rc == ERR_OK && cp != NULL)
		rc = checkpoint_insert(cp);
	if (rc == ERR_OK && sq_commit(SQ_AUDIT) == ERR_OK)
		return ERR_OK;
	sq_rollback(SQ_AUDIT);
	return rc == ERR_CONFLICT ? ERR_CONFLICT : ERR_INTERNAL;
}

enum err sq_store_audit_read_begin(void)
{
	return sq_read_begin(SQ_AUDIT);
}

void sq_store_audit_read_end(void)
{
	sq_read_end(SQ_AUDIT);
}

enum err sq_store_audit_hash_at(int64_t seq, uint8_t hash[HASH_BYTES])
{
	struct db_stmt *s = sq_audit_stmt(sql_audit_hash_at);
	db_bind_int64(s, 1, seq);
	int step = db_step(s);
	int rc = step == DB_DONE ? ERR_NOT_FOUND : ERR_INTERNAL;
	if (step == DB_ROW && db_column_bytes(s, 0) == HASH_BYTES) {
		memcpy(hash, db_column_blob(s, 0), HASH_BYTES);
		rc = ERR_OK;
	}
	db_reset(s);
	return rc;
}

/* A checkpoint row; false when a column has the wrong size (a damaged or forged row). */
static bool checkpoint_row(struct db_stmt *s, struct audit_checkpoint *cp)
{
	memset(cp, 0, sizeof(*cp));
	cp->seq = db_column_int64(s, 0);
	cp->ts_ms = db_column_int64(s, 1);
	if (db_column_bytes(s, 2) != HASH_BYTES || db_column_bytes(s, 3) != KEY_ID_BYTES ||
	    db_column_bytes(s, 4) != SIGNATURE_BYTES)
		return false;
	memcpy(cp->head, db_column_blob(s, 2), HASH_BYTES);
	memcpy(cp->key_id, db_column_blob(s, 3), KEY_ID_BYTES);
	memcpy(cp->sig, db_column_blob(s, 4), SIGNATURE_BYTES);
	return true;
}

enum err sq_store_audit_last_checkpoint(struct audit_checkpoint *out)
{
	struct db_stmt *s = sq_audit_stmt(sql_cp_last);
	int step = db_step(s);
	int rc = step == DB_DONE ? ERR_NOT_FOUND : ERR_INTERNAL;
	if (step == DB_ROW)
		rc = checkpoint_row(s, out) ? ERR_OK : ERR_INTERNAL;
	db_reset(s);
	return rc;
}

int sq_store_audit_checkpoints_each(int (*fn)(const struct audit_checkpoint *cp, void *ctx),
				 void *ctx)
{
	struct db_stmt *s = sq_stmt_fresh(SQ_AUDIT, "SELECT seq, ts_ms, head, key_id, sig FROM checkpoint"
					    " ORDER BY seq");
	if (s == NULL) {
		sq_fail("checkpoints_each");
		return -1;
	}
	int rc = 0;
	struct audit_checkpoint cp;
	while (rc == 0 && db_step(s) == DB_ROW) {
		/* A row with a wrong-sized column is passed on zeroed but for seq and time, and
		 * fails its signature check there: it is reported, never skipped. */
		checkpoint_row(s, &cp);
		cp.seq = db_column_int64(s, 0);
		cp.ts_ms = db_column_int64(s, 1);
		rc = fn(&cp, ctx);
	}
	db_finalize(s);
	return rc;
}

void sq_audit_row(struct db_stmt *s, struct audit_record *r)
{
	memset(r, 0, sizeof(*r));
	r->seq = db_column_int64(s, 0);
	r->ts_ms = db_column_int64(s, 1);
	sq_col_text_fixed(s, 2, r->actor, sizeof(r->actor));
	sq_col_text_fixed(s, 3, r->session, sizeof(r->session));
	sq_col_text_fixed(s, 4, r->ip, sizeof(r->ip));
	sq_col_text_fixed(s, 5, r->action, sizeof(r->action));
	sq_col_text_fixed(s, 6, r->patient, sizeof(r->patient));
	sq_col_text_fixed(s, 7, r->rtype, sizeof(r->rtype));
	sq_col_text_fixed(s, 8, r->rid, sizeof(r->rid));
	sq_col_text_fixed(s, 9, r->outcome, sizeof(r->outcome));
	r->bytes = db_column_int64(s, 10);
	if (db_column_bytes(s, 11) == HASH_BYTES)
		memcpy(r->prev, db_column_blob(s, 11), HASH_BYTES);
	if (db_column_bytes(s, 12) == HASH_BYTES)
		memcpy(r->hash, db_column_blob(s, 12), HASH_BYTES);
	sq_col_text_fixed(s, 13, r->via, sizeof(r->via));
}

/* Walk the records sql selects (bound to `bound` when given), in a statement of its own so a
 * long walk does not hold the shared one. */
static int audit_walk(const char *sql, const char *bound,
		      int (*fn)(const struct audit_record *r, void *ctx), void *ctx)
{
	struct db_stmt *s = sq_stmt_fresh(SQ_AUDIT, sql);
	if (s == NULL) {
		sq_fail("audit_walk");
		return -1;
	}
	if (bound)
		sq_bind_text(s, 1, bound);
	int rc = 0;
	struct audit_record r;
	while (rc == 0 && db_step(s) == DB_ROW) {
		sq_audit_row(s, &r);
		rc = fn(&r, ctx);
	}
	db_finalize(s);
	return rc;
}

int sq_store_audit_each(int (*fn)(const struct audit_record *r, void *ctx), void *ctx)
{
	return audit_walk(sql_audit_each, NULL, fn, ctx);
}

int sq_store_audit_each_session(const char *session_hex,
			     int (*fn)(const struct audit_record *r, void *ctx), void *ctx)
{
	return audit_walk("SELECT seq, ts_ms, actor, session, ip, action, patient, rtype, rid,"
			  " outcome, bytes, prev, hash, via FROM audit WHERE session = ? ORDER BY seq",
			  session_hex, fn, ctx);
}

enum err sq_store_audit_alerts(struct arena *a, struct audit_record **out, size_t *n)
{
	static const char sql[] = "SELECT seq, ts_ms, actor, session, ip, action, patient, rtype, rid,"
				  " outcome, bytes, prev, hash, via FROM audit WHERE action = 'breaker.trip'"
				  " ORDER BY seq DESC LIMIT 100";
	*n = 0;
	*out = arena_calloc(a, 100, sizeof(**out));
	struct db_stmt *s = sq_stmt_fresh(SQ_AUDIT, sql);
	if (*out == NULL || s == NULL) {
		db_finalize(s);
		return sq_fail("audit_alerts");
	}
	while (*n < 100 && db_step(s) == DB_ROW)
		sq_audit_row(s, &(*out)[(*n)++]);
	db_finalize(s);
	return ERR_OK;
}
