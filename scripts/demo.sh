#!/bin/sh
# make demo: a lab walk-through in ./var/demo of what trustline does today.
# Usage: scripts/demo.sh BUILD_DIR
set -eu
ROOT=$(cd "$(dirname "$0")/.." && pwd)
T="$ROOT/${1:-build}/bin/trustline"
D="$ROOT/var/demo"
step() { printf '\n\033[1m== %s\033[0m\n' "$*"; }
run() { printf '$ trustline %s\n' "$*"; "$T" "$@"; }
refused() { printf '$ trustline %s\n' "$*"; if "$T" "$@"; then echo "demo: that should have been refused" >&2; exit 1; fi; }

rm -rf "$D"
mkdir -p "$D"
cd "$D"

step "A lab set of certificates (openssl; 'trustline cluster init' will make them later)"
cert() {	# cert NAME SUBJECT [ISSUER]
	if [ $# -eq 3 ]; then
		openssl req -newkey rsa:2048 -nodes -keyout "$1.key" -out "$1.csr" -subj "$2" 2>/dev/null
		openssl x509 -req -in "$1.csr" -CA "$3.crt" -CAkey "$3.key" -CAcreateserial \
			-out "$1.crt" -days 3650 2>/dev/null
		rm -f "$1.csr"
	else
		openssl req -x509 -newkey rsa:2048 -nodes -keyout "$1.key" -out "$1.crt" \
			-subj "$2" -days 1825 2>/dev/null
	fi
	chmod 600 "$1.key"
	cat "$1.crt" "$1.key" > "$1.pem"
	chmod 600 "$1.pem"
	echo "  $1.crt  $(openssl x509 -in "$1.crt" -noout -subject | sed 's/subject=//')"
}
O="/C=US/ST=CA/L=Lab/O=trustline demo/OU=VoIP"
cert ITLRecovery "$O/CN=ITLRECOVERY_cucm-pub.lab.example"
cert CallManager "$O/CN=cucm-pub.lab.example"
cert TVS "$O/CN=cucm-pub.lab.example-TVS"
cert CAPF "$O/CN=CAPF-cucm-pub"
cert MfgCA "/O=trustline demo/CN=Lab Manufacturing CA (not Cisco)"
cert SEP001122334455 "/O=trustline demo/CN=CP-8865-SEP001122334455" MfgCA

step "The ITL: signed by CallManager (SAST), TVS written hash-only as Cisco does"
run itl build ITLFile.tlv --signer CallManager.pem --sast ITLRecovery.crt \
	--ccm-tftp CallManager.crt --tvs TVS.crt --capf CAPF.crt --hash-only tvs
run itl show ITLFile.tlv --brief
run itl verify ITLFile.tlv
echo "(trustline itl show ITLFile.tlv prints it the way 'show itl' does)"

step "The CTL (mixed mode)"
run ctl build CTLFile.tlv --signer CallManager.pem --sast ITLRecovery.crt \
	--ccm-tftp CallManager.crt --capf CAPF.crt
run ctl show CTLFile.tlv --brief

step "A signed phone configuration"
cat > SEP001122334455.cnf.xml <<'XML'
<device>
  <fullConfig>true</fullConfig>
  <deviceSecurityMode>3</deviceSecurityMode>
  <transportLayerProtocol>3</transportLayerProtocol>
  <ipAddressMode>0</ipAddressMode>
  <loadInformation>sip88xx.14-2-1-0201-16</loadInformation>
  <capfAuthMode>1</capfAuthMode>
  <capfList><capf><phonePort>3804</phonePort><processNodeName>cucm-pub.lab.example</processNodeName></capf></capfList>
  <TVS><members><member priority="0"><port>2445</port><address>cucm-pub.lab.example</address></member></members></TVS>
</device>
XML
run sgn sign SEP001122334455.cnf.xml --signer CallManager.pem -o SEP001122334455.cnf.xml.sgn
run sgn verify SEP001122334455.cnf.xml.sgn --trust ITLFile.tlv

step "The same configuration encrypted to the phone's certificate"
run enc build SEP001122334455.cnf.xml --signer CallManager.pem --device-cert SEP001122334455.crt
run enc verify SEP001122334455.cnf.xml.enc.sgn --trust ITLFile.tlv
run enc decrypt SEP001122334455.cnf.xml.enc.sgn --device-key SEP001122334455.key -o decrypted.cnf.xml
cmp decrypted.cnf.xml SEP001122334455.cnf.xml && echo "decrypted.cnf.xml is identical to the original"
run sgn strip SEP001122334455.cnf.xml.sgn -o stub.cnf.xml
echo "the signed stub the phone reads first:"; sed 's/^/  /' stub.cnf.xml

step "What a phone refuses"
cp SEP001122334455.cnf.xml.sgn tampered.cnf.xml.sgn
printf 'X' | dd of=tampered.cnf.xml.sgn bs=1 seek=600 conv=notrunc 2>/dev/null
echo "one byte of a copy changed:"
refused sgn verify tampered.cnf.xml.sgn --trust ITLFile.tlv
cert Rogue "$O/CN=rogue-tftp"
run itl build rogue.tlv --signer Rogue.pem --ccm-tftp Rogue.crt
echo "an ITL signed by a key the installed ITL does not know:"
refused itl verify rogue.tlv --trust ITLFile.tlv
echo "an ITL re-signed with the ITLRecovery key (itl reset) is accepted:"
run itl build reset.tlv --signer ITLRecovery.pem --ccm-tftp CallManager.crt
run itl verify reset.tlv --trust ITLFile.tlv

step "Done. Files are in var/demo. Try next:"
cat <<'TXT'
  build/bin/trustline itl show var/demo/ITLFile.tlv           # the full 'show itl' view
  build/bin/trustline itl show var/demo/ITLFile.tlv --json    # for scripts
  build/bin/trustline enc show var/demo/SEP001122334455.cnf.xml.enc.sgn
  build/bin/trustline --help                                # every command
TXT
