/*
 * Domain services for patients and documents. Each function asks the policy gate, writes the
 * audit record (allowed or denied) and only then touches patient data through the store and
 * the vault. "Not yours" and "does not exist" return the same ERR_NOT_FOUND, so callers
 * cannot tell them apart and neither can anyone they answer (invariant 2).
 */
#ifndef MEDKEEP_DOMAIN_H
#define MEDKEEP_DOMAIN_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "domain/nhi.h"
#include "policy/policy.h"
#include "util/arena.h"
#include "util/id.h"
#include "store/store.h"
#include "util/err.h"

/* How an operation that waits for the vault ends: with its final code, and the ticket of the
 * audit records it made (audit_when_durable), or 0 when it made none. */
typedef void (*domain_done_fn)(void *ctx, int rc, int64_t audit_ticket);

struct patient_view {
	struct id id;
	const char *family;
	const char *given;
	const char *birth_date; /* YYYY-MM-DD */
	const char *gender;     /* FHIR administrative gender */
	const char *nhi;
	const char *practice_name;
	int64_t version, updated; /* meta.versionId and lastUpdated (read only) */
};

enum document_kind {
	DOC_DISCHARGE_SUMMARY,
	DOC_REFERRAL_LETTER,
	DOC_CLINICAL_LETTER,
	DOC_LAB_REPORT,
	DOC_PATIENT_UPLOAD,
	DOC_KIND_COUNT
};

struct document_kind_info {
	const char *slug;    /* stored and used in forms */
	const char *label;   /* shown to people */
	const char *loinc;   /* LOINC document type code */
	const char *loinc_display;
};
const struct document_kind_info *document_kind_info(enum document_kind k);
int document_kind_parse(const char *slug, enum document_kind *out);

struct document_view {
	struct id id;
	struct id patient;
	struct id author;
	enum document_kind kind;
	const char *content_type;
	const char *title;
	const char *filename;
	int64_t size;
	int64_t created; /* a document never changes: version 1 of this time */
	const uint8_t *data; /* only when read with_body */
	size_t data_len;
};

/* --- patients --- */
/* Create a patient enrolled at a practice (demo data, practice onboarding). */
enum err patient_create(const struct id *practice, const struct patient_view *p, struct id *out_id);
/* One patient's demographics. */
enum err patient_read(const struct actor *a, const struct id *patient, struct arena *ar,
		      struct patient_view *out);
/* The first of a patient's given names ("Nikau" of "Nikau James"), in ar, for a heading that
 * names whose record a proxy is in ("Nikau's results") or a proxy's notice; the first name
 * only, never the family name. "" when there is none. */
const char *patient_first_name(const char *given, struct arena *ar);
/* That first name read through the gate (patient_read: audited, the breaker counts it); NULL
 * when the actor may not read it (out of reach, erased, no name). */
const char *patient_first_name_read(const struct actor *a, const struct id *patient,
				    struct arena *ar);
/* The patients this actor may see, `limit` (at most LIMIT_LIST) from `offset` in the order
 * of enrolment: a patient themselves, staff their practice's register. */
enum err patient_list_visible(const struct actor *a, size_t offset, size_t limit, struct arena *ar,
			      struct patient_view **out,
			      size_t *n);
/* How many patients patient_list_visible lists for this actor in all (its live ones). */
enum err patient_count_visible(const struct actor *a, int64_t *total);

/* Staff: their practice's patients whose names hold every word of `name` (at most four count;
 * case, macrons and accents, apostrophes and hyphens do not matter) and, when born is given
 * (YYYY-MM-DD), born that day; `limit` from `offset` in the order of enrolment, each read
 * through the gate. ERR_INVALID for no usable word and no date, or a bad date; ERR_NOT_FOUND
 * for anyone but staff with a practice. Only the page's patients are opened. */
enum err patient_search_visible(const struct actor *a, const char *name, const char *born,
				size_t offset, size_t limit, struct arena *ar,
				struct patient_view **out, size_t *n);
/* Command line (`medkeep practices reindex`, holding the master key): make every live
 * patient's search terms again from their sealed details, reporting progress after each
 * LIMIT_LIST (done, total). *done: patients done. For data from before the terms existed. */
enum err patient_terms_rebuild_local(void (*progress)(int64_t done, int64_t total), int64_t *done);
/* A name's words as a search knows them (lowercase ASCII letters and digits, Latin letters
 * with diacritics folded, apostrophes dropped, other letters kept as they are; split at
 * anything else; each at most PATIENT_WORD_MAX bytes, no repeats): at most max of them. */
#define PATIENT_WORD_MAX 64
#define PATIENT_WORDS_MAX 8
size_t patient_name_words(const char *text, size_t len, char words[][PATIENT_WORD_MAX + 1],
			  size_t max);

/* --- searches (a page of one patient's rows: store/page.h, docs/internals/SEARCH.md) --- */
/* What a page found beyond its rows. The caller sets want_total; the search sets more (rows
 * follow this page in its order) and, when wanted, total (all rows the filters match, read
 * in the same snapshot as the page). */
struct page_info {
	bool want_total;
	bool more;
	int64_t total;
};

/* --- documents --- */
/* The newest LIMIT_LIST of the patient's documents: document_search with no page. */
enum err document_list(const struct actor *a, const struct id *patient, struct arena *ar,
		       struct document_view **out, size_t *n);
/* A page of them (pg NULL: the newest LIMIT_LIST; pg->limit 0: none, only the total): the
 * gate, the rows, their keys, and an audit record per document served (one for the list when
 * none is). info may be NULL. */
enum err document_search(const struct actor *a, const struct id *patient,
			 const struct store_page *pg, struct arena *ar, struct document_view **out,
			 size_t *n, struct page_info *info);
/* rtype names what is being served for the audit trail: "DocumentReference" or "Binary". */
enum err document_read(const struct actor *a, const struct id *document, bool with_body,
		       const char *rtype, struct arena *ar, struct document_view *out);
/* The same read, with the document key asked through the vault's key lane so that the calling
 * thread can serve others meanwhile. ERR_PENDING means done(ctx, ...) will be called once,
 * on the lane's thread, after *out is filled; any other code is the final answer at once, and
 * done is never called. The actor, arena and out must live until done. */
enum err document_read_async(const struct actor *a, const struct id *document, bool with_body,
			     const char *rtype, struct arena *ar, struct document_view *out,
			     domain_done_fn done, void *ctx);
/* Detect the file type from magic bytes: "application/pdf", "image/png", "image/jpeg" or NULL. */
const char *document_sniff_type(const uint8_t *data, size_t len);

struct document_new {
	struct id patient;
	enum document_kind kind;
	const char *title;
	const char *filename;
	const char *declared_type; /* may be NULL; must agree with the bytes when given */
	const uint8_t *data;
	size_t data_len;
	/* NULL: a new random id. Else the document's id, chosen by the caller so that a resend
	 * can be recognised (an HL7 feed's: a keyed hash of the feed and MSH-10, src/ingest). */
	const struct id *id;
};
enum err document_create(const struct actor *a, const struct document_new *d, struct arena *ar,
			 struct document_view *out, const char **why);

/* The newest breaker trips, for an operator (audited). */
struct store_alerts;
enum err alerts_list(const struct actor *a, struct arena *ar, struct audit_record **out, size_t *n);

#endif
