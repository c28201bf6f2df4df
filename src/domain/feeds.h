/*
 * HL7 v2 feeds (docs/internals/FEEDS.md): the operator registers each sender (a laboratory,
 * a hospital, a practice's own system) that may deliver messages for one practice, and ends
 * it. A feed is known by the SHA-256 of its TLS client certificate, or, with none, by its
 * sending facility (MSH-4) alone, which the listener (a later step) is to accept only on a
 * plain loopback listener, for development and tests. Every registration and removal is on
 * the audit trail, as the local operator's act, before it is made.
 */
#ifndef MEDKEEP_DOMAIN_FEEDS_H
#define MEDKEEP_DOMAIN_FEEDS_H
#include "domain/domain.h"
#include "store/feeds.h"

/* Why a feed's name cannot be used, or NULL when it can: 1 to LIMIT_FEED_NAME bytes, no
 * control characters (lists are one line a feed, tab-separated). */
const char *feeds_name_problem(const char *name);
/* Why a sending facility cannot be used, or NULL when it can: 1 to LIMIT_FEED_FACILITY
 * printable ASCII characters, without HL7's field, repetition, escape or subcomponent
 * separators (| ~ \ &; the ^ between an HD's components is allowed), nor a space at either
 * end (the listener compares MSH-4 byte for byte). */
const char *feeds_facility_problem(const char *facility);

/*
 * Register a feed for the practice `practice_hex` (32 hex digits). cert_sha256: the
 * certificate's fingerprint, or NULL for a facility-only feed. *out: the feed as stored.
 * ERR_BAD_REQUEST (a name or facility refused, or a malformed practice id), ERR_NOT_FOUND (no
 * such practice), ERR_CONFLICT (a live feed holds the facility or the certificate), each with
 * *why for the operator; ERR_INTERNAL.
 */
enum err feeds_add(const char *practice_hex, const char *name, const char *facility,
		   const uint8_t *cert_sha256, struct store_feed *out, const char **why);
/* End the live feed `feed_hex`: the row stays, marked removed now. ERR_NOT_FOUND when there
 * is no live feed of that id (a malformed id too); ERR_INTERNAL. */
enum err feeds_remove(const char *feed_hex);
/* The retention run: forget the duplicate-check rows of messages received more than
 * LIMIT_FEED_MESSAGE_KEEP_DAYS days before now (on the audit trail first). *removed: how many. */
enum err feeds_prune(int64_t now, int64_t *removed);

#endif
