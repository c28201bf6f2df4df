/*
 * Storage of lab results (src/store/sqlite/store_results.c). Patient-scoped functions take a
 * grant and filter on it: unless grant.sees_unreleased (staff), a result is returned only
 * when it is released at `now` and, when the patient asked to see results only after their
 * clinician has commented, commented. So no caller (list, read, search, export, count) can
 * leak an unreleased result to a patient or a proxy.
 */
#ifndef MEDKEEP_STORE_RESULTS_H
#define MEDKEEP_STORE_RESULTS_H
#include "store/store.h"

struct store_result {
	struct id id;
	struct id patient;
	struct id practice;
	char kind[24];
	char status[16];
	int abnormal;
	char accession[68];
	int64_t collected, reported, created;
	int64_t release_at; /* 0: held for a clinician */
	bool released_by_clinician;
	bool commented;
	bool corrected;
	int64_t reviewed;       /* filed off the inbox at (0: not) */
	char review_action[12]; /* how: "filed" or "book" ("" when not) */
	struct bytes body; /* sealed (VREC_RESULT) */
	int64_t version;   /* 1 as filed, one more at each correction and release */
	int64_t updated;   /* its last change: that correction or release, else reported */
};

/* The patient a result belongs to and where they are enrolled (metadata for the gate). */
enum err store_result_target(const struct id *result, struct target *out);
/* The result with this accession for this patient (correction), without any filter: needs a
 * result.create grant. ERR_NOT_FOUND when there is none. */
enum err store_result_by_accession(const struct grant *g, const struct id *patient,
				   const char *accession, struct arena *a, struct store_result *out);
/* Insert a new result, or (replace) update the row with the same id, one version more,
 * changed at r->updated. Needs result.create. */
enum err store_result_put(const struct grant *g, const struct store_result *r, bool replace);
/* A page of a patient's results visible under g at now (pg NULL: the LIMIT_LIST last issued,
 * newest first). Date: collected; last change: updated (issued, corrected or released); the one code is 'lab'. */
enum err store_result_list(const struct grant *g, const struct id *patient, int64_t now,
			   const struct store_page *pg, struct arena *a, struct store_result **out,
			   size_t *n);
/* How many of them pg's filters match (its cursor and limit aside). */
enum err store_result_count(const struct grant *g, const struct id *patient, int64_t now,
			    const struct store_page *pg, int64_t *total);
/* One result visible under g at now (a read or release grant for its patient). */
enum err store_result_get(const struct grant *g, const struct id *result, int64_t now,
			  struct arena *a, struct store_result *out);
/* Release: visible from now, by whom, with the resealed body. Needs result.release. */
enum err store_result_release(const struct grant *g, const struct id *result, int64_t now,
			      bool commented, struct bytes body);

/* The inbox: a practice's results neither released (by now) nor filed, of patients still
 * enrolled there, critical and abnormal first, then newest. mine: only the patients of this
 * clinician (an appointment booked with them, or a medicine they prescribed), NULL for all. */
struct store_inbox_query {
	const struct id *practice;
	const struct id *mine;
	int64_t now;
	size_t offset, limit; /* limit at most LIMIT_LIST */
};
/* A page of it (ids and clear metadata only; each row is gated by the caller) and *total, how
 * many it holds in all. */
enum err store_result_inbox(const struct store_inbox_query *q, struct arena *a,
			    struct store_result **out, size_t *n, int64_t *total);
/* The id of the first inbox item after `after` in the inbox's order: ERR_NOT_FOUND at the end. */
enum err store_result_inbox_next(const struct store_inbox_query *q, const struct store_result *after,
				 struct id *next);
/* File a result off the inbox: when, by the grant's actor, how ("filed", "book"). Needs
 * result.release; ERR_NOT_FOUND when it was filed already. */
enum err store_result_review(const struct grant *g, const struct id *result, int64_t now,
			     const char *how);

/* Release rules per practice and kind of test (not patient data). */
struct store_result_rule {
	char kind[24];
	bool auto_release;
	int days;
};
enum err store_result_rules(const struct id *practice, struct arena *a, struct store_result_rule **out,
			    size_t *n);
enum err store_result_rule_set(const struct id *practice, const struct store_result_rule *r);

/* The patient's preference (any grant for the patient to read; result.list to set). */
enum err store_result_pref_get(const struct grant *g, const struct id *patient, bool *comment_first);
enum err store_result_pref_set(const struct grant *g, const struct id *patient, bool comment_first);

/* The home page (docs/internals/HOME.md): the patient's results visible under g at now and
 * released after since that `account` has not opened, the newest released first (at most max,
 * capped at LIMIT_LIST); and how many there are (an indexed count: nothing is opened). Needs
 * result.list. */
enum err store_result_news(const struct grant *g, const struct id *patient, const struct id *account,
			   int64_t since, int64_t now, size_t max, struct arena *a,
			   struct store_result **out, size_t *n);
enum err store_result_news_count(const struct grant *g, const struct id *patient,
				 const struct id *account, int64_t since, int64_t now, int64_t *total);
/* `account` opened result (of patient, under a result.read grant): no longer new to it. */
enum err store_result_opened(const struct grant *g, const struct id *patient, const struct id *account,
			     const struct id *result, int64_t now);

/* Crypto-shredding: after the patient's key is destroyed, their results go too, clear
 * metadata included (the kind of test and when it was done say something on their own). Runs
 * inside store_patient_erase's transaction. */
enum err store_results_erase(const struct id *patient);

#endif
