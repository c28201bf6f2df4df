/*
 * Demo data for family and carer (proxy) access: a young child of the practice, Nikau, whose
 * parent is the last demo patient (access to documents, results and appointments, set up by
 * the practice), and a grant from the patient before them that has ended. Made through the
 * domain layer, so the grants pass the same gate, sealing and audit as real ones. Only with
 * DEMO_PROXY_MIN_PATIENTS patients or more: small demos (most tests) keep exactly the
 * patients they asked for, and patient1 (the attacker of the breaker tests) holds nothing.
 */
#include "main/demo_proxies.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

#include "auth/auth.h"
#include "domain/proxies.h"
#include "limits.h"
#include "main/pdf.h"
#include "util/buf.h"

#define DAY 86400
#define DEMO_PROXY_MIN_PATIENTS 10

/* A test-range NHI that no demo patient has yet, found by trying (patient_create refuses a
 * duplicate). */
static int create_child(const struct id *practice, const char *dob, struct id *out)
{
	static const char letters[] = "ABCDEFGHJKLMNPQRSTUVWXYZ";
	for (int d = 0; d < 100; d++) {
		char cand[NHI_LEN + 1] = {'Z', 'Z', 'Z', (char)('0' + d / 10), (char)('0' + d % 10), 'K', 'A', '\0'};
		char nhi[NHI_LEN + 1];
		int ok = -1;
		for (int k = 0; k < 24 && ok != 0; k++) {
			cand[6] = letters[k];
			ok = nhi_normalise(cand, NHI_LEN, nhi);
		}
		if (ok != 0)
			continue;
		struct patient_view pv = {.family = "Walker", .given = "Nikau", .birth_date = dob,
					  .gender = "male", .nhi = nhi};
		int rc = patient_create(practice, &pv, out);
		if (rc == ERR_OK)
			return 0;
		if (rc != ERR_INVALID)
			return -1;
	}
	return -1;
}

static int child_document(const struct actor *clinician, const struct id *child, enum document_kind kind,
			  const char *title, const char *filename, const char *const *lines, size_t n)
{
	struct arena ar;
	arena_init(&ar, LIMIT_JOB_ARENA);
	struct buf pdf;
	buf_init(&pdf, &ar, LIMIT_DEMO_PDF);
	pdf_text_document(&pdf, title, lines, n);
	struct document_new nd = {.patient = *child, .kind = kind, .title = title, .filename = filename,
				  .declared_type = "application/pdf", .data = (const uint8_t *)pdf.data,
				  .data_len = pdf.len};
	struct document_view v;
	const char *why = NULL;
	int rc = pdf.failed ? ERR_INTERNAL : document_create(clinician, &nd, &ar, &v, &why);
	arena_release(&ar);
	return rc == ERR_OK ? 0 : -1;
}

/* Give `email` access to patient's record as `by`, as of `now`. */
static int give(const struct actor *by, const struct id *patient, const char *email, const char *name,
		const char *from, unsigned scopes, int64_t now, int64_t not_after)
{
	struct arena ar;
	arena_init(&ar, LIMIT_CALL_ARENA);
	struct store_account to;
	char index[80];
	int rc = -1;
	if (auth_account_lookup(email, &ar, &to) != ERR_OK || auth_email_index(email, index) != 0)
		goto out;
	struct actor a = *by;
	a.factor_at = now; /* the operator's own tool: as if the second factor was just given */
	struct proxy_new p = {.email = email, .email_index = index, .grantee = &to, .name = name,
			      .from_name = from, .scopes = scopes, .not_after = not_after};
	const char *why = NULL;
	rc = proxy_grant(&a, patient, &p, now, &why) == ERR_OK ? 0 : -1;
out:
	arena_release(&ar);
	return rc;
}

int demo_proxies(const struct id *practice, const struct actor *clinician, unsigned long n_patients,
		 FILE *logins)
{
	if (n_patients < DEMO_PROXY_MIN_PATIENTS)
		return 0;
	int64_t now = (int64_t)time(NULL);
	char dob[16], parent[64], former[64];
	snprintf(parent, sizeof(parent), "patient%lu@demo.test", n_patients);
	snprintf(former, sizeof(former), "patient%lu@demo.test", n_patients - 1);
	time_t born = (time_t)(now - (int64_t)(8 * 365 + 100) * DAY);
	struct tm tm;
	gmtime_r(&born, &tm);
	strftime(dob, sizeof(dob), "%Y-%m-%d", &tm);
	struct id child;
	if (create_child(practice, dob, &child) != 0)
		return -1;
	static const char *const visit[] = {"Nikau Walker, seen with his mother.",
					    "Cough for two weeks, no fever; chest clear.",
					    "Likely post-viral cough. Honey and rest; review if not settling.",
					    NULL};
	static const char *const immunisation[] = {"Immunisation record (invented for demonstration)",
						   "Childhood schedule up to date to age 4 years.",
						   "Next due: 11-year vaccines at school.", NULL};
	if (child_document(clinician, &child, DOC_CLINICAL_LETTER, "GP visit note", "visit-note.pdf", visit, 3) != 0 ||
	    child_document(clinician, &child, DOC_LAB_REPORT, "Immunisation record", "immunisations.pdf",
			   immunisation, 3) != 0)
		return -1;
	/* The practice sets up the parent's access to their son's record. */
	if (give(clinician, &child, parent, "Nikau's parent", NULL,
		 SCOPE_DOCUMENTS | SCOPE_RESULTS | SCOPE_APPOINTMENTS, now, now + 365 * DAY) != 0)
		return -1;
	/* The patient before them gave them access a while ago, for a year that has now ended. */
	struct store_account prev;
	struct arena ar;
	arena_init(&ar, LIMIT_CALL_ARENA);
	int rc = auth_account_lookup(former, &ar, &prev);
	arena_release(&ar);
	if (rc != ERR_OK || !prev.has_patient)
		return -1;
	struct actor self;
	memset(&self, 0, sizeof(self));
	self.account = prev.id;
	self.role = ROLE_PATIENT;
	self.has_patient = self.has_record = true;
	self.patient = self.record = prev.patient;
	self.mfa = true;
	snprintf(self.ip, sizeof(self.ip), "demo");
	int64_t then = now - 400 * DAY;
	if (give(&self, &prev.patient, parent, "My partner", "Your partner", SCOPE_APPOINTMENTS, then,
		 then + 365 * DAY) != 0)
		return -1;
	fprintf(logins,
		"# Family access: %s is the parent of Nikau Walker (born %s, no login of his own);\n"
		"#   its Family access page switches to his record (documents, results, appointments)\n"
		"#   until a year from now. An earlier grant from %s to them (appointments) has ended.\n",
		parent, dob, former);
	return 0;
}
