/*
 * How a patient is known outside the portal (src/store/sqlite/store_contact.c): the contact
 * email address the practice holds for them, which is the only address an invitation to
 * register may go to, and a check of their date of birth, which registering must give. Kept
 * like an account's address: sealed by the vault for the patient's id under the address key
 * (never readable by a worker or by staff), its blind index (kind "email", as account.email),
 * and a keyed hash of the patient id and birth date (kind "dob"). No grant: like an account's
 * address, this is what the account lifecycle needs, and holds nothing readable.
 * docs/internals/ACCOUNTS.md, "Registration by invitation".
 */
#ifndef MEDKEEP_STORE_CONTACT_H
#define MEDKEEP_STORE_CONTACT_H
#include "store/store.h"

struct store_contact {
	const char *email_index; /* "idx:..." as account.email */
	struct bytes email_ct;   /* sealed for the patient's id */
	uint8_t dob_check[HASH_BYTES];
};

/* Set (or replace) a patient's contact. */
enum err store_contact_set(const struct id *patient, const struct store_contact *c);
/* A patient's contact; ERR_NOT_FOUND when the record holds none. */
enum err store_contact_get(const struct id *patient, struct arena *a, struct store_contact *out);
/* Forget it (the record is erased: crypto-shredding). */
enum err store_contact_erase(const struct id *patient);

#endif
