/*
 * A patient's own contact details (docs/internals/DETAILS.md): their mobile, another phone and
 * their postal address. The patient keeps them (and a proxy whose grant covers the whole
 * record, and the practice's staff who keep its register); the practice's clinicians see them
 * on the patient's page, and FHIR Patient carries them as telecom and address. Sealed with the
 * patient's key (VREC_DETAILS) beside the demographics the practice holds, never in logs or
 * URLs; every change audited as `patient.contact.update`, every read as `patient.read`.
 */
#ifndef MEDKEEP_DOMAIN_DETAILS_H
#define MEDKEEP_DOMAIN_DETAILS_H
#include <stdbool.h>
#include <stdint.h>

#include "domain/domain.h"

enum details_field {
	DF_MOBILE = 0,
	DF_PHONE,    /* another phone: home or work */
	DF_LINE1,    /* street address (a flat, number and street, or a PO Box) */
	DF_LINE2,    /* more of it (a rural delivery number, a building) */
	DF_SUBURB,
	DF_CITY,     /* town or city */
	DF_POSTCODE, /* four digits */
	DF_COUNT
};

/* The form's name of each field ("mobile", "phone", "line1", ...) and its label. */
const char *details_field_name(enum details_field f);
const char *details_field_label(enum details_field f);

struct contact_details {
	const char *field[DF_COUNT]; /* "" when not given; never NULL once read or checked */
	bool shown;      /* read: false when this actor is not shown them (a partial proxy grant) */
	int64_t updated; /* read: when last saved (0: never) */
};

/*
 * Check what a person typed: each value trimmed of surrounding spaces into out (in ar). A
 * phone is New Zealand's: 0 then 8 to 10 digits, or +64 then 8 to 10 (a mobile starting 02
 * or +642), written with spaces, dashes or brackets, at most LIMIT_PHONE_CHARS; an address
 * line at most LIMIT_ADDRESS_LINE_CHARS of valid UTF-8 without control characters; a postcode
 * four digits; an address needs its street line and its town or city once any part of it is
 * given. Each wrong field gets a sentence in why[field] (NULL for those that are right).
 * Returns how many are wrong (0: out is what to keep).
 */
int details_check(const struct contact_details *in, struct arena *ar, struct contact_details *out,
		  const char *why[DF_COUNT]);

/* The patient's demographics and, when the actor is shown them (policy_sees_contact), their
 * contact details: one gate (ACTION_PATIENT_READ) and one audit record, as patient_read.
 * ERR_OK, ERR_NOT_FOUND (not theirs or no such patient), ERR_GONE, ERR_TRIPPED, ERR_INTERNAL. */
enum err details_read(const struct actor *a, const struct id *patient, struct arena *ar,
		      struct patient_view *pv, struct contact_details *out);

/* Replace the patient's contact details (ACTION_DETAILS_UPDATE through the gate, before any
 * field is looked at: not theirs = ERR_NOT_FOUND; a proxy whose grant does not cover the whole
 * record: ERR_OUT_OF_SCOPE). ERR_INVALID with why[] filled (details_check), nothing written.
 * Audited `patient.contact.update` (durable before the write). */
enum err details_update(const struct actor *a, const struct id *patient,
			const struct contact_details *in, struct arena *ar, const char *why[DF_COUNT]);

#endif
