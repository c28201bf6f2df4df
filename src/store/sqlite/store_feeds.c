/* HL7 v2 feeds: the senders registered to a practice (store/feeds.h). */
#include <string.h>

#include "store/feeds.h"
#include "store/sqlite/store_int.h"

static const char sql_feed_insert[] =
	"INSERT INTO feed (id, practice_id, name, facility, cert_sha256, created)"
	" VALUES (?, ?, ?, ?, ?, ?)";
static const char sql_feed_get[] =
	"SELECT id, practice_id, name, facility, cert_sha256, created, removed FROM feed"
	" WHERE id = ? AND removed IS NULL";
static const char sql_feed_by_facility[] =
	"SELECT id, practice_id, name, facility, cert_sha256, created, removed FROM feed"
	" WHERE facility = ? AND removed IS NULL";
static const char sql_feed_by_cert[] =
	"SELECT id, practice_id, name, facility, cert_sha256, created, removed FROM feed"
	" WHERE cert_sha256 = ? AND removed IS NULL";
static const char sql_feeds_list[] =
	"SELECT id, practice_id, name, facility, cert_sha256, created, removed FROM feed"
	" WHERE removed IS NULL ORDER BY created, rowid LIMIT ? OFFSET ?";
static const char sql_feeds_list_practice[] =
	"SELECT id, practice_id, name, facility, cert_sha256, created, removed FROM feed"
	" WHERE practice_id = ? AND removed IS NULL ORDER BY created, rowid LIMIT ? OFFSET ?";
static const char sql_feed_remove[] =
	"UPDATE feed SET removed = ?2 WHERE id = ?1 AND removed IS NULL";

enum err sq_store_feed_insert(const struct store_feed *f)
{
	struct db_stmt *s = sq_stmt(sql_feed_insert);
	if (s == NULL)
		return ERR_INTERNAL;
	sq_bind_id(s, 1, &f->id);
	sq_bind_id(s, 2, &f->practice);
	sq_bind_text(s, 3, f->name);
	sq_bind_text(s, 4, f->facility);
	if (f->has_cert)
		db_bind_blob(s, 5, f->cert_sha256, FEED_CERT_SHA256_BYTES);
	else
		db_bind_null(s, 5);
	db_bind_int64(s, 6, f->created);
	return sq_write_one(s, "feed_insert");
}

/* A row of the seven columns id .. removed; false when it is malformed. */
static bool feed_row(struct db_stmt *s, struct store_feed *out)
{
	memset(out, 0, sizeof(*out));
	bool ok = sq_col_id(s, 0, &out->id) && sq_col_id(s, 1, &out->practice);
	sq_col_text_fixed(s, 2, out->name, sizeof(out->name));
	sq_col_text_fixed(s, 3, out->facility, sizeof(out->facility));
	if (!db_column_is_null(s, 4)) {
		ok = ok && db_column_bytes(s, 4) == FEED_CERT_SHA256_BYTES;
		if (ok) {
			memcpy(out->cert_sha256, db_column_blob(s, 4), FEED_CERT_SHA256_BYTES);
			out->has_cert = true;
		}
	}
	out->created = db_column_int64(s, 5);
	out->removed = db_column_int64(s, 6);
	return ok;
}

/* The one live feed a bound lookup finds. */
static enum err feed_one(struct db_stmt *s, struct store_feed *out, const char *what)
{
	int step = db_step(s);
	int rc = step == DB_ROW ? ERR_OK : step == DB_DONE ? ERR_NOT_FOUND : sq_fail(what);
	if (rc == ERR_OK && !feed_row(s, out))
		rc = ERR_INTERNAL;
	db_reset(s);
	return rc;
}

enum err sq_store_feed_get(const struct id *id, struct store_feed *out)
{
	struct db_stmt *s = sq_stmt(sql_feed_get);
	if (s == NULL)
		return ERR_INTERNAL;
	sq_bind_id(s, 1, id);
	return feed_one(s, out, "feed_get");
}

enum err sq_store_feed_by_facility(const char *facility, struct store_feed *out)
{
	struct db_stmt *s = sq_stmt(sql_feed_by_facility);
	if (s == NULL)
		return ERR_INTERNAL;
	sq_bind_text(s, 1, facility);
	return feed_one(s, out, "feed_by_facility");
}

enum err sq_store_feed_by_cert(const uint8_t sha256[FEED_CERT_SHA256_BYTES], struct store_feed *out)
{
	struct db_stmt *s = sq_stmt(sql_feed_by_cert);
	if (s == NULL)
		return ERR_INTERNAL;
	db_bind_blob(s, 1, sha256, FEED_CERT_SHA256_BYTES);
	return feed_one(s, out, "feed_by_cert");
}

enum err sq_store_feeds_list(const struct id *practice, size_t offset, size_t limit,
			     struct arena *a, struct store_feed **out, size_t *n)
{
	*n = 0;
	*out = limit ? arena_calloc(a, limit, sizeof(**out)) : NULL;
	struct db_stmt *s = sq_stmt(practice ? sql_feeds_list_practice : sql_feeds_list);
	if (s == NULL || (limit && *out == NULL))
		return ERR_INTERNAL;
	int col = 1;
	if (practice)
		sq_bind_id(s, col++, practice);
	db_bind_int64(s, col++, (int64_t)limit);
	db_bind_int64(s, col, (int64_t)offset);
	int step = DB_DONE, rc = ERR_OK;
	while (rc == ERR_OK && *n < limit && (step = db_step(s)) == DB_ROW) {
		if (feed_row(s, &(*out)[*n]))
			(*n)++;
		else
			rc = ERR_INTERNAL;
	}
	if (rc == ERR_OK && *n < limit && step != DB_DONE)
		rc = sq_fail("feeds_list");
	db_reset(s);
	return rc;
}

enum err sq_store_feed_remove(const struct id *id, int64_t now)
{
	struct db_stmt *s = sq_stmt(sql_feed_remove);
	if (s == NULL)
		return ERR_INTERNAL;
	sq_bind_id(s, 1, id);
	db_bind_int64(s, 2, now);
	return sq_write_one(s, "feed_remove");
}
