/* The message rules of the gate: who sees a practice's inbox, and which threads staff reach. */
#include <stdio.h>
#include <string.h>

#include "policy/policy.h"
#include "test.h"

void test_inbox(void)
{
	struct id practice, other, patient;
	memset(&practice, 0x11, sizeof(practice));
	memset(&other, 0x22, sizeof(other));
	memset(&patient, 0x33, sizeof(patient));
	policy_init();

	struct actor clin = {.role = ROLE_CLINICIAN, .has_practice = true, .practice = practice, .mfa = true};
	struct actor clin_no_mfa = clin;
	clin_no_mfa.mfa = false;
	struct actor admin = {.role = ROLE_PRACTICE_ADMIN, .has_practice = true, .practice = practice, .mfa = true};
	struct actor op = {.role = ROLE_OPERATOR, .mfa = true};
	struct actor self = {.role = ROLE_PATIENT, .has_patient = true, .patient = patient};
	CHECK(policy_may_view_inbox(&clin));
	CHECK(!policy_may_view_inbox(&clin_no_mfa));
	CHECK(!policy_may_view_inbox(&admin));
	CHECK(!policy_may_view_inbox(&op));
	CHECK(!policy_may_view_inbox(&self));
	CHECK(!policy_may_view_inbox(NULL));

	/* A patient enrolled at both practices: the gate lets both clinicians in, but a thread
	 * with one practice is that practice's alone. */
	struct target t = {.exists = true, .patient = patient, .n_practices = 2, .practices = {practice, other}};
	struct actor clin_other = clin;
	clin_other.practice = other;
	struct grant g;
	CHECK(policy_decide(&clin, ACTION_MESSAGE_READ, &t, &g) == 0);
	CHECK(policy_thread_in_reach(&clin, &g, &practice));
	CHECK(!policy_thread_in_reach(&clin, &g, &other));
	CHECK(policy_decide(&clin_other, ACTION_MESSAGE_READ, &t, &g) == 0);
	CHECK(!policy_thread_in_reach(&clin_other, &g, &practice));
	CHECK(policy_decide(&self, ACTION_MESSAGE_READ, &t, &g) == 0);
	CHECK(policy_thread_in_reach(&self, &g, &practice) && policy_thread_in_reach(&self, &g, &other));
	/* a proxy within the messages scope reaches the patient's threads, without it nothing */
	struct actor proxy = {.role = ROLE_PATIENT, .has_patient = true, .patient = other};
	struct target tp = t;
	tp.proxy_scopes = SCOPE_MESSAGES;
	CHECK(policy_decide(&proxy, ACTION_MESSAGE_SEND, &tp, &g) == 0 && g.via == VIA_PROXY);
	CHECK(policy_thread_in_reach(&proxy, &g, &practice));
	tp.proxy_scopes = SCOPE_DOCUMENTS;
	CHECK(policy_decide(&proxy, ACTION_MESSAGE_READ, &tp, &g) != 0);
	/* no grant, no reach */
	CHECK(!policy_thread_in_reach(&clin, NULL, &practice));
	/* only the patient reads their own access log and exports their record */
	CHECK(policy_decide(&self, ACTION_ACCESS_LOG_READ, &t, &g) == 0);
	CHECK(policy_decide(&clin, ACTION_ACCESS_LOG_READ, &t, &g) != 0);
	tp.proxy_scopes = SCOPE_ALL;
	CHECK(policy_decide(&proxy, ACTION_ACCESS_LOG_READ, &tp, &g) != 0);
	CHECK(policy_decide(&proxy, ACTION_RECORD_EXPORT, &tp, &g) != 0);
	CHECK(policy_decide(&admin, ACTION_MESSAGE_LIST, &t, &g) != 0);
}

/* The access log folds runs of one access, and the patient's own looks at the log. */
#include "domain/accesslog.h"

static struct access_entry entry(const char *actor, const char *action, enum access_via via,
				 int64_t ms, int64_t seq)
{
	struct access_entry e;
	memset(&e, 0, sizeof(e));
	snprintf(e.actor, sizeof(e.actor), "%s", actor);
	snprintf(e.session, sizeof(e.session), "s-%s", actor);
	snprintf(e.action, sizeof(e.action), "%s", action);
	snprintf(e.rtype, sizeof(e.rtype), "DocumentReference");
	snprintf(e.outcome, sizeof(e.outcome), "allow");
	e.via = via;
	e.newest_ms = e.oldest_ms = ms;
	e.seq = seq;
	e.count = 1;
	e.allowed = true;
	return e;
}

void test_accesslog_fold(void)
{
	/* newest first, as the store returns them */
	struct access_entry in[] = {
		entry("me", "accesslog.read", ACCESS_SELF, 100000, 9),
		entry("doc", "document.list", ACCESS_STAFF, 90000, 8),
		entry("doc", "document.list", ACCESS_STAFF, 89000, 7),
		entry("me", "accesslog.read", ACCESS_SELF, 80000, 6),
		entry("doc", "document.list", ACCESS_STAFF, 79000, 5),
		entry("doc", "document.list", ACCESS_STAFF, 79000 - 11 * 60 * 1000, 4), /* too far */
		entry("me", "document.read", ACCESS_SELF, 10000, 3),
		entry("me", "accesslog.read", ACCESS_SELF, 5000, 2),
	};
	struct arena ar;
	arena_init(&ar, 1u << 20);
	struct access_entry *out = NULL;
	size_t n = 0;
	CHECK(accesslog_fold(in, sizeof(in) / sizeof(*in), &ar, &out, &n) == ERR_OK);
	CHECK(n == 4);
	if (n == 4) {
		/* every look at the log, in one line at the newest */
		CHECK(strcmp(out[0].action, "accesslog.read") == 0 && out[0].count == 3);
		CHECK(out[0].newest_ms == 100000 && out[0].oldest_ms == 5000);
		/* the run of the clinician's lists, broken by nothing but the patient's own look */
		CHECK(strcmp(out[1].action, "document.list") == 0 && out[1].count == 3);
		CHECK(out[1].seq == 5);
		/* more than ten minutes later is another line */
		CHECK(strcmp(out[2].action, "document.list") == 0 && out[2].count == 1);
		CHECK(strcmp(out[3].action, "document.read") == 0);
	}
	CHECK(strcmp(access_via_label(ACCESS_BREAK_GLASS), "Break-glass") == 0);
	arena_release(&ar);
}
