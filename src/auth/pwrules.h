/*
 * Password rules, the same for registration, reset, change and `medkeep demo`:
 *
 *   - at least PW_MIN_CHARS characters (Unicode code points), at most LIMIT_PASSWORD bytes
 *     (what login accepts: no upper bound below 128);
 *   - not a common or breached password: not in the shipped list (John the Ripper's
 *     password.lst from Debian's john-data, built into a sorted table at build time), not one
 *     of them dressed up with digits or symbols before or after ("Password2026!"), not only
 *     digits and symbols, and not a handful of characters repeated;
 *   - not containing the account's own name or email: the email's local part, and the
 *     patient's given and family names when the account has a patient record.
 *
 * The personal words are known in clear only where the account is made (the address typed,
 * the names opened with a grant). Afterwards (a reset, a change) the worker can open neither,
 * so accounts keep "marks": for each personal word its length and a keyed hash (blind index,
 * kind "pwmark"). A password is checked against a mark by hashing each of its substrings of
 * that length. A mark reveals a word's length, nothing else without the vault's index key.
 */
#ifndef MEDKEEP_PWRULES_H
#define MEDKEEP_PWRULES_H
#include <stddef.h>
#include <stdint.h>

#include "crypto/crypto.h"

#define PW_MIN_CHARS 12
/* Personal words shorter than this are not checked ("Li" would refuse half of all passwords). */
#define PW_WORD_MIN 3
#define PW_WORD_MAX 64
#define PW_MARKS_MAX 8

enum pw_verdict {
	PW_OK = 0,
	PW_TOO_SHORT,
	PW_TOO_LONG,
	PW_COMMON,
	PW_REPETITIVE,
	PW_PERSONAL,
};

/* A personal word of an account: 'e' (from the email) or 'n' (a name), its length in bytes
 * (lower-cased) and its keyed hash. */
struct pw_mark {
	char kind;
	uint8_t len;
	uint8_t hash[HASH_BYTES];
};
#define PW_MARK_BYTES (2 + HASH_BYTES)

/* Keyed hash of a lower-cased word of n bytes; 0 on success. */
typedef int (*pw_hash_fn)(const char *word, size_t n, uint8_t out[HASH_BYTES]);

struct pw_personal {
	const char *words[PW_MARKS_MAX]; /* in clear, already split (pw_words), may be empty */
	size_t n_words;
	const struct pw_mark *marks;
	size_t n_marks;
	pw_hash_fn hash; /* needed when n_marks > 0 */
};

/* Judge a password (n bytes). personal may be NULL. */
enum pw_verdict pw_check(const char *pw, size_t n, const struct pw_personal *personal);
/* What to tell the user, in a sentence. */
const char *pw_message(enum pw_verdict v);

/*
 * Split text into personal words of kind ('e': an email, of which only the local part counts,
 * split at . _ - + and digits; 'n': a name, split at spaces, hyphens and apostrophes),
 * lower-cased, at least PW_WORD_MIN bytes, into out (each PW_WORD_MAX + 1 bytes), at most max.
 * Returns how many.
 */
size_t pw_words(char kind, const char *text, char (*out)[PW_WORD_MAX + 1], size_t max);

/* Marks <-> bytes (PW_MARK_BYTES each), as stored with the account. */
size_t pw_marks_decode(const uint8_t *p, size_t n, struct pw_mark *out, size_t max);
void pw_marks_encode(const struct pw_mark *m, size_t n, uint8_t *out);

#endif
