/*
 * Patient: search (the patients the actor may see) and read, and its CapabilityStatement entry.
 */
#include <jansson.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "fhir/fhir.h"
#include "fhir/fhir_int.h"
#include "domain/register.h"
#include "limits.h"

const char fhir_nhi_system[] = "https://standards.digital.health.nz/ns/nhi-id";

static json_t *patient_json(const struct patient_view *p)
{
	char id[ID_HEX_LEN + 1];
	id_hex(&p->id, id);
	json_t *o = json_pack("{s:s, s:s, s:[{s:s, s:s, s:s}], s:[{s:s, s:s, s:[s]}], s:s, s:s}",
			      "resourceType", "Patient", "id", id, "identifier", "use", "official",
			      "system", fhir_nhi_system, "value", p->nhi, "name", "use", "official",
			      "family", p->family, "given", p->given, "gender", p->gender, "birthDate",
			      p->birth_date);
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

void fhir_patient_search(struct request *req, struct response *res)
{
	static const char *const allowed[] = {"identifier", NULL};
	if (!fhir_params_check(req, res, allowed))
		return;
	struct patient_view *ps = NULL;
	size_t n = 0;
	const char *identifier = request_query(req, "identifier");
	int rc;
	if (identifier != NULL) {
		ps = arena_calloc(&req->arena, 1, sizeof(*ps));
		rc = ps == NULL ? ERR_INTERNAL : search_nhi(req, identifier, ps, &n);
		if (rc == ERR_INVALID) {
			fhir_error(req, res, 400, "identifier must be https://standards.digital.health.nz/ns/nhi-id|NHI");
			return;
		}
	} else {
		rc = patient_list_visible(&req->actor, 0, LIMIT_LIST, &req->arena, &ps, &n);
	}
	if (rc != ERR_OK) {
		fhir_domain_error(req, res, rc, "Patient");
		return;
	}
	json_t *b = fhir_bundle_new(req);
	for (size_t i = 0; b && i < n; i++)
		fhir_bundle_add(req, b, "Patient", &ps[i].id, patient_json(&ps[i]));
	fhir_respond(req, res, 200, b);
}

void fhir_patient_read(struct request *req, struct response *res)
{
	struct id id;
	struct patient_view p;
	int rc = request_param_id(req, 0, &id) == 0 ? patient_read(&req->actor, &id, &req->arena, &p)
						    : ERR_NOT_FOUND;
	if (rc != ERR_OK) {
		fhir_domain_error(req, res, rc, "Patient");
		return;
	}
	fhir_respond_read(req, res, patient_json(&p), p.version, p.updated);
}

json_t *fhir_patient_resource(const struct patient_view *p)
{
	return patient_json(p);
}

void fhir_patient_capability(json_t *resources)
{
	json_array_append_new(resources, json_pack("{s:s, s:[{s:s},{s:s}]}", "type", "Patient",
						   "interaction", "code", "read", "code",
						   "search-type"));
}
