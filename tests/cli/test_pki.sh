#!/bin/sh
# The certificate life cycle: cluster init, the rules of CERTIFICATES.md
# (each refused and accepted), the regeneration cascade, and the phone's
# verdict on each new ITL as PHONE-TRUST.md predicts it.
set -eu
T=${TRUSTLINE:?}
. "$(dirname "$0")/common.sh"
export TRUSTLINE_DATA_DIR="$PWD/dd"
snapshot() { find dd -type f ! -name 'trustline.db*' | sort | xargs sha256sum; }

expect 0 $T cluster --help
expect 0 $T cert --help
expect 2 $T cert list
grep -q "not a trustline data directory" err.txt || fail "no data dir message"

# cluster init: 3 nodes, every identity certificate, trust copies, ITL, CTL
expect 0 $T cluster init --name lab --domain lab.example --nodes cucm-pub,cucm-sub1,cucm-sub2 --mixed-mode
for p in CallManager CallManager-ECDSA tomcat tomcat-ECDSA TVS ipsec; do
	for n in cucm-pub cucm-sub1 cucm-sub2; do
		[ -f dd/certs/$p/$n.pem ] || fail "no $p certificate for $n"
		[ "$(stat -c %a dd/certs/$p/$n.key)" = 600 ] || fail "$p/$n.key is not 0600"
	done
done
[ -f dd/certs/CAPF/cucm-pub.pem ] && [ ! -f dd/certs/CAPF/cucm-sub1.pem ] || fail "CAPF on the publisher only"
[ -f dd/certs/ITLRecovery/cucm-pub.pem ] || fail "no ITLRecovery"
[ -f dd/trust/CAPF-trust/lab-manufacturing-CA.pem ] || fail "no lab manufacturing CA in CAPF-trust"
[ -f dd/trust/CallManager-trust/CAPF-cucm-pub.pem ] || fail "CAPF not copied to CallManager-trust"
expect 0 $T itl verify dd/tftpboot/ITLFile.tlv
expect 0 $T itl show dd/tftpboot/ITLFile.tlv --brief
[ "$(grep -c SAST out.txt)" -eq 2 ] || fail "ITL: 2 SAST records expected"
[ "$(grep -c 'TVS.*hash-only' out.txt)" -eq 3 ] || fail "ITL: 3 hash-only TVS records expected"
[ "$(grep -c 'CCM+TFTP' out.txt)" -eq 3 ] || fail "ITL: CCM+TFTP per TFTP node"
grep -q "CAPF" out.txt || fail "ITL: CAPF"
expect 0 $T ctl verify dd/tftpboot/CTLFile.tlv
expect 1 $T cluster init --name lab --nodes cucm-pub
grep -q -- "--force" err.txt || fail "re-init should mention --force"

# the openssl oracle reads every identity certificate; extensions match the table
for p in CallManager tomcat TVS CAPF ipsec ITLRecovery; do
	openssl x509 -in dd/certs/$p/cucm-pub.pem -noout -text > $p.txt || fail "openssl cannot read $p"
	openssl x509 -in dd/certs/$p/cucm-pub.pem -noout -checkend 0 > /dev/null || fail "$p expired"
	openssl verify -CAfile dd/certs/$p/cucm-pub.pem -partial_chain dd/certs/$p/cucm-pub.pem > /dev/null ||
		fail "$p: signature does not verify"
done
grep -q "TLS Web Server Authentication, TLS Web Client Authentication$" CallManager.txt || fail "CallManager EKU"
grep -q "Digital Signature, Key Encipherment, Data Encipherment, Key Agreement" CallManager.txt || fail "CallManager KU"
grep -q "IPSec End System" tomcat.txt || fail "tomcat EKU lacks ipsecEndSystem"
grep -q "IPSec End System" ipsec.txt || fail "ipsec EKU lacks ipsecEndSystem"
grep -q "Digital Signature, Key Encipherment, Data Encipherment$" TVS.txt || fail "TVS KU"
grep -q "Digital Signature, Certificate Sign" CAPF.txt || fail "CAPF KU"
grep -q "Extended Key Usage" ITLRecovery.txt && fail "ITLRecovery has no EKU"
grep -q "DNS:cucm-pub.lab.example" CallManager.txt || fail "CallManager SAN"
openssl x509 -in dd/certs/CallManager-ECDSA/cucm-pub.pem -noout -text | grep -q "Key Encipherment" &&
	fail "EC certificates drop keyEncipherment"

# rules, each refused (nothing changes) and accepted
before=$(snapshot)
expect 1 $T cert generate CallManager --key rsa:8192
grep -q "8192" err.txt || fail "8192 message"
expect 1 $T cert generate CallManager --key ec:256
expect 1 $T cert generate CallManager-ECDSA --key ec:521
expect 1 $T cert generate CallManager-ECDSA --key ec:384 --hash sha256
grep -q "weaker" err.txt || fail "weak hash message"
expect 1 $T cert generate tomcat --years 7
expect 1 $T cert generate tomcat --san '*.lab.example'
grep -q "wildcard" err.txt || fail "wildcard message"
expect 1 $T cert generate CAPF --node cucm-sub1
grep -q "publisher" err.txt || fail "CAPF publisher-only message"
expect 1 $T cert generate Nonsense
expect 1 $T cert generate tomcat --node nosuchnode
[ "$before" = "$(snapshot)" ] || fail "a refused command changed the data directory"

expect 0 $T cert generate CallManager-ECDSA --node cucm-sub1 --key ec:384 --hash sha384
openssl x509 -in dd/certs/CallManager-ECDSA/cucm-sub1.pem -noout -text | grep -q "ecdsa-with-SHA384" || fail "EC-384 hash"
expect 0 $T cert generate tomcat --node cucm-sub2 --years 10 --san voice.lab.example
openssl x509 -in dd/certs/tomcat/cucm-sub2.pem -noout -text | grep -q "DNS:voice.lab.example" || fail "--san"
expect 0 $T cert generate tomcat --key rsa:3072
openssl x509 -in dd/certs/tomcat/cucm-pub.pem -noout -text | grep -q "3072 bit" || fail "rsa:3072"
expect 0 $T cert generate tomcat
openssl x509 -in dd/certs/tomcat/cucm-pub.pem -noout -text | grep -q "3072 bit" || fail "key size not kept"
[ "$(ls dd/trust/tomcat-trust | grep -c cucm-pub.lab.example.pem)" -eq 1 ] || fail "tomcat-trust holds one copy"

# the cascade and the phone's verdicts (PHONE-TRUST.md)
cp dd/tftpboot/ITLFile.tlv installed.tlv
expect 0 $T cert generate CallManager
grep -q "ITL rebuilt" out.txt || fail "no ITL rebuild after CallManager"
grep -q "CTL update required" out.txt || fail "mixed mode: CTL update not flagged"
expect 1 $T itl verify dd/tftpboot/ITLFile.tlv --trust installed.tlv
expect 1 $T cert generate TVS
grep -q "5 minutes" err.txt || fail "interlock message"
expect 0 $T itl reset --recovery
expect 0 $T itl verify dd/tftpboot/ITLFile.tlv --trust installed.tlv
grep -q "ITLRECOVERY" out.txt || fail "reset not signed by ITLRecovery"
cp dd/tftpboot/ITLFile.tlv reset.tlv
expect 0 $T itl rebuild
expect 0 $T itl verify dd/tftpboot/ITLFile.tlv --trust reset.tlv
expect 0 $T ctl rebuild
expect 0 $T cert generate TVS --force
expect 0 $T cert generate CAPF
grep -q "LSCs issued by the old CAPF key" out.txt || fail "CAPF consequence"

# list, show, export
expect 0 $T cert list --purpose CallManager
[ "$(grep -c '^identity' out.txt)" -eq 3 ] || fail "list --purpose"
expect 0 $T cert list --usage trust --store CAPF-trust --json
json out.txt 'len(d)' | grep -qx 2 || fail "CAPF-trust holds CAPF and the lab CA"
expect 0 $T cert list --expiring-within 30
[ "$(grep -c -v '^USAGE' out.txt)" -eq 0 ] || fail "nothing expires within 30 days"
expect 0 $T cert show CallManager/cucm-sub1 --json
json out.txt 'd["subject"]' | grep -q "CN=cucm-sub1.lab.example" || fail "show"
expect 0 $T cert export TVS/cucm-pub -o tvs.pem
openssl x509 -in tvs.pem -noout -subject | grep -q TVS || fail "export PEM"
expect 0 $T cert export TVS/cucm-pub --der -o tvs.der
openssl x509 -inform DER -in tvs.der -noout || fail "export DER"
expect 2 $T cert show CallManager/nosuchnode
echo "all passed"
