/*
 * The practice register: enrolling a patient, finding one by NHI, correcting their details.
 * Every way a patient comes in (a clinician's or practice admin's page, a practice system
 * over FHIR, an HL7 v2 feed, `medkeep import`) goes through these, so that one rule holds
 * for all of them: one live NHI per patient, and the same NHI at the same practice is the
 * same patient, never a second one (docs/internals/REGISTER.md).
 */
#ifndef MEDKEEP_DOMAIN_REGISTER_H
#define MEDKEEP_DOMAIN_REGISTER_H
#include <stdbool.h>

#include "domain/domain.h"

/* Which field of a patient's details is wrong, as FHIR names it ("identifier", "name.family",
 * "name.given", "birthDate", "gender"), or NULL when all are right. Names and the NHI are
 * required; the birth date is a real YYYY-MM-DD date not in the future; gender is one of
 * FHIR's male, female, other, unknown. */
const char *register_problem(const struct patient_view *p);

/*
 * Enrol a patient at `practice`, or find the one already there: *created says which. The
 * actor must be allowed to enrol there (policy_may_enrol); a NULL actor is the operator's
 * command-line tool (`medkeep import`, with local tools enabled). Answers:
 *   ERR_OK        *out is the patient (new, or the same NHI already enrolled here);
 *   ERR_INVALID   a field is wrong (register_problem);
 *   ERR_CONFLICT  the NHI belongs to a patient enrolled elsewhere (moving practice is not
 *                 done by enrolling: the message or request waits for a person);
 *   ERR_DENIED    the actor may not enrol at this practice.
 * Audited as `patient.enrol` (allow before the patient is written; match; deny; conflict).
 */
enum err register_enrol(const struct actor *a, const struct id *practice,
			const struct patient_view *p, struct id *out, bool *created);

/* The patient with this NHI that the actor may read (any format, either case), or
 * ERR_NOT_FOUND: not registered, or registered where the actor does not reach, which answer
 * alike. ERR_INVALID for a string that is not an NHI. A found patient's read is audited by
 * the caller's own read (patient_read); a patient out of reach is audited as a deny. */
enum err register_find_nhi(const struct actor *a, const char *nhi, struct id *out);

/* Replace an enrolled patient's details (ACTION_PATIENT_WRITE through the gate), with the
 * version written and its time. ERR_INVALID (register_problem), ERR_CONFLICT (another patient
 * holds the new NHI), ERR_NOT_FOUND. */
enum err register_update(const struct actor *a, const struct id *patient,
			 const struct patient_view *p, int64_t *version, int64_t *updated);

/*
 * A unit of work (a FHIR transaction Bundle): every write made on this thread between
 * register_work_begin and register_work_commit goes into one store transaction (medkeep.db
 * and the keystore), so either all of it is committed or none. The audit records the writes
 * made on the way stay in the trail (the trail is append-only and durable before each write);
 * register_work_undo rolls the store back and appends, for each write listed, a record of the
 * same write marked "fail", so the trail says the write did not stand. The store is held for
 * writing for the whole unit (other writers wait): keep units small (LIMIT_BUNDLE_ENTRIES).
 */
struct work_write {
	bool enrol; /* a patient enrolled (patient.enrol); else `action` */
	enum action action;
	struct id patient;
	const char *rtype;
	struct id rid;
};
enum err register_work_begin(void);
enum err register_work_commit(void);
enum err register_work_undo(const struct actor *a, const struct work_write *w, size_t n);

#endif
