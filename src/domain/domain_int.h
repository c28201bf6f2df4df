/*
 * Internal to src/domain: the steps every domain service takes, in this order:
 *
 *   1. domain_gate (or domain_gate_target when the record's patient was looked up first):
 *      ask the policy gate; a deny is audited, counted as a miss and answered NOT_FOUND;
 *   2. read or write through the store and the vault with the grant;
 *   3. domain_audit the access with what was served (before the response: a read's record is
 *      deferred until durable by the HTTP layer, a write's is durable before the write).
 *
 * Each part of the portal (patients, documents, results, medications, ...) keeps its services
 * in a file of its own here and uses these, so that the rules are written once. The steps
 * themselves are in gate.c.
 */
#ifndef MEDKEEP_DOMAIN_INT_H
#define MEDKEEP_DOMAIN_INT_H
#include <jansson.h>

#include "domain/domain.h"
#include "domain/vault_rows.h"

/* Audit one decision about patient data; -1 means the record could not be made durable. */
int domain_audit(const struct actor *a, enum action action, const struct id *patient,
		 const char *rtype, const struct id *rid, const char *outcome, int64_t bytes);
/* The breaker refused this actor: lock, revoke, audit, tell the operators. ERR_TRIPPED. */
enum err domain_tripped(const struct actor *a);
/* The same with why it tripped: "budget" (too many patients or bytes) or "enumeration" (too
 * many not-found answers); domain_tripped says "budget". The trip is held for review. */
enum err domain_tripped_why(const struct actor *a, const char *reason);
/* Map a vault refusal (ERR_TRIPPED or other) onto the domain's answer. */
enum err domain_vault_failed(const struct actor *a, int vrc);
/* The same for a refusal of a not-found answer (the trip's reason: enumeration). */
enum err domain_miss_refused(const struct actor *a, int vrc);
/* The patient's key was destroyed: audited; ERR_GONE. */
enum err domain_gone(const struct actor *a, enum action action, const struct id *patient,
		     const char *rtype, const struct id *rid);
/* A not-found answer: audited and counted towards enumeration. ERR_NOT_FOUND. */
enum err domain_miss(const struct actor *a, enum action action, const struct id *patient,
		     const char *rtype, const struct id *rid, const char *outcome);
/* Ask the gate about the patient in t (fills t->proxy_scopes for this actor first). */
enum err domain_gate_target(const struct actor *a, enum action action, struct target *t,
			    const char *rtype, const struct id *rid, struct grant *g);
/*
 * A row of a staff queue (the day list, the repeat queue, the results inbox): may the actor
 * reach its patient? ERR_OK, or ERR_NOT_FOUND after auditing the deny without counting
 * it as a miss: nobody asked for that patient, the queue named them (one who left the
 * practice, say). Rows in reach then go through the usual services and their gate.
 */
enum err domain_row_in_reach(const struct actor *a, enum action action, const struct id *patient,
			     const char *rtype, const struct id *rid);
/* Look the patient up, then domain_gate_target. */
enum err domain_gate(const struct actor *a, enum action action, const struct id *patient,
		     const char *rtype, const struct id *rid, struct grant *g);

/* A search's page (domain.h, struct page_info): *ask is what to ask the store for (pg, or
 * the newest LIMIT_LIST when pg is NULL), one row more than the page, to learn whether more
 * follow; info (may be NULL) is cleared. The caller then counts the total, when info wants
 * it, with ask in the same snapshot. */
void domain_page_begin(const struct store_page *pg, struct store_page *ask, struct page_info *info);
/* One row of a list paged in memory (a part whose rows are few and whose filters are on clear
 * metadata): its date, last change, clear code and id, and where it is in the caller's list. */
struct page_item {
	int64_t date, updated;
	const char *code;
	struct id id;
	size_t index;
};
/* Page items as the store pages rows (store/page.h, SQ_PAGE_SQL): keep those matching ask's
 * ranges and codes (their number into info->total when info->want_total), order them by ask's
 * key and direction then id, start after ask's cursor, and keep at most ask->limit (one more
 * than the page, as domain_page_begin makes it), in place. Returns how many are kept. */
size_t domain_page_items(struct page_item *items, size_t n, const struct store_page *ask,
			 struct page_info *info);
/* The rows of the page among the n the store gave for ask: sets info->more and returns how
 * many of them to serve (the extra row is neither served nor audited). */
size_t domain_page_end(const struct store_page *ask, size_t n, struct page_info *info);

/* A patient's demographics as the JSON the vault seals under their key (arena copy). */
int patient_phi_encode(const struct patient_view *p, struct arena *ar, struct bytes *out);

/* A string member of a JSON object copied into ar, or NULL when it is missing. */
const char *domain_json_str(json_t *o, const char *key, struct arena *ar);

/* --- patients (patients.c, register.c, patient_search.c) --- */
/* A birth date as YYYY-MM-DD, a real calendar date from 1880 to today in New Zealand. */
bool patient_birth_date_ok(const char *s);
/* Each of ids[0..count) through the gate (patient_read), into *out (shredded ones left out):
 * what a register page or a search shows. */
enum err patients_read_each(const struct actor *a, const struct id *ids, size_t count,
			    struct arena *ar, struct patient_view **out, size_t *n);
/* A patient's sealed demographics, opened, as a view (strings in ar). 0, or -1 malformed. */
int patient_phi_decode(const char *json, size_t n, struct arena *ar, struct patient_view *out);
/* Read demographics under a grant the caller already holds (any action on that patient); no
 * audit here: the caller audits what it serves. ERR_NOT_FOUND, ERR_GONE (the key destroyed),
 * the vault's refusal (domain_vault_failed), ERR_INTERNAL. */
enum err patient_load(const struct actor *a, const struct grant *g, const struct id *patient,
		      struct arena *ar, struct patient_view *out);
/* Keep a patient's search terms (their name's words and birth date, as keyed hashes) in step
 * with the details just written. */
enum err patient_terms_store(const struct id *patient, const struct patient_view *p);

#endif
