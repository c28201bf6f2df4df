/* Internal to src/fhir: what the resource files (fhir.c, fhir_PART.c) share. */
#ifndef MEDKEEP_FHIR_INT_H
#define MEDKEEP_FHIR_INT_H
#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "fhir/fhir.h"
#include "limits.h"

/* Serialise o (stealing the reference) as the response, wiping the serialised copy. */
void fhir_respond(struct request *req, struct response *res, int status, json_t *o);
/* A resource just written: Location [base]/type/id/_history/vid and ETag W/"vid" (vid its
 * meta.versionId; without one, Location [base]/type/id), then the resource (fhir_respond). */
void fhir_respond_created(struct request *req, struct response *res, int status, const char *type,
			  const struct id *id, json_t *o);
/* A single resource read (SEARCH.md, "Versions"): ETag W/"version" and Last-Modified (updated,
 * an HTTP date); then, when If-None-Match names that version (or is *) or, without it,
 * If-Modified-Since is not before updated, 304 with no body and true. A vread (the route's
 * second parameter, [type]/[id]/_history/[vid]) of another version answers 404 and true.
 * Called only once the read is allowed and on record, so a resource the actor may not see is
 * 404 whatever it asks. */
bool fhir_not_modified(struct request *req, struct response *res, int64_t version, int64_t updated);
/* fhir_not_modified, else 200 with o (stolen either way). */
void fhir_respond_read(struct request *req, struct response *res, json_t *o, int64_t version,
		       int64_t updated);
/* "http(s)://host/fhir/R4" from the Host header (anything odd refused), into the arena. */
const char *fhir_base_url(struct request *req);
/* An ISO 8601 instant (UTC) of t. */
void fhir_instant(int64_t t, char out[32]);
/* Set meta.versionId (version, as text) and meta.lastUpdated (updated, an instant) of resource
 * r, keeping whatever else its meta holds (made when r has none). Every resource served goes
 * through it, in reads, searches and $everything alike (SEARCH.md, "Versions"). */
void fhir_meta_version(json_t *r, int64_t version, int64_t updated);
/* A searchset Bundle for this request; fhir_bundle_add appends one match as Type/id. */
json_t *fhir_bundle_new(struct request *req);
void fhir_bundle_add(struct request *req, json_t *bundle, const char *type, const struct id *id,
		     json_t *resource);
/* The same with the id already in text (an observation's id within its report). */
void fhir_bundle_add_hex(struct request *req, json_t *bundle, const char *type, const char *id,
			 json_t *resource);
/* 0 when every query parameter is in allowed (NULL-terminated) or is _format. */
int fhir_params_ok(struct request *req, const char *const *allowed);
/* The OperationOutcome for a domain refusal: 404 "<what> not found", 403, 410 or 500. */
void fhir_domain_error(struct request *req, struct response *res, enum err rc, const char *what);

/* Whether a posted resource is JSON (application/fhir+json or application/json); when not,
 * answers 415 and returns false. */
bool fhir_json_body(struct request *req, struct response *res);
/* The same as fhir_params_ok, answering 400 itself; true when the request may go on. */
bool fhir_params_check(struct request *req, struct response *res, const char *const *allowed);
/* Whether the client sent Prefer: handling=lenient (unknown search parameters left out). */
bool fhir_prefers_lenient(struct request *req);
/* A refused parameter's name for an OperationOutcome: at most 64 bytes, printable ASCII (any
 * other byte as '?'), in the arena. */
const char *fhir_param_name(struct request *req, const char *name, size_t len);
/* The id part of a search's patient reference: "ID", "Patient/ID" or "[base]/Patient/ID" of
 * this server (p itself otherwise, which then fails to parse as an id). */
const char *fhir_patient_ref(struct request *req, const char *p);
/* A search by patient: only the parameters in allowed, and the id of its `patient` parameter
 * ("ID" or "Patient/ID"): 0; -1 (400 answered) when a parameter is not allowed or patient is
 * missing; 1 when it is not an id (then answer as not found). */
int fhir_search_patient(struct request *req, struct response *res, const char *const *allowed,
			struct id *out);
/* --- search (fhir_paging.c over the parser of fhir_search.h; docs/internals/SEARCH.md) --- */
struct fhir_search;
struct search_spec;
/* Read the request's query for spec's type into s: 0, or -1 with 400 answered, naming the
 * parameter that is unknown or cannot be read (unknown ones are left out instead when the
 * client sent Prefer: handling=lenient), or saying patient is missing. */
int fhir_search_read(struct request *req, struct response *res, const struct search_spec *spec,
		     struct fhir_search *s);
/* The store page to ask for (its codes written into codes, cap bytes): read backwards from a
 * previous link's cursor; no rows for _summary=count. */
void fhir_search_page(const struct fhir_search *s, const struct search_spec *spec,
		      struct store_page *out, char *codes, size_t cap);
/* The sort keys of a page's first and last entries as shown (n entries). */
struct page_keys {
	size_t n;
	int64_t first_t, last_t;
	struct id first_id, last_id;
};
/* A searchset Bundle of one page: total when info has it, link self (the parameters applied),
 * next and previous (the same with a cursor) where rows lie beyond. No entries yet. */
json_t *fhir_search_bundle(struct request *req, const struct fhir_search *s,
			   const struct search_spec *spec, const struct page_info *info,
			   const struct page_keys *k);
/* A page's rows for fhir_search_answer: n rows of size bytes, each row's sort key (the
 * store's date or last change), its id, and its resource (the caller owns the result). */
struct search_rows {
	const void *rows;
	size_t n, size;
	int64_t (*key)(const void *row, enum store_sort sort);
	const struct id *(*id)(const void *row);
	json_t *(*render)(struct request *req, const void *row);
};
/* Answer a page: the Bundle of fhir_search_bundle with one entry [base]/type/id per row, in
 * the search's order (a previous link's page, read backwards, turned round). */
void fhir_search_answer(struct request *req, struct response *res, const struct fhir_search *s,
			const struct search_spec *spec, const struct page_info *info,
			const struct search_rows *r);
/* What a search asks its domain service: the store page (with its codes) and what to count. */
struct search_call {
	struct store_page page;
	char codes[LIMIT_SEARCH_VALUE];
	struct page_info info;
};
/* Answer 400 for the parameter s refused: unknown ("Unsupported search parameter: NAME
 * (Type)"), or one whose value cannot be read ("Search parameter NAME why"). */
void fhir_search_refused(struct request *req, struct response *res, const struct search_spec *spec,
			 const struct fhir_search *s, bool unknown);
/* Read the search (fhir_search_read) and fill c for it: 0, or -1 with the refusal answered. */
int fhir_search_start(struct request *req, struct response *res, const struct search_spec *spec,
		      struct fhir_search *s, struct search_call *c);
/* The domain's answer rc: a refusal as fhir_domain_error (about the patient), else the page
 * (fhir_search_answer). */
void fhir_search_done(struct request *req, struct response *res, const struct fhir_search *s,
		      const struct search_spec *spec, const struct search_call *c, int rc,
		      const struct search_rows *r);
/* The searchParam list of a resource's CapabilityStatement entry r: patient (required), the
 * paging and summary parameters, and spec's own, each with what it does. */
void fhir_search_capability(json_t *r, const struct search_spec *spec);
/* Append one match [base]/type/id (stealing resource); the total is not touched. */
void fhir_search_entry(struct request *req, json_t *bundle, const char *type, const char *id,
		       json_t *resource);

/* --- profiles (fhir_profiles.c, docs/internals/PROFILES.md) --- */
extern const char fhir_profile_nz_patient[];          /* HL7 NZ base NzPatient */
extern const char fhir_profile_ips_patient[];         /* IPS 2.0.0 Patient-uv-ips */
extern const char fhir_profile_ips_lab_observation[]; /* IPS Observation-results-laboratory-pathology-uv-ips */
extern const char fhir_profile_ips_report[];          /* IPS DiagnosticReport-uv-ips */
extern const char fhir_profile_ips_medreq[];          /* IPS MedicationRequest-uv-ips */
/* Claim a profile: meta.profile gains url (meta fetched or created, its other members kept). */
void fhir_claim_profile(json_t *resource, const char *url);
/* A CapabilityStatement resource entry's supportedProfile gains url. */
void fhir_supported_profile(json_t *entry, const char *url);

/* Parse a posted resource: a JSON object (no duplicate keys) of resourceType `type`; NULL
 * with *why set otherwise. The caller owns the result. */
json_t *fhir_parse_resource(const char *json, size_t len, const char *type, const char **why);
json_t *fhir_patient_resource(const struct patient_view *p);
/* The same with the patient's contact details as telecom and address, when c->shown
 * (details_read; docs/internals/DETAILS.md). */
struct contact_details;
json_t *fhir_patient_with_contact(const struct patient_view *p, const struct contact_details *c);
/* The NHI's identifier system (HL7 NZ base): https://standards.digital.health.nz/ns/nhi-id */
extern const char fhir_nhi_system[];
json_t *fhir_docref_resource(const struct document_view *v);

/*
 * $everything (fhir_everything.c, SEARCH.md "$everything"): the record is its parts in a fixed
 * order, and a page of the operation is pages of its parts in turn. A part's page function
 * appends one page of its rows after pg's cursor (pg: newest first by the part's date, at
 * most pg->limit rows; AuditEvent: also at most LIMIT_ACCESSLOG_PAGE, pg->after_t its cursor)
 * to p->entries as Bundle entries ({"fullUrl": "Type/id", "resource": {...}}: fullUrl is made
 * absolute and search.mode set afterwards), through the same domain function (gate, filtering,
 * audit) as its search, and says where the page ended. Returns a domain rc.
 */
struct everything_page {
	struct arena *ar;
	json_t *entries;
	int64_t now;
	size_t inline_left; /* document bytes still to carry inline in attachment.data */
	size_t n;           /* rows appended (a report's observations go with it) */
	bool more;          /* rows of this part follow the last one */
	int64_t last_t;     /* the last row's date (AuditEvent: the next page's cursor) */
	struct id last_id;
};
typedef int (*fhir_everything_fn)(const struct actor *a, const struct id *patient,
				  const struct store_page *pg, struct everything_page *p);
/* Append {"fullUrl": "type/id", "resource": resource} (stealing resource). */
int fhir_entry_append(json_t *entries, const char *type, const struct id *id, json_t *resource);

int fhir_messages_everything(const struct actor *a, const struct id *patient,
			     const struct store_page *pg, struct everything_page *p);
/* A $everything page's _cursor (n bytes) as this server gives it in next links: "P" (part P
 * from its first row) or "P.T.ID" (after the row of date T and id ID): 0, or -1. */
struct everything_cursor {
	size_t part;
	bool after;
	int64_t t;
	struct id id;
};
int fhir_everything_cursor(const char *v, size_t n, struct everything_cursor *c);
int fhir_accesslog_everything(const struct actor *a, const struct id *patient,
			      const struct store_page *pg, struct everything_page *p);

/* CapabilityStatement entries (fhir_metadata.c asks each part): append this part's resources
 * to rest[0].resource; fhir_everything_capability adds $everything to the Patient entry. */
void fhir_patient_capability(json_t *resources);
/* Patient create (conditional on the NHI) and update, after fhir_patient_capability. */
void fhir_register_capability(json_t *resources);
void fhir_everything_capability(json_t *resources);
void fhir_documents_capability(json_t *resources);
void fhir_messages_capability(json_t *resources);
void fhir_accesslog_capability(json_t *resources);
void fhir_medications_capability(json_t *resources);
/* The health summary (fhir_summary.c): its three types, and the vital signs' part of
 * Observation's entry (after fhir_results_capability made it). */
void fhir_summary_capability(json_t *resources);
void fhir_vitals_capability(json_t *observation);
/* $everything's part of the health summary: its four kinds in one list, newest first. */
int fhir_summary_everything(const struct actor *a, const struct id *patient,
			    const struct store_page *pg, struct everything_page *p);
void fhir_appointments_capability(json_t *resources);
/* Offer the whole-record Bundle as the record's export format (record_export_format). */
void fhir_everything_register(void);

#endif
