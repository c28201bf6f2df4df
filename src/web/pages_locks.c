/*
 * Locks held for review (docs/internals/UNLOCK.md): on the operator's page (every account) and
 * on a practice admin's /practice/locks (their practice's staff and patients). Each trip with
 * the account's address, role, practice, why and when it tripped and what its session was
 * served (the incident report), and two forms: Unlock, and Keep locked and notify. Both need a
 * reason and a fresh second factor (step-up); the domain decides who may.
 */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "domain/locks.h"
#include "limits.h"
#include "web/web.h"
#include "web/web_int.h"

static const char *reason_label(const char *reason)
{
	if (strcmp(reason, "enumeration") == 0)
		return "enumeration (too many not-found answers)";
	if (strcmp(reason, "budget") == 0)
		return "budget (too many patients or bytes)";
	return reason;
}

static void decision_form(struct request *req, struct buf *b, const char *lock, bool unlock)
{
	html_raw(b, "<form method=\"post\" class=\"card\" action=\"/locks/");
	html_text(b, lock);
	html_raw(b, unlock ? "/unlock\">" : "/keep\">");
	html_raw(b, "<input type=\"hidden\" name=\"csrf\" value=\"");
	html_text(b, req->csrf);
	html_raw(b, "\"><label for=\"");
	html_raw(b, unlock ? "unlock-" : "keep-");
	html_text(b, lock);
	html_raw(b, "\">");
	html_raw(b, unlock ? "Why unlock it (kept with the decision, not shown to the person)"
			   : "Why keep it locked (kept with the decision, not shown to the person)");
	html_raw(b, "</label><textarea required maxlength=\"500\" name=\"reason\" id=\"");
	html_raw(b, unlock ? "unlock-" : "keep-");
	html_text(b, lock);
	html_raw(b, "\"></textarea><button type=\"submit\">");
	html_raw(b, unlock ? "Unlock" : "Keep locked and notify");
	html_raw(b, "</button></form>");
}

static void reached_table(struct buf *b, const struct lock_view *v)
{
	if (!v->reached_known) {
		html_raw(b, "<p>What this session was served: <code>medkeep incident report --session ");
		char ses[ID_HEX_LEN + 1];
		id_hex(&v->lock.session, ses);
		html_text(b, ses);
		html_raw(b, "</code></p>");
		return;
	}
	char line[96];
	snprintf(line, sizeof(line), "%zu record%s served; %lld refused or not found.", v->n_reached,
		 v->n_reached == 1 ? "" : "s", (long long)v->denied);
	html_raw(b, "<p>What this session reached (its incident report): ");
	html_text(b, line);
	html_raw(b, "</p>");
	if (v->n_reached == 0)
		return;
	html_raw(b, "<table class=\"list\"><thead><tr><th scope=\"col\">Patient</th>"
		    "<th scope=\"col\">Type</th><th scope=\"col\">Id</th><th scope=\"col\">Times</th>"
		    "<th scope=\"col\">Bytes</th></tr></thead><tbody>");
	for (size_t i = 0; i < v->n_reached; i++) {
		const struct incident_line *l = &v->reached[i];
		char n[32];
		html_raw(b, "<tr><td><code>");
		html_text(b, l->patient);
		html_raw(b, "</code></td><td>");
		html_text(b, l->rtype);
		html_raw(b, "</td><td><code>");
		html_text(b, l->rid);
		html_raw(b, "</code></td><td>");
		snprintf(n, sizeof(n), "%lld", (long long)l->times);
		html_text(b, n);
		html_raw(b, "</td><td>");
		snprintf(n, sizeof(n), "%lld", (long long)l->bytes);
		html_text(b, n);
		html_raw(b, "</td></tr>");
	}
	html_raw(b, "</tbody></table>");
}

/* The review section: the locks the actor may review. false (and nothing written) when the
 * actor may review none (then the caller answers as for any page they cannot see). */
static int locks_section(struct request *req, struct buf *b)
{
	struct lock_view *v;
	size_t n = 0;
	int rc = locks_review_list(&req->actor, &req->arena, &v, &n);
	if (rc != ERR_OK)
		return rc;
	html_raw(b, "<h2 id=\"locks\">Locks held for review</h2><p>Each account the breaker stopped "
		    "stays locked, its sessions ended, until it is reviewed here; so does a practice "
		    "system or HL7 feed, which gets no token meanwhile. Unlocking needs a reason and a "
		    "fresh second factor; a person is emailed either way.</p>");
	const char *notice = request_query(req, "done");
	if (notice && (strcmp(notice, "unlocked") == 0 || strcmp(notice, "kept") == 0)) {
		html_raw(b, "<p class=\"status ok\" role=\"status\">");
		html_raw(b, strcmp(notice, "unlocked") == 0
				    ? "Unlocked. The person was emailed and can sign in again."
				    : "Kept locked. The person was emailed whom to contact.");
		html_raw(b, "</p>");
	}
	if (n == 0)
		html_raw(b, "<p class=\"status ok\">No locks.</p>");
	for (size_t i = 0; i < n; i++) {
		const struct store_lock *l = &v[i].lock;
		char lock[ID_HEX_LEN + 1], acct[ID_HEX_LEN + 1];
		id_hex(&l->id, lock);
		id_hex(&l->account, acct);
		html_raw(b, "<section class=\"card lock\" id=\"lock-");
		html_text(b, lock);
		html_raw(b, "\"><h3>");
		if (l->system_kind[0]) {
			html_raw(b, strcmp(l->system_kind, "feed") == 0 ? "HL7 feed: " : "Practice system: ");
			html_text(b, l->system_name ? l->system_name : "(removed)");
		} else {
			html_text(b, v[i].email ? v[i].email : "(address sealed)");
		}
		html_raw(b, l->system_kind[0] ? "</h3><dl><dt>Id</dt><dd><code>"
					      : "</h3><dl><dt>Account</dt><dd><code>");
		html_text(b, acct);
		html_raw(b, "</code></dd><dt>Role</dt><dd>");
		html_text(b, role_name(l->role));
		html_raw(b, "</dd><dt>Practice</dt><dd>");
		html_text(b, v[i].practice_name ? v[i].practice_name : "-");
		html_raw(b, "</dd><dt>Reason</dt><dd>");
		html_text(b, reason_label(l->reason));
		html_raw(b, "</dd><dt>When</dt><dd>");
		web_when(b, l->tripped);
		html_raw(b, "</dd><dt>State</dt><dd class=\"lock-state\">");
		html_text(b, l->state);
		html_raw(b, "</dd></dl>");
		reached_table(b, &v[i]);
		if (strcmp(l->state, LOCK_UNLOCKED) != 0) {
			decision_form(req, b, lock, true);
			decision_form(req, b, lock, false);
		}
		html_raw(b, "</section>");
	}
	return ERR_OK;
}

void web_operator_locks(struct request *req, struct buf *b)
{
	locks_section(req, b);
}

void web_practice_locks(struct request *req, struct response *res)
{
	struct buf *b = page_buf(req);
	html_begin(b, "Locks held for review", &req->actor, req->csrf);
	html_raw(b, "<h1>Locks held for review</h1>");
	int rc = locks_section(req, b);
	if (rc != ERR_OK) {
		web_domain_refusal(req, res, rc, "There is no such page.");
		return;
	}
	html_end(b);
	respond_buf(res, 200, html_type, b);
}

static void decide(struct request *req, struct response *res, bool unlock)
{
	struct form_field fields[LIMIT_FORM_FIELDS];
	size_t n = 0;
	if (!web_form_accepted(req, res, fields, &n))
		return;
	const char *back = policy_audience(&req->actor, AUD_OPERATOR) ? "/operator" : "/practice/locks";
	struct id lock;
	if (request_param_id(req, 0, &lock) != 0) {
		web_error(req, res, 404, "There is no such lock.");
		return;
	}
	const char *reason = form_get(fields, n, "reason", NULL);
	int rc = locks_decide(&req->actor, &lock, unlock, reason);
	if (rc == ERR_STEP_UP) {
		/* A fresh second factor first; then back to the list to decide again. */
		if (web_stepped_up(req, res, back)) {
			/* Fresh here but refused by the vault (the factor aged in between). */
			web_error(req, res, 403, "Confirm it is you again, then decide again.");
		}
		return;
	}
	if (rc == ERR_INVALID) {
		web_error(req, res, 400, "Give a reason for the decision.");
		return;
	}
	if (rc != ERR_OK) {
		web_domain_refusal(req, res, rc, "There is no such lock.");
		return;
	}
	char *loc = arena_printf(&req->arena, "%s?done=%s#locks", back, unlock ? "unlocked" : "kept");
	respond_redirect(req, res, loc ? loc : back);
}

void web_lock_unlock(struct request *req, struct response *res)
{
	decide(req, res, true);
}

void web_lock_keep(struct request *req, struct response *res)
{
	decide(req, res, false);
}
