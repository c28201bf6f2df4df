#!/usr/bin/env bash
# medkeep import benchmark (docs/BENCHMARKS.md, section Import).
#
# For each size N (patients), makes an invented practice export with bench/import_gen.js (N
# patients with test-range NHIs, 5 documents each, a 2 KB PDF inline in each), a fresh data
# directory with the demo practice (`medkeep demo --patients 1`), and times
# `build/medkeep import` of the export into that practice, then a second run (everything
# already there). Prints a Markdown table and writes it to build/bench/import.md.
#
# Environment:
#   IMPORT_SIZES="10000 100000"  patient counts, one run each, one after another
#   IMPORT_DOCS=5                documents per patient
#   BENCH_BIN=build/medkeep      the binary to measure (release: make all)
#   IMPORT_KEEP=0                1: keep the exports and data directories under build/bench/
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
SIZES=${IMPORT_SIZES:-10000 100000}
DOCS=${IMPORT_DOCS:-5}
BIN=${BENCH_BIN:-$ROOT/build/medkeep}
KEEP=${IMPORT_KEEP:-0}
OUT=$ROOT/build/bench
mkdir -p "$OUT"
[ -x "$BIN" ] || { echo "import.sh: build $BIN first (make all)" >&2; exit 1; }

row() { printf '| %s | %s | %s | %s | %s | %s | %s | %s | %s | %s |\n' "$@"; }
# The rate in the first and in the last full interval of the plain progress lines (one each
# 10 s or so, "import: N lines, ..."; the very last line is the summary's, at the end of a shorter
# interval): flat means the import does not slow as the practice grows.
intervals() {
	awk '/^import: [0-9]+ lines/ { n[++k] = $2 }
		END { if (k < 3) { print "- -"; exit }
		      printf "%.0f %.0f\n", n[1] / 10, (n[k-1] - n[k-2]) / 10 }' "$1"
}
{
	echo "Import on $(nproc) cores, $(uname -sr), $(date -u +%Y-%m-%d); $DOCS documents per patient"
	echo
	row patients "export (MB)" "lines" "import (s)" "patients/s" "lines/s" "lines/s, first 10 s" "lines/s, last 10 s" "data dir (MB)" "second run (s)"
	row --- --- --- --- --- --- --- --- --- ---
} > "$OUT/import.md"
for n in $SIZES; do
	exp=$OUT/import-export-$n
	data=$OUT/import-data-$n
	if [ ! -s "$exp/DocumentReference.ndjson" ] || [ "$(wc -l < "$exp/Patient.ndjson")" != "$n" ]; then
		rm -rf "$exp"
		echo "import.sh: making an export of $n patients" >&2
		node bench/import_gen.js --patients "$n" --docs "$DOCS" --out "$exp"
	fi
	rm -rf "$data"
	"$BIN" demo --data "$data" --patients 1 --password bench-password-2026 > /dev/null 2>&1
	practice=$("$BIN" practices list --data "$data" | awk -F'\t' '$2 == "Demo Health Centre" {print $1}')
	size=$(du -sm "$exp" | cut -f1)
	lines=$(cat "$exp"/*.ndjson | wc -l)
	start=$(date +%s.%N)
	"$BIN" import --data "$data" --practice "$practice" "$exp/Patient.ndjson" "$exp/DocumentReference.ndjson" \
		> "$OUT/import-$n.out" 2> "$OUT/import-$n.err"
	end=$(date +%s.%N)
	"$BIN" import --data "$data" --practice "$practice" "$exp/Patient.ndjson" "$exp/DocumentReference.ndjson" \
		> "$OUT/import-$n-again.out" 2> /dev/null
	again=$(date +%s.%N)
	secs=$(echo "$end - $start" | bc -l)
	read -r first last < <(intervals "$OUT/import-$n.err")
	row "$n" "$size" "$lines" "$(printf %.1f "$secs")" "$(printf %.0f "$(echo "$n / $secs" | bc -l)")" \
		"$(printf %.0f "$(echo "$lines / $secs" | bc -l)")" "$first" "$last" "$(du -sm "$data" | cut -f1)" \
		"$(printf %.1f "$(echo "$again - $end" | bc -l)")" >> "$OUT/import.md"
	grep -q "loaded, 0 already there, 0 refused" "$OUT/import-$n.out" || { echo "import.sh: the import refused lines:" >&2; head "$OUT/import-$n.err" >&2; }
	[ "$KEEP" = 1 ] || rm -rf "$data"
done
cat "$OUT/import.md"
