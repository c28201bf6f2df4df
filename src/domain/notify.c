/*
 * Notices (see notify.h, docs/internals/NOTICES.md). Who is told is decided here from the
 * record's own logins, the live proxy grants on it (policy_notice_to_proxy: within the
 * grant's scopes) and each account's choices; what is said is one sentence naming the
 * practice, the portal's address, and nothing clinical. The address each mail goes to is the
 * account's own (sealed at registration), never one typed by whoever caused the event.
 */
#include "domain/notify.h"

#include <string.h>
#include <time.h>

#include "audit/audit.h"
#include "domain/domain_int.h"
#include "domain/outbox.h"
#include "limits.h"
#include "store/appointments.h"
#include "store/notify.h"
#include "store/passkey.h"
#include "store/proxy.h"
#include "store/store.h"
#include "util/log.h"
#include "util/nztime.h"
#include "util/text.h"

static const struct notify_kind_info kinds[] = {
	{NOTIFY_RESULTS, "results", "A result is ready to view", ACTION_RESULT_READ},
	{NOTIFY_REPEATS, "repeats", "A repeat prescription is approved or declined",
	 ACTION_MEDICATION_LIST},
	{NOTIFY_APPOINTMENTS, "appointments", "An appointment is booked or cancelled",
	 ACTION_APPOINTMENT_LIST},
	{NOTIFY_REMINDERS, "reminders", "A reminder the day before an appointment",
	 ACTION_APPOINTMENT_LIST},
	{NOTIFY_MESSAGES, "messages", "A message from the practice", ACTION_MESSAGE_READ},
	{NOTIFY_RECALLS, "recalls", "A recall (a screening or review) is due", ACTION_RECALL_LIST},
	{NOTIFY_STAFF_MESSAGES, "staff-messages", "Patients' messages are waiting in the inbox",
	 ACTION_MESSAGE_READ},
	{NOTIFY_STAFF_TRANSFERS, "staff-transfers",
	 "Another practice asks to take on one of this practice's patients", ACTION_PATIENT_READ},
};

const struct notify_kind_info *notify_kinds(size_t *n)
{
	*n = sizeof(kinds) / sizeof(kinds[0]);
	return kinds;
}

static const struct notify_kind_info *kind_info(unsigned bit)
{
	for (size_t i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++)
		if (kinds[i].bit == bit)
			return &kinds[i];
	return NULL;
}

int64_t notify_reminder_at(int64_t start)
{
	struct tm day;
	nz_local(nz_day_start(start, -1), &day);
	int64_t at;
	if (nz_from_local(day.tm_year + 1900, day.tm_mon + 1, day.tm_mday, NOTIFY_REMINDER_HOUR, 0,
			  &at) != 0)
		return start - 24 * 3600;
	return at;
}

const char *notify_practice_name(const struct id *practice, struct arena *ar)
{
	const char *name = NULL;
	if (store_practice_name(practice, ar, &name) != ERR_OK || name == NULL || name[0] == '\0')
		return "your practice";
	return name;
}

/* The account's language for its emails (English when it cannot be read). */
static enum lang account_lang(const struct id *account)
{
	enum lang l = LANG_EN;
	if (store_account_lang(account, &l) != ERR_OK)
		l = LANG_EN;
	return l;
}

/* The event's line in lang: its template filled with its values, each translated one in lang. */
static const char *event_line(const struct notify_event *e, enum lang l, struct arena *ar)
{
	const char *args[TEXT_ARGS];
	for (size_t i = 0; i < TEXT_ARGS; i++)
		args[i] = e->arg_text[i] != TEXT_NONE ? text_get(l, e->arg_text[i]) : e->args[i];
	return text_fill(ar, text_get(l, e->line), args, TEXT_ARGS);
}

/* The whole email in lang: the line, the portal's address as plain text, the practice
 * signing. A proxy's copy says whose record it is about: the first name only (held, or NULL
 * when it could not be read) and the practice. */
static const char *compose(enum lang l, const struct notify_event *e, const char *practice,
			   bool proxy, const char *held, struct arena *ar)
{
	const char *line = event_line(e, l, ar);
	const char *about_args[] = {held ? held : practice, practice};
	const char *about = !proxy ? ""
			    : text_fill(ar, text_get(l, held ? TEXT_MAIL_ABOUT_HELD : TEXT_MAIL_ABOUT_RECORD),
					about_args, 2);
	const char *footer = text_fill(ar, text_get(l, TEXT_MAIL_FOOTER), &practice, 1);
	if (line == NULL || about == NULL || footer == NULL)
		return NULL;
	return arena_printf(ar, "%s\n\n%s\n%s%s%s\n%s\n\n    %s\n\n%s\n\n-- \n%s\n%s\n",
			    text_get(l, TEXT_MAIL_GREETING), line, proxy ? "\n" : "", about,
			    proxy ? "\n" : "", text_get(l, TEXT_MAIL_SIGN_IN), outbox_portal_url(),
			    text_get(l, TEXT_MAIL_PRIVACY), practice, footer);
}

/* The first name of the notice's patient for the proxies' copy, read as the actor whose act it
 * reports when the gate would let them (a patient, a proxy, the practice's clinician), else
 * NULL without a refusal on record: a feed that may not read names is not probing. */
static const char *held_first_name(const struct actor *a, const struct id *patient, struct arena *ar)
{
	struct target t;
	struct grant g;
	if (store_patient_target(patient, &t) != ERR_OK)
		return NULL;
	t.proxy_scopes = 0;
	if (a->role == ROLE_PATIENT && !(a->has_patient && id_eq(&a->patient, patient)) &&
	    store_proxy_scopes(&a->account, patient, (int64_t)time(NULL), &t.proxy_scopes) != ERR_OK)
		return NULL;
	if (policy_decide(a, ACTION_PATIENT_READ, &t, &g) != 0)
		return NULL;
	return patient_first_name_read(a, patient, ar);
}

/* Seal and queue one notice to one account; logs (ids only) on failure. */
static void queue_one(const struct id *account, struct bytes to_ct, const struct notify_event *e,
		      enum lang l, const char *body)
{
	struct arena ar;
	arena_init(&ar, LIMIT_OUTBOX_ARENA);
	struct store_mail m;
	const struct notify_kind_info *k = kind_info(e->kind);
	if (body == NULL ||
	    outbox_seal(account, to_ct, text_get(l, e->subject), body, &ar, &m) != 0 ||
	    store_outbox_schedule(&m, e->not_before, e->ref, k ? k->slug : "") != ERR_OK) {
		char hex[ID_HEX_LEN + 1];
		id_hex(account, hex);
		log_warn("component=notify event=queue-failed account=%s", hex);
	}
	arena_release(&ar);
}

/* Whether account has kind on for record: its choice, else the default (own on, held off). */
static bool wants(const struct id *account, const struct id *record, unsigned kind, bool own)
{
	unsigned set = 0, on = 0;
	if (store_notify_pref_get(account, record, &set, &on) != ERR_OK)
		return false;
	return (set & kind) ? (on & kind) != 0 : own;
}

void notify_withdraw(const struct id *ref)
{
	if (store_outbox_withdraw(ref) != ERR_OK)
		log_warn("component=notify event=withdraw-failed");
}

/* The bodies of one notice, composed once per language and kept for its other recipients. */
struct bodies {
	const char *text[LANG_COUNT];
};

static const char *body_in(struct bodies *bs, enum lang l, const struct notify_event *e,
			   const char *practice, bool proxy, const char *held, struct arena *ar)
{
	if (bs->text[l] == NULL)
		bs->text[l] = compose(l, e, practice, proxy, held, ar);
	return bs->text[l];
}

/* Queue e to the record's own logins (all of them when `always`, else those who want it). */
static void queue_owners(const struct notify_event *e, const char *practice, bool always,
			 struct arena *ar)
{
	struct store_account *own = NULL;
	size_t n_own = 0;
	struct bodies bs = {0};
	if (store_patient_accounts(&e->patient, ar, &own, &n_own) != ERR_OK) {
		log_warn("component=notify event=recipients-failed");
		return;
	}
	for (size_t i = 0; i < n_own; i++) {
		if (!own[i].email_ct.len || own[i].locked ||
		    (!always && !wants(&own[i].id, &e->patient, e->kind, true)))
			continue;
		enum lang l = account_lang(&own[i].id);
		queue_one(&own[i].id, own[i].email_ct, e, l, body_in(&bs, l, e, practice, false, NULL, ar));
	}
}

void notify_record(const struct actor *a, const struct notify_event *e)
{
	const struct notify_kind_info *k = kind_info(e->kind);
	if (a == NULL || a->token == NULL || k == NULL || e->line == TEXT_NONE)
		return;
	if (e->ref)
		notify_withdraw(e->ref);
	struct arena ar;
	arena_init(&ar, LIMIT_NOTIFY_ARENA);
	const char *practice = notify_practice_name(&e->practice, &ar);
	queue_owners(e, practice, false, &ar);
	struct store_notify_proxy *held = NULL;
	size_t n_held = 0;
	if (store_notify_proxies(&e->patient, (int64_t)time(NULL), &ar, &held, &n_held) != ERR_OK) {
		log_warn("component=notify event=recipients-failed");
		arena_release(&ar);
		return;
	}
	struct bodies bs = {0};
	bool named = false;
	const char *name = NULL;
	for (size_t i = 0; i < n_held; i++) {
		if (!policy_notice_to_proxy(held[i].scopes, k->about) ||
		    !wants(&held[i].account, &e->patient, e->kind, false))
			continue;
		/* Whose record, for the proxies' copy: the first name, read (and audited) as the
		 * actor whose act this notice reports, once, only when a proxy is told. */
		if (!named) {
			name = held_first_name(a, &e->patient, &ar);
			named = true;
		}
		enum lang l = account_lang(&held[i].account);
		queue_one(&held[i].account, held[i].email_ct, e, l,
			  body_in(&bs, l, e, practice, true, name, &ar));
	}
	arena_release(&ar);
}

void notify_record_owner(const struct actor *a, const struct notify_event *e)
{
	if (a == NULL || a->token == NULL || e->line == TEXT_NONE)
		return;
	struct arena ar;
	arena_init(&ar, LIMIT_NOTIFY_ARENA);
	queue_owners(e, notify_practice_name(&e->practice, &ar), true, &ar);
	arena_release(&ar);
}

void notify_result_ready(const struct actor *a, const struct id *result, const struct id *patient,
			 const struct id *practice, int64_t release_at, struct arena *ar)
{
	int64_t now = (int64_t)time(NULL);
	struct notify_event e = {.kind = NOTIFY_RESULTS, .patient = *patient, .practice = *practice,
				 .ref = result, .not_before = release_at > now ? release_at : 0,
				 .subject = TEXT_MAIL_RESULT_SUBJECT, .line = TEXT_MAIL_RESULT_LINE,
				 .args = {notify_practice_name(practice, ar)}};
	notify_withdraw(result);
	notify_record(a, &e);
}

/* Queue e to each of staff[0..n) who wants its kind (on by default), each in their own
 * language, at most once per NOTIFY_STAFF_WINDOW_SECONDS each: the claim last, so a notice
 * is counted only when it is about to be queued. */
static void queue_staff(const struct store_staff *staff, size_t n, const struct notify_event *e,
			const char *practice, struct arena *ar)
{
	static const struct id zero;
	const struct notify_kind_info *k = kind_info(e->kind);
	int64_t now = (int64_t)time(NULL);
	struct bodies bs = {0};
	for (size_t i = 0; k != NULL && i < n && i < LIMIT_NOTIFY_STAFF; i++) {
		struct bytes to = {0};
		if (!wants(&staff[i].account, &zero, e->kind, true) ||
		    store_account_email_ct(&staff[i].account, ar, &to) != ERR_OK || to.len == 0)
			continue;
		enum err claim = e->kind == NOTIFY_STAFF_MESSAGES
					 ? store_notify_staff_claim(&staff[i].account, now,
								    NOTIFY_STAFF_WINDOW_SECONDS)
					 : store_notify_staff_claim_kind(&staff[i].account, k->slug, now,
									 NOTIFY_STAFF_WINDOW_SECONDS);
		if (claim != ERR_OK)
			continue;
		enum lang l = account_lang(&staff[i].account);
		queue_one(&staff[i].account, to, e, l, body_in(&bs, l, e, practice, false, NULL, ar));
	}
}

void notify_staff_messages(const struct actor *a, const struct id *practice)
{
	if (a == NULL || a->token == NULL)
		return;
	struct arena ar;
	arena_init(&ar, LIMIT_NOTIFY_ARENA);
	struct store_staff *staff = NULL;
	size_t n = 0;
	const char *name = notify_practice_name(practice, &ar);
	struct notify_event e = {.kind = NOTIFY_STAFF_MESSAGES, .subject = TEXT_MAIL_STAFF_SUBJECT,
				 .line = TEXT_MAIL_STAFF_LINE, .args = {name}};
	if (store_practice_clinicians(practice, &ar, &staff, &n) != ERR_OK)
		log_warn("component=notify event=staff-failed");
	else
		queue_staff(staff, n, &e, name, &ar);
	arena_release(&ar);
}

void notify_staff_transfer(const struct actor *a, const struct id *practice,
			   const struct id *asking)
{
	if (a == NULL || a->token == NULL)
		return;
	struct arena ar;
	arena_init(&ar, LIMIT_NOTIFY_ARENA);
	struct store_staff *staff = NULL;
	size_t n = 0;
	const char *name = notify_practice_name(practice, &ar);
	/* The asking practice and where to decide; never the patient (no name, NHI or id). */
	struct notify_event e = {.kind = NOTIFY_STAFF_TRANSFERS,
				 .subject = TEXT_MAIL_TRANSFER_SUBJECT, .line = TEXT_MAIL_TRANSFER_LINE,
				 .args = {notify_practice_name(asking, &ar), name}};
	if (store_practice_staff(practice, &ar, &staff, &n) != ERR_OK)
		log_warn("component=notify event=staff-failed");
	else
		queue_staff(staff, n, &e, name, &ar);
	arena_release(&ar);
}

/* --- choices --- */

static enum err audit_choice(const struct actor *a, const struct id *record, bool write)
{
	static const struct id zero;
	if (record != NULL && !id_eq(record, &zero))
		return domain_audit(a, ACTION_NOTICE_PREFS, record, "NoticePreference", NULL,
				    AUDIT_ALLOW, 0) == 0 ? ERR_OK : ERR_INTERNAL;
	struct audit_event ev = {.actor = a, .action = write ? "notice.prefs.set" : "notice.prefs",
				 .rtype = "-", .outcome = AUDIT_ALLOW, .deferrable = !write};
	return audit_append(&ev) == 0 ? ERR_OK : ERR_INTERNAL;
}

/* The staff kinds this account may choose (and receives). */
static unsigned staff_offered(const struct actor *a)
{
	return (policy_gets_staff_notices(a->role, a->has_practice) ? NOTIFY_STAFF_MESSAGES : 0) |
	       (policy_gets_transfer_notices(a->role, a->has_practice) ? NOTIFY_STAFF_TRANSFERS : 0);
}

/* One record's view: the kinds a proxy's grant covers, or all patient kinds for one's own. */
static void record_view(const struct actor *a, const struct id *record, bool own, unsigned scopes,
			struct notify_prefs_view *v)
{
	memset(v, 0, sizeof(*v));
	v->record = *record;
	v->own = own;
	for (size_t i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++) {
		unsigned bit = kinds[i].bit;
		if (!(bit & NOTIFY_PATIENT_KINDS) || (!own && !policy_notice_to_proxy(scopes, kinds[i].about)))
			continue;
		v->offered |= bit;
		if (wants(&a->account, record, bit, own))
			v->on |= bit;
	}
}

enum err notify_prefs_list(const struct actor *a, struct arena *ar, struct notify_prefs_view **out,
			   size_t *n)
{
	*n = 0;
	*out = arena_calloc(ar, 1 + LIMIT_LIST, sizeof(**out));
	if (*out == NULL)
		return ERR_INTERNAL;
	static const struct id zero;
	if (staff_offered(a) != 0) {
		struct notify_prefs_view *v = &(*out)[0];
		v->record = zero;
		v->own = true;
		v->offered = staff_offered(a);
		for (size_t i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++)
			if ((v->offered & kinds[i].bit) && wants(&a->account, &zero, kinds[i].bit, true))
				v->on |= kinds[i].bit;
		*n = 1;
		return audit_choice(a, NULL, false);
	}
	struct grant g;
	if (a->has_patient && domain_gate(a, ACTION_NOTICE_PREFS, &a->patient, "NoticePreference",
					  NULL, &g) == ERR_OK) {
		record_view(a, &a->patient, true, 0, &(*out)[(*n)++]);
		if (audit_choice(a, &a->patient, false) != ERR_OK)
			return ERR_INTERNAL;
	}
	struct store_proxy_held *held = NULL;
	size_t nh = 0;
	if (a->role != ROLE_PATIENT)
		return ERR_OK;
	if (store_proxy_held(&a->account, (int64_t)time(NULL), ar, &held, &nh) != ERR_OK)
		return ERR_INTERNAL;
	for (size_t i = 0; i < nh && *n < 1 + LIMIT_LIST; i++) {
		if (domain_gate(a, ACTION_NOTICE_PREFS, &held[i].patient, "NoticePreference", NULL,
				&g) != ERR_OK)
			continue;
		record_view(a, &held[i].patient, false, held[i].scopes, &(*out)[(*n)++]);
		if (audit_choice(a, &held[i].patient, false) != ERR_OK)
			return ERR_INTERNAL;
	}
	return ERR_OK;
}

enum err notify_prefs_set(const struct actor *a, const struct id *record, unsigned on)
{
	static const struct id zero;
	struct notify_prefs_view v;
	const struct grant *gp = NULL;
	struct grant g;
	if (id_eq(record, &zero)) {
		v.offered = staff_offered(a);
		if (v.offered == 0)
			return ERR_NOT_FOUND;
	} else {
		int rc = domain_gate(a, ACTION_NOTICE_PREFS, record, "NoticePreference", NULL, &g);
		if (rc != ERR_OK)
			return rc;
		bool own = a->has_patient && id_eq(&a->patient, record);
		unsigned scopes = 0;
		if (!own && store_proxy_scopes(&a->account, record, (int64_t)time(NULL), &scopes) !=
				    ERR_OK)
			return ERR_INTERNAL;
		record_view(a, record, own, scopes, &v);
		gp = &g;
	}
	/* Audit first: a change not on record must not happen. */
	if (audit_choice(a, record, true) != ERR_OK)
		return ERR_INTERNAL;
	if (store_notify_pref_set(gp, &a->account, record, v.offered, on & v.offered) != ERR_OK)
		return ERR_INTERNAL;
	int64_t now = (int64_t)time(NULL);
	for (size_t i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++)
		if ((v.offered & kinds[i].bit) && !(on & kinds[i].bit))
			store_outbox_withdraw_kind(&a->account, kinds[i].slug, now);
	return ERR_OK;
}
