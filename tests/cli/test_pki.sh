#!/bin/sh
# The certificate life cycle: cluster init, the rules of docs/certificates.md
# (each refused and accepted), the regeneration cascade, and the phone's
# verdict on each new ITL as docs/phone-trust.md predicts it.
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
grep -q "Digital Signature, Certificate Sign, CRL Sign" CAPF.txt || fail "CAPF KU"
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

# the cascade and the phone's verdicts (docs/phone-trust.md)
cp dd/tftpboot/ITLFile.tlv installed.tlv
cp dd/tftpboot/CTLFile.tlv installed-ctl.tlv
expect 0 $T cert generate CallManager
grep -q "ITL rebuilt" out.txt || fail "no ITL rebuild after CallManager"
# mixed mode: the cascade updates the CTL with a key the phones' CTL holds
grep -q "ran \`trustline ctl update\`" out.txt || fail "mixed mode: CTL not updated: $(cat out.txt)"
expect 0 $T ctl verify dd/tftpboot/CTLFile.tlv --trust installed-ctl.tlv
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
# the signer stays the same: phones holding the previous ITL accept these
for p in "TVS --force" CAPF ITLRecovery; do
	cp dd/tftpboot/ITLFile.tlv installed.tlv
	expect 0 $T cert generate $p
	expect 0 $T itl verify dd/tftpboot/ITLFile.tlv --trust installed.tlv
done
expect 0 $T cert generate CAPF
grep -q "LSCs the earlier one issued still authenticate" out.txt || fail "CAPF consequence"

# the audit log: who, what, old and new fingerprints
expect 0 $T cert audit --json
json out.txt '[r["action"] for r in d if r["object"]=="CallManager/cucm-pub"][-1]' | grep -qx regenerate || fail "audit action"
json out.txt '[r for r in d if r["action"]=="regenerate"][0]["old_sha256"] is not None' | grep -qx True || fail "audit old fingerprint"

# list, show, export
expect 0 $T cert list --purpose CallManager
[ "$(grep -c '^identity' out.txt)" -eq 3 ] || fail "list --purpose"
expect 0 $T cert list --usage trust --store CAPF-trust --json
json out.txt 'len(d)' | grep -qx 4 || fail "CAPF-trust holds CAPF, the two earlier CAPF certificates (regenerated above) and the lab CA"
expect 0 $T cert list --expiring-within 30
[ "$(grep -c -v '^USAGE' out.txt)" -eq 0 ] || fail "nothing expires within 30 days"
expect 0 $T cert show CallManager/cucm-sub1 --json
json out.txt 'd["subject"]' | grep -q "CN=cucm-sub1.lab.example" || fail "show"
expect 0 $T cert export TVS/cucm-pub -o tvs.pem
openssl x509 -in tvs.pem -noout -subject | grep -q TVS || fail "export PEM"
expect 0 $T cert export TVS/cucm-pub --der -o tvs.der
openssl x509 -inform DER -in tvs.der -noout || fail "export DER"
expect 2 $T cert show CallManager/nosuchnode
# CSR and import of a CA-signed certificate
openssl req -x509 -newkey rsa:2048 -nodes -keyout ca.key -out ca.crt -subj "/CN=Lab Root CA" \
	-days 3650 2>/dev/null
expect 1 $T cert import tomcat ca.crt --node cucm-sub1
grep -q "no pending CSR" err.txt || fail "import without CSR"
expect 0 $T cert csr tomcat --node cucm-sub1 --san voice.lab.example -o tomcat.csr
openssl req -in tomcat.csr -noout -verify 2> /dev/null || fail "openssl does not verify the CSR"
openssl req -in tomcat.csr -noout -text > csr.txt
grep -q "IPSec End System" csr.txt || fail "CSR lacks the purpose's EKU"
grep -q "Data Encipherment" csr.txt || fail "CSR lacks dataEncipherment"
grep -q "DNS:voice.lab.example" csr.txt || fail "CSR lacks --san"
grep -q "OU *=" csr.txt && fail "OU without --include-ou"
[ "$(stat -c %a dd/csr/tomcat/cucm-sub1.key)" = 600 ] || fail "pending key is not 0600"
cat > ext.cnf <<'X'
[good]
keyUsage = critical, digitalSignature, keyEncipherment, dataEncipherment, keyAgreement
extendedKeyUsage = serverAuth, clientAuth, 1.3.6.1.5.5.7.3.5
subjectAltName = DNS:cucm-sub1.lab.example
[lost]
keyUsage = critical, digitalSignature, keyEncipherment, keyAgreement
extendedKeyUsage = serverAuth, clientAuth, 1.3.6.1.5.5.7.3.5
X
sign() { openssl x509 -req -in "$1" -CA ca.crt -CAkey ca.key -CAcreateserial -days 365 \
	-extfile ext.cnf -extensions "$2" -out "$3" 2>/dev/null; }
sign tomcat.csr lost lost.crt
sign tomcat.csr good good.crt
openssl req -new -newkey rsa:2048 -nodes -keyout other.key -subj "/CN=other" -out other.csr 2>/dev/null
sign other.csr good other.crt
before=$(snapshot)
expect 1 $T cert import tomcat lost.crt --node cucm-sub1 --chain ca.crt
grep -q "lacks dataEncipherment" err.txt || fail "lost bit not named: $(cat err.txt)"
expect 1 $T cert import tomcat other.crt --node cucm-sub1 --chain ca.crt
grep -q "pending CSR" err.txt || fail "key mismatch: $(cat err.txt)"
expect 1 $T cert import tomcat good.crt --node cucm-sub1
grep -q "chain incomplete" err.txt || fail "unknown CA: $(cat err.txt)"
[ "$before" = "$(snapshot)" ] || fail "a refused import changed the data directory"
expect 0 $T cert import tomcat good.crt --node cucm-sub1 --chain ca.crt
[ ! -e dd/csr/tomcat/cucm-sub1.key ] || fail "the pending CSR stays after import"
cmp -s good.crt dd/certs/tomcat/cucm-sub1.pem || openssl x509 -in dd/certs/tomcat/cucm-sub1.pem -noout -issuer | grep -q "Lab Root CA" || fail "not installed"
[ -f "dd/trust/tomcat-trust/Lab_Root_CA.pem" ] || fail "CA not in tomcat-trust"

# regenerating over the CA-signed certificate: refused, the CA named
before=$(snapshot)
expect 1 $T cert generate tomcat --node cucm-sub1
grep -q "signed by the CA.*Lab Root CA" err.txt || fail "CA-signed regeneration: $(cat err.txt)"
[ "$before" = "$(snapshot)" ] || fail "a refused regeneration changed the data directory"

# csr --key and --hash; csr list, show, delete
expect 0 $T cert csr CallManager-ECDSA --node cucm-sub1 --key ec:384 -o ec.csr
openssl req -in ec.csr -noout -text | grep -q "ecdsa-with-SHA384" || fail "ec:384 CSR not SHA-384"
openssl req -in ec.csr -noout -text | grep -q "384 bit" || fail "--key ec:384"
expect 0 $T cert csr CallManager --key rsa:3072 --hash sha512 -o cm.csr
openssl req -in cm.csr -noout -text | grep -q "sha512WithRSAEncryption" || fail "--hash sha512"
openssl req -in cm.csr -noout -text | grep -q "3072 bit" || fail "--key rsa:3072"
expect 1 $T cert csr tomcat --key ec:256
grep -q "RSA keys" err.txt || fail "an EC key for tomcat"
expect 0 $T cert csr list
grep -q "^CallManager-ECDSA *cucm-sub1 *EC-384" out.txt || fail "csr list: $(cat out.txt)"
grep -q "^CallManager *cucm-pub *RSA-3072" out.txt || fail "csr list: $(cat out.txt)"
expect 0 $T cert csr list --json
[ "$(json out.txt 'len(d)')" = 2 ] || fail "csr list --json: $(cat out.txt)"
expect 0 $T cert csr show CallManager-ECDSA --node cucm-sub1 --json
json out.txt 'd["pem"]' | openssl req -noout 2>/dev/null || fail "csr show --json pem"
[ "$(json out.txt 'd["san"][0]')" = cucm-sub1.lab.example ] || fail "csr show san"
expect 0 $T cert csr delete CallManager
[ ! -e dd/csr/CallManager/cucm-pub.key ] || fail "csr delete left the key"
expect 1 $T cert csr show CallManager
grep -q "no pending CSR" err.txt || fail "csr show after delete"
expect 1 $T cert csr delete CallManager
$T cert audit | grep -q "csr delete" || fail "csr delete not in the audit log"

# a chain as a PEM bundle, a PKCS#7 chain, and the leaf and its chain in one
# PKCS#7 reply as CERT
openssl req -x509 -newkey rsa:2048 -nodes -keyout root2.key -out root2.crt -days 365 \
	-subj "/O=Lab/CN=Lab Root 2" -addext basicConstraints=critical,CA:true 2>/dev/null
openssl req -new -newkey rsa:2048 -nodes -keyout int2.key -out int2.csr -subj "/O=Lab/CN=Lab Issuing 2" 2>/dev/null
printf 'basicConstraints=critical,CA:true\nkeyUsage=critical,keyCertSign,cRLSign\n' > int.cnf
openssl x509 -req -in int2.csr -CA root2.crt -CAkey root2.key -CAcreateserial -days 365 \
	-extfile int.cnf -out int2.crt 2>/dev/null
issue2() { openssl x509 -req -in "$1" -CA int2.crt -CAkey int2.key -CAcreateserial -days 365 \
	-extfile ext.cnf -extensions good -out "$2" 2>/dev/null; }
cat int2.crt root2.crt > bundle.pem
for form in bundle p7b p7b-der reply; do
	expect 0 $T cert csr tomcat --node cucm-sub1 -o t2.csr
	issue2 t2.csr t2.crt
	case $form in
	bundle) expect 0 $T cert import tomcat t2.crt --node cucm-sub1 --chain bundle.pem ;;
	p7b) openssl crl2pkcs7 -nocrl -certfile bundle.pem -out chain.p7b
	     expect 0 $T cert import tomcat t2.crt --node cucm-sub1 --chain chain.p7b ;;
	p7b-der) openssl crl2pkcs7 -nocrl -certfile bundle.pem -outform DER -out chain.p7b
	     expect 0 $T cert import tomcat t2.crt --node cucm-sub1 --chain chain.p7b ;;
	reply) cat int2.crt t2.crt root2.crt > all.pem
	     openssl crl2pkcs7 -nocrl -certfile all.pem -out reply.p7b
	     expect 0 $T cert import tomcat reply.p7b --node cucm-sub1 ;;
	esac
	cmp -s t2.crt dd/certs/tomcat/cucm-sub1.pem ||
		[ "$(openssl x509 -in dd/certs/tomcat/cucm-sub1.pem -noout -fingerprint)" = \
		  "$(openssl x509 -in t2.crt -noout -fingerprint)" ] || fail "$form: not installed"
	ls dd/trust/tomcat-trust | grep -q "Lab_Issuing_2" || fail "$form: intermediate not in tomcat-trust"
done

# the linter: clean, then each field problem named
expect 0 $T cert check dd/certs/CallManager/cucm-pub.pem --purpose CallManager \
	--host cucm-pub.lab.example --key dd/certs/CallManager/cucm-pub.key
expect 0 $T cert check dd/certs/tomcat/cucm-sub1.pem --purpose tomcat
expect 1 $T cert check dd/certs/CallManager/cucm-pub.pem --purpose tomcat --host other.example \
	--key dd/certs/TVS/cucm-pub.key --json
for code in missing-eku host key-mismatch; do grep -q "\"$code\"" out.txt || fail "check: $code"; done
openssl req -x509 -newkey rsa:2048 -nodes -keyout w.key -out w.crt -subj "/CN=*.lab.example" \
	-days 1 -sha1 2>/dev/null
printf '%s' "$(cat w.key)" > w-nonl.key
expect 1 $T cert check w.crt --key w-nonl.key
for code in wildcard weak-signature key-newline; do grep -q "$code" out.txt || fail "check: $code"; done
openssl x509 -req -in other.csr -CA w.crt -CAkey w.key -set_serial 7 -days 1 -out chained.crt 2>/dev/null
expect 1 $T cert check chained.crt
grep -q "chain-incomplete" out.txt || fail "check: chain"
expect 0 $T cert check chained.crt --chain w.crt
grep -q "wildcard" out.txt && fail "issuer's problems are not the leaf's"

# the expiry monitor: nothing now; everything within 20 years
expect 0 $T cert monitor
grep -q "no certificate expires" out.txt || fail "monitor clean"
expect 3 $T cert monitor --notify-days 4000 --json
json out.txt 'd[0]["alarm"]' | grep -qx CertValidityOver30Days || fail "monitor alarm"
cp w.crt dd/trust/phone-trust/w.pem 2>/dev/null || { mkdir -p dd/trust/phone-trust; cp w.crt dd/trust/phone-trust/w.pem; }
expect 4 $T cert monitor
grep -Eq "alarm=CertValid(LessThanADay|for7days) severity=critical" out.txt || fail "monitor critical: $(cat out.txt)"
expect 2 $T cert monitor --bogus
expect 2 $T cert monitor --data-dir "$PWD/none"
# multi-server certificates: one per cluster, CN <host>-ms.<domain>, every
# node in the subjectAltName
expect 0 $T cluster init --name ms --domain ms.example --nodes pub,sub1 --multi-server --data-dir ./ms
for pair in CallManager:pub-ms.ms.example CallManager-ECDSA:pub-EC-ms.ms.example \
	    tomcat:pub-ms.ms.example; do
	p=${pair%%:*} cn=${pair#*:}
	openssl x509 -in ms/certs/$p/pub.pem -noout -subject | grep -q "CN *= *$cn\$" ||
		fail "multi-server $p: $(openssl x509 -in ms/certs/$p/pub.pem -noout -subject)"
	openssl x509 -in ms/certs/$p/pub.pem -noout -ext subjectAltName | grep -q "sub1.ms.example" ||
		fail "multi-server $p: sub1 not in the SAN"
	cmp -s ms/certs/$p/pub.pem ms/certs/$p/sub1.pem || fail "multi-server $p: one certificate"
done
expect 0 $T itl verify ms/tftpboot/ITLFile.tlv
# cluster add-node: the node's certificates, the lists rebuilt, trustline.conf
expect 0 $T cluster init --name an --domain an.example --nodes pub --mixed-mode --data-dir ./an
expect 0 $T cluster add-node sub2 --tftp --data-dir ./an
grep -q "^nodes = pub,sub2$" an/trustline.conf || fail "add-node: nodes"
grep -q "^tftp_nodes = pub,sub2$" an/trustline.conf || fail "add-node: tftp_nodes"
for p in CallManager CallManager-ECDSA tomcat tomcat-ECDSA TVS ipsec; do
	[ -f an/certs/$p/sub2.pem ] || fail "add-node: no $p of sub2"
done
[ ! -e an/certs/CAPF/sub2.pem ] || fail "add-node: CAPF is the publisher's"
expect 0 $T itl show an/tftpboot/ITLFile.tlv --brief
grep -q "CCM+TFTP.*CN=sub2.an.example" out.txt || fail "add-node: sub2 not in the ITL"
grep -q "TVS.*CN=sub2.an.example-TVS" out.txt || fail "add-node: sub2's TVS not in the ITL"
expect 0 $T ctl verify an/tftpboot/CTLFile.tlv
expect 0 $T cert check --data-dir ./an
expect 1 $T cluster add-node sub2 --data-dir ./an
grep -q "already in the cluster" err.txt || fail "add-node twice"
expect 1 $T cluster add-node "sub_3" --data-dir ./an
expect 1 $T cluster add-node sub3 --data-dir ./ms
grep -q "multi-server" err.txt || fail "add-node on a multi-server cluster"
echo "all passed"
