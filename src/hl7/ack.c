/*
 * The ACK builder: an acknowledgement of a parsed message, written into the caller's buffer.
 * It answers in the message's own encoding characters, so the sender's fields it copies back
 * (applications, facilities, control id, processing id, version) go out exactly as they came
 * in: hl7_parse has already made sure they hold no field separator or line end. Everything
 * the caller supplies is escaped.
 */
#include "hl7/hl7.h"

#include <stdio.h>
#include <string.h>

/* A capped writer over the caller's buffer: a write that does not fit sets failed. */
struct out {
	char *p;
	size_t cap, len;
	int failed;
};

static void out_bytes(struct out *o, const char *s, size_t n)
{
	if (o->failed || n > o->cap - o->len) {
		o->failed = 1;
		return;
	}
	if (n)
		memcpy(o->p + o->len, s, n);
	o->len += n;
}

static void out_char(struct out *o, char c)
{
	out_bytes(o, &c, 1);
}

static void out_str(struct out *o, const char *s)
{
	out_bytes(o, s, strlen(s));
}

static void out_size(struct out *o, size_t v)
{
	char num[24];
	int n = snprintf(num, sizeof(num), "%zu", v);
	if (n < 0 || (size_t)n >= sizeof(num)) {
		o->failed = 1;
		return;
	}
	out_bytes(o, num, (size_t)n);
}

/* Text from the caller, escaped in place at the writer's end. */
static void out_text(struct out *o, const struct hl7_seps *sep, struct slice s)
{
	size_t n = 0;
	if (o->failed || hl7_escape(sep, s, o->p + o->len, o->cap - o->len, &n) != 0) {
		o->failed = 1;
		return;
	}
	o->len += n;
}

/* A field of the original MSH copied as it was sent (absent: empty). */
static void out_msh(struct out *o, const struct hl7_msg *m, size_t field)
{
	struct slice v;
	if (hl7_get(m, 0, field, 0, 0, 0, &v) == 0)
		out_bytes(o, v.ptr, v.len);
}

static struct slice lit(const char *s)
{
	struct slice v = {s, strlen(s)};
	return v;
}

const char *hl7_code_text(enum hl7_code code)
{
	switch (code) {
	case HL7_E_SEGMENT_SEQUENCE: return "Segment sequence error";
	case HL7_E_REQUIRED_MISSING: return "Required field missing";
	case HL7_E_DATA_TYPE: return "Data type error";
	case HL7_E_TABLE_VALUE: return "Table value not found";
	case HL7_E_UNSUPPORTED_TYPE: return "Unsupported message type";
	case HL7_E_UNSUPPORTED_EVENT: return "Unsupported event code";
	case HL7_E_UNSUPPORTED_PROCESSING: return "Unsupported processing id";
	case HL7_E_UNSUPPORTED_VERSION: return "Unsupported version id";
	case HL7_E_UNKNOWN_KEY: return "Unknown key identifier";
	case HL7_E_DUPLICATE_KEY: return "Duplicate key identifier";
	case HL7_E_RECORD_LOCKED: return "Application record locked";
	case HL7_E_INTERNAL: return "Application internal error";
	}
	return "Error";
}

/* A table 0357 code as CE/CWE: code, text, table, joined by `join`. */
static void out_code(struct out *o, const struct hl7_seps *sep, enum hl7_code code, char join)
{
	out_size(o, (size_t)code);
	out_char(o, join);
	out_text(o, sep, lit(hl7_code_text(code)));
	out_char(o, join);
	out_str(o, "HL70357");
}

/*
 * ERR-1 (v2.4 ELD: segment^sequence^field^code&text&HL70357), ERR-2 (v2.5 ERL:
 * segment^sequence^field), ERR-3 (code^text^HL70357), ERR-4 severity E.
 */
static void out_err(struct out *o, const struct hl7_seps *sep, const struct hl7_error *e)
{
	out_str(o, "ERR");
	out_char(o, sep->field);
	for (int part = 0; part < 2; part++) {
		out_text(o, sep, lit(e->segment));
		out_char(o, sep->component);
		if (e->seg_seq)
			out_size(o, e->seg_seq);
		out_char(o, sep->component);
		if (e->field)
			out_size(o, e->field);
		if (part == 0) {
			out_char(o, sep->component);
			out_code(o, sep, e->code, sep->subcomponent);
		}
		out_char(o, sep->field);
	}
	out_code(o, sep, e->code, sep->component);
	out_char(o, sep->field);
	out_char(o, 'E');
	out_char(o, '\r');
}

int hl7_ack(const struct hl7_msg *m, const struct hl7_ack *a, char *out, size_t cap,
	    size_t *out_len)
{
	static const char *const codes[] = {"AA", "AE", "AR"};
	const struct hl7_seps *sep = &m->sep;
	struct out o = {out, cap, 0, 0};
	if (m->nseg == 0 || (unsigned)a->code > (unsigned)HL7_ACK_AR)
		return -1;
	const char enc[] = {sep->field, sep->component, sep->repetition, sep->escape,
			    sep->subcomponent, sep->field};
	out_str(&o, "MSH");
	out_bytes(&o, enc, sizeof(enc));
	/* MSH-3..6: our application and facility are the ones the sender addressed. */
	static const size_t swapped[] = {5, 6, 3, 4};
	for (size_t i = 0; i < 4; i++) {
		out_msh(&o, m, swapped[i]);
		out_char(&o, sep->field);
	}
	out_text(&o, sep, a->timestamp);        /* MSH-7 */
	out_char(&o, sep->field);
	out_char(&o, sep->field);               /* MSH-8 security: none */
	out_str(&o, "ACK");                     /* MSH-9 */
	out_char(&o, sep->component);
	out_bytes(&o, m->event.ptr, m->event.len);
	out_char(&o, sep->component);
	out_str(&o, "ACK");
	out_char(&o, sep->field);
	out_text(&o, sep, a->control_id);       /* MSH-10 */
	out_char(&o, sep->field);
	out_msh(&o, m, 11);                     /* MSH-11 processing id */
	out_char(&o, sep->field);
	out_msh(&o, m, 12);                     /* MSH-12 version */
	out_char(&o, '\r');

	out_str(&o, "MSA");
	out_char(&o, sep->field);
	out_str(&o, codes[a->code]);
	out_char(&o, sep->field);
	out_bytes(&o, m->control_id.ptr, m->control_id.len);
	if (a->text.len) {
		out_char(&o, sep->field);
		out_text(&o, sep, a->text);
	}
	out_char(&o, '\r');
	if (a->err != NULL)
		out_err(&o, sep, a->err);
	if (o.failed)
		return -1;
	*out_len = o.len;
	return 0;
}
