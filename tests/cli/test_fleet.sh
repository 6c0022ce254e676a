#!/bin/sh
# phone-sim fleet end to end: 50 phones of a 50-device cluster boot from one
# process against the real tftpd and tvsd, all trusted; then the CallManager
# certificate is regenerated and the same phones, with the ITLs they
# installed (--state-root), accept the new signer through TVS, asked on the
# fleet's loop (refused when TVS is unreachable; --memory leaves the flash
# as it was).
set -eu
T=${TRUSTLINE:?}
B=${BUILD_DIR:?}
PS=$B/bin/phone-sim
. "$(dirname "$0")/common.sh"
export TRUSTLINE_DATA_DIR="$PWD/dd"
pids=""
trap 'for p in $pids; do kill $p 2>/dev/null || true; done' EXIT

count() { grep -c "$1" "$2" || true; }

$T cluster init --name lab --domain lab.example --nodes cucm-pub --data-dir ./dd > /dev/null
{
	echo "name,model"
	for i in $(seq 0 49); do printf 'SEP00AA0000%04X,CP-8865\n' "$i"; done
} > devices.csv
expect 0 $T device import devices.csv
[ "$($T device list | grep -c '^SEP00AA0000')" = 50 ] || fail "50 devices imported"
servers
fleet() {	# fleet CODE [options]: 50 phones at concurrency 10, the report in r.json
	code=$1; shift
	expect "$code" "$PS" fleet --count 50 --concurrency 10 --mac-base 00AA00000000 \
		--model CP-8865 --tftp 127.0.0.1:"$TFTP" --tvs 127.0.0.1:"$TVS" \
		--report r.json "$@"
}

# ---- first boot: ITL on first use, signed configuration ----
fleet 0 --state-root phones
[ "$(json r.json 'd["trusted"]')" = 50 ] || { cat out.txt; fail "50 trusted"; }
[ "$(json r.json 'd["outcomes"][0]["reason"]')" = trusted ] || fail "reason: $(cat out.txt)"
[ "$(json r.json 'd["tvs_asked"]')" = 0 ] || fail "TVS asked on first use"
[ "$(json r.json 'd["bytes"] > 50 * 2000')" = True ] || fail "bytes: $(cat out.txt)"
grep -q "^fleet: 50 phones, concurrency 10, .* boots/s" out.txt || fail "report: $(cat out.txt)"
grep -q "^boot time: p50 .* ms, p99 .* ms" out.txt || fail "percentiles: $(cat out.txt)"
[ -f phones/SEP00AA00000031/ITLFile.tlv ] && [ -f phones/SEP00AA00000031/config.xml ] ||
	fail "the last phone's flash"
# the same in memory; a phone the cluster does not know is refused
expect 1 "$PS" fleet --count 51 --concurrency 10 --mac-base 00AA00000000 \
	--tftp 127.0.0.1:"$TFTP" --memory --report m.json
[ "$(json m.json 'd["trusted"]')" = 50 ] || fail "memory: $(cat out.txt)"
grep -q "^ *1  CONF  SEP<MAC>.cnf.xml.sgn  not on the server" out.txt ||
	fail "unknown phone: $(cat out.txt)"
# --json: the same report, alone on standard output
expect 1 "$PS" fleet --count 51 --concurrency 10 --mac-base 00AA00000000 \
	--tftp 127.0.0.1:"$TFTP" --memory --json
[ "$(json out.txt 'd["trusted"]')" = 50 ] || fail "--json: $(cat out.txt)"
echo "first boot: ok"

# ---- CallManager (TFTP) certificate regenerated: TVS vouches ----
n=$(count event=render tftpd.log) t=$(count event=reload tvsd.log)
expect 0 $T cert generate CallManager --node cucm-pub
for _ in $(seq 60); do
	[ "$(count event=render tftpd.log)" -gt "$n" ] &&
		[ "$(count event=reload tvsd.log)" -gt "$t" ] && break
	sleep 0.1
done
# the flash read, not written (--memory with --state-root): first with no
# TVS to reach (a closed port), then with tvsd, on the loop
itl=$(md5sum < phones/SEP00AA00000000/ITLFile.tlv)
closed=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
expect 1 "$PS" fleet --count 50 --concurrency 10 --mac-base 00AA00000000 \
	--tftp 127.0.0.1:"$TFTP" --tvs 127.0.0.1:"$closed" --memory --state-root phones \
	--timeout 1000 --report r.json
[ "$(json r.json 'd["refused"]')" = 50 ] || fail "TVS unreachable: $(cat out.txt)"
grep -q "^ *50  ITL .* not in installed ITL -> TVS unreachable (127.0.0.1:$closed): not trusted -> REJECTED" \
	out.txt || fail "unreachable reason: $(cat out.txt)"
# another cluster's TVS: reached, but its certificate is no TVS record of
# the phones' ITL
$T cluster init --name other --domain other.example --nodes cucm-pub --data-dir ./dd2 > /dev/null
: > other.conf
conf_set other.conf tvs user="$(id -un)"
"$B/bin/tvsd" -c other.conf --data-dir ./dd2 --listen 127.0.0.1 --port 0 --foreground \
	2> other.log &
pids="$pids $!"; OTHER=$(started other.log $!)
expect 1 "$PS" fleet --count 50 --concurrency 10 --mac-base 00AA00000000 \
	--tftp 127.0.0.1:"$TFTP" --tvs 127.0.0.1:"$OTHER" --memory --state-root phones \
	--report r.json
[ "$(json r.json 'd["refused"]')" = 50 ] || fail "other TVS: $(cat out.txt)"
grep -q "^ *50  ITL .* -> TVS 127.0.0.1:$OTHER refused: the server's certificate .* is not a TVS record of ITLFile.tlv .*: not trusted -> REJECTED" \
	out.txt || fail "other TVS's reason: $(cat out.txt)"
# a TVS that accepts and never answers: the 50 phones wait for it together,
# about one --timeout, not one each (the loop is not blocked)
python3 -c 'import socket, time
s = socket.socket(); s.bind(("127.0.0.1", 0)); s.listen(64)
open("mute.port", "w").write(str(s.getsockname()[1])); time.sleep(60)' &
pids="$pids $!"
for _ in $(seq 50); do [ -s mute.port ] && break; sleep 0.1; done
expect 1 "$PS" fleet --count 50 --concurrency 50 --mac-base 00AA00000000 \
	--tftp 127.0.0.1:"$TFTP" --tvs 127.0.0.1:"$(cat mute.port)" --memory \
	--state-root phones --timeout 1000 --report r.json
[ "$(json r.json 'd["refused"]')" = 50 ] || fail "mute TVS: $(cat out.txt)"
[ "$(json r.json 'd["seconds"] < 10')" = True ] || fail "the loop waited: $(cat out.txt)"
fleet 0 --memory --state-root phones
[ "$(json r.json 'd["outcomes"][0]["reason"]')" = "trusted, TVS vouched for a signer" ] ||
	fail "memory, through TVS: $(cat out.txt)"
[ "$(md5sum < phones/SEP00AA00000000/ITLFile.tlv)" = "$itl" ] || fail "--memory wrote the flash"
fleet 0 --state-root phones
[ "$(json r.json 'd["trusted"]')" = 50 ] || fail "after the regeneration: $(cat out.txt)"
[ "$(json r.json 'd["outcomes"][0]["reason"]')" = "trusted, TVS vouched for a signer" ] ||
	fail "not through TVS: $(cat out.txt)"
[ "$(json r.json 'd["tvs_asked"]')" -ge 50 ] || fail "TVS asked: $(cat out.txt)"
echo "CallManager regenerated, 50 phones through TVS: ok"
