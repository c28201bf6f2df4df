/*
 * In-process vault: holds the master key in guarded memory, derives subkeys, wraps and
 * unwraps keys. Talks to nobody but its callers in this process (see vault.h for the seam).
 */
#include "vault/vault.h"

#include <errno.h>
#include <fcntl.h>
#include <sodium.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util/log.h"

/*
 * The master key lives in sodium_malloc memory: guard pages around it, locked out of swap and
 * core dumps, and read-only once loaded. It is not toggled to no-access between uses: with
 * a pool of threads every toggle is an mprotect plus a TLB shoot-down on every core, which
 * measured as the largest single cost of a document read. Keeping the key away from request
 * code altogether is the separate vault process (DESIGN.md invariant 5).
 */
static struct key *master;

#define MASTER_FILE "master.key"

static int master_path(const char *dir, char *out, size_t outsz)
{
	return (size_t)snprintf(out, outsz, "%s/%s", dir, MASTER_FILE) < outsz ? 0 : -1;
}

int vault_create(const char *dir)
{
	char path[4096];
	if (master_path(dir, path, sizeof(path)) != 0)
		return -1;
	int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd < 0)
		return -1;
	struct key k;
	key_random(&k);
	ssize_t w = write(fd, k.b, sizeof(k.b));
	key_wipe(&k);
	int ok = w == (ssize_t)sizeof(k.b) && fsync(fd) == 0;
	close(fd);
	return ok ? 0 : -1;
}

int vault_load(const char *dir)
{
	char path[4096];
	if (master_path(dir, path, sizeof(path)) != 0)
		return -1;
	int fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0) {
		log_warn("component=vault error=\"cannot open master key\" errno=%d", errno);
		return -1;
	}
	struct stat st;
	if (fstat(fd, &st) != 0 || (st.st_mode & 077) != 0 || st.st_size != KEY_BYTES) {
		log_warn("component=vault error=\"master key must be a 32-byte file of mode 0600\"");
		close(fd);
		return -1;
	}
	master = sodium_malloc(sizeof(*master));
	if (master == NULL) {
		close(fd);
		return -1;
	}
	ssize_t r = read(fd, master->b, sizeof(master->b));
	close(fd);
	if (r != (ssize_t)sizeof(master->b)) {
		sodium_free(master);
		master = NULL;
		return -1;
	}
	sodium_mprotect_readonly(master);
	return 0;
}

void vault_unload(void)
{
	if (master)
		sodium_free(master);
	master = NULL;
}

static const struct key *master_open(void)
{
	if (master == NULL)
		fatalx("vault used before vault_load");
	return master;
}

static void master_close(void)
{
}

void vault_ad(char out[128], const char *purpose, const struct id *patient, const struct id *record)
{
	char p[ID_HEX_LEN + 1], r[ID_HEX_LEN + 1];
	id_hex(patient, p);
	if (record)
		id_hex(record, r);
	snprintf(out, 128, "medkeep/v1/%s/%s/%s", purpose, p, record ? r : "-");
}

void vault_blind_index(const char *kind, const char *value, uint8_t out[HASH_BYTES])
{
	struct key sub;
	key_derive(master_open(), 1, "blindidx", &sub);
	master_close();
	crypto_generichash_state st;
	crypto_generichash_init(&st, sub.b, sizeof(sub.b), HASH_BYTES);
	crypto_generichash_update(&st, (const uint8_t *)kind, strlen(kind) + 1);
	crypto_generichash_update(&st, (const uint8_t *)value, strlen(value));
	crypto_generichash_final(&st, out, HASH_BYTES);
	key_wipe(&sub);
}

static int patient_key(const struct store_patient *p, struct key *pk)
{
	char ad[128];
	vault_ad(ad, "patient-key", &p->id, NULL);
	int rc = key_unwrap(master_open(), ad, p->wrapped_key.ptr, p->wrapped_key.len, pk);
	master_close();
	return rc;
}

int vault_patient_create(const struct id *patient, const void *phi, size_t phi_len,
			 struct buf *wrapped_key, struct buf *phi_ct)
{
	struct key pk;
	char ad[128];
	key_random(&pk);
	vault_ad(ad, "patient-key", patient, NULL);
	int rc = key_wrap(master_open(), ad, &pk, wrapped_key);
	master_close();
	if (rc == 0) {
		vault_ad(ad, "patient-phi", patient, NULL);
		rc = envelope_seal(&pk, ad, phi, phi_len, phi_ct);
	}
	key_wipe(&pk);
	return rc;
}

int vault_patient_open(const struct grant *g, const struct store_patient *p, struct buf *out)
{
	if (!grant_for_patient(g, &p->id))
		return -1;
	struct key pk;
	char ad[128];
	if (patient_key(p, &pk) != 0)
		return -1;
	vault_ad(ad, "patient-phi", &p->id, NULL);
	int rc = envelope_open(&pk, ad, p->phi.ptr, p->phi.len, out);
	key_wipe(&pk);
	return rc;
}

int vault_document_seal(const struct grant *g, const struct store_patient *p,
			const struct id *document, const void *body, size_t body_len,
			const void *meta, size_t meta_len, struct buf *wrapped_key,
			struct buf *body_ct, struct buf *meta_ct)
{
	if (!grant_allows(g, &p->id, ACTION_DOCUMENT_CREATE))
		return -1;
	struct key pk, dk;
	char ad[128];
	if (patient_key(p, &pk) != 0)
		return -1;
	key_random(&dk);
	vault_ad(ad, "doc-key", &p->id, document);
	int rc = key_wrap(&pk, ad, &dk, wrapped_key);
	key_wipe(&pk);
	if (rc == 0) {
		vault_ad(ad, "doc-body", &p->id, document);
		rc = envelope_seal(&dk, ad, body, body_len, body_ct);
	}
	if (rc == 0) {
		vault_ad(ad, "doc-meta", &p->id, document);
		rc = envelope_seal(&dk, ad, meta, meta_len, meta_ct);
	}
	key_wipe(&dk);
	return rc;
}

int vault_document_key(const struct grant *g, const struct store_patient *p,
		       const struct store_document *d, struct key *key)
{
	if (!id_eq(&p->id, &d->patient) ||
	    !(grant_allows(g, &p->id, ACTION_DOCUMENT_READ) ||
	      grant_allows(g, &p->id, ACTION_DOCUMENT_LIST)))
		return -1;
	struct key pk;
	char ad[128];
	if (patient_key(p, &pk) != 0)
		return -1;
	vault_ad(ad, "doc-key", &p->id, &d->id);
	int rc = key_unwrap(&pk, ad, d->wrapped_key.ptr, d->wrapped_key.len, key);
	key_wipe(&pk);
	return rc;
}
