/*
 * libFuzzer harness: multipart_boundary + multipart_parse + multipart_get.
 * Input: the Content-Type header value up to the first '\n', then the body. Each goes into
 * its own exact-size buffer so a read past either end is caught. Properties on success: the
 * boundary is 1..70 bytes inside the header, at most LIMIT_MULTIPART_PARTS parts, and every
 * slice of every part lies inside the body.
 */
#include "../harness.h"

#include "http/parse.h"
#include "limits.h"

static const char *const names[] = {"csrf", "title", "file", "kind"};

static int inside(struct slice s, const char *base, size_t len)
{
	if (s.len == 0)
		return 1;
	return s.ptr >= base && s.ptr <= base + len && s.len <= (size_t)(base + len - s.ptr);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const uint8_t *nl = memchr(data, '\n', size);
	size_t ct_len = nl ? (size_t)(nl - data) : size;
	size_t body_len = nl ? size - ct_len - 1 : 0;
	char *ct = fuzz_copy(data, ct_len);
	char *body = fuzz_copy(nl ? nl + 1 : data + size, body_len);
	if (ct == NULL || body == NULL)
		goto out;
	struct slice boundary = {0};
	if (multipart_boundary(ct, ct_len, &boundary) != 0)
		goto out;
	if (boundary.len < 1 || boundary.len > 70 || !inside(boundary, ct, ct_len))
		abort();
	struct multipart_part parts[LIMIT_MULTIPART_PARTS];
	size_t n = 0;
	if (multipart_parse(body, body_len, boundary, parts, LIMIT_MULTIPART_PARTS, &n) != 0)
		goto out;
	if (n == 0 || n > LIMIT_MULTIPART_PARTS)
		abort();
	for (size_t i = 0; i < n; i++) {
		const struct multipart_part *p = &parts[i];
		if (!inside(p->name, body, body_len) || !inside(p->filename, body, body_len) ||
		    !inside(p->content_type, body, body_len) || !inside(p->data, body, body_len))
			abort();
		if (!p->has_filename && p->filename.len != 0)
			abort();
	}
	for (size_t k = 0; k < sizeof(names) / sizeof(names[0]); k++) {
		const struct multipart_part *p = multipart_get(parts, n, names[k]);
		size_t seen = 0;
		for (size_t i = 0; i < n; i++)
			seen += slice_eq(parts[i].name, names[k]);
		if ((p != NULL) != (seen == 1))
			abort();
	}
out:
	free(ct);
	free(body);
	return 0;
}
