/*
 * The MLLP release 2 push decoder. A state machine over bytes as they arrive: nothing is
 * read ahead, the caller's buffer is never written past its capacity, and any split of the
 * input gives the same messages and errors as the whole of it.
 */
#include "hl7/mllp.h"

#include <string.h>

void mllp_init(struct mllp_decoder *d, char *buf, size_t cap)
{
	memset(d, 0, sizeof(*d));
	d->buf = buf;
	d->cap = cap;
	d->state = MLLP_S_IDLE;
}

void mllp_reset(struct mllp_decoder *d)
{
	d->len = 0;
	d->state = MLLP_S_IDLE;
	d->error = MLLP_MORE;
}

int mllp_in_frame(const struct mllp_decoder *d)
{
	return d->state == MLLP_S_FRAME || d->state == MLLP_S_END || d->state == MLLP_S_SKIP ||
	       d->state == MLLP_S_SKIP_END;
}

struct slice mllp_message(const struct mllp_decoder *d)
{
	struct slice s = {d->buf, d->len};
	return s;
}

static enum mllp_event broken(struct mllp_decoder *d, enum mllp_event e, size_t used,
			      size_t *consumed)
{
	d->state = MLLP_S_ERROR;
	d->error = e;
	*consumed = used;
	return e;
}

/* Content bytes of a frame: copy up to the next control byte, or up to the capacity. */
static size_t take_content(struct mllp_decoder *d, const unsigned char *p, size_t n)
{
	const unsigned char *end = memchr(p, MLLP_END, n);
	const unsigned char *vt = memchr(p, MLLP_START, end ? (size_t)(end - p) : n);
	size_t run = vt ? (size_t)(vt - p) : end ? (size_t)(end - p) : n;
	size_t room = d->cap - d->len;
	if (run > room)
		run = room;
	if (run)
		memcpy(d->buf + d->len, p, run);
	d->len += run;
	return run;
}

/* Drop content of a frame too big, up to the next control byte. */
static size_t skip_content(const unsigned char *p, size_t n)
{
	size_t i = 0;
	while (i < n && p[i] != MLLP_END && p[i] != MLLP_START)
		i++;
	return i;
}

enum mllp_event mllp_push(struct mllp_decoder *d, const void *data, size_t n, size_t *consumed)
{
	const unsigned char *p = data;
	size_t i = 0;
	if (d->state == MLLP_S_ERROR) {
		*consumed = 0;
		return d->error;
	}
	if (d->state == MLLP_S_DONE) {
		d->state = MLLP_S_IDLE;
		d->len = 0;
	}
	while (i < n) {
		switch (d->state) {
		case MLLP_S_IDLE:
			if (p[i] != MLLP_START)
				return broken(d, MLLP_OUTSIDE, i + 1, consumed);
			d->len = 0;
			d->state = MLLP_S_FRAME;
			i++;
			break;
		case MLLP_S_FRAME:
		case MLLP_S_SKIP: {
			int skip = d->state == MLLP_S_SKIP;
			if (p[i] == MLLP_START)
				return broken(d, MLLP_BROKEN, i + 1, consumed);
			if (p[i] == MLLP_END) {
				d->state = skip ? MLLP_S_SKIP_END : MLLP_S_END;
				i++;
			} else if (skip) {
				i += skip_content(p + i, n - i);
			} else if (d->len == d->cap) {
				d->state = MLLP_S_SKIP;
				*consumed = i;
				return MLLP_TOO_BIG;
			} else {
				i += take_content(d, p + i, n - i);
			}
			break;
		}
		case MLLP_S_END:
		case MLLP_S_SKIP_END:
			if (p[i] != MLLP_END2)
				return broken(d, MLLP_BROKEN, i + 1, consumed);
			if (d->state == MLLP_S_END) {
				d->state = MLLP_S_DONE;
				*consumed = i + 1;
				return MLLP_MESSAGE;
			}
			d->state = MLLP_S_IDLE; /* the end of a frame too big: dropped */
			d->len = 0;
			i++;
			break;
		case MLLP_S_DONE:
		case MLLP_S_ERROR:
			/* cannot happen: both are left at the top of the call */
			return broken(d, MLLP_BROKEN, i, consumed);
		}
	}
	*consumed = n;
	return MLLP_MORE;
}

int mllp_frame(const char *msg, size_t len, char *out, size_t cap, size_t *out_len)
{
	if (cap < 3 || len > cap - 3)
		return -1;
	if (memchr(msg, MLLP_START, len) != NULL || memchr(msg, MLLP_END, len) != NULL)
		return -1;
	out[0] = MLLP_START;
	memcpy(out + 1, msg, len);
	out[len + 1] = MLLP_END;
	out[len + 2] = MLLP_END2;
	*out_len = len + 3;
	return 0;
}
