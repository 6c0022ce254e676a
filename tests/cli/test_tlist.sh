#!/bin/sh
# trustline itl|ctl|sgn from the command line: exit codes, messages, and the
# phone's acceptance rule for a new list.
set -eu
T=${TRUSTLINE:?}
. "$(dirname "$0")/common.sh"
for n in cm-pub ITLRecovery tvs capf tomcat cm-new; do mk $n; done
mk ec-ccm ec:/dev/null 2>/dev/null || {
	openssl ecparam -name prime256v1 -genkey -noout -out ec-ccm.key
	openssl req -x509 -key ec-ccm.key -out ec-ccm.crt -subj "/CN=ec-ccm" -days 365
	cat ec-ccm.crt ec-ccm.key > ec-ccm.pem
}

# --help everywhere, exit 0; no arguments is a usage error
for c in "" "itl" "ctl" "sgn"; do
	expect 0 $T $c --help
done
for c in "itl build" "itl show" "itl verify" "ctl build" "sgn sign" "sgn verify" "sgn show" "sgn strip"; do
	expect 0 $T $c --help
	grep -q usage out.txt || fail "$c --help prints no usage"
done
expect 2 $T
expect 2 $T itl
expect 2 $T itl frobnicate
expect 2 $T itl build x.tlv
grep -q -- "--signer is required" err.txt || fail "missing --signer not named"

# build, verify, show
expect 0 $T itl build ITLFile.tlv --signer cm-pub.pem --sast ITLRecovery.crt \
	--ccm-tftp cm-pub.crt --tvs tvs.crt --capf capf.crt --app-server tomcat.crt --hash-only tvs
expect 0 $T itl verify ITLFile.tlv
grep -q "^VALID: ITLFile.tlv signed by SAST record #1" out.txt || fail "verify output: $(cat out.txt)"
expect 0 $T itl show ITLFile.tlv --brief
[ "$(wc -l < out.txt)" -eq 6 ] || fail "brief: expected 6 records"
grep -q "TVS.*hash-only" out.txt || fail "TVS record not hash-only"
expect 0 $T itl show ITLFile.tlv
grep -q "This etoken was used to sign the ITL file." out.txt || fail "show: signer line"
grep -q "System Administrator Security Token" out.txt || fail "show: SAST name"
grep -q "(SHA1)" out.txt || fail "show: checksum"
expect 0 $T itl show ITLFile.tlv --json
grep -q '"verified":true' out.txt || fail "json: verified"

# the phone's rule: a new ITL must be signed by a SAST of the installed one
expect 0 $T itl build reset.tlv --signer ITLRecovery.pem --ccm-tftp cm-pub.crt
expect 0 $T itl verify reset.tlv --trust ITLFile.tlv
expect 0 $T itl build new.tlv --signer cm-new.pem --ccm-tftp cm-new.crt
expect 0 $T itl verify new.tlv
expect 1 $T itl verify new.tlv --trust ITLFile.tlv
grep -q "INVALID: .*is not in ITLFile.tlv" out.txt || fail "refusal reason: $(cat out.txt)"

# refusals: 3 SAST records, EC in a 1.0 list, EC signer
expect 1 $T itl build x.tlv --signer cm-pub.pem --sast ITLRecovery.crt --sast tvs.crt
grep -q "at most 2" err.txt || fail "3 SAST: $(cat err.txt)"
expect 1 $T itl build x.tlv --signer cm-pub.pem --ccm ec-ccm.crt --version 1.0
grep -q "1.1" err.txt || fail "EC in 1.0: $(cat err.txt)"
expect 0 $T itl build ec.tlv --signer cm-pub.pem --ccm ec-ccm.crt
expect 0 $T itl show ec.tlv --json
grep -q '"signer_version":"1.1"' out.txt || fail "EC list is not 1.1"
expect 1 $T itl build x.tlv --signer ec-ccm.pem
[ ! -e x.tlv ] || fail "a refused build wrote its output"

# bad input: missing, empty, garbage, truncated, tampered
expect 2 $T itl show missing.tlv
grep -q "missing.tlv: cannot open" err.txt || fail "missing file message"
: > empty.tlv
expect 2 $T itl verify empty.tlv
head -c 300 /dev/urandom > junk.tlv
expect 2 $T itl verify junk.tlv
head -c 500 ITLFile.tlv > cut.tlv
expect 2 $T itl verify cut.tlv
grep -q "cut.tlv: byte" err.txt || fail "truncation message lacks offset: $(cat err.txt)"
size=$(stat -c %s ITLFile.tlv)
for pos in 20 200 600 $((size / 2)) $((size - 1)); do
	cp ITLFile.tlv t.tlv
	printf '\377' | dd of=t.tlv bs=1 seek=$pos conv=notrunc 2>/dev/null
	set +e; $T itl verify t.tlv > /dev/null 2>&1; rc=$?; set -e
	[ "$rc" -ne 0 ] || fail "byte $pos flipped still verifies"
done

# CTL has the same shape
expect 0 $T ctl build CTLFile.tlv --signer cm-pub.pem --sast ITLRecovery.crt --ccm-tftp cm-pub.crt --capf capf.crt
expect 0 $T ctl show CTLFile.tlv --json
grep -q '"filename":"CTLFile.tlv"' out.txt || fail "CTL filename"
expect 0 $T ctl verify CTLFile.tlv

# .sgn: sign, verify by cert and by trust list, role rule, strip
printf '<device><fullConfig>true</fullConfig></device>\n' > SEP001122334455.cnf.xml
expect 0 $T sgn sign SEP001122334455.cnf.xml --signer cm-pub.pem
expect 0 $T sgn verify SEP001122334455.cnf.xml.sgn --trust ITLFile.tlv
grep -q "CCM+TFTP record" out.txt || fail "sgn verify role"
expect 0 $T sgn verify SEP001122334455.cnf.xml.sgn --cert cm-pub.crt
expect 1 $T sgn verify SEP001122334455.cnf.xml.sgn --cert tvs.crt
expect 0 $T sgn sign SEP001122334455.cnf.xml --signer tvs.pem -o by-tvs.sgn
expect 1 $T sgn verify by-tvs.sgn --trust ITLFile.tlv
expect 0 $T sgn sign SEP001122334455.cnf.xml --signer capf.pem -o by-capf.sgn
expect 1 $T sgn verify by-capf.sgn --trust ITLFile.tlv
grep -q "as CAPF, a role that may not sign" out.txt || fail "role refusal: $(cat out.txt)"
expect 0 $T sgn show SEP001122334455.cnf.xml.sgn --json
grep -q '"filename":"SEP001122334455.cnf.xml.sgn"' out.txt || fail "sgn filename"
expect 0 $T sgn strip SEP001122334455.cnf.xml.sgn -o stripped.xml
cmp stripped.xml SEP001122334455.cnf.xml || fail "strip changed the content"
expect 0 $T sgn sign SEP001122334455.cnf.xml --signer cm-pub.crt --signer-key cm-pub.key --digest sha512 -o s512.sgn
expect 0 $T sgn verify s512.sgn --cert cm-pub.crt
expect 2 $T sgn sign SEP001122334455.cnf.xml --signer cm-pub.crt
grep -q "signer-key" err.txt || fail "missing key hint"
echo "all passed"
