/* The vault's key ring and rotation: which master key wraps each patient key, rewrapping,
 * the files a rotation leaves behind, and the keys a rotation must not change. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "store/store.h"
#include "test.h"
#include "vault/vault.h"
#include "vault/vault_int.h"

static bool exists(const char *dir, const char *name)
{
	char p[512];
	struct stat st;
	snprintf(p, sizeof(p), "%s/%s", dir, name);
	return stat(p, &st) == 0;
}

static int mode_of(const char *dir, const char *name)
{
	char p[512];
	struct stat st;
	snprintf(p, sizeof(p), "%s/%s", dir, name);
	return stat(p, &st) == 0 ? (int)(st.st_mode & 0777) : -1;
}

static struct bytes as_bytes(const struct buf *b)
{
	return (struct bytes){(const uint8_t *)b->data, b->len};
}

/* Unwrap and compare with the expected patient key. */
static bool opens_to(const struct id *p, const struct buf *w, const struct key *want)
{
	struct key k;
	if (vault_patient_key_unwrap(p, (const uint8_t *)w->data, w->len, &k) != 0)
		return false;
	bool same = memcmp(k.b, want->b, KEY_BYTES) == 0;
	key_wipe(&k);
	return same;
}

void test_keys(void)
{
	char dir[] = "/tmp/medkeep-unit-keys-XXXXXX";
	CHECK(mkdtemp(dir) != NULL);
	CHECK(vault_create(dir) == 0);
	CHECK(vault_load(dir) == 0);
	/* No index.key yet (a data directory from before it): derived from the master key. */
	CHECK(vault_keys_load(dir) == 0);
	CHECK(exists(dir, "audit-signing.key") && mode_of(dir, "audit-signing.key") == 0600);
	CHECK(!exists(dir, "index.key"));
	uint8_t idx_before[KEY_ID_BYTES], nhi_before[HASH_BYTES], m1[KEY_ID_BYTES];
	vault_index_key_id(idx_before);
	CHECK(vault_blind_index("nhi", "ZAA0067", nhi_before) == 0);
	vault_master_key_id(m1);

	struct arena a;
	arena_init(&a, 1u << 20);
	struct id p, q;
	random_id(&p);
	random_id(&q);
	struct buf wk, phi;
	buf_init(&wk, &a, 256);
	buf_init(&phi, &a, 4096);
	CHECK(vault_patient_create(&p, "{}", 2, &wk, &phi) == 0);
	/* format byte, then the id of the master key that wraps it */
	CHECK(wk.len == 1 + KEY_ID_BYTES + envelope_overhead() + KEY_BYTES);
	CHECK((uint8_t)wk.data[0] == 0x02 && memcmp(wk.data + 1, m1, KEY_ID_BYTES) == 0);
	struct key pk;
	CHECK(vault_patient_key_unwrap(&p, (const uint8_t *)wk.data, wk.len, &pk) == 0);
	/* bound to its patient: the same bytes do not open for another */
	CHECK(!opens_to(&q, &wk, &pk));
	/* a key from before the keystore: a bare envelope under the master key */
	struct buf legacy;
	buf_init(&legacy, &a, 256);
	char ad[128];
	vault_ad(ad, "patient-key", &p, NULL);
	CHECK(key_wrap(vault_master(), ad, &pk, &legacy) == 0);
	CHECK(opens_to(&p, &legacy, &pk));

	/* A rotation begins: master.key.next, and index.key written out as it was. */
	uint8_t old_id[KEY_ID_BYTES], new_id[KEY_ID_BYTES], again[KEY_ID_BYTES];
	bool resumed = true;
	CHECK(vault_rotation_prepare(old_id, new_id, &resumed) == 0 && !resumed);
	CHECK(memcmp(old_id, m1, KEY_ID_BYTES) == 0 && memcmp(new_id, m1, KEY_ID_BYTES) != 0);
	CHECK(exists(dir, "master.key.next") && mode_of(dir, "master.key.next") == 0600);
	CHECK(exists(dir, "index.key") && mode_of(dir, "index.key") == 0600);
	uint8_t idx_mid[KEY_ID_BYTES];
	vault_index_key_id(idx_mid);
	CHECK(memcmp(idx_mid, idx_before, KEY_ID_BYTES) == 0);
	CHECK(vault_rotation_prepare(old_id, again, &resumed) == 0 && resumed);
	CHECK(memcmp(again, new_id, KEY_ID_BYTES) == 0);
	uint8_t next_id[KEY_ID_BYTES];
	CHECK(vault_next_key_id(next_id) == 0 && memcmp(next_id, new_id, KEY_ID_BYTES) == 0);

	/* While it runs, new patient keys go under the new key. */
	struct buf wk2;
	buf_init(&wk2, &a, 256);
	buf_init(&phi, &a, 4096);
	CHECK(vault_patient_create(&q, "{}", 2, &wk2, &phi) == 0);
	CHECK(memcmp(wk2.data + 1, new_id, KEY_ID_BYTES) == 0);

	/* Rewrap old to new, once; legacy keys too; never to a key that is not loaded. */
	struct buf rw, rw2, rl, none;
	buf_init(&rw, &a, 256);
	buf_init(&rw2, &a, 256);
	buf_init(&rl, &a, 256);
	buf_init(&none, &a, 256);
	CHECK(vault_patient_key_rewrap(&p, as_bytes(&wk), new_id, &rw) == 0);
	CHECK(rw.len == wk.len && memcmp(rw.data + 1, new_id, KEY_ID_BYTES) == 0);
	CHECK(opens_to(&p, &rw, &pk));
	CHECK(vault_patient_key_rewrap(&p, as_bytes(&rw), new_id, &rw2) == 1 && rw2.len == 0);
	CHECK(vault_patient_key_rewrap(&p, as_bytes(&legacy), new_id, &rl) == 0);
	CHECK(opens_to(&p, &rl, &pk));
	uint8_t bogus[KEY_ID_BYTES] = {1, 2, 3, 4, 5, 6, 7, 8};
	CHECK(vault_patient_key_rewrap(&p, as_bytes(&wk), bogus, &none) == -1 && none.len == 0);
	CHECK(vault_patient_key_rewrap(&q, as_bytes(&wk), new_id, &none) == -1);
	/* a wrapped key naming a master key nobody has does not open */
	struct buf forged;
	buf_init(&forged, &a, 256);
	buf_append(&forged, rw.data, rw.len);
	forged.data[3] ^= 0x55;
	CHECK(!opens_to(&p, &forged, &pk));

	/* The end: master.key.next replaces master.key. */
	CHECK(vault_rotation_commit() == 0);
	CHECK(!exists(dir, "master.key.next") && mode_of(dir, "master.key") == 0600);
	vault_keys_unload();
	vault_unload();
	CHECK(vault_load(dir) == 0 && vault_keys_load(dir) == 0);
	uint8_t m2[KEY_ID_BYTES];
	vault_master_key_id(m2);
	CHECK(memcmp(m2, new_id, KEY_ID_BYTES) == 0);
	CHECK(opens_to(&p, &rw, &pk) && opens_to(&p, &rl, &pk));
	struct key qk;
	CHECK(vault_patient_key_unwrap(&q, (const uint8_t *)wk2.data, wk2.len, &qk) == 0);
	key_wipe(&qk);
	/* the old master key is gone: what it wrapped no longer opens */
	CHECK(!opens_to(&p, &wk, &pk) && !opens_to(&p, &legacy, &pk));
	/* and the blind index did not move */
	uint8_t idx_after[KEY_ID_BYTES], nhi_after[HASH_BYTES];
	vault_index_key_id(idx_after);
	CHECK(vault_blind_index("nhi", "ZAA0067", nhi_after) == 0);
	CHECK(memcmp(idx_after, idx_before, KEY_ID_BYTES) == 0);
	CHECK(memcmp(nhi_after, nhi_before, HASH_BYTES) == 0);

	/* Key copies: 0600 files, checked against the source; refused during a rotation. */
	char copy[] = "/tmp/medkeep-unit-keycopy-XXXXXX";
	CHECK(mkdtemp(copy) != NULL);
	CHECK(vault_key_files_copy(dir, copy) == 0);
	CHECK(vault_key_files_check(dir, copy) == 0);
	CHECK(mode_of(copy, "master.key") == 0600 && mode_of(copy, "index.key") == 0600 &&
	      mode_of(copy, "audit-signing.key") == 0600);
	bool r2;
	uint8_t o2[KEY_ID_BYTES], n2[KEY_ID_BYTES];
	CHECK(vault_rotation_prepare(o2, n2, &r2) == 0);
	CHECK(vault_key_files_check(dir, copy) != 0);
	CHECK(vault_key_files_copy(dir, copy) != 0);

	key_wipe(&pk);
	arena_release(&a);
	vault_keys_unload();
	vault_unload();
	char cmd[600];
	snprintf(cmd, sizeof(cmd), "rm -rf '%s' '%s'", dir, copy);
	CHECK(system(cmd) == 0);
}
