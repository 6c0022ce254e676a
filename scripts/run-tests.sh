#!/bin/sh
# Runs every unit test binary, every command-line test script and every
# end-to-end test script, then prints one summary line.
# Usage: scripts/run-tests.sh [--unit] BUILD_DIR  (--unit: the unit tests alone)
set -u
unit=
[ "${1:-}" = --unit ] && { unit=1; shift; }
BUILD=${1:-build}
ROOT=$(cd "$(dirname "$0")/.." && pwd)
export TRUSTLINE="$ROOT/$BUILD/bin/trustline"
export BUILD_DIR="$ROOT/$BUILD"
export VECTORS="$ROOT/tests/vectors"
export CK_DEFAULT_TIMEOUT=${CK_DEFAULT_TIMEOUT:-120}
passed=0
failed=0
failures=""

for t in "$ROOT/$BUILD"/tests/test_*; do
	[ -x "$t" ] || continue
	name=$(basename "$t")
	if (cd "$ROOT" && "$t"); then
		passed=$((passed + 1))
	else
		failed=$((failed + 1))
		failures="$failures $name"
	fi
done

# script KIND FILE: one shell test in a fresh temporary directory; its
# output is shown only when it fails
script() {
	name=$(basename "$2")
	tmp=$(mktemp -d)
	if (cd "$tmp" && sh "$2" > "$tmp/.log" 2>&1); then
		echo "$1: $name: ok"
		# what a test measured, shown even when it passes
		sed -n 's/^figure: /    /p' "$tmp/.log"
		passed=$((passed + 1))
	else
		echo "$1: $name: FAILED; its output:"
		sed 's/^/    /' "$tmp/.log"
		failed=$((failed + 1))
		failures="$failures $name"
	fi
	rm -rf "$tmp"
}

# command-line tests, then the end-to-end ones (real daemons on loopback
# ports, phone-sim booting against them; tests/e2e/lib/ is sourced by them)
if [ -z "$unit" ]; then
	for t in "$ROOT"/tests/cli/test_*.sh; do
		[ -f "$t" ] && script cli "$t"
	done
	for t in "$ROOT"/tests/e2e/*.sh; do
		[ -f "$t" ] && script e2e "$t"
	done
fi

echo
[ -n "$failures" ] && echo "failed:$failures"
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
