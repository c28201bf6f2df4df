/*
 * Known devices: the login allowance of a browser the owner has signed in from.
 *
 * Five wrong passwords block an account's shared allowance, whoever typed them; without more,
 * a stranger who knows an address could keep its owner out for as long as they like. So a
 * full sign-in (password, and the second factor when one is due) leaves a long-lived device
 * cookie holding 32 random bytes, and the store keeps only a keyed hash of those bytes and the
 * account id (the vault's blind index, kind "device"). A login that brings a cookie bound to
 * the account it names counts its failures against that device's own allowance; any other
 * login (no cookie, a cookie of another account, a forgotten device) against the shared one.
 * The per-address throttle applies to both. docs/internals/ACCOUNTS.md, "Known devices".
 */
#include "auth/auth.h"
#include "auth/auth_int.h"

#include <stdio.h>
#include <string.h>

#include "limits.h"
#include "store/devices.h"
#include "util/log.h"
#include "util/wipe.h"

/* The keyed hash binding a device id to an account. */
static int device_hash(const char *device, const struct id *account, uint8_t out[HASH_BYTES])
{
	char hex[ID_HEX_LEN + 1], value[TOKEN_B64_LEN + 1 + ID_HEX_LEN + 1];
	id_hex(account, hex);
	int n = snprintf(value, sizeof(value), "%s:%s", device, hex);
	if (n < 0 || (size_t)n >= sizeof(value))
		return -1;
	int rc = vault_blind_index("device", value, out);
	wipe(value, sizeof(value));
	return rc;
}

int auth_device_throttle_key(const char *device, const struct id *account, int64_t now,
			     char out[80])
{
	out[0] = '\0';
	if (device == NULL || strlen(device) != TOKEN_B64_LEN)
		return 0;
	uint8_t h[HASH_BYTES];
	if (device_hash(device, account, h) != 0)
		return -1;
	int rc = store_known_device_get(h, account, now - DEVICE_COOKIE_SECONDS);
	if (rc == ERR_INTERNAL)
		return -1;
	if (rc == ERR_OK)
		auth_hash_key("d:", h, out);
	return 0;
}

int auth_device_remember(const struct id *account, const char *device, char out[TOKEN_B64_LEN + 1])
{
	if (device != NULL && strlen(device) == TOKEN_B64_LEN) {
		memcpy(out, device, TOKEN_B64_LEN + 1);
	} else {
		uint8_t raw[TOKEN_BYTES];
		token_new(out, raw);
		wipe(raw, sizeof(raw));
	}
	uint8_t h[HASH_BYTES];
	if (device_hash(out, account, h) != 0 || store_known_device_put(h, account, now_s()) != ERR_OK) {
		log_warn("component=auth error=\"known device not stored\"");
		return -1;
	}
	return 0;
}
