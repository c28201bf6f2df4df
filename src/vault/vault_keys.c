/*
 * Key lifecycle in the vault: which master key wraps each patient key (so a rotation can run
 * while `serve` reads), the long-lived blind-index key, the audit signing key, and the steps
 * of a rotation and of a key copy that touch key files. Like vault.c, it holds keys only in
 * sodium_malloc memory, hands none of them out, and reads no database: callers bring the
 * wrapped keys (from the keystore, through src/store) and take wrapped keys back.
 *
 * Files of a data directory that this code reads or writes (all 32 bytes, mode 0600):
 *   master.key         the master key (vault.c loads it)
 *   master.key.next    the master key a rotation is moving to (exists only during one)
 *   index.key          the blind-index key (NHI lookups, throttle keys)
 *   audit-signing.key  the Ed25519 seed that signs audit checkpoints
 *
 * Why index.key and audit-signing.key are files of their own rather than derived from the
 * master key: both must outlive a master key rotation. A blind index derived from the master
 * key would change with it, and every stored NHI index would have to be recomputed (from
 * decrypted demographics) while `serve` looks patients up by the old one. The signing key is
 * the trail's identity: third parties pin its public key (audit export-checkpoints), and
 * checkpoints signed before a rotation must still verify after it. Neither encrypts anything,
 * so rotating the data keys has no reason to touch them; both are copied with the master key
 * (vault_key_files_copy) and never leave src/vault otherwise.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <sodium.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "crypto/sign.h"
#include "util/log.h"
#include "util/wipe.h"
#include "vault/vault.h"
#include "vault/vault_int.h"

#define MASTER_FILE "master.key"
#define NEXT_FILE "master.key.next"
#define INDEX_FILE "index.key"
#define SIGNING_FILE "audit-signing.key"

/* A wrapped patient key: format byte, the id of the master key that wraps it, then the
 * envelope (crypto.h) around the 32-byte key. The id lets the reader pick the right master
 * key while a rotation has rewrapped some rows and not others. */
#define WRAP_FORMAT 0x02
#define WRAP_HEAD (1 + KEY_ID_BYTES)

#define MASTER_ID_PURPOSE "medkeep/master-key-id/v1"
#define INDEX_ID_PURPOSE "medkeep/index-key-id/v1"
#define SIGNING_ID_PURPOSE "medkeep/audit-signing-key-id/v1"

static char key_dir[4096];

/*
 * Master keys other than the one vault.c loaded: master.key.next during a rotation, or the
 * new master.key once a rotation finished while this process ran. Entries are only added
 * (under ring_lock) and published with a release store of ring_n, so readers scan without a
 * lock; they are freed only by vault_keys_unload.
 */
#define RING_MAX 8
struct ring_entry {
	struct key *k;
	uint8_t id[KEY_ID_BYTES];
};
static struct ring_entry ring[RING_MAX];
static int ring_n;
static pthread_mutex_t ring_lock = PTHREAD_MUTEX_INITIALIZER;
static int64_t last_refresh; /* seconds; the read path looks at the files at most once a second */

static struct key *index_key; /* NULL: derived from the master key (data from before index.key) */

static uint8_t *sign_sk; /* sodium_malloc, read-only once loaded */
static uint8_t sign_pk[SIGN_PUBLIC_BYTES];
static uint8_t sign_kid[KEY_ID_BYTES];

static int path_in(const char *dir, const char *name, char *out, size_t outsz)
{
	return (size_t)snprintf(out, outsz, "%s/%s", dir, name) < outsz ? 0 : -1;
}

static int fsync_dir(const char *dir)
{
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	int rc = fsync(fd);
	close(fd);
	return rc;
}

/* Read a 32-byte key file of mode 0600. 0 read, 1 no such file, -1 unreadable or unsafe. */
static int read_key_file(const char *dir, const char *name, uint8_t out[KEY_BYTES])
{
	char path[4096];
	if (path_in(dir, name, path, sizeof(path)) != 0)
		return -1;
	int fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return errno == ENOENT ? 1 : -1;
	struct stat st;
	ssize_t r = -1;
	if (fstat(fd, &st) == 0 && (st.st_mode & 077) == 0 && st.st_size == KEY_BYTES)
		r = read(fd, out, KEY_BYTES);
	close(fd);
	if (r != KEY_BYTES) {
		wipe(out, KEY_BYTES);
		log_warn("component=vault error=\"%s must be a 32-byte file of mode 0600\"", name);
		return -1;
	}
	return 0;
}

/*
 * Write a key file atomically: a temporary file (0600), synced, renamed over name, and the
 * directory synced. With exclusive set, refuse when name exists already.
 */
static int write_key_file(const char *dir, const char *name, const uint8_t *k, size_t n,
			  bool exclusive)
{
	char path[4096], tmp[4096];
	if (path_in(dir, name, path, sizeof(path)) != 0 ||
	    (size_t)snprintf(tmp, sizeof(tmp), "%s.tmp", path) >= sizeof(tmp))
		return -1;
	struct stat st;
	if (exclusive && lstat(path, &st) == 0)
		return -1;
	unlink(tmp);
	int fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd < 0)
		return -1;
	ssize_t w = write(fd, k, n);
	int ok = w == (ssize_t)n && fsync(fd) == 0;
	close(fd);
	if (!ok || rename(tmp, path) != 0 || fsync_dir(dir) != 0) {
		unlink(tmp);
		return -1;
	}
	return 0;
}

static void master_id_of(const struct key *k, uint8_t out[KEY_ID_BYTES])
{
	key_id_of(k->b, KEY_BYTES, MASTER_ID_PURPOSE, out);
}

void vault_master_key_id(uint8_t out[KEY_ID_BYTES])
{
	master_id_of(vault_master(), out);
}

/* The master key with this id, or NULL. */
static const struct key *ring_find(const uint8_t id[KEY_ID_BYTES])
{
	uint8_t mid[KEY_ID_BYTES];
	vault_master_key_id(mid);
	if (memcmp(mid, id, KEY_ID_BYTES) == 0)
		return vault_master();
	int n = __atomic_load_n(&ring_n, __ATOMIC_ACQUIRE);
	for (int i = 0; i < n; i++)
		if (memcmp(ring[i].id, id, KEY_ID_BYTES) == 0)
			return ring[i].k;
	return NULL;
}

/* Add a key to the ring unless known; call with ring_lock held. */
static int ring_add(const uint8_t raw[KEY_BYTES], uint8_t id_out[KEY_ID_BYTES])
{
	struct key tmp;
	memcpy(tmp.b, raw, KEY_BYTES);
	master_id_of(&tmp, id_out);
	key_wipe(&tmp);
	if (ring_find(id_out) != NULL)
		return 0;
	if (ring_n == RING_MAX) {
		log_warn("component=vault error=\"too many master keys loaded; restart to drop old ones\"");
		return -1;
	}
	struct key *k = sodium_malloc(sizeof(*k));
	if (k == NULL)
		return -1;
	memcpy(k->b, raw, KEY_BYTES);
	sodium_mprotect_readonly(k);
	ring[ring_n].k = k;
	memcpy(ring[ring_n].id, id_out, KEY_ID_BYTES);
	__atomic_store_n(&ring_n, ring_n + 1, __ATOMIC_RELEASE);
	return 0;
}

struct file_keys {
	bool has_next, has_current;
	uint8_t next_id[KEY_ID_BYTES], current_id[KEY_ID_BYTES];
};

/* Look at master.key.next and master.key and load whichever key is new to this process. */
static void refresh(struct file_keys *fk)
{
	memset(fk, 0, sizeof(*fk));
	if (key_dir[0] == '\0')
		return;
	uint8_t raw[KEY_BYTES];
	pthread_mutex_lock(&ring_lock);
	if (read_key_file(key_dir, NEXT_FILE, raw) == 0)
		fk->has_next = ring_add(raw, fk->next_id) == 0;
	if (read_key_file(key_dir, MASTER_FILE, raw) == 0)
		fk->has_current = ring_add(raw, fk->current_id) == 0;
	wipe(raw, sizeof(raw));
	pthread_mutex_unlock(&ring_lock);
}

/*
 * The master key new patient keys are wrapped by: the key a rotation is moving to when one
 * runs (so that the rotation's last pass finds nothing new under the old key), else the
 * newest master.key. The files are read every time: patient creation is rare.
 */
static const struct key *write_key(uint8_t id[KEY_ID_BYTES])
{
	struct file_keys fk;
	refresh(&fk);
	const struct key *k = NULL;
	if (fk.has_next && (k = ring_find(fk.next_id)) != NULL) {
		memcpy(id, fk.next_id, KEY_ID_BYTES);
		return k;
	}
	if (fk.has_current && (k = ring_find(fk.current_id)) != NULL) {
		memcpy(id, fk.current_id, KEY_ID_BYTES);
		return k;
	}
	vault_master_key_id(id);
	return vault_master();
}

/* The master key with this id, reading the key files (at most once a second) when it is
 * not loaded: a rotation that started after this process did. */
static const struct key *key_for(const uint8_t id[KEY_ID_BYTES])
{
	const struct key *k = ring_find(id);
	if (k != NULL)
		return k;
	int64_t now = (int64_t)time(NULL);
	int64_t last = __atomic_load_n(&last_refresh, __ATOMIC_RELAXED);
	if (now == last || !__atomic_compare_exchange_n(&last_refresh, &last, now, false,
							  __ATOMIC_RELAXED, __ATOMIC_RELAXED))
		return NULL;
	struct file_keys fk;
	refresh(&fk);
	return ring_find(id);
}

int vault_patient_key_wrap(const struct id *patient, const struct key *pk, struct buf *out)
{
	uint8_t head[WRAP_HEAD];
	head[0] = WRAP_FORMAT;
	const struct key *k = write_key(head + 1);
	char ad[128];
	vault_ad(ad, "patient-key", patient, NULL);
	buf_append(out, head, sizeof(head));
	return out->failed ? -1 : key_wrap(k, ad, pk, out);
}

static size_t wrapped_len(void)
{
	return WRAP_HEAD + envelope_overhead() + KEY_BYTES;
}

int vault_patient_key_unwrap(const struct id *patient, const uint8_t *w, size_t n, struct key *pk)
{
	char ad[128];
	vault_ad(ad, "patient-key", patient, NULL);
	if (n == wrapped_len() && w[0] == WRAP_FORMAT) {
		const struct key *k = key_for(w + 1);
		if (k == NULL) {
			log_warn("component=vault error=\"patient key wrapped by an unknown master key\"");
			return -1;
		}
		return key_unwrap(k, ad, w + WRAP_HEAD, n - WRAP_HEAD, pk);
	}
	/* From before the keystore: a bare envelope under the master key of the time. */
	if (n == envelope_overhead() + KEY_BYTES) {
		if (key_unwrap(vault_master(), ad, w, n, pk) == 0)
			return 0;
		int count = __atomic_load_n(&ring_n, __ATOMIC_ACQUIRE);
		for (int i = 0; i < count; i++)
			if (key_unwrap(ring[i].k, ad, w, n, pk) == 0)
				return 0;
	}
	return -1;
}

int vault_patient_key_rewrap(const struct id *patient, struct bytes wrapped,
			     const uint8_t to[KEY_ID_BYTES], struct buf *out)
{
	if (wrapped.len == wrapped_len() && wrapped.ptr[0] == WRAP_FORMAT &&
	    memcmp(wrapped.ptr + 1, to, KEY_ID_BYTES) == 0)
		return 1;
	const struct key *k = ring_find(to);
	if (k == NULL)
		return -1;
	struct key pk;
	if (vault_patient_key_unwrap(patient, wrapped.ptr, wrapped.len, &pk) != 0)
		return -1;
	uint8_t head[WRAP_HEAD];
	head[0] = WRAP_FORMAT;
	memcpy(head + 1, to, KEY_ID_BYTES);
	char ad[128];
	vault_ad(ad, "patient-key", patient, NULL);
	buf_append(out, head, sizeof(head));
	int rc = out->failed ? -1 : key_wrap(k, ad, &pk, out);
	key_wipe(&pk);
	return rc;
}

/* --- the blind-index key --- */

void vault_index_subkey(struct key *out)
{
	if (index_key != NULL)
		memcpy(out->b, index_key->b, KEY_BYTES);
	else
		key_derive(vault_master(), 1, "blindidx", out);
}

void vault_index_key_id(uint8_t out[KEY_ID_BYTES])
{
	struct key k;
	vault_index_subkey(&k);
	key_id_of(k.b, KEY_BYTES, INDEX_ID_PURPOSE, out);
	key_wipe(&k);
}

static int load_index_key(const char *dir)
{
	uint8_t raw[KEY_BYTES];
	int rc = read_key_file(dir, INDEX_FILE, raw);
	if (rc != 0)
		return rc;
	index_key = sodium_malloc(sizeof(*index_key));
	if (index_key == NULL) {
		wipe(raw, sizeof(raw));
		return -1;
	}
	memcpy(index_key->b, raw, KEY_BYTES);
	wipe(raw, sizeof(raw));
	sodium_mprotect_readonly(index_key);
	return 0;
}

/* --- the audit signing key --- */

static int signing_keypair(const char *dir, uint8_t pk[SIGN_PUBLIC_BYTES], uint8_t *sk)
{
	uint8_t seed[SIGN_SEED_BYTES];
	int rc = read_key_file(dir, SIGNING_FILE, seed);
	if (rc != 0)
		return rc;
	sign_keypair_from_seed(seed, pk, sk);
	wipe(seed, sizeof(seed));
	return 0;
}

static int load_signing_key(const char *dir)
{
	sign_sk = sodium_malloc(SIGN_SECRET_BYTES);
	if (sign_sk == NULL)
		return -1;
	int rc = signing_keypair(dir, sign_pk, sign_sk);
	if (rc == 1) {
		/* A data directory from before signed checkpoints: give it a signing key now. */
		uint8_t seed[SIGN_SEED_BYTES];
		random_bytes(seed, sizeof(seed));
		rc = write_key_file(dir, SIGNING_FILE, seed, sizeof(seed), true);
		wipe(seed, sizeof(seed));
		if (rc == 0) {
			log_info("component=vault event=created file=%s", SIGNING_FILE);
			rc = signing_keypair(dir, sign_pk, sign_sk);
		}
	}
	if (rc != 0) {
		sodium_free(sign_sk);
		sign_sk = NULL;
		return -1;
	}
	key_id_of(sign_pk, sizeof(sign_pk), SIGNING_ID_PURPOSE, sign_kid);
	sodium_mprotect_readonly(sign_sk);
	return 0;
}

enum err vault_local_checkpoint_sign(int64_t seq, int64_t ts_ms, const uint8_t head[HASH_BYTES],
			  uint8_t sig[SIGNATURE_BYTES], uint8_t key_id[KEY_ID_BYTES])
{
	if (sign_sk == NULL)
		return ERR_DENIED;
	uint8_t msg[CHECKPOINT_MSG_BYTES];
	checkpoint_message(seq, ts_ms, head, msg);
	sign_detached(sign_sk, msg, sizeof(msg), sig);
	memcpy(key_id, sign_kid, KEY_ID_BYTES);
	return ERR_OK;
}

int vault_checkpoint_public_key(uint8_t pk[SIGN_PUBLIC_BYTES], uint8_t key_id[KEY_ID_BYTES])
{
	if (sign_sk == NULL)
		return -1;
	memcpy(pk, sign_pk, SIGN_PUBLIC_BYTES);
	memcpy(key_id, sign_kid, KEY_ID_BYTES);
	return 0;
}

int vault_checkpoint_public_key_read(const char *dir, uint8_t pk[SIGN_PUBLIC_BYTES],
				     uint8_t key_id[KEY_ID_BYTES])
{
	uint8_t *sk = sodium_malloc(SIGN_SECRET_BYTES);
	if (sk == NULL)
		return -1;
	int rc = signing_keypair(dir, pk, sk);
	sodium_free(sk);
	if (rc != 0)
		return -1;
	vault_signing_key_id(pk, key_id);
	return 0;
}

void vault_signing_key_id(const uint8_t pk[SIGN_PUBLIC_BYTES], uint8_t key_id[KEY_ID_BYTES])
{
	key_id_of(pk, SIGN_PUBLIC_BYTES, SIGNING_ID_PURPOSE, key_id);
}

/* --- loading, creating --- */

int vault_keys_create(const char *dir)
{
	uint8_t k[KEY_BYTES];
	random_bytes(k, sizeof(k));
	int rc = write_key_file(dir, INDEX_FILE, k, sizeof(k), true);
	random_bytes(k, sizeof(k));
	if (rc == 0)
		rc = write_key_file(dir, SIGNING_FILE, k, sizeof(k), true);
	wipe(k, sizeof(k));
	return rc;
}

void vault_keys_unload(void)
{
	pthread_mutex_lock(&ring_lock);
	for (int i = 0; i < ring_n; i++)
		sodium_free(ring[i].k);
	memset(ring, 0, sizeof(ring));
	__atomic_store_n(&ring_n, 0, __ATOMIC_RELEASE);
	pthread_mutex_unlock(&ring_lock);
	if (index_key)
		sodium_free(index_key);
	index_key = NULL;
	if (sign_sk)
		sodium_free(sign_sk);
	sign_sk = NULL;
	key_dir[0] = '\0';
}

int vault_keys_load(const char *dir)
{
	vault_keys_unload();
	if ((size_t)snprintf(key_dir, sizeof(key_dir), "%s", dir) >= sizeof(key_dir)) {
		key_dir[0] = '\0';
		return -1;
	}
	(void)vault_master(); /* aborts unless vault_load ran */
	struct file_keys fk;
	refresh(&fk); /* master.key.next, when a rotation is under way */
	if (load_index_key(dir) < 0 || load_signing_key(dir) != 0) {
		vault_keys_unload();
		return -1;
	}
	return 0;
}

/* --- rotation --- */

int vault_next_key_id(uint8_t out[KEY_ID_BYTES])
{
	if (key_dir[0] == '\0')
		return -1;
	uint8_t raw[KEY_BYTES];
	int rc = read_key_file(key_dir, NEXT_FILE, raw);
	if (rc == 0) {
		struct key tmp;
		memcpy(tmp.b, raw, KEY_BYTES);
		master_id_of(&tmp, out);
		key_wipe(&tmp);
	}
	wipe(raw, sizeof(raw));
	return rc;
}

int vault_rotation_prepare(uint8_t old_id[KEY_ID_BYTES], uint8_t new_id[KEY_ID_BYTES],
			   bool *resumed)
{
	if (key_dir[0] == '\0')
		return -1;
	vault_master_key_id(old_id);
	/* The blind-index key must not change: before the first rotation it is derived from the
	 * master key, so write it out now, while that key is still the master. */
	if (index_key == NULL) {
		struct key k;
		vault_index_subkey(&k);
		int rc = write_key_file(key_dir, INDEX_FILE, k.b, KEY_BYTES, true);
		key_wipe(&k);
		if (rc != 0 || load_index_key(key_dir) != 0)
			return -1;
	}
	int rc = vault_next_key_id(new_id);
	if (rc < 0)
		return -1;
	*resumed = rc == 0;
	if (rc == 1) {
		struct key k;
		key_random(&k);
		rc = write_key_file(key_dir, NEXT_FILE, k.b, KEY_BYTES, true);
		key_wipe(&k);
		if (rc != 0 || vault_next_key_id(new_id) != 0)
			return -1;
	}
	struct file_keys fk;
	refresh(&fk);
	return ring_find(new_id) != NULL ? 0 : -1;
}

int vault_rotation_commit(void)
{
	char next[4096], cur[4096];
	if (key_dir[0] == '\0' || path_in(key_dir, NEXT_FILE, next, sizeof(next)) != 0 ||
	    path_in(key_dir, MASTER_FILE, cur, sizeof(cur)) != 0)
		return -1;
	/* rename(2) replaces master.key in one step: a crash leaves either key file, never none,
	 * and the old key's file is gone once the directory is synced. */
	if (rename(next, cur) != 0 || fsync_dir(key_dir) != 0)
		return -1;
	return 0;
}

/* --- copies of the key files --- */

int vault_key_files_check(const char *from_dir, const char *to_dir)
{
	uint8_t a[KEY_BYTES], b[KEY_BYTES], next[KEY_BYTES];
	int rc = read_key_file(from_dir, NEXT_FILE, next) == 1 &&
			 read_key_file(from_dir, MASTER_FILE, a) == 0 &&
			 read_key_file(to_dir, MASTER_FILE, b) == 0 && sodium_memcmp(a, b, KEY_BYTES) == 0
		 ? 0
		 : -1;
	wipe(a, sizeof(a));
	wipe(b, sizeof(b));
	wipe(next, sizeof(next));
	return rc;
}

int vault_key_files_copy(const char *from_dir, const char *to_dir)
{
	static const char *const names[] = {MASTER_FILE, INDEX_FILE, SIGNING_FILE};
	char path[4096];
	struct stat st;
	if (path_in(from_dir, NEXT_FILE, path, sizeof(path)) != 0 || lstat(path, &st) == 0) {
		fprintf(stderr, "medkeep: %s has a key rotation under way; finish it first "
				"(medkeep keys rotate)\n", from_dir);
		return -1;
	}
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		uint8_t raw[KEY_BYTES];
		int rc = read_key_file(from_dir, names[i], raw);
		if (rc == 1 && i > 0)
			continue; /* index.key is absent in data directories that never rotated */
		if (rc == 0)
			rc = write_key_file(to_dir, names[i], raw, sizeof(raw), false);
		wipe(raw, sizeof(raw));
		if (rc != 0) {
			fprintf(stderr, "medkeep: cannot copy %s from %s\n", names[i], from_dir);
			return -1;
		}
	}
	return 0;
}

void vault_stable_subkey(uint64_t id, const char context[8], struct key *out)
{
	struct key index;
	vault_index_subkey(&index);
	key_derive(&index, id, context, out);
	key_wipe(&index);
}
