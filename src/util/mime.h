/*
 * Mail header values (RFC 5322, RFC 2047). A value of plain ASCII is written as it is; one
 * with any other byte (a macron in a Māori subject line) as RFC 2047 encoded-words in UTF-8
 * with the Q encoding, each at most 75 characters and holding whole characters only, folded
 * onto continuation lines. CR and LF never reach the header (each becomes a space).
 */
#ifndef MEDKEEP_MIME_H
#define MEDKEEP_MIME_H
#include "util/buf.h"

void mime_header_value(struct buf *out, const char *value);

#endif
