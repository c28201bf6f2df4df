/*
 * libFuzzer harness: hl7_parse, hl7_get, hl7_unescape, hl7_escape, hl7_ack and the MLLP
 * decoder over the same bytes. Properties:
 * - every value hl7_get gives lies inside the input and holds no separator of its level;
 * - unescaping never writes more than the value's own length; escaping the result and
 *   unescaping again gives it back (for text without CR);
 * - the ACK of a parsed message parses, and its MSA-2 is the message's MSH-10;
 * - the MLLP decoder gives the same events and messages for any split of its input, and a
 *   framed message comes out whole (or is refused as too big for the buffer), never
 *   written past the buffer's capacity.
 */
#include "../harness.h"

#include "hl7/hl7.h"
#include "hl7/mllp.h"
#include "limits.h"

#define MAX_IN 65536u
#define GET_BUDGET 4000u
#define DECODER_CAP 4096u
#define MAX_EVENTS 64u

static struct hl7_segment segs[LIMIT_HL7_SEGMENTS];
static struct hl7_segment ack_segs[8];
static char text[MAX_IN], esc[5 * MAX_IN], back[5 * MAX_IN];
static char ack[4 * MAX_IN];

static void inside(struct slice v, const char *buf, size_t len)
{
	if (v.len > len || v.ptr < buf || v.ptr + v.len > buf + len)
		abort();
}

static void text_checks(const struct hl7_seps *sep, struct slice v)
{
	size_t n = 0, en = 0, bn = 0;
	if (hl7_unescape(sep, v, text, v.len, &n) != 0)
		return;
	if (n > v.len)
		abort();
	if (memchr(text, '\r', n) != NULL || memchr(text, '\0', n) != NULL)
		return;
	struct slice t = {text, n};
	if (hl7_escape(sep, t, esc, sizeof(esc), &en) != 0)
		abort();
	struct slice e = {esc, en};
	if (hl7_unescape(sep, e, back, sizeof(back), &bn) != 0 || bn != n ||
	    (n && memcmp(back, text, n) != 0))
		abort();
}

/* Field, repetition, component and subcomponent of every segment, within a budget. */
static void walk(const struct hl7_msg *m, const char *buf, size_t len)
{
	size_t budget = GET_BUDGET;
	struct slice v;
	for (size_t s = 0; s < m->nseg && budget; s++) {
		int msh = strcmp(m->seg[s].id, "MSH") == 0;
		for (size_t f = 1; budget && (budget--, hl7_get(m, s, f, 0, 0, 0, &v) == 0); f++) {
			inside(v, buf, len);
			if (msh && f <= 2)
				continue;
			if (memchr(v.ptr, m->sep.field, v.len) != NULL)
				abort();
			for (size_t r = 1; budget && (budget--, hl7_get(m, s, f, r, 0, 0, &v) == 0);
			     r++) {
				if (memchr(v.ptr, m->sep.repetition, v.len) != NULL)
					abort();
				for (size_t c = 1;
				     budget && (budget--, hl7_get(m, s, f, r, c, 0, &v) == 0); c++) {
					if (memchr(v.ptr, m->sep.component, v.len) != NULL)
						abort();
					for (size_t k = 1;
					     budget && (budget--, hl7_get(m, s, f, r, c, k, &v) == 0);
					     k++) {
						inside(v, buf, len);
						if (memchr(v.ptr, m->sep.subcomponent, v.len) != NULL)
							abort();
						text_checks(&m->sep, v);
					}
				}
			}
		}
	}
}

static void ack_checks(const struct hl7_msg *m, const struct hl7_error *e, int parsed)
{
	struct hl7_ack a = {parsed ? HL7_ACK_AA : HL7_ACK_AE, {"MK1", 3}, {"20261206", 8},
			    {"note|^~\\&\n", 10}, parsed ? NULL : e};
	size_t n = 0;
	if (hl7_ack(m, &a, ack, sizeof(ack), &n) != 0)
		return;
	if (!parsed)
		return;
	struct hl7_msg am;
	struct hl7_error ae;
	struct slice v;
	if (hl7_parse(ack, n, ack_segs, 8, &am, &ae) != 0 || am.nseg != 2 ||
	    hl7_get(&am, 1, 2, 0, 0, 0, &v) != 0 || v.len != m->control_id.len ||
	    memcmp(v.ptr, m->control_id.ptr, v.len) != 0)
		abort();
}

struct run {
	size_t n;
	enum mllp_event ev[MAX_EVENTS];
	size_t len[MAX_EVENTS];
	uint32_t sum[MAX_EVENTS];
};

static uint32_t checksum(struct slice s)
{
	uint32_t h = 2166136261u;
	for (size_t i = 0; i < s.len; i++)
		h = (h ^ (uint8_t)s.ptr[i]) * 16777619u;
	return h;
}

/* Push data in pieces of the sizes a small generator seeded by `seed` draws (0: whole). */
static void decode(const uint8_t *data, size_t size, uint32_t seed, struct run *r)
{
	char *buf = malloc(DECODER_CAP);
	if (buf == NULL)
		abort();
	struct mllp_decoder d;
	mllp_init(&d, buf, DECODER_CAP);
	memset(r, 0, sizeof(*r));
	size_t off = 0;
	while (off < size) {
		size_t piece = size - off;
		if (seed != 0) {
			seed = seed * 1103515245u + 12345u;
			size_t want = 1 + (seed >> 16) % 97;
			if (want < piece)
				piece = want;
		}
		/* A piece is pushed until used up: the same bytes, whatever the split. */
		while (piece > 0) {
			size_t used = 0;
			enum mllp_event ev = mllp_push(&d, data + off, piece, &used);
			if (used > piece)
				abort();
			if (ev != MLLP_MORE && r->n < MAX_EVENTS) {
				struct slice s = mllp_message(&d);
				if (s.len > DECODER_CAP)
					abort();
				r->ev[r->n] = ev;
				r->len[r->n] = ev == MLLP_MESSAGE || ev == MLLP_TOO_BIG ? s.len : 0;
				r->sum[r->n] = ev == MLLP_MESSAGE ? checksum(s) : 0;
				r->n++;
			}
			if (ev == MLLP_OUTSIDE || ev == MLLP_BROKEN)
				mllp_reset(&d);
			if (used == 0 && ev != MLLP_TOO_BIG)
				abort(); /* after a reset every push makes progress */
			off += used;
			piece -= used;
		}
	}
	free(buf);
}

static void mllp_checks(const uint8_t *data, size_t size)
{
	static struct run whole, split;
	decode(data, size, 0, &whole);
	uint32_t seed = 1;
	for (size_t i = 0; i < size && i < 16; i++)
		seed = seed * 31 + data[i];
	decode(data, size, seed | 1, &split);
	if (whole.n != split.n)
		abort();
	for (size_t i = 0; i < whole.n; i++)
		if (whole.ev[i] != split.ev[i] || whole.len[i] != split.len[i] ||
		    whole.sum[i] != split.sum[i])
			abort();

	/* The input as one frame: out whole, or refused as too big; nothing else. */
	uint8_t *framed = malloc(size + 3);
	size_t fl = 0;
	if (framed == NULL)
		abort();
	if (mllp_frame((const char *)data, size, (char *)framed, size + 3, &fl) == 0) {
		decode(framed, fl, seed | 1, &split);
		struct slice in = {(const char *)data, size};
		if (size <= DECODER_CAP && (split.n != 1 || split.ev[0] != MLLP_MESSAGE ||
					    split.len[0] != size || split.sum[0] != checksum(in)))
			abort();
		if (size > DECODER_CAP && (split.n != 1 || split.ev[0] != MLLP_TOO_BIG))
			abort();
	}
	free(framed);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size > MAX_IN)
		return 0;
	char *buf = fuzz_copy(data, size);
	if (buf == NULL)
		return 0;
	struct hl7_msg m;
	struct hl7_error e;
	int rc = hl7_parse(buf, size, segs, LIMIT_HL7_SEGMENTS, &m, &e);
	if (rc == 0) {
		if (m.nseg == 0 || m.control_id.len == 0 || strcmp(m.seg[0].id, "MSH") != 0)
			abort();
		walk(&m, buf, size);
		ack_checks(&m, &e, 1);
	} else {
		if (e.what == NULL || m.nseg > 1)
			abort();
		if (m.nseg == 1)
			ack_checks(&m, &e, 0);
	}
	mllp_checks(data, size);
	free(buf);
	return 0;
}
