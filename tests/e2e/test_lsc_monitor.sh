#!/bin/sh
# The LSCs capfd issues are watched like the cluster's own certificates:
# an LSC with 5 days left raises CertValidfor7days for its device in `cert
# monitor`, with the days left, and the notify_command hears it once. The
# real tftpd, tvsd and capfd.
set -eu
. "$(dirname "$0")/lib/cluster.sh"
export TRUSTLINE_DATA_DIR="$PWD/dd"

init dd lab cucm-pub
A=001122334455
conf_set dd/trustline.conf capf lsc_days=5
conf_set dd/trustline.conf monitor notify_command="cat >> '$PWD/hook.log'"
expect 0 $T device add SEP$A --model CP-8865
expect 0 $T device capf SEP$A --operation install --auth-mode null
serve dd tftpd tvsd capfd
boot 0 phone-a $A
[ -f phone-a/lsc.pem ] || fail "no LSC installed: $(cat out.txt err.txt)"
serial=$(openssl x509 -in phone-a/lsc.pem -noout -serial | cut -d= -f2 | tr A-F a-f)

expect 4 $T cert monitor --json
json out.txt '[a for a in d if a["usage"] == "lsc"][0]["alarm"]' | grep -qx CertValidfor7days ||
	fail "no LSC alarm: $(cat out.txt)"
[ "$(json out.txt '[a for a in d if a["usage"] == "lsc"][0]["group"]')" = SEP$A ] ||
	fail "the LSC alarm names no device: $(cat out.txt)"
days=$(json out.txt '[a for a in d if a["usage"] == "lsc"][0]["days_left"]')
[ "$days" -ge 4 ] && [ "$days" -le 5 ] || fail "days left: $days"
grep -q "\"object\":\"lsc/SEP$A/" hook.log || fail "hook: $(cat hook.log 2>&1)"
expect 4 $T cert monitor
[ "$(grep -c "lsc/SEP$A/" hook.log)" = 1 ] || fail "the LSC alarm was sent again: $(cat hook.log)"
grep -q "usage=lsc group=SEP$A .*days_left=[45] subject=\"LSC of SEP$A\"" out.txt ||
	fail "text: $(cat out.txt)"
echo "lsc monitor: LSC serial $serial of SEP$A: CertValidfor7days, $days days left, sent once"
