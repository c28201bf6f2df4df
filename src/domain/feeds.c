/* HL7 v2 feeds: the operator's register (see feeds.h). */
#include "domain/feeds.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

#include "audit/audit.h"
#include "crypto/crypto.h"
#include "limits.h"
#include "store/ingest.h"

const char *feeds_name_problem(const char *name)
{
	if (name == NULL || name[0] == '\0' || strlen(name) > LIMIT_FEED_NAME)
		return "give the feed a name of 1 to 80 bytes";
	for (const char *p = name; *p; p++)
		if ((unsigned char)*p < 0x20 || *p == 0x7f)
			return "the name has a control character (a tab or a line break, say)";
	return NULL;
}

const char *feeds_facility_problem(const char *facility)
{
	if (facility == NULL || facility[0] == '\0' || strlen(facility) > LIMIT_FEED_FACILITY)
		return "give the sending facility (MSH-4) in 1 to 227 characters";
	size_t n = strlen(facility);
	if (facility[0] == ' ' || facility[n - 1] == ' ')
		return "the sending facility starts or ends with a space";
	for (const char *p = facility; *p; p++) {
		unsigned char c = (unsigned char)*p;
		if (c < 0x20 || c > 0x7e)
			return "the sending facility must be printable ASCII";
		if (c == '|' || c == '~' || c == '\\' || c == '&')
			return "the sending facility holds an HL7 separator (| ~ \\ &)";
	}
	return NULL;
}

/* The local operator's act on a feed, on the trail before it is made (or after it failed). */
static int audit_feed(const char *action, const struct id *feed, const char *outcome)
{
	struct audit_event e = {.actor = NULL,
				.action = action,
				.rtype = "Feed",
				.rid = feed,
				.outcome = outcome,
				.ip = "local"};
	return audit_append(&e);
}

/* A live feed already holds the facility or the certificate: ERR_CONFLICT with why. */
static enum err feeds_taken(const char *facility, const uint8_t *cert_sha256, const char **why)
{
	struct store_feed other;
	int rc = store_feed_by_facility(facility, &other);
	if (rc == ERR_OK) {
		*why = "a live feed has that sending facility already (medkeep feeds list)";
		return ERR_CONFLICT;
	}
	if (rc != ERR_NOT_FOUND)
		return ERR_INTERNAL;
	if (cert_sha256 == NULL)
		return ERR_OK;
	rc = store_feed_by_cert(cert_sha256, &other);
	if (rc == ERR_OK) {
		*why = "a live feed has that certificate already (medkeep feeds list)";
		return ERR_CONFLICT;
	}
	return rc == ERR_NOT_FOUND ? ERR_OK : ERR_INTERNAL;
}

enum err feeds_add(const char *practice_hex, const char *name, const char *facility,
		   const uint8_t *cert_sha256, struct store_feed *out, const char **why)
{
	memset(out, 0, sizeof(*out));
	*why = NULL;
	if (practice_hex == NULL || id_parse(&out->practice, practice_hex, strlen(practice_hex)) != 0) {
		*why = "--practice takes a practice's id, 32 hex digits (medkeep practices list)";
		return ERR_BAD_REQUEST;
	}
	if ((*why = feeds_name_problem(name)) != NULL ||
	    (*why = feeds_facility_problem(facility)) != NULL)
		return ERR_BAD_REQUEST;
	struct arena ar;
	arena_init(&ar, LIMIT_LOOKUP_ARENA);
	const char *practice_name = NULL;
	int rc = store_practice_name(&out->practice, &ar, &practice_name);
	arena_release(&ar);
	if (rc == ERR_NOT_FOUND) {
		*why = "no such practice (medkeep practices list)";
		return ERR_NOT_FOUND;
	}
	if (rc != ERR_OK)
		return ERR_INTERNAL;
	rc = feeds_taken(facility, cert_sha256, why);
	if (rc != ERR_OK)
		return rc;
	random_id(&out->id);
	snprintf(out->name, sizeof(out->name), "%s", name);
	snprintf(out->facility, sizeof(out->facility), "%s", facility);
	if (cert_sha256 != NULL) {
		out->has_cert = true;
		memcpy(out->cert_sha256, cert_sha256, FEED_CERT_SHA256_BYTES);
	}
	out->created = (int64_t)time(NULL);
	if (audit_feed("feed.add", &out->id, AUDIT_ALLOW) != 0)
		return ERR_INTERNAL;
	rc = store_feed_insert(out);
	if (rc == ERR_OK)
		return ERR_OK;
	/* Another registration took the facility or certificate since the check above. */
	if (audit_feed("feed.add", &out->id, AUDIT_FAIL) != 0)
		return ERR_INTERNAL;
	if (rc == ERR_CONFLICT) {
		*why = "a live feed has that sending facility or certificate already (medkeep feeds list)";
		return ERR_CONFLICT;
	}
	return ERR_INTERNAL;
}

enum err feeds_remove(const char *feed_hex)
{
	struct id id;
	if (feed_hex == NULL || id_parse(&id, feed_hex, strlen(feed_hex)) != 0)
		return ERR_NOT_FOUND;
	/* Only a live feed is ended (and audited). */
	struct store_feed f;
	int rc = store_feed_get(&id, &f);
	if (rc != ERR_OK)
		return rc == ERR_NOT_FOUND ? ERR_NOT_FOUND : ERR_INTERNAL;
	if (audit_feed("feed.remove", &id, AUDIT_ALLOW) != 0)
		return ERR_INTERNAL;
	rc = store_feed_remove(&id, (int64_t)time(NULL));
	if (rc == ERR_OK)
		return ERR_OK;
	if (audit_feed("feed.remove", &id, AUDIT_FAIL) != 0)
		return ERR_INTERNAL;
	return rc == ERR_NOT_FOUND ? ERR_NOT_FOUND : ERR_INTERNAL;
}

enum err feeds_prune(int64_t now, int64_t *removed)
{
	*removed = 0;
	struct audit_event e = {.action = "feed.messages.prune", .rtype = "-", .outcome = AUDIT_OK,
				.ip = "local"};
	if (audit_append(&e) != 0)
		return ERR_INTERNAL;
	int64_t before = now - (int64_t)LIMIT_FEED_MESSAGE_KEEP_DAYS * 86400;
	return store_feed_messages_prune(before, removed) == ERR_OK ? ERR_OK : ERR_INTERNAL;
}
