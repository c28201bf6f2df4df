#!/usr/bin/env bash
# The breaker's memory for a national portal's day (bench/breaker_memory.c); see
# docs/BENCHMARKS.md. Builds the breaker as the vault does (hardened, -O2) and runs it.
set -euo pipefail
cd "$(dirname "$0")/.."
mkdir -p build/bench
cc -std=c17 -D_GNU_SOURCE -O2 -Isrc -o build/bench/breaker_memory bench/breaker_memory.c \
	src/vault/breaker.c src/util/conf.c src/util/strtonum.c src/util/id.c src/util/log.c \
	$(pkg-config --cflags --libs libsodium) -lm -lpthread
build/bench/breaker_memory
