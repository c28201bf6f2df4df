/* Public keys from outside as OpenSSL keys (evp_key.h). */
#include "crypto/evp_key.h"

#include <openssl/core_names.h>
#include <openssl/params.h>
#include <stdbool.h>
#include <string.h>

#define EC_POINT_MAX 133 /* P-521's uncompressed point: the largest group OpenSSL names */

EVP_PKEY *evp_ec_public_key(const char *group, const uint8_t *point, size_t len)
{
	if (group == NULL || point == NULL || len < 3 || len > EC_POINT_MAX || point[0] != 0x04)
		return NULL;
	/* OSSL_PARAM takes non-const buffers: hand it copies. */
	char g[32];
	uint8_t pub[EC_POINT_MAX];
	if (strlen(group) >= sizeof(g))
		return NULL;
	memcpy(g, group, strlen(group) + 1);
	memcpy(pub, point, len);
	OSSL_PARAM params[] = {
		OSSL_PARAM_construct_utf8_string(OSSL_PKEY_PARAM_GROUP_NAME, g, 0),
		OSSL_PARAM_construct_octet_string(OSSL_PKEY_PARAM_PUB_KEY, pub, len),
		OSSL_PARAM_construct_end(),
	};
	EVP_PKEY *pkey = NULL;
	EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new_from_name(NULL, "EC", NULL);
	if (ctx == NULL || EVP_PKEY_fromdata_init(ctx) != 1 ||
	    EVP_PKEY_fromdata(ctx, &pkey, EVP_PKEY_PUBLIC_KEY, params) != 1)
		pkey = NULL;
	EVP_PKEY_CTX_free(ctx);
	if (pkey == NULL)
		return NULL;
	/* The decoder checks the point is on the curve; check again, explicitly. */
	EVP_PKEY_CTX *check = EVP_PKEY_CTX_new_from_pkey(NULL, pkey, NULL);
	bool ok = check != NULL && EVP_PKEY_public_check(check) == 1;
	EVP_PKEY_CTX_free(check);
	if (!ok) {
		EVP_PKEY_free(pkey);
		return NULL;
	}
	return pkey;
}
