/*
 * libFuzzer harness: patient_name_words (src/domain/patient_search.c) over a name as a
 * practice's feed or a person searching sends it (untrusted UTF-8, or not UTF-8 at all). The
 * input is copied into a buffer of exactly its size, so ASan catches any read past len.
 * Properties: at most max words, none empty, none longer than PATIENT_WORD_MAX, none holding
 * an ASCII space, hyphen, comma, full stop or capital, no word twice; the same input gives
 * the same words.
 */
#include "../harness.h"

#include "domain/domain.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *v = fuzz_copy(data, size);
	if (v == NULL)
		return 0;
	char words[PATIENT_WORDS_MAX][PATIENT_WORD_MAX + 1];
	char again[PATIENT_WORDS_MAX][PATIENT_WORD_MAX + 1];
	size_t n = patient_name_words(v, size, words, PATIENT_WORDS_MAX);
	if (n > PATIENT_WORDS_MAX)
		abort();
	for (size_t i = 0; i < n; i++) {
		size_t len = strlen(words[i]);
		if (len == 0 || len > PATIENT_WORD_MAX || strpbrk(words[i], " -,.") != NULL)
			abort();
		for (size_t k = 0; k < len; k++)
			if (words[i][k] >= 'A' && words[i][k] <= 'Z')
				abort();
		for (size_t k = 0; k < i; k++)
			if (strcmp(words[k], words[i]) == 0)
				abort();
	}
	if (patient_name_words(v, size, again, PATIENT_WORDS_MAX) != n)
		abort();
	for (size_t i = 0; i < n; i++)
		if (strcmp(words[i], again[i]) != 0)
			abort();
	free(v);
	return 0;
}
