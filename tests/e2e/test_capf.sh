#!/bin/sh
# End to end, docs/phone-trust.md's CAPF scenarios: an LSC installed by each
# authentication mode (string, null string, MIC, LSC) and used in
# preference to the MIC afterwards, a wrong authentication string, a CAPF
# server the phone does not trust. The real tftpd, tvsd and capfd.
set -eu
. "$(dirname "$0")/lib/cluster.sh"
export TRUSTLINE_DATA_DIR="$PWD/dd"

init dd lab cucm-pub
MFG=dd/certs/lab-manufacturing-CA
A=001122334455 E=0011223344EE W=0011223344FF M=0011223344CC
expect 0 "$PS" mic --state phone-e --mac $E --mfg-ca $MFG
expect 0 "$PS" mic --state phone-m --mac $M --mfg-ca $MFG
expect 0 $T device add SEP$A --model CP-8865
expect 0 $T device add SEP$W --model CP-8865
expect 0 $T device add SEP$E --model CP-8865 --profile encrypted --mic phone-e/mic.pem
expect 0 $T device add SEP$M --model CP-8865 --mic phone-m/mic.pem
serve dd tftpd tvsd capfd
$T cert export CAPF > capf.pem

# pending MAC MODE [STRING]: an LSC install waiting for the phone at capfd
pending() {
	expect 0 $T device capf SEP$1 --operation install --auth-mode $2 ${3:+--auth-string $3}
	settled dd
}
# lsc_decrypts: phone E's configuration is now encrypted to its LSC, and
# the phone decrypts it with the LSC's key
lsc_decrypts() {
	settled dd
	boot 0 phone-e $E
	_md5=$(openssl x509 -in phone-e/lsc.pem -outform DER | openssl md5 | awk '{print $2}')
	has "^ENC   SEP$E.cnf.xml.enc.sgn  certHash $_md5 = MD5 of the LSC .*decrypted with the LSC key"
}

# ---- nothing pending: the phone trusts capfd by the ITL, the session ends ----
boot 0 phone-a $A -v
has "^PEER  127.0.0.1:$CAPF .*CN=CAPF-cucm-pub.* as CAPF = CAPF record #[0-9]* of the ITL -> ACCEPTED"
grep -q "nothing pending" err.txt || fail "CAPF with nothing pending: $(cat err.txt)"
boot 0 phone-e $E
has "^ENC   SEP$E.cnf.xml.enc.sgn  certHash [0-9a-f]* = MD5 of the MIC .*decrypted with the MIC key"
echo "nothing pending: ok"

# ---- authentication string: LSC installed, then it decrypts ----
pending $E string 123456
boot 0 phone-e $E --auth-string 123456
has "^PEER  127.0.0.1:$CAPF .* as CAPF = CAPF record"
has "^CAPF  127.0.0.1:$CAPF  install: LSC .*CN=SEP$E.* issued by .*CN=CAPF-cucm-pub.* stored -> ACCEPTED"
[ "$(stat -c %a phone-e/lsc.key)" = 600 ] || fail "LSC key mode"
openssl verify -partial_chain -CAfile capf.pem phone-e/lsc.pem > /dev/null || fail "LSC chain"
openssl x509 -in phone-e/lsc.pem -noout -pubkey > lsc.pub
openssl pkey -in phone-e/lsc.key -pubout | cmp -s - lsc.pub || fail "LSC and its key differ"
$T device capf-status SEP$E --json > st.json
json st.json 'd["lsc_status"]' | grep -qx 3 || fail "capf-status after install: $(cat st.json)"
lsc_decrypts
echo "CAPF by string, then the LSC decrypts: ok"

# ---- null string ----
pending $A null
boot 0 phone-a $A
has "^CAPF  .*install: LSC .*CN=SEP$A.* -> ACCEPTED"
[ -f phone-a/lsc.pem ] || fail "no LSC"
echo "CAPF by null string: ok"

# ---- MIC ----
pending $M mic
boot 0 phone-m $M -v
has "^CAPF  .*install: LSC .*CN=SEP$M.* -> ACCEPTED"
grep -q "authentication mode 4 (the MIC)" err.txt || fail "not by the MIC: $(cat err.txt)"
echo "CAPF by MIC: ok"

# ---- LSC (mode 3: the LSC, the MIC only without one) replaces the LSC ----
old=$(openssl x509 -in phone-e/lsc.pem -noout -serial)
pending $E lsc
boot 0 phone-e $E -v
grep -q "authentication mode 3 (the LSC)" err.txt || fail "not by the LSC: $(cat err.txt)"
has "^CAPF  .*install: LSC .*CN=SEP$E.* -> ACCEPTED"
[ "$(openssl x509 -in phone-e/lsc.pem -noout -serial)" != "$old" ] || fail "LSC not replaced"
$T device capf-status SEP$E --json > st.json
json st.json 'd["lsc_status"]' | grep -qx 3 || fail "capf-status after the LSC install: $(cat st.json)"
# and the new LSC decrypts the next configuration
lsc_decrypts
echo "CAPF by LSC, the LSC preferred to the MIC: ok"

# ---- wrong authentication string ----
pending $W string 111111
boot 1 phone-w $W --auth-string 222222
has "^CAPF  127.0.0.1:$CAPF  the server ended the session: reason 7"
refused "CAPF"
[ ! -f phone-w/lsc.pem ] || fail "an LSC after a wrong string"
$T device capf-status SEP$W --json > st.json
json st.json 'd["lsc_status"] != 3 and d["lsc_status"] != 0' | grep -qx True ||
	fail "status not recorded: $(cat st.json)"
echo "CAPF wrong string: ok"

# ---- a CAPF server neither in the ITL nor known to TVS ----
openssl req -x509 -newkey rsa:2048 -nodes -keyout rogue.key -out rogue.pem \
	-subj "/O=lab/CN=rogue-capf" -days 30 2>/dev/null
peer rogue.pem rogue.key
pending $A null
lsc_before=$(openssl x509 -in phone-a/lsc.pem -noout -serial)
boot 1 phone-a $A --capf 127.0.0.1:$PORT
has "^PEER  127.0.0.1:$PORT  O=lab,CN=rogue-capf .* as CAPF not in CTL/ITL -> TVS 127.0.0.1:$TVS -> INVALID -> REJECTED"
refused "PEER"
[ "$(openssl x509 -in phone-a/lsc.pem -noout -serial)" = "$lsc_before" ] || fail "LSC changed"
kill $SPID
# the real capfd still has the operation pending: the phone takes it there
boot 0 phone-a $A
has "^CAPF  .*install: LSC .*CN=SEP$A.* -> ACCEPTED"
echo "CAPF server not trusted: ok"
echo "all passed"
