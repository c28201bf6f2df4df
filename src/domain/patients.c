/*
 * Patients: enrolment (demographics sealed by the vault under the patient's own key, the NHI
 * kept only as a blind index), reading them through the gate, and the list an actor may see.
 */
#include "domain/domain.h"
#include "domain/domain_int.h"

#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "audit/audit.h"
#include "crypto/crypto.h"
#include "limits.h"
#include "store/store.h"
#include "util/buf.h"
#include "util/wipe.h"
#include "vault/vault.h"

int patient_phi_encode(const struct patient_view *p, struct arena *ar, struct bytes *out)
{
	json_t *o = json_pack("{s:s, s:s, s:s, s:s, s:s}", "family", p->family, "given", p->given,
			      "birthDate", p->birth_date, "gender", p->gender, "nhi", p->nhi);
	if (o == NULL)
		return -1;
	char *s = json_dumps(o, JSON_COMPACT);
	json_decref(o);
	if (s == NULL)
		return -1;
	size_t n = strlen(s);
	char *copy = arena_strndup(ar, s, n);
	wipe(s, n);
	free(s);
	if (copy == NULL)
		return -1;
	out->ptr = (const uint8_t *)copy;
	out->len = n;
	return 0;
}

int patient_phi_decode(const char *json, size_t n, struct arena *ar, struct patient_view *out)
{
	json_t *o = json_loadb(json, n, 0, NULL);
	if (!json_is_object(o)) {
		json_decref(o);
		return -1;
	}
	out->family = domain_json_str(o, "family", ar);
	out->given = domain_json_str(o, "given", ar);
	out->birth_date = domain_json_str(o, "birthDate", ar);
	out->gender = domain_json_str(o, "gender", ar);
	out->nhi = domain_json_str(o, "nhi", ar);
	json_decref(o);
	return (out->family && out->given && out->birth_date && out->gender && out->nhi) ? 0 : -1;
}

enum err patient_create(const struct id *practice, const struct patient_view *p, struct id *out_id)
{
	struct arena ar;
	arena_init(&ar, LIMIT_JOB_ARENA);
	char nhi[NHI_LEN + 1];
	int rc = ERR_INVALID;
	if (nhi_normalise(p->nhi, strlen(p->nhi), nhi) != 0)
		goto out;
	struct patient_view norm = *p;
	norm.nhi = nhi;
	struct bytes phi;
	rc = ERR_INTERNAL;
	if (patient_phi_encode(&norm, &ar, &phi) != 0)
		goto out;
	struct id id;
	random_id(&id);
	uint8_t index[HASH_BYTES];
	if (vault_blind_index("nhi", nhi, index) != 0)
		goto out;
	struct buf wrapped, phi_ct;
	buf_init(&wrapped, &ar, LIMIT_WRAPPED_KEY);
	buf_init(&phi_ct, &ar, LIMIT_RECORD_FIELDS);
	if (vault_patient_create(&id, phi.ptr, phi.len, &wrapped, &phi_ct) != 0)
		goto out;
	int s = store_patient_create(&id, practice, index,
				     (struct bytes){(const uint8_t *)wrapped.data, wrapped.len},
				     (struct bytes){(const uint8_t *)phi_ct.data, phi_ct.len});
	if (s == ERR_CONFLICT) {
		rc = ERR_INVALID; /* this NHI is already registered */
		goto out;
	}
	if (s != ERR_OK || patient_terms_store(&id, &norm) != ERR_OK)
		goto out;
	*out_id = id;
	rc = ERR_OK;
out:
	arena_release(&ar);
	return rc;
}

enum err patient_load(const struct actor *a, const struct grant *g, const struct id *patient,
			     struct arena *ar, struct patient_view *out)
{
	struct store_patient row;
	int s = store_patient_get(g, patient, ar, &row);
	if (s == ERR_NOT_FOUND || s == ERR_DENIED)
		return ERR_NOT_FOUND;
	if (s == ERR_GONE)
		return ERR_GONE;
	if (s != ERR_OK)
		return ERR_INTERNAL;
	struct buf pt;
	buf_init(&pt, ar, LIMIT_RECORD_FIELDS);
	int v = vault_patient_open(a->token, g, &row, &pt);
	if (v != ERR_OK)
		return domain_vault_failed(a, v);
	if (buf_cstr(&pt) == NULL)
		return ERR_INTERNAL;
	memset(out, 0, sizeof(*out));
	out->id = *patient;
	if (patient_phi_decode(pt.data, pt.len, ar, out) != 0)
		return ERR_INTERNAL;
	out->version = row.version;
	out->updated = row.updated;
	struct target t;
	if (store_patient_target(patient, &t) == ERR_OK && t.n_practices > 0)
		store_practice_name(&t.practices[0], ar, &out->practice_name);
	return ERR_OK;
}

enum err patient_read(const struct actor *a, const struct id *patient, struct arena *ar,
		      struct patient_view *out)
{
	struct grant g;
	int rc = domain_gate(a, ACTION_PATIENT_READ, patient, "Patient", patient, &g);
	if (rc != ERR_OK)
		return rc;
	rc = patient_load(a, &g, patient, ar, out);
	if (rc == ERR_GONE)
		return domain_gone(a, ACTION_PATIENT_READ, patient, "Patient", patient);
	if (rc != ERR_OK)
		return rc;
	if (domain_audit(a, ACTION_PATIENT_READ, patient, "Patient", patient, AUDIT_ALLOW, 0) != 0)
		return ERR_INTERNAL;
	return ERR_OK;
}

const char *patient_first_name(const char *given, struct arena *ar)
{
	if (given == NULL)
		return "";
	while (*given == ' ')
		given++;
	size_t n = strcspn(given, " ");
	const char *s = arena_strndup(ar, given, n);
	return s ? s : "";
}

const char *patient_first_name_read(const struct actor *a, const struct id *patient,
				    struct arena *ar)
{
	struct patient_view pv;
	if (patient_read(a, patient, ar, &pv) != ERR_OK)
		return NULL;
	const char *first = patient_first_name(pv.given, ar);
	return first[0] ? first : NULL;
}

enum err patient_list_visible(const struct actor *a, size_t offset, size_t limit, struct arena *ar,
			      struct patient_view **out,
			      size_t *n)
{
	struct id *ids = NULL;
	size_t count = 0;
	*n = 0;
	if (a->role == ROLE_PATIENT && a->has_patient) {
		ids = arena_alloc(ar, sizeof(*ids));
		if (ids == NULL)
			return ERR_INTERNAL;
		ids[0] = a->patient;
		count = offset == 0 ? 1 : 0;
	} else if (a->has_practice) {
		if (store_practice_patient_ids(&a->practice, offset, limit, ar, &ids, &count) !=
		    ERR_OK)
			return ERR_INTERNAL;
	}
	return patients_read_each(a, ids, count, ar, out, n);
}

enum err patient_count_visible(const struct actor *a, int64_t *total)
{
	*total = 0;
	if (a->role == ROLE_PATIENT && a->has_patient) {
		*total = 1;
		return ERR_OK;
	}
	if (!a->has_practice)
		return ERR_OK;
	return store_practice_patient_count(&a->practice, total) == ERR_OK ? ERR_OK : ERR_INTERNAL;
}

enum err patients_read_each(const struct actor *a, const struct id *ids, size_t count,
			    struct arena *ar, struct patient_view **out, size_t *n)
{
	*n = 0;
	*out = arena_calloc(ar, count ? count : 1, sizeof(**out));
	if (*out == NULL)
		return ERR_INTERNAL;
	/* Each patient goes through the gate on its own: the list is a convenience, not a grant. */
	for (size_t i = 0; i < count; i++) {
		/* A shredded patient is left out of the list (their read is audited as gone). */
		int rc = patient_read(a, &ids[i], ar, &(*out)[*n]);
		if (rc == ERR_OK)
			(*n)++;
		else if (rc == ERR_INTERNAL || rc == ERR_TRIPPED)
			return rc;
	}
	return ERR_OK;
}
