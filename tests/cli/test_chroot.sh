#!/bin/sh
# tftpd with [tftp] chroot (or --chroot), started as root: it serves from
# inside its data directory as nobody with no capability, a phone boots
# from it (signed configuration, ITL signed by the node's key), a device
# added later is served after the generation watch's and a SIGHUP's
# reload (both sign anew: the random generator seeds inside, without
# /dev/urandom), the administrator's file outside is read again through
# its kept descriptor, a replaced one is said to need a restart, and a
# detached start works too. Without root, chroot is refused at start.
set -eu
# LeakSanitizer reads /proc/PID/task at exit, which is not inside the
# chroot: under SANITIZE=1 the leak check is left to the other tests
export ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0"
T=${TRUSTLINE:?}
B=${BUILD_DIR:?}
. "$(dirname "$0")/common.sh"
if [ "$(id -u)" -ne 0 ]; then
	echo "skipped: needs root, to chroot"
	exit 0
fi
chmod 755 "$PWD"
pids=""
trap 'for p in $pids; do kill $p 2>/dev/null || true; done' EXIT
export TRUSTLINE_DATA_DIR="$PWD/dd"
DD=$(cd . && pwd)/dd
expect 0 $T cluster init --name lab --domain lab.example --nodes cucm-pub --mixed-mode
expect 0 $T device add SEP001122334455 --model CP-8865
# the administrator's file, outside the data directory
mkdir etc
printf '[tftp]\nchroot = yes\nnode = cucm-pub\nsign_static = yes\n' > etc/trustline.conf

# confined LOG PID: /proc/PID/root is the data directory, not root, no capability
confined() {
	[ "$(readlink /proc/$2/root)" = "$DD" ] || { cat "$1"; fail "root is $(readlink /proc/$2/root)"; }
	grep -q '^Uid:[[:space:]]*65534[[:space:]]*65534[[:space:]]*65534' /proc/$2/status ||
		fail "not nobody: $(grep ^Uid /proc/$2/status)"
	grep -q '^CapEff:[[:space:]]*0000000000000000$' /proc/$2/status ||
		fail "capabilities left: $(grep ^CapEff /proc/$2/status)"
}

"$B/bin/tftpd" -c etc/trustline.conf --foreground --listen 127.0.0.1 --port 0 \
	--http-port -1 2> tftpd.log &
pid=$!
pids="$pids $pid"
P=$(started tftpd.log $pid)
grep -q "event=chroot dir=$DD" tftpd.log || fail "no chroot logged"
confined tftpd.log $pid

boot() {	# boot MAC: phone-sim boots from the chrooted tftpd
	expect 0 "$B/bin/phone-sim" boot --state "ps-$1" --mac "$1" --model CP-8865 \
		--tftp 127.0.0.1:"$P"
	grep -q "^CONF  SEP$1.cnf.xml.sgn .*ACCEPTED" out.txt ||
		{ cat out.txt; fail "$1 got no signed configuration"; }
}
boot 001122334455
grep -q "^ITL   ITLFile.tlv .*ACCEPTED" out.txt || { cat out.txt; fail "no ITL in the boot"; }

# found by the generation watch: a new signature, made in the chroot
expect 0 $T device add SEP00112233AA01 --model CP-8865
served_within 5 SEP00112233AA01.cnf.xml.sgn
boot 00112233AA01
# on SIGHUP: the administrator's file (edited in place: sign_static off)
# is read again, and a configuration changed in the store is signed again
n=$(grep -c "event=reload result=ok" tftpd.log)
printf '[tftp]\nchroot = yes\nnode = cucm-pub\nsign_static = no\n' > etc/trustline.conf
printf 'hello\n' > dd/tftpboot/late.txt
expect 0 $T device add SEP00112233AA02 --model CP-8865
kill -HUP $pid
served_within 5 late.txt
served_within 5 SEP00112233AA02.cnf.xml.sgn
boot 00112233AA02
[ "$(grep -c "event=reload result=ok" tftpd.log)" -gt "$n" ] || fail "no reload after HUP"
! grep -q "result=failed" tftpd.log || { cat tftpd.log; fail "a reload failed"; }
rm -f got
tftp 127.0.0.1 "$P" -c get late.txt.sgn got > /dev/null 2>&1 || true
[ ! -s got ] || fail "sign_static = no of the edited file not applied"
# replaced (renamed over, as editors do): the old text still applies, and
# the log says a restart reads the new one
printf '[tftp]\nchroot = yes\nnode = cucm-pub\nsign_static = yes\n' > etc/new.conf
mv etc/new.conf etc/trustline.conf
kill -HUP $pid
for _ in $(seq 40); do
	grep -q "event=config file=$PWD/etc/trustline.conf warning=" tftpd.log && break
	sleep 0.1
done
grep -q "replaced since the start.*restart tftpd" tftpd.log || { cat tftpd.log; fail "replacement not said"; }
served_within 5 late.txt
confined tftpd.log $pid
kill $pid
wait $pid || fail "tftpd exited $?"

# --chroot on the command line, detached, with a PID file outside
"$B/bin/tftpd" --chroot --listen 127.0.0.1 --port 0 --http-port -1 \
	--pid-file "$PWD/tftpd.pid" 2> detached.log || { cat detached.log; fail "detached start"; }
dpid=$(cat tftpd.pid)
pids="$pids $dpid"
confined detached.log "$dpid"
kill "$dpid"

# without root: refused at start, with the reason
chmod -R a+rX dd
if command -v setpriv > /dev/null; then
	expect 1 setpriv --reuid=nobody --regid=nogroup --clear-groups "$B/bin/tftpd" \
		--chroot --foreground --listen 127.0.0.1 --port 0 --http-port -1
	grep -q "chroot $DD needs root" err.txt || { cat err.txt; fail "no reason for the refusal"; }
fi
echo "chroot: tftpd serves and reloads inside its data directory"
