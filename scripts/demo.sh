#!/bin/sh
# make demo: a cluster in ./var/demo, its tftpd, tvsd and capfd on loopback,
# and simulated phones booting against them, decision by decision: before
# and after the TFTP certificate is regenerated, with an encrypted
# configuration and a CAPF-issued LSC.
# Usage: scripts/demo.sh BUILD_DIR
set -eu
ROOT=$(cd "$(dirname "$0")/.." && pwd)
B="$ROOT/${1:-build}/bin"
T="$B/trustline"
D="$ROOT/var/demo"
step() { printf '\n\033[1m== %s\033[0m\n' "$*"; }
run() { printf '$ trustline %s\n' "$*"; "$T" "$@"; }
refused() {
	printf '$ trustline %s\n' "$*"
	if "$T" "$@"; then echo "demo: that should have been refused" >&2; exit 1; fi
}
pids=""
trap 'for p in $pids; do kill $p 2>/dev/null || true; done' EXIT
started() {	# started LOG: wait for a server's start line, print its port
	for i in $(seq 100); do
		grep -q "event=start" "$1" 2>/dev/null && break
		sleep 0.1
	done
	sed -n 's/.*event=start.* port=\([0-9]*\).*/\1/p' "$1" | head -1
}
boot() {	# boot STATE MAC [options]: one phone boots, its decisions shown
	st=$1; mac=$2; shift 2
	printf '$ phone-sim boot --state %s --mac %s ...\n' "$st" "$mac"
	"$B/phone-sim" boot --state "$st" --mac "$mac" --model CP-8865 \
		--tftp 127.0.0.1:"$TFTP" --tvs 127.0.0.1:"$TVS" --capf 127.0.0.1:"$CAPF" \
		"$@" || true
}
reloaded() {	# how many reloads tftpd has finished
	grep -c "event=reload result=ok" tftpd.log || true
}
wait_reload() {	# tftpd serves a change within 2 s, and the time to render it
	for i in $(seq 100); do
		[ "$(reloaded)" -gt "$1" ] && return 0
		sleep 0.1
	done
}

rm -rf "$D"
mkdir -p "$D"
cd "$D"
export TRUSTLINE_DATA_DIR="$D/cluster"

step "A two-node cluster: every certificate, the trust stores, the ITL"
run cluster init --name lab --domain lab.example --nodes cucm-pub,cucm-sub1 | tail -3
run cert list --usage identity --purpose CallManager
run itl show cluster/tftpboot/ITLFile.tlv --brief

step "Three phones: the lobby's (non-secure), the reception's (authenticated), the CEO's (encrypted)"
"$B/phone-sim" mic --state ceo --mac 0011223344AA --mfg-ca cluster/certs/lab-manufacturing-CA
run device add SEP001122334455 --model CP-8865 --description "lobby phone"
run device add SEP0011223344BB --model CP-8865 --profile authenticated \
	--description "reception phone"
run device add SEP0011223344AA --model CP-8865 --profile encrypted --mic ceo/mic.pem \
	--description "CEO phone"
run device capf SEP0011223344AA --operation install --auth-mode string --auth-string 4711

step "tftpd, tvsd and capfd on loopback"
# the administrator's file: only the daemons' sections, over the data directory's
: > servers.conf
for s in tftp tvs capf; do "$ROOT/scripts/conf-set.sh" servers.conf $s user="$(id -un)"; done
"$B/tftpd" -c servers.conf --listen 127.0.0.1 --port 0 --http-port 0 --foreground \
	2> tftpd.log &
pids="$pids $!"
"$B/tvsd" -c servers.conf --listen 127.0.0.1 --port 0 --foreground 2> tvsd.log &
pids="$pids $!"
"$B/capfd" -c servers.conf --listen 127.0.0.1 --port 0 --foreground 2> capfd.log &
pids="$pids $!"
TFTP=$(started tftpd.log)
TVS=$(started tvsd.log)
CAPF=$(started capfd.log)
[ -n "$TFTP" ] && [ -n "$TVS" ] && [ -n "$CAPF" ] || { cat tftpd.log tvsd.log capfd.log; exit 1; }
echo "tftpd 127.0.0.1:$TFTP   tvsd 127.0.0.1:$TVS   capfd 127.0.0.1:$CAPF"

step "First boot: trust on first use, a signed configuration"
boot lobby 001122334455
echo "the reception phone, authenticated: its configuration signed, never served unsigned:"
boot reception 0011223344BB

step "The CEO phone: its configuration is encrypted to its MIC; CAPF installs an LSC"
n=$(reloaded)
boot ceo 0011223344AA --auth-string 4711
run device capf-status SEP0011223344AA
wait_reload "$n"
echo "after the LSC, the configuration is encrypted to the LSC:"
boot ceo 0011223344AA

step "The TFTP (CallManager) certificate is regenerated"
n=$(reloaded)
run cert generate CallManager --node cucm-pub
wait_reload "$n"
grep "event=render" tftpd.log | tail -1
echo "the phones' installed ITL does not know the new signer; TVS vouches for it:"
boot lobby 001122334455
boot reception 0011223344BB
boot ceo 0011223344AA

step "What phones refuse"
curl -s -o tampered.sgn "tftp://127.0.0.1:$TFTP/SEP001122334455.cnf.xml.sgn"
printf 'X' | dd of=tampered.sgn bs=1 seek=600 conv=notrunc 2>/dev/null
echo "one byte of a configuration changed:"
curl -s -o ITLFile.tlv "tftp://127.0.0.1:$TFTP/ITLFile.tlv"
refused sgn verify tampered.sgn --trust ITLFile.tlv
echo "a TLS server whose certificate neither the ITL nor TVS knows:"
openssl req -x509 -newkey rsa:2048 -nodes -keyout rogue.key -out rogue.pem \
	-subj "/CN=rogue-cucm" -days 30 2>/dev/null
refused tvs verify rogue.pem --server 127.0.0.1:$TVS --itl ITLFile.tlv

step "Done. The servers are stopped; everything is in var/demo. Try next:"
cat <<'TXT'
  build/bin/phone-sim show --state var/demo/ceo          # what a phone holds
  make bench-fleet                                       # 10,000 phones at once
  build/bin/trustline itl show var/demo/ITLFile.tlv       # the full 'show itl' view
  TRUSTLINE_DATA_DIR=var/demo/cluster build/bin/trustline cert monitor
  build/bin/trustline --help; docs/trustline.md, docs/phone-sim.md, docs/tftpd.md
TXT
