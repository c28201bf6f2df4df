/*
 * The pages' routes: every path of the web layer, with the authentication it needs, the kind
 * of body it accepts and who may use it. src/http matches them and decides access (through
 * src/policy) before any handler runs; a path in no table is a 404.
 */
#include "http/http.h"
#include "http/route_table.h"
#include "web/web.h"

/* Who else may use a page (src/policy/route_access.h), and what anyone else is answered. */
#define SIGNING_IN {AUD_ANYONE, SIGNIN_ANY, NULL, NULL}
#define SECOND_STEP {AUD_ANYONE, SIGNIN_SECOND_FACTOR, NULL, NULL}
#define ENROLMENT {AUD_ANYONE, SIGNIN_ENROL, NULL, NULL}
#define PATIENT {AUD_PATIENT, SIGNIN_DONE, "/", NULL}
#define PATIENT_RECORD {AUD_PATIENT_RECORD, SIGNIN_DONE, "/", NULL}
#define PATIENT_RESULTS {AUD_PATIENT, SIGNIN_DONE, "/", "/results/inbox"}
#define PATIENT_PAGE {AUD_PATIENT, SIGNIN_DONE, NULL, NULL}
#define OWN_RECORD_PAGE {AUD_PATIENT_OWN, SIGNIN_DONE, NULL, NULL}

static const struct route routes[] = {
	{METHOD_GET, "/", AUTH_NONE, BODY_NONE, KIND_PAGE, web_home, FAST, SAME_ORIGIN, ANYONE},
	{METHOD_GET, "/login", AUTH_NONE, BODY_NONE, KIND_PAGE, web_login_form, FAST, SAME_ORIGIN, ANYONE},
	{METHOD_POST, "/login", AUTH_NONE, BODY_FORM, KIND_PAGE, web_login_submit, SLOW, SAME_ORIGIN, ANYONE},
	{METHOD_POST, "/logout", AUTH_SESSION, BODY_FORM, KIND_PAGE, web_logout, FAST, SAME_ORIGIN, SIGNING_IN},
	{METHOD_GET, "/login/mfa", AUTH_SESSION, BODY_NONE, KIND_PAGE, web_mfa_form, FAST, SAME_ORIGIN, SECOND_STEP},
	{METHOD_POST, "/login/mfa", AUTH_SESSION, BODY_FORM, KIND_PAGE, web_mfa_submit, FAST, SAME_ORIGIN, SECOND_STEP},
	{METHOD_GET, "/mfa/setup", AUTH_SESSION, BODY_NONE, KIND_PAGE, web_mfa_setup, FAST, SAME_ORIGIN, ENROLMENT},
	{METHOD_POST, "/mfa/setup", AUTH_SESSION, BODY_FORM, KIND_PAGE, web_mfa_confirm, FAST, SAME_ORIGIN, ENROLMENT},
	{METHOD_POST, "/mfa/passkeys", AUTH_SESSION, BODY_FORM, KIND_PAGE, web_passkey_add, FAST, SAME_ORIGIN, ANYONE},
	{METHOD_POST, "/mfa/passkeys/*/remove", AUTH_SESSION, BODY_FORM, KIND_PAGE, web_passkey_remove, FAST, SAME_ORIGIN, ANYONE},
	{METHOD_GET, "/static/passkey.js", AUTH_NONE, BODY_NONE, KIND_PAGE, web_passkey_script, FAST, SAME_ORIGIN, SIGNING_IN},
	{METHOD_GET, "/session", AUTH_SESSION, BODY_NONE, KIND_API, web_session_json, FAST, SAME_ORIGIN, SIGNING_IN},
	{METHOD_GET, "/oauth/authorize", AUTH_NONE, BODY_NONE, KIND_PAGE, web_app_authorize, FAST, SAME_ORIGIN, ANYONE},
	{METHOD_POST, "/oauth/authorize", AUTH_SESSION, BODY_FORM, KIND_PAGE, web_app_consent, FAST, SAME_ORIGIN, ANYONE},
	{METHOD_POST, "/oauth/token", AUTH_NONE, BODY_FORM, KIND_API, web_app_token, FAST, CORS, ANYONE},
	{METHOD_POST, "/oauth/revoke", AUTH_NONE, BODY_FORM, KIND_API, web_app_revoke, FAST, CORS, ANYONE},
	{METHOD_POST, "/oauth/introspect", AUTH_NONE, BODY_FORM, KIND_API, web_app_introspect, FAST, SAME_ORIGIN, ANYONE},
	{METHOD_GET, "/oauth/jwks", AUTH_NONE, BODY_NONE, KIND_API, web_oidc_jwks, FAST, CORS, ANYONE},
	{METHOD_GET, "/static/style.css", AUTH_NONE, BODY_NONE, KIND_PAGE, web_stylesheet, FAST, SAME_ORIGIN, SIGNING_IN},
	{METHOD_GET, "/security", AUTH_SESSION, BODY_NONE, KIND_PAGE, web_security, FAST, SAME_ORIGIN, ANYONE},
	{METHOD_GET, "/operator", AUTH_SESSION, BODY_NONE, KIND_PAGE, web_operator, FAST, SAME_ORIGIN, ANYONE},
	{METHOD_GET, "/practice", AUTH_SESSION, BODY_NONE, KIND_PAGE, web_practice, FAST, SAME_ORIGIN, ANYONE},
	{METHOD_GET, "/practice/locks", AUTH_SESSION, BODY_NONE, KIND_PAGE, web_practice_locks, FAST, SAME_ORIGIN, ANYONE},
	{METHOD_POST, "/locks/*/unlock", AUTH_SESSION, BODY_FORM, KIND_PAGE, web_lock_unlock, FAST, SAME_ORIGIN, ANYONE},
	{METHOD_POST, "/locks/*/keep", AUTH_SESSION, BODY_FORM, KIND_PAGE, web_lock_keep, FAST, SAME_ORIGIN, ANYONE},
	{METHOD_POST, "/practice/settings", AUTH_SESSION, BODY_FORM, KIND_PAGE, web_practice_settings, FAST, SAME_ORIGIN, ANYONE},
	{METHOD_GET, "/sessions", AUTH_SESSION, BODY_NONE, KIND_PAGE, web_sessions, FAST, SAME_ORIGIN, ANYONE},
	{METHOD_POST, "/sessions/*/revoke", AUTH_SESSION, BODY_FORM, KIND_PAGE, web_session_revoke, FAST, SAME_ORIGIN, ANYONE},
	{METHOD_POST, "/sessions/end-all", AUTH_SESSION, BODY_FORM, KIND_PAGE, web_sessions_end_all, FAST, SAME_ORIGIN, ANYONE},
	{METHOD_POST, "/sessions/apps/*/end", AUTH_SESSION, BODY_FORM, KIND_PAGE, web_app_family_end, FAST, SAME_ORIGIN, ANYONE},
	{METHOD_GET, "/documents", AUTH_SESSION, BODY_NONE, KIND_PAGE, web_my_documents, FAST, SAME_ORIGIN, ANYONE},
	{METHOD_GET, "/documents/*", AUTH_SESSION, BODY_NONE, KIND_PAGE, web_document, FAST, SAME_ORIGIN, ANYONE},
	{METHOD_GET, "/documents/*/download", AUTH_SESSION, BODY_NONE, KIND_PAGE, web_document_download, FAST, SAME_ORIGIN, ANYONE},
	{METHOD_GET, "/patients", AUTH_SESSION, BODY_NONE, KIND_PAGE, web_patients, FAST, SAME_ORIGIN, ANYONE},
	{METHOD_GET, "/patients/*", AUTH_SESSION, BODY_NONE, KIND_PAGE, web_patient, FAST, SAME_ORIGIN, ANYONE},
	{METHOD_GET, "/practice/patients/new", AUTH_SESSION, BODY_NONE, KIND_PAGE, web_enrol_form, FAST, SAME_ORIGIN, ANYONE},
	{METHOD_POST, "/practice/patients/new", AUTH_SESSION, BODY_FORM, KIND_PAGE, web_enrol_submit, FAST, SAME_ORIGIN, ANYONE},
	{METHOD_POST, "/practice/patients/find", AUTH_SESSION, BODY_FORM, KIND_PAGE, web_find_nhi, FAST, SAME_ORIGIN, ANYONE},
	{METHOD_GET, "/practice/patients/*/details", AUTH_SESSION, BODY_NONE, KIND_PAGE, web_details_form, FAST, SAME_ORIGIN, ANYONE},
	{METHOD_POST, "/practice/patients/*/details", AUTH_SESSION, BODY_FORM, KIND_PAGE, web_details_submit, FAST, SAME_ORIGIN, ANYONE},
	{METHOD_POST, "/patients/*/documents", AUTH_SESSION, BODY_UPLOAD, KIND_PAGE, web_document_upload, FAST, SAME_ORIGIN, ANYONE},
	{METHOD_GET, "/step-up", AUTH_SESSION, BODY_NONE, KIND_PAGE, web_step_up_form, FAST, SAME_ORIGIN, ANYONE},
	{METHOD_POST, "/step-up", AUTH_SESSION, BODY_FORM, KIND_PAGE, web_step_up_submit, FAST, SAME_ORIGIN, ANYONE},
	{METHOD_GET, "/register", AUTH_NONE, BODY_NONE, KIND_PAGE, web_register_form, FAST, SAME_ORIGIN, ANYONE},
	{METHOD_POST, "/register", AUTH_NONE, BODY_FORM, KIND_PAGE, web_register_submit, SLOW, SAME_ORIGIN, ANYONE},
	{METHOD_GET, "/verify", AUTH_NONE, BODY_NONE, KIND_PAGE, web_verify_form, FAST, SAME_ORIGIN, ANYONE},
	{METHOD_POST, "/verify", AUTH_NONE, BODY_FORM, KIND_PAGE, web_verify_submit, FAST, SAME_ORIGIN, ANYONE},
	{METHOD_GET, "/reset", AUTH_NONE, BODY_NONE, KIND_PAGE, web_reset_form, FAST, SAME_ORIGIN, ANYONE},
	{METHOD_POST, "/reset", AUTH_NONE, BODY_FORM, KIND_PAGE, web_reset_submit, FAST, SAME_ORIGIN, ANYONE},
	{METHOD_GET, "/reset/confirm", AUTH_NONE, BODY_NONE, KIND_PAGE, web_reset_confirm_form, FAST, SAME_ORIGIN, ANYONE},
	{METHOD_POST, "/reset/confirm", AUTH_NONE, BODY_FORM, KIND_PAGE, web_reset_confirm_submit, SLOW, SAME_ORIGIN, ANYONE},
	{METHOD_GET, "/account", AUTH_SESSION, BODY_NONE, KIND_PAGE, web_account, FAST, SAME_ORIGIN, ANYONE},
	{METHOD_GET, "/account/password", AUTH_SESSION, BODY_NONE, KIND_PAGE, web_account_password_form, FAST, SAME_ORIGIN, ANYONE},
	{METHOD_POST, "/account/password", AUTH_SESSION, BODY_FORM, KIND_PAGE, web_account_password_submit, SLOW, SAME_ORIGIN, ANYONE},
	{METHOD_GET, "/account/email", AUTH_SESSION, BODY_NONE, KIND_PAGE, web_account_email_form, FAST, SAME_ORIGIN, ANYONE},
	{METHOD_POST, "/account/email", AUTH_SESSION, BODY_FORM, KIND_PAGE, web_account_email_submit, FAST, SAME_ORIGIN, ANYONE},
	{METHOD_GET, "/account/email/confirm", AUTH_NONE, BODY_NONE, KIND_PAGE, web_account_email_confirm_form, FAST, SAME_ORIGIN, ANYONE},
	{METHOD_POST, "/account/email/confirm", AUTH_NONE, BODY_FORM, KIND_PAGE, web_account_email_confirm_submit, FAST, SAME_ORIGIN, ANYONE},
	{METHOD_POST, "/account/recovery", AUTH_SESSION, BODY_FORM, KIND_PAGE, web_account_recovery, FAST, SAME_ORIGIN, ANYONE},
	{METHOD_GET, "/patients/*/invite", AUTH_SESSION, BODY_NONE, KIND_PAGE, web_invite_form, FAST, SAME_ORIGIN, ANYONE},
	{METHOD_POST, "/patients/*/invite", AUTH_SESSION, BODY_FORM, KIND_PAGE, web_invite_submit, FAST, SAME_ORIGIN, ANYONE},
	{METHOD_GET, "/medications", AUTH_SESSION, BODY_NONE, KIND_PAGE, web_medications, FAST, SAME_ORIGIN, PATIENT_RECORD},
	{METHOD_POST, "/medications/*/repeat", AUTH_SESSION, BODY_FORM, KIND_PAGE, web_repeat_request, FAST, SAME_ORIGIN, ANYONE},
	{METHOD_POST, "/medications/*/stop", AUTH_SESSION, BODY_FORM, KIND_PAGE, web_medication_stop, FAST, SAME_ORIGIN, ANYONE},
	{METHOD_GET, "/repeats", AUTH_SESSION, BODY_NONE, KIND_PAGE, web_repeat_queue, FAST, SAME_ORIGIN, ANYONE},
	{METHOD_POST, "/repeats/*/decide", AUTH_SESSION, BODY_FORM, KIND_PAGE, web_repeat_decide, FAST, SAME_ORIGIN, ANYONE},
	{METHOD_GET, "/patients/*/medications", AUTH_SESSION, BODY_NONE, KIND_PAGE, web_patient_medications, FAST, SAME_ORIGIN, ANYONE},
	{METHOD_POST, "/patients/*/medications", AUTH_SESSION, BODY_FORM, KIND_PAGE, web_medication_create, FAST, SAME_ORIGIN, ANYONE},
	{METHOD_GET, "/appointments", AUTH_SESSION, BODY_NONE, KIND_PAGE, web_appointments, FAST, SAME_ORIGIN, PATIENT_RECORD},
	{METHOD_POST, "/appointments", AUTH_SESSION, BODY_FORM, KIND_PAGE, web_appointment_book, FAST, SAME_ORIGIN, PATIENT_RECORD},
	{METHOD_POST, "/appointments/*/cancel", AUTH_SESSION, BODY_FORM, KIND_PAGE, web_appointment_cancel, FAST, SAME_ORIGIN, ANYONE},
	{METHOD_GET, "/slots", AUTH_SESSION, BODY_NONE, KIND_PAGE, web_slots, FAST, SAME_ORIGIN, ANYONE},
	{METHOD_POST, "/slots", AUTH_SESSION, BODY_FORM, KIND_PAGE, web_slots_publish, FAST, SAME_ORIGIN, ANYONE},
	{METHOD_GET, "/day", AUTH_SESSION, BODY_NONE, KIND_PAGE, web_day, FAST, SAME_ORIGIN, ANYONE},
	{METHOD_GET, "/practice/appointments", AUTH_SESSION, BODY_NONE, KIND_PAGE, web_appointment_settings, FAST, SAME_ORIGIN, ANYONE},
	{METHOD_POST, "/practice/appointments", AUTH_SESSION, BODY_FORM, KIND_PAGE, web_appointment_settings_save, FAST, SAME_ORIGIN, ANYONE},
	{METHOD_GET, "/results", AUTH_SESSION, BODY_NONE, KIND_PAGE, web_results, FAST, SAME_ORIGIN, PATIENT_RESULTS},
	{METHOD_POST, "/results/preference", AUTH_SESSION, BODY_FORM, KIND_PAGE, web_results_preference, FAST, SAME_ORIGIN, ANYONE},
	{METHOD_GET, "/results/inbox", AUTH_SESSION, BODY_NONE, KIND_PAGE, web_results_inbox, FAST, SAME_ORIGIN, ANYONE},
	{METHOD_GET, "/results/trend", AUTH_SESSION, BODY_NONE, KIND_PAGE, web_result_trend, FAST, SAME_ORIGIN, ANYONE},
	{METHOD_GET, "/results/*", AUTH_SESSION, BODY_NONE, KIND_PAGE, web_result, FAST, SAME_ORIGIN, ANYONE},
	{METHOD_POST, "/results/*/release", AUTH_SESSION, BODY_FORM, KIND_PAGE, web_result_release, FAST, SAME_ORIGIN, ANYONE},
	{METHOD_GET, "/practice/feeds", AUTH_SESSION, BODY_NONE, KIND_PAGE, web_practice_feeds, FAST, SAME_ORIGIN, ANYONE},
	{METHOD_GET, "/practice/feed-queue", AUTH_SESSION, BODY_NONE, KIND_PAGE, web_feed_queue, FAST, SAME_ORIGIN, ANYONE},
	{METHOD_GET, "/practice/feed-queue/*", AUTH_SESSION, BODY_NONE, KIND_PAGE, web_feed_queue_item, FAST, SAME_ORIGIN, ANYONE},
	{METHOD_POST, "/practice/feed-queue/*/match", AUTH_SESSION, BODY_FORM, KIND_PAGE, web_feed_queue_match, FAST, SAME_ORIGIN, ANYONE},
	{METHOD_POST, "/practice/feed-queue/*/reject", AUTH_SESSION, BODY_FORM, KIND_PAGE, web_feed_queue_reject, FAST, SAME_ORIGIN, ANYONE},
	{METHOD_GET, "/practice/result-rules", AUTH_SESSION, BODY_NONE, KIND_PAGE, web_result_rules, FAST, SAME_ORIGIN, ANYONE},
	{METHOD_POST, "/practice/result-rules", AUTH_SESSION, BODY_FORM, KIND_PAGE, web_result_rules_save, FAST, SAME_ORIGIN, ANYONE},
	{METHOD_GET, "/messages", AUTH_SESSION, BODY_NONE, KIND_PAGE, web_messages, FAST, SAME_ORIGIN, PATIENT},
	{METHOD_POST, "/messages", AUTH_SESSION, BODY_UPLOAD, KIND_PAGE, web_message_new, FAST, SAME_ORIGIN, ANYONE},
	{METHOD_GET, "/messages/*", AUTH_SESSION, BODY_NONE, KIND_PAGE, web_message_thread, FAST, SAME_ORIGIN, ANYONE},
	{METHOD_POST, "/messages/*/reply", AUTH_SESSION, BODY_UPLOAD, KIND_PAGE, web_message_reply, FAST, SAME_ORIGIN, ANYONE},
	{METHOD_GET, "/patients/*/messages", AUTH_SESSION, BODY_NONE, KIND_PAGE, web_patient_messages, FAST, SAME_ORIGIN, ANYONE},
	{METHOD_POST, "/patients/*/messages", AUTH_SESSION, BODY_UPLOAD, KIND_PAGE, web_patient_message_new, FAST, SAME_ORIGIN, ANYONE},
	{METHOD_GET, "/inbox", AUTH_SESSION, BODY_NONE, KIND_PAGE, web_inbox, FAST, SAME_ORIGIN, ANYONE},
	{METHOD_GET, "/access-log", AUTH_SESSION, BODY_NONE, KIND_PAGE, web_access_log, FAST, SAME_ORIGIN, PATIENT},
	{METHOD_GET, "/export", AUTH_SESSION, BODY_NONE, KIND_PAGE, web_export, FAST, SAME_ORIGIN, PATIENT},
	{METHOD_GET, "/export/download", AUTH_SESSION, BODY_NONE, KIND_PAGE, web_export_download, FAST, SAME_ORIGIN, PATIENT},
	{METHOD_GET, "/proxies", AUTH_SESSION, BODY_NONE, KIND_PAGE, web_proxies, FAST, SAME_ORIGIN, PATIENT_PAGE},
	{METHOD_POST, "/proxies", AUTH_SESSION, BODY_FORM, KIND_PAGE, web_proxy_grant, FAST, SAME_ORIGIN, OWN_RECORD_PAGE},
	{METHOD_POST, "/proxies/*/revoke", AUTH_SESSION, BODY_FORM, KIND_PAGE, web_proxy_revoke, FAST, SAME_ORIGIN, ANYONE},
	{METHOD_POST, "/records/switch", AUTH_SESSION, BODY_FORM, KIND_PAGE, web_record_switch, FAST, SAME_ORIGIN, ANYONE},
	{METHOD_GET, "/patients/*/proxies", AUTH_SESSION, BODY_NONE, KIND_PAGE, web_patient_proxies, FAST, SAME_ORIGIN, ANYONE},
	{METHOD_POST, "/patients/*/proxies", AUTH_SESSION, BODY_FORM, KIND_PAGE, web_patient_proxy_grant, FAST, SAME_ORIGIN, ANYONE},
	{METHOD_GET, "/fhir/R4/.well-known/smart-configuration", AUTH_NONE, BODY_NONE, KIND_API, web_smart_configuration, FAST, CORS, ANYONE},
};

void web_http_register(void)
{
	http_routes_add(routes, sizeof(routes) / sizeof(routes[0]));
	http_error_renderer(KIND_PAGE, web_error);
}
