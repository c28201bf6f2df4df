/*
 * What every libFuzzer harness in tests/fuzz/<name>/harness.c shares: the entry points'
 * prototypes, the input copied into a buffer of its exact size, and the start-up of the
 * harnesses whose parsers use libsodium or jansson. Each harness is one file and includes
 * this once, first among its own headers: `#include "../harness.h"`.
 *
 * A harness that needs crypto_setup() and a fixed jansson hash seed defines FUZZ_CRYPTO_JSON
 * before the include, and this header defines its LLVMFuzzerInitialize; a harness with other
 * start-up work (vault_msg) defines LLVMFuzzerInitialize itself.
 */
#ifndef MEDKEEP_FUZZ_HARNESS_H
#define MEDKEEP_FUZZ_HARNESS_H

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* The input in a heap buffer of exactly its size (one byte when empty), so ASan reports any
 * read past its end. Returns NULL when out of memory (the harness then returns 0); the
 * caller frees it. */
static inline void *fuzz_copy(const uint8_t *data, size_t size)
{
	uint8_t *p = malloc(size ? size : 1);
	if (p != NULL && size)
		memcpy(p, data, size);
	return p;
}

/* The input followed by a NUL, for parsers that take a C string (which then ends at the
 * input's first NUL, if it has one). Returns NULL when out of memory; the caller frees it. */
static inline char *fuzz_cstr(const uint8_t *data, size_t size)
{
	char *s = malloc(size + 1);
	if (s == NULL)
		return NULL;
	if (size)
		memcpy(s, data, size);
	s[size] = '\0';
	return s;
}

#ifdef FUZZ_CRYPTO_JSON
#include <jansson.h>

#include "crypto/crypto.h"

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	crypto_setup();
	json_object_seed(1); /* deterministic hashing, so runs reproduce */
	return 0;
}
#endif

#endif
