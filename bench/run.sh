#!/usr/bin/env bash
# medkeep benchmark (see docs/BENCHMARKS.md).
#
# Seeds a demo practice (BENCH_PATIENTS patients, default 10000) under build/bench/, serves it on
# a free loopback port, logs in once as patient1@demo.test, then measures with wrk, one run after
# another, never concurrently:
#   (a) nginx serving a static 2 KB file (the yardstick),
#   (b) authenticated GET /fhir/R4/Binary/<id>            (a 2,048-byte PDF, audited),
#       (a) and (b) alternate for BENCH_ROUNDS rounds; the round with the median ratio is reported,
#   (c) authenticated GET /fhir/R4/DocumentReference?patient=<id>  (search, audited),
#   (d) a portal day: patients signing in, reading, writing and signing out (bench/day.js),
#   (e) the Binary read again during a credential-stuffing flood on POST /login.
# Prints a Markdown table and writes it to build/bench/results.md.
#
# Environment:
#   BENCH_PATIENTS=10000     patients to seed (the data dir is reused when the count matches)
#   BENCH_IMPORT=0           patients imported besides (bench/import_gen.js, 4 documents each, with
#                            `medkeep import` into the demo practice): how the large sets are made,
#                            since the demo seeds one patient at a time (issue 17)
#   BENCH_SECONDS=10         seconds per wrk run
#   BENCH_ROUNDS=3           rounds of nginx then Binary, one after the other (machine noise)
#   BENCH_WARMUP=1           seconds of unrecorded wrk warm-up before each run (0 = none)
#   BENCH_THREADS=2          wrk threads
#   BENCH_CONNECTIONS=32     wrk connections (medkeep allows 64 per client address)
#   BENCH_DAY_USERS=8        patients in the portal day (d), at most BENCH_PATIENTS - 1
#   BENCH_MEDKEEP_THREADS=   medkeep serve --threads (default: medkeep's own, one per core)
#   BENCH_PASSWORD=...       password of every demo account (at least 12 characters)
#   BENCH_SEED_TIMEOUT=3600  seconds allowed for seeding
#   BENCH_BIN=build/medkeep  the binary to measure (e.g. a build of an earlier commit, to compare)
#   BENCH_STORE=sqlite       or pg: a private PostgreSQL under build/bench/pg (scripts/pg-test.sh),
#                            one database per size; the table then gives the database's CPU per
#                            request beside the node's (issue 17)
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD

PATIENTS=${BENCH_PATIENTS:-10000}
IMPORTED=${BENCH_IMPORT:-0}
DURATION=${BENCH_SECONDS:-10}
ROUNDS=${BENCH_ROUNDS:-3}
WARMUP=${BENCH_WARMUP:-1}
WRK_THREADS=${BENCH_THREADS:-2}
WRK_CONNS=${BENCH_CONNECTIONS:-32}
DAY_USERS_WANTED=${BENCH_DAY_USERS:-8}
MK_THREADS=${BENCH_MEDKEEP_THREADS:-}
PASSWORD=${BENCH_PASSWORD:-bench-password-2026}
SEED_TIMEOUT=${BENCH_SEED_TIMEOUT:-3600}
STORE=${BENCH_STORE:-sqlite}

OUT=$ROOT/build/bench
SET_NAME=$PATIENTS
[ "${BENCH_IMPORT:-0}" = 0 ] || SET_NAME=$PATIENTS+$BENCH_IMPORT
DATA=$OUT/data-$SET_NAME
[ "${BENCH_STORE:-sqlite}" = sqlite ] || DATA=$OUT/data-pg-$SET_NAME
NGX=$OUT/nginx
BIN=${BENCH_BIN:-$ROOT/build/medkeep}
RESULTS=$OUT/results.md
MK_LOG=$OUT/medkeep-serve.log
CURL=(curl -sS --max-time 30 --noproxy '*')

log() { printf 'bench: %s\n' "$*" >&2; }
die() { printf 'bench: error: %s\n' "$*" >&2; exit 1; }

is_uint() { [[ $1 =~ ^[0-9]+$ ]]; }
for v in PATIENTS IMPORTED DURATION ROUNDS WARMUP WRK_THREADS WRK_CONNS DAY_USERS_WANTED SEED_TIMEOUT; do
	is_uint "${!v}" || die "$v must be a non-negative integer (got '${!v}')"
done
[ "$PATIENTS" -ge 1 ] || die "BENCH_PATIENTS must be at least 1"
[ "$DURATION" -ge 1 ] || die "BENCH_SECONDS must be at least 1"
[ "$ROUNDS" -ge 1 ] || die "BENCH_ROUNDS must be at least 1"
[ "$WRK_THREADS" -ge 1 ] && [ "$WRK_CONNS" -ge "$WRK_THREADS" ] ||
	die "need BENCH_THREADS >= 1 and BENCH_CONNECTIONS >= BENCH_THREADS"
[ -z "$MK_THREADS" ] || is_uint "$MK_THREADS" || die "BENCH_MEDKEEP_THREADS must be an integer"
[ "${#PASSWORD}" -ge 12 ] || die "BENCH_PASSWORD must have at least 12 characters"
[ "$STORE" = sqlite ] || [ "$STORE" = pg ] || die "BENCH_STORE must be sqlite or pg"

for t in wrk nginx curl timeout; do
	command -v "$t" >/dev/null || die "$t not found (run 'make bootstrap')"
done
if command -v jq >/dev/null; then JSON=jq
elif command -v node >/dev/null; then JSON=node
else die "need jq or node to read JSON"; fi
[ -x "$BIN" ] || die "$BIN missing: run 'make all' first"

mkdir -p "$OUT"

# --- cleanup: stop every server this script started --------------------------------------
MK_PID=""
NGX_PID=""
stop_pid() { # pid name
	local pid=$1 i
	[ -n "$pid" ] || return 0
	kill -0 "$pid" 2>/dev/null || return 0
	kill -TERM "$pid" 2>/dev/null || true
	for ((i = 0; i < 50; i++)); do
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.1
	done
	if kill -0 "$pid" 2>/dev/null; then
		log "$2 (pid $pid) did not stop on SIGTERM; sending SIGKILL"
		kill -KILL "$pid" 2>/dev/null || true
	fi
	wait "$pid" 2>/dev/null || true
}
cleanup() {
	stop_pid "$NGX_PID" nginx
	NGX_PID=""
	stop_pid "$MK_PID" medkeep
	MK_PID=""
	[ -z "${PG_PID:-}" ] || "$ROOT/scripts/pg-test.sh" stop "$PG_DIR" || true
	PG_PID=""
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# --- helpers -----------------------------------------------------------------------------
port_in_use() { # something accepts on 127.0.0.1:$1
	timeout 1 bash -c "exec 3<>/dev/tcp/127.0.0.1/$1" 2>/dev/null
}
pick_port() {
	local i p
	for ((i = 0; i < 50; i++)); do
		p=$((20000 + (RANDOM * 32768 + RANDOM) % 40000))
		if command -v ss >/dev/null; then
			ss -Htln "sport = :$p" 2>/dev/null | grep -q . && continue
		fi
		port_in_use "$p" && continue
		echo "$p"
		return 0
	done
	die "no free loopback port found"
}
wait_http() { # pid url expected-status; up to 10 s
	local pid=$1 url=$2 want=$3 i code
	for ((i = 0; i < 100; i++)); do
		kill -0 "$pid" 2>/dev/null || return 1
		code=$(curl -s --noproxy '*' --max-time 1 -o /dev/null -w '%{http_code}' "$url" || true)
		[ "$code" = "$want" ] && return 0
		sleep 0.1
	done
	return 1
}
json_field() { # name; stdin: a JSON object (GET /session); prints the string field, or nothing
	if [ "$JSON" = jq ]; then jq -r --arg k "$1" '.[$k] // empty'
	else node -e 'const k=process.argv[1];let s="";process.stdin.on("data",d=>s+=d).on("end",()=>{const j=JSON.parse(s);if(j[k])console.log(j[k])})' "$1"; fi
}
json_pick_binary() { # stdin: DocumentReference Bundle; prints "url size" nearest 2048 bytes, larger on ties
	if [ "$JSON" = jq ]; then
		jq -r '[.entry[]?.resource.content[0].attachment | select(.url != null)
			| {url, size: (.size // 0)}]
			| sort_by((if .size > 2048 then .size - 2048 else 2048 - .size end), -.size)
			| .[0] // empty | "\(.url) \(.size)"'
	else
		node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>{
			const a=(JSON.parse(s).entry||[]).map(e=>e.resource.content[0].attachment)
				.filter(x=>x&&x.url).map(x=>({url:x.url,size:x.size||0}));
			a.sort((x,y)=>Math.abs(x.size-2048)-Math.abs(y.size-2048)||y.size-x.size);
			if(a.length)console.log(a[0].url+" "+a[0].size)})'
	fi
}
to_ms() { # wrk duration (e.g. 812.00us, 3.21ms, 1.02s, 1.5m) -> milliseconds
	awk -v v="$1" 'BEGIN {
		n = v + 0; u = v; sub(/^[0-9.]+/, "", u)
		if (u == "us") n /= 1000; else if (u == "s") n *= 1000
		else if (u == "m") n *= 60000; else if (u == "h") n *= 3600000
		else if (u != "ms") { print "?"; exit }
		printf "%.2f", n }'
}

# --- 1. seed ------------------------------------------------------------------------------
STAMP=$DATA/.bench-seeded
want_stamp="patients=$PATIENTS imported=$IMPORTED password=$PASSWORD"
PG_DIR=$OUT/pg
PG_DB=bench_${PATIENTS}_$IMPORTED
PG_PID=""
STORE_CONF=""
sql_reset() { # sql: run on the records (SQLite's medkeep.db, or the database's medkeep_main)
	if [ "$STORE" = pg ]; then psql -q -h "$PG_DIR" -U medkeep -d "$PG_DB" -c "SET search_path = medkeep_main; $1"
	else sqlite3 "$DATA/medkeep.db" "$1"; fi
}
if [ "$STORE" = pg ]; then
	"$ROOT/scripts/pg-test.sh" start "$PG_DIR" >/dev/null || die "cannot start PostgreSQL in $PG_DIR"
	PG_PID=$(head -n1 "$PG_DIR/data/postmaster.pid")
	STORE_CONF="store.url = postgresql:///$PG_DB?host=$PG_DIR&user=medkeep"
fi
if [ -f "$STAMP" ] && [ "$(cat "$STAMP")" = "$want_stamp" ] && { [ -f "$DATA/medkeep.db" ] || [ "$STORE" = pg ]; }; then
	log "reusing $DATA ($PATIENTS patients)"
else
	case "$DATA" in "$OUT"/data-*) rm -rf -- "$DATA" ;; *) die "refusing to remove $DATA" ;; esac
	mkdir -p "$DATA"
	if [ "$STORE" = pg ]; then
		dropdb --if-exists -h "$PG_DIR" -U medkeep "$PG_DB" && createdb -h "$PG_DIR" -U medkeep "$PG_DB" ||
			die "cannot make database $PG_DB"
		printf '%s\n' "$STORE_CONF" >"$DATA/medkeep.conf"
	fi
	log "seeding $PATIENTS patients into $DATA (progress below)"
	t0=$(date +%s)
	timeout "$SEED_TIMEOUT" "$BIN" demo --data "$DATA" --patients "$PATIENTS" --password "$PASSWORD" \
		>"$OUT/demo.out" || die "medkeep demo failed or timed out (see $OUT/demo.out)"
	echo >&2
	log "seeded in $(($(date +%s) - t0)) s"
	if [ "$IMPORTED" -gt 0 ]; then
		exp=$OUT/import-export-$IMPORTED-4
		if [ ! -s "$exp/DocumentReference.ndjson" ]; then
			log "making an export of $IMPORTED patients"
			node bench/import_gen.js --patients "$IMPORTED" --docs 4 --out "$exp"
		fi
		practice=$("$BIN" practices list --data "$DATA" | awk -F'\t' '$2 == "Demo Health Centre" {print $1}')
		log "importing $IMPORTED patients into $DATA"
		t0=$(date +%s)
		"$BIN" import --data "$DATA" --practice "$practice" "$exp/Patient.ndjson" \
			"$exp/DocumentReference.ndjson" >"$OUT/import.out" 2>"$OUT/import.err" ||
			die "medkeep import failed (see $OUT/import.out and import.err)"
		log "imported in $(($(date +%s) - t0)) s: $(tail -n1 "$OUT/import.out")"
	fi
	printf '%s\n' "$want_stamp" >"$STAMP"
fi

# --- 2. serve -----------------------------------------------------------------------------
# The load-generating account reads its own documents far beyond any person's day: raise its
# role's byte budget (the breaker itself stays on; see README, "The exfiltration breaker").
printf 'breaker.patient.bytes = 1000000000000\n%s\n' "$STORE_CONF" >"$DATA/medkeep.conf"
# A previous run's login flood leaves this address blocked (exponential backoff); start clean.
sql_reset 'DELETE FROM throttle;' || die "cannot reset login throttling in $DATA"
serve_args=(serve --data "$DATA")
[ -z "$MK_THREADS" ] || serve_args+=(--threads "$MK_THREADS")
MK_PORT=""
for attempt in 1 2 3; do
	p=$(pick_port)
	"$BIN" "${serve_args[@]}" --listen "127.0.0.1:$p" >"$MK_LOG" 2>&1 &
	MK_PID=$!
	if wait_http "$MK_PID" "http://127.0.0.1:$p/login" 200; then MK_PORT=$p; break; fi
	log "medkeep did not come up on port $p (attempt $attempt); see $MK_LOG"
	stop_pid "$MK_PID" medkeep
	MK_PID=""
done
[ -n "$MK_PORT" ] || die "could not start medkeep serve (see $MK_LOG; a data dir seeded by an older build may not open: delete $DATA and run again)"
MK=http://127.0.0.1:$MK_PORT
log "medkeep serving on $MK (pid $MK_PID, log $MK_LOG)"

# --- 3. log in once (logins are throttled; sessions idle out after 30 minutes) --------------
hdr=$OUT/login.headers
page=$(  "${CURL[@]}" -D "$hdr" "$MK/login") || die "GET /login failed"
login_cookie=$(tr -d '\r' <"$hdr" | sed -n 's/^[Ss]et-[Cc]ookie: __Host-medkeep-login=\([^;]*\).*/\1/p' | head -n1)
csrf=$(printf '%s' "$page" | sed -n 's/.*name="csrf" value="\([^"]*\)".*/\1/p' | head -n1)
[ -n "$login_cookie" ] && [ -n "$csrf" ] || die "no login cookie or csrf token from GET /login"
code=$("${CURL[@]}" -o /dev/null -D "$hdr" -w '%{http_code}' \
	-H "Cookie: __Host-medkeep-login=$login_cookie" \
	--data-urlencode "csrf=$csrf" --data-urlencode "email=patient1@demo.test" \
	--data-urlencode "password=$PASSWORD" "$MK/login") || die "POST /login failed"
[ "$code" = 303 ] || die "POST /login returned $code, expected 303 (throttled? wrong BENCH_PASSWORD?)"
TOKEN=$(tr -d '\r' <"$hdr" | sed -n 's/^[Ss]et-[Cc]ookie: __Host-medkeep=\([^;]*\).*/\1/p' | head -n1)
rm -f "$hdr"
[ -n "$TOKEN" ] || die "POST /login set no session cookie"
COOKIE="Cookie: __Host-medkeep=$TOKEN"
log "logged in as patient1@demo.test"

session=$("${CURL[@]}" -f -H "$COOKIE" "$MK/session") || die "GET /session failed"
PATIENT=$(printf '%s' "$session" | json_field patient)
[[ $PATIENT =~ ^[A-Za-z0-9._-]+$ ]] || die "no patient id in /session: $session"

SEARCH_URL="$MK/fhir/R4/DocumentReference?patient=$PATIENT"
bundle=$("${CURL[@]}" -f -H "$COOKIE" "$SEARCH_URL") || die "DocumentReference search failed"
read -r BIN_REF BIN_SIZE < <(printf '%s' "$bundle" | json_pick_binary) || true
if [ "${BIN_SIZE:-0}" != 2048 ]; then
	# The demo's documents are about 1 KB, and the read measured is of 2 KB: patient1 uploads a
	# 2,048-byte PDF through FHIR once; later runs on the same data dir find it.
	csrf_token=$(printf '%s' "$session" | json_field csrf)
	pdf=$OUT/bench-2k.pdf
	{ printf '%%PDF-1.4\n%% medkeep benchmark document\n'; head -c 4096 /dev/zero | tr '\0' 'x'; } |
		head -c 2041 >"$pdf"
	printf '\n%%%%EOF\n' >>"$pdf"
	[ "$(wc -c <"$pdf")" -eq 2048 ] || die "could not make a 2048-byte PDF"
	printf '{"resourceType":"DocumentReference","status":"current","subject":{"reference":"Patient/%s"},"description":"Benchmark document (2 KB)","content":[{"attachment":{"contentType":"application/pdf","title":"benchmark-2k.pdf","data":"%s"}}]}' \
		"$PATIENT" "$(base64 -w0 "$pdf")" >"$OUT/bench-2k.json"
	code=$("${CURL[@]}" -o /dev/null -w '%{http_code}' -H "$COOKIE" -H "X-CSRF-Token: $csrf_token" \
		-H 'Content-Type: application/fhir+json' --data-binary "@$OUT/bench-2k.json" \
		"$MK/fhir/R4/DocumentReference") || die "uploading the 2 KB benchmark document failed"
	[ "$code" = 201 ] || die "uploading the 2 KB benchmark document returned $code"
	log "uploaded a 2048-byte PDF as patient1 (once per data dir)"
	bundle=$("${CURL[@]}" -f -H "$COOKIE" "$SEARCH_URL") || die "DocumentReference search failed"
	read -r BIN_REF BIN_SIZE < <(printf '%s' "$bundle" | json_pick_binary) || true
fi
[[ ${BIN_REF:-} =~ ^Binary/[A-Za-z0-9._-]+$ ]] || die "no Binary attachment in patient1's documents"
BINARY_URL="$MK/fhir/R4/$BIN_REF"
n_docs=$(printf '%s' "$bundle" | grep -o '"resourceType":"DocumentReference"' | wc -l)

# Check the Binary really is what we think before measuring it.
got=$("${CURL[@]}" -o "$OUT/sample-binary" -w '%{http_code} %{size_download}' -H "$COOKIE" "$BINARY_URL") ||
	die "GET $BIN_REF failed"
[ "${got%% *}" = 200 ] || die "GET $BIN_REF returned ${got%% *}"
BIN_BYTES=${got##* }
[ "$(head -c 4 "$OUT/sample-binary")" = "%PDF" ] || log "warning: $BIN_REF does not start with %PDF"
log "patient $PATIENT: $n_docs documents; benchmarking $BIN_REF ($BIN_BYTES bytes, listed size $BIN_SIZE)"

# --- 4. measure ---------------------------------------------------------------------------
declare -A RPS P99 ERRS NOTE
FAILED=0
TICK=$(getconf CLK_TCK 2>/dev/null || echo 100)
tree_ticks() { # pid -> CPU ticks (user + system) of the process and its children so far
	local p sum=0
	for p in "$1" $(ps -o pid= --ppid "$1" 2>/dev/null); do
		[ -r "/proc/$p/stat" ] || continue
		sum=$((sum + $(awk '{print $14 + $15}' "/proc/$p/stat")))
	done
	echo "$sum"
}
SERVER_PID="" # whose CPU time run_wrk measures
declare -A CPU_US DB_US
per_request() { # ticks requests -> µs
	awk -v t="$1" -v hz="$TICK" -v n="$2" 'BEGIN {printf "%.0f", t / hz * 1e6 / n}'
}
run_wrk() { # name url [header]; on failure sets NOTE[name] and returns 1
	local name=$1 url=$2 out=$OUT/wrk-$1.txt
	local args=(-t"$WRK_THREADS" -c"$WRK_CONNS" --timeout 5s --latency)
	[ $# -lt 3 ] || args+=(-H "$3")
	RPS[$name]="-" P99[$name]="-" ERRS[$name]="-" NOTE[$name]=""
	if [ "$WARMUP" -gt 0 ] &&
		! timeout $((WARMUP + 30)) wrk "${args[@]}" -d"${WARMUP}s" "$url" >"$out" 2>&1; then
		NOTE[$name]="wrk warm-up failed"
		return 1
	fi
	log "wrk $name: ${DURATION}s, $WRK_THREADS threads, $WRK_CONNS connections"
	local rc=0
	local t0=""
	local d0=""
	[ -z "$SERVER_PID" ] || t0=$(tree_ticks "$SERVER_PID")
	[ -z "$SERVER_PID" ] || [ -z "$PG_PID" ] || d0=$(tree_ticks "$PG_PID")
	timeout $((DURATION + 60)) wrk "${args[@]}" -d"${DURATION}s" "$url" >"$out" 2>&1 || rc=$?
	CPU_US[$name]="-" DB_US[$name]="-"
	if [ -n "$t0" ]; then
		local t1 d1="" nreq
		t1=$(tree_ticks "$SERVER_PID")
		[ -z "$d0" ] || d1=$(tree_ticks "$PG_PID")
		nreq=$(awk '/requests in/ {print $1; exit}' "$out")
		if [ -n "$nreq" ] && [ "$nreq" -gt 0 ]; then
			CPU_US[$name]=$(per_request $((t1 - t0)) "$nreq")
			[ -z "$d1" ] || DB_US[$name]=$(per_request $((d1 - d0)) "$nreq")
		fi
	fi
	sed 's/^/    /' "$out" >&2
	if [ "$rc" -ne 0 ]; then
		NOTE[$name]="wrk failed (status $rc)"
		return 1
	fi
	RPS[$name]=$(awk '/^Requests\/sec:/ {print $2}' "$out")
	local p99raw non2xx sock
	p99raw=$(awk '/Latency Distribution/ {d = 1} d && $1 == "99%" {print $2; exit}' "$out")
	P99[$name]=$(to_ms "${p99raw:-?}")
	non2xx=$(awk -F': *' '/Non-2xx or 3xx responses/ {print $2}' "$out")
	sock=$(awk '/Socket errors:/ {s = 0; for (i = 3; i <= NF; i++) { gsub(/,/, "", $i); if ($i ~ /^[0-9]+$/) s += $i } print s}' "$out")
	ERRS[$name]=$(( ${non2xx:-0} + ${sock:-0} ))
	if [ -z "${RPS[$name]}" ]; then
		RPS[$name]="-"
		NOTE[$name]="unparsable wrk output"
		return 1
	fi
	if [ "${ERRS[$name]}" -ne 0 ]; then
		NOTE[$name]="errors: numbers suspect"
		return 1
	fi
}
MK_EXIT=""
mk_alive() { # after a medkeep run: is the server still up? records how it died if not
	kill -0 "$MK_PID" 2>/dev/null && return 0
	local st=0
	wait "$MK_PID" 2>/dev/null || st=$?
	MK_PID=""
	if [ "$st" -gt 128 ]; then MK_EXIT="killed by signal $((st - 128))$( [ "$st" -eq 139 ] && echo ' (SIGSEGV)')"
	else MK_EXIT="exited with status $st"; fi
	log "medkeep serve $MK_EXIT; see $MK_LOG"
	return 1
}
run_medkeep() { # name url
	if [ -z "$MK_PID" ]; then
		NOTE[$1]="skipped: medkeep serve not running"
		RPS[$1]="-" P99[$1]="-" ERRS[$1]="-"
		FAILED=1
		return
	fi
	run_wrk "$1" "$2" "$COOKIE" || FAILED=1
	if ! mk_alive; then
		NOTE[$1]="medkeep serve $MK_EXIT during this run"
		FAILED=1
	fi
}

# (a) nginx, static 2 KB file; started here, stopped before medkeep is measured.
mkdir -p "$NGX/www" "$NGX/temp" "$NGX/logs"
head -c 2048 /dev/zero | tr '\0' 'x' >"$NGX/www/2k.bin"
NGX_PORT=$(pick_port)
cores=$(nproc 2>/dev/null || echo 1)
ngx_user=""
[ "$(id -u)" -ne 0 ] || ngx_user="user root root;"
cat >"$NGX/nginx.conf" <<EOF
# generated by bench/run.sh
$ngx_user
daemon off;
worker_processes $cores;
pid $NGX/nginx.pid;
error_log $NGX/logs/error.log warn;
events { worker_connections 1024; }
http {
	access_log off;
	default_type application/octet-stream;
	sendfile on;
	client_body_temp_path $NGX/temp/body;
	proxy_temp_path $NGX/temp/proxy;
	fastcgi_temp_path $NGX/temp/fastcgi;
	uwsgi_temp_path $NGX/temp/uwsgi;
	scgi_temp_path $NGX/temp/scgi;
	server {
		listen 127.0.0.1:$NGX_PORT;
		root $NGX/www;
	}
}
EOF
nginx -p "$NGX/" -c "$NGX/nginx.conf" -e "$NGX/logs/error.log" -t -q || die "nginx config test failed"
nginx -p "$NGX/" -c "$NGX/nginx.conf" -e "$NGX/logs/error.log" &
NGX_PID=$!
SERVER_PID=$NGX_PID
wait_http "$NGX_PID" "http://127.0.0.1:$NGX_PORT/2k.bin" 200 || die "nginx did not come up (see $NGX/logs/error.log)"
# (a) and (b) alternate: this machine's rate drifts by ±15% from one run to the next, so one
# pair alone says little. The round whose ratio is the median is reported, with all of them.
ratio() { # a b -> a/b, or "-" when either is not a number
	awk -v a="$1" -v b="$2" 'BEGIN {
		if (a ~ /^[0-9.]+$/ && b ~ /^[0-9.]+$/ && b > 0) printf "%.3fx", a / b; else print "-" }'
}
ROUND_RATIOS=""
declare -A ROUND_RATIO
for ((r = 1; r <= ROUNDS; r++)); do
	SERVER_PID=$NGX_PID
	run_wrk "nginx_$r" "http://127.0.0.1:$NGX_PORT/2k.bin" || FAILED=1
	SERVER_PID=$MK_PID
	run_medkeep "binary_$r" "$BINARY_URL"
	ROUND_RATIO[$r]=$(ratio "${RPS[binary_$r]}" "${RPS[nginx_$r]}")
	ROUND_RATIOS="$ROUND_RATIOS${ROUND_RATIOS:+, }${ROUND_RATIO[$r]}"
done
stop_pid "$NGX_PID" nginx
NGX_PID=""
SERVER_PID=$MK_PID
median_round=$(for ((r = 1; r <= ROUNDS; r++)); do echo "${ROUND_RATIO[$r]} $r"; done |
	sort -g | awk '{ a[NR] = $2 } END { print a[int((NR + 1) / 2)] }')
for k in RPS P99 ERRS NOTE CPU_US DB_US; do
	declare -n m=$k
	m[nginx]=${m[nginx_$median_round]:-}
	m[binary]=${m[binary_$median_round]:-}
	unset -n m
done
for ((r = 1; r <= ROUNDS; r++)); do # a failed round is reported even when it is not the median
	[ "$r" -ne "$median_round" ] || continue
	[ -z "${NOTE[nginx_$r]}" ] || NOTE[nginx]="${NOTE[nginx]:+${NOTE[nginx]}; }round $r: ${NOTE[nginx_$r]}"
	[ -z "${NOTE[binary_$r]}" ] || NOTE[binary]="${NOTE[binary]:+${NOTE[binary]}; }round $r: ${NOTE[binary_$r]}"
done

# (c) medkeep
run_medkeep search "$SEARCH_URL"

# (d) a portal day (bench/day.js): virtual patients signing in, reading, writing and signing
# out as people do, each visit a sequence of requests that depend on each other (a CSRF token,
# a document's id, a booking to cancel), which wrk cannot script; so a Node client drives it.
# The server's CPU is measured over the run as for wrk's runs. Before the flood below, which
# leaves this address throttled.
DAY_USERS=$(( DAY_USERS_WANTED < PATIENTS - 1 ? DAY_USERS_WANTED : PATIENTS - 1 ))
RPS[day]="-" P99[day]="-" ERRS[day]="-" NOTE[day]="" CPU_US[day]="-" DB_US[day]="-"
if [ -n "$MK_PID" ] && [ "$DAY_USERS" -ge 1 ]; then
	log "portal day: $DAY_USERS users (patient2..patient$((DAY_USERS + 1))), ${DURATION}s"
	t0=$(tree_ticks "$MK_PID")
	d0=""
	[ -z "$PG_PID" ] || d0=$(tree_ticks "$PG_PID")
	day_rc=0
	timeout $((DURATION + 120)) node bench/day.js --base "$MK" --users "$DAY_USERS" --seconds "$DURATION" \
		--password "$PASSWORD" --json "$OUT/day.json" >"$OUT/day.txt" 2>&1 || day_rc=$?
	t1=$(tree_ticks "$MK_PID")
	d1=""
	[ -z "$d0" ] || d1=$(tree_ticks "$PG_PID")
	sed 's/^/    /' "$OUT/day.txt" >&2
	if [ -s "$OUT/day.json" ]; then
		read -r nreq rps p99 failed visits_s per_visit signin_p50 < <(node -e '
			const j = require(process.argv[1]);
			console.log([j.requests, j.rps.toFixed(2), j.p99_ms, j.failed, j.visits_per_s.toFixed(1),
				(j.visits ? j.requests / j.visits : 0).toFixed(1), j.kinds["POST /login"].p50_ms].join(" "))' "$OUT/day.json")
		RPS[day]=$rps P99[day]=$p99 ERRS[day]=$failed
		CPU_US[day]=$(per_request $((t1 - t0)) "$nreq")
		[ -z "$d1" ] || DB_US[day]=$(per_request $((d1 - d0)) "$nreq")
		NOTE[day]="$visits_s visits/s of ~$per_visit requests (sign-in p50 $signin_p50 ms)"
	fi
	[ "$day_rc" -eq 0 ] || { NOTE[day]="${NOTE[day]:+${NOTE[day]}; }day.js exited $day_rc (see $OUT/day.txt)"; FAILED=1; }
	mk_alive || { NOTE[day]="medkeep serve $MK_EXIT during this run"; FAILED=1; }
fi

# (e) the Binary read again, while a credential-stuffing flood hits POST /login from another
# client (a valid login form's cookie and token, a new email and a wrong password each time).
# Logins are throttled per address and per account and capped in flight before any password
# is hashed, and hashing has its own lane in the vault: reads should barely notice.
page=$("${CURL[@]}" -D "$OUT/flood.headers" "$MK/login") || die "GET /login failed"
flood_cookie=$(tr -d '\r' <"$OUT/flood.headers" | sed -n 's/^[Ss]et-[Cc]ookie: __Host-medkeep-login=\([^;]*\).*/\1/p' | head -n1)
flood_csrf=$(printf '%s' "$page" | sed -n 's/.*name="csrf" value="\([^"]*\)".*/\1/p' | head -n1)
cat >"$OUT/login-flood.lua" <<LUA
counter = 0
request = function()
	counter = counter + 1
	local body = "csrf=$flood_csrf&email=victim" .. counter .. "%40example.test&password=Password" .. counter
	return wrk.format("POST", "/login", {["Content-Type"] = "application/x-www-form-urlencoded",
		["Cookie"] = "__Host-medkeep-login=$flood_cookie"}, body)
end
LUA
timeout $((DURATION + WARMUP + 30)) wrk -t1 -c16 -d$((DURATION + WARMUP + 2))s -s "$OUT/login-flood.lua" \
	"$MK/login" >"$OUT/wrk-login-flood.txt" 2>&1 &
FLOOD_PID=$!
sleep 1
run_medkeep binary_flood "$BINARY_URL"
wait "$FLOOD_PID" 2>/dev/null || true
FLOOD_RPS=$(awk '/^Requests\/sec:/ {print $2}' "$OUT/wrk-login-flood.txt")
FLOOD_REFUSED=$(awk -F': *' '/Non-2xx or 3xx responses/ {print $2}' "$OUT/wrk-login-flood.txt")


if [ -n "$MK_PID" ]; then
	# serve is a parent with two children (vault, worker): report each.
	mem=""
	for kid in $(ps -o pid= --ppid "$MK_PID"); do
		role=$(tr '\0' ' ' <"/proc/$kid/cmdline" | awk '{print $2}')
		HWM=$(awk '/^VmHWM:/ {print $2, $3}' "/proc/$kid/status")
		RSS=$(awk '/^VmRSS:/ {print $2, $3}' "/proc/$kid/status")
		mem="$mem$role peak $HWM (now $RSS); "
	done
	stop_pid "$MK_PID" medkeep
	MK_PID=""
else
	mem="n/a: medkeep serve $MK_EXIT"
fi
mk_errors=$(grep -c 'level=error' "$MK_LOG" || true)
mk_5xx=$(grep -c 'status=5[0-9][0-9]' "$MK_LOG" || true)

# --- 5. report ----------------------------------------------------------------------------
cpu=$(awk -F': *' '/^model name/ {print $2; exit}' /proc/cpuinfo 2>/dev/null || true)
commit=$(git rev-parse --short HEAD 2>/dev/null || echo unknown)
dirty=$(git status --porcelain --untracked-files=no 2>/dev/null | grep -q . && echo " (dirty)" || true)
target=$(awk -v a="${RPS[binary]}" -v b="${RPS[nginx]}" 'BEGIN {
	if (a !~ /^[0-9.]+$/ || b !~ /^[0-9.]+$/) print "not measured"
	else print (b > 0 && a >= 0.5 * b) ? "met" : "not met" }')
row() { # label name
	printf '| %s | %s | %s | %s | %s | %s | %s | %s |\n' "$1" "${RPS[$2]}" "${P99[$2]}" \
		"$(ratio "${RPS[$2]}" "${RPS[nginx]}")" "${CPU_US[$2]:--}" "${DB_US[$2]:--}" "${ERRS[$2]}" "${NOTE[$2]:-}"
}

{
	echo "## medkeep benchmark $(date -u +%Y-%m-%dT%H:%M:%SZ)"
	echo
	echo "- commit: $commit$dirty"
	echo "- machine: $cores cores, ${cpu:-unknown CPU}, $(uname -sr)"
	echo "- store: $STORE${PG_PID:+ (PostgreSQL $(cat "$PG_DIR/data/PG_VERSION"), a Unix socket, fsync on)}"
	echo "- data: $PATIENTS demo patients and $IMPORTED imported ($(du -sh "$DATA" | cut -f1) in the data directory${PG_PID:+, database $(psql -tA -h "$PG_DIR" -U medkeep -d "$PG_DB" -c "SELECT pg_size_pretty(pg_database_size('$PG_DB'))")}); patient1 has $n_docs documents; Binary is $BIN_BYTES bytes"
	echo "- nginx and Binary: $ROUNDS rounds one after the other, ratios $ROUND_RATIOS; the table shows round $median_round (the median ratio)"
	echo "- wrk: -t$WRK_THREADS -c$WRK_CONNS -d${DURATION}s --latency (after ${WARMUP}s warm-up); nginx: $cores workers, 2048-byte static file"
	echo "- medkeep serve threads: ${MK_THREADS:-default (one per core)}"
	echo
	echo "| Endpoint | req/s | p99 (ms) | vs nginx | server CPU per request (µs) | database CPU per request (µs) | non-2xx + socket errors | notes |"
	echo "|---|---:|---:|---:|---:|---:|---:|---|"
	row "nginx static 2 KB file" nginx
	row "medkeep GET /fhir/R4/Binary/{id}" binary
	row "medkeep GET /fhir/R4/DocumentReference?patient={id}" search
	row "medkeep portal day ($DAY_USERS patients, bench/day.js)" day
	row "medkeep GET /fhir/R4/Binary/{id} during a login flood" binary_flood
	echo
	echo "- login flood alongside: ${FLOOD_RPS:-?} POST /login per second, ${FLOOD_REFUSED:-0} answered without a session (throttled, busy or wrong password)"
	echo "- medkeep memory: $mem"
	echo "- server CPU per request: user + system time of the server's processes (nginx: master and workers; medkeep: serve, vault and worker) during the measured run, over its requests; the login-flood row includes the flood's password checks"
	echo "- medkeep log: $mk_errors error lines, $mk_5xx responses with status 5xx ($MK_LOG)"
	echo "- targets: Binary >= 0.5x nginx: $target;" \
		"Medplum reference ~1400 req/s Binary read, ~120 req/s DocumentReference search"
} >"$RESULTS"

cat "$RESULTS"
log "results written to $RESULTS (raw wrk output: $OUT/wrk-*.txt)"
if [ "$FAILED" -ne 0 ]; then
	log "some runs failed or had errors; see the notes column"
	exit 1
fi
