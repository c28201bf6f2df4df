/*
 * The CapabilityStatement (GET metadata): the server's description, its security (SMART on
 * FHIR endpoints), and one entry per resource, asked of each part in turn.
 */
#include <jansson.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "fhir/fhir.h"
#include "fhir/fhir_int.h"
#include "limits.h"
#include "fhir/fhir_results.h"

/* Each part appends its resources' entries to rest[0].resource, in this order. */
static void (*const parts[])(json_t *resources) = {
	fhir_patient_capability,       /* fhir_patients.c */
	fhir_everything_capability,    /* fhir_everything.c: Patient/{id}/$everything */
	fhir_documents_capability,     /* fhir_documents.c: DocumentReference, Binary */
	fhir_messages_capability,      /* fhir_messages.c: Communication */
	fhir_accesslog_capability,     /* fhir_accesslog.c: AuditEvent */
	fhir_medications_capability,   /* fhir_medications.c: MedicationRequest */
	fhir_appointments_capability,  /* fhir_appointments.c: Appointment, Slot */
	fhir_results_capability,       /* fhir_results.c: DiagnosticReport, Observation */
	fhir_summary_capability,       /* fhir_summary.c: AllergyIntolerance, Condition, Immunization */
	fhir_register_capability,      /* fhir_register.c: Patient create, update */
};

void fhir_metadata(struct request *req, struct response *res)
{
	char date[32];
	fhir_instant((int64_t)time(NULL), date);
	date[10] = '\0';
	json_t *o = json_pack(
		"{s:s, s:s, s:s, s:s, s:{s:s, s:s}, s:{s:s, s:s}, s:s, s:[s],"
		" s:[{s:s, s:{s:b, s:s}, s:[]}]}",
		"resourceType", "CapabilityStatement", "status", "active", "date", date, "kind",
		"instance", "software", "name", "medkeep", "version", "0.1.0", "implementation",
		"description", "medkeep patient portal", "url", fhir_base_url(req), "fhirVersion", "4.0.1",
		"format", "json", "rest", "mode", "server", "security", "cors", 1, "description",
		"A session cookie from POST /login, or an app's bearer token (SMART App Launch, "
		"standalone patient launch: .well-known/smart-configuration; reads of the patient's "
		"own record only), or a practice system's (SMART Backend Services: client_credentials "
		"with a private_key_jwt assertion, ES384 or EdDSA, system/ scopes). Every interaction passes one authorization gate; resources "
		"outside your scope answer 404.",
		"resource");
	json_t *rest = json_array_get(json_object_get(o, "rest"), 0);
	json_t *resources = json_object_get(rest, "resource");
	const char *origin = request_origin(req);
	if (origin) {
		json_t *security = json_object_get(rest, "security");
		json_object_set_new(security, "service",
				    json_pack("[{s:[{s:s, s:s}]}]", "coding", "system",
					      "http://terminology.hl7.org/CodeSystem/restful-security-service",
					      "code", "SMART-on-FHIR"));
		json_object_set_new(
			security, "extension",
			json_pack("[{s:s, s:[{s:s, s:s}, {s:s, s:s}, {s:s, s:s}]}]", "url",
				  "http://fhir-registry.smarthealthit.org/StructureDefinition/oauth-uris",
				  "extension", "url", "authorize", "valueUri",
				  arena_printf(&req->arena, "%s/oauth/authorize", origin), "url", "token",
				  "valueUri", arena_printf(&req->arena, "%s/oauth/token", origin), "url",
				  "revoke", "valueUri", arena_printf(&req->arena, "%s/oauth/revoke", origin)));
	}
	for (size_t i = 0; resources && i < sizeof(parts) / sizeof(parts[0]); i++)
		parts[i](resources);
	/* Versions (SEARCH.md): meta.versionId and lastUpdated on every resource but Slot (a
	 * practice's, not versioned); reads answer ETag and Last-Modified and take If-None-Match
	 * and If-Modified-Since; vread of the current version; no history, no If-Match. */
	size_t i;
	json_t *r;
	json_array_foreach(resources, i, r)
	{
		const char *type = json_string_value(json_object_get(r, "type"));
		if (type == NULL || strcmp(type, "Slot") == 0)
			continue;
		json_object_set_new(r, "versioning", json_string("versioned"));
		json_t *in = json_object_get(r, "interaction");
		size_t k;
		json_t *it;
		bool reads = false;
		json_array_foreach(in, k, it)
		{
			const char *code = json_string_value(json_object_get(it, "code"));
			reads = reads || (code != NULL && strcmp(code, "read") == 0);
		}
		if (reads) /* of the current version only */
			json_array_append_new(in, json_pack("{s:s}", "code", "vread"));
		json_object_set_new(r, "readHistory", json_false());
		json_object_set_new(r, "conditionalRead", json_string("full-support"));
	}
	/* A practice system's transaction Bundles (fhir_register.c, SYSTEMS.md). */
	json_object_set_new(rest, "interaction", json_pack("[{s:s}]", "code", "transaction"));
	fhir_respond(req, res, 200, o);
}
