/* Internal to src/vault: what the vault's own files share. Nothing outside src/vault includes
 * this header. */
#ifndef MEDKEEP_VAULT_INT_H
#define MEDKEEP_VAULT_INT_H
#include "crypto/crypto.h"

/* The loaded master key (read-only guarded memory); aborts when none is loaded. */
const struct key *vault_master(void);

#endif
