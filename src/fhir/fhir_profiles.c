/*
 * The profiles medkeep claims (docs/internals/PROFILES.md): meta.profile on each resource whose
 * content meets the profile, and supportedProfile on its CapabilityStatement entry. Only the
 * profile list is set here: meta itself may carry other things (versionId, lastUpdated), so it
 * is fetched or created, never replaced.
 */
#include <jansson.h>
#include <string.h>

#include "fhir/fhir_int.h"

const char fhir_profile_nz_patient[] = "http://hl7.org.nz/fhir/StructureDefinition/NzPatient";
const char fhir_profile_ips_patient[] =
	"http://hl7.org/fhir/uv/ips/StructureDefinition/Patient-uv-ips";
const char fhir_profile_ips_lab_observation[] =
	"http://hl7.org/fhir/uv/ips/StructureDefinition/Observation-results-laboratory-pathology-uv-ips";
const char fhir_profile_ips_report[] =
	"http://hl7.org/fhir/uv/ips/StructureDefinition/DiagnosticReport-uv-ips";
const char fhir_profile_ips_medreq[] =
	"http://hl7.org/fhir/uv/ips/StructureDefinition/MedicationRequest-uv-ips";

/* Append url to the string array o[key] (created when missing), once. */
static void add_url(json_t *o, const char *key, const char *url)
{
	json_t *list = json_object_get(o, key);
	if (!json_is_array(list)) {
		list = json_array();
		if (list == NULL || json_object_set_new(o, key, list) != 0)
			return;
	}
	size_t i;
	json_t *v;
	json_array_foreach(list, i, v)
	{
		if (json_is_string(v) && strcmp(json_string_value(v), url) == 0)
			return;
	}
	json_array_append_new(list, json_string(url));
}

void fhir_claim_profile(json_t *resource, const char *url)
{
	if (!json_is_object(resource))
		return;
	json_t *meta = json_object_get(resource, "meta");
	if (!json_is_object(meta)) {
		meta = json_object();
		if (meta == NULL || json_object_set_new(resource, "meta", meta) != 0)
			return;
	}
	add_url(meta, "profile", url);
}

void fhir_supported_profile(json_t *entry, const char *url)
{
	if (json_is_object(entry))
		add_url(entry, "supportedProfile", url);
}
