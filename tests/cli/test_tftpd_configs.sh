#!/bin/sh
# Generated phone configurations served by tftpd: signed for non-secure and
# authenticated phones, encrypted to the MIC for encrypted ones, verified
# the way phones verify them, and regenerated when the device database
# changes (no SIGHUP needed).
set -eu
T=${TRUSTLINE:?}
B=${BUILD_DIR:?}
TFTPD=$B/bin/tftpd
GET=$B/tools/tftpget
. "$(dirname "$0")/common.sh"
export TRUSTLINE_DATA_DIR="$PWD/dd"
pid=""
trap '[ -n "$pid" ] && kill $pid 2>/dev/null || true' EXIT
get() {	# get NAME: over TFTP into NAME; fails when not served
	curl -s --fail -o "$1" "tftp://127.0.0.1:$P/$1"
}

$T cluster init --name lab --domain lab.example --nodes cucm-pub,cucm-sub1 > /dev/null
# a MIC from the lab manufacturing CA, as phone-sim mic would issue it
openssl req -newkey rsa:2048 -nodes -keyout mic.key -out mic.csr \
	-subj "/CN=CP-8865-SEP0011223344AA" 2>/dev/null
openssl x509 -req -in mic.csr -CA dd/certs/lab-manufacturing-CA/lab.pem \
	-CAkey dd/certs/lab-manufacturing-CA/lab.key -set_serial 77 -days 30 -out mic.crt 2>/dev/null
expect 0 $T device add SEP001122334455 --model CP-8865
expect 0 $T device add SEP0011223344AA --model CP-8865 --profile encrypted --mic mic.crt
expect 0 $T device add SEP0011223344BB --model CP-8865 --profile encrypted
: > tftpd.conf	# the administrator's file, over dd/trustline.conf
printf '\n[tftp]\nuser = %s\nper_client_rate = 0\nserve_unsigned = true\n' "$(id -un)" >> tftpd.conf
"$TFTPD" -c tftpd.conf --listen 127.0.0.1 --port 0 --http-port 0 --foreground 2> tftpd.log &
pid=$!
P=$(started tftpd.log $pid)
[ -n "$P" ] || { cat tftpd.log; fail "tftpd did not start"; }
grep -q "event=render devices=3 rendered=2 reused=0 failed=1 files=4" tftpd.log || { cat tftpd.log; fail "render"; }
grep -q "device=SEP0011223344BB result=skipped" tftpd.log || fail "no-key device not logged"

get ITLFile.tlv
get SEP001122334455.cnf.xml.sgn
expect 0 $T sgn verify SEP001122334455.cnf.xml.sgn --trust ITLFile.tlv
$T sgn strip SEP001122334455.cnf.xml.sgn -o full.xml
xmllint --noout full.xml || fail "not well-formed"
xmllint --xpath 'string(/device/deviceSecurityMode)' full.xml | grep -qx 1 || fail "security mode"
[ "$(xmllint --xpath 'count(/device/TVS/members/member)' full.xml)" = 2 ] || fail "TVS members"
xmllint --xpath 'string(/device/capfList/capf/processNodeName)' full.xml | grep -qx cucm-pub.lab.example || fail "capfList"
get SEP001122334455.cnf.xml
cmp SEP001122334455.cnf.xml full.xml || fail "unsigned copy differs"

get SEP0011223344AA.cnf.xml.sgn
get SEP0011223344AA.cnf.xml.enc.sgn
expect 0 $T sgn verify SEP0011223344AA.cnf.xml.sgn --trust ITLFile.tlv
expect 0 $T enc verify SEP0011223344AA.cnf.xml.enc.sgn --trust ITLFile.tlv
$T sgn strip SEP0011223344AA.cnf.xml.sgn -o stub.xml
want=$(openssl x509 -in mic.crt -outform DER | openssl md5 | awk '{print $2}')
xmllint --xpath 'string(/device/certHash)' stub.xml | grep -qx "$want" || fail "certHash"
expect 0 $T enc decrypt SEP0011223344AA.cnf.xml.enc.sgn --device-key mic.key -o dec.xml
xmllint --xpath 'string(/device/deviceSecurityMode)' dec.xml | grep -qx 3 || fail "decrypted mode"
openssl req -newkey rsa:2048 -nodes -keyout other.key -out /dev/null -subj /CN=x 2>/dev/null
expect 1 $T enc decrypt SEP0011223344AA.cnf.xml.enc.sgn --device-key other.key -o x.xml
# an encrypted phone is never sent its configuration in clear
if get SEP0011223344AA.cnf.xml; then fail "encrypted device served unsigned"; fi
if get SEP0011223344BB.cnf.xml.sgn; then fail "device without a key served"; fi

# a change through trustline is served within the watch interval
expect 0 $T device add SEP0011223344CC --model CP-8845 --profile authenticated
for i in $(seq 40); do get SEP0011223344CC.cnf.xml.sgn 2>/dev/null && break; sleep 0.2; done
[ -f SEP0011223344CC.cnf.xml.sgn ] || { cat tftpd.log; fail "new device not served"; }
# only the new device was rendered and signed; the others' files are shared
grep -q "event=render devices=4 rendered=1 reused=2 failed=1 files=5" tftpd.log || { cat tftpd.log; fail "incremental render"; }
mv SEP001122334455.cnf.xml.sgn before.sgn
get SEP001122334455.cnf.xml.sgn
cmp before.sgn SEP001122334455.cnf.xml.sgn || fail "an unchanged device's file changed"
$T sgn strip SEP0011223344CC.cnf.xml.sgn -o cc.xml
xmllint --xpath 'string(/device/deviceSecurityMode)' cc.xml | grep -qx 2 || fail "authenticated mode"
# a new signer changes every device's inputs: all are signed again
expect 0 $T cert generate CallManager
for i in $(seq 40); do grep -q "event=render devices=4 rendered=3" tftpd.log && break; sleep 0.2; done
grep -q "event=render devices=4 rendered=3 reused=0 failed=1" tftpd.log || { cat tftpd.log; fail "re-sign after regeneration"; }
kill $pid
wait $pid || fail "tftpd exit status"
pid=""
echo "all passed"
