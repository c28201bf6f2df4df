/*
 * Medications and repeat prescriptions (medications.h), and the sealing steps shared with
 * appointments (careplan_int.h).
 *
 * Order of every service: gate (deny audited, answered NOT_FOUND) -> store with the grant ->
 * vault opens or seals -> audit (a write's before the write; a read's before the response).
 */
#include "domain/medications.h"
#include "domain/careplan_int.h"
#include "domain/notify.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "audit/audit.h"
#include "limits.h"
#include "store/appointments.h"
#include "util/buf.h"
#include "util/wipe.h"

static const char rtype_medreq[] = "MedicationRequest";

static const char *const pharmacies[] = {
	"Kowhai Pharmacy, Ponsonby",     "Harbourside Pharmacy, Devonport",
	"Totara Street Pharmacy, Mt Albert", "Rata Road Chemist, Newmarket",
	"Pohutukawa Pharmacy, Onehunga",
};

size_t pharmacy_count(void)
{
	return sizeof(pharmacies) / sizeof(pharmacies[0]);
}

const char *pharmacy_name(size_t i)
{
	return i < pharmacy_count() ? pharmacies[i] : NULL;
}

/* --- shared steps (careplan_int.h) --- */

enum err careplan_patient_row(const struct grant *g, const struct id *patient, struct arena *ar,
			      struct store_patient *out)
{
	int s = store_patient_get(g, patient, ar, out);
	if (s == ERR_GONE)
		return ERR_GONE;
	return s == ERR_OK ? ERR_OK : ERR_INTERNAL;
}

enum err careplan_seal(const struct actor *a, const struct grant *g, const struct store_patient *p,
		       enum vault_record kind, const struct id *record, json_t *o, struct arena *ar,
		       struct bytes *out)
{
	char *s = o ? json_dumps(o, JSON_COMPACT) : NULL;
	if (s == NULL)
		return ERR_INTERNAL;
	size_t n = strlen(s);
	struct buf ct;
	buf_init(&ct, ar, RECORD_PLAINTEXT_MAX + LIMIT_SEAL_OVERHEAD_MARGIN);
	int v = n <= RECORD_PLAINTEXT_MAX ? vault_record_seal(a->token, g, p, kind, record, s, n, &ct)
					  : ERR_DENIED;
	wipe(s, n);
	free(s);
	if (v != ERR_OK)
		return domain_vault_failed(a, v);
	out->ptr = (const uint8_t *)ct.data;
	out->len = ct.len;
	return ERR_OK;
}

enum err careplan_open(const struct actor *a, const struct grant *g, const struct store_patient *p,
		       enum vault_record kind, const struct id *record, struct bytes ct, const char *part,
		       struct arena *ar, json_t **out)
{
	*out = NULL;
	struct buf pt;
	buf_init(&pt, ar, RECORD_PLAINTEXT_MAX + 1);
	int v = vault_record_open(a->token, g, p, kind, record, ct, &pt);
	if (v != ERR_OK)
		return domain_vault_failed(a, v);
	json_t *o = json_loadb(pt.data ? pt.data : "", pt.len, 0, NULL);
	wipe(pt.data, pt.len);
	const char *got = json_string_value(json_object_get(o, "part"));
	/* The part names which field of the row this is: both of a repeat request's sealed
	 * fields share its record id, so the name keeps one from standing in for the other. */
	if (!json_is_object(o) || got == NULL || strcmp(got, part) != 0) {
		json_decref(o);
		return ERR_INTERNAL;
	}
	*out = o;
	return ERR_OK;
}

const char *careplan_str(json_t *o, const char *key, struct arena *ar)
{
	const char *v = json_string_value(json_object_get(o, key));
	return arena_strdup(ar, v ? v : "");
}

bool careplan_text_ok(const char *s, size_t max, bool required)
{
	if (s == NULL)
		return !required;
	size_t n = strlen(s);
	if (n > max || (required && n == 0))
		return false;
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		if ((c < 0x20 && c != '\n' && c != '\r' && c != '\t') || c == 0x7f)
			return false;
	}
	if (!required)
		return true;
	for (size_t i = 0; i < n; i++)
		if (s[i] != ' ' && s[i] != '\n' && s[i] != '\r' && s[i] != '\t')
			return true;
	return false;
}

const char *careplan_staff_name(const struct id *account, struct arena *ar)
{
	const char *name = NULL;
	if (store_staff_name(account, ar, &name) == ERR_OK && name)
		return name;
	return "Practice staff";
}

/* --- medications --- */

static enum err medication_open(const struct actor *a, const struct grant *g,
				const struct store_patient *p, const struct store_medication *m,
				struct arena *ar, struct medication_view *v)
{
	memset(v, 0, sizeof(*v));
	v->id = m->id;
	v->patient = m->patient;
	v->prescriber = m->prescriber;
	v->started = m->started;
	v->created = m->created;
	v->stopped = m->stopped;
	v->stop_reason = m->stop_reason[0] ? medication_stop_reason_label(m->stop_reason) : NULL;
	v->prescriber_name = careplan_staff_name(&m->prescriber, ar);
	json_t *o;
	int rc = careplan_open(a, g, p, VREC_MEDICATION, &m->id, m->detail, "medication", ar, &o);
	if (rc != ERR_OK)
		return rc;
	v->drug = careplan_str(o, "drug", ar);
	v->strength = careplan_str(o, "strength", ar);
	v->form = careplan_str(o, "form", ar);
	v->dose = careplan_str(o, "dose", ar);
	if (json_string_value(json_object_get(o, "stop_note")) != NULL)
		v->stop_note = careplan_str(o, "stop_note", ar);
	if (json_string_value(json_object_get(o, "code")) != NULL) {
		v->code.system = careplan_str(o, "code_system", ar);
		v->code.code = careplan_str(o, "code", ar);
		if (json_string_value(json_object_get(o, "code_display")) != NULL)
			v->code.display = careplan_str(o, "code_display", ar);
	}
	json_decref(o);
	return ERR_OK;
}

static enum err repeat_open(const struct actor *a, const struct grant *g, const struct store_patient *p,
			    const struct store_repeat *r, struct arena *ar, struct repeat_view *v)
{
	memset(v, 0, sizeof(*v));
	v->id = r->id;
	v->medication = r->medication;
	v->patient = r->patient;
	v->practice = r->practice;
	v->requested_by = r->requested_by;
	v->state = r->state;
	v->requested = r->requested;
	v->decided = r->decided;
	v->reason = "";
	v->decided_by_name = r->decided ? careplan_staff_name(&r->decided_by, ar) : "";
	json_t *o;
	int rc = careplan_open(a, g, p, VREC_REPEAT, &r->id, r->detail, "request", ar, &o);
	if (rc != ERR_OK)
		return rc;
	v->pharmacy = careplan_str(o, "pharmacy", ar);
	v->note = careplan_str(o, "note", ar);
	json_decref(o);
	if (r->decision.len) {
		rc = careplan_open(a, g, p, VREC_REPEAT, &r->id, r->decision, "decision", ar, &o);
		if (rc != ERR_OK)
			return rc;
		v->reason = careplan_str(o, "reason", ar);
		json_decref(o);
	}
	return ERR_OK;
}

/* The gate for a patient's medication list, then its rows (clear metadata, sealed details). */
static enum err medreq_rows(const struct actor *a, const struct id *patient, struct arena *ar,
			    struct grant *g, struct store_patient *p, struct store_medication **mrows,
			    size_t *nm, struct store_repeat **rrows, size_t *nr)
{
	int rc = domain_gate(a, ACTION_MEDICATION_LIST, patient, rtype_medreq, NULL, g);
	if (rc != ERR_OK)
		return rc;
	rc = careplan_patient_row(g, patient, ar, p);
	if (rc == ERR_GONE)
		return domain_gone(a, ACTION_MEDICATION_LIST, patient, rtype_medreq, NULL);
	if (rc != ERR_OK || store_medication_list(g, patient, ar, mrows, nm) != ERR_OK ||
	    store_repeat_list(g, patient, ar, rrows, nr) != ERR_OK)
		return ERR_INTERNAL;
	return ERR_OK;
}

enum err medication_list(const struct actor *a, const struct id *patient, struct arena *ar,
			 struct medication_view **meds, size_t *n_meds, struct repeat_view **repeats,
			 size_t *n_repeats)
{
	*n_meds = *n_repeats = 0;
	struct grant g;
	struct store_patient p;
	struct store_medication *mrows;
	struct store_repeat *rrows;
	size_t nm = 0, nr = 0;
	int rc = medreq_rows(a, patient, ar, &g, &p, &mrows, &nm, &rrows, &nr);
	if (rc != ERR_OK)
		return rc;
	*meds = arena_calloc(ar, nm ? nm : 1, sizeof(**meds));
	*repeats = arena_calloc(ar, nr ? nr : 1, sizeof(**repeats));
	if (*meds == NULL || *repeats == NULL)
		return ERR_INTERNAL;
	for (size_t i = 0; i < nm; i++)
		if ((rc = medication_open(a, &g, &p, &mrows[i], ar, &(*meds)[i])) != ERR_OK)
			return rc;
	for (size_t i = 0; i < nr; i++) {
		struct repeat_view *v = &(*repeats)[i];
		if ((rc = repeat_open(a, &g, &p, &rrows[i], ar, v)) != ERR_OK)
			return rc;
		for (size_t k = 0; k < nm; k++)
			if (id_eq(&(*meds)[k].id, &v->medication)) {
				v->medication_view = &(*meds)[k];
				if (v->state == REPEAT_REQUESTED)
					(*meds)[k].open_request = true;
			}
	}
	/* One record per item served, so an incident report can name each. */
	for (size_t i = 0; i < nm; i++)
		if (domain_audit(a, ACTION_MEDICATION_LIST, patient, rtype_medreq, &mrows[i].id,
				 AUDIT_ALLOW, 0) != 0)
			return ERR_INTERNAL;
	for (size_t i = 0; i < nr; i++)
		if (domain_audit(a, ACTION_MEDICATION_LIST, patient, rtype_medreq, &rrows[i].id,
				 AUDIT_ALLOW, 0) != 0)
			return ERR_INTERNAL;
	if (nm + nr == 0 &&
	    domain_audit(a, ACTION_MEDICATION_LIST, patient, rtype_medreq, NULL, AUDIT_ALLOW, 0) != 0)
		return ERR_INTERNAL;
	*n_meds = nm;
	*n_repeats = nr;
	return ERR_OK;
}

enum err repeat_news(const struct actor *a, const struct id *patient, int64_t since, size_t max,
		     struct arena *ar, struct repeat_view **out, size_t *n)
{
	*n = 0;
	struct grant g;
	struct store_patient p;
	struct store_repeat *rows;
	size_t count = 0;
	int rc = domain_gate(a, ACTION_MEDICATION_LIST, patient, rtype_medreq, NULL, &g);
	if (rc != ERR_OK)
		return rc;
	rc = careplan_patient_row(&g, patient, ar, &p);
	if (rc == ERR_GONE)
		return domain_gone(a, ACTION_MEDICATION_LIST, patient, rtype_medreq, NULL);
	if (rc != ERR_OK || store_repeat_news(&g, patient, since, max, ar, &rows, &count) != ERR_OK)
		return ERR_INTERNAL;
	struct repeat_view *v = *out = arena_calloc(ar, count ? count : 1, sizeof(**out));
	struct medication_view *meds = arena_calloc(ar, count ? count : 1, sizeof(*meds));
	if (v == NULL || meds == NULL)
		return ERR_INTERNAL;
	for (size_t i = 0; i < count; i++) {
		struct store_medication m;
		if ((rc = repeat_open(a, &g, &p, &rows[i], ar, &v[i])) != ERR_OK)
			return rc;
		if (store_medication_get(&g, &rows[i].medication, ar, &m) == ERR_OK) {
			if ((rc = medication_open(a, &g, &p, &m, ar, &meds[i])) != ERR_OK)
				return rc;
			v[i].medication_view = &meds[i];
		}
		if (domain_audit(a, ACTION_MEDICATION_LIST, patient, rtype_medreq, &rows[i].id,
				 AUDIT_ALLOW, 0) != 0)
			return ERR_INTERNAL;
	}
	*n = count;
	return ERR_OK;
}

static const char *repeat_code(enum repeat_state st)
{
	return st == REPEAT_APPROVED   ? MEDREQ_PROPOSAL_ACTIVE
	       : st == REPEAT_DECLINED ? MEDREQ_PROPOSAL_CANCELLED
				       : MEDREQ_PROPOSAL_DRAFT;
}

/* The page's items, as one list: medications first (index < nm), then repeat requests. */
static struct page_item *medreq_items(const struct store_medication *m, size_t nm,
				      const struct store_repeat *r, size_t nr, struct arena *ar)
{
	struct page_item *items = arena_calloc(ar, nm + nr ? nm + nr : 1, sizeof(*items));
	for (size_t i = 0; items != NULL && i < nm; i++)
		items[i] = (struct page_item){.date = m[i].created,
					      .updated = m[i].stopped ? m[i].stopped : m[i].created,
					      .code = m[i].stopped ? MEDREQ_ORDER_STOPPED
								   : MEDREQ_ORDER_ACTIVE,
					      .id = m[i].id,
					      .index = i};
	for (size_t i = 0; items != NULL && i < nr; i++)
		items[nm + i] = (struct page_item){.date = r[i].requested,
						   .updated = r[i].decided ? r[i].decided : r[i].requested,
						   .code = repeat_code(r[i].state),
						   .id = r[i].id,
						   .index = nm + i};
	return items;
}

/* Open medication mrows[k] once (for the page, or for a repeat that names it), audited once. */
static enum err medreq_med(const struct actor *a, const struct grant *g, const struct store_patient *p,
			   const struct store_medication *mrows, size_t k, struct medication_view **opened,
			   struct arena *ar)
{
	if (opened[k] != NULL)
		return ERR_OK;
	opened[k] = arena_calloc(ar, 1, sizeof(**opened));
	if (opened[k] == NULL)
		return ERR_INTERNAL;
	enum err rc = medication_open(a, g, p, &mrows[k], ar, opened[k]);
	if (rc == ERR_OK && domain_audit(a, ACTION_MEDICATION_LIST, &mrows[k].patient, rtype_medreq,
					 &mrows[k].id, AUDIT_ALLOW, 0) != 0)
		rc = ERR_INTERNAL;
	return rc;
}

enum err medication_search(const struct actor *a, const struct id *patient,
			   const struct store_page *pg, struct arena *ar, struct medreq_view **out,
			   size_t *n, struct page_info *info)
{
	*n = 0;
	struct grant g;
	struct store_patient p;
	struct store_medication *mrows;
	struct store_repeat *rrows;
	size_t nm = 0, nr = 0;
	int rc = medreq_rows(a, patient, ar, &g, &p, &mrows, &nm, &rrows, &nr);
	if (rc != ERR_OK)
		return rc;
	struct page_item *items = medreq_items(mrows, nm, rrows, nr, ar);
	struct medication_view **opened = arena_calloc(ar, nm ? nm : 1, sizeof(*opened));
	if (items == NULL || opened == NULL)
		return ERR_INTERNAL;
	struct store_page ask;
	domain_page_begin(pg, &ask, info);
	size_t count = domain_page_end(&ask, domain_page_items(items, nm + nr, &ask, info), info);
	*out = arena_calloc(ar, count ? count : 1, sizeof(**out));
	if (*out == NULL)
		return ERR_INTERNAL;
	for (size_t i = 0; i < count; i++) {
		struct medreq_view *v = &(*out)[i];
		size_t k = items[i].index;
		if (k < nm) {
			if ((rc = medreq_med(a, &g, &p, mrows, k, opened, ar)) != ERR_OK)
				return rc;
			v->med = *opened[k];
			continue;
		}
		const struct store_repeat *r = &rrows[k - nm];
		v->repeat = true;
		if ((rc = repeat_open(a, &g, &p, r, ar, &v->rep)) != ERR_OK)
			return rc;
		if (domain_audit(a, ACTION_MEDICATION_LIST, patient, rtype_medreq, &r->id, AUDIT_ALLOW,
				 0) != 0)
			return ERR_INTERNAL;
		for (size_t m = 0; m < nm; m++)
			if (id_eq(&mrows[m].id, &r->medication)) {
				if ((rc = medreq_med(a, &g, &p, mrows, m, opened, ar)) != ERR_OK)
					return rc;
				v->rep.medication_view = opened[m];
			}
	}
	if (count == 0 &&
	    domain_audit(a, ACTION_MEDICATION_LIST, patient, rtype_medreq, NULL, AUDIT_ALLOW, 0) != 0)
		return ERR_INTERNAL;
	*n = count;
	return ERR_OK;
}

bool medication_code_ok(const struct medication_code *c)
{
	if (c->code == NULL)
		return c->system == NULL && c->display == NULL;
	if (c->system == NULL || (strcmp(c->system, MEDICATION_SYSTEM_NZMT) != 0 &&
				  strcmp(c->system, MEDICATION_SYSTEM_SNOMED) != 0))
		return false;
	size_t n = strlen(c->code);
	if (n < MEDICATION_CODE_MIN || n > MEDICATION_CODE_MAX || c->code[0] == '0')
		return false;
	for (size_t i = 0; i < n; i++)
		if (c->code[i] < '0' || c->code[i] > '9')
			return false;
	return careplan_text_ok(c->display, MEDICATION_FIELD_MAX, false);
}

enum err medication_create(const struct actor *a, const struct medication_new *m, struct arena *ar,
			   struct id *out, const char **why)
{
	*why = NULL;
	struct grant g;
	int rc = domain_gate(a, ACTION_MEDICATION_CREATE, &m->patient, rtype_medreq, NULL, &g);
	if (rc != ERR_OK)
		return rc;
	if (!careplan_text_ok(m->drug, MEDICATION_FIELD_MAX, true) ||
	    !careplan_text_ok(m->strength, MEDICATION_FIELD_MAX, true) ||
	    !careplan_text_ok(m->form, MEDICATION_FIELD_MAX, true)) {
		*why = "Give the drug, its strength and its form (up to 200 characters each).";
		return ERR_INVALID;
	}
	if (!careplan_text_ok(m->dose, MEDICATION_NOTE_MAX, true)) {
		*why = "Give the dose instructions (up to 500 characters).";
		return ERR_INVALID;
	}
	if (!medication_code_ok(&m->code)) {
		*why = "A medicine's code is NZMT (http://nzmt.org.nz) or SNOMED CT "
		       "(http://snomed.info/sct): 6 to 18 digits, with a display of up to 200 "
		       "characters.";
		return ERR_INVALID;
	}
	struct store_patient p;
	rc = careplan_patient_row(&g, &m->patient, ar, &p);
	if (rc == ERR_GONE)
		return domain_gone(a, ACTION_MEDICATION_CREATE, &m->patient, rtype_medreq, NULL);
	if (rc != ERR_OK)
		return rc;
	struct store_medication row;
	memset(&row, 0, sizeof(row));
	random_id(&row.id);
	row.patient = m->patient;
	row.prescriber = a->account;
	row.created = (int64_t)time(NULL);
	row.started = m->started ? m->started : row.created;
	json_t *o = json_pack("{s:s, s:s, s:s, s:s, s:s}", "part", "medication", "drug", m->drug,
			      "strength", m->strength, "form", m->form, "dose", m->dose);
	if (o != NULL && m->code.code != NULL) { /* sealed with the rest: it names the medicine */
		json_object_set_new(o, "code_system", json_string(m->code.system));
		json_object_set_new(o, "code", json_string(m->code.code));
		if (m->code.display != NULL)
			json_object_set_new(o, "code_display", json_string(m->code.display));
	}
	rc = careplan_seal(a, &g, &p, VREC_MEDICATION, &row.id, o, ar, &row.detail);
	json_decref(o);
	if (rc != ERR_OK)
		return rc;
	if (domain_audit(a, ACTION_MEDICATION_CREATE, &m->patient, rtype_medreq, &row.id,
			 AUDIT_ALLOW, 0) != 0 ||
	    store_medication_insert(&g, &row) != ERR_OK)
		return ERR_INTERNAL;
	*out = row.id;
	return ERR_OK;
}

/* Gate an action on the patient a medication or request belongs to; a missing row is a miss
 * that looks exactly like a foreign one. */
static enum err gate_row(const struct actor *a, enum action action, int found, struct target *t,
			 const struct id *rid, struct grant *g)
{
	if (found == ERR_INTERNAL)
		return ERR_INTERNAL;
	if (found == ERR_NOT_FOUND)
		return domain_miss(a, action, NULL, rtype_medreq, rid, AUDIT_NOT_FOUND);
	return domain_gate_target(a, action, t, rtype_medreq, rid, g);
}

/* gate_row, then the patient's row (with its wrapped key): a patient erased since is gone. */
static enum err gate_patient(const struct actor *a, enum action action, int found, struct target *t,
			     const struct id *rid, struct arena *ar, struct grant *g,
			     struct store_patient *p)
{
	int rc = gate_row(a, action, found, t, rid, g);
	if (rc != ERR_OK)
		return rc;
	rc = careplan_patient_row(g, &t->patient, ar, p);
	if (rc == ERR_GONE)
		return domain_gone(a, action, &t->patient, rtype_medreq, rid);
	return rc;
}

/* Why a medicine was stopped: a fixed list (the code is stored in clear, so it holds no
 * free text); a clinician's note goes with it sealed in the medicine's detail. */
static const struct stop_reason stop_reasons[] = {
	{"completed", "Course completed", true},
	{"side-effects", "Side effects", true},
	{"not-working", "Not working well enough", true},
	{"changed", "Changed to another medicine", true},
	{"patient-choice", "The patient's choice", true},
	{"interaction", "Interaction or other risk", true},
	{"other", "Other (see the note)", true},
	{"recorded", "Recorded as stopped by the practice's own system", false},
};

const struct stop_reason *medication_stop_reasons(size_t *n)
{
	*n = sizeof(stop_reasons) / sizeof(stop_reasons[0]);
	return stop_reasons;
}

const char *medication_stop_reason_label(const char *code)
{
	for (size_t i = 0; code && i < sizeof(stop_reasons) / sizeof(stop_reasons[0]); i++)
		if (strcmp(stop_reasons[i].code, code) == 0)
			return stop_reasons[i].label;
	return NULL;
}

enum err medication_for_stop(const struct actor *a, const struct id *medication, struct arena *ar,
			     struct medication_view *out)
{
	struct target t;
	struct grant g;
	struct store_patient p;
	int rc = gate_patient(a, ACTION_MEDICATION_CREATE, store_medication_target(medication, &t), &t,
			      medication, ar, &g, &p);
	if (rc != ERR_OK)
		return rc;
	struct store_medication m;
	if (store_medication_get(&g, medication, ar, &m) != ERR_OK)
		return ERR_INTERNAL;
	if ((rc = medication_open(a, &g, &p, &m, ar, out)) != ERR_OK)
		return rc;
	return domain_audit(a, ACTION_MEDICATION_LIST, &t.patient, rtype_medreq, medication,
			    AUDIT_ALLOW, 0) == 0 ? ERR_OK : ERR_INTERNAL;
}

/* The medicine's detail sealed again with the stopping note in it. */
static enum err seal_stop_note(const struct actor *a, const struct grant *g,
			       const struct store_patient *p, const struct store_medication *m,
			       const char *note, struct arena *ar, struct bytes *out)
{
	json_t *o;
	int rc = careplan_open(a, g, p, VREC_MEDICATION, &m->id, m->detail, "medication", ar, &o);
	if (rc != ERR_OK)
		return rc;
	json_object_set_new(o, "stop_note", json_string(note));
	rc = careplan_seal(a, g, p, VREC_MEDICATION, &m->id, o, ar, out);
	json_decref(o);
	return rc;
}

enum err medication_stop(const struct actor *a, const struct id *medication, const char *reason,
			 const char *note, struct id *patient, const char **why)
{
	*why = NULL;
	struct target t;
	struct grant g;
	int rc = gate_row(a, ACTION_MEDICATION_CREATE, store_medication_target(medication, &t), &t,
			  medication, &g);
	if (rc != ERR_OK)
		return rc;
	*patient = t.patient;
	if (note && note[0] == '\0')
		note = NULL;
	if (medication_stop_reason_label(reason) == NULL) {
		*why = "Choose why the medicine is stopped.";
		return ERR_INVALID;
	}
	if (note && !careplan_text_ok(note, LIMIT_TEXT_FIELD, false)) {
		*why = "The note is too long (up to 1000 characters) or holds control characters.";
		return ERR_INVALID;
	}
	struct arena ar;
	arena_init(&ar, LIMIT_CALL_ARENA);
	struct store_medication m;
	struct store_patient p;
	struct bytes detail = {0};
	int s = store_medication_get(&g, medication, &ar, &m);
	if (s == ERR_OK && !m.stopped && note) {
		s = careplan_patient_row(&g, &t.patient, &ar, &p);
		if (s == ERR_OK)
			s = seal_stop_note(a, &g, &p, &m, note, &ar, &detail);
	}
	if (s == ERR_OK && !m.stopped) {
		if (domain_audit(a, ACTION_MEDICATION_CREATE, &t.patient, rtype_medreq, medication,
				 AUDIT_ALLOW, 0) != 0)
			s = ERR_INTERNAL;
		else
			s = store_medication_stop(&g, medication, &a->account, (int64_t)time(NULL),
						  reason, detail);
	}
	bool stopped_already = s == ERR_OK ? m.stopped != 0 : s == ERR_CONFLICT;
	arena_release(&ar);
	if (stopped_already) {
		*why = "This medication was stopped already.";
		return domain_audit(a, ACTION_MEDICATION_CREATE, &t.patient, rtype_medreq, medication,
				    AUDIT_FAIL, 0) == 0 ? ERR_CONFLICT : ERR_INTERNAL;
	}
	return s == ERR_OK ? ERR_OK : s == ERR_TRIPPED || s == ERR_GONE ? s : ERR_INTERNAL;
}

enum err repeat_request(const struct actor *a, const struct id *medication, size_t pharmacy,
			const char *note, struct arena *ar, struct id *out, const char **why)
{
	*why = NULL;
	struct target t;
	struct grant g;
	int rc = gate_row(a, ACTION_REPEAT_REQUEST, store_medication_target(medication, &t), &t,
			  medication, &g);
	if (rc != ERR_OK)
		return rc;
	if (pharmacy_name(pharmacy) == NULL) {
		*why = "Choose the pharmacy where you will collect it.";
		return ERR_INVALID;
	}
	if (!careplan_text_ok(note, MEDICATION_NOTE_MAX, false)) {
		*why = "The note can be up to 500 characters.";
		return ERR_INVALID;
	}
	if (t.n_practices == 0) {
		*why = "You are not enrolled at a practice that could approve it.";
		return ERR_INVALID;
	}
	struct store_patient p;
	rc = careplan_patient_row(&g, &t.patient, ar, &p);
	if (rc == ERR_GONE)
		return domain_gone(a, ACTION_REPEAT_REQUEST, &t.patient, rtype_medreq, medication);
	if (rc != ERR_OK)
		return rc;
	struct store_repeat row;
	memset(&row, 0, sizeof(row));
	random_id(&row.id);
	row.medication = *medication;
	row.patient = t.patient;
	row.practice = t.practices[0];
	row.requested_by = a->account;
	row.requested = (int64_t)time(NULL);
	json_t *o = json_pack("{s:s, s:s, s:s}", "part", "request", "pharmacy",
			      pharmacy_name(pharmacy), "note", note ? note : "");
	rc = careplan_seal(a, &g, &p, VREC_REPEAT, &row.id, o, ar, &row.detail);
	json_decref(o);
	if (rc != ERR_OK)
		return rc;
	if (domain_audit(a, ACTION_REPEAT_REQUEST, &t.patient, rtype_medreq, &row.id, AUDIT_ALLOW,
			 0) != 0)
		return ERR_INTERNAL;
	int s = store_repeat_insert(&g, &row);
	if ((s == ERR_CONFLICT || s == ERR_NOT_FOUND) &&
	    domain_audit(a, ACTION_REPEAT_REQUEST, &t.patient, rtype_medreq, &row.id, AUDIT_FAIL, 0) != 0)
		return ERR_INTERNAL;
	if (s == ERR_CONFLICT) {
		*why = "You have already asked for a repeat of this medication. Your practice will "
		       "answer that request first.";
		return ERR_INVALID;
	}
	if (s == ERR_NOT_FOUND) {
		*why = "This medication has been stopped, so it cannot be repeated.";
		return ERR_INVALID;
	}
	if (s != ERR_OK)
		return ERR_INTERNAL;
	*out = row.id;
	return ERR_OK;
}

/* Tell the patient the request was answered, and where to collect it: the pharmacy they chose,
 * never the medicine (docs/internals/NOTICES.md). */
static void notify_repeat(const struct actor *a, const struct grant *g, const struct store_patient *p,
			  const struct store_repeat *r, bool approved, struct arena *ar)
{
	struct repeat_view v;
	const char *practice = notify_practice_name(&r->practice, ar);
	bool named = repeat_open(a, g, p, r, ar, &v) == ERR_OK && v.pharmacy && v.pharmacy[0];
	struct notify_event e = {.kind = NOTIFY_REPEATS, .patient = r->patient,
				 .practice = r->practice, .subject = TEXT_MAIL_REPEAT_SUBJECT,
				 .line = approved ? TEXT_MAIL_REPEAT_APPROVED : TEXT_MAIL_REPEAT_DECLINED,
				 .args = {practice, named ? v.pharmacy : NULL},
				 .arg_text = {TEXT_NONE, named ? TEXT_NONE : TEXT_MAIL_REPEAT_PHARMACY}};
	notify_record(a, &e);
}

enum err repeat_decide(const struct actor *a, const struct id *request, bool approve, const char *reason,
		       struct arena *ar, const char **why)
{
	*why = NULL;
	struct target t;
	struct grant g;
	int rc = gate_row(a, ACTION_REPEAT_DECIDE, store_repeat_target(request, &t), &t, request, &g);
	if (rc != ERR_OK)
		return rc;
	if (!careplan_text_ok(reason, MEDICATION_NOTE_MAX, !approve)) {
		*why = approve ? "The comment can be up to 500 characters."
			       : "Give the patient a reason for declining (up to 500 characters).";
		return ERR_INVALID;
	}
	struct store_patient p;
	rc = careplan_patient_row(&g, &t.patient, ar, &p);
	if (rc == ERR_GONE)
		return domain_gone(a, ACTION_REPEAT_DECIDE, &t.patient, rtype_medreq, request);
	if (rc != ERR_OK)
		return rc;
	struct bytes decision = {0};
	if (reason && reason[0]) {
		json_t *o = json_pack("{s:s, s:s}", "part", "decision", "reason", reason);
		rc = careplan_seal(a, &g, &p, VREC_REPEAT, request, o, ar, &decision);
		json_decref(o);
		if (rc != ERR_OK)
			return rc;
	}
	struct store_repeat current;
	int s = store_repeat_get(&g, request, ar, &current);
	if (s != ERR_OK)
		return ERR_INTERNAL;
	if (current.state == REPEAT_REQUESTED) {
		if (domain_audit(a, ACTION_REPEAT_DECIDE, &t.patient, rtype_medreq, request,
				 AUDIT_ALLOW, 0) != 0)
			return ERR_INTERNAL;
		s = store_repeat_decide(&g, request, approve ? REPEAT_APPROVED : REPEAT_DECLINED,
					&a->account, (int64_t)time(NULL), decision);
	}
	if (current.state != REPEAT_REQUESTED || s == ERR_CONFLICT) {
		*why = "This request has been answered already.";
		return domain_audit(a, ACTION_REPEAT_DECIDE, &t.patient, rtype_medreq, request,
				    AUDIT_FAIL, 0) == 0 ? ERR_INVALID : ERR_INTERNAL;
	}
	if (s != ERR_OK)
		return ERR_INTERNAL;
	notify_repeat(a, &g, &p, &current, approve, ar);
	return ERR_OK;
}

enum err medication_request_read(const struct actor *a, const struct id *id, struct arena *ar,
				 bool *is_repeat, struct medication_view *med, struct repeat_view *rep)
{
	struct target t;
	int found = store_medication_target(id, &t);
	*is_repeat = false;
	if (found == ERR_NOT_FOUND) {
		found = store_repeat_target(id, &t);
		*is_repeat = found == ERR_OK;
	}
	struct grant g;
	struct store_patient p;
	int rc = gate_patient(a, ACTION_MEDICATION_LIST, found, &t, id, ar, &g, &p);
	if (rc != ERR_OK)
		return rc;
	struct store_medication m;
	if (*is_repeat) {
		struct store_repeat r;
		if (store_repeat_get(&g, id, ar, &r) != ERR_OK)
			return ERR_INTERNAL;
		if ((rc = repeat_open(a, &g, &p, &r, ar, rep)) != ERR_OK)
			return rc;
		if (store_medication_get(&g, &r.medication, ar, &m) != ERR_OK)
			return ERR_INTERNAL;
	} else if (store_medication_get(&g, id, ar, &m) != ERR_OK) {
		return ERR_INTERNAL;
	}
	if ((rc = medication_open(a, &g, &p, &m, ar, med)) != ERR_OK)
		return rc;
	if (*is_repeat)
		rep->medication_view = med;
	if (domain_audit(a, ACTION_MEDICATION_LIST, &t.patient, rtype_medreq, id, AUDIT_ALLOW, 0) != 0)
		return ERR_INTERNAL;
	return ERR_OK;
}

enum err repeat_queue(const struct actor *a, struct arena *ar, struct repeat_queue_item **out, size_t *n)
{
	*n = 0;
	bool ok = policy_may_work_queue(a, &a->practice);
	struct audit_event e = {.actor = a, .action = "repeat.queue", .outcome = ok ? AUDIT_ALLOW : AUDIT_DENY,
				.deferrable = true};
	if (audit_append(&e) != 0)
		return ERR_INTERNAL;
	if (!ok)
		return ERR_NOT_FOUND;
	struct id *reqs, *patients;
	int64_t *last;
	size_t count = 0;
	if (store_repeat_queue(&a->practice, REPEAT_QUEUE_PAGE, ar, &reqs, &patients, &last, &count) != ERR_OK)
		return ERR_INTERNAL;
	*out = arena_calloc(ar, count ? count : 1, sizeof(**out));
	if (*out == NULL)
		return ERR_INTERNAL;
	/* Each request passes the gate on its own: the queue is a list of ids, not a grant. */
	for (size_t i = 0; i < count; i++) {
		struct repeat_queue_item *it = &(*out)[*n];
		bool is_repeat = false;
		int rc = domain_row_in_reach(a, ACTION_MEDICATION_LIST, &patients[i], rtype_medreq,
					     &reqs[i]);
		if (rc == ERR_OK)
			rc = medication_request_read(a, &reqs[i], ar, &is_repeat, &it->medication,
						     &it->request);
		if (rc == ERR_OK && is_repeat)
			rc = patient_read(a, &patients[i], ar, &it->patient);
		if (rc == ERR_OK && is_repeat) {
			it->request.medication_view = &it->medication;
			it->last_approved = last[i];
			(*n)++;
		} else if (rc == ERR_INTERNAL || rc == ERR_TRIPPED) {
			return rc;
		}
	}
	return ERR_OK;
}
