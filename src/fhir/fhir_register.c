/*
 * The practice register over FHIR, for practice systems (SMART Backend Services tokens) and
 * staff sessions alike (docs/internals/SYSTEMS.md): conditional create of a Patient on the
 * NHI (If-None-Exist), update of their details (PUT), and transaction Bundles of a patient with
 * their documents and results, committed all or nothing. Handlers parse and render; the
 * register (domain/register.h) and the gate decide.
 */
#include <jansson.h>
#include <stdio.h>
#include <string.h>

#include "domain/nhi.h"
#include "domain/register.h"
#include "domain/results.h"
#include "fhir/fhir.h"
#include "fhir/fhir_int.h"
#include "fhir/fhir_summary.h"
#include "fhir/fhir_results.h"
#include "limits.h"

/* An OperationOutcome naming the element at fault (FHIRPath in `expression`). */
static void outcome(struct request *req, struct response *res, int status, const char *code,
		    const char *message, const char *expression)
{
	json_t *o = json_pack("{s:s, s:[{s:s, s:s, s:s}]}", "resourceType", "OperationOutcome",
			      "issue", "severity", "error", "code", code, "diagnostics", message);
	if (o && expression)
		json_object_set_new(json_array_get(json_object_get(o, "issue"), 0), "expression",
				    json_pack("[s]", expression));
	fhir_respond(req, res, status, o);
}

static const char *str_at(json_t *o, const char *k)
{
	return json_string_value(json_object_get(o, k));
}

/* A Patient resource as the register's details (strings borrowed from o). NULL when it maps,
 * otherwise the element at fault. */
static const char *patient_from(json_t *o, struct patient_view *out)
{
	memset(out, 0, sizeof(*out));
	json_t *ids = json_object_get(o, "identifier"), *one;
	size_t i;
	json_array_foreach(ids, i, one)
	{
		const char *sys = str_at(one, "system");
		if (sys != NULL && strcmp(sys, fhir_nhi_system) == 0) {
			out->nhi = str_at(one, "value");
			break;
		}
	}
	if (out->nhi == NULL)
		return "Patient.identifier";
	json_t *name = json_array_get(json_object_get(o, "name"), 0);
	out->family = str_at(name, "family");
	out->given = json_string_value(json_array_get(json_object_get(name, "given"), 0));
	out->birth_date = str_at(o, "birthDate");
	out->gender = str_at(o, "gender");
	const char *bad = register_problem(out);
	if (bad == NULL)
		return NULL;
	return strcmp(bad, "identifier") == 0 ? "Patient.identifier"
	       : strcmp(bad, "name.family") == 0 ? "Patient.name.family"
	       : strcmp(bad, "name.given") == 0 ? "Patient.name.given"
	       : strcmp(bad, "birthDate") == 0 ? "Patient.birthDate"
					       : "Patient.gender";
}

/* The NHI of a conditional create's search ("identifier=SYSTEM|NHI", the bar as is or
 * percent-encoded), normalised; -1 when it is anything else. */
static int condition_nhi(const char *q, char out[NHI_LEN + 1])
{
	static const char key[] = "identifier=";
	size_t kn = sizeof(key) - 1, sn = strlen(fhir_nhi_system);
	if (q == NULL || strncmp(q, key, kn) != 0 || strncmp(q + kn, fhir_nhi_system, sn) != 0)
		return -1;
	const char *v = q + kn + sn;
	if (v[0] == '|')
		v += 1;
	else if (v[0] == '%' && v[1] == '7' && (v[2] == 'C' || v[2] == 'c'))
		v += 3;
	else
		return -1;
	return nhi_normalise(v, strlen(v), out);
}

/* The condition, when given, must name the resource's own NHI. */
static bool condition_agrees(const char *cond, const char *nhi)
{
	char a[NHI_LEN + 1], b[NHI_LEN + 1];
	if (cond == NULL)
		return true;
	return condition_nhi(cond, a) == 0 && nhi_normalise(nhi, strlen(nhi), b) == 0 &&
	       strcmp(a, b) == 0;
}

/* The patient as written: their id and the NHI in its normal form. */
static json_t *written(const struct patient_view *p, const struct id *id)
{
	char nhi[NHI_LEN + 1];
	struct patient_view v = *p;
	v.id = *id;
	if (nhi_normalise(p->nhi, strlen(p->nhi), nhi) == 0)
		v.nhi = nhi;
	return fhir_patient_resource(&v);
}

static void register_error(struct request *req, struct response *res, enum err rc)
{
	if (rc == ERR_CONFLICT)
		outcome(req, res, 409, "conflict",
			"This NHI is registered to a patient enrolled at another practice: a move between "
			"practices is made by a person, not by enrolling again",
			"Patient.identifier");
	else
		fhir_domain_error(req, res, rc, "Patient");
}

/* The posted resource of this type, or NULL when it is not (answered: 415 or 400). */
static json_t *posted(struct request *req, struct response *res, const char *type)
{
	if (!fhir_json_body(req, res))
		return NULL;
	const char *why = NULL;
	json_t *o = fhir_parse_resource(req->body.data ? req->body.data : "", req->body.len, type, &why);
	if (o == NULL)
		outcome(req, res, 400, "invalid", why, NULL);
	return o;
}

void fhir_patient_create(struct request *req, struct response *res)
{
	json_t *o = posted(req, res, "Patient");
	if (o == NULL)
		return;
	struct patient_view p;
	const char *bad = patient_from(o, &p);
	if (bad != NULL) {
		outcome(req, res, 422, "invalid", "This element is missing or not valid", bad);
	} else if (!condition_agrees(request_header(req, "If-None-Exist"), p.nhi)) {
		outcome(req, res, 400, "invalid",
			"If-None-Exist must be identifier=https://standards.digital.health.nz/ns/nhi-id|NHI "
			"with the resource's own NHI",
			"Patient.identifier");
	} else {
		struct id id;
		bool created = false;
		enum err rc = register_enrol(&req->actor, req->actor.has_practice ? &req->actor.practice : NULL,
					     &p, &id, &created);
		/* Answered as read back, with its version (1 when created) and time from the row. */
		struct patient_view found;
		if (rc == ERR_OK && (rc = patient_read(&req->actor, &id, &req->arena, &found)) == ERR_OK)
			fhir_respond_created(req, res, created ? 201 : 200, "Patient", &id,
					     fhir_patient_resource(&found));
		else
			register_error(req, res, rc);
	}
	json_decref(o);
}

void fhir_patient_update(struct request *req, struct response *res)
{
	struct id id;
	if (request_param_id(req, 0, &id) != 0) {
		fhir_domain_error(req, res, ERR_NOT_FOUND, "Patient");
		return;
	}
	json_t *o = posted(req, res, "Patient");
	if (o == NULL)
		return;
	char hex[ID_HEX_LEN + 1];
	id_hex(&id, hex);
	const char *rid = str_at(o, "id");
	struct patient_view p;
	const char *bad = patient_from(o, &p);
	if (rid == NULL || strcmp(rid, hex) != 0) {
		outcome(req, res, 400, "invalid", "The resource's id must be the id in the URL", "Patient.id");
	} else if (bad != NULL) {
		outcome(req, res, 422, "invalid", "This element is missing or not valid", bad);
	} else {
		int64_t version = 0, updated = 0;
		enum err rc = register_update(&req->actor, &id, &p, &version, &updated);
		if (rc == ERR_OK) {
			p.version = version;
			p.updated = updated;
			fhir_respond_created(req, res, 200, "Patient", &id, written(&p, &id));
		} else {
			register_error(req, res, rc);
		}
	}
	json_decref(o);
}

/* --- transaction Bundles --- */

/* TX_SUMMARY: an AllergyIntolerance, Condition, Immunization or vital-sign Observation. */
enum tx_type { TX_PATIENT, TX_DOCUMENT, TX_REPORT, TX_OBSERVATION, TX_SUMMARY };

struct tx_entry {
	enum tx_type type;
	json_t *resource; /* borrowed from the bundle */
	const char *full_url;
	const char *condition;
	struct patient_view patient;
	bool created, folded;
	struct id id;
	int64_t version; /* as written, for response.location's _history; 0: not known (matched) */
};

struct tx {
	struct request *req;
	struct tx_entry *e;
	size_t n;
	struct work_write *w;
	size_t nw;
	size_t at;       /* the entry at fault */
	int status;      /* its HTTP status */
	const char *why; /* static text, no PHI */
};

static int tx_fail(struct tx *t, size_t at, int status, const char *why)
{
	t->at = at;
	t->status = status;
	t->why = why;
	return -1;
}

/* Each entry: a POST of a type we take, to its own type's URL. */
static int tx_read(struct tx *t, json_t *entries)
{
	static const struct {
		const char *type;
		enum tx_type kind;
	} types[] = {{"Patient", TX_PATIENT},
		     {"DocumentReference", TX_DOCUMENT},
		     {"DiagnosticReport", TX_REPORT},
		     {"Observation", TX_OBSERVATION},
		     {"AllergyIntolerance", TX_SUMMARY},
		     {"Condition", TX_SUMMARY},
		     {"Immunization", TX_SUMMARY}};
	const size_t n_types = sizeof(types) / sizeof(types[0]);
	for (size_t i = 0; i < t->n; i++) {
		json_t *en = json_array_get(entries, i), *rq = json_object_get(en, "request");
		struct tx_entry *e = &t->e[i];
		e->resource = json_object_get(en, "resource");
		e->full_url = str_at(en, "fullUrl");
		const char *rt = str_at(e->resource, "resourceType"), *method = str_at(rq, "method"),
			   *url = str_at(rq, "url");
		size_t k = 0;
		while (k < n_types && (rt == NULL || strcmp(rt, types[k].type) != 0))
			k++;
		if (!json_is_object(e->resource) || k == n_types)
			return tx_fail(t, i, 400, "each entry's resource must be a Patient, DocumentReference, DiagnosticReport, Observation, AllergyIntolerance, Condition or Immunization");
		if (method == NULL || strcmp(method, "POST") != 0 || url == NULL || strcmp(url, rt) != 0)
			return tx_fail(t, i, 400, "each entry's request must be POST to its resource type");
		e->type = types[k].kind;
		if (e->type == TX_OBSERVATION && fhir_summary_is(e->resource))
			e->type = TX_SUMMARY; /* a vital sign, filed on its own */
		e->condition = str_at(rq, "ifNoneExist");
		if (e->type == TX_PATIENT) {
			const char *bad = patient_from(e->resource, &e->patient);
			if (bad != NULL)
				return tx_fail(t, i, 422, bad);
			if (e->condition != NULL && !condition_agrees(arena_printf(&t->req->arena, "%s", e->condition), e->patient.nhi))
				return tx_fail(t, i, 400, "ifNoneExist must name the resource's own NHI");
		}
	}
	return 0;
}

/* The entry whose fullUrl is ref, of the given type; NULL if none. */
static struct tx_entry *by_url(struct tx *t, const char *ref, enum tx_type type)
{
	for (size_t i = 0; ref != NULL && i < t->n; i++)
		if (t->e[i].type == type && t->e[i].full_url != NULL && strcmp(t->e[i].full_url, ref) == 0)
			return &t->e[i];
	return NULL;
}

/* A report's results that are Observation entries of the bundle go into its `contained`. */
static int tx_fold(struct tx *t)
{
	for (size_t i = 0; i < t->n; i++) {
		if (t->e[i].type != TX_REPORT)
			continue;
		json_t *r = t->e[i].resource, *results = json_object_get(r, "result"), *ref;
		size_t j;
		json_array_foreach(results, j, ref)
		{
			struct tx_entry *ob = by_url(t, str_at(ref, "reference"), TX_OBSERVATION);
			if (ob == NULL)
				continue;
			if (ob->folded)
				return tx_fail(t, i, 400, "an Observation is the result of two reports");
			json_t *c = json_object_get(r, "contained");
			if (c == NULL) {
				c = json_array();
				json_object_set_new(r, "contained", c);
			}
			if (!json_is_array(c) || json_array_append(c, ob->resource) != 0)
				return tx_fail(t, i, 400, "contained must be a list of Observations");
			ob->folded = true;
		}
	}
	for (size_t i = 0; i < t->n; i++)
		if (t->e[i].type == TX_OBSERVATION && !t->e[i].folded)
			return tx_fail(t, i, 400, "an Observation must be a result of a DiagnosticReport in the bundle");
	return 0;
}

/* Point the entry's subject (or, for the types that name it so, patient) at the enrolled
 * patient (a urn of a Patient entry, or Patient/id). */
static int tx_subject(struct tx *t, size_t i, struct id *patient)
{
	const char *rt = str_at(t->e[i].resource, "resourceType");
	bool named_patient = rt && (strcmp(rt, "AllergyIntolerance") == 0 || strcmp(rt, "Immunization") == 0);
	json_t *subject = json_object_get(t->e[i].resource, named_patient ? "patient" : "subject");
	const char *ref = str_at(subject, "reference");
	struct tx_entry *p = by_url(t, ref, TX_PATIENT);
	if (p != NULL) {
		char hex[ID_HEX_LEN + 1];
		id_hex(&p->id, hex);
		json_object_set_new(subject, "reference", json_string(arena_printf(&t->req->arena, "Patient/%s", hex)));
		*patient = p->id;
		return 0;
	}
	if (ref != NULL && strncmp(ref, "Patient/", 8) == 0 && id_parse(patient, ref + 8, strlen(ref + 8)) == 0)
		return 0;
	return tx_fail(t, i, 400, named_patient ? "patient.reference must be a Patient entry's fullUrl or Patient/{id}"
						 : "subject.reference must be a Patient entry's fullUrl or Patient/{id}");
}

static int domain_status(enum err rc)
{
	return rc == ERR_INVALID ? 422 : rc == ERR_CONFLICT ? 409 : rc == ERR_FULL ? 507 : http_status_of(rc);
}

/* A health summary entry (fhir_summary.c's mapping), for the patient its subject names. */
static int tx_summary(struct tx *t, size_t i, const struct id *patient)
{
	struct tx_entry *e = &t->e[i];
	struct summary_entry s;
	const char *subject = NULL, *why = NULL;
	if (fhir_summary_from_json(e->resource, &t->req->arena, &s, &subject, &why) != 0)
		return tx_fail(t, i, 422, why ? why : "the entry is not valid");
	s.patient = *patient;
	enum err rc = summary_add(&t->req->actor, &s, &t->req->arena, &e->id, &why);
	if (rc != ERR_OK)
		return tx_fail(t, i, rc == ERR_FULL ? 422 : domain_status(rc),
			       (rc == ERR_INVALID || rc == ERR_FULL) && why ? why : "the entry could not be written");
	e->version = 1;
	t->w[t->nw++] = (struct work_write){.action = ACTION_SUMMARY_CREATE, .patient = *patient,
					    .rtype = str_at(e->resource, "resourceType"), .rid = e->id};
	return 0;
}

static int tx_write_one(struct tx *t, size_t i)
{
	struct tx_entry *e = &t->e[i];
	struct actor *a = &t->req->actor;
	struct arena *ar = &t->req->arena;
	const char *why = NULL;
	enum err rc;
	if (e->type == TX_PATIENT) {
		rc = register_enrol(a, a->has_practice ? &a->practice : NULL, &e->patient, &e->id, &e->created);
		e->version = e->created ? 1 : 0;
		if (rc == ERR_OK && e->created)
			t->w[t->nw++] = (struct work_write){.enrol = true, .patient = e->id, .rtype = "Patient", .rid = e->id};
		return rc == ERR_OK ? 0 : tx_fail(t, i, domain_status(rc), rc == ERR_CONFLICT ? "the NHI is registered at another practice" : "the patient could not be enrolled");
	}
	if (e->type == TX_OBSERVATION)
		return 0;
	struct id patient;
	if (tx_subject(t, i, &patient) != 0)
		return -1;
	if (e->type == TX_SUMMARY)
		return tx_summary(t, i, &patient);
	char *json = json_dumps(e->resource, JSON_COMPACT);
	if (json == NULL)
		return tx_fail(t, i, 500, "the entry could not be read");
	if (e->type == TX_DOCUMENT) {
		struct document_new d;
		struct document_view v;
		rc = fhir_docref_parse(json, strlen(json), ar, DOC_CLINICAL_LETTER, &d, &why) != 0
			     ? ERR_INVALID
			     : document_create(a, &d, ar, &v, &why);
		if (rc == ERR_OK) {
			e->id = v.id;
			e->version = 1;
			t->w[t->nw++] = (struct work_write){.action = ACTION_DOCUMENT_CREATE, .patient = v.patient, .rtype = "DocumentReference", .rid = v.id};
		}
	} else {
		struct result_new *r = arena_alloc(ar, sizeof(*r));
		struct result_view v;
		rc = r == NULL ? ERR_INTERNAL
		     : fhir_report_parse(json, strlen(json), ar, r, &why) != 0 ? ERR_INVALID
									    : result_file(a, r, ar, &v, &why);
		if (rc == ERR_OK) {
			e->id = v.id;
			e->created = !v.corrected;
			e->version = v.version;
			t->w[t->nw++] = (struct work_write){.action = ACTION_RESULT_CREATE, .patient = v.patient, .rtype = "DiagnosticReport", .rid = v.id};
		}
	}
	free(json);
	if (rc != ERR_OK)
		return tx_fail(t, i, domain_status(rc), rc == ERR_INVALID && why ? why : rc == ERR_INVALID ? "the entry is not valid" : "the entry could not be written");
	return 0;
}

/* Patients first (the others point at them), then documents and reports. */
static int tx_write(struct tx *t)
{
	for (int pass = 0; pass < 2; pass++)
		for (size_t i = 0; i < t->n; i++)
			if ((t->e[i].type == TX_PATIENT) == (pass == 0) && tx_write_one(t, i) != 0)
				return -1;
	return 0;
}

static json_t *tx_response(struct tx *t)
{
	json_t *b = json_pack("{s:s, s:s, s:[]}", "resourceType", "Bundle", "type", "transaction-response", "entry");
	const char *base = fhir_base_url(t->req);
	for (size_t i = 0; b && i < t->n; i++) {
		struct tx_entry *e = &t->e[i];
		static const char *const names[] = {"Patient", "DocumentReference", "DiagnosticReport", "Observation"};
		char hex[ID_HEX_LEN + 1];
		const char *loc = NULL;
		if (e->type == TX_OBSERVATION) {
			/* Filed within its report: the report's location says where. */
			for (size_t j = 0; j < t->n && loc == NULL; j++)
				if (t->e[j].type == TX_REPORT && json_is_array(json_object_get(t->e[j].resource, "contained"))) {
					json_t *c = json_object_get(t->e[j].resource, "contained");
					for (size_t k = 0; k < json_array_size(c); k++)
						if (json_array_get(c, k) == e->resource) {
							id_hex(&t->e[j].id, hex);
							loc = arena_printf(&t->req->arena, "%s/Observation/%s-%zu/_history/%lld", base, hex, k,
									   (long long)t->e[j].version);
						}
				}
		} else {
			id_hex(&e->id, hex);
			const char *type = e->type == TX_SUMMARY ? str_at(e->resource, "resourceType") : names[e->type];
			loc = e->version > 0 ? arena_printf(&t->req->arena, "%s/%s/%s/_history/%lld", base, type, hex,
							    (long long)e->version)
					     : arena_printf(&t->req->arena, "%s/%s/%s", base, type, hex);
		}
		bool created = e->type == TX_OBSERVATION || e->type == TX_DOCUMENT || e->type == TX_SUMMARY || e->created;
		json_array_append_new(json_object_get(b, "entry"),
				      json_pack("{s:{s:s, s:s?}}", "response", "status", created ? "201 Created" : "200 OK",
						"location", loc));
	}
	return b;
}

void fhir_transaction(struct request *req, struct response *res)
{
	json_t *o = posted(req, res, "Bundle");
	if (o == NULL)
		return;
	json_t *entries = json_object_get(o, "entry");
	const char *type = str_at(o, "type");
	struct tx t = {.req = req, .n = json_array_size(entries)};
	if (type == NULL || strcmp(type, "transaction") != 0) {
		outcome(req, res, 400, "not-supported", "Only Bundles of type transaction are taken here", "Bundle.type");
	} else if (t.n == 0 || t.n > LIMIT_BUNDLE_ENTRIES) {
		outcome(req, res, t.n ? 413 : 400, "too-costly", "A transaction holds 1 to 64 entries", "Bundle.entry");
	} else if ((t.e = arena_calloc(&req->arena, t.n, sizeof(*t.e))) == NULL ||
		   (t.w = arena_calloc(&req->arena, t.n, sizeof(*t.w))) == NULL) {
		outcome(req, res, 500, "exception", "The request could not be completed", NULL);
	} else if (tx_read(&t, entries) != 0 || tx_fold(&t) != 0) {
		outcome(req, res, t.status, "invalid", t.why, arena_printf(&req->arena, "Bundle.entry[%zu]", t.at));
	} else if (register_work_begin() != ERR_OK) {
		outcome(req, res, 500, "exception", "The request could not be completed", NULL);
	} else if (tx_write(&t) != 0) {
		/* Nothing stands: the store is rolled back, each undone write audited as failed. */
		(void)register_work_undo(&req->actor, t.w, t.nw);
		outcome(req, res, t.status, t.status == 404 ? "not-found" : t.status == 409 ? "conflict" : "invalid",
			t.why, arena_printf(&req->arena, "Bundle.entry[%zu]", t.at));
	} else if (register_work_commit() != ERR_OK) {
		(void)register_work_undo(&req->actor, t.w, t.nw);
		outcome(req, res, 500, "exception", "The transaction could not be committed", NULL);
	} else {
		fhir_respond(req, res, 200, tx_response(&t));
	}
	json_decref(o);
}

void fhir_register_capability(json_t *resources)
{
	/* Patient gets create (conditional on the NHI) and update; the whole system, transaction. */
	for (size_t i = 0; i < json_array_size(resources); i++) {
		json_t *r = json_array_get(resources, i);
		if (strcmp(str_at(r, "type") ? str_at(r, "type") : "", "Patient") != 0)
			continue;
		json_t *in = json_object_get(r, "interaction");
		json_array_append_new(in, json_pack("{s:s}", "code", "create"));
		json_array_append_new(in, json_pack("{s:s}", "code", "update"));
		json_object_set_new(r, "conditionalCreate", json_true());
		/* its searchParam (identifier, the NHI) is fhir_patients.c's */
	}
}
