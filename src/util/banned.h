/*
 * The banned functions of CONVENTIONS.md §5, poisoned: any use of one is a compile error.
 * Force-included first in every compile (`-include src/util/banned.h` in the Makefile and
 * scripts/fuzz.sh), so no file can forget it. scripts/check.sh finds the same names in files
 * the build does not compile.
 *
 * The three C library headers that declare these functions come first: glibc declares and
 * (with _FORTIFY_SOURCE) defines them inline, which would trip the poison if they came later;
 * their include guards keep them from being read again. No other header we use names them.
 *
 * Instead: strcpy, strcat, strncpy -> buf or snprintf checked for truncation; sprintf,
 * vsprintf -> snprintf, vsnprintf, buf_printf; strtok -> slices; atoi, strtol, sscanf ->
 * parse_int64 (util/strtonum.h); gets -> nothing.
 */
#ifndef MEDKEEP_BANNED_H
#define MEDKEEP_BANNED_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#pragma GCC poison strcpy strcat sprintf vsprintf strncpy strtok atoi strtol gets sscanf

#endif
