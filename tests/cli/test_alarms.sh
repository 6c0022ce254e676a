#!/bin/sh
# TomcatCertRegen: regenerating a tomcat certificate delivers the alarm
# once to notify_command (an event: it stays out of the alarm table);
# regenerating another purpose does not.
set -eu
T=${TRUSTLINE:?}
. "$(dirname "$0")/common.sh"
export TRUSTLINE_DATA_DIR="$PWD/dd"
expect 0 $T cluster init --name lab --domain lab.example --nodes pub
conf_set dd/trustline.conf monitor notify_command="cat >> '$PWD/hook.log'; echo >> '$PWD/hook.log'"
expect 0 $T cert generate CallManager-ECDSA --node pub
[ -e hook.log ] && fail "an alarm for CallManager-ECDSA: $(cat hook.log)"
expect 0 $T cert generate tomcat --node pub
[ "$(grep -c TomcatCertRegen hook.log)" = 1 ] || fail "TomcatCertRegen: $(cat hook.log err.txt)"
serial=$(openssl x509 -in dd/certs/tomcat/pub.pem -noout -serial | cut -d= -f2 | tr A-F a-f |
	sed 's/../&:/g; s/:$//')
python3 -c 'import json, sys
a = json.loads(open(sys.argv[1]).read().strip().split("\n")[0])
assert a["alarm"] == "TomcatCertRegen", a
assert a["object"] == "identity/tomcat/pub", a
assert sys.argv[2] in a["detail"] and "restart" in a["detail"], a' hook.log "$serial" ||
	fail "the alarm: $(cat hook.log)"
expect 0 $T cert revocation show --json
! grep -q TomcatCertRegen out.txt || fail "TomcatCertRegen kept in the alarm table"
echo "alarms: ok"
