/*
 * NHI numbers (HISO 10046:2023): old format AAANNNC and new format AAANNAX, letters A–Z
 * without I and O. nhi_normalise accepts either case and writes upper case.
 */
#ifndef MEDKEEP_NHI_H
#define MEDKEEP_NHI_H
#include <stdbool.h>
#include <stddef.h>

#define NHI_LEN 7

/* Validate (s, n) and write its upper-case form to out (NHI_LEN + 1); 0 when valid. */
int nhi_normalise(const char *s, size_t n, char out[NHI_LEN + 1]);
bool nhi_valid(const char *s, size_t n);
/* True for the Z-prefixed test range that demo data uses. */
bool nhi_is_test_range(const char nhi[NHI_LEN + 1]);

#endif
