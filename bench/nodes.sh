#!/usr/bin/env bash
# One node and two nodes on one PostgreSQL database, behind nginx (issue 17; docs/BENCHMARKS.md,
# "PostgreSQL"). Uses a data set made by `BENCH_STORE=pg bench/run.sh` (NODES_DATA, default
# build/bench/data-pg-10000, its database on build/bench/pg). Starts nginx as the load balancer
# (keepalive to the nodes), logs in patient1 once, then runs wrk on the Binary read through
# nginx with one node behind it and then with two, and reports the rate and the CPU per request
# of each node (serve and its children), of the database's processes and of nginx. This machine
# has 2 cores: two nodes cannot show scaling here, only what each request costs each part.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
DATA=${NODES_DATA:-$ROOT/build/bench/data-pg-10000}
SECS=${BENCH_SECONDS:-8}
PASSWORD=${BENCH_PASSWORD:-bench-password-2026}
OUT=$ROOT/build/bench/nodes
PG_DIR=$ROOT/build/bench/pg
BIN=$ROOT/build/medkeep
mkdir -p "$OUT"/{body,proxy,fastcgi,uwsgi,scgi}
grep -q '^store.url' "$DATA/medkeep.conf" || { echo "nodes.sh: $DATA is not on PostgreSQL" >&2; exit 1; }
db=$(sed -n 's|^store.url = postgresql:///\([^?]*\)?.*|\1|p' "$DATA/medkeep.conf")
PIDS=()
cleanup() { for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; wait "$p" 2>/dev/null || true; done; "$ROOT/scripts/pg-test.sh" stop "$PG_DIR" || true; }
trap cleanup EXIT
"$ROOT/scripts/pg-test.sh" start "$PG_DIR" >/dev/null
PG_PID=$(head -n1 "$PG_DIR/data/postmaster.pid")
psql -q -h "$PG_DIR" -U medkeep -d "$db" -c 'DELETE FROM medkeep_main.throttle'
TICK=$(getconf CLK_TCK)
ticks() { local p s=0; for p in "$1" $(ps -o pid= --ppid "$1"); do [ -r /proc/$p/stat ] && s=$((s + $(awk '{print $14 + $15}' /proc/$p/stat))); done; echo $s; }
node_up() { # port; sets NODE to its pid
	"$BIN" serve --data "$DATA" --listen "127.0.0.1:$1" >"$OUT/node-$1.log" 2>&1 &
	NODE=$!
	PIDS+=("$NODE")
	local i
	for i in $(seq 100); do curl -s -o /dev/null "http://127.0.0.1:$1/login" && break; sleep 0.1; done
}
nginx_up() { # lb-port upstream-ports...
	local lb=$1; shift
	cat >"$OUT/nginx.conf" <<CONF
$( [ "$(id -u)" -eq 0 ] && echo 'user root root;')
daemon off; worker_processes 1; pid $OUT/nginx.pid; error_log $OUT/error.log warn;
events { worker_connections 1024; }
http { access_log off; client_body_temp_path $OUT/body; proxy_temp_path $OUT/proxy;
	fastcgi_temp_path $OUT/fastcgi; uwsgi_temp_path $OUT/uwsgi; scgi_temp_path $OUT/scgi;
	upstream medkeep { $(for p in "$@"; do printf 'server 127.0.0.1:%s; ' "$p"; done) keepalive 64; }
	server { listen 127.0.0.1:$lb; location / { proxy_pass http://medkeep; proxy_http_version 1.1;
		proxy_set_header Connection ""; proxy_set_header Host \$http_host;
		proxy_set_header X-Forwarded-For \$proxy_add_x_forwarded_for; } } }
CONF
	nginx -p "$OUT/" -c "$OUT/nginx.conf" -e "$OUT/error.log" >/dev/null 2>&1 &
	NGX=$!; PIDS+=("$NGX"); sleep 0.5
}
login() { # base -> cookie header value
	local h=$OUT/h page lc csrf
	page=$(curl -s -D "$h" "$1/login")
	lc=$(tr -d '\r' <"$h" | sed -n 's/^[Ss]et-[Cc]ookie: __Host-medkeep-login=\([^;]*\).*/\1/p' | head -1)
	csrf=$(printf '%s' "$page" | sed -n 's/.*name="csrf" value="\([^"]*\)".*/\1/p' | head -1)
	curl -s -o /dev/null -D "$h" -H "Cookie: __Host-medkeep-login=$lc" --data-urlencode "csrf=$csrf" \
		--data-urlencode email=patient1@demo.test --data-urlencode "password=$PASSWORD" "$1/login"
	tr -d '\r' <"$h" | sed -n 's/^[Ss]et-[Cc]ookie: \(__Host-medkeep=[^;]*\).*/\1/p' | head -1
}
measure() { # label cookie url node-pids...
	local label=$1 cookie=$2 url=$3; shift 3
	wrk -t2 -c32 -d1s -H "Cookie: $cookie" "$url" >/dev/null
	local n0=() p d0 x0 t1
	for p in "$@"; do n0+=("$(ticks "$p")"); done
	d0=$(ticks "$PG_PID"); x0=$(ticks "$NGX")
	wrk -t2 -c32 -d"${SECS}s" -H "Cookie: $cookie" "$url" >"$OUT/wrk-$label.txt"
	local req rps
	req=$(awk '/requests in/ {print $1}' "$OUT/wrk-$label.txt"); rps=$(awk '/^Requests\/sec:/ {print $2}' "$OUT/wrk-$label.txt")
	local cols="" i=0
	for p in "$@"; do cols="$cols | $(awk -v t=$(( $(ticks "$p") - n0[i] )) -v h=$TICK -v n="$req" 'BEGIN {printf "%.0f", t/h*1e6/n}')"; i=$((i+1)); done
	[ $# -eq 2 ] || cols="$cols | -"
	printf '| %s | %s%s | %s | %s | %s |\n' "$label" "$rps" "$cols" \
		"$(awk -v t=$(( $(ticks "$PG_PID") - d0 )) -v h=$TICK -v n="$req" 'BEGIN {printf "%.0f", t/h*1e6/n}')" \
		"$(awk -v t=$(( $(ticks "$NGX") - x0 )) -v h=$TICK -v n="$req" 'BEGIN {printf "%.0f", t/h*1e6/n}')" \
		"$(awk -F': *' '/Non-2xx/ {print $2}' "$OUT/wrk-$label.txt")"
}
node_up 18301; A=$NODE
node_up 18302; B=$NODE
{
echo "| nodes behind nginx | Binary read (req/s) | node A CPU per read (µs) | node B CPU per read (µs) | database CPU per read (µs) | nginx CPU per read (µs) | non-2xx |"
echo "| --- | ---: | ---: | ---: | ---: | ---: | ---: |"
nginx_up 18300 18301
cookie=$(login http://127.0.0.1:18300)
pat=$(curl -s -H "Cookie: $cookie" http://127.0.0.1:18300/session | jq -r .patient)
ref=$(curl -s -H "Cookie: $cookie" "http://127.0.0.1:18300/fhir/R4/DocumentReference?patient=$pat" | jq -r '[.entry[].resource.content[0].attachment | select(.size == 2048)][0].url // .entry[0].resource.content[0].attachment.url')
case $ref in http*) url=${ref/:\/\/127.0.0.1:18301/://127.0.0.1:18300} ;; *) url=http://127.0.0.1:18300/fhir/R4/$ref ;; esac
measure one "$cookie" "$url" "$A"
kill "$NGX"; wait "$NGX" 2>/dev/null || true; sleep 0.5
nginx_up 18300 18301 18302
measure two "$cookie" "$url" "$A" "$B"
kill "$NGX"; wait "$NGX" 2>/dev/null || true
} | tee "$OUT/results.md"
