/*
 * medkeep demo: a demo practice with staff and patients, each patient with a handful of
 * realistic documents, all invented. NHIs come from the Z-prefixed test range only.
 * Documents are created through the domain layer as the clinician (or the patient, for
 * uploads), so they pass the same gate, encryption and audit as real ones.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "audit/audit.h"
#include "auth/account.h"
#include "auth/auth.h"
#include "auth/pwrules.h"
#include "crypto/crypto.h"
#include "domain/domain.h"
#include "limits.h"
#include "main/cmd.h"
#include "main/demo_careplan.h"
#include "main/demo_results.h"
#include "main/demo_summary.h"
#include "main/demo_proxies.h"
#include "main/pdf.h"
#include "store/store.h"
#include "util/log.h"
#include "util/strtonum.h"
#include "vault/vault.h"

static const char *const given_names[] = {
	"Aroha", "Mere", "Tama", "Wiremu", "Hine", "Ngaio", "Rangi", "Kiri", "Mia", "Olivia",
	"Liam", "Noah", "Isla", "Oliver", "Amelia", "Jack", "Charlotte", "Leo", "Sophie", "Hunter",
	"Ava", "George", "Ruby", "Mason", "Grace", "Arlo", "Harper", "Lucas", "Zoe", "Finn",
	"Priya", "Arjun", "Mei", "Wei", "Sione", "Losa", "Tevita", "Ana", "Malia", "Hemi",
};
static const char *const family_names[] = {
	"Te Awa", "Kereama", "Ngata", "Parata", "Walker", "Thompson", "Wilson", "Taylor", "Brown",
	"Harris", "Martin", "Clarke", "Robinson", "Singh", "Patel", "Chen", "Wong", "Tuilagi",
	"Fonoti", "Moana", "Rewi", "Hohaia", "Davies", "Campbell", "Stewart", "Anderson", "Lee",
	"King", "Wright", "Mitchell", "Hughes", "Kumar", "Sharma", "Faleolo", "Latu", "Morgan",
};
static const char *const places[] = {"Te Whatu Ora Waitemata", "Auckland City Hospital",
				     "Christchurch Hospital", "Wellington Regional Hospital",
				     "Waikato Hospital", "Dunedin Hospital"};
static const char *const conditions[] = {"community-acquired pneumonia", "cellulitis of the left leg",
					 "an asthma exacerbation", "a fractured right wrist",
					 "renal colic", "atrial fibrillation with fast rate"};
static const char *const specialties[] = {"Cardiology", "Dermatology", "Orthopaedics",
					  "Gastroenterology", "Respiratory", "Endocrinology"};

static const char demo_practice_name[] = "Demo Health Centre";
static const char other_practice_name[] = "Harbourview Family Practice";

static const char nhi_letters[] = "ABCDEFGHJKLMNPQRSTUVWXYZ";

/* The i-th test-range NHI (new format ZLLNNL + check letter), skipping none: each i maps
 * to one valid NHI, because every sum has a check letter in the new format. */
static int demo_nhi(unsigned long i, char out[NHI_LEN + 1])
{
	unsigned long l5 = i % 24, d = (i / 24) % 100, l2 = (i / 2400) % 24, l1 = (i / 57600) % 24;
	if (i >= 24ul * 24 * 24 * 100)
		return -1;
	char cand[NHI_LEN + 1] = {'Z', nhi_letters[l1], nhi_letters[l2], (char)('0' + d / 10),
				  (char)('0' + d % 10), nhi_letters[l5], 'A', '\0'};
	for (int k = 0; k < 24; k++) {
		cand[6] = nhi_letters[k];
		if (nhi_normalise(cand, NHI_LEN, out) == 0)
			return 0;
	}
	return -1;
}

static void actor_for(const struct id *account, enum role role, const struct id *practice,
		      const struct id *patient, struct actor *a)
{
	memset(a, 0, sizeof(*a));
	a->account = *account;
	a->role = role;
	if (practice) {
		a->has_practice = true;
		a->practice = *practice;
	}
	if (patient) {
		a->has_patient = true;
		a->patient = *patient;
	}
	snprintf(a->ip, sizeof(a->ip), "demo");
	a->mfa = true; /* the operator's own tool, holding the master key: no session to upgrade */
}

struct demo_doc {
	enum document_kind kind;
	const char *title;
	const char *lines[12];
};

static int add_document(const struct actor *author, const struct id *patient, const struct demo_doc *d,
			const char *filename)
{
	struct arena ar;
	arena_init(&ar, LIMIT_JOB_ARENA);
	struct buf pdf;
	buf_init(&pdf, &ar, LIMIT_DEMO_PDF);
	size_t n = 0;
	while (n < 12 && d->lines[n])
		n++;
	pdf_text_document(&pdf, d->title, d->lines, n);
	struct document_new nd = {.patient = *patient,
				  .kind = d->kind,
				  .title = d->title,
				  .filename = filename,
				  .declared_type = "application/pdf",
				  .data = (const uint8_t *)pdf.data,
				  .data_len = pdf.len};
	struct document_view v;
	const char *why = NULL;
	int rc = pdf.failed ? ERR_INTERNAL : document_create(author, &nd, &ar, &v, &why);
	arena_release(&ar);
	return rc == ERR_OK ? 0 : -1;
}

static int seed_documents(const struct actor *clinician, const struct actor *self,
			  const struct id *patient, const char *given, const char *family,
			  unsigned long i)
{
	char l[12][160];
	const char *place = places[i % 6], *cond = conditions[(i / 6) % 6];
	const char *spec = specialties[(i / 3) % 6];
	snprintf(l[0], 160, "Patient: %s %s", given, family);
	snprintf(l[1], 160, "Admitted to %s with %s.", place, cond);
	snprintf(l[2], 160, "Treated and observed for %lu days; recovered well.", 2 + i % 4);
	snprintf(l[3], 160, "Follow-up: see your GP within 7 days; return if symptoms worsen.");
	struct demo_doc discharge = {DOC_DISCHARGE_SUMMARY, "Discharge summary",
				     {l[0], l[1], l[2], l[3], "Medicines on discharge are listed in your record.",
				      "Signed: Dr A. Demo, house officer (invented for demonstration).", NULL}};
	snprintf(l[4], 160, "Dear %s colleagues,", spec);
	snprintf(l[5], 160, "Thank you for seeing %s %s, whom I refer for assessment.", given, family);
	struct demo_doc referral = {DOC_REFERRAL_LETTER, "Referral letter",
				    {l[4], l[5], "History and examination are summarised below.",
				     "Reason: symptoms persisting beyond three months despite treatment.",
				     "Yours sincerely, Dr C. One, Demo Health Centre", NULL}};
	snprintf(l[6], 160, "%s clinic letter for %s %s", spec, given, family);
	struct demo_doc letter = {DOC_CLINICAL_LETTER, "Clinic letter",
				  {l[6], "Seen today in outpatient clinic.",
				   "Plan: continue current treatment and review in six months.",
				   "No change to medicines. Blood tests before next visit.", NULL}};
	snprintf(l[7], 160, "Haemoglobin %lu g/L (ref 130-175)", 128 + i % 30);
	snprintf(l[8], 160, "HbA1c %lu mmol/mol (ref 20-40)", 32 + i % 20);
	struct demo_doc lab = {DOC_LAB_REPORT, "Laboratory report: full blood count and HbA1c",
			       {"Demo Community Laboratory (invented)", l[7], l[8],
				"Creatinine 78 umol/L (ref 60-105)",
				"Reported and filed by your practice.", NULL}};
	struct demo_doc upload = {DOC_PATIENT_UPLOAD, "My vaccination record",
				  {"Vaccination history kept by the patient.",
				   "Influenza vaccine: given each autumn.", NULL}};
	if (add_document(clinician, patient, &discharge, "discharge-summary.pdf") != 0 ||
	    add_document(clinician, patient, &referral, "referral-letter.pdf") != 0 ||
	    add_document(clinician, patient, &letter, "clinic-letter.pdf") != 0 ||
	    add_document(clinician, patient, &lab, "lab-report.pdf") != 0)
		return -1;
	if (i % 2 == 0 && add_document(self, patient, &upload, "vaccinations.pdf") != 0)
		return -1;
	return 0;
}

static void progress(const char *what, unsigned long done, unsigned long total)
{
	if (done == total || done % 100 == 0) {
		fprintf(stderr, "\r%s: %lu/%lu", what, done, total);
		if (done == total)
			fputc('\n', stderr);
	}
}

/* The options of demo into *dir, *pw and *n_patients: -1 to go on, else the exit status (0
 * after --help, 2 for a usage error or a password the rules refuse). */
static int demo_options(int argc, char **argv, const char **dir, const char **pw,
			int64_t *n_patients)
{
	static const char usage[] =
		"usage: medkeep demo --data DIR --patients N --password PW\n"
		"Create DIR (if needed) with the demo practice 'Demo Health Centre': staff\n"
		"clinician1@demo.test, clinician2@demo.test, admin1@demo.test, operator@demo.test,\n"
		"a clinician of another practice (otherclinician1@demo.test), and patients\n"
		"patient1@demo.test ... patientN@demo.test with documents. Every account's\n"
		"password is PW (at least 12 characters). Logins are written to DIR/demo-logins.txt.\n";
	static const struct option opts[] = {{"data", required_argument, NULL, 'd'},
					     {"patients", required_argument, NULL, 'n'},
					     {"password", required_argument, NULL, 'p'},
					     {"help", no_argument, NULL, 'h'},
					     {NULL, 0, NULL, 0}};
	const char *count = NULL;
	int c;
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		if (c == 'd')
			*dir = optarg;
		else if (c == 'n')
			count = optarg;
		else if (c == 'p')
			*pw = optarg;
		else if (c == 'h') {
			fputs(usage, stdout);
			return 0;
		} else {
			fputs(usage, stderr);
			return 2;
		}
	}
	if (*dir == NULL || *pw == NULL || count == NULL || optind != argc) {
		fputs(usage, stderr);
		return 2;
	}
	if (parse_int64(count, 1, LIMIT_DEMO_PATIENTS, n_patients) != 0) {
		fprintf(stderr, "medkeep demo: --patients must be a whole number from 1 to %d\n",
			LIMIT_DEMO_PATIENTS);
		return 2;
	}
	enum pw_verdict verdict = pw_check(*pw, strlen(*pw), NULL);
	if (verdict != PW_OK) {
		fprintf(stderr, "medkeep demo: --password: %s\n", pw_message(verdict));
		return 2;
	}
	return -1;
}

/* The staff of both practices, all with the password hash `hash`, demo staff enrolled in
 * TOTP; each login to `logins`. *clin_id: clinician1's account. 0, or -1. */
static int seed_staff(const char *hash, const char *pw, const struct id *practice,
		      const struct id *other, struct id *clin_id, FILE *logins, struct arena *ar)
{
	struct id acct_id;
	static const struct {
		const char *email;
		enum role role;
		int practice; /* 0 none, 1 demo, 2 other */
	} staff[] = {
		{"clinician1@demo.test", ROLE_CLINICIAN, 1},
		{"clinician2@demo.test", ROLE_CLINICIAN, 1},
		{"admin1@demo.test", ROLE_PRACTICE_ADMIN, 1},
		{"otherclinician1@demo.test", ROLE_CLINICIAN, 2},
		{"operator@demo.test", ROLE_OPERATOR, 0},
	};
	for (size_t i = 0; i < sizeof(staff) / sizeof(staff[0]); i++) {
		const struct id *pr = staff[i].practice == 1 ? practice : staff[i].practice == 2 ? other : NULL;
		if (auth_account_create(staff[i].email, hash, staff[i].role, pr, NULL,
					i == 0 ? clin_id : &acct_id) != 0 ||
		    account_marks_local(i == 0 ? clin_id : &acct_id, staff[i].email, NULL, NULL) != 0)
			return -1;
		/* Staff need a second factor; demo staff come enrolled, their secrets listed. */
		char secret[TOTP_SECRET_B32_LEN + 1];
		struct buf sealed;
		buf_init(&sealed, ar, LIMIT_SEALED_SECRET);
		if (vault_totp_enrol_local(i == 0 ? clin_id : &acct_id, secret, &sealed) != ERR_OK ||
		    store_mfa_enable(i == 0 ? clin_id : &acct_id,
				     &(struct bytes){(const uint8_t *)sealed.data, sealed.len}, 0) != ERR_OK)
			return -1;
		fprintf(logins, "%s\t%s\t%s\t%s\n", staff[i].email, pw, role_name(staff[i].role), secret);
	}
	return 0;
}

/* Demo patient number i of `practice`: record, contact, account (password hash `hash`), and
 * their documents, results, care plan and messages; the login to `logins`. 0, or -1. */
static int seed_patient(unsigned long i, const struct id *practice,
			const struct actor *clinician, const char *hash, const char *pw,
			FILE *logins)
{
	struct id pat_id, acct_id;
	char nhi[NHI_LEN + 1], dob[16], email[64];
	if (demo_nhi(i * 7919ul % (24ul * 24 * 24 * 100), nhi) != 0)
		return -1;
	const char *given = given_names[(i * 7) % (sizeof(given_names) / sizeof(*given_names))];
	const char *family = family_names[(i * 13) % (sizeof(family_names) / sizeof(*family_names))];
	snprintf(dob, sizeof(dob), "%04lu-%02lu-%02lu", 1940 + (i * 37) % 80, 1 + (i * 5) % 12,
		 1 + (i * 11) % 28);
	struct patient_view pv = {.family = family,
				  .given = given,
				  .birth_date = dob,
				  .gender = (i % 2) ? "female" : "male",
				  .nhi = nhi};
	if (patient_create(practice, &pv, &pat_id) != ERR_OK)
		return -1;
	snprintf(email, sizeof(email), "patient%lu@demo.test", i);
	/* The address the practice holds for the patient: where an invitation would go. */
	if (account_contact_set(&pat_id, email, dob) != 0 ||
	    auth_account_create(email, hash, ROLE_PATIENT, NULL, &pat_id, &acct_id) != 0 ||
	    account_marks_local(&acct_id, email, given, family) != 0)
		return -1;
	struct actor self;
	actor_for(&acct_id, ROLE_PATIENT, NULL, &pat_id, &self);
	if (seed_documents(clinician, &self, &pat_id, given, family, i) != 0 ||
	    demo_results_seed(clinician, &pat_id, i % 2 != 0, i) != 0 ||
	    demo_summary_seed(clinician, &pat_id, i) != 0)
		return -1;
	if (demo_careplan(clinician, &self, &pat_id, i) != 0)
		return -1;
	if (demo_messages(clinician, &self, &pat_id, i) != 0)
		return -1;
	fprintf(logins, "%s\t%s\tpatient\t-\n", email, pw);
	return 0;
}

int cmd_demo(int argc, char **argv)
{
	const char *dir = NULL, *pw = NULL;
	int64_t n_patients = 0;
	int status = demo_options(argc, argv, &dir, &pw, &n_patients);
	if (status >= 0)
		return status;
	char keypath[4096];
	struct stat st;
	snprintf(keypath, sizeof(keypath), "%s/master.key", dir);
	if (stat(keypath, &st) != 0 && create_data_dir(dir) != 0)
		return 1;
	if (open_data_dir(dir) != 0)
		return 1;
	log_set_quiet(1);
	struct arena ar;
	arena_init(&ar, LIMIT_JOB_ARENA);
	struct store_account existing;
	if (auth_account_lookup("clinician1@demo.test", &ar, &existing) == ERR_OK) {
		fprintf(stderr, "medkeep demo: %s already has demo data\n", dir);
		return 1;
	}
	/* Every demo account shares one known password, so one Argon2id hash (one salt) serves
	 * them all: per-account salts protect nothing when the password itself is published. */
	char hash[PWHASH_STR_BYTES];
	if (password_hash(pw, strlen(pw), hash) != 0) {
		fprintf(stderr, "medkeep demo: password hashing failed (out of memory?)\n");
		return 1;
	}
	struct id practice, other, clin_id;
	random_id(&practice);
	random_id(&other);
	char logins_path[4096];
	snprintf(logins_path, sizeof(logins_path), "%s/demo-logins.txt", dir);
	FILE *logins = fopen(logins_path, "w");
	if (logins == NULL || fchmod(fileno(logins), 0600) != 0) {
		fprintf(stderr, "medkeep demo: cannot write %s\n", logins_path);
		return 1;
	}
	fprintf(logins, "# medkeep demo logins (invented people; every password is the one given "
			"to medkeep demo)\n# email\tpassword\trole\ttotp secret (base32; staff)\n");
	int rc = 1;
	if (store_begin() != 0 || store_practice_create(&practice, demo_practice_name) != 0 ||
	    store_practice_create(&other, other_practice_name) != 0)
		goto out;
	if (seed_staff(hash, pw, &practice, &other, &clin_id, logins, &ar) != 0)
		goto out;
	struct actor clinician;
	actor_for(&clin_id, ROLE_CLINICIAN, &practice, NULL, &clinician);
	for (unsigned long i = 1; i <= (unsigned long)n_patients; i++) {
		if (seed_patient(i, &practice, &clinician, hash, pw, logins) != 0)
			goto out;
		if (i % 200 == 0 && (store_commit() != 0 || store_begin() != 0))
			goto out;
		progress("demo: patients", i, (unsigned long)n_patients);
	}
	if (demo_proxies(&practice, &clinician, (unsigned long)n_patients, logins) != 0)
		goto out;
	if (store_commit() != 0)
		goto out;
	/* The practices, for the operator's commands that take one (medkeep practices list). */
	char pid[ID_HEX_LEN + 1], oid[ID_HEX_LEN + 1];
	id_hex(&practice, pid);
	id_hex(&other, oid);
	fprintf(logins, "# practice\tid\tname\npractice\t%s\t%s\npractice\t%s\t%s\n", pid,
		demo_practice_name, oid, other_practice_name);
	rc = 0;
	printf("Demo data in %s (all passwords: the one you gave)\n", dir);
	printf("  clinician:  clinician1@demo.test (two-step sign-in: its TOTP secret is in the file below)\n");
	printf("  patients:   patient1@demo.test ... patient%lld@demo.test\n", (long long)n_patients);
	printf("  all logins: %s\n", logins_path);
out:
	if (rc != 0)
		fprintf(stderr, "\nmedkeep demo: failed while seeding\n");
	fclose(logins);
	arena_release(&ar);
	close_data_dir();
	return rc;
}
