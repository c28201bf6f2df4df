/* The authorization table: actor x action x target -> expected decision. */
#include <stdio.h>
#include <string.h>

#include "limits.h"
#include "policy/policy.h"
#include "test.h"

enum who { PATIENT_SELF, PATIENT_OTHER, PROXY_DOCUMENTS, PROXY_ALL, PROXY_LAPSED, CLINICIAN_SAME,
	   CLINICIAN_OTHER, ADMIN_SAME, OPERATOR, NOBODY, SYSTEM_SAME, SYSTEM_OTHER, SYSTEM_RESULTS,
	   WHO_COUNT };

static struct id P, Q, A, B, ACCT;

static void make_actor(enum who w, struct actor *a)
{
	memset(a, 0, sizeof(*a));
	a->account = ACCT;
	switch (w) {
	case PATIENT_SELF:
		a->role = ROLE_PATIENT;
		a->has_patient = true;
		a->patient = A;
		break;
	case PATIENT_OTHER:
	case PROXY_DOCUMENTS:
	case PROXY_ALL:
	case PROXY_LAPSED:
		a->role = ROLE_PATIENT;
		a->has_patient = true;
		a->patient = B;
		break;
	case CLINICIAN_SAME:
		a->role = ROLE_CLINICIAN;
		a->has_practice = true;
		a->practice = P;
		a->mfa = true;
		break;
	case CLINICIAN_OTHER:
		a->role = ROLE_CLINICIAN;
		a->has_practice = true;
		a->practice = Q;
		a->mfa = true;
		break;
	case ADMIN_SAME:
		a->role = ROLE_PRACTICE_ADMIN;
		a->has_practice = true;
		a->practice = P;
		a->mfa = true;
		break;
	case OPERATOR:
		a->role = ROLE_OPERATOR;
		a->mfa = true;
		break;
	case SYSTEM_SAME:
	case SYSTEM_OTHER:
	case SYSTEM_RESULTS:
		a->role = ROLE_SYSTEM;
		a->has_practice = true;
		a->practice = w == SYSTEM_OTHER ? Q : P;
		a->mfa = true;
		a->system_scopes = w == SYSTEM_RESULTS ? SYSTEM_SCOPE_RESULT_WRITE : SYSTEM_SCOPE_ALL;
		break;
	case NOBODY:
	case WHO_COUNT:
		a->role = ROLE_NONE;
		break;
	}
}

static void test_policy_moves(const struct target *base);

void test_policy(void)
{
	memset(&P, 1, sizeof(P));
	memset(&Q, 2, sizeof(Q));
	memset(&A, 3, sizeof(A));
	memset(&B, 4, sizeof(B));
	memset(&ACCT, 5, sizeof(ACCT));
	policy_init();
	/* Patient A, enrolled at practice P. A proxy is another patient (B) whose live grants
	 * from A the domain layer has looked up into target.proxy_scopes. */
	struct target t = {.exists = true, .patient = A, .n_practices = 1, .practices = {P}};
	/*
	 * expected[who]: one character per action, in enum order:
	 *   patient.read | document list read create | result list read create release |
	 *   medication list create, repeat request decide | appointment list book cancel |
	 *   message list read send | proxy list grant revoke | accesslog.read | record.export |
	 *   patient.write | notice.prefs | recall set list | patient.contact.update |
	 *   summary list create
	 */
	static const char *const expected[WHO_COUNT] = {
		[PATIENT_SELF] = "1" "111" "1100" "1010" "111" "111" "111" "1" "1" "0" "1" "01" "1" "10",
		[PATIENT_OTHER] = "0" "000" "0000" "0000" "000" "000" "000" "0" "0" "0" "0" "00" "0" "00",
		[PROXY_DOCUMENTS] = "1" "111" "0000" "0000" "000" "000" "000" "0" "0" "0" "1" "00" "0" "00",
		[PROXY_ALL] = "1" "111" "1100" "1010" "111" "111" "000" "0" "0" "0" "1" "01" "1" "10",
		[PROXY_LAPSED] = "0" "000" "0000" "0000" "000" "000" "000" "0" "0" "0" "0" "00" "0" "00",
		[CLINICIAN_SAME] = "1" "111" "1111" "1101" "111" "111" "111" "0" "0" "1" "0" "11" "1" "11",
		[CLINICIAN_OTHER] = "0" "000" "0000" "0000" "000" "000" "000" "0" "0" "0" "0" "00" "0" "00",
		/* the register and the appointment book: demographics, nothing clinical */
		[ADMIN_SAME] = "1" "000" "0000" "0000" "000" "000" "000" "0" "0" "1" "0" "00" "1" "00",
		[OPERATOR] = "0" "000" "0000" "0000" "000" "000" "000" "0" "0" "0" "0" "00" "0" "00",
		[NOBODY] = "0" "000" "0000" "0000" "000" "000" "000" "0" "0" "0" "0" "00" "0" "00",
		/* a practice system keeps the register and files documents and results, within its
		 * scopes; it reads no clinical content and releases nothing */
		[SYSTEM_SAME] = "1" "001" "0010" "0000" "000" "000" "000" "0" "0" "1" "0" "00" "0" "01",
		[SYSTEM_OTHER] = "0" "000" "0000" "0000" "000" "000" "000" "0" "0" "0" "0" "00" "0" "00",
		[SYSTEM_RESULTS] = "0" "000" "0010" "0000" "000" "000" "000" "0" "0" "0" "0" "00" "0" "00",
	};
	static const unsigned scopes[WHO_COUNT] = {
		[PROXY_DOCUMENTS] = SCOPE_DOCUMENTS, [PROXY_ALL] = SCOPE_ALL,
		/* the clinician and the other patient hold no grant; a lapsed one reads as 0 */
	};
	for (int w = 0; w < WHO_COUNT; w++) {
		struct actor a;
		make_actor((enum who)w, &a);
		CHECK(strlen(expected[w]) == ACTION_LAST);
		for (enum action act = ACTION_PATIENT_READ; act <= ACTION_LAST; act++) {
			CHECK(strcmp(action_name(act), "unknown") != 0);
			struct target tw = t;
			tw.proxy_scopes = scopes[w];
			struct grant g;
			int rc = policy_decide(&a, act, &tw, &g);
			bool want = expected[w][act - 1] == '1';
			if ((rc == 0) != want)
				fprintf(stderr, "policy: who %d action %s: got %s\n", w, action_name(act),
					rc == 0 ? "allow" : "deny");
			CHECK((rc == 0) == want);
			/* Outside scope (403, not a miss) only for a proxy holding a live grant that
			 * leaves this out; everyone else who is refused is told "not found". */
			bool outside = policy_outside_scope(&a, act, &tw);
			CHECK(outside == (rc != 0 && (w == PROXY_DOCUMENTS || w == PROXY_ALL ||
						      w == ADMIN_SAME || w == SYSTEM_SAME)));
			if (rc == 0) {
				CHECK(grant_allows(&g, &A, act));
				CHECK(!grant_allows(&g, &B, act)); /* a grant is for one patient */
				CHECK(grant_for_patient(&g, &A));
				CHECK(grant_writes(&g, &A) == action_is_write(act));
				/* only staff see results before they are released */
				CHECK(g.sees_unreleased == (a.role == ROLE_CLINICIAN));
				CHECK(g.via == (w == PATIENT_SELF	  ? VIA_SELF
						: a.role == ROLE_PATIENT ? VIA_PROXY
						: a.role == ROLE_SYSTEM	 ? VIA_SYSTEM
									 : VIA_STAFF));
			} else {
				CHECK(!grant_for_patient(&g, &A)); /* deny leaves no usable grant */
			}
			/* a patient that does not exist is denied to everyone */
			struct target missing = tw;
			missing.exists = false;
			CHECK(policy_decide(&a, act, &missing, &g) != 0);
		}
	}
	/* the patient's own account holding a proxy grant to themself changes nothing */
	{
		struct actor self_proxy;
		make_actor(PATIENT_SELF, &self_proxy);
		struct target tp = t;
		tp.proxy_scopes = SCOPE_ALL;
		struct grant g;
		CHECK(policy_decide(&self_proxy, ACTION_RESULT_RELEASE, &tp, &g) != 0);
		CHECK(policy_decide(&self_proxy, ACTION_ACCESS_LOG_READ, &tp, &g) == 0 && g.via == VIA_SELF);
	}
	/* unknown actions deny; a grant forged by hand is not a grant */
	struct actor self;
	make_actor(PATIENT_SELF, &self);
	struct grant g;
	CHECK(policy_decide(&self, (enum action)99, &t, &g) != 0);
	CHECK(policy_decide(NULL, ACTION_PATIENT_READ, &t, &g) != 0);
	struct grant forged = {.seal = 12345, .action = ACTION_DOCUMENT_READ, .patient = A};
	CHECK(!grant_allows(&forged, &A, ACTION_DOCUMENT_READ));
	/* a grant for one action does not cover another */
	CHECK(policy_decide(&self, ACTION_DOCUMENT_LIST, &t, &g) == 0);
	CHECK(!grant_allows(&g, &A, ACTION_DOCUMENT_READ));
	/* which kinds each role may create */
	CHECK(policy_may_create_kind(&self, true));
	CHECK(!policy_may_create_kind(&self, false));
	struct actor clin;
	make_actor(CLINICIAN_SAME, &clin);
	CHECK(policy_may_create_kind(&clin, false));
	CHECK(!policy_may_create_kind(&clin, true));
	struct actor op;
	make_actor(OPERATOR, &op);
	CHECK(!policy_may_create_kind(&op, false) && !policy_may_create_kind(&op, true));
	/* staff without a second factor reach nothing; a patient does not need one (yet) */
	struct actor no_mfa;
	make_actor(CLINICIAN_SAME, &no_mfa);
	no_mfa.mfa = false;
	for (enum action act = ACTION_PATIENT_READ; act <= ACTION_LAST; act++)
		CHECK(policy_decide(&no_mfa, act, &t, &g) != 0);
	CHECK(policy_decide(&self, ACTION_DOCUMENT_READ, &t, &g) == 0);
	/* a practice that requires a second factor of its patients */
	{
		struct actor req;
		make_actor(PATIENT_SELF, &req);
		CHECK(!policy_needs_second_factor(&req));
		req.mfa_required = true;
		CHECK(policy_needs_second_factor(&req));
		CHECK(policy_decide(&req, ACTION_DOCUMENT_READ, &t, &g) != 0);
		req.mfa = true;
		CHECK(policy_decide(&req, ACTION_DOCUMENT_READ, &t, &g) == 0);
		struct actor admin, clin2;
		make_actor(ADMIN_SAME, &admin);
		make_actor(CLINICIAN_SAME, &clin2);
		CHECK(policy_needs_second_factor(&admin) && policy_needs_second_factor(&clin2));
		CHECK(policy_may_manage_practice(&admin, &P));
		CHECK(!policy_may_manage_practice(&admin, &Q));
		CHECK(!policy_may_manage_practice(&clin2, &P));
		admin.mfa = false;
		CHECK(!policy_may_manage_practice(&admin, &P));
	}
	/* step-up: a second factor within five minutes */
	{
		struct actor f;
		make_actor(PATIENT_SELF, &f);
		f.mfa = true;
		f.factor_at = 1000000;
		CHECK(policy_factor_fresh(&f, 1000000 + 10));
		CHECK(policy_factor_fresh(&f, 1000000 + STEP_UP_SECONDS));
		CHECK(!policy_factor_fresh(&f, 1000000 + STEP_UP_SECONDS + 1));
		f.mfa = false;
		CHECK(!policy_factor_fresh(&f, 1000000 + 10));
		f.mfa = true;
		f.factor_at = 0;
		CHECK(!policy_factor_fresh(&f, 10));
	}
	/* who may invite a patient to register: staff of a practice where they are enrolled */
	{
		struct actor who;
		make_actor(CLINICIAN_SAME, &who);
		CHECK(policy_may_invite(&who, &t));
		who.role = ROLE_PRACTICE_ADMIN;
		CHECK(policy_may_invite(&who, &t));
		who.mfa = false;
		CHECK(!policy_may_invite(&who, &t));
		make_actor(CLINICIAN_OTHER, &who);
		CHECK(!policy_may_invite(&who, &t));
		make_actor(OPERATOR, &who);
		CHECK(!policy_may_invite(&who, &t));
		make_actor(PATIENT_SELF, &who);
		CHECK(!policy_may_invite(&who, &t));
		make_actor(CLINICIAN_SAME, &who);
		struct target gone = t;
		gone.exists = false;
		CHECK(!policy_may_invite(&who, &gone));
		CHECK(!policy_may_invite(NULL, &t) && !policy_may_invite(&who, NULL));
	}
	/* a patient enrolled at several practices is reachable from each */
	struct target multi = {.exists = true, .patient = A, .n_practices = 2, .practices = {Q, P}};
	CHECK(policy_decide(&clin, ACTION_DOCUMENT_READ, &multi, &g) == 0);
	/* results: who sees the practice's inbox, who sets its release rules, and who chooses to
	 * wait for the clinician's comment */
	for (int w = 0; w < WHO_COUNT; w++) {
		struct actor a;
		make_actor((enum who)w, &a);
		CHECK(policy_may_view_result_inbox(&a) == (w == CLINICIAN_SAME || w == CLINICIAN_OTHER));
		CHECK(policy_may_manage_result_rules(&a) ==
		      (w == CLINICIAN_SAME || w == CLINICIAN_OTHER || w == ADMIN_SAME));
		a.mfa = false;
		CHECK(!policy_may_view_result_inbox(&a) && !policy_may_manage_result_rules(&a));
		struct target tw = t;
		tw.proxy_scopes = w == PROXY_ALL ? SCOPE_ALL : 0;
		a.mfa = true;
		bool allowed = policy_decide(&a, ACTION_RESULT_LIST, &tw, &g) == 0;
		CHECK(policy_may_set_result_preference(allowed ? &g : NULL) == (w == PATIENT_SELF));
	}
	CHECK(!policy_may_view_result_inbox(NULL) && !policy_may_manage_result_rules(NULL));
	CHECK(!policy_may_set_result_preference(&forged));
	test_policy_moves(&t);
}

/* A patient who moved to practice P at time 1000 without sharing: P's staff and systems see
 * what was made from then on, the patient sees everything, another practice nothing. */
static void test_policy_moves(const struct target *base)
{
	struct target moved = *base;
	moved.history_from[0] = 1000;
	struct grant g;
	struct actor a;
	for (int w = 0; w < WHO_COUNT; w++) {
		make_actor((enum who)w, &a);
		moved.proxy_scopes = w == PROXY_ALL ? SCOPE_ALL : 0;
		struct target unmoved = *base;
		unmoved.proxy_scopes = moved.proxy_scopes;
		bool practice_side = w == CLINICIAN_SAME || w == SYSTEM_SAME;
		for (int64_t created = 0; created <= 2000; created += 999) {
			moved.created = created;
			enum action act = w == SYSTEM_SAME ? ACTION_DOCUMENT_CREATE : ACTION_DOCUMENT_READ;
			bool before = policy_decide(&a, act, &unmoved, &g) == 0;
			bool now = policy_decide(&a, act, &moved, &g) == 0;
			/* created 0 is the record as a whole (or a new row): never hidden */
			bool hidden = practice_side && created != 0 && created < 1000;
			CHECK(now == (before && !hidden));
			if (now)
				CHECK(g.visible_from == (practice_side ? 1000 : 0));
		}
	}
	/* grant_shows is what the store filters lists with */
	make_actor(CLINICIAN_SAME, &a);
	moved.created = 0;
	CHECK(policy_decide(&a, ACTION_DOCUMENT_LIST, &moved, &g) == 0);
	CHECK(!grant_shows(&g, 999) && grant_shows(&g, 1000) && grant_shows(&g, 5000));
	moved.history_from[0] = 0; /* shared */
	CHECK(policy_decide(&a, ACTION_DOCUMENT_LIST, &moved, &g) == 0);
	CHECK(grant_shows(&g, 1) && !grant_shows(NULL, 1));
	/* who asks, who decides, who shares */
	struct actor patient, other_patient, clin_p, clin_q, admin_q, sys;
	make_actor(PATIENT_SELF, &patient);
	make_actor(PATIENT_OTHER, &other_patient);
	make_actor(CLINICIAN_SAME, &clin_p);
	make_actor(CLINICIAN_OTHER, &clin_q);
	make_actor(SYSTEM_SAME, &sys);
	admin_q = clin_q;
	admin_q.role = ROLE_PRACTICE_ADMIN;
	CHECK(policy_may_ask_transfer(&clin_q, &Q) && policy_may_ask_transfer(&admin_q, &Q));
	CHECK(!policy_may_ask_transfer(&clin_q, &P) && !policy_may_ask_transfer(&sys, &P));
	CHECK(!policy_may_ask_transfer(&patient, &P));
	/* A moving from P to Q: A, or P's staff, decide; Q (who asked) never */
	CHECK(policy_may_decide_transfer(&patient, &A, &P));
	CHECK(policy_may_decide_transfer(&clin_p, &A, &P));
	CHECK(!policy_may_decide_transfer(&clin_q, &A, &P) && !policy_may_decide_transfer(&admin_q, &A, &P));
	CHECK(!policy_may_decide_transfer(&other_patient, &A, &P));
	CHECK(!policy_may_decide_transfer(&sys, &A, &P) && !policy_may_decide_transfer(&clin_p, &A, NULL));
	clin_p.mfa = false;
	CHECK(!policy_may_decide_transfer(&clin_p, &A, &P));
	struct actor app = patient;
	app.app = true;
	CHECK(policy_may_share_history(&patient, &A) && !policy_may_share_history(&app, &A));
	CHECK(!policy_may_share_history(&other_patient, &A) && !policy_may_share_history(&clin_q, &A));
}
