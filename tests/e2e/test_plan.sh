#!/bin/sh
# End to end, the planner against reality: a fleet boots from the real
# tftpd and tvsd, `trustline plan` predicts each phone's outcome of a
# change, the change is made, the fleet boots again, and the outcomes
# phone-sim reports must be the predicted ones (0 mismatches), for seven
# kinds of change: TVS regenerated, CallManager regenerated, ITLRecovery
# regenerated, TVS and CallManager together (the stuck case), mixed mode,
# ctl update, and a CA-signed CallManager certificate imported.
set -eu
. "$(dirname "$0")/lib/cluster.sh"
export TRUSTLINE_DATA_DIR="$PWD/dd"

init dd lab cucm-pub
N=6 BASE=0011AA000000
for i in $(seq 0 $((N - 1))); do
	expect 0 $T device add "SEP$(printf '0011AA%06X' "$i")" --model CP-8865
done
serve dd tftpd tvsd

# fleet DIR REPORT: the fleet boots with its flash in DIR (kept between
# boots); its report in REPORT.json
fleet() {
	"$PS" fleet --count $N --concurrency 3 --mac-base $BASE --tftp 127.0.0.1:"$TFTP" \
		--tvs 127.0.0.1:"$TVS" --state-root "$PWD/$1" --report "$PWD/$2.json" \
		> /dev/null 2>&1 || true
	[ -s "$2.json" ] || fail "the fleet did not report"
}
# compare PLAN.json FLEET.json: every phone's predicted outcome (trusted, or
# refused at the step and file it names) against the fleet's; prints the
# mismatches, exits 1 when there is any; a phone trusted through TVS and
# one trusted by its lists are different outcomes
compare() {
	python3 - "$1" "$2" <<'PY'
import collections, json, re, sys
plan, fleet = (json.load(open(f)) for f in sys.argv[1:3])
def key(trusted, line, tvs=False):
    if trusted:
        return "trusted, TVS vouched" if tvs else "trusted"
    f = line.split()
    return "refused %s %s" % (f[0], re.sub("SEP[0-9A-F]{12}", "SEP<MAC>", f[1]))
want = collections.Counter(key(d["after"] == "trusted", d["reason"], d["via_tvs"])
                           for d in plan["devices"])
got = collections.Counter()
for o in fleet["outcomes"]:
    r = o["reason"]
    got[r.replace(" for a signer", "") if r.startswith("trusted")
        else key(False, r.replace("<MAC>", "000000000000"))] += o["count"]
miss = sum((want - got).values())
print("predicted %s, fleet %s: %d mismatches" % (dict(want), dict(got), miss))
sys.exit(1 if miss or fleet["errors"] else 0)
PY
}
n=0
# scenario WANT_EXIT PLAN_ARGS -- CHANGE...: a fleet of erased phones boots, the plan
# (exit WANT_EXIT), the change, the fleet boots again, the outcomes compared
scenario() {
	_want=$1; shift
	_plan=""
	while [ "$1" != "--" ]; do _plan="$_plan $1"; shift; done
	shift
	n=$((n + 1))
	fleet s$n s$n.before
	# shellcheck disable=SC2086
	expect "$_want" $T plan $_plan --json
	cp out.txt plan$n.json
	"$@" || fail "the change: $*"
	settled dd tvs
	fleet s$n s$n.after
	compare plan$n.json s$n.after.json > cmp$n.txt || { cat cmp$n.txt; fail "scenario $n:$_plan"; }
	echo "scenario $n:$_plan: $(cat cmp$n.txt)"
}
quiet() { "$@" > change.out 2>&1 || { cat change.out; return 1; }; }

scenario 0 cert generate TVS -- quiet $T cert generate TVS
scenario 0 cert generate CallManager --force -- quiet $T cert generate CallManager --force
scenario 0 cert generate ITLRecovery -- quiet $T cert generate ITLRecovery
# both at once: every phone stuck, and the plan gives the safe order
scenario 1 cert generate TVS CallManager --force -- \
	sh -c "$T cert generate TVS --force > change.out && $T cert generate CallManager --force >> change.out"
grep -q "stuck" plan4.json || fail "the stuck case is not named: $(cat plan4.json)"
json plan4.json 'd["order"]' | grep -q "'cert generate TVS', 'cert generate CallManager'" ||
	fail "no safe order: $(cat plan4.json)"
[ "$(json plan4.json 'd["stranded"]')" = $N ] || fail "not every phone stranded"
scenario 0 security-mode mixed -- quiet $T cluster security-mode mixed
scenario 0 ctl update -- quiet $T ctl update
# nothing planned changed the data directory: the plans ran on copies
[ -z "$(find dd -newer plan6.json -name '*.pem' 2>/dev/null)" ] || fail "the plan changed dd"
# a CA-signed CallManager certificate for the pending CSR, imported
ca labca
expect 0 $T cert csr CallManager --node cucm-pub -o ccm.csr
issue ccm.csr ccm.pem "$(utc -3600)" "$(utc 31536000)"
scenario 0 cert import CallManager ccm.pem --node cucm-pub --chain labca.pem -- \
	quiet $T cert import CallManager ccm.pem --node cucm-pub --chain labca.pem
grep -q '"cert import CallManager --node cucm-pub"' plan7.json ||
	fail "the import is not the plan's change: $(cat plan7.json)"
