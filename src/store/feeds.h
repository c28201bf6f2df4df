/*
 * HL7 v2 feeds (docs/internals/FEEDS.md): the operator's register of the senders (a
 * laboratory, a hospital, a practice's own system) that may deliver messages for one practice,
 * each known by the SHA-256 of its TLS client certificate or, on a plain loopback listener
 * (development and tests), by its sending facility (MSH-4). Configuration, not patient data:
 * no grant here. A removed feed keeps its row, with the time it was removed, so that what it
 * sent stays attributable; only live feeds (not removed) are listed or found.
 */
#ifndef MEDKEEP_STORE_FEEDS_H
#define MEDKEEP_STORE_FEEDS_H
#include "limits.h"
#include "store/store.h"

/* The SHA-256 of a certificate's DER encoding. */
#define FEED_CERT_SHA256_BYTES 32

struct store_feed {
	struct id id;
	struct id practice;
	char name[LIMIT_FEED_NAME + 1];
	char facility[LIMIT_FEED_FACILITY + 1];
	bool has_cert;
	uint8_t cert_sha256[FEED_CERT_SHA256_BYTES];
	int64_t created;
	int64_t removed; /* 0 while live */
};

/* Register a feed (removed is ignored: a new feed is live). ERR_OK; ERR_CONFLICT when a live
 * feed holds the facility or the certificate already; ERR_INTERNAL. */
enum err store_feed_insert(const struct store_feed *f);
/* A live feed by its id; ERR_NOT_FOUND when none (or it was removed). */
enum err store_feed_get(const struct id *id, struct store_feed *out);
/* The live feed of a sending facility (exact bytes); ERR_NOT_FOUND when none. */
enum err store_feed_by_facility(const char *facility, struct store_feed *out);
/* The live feed of a certificate fingerprint; ERR_NOT_FOUND when none. */
enum err store_feed_by_cert(const uint8_t sha256[FEED_CERT_SHA256_BYTES], struct store_feed *out);
/* Live feeds, oldest first, of one practice (NULL: of all), from row `offset`, at most `limit`
 * of them; *out in the arena (ERR_INTERNAL when it is too small), *n how many. */
enum err store_feeds_list(const struct id *practice, size_t offset, size_t limit,
			  struct arena *a, struct store_feed **out, size_t *n);
/* End a live feed at `now` (the row stays, marked removed). ERR_NOT_FOUND when there is no
 * live feed of that id. */
enum err store_feed_remove(const struct id *id, int64_t now);

#endif
