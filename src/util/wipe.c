#include "util/wipe.h"

#include <string.h>

void wipe(void *p, size_t n)
{
	if (p != NULL && n > 0)
		explicit_bzero(p, n);
}
