/* Password rules (see pwrules.h). Nothing here logs or keeps a password. */
#include "auth/pwrules.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "limits.h"
#include "util/wipe.h"

/* build/gen/common_passwords.c (tools/wordlist.c): sorted, lower-case. */
extern const char *const pw_common_words[];
extern const size_t pw_common_words_len;

static int word_cmp(const void *key, const void *elem)
{
	return strcmp((const char *)key, *(const char *const *)elem);
}

static bool is_common(const char *lower)
{
	return lower[0] != '\0' && bsearch(lower, pw_common_words, pw_common_words_len,
					   sizeof(pw_common_words[0]), word_cmp) != NULL;
}

static bool is_letter(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || c >= 0x80;
}

static size_t code_points(const char *s, size_t n)
{
	size_t k = 0;
	for (size_t i = 0; i < n; i++)
		k += ((unsigned char)s[i] & 0xc0) != 0x80;
	return k;
}

/* Fewer than five different bytes: "aaaaaaaaaaaa", "abcabcabcabc". */
static bool repetitive(const char *s, size_t n)
{
	bool seen[256] = {false};
	size_t distinct = 0;
	for (size_t i = 0; i < n; i++)
		if (!seen[(unsigned char)s[i]]) {
			seen[(unsigned char)s[i]] = true;
			distinct++;
		}
	return distinct < 5;
}

static bool personal_hit(const char *lower, size_t n, const struct pw_personal *p)
{
	for (size_t i = 0; i < p->n_words; i++)
		if (p->words[i] && strlen(p->words[i]) >= PW_WORD_MIN && strstr(lower, p->words[i]))
			return true;
	for (size_t m = 0; m < p->n_marks && p->hash; m++) {
		size_t len = p->marks[m].len;
		if (len < PW_WORD_MIN || len > n)
			continue;
		for (size_t at = 0; at + len <= n; at++) {
			uint8_t h[HASH_BYTES];
			bool same = p->hash(lower + at, len, h) == 0 &&
				    ct_compare(h, p->marks[m].hash, HASH_BYTES) == 0;
			wipe(h, sizeof(h));
			if (same)
				return true;
		}
	}
	return false;
}

enum pw_verdict pw_check(const char *pw, size_t n, const struct pw_personal *personal)
{
	if (n > LIMIT_PASSWORD)
		return PW_TOO_LONG;
	if (code_points(pw, n) < PW_MIN_CHARS)
		return PW_TOO_SHORT;
	char lower[LIMIT_PASSWORD + 1];
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)pw[i];
		lower[i] = (char)((c >= 'A' && c <= 'Z') ? c - 'A' + 'a' : c);
	}
	lower[n] = '\0';
	enum pw_verdict v = PW_OK;
	/* The core: the password without the digits and symbols around it. */
	size_t from = 0, to = n;
	while (from < to && !is_letter((unsigned char)lower[from]))
		from++;
	while (to > from && !is_letter((unsigned char)lower[to - 1]))
		to--;
	char core[LIMIT_PASSWORD + 1];
	memcpy(core, lower + from, to - from);
	core[to - from] = '\0';
	if (memchr(lower, '\0', n) != NULL)
		v = PW_COMMON; /* a NUL inside cannot be typed; refuse rather than compare half */
	else if (is_common(lower) || to == from || is_common(core))
		v = PW_COMMON;
	else if (repetitive(lower, n))
		v = PW_REPETITIVE;
	else if (personal && personal_hit(lower, n, personal))
		v = PW_PERSONAL;
	wipe(lower, sizeof(lower));
	wipe(core, sizeof(core));
	return v;
}

const char *pw_message(enum pw_verdict v)
{
	switch (v) {
	case PW_OK:
		return "OK";
	case PW_TOO_SHORT:
		return "Use at least 12 characters. A few unrelated words make a long password that "
		       "is easy to remember.";
	case PW_TOO_LONG:
		return "Use at most 128 characters.";
	case PW_COMMON:
		return "That password is on a list of common or breached passwords that attackers try "
		       "first. Choose another.";
	case PW_REPETITIVE:
		return "That password repeats a few characters. Choose one with more variety.";
	case PW_PERSONAL:
		return "Your password must not contain your name or email address.";
	}
	return "Choose another password.";
}

static bool separator(char kind, unsigned char c)
{
	if (kind == 'e')
		return c == '.' || c == '_' || c == '-' || c == '+' || (c >= '0' && c <= '9');
	return c == ' ' || c == '-' || c == '\'' || c == '\t';
}

size_t pw_words(char kind, const char *text, char (*out)[PW_WORD_MAX + 1], size_t max)
{
	size_t n = 0;
	if (text == NULL)
		return 0;
	size_t end = strlen(text);
	if (kind == 'e') {
		const char *at = strchr(text, '@');
		end = at ? (size_t)(at - text) : end;
		/* the whole local part too ("patient1"), when it is more than one word */
		if (end >= PW_WORD_MIN && end <= PW_WORD_MAX && n < max) {
			for (size_t i = 0; i < end; i++) {
				unsigned char c = (unsigned char)text[i];
				out[n][i] = (char)((c >= 'A' && c <= 'Z') ? c - 'A' + 'a' : c);
			}
			out[n++][end] = '\0';
		}
	}
	size_t i = 0;
	while (i < end && n < max) {
		while (i < end && separator(kind, (unsigned char)text[i]))
			i++;
		size_t start = i;
		while (i < end && !separator(kind, (unsigned char)text[i]))
			i++;
		size_t len = i - start;
		if (len < PW_WORD_MIN || len > PW_WORD_MAX)
			continue;
		for (size_t k = 0; k < len; k++) {
			unsigned char c = (unsigned char)text[start + k];
			out[n][k] = (char)((c >= 'A' && c <= 'Z') ? c - 'A' + 'a' : c);
		}
		out[n][len] = '\0';
		bool dup = false;
		for (size_t k = 0; k < n; k++)
			dup |= strcmp(out[k], out[n]) == 0;
		if (!dup)
			n++;
	}
	return n;
}

size_t pw_marks_decode(const uint8_t *p, size_t n, struct pw_mark *out, size_t max)
{
	size_t k = 0;
	for (size_t off = 0; p && off + PW_MARK_BYTES <= n && k < max; off += PW_MARK_BYTES) {
		out[k].kind = (char)p[off];
		out[k].len = p[off + 1];
		memcpy(out[k].hash, p + off + 2, HASH_BYTES);
		k++;
	}
	return k;
}

void pw_marks_encode(const struct pw_mark *m, size_t n, uint8_t *out)
{
	for (size_t i = 0; i < n; i++) {
		out[i * PW_MARK_BYTES] = (uint8_t)m[i].kind;
		out[i * PW_MARK_BYTES + 1] = m[i].len;
		memcpy(out + i * PW_MARK_BYTES + 2, m[i].hash, HASH_BYTES);
	}
}
