#!/bin/sh
# trustline.conf is read strictly: a NUL byte inside a line, a node
# named twice and a key set twice are refused with the file and line (the
# servers' test configurations are made with conf_set, which replaces a
# key's line instead of appending another); tftpd and tvsd
# check their [tftp]/[tvs] user before they say they started.
set -eu
T=${TRUSTLINE:?}
B=${BUILD_DIR:?}
. "$(dirname "$0")/common.sh"
export TRUSTLINE_DATA_DIR="$PWD/dd"
expect 0 $T cluster init --name lab --domain lab.example --nodes cucm-pub,cucm-sub1
cp dd/trustline.conf good.conf
check_refused() {
	cp good.conf dd/trustline.conf
	eval "$1"
	set +e; $T cert list > out.txt 2> err.txt; rc=$?; set -e
	[ $rc -ne 0 ] || fail "accepted: $1"
	grep -q "trustline.conf: line [0-9]*: .*$2" err.txt || fail "$1: $(cat err.txt)"
}
check_refused "printf '[tftp]\ntimeout = 2\0 retries = 9\n' >> dd/trustline.conf" "NUL"
check_refused "sed -i 's/^nodes = .*/nodes = cucm-pub,cucm-pub/' dd/trustline.conf" "named twice"
check_refused "sed -i 's/^nodes = .*/nodes = cucm-pub, CUCM-PUB/' dd/trustline.conf" "named twice"
check_refused "printf '\n[tvs]\nuser = somebody\n' >> dd/trustline.conf" \
	"\[tvs\] user: set again; line [0-9]* sets it first"
check_refused "sed -i 's/^port = 3804/&\\nport = 3805/' dd/trustline.conf" "\[capf\] port: set again"
grep -q "^port = 3804" good.conf || fail "no [capf] port line to repeat"
cp good.conf dd/trustline.conf
expect 0 $T cert list
# conf_set changes a key in place, adds one the section lacks
conf_set dd/trustline.conf tvs user=somebody ttl_ccm=60
conf_set dd/trustline.conf tftp timeout=2
expect 0 $T cert list
[ "$(grep -c '^user = somebody' dd/trustline.conf)" = 1 ] || fail "conf_set: $(cat dd/trustline.conf)"
cp good.conf dd/trustline.conf

# an unknown user is an error before any start line, as root or not
printf '[tftp]\nuser = no-such-user-here\n' > tftpd.conf
expect 1 "$B/bin/tftpd" -c tftpd.conf --listen 127.0.0.1 --port 0 --http-port -1 --foreground
grep -q "no-such-user-here" err.txt || fail "tftpd: $(cat err.txt)"
! grep -q "event=start" err.txt || fail "tftpd announced a start: $(cat err.txt)"
printf '[tvs]\nuser = no-such-user-here\n' > tvsd.conf
expect 1 "$B/bin/tvsd" -c tvsd.conf --listen 127.0.0.1 --port 0 --foreground
grep -q "no-such-user-here" err.txt || fail "tvsd: $(cat err.txt)"
! grep -q "event=start" err.txt || fail "tvsd announced a start: $(cat err.txt)"
echo "conf: ok"
