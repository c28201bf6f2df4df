/*
 * Key and record lifecycle: master key rotation, crypto-shredding of a patient, and the
 * retention run that shreds patients whose grace period is over. Command-line services: they
 * act as the local operator (no session, no grant: nothing here reads patient data), put
 * every act on the audit trail before doing it, and are safe to run beside `serve`.
 * Docs: docs/internals/ROTATION.md and SHREDDING.md.
 */
#ifndef MEDKEEP_LIFECYCLE_H
#define MEDKEEP_LIFECYCLE_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "crypto/sign.h"
#include "util/id.h"
#include "util/err.h"

/* After the store and vault are open: the blind-index key must be the one the data was
 * indexed with (its id is kept in the keystore); -1 when it is not. */
int keys_check_index(void);

struct rotate_report {
	bool finished_earlier; /* an interrupted rotation had only its last step left */
	bool resumed;          /* master.key.next existed: this run continued a rotation */
	int64_t total;         /* keystore rows */
	int64_t rewrapped;     /* rewrapped by this run */
	int64_t legacy_moved;  /* keys moved from patient rows into the keystore */
	uint8_t old_id[KEY_ID_BYTES], new_id[KEY_ID_BYTES];
};
/*
 * Rotate the master key, or finish a rotation that was interrupted: every patient key is
 * rewrapped under master.key.next in batches of `batch` (each its own short transaction), then
 * master.key.next replaces master.key, and everyone is signed out. progress(what, done, total)
 * after each batch. Returns 0, or -1 with a message on stderr; rerunning after any failure or
 * interruption continues where it stopped.
 */
int keys_rotate(size_t batch, void (*progress)(const char *what, int64_t done, int64_t total),
		struct rotate_report *out);

struct shred_report {
	size_t holders;        /* practices still holding the patient (after the release) */
	bool already;          /* their key was destroyed before */
	int64_t shredded_at;
};
/*
 * Crypto-shred one patient now: end `release`'s enrolment (when not NULL), refuse while
 * another practice holds them (unless force), destroy their key in the keystore, then delete
 * their documents, clear their demographics and erase and lock their accounts.
 */
enum err patient_shred(const struct id *patient, const struct id *release, bool force,
		       struct shred_report *out);
/* Schedule a shred for `when` (seconds since 1970): ends `release`'s enrolment now, and the
 * retention run shreds the patient once the time has come and no practice holds them. */
enum err patient_shred_schedule(const struct id *patient, const struct id *release, int64_t when,
				struct shred_report *out);

struct retention_report {
	size_t due, shredded, held, failed;
};
/* The patients whose scheduled time has come, each(patient) for each; changes nothing. */
int retention_due(int64_t now, struct retention_report *out, void (*each)(const struct id *patient));
/* Shred every patient whose scheduled time has come; each(patient, rc, report) for each. */
int retention_run(int64_t now, bool force,
		  void (*each)(const struct id *patient, int rc, const struct shred_report *r),
		  struct retention_report *out);

#endif
