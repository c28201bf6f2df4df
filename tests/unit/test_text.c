/* The interface's text (src/util/text.c, docs/internals/TEXT.md): every string in every
 * language, well-formed UTF-8, the same values named in each; filling values in; language
 * codes; and the mail header encoding a Māori subject needs (src/util/mime.c, RFC 2047). */
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "test.h"
#include "util/arena.h"
#include "util/buf.h"
#include "util/mime.h"
#include "util/text.h"
#include "web/html.h"

/* Whether s is well-formed UTF-8 (no overlongs, no surrogates, nothing past U+10FFFF). */
static bool utf8_ok(const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	while (*p) {
		size_t n = *p < 0x80 ? 1 : (*p & 0xE0) == 0xC0 ? 2 : (*p & 0xF0) == 0xE0 ? 3
					   : (*p & 0xF8) == 0xF0 ? 4 : 0;
		if (n == 0 || (n == 2 && *p < 0xC2))
			return false;
		uint32_t cp = n == 1 ? *p : (uint32_t)(*p & (0x7F >> n));
		for (size_t i = 1; i < n; i++) {
			if ((p[i] & 0xC0) != 0x80)
				return false;
			cp = (cp << 6) | (p[i] & 0x3F);
		}
		if ((n == 3 && cp < 0x800) || (n == 4 && (cp < 0x10000 || cp > 0x10FFFF)) ||
		    (cp >= 0xD800 && cp <= 0xDFFF))
			return false;
		p += n;
	}
	return true;
}

/* The placeholders %1 .. %4 a string names, as bits. */
static unsigned placeholders(const char *s)
{
	unsigned bits = 0;
	for (const char *p = s; *p; p++) {
		if (p[0] == '%' && p[1] == '%') {
			p++;
			continue;
		}
		if (p[0] == '%' && p[1] >= '1' && p[1] <= '0' + TEXT_ARGS)
			bits |= 1u << (p[1] - '1');
	}
	return bits;
}

static void every_string(void)
{
	int bad = 0;
	for (unsigned id = 1; id < TEXT_ID_COUNT; id++) {
		const char *en = text_entry(LANG_EN, (enum text_id)id);
		for (unsigned l = 0; l < LANG_COUNT; l++) {
			const char *s = text_entry((enum lang)l, (enum text_id)id);
			bool ok = s != NULL && s[0] != '\0' && utf8_ok(s) && en != NULL &&
				  placeholders(s) == placeholders(en) && strchr(s, '\n') == NULL;
			if (!ok) {
				fprintf(stderr, "  text %u in %s: \"%s\"\n", id, lang_code((enum lang)l),
					s ? s : "(missing)");
				bad++;
			}
		}
	}
	CHECK(bad == 0);
	/* the Māori column is Māori: the menu's first entry has its macron */
	CHECK(strcmp(text_get(LANG_MI, TEXT_NAV_HOME), "Kāinga") == 0);
	CHECK(strcmp(text_get(LANG_EN, TEXT_NAV_HOME), "Home") == 0);
	/* out of range: English, never NULL */
	CHECK(strcmp(text_get((enum lang)7, TEXT_NAV_HOME), "Home") == 0);
	CHECK(strcmp(text_get(LANG_MI, (enum text_id)TEXT_ID_COUNT), "") == 0);
	CHECK(text_entry(LANG_MI, (enum text_id)TEXT_ID_COUNT) == NULL);
}

static void codes(void)
{
	enum lang l = LANG_EN;
	CHECK(lang_parse("mi", &l) == 0 && l == LANG_MI);
	CHECK(lang_parse("en", &l) == 0 && l == LANG_EN);
	CHECK(lang_parse("mi-NZ", &l) == 0 && l == LANG_MI);
	CHECK(lang_parse("mix", &l) != 0);
	CHECK(lang_parse("fr", &l) != 0);
	CHECK(lang_parse("", &l) != 0);
	CHECK(lang_parse(NULL, &l) != 0);
	CHECK(strcmp(lang_code(LANG_MI), "mi") == 0);
	CHECK(strcmp(lang_name(LANG_MI), "Te reo Māori") == 0);
}

static void filling(void)
{
	struct arena ar;
	arena_init(&ar, 1u << 16);
	const char *args[] = {"Ōtaki Health", "Mon 7 Dec"};
	const char *s = text_fill(&ar, "%2 at %1, 100%% sure, %9 and %", args, 2);
	CHECK(s && strcmp(s, "Mon 7 Dec at Ōtaki Health, 100% sure, %9 and %") == 0);
	s = text_fill(&ar, "a %3 b", args, 2); /* a value not given: nothing */
	CHECK(s && strcmp(s, "a  b") == 0);
	s = text_fill(&ar, text_get(LANG_MI, TEXT_MAIL_RESULT_LINE), args, 1);
	CHECK(s && strstr(s, "Ōtaki Health") && strstr(s, "Kua rite") && !strchr(s, '%'));
	/* escaping for a page keeps the macrons' bytes as they are */
	struct buf b;
	buf_init(&b, &ar, 256);
	html_text(&b, "Ngā <karere> & Kāinga");
	CHECK(strcmp(buf_cstr(&b), "Ngā &lt;karere&gt; &amp; Kāinga") == 0);
	arena_release(&ar);
}

static int hexval(char c)
{
	return c >= '0' && c <= '9' ? c - '0' : c >= 'A' && c <= 'F' ? c - 'A' + 10 : 0;
}

/* Decode RFC 2047 Q words as a mail reader would (the test's own decoder). */
static void q_decode(const char *in, char *out, size_t max)
{
	size_t o = 0;
	const char *p = in;
	while (*p && o + 1 < max) {
		if (strncmp(p, "=?UTF-8?Q?", 10) == 0) {
			p += 10;
			while (*p && !(p[0] == '?' && p[1] == '=') && o + 1 < max) {
				if (*p == '_')
					out[o++] = ' ', p++;
				else if (*p == '=' && p[1] && p[2]) {
					out[o++] = (char)(hexval(p[1]) << 4 | hexval(p[2]));
					p += 3;
				} else
					out[o++] = *p++;
			}
			if (*p)
				p += 2;
			while (*p == '\r' || *p == '\n' || *p == ' ') /* folding between words */
				p++;
		} else
			out[o++] = *p++;
	}
	out[o] = '\0';
}

static void header(void)
{
	struct arena ar;
	arena_init(&ar, 1u << 16);
	struct buf b;
	buf_init(&b, &ar, 4096);
	mime_header_value(&b, "A new result is ready to view");
	CHECK(strcmp(buf_cstr(&b), "A new result is ready to view") == 0);
	buf_init(&b, &ar, 4096);
	mime_header_value(&b, "Bcc: x\r\nInjected");
	CHECK(strchr(buf_cstr(&b), '\r') == NULL && strchr(buf_cstr(&b), '\n') == NULL);
	/* every Māori subject: ASCII on the wire, words of at most 75, the same text back */
	for (unsigned id = 1; id < TEXT_ID_COUNT; id++) {
		const char *want = text_get(LANG_MI, (enum text_id)id);
		buf_init(&b, &ar, 4096);
		mime_header_value(&b, want);
		const char *wire = buf_cstr(&b);
		bool ascii = true, short_words = true;
		size_t run = 0;
		for (const char *p = wire; *p; p++) {
			ascii &= (unsigned char)*p < 0x80;
			run = (*p == '\n') ? 0 : *p == '\r' ? run : run + 1;
			short_words &= run <= 76; /* a folded line: " " and a word */
		}
		char back[2048];
		q_decode(wire, back, sizeof(back));
		if (!ascii || !short_words || strcmp(back, want) != 0) {
			fprintf(stderr, "  header of text %u: %s\n", id, wire);
			CHECK(0);
		}
	}
	buf_init(&b, &ar, 4096);
	mime_header_value(&b, "Kua rite tētahi hua hou");
	CHECK(strcmp(buf_cstr(&b), "=?UTF-8?Q?Kua_rite_t=C4=93tahi_hua_hou?=") == 0);
	arena_release(&ar);
}

void test_text(void)
{
	every_string();
	codes();
	filling();
	header();
}
