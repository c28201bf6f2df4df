/*
 * The HL7 v2 parser: one pass over the message that finds the segments, checks the limits
 * and the MSH, and indexes the segments into the caller's array. Nothing is allocated and
 * nothing is copied; values are found again on demand by hl7_get, which walks the one
 * segment it is asked about. Input is untrusted: every read is bounded by the slice it is in.
 */
#include "hl7/hl7.h"

#include <string.h>

#include "limits.h"
#include "util/strtonum.h"

static int fail(struct hl7_error *err, enum hl7_code code, const char *what)
{
	memset(err, 0, sizeof(*err));
	err->code = code;
	err->what = what;
	return -1;
}

/* The fault is in segment i of segs (its occurrence counted among the ones before it). */
static int fail_at(struct hl7_error *err, enum hl7_code code, const char *what,
		   const struct hl7_segment *segs, size_t i, size_t field)
{
	fail(err, code, what);
	memcpy(err->segment, segs[i].id, sizeof(err->segment));
	err->seg_index = i + 1;
	err->seg_seq = 1;
	for (size_t k = 0; k < i; k++)
		if (memcmp(segs[k].id, segs[i].id, sizeof(segs[i].id)) == 0)
			err->seg_seq++;
	err->field = field;
	return -1;
}

static int is_id_char(char c)
{
	return (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

/* An encoding character: printable ASCII punctuation (not a letter, digit or space). */
static int is_sep_char(char c)
{
	return c > ' ' && c < 0x7f && !is_id_char(c) && !(c >= 'a' && c <= 'z');
}

int hl7_next(struct slice *rest, char sep, struct slice *piece)
{
	if (rest->ptr == NULL)
		return 1;
	const char *p = rest->len ? memchr(rest->ptr, sep, rest->len) : NULL;
	if (p == NULL) {
		*piece = *rest;
		rest->ptr = NULL;
		rest->len = 0;
		return 0;
	}
	piece->ptr = rest->ptr;
	piece->len = (size_t)(p - rest->ptr);
	rest->len -= piece->len + 1;
	rest->ptr = p + 1;
	return 0;
}

/* The n-th (1-based) piece of v split on sep: 0 and *out, or 1 when there are fewer. */
static int nth_piece(struct slice v, char sep, size_t n, struct slice *out)
{
	struct slice piece;
	for (size_t i = 1; hl7_next(&v, sep, &piece) == 0; i++) {
		if (i == n) {
			*out = piece;
			return 0;
		}
	}
	return 1;
}

/* MSH-1 and MSH-2: five distinct encoding characters, then a field separator. */
static int read_seps(const char *buf, size_t len, struct hl7_seps *sep, struct hl7_error *err)
{
	if (len < 3 || memcmp(buf, "MSH", 3) != 0)
		return fail(err, HL7_E_SEGMENT_SEQUENCE, "message does not start with MSH");
	if (len < 9)
		return fail(err, HL7_E_DATA_TYPE, "MSH truncated in its encoding characters");
	const char c[5] = {buf[3], buf[4], buf[5], buf[6], buf[7]};
	for (size_t i = 0; i < 5; i++) {
		if (!is_sep_char(c[i]))
			return fail(err, HL7_E_DATA_TYPE, "MSH-1/MSH-2: not an encoding character");
		for (size_t k = 0; k < i; k++)
			if (c[k] == c[i])
				return fail(err, HL7_E_DATA_TYPE, "MSH-2: encoding characters repeat");
	}
	if (buf[8] != c[0])
		return fail(err, HL7_E_DATA_TYPE, "MSH-2: not four encoding characters");
	sep->field = c[0];
	sep->component = c[1];
	sep->repetition = c[2];
	sep->escape = c[3];
	sep->subcomponent = c[4];
	return 0;
}

/* Field limits of segment i: count, bytes (OBX-5 excepted), repetitions. */
static int check_fields(const struct hl7_seps *sep, const struct hl7_segment *segs, size_t i,
			struct hl7_error *err)
{
	const struct hl7_segment *s = &segs[i];
	int msh = memcmp(s->id, "MSH", 4) == 0;
	int obx = memcmp(s->id, "OBX", 4) == 0;
	struct slice rest = {s->text.ptr + 3, s->text.len - 3}, f;
	if (rest.len == 0)
		return 0; /* a segment of its id alone: no fields */
	rest.ptr++;   /* past the separator after the id */
	rest.len--;
	/* Field k of the split is field k, or MSH-(k+1) (MSH-1 is the separator itself). */
	for (size_t k = 1; hl7_next(&rest, sep->field, &f) == 0; k++) {
		size_t num = msh ? k + 1 : k;
		if (num > LIMIT_HL7_FIELDS)
			return fail_at(err, HL7_E_DATA_TYPE, "too many fields", segs, i, num);
		if (f.len > LIMIT_HL7_FIELD_BYTES && !(obx && num == 5))
			return fail_at(err, HL7_E_DATA_TYPE, "field too long", segs, i, num);
		if (msh && num == 2)
			continue; /* the encoding characters hold the repetition separator */
		size_t reps = 1;
		for (const char *p = f.ptr; p != NULL && (size_t)(p - f.ptr) < f.len; p++) {
			p = memchr(p, sep->repetition, f.len - (size_t)(p - f.ptr));
			if (p == NULL)
				break;
			if (++reps > LIMIT_HL7_REPETITIONS)
				return fail_at(err, HL7_E_DATA_TYPE, "too many repetitions", segs, i,
					       num);
		}
	}
	return 0;
}

/* Split buf into segments at CR, LF or CRLF, skipping empty lines; check each id. */
static int split_segments(const char *buf, size_t len, struct hl7_segment *segs, size_t max,
			  char fsep, size_t *n, struct hl7_error *err)
{
	size_t i = 0;
	*n = 0;
	while (i < len) {
		size_t start = i;
		while (i < len && buf[i] != '\r' && buf[i] != '\n') {
			unsigned char c = (unsigned char)buf[i];
			if (c == 0 || c == 0x0b || c == 0x1c)
				return fail(err, HL7_E_DATA_TYPE, "NUL or MLLP control byte");
			i++;
		}
		size_t slen = i - start;
		while (i < len && (buf[i] == '\r' || buf[i] == '\n'))
			i++;
		if (slen == 0)
			continue;
		if (*n >= max)
			return fail(err, HL7_E_DATA_TYPE, "too many segments");
		struct hl7_segment *s = &segs[*n];
		memset(s->id, 0, sizeof(s->id));
		memcpy(s->id, buf + start, slen < 3 ? slen : 3);
		s->text.ptr = buf + start;
		s->text.len = slen;
		(*n)++;
		if (slen < 3 || !(buf[start] >= 'A' && buf[start] <= 'Z') ||
		    !is_id_char(buf[start + 1]) || !is_id_char(buf[start + 2]) ||
		    (slen > 3 && buf[start + 3] != fsep))
			return fail_at(err, HL7_E_SEGMENT_SEQUENCE, "bad segment id", segs, *n - 1,
				       0);
		if (*n > 1 && memcmp(s->id, "MSH", 4) == 0)
			return fail_at(err, HL7_E_SEGMENT_SEQUENCE,
				       "second MSH (batches are not taken)", segs, *n - 1, 0);
	}
	return 0;
}

/* 2.3, 2.4 or 2.5, alone or with a further ".digits" (2.3.1, 2.5.1). */
static int version_ok(struct slice v)
{
	if (v.len < 3 || v.ptr[0] != '2' || v.ptr[1] != '.' || v.ptr[2] < '3' || v.ptr[2] > '5')
		return 0;
	if (v.len == 3)
		return 1;
	if (v.ptr[3] != '.' || v.len == 4)
		return 0;
	for (size_t i = 4; i < v.len; i++)
		if (v.ptr[i] < '0' || v.ptr[i] > '9')
			return 0;
	return 1;
}

/* The MSH fields the ACK and the caller need: type, event, control id, version; each is
 * kept as soon as it is read, so a message refused for its version can still be answered. */
static int read_msh(struct hl7_msg *m, const struct hl7_segment *segs, struct hl7_error *err)
{
	struct slice f;
	if (hl7_get(m, 0, 9, 1, 1, 0, &f) != 0 || f.len == 0)
		return fail_at(err, HL7_E_REQUIRED_MISSING, "MSH-9 message type missing", segs, 0,
			       9);
	m->type = f;
	if (hl7_get(m, 0, 9, 1, 2, 0, &f) == 0)
		m->event = f;
	if (hl7_get(m, 0, 10, 0, 0, 0, &f) != 0 || f.len == 0)
		return fail_at(err, HL7_E_REQUIRED_MISSING, "MSH-10 control id missing", segs, 0,
			       10);
	m->control_id = f;
	if (hl7_get(m, 0, 12, 1, 1, 0, &f) != 0 || f.len == 0)
		return fail_at(err, HL7_E_REQUIRED_MISSING, "MSH-12 version missing", segs, 0,
			       12);
	m->version = f;
	if (!version_ok(f))
		return fail_at(err, HL7_E_UNSUPPORTED_VERSION, "MSH-12 version not 2.3 to 2.5",
			       segs, 0, 12);
	return 0;
}

/*
 * After a refusal: keep the MSH alone in m when it was read whole and carries a control id,
 * so the caller can still answer with an AE or AR; otherwise m is left empty.
 */
static void salvage_msh(struct hl7_msg *m, const struct hl7_segment *segs, size_t n)
{
	struct hl7_seps sep = m->sep;
	struct hl7_error scratch;
	memset(m, 0, sizeof(*m));
	if (n == 0 || memcmp(segs[0].id, "MSH", 4) != 0 || check_fields(&sep, segs, 0, &scratch))
		return;
	m->sep = sep;
	m->seg = segs;
	m->nseg = 1;
	(void)read_msh(m, segs, &scratch);
	if (m->control_id.len == 0)
		memset(m, 0, sizeof(*m));
}

int hl7_parse(const char *buf, size_t len, struct hl7_segment *segs, size_t max_segs,
	      struct hl7_msg *m, struct hl7_error *err)
{
	memset(m, 0, sizeof(*m));
	if (len > LIMIT_HL7_MESSAGE_BYTES)
		return fail(err, HL7_E_DATA_TYPE, "message too large");
	if (read_seps(buf, len, &m->sep, err) != 0)
		return -1;
	size_t max = max_segs < LIMIT_HL7_SEGMENTS ? max_segs : LIMIT_HL7_SEGMENTS;
	size_t n = 0;
	int rc = split_segments(buf, len, segs, max, m->sep.field, &n, err);
	for (size_t i = 0; rc == 0 && i < n; i++)
		rc = check_fields(&m->sep, segs, i, err);
	m->seg = segs;
	m->nseg = n;
	if (rc == 0)
		rc = read_msh(m, segs, err);
	if (rc != 0)
		salvage_msh(m, segs, n);
	return rc;
}

int hl7_get(const struct hl7_msg *m, size_t seg, size_t field, size_t rep, size_t comp,
	    size_t sub, struct slice *out)
{
	if (seg >= m->nseg || field == 0 || (rep == 0 && comp != 0) || (comp == 0 && sub != 0))
		return -1;
	const struct hl7_segment *s = &m->seg[seg];
	int msh = memcmp(s->id, "MSH", 4) == 0;
	struct slice v;
	if (msh && field <= 2) {
		/* MSH-1 is the separator; MSH-2 the encoding characters, not split further. */
		if (field == 1) {
			v.ptr = s->text.ptr + 3;
			v.len = 1;
		} else if (nth_piece(s->text, m->sep.field, 2, &v) != 0) {
			return 1;
		}
		if (rep > 1 || comp > 1 || sub > 1)
			return 1;
		*out = v;
		return 0;
	}
	/* Piece 1 of the split is the id: field n is piece n + 1, MSH-n is piece n. */
	if (nth_piece(s->text, m->sep.field, msh ? field : field + 1, &v) != 0)
		return 1;
	if (rep == 0) {
		*out = v;
		return 0;
	}
	if (nth_piece(v, m->sep.repetition, rep, &v) != 0)
		return 1;
	if (comp != 0 && nth_piece(v, m->sep.component, comp, &v) != 0)
		return 1;
	if (sub != 0 && nth_piece(v, m->sep.subcomponent, sub, &v) != 0)
		return 1;
	*out = v;
	return 0;
}

size_t hl7_find(const struct hl7_msg *m, const char *id, size_t from)
{
	size_t idlen = strlen(id);
	if (idlen != 3)
		return m->nseg;
	for (size_t i = from; i < m->nseg; i++)
		if (memcmp(m->seg[i].id, id, 3) == 0)
			return i;
	return m->nseg;
}

static int put(char *out, size_t cap, size_t *j, char c)
{
	if (*j >= cap)
		return -1;
	out[(*j)++] = c;
	return 0;
}

/* One escape sequence's body (between the escape characters) into out. */
static int unescape_one(const struct hl7_seps *sep, const char *e, size_t n, char *out,
			size_t cap, size_t *j)
{
	if (n == 1) {
		switch (e[0]) {
		case 'F': return put(out, cap, j, sep->field);
		case 'S': return put(out, cap, j, sep->component);
		case 'T': return put(out, cap, j, sep->subcomponent);
		case 'R': return put(out, cap, j, sep->repetition);
		case 'E': return put(out, cap, j, sep->escape);
		case 'H':
		case 'N': return 0; /* highlighting on and off: the text is unchanged */
		default: return -1;
		}
	}
	if (n == 3 && (memcmp(e, ".br", 3) == 0 || memcmp(e, ".sp", 3) == 0))
		return put(out, cap, j, '\n');
	if (e[0] == 'X' && n >= 3 && (n - 1) % 2 == 0) {
		for (size_t i = 1; i < n; i += 2) {
			int hi = hex_digit(e[i]), lo = hex_digit(e[i + 1]);
			if (hi < 0 || lo < 0 || (hi == 0 && lo == 0))
				return -1;
			if (put(out, cap, j, (char)(hi << 4 | lo)) != 0)
				return -1;
		}
		return 0;
	}
	return -1;
}

int hl7_unescape(const struct hl7_seps *sep, struct slice in, char *out, size_t cap,
		 size_t *out_len)
{
	size_t j = 0;
	for (size_t i = 0; i < in.len; i++) {
		if (in.ptr[i] != sep->escape) {
			if (put(out, cap, &j, in.ptr[i]) != 0)
				return -1;
			continue;
		}
		const char *end = memchr(in.ptr + i + 1, sep->escape, in.len - i - 1);
		if (end == NULL)
			return -1; /* unterminated */
		size_t n = (size_t)(end - (in.ptr + i + 1));
		if (n == 0 || unescape_one(sep, in.ptr + i + 1, n, out, cap, &j) != 0)
			return -1;
		i += n + 1;
	}
	*out_len = j;
	return 0;
}

static int put_str(char *out, size_t cap, size_t *j, char esc, const char *body)
{
	if (put(out, cap, j, esc) != 0)
		return -1;
	for (; *body; body++)
		if (put(out, cap, j, *body) != 0)
			return -1;
	return put(out, cap, j, esc);
}

int hl7_escape(const struct hl7_seps *sep, struct slice in, char *out, size_t cap,
	       size_t *out_len)
{
	static const char hex[] = "0123456789ABCDEF";
	size_t j = 0;
	for (size_t i = 0; i < in.len; i++) {
		char c = in.ptr[i];
		unsigned char u = (unsigned char)c;
		int rc;
		if (c == sep->field)
			rc = put_str(out, cap, &j, sep->escape, "F");
		else if (c == sep->component)
			rc = put_str(out, cap, &j, sep->escape, "S");
		else if (c == sep->subcomponent)
			rc = put_str(out, cap, &j, sep->escape, "T");
		else if (c == sep->repetition)
			rc = put_str(out, cap, &j, sep->escape, "R");
		else if (c == sep->escape)
			rc = put_str(out, cap, &j, sep->escape, "E");
		else if (c == '\n' || (c == '\r' && !(i + 1 < in.len && in.ptr[i + 1] == '\n')))
			rc = put_str(out, cap, &j, sep->escape, ".br");
		else if (c == '\r')
			rc = 0; /* CRLF: the LF that follows gives the line break */
		else if (u < 0x20 || u == 0x7f) {
			char x[4] = {'X', hex[u >> 4], hex[u & 15], '\0'};
			rc = u == 0 ? -1 : put_str(out, cap, &j, sep->escape, x);
		} else
			rc = put(out, cap, &j, c);
		if (rc != 0)
			return -1;
	}
	*out_len = j;
	return 0;
}
