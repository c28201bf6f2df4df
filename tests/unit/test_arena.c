/* The request arena and buffers: a buffer grown to the upload limit by doubling costs its final
 * size against the arena's cap, not the sum of its doublings (uploads of 16 to 20 MB once ran
 * the request arena out and answered 500). */
#include <string.h>

#include "limits.h"
#include "test.h"
#include "util/arena.h"
#include "util/buf.h"

void test_arena(void)
{
	/* the request's arena holds a body at the multipart limit and a sealed copy of the file,
	 * both grown a piece at a time, as a request does */
	struct arena a;
	arena_init(&a, LIMIT_ARENA_BYTES);
	struct buf body, sealed;
	buf_init(&body, &a, LIMIT_MULTIPART_BODY_BYTES);
	static char chunk[64 * 1024];
	memset(chunk, 'x', sizeof(chunk));
	while (body.len + sizeof(chunk) <= LIMIT_MULTIPART_BODY_BYTES)
		buf_append(&body, chunk, sizeof(chunk));
	CHECK(!body.failed && body.len == LIMIT_MULTIPART_BODY_BYTES);
	CHECK(body.data[0] == 'x' && body.data[body.len - 1] == 'x' && body.data[body.len] == '\0');
	CHECK(a.used_total <= LIMIT_MULTIPART_BODY_BYTES + 64);
	buf_init(&sealed, &a, LIMIT_UPLOAD_BYTES + 1024);
	for (size_t i = 0; i < LIMIT_UPLOAD_BYTES / sizeof(chunk); i++)
		buf_append(&sealed, chunk, sizeof(chunk));
	CHECK(!sealed.failed && sealed.len == LIMIT_UPLOAD_BYTES);
	/* and a base64 JSON body at its limit with the decoded file beside it */
	arena_release(&a);
	struct buf json, file;
	buf_init(&json, &a, LIMIT_JSON_BODY_BYTES);
	buf_init(&file, &a, LIMIT_UPLOAD_BYTES);
	while (json.len + sizeof(chunk) <= LIMIT_JSON_BODY_BYTES)
		buf_append(&json, chunk, sizeof(chunk));
	for (size_t i = 0; i < LIMIT_UPLOAD_BYTES / sizeof(chunk); i++)
		buf_append(&file, chunk, sizeof(chunk));
	CHECK(!json.failed && !file.failed);
	CHECK(a.used_total < LIMIT_ARENA_BYTES);
	arena_release(&a);

	/* arena_grow keeps the contents, zeroes the rest, and respects the cap */
	arena_init(&a, 1024 * 1024);
	char *small = arena_alloc(&a, 100);
	memcpy(small, "hello", 5);
	char *big = arena_alloc(&a, 100 * 1024);
	memset(big, 'b', 100 * 1024);
	size_t before = a.used_total;
	char *bigger = arena_grow(&a, big, 100 * 1024, 200 * 1024);
	CHECK(bigger != NULL && bigger[0] == 'b' && bigger[100 * 1024 - 1] == 'b' &&
	      bigger[100 * 1024] == 0 && bigger[200 * 1024 - 1] == 0);
	CHECK(a.used_total == before + 100 * 1024);
	/* a small allocation shares its block: copied, the old bytes still counted */
	char *moved = arena_grow(&a, small, 100, 200);
	CHECK(moved != NULL && moved != small && memcmp(moved, "hello", 5) == 0);
	CHECK(arena_grow(&a, bigger, 200 * 1024, 2 * 1024 * 1024) == NULL); /* over the cap */
	CHECK(bigger[0] == 'b');
	CHECK(arena_grow(&a, bigger, 200 * 1024, 100) == NULL); /* never shrinks */
	CHECK(arena_grow(&a, NULL, 0, 64) != NULL);
	arena_release(&a);
	CHECK(a.used_total == 0 && a.head == NULL);
}
