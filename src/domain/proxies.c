/*
 * Family and carer (proxy) access: the rules (domain/proxies.h). The gate (policy.c) decides
 * who may grant, list and revoke; this file checks the input, seals the grant's detail with
 * the patient's key, puts each decision on record and tells the grantee.
 */
#include "domain/proxies.h"
#include "domain/domain_int.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "audit/audit.h"
#include "crypto/crypto.h"
#include "limits.h"
#include "store/passkey.h" /* store_account_email_ct */
#include "store/apps.h" /* store_app_refresh_list */
#include "store/proxy.h"
#include "util/buf.h"
#include "util/nztime.h"
#include "util/strtonum.h"
#include "util/wipe.h"
#include "vault/vault.h"
#include "domain/outbox.h"

#define RTYPE "ProxyGrant"

/* "YYYY-MM-DD" into its parts; 0 when it is one (a real calendar date). */
static int parse_ymd(const char *s, struct tm *tm)
{
	char y[5], m[3], d[3];
	int64_t yy, mm, dd;
	if (s == NULL || strlen(s) != 10 || s[4] != '-' || s[7] != '-')
		return -1;
	memcpy(y, s, 4), y[4] = '\0';
	memcpy(m, s + 5, 2), m[2] = '\0';
	memcpy(d, s + 8, 2), d[2] = '\0';
	if (parse_int64(y, 1900, 9999, &yy) != 0 || parse_int64(m, 1, 12, &mm) != 0 ||
	    parse_int64(d, 1, 31, &dd) != 0)
		return -1;
	memset(tm, 0, sizeof(*tm));
	tm->tm_year = (int)yy - 1900;
	tm->tm_mon = (int)mm - 1;
	tm->tm_mday = (int)dd;
	struct tm check = *tm;
	time_t t = timegm(&check);
	/* timegm normalises 31 February into March: refuse what moved */
	return (t == (time_t)-1 || check.tm_mday != tm->tm_mday || check.tm_mon != tm->tm_mon) ? -1 : 0;
}

int64_t proxy_date_end(const char *ymd)
{
	struct tm tm;
	if (parse_ymd(ymd, &tm) != 0)
		return -1;
	/* The end of that day in New Zealand: midnight starting the next (a day is not always
	 * 24 hours long there). */
	int64_t end;
	if (nz_from_local(tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, 0, 0, &end) != 0)
		return -1;
	return nz_day_start(end, 1);
}

int proxy_age_years(const char *birth_date, int64_t now)
{
	struct tm born, today;
	if (parse_ymd(birth_date, &born) != 0)
		return -1;
	nz_local(now, &today); /* the birthday comes at midnight in New Zealand */
	int age = today.tm_year - born.tm_year;
	if (today.tm_mon < born.tm_mon || (today.tm_mon == born.tm_mon && today.tm_mday < born.tm_mday))
		age--;
	return age < 0 ? -1 : age;
}

static bool text_ok(const char *s, size_t max)
{
	if (s == NULL || s[0] == '\0' || strlen(s) > max)
		return false;
	for (const char *p = s; *p; p++)
		if ((unsigned char)*p < 0x20 || *p == 0x7f)
			return false;
	return true;
}

/* One UTF-8 code point from s (at most n bytes): its length, or 0 when malformed (overlong,
 * surrogate, above U+10FFFF, cut short). */
static size_t utf8_next(const unsigned char *s, size_t n, uint32_t *cp)
{
	unsigned char c = s[0];
	size_t len = c < 0x80 ? 1 : (c & 0xe0) == 0xc0 ? 2 : (c & 0xf0) == 0xe0 ? 3 : (c & 0xf8) == 0xf0 ? 4 : 0;
	if (len == 0 || len > n)
		return 0;
	uint32_t v = len == 1 ? c : len == 2 ? (c & 0x1fu) : len == 3 ? (c & 0x0fu) : (c & 0x07u);
	for (size_t i = 1; i < len; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		v = (v << 6) | (s[i] & 0x3fu);
	}
	static const uint32_t min[5] = {0, 0, 0x80, 0x800, 0x10000};
	if (v < min[len] || v > 0x10ffff || (v >= 0xd800 && v <= 0xdfff))
		return 0;
	*cp = v;
	return len;
}

/* A code point that may stand in a name beyond ASCII: letters and marks of any script, not the
 * blocks of punctuation, symbols, format characters and look-alikes of . / @ : that would let a
 * label read as an address or a link. */
static bool label_codepoint_ok(uint32_t c)
{
	if (c < 0xa0)
		return false; /* ASCII is decided by the caller; C1 controls never */
	if (c <= 0xbf || c == 0xd7 || c == 0xf7)
		return false; /* Latin-1 punctuation and symbols, x and / signs */
	if ((c >= 0x2000 && c <= 0x2bff) || /* punctuation, format and bidi controls, symbols */
	    (c >= 0x2e00 && c <= 0x2e7f) || /* supplemental punctuation */
	    (c >= 0x3000 && c <= 0x303f) || /* CJK punctuation (U+3002, a dot in domain names) */
	    (c >= 0xd800 && c <= 0xf8ff) || /* surrogates, private use */
	    (c >= 0xfe00 && c <= 0xfe6f) || /* variation selectors, small and vertical forms */
	    (c >= 0xfeff && c <= 0xffff) || /* BOM, fullwidth and halfwidth forms, specials */
	    c >= 0xe0000)                   /* tags, private use */
		return false;
	return c != 0x034f && c != 0x061c && c != 0x115f && c != 0x1160 && c != 0x17b4 &&
	       c != 0x17b5 && c != 0x180e && c != 0x3164; /* invisible and fillers */
}

bool proxy_label_ok(const char *s)
{
	if (s == NULL || s[0] == '\0' || s[0] == ' ')
		return false;
	const unsigned char *p = (const unsigned char *)s;
	size_t n = strlen(s), chars = 0;
	bool letter = false;
	for (size_t i = 0; i < n;) {
		uint32_t c;
		size_t len = utf8_next(p + i, n - i, &c);
		if (len == 0 || ++chars > LIMIT_LABEL_CHARS)
			return false;
		if (c < 0x80) {
			bool alpha = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
			if (alpha) {
				letter = true;
			} else if (c == ' ') {
				if (p[i + 1] == ' ' || p[i + 1] == '\0')
					return false; /* one space between words, none at the end */
			} else if (c == '.') {
				if (p[i + 1] != ' ' && p[i + 1] != '\0' && p[i + 1] != ')' && p[i + 1] != ',')
					return false; /* "J. Smith", never "evil.com" */
			} else if (c != '\'' && c != '-' && c != '(' && c != ')' && c != ',') {
				return false;
			}
		} else if (label_codepoint_ok(c)) {
			letter = true;
		} else {
			return false;
		}
		i += len;
	}
	return letter;
}

static const char *check_input(const struct proxy_new *p, int64_t now)
{
	if (p->email == NULL || p->email_index == NULL || !text_ok(p->email, LIMIT_EMAIL))
		return "Enter a valid email address for the person you are giving access to.";
	if (!text_ok(p->name, 100))
		return "Enter their name (up to 100 characters), so you can recognise them in your list.";
	if (p->from_name && p->from_name[0] && !proxy_label_ok(p->from_name))
		return "Your name goes into our email to them as it is, so it can be only a name: "
		       "letters, spaces, ' - . ( ), up to 60 characters, with no web or email address, "
		       "numbers or other symbols.";
	if (p->scopes == 0 || (p->scopes & ~(unsigned)SCOPE_ALL) != 0)
		return "Choose at least one part of the record to share.";
	if (p->not_after <= now)
		return "Choose an end date after today (access must end on a date you choose).";
	/* the last day offered is the New Zealand day PROXY_MAX_DAYS - 1 ahead, whose end is
	 * the next midnight there: compared as days, not as 24-hour steps (clocks change) */
	if (p->not_after > nz_day_start(now, PROXY_MAX_DAYS))
		return "Access can last at most two years. Choose an earlier end date.";
	return NULL;
}

/* A child's record: only while they are younger than PROXY_CHILD_AGE_YEARS. */
static enum err check_child(const struct actor *a, const struct id *patient, int64_t now, struct arena *ar,
			    const char **why)
{
	struct patient_view pv;
	int rc = patient_read(a, patient, ar, &pv);
	if (rc != ERR_OK)
		return rc;
	int age = proxy_age_years(pv.birth_date, now);
	if (age < 0 || age >= PROXY_CHILD_AGE_YEARS) {
		*why = "A practice can set up a parent's access only to the record of a child under 16. "
		       "Older patients give access themselves, from their own Family access page.";
		return ERR_INVALID;
	}
	return ERR_OK;
}

static char *detail_json(const struct proxy_new *p, bool by_practice)
{
	json_t *o = json_pack("{s:s, s:s, s:b}", "name", p->name, "email", p->email, "practice",
			      by_practice);
	char *s = o ? json_dumps(o, JSON_COMPACT) : NULL;
	json_decref(o);
	return s;
}

/* The grantee's email: who gave access, until when, where to find it. Nothing else. Made for
 * an address without a usable account too (the lookup finds nothing, nothing is sent), so that
 * the answer costs the same whether or not the address has an account. */
static char *grantee_mail(const struct id *to, const char *from, const char *whose, int64_t not_after,
			  struct arena *ar, struct bytes *email_ct)
{
	char until[NZ_DAY_LEN];
	nz_day(not_after - 1, until, sizeof(until));
	/* Set up by the practice: the record is a child's, named by first name only (the parent
	 * knows whose it is; nothing clinical). Given by the patient: their own record. */
	const char *record = whose ? arena_printf(ar, "%s's health record", whose) : "their health record";
	char *body = arena_printf(ar,
				  "%s has given you access to %s on the patient portal, "
				  "until %s.\n\nSign in to the patient portal and open Family access to "
				  "see it. If you did not expect this, you can ignore this email.\n",
				  from, record ? record : "a health record", until);
	memset(email_ct, 0, sizeof(*email_ct));
	if (store_account_email_ct(to, ar, email_ct) != ERR_OK)
		email_ct->len = 0;
	return body;
}

enum err proxy_grant(const struct actor *a, const struct id *patient, const struct proxy_new *p,
		     int64_t now, const char **why)
{
	*why = NULL;
	struct grant g;
	int rc = domain_gate(a, ACTION_PROXY_GRANT, patient, RTYPE, NULL, &g);
	if (rc != ERR_OK)
		return rc;
	if (!policy_factor_fresh(a, now)) {
		if (domain_audit(a, ACTION_PROXY_GRANT, patient, RTYPE, NULL, "stepup", 0) != 0)
			return ERR_INTERNAL;
		return ERR_STEP_UP;
	}
	if ((*why = check_input(p, now)) != NULL)
		return ERR_INVALID;
	bool by_practice = g.via == VIA_STAFF;
	struct arena ar;
	arena_init(&ar, LIMIT_ACCOUNT_ARENA);
	if (by_practice && !policy_may_grant_for_child(a)) {
		rc = ERR_NOT_FOUND;
		goto out;
	}
	if (by_practice && (rc = check_child(a, patient, now, &ar, why)) != ERR_OK)
		goto out;
	rc = ERR_INTERNAL;
	const char *from = p->from_name && p->from_name[0] ? p->from_name : "A patient";
	if (by_practice && (a->has_practice == false ||
			    store_practice_name(&a->practice, &ar, &from) != ERR_OK || from == NULL))
		goto out;
	/* Only another patient-role account can act as a proxy; anything else (no account, staff,
	 * locked, the patient's own) gets an invitation that gives nobody access. */
	const struct store_account *to = p->grantee;
	bool usable = to != NULL && to->role == ROLE_PATIENT && !to->locked &&
		      !(to->has_patient && id_eq(&to->patient, patient));
	struct store_proxy_row row;
	memset(&row, 0, sizeof(row));
	random_id(&row.id);
	row.patient = *patient;
	row.invite = !usable;
	if (usable)
		row.account = to->id;
	row.created_by = a->account;
	row.scopes = p->scopes;
	row.not_after = p->not_after;
	row.created = now;
	struct store_patient pat;
	int s = store_patient_get(&g, patient, &ar, &pat);
	if (s == ERR_GONE) {
		rc = domain_gone(a, ACTION_PROXY_GRANT, patient, RTYPE, NULL);
		goto out;
	}
	char *detail = s == ERR_OK ? detail_json(p, by_practice) : NULL;
	if (detail == NULL)
		goto out;
	struct buf sealed;
	buf_init(&sealed, &ar, LIMIT_RECORD_FIELDS);
	int v = vault_record_seal(a->token, &g, &pat, VREC_PROXY, &row.id, detail, strlen(detail), &sealed);
	wipe(detail, strlen(detail));
	free(detail);
	if (v != ERR_OK) {
		rc = domain_vault_failed(a, v);
		goto out;
	}
	row.detail = (struct bytes){(const uint8_t *)sealed.data, sealed.len};
	struct bytes mail_to;
	/* The child's first name, read through the gate (audited), on both paths alike. */
	const char *whose = by_practice ? patient_first_name_read(a, patient, &ar) : NULL;
	char *body = grantee_mail(usable ? &to->id : &row.id, from, whose, p->not_after, &ar, &mail_to);
	/* Sealed on both paths (the same work whether or not the address has an account). */
	struct store_mail mail;
	bool mail_ok = outbox_seal(usable ? &to->id : &row.id, mail_to,
				   "You have been given access to a health record on a patient portal", body, &ar,
				   &mail) == 0;
	/* Audit first: a grant that is not on record must not exist. */
	if (domain_audit(a, ACTION_PROXY_GRANT, patient, RTYPE, &row.id, AUDIT_ALLOW, 0) != 0 ||
	    store_proxy_insert(&g, &row, p->email_index, now,
			       usable && mail_ok ? &mail : NULL) != ERR_OK)
		goto out;
	rc = ERR_OK;
out:
	arena_release(&ar);
	return rc;
}

static void detail_decode(const struct buf *pt, struct arena *ar, struct proxy_view *v)
{
	json_t *o = json_loadb(pt->data, pt->len, 0, NULL);
	const char *name = json_string_value(json_object_get(o, "name"));
	const char *email = json_string_value(json_object_get(o, "email"));
	v->name = arena_strdup(ar, name ? name : "");
	v->email = arena_strdup(ar, email ? email : "");
	v->by_practice = json_is_true(json_object_get(o, "practice"));
	json_decref(o);
}

enum err proxy_list(const struct actor *a, const struct id *patient, int64_t now, struct arena *ar,
		    struct proxy_view **out, size_t *n)
{
	*n = 0;
	struct grant g;
	int rc = domain_gate(a, ACTION_PROXY_LIST, patient, RTYPE, NULL, &g);
	if (rc != ERR_OK)
		return rc;
	struct store_patient pat;
	struct store_proxy_row *rows;
	size_t count = 0;
	int s = store_patient_get(&g, patient, ar, &pat);
	if (s == ERR_GONE)
		return domain_gone(a, ACTION_PROXY_LIST, patient, RTYPE, NULL);
	if (s != ERR_OK || store_proxy_list(&g, patient, now, ar, &rows, &count) != ERR_OK)
		return ERR_INTERNAL;
	*out = arena_calloc(ar, count ? count : 1, sizeof(**out));
	if (*out == NULL)
		return ERR_INTERNAL;
	for (size_t i = 0; i < count; i++) {
		struct proxy_view *v = &(*out)[i];
		v->id = rows[i].id;
		v->scopes = rows[i].scopes;
		v->not_after = rows[i].not_after;
		v->created = rows[i].created;
		if (rows[i].detail.len == 0) {
			/* a grant written without details (by a tool): still listed, to be ended */
			v->name = "Someone (no details recorded)";
			v->email = "";
			continue;
		}
		struct buf pt;
		buf_init(&pt, ar, LIMIT_RECORD_FIELDS);
		int vr = vault_record_open(a->token, &g, &pat, VREC_PROXY, &rows[i].id, rows[i].detail, &pt);
		if (vr != ERR_OK)
			return domain_vault_failed(a, vr);
		detail_decode(&pt, ar, v);
	}
	if (domain_audit(a, ACTION_PROXY_LIST, patient, RTYPE, NULL, AUDIT_ALLOW, 0) != 0)
		return ERR_INTERNAL;
	*n = count;
	return ERR_OK;
}

static const struct proxy_end_reason end_reasons[] = {
	{"patient-asked", "The patient asked for it to end"},
	{"holder-asked", "The person with access asked for it to end"},
	{"care-changed", "Care or custody arrangements changed"},
	{"safety", "A concern for the patient's safety"},
	{"error", "It was set up in error"},
};

const struct proxy_end_reason *proxy_end_reason_at(size_t i)
{
	return i < sizeof(end_reasons) / sizeof(end_reasons[0]) ? &end_reasons[i] : NULL;
}

static const char *end_reason_code(const char *code)
{
	for (size_t i = 0; code != NULL && i < sizeof(end_reasons) / sizeof(end_reasons[0]); i++)
		if (strcmp(code, end_reasons[i].code) == 0)
			return end_reasons[i].code;
	return NULL;
}

enum err proxy_revoke(const struct actor *a, const struct id *grant_id, int64_t now, const char *reason)
{
	struct target t;
	int s = store_proxy_target(grant_id, now, &t);
	if (s == ERR_INTERNAL)
		return ERR_INTERNAL;
	if (s == ERR_NOT_FOUND)
		return domain_miss(a, ACTION_PROXY_REVOKE, NULL, RTYPE, grant_id, AUDIT_NOT_FOUND);
	struct id patient = t.patient;
	struct grant g;
	int rc = domain_gate_target(a, ACTION_PROXY_REVOKE, &t, RTYPE, grant_id, &g);
	if (rc != ERR_OK)
		return rc;
	/* The practice says why (a fixed code); the patient ends access to their own record
	 * without giving a reason. */
	const char *code = g.via == VIA_STAFF ? end_reason_code(reason) : NULL;
	if (g.via == VIA_STAFF && code == NULL)
		return ERR_INVALID;
	if (domain_audit(a, ACTION_PROXY_REVOKE, &patient, RTYPE, grant_id, AUDIT_ALLOW, 0) != 0)
		return ERR_INTERNAL;
	s = store_proxy_revoke(&g, grant_id, now, &a->account, code);
	return s == ERR_OK ? ERR_OK : s == ERR_NOT_FOUND ? ERR_NOT_FOUND : ERR_INTERNAL;
}

/* The apps connected to patient's record by its own logins (their consents that can still
 * renew), into out->apps. */
static enum err record_apps(const struct id *patient, struct arena *ar, struct record_logins *out)
{
	struct store_account *own = NULL;
	size_t n_own = 0;
	if (store_patient_accounts(patient, ar, &own, &n_own) != ERR_OK)
		return ERR_INTERNAL;
	out->n_own = n_own;
	size_t cap = n_own * APP_FAMILIES_MAX;
	out->apps = arena_calloc(ar, cap ? cap : 1, sizeof(*out->apps));
	if (out->apps == NULL)
		return ERR_INTERNAL;
	for (size_t i = 0; i < n_own; i++) {
		out->n_own_locked += own[i].locked;
		struct store_app_refresh *f = NULL;
		size_t nf = 0;
		if (store_app_refresh_list(&own[i].id, ar, &f, &nf) != ERR_OK)
			return ERR_INTERNAL;
		for (size_t k = 0; k < nf; k++) {
			if (!id_eq(&f[k].patient, patient))
				continue;
			struct record_app_view *v = &out->apps[out->n_apps++];
			v->family = f[k].family;
			v->name = arena_strdup(ar, f[k].name);
			v->created = f[k].created;
			v->expires = f[k].expires;
			v->offline = f[k].offline;
		}
	}
	return ERR_OK;
}

enum err proxy_record_logins(const struct actor *a, const struct id *patient, int64_t now,
			     struct arena *ar, struct record_logins *out)
{
	memset(out, 0, sizeof(*out));
	/* proxy_list asks the gate (ACTION_PROXY_LIST) and audits; only then the rest */
	int rc = proxy_list(a, patient, now, ar, &out->proxies, &out->n_proxies);
	if (rc != ERR_OK)
		return rc;
	return record_apps(patient, ar, out);
}

enum err proxy_held(const struct actor *a, int64_t now, struct arena *ar, struct proxy_held_view **out,
		    size_t *n)
{
	*n = 0;
	struct store_proxy_held *held;
	size_t count = 0;
	if (a->role != ROLE_PATIENT)
		return ERR_OK;
	if (store_proxy_held(&a->account, now, ar, &held, &count) != ERR_OK)
		return ERR_INTERNAL;
	*out = arena_calloc(ar, count ? count : 1, sizeof(**out));
	if (*out == NULL)
		return ERR_INTERNAL;
	for (size_t i = 0; i < count; i++) {
		struct patient_view pv;
		int rc = patient_read(a, &held[i].patient, ar, &pv);
		if (rc == ERR_NOT_FOUND || rc == ERR_GONE)
			continue; /* ended meanwhile, or erased */
		if (rc != ERR_OK)
			return rc;
		struct proxy_held_view *v = &(*out)[(*n)++];
		v->patient = held[i].patient;
		v->scopes = held[i].scopes;
		v->not_after = held[i].not_after;
		v->given = pv.given;
		v->family = pv.family;
	}
	return ERR_OK;
}

enum err proxy_choose_record(const struct actor *a, const struct id *record, int64_t now)
{
	bool own = record == NULL || (a->has_patient && id_eq(record, &a->patient));
	unsigned scopes = 0;
	if (!own && (a->role != ROLE_PATIENT ||
		     store_proxy_scopes(&a->account, record, now, &scopes) != ERR_OK || scopes == 0))
		return domain_miss(a, ACTION_PATIENT_READ, NULL, "Patient", record, AUDIT_DENY);
	struct audit_event e = {.actor = a,
				.action = "record.switch",
				.patient = own ? (a->has_patient ? &a->patient : NULL) : record,
				.rtype = "Patient",
				.rid = own ? NULL : record,
				.outcome = AUDIT_ALLOW,
				.via = own ? "self" : "proxy",
				.deferrable = true};
	if (audit_append(&e) != 0)
		return ERR_INTERNAL;
	return store_session_set_record(&a->account, &a->session, own ? NULL : record) == ERR_OK
		       ? ERR_OK
		       : ERR_INTERNAL;
}
