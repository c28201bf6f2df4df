/*
 * Known devices (src/store/sqlite/store_devices.c): browsers an account has signed in from,
 * each kept only as a keyed hash of the device cookie's random id and the account id (the
 * vault's blind index, kind "device"), so the table gives nothing that could be replayed as a
 * cookie and no device can be tied to an account without the index key.
 * docs/internals/ACCOUNTS.md ("Known devices") says how login uses them.
 */
#ifndef MEDKEEP_STORE_DEVICES_H
#define MEDKEEP_STORE_DEVICES_H
#include "store/store.h"

/* Remember (or refresh) the device of hash for account at now; keeps the account's
 * LIMIT_KNOWN_DEVICES most recent and forgets older ones. */
enum err store_known_device_put(const uint8_t hash[HASH_BYTES], const struct id *account, int64_t now);
/* ERR_OK when hash is a device of account used since `since`; ERR_NOT_FOUND otherwise. */
enum err store_known_device_get(const uint8_t hash[HASH_BYTES], const struct id *account, int64_t since);
/* Forget every known device of an account (a password reset, signing out everywhere). */
enum err store_known_devices_forget(const struct id *account);

#endif
