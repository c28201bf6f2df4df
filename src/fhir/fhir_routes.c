/*
 * The FHIR API's routes (/fhir/R4/...): each resource's interactions, the session or bearer
 * token they need and the body they accept. Errors are OperationOutcome (fhir_error).
 */
#include "fhir/fhir.h"
#include "fhir/fhir_int.h"
#include "fhir/fhir_results.h"
#include "fhir/fhir_summary.h"
#include "http/http.h"
#include "http/route_table.h"

static const struct route routes[] = {
	{METHOD_GET, "/fhir/R4/metadata", AUTH_NONE, BODY_NONE, KIND_FHIR, fhir_metadata, FAST, CORS, ANYONE},
	{METHOD_GET, "/fhir/R4/Patient", AUTH_SESSION, BODY_NONE, KIND_FHIR, fhir_patient_search, FAST, CORS, ANYONE},
	{METHOD_GET, "/fhir/R4/Patient/*", AUTH_SESSION, BODY_NONE, KIND_FHIR, fhir_patient_read, FAST, CORS, ANYONE},
	{METHOD_POST, "/fhir/R4/Patient", AUTH_SESSION, BODY_JSON, KIND_FHIR, fhir_patient_create, FAST, CORS, ANYONE},
	{METHOD_PUT, "/fhir/R4/Patient/*", AUTH_SESSION, BODY_JSON, KIND_FHIR, fhir_patient_update, FAST, CORS, ANYONE},
	{METHOD_POST, "/fhir/R4", AUTH_SESSION, BODY_JSON, KIND_FHIR, fhir_transaction, FAST, CORS, ANYONE},
	{METHOD_GET, "/fhir/R4/DocumentReference", AUTH_SESSION, BODY_NONE, KIND_FHIR, fhir_docref_search, FAST, CORS, ANYONE},
	{METHOD_GET, "/fhir/R4/DocumentReference/*", AUTH_SESSION, BODY_NONE, KIND_FHIR, fhir_docref_read, FAST, CORS, ANYONE},
	{METHOD_POST, "/fhir/R4/DocumentReference", AUTH_SESSION, BODY_JSON, KIND_FHIR, fhir_docref_create, FAST, CORS, ANYONE},
	{METHOD_GET, "/fhir/R4/MedicationRequest", AUTH_SESSION, BODY_NONE, KIND_FHIR, fhir_medreq_search, FAST, CORS, ANYONE},
	{METHOD_GET, "/fhir/R4/MedicationRequest/*", AUTH_SESSION, BODY_NONE, KIND_FHIR, fhir_medreq_read, FAST, CORS, ANYONE},
	{METHOD_GET, "/fhir/R4/Slot", AUTH_SESSION, BODY_NONE, KIND_FHIR, fhir_slot_search, FAST, CORS, ANYONE},
	{METHOD_GET, "/fhir/R4/Slot/*", AUTH_SESSION, BODY_NONE, KIND_FHIR, fhir_slot_read, FAST, CORS, ANYONE},
	{METHOD_GET, "/fhir/R4/Appointment", AUTH_SESSION, BODY_NONE, KIND_FHIR, fhir_appointment_search, FAST, CORS, ANYONE},
	{METHOD_GET, "/fhir/R4/Appointment/*", AUTH_SESSION, BODY_NONE, KIND_FHIR, fhir_appointment_read, FAST, CORS, ANYONE},
	{METHOD_POST, "/fhir/R4/Appointment", AUTH_SESSION, BODY_JSON, KIND_FHIR, fhir_appointment_create, FAST, CORS, ANYONE},
	{METHOD_GET, "/fhir/R4/Binary/*", AUTH_SESSION, BODY_NONE, KIND_FHIR, fhir_binary_read, FAST, CORS, ANYONE},
	{METHOD_GET, "/fhir/R4/DiagnosticReport", AUTH_SESSION, BODY_NONE, KIND_FHIR, fhir_report_search, FAST, CORS, ANYONE},
	{METHOD_GET, "/fhir/R4/DiagnosticReport/*", AUTH_SESSION, BODY_NONE, KIND_FHIR, fhir_report_read, FAST, CORS, ANYONE},
	{METHOD_POST, "/fhir/R4/DiagnosticReport", AUTH_SESSION, BODY_JSON, KIND_FHIR, fhir_report_create, FAST, CORS, ANYONE},
	{METHOD_POST, "/fhir/R4/DiagnosticReport/*/$release", AUTH_SESSION, BODY_JSON, KIND_FHIR, fhir_report_release, FAST, CORS, ANYONE},
	{METHOD_GET, "/fhir/R4/Observation", AUTH_SESSION, BODY_NONE, KIND_FHIR, fhir_observation_search, FAST, CORS, ANYONE},
	{METHOD_GET, "/fhir/R4/Observation/*", AUTH_SESSION, BODY_NONE, KIND_FHIR, fhir_observation_read, FAST, CORS, ANYONE},
	{METHOD_POST, "/fhir/R4/Observation", AUTH_SESSION, BODY_JSON, KIND_FHIR, fhir_vital_create, FAST, CORS, ANYONE},
	{METHOD_GET, "/fhir/R4/AllergyIntolerance", AUTH_SESSION, BODY_NONE, KIND_FHIR, fhir_allergy_search, FAST, CORS, ANYONE},
	{METHOD_GET, "/fhir/R4/AllergyIntolerance/*", AUTH_SESSION, BODY_NONE, KIND_FHIR, fhir_allergy_read, FAST, CORS, ANYONE},
	{METHOD_POST, "/fhir/R4/AllergyIntolerance", AUTH_SESSION, BODY_JSON, KIND_FHIR, fhir_allergy_create, FAST, CORS, ANYONE},
	{METHOD_GET, "/fhir/R4/Condition", AUTH_SESSION, BODY_NONE, KIND_FHIR, fhir_condition_search, FAST, CORS, ANYONE},
	{METHOD_GET, "/fhir/R4/Condition/*", AUTH_SESSION, BODY_NONE, KIND_FHIR, fhir_condition_read, FAST, CORS, ANYONE},
	{METHOD_POST, "/fhir/R4/Condition", AUTH_SESSION, BODY_JSON, KIND_FHIR, fhir_condition_create, FAST, CORS, ANYONE},
	{METHOD_GET, "/fhir/R4/Immunization", AUTH_SESSION, BODY_NONE, KIND_FHIR, fhir_immunization_search, FAST, CORS, ANYONE},
	{METHOD_GET, "/fhir/R4/Immunization/*", AUTH_SESSION, BODY_NONE, KIND_FHIR, fhir_immunization_read, FAST, CORS, ANYONE},
	{METHOD_POST, "/fhir/R4/Immunization", AUTH_SESSION, BODY_JSON, KIND_FHIR, fhir_immunization_create, FAST, CORS, ANYONE},
	{METHOD_GET, "/fhir/R4/Patient/*/$everything", AUTH_SESSION, BODY_NONE, KIND_FHIR, fhir_patient_everything_op, FAST, CORS, ANYONE},
	{METHOD_GET, "/fhir/R4/Communication", AUTH_SESSION, BODY_NONE, KIND_FHIR, fhir_communication_search, FAST, CORS, ANYONE},
	{METHOD_GET, "/fhir/R4/Communication/*", AUTH_SESSION, BODY_NONE, KIND_FHIR, fhir_communication_read, FAST, CORS, ANYONE},
	{METHOD_POST, "/fhir/R4/Communication", AUTH_SESSION, BODY_JSON, KIND_FHIR, fhir_communication_create, FAST, CORS, ANYONE},
	{METHOD_GET, "/fhir/R4/AuditEvent", AUTH_SESSION, BODY_NONE, KIND_FHIR, fhir_auditevent_search, FAST, CORS, ANYONE},
	/* vread of the current version only (the read's handler; fhir_not_modified, SEARCH.md) */
	{METHOD_GET, "/fhir/R4/Patient/*/_history/*", AUTH_SESSION, BODY_NONE, KIND_FHIR, fhir_patient_read, FAST, CORS, ANYONE},
	{METHOD_GET, "/fhir/R4/DocumentReference/*/_history/*", AUTH_SESSION, BODY_NONE, KIND_FHIR, fhir_docref_read, FAST, CORS, ANYONE},
	{METHOD_GET, "/fhir/R4/MedicationRequest/*/_history/*", AUTH_SESSION, BODY_NONE, KIND_FHIR, fhir_medreq_read, FAST, CORS, ANYONE},
	{METHOD_GET, "/fhir/R4/Appointment/*/_history/*", AUTH_SESSION, BODY_NONE, KIND_FHIR, fhir_appointment_read, FAST, CORS, ANYONE},
	{METHOD_GET, "/fhir/R4/Binary/*/_history/*", AUTH_SESSION, BODY_NONE, KIND_FHIR, fhir_binary_read, FAST, CORS, ANYONE},
	{METHOD_GET, "/fhir/R4/DiagnosticReport/*/_history/*", AUTH_SESSION, BODY_NONE, KIND_FHIR, fhir_report_read, FAST, CORS, ANYONE},
	{METHOD_GET, "/fhir/R4/Observation/*/_history/*", AUTH_SESSION, BODY_NONE, KIND_FHIR, fhir_observation_read, FAST, CORS, ANYONE},
	{METHOD_GET, "/fhir/R4/Communication/*/_history/*", AUTH_SESSION, BODY_NONE, KIND_FHIR, fhir_communication_read, FAST, CORS, ANYONE},
	{METHOD_GET, "/fhir/R4/AllergyIntolerance/*/_history/*", AUTH_SESSION, BODY_NONE, KIND_FHIR, fhir_allergy_read, FAST, CORS, ANYONE},
	{METHOD_GET, "/fhir/R4/Condition/*/_history/*", AUTH_SESSION, BODY_NONE, KIND_FHIR, fhir_condition_read, FAST, CORS, ANYONE},
	{METHOD_GET, "/fhir/R4/Immunization/*/_history/*", AUTH_SESSION, BODY_NONE, KIND_FHIR, fhir_immunization_read, FAST, CORS, ANYONE},
};

void fhir_http_register(void)
{
	http_routes_add(routes, sizeof(routes) / sizeof(routes[0]));
	http_error_renderer(KIND_FHIR, fhir_error);
	fhir_everything_register();
}
