/*
 * libFuzzer harness: fhir_import_parse over one line of a practice's FHIR NDJSON export
 * (`medkeep import`), and for a DiagnosticReport that names its Observations,
 * fhir_import_report_with over the line itself as each Observation. Properties: on failure a
 * reason is given; on success the type is known, the source id is a FHIR id, every resource
 * but a Patient has its patient's id, and what each type maps onto is set and readable (the
 * health summary's types included).
 */
#define FUZZ_CRYPTO_JSON
#include "../harness.h"

#include "fhir/fhir_import.h"
#include "limits.h"
#include "util/arena.h"

static void touch(const char *s)
{
	if (s)
		(void)strlen(s);
}

static void check(const struct import_item *it)
{
	if (it->type >= IMPORT_TYPE_COUNT || it->source_id == NULL || strlen(it->source_id) == 0 ||
	    strlen(it->source_id) > IMPORT_SOURCE_ID_MAX ||
	    (it->type != IMPORT_PATIENT && it->subject == NULL && it->subject_nhi == NULL))
		abort();
	touch(it->subject);
	touch(it->subject_nhi);
	switch (it->type) {
	case IMPORT_PATIENT:
		if (it->patient.nhi == NULL || it->patient.family == NULL || it->patient.given == NULL)
			abort();
		touch(it->email);
		break;
	case IMPORT_DOCUMENT:
		if (it->doc.data == NULL || it->doc.data_len == 0 || it->doc.title == NULL)
			abort();
		for (size_t i = 0; i < it->doc.data_len; i++)
			(void)*(volatile const uint8_t *)&it->doc.data[i];
		break;
	case IMPORT_REPORT:
	case IMPORT_OBSERVATION:
		if (it->has_report ? (it->report->n_obs == 0 || it->report->n_obs > RESULT_MAX_OBSERVATIONS)
				   : (it->n_results == 0 || it->n_results > RESULT_MAX_OBSERVATIONS))
			abort();
		for (size_t i = 0; i < it->n_results; i++)
			touch(it->results[i]);
		break;
	case IMPORT_MEDICATION:
		if (it->med.drug == NULL || it->med.strength == NULL || it->med.form == NULL || it->med.dose == NULL)
			abort();
		touch(it->med.drug);
		touch(it->med.strength);
		touch(it->med.form);
		break;
	case IMPORT_APPOINTMENT:
		if (it->minutes < 5 || it->minutes > 240 || it->reason == NULL)
			abort();
		touch(it->reason);
		break;
	case IMPORT_ALLERGY:
	case IMPORT_CONDITION:
	case IMPORT_IMMUNIZATION:
	case IMPORT_VITAL: {
		/* the summary's mapping (fhir_summary_from_json): every string set, the kind the
		 * type's, a vital sign with a value; what it says is checked by summary_add */
		const struct summary_entry *e = &it->summary;
		if ((int)e->kind != (int)(it->type - IMPORT_ALLERGY) || e->status == NULL || e->text == NULL ||
		    e->note == NULL || e->reaction == NULL || e->criticality == NULL || e->value2 == NULL ||
		    e->unit == NULL || (e->kind == SUMMARY_VITAL && e->value == NULL) ||
		    (e->coding.code == NULL && (e->coding.system || e->coding.display)))
			abort();
		touch(e->status);
		touch(e->text);
		touch(e->note);
		touch(e->reaction);
		touch(e->value);
		touch(e->coding.code);
		touch(e->coding.system);
		touch(e->coding.display);
		break;
	}
	default:
		abort();
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *line = fuzz_copy(data, size);
	if (line == NULL)
		return 0;
	struct arena a;
	arena_init(&a, LIMIT_ARENA_BYTES);
	struct import_item it;
	const char *why = NULL;
	if (fhir_import_parse(line, size, &a, &it, &why) == 0) {
		if (why != NULL)
			abort();
		check(&it);
		if (it.type == IMPORT_REPORT && !it.has_report) {
			json_t *obs[RESULT_MAX_OBSERVATIONS];
			for (size_t i = 0; i < it.n_results; i++)
				obs[i] = it.json;
			json_incref(it.json);
			json_t *self = it.json;
			why = NULL;
			if (fhir_import_report_with(&it, obs, it.n_results, &a, &why) != 0 && why == NULL)
				abort();
			json_object_del(self, "contained"); /* break the cycle it made with itself */
			json_decref(self);
		}
	} else if (why == NULL) {
		abort();
	}
	fhir_import_free(&it);
	arena_release(&a);
	free(line);
	return 0;
}
