#!/bin/sh
# make demo: a cluster in ./var/demo, its TFTP and TVS servers on loopback,
# and what a phone receives and decides, before and after the TFTP
# certificate is regenerated.
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

rm -rf "$D"
mkdir -p "$D"
cd "$D"
export TRUSTLINE_DATA_DIR="$D/cluster"

step "A two-node cluster: every certificate, the trust stores, the ITL"
run cluster init --name lab --domain lab.example --nodes cucm-pub,cucm-sub1 | tail -3
run cert list --usage identity --purpose CallManager
run itl show cluster/tftpboot/ITLFile.tlv --brief

step "Phones in the device database"
# the lab manufacturing CA stands in for the factory: it issues the MIC
openssl req -newkey rsa:2048 -nodes -keyout mic.key -out mic.csr \
	-subj "/CN=CP-8865-SEP0011223344AA" 2>/dev/null
openssl x509 -req -in mic.csr -CA cluster/certs/lab-manufacturing-CA/lab.pem \
	-CAkey cluster/certs/lab-manufacturing-CA/lab.key -set_serial 1 -days 3650 \
	-out mic.crt 2>/dev/null
run device add SEP001122334455 --model CP-8865 --description "lobby phone"
run device add SEP0011223344AA --model CP-8865 --profile encrypted --mic mic.crt \
	--description "CEO phone"

step "tftpd and tvsd on loopback"
cp cluster/trustline.conf servers.conf
printf '\n[tftp]\nuser = %s\n[tvs]\nuser = %s\n' "$(id -un)" "$(id -un)" >> servers.conf
"$B/tftpd" -c servers.conf --listen 127.0.0.1 --port 0 --http-port 0 --foreground \
	2> tftpd.log &
pids="$pids $!"
"$B/tvsd" -c servers.conf --listen 127.0.0.1 --port 0 --foreground 2> tvsd.log &
pids="$pids $!"
TFTP=$(started tftpd.log)
TVS=$(started tvsd.log)
[ -n "$TFTP" ] && [ -n "$TVS" ] || { cat tftpd.log tvsd.log; exit 1; }
echo "tftpd on 127.0.0.1:$TFTP, tvsd on 127.0.0.1:$TVS"
grep -o 'event=render.*' tftpd.log | head -1

step "What a phone fetches at boot, and checks"
fetch() { curl -s --fail -o "$1" "tftp://127.0.0.1:$TFTP/$1" && echo "fetched $1 ($(wc -c < "$1") bytes)"; }
fetch ITLFile.tlv
cp ITLFile.tlv installed-ITL.tlv
run itl verify ITLFile.tlv
fetch SEP001122334455.cnf.xml.sgn
run sgn verify SEP001122334455.cnf.xml.sgn --trust installed-ITL.tlv
fetch SEP0011223344AA.cnf.xml.sgn
fetch SEP0011223344AA.cnf.xml.enc.sgn
run enc verify SEP0011223344AA.cnf.xml.enc.sgn --trust installed-ITL.tlv
run enc decrypt SEP0011223344AA.cnf.xml.enc.sgn --device-key mic.key -o ceo.cnf.xml
grep -E "deviceSecurityMode|address" ceo.cnf.xml | head -3
echo "the same file with another phone's key:"
openssl req -newkey rsa:2048 -nodes -keyout other.key -out /dev/null -subj /CN=x 2>/dev/null
refused enc decrypt SEP0011223344AA.cnf.xml.enc.sgn --device-key other.key -o x.xml

step "The TFTP (CallManager) certificate is regenerated"
run cert generate CallManager --node cucm-pub
sleep 3	# tftpd notices the change within 2 s and re-signs everything
fetch ITLFile.tlv
echo "the new ITL is not signed by a SAST of the phone's installed ITL:"
refused itl verify ITLFile.tlv --trust installed-ITL.tlv
echo "so the phone asks TVS about the new signer (tvsd presents a TVS record of its ITL):"
run cert export CallManager/cucm-pub -o new-callmanager.pem
run tvs verify new-callmanager.pem --server 127.0.0.1:$TVS --itl installed-ITL.tlv \
	--device CP-8865-SEP001122334455
echo "-> accepted through TVS; phones stay trusted. Or, with no TVS at hand:"
run itl reset --recovery | tail -1
sleep 3
fetch ITLFile.tlv
run itl verify ITLFile.tlv --trust installed-ITL.tlv

step "What a phone refuses"
cp SEP001122334455.cnf.xml.sgn tampered.sgn
printf 'X' | dd of=tampered.sgn bs=1 seek=600 conv=notrunc 2>/dev/null
echo "one byte of a configuration changed:"
refused sgn verify tampered.sgn --trust installed-ITL.tlv
echo "a certificate TVS does not know:"
openssl req -x509 -newkey rsa:2048 -nodes -keyout rogue.key -out rogue.pem \
	-subj "/CN=rogue-tftp" -days 30 2>/dev/null
refused tvs verify rogue.pem --server 127.0.0.1:$TVS --itl installed-ITL.tlv

step "Done. The servers are stopped; files are in var/demo. Try next:"
cat <<'TXT'
  build/bin/trustline itl show var/demo/ITLFile.tlv          # the full 'show itl' view
  TRUSTLINE_DATA_DIR=var/demo/cluster build/bin/trustline cert monitor
  TRUSTLINE_DATA_DIR=var/demo/cluster build/bin/trustline cert check \
      var/demo/cluster/certs/tomcat/cucm-pub.pem --purpose tomcat --host cucm-pub.lab.example
  build/bin/trustline --help; docs/trustline.md, docs/tftpd.md, docs/tvsd.md
TXT
