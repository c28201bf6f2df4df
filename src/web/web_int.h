/*
 * Internal to src/web: what the page files (pages_<part>.c) share with pages.c, so each part
 * of the portal keeps its pages in a file of its own.
 */
#ifndef MEDKEEP_WEB_INT_H
#define MEDKEEP_WEB_INT_H
#include <stddef.h>
#include <stdint.h>

#include "http/parse.h"
#include "web/web.h"

/* A page buffer in the request's arena (NULL when the arena is exhausted). */
struct buf *web_page_buf(struct request *req);
/* The page for a domain refusal: 404 with `missing` (not found and not yours alike), 403
 * paused, 410 erased, or 500. */
void web_domain_refusal(struct request *req, struct response *res, int rc, const char *missing);
/* "29 Nov 2026" (UTC). */
void web_format_date(int64_t t, char out[32]);
/* Parse an application/x-www-form-urlencoded body: 0, -1 malformed, -2 wrong content type. */
int web_parse_form(struct request *req, struct form_field *fields, size_t *n);
/* Send b as an HTML page. */
void web_respond_page(struct response *res, int status, struct buf *b);

/* A patient's results as a section of their record page (staff; pages_results.c). A DOMAIN_
 * code: on anything but DOMAIN_OK nothing was written to b. */
int web_results_section(struct request *req, struct buf *b, const struct id *patient);

#endif
