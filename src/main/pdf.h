/* A minimal one-page PDF of plain text lines, for generated demo documents. */
#ifndef MEDKEEP_PDF_H
#define MEDKEEP_PDF_H
#include <stddef.h>

#include "util/buf.h"

/* Append a PDF showing `title` and then each of the n lines. */
void pdf_text_document(struct buf *out, const char *title, const char *const *lines, size_t n);

#endif
