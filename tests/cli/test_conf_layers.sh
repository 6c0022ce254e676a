#!/bin/sh
# The daemons' settings in layers: the defaults, the data directory's
# trustline.conf, then the administrator's file ($TRUSTLINE_SYSCONFDIR, in
# place of /etc/trustline, or TRUSTLINE_CONFIG, or -c FILE), then the command
# line. --check-config names the files it read; SIGHUP reads them again
# (every daemon); a
# broken file is refused by --check-config and a HUP keeps what was read.
set -eu
. "$(dirname "$0")/common.sh"
T=${TRUSTLINE:?}
B=${BUILD_DIR:?}
export TRUSTLINE_DATA_DIR="$PWD/dd"
expect 0 $T cluster init --name lab --domain lab.example --nodes pub
for d in tftp tvs capf; do conf_set dd/trustline.conf $d "user=$(id -un)"; done
echo static > dd/tftpboot/static.txt
pid=
trap '[ -z "$pid" ] || kill $pid 2>/dev/null || true' EXIT

# no administrator's file: only the data directory's is read
for d in tftpd tvsd capfd; do
	expect 0 "$B/bin/$d" --check-config
	grep -qx "$d: $PWD/dd: .* OK; read $PWD/dd/trustline.conf" out.txt || fail "$d: $(cat out.txt)"
done
# the /etc-equivalent, read by default and named by --check-config
mkdir etc
export TRUSTLINE_SYSCONFDIR="$PWD/etc"
printf '[tftp]\nsign_static = no\n' > etc/trustline.conf
for d in tftpd tvsd capfd; do
	expect 0 "$B/bin/$d" --check-config
	grep -q "; read $PWD/dd/trustline.conf, then $PWD/etc/trustline.conf\$" out.txt || fail "$d: $(cat out.txt)"
done
# a setting there wins over the data directory's; -c and TRUSTLINE_CONFIG
# name another file in its place
conf_set dd/trustline.conf tvs idle_timeout=soon
expect 1 "$B/bin/tvsd" --check-config
grep -q "$PWD/dd/trustline.conf: line .*idle_timeout" err.txt || fail "bad data file: $(cat err.txt)"
sed -i 's/^idle_timeout = soon$/idle_timeout = 10/' dd/trustline.conf
printf '[tvs]\nidle_timeout = soon\n' > other.conf
for how in "-c other.conf" "--config other.conf"; do
	expect 1 "$B/bin/tvsd" $how --check-config
	grep -q "other.conf: line 2: .*idle_timeout" err.txt || fail "$how: $(cat err.txt)"
done
expect 1 env TRUSTLINE_CONFIG=other.conf "$B/bin/tftpd" --check-config
grep -q "other.conf: line 2" err.txt || fail "TRUSTLINE_CONFIG: $(cat err.txt)"
expect 1 "$B/bin/capfd" -c missing.conf --check-config
grep -q -- "-c missing.conf: no such file" err.txt || fail "missing -c: $(cat err.txt)"
# the cluster's own sections stay in the data directory's file, which the
# trustline command reads and writes: refused in the administrator's
for sec in cluster pki monitor revocation; do
	case $sec in cluster) kv="name = x" ;; pki) kv="years = 3" ;;
		monitor) kv="notify_days = 9" ;; revocation) kv="ocsp = off" ;; esac
	printf '[%s]\n%s\n' "$sec" "$kv" > sec.conf
	expect 1 "$B/bin/capfd" -c sec.conf --check-config
	grep -q "sec.conf: line 2: .*\[$sec\] in the data directory's trustline.conf" err.txt ||
		fail "[$sec] in the administrator's file: $(cat err.txt)"
done

# a running tftpd picks up a change to the /etc-equivalent on SIGHUP
"$B/bin/tftpd" --foreground --listen 127.0.0.1 --port 0 --http-port 0 2> tftpd.log &
pid=$!
H=$(started tftpd.log $pid)
H=$(sed -n 's/.*event=start.* http_port=\([0-9]*\).*/\1/p' tftpd.log | head -1)
get() { curl -s -o got -w '%{http_code}' "http://127.0.0.1:$H/$1"; }
[ "$(get static.txt)" = 200 ] || fail "static.txt not served"
[ "$(get static.txt.sgn)" = 404 ] || fail "static.txt.sgn served with sign_static = no"
reloads() { grep -c "event=reload result=$1" tftpd.log || true; }
hup() {	# hup RESULT: SIGHUP, then wait for one more reload line with RESULT
	n=$(reloads "$1")
	kill -HUP $pid
	for _ in $(seq 100); do
		[ "$(reloads "$1")" -gt "$n" ] && return 0
		sleep 0.05
	done
	cat tftpd.log; fail "no reload result=$1 after HUP"
}
printf '[tftp]\nsign_static = yes\n' > etc/trustline.conf
hup ok
[ "$(get static.txt.sgn)" = 200 ] || fail "static.txt.sgn not served after sign_static = yes and HUP"
# broken: --check-config refuses it, and a HUP keeps what was read before
printf '[tftp]\nsign_static = maybe\n' > etc/trustline.conf
expect 1 "$B/bin/tftpd" --check-config
grep -q "$PWD/etc/trustline.conf: line 2: .*sign_static" err.txt || fail "broken file: $(cat err.txt)"
hup failed
[ "$(get static.txt.sgn)" = 200 ] || fail "a failed reload dropped the settings read before"
grep "event=reload result=failed" tftpd.log | grep -q "etc/trustline.conf" || fail "reload failure does not name the file"
kill $pid
wait $pid || fail "tftpd exited $?"
pid=

# tvsd too: a TTL set in the /etc-equivalent, changed, then HUP
printf '[tvs]\nttl = 600\n' > etc/trustline.conf
"$B/bin/tvsd" --foreground --listen 127.0.0.1 --port 0 2> tvsd.log &
pid=$!
P=$(started tvsd.log $pid)
ttl() {
	expect 0 $T tvs verify dd/certs/tomcat/pub.pem --server 127.0.0.1:$P --tvs-cert dd/certs/TVS/pub.pem
	grep -q "^VALID .*ttl=$1\$" out.txt || fail "tvsd: wanted ttl=$1: $(cat out.txt err.txt)"
}
ttl 600
printf '[tvs]\nttl = 700\n' > etc/trustline.conf
kill -HUP $pid
for _ in $(seq 100); do grep -q "event=reload " tvsd.log && break; sleep 0.05; done
grep -q "event=reload " tvsd.log || { cat tvsd.log; fail "tvsd: no reload after HUP"; }
ttl 700
printf '[tvs]\nttl = long\n' > etc/trustline.conf
kill -HUP $pid
for _ in $(seq 100); do grep -q "event=reload_failed" tvsd.log && break; sleep 0.05; done
grep -q "event=reload_failed.*etc/trustline.conf" tvsd.log || { cat tvsd.log; fail "tvsd: a broken file was not refused on HUP"; }
ttl 700
kill $pid
wait $pid || fail "tvsd exited $?"
pid=

# capfd: a HUP reads the /etc-equivalent again; broken, it keeps serving
printf '[capf]\nlsc_days = 30\n' > etc/trustline.conf
"$B/bin/capfd" --foreground --listen 127.0.0.1 --port 0 2> capfd.log &
pid=$!
started capfd.log $pid > /dev/null
kill -HUP $pid
for _ in $(seq 100); do grep -q "event=reload .*cause=sighup" capfd.log && break; sleep 0.05; done
grep -q "event=reload .*cause=sighup" capfd.log || { cat capfd.log; fail "capfd: no reload after HUP"; }
printf '[capf]\nlsc_days = forever\n' > etc/trustline.conf
kill -HUP $pid
for _ in $(seq 100); do grep -q "event=reload_failed" capfd.log && break; sleep 0.05; done
grep -q "event=reload_failed.*etc/trustline.conf.*lsc_days" capfd.log || { cat capfd.log; fail "capfd: a broken file was not refused on HUP"; }
kill -0 $pid || fail "capfd stopped after a broken file"
kill $pid
wait $pid || fail "capfd exited $?"
pid=
# a HUP at once after the start line (systemctl reload just after start)
# is a reload, never the end of the daemon by SIGHUP's default action
printf '[capf]\nlsc_days = 30\n' > etc/trustline.conf
for d in capfd tvsd; do
	for _ in 1 2 3; do
		"$B/bin/$d" --foreground --listen 127.0.0.1 --port 0 2> early.log &
		pid=$!
		# the HUP as soon as the line is there (started() sleeps 50 ms)
		for _ in $(seq 2000); do grep -q "event=start" early.log && break; sleep 0.005; done
		kill -HUP $pid 2>/dev/null || true
		for _ in $(seq 100); do grep -q "event=reload " early.log && break; sleep 0.05; done
		kill -0 $pid 2>/dev/null || { cat early.log; fail "$d ended by a HUP just after its start"; }
		grep -q "event=reload " early.log || { cat early.log; fail "$d: no reload after an early HUP"; }
		kill $pid
		wait $pid || fail "$d exited $?"
		pid=
	done
done
echo "all passed"
