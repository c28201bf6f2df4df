#include "http/parse.h"

#include <string.h>
#include <strings.h>

#include "util/strtonum.h"

static const char *mem_find(const char *hay, size_t hn, const char *needle, size_t nn)
{
	if (nn == 0 || hn < nn)
		return NULL;
	return memmem(hay, hn, needle, nn);
}

int cookie_find(const char *h, size_t len, const char *name, struct slice *value)
{
	size_t nlen = strlen(name);
	size_t i = 0;
	int found = 0;
	while (i < len) {
		while (i < len && (h[i] == ' ' || h[i] == '\t' || h[i] == ';'))
			i++;
		size_t start = i;
		while (i < len && h[i] != ';')
			i++;
		const char *pair = h + start;
		size_t plen = i - start;
		const char *eq = memchr(pair, '=', plen);
		if (eq == NULL)
			continue;
		size_t klen = (size_t)(eq - pair);
		if (klen == nlen && memcmp(pair, name, nlen) == 0) {
			if (found++)
				return -1; /* duplicated cookie: refuse rather than guess */
			value->ptr = eq + 1;
			value->len = plen - klen - 1;
			while (value->len > 0 && value->ptr[value->len - 1] == ' ')
				value->len--;
		}
	}
	return found == 1 ? 0 : -1;
}

/* Decode one urlencoded component into the arena; -1 on a bad escape. */
static char *url_decode(const char *s, size_t n, struct arena *a, size_t *out_len)
{
	char *out = arena_alloc(a, n + 1);
	if (out == NULL)
		return NULL;
	size_t j = 0;
	for (size_t i = 0; i < n; i++) {
		if (s[i] == '+') {
			out[j++] = ' ';
		} else if (s[i] == '%') {
			if (i + 2 >= n)
				return NULL;
			int hi = hex_digit(s[i + 1]), lo = hex_digit(s[i + 2]);
			if (hi < 0 || lo < 0)
				return NULL;
			out[j++] = (char)(hi << 4 | lo);
			i += 2;
		} else {
			out[j++] = s[i];
		}
	}
	out[j] = '\0';
	*out_len = j;
	return out;
}

int form_parse(const char *body, size_t len, struct arena *a, struct form_field *fields,
	       size_t max_fields, size_t *n)
{
	*n = 0;
	size_t i = 0;
	while (i < len) {
		size_t start = i;
		while (i < len && body[i] != '&')
			i++;
		size_t plen = i - start;
		if (i < len)
			i++; /* skip & */
		if (plen == 0)
			continue;
		if (*n >= max_fields)
			return -1;
		const char *pair = body + start;
		const char *eq = memchr(pair, '=', plen);
		size_t klen = eq ? (size_t)(eq - pair) : plen;
		size_t name_len, value_len = 0;
		char *name = url_decode(pair, klen, a, &name_len);
		char *value = eq ? url_decode(eq + 1, plen - klen - 1, a, &value_len)
				 : arena_strdup(a, "");
		if (name == NULL || value == NULL || name_len != strlen(name) || name_len == 0)
			return -1;
		fields[*n].name = name;
		fields[*n].value = value;
		fields[*n].value_len = value_len;
		(*n)++;
	}
	return 0;
}

const char *form_get(const struct form_field *fields, size_t n, const char *name, size_t *len)
{
	const char *v = NULL;
	for (size_t i = 0; i < n; i++) {
		if (strcmp(fields[i].name, name) != 0)
			continue;
		if (v != NULL)
			return NULL; /* duplicated field: ambiguous, refuse */
		v = fields[i].value;
		if (len)
			*len = fields[i].value_len;
	}
	return v;
}

static int ci_prefix(const char *s, size_t n, const char *lit)
{
	size_t l = strlen(lit);
	if (n < l)
		return 0;
	for (size_t i = 0; i < l; i++) {
		char c = s[i];
		if (c >= 'A' && c <= 'Z')
			c = (char)(c - 'A' + 'a');
		if (c != lit[i])
			return 0;
	}
	return 1;
}

int multipart_boundary(const char *ct, size_t len, struct slice *boundary)
{
	if (!ci_prefix(ct, len, "multipart/form-data"))
		return -1;
	const char *b = NULL;
	for (size_t i = 0; i + 9 <= len; i++)
		if (ci_prefix(ct + i, len - i, "boundary=")) {
			b = ct + i + 9;
			break;
		}
	if (b == NULL)
		return -1;
	size_t blen = len - (size_t)(b - ct);
	if (blen >= 2 && b[0] == '"') {
		const char *end = memchr(b + 1, '"', blen - 1);
		if (end == NULL)
			return -1;
		boundary->ptr = b + 1;
		boundary->len = (size_t)(end - b - 1);
	} else {
		size_t k = 0;
		while (k < blen && b[k] != ';' && b[k] != ' ')
			k++;
		boundary->ptr = b;
		boundary->len = k;
	}
	/* RFC 2046: 1 to 70 characters. */
	return (boundary->len >= 1 && boundary->len <= 70) ? 0 : -1;
}

/* Parameter `key="value"` in a Content-Disposition header value. */
static int disposition_param(const char *h, size_t n, const char *key, struct slice *out)
{
	size_t klen = strlen(key);
	for (size_t i = 0; i + klen + 2 <= n; i++) {
		if ((i == 0 || h[i - 1] == ' ' || h[i - 1] == ';') && memcmp(h + i, key, klen) == 0 &&
		    h[i + klen] == '=' && h[i + klen + 1] == '"') {
			const char *v = h + i + klen + 2;
			const char *end = memchr(v, '"', n - (i + klen + 2));
			if (end == NULL)
				return -1;
			out->ptr = v;
			out->len = (size_t)(end - v);
			return 0;
		}
	}
	return 1;
}

static int parse_part_headers(const char *h, size_t n, struct multipart_part *p)
{
	size_t i = 0;
	int have_disposition = 0;
	while (i < n) {
		const char *line = h + i;
		const char *eol = mem_find(line, n - i, "\r\n", 2);
		size_t llen = eol ? (size_t)(eol - line) : n - i;
		i += llen + 2;
		if (ci_prefix(line, llen, "content-disposition:")) {
			if (have_disposition)
				return -1; /* a second disposition is ambiguous: refuse */
			const char *v = line + 20;
			size_t vlen = llen - 20;
			while (vlen && *v == ' ') {
				v++;
				vlen--;
			}
			if (!ci_prefix(v, vlen, "form-data"))
				return -1;
			if (disposition_param(v, vlen, "name", &p->name) != 0)
				return -1;
			int f = disposition_param(v, vlen, "filename", &p->filename);
			if (f < 0)
				return -1;
			p->has_filename = f == 0;
			have_disposition = 1;
		} else if (ci_prefix(line, llen, "content-type:")) {
			const char *v = line + 13;
			size_t vlen = llen - 13;
			while (vlen && *v == ' ') {
				v++;
				vlen--;
			}
			p->content_type.ptr = v;
			p->content_type.len = vlen;
		}
	}
	return have_disposition ? 0 : -1;
}

int multipart_parse(const char *body, size_t len, struct slice boundary,
		    struct multipart_part *parts, size_t max_parts, size_t *n)
{
	char delim[80];
	*n = 0;
	if (boundary.len == 0 || boundary.len > 70)
		return -1;
	/* The first delimiter has no leading CRLF; every later one does. */
	memcpy(delim, "\r\n--", 4);
	memcpy(delim + 4, boundary.ptr, boundary.len);
	size_t dlen = 4 + boundary.len;
	if (len < dlen - 2 || memcmp(body, delim + 2, dlen - 2) != 0)
		return -1;
	size_t pos = dlen - 2;
	for (;;) {
		if (len - pos >= 2 && memcmp(body + pos, "--", 2) == 0)
			return *n > 0 ? 0 : -1; /* closing delimiter */
		if (len - pos < 2 || memcmp(body + pos, "\r\n", 2) != 0)
			return -1;
		pos += 2;
		if (*n >= max_parts)
			return -1;
		const char *hend = mem_find(body + pos, len - pos, "\r\n\r\n", 4);
		if (hend == NULL)
			return -1;
		struct multipart_part *p = &parts[*n];
		memset(p, 0, sizeof(*p));
		if (parse_part_headers(body + pos, (size_t)(hend - (body + pos)), p) != 0)
			return -1;
		size_t data_start = (size_t)(hend - body) + 4;
		const char *next = mem_find(body + data_start, len - data_start, delim, dlen);
		if (next == NULL)
			return -1;
		p->data.ptr = body + data_start;
		p->data.len = (size_t)(next - p->data.ptr);
		(*n)++;
		pos = (size_t)(next - body) + dlen;
	}
}

const struct multipart_part *multipart_get(const struct multipart_part *parts, size_t n,
					   const char *name)
{
	const struct multipart_part *found = NULL;
	for (size_t i = 0; i < n; i++) {
		if (!slice_eq(parts[i].name, name))
			continue;
		if (found)
			return NULL;
		found = &parts[i];
	}
	return found;
}

/* Is the media range [p, p+n) (parameters and spaces trimmed) one a JSON answer satisfies? */
static bool json_range(const char *p, size_t n)
{
	static const char *const ok[] = {"*/*", "application/*", "application/json",
					 "application/fhir+json", "application/json+fhir"};
	for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++)
		if (strlen(ok[i]) == n && strncasecmp(p, ok[i], n) == 0)
			return true;
	return false;
}

static bool xml_range(const char *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if ((n - i >= 3 && strncasecmp(p + i, "xml", 3) == 0) ||
		    (n - i >= 6 && strncasecmp(p + i, "turtle", 6) == 0))
			return true;
	return false;
}

bool accept_takes_json(const char *accept, size_t len, bool binary)
{
	bool any_other = false, any = false;
	const char *p = accept, *end = accept + len;
	while (p < end) {
		while (p < end && (*p == ' ' || *p == ','))
			p++;
		const char *start = p;
		while (p < end && *p != ',' && *p != ';')
			p++;
		size_t n = (size_t)(p - start);
		while (n > 0 && start[n - 1] == ' ')
			n--;
		if (n > 0) {
			any = true;
			if (json_range(start, n))
				return true;
			if (!xml_range(start, n))
				any_other = true;
		}
		while (p < end && *p != ',')
			p++;
	}
	return !any || (binary && any_other);
}
