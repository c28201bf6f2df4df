/*
 * MLLP release 2 framing (HL7 v2 over TCP): <VT> message <FS><CR>, that is 0x0B, the
 * message, 0x1C 0x0D. A push decoder: feed the bytes as they arrive, split anywhere (a byte
 * at a time is fine), and take each complete message out as a slice of the caller's buffer.
 *
 * The decoder allocates nothing: the caller gives it a buffer and its capacity (the listener
 * gives LIMIT_HL7_MESSAGE_BYTES). A frame longer than the capacity is reported as soon as it
 * passes it and is never buffered whole: its first cap bytes stay in the buffer (enough for
 * the MSH of an AR), the rest is dropped up to its end block. Bytes between frames and a
 * broken frame are an error state that stays until mllp_reset: the listener decides what
 * to do (close the connection, or reset and wait for the next start block).
 */
#ifndef MEDKEEP_MLLP_H
#define MEDKEEP_MLLP_H
#include <stddef.h>

#include "util/buf.h"

#define MLLP_START 0x0b
#define MLLP_END 0x1c
#define MLLP_END2 0x0d

enum mllp_event {
	MLLP_MORE = 0, /* every byte consumed; no complete message yet */
	MLLP_MESSAGE,  /* a complete message: mllp_message(); consumed stops after its frame */
	MLLP_TOO_BIG,  /* the frame passed the capacity: consumed stops at the first byte over;
			* its prefix is mllp_message(); the rest of it will be dropped */
	MLLP_OUTSIDE,  /* a byte other than a start block between frames (sticky error) */
	MLLP_BROKEN,   /* a start block inside a frame, or an end block not followed by CR
			* (sticky error) */
};

enum mllp_state {
	MLLP_S_IDLE,  /* between frames */
	MLLP_S_FRAME, /* inside a frame */
	MLLP_S_END,   /* inside a frame, after its 0x1C */
	MLLP_S_DONE,  /* a message was delivered: the next push starts afresh */
	MLLP_S_SKIP,  /* dropping the rest of a frame too big */
	MLLP_S_SKIP_END,
	MLLP_S_ERROR, /* sticky, until mllp_reset */
};

struct mllp_decoder {
	char *buf;
	size_t cap;
	size_t len;
	enum mllp_state state;
	enum mllp_event error; /* the sticky error's event, in MLLP_S_ERROR */
};

/* Start a decoder over buf (capacity cap bytes, owned by the caller for the decoder's life). */
void mllp_init(struct mllp_decoder *d, char *buf, size_t cap);

/*
 * Feed n bytes. Returns what happened and sets *consumed to the bytes used: all of them for
 * MLLP_MORE; up to and including the frame's end for MLLP_MESSAGE (feed the rest again
 * after taking the message); up to the first byte over the capacity for MLLP_TOO_BIG;
 * through the offending byte for the errors. In the error state every push returns the
 * error again and consumes nothing.
 */
enum mllp_event mllp_push(struct mllp_decoder *d, const void *data, size_t n, size_t *consumed);

/* The message just delivered (MLLP_MESSAGE), or the kept prefix of a frame too big
 * (MLLP_TOO_BIG); valid until the next push. */
struct slice mllp_message(const struct mllp_decoder *d);

/* Leave the error state (or drop a partial frame): back to waiting for a start block. */
void mllp_reset(struct mllp_decoder *d);

/* Whether a frame is partly received (for a listener that sees the peer close). */
int mllp_in_frame(const struct mllp_decoder *d);

/*
 * Wrap a message in a frame into out (capacity cap): 0 with *out_len, or -1 when it does not
 * fit or the message holds a 0x0B or 0x1C byte (which cannot be framed).
 */
int mllp_frame(const char *msg, size_t len, char *out, size_t cap, size_t *out_len);

#endif
