/*
 * The route table: every path the server answers, with the authentication it needs and the
 * kind of body it accepts. A path not listed here is a 404 before any handler runs.
 */
#include <string.h>

#include "fhir/fhir.h"
#include "fhir/fhir_results.h"
#include "http/http.h"
#include "util/id.h"
#include "web/web.h"

/* Where a route runs: on the serving threads, or on the slow lane (see server.c). */
#define FAST false
#define SLOW true

static const struct route routes[] = {
	{METHOD_GET, "/", AUTH_NONE, BODY_NONE, KIND_PAGE, web_home, FAST},
	{METHOD_GET, "/login", AUTH_NONE, BODY_NONE, KIND_PAGE, web_login_form, FAST},
	{METHOD_POST, "/login", AUTH_NONE, BODY_FORM, KIND_PAGE, web_login_submit, SLOW},
	{METHOD_POST, "/logout", AUTH_SESSION, BODY_FORM, KIND_PAGE, web_logout, FAST},
	{METHOD_GET, "/login/mfa", AUTH_SESSION, BODY_NONE, KIND_PAGE, web_mfa_form, FAST},
	{METHOD_POST, "/login/mfa", AUTH_SESSION, BODY_FORM, KIND_PAGE, web_mfa_submit, FAST},
	{METHOD_GET, "/mfa/setup", AUTH_SESSION, BODY_NONE, KIND_PAGE, web_mfa_setup, FAST},
	{METHOD_POST, "/mfa/setup", AUTH_SESSION, BODY_FORM, KIND_PAGE, web_mfa_confirm, FAST},
	{METHOD_POST, "/mfa/passkeys", AUTH_SESSION, BODY_FORM, KIND_PAGE, web_passkey_add, FAST},
	{METHOD_POST, "/mfa/passkeys/*/remove", AUTH_SESSION, BODY_FORM, KIND_PAGE, web_passkey_remove, FAST},
	{METHOD_GET, "/static/passkey.js", AUTH_NONE, BODY_NONE, KIND_PAGE, web_passkey_script, FAST},
	{METHOD_GET, "/session", AUTH_SESSION, BODY_NONE, KIND_API, web_session_json, FAST},
	{METHOD_GET, "/oauth/authorize", AUTH_NONE, BODY_NONE, KIND_PAGE, web_app_authorize, FAST},
	{METHOD_POST, "/oauth/authorize", AUTH_SESSION, BODY_FORM, KIND_PAGE, web_app_consent, FAST},
	{METHOD_POST, "/oauth/token", AUTH_NONE, BODY_FORM, KIND_API, web_app_token, FAST},
	{METHOD_POST, "/oauth/revoke", AUTH_NONE, BODY_FORM, KIND_API, web_app_revoke, FAST},
	{METHOD_GET, "/static/style.css", AUTH_NONE, BODY_NONE, KIND_PAGE, web_stylesheet, FAST},
	{METHOD_GET, "/security", AUTH_SESSION, BODY_NONE, KIND_PAGE, web_security, FAST},
	{METHOD_GET, "/operator", AUTH_SESSION, BODY_NONE, KIND_PAGE, web_operator, FAST},
	{METHOD_GET, "/practice", AUTH_SESSION, BODY_NONE, KIND_PAGE, web_practice, FAST},
	{METHOD_GET, "/practice/locks", AUTH_SESSION, BODY_NONE, KIND_PAGE, web_practice_locks, FAST},
	{METHOD_POST, "/locks/*/unlock", AUTH_SESSION, BODY_FORM, KIND_PAGE, web_lock_unlock, FAST},
	{METHOD_POST, "/locks/*/keep", AUTH_SESSION, BODY_FORM, KIND_PAGE, web_lock_keep, FAST},
	{METHOD_POST, "/practice/settings", AUTH_SESSION, BODY_FORM, KIND_PAGE, web_practice_settings, FAST},
	{METHOD_GET, "/sessions", AUTH_SESSION, BODY_NONE, KIND_PAGE, web_sessions, FAST},
	{METHOD_POST, "/sessions/*/revoke", AUTH_SESSION, BODY_FORM, KIND_PAGE, web_session_revoke, FAST},
	{METHOD_POST, "/sessions/end-all", AUTH_SESSION, BODY_FORM, KIND_PAGE, web_sessions_end_all, FAST},
	{METHOD_GET, "/documents", AUTH_SESSION, BODY_NONE, KIND_PAGE, web_my_documents, FAST},
	{METHOD_GET, "/documents/*", AUTH_SESSION, BODY_NONE, KIND_PAGE, web_document, FAST},
	{METHOD_GET, "/documents/*/download", AUTH_SESSION, BODY_NONE, KIND_PAGE, web_document_download, FAST},
	{METHOD_GET, "/patients", AUTH_SESSION, BODY_NONE, KIND_PAGE, web_patients, FAST},
	{METHOD_GET, "/patients/*", AUTH_SESSION, BODY_NONE, KIND_PAGE, web_patient, FAST},
	{METHOD_POST, "/patients/*/documents", AUTH_SESSION, BODY_UPLOAD, KIND_PAGE, web_document_upload, FAST},
	{METHOD_GET, "/step-up", AUTH_SESSION, BODY_NONE, KIND_PAGE, web_step_up_form, FAST},
	{METHOD_POST, "/step-up", AUTH_SESSION, BODY_FORM, KIND_PAGE, web_step_up_submit, FAST},
	{METHOD_GET, "/register", AUTH_NONE, BODY_NONE, KIND_PAGE, web_register_form, FAST},
	{METHOD_POST, "/register", AUTH_NONE, BODY_FORM, KIND_PAGE, web_register_submit, SLOW},
	{METHOD_GET, "/verify", AUTH_NONE, BODY_NONE, KIND_PAGE, web_verify_form, FAST},
	{METHOD_POST, "/verify", AUTH_NONE, BODY_FORM, KIND_PAGE, web_verify_submit, FAST},
	{METHOD_GET, "/reset", AUTH_NONE, BODY_NONE, KIND_PAGE, web_reset_form, FAST},
	{METHOD_POST, "/reset", AUTH_NONE, BODY_FORM, KIND_PAGE, web_reset_submit, FAST},
	{METHOD_GET, "/reset/confirm", AUTH_NONE, BODY_NONE, KIND_PAGE, web_reset_confirm_form, FAST},
	{METHOD_POST, "/reset/confirm", AUTH_NONE, BODY_FORM, KIND_PAGE, web_reset_confirm_submit, SLOW},
	{METHOD_GET, "/account", AUTH_SESSION, BODY_NONE, KIND_PAGE, web_account, FAST},
	{METHOD_GET, "/account/password", AUTH_SESSION, BODY_NONE, KIND_PAGE, web_account_password_form, FAST},
	{METHOD_POST, "/account/password", AUTH_SESSION, BODY_FORM, KIND_PAGE, web_account_password_submit, SLOW},
	{METHOD_GET, "/account/email", AUTH_SESSION, BODY_NONE, KIND_PAGE, web_account_email_form, FAST},
	{METHOD_POST, "/account/email", AUTH_SESSION, BODY_FORM, KIND_PAGE, web_account_email_submit, FAST},
	{METHOD_GET, "/account/email/confirm", AUTH_NONE, BODY_NONE, KIND_PAGE, web_account_email_confirm_form, FAST},
	{METHOD_POST, "/account/email/confirm", AUTH_NONE, BODY_FORM, KIND_PAGE, web_account_email_confirm_submit, FAST},
	{METHOD_POST, "/account/recovery", AUTH_SESSION, BODY_FORM, KIND_PAGE, web_account_recovery, FAST},
	{METHOD_GET, "/patients/*/invite", AUTH_SESSION, BODY_NONE, KIND_PAGE, web_invite_form, FAST},
	{METHOD_POST, "/patients/*/invite", AUTH_SESSION, BODY_FORM, KIND_PAGE, web_invite_submit, FAST},
	{METHOD_GET, "/medications", AUTH_SESSION, BODY_NONE, KIND_PAGE, web_medications, FAST},
	{METHOD_POST, "/medications/*/repeat", AUTH_SESSION, BODY_FORM, KIND_PAGE, web_repeat_request, FAST},
	{METHOD_POST, "/medications/*/stop", AUTH_SESSION, BODY_FORM, KIND_PAGE, web_medication_stop, FAST},
	{METHOD_GET, "/repeats", AUTH_SESSION, BODY_NONE, KIND_PAGE, web_repeat_queue, FAST},
	{METHOD_POST, "/repeats/*/decide", AUTH_SESSION, BODY_FORM, KIND_PAGE, web_repeat_decide, FAST},
	{METHOD_GET, "/patients/*/medications", AUTH_SESSION, BODY_NONE, KIND_PAGE, web_patient_medications, FAST},
	{METHOD_POST, "/patients/*/medications", AUTH_SESSION, BODY_FORM, KIND_PAGE, web_medication_create, FAST},
	{METHOD_GET, "/appointments", AUTH_SESSION, BODY_NONE, KIND_PAGE, web_appointments, FAST},
	{METHOD_POST, "/appointments", AUTH_SESSION, BODY_FORM, KIND_PAGE, web_appointment_book, FAST},
	{METHOD_POST, "/appointments/*/cancel", AUTH_SESSION, BODY_FORM, KIND_PAGE, web_appointment_cancel, FAST},
	{METHOD_GET, "/slots", AUTH_SESSION, BODY_NONE, KIND_PAGE, web_slots, FAST},
	{METHOD_POST, "/slots", AUTH_SESSION, BODY_FORM, KIND_PAGE, web_slots_publish, FAST},
	{METHOD_GET, "/day", AUTH_SESSION, BODY_NONE, KIND_PAGE, web_day, FAST},
	{METHOD_GET, "/practice/appointments", AUTH_SESSION, BODY_NONE, KIND_PAGE, web_appointment_settings, FAST},
	{METHOD_POST, "/practice/appointments", AUTH_SESSION, BODY_FORM, KIND_PAGE, web_appointment_settings_save, FAST},
	{METHOD_GET, "/results", AUTH_SESSION, BODY_NONE, KIND_PAGE, web_results, FAST},
	{METHOD_POST, "/results/preference", AUTH_SESSION, BODY_FORM, KIND_PAGE, web_results_preference, FAST},
	{METHOD_GET, "/results/inbox", AUTH_SESSION, BODY_NONE, KIND_PAGE, web_results_inbox, FAST},
	{METHOD_GET, "/results/trend", AUTH_SESSION, BODY_NONE, KIND_PAGE, web_result_trend, FAST},
	{METHOD_GET, "/results/*", AUTH_SESSION, BODY_NONE, KIND_PAGE, web_result, FAST},
	{METHOD_POST, "/results/*/release", AUTH_SESSION, BODY_FORM, KIND_PAGE, web_result_release, FAST},
	{METHOD_GET, "/practice/result-rules", AUTH_SESSION, BODY_NONE, KIND_PAGE, web_result_rules, FAST},
	{METHOD_POST, "/practice/result-rules", AUTH_SESSION, BODY_FORM, KIND_PAGE, web_result_rules_save, FAST},
	{METHOD_GET, "/messages", AUTH_SESSION, BODY_NONE, KIND_PAGE, web_messages, FAST},
	{METHOD_POST, "/messages", AUTH_SESSION, BODY_UPLOAD, KIND_PAGE, web_message_new, FAST},
	{METHOD_GET, "/messages/*", AUTH_SESSION, BODY_NONE, KIND_PAGE, web_message_thread, FAST},
	{METHOD_POST, "/messages/*/reply", AUTH_SESSION, BODY_UPLOAD, KIND_PAGE, web_message_reply, FAST},
	{METHOD_GET, "/patients/*/messages", AUTH_SESSION, BODY_NONE, KIND_PAGE, web_patient_messages, FAST},
	{METHOD_POST, "/patients/*/messages", AUTH_SESSION, BODY_UPLOAD, KIND_PAGE, web_patient_message_new, FAST},
	{METHOD_GET, "/inbox", AUTH_SESSION, BODY_NONE, KIND_PAGE, web_inbox, FAST},
	{METHOD_GET, "/access-log", AUTH_SESSION, BODY_NONE, KIND_PAGE, web_access_log, FAST},
	{METHOD_GET, "/export", AUTH_SESSION, BODY_NONE, KIND_PAGE, web_export, FAST},
	{METHOD_GET, "/export/download", AUTH_SESSION, BODY_NONE, KIND_PAGE, web_export_download, FAST},
	/* family and carer (proxy) access */
	{METHOD_GET, "/proxies", AUTH_SESSION, BODY_NONE, KIND_PAGE, web_proxies, FAST},
	{METHOD_POST, "/proxies", AUTH_SESSION, BODY_FORM, KIND_PAGE, web_proxy_grant, FAST},
	{METHOD_POST, "/proxies/*/revoke", AUTH_SESSION, BODY_FORM, KIND_PAGE, web_proxy_revoke, FAST},
	{METHOD_POST, "/records/switch", AUTH_SESSION, BODY_FORM, KIND_PAGE, web_record_switch, FAST},
	{METHOD_GET, "/patients/*/proxies", AUTH_SESSION, BODY_NONE, KIND_PAGE, web_patient_proxies, FAST},
	{METHOD_POST, "/patients/*/proxies", AUTH_SESSION, BODY_FORM, KIND_PAGE, web_patient_proxy_grant, FAST},
	{METHOD_GET, "/fhir/R4/metadata", AUTH_NONE, BODY_NONE, KIND_FHIR, fhir_metadata, FAST},
	{METHOD_GET, "/fhir/R4/.well-known/smart-configuration", AUTH_NONE, BODY_NONE, KIND_API, web_smart_configuration, FAST},
	{METHOD_GET, "/fhir/R4/Patient", AUTH_SESSION, BODY_NONE, KIND_FHIR, fhir_patient_search, FAST},
	{METHOD_GET, "/fhir/R4/Patient/*", AUTH_SESSION, BODY_NONE, KIND_FHIR, fhir_patient_read, FAST},
	{METHOD_GET, "/fhir/R4/DocumentReference", AUTH_SESSION, BODY_NONE, KIND_FHIR,
	 fhir_docref_search, FAST},
	{METHOD_GET, "/fhir/R4/DocumentReference/*", AUTH_SESSION, BODY_NONE, KIND_FHIR,
	 fhir_docref_read, FAST},
	{METHOD_POST, "/fhir/R4/DocumentReference", AUTH_SESSION, BODY_JSON, KIND_FHIR,
	 fhir_docref_create, FAST},
	{METHOD_GET, "/fhir/R4/MedicationRequest", AUTH_SESSION, BODY_NONE, KIND_FHIR, fhir_medreq_search, FAST},
	{METHOD_GET, "/fhir/R4/MedicationRequest/*", AUTH_SESSION, BODY_NONE, KIND_FHIR, fhir_medreq_read, FAST},
	{METHOD_GET, "/fhir/R4/Slot", AUTH_SESSION, BODY_NONE, KIND_FHIR, fhir_slot_search, FAST},
	{METHOD_GET, "/fhir/R4/Slot/*", AUTH_SESSION, BODY_NONE, KIND_FHIR, fhir_slot_read, FAST},
	{METHOD_GET, "/fhir/R4/Appointment", AUTH_SESSION, BODY_NONE, KIND_FHIR, fhir_appointment_search, FAST},
	{METHOD_GET, "/fhir/R4/Appointment/*", AUTH_SESSION, BODY_NONE, KIND_FHIR, fhir_appointment_read, FAST},
	{METHOD_POST, "/fhir/R4/Appointment", AUTH_SESSION, BODY_JSON, KIND_FHIR, fhir_appointment_create, FAST},
	{METHOD_GET, "/fhir/R4/Binary/*", AUTH_SESSION, BODY_NONE, KIND_FHIR, fhir_binary_read, FAST},
	{METHOD_GET, "/fhir/R4/DiagnosticReport", AUTH_SESSION, BODY_NONE, KIND_FHIR, fhir_report_search, FAST},
	{METHOD_GET, "/fhir/R4/DiagnosticReport/*", AUTH_SESSION, BODY_NONE, KIND_FHIR, fhir_report_read, FAST},
	{METHOD_POST, "/fhir/R4/DiagnosticReport", AUTH_SESSION, BODY_JSON, KIND_FHIR, fhir_report_create, FAST},
	{METHOD_POST, "/fhir/R4/DiagnosticReport/*/$release", AUTH_SESSION, BODY_JSON, KIND_FHIR,
	 fhir_report_release, FAST},
	{METHOD_GET, "/fhir/R4/Observation", AUTH_SESSION, BODY_NONE, KIND_FHIR, fhir_observation_search, FAST},
	{METHOD_GET, "/fhir/R4/Observation/*", AUTH_SESSION, BODY_NONE, KIND_FHIR, fhir_observation_read, FAST},
	{METHOD_GET, "/fhir/R4/Patient/*/$everything", AUTH_SESSION, BODY_NONE, KIND_FHIR,
	 fhir_patient_everything_op, FAST},
	{METHOD_GET, "/fhir/R4/Communication", AUTH_SESSION, BODY_NONE, KIND_FHIR,
	 fhir_communication_search, FAST},
	{METHOD_GET, "/fhir/R4/Communication/*", AUTH_SESSION, BODY_NONE, KIND_FHIR,
	 fhir_communication_read, FAST},
	{METHOD_POST, "/fhir/R4/Communication", AUTH_SESSION, BODY_JSON, KIND_FHIR,
	 fhir_communication_create, FAST},
	{METHOD_GET, "/fhir/R4/AuditEvent", AUTH_SESSION, BODY_NONE, KIND_FHIR, fhir_auditevent_search,
	 FAST},
};

bool path_is_clean(const char *path)
{
	if (path == NULL || path[0] != '/')
		return false;
	for (const char *p = path; *p; p++) {
		unsigned char c = (unsigned char)*p;
		if (c < 0x21 || c > 0x7e || c == '\\' || c == '%')
			return false;
		if (c == '/' && (p[1] == '/' || (p[1] == '.' && (p[2] == '/' || p[2] == '\0' ||
								  (p[2] == '.' && (p[3] == '/' || p[3] == '\0'))))))
			return false;
	}
	return strlen(path) < 512;
}

/* Match one pattern; '*' takes a 32-hex-character id segment. */
static bool match(const char *pattern, const char *path, struct slice *params)
{
	size_t np = 0;
	while (*pattern && *path) {
		if (*pattern == '*') {
			const char *end = strchr(path, '/');
			size_t len = end ? (size_t)(end - path) : strlen(path);
			if (len == 0 || np >= ROUTE_MAX_PARAMS)
				return false;
			params[np].ptr = path;
			params[np].len = len;
			np++;
			path += len;
			pattern++;
			continue;
		}
		if (*pattern != *path)
			return false;
		pattern++;
		path++;
	}
	return *pattern == '\0' && *path == '\0';
}

const struct route *route_match(enum method m, const char *path, struct slice *params)
{
	for (size_t i = 0; i < sizeof(routes) / sizeof(routes[0]); i++) {
		struct slice tmp[ROUTE_MAX_PARAMS] = {{0}};
		if (routes[i].method == m && match(routes[i].pattern, path, tmp)) {
			memcpy(params, tmp, sizeof(tmp));
			return &routes[i];
		}
	}
	return NULL;
}

const char *route_allow(const char *path)
{
	bool get = false, post = false;
	for (size_t i = 0; i < sizeof(routes) / sizeof(routes[0]); i++) {
		struct slice tmp[ROUTE_MAX_PARAMS] = {{0}};
		if (match(routes[i].pattern, path, tmp)) {
			get = get || routes[i].method == METHOD_GET;
			post = post || routes[i].method == METHOD_POST;
		}
	}
	return get && post ? "GET, HEAD, POST" : get ? "GET, HEAD" : post ? "POST" : NULL;
}

bool route_cross_origin(const struct route *r)
{
	return r->kind == KIND_FHIR || r->handler == web_app_token || r->handler == web_app_revoke ||
	       r->handler == web_smart_configuration;
}

const struct route *route_preflight(const char *path, enum method m)
{
	struct slice params[ROUTE_MAX_PARAMS];
	const struct route *r = m == METHOD_GET || m == METHOD_POST ? route_match(m, path, params) : NULL;
	return r && route_cross_origin(r) ? r : NULL;
}
