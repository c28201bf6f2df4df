/*
 * Lab results (store/results.h). The visibility rule for patients and proxies is written once,
 * in SQL, in every statement that returns a result to a grant: released by `now` and, when the
 * patient chose to wait for their clinician's comment, commented. Staff grants
 * (sees_unreleased) bypass it, and nothing else does.
 */
#include "store/results.h"
#include "store/sqlite/store_int.h"

#include <string.h>

#include "limits.h"

/* ?1: the grant sees unreleased results; ?2: now. */
#define VISIBLE                                                                                  \
	" (?1 = 1 OR (r.release_at IS NOT NULL AND r.release_at <= ?2 AND (r.commented = 1 OR"  \
	" NOT EXISTS (SELECT 1 FROM result_pref p WHERE p.patient_id = r.patient_id"             \
	" AND p.comment_first = 1)))) AND r.created >= ?5"

/* A result's last change: its last correction or release, else when it was issued. */
#define RESULT_UPDATED "coalesce(r.updated, r.reported)"
#define COLUMNS                                                                                  \
	"r.id, r.patient_id, r.practice_id, r.kind, r.status, r.abnormal, r.accession,"          \
	" r.collected, r.reported, r.created, r.release_at, r.released_by IS NOT NULL,"          \
	" r.commented, r.corrected, r.body, r.version, " RESULT_UPDATED ","                         \
	" coalesce(r.reviewed, 0), coalesce(r.review_action, '')"

static const char sql_target[] =
	"SELECT r.patient_id, e.practice_id, e.history_from, r.created FROM result r LEFT JOIN enrolment e"
	" ON e.patient_id = r.patient_id WHERE r.id = ?";
static const char sql_by_accession[] =
	"SELECT " COLUMNS " FROM result r WHERE r.patient_id = ? AND r.accession = ?";
static const char sql_insert[] =
	"INSERT INTO result (id, patient_id, practice_id, kind, status, abnormal, accession,"
	" collected, reported, created, release_at, released_by, commented, corrected, body)"
	" VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, NULL, 0, ?, ?)";
/* A correction keeps the release state: a patient who saw a value must see that it changed. */
static const char sql_replace[] =
	"UPDATE result SET kind = ?4, status = ?5, abnormal = ?6, collected = ?8, reported = ?9,"
	" release_at = coalesce(release_at, ?11), corrected = ?12, body = ?13,"
	" version = version + 1, updated = ?14 WHERE id = ?1 AND patient_id = ?2";
/* Pages: the date is when the sample was collected, the last change when the report was
 * issued (a correction issues it again); every result is a laboratory report ('lab'). */
#define RESULTS_OF_PATIENT " FROM result r WHERE r.patient_id = ?3 AND" VISIBLE
static const char *const sql_page[4] =
	SQ_PAGE_SQL("SELECT " COLUMNS RESULTS_OF_PATIENT, "r.collected", RESULT_UPDATED, "'lab'", "r.id");
static const char sql_count[] =
	"SELECT count(*)" RESULTS_OF_PATIENT SQ_PAGE_WHERE("r.collected", RESULT_UPDATED, "'lab'");
/* The home page's new results: ?4 the account, ?6 released after, ?7 how many. */
#define NEWS_OF_PATIENT                                                                          \
	" FROM result r WHERE r.patient_id = ?3 AND r.release_at > ?6 AND" VISIBLE                 \
	" AND NOT EXISTS (SELECT 1 FROM result_seen s WHERE s.account_id = ?4 AND s.result_id = r.id)"
static const char sql_news[] =
	"SELECT " COLUMNS NEWS_OF_PATIENT " ORDER BY r.release_at DESC, r.id LIMIT ?7";
static const char sql_news_count[] = "SELECT count(*)" NEWS_OF_PATIENT;
static const char sql_opened[] =
	"INSERT INTO result_seen (account_id, result_id, patient_id, opened) VALUES (?, ?, ?, ?)"
	" ON CONFLICT (account_id, result_id) DO NOTHING";
static const char sql_get[] = "SELECT " COLUMNS " FROM result r WHERE r.id = ?3 AND" VISIBLE;
static const char sql_release[] =
	"UPDATE result SET release_at = ?1, released_by = ?2, commented = ?3, body = ?4,"
	" version = version + 1, updated = ?1 WHERE id = ?5 AND patient_id = ?6";
/* The inbox: the practice's results neither released (by now) nor filed, of patients still
 * enrolled there; ?4: a clinician's account for "my patients" (those who booked with them or
 * whom they prescribe for), NULL for all. Ordered critical, abnormal, then newest, by id last. */
#define INBOX_WHERE                                                                              \
	" FROM result r WHERE r.practice_id = ?1 AND r.reviewed IS NULL AND (r.release_at IS NULL"  \
	" OR r.release_at > ?2) AND EXISTS (SELECT 1 FROM enrolment e WHERE e.patient_id ="      \
	" r.patient_id AND e.practice_id = ?1) AND (CAST(?4 AS BLOB) IS NULL OR EXISTS (SELECT 1 FROM"         \
	" appointment ap JOIN slot sl ON sl.id = ap.slot_id WHERE ap.patient_id = r.patient_id"  \
	" AND sl.clinician_id = ?4 AND ap.cancelled IS NULL) OR EXISTS (SELECT 1 FROM medication" \
	" m WHERE m.patient_id = r.patient_id AND m.prescriber_id = ?4))"
#define INBOX_ORDER " ORDER BY r.abnormal DESC, r.reported DESC, r.id"
static const char sql_inbox[] = "SELECT " COLUMNS INBOX_WHERE INBOX_ORDER " LIMIT ?3 OFFSET ?5";
/* ?3 (the page size) is bound but not used here. */
static const char sql_inbox_count[] = "SELECT count(*)" INBOX_WHERE;
/* The first item after (?5 abnormal, ?6 reported, ?7 id) in the inbox's order. */
static const char sql_inbox_next[] =
	"SELECT " COLUMNS INBOX_WHERE " AND (r.abnormal < ?5 OR (r.abnormal = ?5 AND (r.reported < ?6"
	" OR (r.reported = ?6 AND r.id > ?7))))" INBOX_ORDER " LIMIT ?3";
static const char sql_review[] =
	"UPDATE result SET reviewed = ?, reviewed_by = ?, review_action = ?"
	" WHERE id = ? AND patient_id = ? AND reviewed IS NULL";
static const char sql_rules[] =
	"SELECT kind, auto_release, days FROM result_rule WHERE practice_id = ? ORDER BY kind LIMIT 64";
static const char sql_rule_set[] =
	"INSERT INTO result_rule (practice_id, kind, auto_release, days) VALUES (?, ?, ?, ?)"
	" ON CONFLICT (practice_id, kind) DO UPDATE SET auto_release = excluded.auto_release,"
	" days = excluded.days";
static const char sql_pref_get[] = "SELECT comment_first FROM result_pref WHERE patient_id = ?";
static const char sql_pref_set[] =
	"INSERT INTO result_pref (patient_id, comment_first) VALUES (?, ?)"
	" ON CONFLICT (patient_id) DO UPDATE SET comment_first = excluded.comment_first";

static bool row(struct db_stmt *s, struct arena *a, struct store_result *r)
{
	memset(r, 0, sizeof(*r));
	sq_col_id(s, 0, &r->id);
	sq_col_id(s, 1, &r->patient);
	sq_col_id(s, 2, &r->practice);
	sq_col_text_fixed(s, 3, r->kind, sizeof(r->kind));
	sq_col_text_fixed(s, 4, r->status, sizeof(r->status));
	r->abnormal = db_column_int(s, 5);
	sq_col_text_fixed(s, 6, r->accession, sizeof(r->accession));
	r->collected = db_column_int64(s, 7);
	r->reported = db_column_int64(s, 8);
	r->created = db_column_int64(s, 9);
	r->release_at = db_column_is_null(s, 10) ? 0 : db_column_int64(s, 10);
	r->released_by_clinician = db_column_int(s, 11) != 0;
	r->commented = db_column_int(s, 12) != 0;
	r->corrected = db_column_int(s, 13) != 0;
	r->version = db_column_int64(s, 15);
	r->updated = db_column_int64(s, 16);
	r->reviewed = db_column_int64(s, 17);
	sq_col_text_fixed(s, 18, r->review_action, sizeof(r->review_action));
	return a == NULL || sq_col_bytes(s, 14, a, &r->body);
}

enum err sq_store_result_target(const struct id *result, struct target *out)
{
	struct db_stmt *s = sq_stmt(sql_target);
	if (s != NULL)
		sq_bind_id(s, 1, result);
	return sq_target_collect(s, out, "result_target");
}

enum err sq_store_result_by_accession(const struct grant *g, const struct id *patient,
			      const char *accession, struct arena *a, struct store_result *out)
{
	if (!grant_allows(g, patient, ACTION_RESULT_CREATE))
		return ERR_DENIED;
	struct db_stmt *s = sq_stmt(sql_by_accession);
	if (s == NULL)
		return ERR_INTERNAL;
	sq_bind_id(s, 1, patient);
	sq_bind_text(s, 2, accession);
	int step = db_step(s);
	int rc = step == DB_ROW ? (row(s, a, out) ? ERR_OK : ERR_INTERNAL)
		 : step == DB_DONE ? ERR_NOT_FOUND
				       : sq_fail("result_by_accession");
	db_reset(s);
	/* Filed before the patient moved to this practice: not its to correct. */
	if (rc == ERR_OK && !grant_shows(g, out->created)) {
		memset(out, 0, sizeof(*out));
		rc = ERR_DENIED;
	}
	return rc;
}

enum err sq_store_result_put(const struct grant *g, const struct store_result *r, bool replace)
{
	if (!grant_allows(g, &r->patient, ACTION_RESULT_CREATE))
		return ERR_DENIED;
	struct db_stmt *s = sq_stmt(replace ? sql_replace : sql_insert);
	if (s == NULL)
		return ERR_INTERNAL;
	sq_bind_id(s, 1, &r->id);
	sq_bind_id(s, 2, &r->patient);
	if (!replace) {
		sq_bind_id(s, 3, &r->practice);
		sq_bind_text(s, 7, r->accession);
		db_bind_int64(s, 10, r->created);
	}
	sq_bind_text(s, 4, r->kind);
	sq_bind_text(s, 5, r->status);
	db_bind_int64(s, 6, r->abnormal);
	db_bind_int64(s, 8, r->collected);
	db_bind_int64(s, 9, r->reported);
	if (r->release_at > 0)
		db_bind_int64(s, 11, r->release_at);
	else
		db_bind_null(s, 11);
	db_bind_int64(s, 12, r->corrected ? 1 : 0);
	db_bind_blob(s, 13, r->body.ptr, r->body.len);
	if (replace)
		db_bind_int64(s, 14, r->updated);
	return sq_write_one(s, "result_put");
}

static void bind_visibility(struct db_stmt *s, const struct grant *g, int64_t now)
{
	db_bind_int64(s, 1, g->sees_unreleased ? 1 : 0);
	db_bind_int64(s, 2, now);
	db_bind_int64(s, 5, g->visible_from); /* a practice the patient moved to */
}

enum err sq_store_result_list(const struct grant *g, const struct id *patient, int64_t now,
			      const struct store_page *pg, struct arena *a, struct store_result **out,
			      size_t *n)
{
	*n = 0;
	if (!grant_allows(g, patient, ACTION_RESULT_LIST))
		return ERR_DENIED;
	static const struct store_page newest = {
		.sort = STORE_SORT_UPDATED, .desc = true, .limit = LIMIT_LIST};
	if (pg == NULL)
		pg = &newest;
	size_t max = pg->limit > LIMIT_SEARCH_COUNT_MAX + 1 ? LIMIT_SEARCH_COUNT_MAX + 1 : pg->limit;
	*out = arena_calloc(a, max ? max : 1, sizeof(**out));
	struct db_stmt *s = *out ? sq_page_stmt(sql_page, pg) : NULL;
	if (s == NULL)
		return ERR_INTERNAL;
	bind_visibility(s, g, now);
	sq_bind_id(s, 3, patient);
	int rc = ERR_OK, step;
	while (*n < max && (step = db_step(s)) == DB_ROW) {
		if (!row(s, a, &(*out)[*n])) {
			rc = ERR_INTERNAL;
			break;
		}
		(*n)++;
	}
	db_reset(s);
	return rc;
}

enum err sq_store_result_count(const struct grant *g, const struct id *patient, int64_t now,
			       const struct store_page *pg, int64_t *total)
{
	*total = 0;
	if (!grant_allows(g, patient, ACTION_RESULT_LIST))
		return ERR_DENIED;
	struct db_stmt *s = sq_stmt(sql_count);
	if (s != NULL) {
		bind_visibility(s, g, now);
		sq_bind_id(s, 3, patient);
	}
	return sq_page_count_run(s, pg, total);
}

static struct db_stmt *news_stmt(const char *sql, const struct grant *g, const struct id *patient,
			       const struct id *account, int64_t since, int64_t now)
{
	struct db_stmt *s = sq_stmt(sql);
	if (s != NULL) {
		bind_visibility(s, g, now);
		sq_bind_id(s, 3, patient);
		sq_bind_id(s, 4, account);
		db_bind_int64(s, 6, since);
	}
	return s;
}

enum err sq_store_result_news(const struct grant *g, const struct id *patient, const struct id *account,
			      int64_t since, int64_t now, size_t max, struct arena *a,
			      struct store_result **out, size_t *n)
{
	*n = 0;
	if (!grant_allows(g, patient, ACTION_RESULT_LIST))
		return ERR_DENIED;
	if (max > LIMIT_LIST)
		max = LIMIT_LIST;
	*out = arena_calloc(a, max ? max : 1, sizeof(**out));
	struct db_stmt *s = *out ? news_stmt(sql_news, g, patient, account, since, now) : NULL;
	if (s == NULL)
		return ERR_INTERNAL;
	db_bind_int64(s, 7, (int64_t)max);
	int rc = ERR_OK, step = DB_DONE;
	while (*n < max && (step = db_step(s)) == DB_ROW) {
		if (!row(s, a, &(*out)[*n])) {
			rc = ERR_INTERNAL;
			break;
		}
		if (id_eq(&(*out)[*n].patient, patient)) /* the row's own patient, checked again */
			(*n)++;
	}
	if (rc == ERR_OK && *n < max && step != DB_DONE)
		rc = sq_fail("result_news");
	db_reset(s);
	return rc;
}

enum err sq_store_result_news_count(const struct grant *g, const struct id *patient,
				    const struct id *account, int64_t since, int64_t now, int64_t *total)
{
	*total = 0;
	if (!grant_allows(g, patient, ACTION_RESULT_LIST))
		return ERR_DENIED;
	struct db_stmt *s = news_stmt(sql_news_count, g, patient, account, since, now);
	if (s == NULL)
		return ERR_INTERNAL;
	int step = db_step(s);
	if (step == DB_ROW)
		*total = db_column_int64(s, 0);
	db_reset(s);
	return step == DB_ROW ? ERR_OK : sq_fail("result_news_count");
}

enum err sq_store_result_opened(const struct grant *g, const struct id *patient, const struct id *account,
				const struct id *result, int64_t now)
{
	if (!grant_allows(g, patient, ACTION_RESULT_READ))
		return ERR_DENIED;
	struct db_stmt *s = sq_stmt(sql_opened);
	if (s == NULL)
		return ERR_INTERNAL;
	sq_bind_id(s, 1, account);
	sq_bind_id(s, 2, result);
	sq_bind_id(s, 3, patient);
	db_bind_int64(s, 4, now);
	return sq_step_done(s, "result_opened");
}

enum err sq_store_result_get(const struct grant *g, const struct id *result, int64_t now,
		     struct arena *a, struct store_result *out)
{
	memset(out, 0, sizeof(*out));
	if (g == NULL)
		return ERR_DENIED;
	struct db_stmt *s = sq_stmt(sql_get);
	if (s == NULL)
		return ERR_INTERNAL;
	bind_visibility(s, g, now);
	sq_bind_id(s, 3, result);
	int step = db_step(s);
	int rc = ERR_NOT_FOUND;
	if (step == DB_ROW) {
		rc = row(s, a, out) ? ERR_OK : ERR_INTERNAL;
		/* The grant must be for this result's own patient: checked on the row itself. */
		if (rc == ERR_OK && !(grant_allows(g, &out->patient, ACTION_RESULT_READ) ||
					grant_allows(g, &out->patient, ACTION_RESULT_RELEASE))) {
			memset(out, 0, sizeof(*out));
			rc = ERR_DENIED;
		}
	} else if (step != DB_DONE) {
		rc = sq_fail("result_get");
	}
	db_reset(s);
	return rc;
}

enum err sq_store_result_release(const struct grant *g, const struct id *result, int64_t now,
			 bool commented, struct bytes body)
{
	if (g == NULL || !grant_allows(g, &g->patient, ACTION_RESULT_RELEASE))
		return ERR_DENIED;
	struct db_stmt *s = sq_stmt(sql_release);
	if (s == NULL)
		return ERR_INTERNAL;
	db_bind_int64(s, 1, now);
	sq_bind_id(s, 2, &g->actor);
	db_bind_int64(s, 3, commented ? 1 : 0);
	db_bind_blob(s, 4, body.ptr, body.len);
	sq_bind_id(s, 5, result);
	sq_bind_id(s, 6, &g->patient); /* only a result of the grant's own patient */
	return sq_write_one(s, "result_release");
}

static void bind_inbox(struct db_stmt *s, const struct store_inbox_query *q, int limit)
{
	sq_bind_id(s, 1, q->practice);
	db_bind_int64(s, 2, q->now);
	db_bind_int64(s, 3, limit);
	if (q->mine)
		sq_bind_id(s, 4, q->mine);
	else
		db_bind_null(s, 4);
}

enum err sq_store_result_inbox(const struct store_inbox_query *q, struct arena *a,
			       struct store_result **out, size_t *n, int64_t *total)
{
	*n = 0;
	*total = 0;
	size_t limit = q->limit < LIMIT_LIST ? q->limit : LIMIT_LIST;
	*out = arena_calloc(a, limit ? limit : 1, sizeof(**out));
	struct db_stmt *s = *out ? sq_stmt(sql_inbox) : NULL;
	if (s == NULL)
		return ERR_INTERNAL;
	bind_inbox(s, q, (int)limit);
	db_bind_int64(s, 5, (int64_t)q->offset);
	/* Metadata only: the sealed bodies are not read here (a = NULL in row). */
	while (*n < limit && db_step(s) == DB_ROW)
		row(s, NULL, &(*out)[(*n)++]);
	db_reset(s);
	s = sq_stmt(sql_inbox_count);
	if (s == NULL)
		return ERR_INTERNAL;
	bind_inbox(s, q, 0);
	int step = db_step(s);
	if (step == DB_ROW)
		*total = db_column_int64(s, 0);
	db_reset(s);
	return step == DB_ROW ? ERR_OK : ERR_INTERNAL;
}

enum err sq_store_result_inbox_next(const struct store_inbox_query *q, const struct store_result *after,
				    struct id *next)
{
	struct db_stmt *s = sq_stmt(sql_inbox_next);
	if (s == NULL)
		return ERR_INTERNAL;
	bind_inbox(s, q, 1);
	db_bind_int64(s, 5, after->abnormal);
	db_bind_int64(s, 6, after->reported);
	sq_bind_id(s, 7, &after->id);
	int step = db_step(s);
	if (step == DB_ROW)
		sq_col_id(s, 0, next);
	db_reset(s);
	return step == DB_ROW ? ERR_OK : step == DB_DONE ? ERR_NOT_FOUND : ERR_INTERNAL;
}

enum err sq_store_result_review(const struct grant *g, const struct id *result, int64_t now,
				const char *how)
{
	if (g == NULL || !grant_allows(g, &g->patient, ACTION_RESULT_RELEASE))
		return ERR_DENIED;
	struct db_stmt *s = sq_stmt(sql_review);
	if (s == NULL)
		return ERR_INTERNAL;
	db_bind_int64(s, 1, now);
	sq_bind_id(s, 2, &g->actor);
	db_bind_text(s, 3, how);
	sq_bind_id(s, 4, result);
	sq_bind_id(s, 5, &g->patient); /* only a result of the grant's own patient */
	return sq_write_one(s, "result_review");
}

enum err sq_store_result_rules(const struct id *practice, struct arena *a, struct store_result_rule **out,
		       size_t *n)
{
	*n = 0;
	*out = arena_calloc(a, 64, sizeof(**out));
	struct db_stmt *s = *out ? sq_stmt(sql_rules) : NULL;
	if (s == NULL)
		return ERR_INTERNAL;
	sq_bind_id(s, 1, practice);
	int step;
	while (*n < 64 && (step = db_step(s)) == DB_ROW) {
		struct store_result_rule *r = &(*out)[(*n)++];
		sq_col_text_fixed(s, 0, r->kind, sizeof(r->kind));
		r->auto_release = db_column_int(s, 1) != 0;
		r->days = db_column_int(s, 2);
	}
	db_reset(s);
	return ERR_OK;
}

enum err sq_store_result_rule_set(const struct id *practice, const struct store_result_rule *r)
{
	struct db_stmt *s = sq_stmt(sql_rule_set);
	if (s == NULL)
		return ERR_INTERNAL;
	sq_bind_id(s, 1, practice);
	sq_bind_text(s, 2, r->kind);
	db_bind_int64(s, 3, r->auto_release ? 1 : 0);
	db_bind_int64(s, 4, r->days);
	int rc = db_step(s) == DB_DONE ? ERR_OK : sq_fail("result_rule_set");
	db_reset(s);
	return rc;
}

enum err sq_store_result_pref_get(const struct grant *g, const struct id *patient, bool *comment_first)
{
	*comment_first = false;
	if (!grant_for_patient(g, patient))
		return ERR_DENIED;
	struct db_stmt *s = sq_stmt(sql_pref_get);
	if (s == NULL)
		return ERR_INTERNAL;
	sq_bind_id(s, 1, patient);
	int step = db_step(s);
	if (step == DB_ROW)
		*comment_first = db_column_int(s, 0) != 0;
	db_reset(s);
	return step == DB_ROW || step == DB_DONE ? ERR_OK : sq_fail("result_pref_get");
}

enum err sq_store_result_pref_set(const struct grant *g, const struct id *patient, bool comment_first)
{
	if (!grant_allows(g, patient, ACTION_RESULT_LIST))
		return ERR_DENIED;
	struct db_stmt *s = sq_stmt(sql_pref_set);
	if (s == NULL)
		return ERR_INTERNAL;
	sq_bind_id(s, 1, patient);
	db_bind_int64(s, 2, comment_first ? 1 : 0);
	int rc = db_step(s) == DB_DONE ? ERR_OK : sq_fail("result_pref_set");
	db_reset(s);
	return rc;
}

static const char sql_erase_results[] = "DELETE FROM result WHERE patient_id = ?";
static const char sql_erase_pref[] = "DELETE FROM result_pref WHERE patient_id = ?";
static const char sql_erase_seen[] = "DELETE FROM result_seen WHERE patient_id = ?";

enum err sq_store_results_erase(const struct id *patient)
{
	const char *const sqls[] = {sql_erase_results, sql_erase_pref, sql_erase_seen};
	for (size_t i = 0; i < 3; i++) {
		struct db_stmt *s = sq_stmt(sqls[i]);
		if (s == NULL)
			return ERR_INTERNAL;
		sq_bind_id(s, 1, patient);
		int step = db_step(s);
		db_reset(s);
		if (step != DB_DONE)
			return sq_fail("results_erase");
	}
	return ERR_OK;
}
