/*
 * The FHIR search-parameter parser (fhir_search.h, docs/internals/SEARCH.md). Every input is a
 * (pointer, length) slice of outside bytes; nothing is allocated and nothing is read past a
 * length. Dates become half-open ranges of seconds, intersected across parameters and
 * unioned across a comma list, so the store binds a fixed number of ranges.
 */
#include "fhir/fhir_search.h"

#include <string.h>
#include <time.h>

static bool eq(const char *s, size_t n, const char *lit)
{
	size_t k = strlen(lit);
	return n == k && memcmp(s, lit, k) == 0;
}

static int num(const char *s, size_t n, int *out)
{
	int v = 0;
	if (n == 0)
		return -1;
	for (size_t i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		v = v * 10 + (s[i] - '0');
	}
	*out = v;
	return 0;
}

/* "0", "00", ...: a _count of nothing, which asks for the count alone. */
static bool all_zero(const char *s, size_t n)
{
	size_t i = 0;
	while (i < n && s[i] == '0')
		i++;
	return n > 0 && i == n;
}

static int64_t utc(int y, int mo, int d, int h, int mi, int sec)
{
	struct tm tm = {.tm_year = y - 1900, .tm_mon = mo - 1, .tm_mday = d, .tm_hour = h,
			.tm_min = mi, .tm_sec = sec};
	return (int64_t)timegm(&tm);
}

static bool days_ok(int y, int mo, int d)
{
	static const int mdays[12] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
	bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
	return d >= 1 && d <= mdays[mo - 1] && !(mo == 2 && d == 29 && !leap);
}

int fhir_search_date(const char *s, size_t n, int64_t *lo, int64_t *hi)
{
	int y, mo = 1, d = 1, h = 0, mi = 0, sec = 0;
	if (n < 4 || num(s, 4, &y) != 0 || y < 1900 || y > 2200)
		return -1;
	if (n == 4) {
		*lo = utc(y, 1, 1, 0, 0, 0);
		*hi = utc(y + 1, 1, 1, 0, 0, 0);
		return 0;
	}
	if (n < 7 || s[4] != '-' || num(s + 5, 2, &mo) != 0 || mo < 1 || mo > 12)
		return -1;
	if (n == 7) {
		*lo = utc(y, mo, 1, 0, 0, 0);
		*hi = mo == 12 ? utc(y + 1, 1, 1, 0, 0, 0) : utc(y, mo + 1, 1, 0, 0, 0);
		return 0;
	}
	if (n < 10 || s[7] != '-' || num(s + 8, 2, &d) != 0 || !days_ok(y, mo, d))
		return -1;
	if (n == 10) {
		*lo = utc(y, mo, d, 0, 0, 0);
		*hi = *lo + 86400;
		return 0;
	}
	/* THH:MM[:SS[.fff]][Z|+HH:MM|-HH:MM] */
	size_t p = 10;
	if (n < 16 || s[p] != 'T' || num(s + 11, 2, &h) != 0 || s[13] != ':' ||
	    num(s + 14, 2, &mi) != 0 || h > 23 || mi > 59)
		return -1;
	p = 16;
	int64_t width = 60;
	if (p < n && s[p] == ':') {
		if (n < p + 3 || num(s + p + 1, 2, &sec) != 0 || sec > 59)
			return -1;
		p += 3;
		width = 1;
		if (p < n && s[p] == '.') {
			size_t k = ++p;
			while (p < n && s[p] >= '0' && s[p] <= '9' && p - k < 9)
				p++;
			if (p == k)
				return -1;
		}
	}
	int64_t offset = 0;
	if (p < n && s[p] == 'Z') {
		p++;
	} else if (p < n && (s[p] == '+' || s[p] == '-')) {
		int oh, om;
		if (n < p + 6 || num(s + p + 1, 2, &oh) != 0 || s[p + 3] != ':' ||
		    num(s + p + 4, 2, &om) != 0 || oh > 14 || om > 59)
			return -1;
		offset = (int64_t)(oh * 3600 + om * 60) * (s[p] == '+' ? 1 : -1);
		p += 6;
	}
	if (p != n)
		return -1;
	*lo = utc(y, mo, d, h, mi, sec) - offset;
	*hi = *lo + width;
	return 0;
}

/* --- sets of ranges --- */

struct ranges {
	size_t n;
	int64_t lo[2 * LIMIT_SEARCH_OR], hi[2 * LIMIT_SEARCH_OR];
};

/* Sort by lo and merge overlapping or touching ranges (n is small: insertion sort). */
static void normalise(struct ranges *r)
{
	for (size_t i = 1; i < r->n; i++)
		for (size_t j = i; j > 0 && r->lo[j - 1] > r->lo[j]; j--) {
			int64_t t = r->lo[j];
			r->lo[j] = r->lo[j - 1];
			r->lo[j - 1] = t;
			t = r->hi[j];
			r->hi[j] = r->hi[j - 1];
			r->hi[j - 1] = t;
		}
	size_t k = 0;
	for (size_t i = 0; i < r->n; i++) {
		if (r->lo[i] >= r->hi[i])
			continue;
		if (k > 0 && r->lo[i] <= r->hi[k - 1]) {
			if (r->hi[i] > r->hi[k - 1])
				r->hi[k - 1] = r->hi[i];
			continue;
		}
		r->lo[k] = r->lo[i];
		r->hi[k] = r->hi[i];
		k++;
	}
	r->n = k;
}

static int push(struct ranges *r, int64_t lo, int64_t hi)
{
	if (r->n >= 2 * LIMIT_SEARCH_OR)
		return -1;
	r->lo[r->n] = lo;
	r->hi[r->n] = hi;
	r->n++;
	return 0;
}

/* One value of a date parameter: [prefix]date, into r. */
static int date_value(const char *v, size_t n, struct ranges *r)
{
	static const char *const prefixes[] = {"eq", "ne", "gt", "lt", "ge", "le"};
	size_t op = 0;
	if (n >= 2 && v[0] >= 'a' && v[0] <= 'z') {
		for (op = 0; op < 6 && !(v[0] == prefixes[op][0] && v[1] == prefixes[op][1]); op++)
			;
		if (op == 6)
			return -1; /* sa, eb, ap and anything else: not offered */
		v += 2;
		n -= 2;
	}
	int64_t lo, hi;
	if (fhir_search_date(v, n, &lo, &hi) != 0)
		return -1;
	switch (op) {
	case 1: /* ne */
		return push(r, INT64_MIN, lo) == 0 && push(r, hi, INT64_MAX) == 0 ? 0 : -1;
	case 2: /* gt: after the whole of the value's precision */
		return push(r, hi, INT64_MAX);
	case 3: /* lt */
		return push(r, INT64_MIN, lo);
	case 4: /* ge */
		return push(r, lo, INT64_MAX);
	case 5: /* le */
		return push(r, INT64_MIN, hi);
	default: /* eq */
		return push(r, lo, hi);
	}
}

/* AND a comma list of date values into the store's ranges. */
static int date_param(struct store_ranges *out, const char *v, size_t n)
{
	struct ranges r = {0};
	size_t start = 0, items = 0;
	for (size_t i = 0; i <= n; i++) {
		if (i < n && v[i] != ',')
			continue;
		if (++items > LIMIT_SEARCH_OR || date_value(v + start, i - start, &r) != 0)
			return -1;
		start = i + 1;
	}
	normalise(&r);
	if (out->on) { /* intersect with what earlier parameters allowed */
		struct ranges x = {0};
		for (size_t i = 0; i < out->n; i++)
			for (size_t j = 0; j < r.n; j++) {
				int64_t lo = out->lo[i] > r.lo[j] ? out->lo[i] : r.lo[j];
				int64_t hi = out->hi[i] < r.hi[j] ? out->hi[i] : r.hi[j];
				if (lo < hi && push(&x, lo, hi) != 0)
					return -1;
			}
		r = x;
		normalise(&r);
	}
	if (r.n > LIMIT_SEARCH_RANGES)
		return -1;
	out->on = true;
	out->n = r.n;
	for (size_t i = 0; i < r.n; i++) {
		out->lo[i] = r.lo[i];
		out->hi[i] = r.hi[i];
	}
	return 0;
}

/* --- tokens --- */

/* A token value: "code", "system|code" or "|code" (no system) into (system, code). */
static void token_split(const char *v, size_t n, struct search_kv *out)
{
	const char *bar = memchr(v, '|', n);
	if (bar == NULL) {
		*out = (struct search_kv){NULL, 0, v, n};
		return;
	}
	*out = (struct search_kv){v, (size_t)(bar - v), bar + 1, n - (size_t)(bar - v) - 1};
}

static int token_param(struct fhir_search *s, const struct search_param *p, const char *v, size_t n)
{
	uint32_t mask = 0;
	size_t start = 0, items = 0;
	if (p->kind == SP_CODE) {
		if (s->has_code)
			return -1; /* one code list a search */
		s->has_code = true;
	}
	for (size_t i = 0; i <= n; i++) {
		if (i < n && v[i] != ',')
			continue;
		struct search_kv t;
		if (++items > LIMIT_SEARCH_OR || i == start)
			return -1;
		token_split(v + start, i - start, &t);
		start = i + 1;
		if (t.value_len == 0)
			return -1;
		if (p->kind == SP_CODE) {
			s->code[s->n_code++] = t;
			continue;
		}
		for (size_t c = 0; c < p->n_codes; c++) {
			const struct search_code *k = &p->codes[c];
			if (!eq(t.value, t.value_len, k->code))
				continue;
			if (t.name != NULL && t.name_len > 0 &&
			    !(k->system && eq(t.name, t.name_len, k->system)))
				continue;
			mask |= k->mask;
		}
	}
	if (p->kind == SP_TOKEN)
		s->mask &= mask;
	return 0;
}

/* --- the common parameters --- */

static int patient_param(struct fhir_search *s, const char *v, size_t n, const char *base,
			 size_t base_len)
{
	if (s->has_patient)
		return -1;
	s->has_patient = true;
	if (n > 8 + ID_HEX_LEN && memcmp(v + n - ID_HEX_LEN - 9, "/Patient/", 9) == 0) {
		/* [base]/Patient/id: ours only */
		if (n - ID_HEX_LEN - 9 != base_len || memcmp(v, base, base_len) != 0)
			s->patient_bad = true;
		v += n - ID_HEX_LEN;
		n = ID_HEX_LEN;
	} else if (n > 8 && memcmp(v, "Patient/", 8) == 0) {
		v += 8;
		n -= 8;
	}
	if (id_parse(&s->patient, v, n) != 0)
		s->patient_bad = true;
	return 0;
}

static int count_param(struct fhir_search *s, const char *v, size_t n)
{
	int c;
	if (n > 6 || num(v, n, &c) != 0)
		return -1;
	/* FHIR lets the server give fewer than asked: more than the cap gets the cap */
	s->page.limit = (size_t)c > LIMIT_SEARCH_COUNT_MAX ? LIMIT_SEARCH_COUNT_MAX : (size_t)c;
	if (c == 0)
		s->summary_count = true;
	return 0;
}

/* _sort: date or the type's own date parameter (sent, authoredon), _lastUpdated or the
 * parameter it stands for (issued); one key, "-" for descending. */
static int sort_param(struct fhir_search *s, const struct search_spec *spec, const char *v, size_t n)
{
	bool desc = n > 0 && v[0] == '-';
	if (desc) {
		v++;
		n--;
	}
	bool date = eq(v, n, "date");
	for (size_t i = 0; !date && i < spec->n_params; i++)
		date = spec->params[i].kind == SP_DATE && eq(v, n, spec->params[i].name);
	if (date)
		s->page.sort = STORE_SORT_DATE;
	else if (eq(v, n, "_lastUpdated") || (spec->sort_updated && eq(v, n, spec->sort_updated)))
		s->page.sort = STORE_SORT_UPDATED;
	else
		return -1;
	s->page.desc = desc;
	return 0;
}

/* The cursor of a next or previous link: "n" or "p", the sort key's value, ".", the row id. */
static int cursor_param(struct fhir_search *s, const char *v, size_t n)
{
	if (n < 3 + ID_HEX_LEN || (v[0] != 'n' && v[0] != 'p') || v[n - ID_HEX_LEN - 1] != '.')
		return -1;
	size_t i = 1;
	bool neg = v[i] == '-';
	if (neg)
		i++;
	int64_t t = 0;
	size_t digits = n - ID_HEX_LEN - 1 - i;
	if (digits == 0 || digits > 18)
		return -1;
	for (size_t k = 0; k < digits; k++) {
		char c = v[i + k];
		if (c < '0' || c > '9')
			return -1;
		t = t * 10 + (c - '0');
	}
	if (id_parse(&s->page.after_id, v + n - ID_HEX_LEN, ID_HEX_LEN) != 0)
		return -1;
	s->page.after = true;
	s->page.after_t = neg ? -t : t;
	s->cursor_prev = v[0] == 'p';
	return 0;
}

void fhir_search_init(struct fhir_search *s, const char *base, size_t base_len)
{
	memset(s, 0, sizeof(*s));
	s->base = base;
	s->base_len = base ? base_len : 0;
	s->page.desc = true; /* newest first unless _sort says otherwise */
	s->page.limit = LIMIT_SEARCH_COUNT_DEFAULT;
	s->mask = UINT32_MAX;
}

static enum search_rc refuse(struct fhir_search *s, const char *name, size_t len, const char *why,
			     enum search_rc rc)
{
	s->bad = name;
	s->bad_len = len;
	s->why = why;
	return rc;
}

enum search_rc fhir_search_add(struct fhir_search *s, const struct search_spec *spec,
			       const char *name, size_t nl, const char *v, size_t vl)
{
	int rc = 0;
	if (vl > LIMIT_SEARCH_VALUE)
		return refuse(s, name, nl, "is too long", SEARCH_INVALID);
	if (eq(name, nl, "_format"))
		return SEARCH_OK; /* JSON whatever it says: not a filter, not in the links */
	if (eq(name, nl, "_cursor"))
		return cursor_param(s, v, vl) == 0 ? SEARCH_OK
						   : refuse(s, name, nl, "is not a cursor this server gave",
							    SEARCH_INVALID);
	if (s->n_applied >= LIMIT_SEARCH_PARAMS)
		return refuse(s, name, nl, "is one parameter too many", SEARCH_INVALID);
	const char *why = "has a value that cannot be read";
	if (eq(name, nl, "patient") || (spec->subject && eq(name, nl, "subject"))) {
		rc = patient_param(s, v, vl, s->base, s->base_len);
		why = "names the patient a second time";
	} else if (spec->pages_of != NULL && (eq(name, nl, "_summary") || (eq(name, nl, "_count") &&
									  all_zero(v, vl)))) {
		rc = -1; /* its rows are counted only once opened: no count to give */
		why = "cannot count: this type is paged by its reports, and has no total";
	} else if (eq(name, nl, "_count")) {
		rc = count_param(s, v, vl);
		why = "must be a whole number";
	} else if (eq(name, nl, "_sort")) {
		rc = sort_param(s, spec, v, vl);
		why = "must be one of date, _lastUpdated or this type's date parameter, with - for "
		      "newest first";
	} else if (eq(name, nl, "_summary")) {
		rc = eq(v, vl, "count") ? (s->summary_count = true, 0) : eq(v, vl, "false") ? 0 : -1;
		why = "must be count (or false)";
	} else if (eq(name, nl, "_total")) {
		rc = eq(v, vl, "none")	       ? (s->total_none = true, 0)
		     : eq(v, vl, "estimate") || eq(v, vl, "accurate") ? 0
								       : -1;
		why = "must be none, estimate or accurate";
	} else if (eq(name, nl, "_lastUpdated")) {
		rc = date_param(&s->page.updated, v, vl);
		why = "must be dates with an optional prefix eq, ne, gt, lt, ge or le";
	} else {
		const struct search_param *p = NULL;
		for (size_t i = 0; p == NULL && i < spec->n_params; i++)
			if (eq(name, nl, spec->params[i].name))
				p = &spec->params[i];
		if (p == NULL)
			return refuse(s, name, nl, "is not a search parameter of this type",
				      SEARCH_UNKNOWN);
		if (p->kind == SP_DATE) {
			rc = date_param(&s->page.date, v, vl);
			why = "must be dates with an optional prefix eq, ne, gt, lt, ge or le";
		} else {
			rc = token_param(s, p, v, vl);
			why = "must be a comma list of codes (system|code or code)";
		}
	}
	if (rc != 0)
		return refuse(s, name, nl, why, SEARCH_INVALID);
	s->applied[s->n_applied++] = (struct search_kv){name, nl, v, vl};
	return SEARCH_OK;
}

const char *fhir_search_codes(const struct fhir_search *s, const struct search_spec *spec,
			      char *out, size_t cap)
{
	if (spec->values == NULL || spec->n_values == 0)
		return NULL;
	uint32_t all = spec->n_values >= 32 ? UINT32_MAX : ((uint32_t)1 << spec->n_values) - 1;
	if ((s->mask & all) == all)
		return NULL;
	size_t len = 0;
	if (cap < 2)
		return ","; /* never: callers pass a buffer of LIMIT_SEARCH_VALUE; match none */
	out[len++] = ',';
	for (size_t i = 0; i < spec->n_values && i < 32; i++) {
		if (!(s->mask & ((uint32_t)1 << i)))
			continue;
		size_t k = strlen(spec->values[i]);
		if (len + k + 2 > cap)
			return ","; /* cannot happen (the caller's buffer fits every value): match none */
		memcpy(out + len, spec->values[i], k);
		len += k;
		out[len++] = ',';
	}
	out[len] = '\0';
	return out; /* "," alone when nothing is allowed: matches no row */
}
