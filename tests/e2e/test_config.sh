#!/bin/sh
# End to end, docs/phone-trust.md's scenarios about the configuration file: one
# byte flipped in a real signed file, a file signed by a certificate
# neither the ITL nor TVS knows, an encrypted configuration for the right
# phone and for another one. The real tftpd and tvsd.
set -eu
. "$(dirname "$0")/lib/cluster.sh"
export TRUSTLINE_DATA_DIR="$PWD/dd"

init dd lab cucm-pub
MFG=dd/certs/lab-manufacturing-CA
E=0011223344EE TM=0011223344AA RM=0011223344BB
expect 0 "$PS" mic --state phone-e --mac $E --mfg-ca $MFG
has "MIC .*CN=CP-8865-SEP$E"
openssl x509 -in phone-e/mic.pem -noout -subject | grep -q "CN *= *CP-8865-SEP$E" || fail "MIC subject"
[ "$(stat -c %a phone-e/mic.key)" = 600 ] || fail "MIC key mode"
expect 2 "$PS" mic --state phone-e --mac $E --mfg-ca $MFG	# a MIC is never replaced
expect 0 $T device add SEP$E --model CP-8865 --profile encrypted --mic phone-e/mic.pem
for d in $TM $RM; do expect 0 $T device add SEP$d --model CP-8865; done
serve dd tftpd tvsd

# ---- tampered configuration: one byte flipped in a real signed file ----
# tftpd serves a device's generated file over any static one, so the device
# is removed and a copy of its last signed file, one byte flipped, is left
# in tftpboot/ as a static file: what the phone gets is tftpd's, unchanged.
boot 0 phone-t $TM
boot 0 phone-r $RM
cp phone-t/config.xml kept.xml
"$B/tools/tftpget" 127.0.0.1 "$TFTP" SEP$TM.cnf.xml.sgn good.sgn > /dev/null
size=$(stat -c %s good.sgn)
# a byte in the header (the signer's serial), in the signature, in the body
for at in 60 200 $((size - 20)); do
	cp good.sgn dd/tftpboot/SEP$TM.cnf.xml.sgn
	printf '\377' | dd of=dd/tftpboot/SEP$TM.cnf.xml.sgn bs=1 seek=$at conv=notrunc 2>/dev/null
	cmp -s good.sgn dd/tftpboot/SEP$TM.cnf.xml.sgn && fail "byte $at not flipped"
	if [ $at = 60 ]; then
		expect 0 $T device remove SEP$TM
		settled dd
	else
		mark dd; kill -HUP $TFTPD_PID; hupped dd
	fi
	boot 1 phone-t $TM
	has "^CONF  SEP$TM.cnf.xml.sgn  .*-> REJECTED"
	refused "CONF  SEP$TM.cnf.xml.sgn"
	cmp phone-t/config.xml kept.xml || fail "byte $at: the last configuration was not kept"
done
has "^CONF  SEP$TM.cnf.xml.sgn  .*is in the ITL but the signature is wrong (tampered?).*-> REJECTED"
echo "tampered configuration: ok"

# ---- a config signed by a certificate the ITL does not hold, TVS does not know ----
openssl req -x509 -newkey rsa:2048 -nodes -keyout rogue.key -out rogue.pem \
	-subj "/O=lab/CN=rogue-tftp" -days 30 2>/dev/null
printf '<device><fullConfig>true</fullConfig></device>\n' > rogue.xml
expect 0 $T sgn sign rogue.xml --signer rogue.pem --signer-key rogue.key \
	--filename SEP$RM.cnf.xml.sgn -o dd/tftpboot/SEP$RM.cnf.xml.sgn
cp phone-r/config.xml kept.xml
expect 0 $T device remove SEP$RM
settled dd tvs
boot 1 phone-r $RM
has "^CONF  SEP$RM.cnf.xml.sgn  signer .*CN=rogue-tftp.* not in CTL/ITL -> TVS 127.0.0.1:$TVS -> unknown -> REJECTED"
cmp phone-r/config.xml kept.xml || fail "the last configuration was not kept"
echo "unknown signer: ok"

# ---- encrypted configuration: the right phone and another one ----
boot 0 phone-e $E
has "^CONF  SEP$E.cnf.xml.sgn .*-> ACCEPTED"
has "^CONF  SEP$E.cnf.xml.enc.sgn .* of the ITL -> ACCEPTED"
has "^ENC   SEP$E.cnf.xml.enc.sgn  certHash [0-9a-f]* = MD5 of the MIC .*decrypted with the MIC key"
grep -q "<deviceSecurityMode>3</deviceSecurityMode>" phone-e/config.xml || fail "decrypted config"
# another phone, with a MIC of its own, booting with E's name (and over HTTP)
expect 0 "$PS" mic --state phone-x --mac $E --mfg-ca $MFG
expect 1 "$PS" boot --state phone-x --mac $E --tftp 127.0.0.1 --http=$HTTP --tvs 127.0.0.1:$TVS
has "^ENC   SEP$E.cnf.xml.enc.sgn  certHash [0-9a-f]* is not the MD5 of this phone's MIC .*encrypted for another phone -> REJECTED"
[ ! -f phone-x/config.xml ] || fail "phone-x kept a configuration"
echo "encrypted configuration: ok"
echo "all passed"
