#!/usr/bin/env bash
# A private PostgreSQL for the tests (issue 17): `scripts/pg-test.sh start DIR` makes a cluster
# in DIR/data (Debian's PostgreSQL, as an unprivileged user: PostgreSQL refuses root), listening
# only on a Unix socket in DIR (no TCP), with a superuser `medkeep` trusted on that socket, and
# prints the socket directory for MEDKEEP_TEST_PG; `scripts/pg-test.sh stop DIR` stops it, and
# `restart DIR` cuts every connection and starts it again (the fault tests).
set -euo pipefail
cmd=${1:?start|stop}
dir=$(realpath -m "${2:?a directory}")
bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)
[ -x "$bin/initdb" ] || { echo "pg-test: PostgreSQL is not installed (scripts/bootstrap.sh --test)" >&2; exit 1; }
as_user=()
owner=$(id -un)
if [ "$(id -u)" -eq 0 ]; then
	owner=nobody
	as_user=(runuser -u nobody --)
fi
pg_start() {
	"${as_user[@]}" "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w \
		-o "-k $dir -c listen_addresses= -c max_connections=400 -c fsync=on" start >/dev/null
}
case "$cmd" in
start)
	mkdir -p "$dir"
	chown "$owner" "$dir"
	chmod 755 "$dir" # the socket is reached by serve's unprivileged processes too
	# a server a killed run left behind is stopped first
	if [ -f "$dir/data/postmaster.pid" ]; then
		"${as_user[@]}" "$bin/pg_ctl" -D "$dir/data" -m immediate -w stop >/dev/null 2>&1 || true
	fi
	if [ ! -f "$dir/data/PG_VERSION" ]; then
		"${as_user[@]}" "$bin/initdb" -D "$dir/data" -A trust -U medkeep -E UTF8 --no-locale >"$dir/initdb.log"
	fi
	pg_start
	echo "$dir"
	;;
stop)
	[ -f "$dir/data/postmaster.pid" ] && "${as_user[@]}" "$bin/pg_ctl" -D "$dir/data" -m fast -w stop >/dev/null
	;;
restart)
	# as a failover or an operator's restart looks to the nodes: every connection cut at once
	"${as_user[@]}" "$bin/pg_ctl" -D "$dir/data" -m immediate -w stop >/dev/null
	pg_start
	;;
*)
	echo "usage: $0 start|stop|restart DIR" >&2
	exit 2
	;;
esac
