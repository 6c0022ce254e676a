#!/bin/sh
# `make bench-plan`: `trustline plan` over a cluster of BENCH_PLAN_PHONES
# (default 10,000) devices with authenticated profiles (signed
# configurations), made with the trustline command: the time of planning
# `cert generate CallManager` (a copy of the data directory, every
# configuration rendered before and after the change, signed once a kind
# of phone (docs/planner.md), and every phone booted on both) and of the two-step change that strands every
# phone (TVS and CallManager together, which also searches for a safe
# order). Target: under 10 s for 10,000 phones. Numbers, not pass/fail: a
# missed target prints MISS and the bench exits 0.
set -eu
B=${1:?usage: bench-plan.sh BUILD_DIR}
T=$(cd "$B" && pwd)/bin/trustline
N=${BENCH_PLAN_PHONES:-10000}
W=$(mktemp -d)
trap 'rm -rf "$W"' EXIT
export TRUSTLINE_DATA_DIR="$W/dd"
"$T" cluster init --name bench --domain bench.example --nodes cucm-pub \
	--data-dir "$W/dd" > /dev/null
python3 - "$N" > "$W/devices.csv" <<'PY'
import sys
print("name,model,profile")
for i in range(int(sys.argv[1])):
    print("SEP%012X,CP-8865,authenticated" % (0x001100000000 + i))
PY
"$T" device import "$W/devices.csv" > /dev/null
# time_plan LABEL EXIT ARGS...: one plan, timed; its exit status checked
time_plan() {
	_label=$1 _want=$2; shift 2
	_t0=$(date +%s.%N)
	_rc=0
	"$T" plan "$@" > "$W/plan.txt" 2> /dev/null || _rc=$?
	_t1=$(date +%s.%N)
	[ "$_rc" = "$_want" ] || { cat "$W/plan.txt"; echo "bench-plan: $* exited $_rc"; exit 1; }
	_s=$(echo "$_t1 - $_t0" | bc -l)
	_verdict=$(echo "$_s < 10" | bc -l)
	printf '%-44s %6d phones %7.2f s  %s\n' "$_label" "$N" "$_s" \
		"$( [ "$_verdict" = 1 ] && echo ok || echo "MISS (target 10 s)")"
	grep "^phones:" "$W/plan.txt" | sed 's/^/    /'
}
time_plan "plan cert generate CallManager" 0 cert generate CallManager
time_plan "plan cert generate TVS CallManager --force" 1 cert generate TVS CallManager --force
