/* X.509 certificate fingerprints (see cert.h), with OpenSSL's PEM reader and DER encoder. */
#include "crypto/cert.h"

#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

/* Certificates are never encrypted: refuse any passphrase rather than prompt for one. */
static int no_passphrase(char *buf, int size, int rwflag, void *u)
{
	(void)buf;
	(void)size;
	(void)rwflag;
	(void)u;
	return -1;
}

int cert_pem_sha256(const char *path, uint8_t out[CERT_SHA256_BYTES])
{
	int rc = -1;
	X509 *x = NULL;
	BIO *in = BIO_new_file(path, "r");
	if (in == NULL)
		goto out;
	x = PEM_read_bio_X509(in, NULL, no_passphrase, NULL);
	if (x == NULL)
		goto out;
	unsigned int n = 0;
	/* X509_digest hashes the certificate's DER encoding, as a TLS peer's fingerprint is. */
	if (X509_digest(x, EVP_sha256(), out, &n) != 1 || n != CERT_SHA256_BYTES)
		goto out;
	rc = 0;
out:
	X509_free(x);
	BIO_free(in);
	return rc;
}

int cert_der_sha256(const void *der, size_t len, uint8_t out[CERT_SHA256_BYTES])
{
	unsigned int n = 0;
	if (der == NULL || len == 0 || EVP_Digest(der, len, out, &n, EVP_sha256(), NULL) != 1 ||
	    n != CERT_SHA256_BYTES)
		return -1;
	return 0;
}
