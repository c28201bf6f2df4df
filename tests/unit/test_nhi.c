#include <string.h>

#include "domain/nhi.h"
#include "test.h"

void test_nhi(void)
{
	/* Published examples (HISO 10046:2023; reference/new-zealand.md). */
	static const char *const valid[] = {"JBX3656", "ZZZ0016", "ZAC5361", "ZBN77VL",
					    "ZSC21TN", "ZVB97XQ", "ZYX61YS"};
	static const char *const invalid[] = {"ZZZ0044", "DAB8233", "ZZZ00AA", "ZVU27KA"};
	for (size_t i = 0; i < sizeof(valid) / sizeof(*valid); i++)
		CHECK(nhi_valid(valid[i], strlen(valid[i])));
	for (size_t i = 0; i < sizeof(invalid) / sizeof(*invalid); i++)
		CHECK(!nhi_valid(invalid[i], strlen(invalid[i])));
	char out[NHI_LEN + 1];
	CHECK(nhi_normalise("zbn77vl", 7, out) == 0 && strcmp(out, "ZBN77VL") == 0);
	CHECK(nhi_is_test_range(out));
	CHECK(nhi_normalise("JBX3656", 7, out) == 0 && !nhi_is_test_range(out));
	/* I and O are not in the alphabet; wrong lengths and shapes fail */
	CHECK(!nhi_valid("ZIZ0016", 7));
	CHECK(!nhi_valid("ZOZ0016", 7));
	CHECK(!nhi_valid("ZZZ001", 6));
	CHECK(!nhi_valid("ZZZ00166", 8));
	CHECK(!nhi_valid("1ZZ0016", 7));
	CHECK(!nhi_valid("ZZZ0A16", 7));
	CHECK(!nhi_valid("", 0));
	/* a wrong check letter fails */
	CHECK(!nhi_valid("ZBN77VK", 7));
}
