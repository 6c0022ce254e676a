#!/bin/sh
# Trust stores: `cert trust add` (PEM, DER, bundle, PKCS#7) and `cert trust
# delete` under docs/certificates.md's rules, each accepted and refused, a
# refusal leaving the data directory as it was; export-bulk and import-bulk
# between two clusters.
set -eu
T=${TRUSTLINE:?}
. "$(dirname "$0")/common.sh"
export TRUSTLINE_DATA_DIR="$PWD/dd"
snapshot() { find dd -type f ! -name 'trustline.db*' | sort | xargs sha256sum; }
db() {	# db SQL: one value from dd/trustline.db
	python3 -c 'import sqlite3,sys; print(sqlite3.connect(sys.argv[1]).execute(sys.argv[2]).fetchone()[0])' \
		dd/trustline.db "$1"
}
gen() { db "SELECT COALESCE((SELECT value FROM state WHERE key = 'generation'), 0)"; }
audits() { db "SELECT COUNT(*) FROM audit"; }
refused() {	# refused CODE MESSAGE CMD...: exit CODE, MESSAGE (if any) on stderr, nothing changed
	code=$1 msg=$2; shift 2
	before=$(snapshot) g=$(gen) a=$(audits)
	expect "$code" "$@"
	[ -z "$msg" ] || grep -q -- "$msg" err.txt || fail "$*: no \"$msg\" in: $(cat err.txt)"
	[ "$before" = "$(snapshot)" ] || fail "$*: the data directory changed"
	[ "$g" = "$(gen)" ] && [ "$a" = "$(audits)" ] || fail "$*: the database changed"
}
day() { date -u -d "$1 days" +%Y%m%d%H%M%SZ; }

# A small CA with `openssl ca`, which can set notBefore (openssl 3.0's req
# and x509 cannot).
openssl req -x509 -newkey rsa:2048 -nodes -keyout root.key -out root.pem \
	-subj "/O=Lab/CN=Lab Root CA" -days 3650 2>/dev/null
mkdir -p ca/new && : > ca/index.txt && echo 1000 > ca/serial
cat > ca.cnf <<EOF
[ca]
default_ca = lab
[lab]
dir = ./ca
database = \$dir/index.txt
new_certs_dir = \$dir/new
serial = \$dir/serial
certificate = root.pem
private_key = root.key
default_md = sha256
default_days = 365
policy = any
unique_subject = no
copy_extensions = copy
x509_extensions = leaf
[any]
commonName = supplied
organizationName = optional
organizationalUnitName = optional
[leaf]
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
[noaki]
subjectKeyIdentifier = none
authorityKeyIdentifier = none
EOF
sign() {	# sign NAME SUBJECT START END [req options...]: NAME.pem from the lab CA
	name=$1 subj=$2 start=$3 end=$4; shift 4
	openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$name.key" -out "$name.csr" \
		-subj "$subj" "$@" 2>/dev/null
	openssl ca -batch -config ca.cnf -in "$name.csr" -out "$name.pem" -notext \
		-startdate "$start" -enddate "$end" 2>/dev/null
}
now=$(day -1) later=$(day 365)

expect 0 $T cluster init --name lab --domain lab.example --nodes cucm-pub,cucm-sub1 --data-dir ./dd
expect 0 $T cert trust --help
grep -q "trust add STORE FILE" out.txt || fail "usage lacks trust add"
expect 2 $T cert trust
expect 2 $T cert trust frob
expect 2 $T cert trust add CallManager-trust
refused 2 "unknown trust store" $T cert trust add Nonsense-trust root.pem
grep -q "one of CallManager-trust, tomcat-trust, CAPF-trust" err.txt || fail "the valid stores not listed: $(cat err.txt)"
expect 2 $T cert list --purpose Nonsense
grep -q "unknown purpose \"Nonsense\": one of CallManager, CallManager-ECDSA" err.txt || fail "the valid purposes not listed: $(cat err.txt)"

# formats: PEM, DER, a PEM bundle, PKCS#7 in DER and PEM
g=$(gen)
expect 0 $T cert trust add CallManager-trust root.pem
grep -q "^added CallManager-trust/Lab_Root_CA: O=Lab,CN=Lab Root CA" out.txt || fail "PEM: $(cat out.txt)"
[ -f dd/trust/CallManager-trust/Lab_Root_CA.pem ] || fail "PEM: no file"
cmp -s dd/trust/CallManager-trust/Lab_Root_CA.pem root.pem || fail "PEM: stored bytes differ"
[ "$(gen)" -eq $((g + 1)) ] || fail "PEM: generation not bumped once"
[ "$(db "SELECT action || ' ' || object FROM audit ORDER BY id DESC LIMIT 1")" = \
  "trust add CallManager-trust/Lab_Root_CA" ] || fail "PEM: no audit row"
openssl x509 -in root.pem -outform DER -out root.der
expect 0 $T cert trust add tomcat-trust root.der
grep -q "^added tomcat-trust/Lab_Root_CA" out.txt || fail "DER: $(cat out.txt)"
sign voice "/O=Lab/CN=voice.lab.example" "$now" "$later" -addext subjectAltName=DNS:voice.lab.example
sign vpn "/O=Lab/CN=vpn.lab.example" "$now" "$later"
sign phone1 "/O=Lab/CN=phone1" "$now" "$later"
cat root.pem voice.pem vpn.pem > bundle.pem
g=$(gen) a=$(audits)
expect 0 $T cert trust add Phone-VPN-trust bundle.pem
[ "$(grep -c '^added Phone-VPN-trust/' out.txt)" -eq 3 ] || fail "bundle: $(cat out.txt)"
[ "$(gen)" -eq $((g + 1)) ] || fail "bundle: one bump for the whole bundle"
[ "$(audits)" -eq $((a + 3)) ] || fail "bundle: one audit row per certificate"
openssl crl2pkcs7 -nocrl -certfile bundle.pem -outform DER -out bundle.p7b
openssl crl2pkcs7 -nocrl -certfile bundle.pem -out bundle.p7.pem
head -1 bundle.p7.pem | grep -q "BEGIN PKCS7" || fail "openssl wrote no PEM PKCS7"
expect 0 $T cert trust add phone-trust bundle.p7b
[ "$(grep -c '^added phone-trust/' out.txt)" -eq 3 ] || fail "PKCS#7 DER: $(cat out.txt)"
expect 0 $T cert trust add ipsec-trust bundle.p7.pem
[ "$(grep -c '^added ipsec-trust/' out.txt)" -eq 3 ] || fail "PKCS#7 PEM: $(cat out.txt)"
# the same certificates again: said so, nothing changed, exit 0
refused 0 "" $T cert trust add ipsec-trust bundle.pem
[ "$(grep -c '^already present ipsec-trust/' out.txt)" -eq 3 ] || fail "again: $(cat out.txt)"

# bad input: exit 2, nothing changed
openssl crl2pkcs7 -nocrl -outform DER -out empty.p7b
openssl crl2pkcs7 -nocrl -out empty.p7.pem
refused 2 "PKCS#7 chain holds no certificates" $T cert trust add CAPF-trust empty.p7b
refused 2 "PKCS#7 chain holds no certificates" $T cert trust add CAPF-trust empty.p7.pem
: > empty.pem
refused 2 "empty.pem: empty file" $T cert trust add CAPF-trust empty.pem
refused 2 "cannot open" $T cert trust add CAPF-trust missing.pem
refused 2 "no certificate in it (PEM \"PRIVATE KEY\" only)" $T cert trust add CAPF-trust root.key
echo "not a certificate at all" > notes.txt
refused 2 "not a certificate" $T cert trust add CAPF-trust notes.txt
head -c 600 bundle.p7b > cut.p7b
refused 2 "truncated or malformed PKCS#7" $T cert trust add CAPF-trust cut.p7b
head -c 1500 bundle.pem > cut.pem
refused 2 "PEM block 2 (byte [0-9]*) is truncated" $T cert trust add CAPF-trust cut.pem
# a key beside the certificate is skipped: trust stores hold certificates
cat phone1.pem root.key > mixed.pem
expect 0 $T cert trust add CAPF-trust mixed.pem
grep -q "^added CAPF-trust/phone1" out.txt || fail "a key beside the certificate: $(cat out.txt)"

# one certificate per subject: a later notBefore replaces, an earlier one is refused
sign same-v1 "/O=Lab/CN=same.lab.example" "$(day -5)" "$later"
sign same-v0 "/O=Lab/CN=same.lab.example" "$(day -10)" "$later"
sign same-v2 "/O=Lab/CN=same.lab.example" "$(day -2)" "$later"
expect 0 $T cert trust add CallManager-trust same-v1.pem
refused 1 "does not start later" $T cert trust add CallManager-trust same-v0.pem
grep -q "trust delete CallManager-trust same.lab.example" err.txt || fail "no way out named"
expect 0 $T cert trust add CallManager-trust same-v2.pem
grep -q "^replaced CallManager-trust/same.lab.example" out.txt || fail "newer: $(cat out.txt)"
cmp -s dd/trust/CallManager-trust/same.lab.example.pem same-v2.pem || fail "newer not stored"
[ "$(ls dd/trust/CallManager-trust | grep -c '^same')" -eq 1 ] || fail "two files for one subject"
[ -n "$(db "SELECT old_sha256 FROM audit WHERE object = 'CallManager-trust/same.lab.example' ORDER BY id DESC LIMIT 1")" ] ||
	fail "replacement audit row lacks the old fingerprint"
refused 1 "does not start later" $T cert trust add CallManager-trust same-v1.pem
# all or nothing: the good certificate before the refused one is not written
cat phone1.pem same-v0.pem > with-older.pem
refused 1 "does not start later" $T cert trust add CallManager-trust with-older.pem
[ ! -e dd/trust/CallManager-trust/phone1.pem ] || fail "half a bundle was written"
cat same-v1.pem same-v2.pem > two-same.pem
refused 1 "two certificates with the subject" $T cert trust add phone-trust two-same.pem

# wildcards in CN and SAN refused; plain names accepted (voice above has a SAN)
sign wild-cn "/O=Lab/CN=*.lab.example" "$now" "$later"
sign wild-san "/O=Lab/CN=web.lab.example" "$now" "$later" -addext "subjectAltName=DNS:web.lab.example,DNS:*.lab.example"
refused 1 "wildcard name \"\*.lab.example\" refused" $T cert trust add tomcat-trust wild-cn.pem
refused 1 "wildcard" $T cert trust add tomcat-trust wild-san.pem
cat voice.pem wild-san.pem > wild-bundle.pem
refused 1 "certificate 2 of 2" $T cert trust add tomcat-trust wild-bundle.pem
expect 0 $T cert trust add tomcat-trust voice.pem

# keys: above 4096 bits refused, 4096 accepted
refused 2 "RSA-8192 key: keys above 4096 bits are refused" $T cert trust add CallManager-trust "$VECTORS/rsa8192.pem"
openssl crl2pkcs7 -nocrl -certfile root.pem -certfile "$VECTORS/rsa8192.pem" -outform DER -out big.p7b
refused 2 "certificate [0-9] of the PKCS#7 chain: certificate .*CN=rsa8192.lab.example has an RSA-8192 key" \
	$T cert trust add CallManager-trust big.p7b
openssl req -x509 -newkey rsa:4096 -nodes -keyout /dev/null -out r4096.pem \
	-subj "/O=Lab/CN=r4096.lab.example" -days 30 2>/dev/null
expect 0 $T cert trust add CallManager-trust r4096.pem

# validity: expired and not yet valid refused, accepted with --allow-expired
sign old "/O=Lab/CN=old.lab.example" "$(day -400)" "$(day -30)"
sign future "/O=Lab/CN=future.lab.example" "$(day 10)" "$(day 400)"
refused 1 "expired on .*--allow-expired" $T cert trust add Phone-SAST-trust old.pem
refused 1 "not valid before" $T cert trust add Phone-SAST-trust future.pem
cat root.pem old.pem > old-bundle.pem
refused 1 "expired" $T cert trust add Phone-SAST-trust old-bundle.pem
expect 0 $T cert trust add Phone-SAST-trust old.pem --allow-expired
grep -q "^added Phone-SAST-trust/old.lab.example" out.txt || fail "--allow-expired: $(cat out.txt)"
grep -q "warning: not valid now" out.txt || fail "--allow-expired: no warning"
expect 0 $T cert trust add Phone-SAST-trust future.pem --allow-expired

# delete: the certificates that chain through it are named, and it is refused without --force
expect 0 $T cert csr tomcat --node cucm-sub1 -o tomcat.csr
openssl ca -batch -config ca.cnf -in tomcat.csr -out tomcat.pem -notext 2>/dev/null
expect 0 $T cert import tomcat tomcat.pem --node cucm-sub1
refused 1 "chain through CallManager-trust/Lab_Root_CA" $T cert trust delete CallManager-trust Lab_Root_CA
for dep in "CallManager-trust/same.lab.example" "tomcat-trust/voice.lab.example" \
	   "CAPF-trust/phone1" "tomcat-trust/cucm-sub1.lab.example" "identity tomcat/cucm-sub1"; do
	grep -q "^  $dep: " out.txt || fail "dependent $dep not listed: $(cat out.txt)"
done
grep -q "^  .*/Lab_Root_CA:" out.txt && fail "the CA's own copies listed as dependents"
grep -q "r4096" out.txt && fail "a self-signed certificate listed as dependent"
# a CA with the same name but another key: the authority key identifiers
# of the first CA's certificates do not match it; a certificate without one
# is matched by name
openssl req -x509 -newkey rsa:2048 -nodes -keyout /dev/null -out root2.pem \
	-subj "/O=Lab/CN=Lab Root CA" -days 3650 2>/dev/null
expect 0 $T cert trust add Phone-CTL-trust root2.pem
expect 0 $T cert trust delete Phone-CTL-trust Lab_Root_CA
grep -q "chain through" out.txt && fail "another key's dependents listed: $(cat out.txt)"
[ ! -e dd/trust/Phone-CTL-trust/Lab_Root_CA.pem ] || fail "not deleted"
expect 0 $T cert trust add Phone-CTL-trust root2.pem
openssl req -newkey rsa:2048 -nodes -keyout /dev/null -out noaki.csr \
	-subj "/O=Lab/CN=noaki.lab.example" 2>/dev/null
openssl ca -batch -config ca.cnf -extensions noaki -in noaki.csr -out noaki.pem -notext 2>/dev/null
openssl x509 -in noaki.pem -noout -text | grep -q "Authority Key Identifier" && fail "noaki.pem has an AKI"
expect 0 $T cert trust add Phone-CTL-trust noaki.pem
refused 1 "1 certificate chains through Phone-CTL-trust/Lab_Root_CA" $T cert trust delete Phone-CTL-trust Lab_Root_CA
[ "$(grep -c '^  ' out.txt)" -eq 1 ] && grep -q "^  Phone-CTL-trust/noaki.lab.example: " out.txt ||
	fail "without an AKI the name decides: $(cat out.txt)"
refused 2 "holds no certificate named nosuch" $T cert trust delete CallManager-trust nosuch
refused 2 "not a trust store" $T cert trust delete Nonsense-trust Lab_Root_CA
g=$(gen)
expect 0 $T cert trust delete CallManager-trust Lab_Root_CA.pem --force
grep -q "^deleted CallManager-trust/Lab_Root_CA: .*--force" out.txt || fail "forced delete: $(cat out.txt)"
[ ! -e dd/trust/CallManager-trust/Lab_Root_CA.pem ] || fail "forced delete left the file"
[ -e dd/trust/tomcat-trust/Lab_Root_CA.pem ] || fail "delete reached another store"
[ "$(gen)" -eq $((g + 1)) ] || fail "delete: no bump"
[ "$(db "SELECT action || ' ' || object FROM audit ORDER BY id DESC LIMIT 1")" = \
  "trust delete CallManager-trust/Lab_Root_CA" ] || fail "delete: no audit row"
expect 0 $T cert trust delete Phone-SAST-trust old.lab.example
grep -q "chain through" out.txt && fail "a leaf has no dependents"

# a CA-signed CAPF root uploaded to CAPF-trust is copied to CallManager-trust
# (one generation); a leaf is not
openssl req -x509 -newkey rsa:2048 -nodes -keyout capfca.key -out capfca.pem -days 365 \
	-subj "/O=Lab/CN=Lab CAPF Root" -addext basicConstraints=critical,CA:true 2>/dev/null
openssl req -x509 -newkey rsa:2048 -nodes -keyout /dev/null -out capfleaf.pem -days 365 \
	-subj "/O=Lab/CN=capf-leaf.lab.example" -addext basicConstraints=critical,CA:false 2>/dev/null
g=$(gen)
expect 0 $T cert trust add CAPF-trust capfca.pem
grep -q "copying 1 CA certificate to CallManager-trust" out.txt || fail "CAPF root copy: $(cat out.txt)"
cmp -s dd/trust/CAPF-trust/Lab_CAPF_Root.pem dd/trust/CallManager-trust/Lab_CAPF_Root.pem ||
	fail "the CAPF root is not in CallManager-trust"
[ "$(gen)" -eq $((g + 1)) ] || fail "CAPF root copy: one generation"
expect 0 $T cert trust add CAPF-trust capfleaf.pem
[ ! -e dd/trust/CallManager-trust/capf-leaf.lab.example.pem ] || fail "a leaf was copied to CallManager-trust"

# phone migration: the TFTP certificates of another cluster into CallManager-trust
expect 0 $T cluster init --name other --domain other.example --nodes o-pub,o-sub,o-sub2 --data-dir ./dd2
sed -i 's/^tftp_nodes = .*/tftp_nodes = o-pub,o-sub/' dd2/trustline.conf
expect 0 $T cert export-bulk exp --data-dir ./dd2
[ -f exp/manifest.ini ] || fail "no manifest"
grep -q "^cluster = other$" exp/manifest.ini || fail "manifest lacks the cluster name"
[ "$(ls exp/*.pem | wc -l)" -eq 3 ] || fail "export: one certificate per TFTP node and ITLRecovery: $(ls exp)"
cmp -s exp/ITLRECOVERY_o-pub.pem dd2/certs/ITLRecovery/o-pub.pem || fail "export: not the ITLRecovery certificate"
grep -q "^\[itlrecovery\]" exp/manifest.ini || fail "manifest lacks [itlrecovery]"
# into a directory that holds files: refused unless --force
mkdir busy && touch busy/notes.txt
refused 1 "already holds files" $T cert export-bulk busy --data-dir ./dd2
[ ! -e busy/manifest.ini ] || fail "a refused export wrote files"
expect 0 $T cert export-bulk busy --data-dir ./dd2 --force
[ -f busy/manifest.ini ] || fail "export --force"
refused 2 "unknown option" $T cert import-bulk exp --force
cmp -s exp/o-pub.other.example.pem dd2/certs/CallManager/o-pub.pem || fail "export: not the CallManager certificate"
refused 2 "not a trustline bulk export" $T cert import-bulk . 
g=$(gen)
expect 0 $T cert import-bulk exp
grep -q "importing 2 certificates of cluster other into CallManager-trust" out.txt || fail "import: $(cat out.txt)"
grep -q "importing 1 certificate of cluster other into Phone-SAST-trust" out.txt || fail "import: $(cat out.txt)"
cmp -s dd/trust/Phone-SAST-trust/ITLRECOVERY_o-pub.pem dd2/certs/ITLRecovery/o-pub.pem ||
	fail "import: ITLRecovery not in Phone-SAST-trust"
for n in o-pub o-sub; do
	cmp -s dd/trust/CallManager-trust/$n.other.example.pem dd2/certs/CallManager/$n.pem ||
		fail "import: $n not in CallManager-trust"
done
[ "$(gen)" -eq $((g + 1)) ] || fail "import: one bump"
[ "$(db "SELECT COUNT(*) FROM audit WHERE action = 'import-bulk'")" -eq 3 ] || fail "import: audit rows"
refused 0 "" $T cert import-bulk exp
[ "$(grep -c '^already present' out.txt)" -eq 3 ] || fail "import twice: $(cat out.txt)"
cp -r exp exp-bad
echo "[certificates]" >> exp-bad/manifest.ini
echo "../dd/trustline.conf = x" >> exp-bad/manifest.ini
refused 2 "not a file name of the export" $T cert import-bulk exp-bad
cp -r exp exp-cut
head -c 300 exp/o-sub.other.example.pem > exp-cut/o-sub.other.example.pem
refused 2 "o-sub.other.example.pem: PEM block 1" $T cert import-bulk exp-cut
# the two stores together: a refused ITLRecovery certificate (an RSA-8192
# key) leaves CallManager-trust without the new TFTP certificates too
expect 0 $T cluster init --name third --domain third.example --nodes t-pub --data-dir ./dd3
expect 0 $T cert export-bulk exp3 --data-dir ./dd3
cp "$VECTORS/rsa8192.pem" exp3/ITLRECOVERY_t-pub.pem
refused 2 "RSA-8192" $T cert import-bulk exp3
[ ! -e dd/trust/CallManager-trust/t-pub.third.example.pem ] ||
	fail "import-bulk: CallManager-trust changed although Phone-SAST-trust refused"
echo "all passed"
