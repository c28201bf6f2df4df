/*
 * Patient: search (the patients the actor may see) and read, and its CapabilityStatement entry.
 */
#include <jansson.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "fhir/fhir.h"
#include "fhir/fhir_int.h"
#include "domain/details.h"
#include "domain/register.h"
#include "limits.h"
#include "util/strtonum.h"

const char fhir_nhi_system[] = "https://standards.digital.health.nz/ns/nhi-id";

static json_t *patient_json(const struct patient_view *p)
{
	char id[ID_HEX_LEN + 1];
	id_hex(&p->id, id);
	/* NzPatient (one official NHI) and Patient-uv-ips (name, birthDate): the register
	 * requires the NHI, both names, a valid birth date and an administrative gender. */
	json_t *o = json_pack("{s:s, s:s, s:[{s:s, s:s, s:s}], s:[{s:s, s:s, s:[s]}], s:s, s:s}",
			      "resourceType", "Patient", "id", id, "identifier", "use", "official",
			      "system", fhir_nhi_system, "value", p->nhi, "name", "use", "official",
			      "family", p->family, "given", p->given, "gender", p->gender, "birthDate",
			      p->birth_date);
	fhir_claim_profile(o, fhir_profile_nz_patient);
	fhir_claim_profile(o, fhir_profile_ips_patient);
	fhir_meta_version(o, p->version, p->updated);
	return o;
}

/* Patient?identifier=https://standards.digital.health.nz/ns/nhi-id|NHI: the one patient with
 * that NHI whom the actor reaches, or an empty searchset (not registered, or registered where
 * the actor does not reach: the same answer). *n is 0 or 1. */
static int search_nhi(struct request *req, const char *q, struct patient_view *p, size_t *n)
{
	*n = 0;
	size_t sn = strlen(fhir_nhi_system);
	/* Another identifier system names nothing here: no match. */
	if (strncmp(q, fhir_nhi_system, sn) != 0 || q[sn] != '|')
		return ERR_OK;
	struct id id;
	int rc = register_find_nhi(&req->actor, q + sn + 1, &id);
	if (rc == ERR_NOT_FOUND)
		return ERR_OK;
	if (rc == ERR_OK && (rc = patient_read(&req->actor, &id, &req->arena, p)) == ERR_OK)
		*n = 1;
	return rc == ERR_NOT_FOUND ? ERR_OK : rc;
}

/* Patient?_id=ID[,ID...] (FHIR's parameter of every type, as clients look a patient up):
 * each patient the actor reaches, read through the gate; one it does not reach, or not an id,
 * is left out as a patient that does not exist is (the same answer). With identifier= too,
 * only its patient (`must`) can match. *n is 0 to LIMIT_SEARCH_OR; ERR_INVALID past that. */
static int search_ids(struct request *req, const char *q, const struct id *must,
		      struct patient_view *p, size_t *n)
{
	size_t kept = 0, items = 0;
	const char *at = q;
	for (;;) {
		const char *comma = strchr(at, ',');
		size_t len = comma ? (size_t)(comma - at) : strlen(at);
		struct id id;
		if (++items > LIMIT_SEARCH_OR)
			return ERR_INVALID;
		bool want = id_parse(&id, at, len) == 0 && (must == NULL || id_eq(&id, must));
		for (size_t i = 0; want && i < kept; i++)
			want = !id_eq(&p[i].id, &id);
		int rc = want ? patient_read(&req->actor, &id, &req->arena, &p[kept]) : ERR_NOT_FOUND;
		if (rc == ERR_OK)
			kept++;
		else if (rc != ERR_NOT_FOUND && rc != ERR_DENIED)
			return rc;
		if (comma == NULL)
			break;
		at = comma + 1;
	}
	*n = kept;
	return ERR_OK;
}

/* A link of the register's list: page `page` of `per` (the only query a next link carries). */
static void page_link(struct request *req, json_t *b, const char *rel, int64_t per, int64_t page)
{
	const char *url = arena_printf(&req->arena, "%sPatient?_count=%lld&_page=%lld",
				       fhir_base_url(req), (long long)per, (long long)page);
	json_array_append_new(json_object_get(b, "link"),
			      json_pack("{s:s, s:s}", "relation", rel, "url", url ? url : ""));
}

/* Every patient the actor reaches (staff: the practice's register, in the order of enrolment;
 * a patient: themselves), `per` to a page (default LIMIT_REGISTER_PAGE, at most LIMIT_LIST),
 * `_page` from the next link; only the page's patients are opened and audited, and total is
 * the whole register's. */
static void list_page(struct request *req, struct response *res, int64_t count)
{
	int64_t page = 1, per = request_query(req, "_count") ? count : LIMIT_REGISTER_PAGE;
	const char *pq = request_query(req, "_page");
	if (pq != NULL && parse_int64(pq, 1, LIMIT_REGISTER_PAGES, &page) != 0) {
		fhir_error(req, res, 400, "_page takes a page number, as a next link gives it");
		return;
	}
	per = per < 1 ? 1 : per > (int64_t)LIMIT_LIST ? (int64_t)LIMIT_LIST : per;
	struct patient_view *ps = NULL;
	size_t n = 0;
	int64_t total = 0;
	/* Whether more follow is the total's to say: no patient beyond the page is opened. */
	int rc = patient_count_visible(&req->actor, &total);
	if (rc == ERR_OK)
		rc = patient_list_visible(&req->actor, (size_t)((page - 1) * per), (size_t)per,
					  &req->arena, &ps, &n);
	if (rc != ERR_OK) {
		fhir_domain_error(req, res, rc, "Patient");
		return;
	}
	bool more = page * per < total;
	json_t *b = fhir_bundle_new(req);
	for (size_t i = 0; b && i < n && (int64_t)i < per; i++)
		fhir_bundle_add(req, b, "Patient", &ps[i].id, patient_json(&ps[i]));
	if (b) {
		json_object_set_new(b, "total", json_integer((json_int_t)total));
		if (more)
			page_link(req, b, "next", per, page + 1);
		if (page > 1)
			page_link(req, b, "previous", per, page - 1);
	}
	fhir_respond(req, res, 200, b);
}

void fhir_patient_search(struct request *req, struct response *res)
{
	static const char *const allowed[] = {"identifier", "_id", "_count", "_page", NULL};
	if (!fhir_params_check(req, res, allowed))
		return;
	/* _count (a client's searchOne sends _count=1): at most that many entries; the list is
	 * not paged (a patient reaches one record), and total stays the whole list's. */
	int64_t count = LIMIT_LIST;
	const char *cs = request_query(req, "_count");
	if (cs != NULL && parse_int64(cs, 0, INT64_MAX, &count) != 0) {
		fhir_error(req, res, 400, "Search parameter _count must be a whole number");
		return;
	}
	struct patient_view *ps = NULL;
	size_t n = 0;
	const char *identifier = request_query(req, "identifier");
	const char *ids = request_query(req, "_id");
	int rc = ERR_OK;
	if (identifier != NULL || ids != NULL) {
		/* the _id matches in [0, LIMIT_SEARCH_OR), the NHI's patient after them */
		ps = arena_calloc(&req->arena, LIMIT_SEARCH_OR + 1, sizeof(*ps));
		struct patient_view *nhi = ps ? &ps[LIMIT_SEARCH_OR] : NULL;
		size_t nn = 0;
		rc = ps == NULL ? ERR_INTERNAL : identifier ? search_nhi(req, identifier, nhi, &nn) : ERR_OK;
		if (rc == ERR_INVALID) {
			fhir_error(req, res, 400, "identifier must be https://standards.digital.health.nz/ns/nhi-id|NHI");
			return;
		}
		if (rc == ERR_OK && ids != NULL && (identifier == NULL || nn == 1)) {
			rc = search_ids(req, ids, identifier ? &nhi->id : NULL, ps, &n);
			if (rc == ERR_INVALID) {
				fhir_error(req, res, 400, "Search parameter _id must be at most 16 ids");
				return;
			}
		} else if (rc == ERR_OK && ids == NULL) {
			ps = nhi;
			n = nn;
		}
	} else {
		list_page(req, res, count);
		return;
	}
	if (rc != ERR_OK) {
		fhir_domain_error(req, res, rc, "Patient");
		return;
	}
	json_t *b = fhir_bundle_new(req);
	for (size_t i = 0; b && i < n && (int64_t)i < count; i++)
		fhir_bundle_add(req, b, "Patient", &ps[i].id, patient_json(&ps[i]));
	if (b && n < LIMIT_LIST)
		json_object_set_new(b, "total", json_integer((json_int_t)n));
	fhir_respond(req, res, 200, b);
}

/* The patient's own contact details (DETAILS.md) as telecom (phone: mobile, home) and address
 * (home, postal, in New Zealand): NZ Base's NzPatient and IPS take both as core R4. */
static void contact_json(json_t *o, const struct contact_details *c)
{
	json_t *telecom = json_array();
	static const struct {
		enum details_field f;
		const char *use;
	} phones[] = {{DF_MOBILE, "mobile"}, {DF_PHONE, "home"}};
	for (size_t i = 0; telecom && i < sizeof(phones) / sizeof(phones[0]); i++)
		if (c->field[phones[i].f][0])
			json_array_append_new(telecom, json_pack("{s:s, s:s, s:s}", "system", "phone",
								 "value", c->field[phones[i].f], "use",
								 phones[i].use));
	if (json_array_size(telecom) > 0)
		json_object_set_new(o, "telecom", telecom);
	else
		json_decref(telecom);
	if (c->field[DF_LINE1][0] == '\0')
		return;
	json_t *lines = json_array();
	for (int f = DF_LINE1; lines && f <= DF_SUBURB; f++)
		if (c->field[f][0])
			json_array_append_new(lines, json_string(c->field[f]));
	json_t *a = json_pack("{s:s, s:s, s:o, s:s, s:s}", "use", "home", "type", "postal", "line",
			      lines, "city", c->field[DF_CITY], "country", "NZ");
	if (a && c->field[DF_POSTCODE][0])
		json_object_set_new(a, "postalCode", json_string(c->field[DF_POSTCODE]));
	if (a)
		json_object_set_new(o, "address", json_pack("[o]", a));
}

void fhir_patient_read(struct request *req, struct response *res)
{
	struct id id;
	struct patient_view p;
	struct contact_details c;
	int rc = request_param_id(req, 0, &id) == 0 ? details_read(&req->actor, &id, &req->arena, &p, &c)
						    : ERR_NOT_FOUND;
	if (rc != ERR_OK) {
		fhir_domain_error(req, res, rc, "Patient");
		return;
	}
	int64_t updated = c.shown && c.updated > p.updated ? c.updated : p.updated;
	fhir_respond_read(req, res, fhir_patient_with_contact(&p, &c), p.version, updated);
}

json_t *fhir_patient_resource(const struct patient_view *p)
{
	return patient_json(p);
}

json_t *fhir_patient_with_contact(const struct patient_view *p, const struct contact_details *c)
{
	json_t *o = patient_json(p);
	if (o && c->shown) {
		contact_json(o, c);
		/* A change of contact details is a change of the resource: lastUpdated says when.
		 * (meta.versionId stays the register's: PUT's If-Match is about the register.) */
		if (c->updated > p->updated)
			fhir_meta_version(o, p->version, c->updated);
	}
	return o;
}

void fhir_patient_capability(json_t *resources)
{
	json_t *r = json_pack(
		"{s:s, s:[{s:s},{s:s}], s:[{s:s, s:s, s:s},{s:s, s:s, s:s}]}", "type", "Patient",
		"interaction", "code", "read", "code", "search-type", "searchParam", "name",
		"identifier", "type", "token", "documentation",
		"https://standards.digital.health.nz/ns/nhi-id|NHI: the patient with that NHI whom you "
		"reach, or none.",
		"name", "_id", "type", "token", "documentation",
		"A patient's id, or a comma list of up to 16: those you reach. Without either, every "
		"patient you reach (staff: the practice's register in the order of enrolment), paged: "
		"_count per page (default 100, at most 500), next and previous links, a true total.");
	fhir_supported_profile(r, fhir_profile_nz_patient);
	fhir_supported_profile(r, fhir_profile_ips_patient);
	json_array_append_new(resources, r);
}
