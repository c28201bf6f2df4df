/*
 * The practice register (register.h): one live NHI per patient, found by its blind index;
 * the same NHI at the same practice is the same patient.
 */
#include "domain/register.h"
#include "domain/domain_int.h"

#include <string.h>
#include <time.h>

#include "audit/audit.h"
#include "limits.h"
#include "util/nztime.h"
#include "util/wipe.h"
#include "vault/vault.h"

bool patient_birth_date_ok(const char *s)
{
	if (s == NULL || strlen(s) != 10 || s[4] != '-' || s[7] != '-')
		return false;
	for (int i = 0; i < 10; i++)
		if (i != 4 && i != 7 && (s[i] < '0' || s[i] > '9'))
			return false;
	int y = (s[0] - '0') * 1000 + (s[1] - '0') * 100 + (s[2] - '0') * 10 + (s[3] - '0');
	int m = (s[5] - '0') * 10 + (s[6] - '0');
	int d = (s[8] - '0') * 10 + (s[9] - '0');
	static const int days[] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
	if (y < 1880 || m < 1 || m > 12 || d < 1 || d > days[m - 1])
		return false;
	if (m == 2 && d == 29 && !((y % 4 == 0 && y % 100 != 0) || y % 400 == 0))
		return false;
	/* Not after today in New Zealand (a birth date is a calendar date: compared as one). */
	char today[NZ_INPUT_DATE_LEN];
	if (nz_input_date((int64_t)time(NULL), today, sizeof(today)) != 0)
		return false;
	return strcmp(s, today) <= 0;
}

static bool name_valid(const char *s)
{
	if (s == NULL || s[0] == '\0' || strlen(s) > LIMIT_PATIENT_NAME)
		return false;
	for (const unsigned char *p = (const unsigned char *)s; *p; p++)
		if (*p < 0x20 || *p == 0x7f)
			return false;
	return true;
}

const char *register_problem(const struct patient_view *p)
{
	if (p->nhi == NULL || !nhi_valid(p->nhi, strlen(p->nhi)))
		return "identifier";
	if (!name_valid(p->family))
		return "name.family";
	if (!name_valid(p->given))
		return "name.given";
	if (!patient_birth_date_ok(p->birth_date))
		return "birthDate";
	static const char *const genders[] = {"male", "female", "other", "unknown"};
	for (size_t i = 0; p->gender != NULL && i < sizeof(genders) / sizeof(genders[0]); i++)
		if (strcmp(p->gender, genders[i]) == 0)
			return NULL;
	return "gender";
}

static int audit_enrol(const struct actor *a, const struct id *patient, const char *outcome)
{
	struct audit_event e = {.actor = a,
				.action = "patient.enrol",
				.patient = patient,
				.rtype = "Patient",
				.rid = patient,
				.outcome = outcome,
				.via = a != NULL && patient != NULL ? grant_via_name(policy_via(a, patient))
								    : "local",
				.ip = a == NULL ? "local" : NULL};
	return audit_append(&e);
}

static bool enrolled_here(const struct id *patient, const struct id *practice)
{
	struct target t;
	return store_patient_target(patient, &t) == ERR_OK && policy_enrolled_at(&t, practice);
}

/* The NHI is registered already: the same patient when enrolled here, else a conflict. */
static enum err enrol_existing(const struct actor *a, const struct id *practice,
			       const struct id *patient, struct id *out)
{
	if (!enrolled_here(patient, practice)) {
		if (audit_enrol(a, patient, "conflict") != 0)
			return ERR_INTERNAL;
		return ERR_CONFLICT;
	}
	if (audit_enrol(a, patient, "match") != 0)
		return ERR_INTERNAL;
	*out = *patient;
	return ERR_OK;
}

static enum err enrol_new(const struct actor *a, const struct id *practice,
			  const struct patient_view *p, const uint8_t index[HASH_BYTES],
			  struct id *out)
{
	struct arena ar;
	arena_init(&ar, LIMIT_JOB_ARENA);
	enum err rc = ERR_INTERNAL;
	struct id id;
	random_id(&id);
	struct bytes phi;
	struct buf wrapped, phi_ct;
	buf_init(&wrapped, &ar, LIMIT_WRAPPED_KEY);
	buf_init(&phi_ct, &ar, LIMIT_RECORD_FIELDS);
	if (patient_phi_encode(p, &ar, &phi) != 0 ||
	    vault_patient_create(&id, phi.ptr, phi.len, &wrapped, &phi_ct) != ERR_OK)
		goto out;
	/* The record of the enrolment is durable before the patient exists (invariant 3). */
	if (audit_enrol(a, &id, AUDIT_ALLOW) != 0)
		goto out;
	rc = store_patient_create(&id, practice, index,
				  (struct bytes){(const uint8_t *)wrapped.data, wrapped.len},
				  (struct bytes){(const uint8_t *)phi_ct.data, phi_ct.len});
	if (rc == ERR_OK && patient_terms_store(&id, p) != ERR_OK)
		rc = ERR_INTERNAL;
	if (rc == ERR_OK)
		*out = id;
	else if (rc != ERR_CONFLICT)
		rc = ERR_INTERNAL;
	else if (audit_enrol(a, &id, AUDIT_FAIL) != 0)
		rc = ERR_INTERNAL;
out:
	wipe((void *)phi_ct.data, phi_ct.len);
	arena_release(&ar);
	return rc;
}

/* The details are right: the NHI's normal form and its blind index. */
static enum err checked_nhi(const struct patient_view *p, char nhi[NHI_LEN + 1],
			    uint8_t index[HASH_BYTES])
{
	if (register_problem(p) != NULL || nhi_normalise(p->nhi, strlen(p->nhi), nhi) != 0)
		return ERR_INVALID;
	return vault_blind_index("nhi", nhi, index) == ERR_OK ? ERR_OK : ERR_INTERNAL;
}

enum err register_enrol(const struct actor *a, const struct id *practice,
			const struct patient_view *p, struct id *out, bool *created)
{
	*created = false;
	enum err rc;
	bool may = a != NULL ? policy_may_enrol(a, practice) : policy_may_enrol_local();
	if (!may) {
		if (audit_enrol(a, NULL, AUDIT_DENY) != 0)
			return ERR_INTERNAL;
		return ERR_DENIED;
	}
	char nhi[NHI_LEN + 1];
	uint8_t index[HASH_BYTES];
	rc = checked_nhi(p, nhi, index);
	if (rc != ERR_OK)
		return rc;
	struct patient_view norm = *p;
	norm.nhi = nhi;
	struct id existing;
	/* Twice at most: a sender racing another for the same new patient loses the insert to the
	 * unique NHI index and then finds the patient the winner made. */
	for (int attempt = 0; attempt < 2; attempt++) {
		if (store_patient_by_nhi(index, &existing) == ERR_OK)
			return enrol_existing(a, practice, &existing, out);
		rc = enrol_new(a, practice, &norm, index, out);
		if (rc != ERR_CONFLICT) {
			*created = rc == ERR_OK;
			return rc;
		}
	}
	return ERR_INTERNAL;
}

enum err register_find_nhi(const struct actor *a, const char *nhi, struct id *out)
{
	char norm[NHI_LEN + 1];
	uint8_t index[HASH_BYTES];
	if (nhi == NULL || nhi_normalise(nhi, strlen(nhi), norm) != 0)
		return ERR_INVALID;
	if (vault_blind_index("nhi", norm, index) != ERR_OK)
		return ERR_INTERNAL;
	struct id found;
	/* An NHI nobody holds is an empty search, not a probe of an id: not counted as a miss. */
	if (store_patient_by_nhi(index, &found) != ERR_OK)
		return ERR_NOT_FOUND;
	struct target t;
	struct grant g;
	if (store_patient_target(&found, &t) != ERR_OK)
		return ERR_NOT_FOUND;
	if (policy_decide(a, ACTION_PATIENT_READ, &t, &g) != 0) {
		/* Registered where this actor does not reach: audited, answered as not registered. */
		struct audit_event e = {.actor = a, .action = "patient.search", .patient = &found,
					.rtype = "Patient", .rid = &found, .outcome = AUDIT_DENY};
		if (audit_append(&e) != 0)
			return ERR_INTERNAL;
		return ERR_NOT_FOUND;
	}
	*out = found;
	return ERR_OK;
}

enum err register_update(const struct actor *a, const struct id *patient,
			 const struct patient_view *p, int64_t *version, int64_t *updated)
{
	*version = 0;
	*updated = 0;
	struct grant g;
	enum err rc = domain_gate(a, ACTION_PATIENT_WRITE, patient, "Patient", patient, &g);
	if (rc != ERR_OK)
		return rc;
	char nhi[NHI_LEN + 1];
	uint8_t index[HASH_BYTES];
	rc = checked_nhi(p, nhi, index);
	if (rc != ERR_OK)
		return rc;
	struct arena ar;
	arena_init(&ar, LIMIT_JOB_ARENA);
	struct patient_view norm = *p;
	norm.nhi = nhi;
	struct store_patient row;
	struct bytes phi;
	struct buf ct;
	buf_init(&ct, &ar, LIMIT_RECORD_FIELDS);
	rc = ERR_INTERNAL;
	int s = store_patient_get(&g, patient, &ar, &row);
	if (s == ERR_GONE || s == ERR_NOT_FOUND) {
		rc = s == ERR_GONE ? domain_gone(a, ACTION_PATIENT_WRITE, patient, "Patient", patient)
				   : ERR_NOT_FOUND;
		goto out;
	}
	if (s != ERR_OK || patient_phi_encode(&norm, &ar, &phi) != 0)
		goto out;
	int v = vault_record_seal(a->token, &g, &row, VREC_PHI, patient, phi.ptr, phi.len, &ct);
	if (v != ERR_OK) {
		rc = domain_vault_failed(a, v);
		goto out;
	}
	if (domain_audit(a, ACTION_PATIENT_WRITE, patient, "Patient", patient, AUDIT_ALLOW, 0) != 0)
		goto out;
	int64_t now = (int64_t)time(NULL);
	rc = store_patient_update(&g, patient, index,
				  (struct bytes){(const uint8_t *)ct.data, ct.len}, now);
	if (rc == ERR_OK && patient_terms_store(patient, &norm) != ERR_OK)
		rc = ERR_INTERNAL;
	if (rc == ERR_OK) {
		*version = row.version + 1; /* the statement's version = version + 1 */
		*updated = now;
	}
	if (rc != ERR_OK && rc != ERR_CONFLICT)
		rc = ERR_INTERNAL;
	if (rc == ERR_CONFLICT &&
	    domain_audit(a, ACTION_PATIENT_WRITE, patient, "Patient", patient, AUDIT_FAIL, 0) != 0)
		rc = ERR_INTERNAL;
out:
	arena_release(&ar);
	return rc;
}

enum err register_work_begin(void)
{
	return store_begin();
}

enum err register_work_commit(void)
{
	return store_commit() == ERR_OK ? ERR_OK : ERR_INTERNAL;
}

enum err register_work_undo(const struct actor *a, const struct work_write *w, size_t n)
{
	enum err rc = store_rollback();
	for (size_t i = 0; i < n; i++) {
		int r = w[i].enrol ? audit_enrol(a, &w[i].patient, AUDIT_FAIL)
				   : domain_audit(a, w[i].action, &w[i].patient, w[i].rtype, &w[i].rid,
						  AUDIT_FAIL, 0);
		if (r != 0)
			rc = ERR_INTERNAL;
	}
	return rc;
}
