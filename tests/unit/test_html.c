#include <string.h>

#include "test.h"
#include "web/html.h"

void test_html(void)
{
	struct arena a;
	arena_init(&a, 1u << 16);
	struct buf b;
	buf_init(&b, &a, 1024);
	html_text(&b, "<script>alert('x')</script> & \"q\"");
	CHECK(strcmp(buf_cstr(&b), "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &amp; &quot;q&quot;") == 0);
	struct buf small;
	buf_init(&small, &a, 8);
	html_text(&small, "0123456789");
	CHECK(small.failed); /* a full buffer is an error that sticks, never a silent cut */
	arena_release(&a);
}
