#!/bin/sh
# Type=notify: started with $NOTIFY_SOCKET (as systemd does), tftpd, tvsd
# and capfd send READY=1 once they serve, once per start also with
# --workers (the supervisor or the parent, not each worker); without it
# they start as before.
set -eu
T=${TRUSTLINE:?}
B=${BUILD_DIR:?}
. "$(dirname "$0")/common.sh"
export TRUSTLINE_DATA_DIR="$PWD/dd"
expect 0 $T cluster init --name lab --domain lab.example --nodes pub
# run as whoever runs the test (root would drop to nobody)
conf_set dd/trustline.conf tftp "user=$(id -un)"
conf_set dd/trustline.conf tvs "user=$(id -un)"
conf_set dd/trustline.conf capf "user=$(id -un)"
# listen SOCKET OUT: every datagram to SOCKET, one a line, in OUT
listen() {
	python3 -c 'import socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(sys.argv[1])
open(sys.argv[2] + ".up", "w").close()
while True:
    with open(sys.argv[2], "a") as f:
        f.write(s.recv(4096).decode() + "\n")' "$1" "$2" &
	lpid=$!
	for _ in $(seq 100); do [ -e "$2.up" ] && return 0; sleep 0.05; done
	fail "the notify listener did not start"
}
pids=""
trap 'kill $pids 2>/dev/null || true' EXIT
run() {	# run NAME ARGS...: the daemon with $NOTIFY_SOCKET, READY=1 once
	name=$1; shift
	rm -f "$PWD/n.sock" n.out n.out.up
	listen "$PWD/n.sock" n.out
	NOTIFY_SOCKET="$PWD/n.sock" "$B/bin/$name" --foreground --listen 127.0.0.1 "$@" \
		2> "$name.log" &
	dpid=$!
	pids="$pids $lpid $dpid"
	started "$name.log" $dpid > /dev/null
	for _ in $(seq 100); do [ -s n.out ] && break; sleep 0.05; done
	sleep 0.3	# a second READY=1 (from a worker) would come now
	[ "$(cat n.out)" = "READY=1" ] || { cat "$name.log"; fail "$name $*: notified: $(cat n.out)"; }
	grep -q "event=notify" "$name.log" && fail "$name: $(grep event=notify "$name.log")"
	kill -TERM $dpid
	wait $dpid || fail "$name $* exited $?"
	kill $lpid; wait $lpid 2>/dev/null || true
}
run tftpd --port 0 --http-port 0
# --workers needs fixed ports: one found free
port=$(python3 -c 'import socket; s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
run tftpd --port "$port" --http-port -1 --workers 2
run tvsd --port 0
run tvsd --port 0 --workers 2
run capfd --port 0
run capfd --port 0 --workers 2
# an abstract socket name (@...) works as well
python3 -c 'import socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind("\0trustline-test-notify-%d" % int(sys.argv[1]))
open("abstract.up", "w").close()
s.settimeout(10)
print(s.recv(4096).decode())' $$ > abstract.out &
apid=$!
# bound before tvsd starts: python3 itself can take seconds to start
for _ in $(seq 200); do [ -e abstract.up ] && break; sleep 0.05; done
[ -e abstract.up ] || fail "the abstract-socket listener did not start"
NOTIFY_SOCKET="@trustline-test-notify-$$" "$B/bin/tvsd" --foreground --listen 127.0.0.1 \
	--port 0 2> abstract.log &
dpid=$!
pids="$pids $apid $dpid"
wait $apid || fail "no READY=1 on an abstract socket"
grep -qx "READY=1" abstract.out || fail "abstract: $(cat abstract.out)"
kill -TERM $dpid; wait $dpid || fail "tvsd exited $?"
# without $NOTIFY_SOCKET nothing changes; a socket that is not there is
# a warning, not a failure
NOTIFY_SOCKET="$PWD/none.sock" "$B/bin/tvsd" --foreground --listen 127.0.0.1 --port 0 \
	2> gone.log &
dpid=$!
pids="$pids $dpid"
started gone.log $dpid > /dev/null
grep -q "event=notify error=" gone.log || fail "no warning: $(cat gone.log)"
kill -TERM $dpid; wait $dpid || fail "tvsd exited $?"

# stderr given by systemd as the journal (JOURNAL_STREAM names it): each
# line carries its priority as "<N>"; elsewhere no prefix
: > journal.log
JOURNAL_STREAM="$(stat -c '%d:%i' journal.log)" "$B/bin/tvsd" --foreground \
	--listen 127.0.0.1 --port 0 2>> journal.log &
dpid=$!
pids="$pids $dpid"
started journal.log $dpid > /dev/null
kill -TERM $dpid; wait $dpid || fail "tvsd exited $?"
grep -q "^<6>tvsd: event=start" journal.log || fail "no priority prefix: $(cat journal.log)"
! grep -q "^<" gone.log || fail "a priority prefix outside the journal"
echo "notify: ok"
