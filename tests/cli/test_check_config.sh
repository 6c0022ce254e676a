#!/bin/sh
# Every daemon's --check-config reads what a start reads (settings, keys,
# stores, the user capfd would run as) and binds nothing: 0 when it would
# start, 1 with the start's own message when it would not. The units run it
# before a start and a reload. Detached, each lets go of the caller's
# terminal and writes --pid-file before the command returns.
set -eu
. "$(dirname "$0")/common.sh"
T=${TRUSTLINE:?}
B=${BUILD_DIR:?}
export TRUSTLINE_DATA_DIR="$PWD/dd"
expect 0 $T cluster init --name lab --domain lab.example --nodes pub
for d in tftp tvs capf; do conf_set dd/trustline.conf $d "user=$(id -un)"; done

for d in tftpd tvsd capfd; do
	expect 0 "$B/bin/$d" --check-config
	grep -q "^$d: $PWD/dd: configuration.* OK" out.txt || fail "$d: $(cat out.txt err.txt)"
	"$B/bin/$d" --help | grep -q -- "--check-config" || fail "$d --help"
done
# nothing bound: the port a start would take is still free
P=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
expect 0 "$B/bin/tvsd" --check-config --listen 127.0.0.1 --port "$P"
python3 -c 'import socket,sys; s=socket.socket(); s.bind(("127.0.0.1", int(sys.argv[1]))); s.listen()' "$P" ||
	fail "tvsd --check-config left port $P bound"

# a setting a start refuses, with its line
cp dd/trustline.conf good.conf
sed -i 's/^\[tvs\]$/[tvs]\nidle_timeout = soon/' dd/trustline.conf
for d in tvsd tftpd capfd; do
	expect 1 "$B/bin/$d" --check-config
	grep -q "idle_timeout" err.txt || fail "$d: bad setting: $(cat err.txt)"
done
cp good.conf dd/trustline.conf
# a key a start cannot read
mv dd/certs/TVS/pub.key tvs.key
expect 1 "$B/bin/tvsd" --check-config
grep -q "pub.key" err.txt || fail "tvsd: missing key: $(cat err.txt)"
mv tvs.key dd/certs/TVS/pub.key
# -c / --config name the administrator's file, read over the data directory's
printf '[tvs]\nttl = 600\n' > admin.conf
expect 0 "$B/bin/tvsd" --config admin.conf --check-config
expect 0 "$B/bin/capfd" -c admin.conf --check-config

# detached: the terminal let go of (stderr too), the PID in --pid-file
for d in tftpd tvsd capfd; do
	case $d in tftpd) extra="--http-port -1" ;; *) extra= ;; esac
	expect 0 "$B/bin/$d" --listen 127.0.0.1 --port 0 $extra --pid-file "$PWD/$d.pid"
	pid=$(cat $d.pid)
	kill -0 "$pid" || fail "$d: the PID in --pid-file does not run"
	[ "$(readlink /proc/$pid/fd/2)" = /dev/null ] || fail "$d kept the caller's stderr: $(readlink /proc/$pid/fd/2)"
	kill "$pid"
done
echo "all passed"
