/* Internal to src/domain: sealing and opening the JSON records of medications, repeat
 * requests and appointments (defined in medications.c). */
#ifndef MEDKEEP_CAREPLAN_INT_H
#define MEDKEEP_CAREPLAN_INT_H
#include <jansson.h>

#include "domain/domain_int.h"
#include "vault/vault.h"

/* Seal o as record `record` of kind for the patient in p, under grant g (a writing action).
 * *out from ar. ERR_OK or the vault's refusal mapped (domain_vault_failed). */
enum err careplan_seal(const struct actor *a, const struct grant *g, const struct store_patient *p,
		       enum vault_record kind, const struct id *record, json_t *o, struct arena *ar,
		       struct bytes *out);
/* Open a sealed record into a JSON object whose "part" is `part`; *out owned by the caller
 * (json_decref). */
enum err careplan_open(const struct actor *a, const struct grant *g, const struct store_patient *p,
		       enum vault_record kind, const struct id *record, struct bytes ct, const char *part,
		       struct arena *ar, json_t **out);
/* A string member copied into ar ("" when missing). */
const char *careplan_str(json_t *o, const char *key, struct arena *ar);
/* The patient row (with its wrapped key) for g: ERR_OK, ERR_GONE or ERR_INTERNAL. */
enum err careplan_patient_row(const struct grant *g, const struct id *patient, struct arena *ar,
			      struct store_patient *out);
/* Free text from a form: trimmed length 0..max, no control characters but newlines. */
bool careplan_text_ok(const char *s, size_t max, bool required);
/* A staff member's display name, or "Practice staff". */
const char *careplan_staff_name(const struct id *account, struct arena *ar);

#endif
