/* Server-rendered pages for patients and staff. Handlers parse and render; the domain layer
 * decides. Every page works without JavaScript. */
#ifndef MEDKEEP_WEB_H
#define MEDKEEP_WEB_H
#include "http/http.h"

void web_error(struct request *req, struct response *res, int status, const char *message);
void web_home(struct request *req, struct response *res);
/* The patient's home (pages_home.c): what is new, and the security cards put away by
 * POST /home/cards. */
void web_patient_home(struct request *req, struct response *res);
void web_home_card(struct request *req, struct response *res);
void web_login_form(struct request *req, struct response *res);
void web_login_submit(struct request *req, struct response *res);
void web_logout(struct request *req, struct response *res);
void web_session_json(struct request *req, struct response *res);
void web_stylesheet(struct request *req, struct response *res);
void web_my_documents(struct request *req, struct response *res);
void web_document(struct request *req, struct response *res);
void web_document_download(struct request *req, struct response *res);
void web_document_view(struct request *req, struct response *res);
void web_patients(struct request *req, struct response *res);
void web_patient(struct request *req, struct response *res);
void web_document_upload(struct request *req, struct response *res);
void web_security(struct request *req, struct response *res);
void web_operator(struct request *req, struct response *res);
void web_sessions(struct request *req, struct response *res);
/* Apps (pages_apps.c): the authorization endpoint (GET, and the patient's answer as POST),
 * the token and revocation endpoints; and, for the start page, a request waiting for login. */
void web_app_authorize(struct request *req, struct response *res);
void web_app_consent(struct request *req, struct response *res);
void web_app_token(struct request *req, struct response *res);
void web_app_revoke(struct request *req, struct response *res);
void web_app_introspect(struct request *req, struct response *res);
void web_oidc_jwks(struct request *req, struct response *res);
bool web_app_resume(struct request *req, struct response *res);
void web_smart_configuration(struct request *req, struct response *res);
void web_session_revoke(struct request *req, struct response *res);
/* The patient ends an app's refresh tokens (and the access tokens they gave). */
void web_app_family_end(struct request *req, struct response *res);
/* "Sign out everywhere": every session of the account, this one too, its apps' tokens and
 * codes, and its known devices. */
void web_sessions_end_all(struct request *req, struct response *res);
void web_mfa_form(struct request *req, struct response *res);
void web_mfa_submit(struct request *req, struct response *res);
void web_mfa_setup(struct request *req, struct response *res);
void web_mfa_confirm(struct request *req, struct response *res);
void web_practice(struct request *req, struct response *res);
void web_practice_settings(struct request *req, struct response *res);
/* The practice's feeds and feed queue (pages_feeds.c). */
void web_practice_feeds(struct request *req, struct response *res);
void web_feed_queue(struct request *req, struct response *res);
void web_feed_queue_item(struct request *req, struct response *res);
void web_feed_queue_match(struct request *req, struct response *res);
void web_feed_queue_reject(struct request *req, struct response *res);
void web_feed_queue_move(struct request *req, struct response *res);
void web_practice_transfers(struct request *req, struct response *res);
void web_transfer_ask(struct request *req, struct response *res);
void web_transfer_release(struct request *req, struct response *res);
void web_transfer_decline(struct request *req, struct response *res);
void web_enrolment(struct request *req, struct response *res);
void web_enrolment_accept(struct request *req, struct response *res);
void web_enrolment_decline(struct request *req, struct response *res);
void web_enrolment_history(struct request *req, struct response *res);
/* Locks held for review (pages_locks.c): the section of the operator's page, a practice
 * admin's page, and the two decisions. */
struct buf;
void web_operator_locks(struct request *req, struct buf *b);
void web_practice_locks(struct request *req, struct response *res);
void web_lock_unlock(struct request *req, struct response *res);
void web_lock_keep(struct request *req, struct response *res);

/* Account lifecycle pages (pages_account.c). */
void web_step_up_form(struct request *req, struct response *res);
void web_step_up_submit(struct request *req, struct response *res);
void web_register_form(struct request *req, struct response *res);
void web_register_submit(struct request *req, struct response *res);
void web_verify_form(struct request *req, struct response *res);
void web_verify_submit(struct request *req, struct response *res);
void web_reset_form(struct request *req, struct response *res);
void web_reset_submit(struct request *req, struct response *res);
void web_reset_confirm_form(struct request *req, struct response *res);
void web_reset_confirm_submit(struct request *req, struct response *res);
void web_account(struct request *req, struct response *res);
void web_account_password_form(struct request *req, struct response *res);
void web_account_password_code(struct request *req, struct response *res);
void web_account_password_submit(struct request *req, struct response *res);
void web_account_email_form(struct request *req, struct response *res);
void web_account_email_submit(struct request *req, struct response *res);
void web_account_email_confirm_form(struct request *req, struct response *res);
void web_account_email_confirm_submit(struct request *req, struct response *res);
void web_account_recovery(struct request *req, struct response *res);
void web_account_emails(struct request *req, struct response *res);
void web_account_emails_submit(struct request *req, struct response *res);
/* The language of the account's pages and emails (pages_language.c): the form on the Account
 * page, and POST /account/language. */
struct buf;
void web_language_form(struct request *req, struct buf *b);
void web_account_language(struct request *req, struct response *res);
void web_recall_set(struct request *req, struct response *res);
void web_invite_form(struct request *req, struct response *res);
void web_invite_submit(struct request *req, struct response *res);
/* Step-up: true when the actor passed a second factor within STEP_UP_SECONDS; otherwise the
 * answer is given (to /step-up?next=next, or a page asking to set a second factor up first)
 * and false returned. next: a local path (a GET page to come back to). */
bool web_stepped_up(struct request *req, struct response *res, const char *next);

/* Passkeys (pages_passkey.c). */
void web_passkey_script(struct request *req, struct response *res);
/* /static/session.js: the idle warning and drafts' saving on signed-in pages. */
void web_session_script(struct request *req, struct response *res);
void web_passkey_add(struct request *req, struct response *res);
void web_passkey_remove(struct request *req, struct response *res);
/* The "Use a passkey" form (posting to action), when the actor's account has passkeys: for
 * the second step of signing in, and for step-up. Loads /static/passkey.js. */
void web_passkey_assert_form(struct request *req, struct buf *b, const char *action);
/* A passkey assertion posted by that form: -1 when the form carries none (then it is a code
 * form); 0 when it was accepted (*lr is the new session: set its cookie); otherwise the HTTP
 * status to answer with and *error the sentence to show. */
struct login_result;
int web_passkey_assertion(struct request *req, struct login_result *lr, const char **error);
/* The list of the actor's passkeys with add and remove, for the two-step sign-in page. */
void web_passkey_manage_section(struct request *req, struct buf *b);
/* A passkey as the first second factor, for the setup page of an account without one. */
void web_passkey_first_section(struct request *req, struct buf *b);
/* Lab results (pages_results.c) */
void web_results(struct request *req, struct response *res);
void web_results_preference(struct request *req, struct response *res);
void web_result(struct request *req, struct response *res);
void web_result_release(struct request *req, struct response *res);
void web_result_file(struct request *req, struct response *res);
void web_result_book(struct request *req, struct response *res);
void web_result_trend(struct request *req, struct response *res);
void web_results_inbox(struct request *req, struct response *res);
void web_result_rules(struct request *req, struct response *res);
void web_result_rules_save(struct request *req, struct response *res);

/* Medications and repeat prescriptions (pages_medications.c), appointments (pages_appointments.c). */
void web_medications(struct request *req, struct response *res);
/* The health summary (pages_summary.c, docs/internals/SUMMARY.md). */
void web_summary(struct request *req, struct response *res);
void web_repeat_request(struct request *req, struct response *res);
void web_repeat_queue(struct request *req, struct response *res);
void web_repeat_decide(struct request *req, struct response *res);
void web_patient_medications(struct request *req, struct response *res);
void web_medication_create(struct request *req, struct response *res);
void web_medication_stop(struct request *req, struct response *res);
void web_medication_stop_confirm(struct request *req, struct response *res);
void web_appointments(struct request *req, struct response *res);
void web_appointment_book(struct request *req, struct response *res);
void web_appointment_cancel(struct request *req, struct response *res);
/* pages_booking.c: the confirming step of a cancellation, and the calendar file (.ics) */
void web_appointment_cancel_confirm(struct request *req, struct response *res);
void web_appointment_ics(struct request *req, struct response *res);
/* the practice's side: reception's day, removing a free time, moving or cancelling a booking */
void web_practice_bookings(struct request *req, struct response *res);
void web_slot_remove(struct request *req, struct response *res);
void web_appointment_change(struct request *req, struct response *res);
void web_appointment_move(struct request *req, struct response *res);
void web_slots(struct request *req, struct response *res);
void web_slots_publish(struct request *req, struct response *res);
void web_day(struct request *req, struct response *res);
void web_appointment_settings(struct request *req, struct response *res);
void web_appointment_settings_save(struct request *req, struct response *res);
/* Secure messages, the access log and the export (pages_messages.c). */
void web_messages(struct request *req, struct response *res);
void web_message_new(struct request *req, struct response *res);
void web_patient_messages(struct request *req, struct response *res);
void web_patient_message_new(struct request *req, struct response *res);
void web_message_thread(struct request *req, struct response *res);
void web_message_assign(struct request *req, struct response *res);
void web_message_reply(struct request *req, struct response *res);
/* Drafts of the three message forms (docs/internals/MESSAGES.md, Drafts). */
void web_message_draft(struct request *req, struct response *res);
void web_message_thread_draft(struct request *req, struct response *res);
void web_patient_message_draft(struct request *req, struct response *res);
void web_inbox(struct request *req, struct response *res);
void web_access_log(struct request *req, struct response *res);
void web_export(struct request *req, struct response *res);
void web_export_download(struct request *req, struct response *res);

/* Family and carer access (pages_proxies.c) */
void web_proxies(struct request *req, struct response *res);
void web_proxy_grant(struct request *req, struct response *res);
void web_proxy_revoke(struct request *req, struct response *res);
void web_record_switch(struct request *req, struct response *res);
void web_patient_proxies(struct request *req, struct response *res);
void web_patient_proxy_grant(struct request *req, struct response *res);

/* The practice's register (pages_register.c): enrol a patient, correct their details, find
 * one by NHI (a POST: no NHI in a URL). */
void web_enrol_form(struct request *req, struct response *res);
void web_enrol_submit(struct request *req, struct response *res);
void web_details_form(struct request *req, struct response *res);
void web_details_submit(struct request *req, struct response *res);
/* /details: the patient's own details (or a held record's), the contact details editable. */
void web_details_mine(struct request *req, struct response *res);
void web_details_save(struct request *req, struct response *res);
void web_find_nhi(struct request *req, struct response *res);
void web_patient_search(struct request *req, struct response *res);
void web_recall_close(struct request *req, struct response *res);
void web_practice_recalls(struct request *req, struct response *res);

/* The pages' routes and error page, added to the server at start-up (web_routes.c). */
void web_http_register(void);

#endif
