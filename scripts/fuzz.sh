#!/bin/sh
# Runs every fuzz target for SECONDS each, starting from its seed corpus.
# Usage: scripts/fuzz.sh FUZZ_BUILD_DIR SECONDS
set -eu
BUILD=$1
SECONDS_EACH=$2
ROOT=$(cd "$(dirname "$0")/.." && pwd)
status=0
for bin in "$ROOT/$BUILD"/fuzz_*; do
	[ -x "$bin" ] || continue
	name=$(basename "$bin")
	corpus="$ROOT/$BUILD/corpus/$name"
	mkdir -p "$corpus"
	seeds="$ROOT/tests/fuzz/seeds/$name"
	[ -d "$seeds" ] || seeds=""
	echo "fuzz: $name for ${SECONDS_EACH}s"
	# An input that takes seconds is a finding too (libFuzzer's own
	# limit is 20 minutes, longer than the whole run).
	if ! "$bin" -max_total_time="$SECONDS_EACH" -max_len=65536 -timeout=10 \
		-artifact_prefix="$ROOT/$BUILD/$name-" "$corpus" $seeds \
		> "$ROOT/$BUILD/$name.log" 2>&1; then
		echo "fuzz: $name FAILED; last lines of its log:"
		tail -40 "$ROOT/$BUILD/$name.log"
		status=1
	else
		tail -1 "$ROOT/$BUILD/$name.log"
	fi
done
exit $status
