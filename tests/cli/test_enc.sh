#!/bin/sh
# trustline enc with the openssl command line as an independent oracle: the
# phone's key unwraps the AES key, AES-128-CBC with the header's IV gives
# back the configuration and its `\r` padding, the signature verifies over
# the file less its signature TLV, and the stub names the device certificate
# by the MD5 of its DER. Then the exit codes and messages of the refusals.
set -eu
T=${TRUSTLINE:?}
. "$(dirname "$0")/common.sh"
CFG=SEP001122334455.cnf.xml

for n in cucm-pub SEP001122334455 SEP00AABBCCDDEE; do mk $n; done
openssl x509 -in cucm-pub.crt -noout -pubkey > cucm-pub.pub
openssl ecparam -name prime256v1 -genkey -noout -out ec.key
openssl req -x509 -key ec.key -out ec.crt -subj "/CN=SEP00EC00EC00EC" -days 30 2>/dev/null
cat > $CFG <<'EOF'
<?xml version="1.0" encoding="UTF-8"?>
<device xsi:type="axl:XIPPhone" ctiid="9">
  <fullConfig>true</fullConfig>
  <deviceSecurityMode>3</deviceSecurityMode>
  <ipAddressMode>0</ipAddressMode>
  <loadInformation>sip88xx.14-1-1-0001-136</loadInformation>
  <capfAuthMode>3</capfAuthMode>
  <capfList>
    <capf><phonePort>3804</phonePort><processNodeName>cucm-pub</processNodeName></capf>
  </capfList>
  <sshUserId>admin</sshUserId>
  <sshPassword>s3cret</sshPassword>
</device>
EOF
# the same configuration padded to whole AES blocks with `\r`
padded() {	# padded FILE OUT
	len=$(stat -c %s "$1")
	pad=$(( (16 - len % 16) % 16 ))
	cp "$1" "$2"
	i=0
	while [ $i -lt $pad ]; do printf '\r' >> "$2"; i=$((i + 1)); done
}
want_hash=$(openssl x509 -in SEP001122334455.crt -outform DER | openssl md5 | awk '{print $NF}')

mkdir out
for digest in sha1 sha512; do
	$T enc build $CFG --signer cucm-pub.crt --signer-key cucm-pub.key \
		--device-cert SEP001122334455.crt --digest $digest -o out
	f=out/$CFG.enc.sgn
	s=out/$CFG.sgn
	[ -f $f ] && [ -f $s ] || fail "enc build did not write both files"
	$T enc show $f --json > enc.json
	[ "$(json enc.json 'd["version"]')" = "2.0" ] || fail "version"
	[ "$(json enc.json 'd["filename"]')" = "$CFG.enc.sgn" ] || fail "FILENAME"

	# unwrap with openssl and the phone's key
	json enc.json 'd["encryption"]["key"]' | xxd -r -p > wrapped.bin
	[ "$(json enc.json 'd["encryption"]["key_bits"]')" -eq 2048 ] || fail "key bits"
	openssl pkeyutl -decrypt -inkey SEP001122334455.key -in wrapped.bin -out aes.bin ||
		fail "openssl cannot unwrap the key"
	[ "$(stat -c %s aes.bin)" -eq 16 ] || fail "the wrapped key is not 16 bytes"
	# decrypt the body with openssl, no padding removal
	off=$(json enc.json 'd["body_offset"]')
	tail -c +$((off + 1)) $f > body.bin
	openssl enc -d -aes-128-cbc -K "$(xxd -p aes.bin)" \
		-iv "$(json enc.json 'd["encryption"]["iv"]')" -nopad -in body.bin -out plain.bin
	padded $CFG want.bin
	cmp -s plain.bin want.bin || fail "openssl's decryption differs from the configuration + \\r padding"
	[ "$(json enc.json 'd["encryption"]["padding"]')" -eq "$pad" ] || fail "pad count"
	# tag 27: the digest of the configuration without its padding
	want=$(openssl dgst -$digest $CFG | awk '{print $NF}')
	[ "$(json enc.json 'd["encryption"]["hash"]')" = "$want" ] || fail "ENCRYPTION_HASH ($digest)"
	check_sig $f $digest enc.json cucm-pub.pub

	# trustline's own decryption gives the input back, and the signature
	# checks as `sgn verify` does
	$T enc decrypt $f --device-key SEP001122334455.key -o dec.xml
	cmp -s dec.xml $CFG || fail "enc decrypt output differs from the input"
	[ "$(stat -c %a dec.xml)" = 600 ] || fail "decrypted configuration is not 0600"
	expect 0 $T enc verify $f --cert cucm-pub.crt
	grep -q "^VALID" out.txt || fail "enc verify says no VALID"
	expect 1 $T enc verify $f --cert SEP00AABBCCDDEE.crt

	# the stub: a signed .sgn (1.0) of a <device> with only the listed elements
	$T sgn show $s --json > stub.json
	[ "$(json stub.json 'd["version"]')" = "1.0" ] || fail "stub version"
	[ "$(json stub.json 'd["filename"]')" = "$CFG.sgn" ] || fail "stub FILENAME"
	check_sig $s $digest stub.json cucm-pub.pub
	$T sgn strip $s -o stub.xml
	[ "$(xmllint --xpath 'string(/device/certHash)' stub.xml)" = "$want_hash" ] ||
		fail "certHash is not the MD5 of the device certificate's DER"
	[ "$(xmllint --xpath 'string(/device/encrConfig)' stub.xml)" = true ] || fail encrConfig
	[ "$(xmllint --xpath 'string(/device/fullConfig)' stub.xml)" = false ] || fail fullConfig
	[ "$(xmllint --xpath 'string(/device/loadInformation)' stub.xml)" = sip88xx.14-1-1-0001-136 ] ||
		fail loadInformation
	[ "$(xmllint --xpath 'string(/device/capfList/capf/processNodeName)' stub.xml)" = cucm-pub ] ||
		fail capfList
	[ "$(xmllint --xpath 'count(/device/*)' stub.xml)" = 7 ] || fail "stub has other elements"
	! grep -q s3cret stub.xml || fail "the stub leaks the configuration"
done

# beside the input by default; already whole blocks get no padding
mkdir side
printf '<device>%s</device>' xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx > side/SEP0000000000AA.cnf.xml
$T enc build side/SEP0000000000AA.cnf.xml --signer cucm-pub.pem \
	--device-cert SEP001122334455.crt
[ -f side/SEP0000000000AA.cnf.xml.enc.sgn ] && [ -f side/SEP0000000000AA.cnf.xml.sgn ] ||
	fail "enc build did not write beside its input"
[ "$(stat -c %s side/SEP0000000000AA.cnf.xml)" -eq 49 ] || fail "test input size"
$T enc show side/SEP0000000000AA.cnf.xml.enc.sgn > show.txt
grep -q "ENCRYPTIONPADDING.*15$" show.txt || fail "show lacks the pad count"
grep -q "^Encrypted content: 64 bytes" show.txt || fail "show lacks the body length"
printf '<device>abcdefghijklmno</device>' > SEP0000000000BB.cnf.xml	# 32 bytes
$T enc build SEP0000000000BB.cnf.xml --signer cucm-pub.pem --device-cert SEP001122334455.crt
$T enc show SEP0000000000BB.cnf.xml.enc.sgn --json > bb.json
[ "$(json bb.json 'd["encryption"]["padding"]')" -eq 0 ] || fail "a 32-byte configuration got padding"
[ "$(json bb.json 'd["body_length"]')" -eq 32 ] || fail "aligned body length"
# default output name, and standard output
cp SEP0000000000BB.cnf.xml orig.xml
rm SEP0000000000BB.cnf.xml
$T enc decrypt SEP0000000000BB.cnf.xml.enc.sgn --device-key SEP001122334455.key
cmp -s SEP0000000000BB.cnf.xml orig.xml || fail "default decrypt output"
$T enc decrypt SEP0000000000BB.cnf.xml.enc.sgn --device-key SEP001122334455.key -o - > stdout.xml
cmp -s stdout.xml orig.xml || fail "decrypt to standard output"

# with a trust list, as a phone: the signer must be a TFTP or CCM+TFTP record
$T itl build ITLFile.tlv --signer cucm-pub.pem --ccm-tftp cucm-pub.crt
expect 0 $T enc verify out/$CFG.enc.sgn --trust ITLFile.tlv
$T itl build ITLOther.tlv --signer SEP00AABBCCDDEE.pem
expect 1 $T enc verify out/$CFG.enc.sgn --trust ITLOther.tlv

# refusals: another phone's key, an EC phone, a tampered body, bad input
expect 1 $T enc decrypt out/$CFG.enc.sgn --device-key SEP00AABBCCDDEE.key -o nope.xml
grep -q "$CFG.enc.sgn: the device key does not unwrap" err.txt || { cat err.txt; fail "wrong-key message"; }
[ ! -e nope.xml ] || fail "a failed decryption wrote its output"
mkdir ec
expect 1 $T enc build $CFG --signer cucm-pub.pem --device-cert ec.crt -o ec
grep -q "EC key" err.txt || fail "EC device message"
[ -z "$(ls ec)" ] || fail "a refused build wrote files"
size=$(stat -c %s out/$CFG.enc.sgn)
cp out/$CFG.enc.sgn tampered.enc.sgn
printf 'X' | dd of=tampered.enc.sgn bs=1 seek=$((size - 5)) conv=notrunc 2>/dev/null
expect 1 $T enc verify tampered.enc.sgn --cert cucm-pub.crt
expect 1 $T enc decrypt tampered.enc.sgn --device-key SEP001122334455.key -o t.xml
grep -q "digest\|padding" err.txt || fail "tampered body message: $(cat err.txt)"
echo '<phone/>' > SEP0000000000CC.cnf.xml
expect 1 $T enc build SEP0000000000CC.cnf.xml --signer cucm-pub.pem --device-cert SEP001122334455.crt
grep -q "root element is <phone>" err.txt || fail "wrong root message"
expect 2 $T enc decrypt $CFG --device-key SEP001122334455.key -o x.xml
expect 2 $T enc decrypt missing.enc.sgn --device-key SEP001122334455.key
expect 2 $T enc decrypt out/$CFG.enc.sgn --device-key missing.key -o x.xml
expect 1 $T enc decrypt out/$CFG.sgn --device-key SEP001122334455.key -o x.xml
grep -q "not an encrypted configuration" err.txt || fail "stub decrypt message"
expect 2 $T enc build $CFG --signer cucm-pub.pem
expect 2 $T enc build $CFG --signer cucm-pub.pem --device-cert SEP001122334455.crt --digest md5
expect 2 $T enc decrypt out/$CFG.enc.sgn
expect 2 $T enc verify out/$CFG.enc.sgn
expect 2 $T enc frobnicate
for c in "enc" "enc build" "enc decrypt" "enc verify" "enc show"; do
	expect 0 $T $c --help
	grep -q usage out.txt || fail "$c --help prints no usage"
done
echo "all passed"
