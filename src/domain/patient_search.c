/*
 * Finding a patient by name and birth date (docs/internals/SEARCH.md, "Patients"). Names and
 * birth dates are sealed, so a search cannot read them: each word of a patient's names and
 * their birth date are kept as the vault's keyed hashes (blind indexes, as the NHI is), made
 * when the patient is enrolled or changed, and a search hashes the words it is given the same
 * way. Only the patients of the page shown are opened, each through the gate (patient_read).
 * What a keyed hash gives away is equality: someone holding the database and not the vault
 * sees which patients share a word of their names or a birth date, never the word.
 */
#include "domain/domain.h"
#include "domain/domain_int.h"

#include <string.h>

#include "limits.h"
#include "store/store.h"
#include "util/wipe.h"
#include "vault/vault.h"
#include "domain/vault_rows.h"

/* The ASCII letter a two-byte UTF-8 Latin letter with a diacritic folds to (a macron, an
 * acute, a grave, a circumflex, a diaeresis...), or 0: "Māui" is found as "Maui". */
static char fold2(unsigned char a, unsigned char b)
{
	static const char latin1[] = "aaaaaaaceeeeiiiidnooooo/ouuuuyty"; /* U+00E0..U+00FF */
	if (a == 0xC3 && b >= 0x80 && b <= 0xBF) {
		char c = latin1[(b & 0x1F)];
		/* the multiplication sign, ae and sharp s: not letters that fold to one */
		return c == '/' || (b & 0x1F) == 0x06 || b == 0x9F ? 0 : c;
	}
	if (a == 0xC4 || a == 0xC5) { /* Latin Extended-A: macrons of Māori and the like */
		unsigned cp = ((unsigned)(a & 0x1F) << 6) | (b & 0x3F);
		static const struct { unsigned lo, hi; char c; } ranges[] = {
			{0x100, 0x105, 'a'}, {0x106, 0x10D, 'c'}, {0x10E, 0x111, 'd'}, {0x112, 0x11B, 'e'},
			{0x11C, 0x123, 'g'}, {0x124, 0x127, 'h'}, {0x128, 0x131, 'i'}, {0x134, 0x135, 'j'},
			{0x136, 0x138, 'k'}, {0x139, 0x142, 'l'}, {0x143, 0x14B, 'n'}, {0x14C, 0x151, 'o'},
			{0x154, 0x159, 'r'}, {0x15A, 0x161, 's'}, {0x162, 0x167, 't'}, {0x168, 0x173, 'u'},
			{0x174, 0x175, 'w'}, {0x176, 0x178, 'y'}, {0x179, 0x17E, 'z'},
		};
		for (size_t i = 0; i < sizeof(ranges) / sizeof(*ranges); i++)
			if (cp >= ranges[i].lo && cp <= ranges[i].hi)
				return ranges[i].c;
	}
	return 0;
}

size_t patient_name_words(const char *text, size_t len, char words[][PATIENT_WORD_MAX + 1], size_t max)
{
	size_t n = 0, w = 0;
	for (size_t i = 0; i <= len && n < max; i++) {
		unsigned char c = i < len ? (unsigned char)text[i] : ' ';
		char out = 0;
		if (c >= 'A' && c <= 'Z')
			out = (char)(c - 'A' + 'a');
		else if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'))
			out = (char)c;
		else if (c == '\'' || c == '`')
			continue; /* O'Brien is obrien */
		else if (c == 0xE2 && i + 2 < len && (unsigned char)text[i + 1] == 0x80 &&
			 ((unsigned char)text[i + 2] == 0x98 || (unsigned char)text[i + 2] == 0x99)) {
			i += 2; /* a typographic apostrophe: the same */
			continue;
		} else if (c >= 0xC0 && i + 1 < len && (out = fold2(c, (unsigned char)text[i + 1])) != 0)
			i++;
		else if (c >= 0x80)
			out = (char)c; /* another letter, kept byte for byte: found as written */
		if (out != 0) {
			if (w < PATIENT_WORD_MAX) /* longer words count by their first bytes */
				words[n][w++] = out;
			continue;
		}
		/* a separator: a space, a hyphen, a full stop, a comma, anything else */
		if (w > 0) {
			words[n][w] = '\0';
			bool seen = false;
			for (size_t k = 0; k < n && !seen; k++)
				seen = strcmp(words[k], words[n]) == 0;
			if (!seen)
				n++;
		}
		w = 0;
	}
	return n;
}

/* The terms of a name's words and a birth date (YYYY-MM-DD, or NULL): keyed hashes, in the
 * vault's "name-word" and "birth-date" blind indexes. */
static enum err terms_of(const char *const *names, size_t n_names, const char *born,
			 uint8_t (*terms)[STORE_TERM_BYTES], size_t max, size_t *n)
{
	char words[PATIENT_WORDS_MAX][PATIENT_WORD_MAX + 1];
	*n = 0;
	for (size_t k = 0; k < n_names; k++) {
		if (names[k] == NULL)
			continue;
		size_t nw = patient_name_words(names[k], strlen(names[k]), words, PATIENT_WORDS_MAX);
		for (size_t i = 0; i < nw && *n < max; i++)
			if (vault_blind_index("name-word", words[i], terms[(*n)++]) != ERR_OK)
				return ERR_INTERNAL;
	}
	if (born != NULL && born[0] != '\0' && *n < max &&
	    vault_blind_index("birth-date", born, terms[(*n)++]) != ERR_OK)
		return ERR_INTERNAL;
	return ERR_OK;
}

enum err patient_terms_store(const struct id *patient, const struct patient_view *p)
{
	uint8_t terms[2 * PATIENT_WORDS_MAX + 1][STORE_TERM_BYTES];
	size_t n = 0;
	const char *names[] = {p->family, p->given};
	if (terms_of(names, 2, p->birth_date, terms, sizeof(terms) / sizeof(*terms), &n) != ERR_OK)
		return ERR_INTERNAL;
	return store_patient_terms_set(patient, (const uint8_t(*)[STORE_TERM_BYTES])terms, n);
}

enum err patient_search_visible(const struct actor *a, const char *name, const char *born,
				size_t offset, size_t limit, struct arena *ar,
				struct patient_view **out, size_t *n)
{
	*n = 0;
	*out = NULL;
	/* Staff search their own practice's register; anyone else finds no one. */
	if (!policy_may_search_register(a))
		return ERR_NOT_FOUND;
	if (born != NULL && born[0] != '\0' && !patient_birth_date_ok(born))
		return ERR_INVALID;
	uint8_t terms[STORE_SEARCH_TERMS][STORE_TERM_BYTES];
	size_t nt = 0, nd = 0;
	const char *names[] = {name};
	/* The last term is kept for the birth date: at most four words of the name count. */
	if (terms_of(names, 1, NULL, terms, STORE_SEARCH_TERMS - 1, &nt) != ERR_OK ||
	    terms_of(NULL, 0, born, terms + nt, 1, &nd) != ERR_OK)
		return ERR_INTERNAL;
	nt += nd;
	if (nt == 0)
		return ERR_INVALID;
	struct id *ids = NULL;
	size_t count = 0;
	if (store_practice_patient_search(&a->practice, (const uint8_t(*)[STORE_TERM_BYTES])terms, nt,
					  offset, limit, ar, &ids, &count) != ERR_OK)
		return ERR_INTERNAL;
	return patients_read_each(a, ids, count, ar, out, n);
}

enum err patient_terms_rebuild_local(void (*progress)(int64_t done, int64_t total), int64_t *done)
{
	*done = 0;
	int64_t total = 0;
	if (store_patient_count_live(&total) != ERR_OK)
		return ERR_INTERNAL;
	struct arena ar;
	arena_init(&ar, LIMIT_JOB_ARENA);
	enum err rc = ERR_OK;
	struct id last;
	bool any = false;
	for (;;) {
		struct id *ids;
		size_t n = 0;
		if (store_patient_ids_after(any ? &last : NULL, LIMIT_LIST, &ar, &ids, &n) != ERR_OK) {
			rc = ERR_INTERNAL;
			break;
		}
		for (size_t i = 0; i < n && rc == ERR_OK; i++) {
			struct target t;
			struct grant g;
			struct store_patient row;
			struct buf pt;
			struct patient_view v;
			buf_init(&pt, &ar, LIMIT_RECORD_FIELDS);
			memset(&v, 0, sizeof(v));
			/* The operator's own tool, holding the master key: the local grant. */
			if (store_patient_target(&ids[i], &t) != ERR_OK ||
			    policy_decide_local(ACTION_PATIENT_READ, &t, &g) != 0 ||
			    store_patient_get(&g, &ids[i], &ar, &row) != ERR_OK ||
			    vault_patient_open(NULL, &g, &row, &pt) != ERR_OK || buf_cstr(&pt) == NULL ||
			    patient_phi_decode(pt.data, pt.len, &ar, &v) != 0 ||
			    patient_terms_store(&ids[i], &v) != ERR_OK)
				rc = ERR_INTERNAL;
			wipe(pt.data, pt.len);
			(*done)++;
		}
		if (rc != ERR_OK || n == 0)
			break;
		last = ids[n - 1];
		any = true;
		if (progress)
			progress(*done, total);
		arena_release(&ar);
		if (n < LIMIT_LIST)
			break;
	}
	arena_release(&ar);
	return rc;
}
