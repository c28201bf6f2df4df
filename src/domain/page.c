/* A search's page between the domain services and the store (domain_int.h): one row more than
 * the page is read to learn whether more follow; the total, when asked for, comes from the
 * same snapshot. The patient is the grant's: a page is only a position (SEARCH.md). */
#include "domain/domain_int.h"

#include "limits.h"

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
