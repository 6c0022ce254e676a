#!/bin/sh
# A crash at every rename, write, pwrite and fsync of `cert generate
# CallManager` in a mixed-mode cluster (strace makes the call fail and kills
# the process there). After the next command, whatever it is, the data
# directory must be consistent: the served ITL and CTL list what the stores
# hold (`cert check` clean), the ITL verifies, the database passes its
# integrity check, and no temporary or half-installed file is left. Also: a
# stale ITL put in place by hand is found by `cert check`.
set -eu
T=${TRUSTLINE:?}
. "$(dirname "$0")/common.sh"
. "$(dirname "$0")/faults.sh"
export TRUSTLINE_DATA_DIR="$PWD/dd"

faults_available || exit 0

expect 0 $T cluster init --name lab --domain lab.example --nodes pub,sub1
expect 0 $T cluster security-mode mixed
cp -a dd pristine

consistent() {	# consistent POINT: the checks after the next command
	expect 0 $T cert list
	grep -q "completing the interrupted change\|never took effect" err.txt && completed=$((completed + 1))
	expect 0 $T cert check
	expect 0 $T itl verify dd/tftpboot/ITLFile.tlv
	expect 0 $T ctl verify dd/tftpboot/CTLFile.tlv
	left=$(find dd -name '*.tmp.*' -o -name '*.new' -o -name '*.commit' | head -3)
	[ -z "$left" ] || fail "$1: left behind: $left"
	python3 -c 'import sqlite3,sys; r=sqlite3.connect(sys.argv[1]).execute("PRAGMA integrity_check").fetchone()[0]; sys.exit(r != "ok")' \
		dd/trustline.db || fail "$1: database integrity"
	# the CallManager certificate the store holds is the one the ITL lists
	$T itl show dd/tftpboot/ITLFile.tlv --json > itl.json
	serial=$(openssl x509 -in dd/certs/CallManager/pub.pem -noout -serial | cut -d= -f2 | tr A-F a-f)
	python3 - itl.json "$serial" <<'EOF' || fail "$1: the ITL does not list the current CallManager certificate"
import json, sys
d = json.load(open(sys.argv[1]))
want = sys.argv[2].lstrip("0")
sys.exit(not any(r.get("role") in ("CCM+TFTP", 2) and
                 str(r.get("serial", "")).replace(":", "").lower().lstrip("0") == want
                 for r in d["records"]))
EOF
}

# how many of each call the command makes, undisturbed
fault_count rename,write,pwrite64,fsync $T cert generate CallManager --force
completed=0
point() {	# point CALL I: killed at the I-th CALL, then the next command
	rm -rf dd
	cp -a pristine dd
	faulted "$1:error=EIO:signal=SIGKILL:when=$2" $T cert generate CallManager --force
	consistent "$1 #$2"
}
fault_loop 0 point rename write pwrite64 fsync
[ "$fault_points" -gt 20 ] || fail "only $fault_points fault points"
echo "figure: $fault_points fault points (rename, write, pwrite64, fsync), all consistent after the next command; $completed completed or undone by it"

# a stale ITL written over the served one is found, and rebuilding fixes it
rm -rf dd
cp -a pristine dd
cp dd/tftpboot/ITLFile.tlv old-itl.tlv
expect 0 $T cert generate CallManager --force
cp old-itl.tlv dd/tftpboot/ITLFile.tlv
expect 1 $T cert check
grep -q "stale-itl: .*does not list the CCM+TFTP certificate of pub" out.txt || fail "stale ITL: $(cat out.txt)"
expect 1 $T cert check --json
[ "$(json out.txt 'd["problems"][0]["code"]')" = stale-itl ] || fail "stale ITL (JSON)"
# tftpd serves it (phones hold it) and says so
set +e
timeout 3 "${BUILD_DIR:?}/bin/tftpd" --foreground --listen 127.0.0.1 --port 0 --http-port 0 2> tftpd.log
set -e
grep -q "event=list_stale list=ITL" tftpd.log || { cat tftpd.log; fail "tftpd: no list_stale line"; }
expect 0 $T itl rebuild
expect 0 $T cert check
echo "all passed"
