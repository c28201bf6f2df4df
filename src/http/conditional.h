/*
 * Conditional requests (RFC 9110 section 13): the HTTP date of Last-Modified and
 * If-Modified-Since, and the entity-tag list of If-None-Match. Parsers of outside input, with
 * explicit lengths (fuzzed: tests/fuzz/conditional).
 */
#ifndef MEDKEEP_HTTP_CONDITIONAL_H
#define MEDKEEP_HTTP_CONDITIONAL_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* "Sun, 06 Nov 1994 08:49:37 GMT" (IMF-fixdate) of t, seconds since 1970 UTC. */
#define HTTP_DATE_LEN 29
void http_date_format(int64_t t, char out[HTTP_DATE_LEN + 1]);
/* An IMF-fixdate into seconds since 1970: 0, or -1 when s is anything else (the obsolete
 * RFC 850 and asctime forms included: a recipient may ignore a date it cannot read). */
int http_date_parse(const char *s, size_t len, int64_t *out);
/* Whether the If-None-Match value h (len bytes) matches the current entity tag whose opaque
 * part (without quotes) is tag, by the weak comparison: "*", or a list of entity tags, each
 * optionally W/, one of which is "tag". A value that cannot be read matches nothing. */
bool http_etag_matches(const char *h, size_t len, const char *tag);

#endif
