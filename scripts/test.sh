#!/usr/bin/env bash
# Run every test: the conventions check, C unit tests, fuzz-corpus regressions, integration and
# browser tests (node:test against the real binary built with ASan+UBSan). Ends with
# "N passed, N failed".
set -uo pipefail
cd "$(dirname "$0")/.."
passed=0
failed=0
mkdir -p build/test

# make check (scripts/check.sh) counts as one check. `make test` runs it before building and
# leaves its status in build/test/check.rc; run on its own, this script runs it here.
if [ -f build/test/check.rc ]; then
	check_rc=$(cat build/test/check.rc)
	rm -f build/test/check.rc
else
	echo "== make check"
	check_rc=0
	scripts/check.sh || check_rc=$?
fi
if [ "$check_rc" = "0" ]; then passed=$((passed + 1)); else failed=$((failed + 1)); fi

echo "== unit tests (ASan+UBSan)"
if ./build/asan/unit-tests | tee build/test/unit.txt; then :; fi
while read -r name checks fails; do
	if [ "$fails" = "0" ]; then passed=$((passed + 1)); else failed=$((failed + 1)); fi
done < <(sed -n 's/^unit \([a-z]*\) *\([0-9]*\) checks, \([0-9]*\) failed$/\1 \2 \3/p' build/test/unit.txt)

if [ -x scripts/fuzz.sh ]; then
	echo "== fuzz corpus regressions"
	if scripts/fuzz.sh --regress; then passed=$((passed + 1)); else failed=$((failed + 1)); fi
fi

echo "== integration and browser tests"
files=(tests/integration/*.test.js tests/browser/*.test.js)
node --test --test-concurrency=1 --test-reporter=tap "${files[@]}" > build/test/node.tap 2>&1
cat build/test/node.tap | grep -E '^(not ok|ok|# (pass|fail|tests))|^ +(not ok|ok) ' || true
np=$(sed -n 's/^# pass \([0-9]*\)$/\1/p' build/test/node.tap | tail -1)
nf=$(sed -n 's/^# fail \([0-9]*\)$/\1/p' build/test/node.tap | tail -1)
# A suite whose setup fails has its tests cancelled, not failed: they count as failed here.
nc=$(sed -n 's/^# cancelled \([0-9]*\)$/\1/p' build/test/node.tap | tail -1)
nf=$((${nf:-0} + ${nc:-0}))
if [ -z "$np" ]; then
	echo "node test runner produced no summary:"; tail -50 build/test/node.tap
	failed=$((failed + 1))
else
	passed=$((passed + np)); failed=$((failed + nf))
	[ "$nf" = "0" ] || grep -A30 '^ *not ok' build/test/node.tap | head -150
fi
# The same integration suites on PostgreSQL (issue 17, docs/internals/STORE.md): the ones
# tests/integration/postgres.list names, against a private server in build/pg.
echo "== integration tests on PostgreSQL"
mapfile -t pg_suites < <(sed -e 's/#.*//' -e '/^[[:space:]]*$/d' tests/integration/postgres.list)
if pg_socket=$(scripts/pg-test.sh start build/pg 2>build/test/pg-start.txt); then
	MEDKEEP_TEST_PG="$pg_socket" node --test --test-concurrency=1 --test-reporter=tap \
		"${pg_suites[@]/#/tests/integration/}" > build/test/node-pg.tap 2>&1
	scripts/pg-test.sh stop build/pg || true
	grep -E '^(not ok|ok|# (pass|fail|tests))' build/test/node-pg.tap || true
	pp=$(sed -n 's/^# pass \([0-9]*\)$/\1/p' build/test/node-pg.tap | tail -1)
	pf=$(sed -n 's/^# fail \([0-9]*\)$/\1/p' build/test/node-pg.tap | tail -1)
	pc=$(sed -n 's/^# cancelled \([0-9]*\)$/\1/p' build/test/node-pg.tap | tail -1)
	pf=$((${pf:-0} + ${pc:-0}))
	if [ -z "$pp" ]; then
		echo "node test runner produced no summary on PostgreSQL:"; tail -50 build/test/node-pg.tap
		failed=$((failed + 1))
	else
		passed=$((passed + pp)); failed=$((failed + pf))
		[ "$pf" = "0" ] || grep -A30 '^ *not ok' build/test/node-pg.tap | head -150
	fi
else
	echo "PostgreSQL did not start:"; cat build/test/pg-start.txt
	failed=$((failed + 1))
fi
echo
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
