/*
 * Per-request arena. Everything a request allocates comes from here and is released at once
 * when the request ends. Memory is wiped on release because request memory holds patient data.
 * Allocation is bounded: past the arena's cap, arena_alloc returns NULL.
 */
#ifndef MEDKEEP_ARENA_H
#define MEDKEEP_ARENA_H
#include <stddef.h>

struct arena_block;
struct arena {
	struct arena_block *head;
	size_t used_total; /* bytes handed out, checked against cap */
	size_t cap;
};

/* Prepare an empty arena that hands out at most cap bytes in all. */
void arena_init(struct arena *a, size_t cap);
/* n bytes, zeroed, 16-aligned; NULL when the cap would be exceeded or n overflows. */
void *arena_alloc(struct arena *a, size_t n);
/* Grow p, old bytes from this arena, to n bytes (n >= old), keeping its contents: the new
 * bytes are zero. When p is alone in its block (any large allocation is), the block is
 * replaced and the old one wiped and freed, so only n bytes count against the cap, not
 * old + n: a buffer grown by doubling costs its final size, not twice it. Otherwise a copy.
 * NULL (p untouched) when the cap would be exceeded. p NULL or old 0: arena_alloc(n). */
void *arena_grow(struct arena *a, void *p, size_t old, size_t n);
/* count * size bytes with overflow check. */
void *arena_calloc(struct arena *a, size_t count, size_t size);
/* A NUL-terminated copy of (s, n). */
char *arena_strndup(struct arena *a, const char *s, size_t n);
char *arena_strdup(struct arena *a, const char *s);
/* printf into the arena; NULL on error. */
char *arena_printf(struct arena *a, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Wipe and free every block. The arena can be reused after. */
void arena_release(struct arena *a);

#endif
