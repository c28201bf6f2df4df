/*
 * The patient's home page: what is new on the record shown, and the menu's counts (home.h,
 * docs/internals/HOME.md). Every part goes through the gate; lists go through each part's own
 * service (audited per item served), counts through indexed COUNT queries under the grant.
 */
#include "domain/home.h"

#include <string.h>
#include <time.h>

#include "audit/audit.h"
#include "domain/domain_int.h"
#include "limits.h"
#include "store/home.h"
#include "store/messages.h"
#include "store/proxy.h"
#include "store/results.h"
#include "util/log.h"

static const char rtype_report[] = "DiagnosticReport";

/* From when a result or a decision is news: the later of the account's mark and the window. */
static int64_t news_since(int64_t now, int64_t mark)
{
	int64_t floor = now - (int64_t)LIMIT_HOME_NEW_DAYS * 24 * 3600;
	return mark > floor ? mark : floor;
}

static bool held(const struct actor *a, const struct id *record)
{
	return !(a->has_patient && id_eq(&a->patient, record));
}

void home_counts(const struct actor *a, struct home_counts *out)
{
	out->results = out->messages = out->repeats = -1;
	if (a->role != ROLE_PATIENT || !a->has_record)
		return;
	const struct id *record = &a->record;
	int64_t now = (int64_t)time(NULL);
	struct target t;
	if (store_patient_target(record, &t) != ERR_OK || !t.exists)
		return;
	t.proxy_scopes = 0;
	if (held(a, record) &&
	    store_proxy_scopes(&a->account, record, now, &t.proxy_scopes) != ERR_OK)
		return;
	/* The gate's own decision for each part, read quietly: a part it refuses is not offered
	 * (no count, no audit: nothing was asked for or served). */
	struct grant g;
	if (policy_decide(a, ACTION_RESULT_LIST, &t, &g) == 0 &&
	    store_result_news_count(&g, record, &a->account, news_since(now, 0), now,
				    &out->results) != ERR_OK)
		out->results = -1;
	if (policy_decide(a, ACTION_MESSAGE_LIST, &t, &g) == 0 &&
	    store_unread_count(&g, record, &out->messages) != ERR_OK)
		out->messages = -1;
	int64_t mark = 0;
	if (policy_decide(a, ACTION_MEDICATION_LIST, &t, &g) == 0 &&
	    (store_seen_get(&a->account, record, HOME_SEEN_REPEATS, &mark) != ERR_OK ||
	     store_repeat_news_count(&g, record, news_since(now, mark), &out->repeats) != ERR_OK))
		out->repeats = -1;
}

/* New results: the newest LIMIT_HOME_ITEMS (clear metadata only: nothing is opened), each
 * audited as the results list audits the results it serves, and how many in all. */
static enum err result_news(const struct actor *a, const struct id *record, int64_t now,
			    struct arena *ar, struct home_news *out)
{
	struct grant g;
	int rc = domain_gate(a, ACTION_RESULT_LIST, record, rtype_report, NULL, &g);
	if (rc != ERR_OK)
		return rc;
	struct store_result *rows;
	size_t n = 0;
	int64_t since = news_since(now, 0);
	if (store_result_news_count(&g, record, &a->account, since, now, &out->results_total) != ERR_OK ||
	    store_result_news(&g, record, &a->account, since, now, LIMIT_HOME_ITEMS, ar, &rows, &n) !=
		    ERR_OK)
		return ERR_INTERNAL;
	out->results = arena_calloc(ar, n ? n : 1, sizeof(*out->results));
	if (out->results == NULL)
		return ERR_INTERNAL;
	for (size_t i = 0; i < n; i++) {
		struct result_view *v = &out->results[i];
		enum result_kind k = RESULT_OTHER;
		result_kind_parse(rows[i].kind, &k);
		v->id = rows[i].id;
		v->patient = rows[i].patient;
		v->kind = k;
		v->abnormal = (enum result_abnormal)rows[i].abnormal;
		v->collected = rows[i].collected;
		v->release_at = rows[i].release_at;
		v->released = true;
		if (domain_audit(a, ACTION_RESULT_LIST, record, rtype_report, &rows[i].id, AUDIT_ALLOW,
				 0) != 0)
			return ERR_INTERNAL;
	}
	out->n_results = n;
	return ERR_OK;
}

/* The next booked appointment, through the appointments list (a page of one, soonest first),
 * and the recalls due. */
static enum err appointment_news(const struct actor *a, const struct id *record, int64_t now,
				 struct arena *ar, struct home_news *out)
{
	struct store_page pg = {.sort = STORE_SORT_DATE, .codes = ",booked,", .limit = 1};
	pg.date.on = true;
	pg.date.n = 1;
	pg.date.lo[0] = now;
	pg.date.hi[0] = INT64_MAX;
	struct appointment_view *appts;
	size_t n = 0;
	int rc = appointment_search(a, record, now, &pg, ar, &appts, &n, NULL);
	if (rc != ERR_OK)
		return rc;
	if (n > 0) {
		out->has_next = true;
		out->next = appts[0];
	}
	struct recall_view *recalls;
	rc = recall_list(a, record, ar, &recalls, &n);
	if (rc != ERR_OK)
		return rc;
	out->recalls = recalls;
	for (size_t i = 0; i < n; i++)
		if (recalls[i].is_due)
			out->recalls[out->n_recalls++] = recalls[i];
	return ERR_OK;
}

/* A part's refusal: a held record's grant that changed since the page's scopes were read is
 * left out (the gate has audited it); anything else stops the page. */
static enum err part_done(enum err rc, bool is_held, unsigned scope, struct home_news *out)
{
	if (rc == ERR_OK) {
		out->parts |= scope;
		return ERR_OK;
	}
	return is_held && (rc == ERR_NOT_FOUND || rc == ERR_OUT_OF_SCOPE) ? ERR_OK : rc;
}

enum err home_news(const struct actor *a, const struct id *record, struct arena *ar,
		   struct home_news *out)
{
	memset(out, 0, sizeof(*out));
	bool is_held = held(a, record);
	unsigned scopes = is_held ? a->record_scopes : SCOPE_ALL;
	int64_t now = (int64_t)time(NULL);
	enum err rc = ERR_OK;
	if ((scopes & SCOPE_RESULTS) &&
	    (rc = part_done(result_news(a, record, now, ar, out), is_held, SCOPE_RESULTS, out)))
		return rc;
	if (scopes & SCOPE_MESSAGES) {
		enum err m = message_threads_unread(a, record, LIMIT_HOME_ITEMS, ar, &out->threads,
						    &out->n_threads);
		for (size_t i = 0; m == ERR_OK && i < out->n_threads; i++)
			out->unread_total += out->threads[i].unread;
		if ((rc = part_done(m, is_held, SCOPE_MESSAGES, out)))
			return rc;
	}
	if (scopes & SCOPE_MEDICATIONS) {
		int64_t mark = 0;
		if (store_seen_get(&a->account, record, HOME_SEEN_REPEATS, &mark) != ERR_OK)
			return ERR_INTERNAL;
		enum err m = repeat_news(a, record, news_since(now, mark), LIMIT_HOME_ITEMS, ar,
					 &out->repeats, &out->n_repeats);
		out->repeats_total = (int64_t)out->n_repeats;
		if ((rc = part_done(m, is_held, SCOPE_MEDICATIONS, out)))
			return rc;
	}
	if ((scopes & SCOPE_APPOINTMENTS) &&
	    (rc = part_done(appointment_news(a, record, now, ar, out), is_held, SCOPE_APPOINTMENTS,
			    out)))
		return rc;
	return ERR_OK;
}

void home_seen(const struct actor *a, const struct id *record, const char *kind, int64_t upto)
{
	if (upto > 0 && store_seen_set(&a->account, record, kind, upto) != ERR_OK)
		log_warn("component=home event=seen-mark-failed");
}

static const char *const card_names[CARD_COUNT] = {"status", "notice", "device", "mfa"};
static const char *const card_kinds[CARD_COUNT] = {"card.status", "card.notice", "card.device",
						   "card.mfa"};

int home_card_parse(const char *name, enum home_card *out)
{
	for (int c = 0; name && c < CARD_COUNT; c++)
		if (strcmp(name, card_names[c]) == 0) {
			*out = (enum home_card)c;
			return 0;
		}
	return -1;
}

const char *home_card_name(enum home_card c)
{
	return c < CARD_COUNT ? card_names[c] : "";
}

/* Cards are the account's own: marked against the account's id, whichever record is shown. */
int64_t home_card_put_away(const struct actor *a, enum home_card c)
{
	int64_t t = 0;
	if (c >= CARD_COUNT || store_seen_get(&a->account, &a->account, card_kinds[c], &t) != ERR_OK)
		return 0;
	return t;
}

enum err home_card_dismiss(const struct actor *a, enum home_card c)
{
	if (c >= CARD_COUNT)
		return ERR_INVALID;
	return store_seen_set(&a->account, &a->account, card_kinds[c], (int64_t)time(NULL)) == ERR_OK
		       ? ERR_OK
		       : ERR_INTERNAL;
}
