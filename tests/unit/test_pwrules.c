/* Password rules (src/auth/pwrules.c): length, common passwords, personal words in clear and
 * through keyed-hash marks. */
#include <string.h>

#include "auth/pwrules.h"
#include "crypto/crypto.h"
#include "test.h"

static int test_hash(const char *w, size_t n, uint8_t out[HASH_BYTES])
{
	hash2("test-mark", 9, w, n, out);
	return 0;
}

static enum pw_verdict check(const char *pw)
{
	return pw_check(pw, strlen(pw), NULL);
}

void test_pwrules(void)
{
	/* length: 12 characters at least (code points), 128 bytes at most */
	CHECK(check("correct horse") == PW_OK);
	CHECK(check("short-pw-11") == PW_TOO_SHORT);
	CHECK(check("kōrero-tahi") == PW_TOO_SHORT);   /* 11 characters, 12 bytes */
	CHECK(check("kōrero-tahi!") == PW_OK);          /* 12 characters */
	char long_pw[200];
	for (int i = 0; i < 200; i++)
		long_pw[i] = (char)('a' + (i * 7) % 26);
	CHECK(pw_check(long_pw, 128, NULL) == PW_OK);
	CHECK(pw_check(long_pw, 129, NULL) == PW_TOO_LONG);
	/* common and breached, bare or dressed with digits and symbols */
	CHECK(check("winniethepooh") == PW_COMMON);
	CHECK(check("WinnieThePooh") == PW_COMMON);
	CHECK(check("password1234") == PW_COMMON);
	CHECK(check("Password2026!") == PW_COMMON);
	CHECK(check("!!qwerty123456") == PW_COMMON);
	CHECK(check("123456789012") == PW_COMMON);
	CHECK(check("1234-5678-9012!") == PW_COMMON);
	CHECK(pw_check("abc\0defghijklmno", 16, NULL) == PW_COMMON);
	/* repetitive */
	CHECK(check("aaaaaaaaaaaa") == PW_REPETITIVE);
	CHECK(check("abababababab") == PW_REPETITIVE);
	/* the demo password passes */
	CHECK(check("demo-password-2026") == PW_OK);
	/* personal words in clear */
	char words[PW_MARKS_MAX][PW_WORD_MAX + 1];
	size_t nw = pw_words('e', "Aroha.Ngata+portal@example.nz", words, PW_MARKS_MAX);
	CHECK(nw == 4);
	CHECK(strcmp(words[0], "aroha.ngata+portal") == 0 && strcmp(words[1], "aroha") == 0);
	CHECK(strcmp(words[2], "ngata") == 0 && strcmp(words[3], "portal") == 0);
	struct pw_personal p = {.n_words = nw};
	for (size_t i = 0; i < nw; i++)
		p.words[i] = words[i];
	CHECK(pw_check("my-AROHA-garden-2026", 20, &p) == PW_PERSONAL);
	CHECK(pw_check("blue-kettle-garden", 18, &p) == PW_OK);
	CHECK(pw_words('e', "patient1@demo.test", words, PW_MARKS_MAX) == 2); /* patient1, patient */
	CHECK(pw_words('n', "Te Awa", words, PW_MARKS_MAX) == 1 && strcmp(words[0], "awa") == 0);
	CHECK(pw_words('n', "Mary-Jane O'Neil", words, PW_MARKS_MAX) == 3);
	CHECK(pw_words('n', NULL, words, PW_MARKS_MAX) == 0);
	/* the same through marks (a reset: only the keyed hashes are known) */
	struct pw_mark marks[2] = {{.kind = 'n', .len = 5}, {.kind = 'e', .len = 8}};
	test_hash("kiri", 4, marks[0].hash);
	marks[0].len = 4;
	test_hash("wiremu88", 8, marks[1].hash);
	uint8_t enc[2 * PW_MARK_BYTES];
	pw_marks_encode(marks, 2, enc);
	struct pw_mark back[PW_MARKS_MAX];
	CHECK(pw_marks_decode(enc, sizeof(enc), back, PW_MARKS_MAX) == 2);
	CHECK(back[1].kind == 'e' && back[1].len == 8 && memcmp(back[1].hash, marks[1].hash, HASH_BYTES) == 0);
	CHECK(pw_marks_decode(enc, sizeof(enc) - 1, back, PW_MARKS_MAX) == 1);
	struct pw_personal pm = {.marks = back, .n_marks = 2, .hash = test_hash};
	CHECK(pw_check("Sunny-KIRI-beach", 16, &pm) == PW_PERSONAL);
	CHECK(pw_check("xx-wiremu88-yy", 14, &pm) == PW_PERSONAL);
	CHECK(pw_check("xx-wiremu87-yy", 14, &pm) == PW_OK);
	CHECK(pw_check("demo-password-2026", 18, &pm) == PW_OK);
	/* every verdict has a message */
	for (int v = PW_OK; v <= PW_PERSONAL; v++)
		CHECK(pw_message((enum pw_verdict)v)[0] != '\0');
}
