#!/usr/bin/env bash
# Build the libFuzzer harnesses in tests/fuzz/ and run each for a bounded time.
#
#   scripts/fuzz.sh              fuzz every harness for FUZZ_SECONDS (default 20) each
#   scripts/fuzz.sh --regress    run every harness once over its checked-in corpus only
#   scripts/fuzz.sh NAME...      limit either mode to the named harnesses
#
# Fuzzing works on a copy of the corpus under build/fuzz/work/, so the repository corpus only
# changes when someone copies an input back on purpose (a crasher kept as a regression seed).
# Exits non-zero when any harness crashes, leaks, times out, or reports too little coverage
# (a harness whose parser was optimised away or never reached).
set -euo pipefail
cd "$(dirname "$0")/.."

mode=fuzz
only=()
for arg in "$@"; do
	case "$arg" in
		--regress) mode=regress ;;
		-h | --help) sed -n '2,11p' "$0"; exit 0 ;;
		-*) echo "fuzz.sh: unknown option $arg" >&2; exit 2 ;;
		*) only+=("$arg") ;;
	esac
done

FUZZ_SECONDS=${FUZZ_SECONDS:-20}
case "$FUZZ_SECONDS" in '' | *[!0-9]* | 0) echo "fuzz.sh: FUZZ_SECONDS must be a positive integer" >&2; exit 2 ;; esac
CC=${FUZZ_CC:-clang}
JOBS=2 # the build machines have two cores

PKGS=(libmicrohttpd libsodium sqlite3 jansson libseccomp libcrypto libqrencode libcurl libcbor gnutls libpq)
PKG_CFLAGS=$(pkg-config --cflags "${PKGS[@]}")
PKG_LIBS="$(pkg-config --libs "${PKGS[@]}") -lpthread -lm"
WARN="-Wall -Wextra -Wformat=2 -Wshadow -Wpointer-arith -Wstrict-prototypes -Wmissing-prototypes
      -Wsign-compare -Wvla -Wcast-qual -Wmissing-declarations -Werror"
SAN="-fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer"
# Library code: clang's -Wformat=2 also flags vsnprintf in our va_list wrappers, which gcc
# (the project compiler) accepts by design; everything else stays an error.
# Every compile reads src/util/banned.h first, as in the Makefile.
LIB_CFLAGS="-std=c17 -D_GNU_SOURCE -g -O1 -Isrc -Ibuild/gen $WARN -Wno-format-nonliteral
            -include src/util/banned.h $PKG_CFLAGS"
HARNESS_CFLAGS="-std=c17 -D_GNU_SOURCE -g -O1 -Isrc -Ibuild/gen $WARN -include src/util/banned.h
                $PKG_CFLAGS"

# The minimum cov sits well under what the seed corpus alone reaches: falling below it means the
# harness no longer reaches its parser. Raise it when a parser grows.
# name | max_len | minimum final cov | library sources ("ALL" = every src/*.c outside src/main/,
# the command-line front end, whose demo.c needs main.c)
HARNESSES=(
	"cookie|4096|20|src/http/parse.c src/util/strtonum.c src/util/arena.c src/util/buf.c src/util/wipe.c src/crypto/crypto.c src/util/log.c"
	"form|65536|60|src/http/parse.c src/util/strtonum.c src/util/arena.c src/util/buf.c src/util/wipe.c"
	"multipart|65536|80|src/http/parse.c src/util/strtonum.c src/util/arena.c src/util/buf.c src/util/wipe.c"
	"docref_json|65536|70|ALL"
	"nhi|4096|50|src/domain/nhi.c"
	"path|4096|45|ALL"
	"vault_msg|65536|60|ALL"
	"checkpoints|65536|60|ALL"
	"appointment_json|65536|60|ALL"
	"conf|16384|40|src/util/conf.c"
	"app_scope|2048|30|ALL"
	"webauthn_attestation|8192|150|src/crypto/webauthn.c src/crypto/evp_key.c src/util/conf.c"
	"webauthn_auth_data|2048|90|src/crypto/webauthn.c src/crypto/evp_key.c src/util/conf.c"
	"webauthn_cose_key|256|80|src/crypto/webauthn.c src/crypto/evp_key.c src/util/conf.c"
	"webauthn_client_data|2048|25|src/crypto/webauthn.c src/crypto/evp_key.c src/util/conf.c"
	"result_json|65536|150|ALL"
	"communication_json|65536|70|ALL"
	"proxy_date|64|20|ALL"
	"proxy_label|256|20|ALL"
	"contact_details|1024|40|ALL"
	"hl7|65536|250|src/hl7/hl7.c src/hl7/ack.c src/hl7/mllp.c src/util/strtonum.c"
	"jws|16384|150|src/crypto/jws.c src/crypto/evp_key.c src/crypto/crypto.c src/util/arena.c src/util/buf.c src/util/wipe.c src/util/log.c"
	"import_ndjson|65536|150|ALL"
	"search_params|8192|150|ALL"
	"name_words|1024|30|ALL"
	"accept|2048|20|src/http/parse.c src/util/strtonum.c src/util/arena.c src/util/buf.c src/util/wipe.c"
	"conditional|256|60|ALL"
)

OUT=build/fuzz
OBJ=$OUT/obj

wanted() {
	[ ${#only[@]} -eq 0 ] && return 0
	local n
	for n in "${only[@]}"; do [ "$n" = "$1" ] && return 0; done
	return 1
}

for n in "${only[@]}"; do
	[ -f "tests/fuzz/$n/harness.c" ] || { echo "fuzz.sh: no harness tests/fuzz/$n" >&2; exit 2; }
done

command -v "$CC" >/dev/null || { echo "fuzz.sh: $CC not found (run scripts/bootstrap.sh)" >&2; exit 1; }
make --no-print-directory -s build/gen/style_css.c build/gen/common_passwords.c build/gen/passkey_js.c build/gen/session_js.c
mkdir -p "$OBJ"

ALL_SRCS=$(find src -name '*.c' ! -path 'src/main/*' | sort)
ALL_SRCS="$ALL_SRCS build/gen/style_css.c build/gen/common_passwords.c build/gen/passkey_js.c build/gen/session_js.c"
newest_header=$(find src -name '*.h' -printf '%T@ %p\n' | sort -n | tail -n 1 | cut -d' ' -f2-)

# Compile one library source to an instrumented object when it is missing or stale.
compile_obj() {
	local src=$1 obj="$OBJ/${1%.c}.o"
	if [ -f "$obj" ] && [ ! "$src" -nt "$obj" ] && [ ! "$newest_header" -nt "$obj" ]; then
		return 0
	fi
	mkdir -p "$(dirname "$obj")"
	# shellcheck disable=SC2086
	$CC $LIB_CFLAGS $SAN -fsanitize=fuzzer-no-link -c -o "$obj" "$src"
}

# Collect every library source the selected harnesses need, then build them two at a time.
declare -A need=()
for h in "${HARNESSES[@]}"; do
	IFS='|' read -r name _ _ srcs <<<"$h"
	wanted "$name" || continue
	[ "$srcs" = ALL ] && srcs=$ALL_SRCS
	for s in $srcs; do need[$s]=1; done
done
running=0
build_failed=0
for s in "${!need[@]}"; do
	compile_obj "$s" &
	running=$((running + 1))
	if [ $running -ge $JOBS ]; then
		wait -n || build_failed=1
		running=$((running - 1))
	fi
done
while [ $running -gt 0 ]; do
	wait -n || build_failed=1
	running=$((running - 1))
done
[ $build_failed -eq 0 ] || { echo "fuzz.sh: library build failed" >&2; exit 1; }

# Link each harness against its objects.
for h in "${HARNESSES[@]}"; do
	IFS='|' read -r name _ _ srcs <<<"$h"
	wanted "$name" || continue
	[ "$srcs" = ALL ] && srcs=$ALL_SRCS
	objs=()
	for s in $srcs; do objs+=("$OBJ/${s%.c}.o"); done
	bin=$OUT/$name
	stale=0
	[ -f "$bin" ] || stale=1
	for f in "tests/fuzz/$name/harness.c" tests/fuzz/harness.h "$newest_header" "${objs[@]}"; do
		[ $stale -eq 1 ] && break
		[ "$f" -nt "$bin" ] && stale=1
	done
	[ $stale -eq 1 ] || continue
	# shellcheck disable=SC2086
	$CC $HARNESS_CFLAGS $SAN -fsanitize=fuzzer -o "$bin" "tests/fuzz/$name/harness.c" "${objs[@]}" $PKG_LIBS
done

export ASAN_OPTIONS=${ASAN_OPTIONS:-abort_on_error=0:detect_leaks=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}

failed=0
ok=0
for h in "${HARNESSES[@]}"; do
	IFS='|' read -r name max_len min_cov _ <<<"$h"
	wanted "$name" || continue
	bin=$OUT/$name
	dir=tests/fuzz/$name
	work=$OUT/work/$name
	rm -rf "$work"
	mkdir -p "$work/corpus"
	if [ "$mode" = regress ]; then
		# Each checked-in input once: no mutation, nothing written.
		if "$bin" -max_len="$max_len" -timeout=10 -artifact_prefix="$work/" "$dir"/corpus/* \
			>"$work/log" 2>&1; then
			ok=$((ok + 1))
		else
			echo "fuzz $name: FAILED (regress), see $work/log"
			tail -n 30 "$work/log"
			failed=1
		fi
		continue
	fi
	cp "$dir"/corpus/* "$work/corpus/"
	rc=0
	"$bin" "$work/corpus" -dict="$dir/dict" -max_len="$max_len" -max_total_time="$FUZZ_SECONDS" \
		-timeout=10 -rss_limit_mb=2048 -print_final_stats=1 -artifact_prefix="$work/" \
		>"$work/log" 2>&1 || rc=$?
	cov=$(grep -o 'cov: [0-9]*' "$work/log" | tail -n 1 | awk '{print $2}')
	ft=$(grep -o 'ft: [0-9]*' "$work/log" | tail -n 1 | awk '{print $2}')
	corp=$(grep -o 'corp: [0-9]*' "$work/log" | tail -n 1 | awk '{print $2}')
	runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$work/log")
	eps=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$work/log")
	line="cov: ${cov:-?} ft: ${ft:-?} corp: ${corp:-?} runs: ${runs:-?} exec/s: ${eps:-?} (${FUZZ_SECONDS}s)"
	if [ $rc -ne 0 ]; then
		echo "fuzz $name: CRASH (exit $rc) $line"
		grep -E '^(==[0-9]+==ERROR|SUMMARY|.*runtime error|artifact_prefix|Test unit written)' \
			"$work/log" | head -n 10 || true
		echo "  full log: $work/log; keep the crasher in $dir/corpus/ once fixed"
		failed=1
	elif [ -z "$cov" ] || [ "$cov" -lt "$min_cov" ]; then
		echo "fuzz $name: LOW COVERAGE $line (expected cov >= $min_cov)"
		failed=1
	else
		echo "fuzz $name: ok $line"
		ok=$((ok + 1))
	fi
done

if [ $failed -ne 0 ]; then
	echo "fuzz $mode: FAILED"
	exit 1
fi
if [ "$mode" = regress ]; then
	echo "fuzz regress: $ok harnesses ok"
else
	echo "fuzz: $ok harnesses ok"
fi
