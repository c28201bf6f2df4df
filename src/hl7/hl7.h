/*
 * HL7 v2 (2.3 to 2.5) messages: the parser, the accessors, escaping, and the ACK builder.
 *
 * Everything here is pure and allocates nothing: the message is parsed in place from
 * (buf, len), its segments are indexed into an array the caller provides, and every value
 * comes back as a slice of the caller's bytes. The bytes must outlive the struct hl7_msg.
 * Limits are in limits.h (LIMIT_HL7_*); docs/internals/HL7.md says what is tolerated.
 *
 * A refused message says where and why in a struct hl7_error, in the terms of an ACK's ERR
 * segment: the segment id and its occurrence, the field (HL7 numbering), and a code from
 * HL7 table 0357.
 */
#ifndef MEDKEEP_HL7_H
#define MEDKEEP_HL7_H
#include <stddef.h>

#include "util/buf.h"

/* The encoding characters, read from MSH-1 and MSH-2 of each message, never assumed. */
struct hl7_seps {
	char field;        /* MSH-1, usually | */
	char component;    /* usually ^ */
	char repetition;   /* usually ~ */
	char escape;       /* usually \ */
	char subcomponent; /* usually & */
};

struct hl7_segment {
	char id[4];        /* three characters and a NUL: "MSH", "OBX", "ZPD" */
	struct slice text; /* the segment without its line end, starting at the id */
};

struct hl7_msg {
	struct hl7_seps sep;
	const struct hl7_segment *seg; /* the caller's array; seg[0] is the MSH */
	size_t nseg;
	/* From the MSH, as they were sent (not unescaped): */
	struct slice type;       /* MSH-9.1: "ORU", "ADT", "MDM" */
	struct slice event;      /* MSH-9.2: "R01", "A04", "T02" (may be empty) */
	struct slice control_id; /* MSH-10, never empty */
	struct slice version;    /* MSH-12.1: "2.3", "2.3.1", "2.4", "2.5", "2.5.1" */
};

/* HL7 table 0357 (message error condition codes): the codes this layer reports. */
enum hl7_code {
	HL7_E_SEGMENT_SEQUENCE = 100, /* no MSH first, a second MSH, a bad segment id */
	HL7_E_REQUIRED_MISSING = 101, /* MSH-9, MSH-10 or MSH-12 empty */
	HL7_E_DATA_TYPE = 102,        /* malformed: a control byte, bad encoding characters,
				       * a field, repetition or segment count over its limit */
	HL7_E_TABLE_VALUE = 103,
	HL7_E_UNSUPPORTED_TYPE = 200,
	HL7_E_UNSUPPORTED_EVENT = 201,
	HL7_E_UNSUPPORTED_PROCESSING = 202,
	HL7_E_UNSUPPORTED_VERSION = 203, /* MSH-12 not 2.3, 2.4 or 2.5 (2.x.y included) */
	HL7_E_UNKNOWN_KEY = 204,
	HL7_E_DUPLICATE_KEY = 205,
	HL7_E_RECORD_LOCKED = 206,
	HL7_E_INTERNAL = 207,
};

struct hl7_error {
	enum hl7_code code;
	char segment[4];  /* the segment's id, or "" when the fault is the message as a whole */
	size_t seg_seq;   /* its occurrence among segments with that id, 1-based; 0 for none */
	size_t seg_index; /* its position in the message, 1-based; 0 for none (logs) */
	size_t field;     /* HL7 field number, 0 for the segment as a whole */
	const char *what; /* a fixed English phrase for logs and the ERR text; never input */
};

/*
 * Parse one message (the content of one MLLP frame) of len bytes. Segments end at CR, LF or
 * CRLF; empty lines are skipped. Fills segs[0..max_segs) (at most LIMIT_HL7_SEGMENTS are
 * used) and *m. Returns 0, or -1 with *err saying where and why. After a refusal, m->nseg
 * is 1 when the MSH itself was read whole with a control id (m then holds the MSH alone,
 * enough for hl7_ack to answer AE or AR), and 0 when there is nothing to answer.
 * Checks: the message starts with MSH and has no second one; MSH-1/MSH-2 are five distinct
 * punctuation characters; every segment id is three upper-case letters or digits; no NUL,
 * 0x0B or 0x1C byte; MSH-9.1, MSH-10 and MSH-12 present and MSH-12 names 2.3, 2.4 or 2.5;
 * the limits on message bytes, segments, fields per segment, field bytes (OBX-5 excepted:
 * encapsulated data) and repetitions.
 */
int hl7_parse(const char *buf, size_t len, struct hl7_segment *segs, size_t max_segs,
	      struct hl7_msg *m, struct hl7_error *err);

/*
 * One value of segment seg of m: field `field` (HL7 numbering; MSH-1 is the field separator
 * itself and MSH-2 the encoding characters, neither split further), repetition rep,
 * component comp, subcomponent sub, each 1-based. 0 means the whole at that level: rep 0
 * is the whole field, comp 0 the whole repetition, sub 0 the whole component; a 0 level
 * must be followed by 0s. Returns 0 with *out set (possibly empty) when the value is
 * present, 1 when it is not (past the last one), -1 on bad arguments. The value is raw:
 * unescape it with hl7_unescape before using it as text.
 */
int hl7_get(const struct hl7_msg *m, size_t seg, size_t field, size_t rep, size_t comp,
	    size_t sub, struct slice *out);

/* The index of the first segment at or after `from` whose id is `id`, or m->nseg. */
size_t hl7_find(const struct hl7_msg *m, const char *id, size_t from);

/*
 * The next piece of *rest split on sep: *piece is up to the first sep, and *rest moves past
 * it. Returns 0 for a piece, 1 when *rest was already used up (rest->ptr == NULL). Start with
 * rest = the value; a value of n separators has n + 1 pieces (an empty value has one).
 */
int hl7_next(struct slice *rest, char sep, struct slice *piece);

/*
 * Decode the escape sequences of a raw value into out (capacity cap, not NUL-terminated):
 * \F\ \S\ \T\ \R\ \E\ give the separators, \Xhh..\ the bytes (an even number of hex
 * digits, no NUL byte), \.br\ and \.sp\ a newline; \H\ and \N\ (highlighting) are dropped.
 * Returns 0 with *out_len, or -1 on an unterminated, unknown or malformed sequence, or when
 * cap is too small (then out's contents are unspecified).
 */
int hl7_unescape(const struct hl7_seps *sep, struct slice in, char *out, size_t cap,
		 size_t *out_len);

/*
 * Escape text for a field: the five encoding characters as \F\ \S\ \T\ \R\ \E\, a newline
 * as \.br\, and other control bytes as \Xhh\. Returns 0 with *out_len, or -1 when cap is too
 * small or the text holds a NUL byte (which hl7_unescape would refuse). hl7_unescape gives
 * the text back, except that CR and CRLF come back as LF.
 */
int hl7_escape(const struct hl7_seps *sep, struct slice in, char *out, size_t cap,
	       size_t *out_len);

enum hl7_ack_code {
	HL7_ACK_AA, /* accepted, and its effects are durable */
	HL7_ACK_AE, /* error in the message: not applied; ERR says where */
	HL7_ACK_AR, /* rejected: not ours, unsupported, or we cannot take it now */
};

struct hl7_ack {
	enum hl7_ack_code code;
	struct slice control_id;     /* the ACK's own MSH-10, new, given by the caller */
	struct slice timestamp;      /* the ACK's MSH-7 (YYYYMMDDHHMMSS+ZZZZ), from the caller */
	struct slice text;           /* MSA-3, may be empty */
	const struct hl7_error *err; /* NULL, or the ERR segment's location and code */
};

/*
 * Build the acknowledgement of m into out (capacity cap; not NUL-terminated): an MSH with
 * m's encoding characters, its sending and receiving application and facility swapped
 * (copied as sent: they are already encoded with those characters), the caller's timestamp
 * and control id, message type ACK^<event>^ACK, m's processing id and version; an MSA with
 * the code and m's MSH-10; and, when a->err is given, an ERR segment (ERR-1 as v2.4's ELD,
 * ERR-2 to ERR-4 as v2.5's ERL, code and severity). Every text the caller gives is escaped.
 * Segments end with CR. Returns 0 with *out_len, or -1 when cap is too small.
 */
int hl7_ack(const struct hl7_msg *m, const struct hl7_ack *a, char *out, size_t cap,
	    size_t *out_len);

/* The text of a table 0357 code ("Data type error"), "Error" for one not in the table. */
const char *hl7_code_text(enum hl7_code code);

#endif
