#!/bin/sh
# `trustline tvs verify` and `tvs query` name a device shaped as a phone
# names itself (<model>-SEP<MAC>), since servers check the name: without
# --device CP-0000-SEP000000000000, with it the name given. tvsd's log line
# shows what was sent; the help says what the default is.
set -eu
T=${TRUSTLINE:?}
TVSD=${BUILD_DIR:?}/bin/tvsd
. "$(dirname "$0")/common.sh"
export TRUSTLINE_DATA_DIR="$PWD/dd"
chmod 755 "$PWD"

expect 0 $T cluster init --name lab --domain lab.example --nodes cucm-pub
"$TVSD" --foreground --listen 127.0.0.1 --port 0 2> tvsd.log &
pid=$!
trap 'kill $pid 2>/dev/null || true' EXIT INT TERM
SRV=127.0.0.1:$(started tvsd.log $pid)
ITL=dd/tftpboot/ITLFile.tlv
expect 0 $T cert export CallManager -o cm.pem

# lines: wait for the Nth request line of tvsd.log
lines() {
	for _ in $(seq 50); do
		[ "$(grep -c "event=verify\|event=query" tvsd.log)" -ge "$1" ] && return 0
		sleep 0.1
	done
	cat tvsd.log; fail "tvsd logged fewer than $1 requests"
}

expect 0 $T tvs verify cm.pem --server $SRV --itl $ITL
grep -q "^VALID roles=CCM+TFTP" out.txt || fail "verify: $(cat out.txt err.txt)"
lines 1
grep "event=verify" tvsd.log | tail -1 | grep -q " device=CP-0000-SEP000000000000 " ||
	fail "the default device name: $(grep event=verify tvsd.log)"

expect 0 $T tvs verify cm.pem --server $SRV --itl $ITL --device CP-8865-SEP001122334455
lines 2
grep "event=verify" tvsd.log | tail -1 | grep -q " device=CP-8865-SEP001122334455 " ||
	fail "--device: $(grep event=verify tvsd.log)"

issuer=$(openssl x509 -in cm.pem -noout -issuer -nameopt esc_2253,utf8,sep_comma_plus,sname | sed 's/^issuer=//')
serial=$(openssl x509 -in cm.pem -noout -serial | sed 's/^serial=//')
expect 0 $T tvs query --issuer "$issuer" --serial "$serial" --server $SRV --itl $ITL -o q.pem
lines 3
grep "event=query" tvsd.log | tail -1 | grep -q " device=CP-0000-SEP000000000000 " ||
	fail "query's default device name: $(grep event=query tvsd.log)"

# the help names the default
expect 0 $T tvs --help
grep -q "CP-0000-SEP000000000000" out.txt || fail "tvs --help does not name the default"
echo "all passed"
