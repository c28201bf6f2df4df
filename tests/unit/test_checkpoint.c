/* Signed audit checkpoints: the signed message, key ids, and the trail with checkpoints
 * (made by count and on demand, kept across another process appending, and catching forged
 * checkpoints and deleted records). */
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "audit/audit.h"
#include "crypto/sign.h"
#include "store/store.h"
#include "test.h"
#include "vault/vault.h"

static void exec_sql(const char *dir, const char *sql)
{
	char path[512];
	snprintf(path, sizeof(path), "%s/audit.db", dir);
	sqlite3 *db = NULL;
	CHECK(sqlite3_open(path, &db) == SQLITE_OK);
	CHECK(sqlite3_exec(db, sql, NULL, NULL, NULL) == SQLITE_OK);
	sqlite3_close(db);
}

/* Another process's append: a record chained by hand onto the trail's head. */
static void foreign_append(const char *dir)
{
	struct audit_record r;
	memset(&r, 0, sizeof(r));
	CHECK(store_audit_last(&r.seq, r.prev) == ERR_OK);
	r.seq++;
	r.ts_ms = 1;
	snprintf(r.actor, sizeof(r.actor), "-");
	snprintf(r.session, sizeof(r.session), "-");
	snprintf(r.ip, sizeof(r.ip), "other-process");
	snprintf(r.action, sizeof(r.action), "backup");
	snprintf(r.patient, sizeof(r.patient), "-");
	snprintf(r.rtype, sizeof(r.rtype), "-");
	snprintf(r.rid, sizeof(r.rid), "-");
	snprintf(r.outcome, sizeof(r.outcome), "ok");
	audit_record_hash(&r, r.hash);
	char path[512], sql[1024], prev[2 * HASH_BYTES + 1], hash[2 * HASH_BYTES + 1];
	bytes_hex(r.prev, HASH_BYTES, prev);
	bytes_hex(r.hash, HASH_BYTES, hash);
	snprintf(path, sizeof(path), "%s/audit.db", dir);
	snprintf(sql, sizeof(sql),
		 "INSERT INTO audit VALUES (%lld, 1, '-', '-', 'other-process', 'backup', '-', '-',"
		 " '-', 'ok', 0, x'%s', x'%s', '')",
		 (long long)r.seq, prev, hash);
	exec_sql(dir, sql);
}

static int append(int n)
{
	struct actor a;
	memset(&a, 0, sizeof(a));
	memset(&a.account, 7, sizeof(a.account));
	snprintf(a.ip, sizeof(a.ip), "127.0.0.1");
	int rc = 0;
	for (int i = 0; i < n && rc == 0; i++) {
		struct audit_event e = {.actor = &a, .action = "patient.read", .rtype = "Patient",
					.outcome = AUDIT_ALLOW};
		rc = audit_append(&e);
	}
	return rc;
}

/* Verify chain and checkpoints of dir's trail as `audit verify` does. */
static int verify(const char *dir, const uint8_t pk[SIGN_PUBLIC_BYTES],
		  const struct audit_checkpoint *cps, size_t n, struct audit_checkpoint_result *cr)
{
	struct audit_verify_result r;
	int64_t last;
	uint8_t h[HASH_BYTES];
	CHECK(store_open_audit(dir) == ERR_OK);
	CHECK(store_audit_last(&last, h) == ERR_OK);
	int rc = audit_verify(&r, NULL);
	int crc = audit_verify_checkpoints(pk, cps, n, last, cr, NULL);
	store_close();
	return rc != 0 ? 10 + rc : crc;
}

static int collect(const struct audit_checkpoint *cp, void *arg)
{
	struct audit_checkpoint *list = arg;
	for (int i = 0; i < 16; i++)
		if (list[i].seq == 0) {
			list[i] = *cp;
			return 0;
		}
	return 1;
}

void test_checkpoint(void)
{
	/* The signed message: label, big-endian seq and time, head. */
	uint8_t seed[SIGN_SEED_BYTES], pk[SIGN_PUBLIC_BYTES], sk[SIGN_SECRET_BYTES];
	uint8_t head[HASH_BYTES], sig[SIGNATURE_BYTES], msg[CHECKPOINT_MSG_BYTES];
	memset(seed, 7, sizeof(seed));
	memset(head, 0xab, sizeof(head));
	sign_keypair_from_seed(seed, pk, sk);
	checkpoint_message(42, 1000, head, msg);
	CHECK(sizeof(msg) == 76);
	CHECK(memcmp(msg, "medkeep-audit-checkpoint-v1\0", 28) == 0);
	CHECK(msg[35] == 42 && msg[34] == 0 && msg[42] == 0x03 && msg[43] == 0xe8);
	CHECK(memcmp(msg + 44, head, HASH_BYTES) == 0);
	sign_detached(sk, msg, sizeof(msg), sig);
	CHECK(sign_verify(pk, msg, sizeof(msg), sig) == 0);
	msg[40] ^= 1;
	CHECK(sign_verify(pk, msg, sizeof(msg), sig) != 0);

	/* Key ids: one-way, separated by purpose, printable and parsed back exactly. */
	uint8_t id1[KEY_ID_BYTES], id2[KEY_ID_BYTES], back[KEY_ID_BYTES];
	char hex[KEY_ID_HEX_LEN + 1];
	key_id_of(pk, sizeof(pk), "one", id1);
	key_id_of(pk, sizeof(pk), "two", id2);
	CHECK(memcmp(id1, id2, KEY_ID_BYTES) != 0);
	key_id_hex(id1, hex);
	CHECK(strlen(hex) == KEY_ID_HEX_LEN && key_id_parse(hex, back) == 0);
	CHECK(memcmp(back, id1, KEY_ID_BYTES) == 0);
	CHECK(key_id_parse("0123", back) != 0 && key_id_parse("zz23456789abcdef", back) != 0);

	/* A data directory with keys, as init makes it. */
	char dir[] = "/tmp/medkeep-unit-cp-XXXXXX";
	CHECK(mkdtemp(dir) != NULL);
	CHECK(vault_create(dir) == 0 && vault_keys_create(dir) == 0);
	CHECK(store_open(dir, true) == ERR_OK);
	CHECK(vault_load(dir) == 0 && vault_keys_load(dir) == 0);
	CHECK(audit_init() == 0);
	uint8_t tpk[SIGN_PUBLIC_BYTES], tkid[KEY_ID_BYTES], rpk[SIGN_PUBLIC_BYTES];
	CHECK(vault_checkpoint_public_key(tpk, tkid) == 0);
	CHECK(vault_checkpoint_public_key_read(dir, rpk, tkid) == 0);
	CHECK(memcmp(tpk, rpk, sizeof(tpk)) == 0);

	CHECK(append(5) == 0);
	CHECK(audit_checkpoint() == 0);
	struct audit_checkpoint last;
	CHECK(store_audit_last_checkpoint(&last) == ERR_OK && last.seq == 5);
	/* nothing new: no second checkpoint of the same record */
	CHECK(audit_checkpoint() == 0);
	/* another process appends; this one, still holding the old head, chains onto the new */
	foreign_append(dir);
	CHECK(append(2) == 0);
	int64_t seq;
	uint8_t h[HASH_BYTES];
	CHECK(store_audit_last(&seq, h) == ERR_OK && seq == 8);
	CHECK(audit_checkpoint() == 0);
	CHECK(store_audit_last_checkpoint(&last) == ERR_OK && last.seq == 8);
	store_close();

	struct audit_checkpoint_result cr;
	CHECK(verify(dir, tpk, NULL, 0, &cr) == 0);
	CHECK(cr.last_seq == 8 && cr.checked >= 2 && cr.bad_seq == 0);

	/* The same checkpoints as a list (an exported file); under another key, they fail. */
	struct audit_checkpoint list[16];
	memset(list, 0, sizeof(list));
	CHECK(store_open_audit(dir) == ERR_OK);
	CHECK(store_audit_checkpoints_each(collect, list) == 0);
	store_close();
	size_t n = 0;
	while (n < 16 && list[n].seq != 0)
		n++;
	CHECK(verify(dir, tpk, list, n, &cr) == 0 && cr.last_seq == 8);
	CHECK(verify(dir, pk, list, n, &cr) == 1 && strstr(cr.reason, "another key") != NULL);
	/* out of order */
	if (n >= 2) {
		struct audit_checkpoint swap = list[0];
		list[0] = list[1];
		list[1] = swap;
		CHECK(verify(dir, tpk, list, n, &cr) == 1 && strstr(cr.reason, "order") != NULL);
	}

	/* The newest record deleted: the checkpoint over it says what is missing. */
	exec_sql(dir, "DELETE FROM audit WHERE seq = 8");
	CHECK(verify(dir, tpk, NULL, 0, &cr) == 1);
	CHECK(cr.bad_seq == 8 && cr.missing_from == 8 && cr.missing_to == 8);
	/* A forged checkpoint beyond the trail: its signature fails first. */
	exec_sql(dir, "DELETE FROM checkpoint WHERE seq = 8;"
		      "UPDATE checkpoint SET head = zeroblob(32) WHERE seq = 5");
	CHECK(verify(dir, tpk, NULL, 0, &cr) == 1 && cr.bad_seq == 5);
	CHECK(strstr(cr.reason, "signature") != NULL);

	vault_keys_unload();
	vault_unload();
	char cmd[600];
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	CHECK(system(cmd) == 0);
}
