/*
 * Messages between our own processes (worker <-> vault). A frame is
 *
 *   u32 length (little-endian, of what follows) | u8 version | u8 op-or-status | fields...
 *
 * Fields are written and read with typed put/get calls; strings and byte strings carry a u32
 * length. Readers are defensive: every get checks the bytes left and the caller's maximum,
 * failures stick (r->failed), and msg_end requires the whole frame to have been consumed.
 * Messages from another process are untrusted input (CONVENTIONS.md §6).
 */
#ifndef MEDKEEP_MSG_H
#define MEDKEEP_MSG_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "util/id.h"

#define MSG_VERSION 1
#define MSG_MAX (64u * 1024u) /* the largest frame either side accepts, header included */

struct msg_writer {
	uint8_t *buf;
	size_t len;
	size_t cap;
	bool failed;
};

struct msg_reader {
	const uint8_t *p;
	size_t left;
	bool failed;
};

/* Start a frame with op (or status) in buf of cap bytes. */
void msg_begin(struct msg_writer *w, uint8_t *buf, size_t cap, uint8_t op);
void msg_put_u8(struct msg_writer *w, uint8_t v);
void msg_put_u64(struct msg_writer *w, uint64_t v);
void msg_put_id(struct msg_writer *w, const struct id *id);
void msg_put_bytes(struct msg_writer *w, const void *p, size_t n);
void msg_put_str(struct msg_writer *w, const char *s);
/* Fill in the length; returns the frame size, or 0 when anything overflowed. */
size_t msg_finish(struct msg_writer *w);

/* Open a received frame of n bytes: checks length and version, reads op. 0 or -1. */
int msg_open(struct msg_reader *r, const uint8_t *frame, size_t n, uint8_t *op);
uint8_t msg_get_u8(struct msg_reader *r);
uint64_t msg_get_u64(struct msg_reader *r);
void msg_get_id(struct msg_reader *r, struct id *out);
/* A byte string of at most max bytes, pointing into the frame. */
void msg_get_bytes(struct msg_reader *r, const uint8_t **p, size_t *n, size_t max);
/* A string of 1..max-1 bytes without NUL, copied and NUL-terminated into out (max bytes). */
void msg_get_str(struct msg_reader *r, char *out, size_t max);
/* 0 when every get succeeded and nothing is left over. */
int msg_end(const struct msg_reader *r);

#endif
