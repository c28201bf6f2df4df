/* A way back from a lock (docs/internals/UNLOCK.md): breaker_release clears only a trip at or
 * before the time it is given; the vault clears a trip only for a reviewer's fresh token it
 * minted itself, or a ticket MACed with its own key and issued after the trip. */
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "limits.h"
#include "policy/policy.h"
#include "proc/msg.h"
#include "test.h"
#include "vault/breaker.h"
#include "vault/vault.h"
#include "vault/vault_int.h"

static void trip_by_misses(const struct id *acct, const struct id *ses, int64_t t)
{
	struct breaker_actor a = {.account = *acct, .session = *ses, .role = ROLE_PATIENT};
	for (int i = 0; i < 10 && !breaker_is_tripped(acct, NULL); i++)
		(void)breaker_miss(&a, t);
}

static void release_semantics(void)
{
	struct breaker_config c;
	breaker_defaults(&c);
	c.misses = 3;
	breaker_configure(&c);
	struct id acct, ses, ses2;
	random_id(&acct);
	random_id(&ses);
	random_id(&ses2);
	int64_t t = 2000000;
	trip_by_misses(&acct, &ses, t);
	CHECK(breaker_is_tripped(&acct, NULL));
	/* an authorisation from before the trip clears nothing */
	breaker_release(&acct, t - 1);
	CHECK(breaker_is_tripped(&acct, NULL));
	/* one from the trip on clears the account, and its counts start again */
	breaker_release(&acct, t + 5);
	CHECK(!breaker_is_tripped(&acct, NULL));
	/* (the session that tripped was revoked, and the vault refuses tokens issued before the
	 * unlock: vault_token_claims) */
	struct breaker_actor again = {.account = acct, .session = ses2, .role = ROLE_PATIENT};
	CHECK(breaker_miss(&again, t + 6) == BREAKER_OK);
	CHECK(breaker_miss(&again, t + 6) == BREAKER_OK);
	/* a later trip is not undone by the same old authorisation */
	trip_by_misses(&acct, &ses2, t + 100);
	CHECK(breaker_is_tripped(&acct, NULL));
	breaker_release(&acct, t + 5);
	CHECK(breaker_is_tripped(&acct, NULL));
	/* an account never seen: nothing happens */
	struct id nobody;
	random_id(&nobody);
	breaker_release(&nobody, t);
	CHECK(!breaker_is_tripped(&nobody, NULL));
}

static void token_for(enum role role, const struct id *account, const struct id *practice,
		      char token[SESSION_TOKEN_B64_LEN + 1])
{
	struct session_claims c;
	memset(&c, 0, sizeof(c));
	c.account = *account;
	c.role = role;
	if (practice) {
		c.has_practice = true;
		c.practice = *practice;
	}
	struct id sid;
	CHECK(vault_remint(&c, token, &sid) == ERR_OK); /* mfa set, issued now */
}

static void vault_paths(void)
{
	char dir[] = "/tmp/medkeep-unit-unlock-XXXXXX";
	CHECK(mkdtemp(dir) != NULL);
	CHECK(vault_create(dir) == 0 && vault_load(dir) == 0 && vault_keys_load(dir) == 0);
	struct breaker_config c;
	breaker_defaults(&c);
	c.misses = 3;
	breaker_configure(&c);
	int64_t now = (int64_t)time(NULL);
	struct id victim, ses, op, admin_a, admin_b, pa, pb, clin;
	random_id(&victim);
	random_id(&ses);
	random_id(&op);
	random_id(&admin_a);
	random_id(&admin_b);
	random_id(&pa);
	random_id(&pb);
	random_id(&clin);

	/* a clinician of practice A trips (the vault notes it from the tripping token) */
	struct session_claims cc;
	memset(&cc, 0, sizeof(cc));
	cc.account = clin;
	cc.session = ses;
	cc.role = ROLE_CLINICIAN;
	cc.has_practice = true;
	cc.practice = pa;
	trip_by_misses(&clin, &ses, now - 10);
	vault_trip_note(&cc);
	CHECK(breaker_is_tripped(&clin, NULL));
	char tok[SESSION_TOKEN_B64_LEN + 1];
	/* a patient, and the admin of another practice, are refused; the admin of A is not */
	token_for(ROLE_PATIENT, &victim, NULL, tok);
	CHECK(vault_local_unlock(tok, &clin, 0, NULL, 0) == ERR_DENIED);
	token_for(ROLE_PRACTICE_ADMIN, &admin_b, &pb, tok);
	CHECK(vault_local_unlock(tok, &clin, 0, NULL, 0) == ERR_DENIED);
	CHECK(breaker_is_tripped(&clin, NULL));
	token_for(ROLE_PRACTICE_ADMIN, &admin_a, &pa, tok);
	CHECK(vault_local_unlock(tok, &clin, 0, NULL, 0) == ERR_OK);
	CHECK(!breaker_is_tripped(&clin, NULL));
	/* nobody clears their own trip; a token that is not the vault's is nothing */
	struct id ses2, ses3;
	random_id(&ses2);
	random_id(&ses3);
	trip_by_misses(&clin, &ses2, now);
	token_for(ROLE_OPERATOR, &clin, NULL, tok);
	CHECK(vault_local_unlock(tok, &clin, 0, NULL, 0) == ERR_DENIED);
	token_for(ROLE_OPERATOR, &op, NULL, tok);
	tok[10] = tok[10] == 'A' ? 'B' : 'A';
	CHECK(vault_local_unlock(tok, &clin, 0, NULL, 0) == ERR_DENIED);
	CHECK(breaker_is_tripped(&clin, NULL));
	token_for(ROLE_OPERATOR, &op, NULL, tok);
	CHECK(vault_local_unlock(tok, &clin, 0, NULL, 0) == ERR_OK);
	CHECK(!breaker_is_tripped(&clin, NULL));

	/* an account the vault has no trip for (it restarted since): a fresh reviewer may lift the
	 * database's lock, nobody else */
	struct id quiet;
	random_id(&quiet);
	token_for(ROLE_PRACTICE_ADMIN, &admin_b, &pb, tok);
	CHECK(vault_local_unlock(tok, &quiet, 0, NULL, 0) == ERR_OK);
	token_for(ROLE_CLINICIAN, &clin, &pa, tok);
	CHECK(vault_local_unlock(tok, &quiet, 0, NULL, 0) == ERR_DENIED);

	/* tickets */
	trip_by_misses(&victim, &ses3, now - 5);
	uint8_t mac[UNLOCK_TICKET_MAC_BYTES], bad[UNLOCK_TICKET_MAC_BYTES];
	CHECK(vault_local_unlock_ticket(&victim, now - 20, mac) == ERR_OK);
	CHECK(vault_local_unlock(NULL, &victim, now - 20, mac, sizeof(mac)) == ERR_DENIED);
	CHECK(breaker_is_tripped(&victim, NULL)); /* genuine, but from before the trip */
	CHECK(vault_local_unlock_ticket(&victim, now, mac) == ERR_OK);
	memcpy(bad, mac, sizeof(bad));
	bad[0] ^= 1;
	CHECK(vault_local_unlock(NULL, &victim, now, bad, sizeof(bad)) == ERR_DENIED);
	CHECK(vault_local_unlock(NULL, &clin, now, mac, sizeof(mac)) == ERR_DENIED);
	CHECK(vault_local_unlock(NULL, &victim, now + 1, mac, sizeof(mac)) == ERR_DENIED);
	CHECK(vault_local_unlock(NULL, &victim, now, mac, 16) == ERR_DENIED);
	CHECK(breaker_is_tripped(&victim, NULL));
	/* the victim's tokens from before the unlock are ended in the vault too */
	char hash[PWHASH_STR_BYTES], before[SESSION_TOKEN_B64_LEN + 1], after[SESSION_TOKEN_B64_LEN + 1];
	CHECK(password_hash("pw-unit-unlock", 14, hash) == 0);
	struct session_claims vc;
	memset(&vc, 0, sizeof(vc));
	vc.account = victim;
	vc.role = ROLE_PATIENT;
	vc.issued = now - 100;
	CHECK(vault_local_login(hash, "pw-unit-unlock", 14, &vc, before) == 0);
	struct session_claims got;
	CHECK(vault_token_claims(before, strlen(before), &got) == 0);
	/* (the vault stamps a token's issue time itself: let a second pass, then unlock) */
	sleep(2);
	int64_t later = (int64_t)time(NULL);
	CHECK(vault_local_unlock_ticket(&victim, later, mac) == ERR_OK);
	CHECK(vault_local_unlock(NULL, &victim, later, mac, sizeof(mac)) == ERR_OK);
	CHECK(!breaker_is_tripped(&victim, NULL));
	CHECK(vault_token_claims(before, strlen(before), &got) != 0);
	vc.issued = now + 1;
	CHECK(vault_local_login(hash, "pw-unit-unlock", 14, &vc, after) == 0);
	CHECK(vault_token_claims(after, strlen(after), &got) == 0);
	/* a lapsed ticket (older than UNLOCK_TICKET_SECONDS) is refused, genuine or not */
	int64_t old = now - UNLOCK_TICKET_SECONDS - 10;
	CHECK(vault_local_unlock_ticket(&victim, old, mac) == ERR_OK);
	CHECK(vault_local_unlock(NULL, &victim, old, mac, sizeof(mac)) == ERR_DENIED);

	/* the frame: a ticket too long, or trailing bytes, is malformed (the worker is cut off) */
	static uint8_t req[MSG_MAX], out[MSG_MAX];
	struct msg_writer w;
	uint8_t longmac[64] = {0};
	msg_begin(&w, req, sizeof(req), VOP_UNLOCK);
	msg_put_str(&w, "");
	msg_put_id(&w, &victim);
	msg_put_u64(&w, (uint64_t)now);
	msg_put_bytes(&w, longmac, sizeof(longmac));
	size_t n = msg_finish(&w), out_len = 0;
	CHECK(vault_handle(req, n, out, &out_len) == -1);
	msg_begin(&w, req, sizeof(req), VOP_UNLOCK);
	msg_put_str(&w, "");
	msg_put_id(&w, &victim);
	msg_put_u64(&w, (uint64_t)now);
	msg_put_bytes(&w, mac, sizeof(mac));
	n = msg_finish(&w);
	CHECK(vault_handle(req, n, out, &out_len) == 0 && out_len > 0 && out[5] == ERR_DENIED);

	vault_keys_unload();
	vault_unload();
	char cmd[128];
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	CHECK(system(cmd) == 0);
}

/* Who may review which lock (policy_may_review_lock): actor x subject. */
static void review_policy(void)
{
	struct id pa, pb, me, other, patient;
	random_id(&pa);
	random_id(&pb);
	random_id(&me);
	random_id(&other);
	random_id(&patient);
	struct target at_a;
	memset(&at_a, 0, sizeof(at_a));
	at_a.exists = true;
	at_a.patient = patient;
	at_a.n_practices = 1;
	at_a.practices[0] = pa;
	struct target at_b = at_a;
	at_b.practices[0] = pb;
	struct actor op = {.account = me, .role = ROLE_OPERATOR, .mfa = true};
	struct actor admin = {.account = me, .role = ROLE_PRACTICE_ADMIN, .mfa = true,
			      .has_practice = true, .practice = pa};
	struct actor clin = {.account = me, .role = ROLE_CLINICIAN, .mfa = true, .has_practice = true,
			     .practice = pa};
	struct actor pat = {.account = me, .role = ROLE_PATIENT, .mfa = true};
	struct {
		const struct actor *a;
		enum role role;
		const struct id *practice;
		const struct target *t;
		bool want;
	} rows[] = {
		{&op, ROLE_PATIENT, NULL, &at_b, true},      {&op, ROLE_CLINICIAN, &pb, NULL, true},
		{&op, ROLE_OPERATOR, NULL, NULL, true},      {&admin, ROLE_PATIENT, NULL, &at_a, true},
		{&admin, ROLE_PATIENT, NULL, &at_b, false},  {&admin, ROLE_CLINICIAN, &pa, NULL, true},
		{&admin, ROLE_CLINICIAN, &pb, NULL, false},  {&admin, ROLE_OPERATOR, NULL, NULL, false},
		{&admin, ROLE_PATIENT, NULL, NULL, false},   {&clin, ROLE_PATIENT, NULL, &at_a, false},
		{&clin, ROLE_CLINICIAN, &pa, NULL, false},   {&pat, ROLE_PATIENT, NULL, &at_a, false},
		/* a practice system or HL7 feed: its own practice's admin, and the operator */
		{&admin, ROLE_SYSTEM, &pa, NULL, true},      {&admin, ROLE_SYSTEM, &pb, NULL, false},
		{&admin, ROLE_SYSTEM, NULL, NULL, false},    {&op, ROLE_SYSTEM, &pb, NULL, true},
		{&clin, ROLE_SYSTEM, &pa, NULL, false},
	};
	for (size_t i = 0; i < sizeof(rows) / sizeof(*rows); i++)
		CHECK(policy_may_review_lock(rows[i].a, &other, rows[i].role, rows[i].practice, rows[i].t) ==
		      rows[i].want);
	/* nobody their own; no second factor, nothing */
	CHECK(!policy_may_review_lock(&op, &me, ROLE_PATIENT, NULL, &at_a));
	struct actor op_nomfa = op;
	op_nomfa.mfa = false;
	CHECK(!policy_may_review_lock(&op_nomfa, &other, ROLE_PATIENT, NULL, &at_a));
	CHECK(policy_may_review_locks(&op) && policy_may_review_locks(&admin));
	CHECK(!policy_may_review_locks(&clin) && !policy_may_review_locks(&pat) &&
	      !policy_may_review_locks(&op_nomfa) && !policy_may_review_locks(NULL));
}

void test_unlock(void)
{
	review_policy();
	release_semantics();
	vault_paths();
}
