#!/bin/sh
# Runs every unit test binary and every command-line test script, then
# prints one summary line. Usage: scripts/run-tests.sh BUILD_DIR
set -u
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

for t in "$ROOT"/tests/cli/test_*.sh; do
	[ -f "$t" ] || continue
	name=$(basename "$t")
	tmp=$(mktemp -d)
	if (cd "$tmp" && sh "$t" > "$tmp/.log" 2>&1); then
		echo "cli: $name: ok"
		passed=$((passed + 1))
	else
		echo "cli: $name: FAILED; its output:"
		sed 's/^/    /' "$tmp/.log"
		failed=$((failed + 1))
		failures="$failures $name"
	fi
	rm -rf "$tmp"
done

echo
[ -n "$failures" ] && echo "failed:$failures"
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
