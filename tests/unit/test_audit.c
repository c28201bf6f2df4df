/* The audit chain: intact verifies; changed, deleted or reordered records are named. */
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "audit/audit.h"
#include "limits.h"
#include "store/store.h"
#include "test.h"

static void tamper(const char *dir, const char *sql)
{
	char path[512];
	snprintf(path, sizeof(path), "%s/audit.db", dir);
	sqlite3 *db = NULL;
	CHECK(sqlite3_open(path, &db) == SQLITE_OK);
	CHECK(sqlite3_exec(db, sql, NULL, NULL, NULL) == SQLITE_OK);
	sqlite3_close(db);
}

static int64_t verify(const char *dir)
{
	struct audit_verify_result r;
	CHECK(store_open(dir, false) == ERR_OK);
	int rc = audit_verify(&r, NULL);
	store_close();
	return rc == 0 ? 0 : r.first_bad_seq;
}

static int64_t records_in(const char *dir)
{
	char path[512];
	snprintf(path, sizeof(path), "%s/audit.db", dir);
	sqlite3 *db = NULL;
	sqlite3_stmt *s = NULL;
	int64_t n = -1;
	CHECK(sqlite3_open(path, &db) == SQLITE_OK);
	if (sqlite3_prepare_v2(db, "SELECT count(*) FROM audit", -1, &s, NULL) == SQLITE_OK &&
	    sqlite3_step(s) == SQLITE_ROW)
		n = sqlite3_column_int64(s, 0);
	sqlite3_finalize(s);
	sqlite3_close(db);
	return n;
}

/* A tool's batch (medkeep import): records are held until audit_batch_commit, then written
 * together and chained as if appended one by one; a batch past LIMIT_AUDIT_BATCH is
 * committed as it fills, never dropped. */
static void batch(void)
{
	char dir[] = "/tmp/medkeep-unit-XXXXXX";
	CHECK(mkdtemp(dir) != NULL);
	CHECK(store_open(dir, true) == ERR_OK);
	CHECK(audit_init() == 0);
	struct id pat;
	memset(&pat, 8, sizeof(pat));
	struct audit_event e = {.action = "patient.enrol", .patient = &pat, .rtype = "Patient",
				.rid = &pat, .outcome = AUDIT_ALLOW, .via = "local", .ip = "local"};
	CHECK(audit_append(&e) == 0);
	int64_t before = records_in(dir);
	audit_batch_begin();
	for (int i = 0; i < 3; i++)
		CHECK(audit_append(&e) == 0);
	CHECK(records_in(dir) == before); /* held */
	CHECK(audit_batch_commit() == 0);
	CHECK(records_in(dir) == before + 3);
	for (unsigned i = 0; i < LIMIT_AUDIT_BATCH + 5; i++)
		CHECK(audit_append(&e) == 0);
	CHECK(records_in(dir) == before + 3 + (int64_t)LIMIT_AUDIT_BATCH); /* the full batch */
	CHECK(audit_batch_end() == 0);
	CHECK(records_in(dir) == before + 3 + (int64_t)LIMIT_AUDIT_BATCH + 5);
	CHECK(audit_append(&e) == 0); /* inline again */
	CHECK(records_in(dir) == before + 3 + (int64_t)LIMIT_AUDIT_BATCH + 6);
	store_close();
	CHECK(verify(dir) == 0);
	char cmd[600];
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	CHECK(system(cmd) == 0);
}

void test_audit(void)
{
	batch();
	char dir[] = "/tmp/medkeep-unit-XXXXXX";
	CHECK(mkdtemp(dir) != NULL);
	CHECK(store_open(dir, true) == ERR_OK);
	CHECK(audit_init() == 0);
	struct actor a;
	memset(&a, 0, sizeof(a));
	memset(&a.account, 7, sizeof(a.account));
	snprintf(a.ip, sizeof(a.ip), "127.0.0.1");
	struct id pat, doc;
	memset(&pat, 8, sizeof(pat));
	memset(&doc, 9, sizeof(doc));
	for (int i = 0; i < 5; i++) {
		struct audit_event e = {.actor = &a, .action = "document.read", .patient = &pat,
					.rtype = "Binary", .rid = &doc, .outcome = AUDIT_ALLOW,
					.bytes = 100 + i};
		CHECK(audit_append(&e) == 0);
	}
	store_close();
	CHECK(verify(dir) == 0);

	tamper(dir, "UPDATE audit SET bytes = 999 WHERE seq = 3");
	CHECK(verify(dir) == 3);
	tamper(dir, "UPDATE audit SET bytes = 102 WHERE seq = 3");
	CHECK(verify(dir) == 0);

	tamper(dir, "UPDATE audit SET outcome = 'deny' WHERE seq = 2");
	CHECK(verify(dir) == 2);
	tamper(dir, "UPDATE audit SET outcome = 'allow' WHERE seq = 2");

	/* reorder: swap the sequence numbers of records 4 and 5 */
	tamper(dir, "UPDATE audit SET seq = 100 WHERE seq = 4; UPDATE audit SET seq = 4 WHERE seq = 5;"
		    "UPDATE audit SET seq = 5 WHERE seq = 100");
	CHECK(verify(dir) == 4);
	tamper(dir, "UPDATE audit SET seq = 100 WHERE seq = 4; UPDATE audit SET seq = 4 WHERE seq = 5;"
		    "UPDATE audit SET seq = 5 WHERE seq = 100");
	CHECK(verify(dir) == 0);

	tamper(dir, "DELETE FROM audit WHERE seq = 2");
	CHECK(verify(dir) == 2);

	char cmd[600];
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	CHECK(system(cmd) == 0);
}
