/* Document keys in one message (VOP_DOC_KEYS): each job is answered on its own, in order, and
 * a frame with no jobs or too many is refused whole. */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "crypto/crypto.h"
#include "proc/msg.h"
#include "test.h"
#include "vault/vault.h"
#include "vault/vault_int.h"
#include "domain/vault_rows.h" /* vault_key_job_init from store rows */

struct job {
	struct id patient, doc;
	struct bytes wpk, wdk;
};

static size_t batch_frame(uint8_t *buf, const struct job *jobs, size_t n, size_t claimed)
{
	struct msg_writer w;
	msg_begin(&w, buf, MSG_MAX, VOP_DOC_KEYS);
	msg_put_u8(&w, (uint8_t)claimed);
	for (size_t i = 0; i < n; i++) {
		msg_put_str(&w, "");
		msg_put_id(&w, &jobs[i].patient);
		msg_put_bytes(&w, jobs[i].wpk.ptr, jobs[i].wpk.len);
		msg_put_id(&w, &jobs[i].doc);
		msg_put_bytes(&w, jobs[i].wdk.ptr, jobs[i].wdk.len);
		msg_put_u64(&w, 1000);
	}
	return msg_finish(&w);
}

void test_key_batch(void)
{
	char dir[] = "/tmp/medkeep-unit-batch-XXXXXX";
	CHECK(mkdtemp(dir) != NULL);
	CHECK(vault_create(dir) == 0 && vault_load(dir) == 0);
	struct arena ar;
	arena_init(&ar, 1 << 20);
	struct id patient, doc1, doc2;
	random_id(&patient);
	random_id(&doc1);
	random_id(&doc2);
	struct buf wpk, phi, wdk1, wdk2;
	buf_init(&wpk, &ar, 256);
	buf_init(&phi, &ar, 256);
	buf_init(&wdk1, &ar, 256);
	buf_init(&wdk2, &ar, 256);
	CHECK(vault_local_patient_create(&patient, "{}", 2, &wpk, &phi) == ERR_OK);
	struct bytes pk = {(const uint8_t *)wpk.data, wpk.len};
	struct key k1, k2;
	CHECK(vault_local_doc_new_key(NULL, &patient, pk, &doc1, &k1, &wdk1) == ERR_OK);
	CHECK(vault_local_doc_new_key(NULL, &patient, pk, &doc2, &k2, &wdk2) == ERR_OK);
	struct bytes d1 = {(const uint8_t *)wdk1.data, wdk1.len};
	struct bytes d2 = {(const uint8_t *)wdk2.data, wdk2.len};
	/* doc1; doc2's wrapped key presented as doc1's (the associated data must refuse it); doc2 */
	struct job jobs[3] = {{patient, doc1, pk, d1}, {patient, doc1, pk, d2}, {patient, doc2, pk, d2}};
	static uint8_t req[MSG_MAX], out[MSG_MAX];
	size_t n = batch_frame(req, jobs, 3, 3), out_len = 0;
	CHECK(n > 0 && vault_handle_lane(LANE_KEYS, req, n, out, &out_len) == 0);
	struct msg_reader r;
	uint8_t status = 9;
	CHECK(msg_open(&r, out, out_len, &status) == 0 && status == ERR_OK);
	const struct key *want[3] = {&k1, NULL, &k2};
	for (int i = 0; i < 3; i++) {
		uint8_t st = msg_get_u8(&r);
		CHECK(st == (want[i] ? ERR_OK : ERR_DENIED));
		if (want[i]) {
			const uint8_t *p = NULL;
			size_t pn = 0;
			msg_get_bytes(&r, &p, &pn, KEY_BYTES);
			CHECK(pn == KEY_BYTES && p && memcmp(p, want[i]->b, KEY_BYTES) == 0);
		}
	}
	CHECK(msg_end(&r) == 0);
	/* a count that does not match the jobs, none, or more than a batch: refused whole */
	n = batch_frame(req, jobs, 3, 2);
	CHECK(vault_handle_lane(LANE_KEYS, req, n, out, &out_len) != 0);
	n = batch_frame(req, jobs, 0, 0);
	CHECK(vault_handle_lane(LANE_KEYS, req, n, out, &out_len) != 0);
	struct job many[VAULT_BATCH_MAX + 1];
	for (size_t i = 0; i < VAULT_BATCH_MAX + 1; i++)
		many[i] = jobs[0];
	n = batch_frame(req, many, VAULT_BATCH_MAX + 1, VAULT_BATCH_MAX + 1);
	CHECK(n > 0 && vault_handle_lane(LANE_KEYS, req, n, out, &out_len) != 0);
	n = batch_frame(req, many, VAULT_BATCH_MAX, VAULT_BATCH_MAX);
	CHECK(n > 0 && vault_handle_lane(LANE_KEYS, req, n, out, &out_len) == 0);
	/* the worker's side asks nothing without a grant for the document's patient */
	struct store_patient sp = {.id = patient, .wrapped_key = pk};
	struct store_document sd1 = {.id = doc1, .patient = patient, .wrapped_key = d1, .size = 10};
	struct grant g;
	memset(&g, 0, sizeof(g));
	struct vault_key_job kj;
	CHECK(vault_key_job_init(&kj, NULL, &g, &sp, &sd1) == ERR_DENIED); /* no grant */
	key_wipe(&k1);
	key_wipe(&k2);
	arena_release(&ar);
	vault_unload();
	char path[256];
	const char *files[] = {"master.key", "index.key", "audit-signing.key"};
	for (size_t i = 0; i < 3; i++) {
		snprintf(path, sizeof(path), "%s/%s", dir, files[i]);
		unlink(path);
	}
	rmdir(dir);
}
