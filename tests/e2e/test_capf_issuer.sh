#!/bin/sh
# End to end, capfd signing LSCs with a configured issuing CA ([capf]
# issuer_cert, Cisco's online CA): capfd sends the CA's chain with the LSC,
# and the phone takes the LSC when that chain reaches a CA it trusts as it
# trusts a CAPF server (TVS vouches for CAPF-trust): the issuing CA itself
# in CAPF-trust, or the root above it; refused (status 6), naming the CA,
# when nothing of the chain is trusted.
set -eu
. "$(dirname "$0")/lib/cluster.sh"
export TRUSTLINE_DATA_DIR="$PWD/dd"

init dd lab cucm-pub
A=001122334455 C=0011223344CA D=0011223344DA
for m in $A $C $D; do expect 0 $T device add SEP$m --model CP-8865; done

# ca_cert NAME [ISSUER]: a CA certificate and key in dd/NAME.pem, NAME.key,
# self-signed or signed by ISSUER
ca_cert() {
	if [ $# = 1 ]; then
		openssl req -x509 -newkey rsa:2048 -nodes -keyout dd/$1.key -out dd/$1.pem \
			-subj "/O=lab/CN=$1" -days 365 \
			-addext "basicConstraints=critical,CA:TRUE" \
			-addext "keyUsage=critical,keyCertSign,cRLSign" 2> /dev/null
	else
		openssl req -newkey rsa:2048 -nodes -keyout dd/$1.key -out $1.csr \
			-subj "/O=lab/CN=$1" 2> /dev/null
		printf 'basicConstraints=critical,CA:TRUE\nkeyUsage=critical,keyCertSign,cRLSign\n' > ext.cnf
		openssl x509 -req -in $1.csr -CA dd/$2.pem -CAkey dd/$2.key -CAcreateserial \
			-out dd/$1.pem -days 365 -extfile ext.cnf 2> /dev/null
	fi || fail "openssl: $1"
}
# issuer NAME: capfd signs with dd/NAME from its next reload (SIGHUP)
issuer() {
	_n=$(count "event=reload " dd.capfd.log)
	conf_set dd.servers.conf capf issuer_cert=$1.pem issuer_key=$1.key
	kill -HUP $CAPFD_PID
	for _ in $(seq 50); do
		[ "$(count "event=reload " dd.capfd.log)" -gt "$_n" ] && break
		sleep 0.1
	done
	grep "event=reload " dd.capfd.log | tail -1 | grep -q "issuer=\"*O=lab,CN=$1" ||
		{ cat dd.capfd.log; fail "capfd did not take $1"; }
}
status() { $T device capf-status SEP$1 --json > st.json; json st.json 'd["lsc_status"]'; }

# ---- the issuing CA in CAPF-trust ----
ca_cert lab-issuing-CA
expect 0 $T cert trust add CAPF-trust dd/lab-issuing-CA.pem
conf_set dd/trustline.conf capf issuer_cert=lab-issuing-CA.pem issuer_key=lab-issuing-CA.key
serve dd tftpd tvsd capfd
grep -q 'event=start .*issuer="O=lab,CN=lab-issuing-CA"' dd.capfd.log || fail "capfd's issuer"
expect 0 $T device capf SEP$A --operation install --auth-mode null
settled dd tvs
boot 0 phone-a $A
has "^PEER  127.0.0.1:$CAPF .* as CAPF = CAPF record #[0-9]* of the ITL -> ACCEPTED"
has "^PEER  127.0.0.1:$CAPF LSC issuer  O=lab,CN=lab-issuing-CA .* as CAPF not in CTL/ITL -> TVS 127.0.0.1:$TVS -> VALID roles=[^ ]*CAPF .*-> ACCEPTED"
has "^CAPF  127.0.0.1:$CAPF  install: LSC .*CN=SEP$A.* issued by O=lab,CN=lab-issuing-CA, .* stored -> ACCEPTED"
openssl verify -CAfile dd/lab-issuing-CA.pem phone-a/lsc.pem > /dev/null || fail "the LSC's chain"
[ "$(status $A)" = 3 ] || fail "capf-status: $(cat st.json)"
echo "LSC from an issuing CA in CAPF-trust: ok"

# ---- an intermediate CA whose root alone is in CAPF-trust ----
ca_cert lab-root-CA
ca_cert lab-sub-CA lab-root-CA
expect 0 $T cert trust add CAPF-trust dd/lab-root-CA.pem
settled dd tvs
issuer lab-sub-CA
expect 0 $T device capf SEP$C --operation install --auth-mode null
settled dd tvs
boot 0 phone-c $C
has "^PEER  127.0.0.1:$CAPF LSC issuer  O=lab,CN=lab-root-CA .*-> VALID roles=[^ ]*CAPF .*-> ACCEPTED"
has "^CAPF  .*install: LSC .*CN=SEP$C.* issued by O=lab,CN=lab-sub-CA, .* -> ACCEPTED"
openssl verify -CAfile dd/lab-root-CA.pem -untrusted dd/lab-sub-CA.pem phone-c/lsc.pem > /dev/null ||
	fail "the LSC's chain through the intermediate"
echo "LSC from an intermediate CA, through its root in CAPF-trust: ok"

# ---- an issuing CA nothing of which the phone trusts ----
ca_cert stray-CA
issuer stray-CA
expect 0 $T device capf SEP$D --operation install --auth-mode null
settled dd tvs
boot 1 phone-d $D
has "^CAPF  .*the phone refused what the server sent: the LSC was not issued by the CAPF certificate but by O=lab,CN=stray-CA, which this phone does not trust: .*INVALID.* -> REJECTED"
[ ! -f phone-d/lsc.pem ] || fail "an LSC from an untrusted CA was stored"
[ "$(status $D)" = 6 ] || fail "refused LSC: status $(cat st.json)"
echo "LSC from an issuing CA not trusted: refused, status 6: ok"
echo "all passed"
