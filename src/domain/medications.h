/*
 * Medications and repeat prescriptions: a patient's current medications (added and stopped by
 * clinicians), repeat requests from the patient or a proxy with the medications scope, and the
 * practice's queue where clinicians approve or decline them with a reason. Every function asks
 * the gate and audits; outside scope answers ERR_NOT_FOUND exactly like a missing id.
 */
#ifndef MEDKEEP_MEDICATIONS_H
#define MEDKEEP_MEDICATIONS_H
#include "domain/domain.h"
#include "store/medications.h"

#define MEDICATION_FIELD_MAX 200u /* drug, strength, form */
#define MEDICATION_NOTE_MAX 500u  /* dose instructions, notes, reasons */
/* A medicine's code (NZMT or SNOMED CT: both are SNOMED CT identifiers, 6 to 18 digits). */
#define MEDICATION_CODE_MIN 6u
#define MEDICATION_CODE_MAX 18u
#define MEDICATION_SYSTEM_NZMT "http://nzmt.org.nz"
#define MEDICATION_SYSTEM_SNOMED "http://snomed.info/sct"

/* A medicine's code where one is known (all NULL when not): system one of the two above. */
struct medication_code {
	const char *system;
	const char *code;
	const char *display; /* may be NULL */
};

struct medication_view {
	struct id id;
	struct id patient;
	struct id prescriber;
	const char *prescriber_name;
	const char *drug;     /* "Metformin" */
	const char *strength; /* "500 mg" */
	const char *form;     /* "tablet" */
	const char *dose;     /* "Take one tablet twice a day with food" */
	struct medication_code code;
	int64_t started;
	int64_t created;
	int64_t stopped; /* 0 while current */
	const char *stop_reason; /* why, in words (NULL: stopped before reasons were kept) */
	const char *stop_note;   /* the clinician's note on stopping; NULL when none */
	bool open_request; /* a repeat request awaits a decision */
};

struct repeat_view {
	struct id id;
	struct id medication;
	struct id patient;
	struct id practice;
	struct id requested_by;
	enum repeat_state state;
	int64_t requested;
	int64_t decided;
	const char *pharmacy;
	const char *note;   /* may be "" */
	const char *reason; /* the decision's reason; "" while requested or when none */
	const char *decided_by_name;
	const struct medication_view *medication_view; /* when listed with the medications */
};

/* The pharmacies a patient may choose (invented, for the demo practice's area). */
size_t pharmacy_count(void);
const char *pharmacy_name(size_t i);

/* A patient's medications and repeat requests (each medication and request audited as
 * listed). Arrays from ar. */
/* One MedicationRequest: a medication (intent order) or a repeat request (intent proposal). */
struct medreq_view {
	bool repeat;
	struct medication_view med;
	struct repeat_view rep; /* rep.medication_view: the medication it asks for, when known */
};
/* The clear codes a MedicationRequest search filters on: intent and status together. */
#define MEDREQ_ORDER_ACTIVE "order-active"
#define MEDREQ_ORDER_STOPPED "order-stopped"
#define MEDREQ_PROPOSAL_DRAFT "proposal-draft"
#define MEDREQ_PROPOSAL_ACTIVE "proposal-active"
#define MEDREQ_PROPOSAL_CANCELLED "proposal-cancelled"
/*
 * A page of the patient's medications and repeat requests as one list (pg NULL: the newest
 * LIMIT_LIST): through the gate, filtered and ordered on clear metadata (the date is when it
 * was written or asked for, the last change when it was stopped or decided, the code one of
 * MEDREQ_*), paged in memory (a patient has at most LIMIT_LIST of each), and only the page's
 * rows opened and audited (one record per item served, a repeat's medication with it).
 */
enum err medication_search(const struct actor *a, const struct id *patient,
			   const struct store_page *pg, struct arena *ar, struct medreq_view **out,
			   size_t *n, struct page_info *info);
enum err medication_list(const struct actor *a, const struct id *patient, struct arena *ar,
			 struct medication_view **meds, size_t *n_meds, struct repeat_view **repeats,
			 size_t *n_repeats);

struct medication_new {
	struct id patient;
	const char *drug, *strength, *form, *dose;
	struct medication_code code; /* kept as it arrived (import) or as the demo knows it */
	int64_t started; /* 0: today */
};
/* Whether a code is none at all, or a known system with a well-formed code (and display). */
bool medication_code_ok(const struct medication_code *c);
/* Prescribe (ACTION_MEDICATION_CREATE). ERR_INVALID with *why for bad input. */
enum err medication_create(const struct actor *a, const struct medication_new *m, struct arena *ar,
			   struct id *out, const char **why);
/* Why a medicine is stopped: a code stored in clear and its words; `offered`: in the form
 * (the last is for imports of medicines stopped elsewhere). */
struct stop_reason {
	const char *code;
	const char *label;
	bool offered;
};
const struct stop_reason *medication_stop_reasons(size_t *n);
/* The words of a reason code, NULL for an unknown one. */
const char *medication_stop_reason_label(const char *code);
/* A current or stopped medication for the stop confirmation (the gate of ACTION_MEDICATION_CREATE:
 * only who may stop it; the read audited). */
enum err medication_for_stop(const struct actor *a, const struct id *medication, struct arena *ar,
			     struct medication_view *out);
/* Stop a current medication (ACTION_MEDICATION_CREATE) for a reason (a code of
 * medication_stop_reasons) with an optional note (sealed with the medicine); *patient: whose it
 * is. ERR_INVALID with *why when the reason or note is not acceptable, ERR_CONFLICT (and *why)
 * when it was stopped already. */
enum err medication_stop(const struct actor *a, const struct id *medication, const char *reason,
			 const char *note, struct id *patient, const char **why);

/* Ask for a repeat (ACTION_REPEAT_REQUEST) of a current medication, to be collected at the
 * pharmacy with this index. ERR_INVALID with *why when a request is open already. */
enum err repeat_request(const struct actor *a, const struct id *medication, size_t pharmacy,
			const char *note, struct arena *ar, struct id *out, const char **why);
/* Approve or decline an open request (ACTION_REPEAT_DECIDE); a decline needs a reason. */
enum err repeat_decide(const struct actor *a, const struct id *request, bool approve, const char *reason,
		       struct arena *ar, const char **why);

/* The home page (home.h): the patient's repeat requests decided after since, the newest decision
 * first, at most max, each with its medication (medication.list; each audited as served). */
enum err repeat_news(const struct actor *a, const struct id *patient, int64_t since, size_t max,
		     struct arena *ar, struct repeat_view **out, size_t *n);

/* One MedicationRequest by id: a medication (*is_repeat false, *med filled) or a repeat request
 * (*is_repeat true, *rep filled, with its medication in *med). */
enum err medication_request_read(const struct actor *a, const struct id *id, struct arena *ar,
				 bool *is_repeat, struct medication_view *med, struct repeat_view *rep);

/* The practice's open repeat requests (a clinician of it), the REPEAT_QUEUE_PAGE oldest, each
 * with the patient's name and the medication. A page, not the whole queue: each item opens a
 * patient's record, and the breaker counts the patients a clinician opens. */
#define REPEAT_QUEUE_PAGE 25 /* see LIMIT_INBOX_THREADS: the breaker's burst allowance */
struct repeat_queue_item {
	struct repeat_view request;
	struct medication_view medication;
	struct patient_view patient;
	int64_t last_approved; /* the same medicine's last approved repeat (0: none) */
};
enum err repeat_queue(const struct actor *a, struct arena *ar, struct repeat_queue_item **out, size_t *n);

#endif
