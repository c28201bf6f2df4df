/*
 * ADT messages: the practice's register as its management system keeps it.
 *
 *   A04, A28  enrol (register_enrol): the same NHI here is the same patient; an NHI enrolled
 *             at another practice waits in the queue (a move is never done by a message);
 *   A08, A31  update the patient PID-3's NHI names (register_update); not here: queued;
 *   A40       merge: PID-3 the live NHI, MRG-1 the prior (dormant) one. Only the prior patient
 *             here: their NHI becomes the live one. Both here: two records of one person,
 *             which only a person may merge: queued. Only the live one: nothing to do.
 *             Neither: queued.
 *
 * A wrong field is answered AE naming it: PID-3 (NHI), PID-5 (name), PID-7 (birth date),
 * PID-8 (sex), MRG-1 (prior NHI); 101 when it is missing, 102 when it is malformed.
 */
#include "ingest/ingest_int.h"

#include <string.h>

#include "domain/register.h"

struct adt_patient {
	struct patient_view v;
	size_t pid;
	char birth[11];
};

/* PID-7 (TS/DTM: YYYYMMDD, possibly followed by a time) as YYYY-MM-DD; the date's validity
 * is register_problem's to judge. */
static int birth_date(const char *ts, char out[11])
{
	if (strlen(ts) < 8)
		return -1;
	for (int i = 0; i < 8; i++)
		if (ts[i] < '0' || ts[i] > '9')
			return -1;
	snprintf(out, 11, "%.4s-%.2s-%.2s", ts, ts + 4, ts + 6);
	return 0;
}

/* HL7 table 0001 (administrative sex) as FHIR's gender. */
static const char *gender_of(const char *sex)
{
	static const struct {
		const char *hl7, *fhir;
	} map[] = {{"M", "male"},  {"F", "female"}, {"O", "other"},
		   {"A", "other"}, {"U", "unknown"}, {"N", "unknown"}};
	if (sex[0] == '\0')
		return "unknown";
	for (size_t i = 0; i < sizeof(map) / sizeof(map[0]); i++)
		if (strcmp(sex, map[i].hl7) == 0)
			return map[i].fhir;
	return NULL;
}

/* The patient as PID describes them; ERR_OK, or ERR_INVALID once answered AE. */
static enum err read_pid(struct ingest_ctx *c, struct adt_patient *p)
{
	memset(p, 0, sizeof(*p));
	p->pid = hl7_find(c->m, "PID", 0);
	if (p->pid == c->m->nseg) {
		ingest_fail(c, HL7_ACK_AE, HL7_E_SEGMENT_SEQUENCE, 0, 0, "No PID segment");
		return ERR_INVALID;
	}
	enum hl7_code code;
	p->v.nhi = ingest_nhi(c, p->pid, 3, &code);
	if (p->v.nhi == NULL) {
		ingest_fail(c, HL7_ACK_AE, code, p->pid, 3, "No valid NHI in PID-3");
		return ERR_INVALID;
	}
	const char *family, *given, *dob, *sex;
	if (ingest_text(c, p->pid, 5, 1, 1, 1, &family) != 0 ||
	    ingest_text(c, p->pid, 5, 1, 2, 0, &given) != 0) {
		ingest_fail(c, HL7_ACK_AE, HL7_E_DATA_TYPE, p->pid, 5, "Bad escape in PID-5");
		return ERR_INVALID;
	}
	if (ingest_text(c, p->pid, 7, 1, 1, 0, &dob) != 0 || (dob[0] && birth_date(dob, p->birth) != 0)) {
		ingest_fail(c, HL7_ACK_AE, HL7_E_DATA_TYPE, p->pid, 7, "Bad birth date in PID-7");
		return ERR_INVALID;
	}
	if (ingest_text(c, p->pid, 8, 1, 1, 0, &sex) != 0 || (p->v.gender = gender_of(sex)) == NULL) {
		ingest_fail(c, HL7_ACK_AE, HL7_E_TABLE_VALUE, p->pid, 8, "Bad sex in PID-8");
		return ERR_INVALID;
	}
	p->v.family = family;
	p->v.given = given;
	p->v.birth_date = dob[0] ? p->birth : "";
	const char *bad = register_problem(&p->v);
	if (bad == NULL)
		return ERR_OK;
	size_t field = strcmp(bad, "identifier") == 0 ? 3
		       : strcmp(bad, "birthDate") == 0 ? 7
		       : strcmp(bad, "gender") == 0    ? 8
						       : 5;
	bool missing = (field == 5 && (family[0] == '\0' || given[0] == '\0')) ||
		       (field == 7 && dob[0] == '\0');
	ingest_fail(c, HL7_ACK_AE, missing ? HL7_E_REQUIRED_MISSING : HL7_E_DATA_TYPE, p->pid, field,
		    field == 7 ? "Bad birth date in PID-7" : field == 5 ? "Bad name in PID-5" : "Bad PID field");
	return ERR_INVALID;
}

/* A domain refusal that is the feed's own configuration (no write scope) or ours. */
static enum err refused(struct ingest_ctx *c, enum err rc)
{
	if (rc == ERR_DENIED || rc == ERR_NOT_FOUND)
		return ingest_fail(c, HL7_ACK_AR, HL7_E_INTERNAL, 0, 0, "Not allowed for this feed");
	return rc == ERR_TRIPPED ? ERR_TRIPPED : ERR_INTERNAL;
}

static enum err enrol(struct ingest_ctx *c, const struct adt_patient *p)
{
	struct id id;
	bool created = false;
	enum err rc = register_enrol(c->f->actor, &c->f->practice, &p->v, &id, &created);
	if (rc == ERR_OK) {
		c->outcome = created ? "enrolled" : "matched";
		c->out->code = HL7_ACK_AA;
		return ERR_OK;
	}
	if (rc == ERR_CONFLICT)
		return ingest_queue_for(c, "The NHI is enrolled at another practice.");
	if (rc == ERR_INVALID)
		return ingest_fail(c, HL7_ACK_AE, HL7_E_DATA_TYPE, p->pid, 3, "Bad PID");
	return refused(c, rc);
}

static enum err update(struct ingest_ctx *c, const struct id *id, const struct patient_view *v,
		       const char *outcome)
{
	int64_t version, updated;
	enum err rc = register_update(c->f->actor, id, v, &version, &updated);
	if (rc == ERR_OK) {
		c->outcome = outcome;
		c->out->code = HL7_ACK_AA;
		return ERR_OK;
	}
	if (rc == ERR_CONFLICT)
		return ingest_queue_for(c, "Another patient at the practice holds this NHI.");
	if (rc == ERR_INVALID)
		return ingest_fail(c, HL7_ACK_AE, HL7_E_DATA_TYPE, 0, 0, "Bad PID");
	return refused(c, rc);
}

/* Found by NHI among the practice's patients the feed reaches: ERR_OK or ERR_NOT_FOUND. */
static enum err find(struct ingest_ctx *c, const char *nhi, struct id *out)
{
	enum err rc = register_find_nhi(c->f->actor, nhi, out);
	return rc == ERR_OK || rc == ERR_NOT_FOUND || rc == ERR_TRIPPED ? rc : ERR_INTERNAL;
}

static enum err merge(struct ingest_ctx *c, const struct adt_patient *p)
{
	size_t mrg = hl7_find(c->m, "MRG", 0);
	enum hl7_code code = HL7_E_REQUIRED_MISSING;
	const char *prior = mrg < c->m->nseg ? ingest_nhi(c, mrg, 1, &code) : NULL;
	if (prior == NULL) {
		if (mrg == c->m->nseg)
			return ingest_fail(c, HL7_ACK_AE, HL7_E_SEGMENT_SEQUENCE, 0, 0, "No MRG segment");
		return ingest_fail(c, HL7_ACK_AE, code, mrg, 1, "No valid NHI in MRG-1");
	}
	struct id live_id, prior_id;
	enum err lr = find(c, p->v.nhi, &live_id);
	enum err pr = lr == ERR_OK || lr == ERR_NOT_FOUND ? find(c, prior, &prior_id) : lr;
	if ((lr != ERR_OK && lr != ERR_NOT_FOUND) || (pr != ERR_OK && pr != ERR_NOT_FOUND))
		return lr != ERR_OK && lr != ERR_NOT_FOUND ? lr : pr;
	if (c->patient != NULL) /* a person chose the record that takes the live NHI */
		return update(c, c->patient, &p->v, "merged");
	if (lr == ERR_OK && pr == ERR_OK) {
		if (id_eq(&live_id, &prior_id)) {
			c->outcome = "unchanged";
			c->out->code = HL7_ACK_AA;
			return ERR_OK;
		}
		return ingest_queue_for(c, "Both NHIs are enrolled here: two records to merge by hand.");
	}
	if (pr == ERR_OK)
		return update(c, &prior_id, &p->v, "merged");
	if (lr == ERR_OK) {
		c->outcome = "unchanged";
		c->out->code = HL7_ACK_AA;
		return ERR_OK;
	}
	return ingest_queue_for(c, "Neither NHI is enrolled at the practice.");
}

enum err ingest_adt(struct ingest_ctx *c)
{
	struct adt_patient p;
	if (read_pid(c, &p) != ERR_OK)
		return ERR_OK; /* answered AE */
	const struct hl7_msg *m = c->m;
	if (slice_eq(m->event, "A04") || slice_eq(m->event, "A28")) {
		if (c->patient != NULL)
			return update(c, c->patient, &p.v, "updated");
		return enrol(c, &p);
	}
	if (slice_eq(m->event, "A40"))
		return merge(c, &p);
	/* A08, A31 */
	struct id id;
	if (c->patient != NULL)
		return update(c, c->patient, &p.v, "updated");
	enum err rc = find(c, p.v.nhi, &id);
	if (rc == ERR_NOT_FOUND)
		return ingest_queue_for(c, "No patient with this NHI is enrolled at the practice.");
	if (rc != ERR_OK)
		return rc;
	return update(c, &id, &p.v, "updated");
}
