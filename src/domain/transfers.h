/*
 * A patient moving to another practice (docs/internals/TRANSFERS.md). The practice the patient
 * moves to asks; the patient (in their portal) or the practice they are leaving agrees. Until
 * then nothing changes: the practice that asked reaches nothing of the patient, the one being
 * left keeps its access. Once agreed, in one transaction, the old practice's staff and systems
 * lose access and the new practice's gain it, seeing what is filed from the move on, and what
 * came before only if the patient shares it (a choice they can change). The patient keeps
 * their whole record either way. Every step is on the patient's audit trail.
 */
#ifndef MEDKEEP_DOMAIN_TRANSFERS_H
#define MEDKEEP_DOMAIN_TRANSFERS_H
#include "domain/domain.h"
#include "store/transfers.h"

/* A request as its pages show it: the row, the practices' names, and the patient's name
 * where the viewer reaches the patient (NULL otherwise). */
struct transfer_view {
	struct store_transfer row;
	const char *from_name; /* NULL when the patient was enrolled nowhere */
	const char *to_name;
	const char *patient_name;
	bool shared;           /* moved, and the new practice sees what came before */
};

/*
 * The practice `practice` asks that the patient with this NHI move to it. Answers:
 *   ERR_OK        asked (*out the request);
 *   ERR_INVALID   not an NHI (with its check character);
 *   ERR_NOT_FOUND no patient with this NHI uses medkeep (enrol them as new);
 *   ERR_HELD      the patient is enrolled at this practice already;
 *   ERR_CONFLICT  asked already and still open, or the practice's day's limit is reached;
 *   ERR_THROTTLED this person asked LIMIT_TRANSFER_ASKS_PER_DAY times in a day (found or not);
 *   ERR_DENIED    the actor may not ask for this practice (policy_may_ask_transfer).
 */
enum err transfer_ask(const struct actor *a, const struct id *practice, const char *nhi,
		      struct id *out);
/* Agree (share: whether the new practice sees what came before) or refuse. The actor is the
 * patient or staff of the practice being left (policy_may_decide_transfer); anyone else, and
 * a request decided already, get ERR_NOT_FOUND. ERR_CONFLICT when the patient's enrolments
 * changed since the request was made (ask again). */
enum err transfer_decide(const struct actor *a, const struct id *request, bool agree, bool share);
/* The patient chooses whether a practice they moved to sees what came before the move. */
enum err transfer_share(const struct actor *a, const struct id *patient, const struct id *practice,
			bool share);
/* The requests made by and of the actor's practice (open, and decided in the last
 * LIMIT_TRANSFER_SHOWN_DAYS days), newest first. */
enum err transfer_list_practice(const struct actor *a, struct arena *ar,
				struct transfer_view **out, size_t *n);
/* A patient's open requests and their moves, for the patient themselves, with the names of
 * the practices they are enrolled at now (current, at most TARGET_MAX_PRACTICES). */
enum err transfer_list_patient(const struct actor *a, const struct id *patient, struct arena *ar,
			       struct transfer_view **out, size_t *n, const char **current,
			       size_t *n_current);

/* Command line (`medkeep transfers complete`, the operator holding the master key): complete
 * an open request when nobody else can agree to it (the practice being left has closed, and
 * the patient has no portal account), with the operator's reason (kept with the request) and
 * whether the new practice sees what came before. Audited as the local operator. ERR_INVALID
 * for a blank or over-long reason; ERR_NOT_FOUND for no open request by that id;
 * ERR_CONFLICT when the patient's enrolments changed since it was asked. */
enum err transfer_complete_local(const struct id *request, bool share, const char *reason);

#endif
