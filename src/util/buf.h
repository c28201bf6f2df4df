/*
 * Growable byte buffer with a hard maximum, allocated from an arena. Exceeding the maximum
 * is an error that sticks (buf->failed), never silent growth: callers check once at the end.
 */
#ifndef MEDKEEP_BUF_H
#define MEDKEEP_BUF_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "util/arena.h"

struct buf {
	struct arena *arena;
	char *data;
	size_t len;
	size_t cap;
	size_t max;
	bool failed;
};

/* A slice of bytes someone else owns. */
struct slice {
	const char *ptr;
	size_t len;
};

/* Bytes someone else owns (a stored column, a field of a received frame). */
struct bytes {
	const uint8_t *ptr;
	size_t len;
};

void buf_init(struct buf *b, struct arena *a, size_t max);
void buf_append(struct buf *b, const void *p, size_t n);
void buf_puts(struct buf *b, const char *s);
void buf_printf(struct buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* NUL-terminate without counting the NUL; returns data or NULL when failed. */
const char *buf_cstr(struct buf *b);

bool slice_eq(struct slice s, const char *lit);

#endif
