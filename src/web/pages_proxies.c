/*
 * Family and carer (proxy) access pages: a patient's list of who can see their record, the
 * form to give access and the button to end it; the records a proxy holds and the switch
 * between them and their own; a clinician's page to set up a parent's access to a young
 * child's record. The domain (domain/proxies.h) decides; these pages parse and render.
 */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "auth/auth.h"
#include "domain/proxies.h"
#include "http/parse.h"
#include "limits.h"
#include "util/nztime.h"
#include "web/html.h"
#include "web/web.h"
#include "web/web_int.h"

static const unsigned scope_bits[] = {SCOPE_DOCUMENTS, SCOPE_RESULTS, SCOPE_MEDICATIONS,
				      SCOPE_APPOINTMENTS, SCOPE_MESSAGES, SCOPE_SUMMARY};
#define N_SCOPES (sizeof(scope_bits) / sizeof(scope_bits[0]))
/* What a new grant covers unless the patient chooses otherwise. */
#define DEFAULT_SCOPES (SCOPE_DOCUMENTS | SCOPE_RESULTS | SCOPE_APPOINTMENTS)

static void scope_words(struct buf *b, unsigned scopes)
{
	bool first = true;
	for (size_t i = 0; i < N_SCOPES; i++)
		if (scopes & scope_bits[i]) {
			html_raw(b, first ? "" : ", ");
			html_text(b, proxy_scope_name(scope_bits[i]));
			first = false;
		}
}

/* The last day a grant ending at not_after covers (it ends at the end of that day). */
static void until_date(int64_t not_after, char out[32])
{
	web_format_date(not_after - 1, out);
}

/* The <input type=date> value of the New Zealand day `days` after today's. */
static void ymd(int64_t now, int64_t days, char out[NZ_INPUT_DATE_LEN])
{
	nz_input_date(nz_day_start(now, (int)days), out, NZ_INPUT_DATE_LEN);
}

/* A button that posts `record` (an id, or "own") to /records/switch. */
static void switch_button(struct buf *b, const char *csrf, const char *record, const char *label)
{
	html_raw(b, "<form method=\"post\" action=\"/records/switch\" class=\"inline\">");
	web_csrf_field(b, csrf);
	html_raw(b, "<input type=\"hidden\" name=\"record\" value=\"");
	html_text(b, record);
	html_raw(b, "\"><button type=\"submit\">");
	html_text(b, label);
	html_raw(b, "</button></form>");
}

int web_record_switcher(struct request *req, struct buf *b)
{
	struct proxy_held_view *held = NULL;
	size_t n = 0;
	int64_t now = (int64_t)time(NULL);
	int rc = proxy_held(&req->actor, now, &req->arena, &held, &n);
	if (rc != ERR_OK)
		return rc;
	const struct actor *a = &req->actor;
	bool own = !a->has_record || (a->has_patient && id_eq(&a->record, &a->patient));
	if (n == 0 && own)
		return ERR_OK;
	html_raw(b, "<section class=\"status\" aria-labelledby=\"viewing\"><h2 id=\"viewing\">");
	const struct proxy_held_view *current = NULL;
	for (size_t i = 0; i < n; i++)
		if (!own && id_eq(&held[i].patient, &a->record))
			current = &held[i];
	if (current) {
		html_raw(b, "You are viewing the record of ");
		html_text(b, current->given);
		html_raw(b, " ");
		html_text(b, current->family);
		html_raw(b, "</h2><p>As their family member or carer, you can see: ");
		scope_words(b, current->scopes);
		html_raw(b, ". Everything you open is recorded as you acting for them.</p>");
	} else {
		html_raw(b, "You are viewing your own record</h2>");
	}
	if (!own && a->has_patient)
		switch_button(b, req->csrf, "own", "Back to my own record");
	for (size_t i = 0; i < n; i++) {
		if (current == &held[i])
			continue;
		char hex[ID_HEX_LEN + 1];
		id_hex(&held[i].patient, hex);
		char *label = arena_printf(&req->arena, "View %s %s's record", held[i].given, held[i].family);
		switch_button(b, req->csrf, hex, label ? label : "View");
		html_raw(b, " ");
	}
	html_raw(b, "</section>");
	return ERR_OK;
}

/* The people who hold access to a record, each with a button to end it. back: where the
 * revoke form returns ("" for the patient's own page, or the child's id for the practice). */
/* The practice says why it ends someone's access: a required choice of fixed reasons. */
static void reason_select(struct buf *b, const char *grant_hex)
{
	html_raw(b, "<label for=\"reason-");
	html_text(b, grant_hex);
	html_raw(b, "\">Why is this access ending?</label><select required name=\"reason\" id=\"reason-");
	html_text(b, grant_hex);
	html_raw(b, "\"><option value=\"\">Choose a reason</option>");
	for (size_t i = 0; proxy_end_reason_at(i) != NULL; i++) {
		html_raw(b, "<option value=\"");
		html_text(b, proxy_end_reason_at(i)->code);
		html_raw(b, "\">");
		html_text(b, proxy_end_reason_at(i)->label);
		html_raw(b, "</option>");
	}
	html_raw(b, "</select>");
}

static void grant_items(struct buf *b, const struct proxy_view *ps, size_t n, const char *csrf,
			const char *back)
{
	for (size_t i = 0; i < n; i++) {
		char id[ID_HEX_LEN + 1], until[32];
		id_hex(&ps[i].id, id);
		until_date(ps[i].not_after, until);
		html_raw(b, "<li><strong>");
		html_text(b, ps[i].name);
		html_raw(b, "</strong> <span class=\"meta\">");
		html_text(b, ps[i].email);
		html_raw(b, "</span><span class=\"meta\">Can see: ");
		scope_words(b, ps[i].scopes);
		html_raw(b, " · until ");
		html_text(b, until);
		if (ps[i].by_practice)
			html_raw(b, " · set up by the practice");
		html_raw(b, "</span><form method=\"post\" action=\"/proxies/");
		html_text(b, id);
		html_raw(b, "/revoke\">");
		web_csrf_field(b, csrf);
		if (back[0]) {
			/* the practice's page: back to the patient, with a reason */
			html_raw(b, "<input type=\"hidden\" name=\"back\" value=\"");
			html_text(b, back);
			html_raw(b, "\">");
			reason_select(b, id);
		}
		html_raw(b, "<button type=\"submit\">End access for ");
		html_text(b, ps[i].name);
		html_raw(b, "</button></form></li>");
	}
}

static void grant_rows(struct buf *b, const struct proxy_view *ps, size_t n, const char *csrf,
		       const char *back)
{
	if (n == 0) {
		html_raw(b, "<p class=\"empty\">Nobody else can see this record.</p>");
		return;
	}
	html_raw(b, "<ul class=\"docs\">");
	grant_items(b, ps, n, csrf, back);
	html_raw(b, "</ul>");
}

/* The apps connected to a record; the patient can disconnect each (the Sessions page's own
 * action), the practice sees them. */
static void app_items(struct buf *b, const struct record_logins *l, const char *csrf, bool patient)
{
	for (size_t i = 0; i < l->n_apps; i++) {
		const struct record_app_view *v = &l->apps[i];
		html_raw(b, "<li><strong>App: ");
		html_text(b, v->name);
		html_raw(b, "</strong><span class=\"meta\">Connected ");
		web_date(b, v->created);
		if (v->offline) {
			html_raw(b, " · until ");
			web_date(b, v->expires);
		} else {
			html_raw(b, " · only while the patient is signed in");
		}
		html_raw(b, "</span>");
		if (patient) {
			html_raw(b, "<form method=\"post\" action=\"/sessions/apps/");
			web_hex(b, &v->family);
			html_raw(b, "/end\">");
			web_csrf_field(b, csrf);
			html_raw(b, "<input type=\"hidden\" name=\"back\" value=\"proxies\">"
				    "<button type=\"submit\">Disconnect ");
			html_text(b, v->name);
			html_raw(b, "</button></form>");
		} else {
			html_raw(b, "<span class=\"meta\">Only the patient can disconnect an app.</span>");
		}
		html_raw(b, "</li>");
	}
}

int web_record_logins(struct request *req, struct buf *b, const struct id *patient, bool patient_view)
{
	struct record_logins l;
	int rc = proxy_record_logins(&req->actor, patient, (int64_t)time(NULL), &req->arena, &l);
	if (rc != ERR_OK)
		return rc;
	char hex[ID_HEX_LEN + 1];
	id_hex(patient, hex);
	html_raw(b, patient_view ? "<h2 id=\"logins\">Everyone who can open your record</h2><p class=\"lead\">"
				   "You, the people you have given access to, and the apps you have "
				   "connected. End any of them at any time: it stops at once.</p>"
				 : "<h2 id=\"logins\">Logins on this record</h2><p class=\"lead\">The "
				   "patient's own login, family and carers with access, and connected "
				   "apps.</p>");
	html_raw(b, "<ul class=\"docs logins\"><li><strong>");
	html_raw(b, patient_view ? "You" : "The patient's own login");
	html_raw(b, "</strong><span class=\"meta\">");
	if (l.n_own == 0)
		html_raw(b, "No portal login yet");
	else if (patient_view)
		html_raw(b, "Your own login · <a href=\"/sessions\">where you are signed in</a>");
	else
		html_raw(b, l.n_own_locked ? "Has a portal login, locked for review" : "Has a portal login");
	html_raw(b, "</span>");
	if (patient_view) {
		html_raw(b, "<form method=\"post\" action=\"/sessions/end-all\">");
		web_csrf_field(b, req->csrf);
		html_raw(b, "<button type=\"submit\">Sign out everywhere</button></form>");
	}
	html_raw(b, "</li>");
	grant_items(b, l.proxies, l.n_proxies, req->csrf, patient_view ? "" : hex);
	app_items(b, &l, req->csrf, patient_view);
	html_raw(b, "</ul>");
	if (l.n_proxies == 0 && l.n_apps == 0)
		html_raw(b, patient_view ? "<p class=\"empty\">Nobody else and no app can open your record.</p>"
					 : "<p class=\"empty\">No one else and no app can open this record.</p>");
	return ERR_OK;
}

/* The form that gives access; patient_form adds the granter's own name for the email. */
static void grant_form(struct buf *b, const char *action, const char *csrf, bool patient_form,
		       const char *heading)
{
	int64_t now = (int64_t)time(NULL);
	char min[NZ_INPUT_DATE_LEN], max[NZ_INPUT_DATE_LEN], def[NZ_INPUT_DATE_LEN];
	ymd(now, 1, min);
	ymd(now, PROXY_MAX_DAYS - 1, max);
	ymd(now, PROXY_DEFAULT_DAYS, def);
	html_raw(b, "<form method=\"post\" class=\"card\" action=\"");
	html_text(b, action);
	html_raw(b, "\"><h2>");
	html_text(b, heading);
	html_raw(b, "</h2>");
	web_csrf_field(b, csrf);
	html_raw(b, "<label for=\"email\">Their email address</label><input id=\"email\" name=\"email\" "
		    "type=\"email\" required maxlength=\"254\" autocomplete=\"off\">"
		    "<label for=\"name\">Their name, as you want it in your list</label><input id=\"name\" "
		    "name=\"name\" required maxlength=\"100\">");
	if (patient_form)
		html_raw(b, "<label for=\"from_name\">Your name, as they know you (the only thing our "
			    "email to them says about you: letters and spaces, no web or email address)"
			    "</label><input id=\"from_name\" name=\"from_name\" "
			    "maxlength=\"60\" autocomplete=\"name\">");
	html_raw(b, "<fieldset class=\"checks\"><legend>What they can see and do</legend>");
	for (size_t i = 0; i < N_SCOPES; i++) {
		const char *name = proxy_scope_name(scope_bits[i]);
		html_raw(b, "<label><input type=\"checkbox\" name=\"scope\" value=\"");
		html_text(b, name);
		html_raw(b, (DEFAULT_SCOPES & scope_bits[i]) ? "\" checked> " : "\"> ");
		html_text(b, name);
		html_raw(b, "</label>");
	}
	html_raw(b, "</fieldset><label for=\"until\">Until (at most two years)</label><input id=\"until\" "
		    "name=\"until\" type=\"date\" required min=\"");
	html_text(b, min);
	html_raw(b, "\" max=\"");
	html_text(b, max);
	html_raw(b, "\" value=\"");
	html_text(b, def);
	html_raw(b, "\"><p class=\"meta\">You will be asked for your two-step sign-in code if you have "
		    "not just given it.</p><button type=\"submit\">Give access</button></form>");
}

static void notice_line(struct buf *b, const char *done)
{
	if (done == NULL)
		return;
	if (strcmp(done, "granted") == 0)
		html_raw(b, "<p class=\"status ok\" role=\"status\">If they have a medkeep account they "
			    "now have access; we've emailed them.</p>");
	else if (strcmp(done, "revoked") == 0)
		html_raw(b, "<p class=\"status ok\" role=\"status\">Access ended. It stopped working at "
			    "once.</p>");
	else if (strcmp(done, "disconnected") == 0)
		html_raw(b, "<p class=\"status ok\" role=\"status\">App disconnected. It can no longer "
			    "open your record.</p>");
}

static void proxies_page(struct request *req, struct response *res, int status, const char *error)
{
	const struct actor *a = &req->actor;
	struct buf *b = page_buf(req);
	html_begin(b, web_text(req, TEXT_NAV_FAMILY), a, req->csrf);
	web_h1(req, b, TEXT_H_FAMILY);
	notice_line(b, status == 200 ? request_query(req, "done") : NULL);
	if (error) {
		html_raw(b, "<p class=\"error\" role=\"alert\">");
		html_text(b, error);
		html_raw(b, "</p>");
	}
	int switched = web_record_switcher(req, b);
	if (switched != ERR_OK) {
		web_domain_refusal(req, res, switched, "There is no such page.");
		return;
	}
	if (a->has_patient) {
		int rc = web_record_logins(req, b, &a->patient, true);
		if (rc != ERR_OK) {
			web_domain_refusal(req, res, rc, "There is no such page.");
			return;
		}
		grant_form(b, "/proxies", req->csrf, true, "Give someone access to your record");
	}
	html_end(b);
	respond_buf(res, status, html_type, b);
}

void web_proxies(struct request *req, struct response *res)
{
	proxies_page(req, res, 200, NULL);
}

/* The form's fields, read into p. Anything wrong (an unknown scope, a malformed address or
 * date) is left for proxy_grant to refuse, after the gate and the step-up test, so that a
 * record the actor may not manage answers 404 whatever the form holds. */
static void read_grant_form(struct request *req, struct form_field *fields, size_t n, struct proxy_new *p,
			    struct store_account *acct)
{
	memset(p, 0, sizeof(*p));
	for (size_t i = 0; i < n; i++) {
		if (strcmp(fields[i].name, "scope") != 0)
			continue;
		bool known = false;
		for (size_t k = 0; k < N_SCOPES; k++)
			if (strcmp(fields[i].value, proxy_scope_name(scope_bits[k])) == 0) {
				p->scopes |= scope_bits[k];
				known = true;
			}
		if (!known)
			p->scopes |= ~(unsigned)SCOPE_ALL; /* refused by proxy_grant */
	}
	p->email = form_get(fields, n, "email", NULL);
	p->name = form_get(fields, n, "name", NULL);
	p->from_name = form_get(fields, n, "from_name", NULL);
	const char *until = form_get(fields, n, "until", NULL);
	p->not_after = until ? proxy_date_end(until) : -1;
	char *index = arena_alloc(&req->arena, 80);
	if (p->email == NULL || index == NULL || auth_email_index(p->email, index) != 0)
		return; /* no index: proxy_grant asks for a valid address */
	p->email_index = index;
	/* Whether an account has this address never changes the answer (proxy_grant); a failed
	 * lookup makes an invitation. */
	p->grantee = auth_account_lookup(p->email, &req->arena, acct) == ERR_OK ? acct : NULL;
}

typedef void (*grant_page_fn)(struct request *req, struct response *res, int status, const char *error);

/* Give access to patient's record from a submitted form; `here` is the page the form came
 * from (step-up returns there), `page` renders it again with an error. */
static void grant_submit(struct request *req, struct response *res, struct form_field *fields, size_t n,
			 const struct id *patient, const char *here, bool by_practice, grant_page_fn page,
			 const char *missing)
{
	/* The gate first (404 for a record the actor may not manage), then the step-up test,
	 * then the input: proxy_grant checks them in that order. */
	struct proxy_new p;
	struct store_account acct;
	read_grant_form(req, fields, n, &p, &acct);
	if (by_practice)
		p.from_name = NULL; /* the practice's name goes in the email */
	const char *why = NULL;
	int rc = proxy_grant(&req->actor, patient, &p, (int64_t)time(NULL), &why);
	const char *done = arena_printf(&req->arena, "%s?done=granted", here);
	if (rc == ERR_OK) {
		respond_redirect(req, res, done ? done : "/");
	} else if (rc == ERR_STEP_UP) {
		/* answers /step-up?next=here, or asks to set a second factor up first */
		if (web_stepped_up(req, res, here))
			web_error(req, res, 403, "Please give your two-step sign-in code again, then try once more.");
	} else if (rc == ERR_INVALID) {
		page(req, res, 400, why ? why : "That was not accepted.");
	} else {
		web_domain_refusal(req, res, rc, missing);
	}
}

void web_proxy_grant(struct request *req, struct response *res)
{
	struct form_field fields[LIMIT_FORM_FIELDS];
	size_t n = 0;
	if (!web_form_accepted(req, res, fields, &n))
		return;
	grant_submit(req, res, fields, n, &req->actor.patient, "/proxies", false, proxies_page,
		     "There is no such page.");
}

void web_proxy_revoke(struct request *req, struct response *res)
{
	struct form_field fields[LIMIT_FORM_FIELDS];
	size_t n = 0;
	if (!web_form_accepted(req, res, fields, &n))
		return;
	struct id gid, back;
	const char *back_hex = form_get(fields, n, "back", NULL);
	bool to_patient = back_hex && id_parse(&back, back_hex, strlen(back_hex)) == 0;
	const char *reason = form_get(fields, n, "reason", NULL);
	int rc = request_param_id(req, 0, &gid) == 0
			 ? proxy_revoke(&req->actor, &gid, (int64_t)time(NULL), reason)
			 : ERR_NOT_FOUND;
	if (rc == ERR_INVALID) {
		web_error(req, res, 400, "Choose why this access is ending, then end it again. "
					 "Nothing was changed.");
		return;
	}
	if (rc != ERR_OK) {
		web_domain_refusal(req, res, rc, "There is no such access to end.");
		return;
	}
	char hex[ID_HEX_LEN + 1];
	if (to_patient)
		id_hex(&back, hex);
	const char *loc = to_patient ? arena_printf(&req->arena, "/patients/%s/proxies?done=revoked", hex)
				     : "/proxies?done=revoked";
	respond_redirect(req, res, loc ? loc : "/");
}

void web_record_switch(struct request *req, struct response *res)
{
	struct form_field fields[LIMIT_FORM_FIELDS];
	size_t n = 0;
	if (!web_form_accepted(req, res, fields, &n))
		return;
	const char *record = form_get(fields, n, "record", NULL);
	struct id rid;
	int rc;
	if (record && strcmp(record, "own") == 0)
		rc = proxy_choose_record(&req->actor, NULL, (int64_t)time(NULL));
	else if (record && id_parse(&rid, record, strlen(record)) == 0)
		rc = proxy_choose_record(&req->actor, &rid, (int64_t)time(NULL));
	else
		rc = ERR_NOT_FOUND;
	if (rc != ERR_OK) {
		web_domain_refusal(req, res, rc, "There is no such record.");
		return;
	}
	respond_redirect(req, res, "/");
}

/* --- the practice side: a parent's access to a young child's record --- */

static void patient_proxies_page(struct request *req, struct response *res, int status,
				 const char *error)
{
	struct id pid;
	struct patient_view pv;
	int64_t now = (int64_t)time(NULL);
	int rc = request_param_id(req, 0, &pid) == 0 ? patient_read(&req->actor, &pid, &req->arena, &pv)
						     : ERR_NOT_FOUND;
	struct proxy_view *ps = NULL;
	size_t n = 0;
	if (rc == ERR_OK)
		rc = proxy_list(&req->actor, &pid, now, &req->arena, &ps, &n);
	if (rc != ERR_OK) {
		web_domain_refusal(req, res, rc, "There is no such patient.");
		return;
	}
	char hex[ID_HEX_LEN + 1];
	id_hex(&pid, hex);
	struct buf *b = page_buf(req);
	const char *name = arena_printf(&req->arena, "%s, %s", pv.family, pv.given);
	html_begin(b, "Family and carer access", &req->actor, req->csrf);
	html_raw(b, "<p><a href=\"/patients/");
	html_text(b, hex);
	html_raw(b, "\">← ");
	html_text(b, name);
	html_raw(b, "</a></p><h1>Family and carer access</h1>");
	notice_line(b, status == 200 ? request_query(req, "done") : NULL);
	if (error) {
		html_raw(b, "<p class=\"error\" role=\"alert\">");
		html_text(b, error);
		html_raw(b, "</p>");
	}
	grant_rows(b, ps, n, req->csrf, hex);
	int age = proxy_age_years(pv.birth_date, now);
	if (age >= 0 && age < PROXY_CHILD_AGE_YEARS) {
		const char *action = arena_printf(&req->arena, "/patients/%s/proxies", hex);
		grant_form(b, action ? action : "/", req->csrf, false, "Set up a parent's or carer's access");
	} else {
		html_raw(b, "<p class=\"status\">This patient is 16 or older: they give access to their "
			    "record themselves, from their own Family access page.</p>");
	}
	html_end(b);
	respond_buf(res, status, html_type, b);
}

void web_patient_proxies(struct request *req, struct response *res)
{
	patient_proxies_page(req, res, 200, NULL);
}

void web_patient_proxy_grant(struct request *req, struct response *res)
{
	struct form_field fields[LIMIT_FORM_FIELDS];
	size_t n = 0;
	if (!web_form_accepted(req, res, fields, &n))
		return;
	struct id pid;
	char hex[ID_HEX_LEN + 1];
	const char *here = request_param_id(req, 0, &pid) == 0
				   ? (id_hex(&pid, hex), arena_printf(&req->arena, "/patients/%s/proxies", hex))
				   : NULL;
	if (here == NULL) {
		web_error(req, res, 404, "There is no such patient.");
		return;
	}
	grant_submit(req, res, fields, n, &pid, here, true, patient_proxies_page, "There is no such patient.");
}
