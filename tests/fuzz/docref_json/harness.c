/*
 * libFuzzer harness: fhir_docref_parse over a posted DocumentReference (JSON with base64
 * attachment data). Properties: on failure a reason is given; on success the attachment is
 * non-empty and within the upload limit, the kind is known and the strings are set.
 */
#define FUZZ_CRYPTO_JSON
#include "../harness.h"

#include "fhir/fhir.h"
#include "limits.h"
#include "util/arena.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *json = fuzz_copy(data, size);
	if (json == NULL)
		return 0;
	struct arena a;
	arena_init(&a, LIMIT_ARENA_BYTES);
	struct document_new d;
	const char *why = NULL;
	enum document_kind def = size % 2 ? DOC_PATIENT_UPLOAD : DOC_CLINICAL_LETTER;
	if (fhir_docref_parse(json, size, &a, def, &d, &why) == 0) {
		if (why != NULL || d.data == NULL || d.data_len == 0 || d.data_len > LIMIT_UPLOAD_BYTES ||
		    d.data_len > size || (int)d.kind < 0 || d.kind >= DOC_KIND_COUNT ||
		    d.title == NULL || d.filename == NULL)
			abort();
		/* Touch every decoded byte and string so ASan sees them. */
		volatile uint8_t acc = 0;
		for (size_t i = 0; i < d.data_len; i++)
			acc ^= d.data[i];
		(void)acc;
		(void)strlen(d.title);
		(void)strlen(d.filename);
		if (d.declared_type)
			(void)strlen(d.declared_type);
	} else if (why == NULL) {
		abort();
	}
	arena_release(&a);
	free(json);
	return 0;
}
