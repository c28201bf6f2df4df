/*
 * HTML output. Every interpolated value goes through html_text (escaped). Markup that is
 * not escaped goes through html_raw, so every unescaped write is greppable: grep html_raw.
 */
#ifndef MEDKEEP_HTML_H
#define MEDKEEP_HTML_H
#include "util/buf.h"

/* Append s with & < > " ' escaped. NULL appends nothing. */
void html_text(struct buf *b, const char *s);
/* Append trusted markup (string literals of our own templates only). */
void html_raw(struct buf *b, const char *markup);
/* Page frame: opens html/head/body/header/main; html_end closes them. */
struct actor;
void html_begin(struct buf *b, const char *title, const struct actor *a, const char *csrf);
void html_end(struct buf *b);

#endif
