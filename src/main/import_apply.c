/*
 * `medkeep import`: filing one resource of a practice's export (import_int.h). Everything
 * goes through the services the portal's own pages and FHIR API use (register_enrol,
 * document_create, result_file, medication_create, appointment_book), as the import actor:
 * the practice's system, run by the operator (policy: a local tool with no token), so each
 * record passes the same gate, vault and audit trail and is attributed to the import.
 *
 * Idempotency: every resource filed is written to the import map (store/imports.h) in the same
 * store transaction as its record; a resource found in the map is already there. A patient is
 * also found by NHI (register_enrol: the same NHI at the same practice is the same patient).
 */
#include "main/import_int.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "auth/account.h"
#include "auth/auth.h"
#include "domain/appointments.h"
#include "domain/register.h"
#include "limits.h"
#include "store/imports.h"
#include "util/wipe.h"
#include "vault/vault.h"

void import_actor(const struct id *practice, struct actor *out)
{
	policy_enable_local_tools();
	memset(out, 0, sizeof(*out));
	out->account = *practice;
	out->role = ROLE_SYSTEM;
	out->has_practice = true;
	out->practice = *practice;
	out->mfa = true;
	out->system_scopes = SYSTEM_SCOPE_ALL;
	snprintf(out->ip, sizeof(out->ip), "import");
}

/* The keyed hash the map knows a source resource by: its type and id. */
static int source_key(enum import_type t, const char *id, uint8_t out[HASH_BYTES])
{
	char v[32 + IMPORT_SOURCE_ID_MAX];
	snprintf(v, sizeof(v), "%s/%s", fhir_import_type_name(t), id);
	return vault_blind_index("import", v, out) == ERR_OK ? 0 : -1;
}

static enum outcome map_record(struct importer *im, enum import_type t, const uint8_t key[HASH_BYTES],
			       const struct id *target, const struct id *patient)
{
	int rc = store_import_record(&im->practice, fhir_import_type_name(t), key, target, patient,
				     (int64_t)time(NULL));
	return rc == ERR_OK ? OUT_LOADED : OUT_FATAL;
}

/* A refusal of a domain service: its reason, or ours for the codes it gives none for. */
static enum outcome refused(int rc, const char *svc_why, const char **why)
{
	if (rc == ERR_INVALID || rc == ERR_FULL) {
		*why = svc_why ? svc_why : "refused as invalid";
		return OUT_REFUSED;
	}
	if (rc == ERR_NOT_FOUND || rc == ERR_DENIED || rc == ERR_GONE) {
		*why = "its patient is not (or no longer) enrolled at this practice";
		return OUT_REFUSED;
	}
	return OUT_FATAL;
}

static enum outcome apply_patient(struct importer *im, struct import_item *it,
				  const uint8_t key[HASH_BYTES], const char **why)
{
	struct id pid;
	bool created = false;
	char norm[LIMIT_EMAIL + 1];
	/* The address is checked before anything is written: a refused line leaves nothing. */
	if (it->email != NULL && auth_normalise_email(it->email, strlen(it->email), norm, sizeof(norm)) != 0) {
		*why = "Patient.telecom email is not a valid address";
		return OUT_REFUSED;
	}
	wipe(norm, sizeof(norm));
	int rc = register_enrol(NULL, &im->practice, &it->patient, &pid, &created);
	if (rc == ERR_CONFLICT) {
		*why = "the NHI is enrolled at another practice (a move between practices is not made by import)";
		return OUT_REFUSED;
	}
	if (rc == ERR_INVALID) {
		*why = "Patient details are not valid";
		return OUT_REFUSED;
	}
	if (rc != ERR_OK)
		return OUT_FATAL;
	/* The address the practice holds: the only one a bulk invitation may go to. */
	if (created && it->email != NULL && account_contact_set(&pid, it->email, it->patient.birth_date) != 0)
		return OUT_FATAL;
	if (map_record(im, IMPORT_PATIENT, key, &pid, &pid) != OUT_LOADED)
		return OUT_FATAL;
	return created ? OUT_LOADED : OUT_ALREADY;
}

/* The table of pending Observations, by source id. */
static size_t pend_hash(const char *s)
{
	size_t h = 1469598103934665603ull;
	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 1099511628211ull;
	return h;
}

static struct pending_obs *pend_find(struct importer *im, const char *id)
{
	if (im->pend_cap == 0)
		return NULL;
	for (size_t i = pend_hash(id) & (im->pend_cap - 1);; i = (i + 1) & (im->pend_cap - 1)) {
		if (im->pend[i].source_id == NULL)
			return NULL;
		if (strcmp(im->pend[i].source_id, id) == 0)
			return &im->pend[i];
	}
}

static int pend_grow(struct importer *im)
{
	size_t cap = im->pend_cap ? im->pend_cap * 2 : 1024;
	struct pending_obs *n = calloc(cap, sizeof(*n));
	if (n == NULL)
		return -1;
	for (size_t i = 0; i < im->pend_cap; i++) {
		if (im->pend[i].source_id == NULL)
			continue;
		size_t j = pend_hash(im->pend[i].source_id) & (cap - 1);
		while (n[j].source_id != NULL)
			j = (j + 1) & (cap - 1);
		n[j] = im->pend[i];
	}
	free(im->pend);
	im->pend = n;
	im->pend_cap = cap;
	return 0;
}

static enum outcome pend_add(struct importer *im, const struct import_item *it, int f, int64_t off,
			     size_t len, int64_t line, const char **why)
{
	if (pend_find(im, it->source_id) != NULL) {
		*why = "an Observation with this id came earlier in the import";
		return OUT_REFUSED;
	}
	if (im->pend_n >= LIMIT_IMPORT_PENDING_OBS) {
		*why = "too many Observations waiting for their DiagnosticReport (import them in parts)";
		return OUT_REFUSED;
	}
	if ((im->pend_n + 1) * 2 > im->pend_cap && pend_grow(im) != 0)
		return OUT_FATAL;
	size_t i = pend_hash(it->source_id) & (im->pend_cap - 1);
	while (im->pend[i].source_id != NULL)
		i = (i + 1) & (im->pend_cap - 1);
	im->pend[i] = (struct pending_obs){.source_id = strdup(it->source_id), .file = f,
					   .offset = off, .len = len, .line = line};
	if (im->pend[i].source_id == NULL)
		return OUT_FATAL;
	im->pend_n++;
	return OUT_DEFERRED;
}

/* An Observation's line again, parsed. NULL when it cannot be read. */
static json_t *pend_load(struct importer *im, const struct pending_obs *p)
{
	char *b = malloc(p->len ? p->len : 1);
	if (b == NULL)
		return NULL;
	json_t *o = NULL;
	if (pread(im->fds[p->file], b, p->len, (off_t)p->offset) == (ssize_t)p->len) {
		json_error_t err;
		o = json_loadb(b, p->len, JSON_REJECT_DUPLICATES, &err);
	}
	wipe(b, p->len);
	free(b);
	return o;
}

static enum outcome file_result(struct importer *im, struct import_item *it, const struct id *pid,
				const uint8_t key[HASH_BYTES], enum import_type t, struct arena *ar,
				const char **why, struct id *out)
{
	it->report->patient = *pid;
	struct result_view v;
	const char *svc_why = NULL;
	int rc = result_file(&im->actor, it->report, ar, &v, &svc_why);
	if (rc != ERR_OK)
		return refused(rc, svc_why, why);
	*out = v.id;
	return map_record(im, t, key, &v.id, pid);
}

static enum outcome apply_report(struct importer *im, struct import_item *it, const struct id *pid,
				 const uint8_t key[HASH_BYTES], struct arena *ar, const char **why)
{
	json_t *obs[RESULT_MAX_OBSERVATIONS];
	struct pending_obs *p[RESULT_MAX_OBSERVATIONS];
	size_t n = 0;
	enum outcome out = OUT_REFUSED;
	for (; !it->has_report && n < it->n_results; n++) {
		p[n] = pend_find(im, it->results[n]);
		obs[n] = p[n] && !p[n]->done ? pend_load(im, p[n]) : NULL;
		if (obs[n] == NULL) {
			*why = "result[] names an Observation not in this import (put the Observation "
			       "lines before their DiagnosticReport)";
			goto done;
		}
	}
	if (!it->has_report && fhir_import_report_with(it, obs, n, ar, why) != 0)
		goto done;
	struct id rid;
	out = file_result(im, it, pid, key, IMPORT_REPORT, ar, why, &rid);
	for (size_t i = 0; out == OUT_LOADED && i < n; i++) {
		uint8_t okey[HASH_BYTES];
		if (source_key(IMPORT_OBSERVATION, p[i]->source_id, okey) != 0 ||
		    map_record(im, IMPORT_OBSERVATION, okey, &rid, pid) != OUT_LOADED)
			out = OUT_FATAL;
		p[i]->done = true;
		if (out == OUT_LOADED)
			im->loaded[IMPORT_OBSERVATION]++; /* its line, filed with the report */
	}
done:
	for (size_t i = 0; i < n; i++)
		json_decref(obs[i]);
	return out;
}

static enum outcome apply_medication(struct importer *im, struct import_item *it, const struct id *pid,
				     const uint8_t key[HASH_BYTES], struct arena *ar, const char **why)
{
	it->med.patient = *pid;
	struct id mid, whose;
	const char *svc_why = NULL;
	int rc = medication_create(&im->actor, &it->med, ar, &mid, &svc_why);
	if (rc == ERR_OK && it->med_stopped)
		rc = medication_stop(&im->actor, &mid, "recorded", NULL, &whose, &svc_why);
	if (rc != ERR_OK)
		return refused(rc, svc_why, why);
	return map_record(im, IMPORT_MEDICATION, key, &mid, pid);
}

/* A slot for an imported visit: with the first clinician of the practice free at that time. */
static enum outcome visit_slot(struct importer *im, const struct import_item *it, struct id *slot,
			       const char **why)
{
	if (!im->staff_loaded) {
		arena_init(&im->staff_ar, LIMIT_REGISTER_ARENA);
		if (store_practice_clinicians(&im->practice, &im->staff_ar, &im->staff, &im->n_staff) != ERR_OK)
			return OUT_FATAL;
		im->staff_loaded = true;
	}
	for (size_t c = 0; c < im->n_staff; c++) {
		struct store_slot s = {.practice = im->practice, .clinician = im->staff[c].account,
				       .start = it->start, .minutes = it->minutes};
		random_id(&s.id);
		int rc = store_slot_insert(&s, &im->actor.account, (int64_t)time(NULL));
		if (rc == ERR_OK) {
			*slot = s.id;
			return OUT_LOADED;
		}
		if (rc != ERR_CONFLICT)
			return OUT_FATAL;
	}
	*why = im->n_staff ? "no clinician of the practice is free at that time"
			   : "the practice has no clinician to hold the appointment";
	return OUT_REFUSED;
}

static enum outcome apply_appointment(struct importer *im, struct import_item *it, const struct id *pid,
				      const uint8_t key[HASH_BYTES], struct arena *ar, const char **why)
{
	struct id slot, aid;
	enum outcome out = visit_slot(im, it, &slot, why);
	if (out != OUT_LOADED)
		return out;
	const char *svc_why = NULL;
	/* A past visit is booked as of just before it (an import files past visits as well as
	 * future ones); a future one as of now, so the cap on upcoming visits holds. */
	int64_t now = (int64_t)time(NULL);
	if (it->start - 60 < now)
		now = it->start - 60;
	int rc = appointment_book(&im->actor, pid, &slot, it->reason, APPT_IN_PERSON, now, ar, &aid,
				  &svc_why);
	if (rc != ERR_OK) {
		/* Refused (the patient's eleventh upcoming visit, say): the slot made for it goes
		 * too, or patients would see a free time nobody published. */
		if (store_slot_remove_unused(&slot) != ERR_OK)
			return OUT_FATAL;
		return refused(rc, svc_why, why);
	}
	return map_record(im, IMPORT_APPOINTMENT, key, &aid, pid);
}

/* The resource's patient: by its id in the export (the import map), or by NHI (the register,
 * as the import actor: found only when enrolled at this practice). */
static enum err subject_of(struct importer *im, const struct import_item *it, struct id *pid)
{
	if (it->subject == NULL)
		return register_find_nhi(&im->actor, it->subject_nhi, pid);
	uint8_t pkey[HASH_BYTES];
	struct id target;
	if (source_key(IMPORT_PATIENT, it->subject, pkey) != 0)
		return ERR_INTERNAL;
	return store_import_lookup(&im->practice, "Patient", pkey, &target, pid);
}

enum outcome import_apply(struct importer *im, struct import_item *it, int f, int64_t off,
			  size_t len, int64_t line, struct arena *ar, const char **why)
{
	uint8_t key[HASH_BYTES];
	struct id target, pid;
	if (source_key(it->type, it->source_id, key) != 0)
		return OUT_FATAL;
	int rc = store_import_lookup(&im->practice, fhir_import_type_name(it->type), key, &target, &pid);
	if (rc == ERR_OK)
		return OUT_ALREADY;
	if (rc != ERR_NOT_FOUND)
		return OUT_FATAL;
	if (it->type == IMPORT_PATIENT)
		return apply_patient(im, it, key, why);
	if (it->type == IMPORT_OBSERVATION && f >= 0)
		return pend_add(im, it, f, off, len, line, why);
	rc = subject_of(im, it, &pid);
	if (rc == ERR_NOT_FOUND || rc == ERR_INVALID) {
		*why = rc == ERR_INVALID ? "subject.identifier is not a valid NHI"
		       : it->subject ? "its patient is not imported (put the Patient lines first)"
				     : "no patient with the subject's NHI is enrolled at this practice";
		return OUT_REFUSED;
	}
	if (rc != ERR_OK)
		return OUT_FATAL;
	switch (it->type) {
	case IMPORT_DOCUMENT: {
		it->doc.patient = pid;
		struct document_view v;
		const char *svc_why = NULL;
		rc = document_create(&im->actor, &it->doc, ar, &v, &svc_why);
		if (rc != ERR_OK)
			return refused(rc, svc_why, why);
		return map_record(im, IMPORT_DOCUMENT, key, &v.id, &pid);
	}
	case IMPORT_REPORT:
		return apply_report(im, it, &pid, key, ar, why);
	case IMPORT_OBSERVATION: {
		struct id rid;
		return file_result(im, it, &pid, key, IMPORT_OBSERVATION, ar, why, &rid);
	}
	case IMPORT_MEDICATION:
		return apply_medication(im, it, &pid, key, ar, why);
	case IMPORT_APPOINTMENT:
		return apply_appointment(im, it, &pid, key, ar, why);
	case IMPORT_ALLERGY:
	case IMPORT_CONDITION:
	case IMPORT_IMMUNIZATION:
	case IMPORT_VITAL: {
		struct id sid;
		const char *svc_why = NULL;
		it->summary.patient = pid;
		rc = summary_add(&im->actor, &it->summary, ar, &sid, &svc_why);
		if (rc != ERR_OK)
			return refused(rc, svc_why, why);
		return map_record(im, it->type, key, &sid, &pid);
	}
	default:
		return OUT_FATAL;
	}
}

int import_pending(struct importer *im,
		   void (*report)(struct importer *, int, int64_t, enum import_type, const char *),
		   void (*tick)(struct importer *))
{
	for (size_t i = 0; i < im->pend_cap; i++) {
		struct pending_obs *p = &im->pend[i];
		if (p->source_id == NULL || p->done)
			continue;
		p->done = true;
		char *b = malloc(p->len ? p->len : 1);
		if (b == NULL || pread(im->fds[p->file], b, p->len, (off_t)p->offset) != (ssize_t)p->len) {
			free(b);
			return -1;
		}
		struct arena ar;
		arena_init(&ar, LIMIT_ARENA_BYTES);
		struct import_item it;
		const char *why = NULL;
		enum outcome out = fhir_import_parse(b, p->len, &ar, &it, &why) == 0
					   ? import_apply(im, &it, -1, 0, 0, p->line, &ar, &why)
					   : OUT_REFUSED;
		fhir_import_free(&it);
		arena_release(&ar);
		wipe(b, p->len);
		free(b);
		if (out == OUT_FATAL)
			return -1;
		if (out == OUT_REFUSED)
			report(im, p->file, p->line, IMPORT_OBSERVATION, why);
		else if (out == OUT_LOADED)
			im->loaded[IMPORT_OBSERVATION]++;
		else
			im->already[IMPORT_OBSERVATION]++;
		tick(im);
	}
	return 0;
}

void import_pending_free(struct importer *im)
{
	for (size_t i = 0; i < im->pend_cap; i++)
		free(im->pend[i].source_id);
	free(im->pend);
	im->pend = NULL;
	im->pend_cap = im->pend_n = 0;
	if (im->staff_loaded)
		arena_release(&im->staff_ar);
}
