#!/bin/sh
# Daemons started as root drop to an unprivileged user once bound, and go
# on reloading as that user: tftpd serves a device added after the drop
# (found by its generation watch, and again on SIGHUP), reads tftpboot/
# with nobody's rights even before the drop, tvsd answers for a
# certificate added to a trust store after the drop and reloads on SIGHUP,
# and capfd, refused at start while its user may not write trustline.db,
# reloads on SIGHUP as that user (keeping the CAPF key only root may read)
# and enrolls phones before and after.
set -eu
T=${TRUSTLINE:?}
B=${BUILD_DIR:?}
. "$(dirname "$0")/common.sh"
if [ "$(id -u)" -ne 0 ]; then
	echo "skipped: needs root, to see the daemons drop to nobody"
	exit 0
fi
# nobody must be able to reach the data directory
chmod 755 "$PWD"
pids=""
trap 'for p in $pids; do kill $p 2>/dev/null || true; done' EXIT
export TRUSTLINE_DATA_DIR="$PWD/dd"
expect 0 $T cluster init --name lab --domain lab.example --nodes cucm-pub --mixed-mode
# tftpboot/ is read as nobody from the start: root's own file is not served
printf 'root only\n' > dd/tftpboot/rootonly.txt
chmod 600 dd/tftpboot/rootonly.txt
printf 'public\n' > dd/tftpboot/public.txt

"$B/bin/tftpd" --foreground --listen 127.0.0.1 --port 0 --http-port -1 2> tftpd.log &
pid=$!
pids="$pids $pid"
P=$(started tftpd.log $pid)
[ "$(ps -o user= -p $pid)" = nobody ] || fail "tftpd did not drop to nobody"
rm -f got
tftp 127.0.0.1 "$P" -c get public.txt got
cmp got dd/tftpboot/public.txt || fail "public.txt"
tftp 127.0.0.1 "$P" -c get rootonly.txt got > hpa.txt 2>&1 || true
grep -q "Error code 2" hpa.txt || fail "a file only root may read was served: $(cat hpa.txt)"
grep -q "event=refused file=rootonly.txt" tftpd.log || fail "refusal not logged"

expect 0 $T device add SEP001122334455 --model CP-8865
served_within 5 SEP001122334455.cnf.xml.sgn
grep -q "event=reload result=ok" tftpd.log || fail "no reload logged"
! grep -q "result=failed" tftpd.log || { cat tftpd.log; fail "a reload failed"; }

# SIGHUP alone, for a file the generation does not announce
printf 'hello\n' > dd/tftpboot/late.txt
kill -HUP $pid
served_within 5 late.txt
cmp got dd/tftpboot/late.txt || fail "late.txt differs"
! grep -q "result=failed" tftpd.log || { cat tftpd.log; fail "a reload failed"; }

# tvsd: a certificate trusted after the drop is known to it
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
"$B/bin/tvsd" --foreground --listen 127.0.0.1 --port "$port" 2> tvsd.log &
tpid=$!
pids="$pids $tpid"
started tvsd.log $tpid > /dev/null
[ "$(ps -o user= -p $tpid)" = nobody ] || fail "tvsd did not drop to nobody"
mk late
v() { expect "$1" $T tvs verify late.crt --server 127.0.0.1:$port --itl dd/tftpboot/ITLFile.tlv; }
v 1
expect 0 $T cert trust add tomcat-trust late.crt
for _ in $(seq 40); do
	set +e; $T tvs verify late.crt --server 127.0.0.1:$port --itl dd/tftpboot/ITLFile.tlv \
		> out.txt 2>&1; rc=$?; set -e
	[ $rc -eq 0 ] && break
	sleep 0.25
done
[ $rc -eq 0 ] || { cat out.txt tvsd.log; fail "tvsd does not know late.crt after the change"; }
! grep -q "reload_failed" tvsd.log || { cat tvsd.log; fail "tvsd reload failed"; }
# logged_within SECONDS LOG PATTERN COUNT: LOG has COUNT lines matching
logged_within() {
	for _ in $(seq $(($1 * 10))); do
		[ "$(grep -c "$3" "$2")" -ge "$4" ] && return 0
		sleep 0.1
	done
	cat "$2"
	fail "$2: no $4 lines \"$3\" within $1 s"
}
n=$(grep -c "event=reload " tvsd.log)
kill -HUP $tpid
logged_within 5 tvsd.log "event=reload " $((n + 1))
! grep -q "reload_failed" tvsd.log || { cat tvsd.log; fail "tvsd reload failed"; }
kill $tpid

# capfd as nobody writes trustline.db: refused until nobody may
conf_set dd/trustline.conf capf user=nobody per_ip_rate=0
capfd() {
	"$B/bin/capfd" --foreground --listen 127.0.0.1 --port 0 2> capfd.log &
	cpid=$!
	pids="$pids $cpid"
}
capfd
for _ in $(seq 50); do kill -0 $cpid 2>/dev/null || break; sleep 0.1; done
! kill -0 $cpid 2>/dev/null || fail "capfd started though nobody may not write trustline.db"
grep -q "user nobody may not write it.*give the data directory" capfd.log ||
	fail "capfd's refusal: $(cat capfd.log)"
! grep -q "event=start" capfd.log || fail "capfd announced a start: $(cat capfd.log)"
chown nobody dd dd/trustline.db*
$T cert export CAPF > capf.pem
$T device add SEP001122330001 --model CP-8865 > /dev/null
enroll() {
	expect 0 $T device capf SEP001122330001 --operation install --auth-mode null --key ec:256
	expect 0 $T capf enroll --server 127.0.0.1:"$CP" --capf-cert capf.pem \
		--device SEP001122330001
}
capfd
CP=$(started capfd.log $cpid)
[ "$(ps -o user= -p $cpid)" = nobody ] || fail "capfd did not drop to nobody"
enroll
mk capftrust
expect 0 $T cert trust add CAPF-trust capftrust.crt
kill -HUP $cpid
logged_within 5 capfd.log "event=reload trust=3" 1
grep -q "event=identity_kept" capfd.log || fail "no identity_kept: $(cat capfd.log)"
! grep -q "reload_failed" capfd.log || { cat capfd.log; fail "capfd reload failed"; }
enroll
kill $cpid
wait $cpid || fail "capfd exit status after the reload: $(cat capfd.log)"
# a port below 1024 as nobody: the error says what to do
cp -a dd dd69 && chown -R nobody dd69
! su -s /bin/sh nobody -c "$B/bin/tftpd --foreground --data-dir $PWD/dd69 --listen 127.0.0.1 --port 69" \
	> /dev/null 2> low.txt || fail "tftpd bound port 69 as nobody"
grep -q "cannot bind UDP 127.0.0.1:69: Permission denied: a port below 1024 needs root" low.txt ||
	fail "port 69 as nobody: $(cat low.txt)"
echo "privdrop: tftpd, tvsd and capfd reload as nobody"
