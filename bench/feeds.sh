#!/usr/bin/env bash
# The HL7 v2 feed benchmark (docs/BENCHMARKS.md, "Feeds"): a fresh data directory with the demo
# practice, one facility-only feed, `medkeep serve --mllp` on loopback, and bench/hl7-sender.js
# registering BENCH_FEED_PATIENTS patients (ADT^A04) and then sending BENCH_FEED_MESSAGES
# ORU^R01 messages of 10 results each over BENCH_FEED_CONNECTIONS connections. Every message is
# acknowledged only after its effects (and their audit records) are durable. Run it alone on the
# machine: nothing else compiling or measuring.
#
#   BENCH_FEED_PATIENTS=2000 BENCH_FEED_MESSAGES=20000 BENCH_FEED_CONNECTIONS=8 bench/feeds.sh
set -euo pipefail
cd "$(dirname "$0")/.."
PATIENTS=${BENCH_FEED_PATIENTS:-2000}
MESSAGES=${BENCH_FEED_MESSAGES:-20000}
CONNS=${BENCH_FEED_CONNECTIONS:-8}
BIN=${BENCH_BIN:-$PWD/build/medkeep}
OUT=$PWD/build/bench/feeds
log() { printf 'bench-feeds: %s\n' "$*" >&2; }

[ -x "$BIN" ] || make -s all
rm -rf "$OUT" && mkdir -p "$OUT"
"$BIN" demo --data "$OUT/data" --patients 1 --password bench-password-2026 >"$OUT/demo.out"
practice=$("$BIN" practices list --data "$OUT/data" | head -1 | cut -f1)
"$BIN" feeds add --data "$OUT/data" --practice "$practice" --name "Bench Laboratory" \
	--facility BENCHLAB >/dev/null
port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
hp=$(port); mp=$(port)
"$BIN" serve --data "$OUT/data" --listen "127.0.0.1:$hp" --mllp "127.0.0.1:$mp" >"$OUT/serve.log" 2>&1 &
pid=$!
trap 'kill $pid 2>/dev/null; wait $pid 2>/dev/null || true' EXIT
for _ in $(seq 100); do grep -q 'component=mllp event=listening' "$OUT/serve.log" && break; sleep 0.1; done
grep -q 'component=mllp event=listening' "$OUT/serve.log" || { log "listener did not start"; exit 1; }
log "serving: http 127.0.0.1:$hp, mllp 127.0.0.1:$mp; $PATIENTS patients, $MESSAGES ORU^R01, $CONNS connections"
node bench/hl7-sender.js --port "$mp" --facility BENCHLAB --patients "$PATIENTS" \
	--messages "$MESSAGES" --connections "$CONNS" | tee "$OUT/results.jsonl"
echo "- machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')"
echo "- database after the run: $(du -sh "$OUT/data" | cut -f1)"
kill "$pid"; wait "$pid" 2>/dev/null || true; trap - EXIT
"$BIN" audit verify --data "$OUT/data" 2>&1 | tail -1
