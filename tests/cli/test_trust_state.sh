#!/bin/sh
# Per-phone trust state as the servers saw it: phone-sim boots against the
# real tftpd and tvsd, and `device trust-state --json` shows the ITL and
# configuration it holds by the SHA-256 of the files (sha256sum of the
# phone's flash and of what tftp-hpa fetches), since when, from which
# address, and what tvsd answered it; an encrypted phone's stub names the
# MIC its configuration is encrypted to. A transfer of a new ITL cut short
# (the client sends an ERROR after the first block) leaves the old one
# recorded; the next full boot records the new one.
set -eu
T=${TRUSTLINE:?}
B=${BUILD_DIR:?}
PS=$B/bin/phone-sim
. "$(dirname "$0")/common.sh"
export TRUSTLINE_DATA_DIR="$PWD/dd"
pids=""
trap 'for p in $pids; do kill $p 2>/dev/null || true; done' EXIT
DEV=SEP001122334455

$T cluster init --name lab --domain lab.example --nodes cucm-pub > /dev/null
expect 0 $T device add $DEV --model CP-8865
# an encrypted-profile phone, its configuration encrypted to its MIC
ENC=SEP0011223344AA
expect 0 "$PS" mic --state encp --mac 0011223344AA --model CP-8865 \
	--mfg-ca dd/certs/lab-manufacturing-CA
expect 0 $T device add $ENC --model CP-8865 --profile encrypted --mic encp/mic.pem
sed -i "s/^per_ip_rate = .*/per_ip_rate = 0/" dd/trustline.conf
: > servers.conf	# the administrator's file: the daemons' sections only
conf_set servers.conf tftp user="$(id -un)" per_client_rate=0
conf_set servers.conf tvs user="$(id -un)"
"$B/bin/tftpd" -c servers.conf --listen 127.0.0.1 --port 0 --http-port 0 --foreground \
	2> tftpd.log &
pids="$pids $!"; TFTP=$(started tftpd.log $!)
HTTP=$(sed -n 's/.*event=start.* http_port=\([0-9]*\).*/\1/p' tftpd.log | head -1)
"$B/bin/tvsd" -c servers.conf --listen 127.0.0.1 --port 0 --foreground 2> tvsd.log &
pids="$pids $!"; TVS=$(started tvsd.log $!)

# state EXPR: EXPR of the phone's trust-state object, once it is true
# (the servers record after the transfer, off the serving path)
state() {
	for _ in $(seq 100); do
		$T device trust-state "$DEV" --json > ts.json 2> err.txt || { cat err.txt; fail "trust-state"; }
		[ "$(json ts.json "bool($1)")" = True ] && return 0
		sleep 0.1
	done
	cat ts.json; fail "trust state never had: $1"
}
sha() { sha256sum "$1" | cut -d' ' -f1; }

# ---- a first boot: the ITL and the signed configuration ----
expect 0 "$PS" boot --state phone --mac 001122334455 --model CP-8865 \
	--tftp 127.0.0.1:"$TFTP" --tvs 127.0.0.1:"$TVS"
itl1=$(sha phone/ITLFile.tlv)
state "d[0]['itl'] and d[0]['config'] and d[0]['itl']['sha256'] == '$itl1'"
tftp 127.0.0.1 "$TFTP" -m binary -c get $DEV.cnf.xml.sgn cnf.sgn
[ "$(json ts.json "d[0]['config']['sha256']")" = "$(sha cnf.sgn)" ] ||
	fail "config sha256: $(cat ts.json)"
[ "$(json ts.json "d[0]['config_mode']")" = signed ] || fail "mode: $(cat ts.json)"
[ "$(json ts.json "d[0]['itl']['address']")" = 127.0.0.1 ] || fail "address: $(cat ts.json)"
[ "$(json ts.json "d[0]['itl']['via']")" = tftp ] || fail "via: $(cat ts.json)"
[ "$(json ts.json "'CN=cucm-pub' in d[0]['itl']['signer']")" = True ] ||
	fail "signer: $(cat ts.json)"
json ts.json "d[0]['itl']['since']" | grep -Eq '^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:]{8}Z$' ||
	fail "since: $(cat ts.json)"
[ "$(json ts.json "d[0]['ctl']")" = None ] || fail "no CTL in a non-secure cluster"
# over HTTP on 6970 the same: curl fetches the configuration whole
curl -sf -o cnf2.sgn "http://127.0.0.1:$HTTP/$DEV.cnf.xml.sgn" || fail "curl"
state "d[0]['config']['via'] == 'http'"
[ "$(json ts.json "d[0]['config']['sha256']")" = "$(sha cnf2.sgn)" ] || fail "http sha256"

# ---- an encrypted configuration: the stub, then the encrypted file ----
# get SRC FILE OUT [cut]: a read from address SRC (tests/tools/tftpfrom.py)
get() { python3 "$(dirname "$0")/../tools/tftpfrom.py" "$1" "$TFTP" "$2" "$3" ${4:-} ||
	fail "get $*"; }
encstate() { save=$DEV; DEV=$ENC; state "$@"; DEV=$save; }
get 127.0.0.4 $ENC.cnf.xml.sgn stub.sgn
encstate "d[0]['config_mode'] == 'stub'"
md5=$(openssl x509 -in encp/mic.pem -outform DER | openssl md5 | awk '{print $2}')
[ "$(json ts.json "d[0]['config']['cert_md5']")" = "$md5" ] || fail "certHash: $(cat ts.json)"
[ "$(json ts.json "d[0]['encrypted_to']")" = mic ] || fail "encrypted_to: $(cat ts.json)"
get 127.0.0.4 $ENC.cnf.xml.enc.sgn enc.sgn
encstate "d[0]['config_mode'] == 'encrypted'"
[ "$(json ts.json "d[0]['encrypted_config']['sha256']")" = "$(sha enc.sgn)" ] ||
	fail "encrypted sha256: $(cat ts.json)"

# ---- tvsd: what the phone asked about and the answer ----
expect 0 $T cert export CallManager -o cm.pem
expect 0 $T tvs verify cm.pem --server 127.0.0.1:"$TVS" --itl phone/ITLFile.tlv \
	--device CP-8865-$DEV
cm=$(openssl x509 -in cm.pem -outform DER | sha256sum | cut -d' ' -f1)
state "d[0]['tvs'] and d[0]['tvs'][0]['sha256'] == '$cm'"
[ "$(json ts.json "d[0]['tvs'][0]['verdict']")" = valid ] || fail "verdict: $(cat ts.json)"
[ "$(json ts.json "d[0]['tvs'][0]['command']")" = verify ] || fail "command: $(cat ts.json)"

# ---- a new ITL, its transfer cut short: the phone keeps the old one ----
n=$(grep -c "event=reload result=ok" tftpd.log || true)
expect 0 $T cert generate TVS
for _ in $(seq 100); do
	[ "$(grep -c "event=reload result=ok" tftpd.log || true)" -gt "$n" ] && break
	sleep 0.1
done
# the new ITL as served, fetched whole from an address no phone uses
get 127.0.0.3 ITLFile.tlv itl2.tlv
itl2=$(sha itl2.tlv)
[ "$itl2" != "$itl1" ] || fail "the ITL did not change"
# the phone, at a new address, gets it cut short, then its configuration
get 127.0.0.2 ITLFile.tlv cut.tlv cut
for _ in $(seq 100); do
	grep -q "client=127.0.0.2:.* file=ITLFile.tlv .*result=client-error" tftpd.log && break
	sleep 0.1
done
grep -q "client=127.0.0.2:.* file=ITLFile.tlv .*result=client-error" tftpd.log ||
	fail "the cut transfer: $(grep 127.0.0.2 tftpd.log)"
get 127.0.0.2 $DEV.cnf.xml.sgn cnf3.sgn
state "d[0]['config']['address'] == '127.0.0.2'"
[ "$(json ts.json "d[0]['itl']['sha256']")" = "$itl1" ] ||
	fail "a cut transfer was recorded as installed: $(cat ts.json)"

# ---- the next full boot installs and records the new ITL ----
expect 0 "$PS" boot --state phone --mac 001122334455 --model CP-8865 \
	--tftp 127.0.0.1:"$TFTP" --tvs 127.0.0.1:"$TVS"
[ "$(sha phone/ITLFile.tlv)" = "$itl2" ] || fail "the phone did not install the new ITL"
state "d[0]['itl']['sha256'] == '$itl2' and d[0]['config']['address'] == '127.0.0.1'"

# ---- text, every device, and a name that is not one ----
expect 0 $T device trust-state
grep -q "^$DEV" out.txt && grep -q "  itl  *$itl2 since" out.txt || fail "text: $(cat out.txt)"
grep -q "runs  *signed" out.txt || fail "text mode: $(cat out.txt)"
expect 0 $T device trust-state SEP00000000FFFF --json
[ "$(json out.txt "d[0]['itl'] is None and d[0]['tvs'] == []")" = True ] ||
	fail "an unseen phone: $(cat out.txt)"
expect 2 $T device trust-state SEP12
grep -q "SEP followed by the 12 hex" err.txt || fail "bad name: $(cat err.txt)"
echo "all passed"
