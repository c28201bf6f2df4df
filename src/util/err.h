/*
 * One vocabulary of outcomes for every layer below the handlers: store, domain, vault, auth
 * and the commands. ERR_OK is 0 and every failure is positive, so `if (rc != ERR_OK)` means
 * the same thing everywhere and a code passes up through the layers unchanged. The one map to
 * an HTTP status, for pages and FHIR alike, is http_status_of (src/http/http.h): that is where
 * "not yours is not found" is decided.
 */
#ifndef MEDKEEP_ERR_H
#define MEDKEEP_ERR_H

enum err {
	ERR_OK = 0,
	ERR_NOT_FOUND,    /* missing, or outside the actor's reach: one answer for both */
	ERR_DENIED,       /* a grant, token or ciphertext the layer below refused; to a client
			   * this is a miss like any other (not yours = not found) */
	ERR_INVALID,      /* the input is wrong: a message (*why) says what to do */
	ERR_CONFLICT,     /* it exists already, or it changed meanwhile */
	ERR_GONE,         /* the patient's key was destroyed (crypto-shredded) */
	ERR_TRIPPED,      /* the exfiltration breaker stopped this actor (account paused) */
	ERR_APP_STOPPED,  /* the breaker stopped this app's token, not its patient */
	ERR_OUT_OF_SCOPE, /* the actor reaches the record, but its scopes leave this out */
	ERR_STEP_UP,      /* allowed, but only with a fresh second factor */
	ERR_NO_FACTOR,    /* a step-up is due and the account has no second factor for it */
	ERR_PENDING,      /* allowed so far; the answer comes later, through a callback */
	ERR_FULL,         /* not stored: the upload quota or the disk's reserve is used up */
	ERR_THROTTLED,    /* too many attempts for this account or address */
	ERR_AUTH_FAIL,    /* wrong email or password: one answer for both */
	ERR_UNVERIFIED,   /* right password, but the address is not confirmed yet */
	ERR_LOCKED,       /* right password, but the account is paused for review */
	ERR_BAD_CLIENT,   /* OAuth: unknown app or redirect URI (say so, never redirect) */
	ERR_BAD_REQUEST,  /* OAuth: an error to send back to the app */
	ERR_NOT_ENROLLED, /* a practice named that the patient is not enrolled at */
	ERR_HELD,         /* another practice still holds the patient */
	ERR_INTERNAL,     /* our fault: nothing was served or changed */
	ERR_COUNT
};

/* The code's name ("ERR_NOT_FOUND"), for logs and tests; "ERR_?" for a value out of range. */
const char *err_name(enum err e);

#endif
