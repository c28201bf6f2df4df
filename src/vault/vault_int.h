/* Internal to src/vault: what the vault's own files share. Nothing outside src/vault includes
 * this header. */
#ifndef MEDKEEP_VAULT_INT_H
#define MEDKEEP_VAULT_INT_H
#include "crypto/crypto.h"

/* The loaded master key (read-only guarded memory); aborts when none is loaded. */
const struct key *vault_master(void);

/* --- vault_keys.c: hooks vault.c calls for patient keys and the blind index --- */

/* Wrap a new patient key under the current master key (the rotation's new key while one
 * runs), prefixed with that key's id. Appends to out. */
int vault_patient_key_wrap(const struct id *patient, const struct key *pk, struct buf *out);
/* Unwrap a patient key with whichever master key its prefix names (or, for keys from before
 * the keystore, the loaded master key). -1 when no loaded key opens it. */
int vault_patient_key_unwrap(const struct id *patient, const uint8_t *wrapped, size_t n,
			     struct key *pk);
/* The blind-index key: index.key when there is one, else derived from the master key. */
void vault_index_subkey(struct key *out);

#endif
