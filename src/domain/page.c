/* A search's page between the domain services and the store (domain_int.h): one row more than
 * the page is read to learn whether more follow; the total, when asked for, comes from the
 * same snapshot. The patient is the grant's: a page is only a position (SEARCH.md). */
#include "domain/domain_int.h"

#include "limits.h"

#include <stdlib.h>
#include <string.h>

void domain_page_begin(const struct store_page *pg, struct store_page *ask, struct page_info *info)
{
	static const struct store_page newest = {.desc = true, .limit = LIMIT_LIST};
	*ask = pg ? *pg : newest;
	if (ask->limit > LIMIT_SEARCH_COUNT_MAX)
		ask->limit = LIMIT_SEARCH_COUNT_MAX;
	if (ask->limit > 0)
		ask->limit++;
	if (info) {
		info->more = false;
		info->total = 0;
	}
}

size_t domain_page_end(const struct store_page *ask, size_t n, struct page_info *info)
{
	size_t page = ask->limit > 0 ? ask->limit - 1 : 0;
	bool more = n > page;
	if (info)
		info->more = more;
	return more ? page : n;
}

static bool in_ranges(const struct store_ranges *r, int64_t t)
{
	if (!r->on)
		return true;
	for (size_t i = 0; i < r->n && i < LIMIT_SEARCH_RANGES; i++)
		if (t >= r->lo[i] && t < r->hi[i])
			return true;
	return false;
}

static bool code_listed(const char *codes, const char *code)
{
	if (codes == NULL)
		return true;
	size_t n = strlen(code);
	for (const char *p = strstr(codes, code); p != NULL; p = strstr(p + 1, code))
		if (p > codes && p[-1] == ',' && p[n] == ',')
			return true;
	return false;
}

static int64_t item_key(const struct page_item *it, enum store_sort sort)
{
	return sort == STORE_SORT_UPDATED ? it->updated : it->date;
}

/* qsort has no context: the order of the one sort in progress (one thread each call, as the
 * workers run one request per thread). */
static _Thread_local const struct store_page *sorting;

static int item_cmp(const void *a, const void *b)
{
	const struct page_item *x = a, *y = b;
	int64_t kx = item_key(x, sorting->sort), ky = item_key(y, sorting->sort);
	int c = kx < ky ? -1 : kx > ky ? 1 : memcmp(x->id.b, y->id.b, sizeof(x->id.b));
	return sorting->desc ? -c : c;
}

/* Is it strictly after the cursor in the page's order? */
static bool after_cursor(const struct page_item *it, const struct store_page *ask)
{
	if (!ask->after)
		return true;
	int64_t k = item_key(it, ask->sort);
	int c = k < ask->after_t ? -1 : k > ask->after_t ? 1
							 : memcmp(it->id.b, ask->after_id.b, sizeof(it->id.b));
	return ask->desc ? c < 0 : c > 0;
}

size_t domain_page_items(struct page_item *items, size_t n, const struct store_page *ask,
			 struct page_info *info)
{
	size_t kept = 0, total = 0;
	for (size_t i = 0; i < n; i++) {
		const struct page_item *it = &items[i];
		if (!in_ranges(&ask->date, it->date) || !in_ranges(&ask->updated, it->updated) ||
		    !code_listed(ask->codes, it->code))
			continue;
		total++;
		if (after_cursor(it, ask))
			items[kept++] = *it;
	}
	if (info && info->want_total)
		info->total = (int64_t)total;
	sorting = ask;
	qsort(items, kept, sizeof(*items), item_cmp);
	sorting = NULL;
	return kept < ask->limit ? kept : ask->limit;
}
