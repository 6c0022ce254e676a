#!/bin/sh
# End to end, trust lists written by other implementations
# (tests/vectors/foreign.py, signed by openssl): served by tftpd as a
# phone's per-phone ITLSEP<MAC>.tlv (and CTLSEP<MAC>.tlv), phone-sim
# installs each on first use and verifies the configuration by it. And an
# ITL it cannot read is REJECTED with the reason, the configuration then
# not taken unverified.
set -eu
. "$(dirname "$0")/lib/cluster.sh"
V=${VECTORS:?}
export TRUSTLINE_DATA_DIR="$PWD/dd"

init dd lab cucm-pub
n=0
for f in ITLSEP001122334455.tlv foreign-tlvfile-itl.tlv foreign-tlvfile-itl-1.1.tlv \
	 foreign-reordered-itl.tlv foreign-hashonly-itl.tlv foreign-tlvfile-ctl.tlv; do
	n=$((n + 1))
	mac=0011223344$(printf %02X $((0x55 + n - 1)))
	case $f in
	*ctl*) cp "$V/$f" dd/tftpboot/CTLSEP$mac.tlv
	       cp "$V/foreign-tlvfile-itl.tlv" dd/tftpboot/ITLSEP$mac.tlv ;;
	*) cp "$V/$f" dd/tftpboot/ITLSEP$mac.tlv ;;
	esac
	sed "s/001122334455/$mac/g" "$V/SEP001122334455.cnf.xml" > SEP$mac.cnf.xml
	expect 0 $T sgn sign SEP$mac.cnf.xml --signer "$V/signer.pem" \
		-o dd/tftpboot/SEP$mac.cnf.xml.sgn
done
# the last phone is offered an ITL cut short
head -c 2000 "$V/foreign-tlvfile-itl.tlv" > dd/tftpboot/ITLSEP0011223344AA.tlv
sed "s/001122334455/0011223344AA/g" "$V/SEP001122334455.cnf.xml" > SEP0011223344AA.cnf.xml
expect 0 $T sgn sign SEP0011223344AA.cnf.xml --signer "$V/signer.pem" \
	-o dd/tftpboot/SEP0011223344AA.cnf.xml.sgn
serve dd tftpd

n=0
for f in ITLSEP001122334455.tlv foreign-tlvfile-itl.tlv foreign-tlvfile-itl-1.1.tlv \
	 foreign-reordered-itl.tlv foreign-hashonly-itl.tlv foreign-tlvfile-ctl.tlv; do
	n=$((n + 1))
	mac=0011223344$(printf %02X $((0x55 + n - 1)))
	boot 0 phone-$n $mac
	has "^ITL   ITLFile.tlv  signer C=PL;ST=Malopolska;L=Krakow;O=Lab;OU=TAC;CN=cucm-pub serial 9a:3c:5e:7f:11:22:33:44, nothing installed: trust on first use -> ACCEPTED"
	case $f in
	*ctl*) has "^CTL   CTLFile.tlv  signer C=PL;.*CN=cucm-pub .*trust on first use -> ACCEPTED"
	       has "^CONF  SEP$mac.cnf.xml.sgn  signer .*CN=cucm-pub.* = CCM+TFTP record #2 of the CTL -> ACCEPTED" ;;
	*) has "^CONF  SEP$mac.cnf.xml.sgn  signer .*CN=cucm-pub.* = CCM+TFTP record #2 of the ITL -> ACCEPTED" ;;
	esac
	grep -q "accepted unverified" out.txt && fail "$f: $(cat out.txt)"
	cmp phone-$n/ITLFile.tlv dd/tftpboot/ITLSEP$mac.tlv || fail "$f: not installed"
	boot 0 phone-$n $mac	# next boot: the same list
	has "^ITL   ITLFile.tlv  identical to the installed ITL -> ACCEPTED"
	echo "$f: ok"
done

boot 1 phone-bad 0011223344AA
has "^ITL   ITLFile.tlv  unreadable: ITLFile.tlv: byte .* -> REJECTED"
has "^CONF  SEP0011223344AA.cnf.xml.sgn  signer .*: no ITL installed: the ITLFile.tlv offered was refused (unreadable: .*); judged as a phone with no ITL and no CTL, which has nothing to verify with: not accepted unverified -> REJECTED"
grep -q "ACCEPTED" out.txt && grep "^CONF.*ACCEPTED" out.txt && fail "accepted"
[ ! -e phone-bad/ITLFile.tlv ] || fail "an unreadable ITL was installed"
echo "unreadable ITL, no fallback: ok"
