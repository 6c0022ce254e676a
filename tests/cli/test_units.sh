#!/bin/sh
# The systemd units (systemd/): systemd-analyze verify finds nothing to
# say, and systemd-analyze security rates each one's exposure at 2.0 or
# below ("OK"). The units name the installed /usr/sbin/trustline-*: the
# copies checked here name the build's programs instead.
set -eu
B=${BUILD_DIR:?}
. "$(dirname "$0")/common.sh"
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
if ! command -v systemd-analyze > /dev/null; then
	echo "figure: skipped: no systemd-analyze (apt-get install systemd)"
	exit 0
fi
for d in tftpd tvsd capfd; do
	u=trustline-$d.service
	[ -f "$ROOT/systemd/$u" ] || fail "no systemd/$u"
	sed "s|/usr/sbin/trustline-$d |$B/bin/$d |" "$ROOT/systemd/$u" > "$u"
	grep -q "^ExecStart=$B/bin/$d --foreground" "$u" || fail "$u: ExecStart"
	grep -q "^Type=notify$" "$u" || fail "$u: not Type=notify"
	for k in ExecReload=/bin/kill User=trustline ProtectSystem=strict \
	    ReadWritePaths=/var/lib/trustline NoNewPrivileges=yes PrivateTmp=yes \
	    ProtectHome=yes PrivateDevices=yes "RestrictAddressFamilies=AF_INET AF_INET6 AF_UNIX" \
	    Restart=on-failure; do
		grep -q "^$k" "$u" || fail "$u: no $k"
	done
	set +e; systemd-analyze verify --man=no "./$u" > out.txt 2>&1; rc=$?; set -e
	# outside a running systemd, verify may complain of its own setup;
	# nothing may name the unit
	grep "$u" out.txt && fail "$u: systemd-analyze verify"
	[ $rc -eq 0 ] || grep -q . out.txt || fail "$u: verify exited $rc"
	if systemd-analyze security --help 2>&1 | grep -q -- --offline; then
		systemd-analyze security --offline=yes "./$u" > sec.txt 2>&1 || true
		score=$(sed -n 's/.*Overall exposure level for .*: \([0-9.]*\) .*/\1/p' sec.txt)
		[ -n "$score" ] || { cat sec.txt; fail "$u: no exposure level"; }
		awk -v s="$score" 'BEGIN { exit !(s <= 2.0) }' || fail "$u: exposure $score"
		echo "figure: $u: systemd-analyze security exposure $score"
	fi
done
# only tftpd (port 69) holds a capability
grep -q "^AmbientCapabilities=CAP_NET_BIND_SERVICE$" trustline-tftpd.service || fail "tftpd caps"
grep -q "^CapabilityBoundingSet=$" trustline-tvsd.service || fail "tvsd caps"
grep -q "^CapabilityBoundingSet=$" trustline-capfd.service || fail "capfd caps"
