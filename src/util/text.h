/*
 * The interface's words in one place (docs/internals/TEXT.md): every string a page or an email
 * says that has been moved here, keyed by a stable id, in each language the portal speaks.
 * English is the first column and the fallback; te reo Māori the second. Strings are UTF-8.
 * A string that takes values names them %1 .. %4 (text_fill), so that a language may put them
 * in its own order; a literal percent sign is %%.
 */
#ifndef MEDKEEP_TEXT_H
#define MEDKEEP_TEXT_H
#include <stddef.h>

#include "util/arena.h"

/* The languages, in the table's column order. The code is what is stored on the account and
 * written in <html lang>. */
enum lang {
	LANG_EN = 0, /* "en": English */
	LANG_MI = 1, /* "mi": te reo Māori */
	LANG_COUNT,
};

#define TEXT_ARGS 4

/* One id per string. Add new ones at the end of their group; the id is never stored, so the
 * order may change, but every id needs a row in text.c in every language (tests/unit/test_text.c). */
enum text_id {
	TEXT_NONE = 0,
	/* the page frame */
	TEXT_SKIP,
	TEXT_MENU,
	TEXT_FOOTER,
	TEXT_VIEWING_OTHER,
	TEXT_COUNT_NEW,
	TEXT_COUNT_UNREAD,
	/* the menu: a patient's */
	TEXT_NAV_HOME,
	TEXT_NAV_MY_DOCUMENTS,
	TEXT_NAV_DOCUMENTS,
	TEXT_NAV_MY_RESULTS,
	TEXT_NAV_RESULTS,
	TEXT_NAV_MEDICATIONS,
	TEXT_NAV_APPOINTMENTS,
	TEXT_NAV_MESSAGES,
	TEXT_NAV_ACCESS_LOG,
	TEXT_NAV_YOUR_PRACTICE,
	TEXT_NAV_SUMMARY,
	TEXT_NAV_DETAILS,
	TEXT_NAV_YOUR_DETAILS,
	TEXT_NAV_SECURITY,
	TEXT_NAV_FAMILY,
	/* the menu: staff's and an operator's */
	TEXT_NAV_PATIENTS,
	TEXT_NAV_INBOX,
	TEXT_NAV_RESULTS_INBOX,
	TEXT_NAV_REPEATS,
	TEXT_NAV_RECALLS,
	TEXT_NAV_MY_DAY,
	TEXT_NAV_BOOKINGS,
	TEXT_NAV_SLOTS,
	TEXT_NAV_FEED_QUEUE,
	TEXT_NAV_MOVING,
	TEXT_NAV_RELEASE_RULES,
	TEXT_NAV_ALERTS,
	TEXT_NAV_PRACTICE,
	TEXT_NAV_LOCKS,
	TEXT_NAV_FEEDS,
	/* the menu: everyone's */
	TEXT_NAV_SESSIONS,
	TEXT_NAV_ACCOUNT,
	TEXT_NAV_LOG_OUT,
	/* headings of the patient's pages */
	TEXT_H_HOME,
	TEXT_H_MY_DOCUMENTS,
	TEXT_H_MY_RESULTS,
	TEXT_H_MEDICATIONS,
	TEXT_H_APPOINTMENTS,
	TEXT_H_MESSAGES,
	TEXT_H_ACCESS_LOG,
	TEXT_H_YOUR_PRACTICE,
	TEXT_H_SECURITY,
	TEXT_H_FAMILY,
	TEXT_H_SESSIONS,
	TEXT_H_ACCOUNT,
	TEXT_H_EMAILS,
	/* the language choice (always shown in both languages) */
	TEXT_LANG_LEGEND,
	TEXT_LANG_SAVE,
	TEXT_LANG_SAVED,
	/* the emails' fixed sentences (src/domain/notify.c) */
	TEXT_MAIL_GREETING,
	TEXT_MAIL_SIGN_IN,
	TEXT_MAIL_PRIVACY,
	TEXT_MAIL_FOOTER,
	TEXT_MAIL_ABOUT_HELD,
	TEXT_MAIL_ABOUT_RECORD,
	TEXT_MAIL_YOUR_PRACTICE,
	TEXT_MAIL_RESULT_SUBJECT,
	TEXT_MAIL_RESULT_LINE,
	TEXT_MAIL_MESSAGE_SUBJECT,
	TEXT_MAIL_MESSAGE_LINE,
	TEXT_MAIL_STAFF_SUBJECT,
	TEXT_MAIL_STAFF_LINE,
	TEXT_MAIL_TRANSFER_SUBJECT,
	TEXT_MAIL_TRANSFER_LINE,
	TEXT_MAIL_RECALL_SUBJECT,
	TEXT_MAIL_RECALL_LINE,
	TEXT_MAIL_REPEAT_SUBJECT,
	TEXT_MAIL_REPEAT_APPROVED,
	TEXT_MAIL_REPEAT_DECLINED,
	TEXT_MAIL_REPEAT_PHARMACY,
	TEXT_MAIL_APPT_SUBJECT,
	TEXT_MAIL_APPT_CHANGED_SUBJECT,
	TEXT_MAIL_APPT_BOOKED,
	TEXT_MAIL_APPT_CANCELLED,
	TEXT_MAIL_APPT_CANCELLED_WHY,
	TEXT_MAIL_APPT_MOVED,
	TEXT_MAIL_APPT_IN_PERSON,
	TEXT_MAIL_APPT_PHONE,
	TEXT_MAIL_APPT_VIDEO,
	TEXT_MAIL_REMINDER_SUBJECT,
	TEXT_MAIL_REMINDER_LINE,
	TEXT_MAIL_TRANSFER_ASK_SUBJECT,
	TEXT_MAIL_TRANSFER_ASK_LINE,
	TEXT_MAIL_MOVED_SUBJECT,
	TEXT_MAIL_MOVED_LINE,
	TEXT_MAIL_MOVED_LINE_SHARED,
	/* the account's own emails (src/auth) */
	TEXT_MAIL_SIGNIN_SUBJECT,
	TEXT_MAIL_SIGNIN_BODY,
	TEXT_ID_COUNT,
};

/* The string of id in lang: never NULL (English when lang or id is out of range; "" for
 * TEXT_NONE). */
const char *text_get(enum lang lang, enum text_id id);
/* The raw table entry (NULL when missing), for the unit test. */
const char *text_entry(enum lang lang, enum text_id id);
/* "en", "mi". */
const char *lang_code(enum lang lang);
/* A code ("en", "mi"; also "en-NZ", "mi-NZ") to its language; -1 when not one we speak. */
int lang_parse(const char *code, enum lang *out);
/* The language's own name ("English", "Te reo Māori"). */
const char *lang_name(enum lang lang);
/* The string with %1 .. %n replaced by args[0 .. n-1] (a NULL arg: ""), in ar; NULL when
 * out of memory. %% is a percent sign; any other % is kept as it is. */
const char *text_fill(struct arena *ar, const char *tmpl, const char *const *args, size_t n);

#endif
