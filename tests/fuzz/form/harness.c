/*
 * libFuzzer harness: form_parse + form_get over an application/x-www-form-urlencoded body.
 * Properties on success: at most LIMIT_FORM_FIELDS fields, every name non-empty and free of
 * NUL, every value NUL-terminated at value_len, and form_get agrees with the field array.
 */
#include "../harness.h"

#include "http/parse.h"
#include "limits.h"

static const char *const names[] = {"csrf", "email", "password", "title", "kind", "a"};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *body = fuzz_copy(data, size);
	if (body == NULL)
		return 0;
	struct arena a;
	arena_init(&a, LIMIT_ARENA_BYTES);
	struct form_field fields[LIMIT_FORM_FIELDS];
	size_t n = 0;
	if (form_parse(body, size, &a, fields, LIMIT_FORM_FIELDS, &n) == 0) {
		if (n > LIMIT_FORM_FIELDS)
			abort();
		for (size_t i = 0; i < n; i++) {
			size_t nl = strlen(fields[i].name);
			if (nl == 0 || nl > size || fields[i].value_len > size ||
			    fields[i].value[fields[i].value_len] != '\0')
				abort();
		}
		for (size_t k = 0; k < sizeof(names) / sizeof(names[0]); k++) {
			size_t len = (size_t)-1;
			const char *v = form_get(fields, n, names[k], &len);
			size_t seen = 0;
			for (size_t i = 0; i < n; i++)
				seen += strcmp(fields[i].name, names[k]) == 0;
			if ((v != NULL) != (seen == 1))
				abort();
			if (v != NULL && v[len] != '\0')
				abort();
		}
		/* The first field's name must be found unless it is duplicated. */
		if (n > 0 && form_get(fields, n, fields[0].name, NULL) == NULL) {
			size_t dup = 0;
			for (size_t i = 0; i < n; i++)
				dup += strcmp(fields[i].name, fields[0].name) == 0;
			if (dup < 2)
				abort();
		}
	}
	arena_release(&a);
	free(body);
	return 0;
}
