#!/bin/sh
# The Debian package as an administrator meets it: installed with apt-get
# on this machine, a cluster made as user trustline, the three daemons
# started the way their units start them (the unit's user, and for tftpd
# only CAP_NET_BIND_SERVICE, through setpriv, since systemd may not be PID
# 1 here), a phone booted against the real ports 69, 2445 and 3804, a
# reload and a stop, then apt-get purge. Needs root and a machine where
# trustline is not installed: it changes the system (make deb-check).
# Usage: tests/package/test_deb.sh PACKAGE.deb
set -eu
deb=$(realpath "${1:?usage: test_deb.sh PACKAGE.deb}")
fail() { echo "FAIL: $*"; exit 1; }
[ "$(id -u)" = 0 ] || fail "needs root: it installs and purges the package"
if dpkg-query -W -f='${Status}' trustline 2>/dev/null | grep -q "ok installed"; then
	fail "trustline is installed on this machine already; this test would purge it"
fi
[ -e /var/lib/trustline ] && fail "/var/lib/trustline exists; this test would remove it"
tmp=$(mktemp -d)
pids=""
cleanup() {
	for p in $pids; do kill "$p" 2>/dev/null || :; done
	wait 2>/dev/null || :
	apt-get purge -y -qq trustline > /dev/null 2>&1 || :
	rm -rf "$tmp"
}
trap cleanup EXIT
cd "$tmp"
D=/var/lib/trustline
as() { runuser -u trustline -- "$@"; }

export DEBIAN_FRONTEND=noninteractive
apt-get install -y -qq "$deb" > install.log 2>&1 || { cat install.log; fail "apt-get install"; }
echo "installed $(dpkg-query -W -f='${Package} ${Version}' trustline)"

# what the package put in place
id trustline > /dev/null || fail "no user trustline"
[ "$(stat -c '%U:%G %a' $D)" = "trustline:trustline 750" ] || fail "$D: $(stat -c '%U:%G %a' $D)"
for p in /usr/bin/trustline /usr/bin/phone-sim /usr/sbin/trustline-tftpd /usr/sbin/trustline-tvsd /usr/sbin/trustline-capfd; do
	[ -x $p ] || fail "$p missing"
	$p --version > /dev/null || fail "$p --version"
done
[ -f /etc/trustline/trustline.conf ] || fail "no /etc/trustline/trustline.conf"
for m in trustline.1 trustline.conf.5 trustline-tftpd.8 trustline-tvsd.8 trustline-capfd.8; do
	man -w "$(echo $m | sed 's/\.[0-9]$//')" > /dev/null 2>&1 || fail "man page $m"
done
for u in tftpd tvsd capfd; do
	[ -f /lib/systemd/system/trustline-$u.service ] || fail "unit trustline-$u missing"
done
if command -v systemd-analyze > /dev/null; then
	systemd-analyze verify /lib/systemd/system/trustline-*.service > verify.log 2>&1 ||
		{ cat verify.log; fail "systemd-analyze verify"; }
fi

# the cluster, made as README.Debian says
as trustline cluster init --data-dir $D --name lab --domain lab.example --nodes cucm-pub \
	> init.log 2>&1 || { cat init.log; fail "cluster init as trustline"; }
as trustline device add SEP0011223344DD --model CP-8865 --data-dir $D > /dev/null
find $D -name '*.key' | while read -r k; do
	[ "$(stat -c '%U %a' "$k")" = "trustline 600" ] || fail "$k: $(stat -c '%U %a' "$k")"
done

# started as the units start them: ExecStartPre's check, then the daemon
# as user trustline; tftpd with CAP_NET_BIND_SERVICE alone
for u in tftpd tvsd capfd; do
	as /usr/sbin/trustline-$u --check-config --data-dir $D > check.log 2>&1 ||
		{ cat check.log; fail "trustline-$u --check-config"; }
	grep -q "read $D/trustline.conf, then /etc/trustline/trustline.conf\$" check.log ||
		{ cat check.log; fail "trustline-$u does not read /etc/trustline/trustline.conf"; }
done
# a setting in /etc is the daemons': a bad one is refused, naming the file
cp /etc/trustline/trustline.conf etc.conf
printf '\n[tftp]\nmax_blksize = huge\n' >> /etc/trustline/trustline.conf
! as /usr/sbin/trustline-tftpd --check-config --data-dir $D > check.log 2>&1 ||
	fail "a bad setting in /etc/trustline/trustline.conf was accepted"
grep -q "/etc/trustline/trustline.conf: line .*max_blksize" check.log || { cat check.log; fail "bad /etc setting: no line"; }
cp etc.conf /etc/trustline/trustline.conf
setpriv --reuid=trustline --regid=trustline --init-groups \
	--inh-caps=-all,+net_bind_service --ambient-caps=-all,+net_bind_service \
	--bounding-set=-all,+net_bind_service \
	/usr/sbin/trustline-tftpd --foreground --data-dir $D 2> tftpd.log &
pids="$pids $!"; tftpd=$!
for u in tvsd capfd; do
	setpriv --reuid=trustline --regid=trustline --init-groups --inh-caps=-all \
		--bounding-set=-all /usr/sbin/trustline-$u --foreground --data-dir $D 2> $u.log &
	pids="$pids $!"
done
for _ in $(seq 100); do
	n=$(cat tftpd.log tvsd.log capfd.log 2>/dev/null | grep -c 'event=start' || :)
	[ "$n" -ge 3 ] && break
	sleep 0.1
done
[ "$n" -ge 3 ] || { cat tftpd.log tvsd.log capfd.log; fail "the daemons did not start"; }
for p in $pids; do
	[ "$(stat -c %U /proc/$p)" = trustline ] || fail "pid $p runs as $(stat -c %U /proc/$p)"
done
cap=$(sed -n 's/^CapEff:\t//p' /proc/$tftpd/status)
[ "$cap" = 0000000000000400 ] || fail "tftpd's effective capabilities are $cap, not CAP_NET_BIND_SERVICE alone"

# a phone boots against the package's daemons on their real ports
phone-sim boot --state phone --mac 0011223344DD --model CP-8865 --tftp 127.0.0.1:69 \
	--tvs 127.0.0.1:2445 > boot.out 2> boot.err || { cat boot.out boot.err; fail "phone-sim boot"; }
for f in "ITL   ITLFile.tlv" "CONF  SEP0011223344DD.cnf.xml.sgn"; do
	grep -q "^$f .*-> ACCEPTED" boot.out || { cat boot.out boot.err; fail "$f not accepted"; }
done
as trustline tvs verify $D/certs/tomcat/cucm-pub.pem --server 127.0.0.1:2445 \
	--tvs-cert $D/certs/TVS/cucm-pub.pem > tvs.out 2>&1 || { cat tvs.out; fail "tvs verify"; }
grep -q VALID tvs.out || { cat tvs.out; fail "TVS did not vouch for the tomcat certificate"; }

# reload and stop, as systemctl reload and stop do
kill -HUP $pids
sleep 1
for p in $pids; do kill -0 $p || fail "pid $p died on SIGHUP"; done
kill -TERM $pids
for p in $pids; do
	for _ in $(seq 50); do kill -0 $p 2>/dev/null || break; sleep 0.1; done
	kill -0 $p 2>/dev/null && fail "pid $p did not stop on SIGTERM"
done
pids=""

apt-get purge -y -qq trustline > purge.log 2>&1 || { cat purge.log; fail "apt-get purge"; }
[ -e $D ] && fail "$D is still there after purge"
[ -e /usr/sbin/trustline-tftpd ] && fail "the daemons are still there after purge"
echo "deb: installed, 3 daemons as trustline served a phone on ports 69/2445, reloaded, stopped, purged"
