/*
 * The import map (`medkeep import`, docs/internals/IMPORT.md): for one practice, which of our
 * records a resource of its export became. A resource is known by its type and a keyed hash
 * of its id in the practice's system (vault_blind_index "import"), so the map holds no id that
 * could be PHI (a system may use an NHI as a resource id). A line whose resource is in the map
 * is already there: that is what makes an import idempotent and resumable.
 *
 * The map names our ids, never content; like the NHI index (store_patient_by_nhi) it takes no
 * grant. It is written in the same transaction as the record it names, so a batch that did not
 * commit leaves neither.
 */
#ifndef MEDKEEP_STORE_IMPORTS_H
#define MEDKEEP_STORE_IMPORTS_H
#include "crypto/crypto.h"
#include "store/store.h"

/* What became of a source resource: our record (a patient, document, result, medication,
 * appointment) and the patient it belongs to. ERR_OK, ERR_NOT_FOUND, or ERR_INTERNAL. */
enum err store_import_lookup(const struct id *practice, const char *rtype,
			     const uint8_t source[HASH_BYTES], struct id *target, struct id *patient);

/* Record that the source resource became `target` of `patient`. ERR_OK, ERR_CONFLICT when
 * it is mapped already, or ERR_INTERNAL. */
enum err store_import_record(const struct id *practice, const char *rtype,
			     const uint8_t source[HASH_BYTES], const struct id *target,
			     const struct id *patient, int64_t now);

/* Patients imported into `practice` (the map's Patients) who may be invited in bulk: with a
 * contact address on record, no account yet and no invitation made (used or not), in id order
 * after `after` (zero: from the start), at most `limit` (LIMIT_LIST at most) into out[]. A list
 * of ids, like the register's; the invitation itself goes through the gate. */
enum err store_import_invitees(const struct id *practice, const struct id *after, size_t limit,
			       struct id *out, size_t *n);

#endif
