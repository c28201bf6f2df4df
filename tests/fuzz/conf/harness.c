/*
 * libFuzzer harness: conf_get over medkeep.conf text. Properties: it never reads past the
 * text or writes past the output; a value found is NUL-terminated inside the output, free of
 * control bytes other than tab, and with no blank at either end.
 */
#include "../harness.h"

#include "util/conf.h"

static const char *const keys[] = {"smtp.url", "smtp.from", "smtp.username", "smtp.password",
				   "smtp.starttls", "portal.url", "a"};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text = fuzz_copy(data, size); /* exact size: ASan sees any over-read */
	if (text == NULL)
		return 0;
	for (size_t k = 0; k < sizeof(keys) / sizeof(keys[0]); k++) {
		char out[64];
		memset(out, 'X', sizeof(out));
		int rc = conf_get(text, size, keys[k], out, sizeof(out));
		if (rc < -1 || rc > 1)
			abort();
		if (rc == 0) {
			size_t n = strnlen(out, sizeof(out));
			if (n == sizeof(out))
				abort();
			for (size_t i = 0; i < n; i++)
				if ((unsigned char)out[i] < 0x20 && out[i] != '\t')
					abort();
			if (n > 0 && (out[0] == ' ' || out[n - 1] == ' '))
				abort();
		}
	}
	free(text);
	return 0;
}
