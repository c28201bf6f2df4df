#include "util/arena.h"

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/wipe.h"

#define ARENA_BLOCK_DEFAULT (16u * 1024u)

struct arena_block {
	struct arena_block *next;
	size_t size;
	size_t used;
	_Alignas(16) unsigned char data[];
};

void arena_init(struct arena *a, size_t cap)
{
	a->head = NULL;
	a->used_total = 0;
	a->cap = cap;
}

void *arena_alloc(struct arena *a, size_t n)
{
	size_t need = (n + 15u) & ~(size_t)15u;
	if (need < n || need > a->cap || a->used_total > a->cap - need)
		return NULL;
	struct arena_block *b = a->head;
	if (b == NULL || b->size - b->used < need) {
		size_t size = need > ARENA_BLOCK_DEFAULT ? need : ARENA_BLOCK_DEFAULT;
		b = calloc(1, sizeof(*b) + size);
		if (b == NULL)
			return NULL;
		b->size = size;
		b->next = a->head;
		a->head = b;
	}
	void *p = b->data + b->used;
	b->used += need;
	a->used_total += need;
	return p;
}

void *arena_grow(struct arena *a, void *p, size_t old, size_t n)
{
	if (p == NULL || old == 0)
		return arena_alloc(a, n);
	size_t old_need = (old + 15u) & ~(size_t)15u, need = (n + 15u) & ~(size_t)15u;
	if (n < old || need < n)
		return NULL;
	struct arena_block **link = &a->head;
	while (*link != NULL && (*link)->data != (unsigned char *)p)
		link = &(*link)->next;
	struct arena_block *ob = *link;
	if (ob == NULL || ob->used != old_need) {
		void *q = arena_alloc(a, n);
		if (q != NULL)
			memcpy(q, p, old);
		return q;
	}
	if (need > a->cap || a->used_total - old_need > a->cap - need)
		return NULL;
	struct arena_block *nb = calloc(1, sizeof(*nb) + need);
	if (nb == NULL)
		return NULL;
	nb->size = need;
	nb->used = need;
	memcpy(nb->data, p, old);
	nb->next = ob->next;
	*link = nb;
	wipe(ob->data, ob->used);
	free(ob);
	a->used_total = a->used_total - old_need + need;
	return nb->data;
}

void *arena_calloc(struct arena *a, size_t count, size_t size)
{
	if (size != 0 && count > SIZE_MAX / size)
		return NULL;
	return arena_alloc(a, count * size);
}

char *arena_strndup(struct arena *a, const char *s, size_t n)
{
	if (n == SIZE_MAX)
		return NULL;
	char *p = arena_alloc(a, n + 1);
	if (p == NULL)
		return NULL;
	if (n)
		memcpy(p, s, n);
	p[n] = '\0';
	return p;
}

char *arena_strdup(struct arena *a, const char *s)
{
	return arena_strndup(a, s, strlen(s));
}

char *arena_printf(struct arena *a, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0)
		return NULL;
	char *p = arena_alloc(a, (size_t)n + 1);
	if (p == NULL)
		return NULL;
	va_start(ap, fmt);
	vsnprintf(p, (size_t)n + 1, fmt, ap);
	va_end(ap);
	return p;
}

void arena_release(struct arena *a)
{
	struct arena_block *b = a->head;
	while (b != NULL) {
		struct arena_block *next = b->next;
		wipe(b->data, b->used);
		free(b);
		b = next;
	}
	a->head = NULL;
	a->used_total = 0;
}
