/*
 * libFuzzer harness: fhir_communication_parse over a posted Communication (JSON with an
 * optional base64 attachment). Properties: on failure a reason is given; on success there is
 * text, a reply names a message and a new thread a subject, and an attachment is non-empty,
 * within the message attachment limit and has a name.
 */
#define FUZZ_CRYPTO_JSON
#include "../harness.h"

#include "domain/messages.h"
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
	struct message_new m;
	const char *why = NULL;
	if (fhir_communication_parse(json, size, &a, &m, &why) == 0) {
		if (why != NULL || m.text == NULL || (m.reply && !m.by_message) ||
		    (!m.reply && m.subject == NULL) || (m.file != NULL && (m.file_len == 0 ||
		    m.file_len > LIMIT_MESSAGE_ATTACHMENT_BYTES || m.file_len > size || m.file_name == NULL)))
			abort();
		volatile uint8_t acc = 0;
		for (size_t i = 0; i < m.file_len; i++)
			acc ^= m.file[i];
		(void)acc;
		(void)strlen(m.text);
		if (m.subject)
			(void)strlen(m.subject);
		if (m.file_type)
			(void)strlen(m.file_type);
	} else if (why == NULL) {
		abort();
	}
	arena_release(&a);
	free(json);
	return 0;
}
