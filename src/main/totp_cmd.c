/*
 * `medkeep totp SECRET`: the current 6-digit code for a base32 TOTP secret, for trying the demo
 * without an authenticator app (the demo's staff secrets are in demo-logins.txt). It reads
 * nothing and changes nothing.
 */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "crypto/crypto.h"
#include "main/cmd.h"

static int b32_value(char c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a';
	if (c >= '2' && c <= '7')
		return c - '2' + 26;
	return -1;
}

int cmd_totp(int argc, char **argv)
{
	if (argc != 2 || strcmp(argv[1], "--help") == 0) {
		fputs("usage: medkeep totp SECRET\nPrint the current code for a base32 TOTP secret "
		      "(RFC 6238, SHA-1, 6 digits, 30 s).\n",
		      argc == 2 ? stdout : stderr);
		return argc == 2 ? 0 : 2;
	}
	uint8_t key[64];
	size_t n = 0;
	unsigned acc = 0;
	int bits = 0;
	for (const char *p = argv[1]; *p; p++) {
		if (*p == '=' || *p == ' ')
			continue;
		int v = b32_value(*p);
		if (v < 0 || n >= sizeof(key)) {
			fprintf(stderr, "medkeep totp: not a base32 secret\n");
			return 2;
		}
		acc = (acc << 5) | (unsigned)v;
		bits += 5;
		if (bits >= 8) {
			key[n++] = (uint8_t)(acc >> (bits - 8));
			bits -= 8;
		}
	}
	if (n < 10) {
		fprintf(stderr, "medkeep totp: secret too short\n");
		return 2;
	}
	printf("%06u\n", totp_code(key, n, (uint64_t)time(NULL) / 30, 6));
	return 0;
}
