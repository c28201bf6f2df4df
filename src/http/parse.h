/*
 * Parsers of untrusted request parts: cookies, urlencoded forms, multipart/form-data.
 * Each takes (buf, len) and explicit limits, never reads past len, and fails cleanly.
 * Results point into the input (slices) or into the caller's arena.
 */
#ifndef MEDKEEP_HTTP_PARSE_H
#define MEDKEEP_HTTP_PARSE_H
#include <stdbool.h>
#include <stddef.h>

#include "util/arena.h"
#include "util/buf.h"

/* Find cookie `name` in a Cookie header value; 0 and *value set when present exactly once. */
int cookie_find(const char *header, size_t len, const char *name, struct slice *value);

struct form_field {
	const char *name; /* decoded, NUL-terminated, in the arena */
	const char *value;
	size_t value_len;
};

/* Parse application/x-www-form-urlencoded; at most max_fields fields. -1 on malformed input. */
int form_parse(const char *body, size_t len, struct arena *a, struct form_field *fields,
	       size_t max_fields, size_t *n);
/* The value of the field `name` when it appears exactly once, else NULL. */
const char *form_get(const struct form_field *fields, size_t n, const char *name, size_t *len);

struct multipart_part {
	struct slice name;     /* from Content-Disposition */
	struct slice filename; /* empty when not a file */
	struct slice content_type;
	struct slice data;
	int has_filename;
};

/* Extract the boundary from a multipart/form-data Content-Type value. */
int multipart_boundary(const char *content_type, size_t len, struct slice *boundary);
/* Split a multipart body into at most max_parts parts. -1 on malformed input. */
int multipart_parse(const char *body, size_t len, struct slice boundary,
		    struct multipart_part *parts, size_t max_parts, size_t *n);
/* The part named `name` when it appears exactly once, else NULL. */
const struct multipart_part *multipart_get(const struct multipart_part *parts, size_t n,
					   const char *name);

/* Whether an Accept header value [accept, accept+len) takes a FHIR JSON answer: it names a
 * JSON media range (or any, or none at all); on a Binary, a range that is neither JSON nor XML
 * nor Turtle (the document's own type) also passes. False means 406. */
bool accept_takes_json(const char *accept, size_t len, bool binary);

#endif
