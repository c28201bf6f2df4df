#include "proc/msg.h"

#include <string.h>

void msg_begin(struct msg_writer *w, uint8_t *buf, size_t cap, uint8_t op)
{
	w->buf = buf;
	w->cap = cap;
	w->len = 0;
	w->failed = cap < 6;
	if (!w->failed) {
		memset(buf, 0, 4);
		buf[4] = MSG_VERSION;
		buf[5] = op;
		w->len = 6;
	}
}

static void put(struct msg_writer *w, const void *p, size_t n)
{
	if (w->failed || n > w->cap - w->len) {
		w->failed = true;
		return;
	}
	if (n)
		memcpy(w->buf + w->len, p, n);
	w->len += n;
}

void msg_put_u8(struct msg_writer *w, uint8_t v)
{
	put(w, &v, 1);
}

void msg_put_u64(struct msg_writer *w, uint64_t v)
{
	uint8_t b[8];
	for (int i = 0; i < 8; i++)
		b[i] = (uint8_t)(v >> (8 * i));
	put(w, b, 8);
}

void msg_put_id(struct msg_writer *w, const struct id *id)
{
	put(w, id->b, ID_BYTES);
}

void msg_put_bytes(struct msg_writer *w, const void *p, size_t n)
{
	if (n > UINT32_MAX) {
		w->failed = true;
		return;
	}
	uint8_t b[4];
	for (int i = 0; i < 4; i++)
		b[i] = (uint8_t)(n >> (8 * i));
	put(w, b, 4);
	put(w, p, n);
}

void msg_put_str(struct msg_writer *w, const char *s)
{
	msg_put_bytes(w, s, s ? strlen(s) : 0);
}

size_t msg_finish(struct msg_writer *w)
{
	if (w->failed || w->len > MSG_MAX)
		return 0;
	uint32_t body = (uint32_t)(w->len - 4);
	for (int i = 0; i < 4; i++)
		w->buf[i] = (uint8_t)(body >> (8 * i));
	return w->len;
}

static const uint8_t *take(struct msg_reader *r, size_t n)
{
	if (r->failed || n > r->left) {
		r->failed = true;
		return NULL;
	}
	const uint8_t *p = r->p;
	r->p += n;
	r->left -= n;
	return p;
}

int msg_open(struct msg_reader *r, const uint8_t *frame, size_t n, uint8_t *op)
{
	r->p = frame;
	r->left = n;
	r->failed = false;
	if (n < 6 || n > MSG_MAX)
		goto bad;
	uint32_t body = (uint32_t)frame[0] | (uint32_t)frame[1] << 8 | (uint32_t)frame[2] << 16 |
			(uint32_t)frame[3] << 24;
	if ((size_t)body != n - 4 || frame[4] != MSG_VERSION)
		goto bad;
	*op = frame[5];
	r->p = frame + 6;
	r->left = n - 6;
	return 0;
bad:
	r->failed = true;
	return -1;
}

uint8_t msg_get_u8(struct msg_reader *r)
{
	const uint8_t *p = take(r, 1);
	return p ? p[0] : 0;
}

uint64_t msg_get_u64(struct msg_reader *r)
{
	const uint8_t *p = take(r, 8);
	uint64_t v = 0;
	for (int i = 0; p && i < 8; i++)
		v |= (uint64_t)p[i] << (8 * i);
	return v;
}

void msg_get_id(struct msg_reader *r, struct id *out)
{
	const uint8_t *p = take(r, ID_BYTES);
	if (p)
		memcpy(out->b, p, ID_BYTES);
	else
		memset(out->b, 0, ID_BYTES);
}

void msg_get_bytes(struct msg_reader *r, const uint8_t **p, size_t *n, size_t max)
{
	*p = NULL;
	*n = 0;
	const uint8_t *lp = take(r, 4);
	if (lp == NULL)
		return;
	size_t len = (size_t)lp[0] | (size_t)lp[1] << 8 | (size_t)lp[2] << 16 | (size_t)lp[3] << 24;
	if (len > max) {
		r->failed = true;
		return;
	}
	const uint8_t *d = take(r, len);
	if (d == NULL)
		return;
	*p = d;
	*n = len;
}

void msg_get_str(struct msg_reader *r, char *out, size_t max)
{
	const uint8_t *p;
	size_t n;
	out[0] = '\0';
	msg_get_bytes(r, &p, &n, max ? max - 1 : 0);
	if (r->failed)
		return;
	if (n == 0 || memchr(p, '\0', n) != NULL) {
		r->failed = true;
		return;
	}
	memcpy(out, p, n);
	out[n] = '\0';
}

int msg_end(const struct msg_reader *r)
{
	return (!r->failed && r->left == 0) ? 0 : -1;
}
