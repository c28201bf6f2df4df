/* One line of a practice's FHIR NDJSON export onto what `medkeep import` files
 * (fhir_import_parse): each type's mapping, and reasons that name fields, never values. And the
 * policy's one allowance for the import actor: medicines, visits and invitations only as a local
 * tool without a token. */
#include <stdio.h>
#include <string.h>

#include "fhir/fhir_import.h"
#include "limits.h"
#include "policy/policy.h"
#include "test.h"

static int parse(const char *line, struct arena *a, struct import_item *it, const char **why)
{
	return fhir_import_parse(line, strlen(line), a, it, why);
}

static void patient(struct arena *a)
{
	struct import_item it;
	const char *why;
	CHECK(parse("{\"resourceType\":\"Patient\",\"id\":\"p-1.x\",\"identifier\":[{\"system\":\"other\",\"value\":\"1\"},"
		    "{\"system\":\"https://standards.digital.health.nz/ns/nhi-id\",\"value\":\"zbn77vl\"}],"
		    "\"name\":[{\"use\":\"usual\",\"family\":\"Nick\",\"given\":[\"N\"]},{\"use\":\"official\",\"family\":\"Te Awa\","
		    "\"given\":[\"Aroha\",\"Mere\"]}],\"birthDate\":\"1980-02-29\",\"gender\":\"female\","
		    "\"telecom\":[{\"system\":\"phone\",\"value\":\"021\"},{\"system\":\"email\",\"value\":\"a@example.test\"}]}",
		    a, &it, &why) == 0);
	CHECK(why == NULL && it.type == IMPORT_PATIENT && strcmp(it.source_id, "p-1.x") == 0);
	CHECK(strcmp(it.patient.family, "Te Awa") == 0 && strcmp(it.patient.given, "Aroha Mere") == 0);
	CHECK(strcmp(it.patient.nhi, "zbn77vl") == 0 && strcmp(it.email, "a@example.test") == 0);
	fhir_import_free(&it);
	/* A wrong check character: refused, and the reason does not carry the value. */
	CHECK(parse("{\"resourceType\":\"Patient\",\"id\":\"p2\",\"identifier\":[{\"system\":"
		    "\"https://standards.digital.health.nz/ns/nhi-id\",\"value\":\"ZZZ0044\"}],\"name\":[{\"family\":\"F\","
		    "\"given\":[\"G\"]}],\"birthDate\":\"1980-01-01\",\"gender\":\"male\"}", a, &it, &why) == -1);
	CHECK(why != NULL && strstr(why, "NHI") != NULL && strstr(why, "ZZZ0044") == NULL);
	fhir_import_free(&it);
	CHECK(parse("{\"resourceType\":\"Patient\",\"id\":\"has/slash\"}", a, &it, &why) == -1 && strstr(why, "FHIR id"));
	fhir_import_free(&it);
	CHECK(parse("[1,2]", a, &it, &why) == -1 && it.type == IMPORT_TYPE_COUNT);
	fhir_import_free(&it);
}

static void medication(struct arena *a)
{
	struct import_item it;
	const char *why;
	CHECK(parse("{\"resourceType\":\"MedicationRequest\",\"id\":\"m1\",\"status\":\"stopped\",\"intent\":\"order\","
		    "\"medicationCodeableConcept\":{\"text\":\"Fluticasone with salmeterol 125/25 mcg per dose inhaler\"},"
		    "\"subject\":{\"reference\":\"Patient/p1\"},\"authoredOn\":\"2026-01-02\","
		    "\"dosageInstruction\":[{\"text\":\"Two puffs twice a day.\"}]}", a, &it, &why) == 0);
	CHECK(strcmp(it.med.drug, "Fluticasone with salmeterol") == 0);
	CHECK(strcmp(it.med.strength, "125/25 mcg per dose") == 0 && strcmp(it.med.form, "inhaler") == 0);
	CHECK(it.med_stopped && it.med.started > 0 && strcmp(it.subject, "p1") == 0);
	fhir_import_free(&it);
	CHECK(parse("{\"resourceType\":\"MedicationRequest\",\"id\":\"m2\",\"intent\":\"order\",\"medicationCodeableConcept\":"
		    "{\"text\":\"Paracetamol\"},\"subject\":{\"reference\":\"Patient/p1\"},\"dosageInstruction\":[{\"text\":\"x\"}]}",
		    a, &it, &why) == -1 && strstr(why, "strength"));
	fhir_import_free(&it);
	/* A code in NZMT or SNOMED CT is kept (the first such coding); others are left out. */
	CHECK(parse("{\"resourceType\":\"MedicationRequest\",\"id\":\"m4\",\"intent\":\"order\",\"medicationCodeableConcept\":"
		    "{\"coding\":[{\"system\":\"http://www.nlm.nih.gov/research/umls/rxnorm\",\"code\":\"1\"},{\"system\":"
		    "\"http://nzmt.org.nz\",\"code\":\"10037191000116105\",\"display\":\"paracetamol\"},{\"system\":"
		    "\"http://snomed.info/sct\",\"code\":\"777067000\"}],\"text\":\"Paracetamol 500 mg tablet\"},"
		    "\"subject\":{\"reference\":\"Patient/p1\"},\"dosageInstruction\":[{\"text\":\"x\"}]}", a, &it, &why) == 0);
	CHECK(strcmp(it.med.code.system, "http://nzmt.org.nz") == 0 && strcmp(it.med.code.code, "10037191000116105") == 0);
	CHECK(strcmp(it.med.code.display, "paracetamol") == 0 && medication_code_ok(&it.med.code));
	fhir_import_free(&it);
	CHECK(parse("{\"resourceType\":\"MedicationRequest\",\"id\":\"m5\",\"intent\":\"order\",\"medicationCodeableConcept\":"
		    "{\"coding\":[{\"system\":\"http://www.nlm.nih.gov/research/umls/rxnorm\",\"code\":\"1\"}],"
		    "\"text\":\"Paracetamol 500 mg tablet\"},\"subject\":{\"reference\":\"Patient/p1\"},"
		    "\"dosageInstruction\":[{\"text\":\"x\"}]}", a, &it, &why) == 0);
	CHECK(it.med.code.code == NULL && it.med.code.system == NULL);
	fhir_import_free(&it);
	static const char *const bad_codes[] = {"12345", "0318913001", "31891300a", "1234567890123456789", ""};
	for (size_t i = 0; i < sizeof(bad_codes) / sizeof(bad_codes[0]); i++) {
		char line[600];
		snprintf(line, sizeof(line),
			 "{\"resourceType\":\"MedicationRequest\",\"id\":\"m6\",\"intent\":\"order\",\"medicationCodeableConcept\":"
			 "{\"coding\":[{\"system\":\"http://snomed.info/sct\",\"code\":\"%s\"}],\"text\":\"Cilazapril 2.5 mg tablet\"},"
			 "\"subject\":{\"reference\":\"Patient/p1\"},\"dosageInstruction\":[{\"text\":\"x\"}]}", bad_codes[i]);
		CHECK(parse(line, a, &it, &why) == -1 && strstr(why, "6 to 18 digits") != NULL);
		fhir_import_free(&it);
	}
	struct medication_code none = {0}, wrong = {"http://loinc.org", "318913001", NULL};
	CHECK(medication_code_ok(&none) && !medication_code_ok(&wrong));
	CHECK(parse("{\"resourceType\":\"MedicationRequest\",\"id\":\"m3\",\"intent\":\"proposal\",\"subject\":{\"reference\":\"Patient/p1\"}}", a, &it, &why) == -1 &&
	      strstr(why, "repeat request"));
	fhir_import_free(&it);
}

static void results_and_visits(struct arena *a)
{
	struct import_item it;
	const char *why;
	CHECK(parse("{\"resourceType\":\"DiagnosticReport\",\"id\":\"r1\",\"status\":\"final\",\"subject\":{\"reference\":"
		    "\"Patient/p1\"},\"result\":[{\"reference\":\"Observation/o1\"},{\"reference\":\"Observation/o2\"}]}",
		    a, &it, &why) == 0);
	CHECK(!it.has_report && it.n_results == 2 && strcmp(it.results[1], "o2") == 0);
	fhir_import_free(&it);
	/* Our own export: the laboratory contained, the Observations by reference. */
	CHECK(parse("{\"resourceType\":\"DiagnosticReport\",\"id\":\"r2\",\"status\":\"final\",\"subject\":{\"reference\":"
		    "\"Patient/p1\"},\"contained\":[{\"resourceType\":\"Organization\",\"id\":\"lab\",\"name\":\"Lab A\"}],"
		    "\"performer\":[{\"reference\":\"#lab\"}],\"result\":[{\"reference\":\"Observation/o1\"}]}", a, &it, &why) == 0);
	CHECK(!it.has_report && it.n_results == 1);
	fhir_import_free(&it);
	/* The laboratory named only by the contained Organization performer references. */
	CHECK(parse("{\"resourceType\":\"DiagnosticReport\",\"id\":\"r3\",\"status\":\"final\",\"identifier\":[{\"value\":\"A-3\"}],"
		    "\"subject\":{\"reference\":\"Patient/p1\"},\"effectiveDateTime\":\"2026-11-01\",\"issued\":\"2026-11-02\","
		    "\"performer\":[{\"reference\":\"#lab\"}],\"contained\":[{\"resourceType\":\"Organization\",\"id\":\"lab\","
		    "\"name\":\"Lab B\"},{\"resourceType\":\"Observation\",\"code\":{\"coding\":[{\"system\":\"http://loinc.org\","
		    "\"code\":\"4548-4\"}]},\"valueQuantity\":{\"value\":41}}]}", a, &it, &why) == 0);
	CHECK(it.has_report && it.report->n_obs == 1 && strcmp(it.report->lab, "Lab B") == 0);
	fhir_import_free(&it);
	/* An observation served without a value (dataAbsentReason) comes back as an empty text. */
	CHECK(parse("{\"resourceType\":\"Observation\",\"id\":\"o9\",\"status\":\"final\",\"code\":{\"coding\":[{\"system\":"
		    "\"http://loinc.org\",\"code\":\"4548-4\"}]},\"subject\":{\"reference\":\"Patient/p1\"},"
		    "\"effectiveDateTime\":\"2026-11-01T09:00:00Z\",\"dataAbsentReason\":{\"coding\":[{\"code\":\"unknown\"}]}}",
		    a, &it, &why) == 0);
	CHECK(it.has_report && it.report->n_obs == 1 && !it.report->obs[0].has_value &&
	      strcmp(it.report->obs[0].value_text, "") == 0);
	fhir_import_free(&it);
	CHECK(parse("{\"resourceType\":\"Observation\",\"id\":\"o1\",\"status\":\"final\",\"code\":{\"coding\":[{\"system\":"
		    "\"http://loinc.org\",\"code\":\"4548-4\"}]},\"subject\":{\"reference\":\"Patient/p1\"},"
		    "\"effectiveDateTime\":\"2026-11-01T09:00:00Z\",\"valueQuantity\":{\"value\":41,\"unit\":\"mmol/mol\"}}",
		    a, &it, &why) == 0);
	CHECK(it.has_report && it.report->n_obs == 1 && strcmp(it.report->accession, "o1") == 0);
	CHECK(it.report->obs[0].has_value && it.report->obs[0].value == 41);
	fhir_import_free(&it);
	CHECK(parse("{\"resourceType\":\"Appointment\",\"id\":\"a1\",\"status\":\"booked\",\"start\":\"2026-12-10T09:00:00Z\","
		    "\"end\":\"2026-12-10T09:30:00Z\",\"participant\":[{\"actor\":{\"reference\":\"Practitioner/x\"}},"
		    "{\"actor\":{\"reference\":\"Patient/p9\"}}],\"reasonCode\":[{\"text\":\"Review\"}]}", a, &it, &why) == 0);
	CHECK(it.minutes == 30 && strcmp(it.subject, "p9") == 0 && strcmp(it.reason, "Review") == 0);
	fhir_import_free(&it);
	CHECK(parse("{\"resourceType\":\"Appointment\",\"id\":\"a2\",\"status\":\"cancelled\"}", a, &it, &why) == -1);
	fhir_import_free(&it);
	CHECK(parse("{\"resourceType\":\"DocumentReference\",\"id\":\"d0\",\"subject\":{\"identifier\":{\"system\":"
		    "\"https://standards.digital.health.nz/ns/nhi-id\",\"value\":\"ZBN77VL\"}},\"content\":[{\"attachment\":"
		    "{\"data\":\"JVBERi0xLjQK\"}}]}", a, &it, &why) == 0);
	CHECK(it.subject == NULL && strcmp(it.subject_nhi, "ZBN77VL") == 0 && it.doc.data_len == 9);
	fhir_import_free(&it);
	CHECK(parse("{\"resourceType\":\"DocumentReference\",\"id\":\"d1\",\"subject\":{\"reference\":\"Patient/p1\"},"
		    "\"content\":[{\"attachment\":{\"url\":\"https://pms.example/1\"}}]}", a, &it, &why) == -1 &&
	      strstr(why, "url is not supported") && strstr(why, "pms.example") == NULL);
	fhir_import_free(&it);
}

static void import_actor_policy(void)
{
	struct actor a;
	memset(&a, 0, sizeof(a));
	a.role = ROLE_SYSTEM;
	a.mfa = true;
	a.has_practice = true;
	memset(&a.practice, 3, sizeof(a.practice));
	a.system_scopes = SYSTEM_SCOPE_ALL;
	struct target t = {.exists = true, .n_practices = 1};
	memset(&t.patient, 4, sizeof(t.patient));
	t.practices[0] = a.practice;
	struct grant g;
	/* A network system: documents and results, never medicines, visits or invitations. */
	a.token = "a-token";
	CHECK(policy_decide(&a, ACTION_DOCUMENT_CREATE, &t, &g) == 0);
	CHECK(policy_decide(&a, ACTION_MEDICATION_CREATE, &t, &g) != 0);
	CHECK(policy_decide(&a, ACTION_APPOINTMENT_BOOK, &t, &g) != 0);
	CHECK(!policy_may_invite(&a, &t));
	/* The import (a local tool, no token): those too, at its own practice only. (Local tools
	 * stay enabled for the rest of this process: this suite runs last.) */
	a.token = NULL;
	policy_enable_local_tools();
	CHECK(policy_decide(&a, ACTION_MEDICATION_CREATE, &t, &g) == 0);
	CHECK(policy_decide(&a, ACTION_APPOINTMENT_BOOK, &t, &g) == 0);
	CHECK(policy_may_invite(&a, &t));
	CHECK(policy_decide(&a, ACTION_DOCUMENT_READ, &t, &g) != 0); /* it reads nothing */
	memset(&t.practices[0], 5, sizeof(t.practices[0]));
	CHECK(policy_decide(&a, ACTION_MEDICATION_CREATE, &t, &g) != 0);
	CHECK(!policy_may_invite(&a, &t));
}

void test_import(void)
{
	struct arena a;
	arena_init(&a, LIMIT_ARENA_BYTES);
	patient(&a);
	medication(&a);
	results_and_visits(&a);
	arena_release(&a);
	import_actor_policy();
}
