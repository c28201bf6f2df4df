/* The health summary's rules that need no server (docs/internals/SUMMARY.md): each kind's
 * statuses, the vital signs taken, and the FHIR mapping of each type (fhir_summary_from_json),
 * with reasons that name fields, never values. */
#include <string.h>

#include "fhir/fhir_summary.h"
#include "limits.h"
#include "test.h"

static int map(const char *json, struct arena *a, struct summary_entry *e, const char **subject,
	       const char **why)
{
	json_t *o = json_loads(json, 0, NULL);
	int rc = fhir_summary_from_json(o, a, e, subject, why);
	json_decref(o);
	return rc;
}

void test_summary(void)
{
	struct arena a;
	arena_init(&a, LIMIT_ARENA_BYTES);
	CHECK(summary_status_ok(SUMMARY_ALLERGY, "resolved"));
	CHECK(!summary_status_ok(SUMMARY_ALLERGY, "remission"));
	CHECK(summary_status_ok(SUMMARY_CONDITION, "remission"));
	CHECK(!summary_status_ok(SUMMARY_CONDITION, "entered-in-error"));
	CHECK(summary_status_ok(SUMMARY_IMMUNIZATION, "not-done"));
	CHECK(!summary_status_ok(SUMMARY_VITAL, "registered"));
	CHECK(!summary_status_ok(SUMMARY_KIND_COUNT, "final"));
	CHECK(summary_vital_count() == 8);
	CHECK(strcmp(summary_vital_of("85354-9")->unit, "mm[Hg]") == 0);
	CHECK(summary_vital_of("2339-0") == NULL);
	CHECK(strcmp(summary_kind_name(SUMMARY_VITAL), "vital") == 0 && summary_kind_name(SUMMARY_KIND_COUNT) == NULL);

	struct summary_entry e;
	const char *subject, *why;
	/* an allergy: status defaults to active, the first coding and the text, the reaction */
	CHECK(map("{\"resourceType\":\"AllergyIntolerance\",\"code\":{\"coding\":[{\"system\":\"http://snomed.info/sct\","
		  "\"code\":\"91936005\",\"display\":\"Allergy to penicillin\"}],\"text\":\"Penicillin\"},"
		  "\"patient\":{\"reference\":\"Patient/abc\"},\"recordedDate\":\"2020-01-02\",\"criticality\":\"high\","
		  "\"reaction\":[{\"manifestation\":[{\"text\":\"Hives\"}]}]}", &a, &e, &subject, &why) == 0);
	CHECK(e.kind == SUMMARY_ALLERGY && strcmp(e.status, "active") == 0 && strcmp(subject, "Patient/abc") == 0);
	CHECK(strcmp(e.coding.code, "91936005") == 0 && strcmp(e.text, "Penicillin") == 0);
	CHECK(strcmp(e.reaction, "Hives") == 0 && strcmp(e.criticality, "high") == 0 && e.effective == 1577923200);
	/* blood pressure: systolic and diastolic from the components */
	CHECK(map("{\"resourceType\":\"Observation\",\"status\":\"final\",\"category\":[{\"coding\":[{\"code\":\"vital-signs\"}]}],"
		  "\"code\":{\"coding\":[{\"system\":\"http://loinc.org\",\"code\":\"85354-9\"}]},\"subject\":{\"reference\":\"Patient/p\"},"
		  "\"effectiveDateTime\":\"2026-01-01T10:00:00Z\",\"component\":["
		  "{\"code\":{\"coding\":[{\"code\":\"8462-4\"}]},\"valueQuantity\":{\"value\":81,\"code\":\"mm[Hg]\"}},"
		  "{\"code\":{\"coding\":[{\"code\":\"8480-6\"}]},\"valueQuantity\":{\"value\":121.5,\"code\":\"mm[Hg]\"}}]}",
		  &a, &e, &subject, &why) == 0);
	CHECK(e.kind == SUMMARY_VITAL && strcmp(e.value, "121.5") == 0 && strcmp(e.value2, "81") == 0);
	CHECK(strcmp(e.unit, "mm[Hg]") == 0);
	/* a lab Observation is not the summary's; one component twice is refused */
	CHECK(map("{\"resourceType\":\"Observation\",\"status\":\"final\",\"category\":[{\"coding\":[{\"code\":\"laboratory\"}]}],"
		  "\"code\":{\"text\":\"x\"}}", &a, &e, &subject, &why) != 0 && why != NULL);
	CHECK(map("{\"resourceType\":\"Observation\",\"status\":\"final\",\"category\":[{\"coding\":[{\"code\":\"vital-signs\"}]}],"
		  "\"code\":{\"coding\":[{\"code\":\"85354-9\"}]},\"component\":["
		  "{\"code\":{\"coding\":[{\"code\":\"8480-6\"}]},\"valueQuantity\":{\"value\":1}},"
		  "{\"code\":{\"coding\":[{\"code\":\"8480-6\"}]},\"valueQuantity\":{\"value\":2}}]}",
		  &a, &e, &subject, &why) != 0 && strstr(why, "once each") != NULL);
	/* wrong JSON types are refused, the value never named */
	CHECK(map("{\"resourceType\":\"Condition\",\"code\":{\"text\":7},\"subject\":{\"reference\":\"Patient/p\"}}",
		  &a, &e, &subject, &why) != 0 && strstr(why, "CodeableConcept") != NULL);
	CHECK(map("{\"resourceType\":\"Immunization\",\"status\":\"completed\",\"vaccineCode\":{\"text\":\"Flu\"},"
		  "\"occurrenceDateTime\":\"yesterday-ish\"}", &a, &e, &subject, &why) != 0 &&
	      strstr(why, "dateTime") != NULL && strstr(why, "yesterday") == NULL);
	CHECK(map("{\"resourceType\":\"Encounter\"}", &a, &e, &subject, &why) != 0);
	arena_release(&a);
}
