#!/bin/sh
# The LSC CRL: capfd publishes tftpboot/CAPF-LSC.crl signed by the CAPF
# key, `device lsc revoke` and a phone's delete put the LSC in it, openssl
# verifies it and lists the serials with their reasons, and tftpd serves it
# over TFTP (tftp-hpa) and HTTP (curl); phone-sim refuses its own revoked
# LSC, and a peer's (connect --role PHONE against openssl s_server).
set -eu
T=${TRUSTLINE:?}
CAPFD=${BUILD_DIR:?}/bin/capfd
TFTPD=$BUILD_DIR/bin/tftpd
. "$(dirname "$0")/common.sh"
export TRUSTLINE_DATA_DIR="$PWD/dd"
CPID= TPID=
trap '[ -n "$CPID" ] && kill -9 $CPID 2>/dev/null; [ -n "$TPID" ] && kill -9 $TPID 2>/dev/null; [ -n "${SPID:-}" ] && kill $SPID 2>/dev/null; true' EXIT
CRL=dd/tftpboot/CAPF-LSC.crl

crl_text() {	# the CRL verified against the CAPF certificate, as text
	openssl crl -inform DER -in "$CRL" -CAfile capf.pem -verify -noout -text \
		> crl.txt 2> crl.err || { cat crl.err; fail "openssl crl -verify"; }
	grep -q "verify OK" crl.err || fail "no verify OK: $(cat crl.err)"
}
serial_of() { openssl x509 -in "$1" -noout -serial | cut -d= -f2; }

expect 0 $T cluster init --name lab --domain lab.example --nodes pub
if [ "$(id -u)" = 0 ]; then
	conf_set dd/trustline.conf capf user=root
	conf_set dd/trustline.conf tftp user=root
fi
conf_set dd/trustline.conf capf per_ip_rate=1000
expect 0 $T cert export CAPF
cp out.txt capf.pem
D1=SEP001122330001 D2=SEP001122330002
enrolling $D1 $D2

# capfd publishes an empty CRL when it starts
$CAPFD --listen 127.0.0.1 --port 0 --foreground 2> capfd.log &
CPID=$!
PORT=$(started capfd.log $CPID)
wait_for capfd.log "event=crl_published"
crl_text
grep -q "Version 2" crl.txt || fail "not a v2 CRL"
grep -q "No Revoked Certificates" crl.txt || fail "a fresh CRL lists something"
want_issuer=$(openssl x509 -in capf.pem -noout -subject -nameopt RFC2253 | sed 's/^subject=//')
got_issuer=$(openssl crl -inform DER -in $CRL -noout -issuer -nameopt RFC2253 | sed 's/^issuer=//')
[ "$want_issuer" = "$got_issuer" ] || fail "issuer $got_issuer, want $want_issuer"
ski=$(openssl x509 -in capf.pem -noout -ext subjectKeyIdentifier | tail -1 | tr -d ' ')
grep -A1 "Authority Key Identifier" crl.txt | tail -1 | tr -d ' ' | sed 's/^keyid://' > aki.txt
[ "$(cat aki.txt)" = "$ski" ] || fail "AKI $(cat aki.txt), SKI $ski"
n1=$(sed -n '/CRL Number/{n;p}' crl.txt | tr -d ' ')
[ -n "$n1" ] || fail "no CRL number"

for d in $D1 $D2; do
	expect 0 $T capf enroll --server 127.0.0.1:"$PORT" --capf-cert capf.pem \
		--device $d --json --out $d.pem
done

# revoked by the administrator: published at once by the command
expect 0 $T device lsc revoke $D1
grep -q "published tftpboot/CAPF-LSC.crl" out.txt || fail "revoke did not publish: $(cat out.txt err.txt)"
crl_text
s1=$(serial_of $D1.pem)
grep -q "Serial Number: $s1" crl.txt || fail "$D1's serial $s1 not listed: $(cat crl.txt)"
grep -A4 "Serial Number: $s1" crl.txt | grep -q "Unspecified" || fail "reason code"
n2=$(sed -n '/CRL Number/{n;p}' crl.txt | tr -d ' ')
[ "$n2" -gt "$n1" ] || fail "CRL number $n1 -> $n2"
openssl verify -crl_check -CAfile capf.pem -CRLfile $CRL $D1.pem > v.txt 2>&1 &&
	fail "openssl accepts the revoked LSC"
grep -q "certificate revoked" v.txt || fail "openssl: $(cat v.txt)"
openssl verify -crl_check -CAfile capf.pem -CRLfile $CRL $D2.pem > /dev/null ||
	fail "openssl refuses an LSC the CRL does not list"

# deleted by the phone: capfd publishes it, reason cessationOfOperation
expect 0 $T device capf $D2 --operation delete --auth-mode null
expect 0 $T capf enroll --server 127.0.0.1:"$PORT" --capf-cert capf.pem --device $D2 \
	--json --lsc $D2.pem
for _ in $(seq 100); do
	[ "$(grep -c event=crl_published capfd.log)" -ge 2 ] && break
	sleep 0.05
done
[ "$(grep -c event=crl_published capfd.log)" -ge 2 ] || { cat capfd.log; fail "capfd did not publish after a delete"; }
crl_text
s2=$(serial_of $D2.pem)
grep -A4 "Serial Number: $s2" crl.txt | grep -q "Cessation Of Operation" ||
	fail "$D2 not listed as ceased: $(cat crl.txt)"
grep -q "Serial Number: $s1" crl.txt || fail "$D1 dropped from the CRL"

# tftpd serves it, byte for byte, over TFTP and HTTP
"$TFTPD" --listen 127.0.0.1 --port 0 --http-port 0 --foreground 2> tftpd.log &
TPID=$!
P=$(started tftpd.log $TPID)
H=$(sed -n 's/.*event=start.* http_port=\([0-9-]*\).*/\1/p' tftpd.log | head -1)
curl -sS -o http.crl "http://127.0.0.1:$H/CAPF-LSC.crl" || fail "HTTP"
cmp http.crl $CRL || fail "HTTP copy differs"
tftp 127.0.0.1 "$P" -m binary -c get CAPF-LSC.crl tftp.crl || fail "TFTP"
cmp tftp.crl $CRL || fail "TFTP copy differs"

# ---- phone-sim --lsc-crl: its LSC checked against the CRL ----
SIM=$BUILD_DIR/bin/phone-sim
D3=SEP001122330003
reloads() { grep -c "event=reload result=ok" tftpd.log || true; }
wait_reload() {	# wait_reload N: tftpd finished a reload after the N-th
	for _ in $(seq 100); do
		[ "$(reloads)" -gt "$1" ] && return 0
		sleep 0.05
	done
	cat tftpd.log; fail "tftpd did not reload"
}
boot() {	# boot CODE: the phone boots, asks CAPF and checks the CRL
	expect "$1" $SIM boot --state ph --mac ${D3#SEP} --model CP-8865 \
		--tftp 127.0.0.1:"$P" --capf 127.0.0.1:"$PORT" --lsc-crl --json
}
lsc_crl_line() { json out.txt '[s["line"] for s in d["steps"] if s["step"] == "LSC-CRL"][0]'; }
$SIM mic --state ph --mac ${D3#SEP} --mfg-ca dd/certs/lab-manufacturing-CA > /dev/null
n=$(reloads)
expect 0 $T device add $D3 --model CP-8865 --profile authenticated --mic ph/mic.pem
expect 0 $T device capf $D3 --operation install --auth-mode null --key ec:256
wait_reload "$n"
boot 0
[ -f ph/lsc.pem ] || fail "no LSC installed: $(cat out.txt)"
# the CRL step checks the LSC the phone booted with
boot 0
lsc_crl_line | grep -q "is not in the CRL" || fail "good LSC: $(cat out.txt)"

# ---- a peer presenting an LSC (phone-sim connect --role PHONE) ----
# the boot kept the CRL in the flash; openssl s_server plays the peer
[ -f ph/CAPF-LSC.crl ] || fail "the boot did not keep the CRL"
SPID=
peer() {	# peer CERT KEY: a TLS server on loopback presenting CERT, in $SP
	[ -n "$SPID" ] && { kill $SPID 2>/dev/null; wait $SPID 2>/dev/null || true; }
	SP=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
	openssl s_server -accept 127.0.0.1:"$SP" -cert "$1" -key "$2" -quiet \
		< /dev/null > s_server.log 2>&1 &
	SPID=$!
	for _ in $(seq 100); do
		ss -Htln "sport = :$SP" | grep -q . && return 0
		sleep 0.05
	done
	cat s_server.log; fail "s_server did not listen"
}
conn() {	# conn CODE [--lsc-crl]: phone-sim judges the peer as another phone's LSC
	want=$1; shift
	expect "$want" $SIM connect --state ph --role PHONE "$@" --json 127.0.0.1:"$SP"
}
peer $D1.pem $D1.pem
conn 1 --lsc-crl
json out.txt 'd["line"]' | grep -q "peer LSC serial .* revoked by CAPF-LSC.crl (reason unspecified)" ||
	fail "revoked peer LSC: $(cat out.txt)"
conn 0			# without the CRL, an LSC of the cluster's CAPF
json out.txt 'd["line"]' | grep -q "an LSC issued by CAPF" || fail "peer LSC: $(cat out.txt)"
peer $D2.pem $D2.pem
conn 1 --lsc-crl
json out.txt 'd["line"]' | grep -q "revoked by CAPF-LSC.crl (reason cessationOfOperation)" ||
	fail "deleted peer LSC: $(cat out.txt)"
peer ph/lsc.pem ph/lsc.key
conn 0 --lsc-crl
json out.txt 'd["line"]' | grep -q "not in CAPF-LSC.crl" || fail "good peer LSC: $(cat out.txt)"
mk stranger
peer stranger.crt stranger.key
conn 1 --lsc-crl
json out.txt 'd["line"]' | grep -q "no CAPF certificate of the CTL or ITL" ||
	fail "foreign peer: $(cat out.txt)"
expect 2 $SIM connect --state ph --role CCM --lsc-crl 127.0.0.1:"$SP"
kill $SPID; wait $SPID 2>/dev/null || true; SPID=
n=$(reloads)
expect 0 $T device lsc revoke $D3
wait_reload "$n"
boot 1
lsc_crl_line | grep -q "is revoked" || fail "revoked LSC: $(cat out.txt)"
json out.txt 'd["reason"]' | grep -q "revoked" || fail "reason: $(cat out.txt)"

# a CRL it cannot check is a refusal, never a good LSC: another key with
# the CAPF's name, a stale one, an oversized one, none
cp $CRL published.crl
printf '[ca]\ndefault_ca = d\n[d]\ndatabase = index.txt\ndefault_md = sha256\n' > ca.cnf
: > index.txt
openssl req -x509 -newkey rsa:2048 -nodes -keyout rogue.key -out rogue.crt -days 30 \
	-subj "$(openssl x509 -in capf.pem -noout -subject -nameopt compat | sed 's/^subject=//')" 2>/dev/null
serve() {	# serve FILE: tftpd serves FILE as CAPF-LSC.crl
	n=$(reloads)
	cp "$1" $CRL
	kill -HUP $TPID
	wait_reload "$n"
}
openssl ca -gencrl -config ca.cnf -keyfile rogue.key -cert rogue.crt -crldays 7 \
	-out rogue.pem 2>/dev/null
openssl crl -in rogue.pem -outform DER -out rogue.crl
serve rogue.crl
boot 1
lsc_crl_line | grep -q "signature does not verify" || fail "rogue CRL: $(cat out.txt)"
openssl ca -gencrl -config ca.cnf -keyfile dd/certs/CAPF/pub.key -cert capf.pem \
	-crl_lastupdate 20260101000000Z -crl_nextupdate 20260102000000Z -out stale.pem 2>/dev/null
openssl crl -in stale.pem -outform DER -out stale.crl
serve stale.crl
boot 1
lsc_crl_line | grep -q "stale" || fail "stale CRL: $(cat out.txt)"
head -c 1100000 /dev/zero > big.crl
serve big.crl
boot 1
lsc_crl_line | grep -q "more than the 1048576" || fail "oversized CRL: $(cat out.txt)"
n=$(reloads)
rm $CRL
kill -HUP $TPID
wait_reload "$n"
boot 1
lsc_crl_line | grep -q "has no CAPF-LSC.crl" || fail "no CRL: $(cat out.txt)"

kill $TPID; wait $TPID || true; TPID=
kill $CPID; wait $CPID || true; CPID=
echo "lsccrl: ok"
