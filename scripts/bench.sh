#!/bin/sh
# Runs every benchmark binary in turn. Numbers, not pass/fail: a bench that
# misses its target says MISS and the run still succeeds; only a bench that
# cannot run at all, or whose run was not its scenario, fails it.
# Usage: scripts/bench.sh BUILD_DIR
set -eu
BUILD=${1:-build}
ROOT=$(cd "$(dirname "$0")/.." && pwd)
status=0
ran=0
for bin in "$ROOT/$BUILD"/bench/bench_*; do
	[ -x "$bin" ] || continue
	ran=$((ran + 1))
	if ! (cd "$ROOT" && "$bin"); then
		echo "bench: $(basename "$bin") failed to run" >&2
		status=1
	fi
done
[ "$ran" -gt 0 ] || { echo "bench: no benchmarks in $BUILD/bench" >&2; exit 1; }
exit $status
