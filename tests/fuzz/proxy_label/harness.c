/*
 * libFuzzer harness: the granter's name that goes into a family-access email
 * (proxy_label_ok). Properties: an accepted label is valid UTF-8 of at most LIMIT_LABEL_CHARS
 * characters with no ASCII byte outside letters, space and ' - . ( ) , and none of the
 * characters that make text a link or an address (@ : /, a dot between letters); nothing reads
 * outside the input.
 */
#include "../harness.h"

#include "domain/proxies.h"
#include "limits.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s = fuzz_cstr(data, size);
	if (s == NULL)
		return 0;
	if (proxy_label_ok(s)) {
		size_t n = strlen(s), chars = 0;
		for (size_t i = 0; i < n; i++) {
			unsigned char c = (unsigned char)s[i];
			if ((c & 0xc0) != 0x80)
				chars++;
			if (c < 0x80 && !((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
					  strchr(" '-.(),", c) != NULL))
				abort();
			if (c == '.' && i + 1 < n && ((s[i + 1] >= 'a' && s[i + 1] <= 'z') ||
						      (s[i + 1] >= 'A' && s[i + 1] <= 'Z')))
				abort();
		}
		if (chars > LIMIT_LABEL_CHARS || strstr(s, "  ") != NULL)
			abort();
	}
	free(s);
	return 0;
}
