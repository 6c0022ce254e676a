#!/bin/sh
# End to end, a CAPF certificate regenerated while capfd runs: within
# seconds, and without a SIGHUP, capfd presents the new certificate to new
# connections while a session opened before goes on; phones on the new ITL
# enroll with it; the earlier certificate stays in CAPF-trust under a name
# of its own, so an LSC it issued still verifies and still authenticates
# its phone (mode 3). tvsd takes a regenerated TVS certificate the same way.
set -eu
. "$(dirname "$0")/lib/cluster.sh"
export TRUSTLINE_DATA_DIR="$PWD/dd"

init dd lab cucm-pub
A=001122334455 N=0011223344BB
expect 0 $T device add SEP$A --model CP-8865
expect 0 $T device add SEP$N --model CP-8865
serve dd tftpd tvsd capfd

# served HOST:PORT: the SHA-256 of the certificate a TLS server presents
served() {
	openssl s_client -connect "$1" < /dev/null 2> /dev/null |
		openssl x509 -outform DER 2> /dev/null | sha256sum | cut -d' ' -f1
}
der_sha() { openssl x509 -in "$1" -outform DER | sha256sum | cut -d' ' -f1; }
# until_served HOST:PORT PEM: waits up to 6 s for the server to present PEM
until_served() {
	for _ in $(seq 60); do
		[ "$(served "$1")" = "$(der_sha "$2")" ] && return 0
		sleep 0.1
	done
	fail "$1 still presents $(served "$1"), not $2"
}

# ---- an LSC from the first CAPF certificate ----
expect 0 $T device capf SEP$A --operation install --auth-mode null
settled dd
boot 0 phone-a $A
has "^CAPF  .*install: LSC .*CN=SEP$A.* -> ACCEPTED"
expect 0 $T cert export CAPF -o capf-old.pem
openssl verify -partial_chain -CAfile capf-old.pem phone-a/lsc.pem > /dev/null ||
	fail "the first LSC"
[ "$(served 127.0.0.1:$CAPF)" = "$(der_sha capf-old.pem)" ] || fail "capfd's certificate"

# a session opened before the regeneration: TLS done, AUTH_REQUEST read,
# then held until the new certificate is served
cat > hold.py <<'PY'
import os, socket, ssl, sys, time
ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
ctx.check_hostname = False
ctx.verify_mode = ssl.CERT_NONE
s = ctx.wrap_socket(socket.create_connection(("127.0.0.1", int(sys.argv[1])), 5))
open("held.der", "wb").write(s.getpeercert(True))
s.settimeout(5)
first = s.recv(8)
if len(first) < 8 or first[0] != 0x55:
    sys.exit("no CAPF message first: %r" % first)
open("held.ready", "w").close()
while not os.path.exists("held.go"):
    time.sleep(0.1)
# still open: nothing more comes, and no end of file
s.settimeout(0.5)
try:
    while True:
        b = s.recv(4096)
        if not b:
            sys.exit("the session opened before the reload was closed")
except socket.timeout:
    pass
print("held session alive")
PY
python3 hold.py $CAPF > hold.out 2>&1 &
HOLD=$!
for _ in $(seq 50); do [ -f held.ready ] && break; sleep 0.1; done
[ -f held.ready ] || { cat hold.out; fail "the held session did not start"; }

# ---- regenerated: served within seconds, no SIGHUP ----
expect 0 $T cert generate CAPF
grep -q "earlier .*CN=CAPF-cucm-pub stays in CAPF-trust as CAPF-cucm-pub-[0-9a-f]*" out.txt ||
	fail "the report does not say the earlier certificate stays: $(cat out.txt)"
expect 0 $T cert export CAPF -o capf-new.pem
[ "$(der_sha capf-new.pem)" != "$(der_sha capf-old.pem)" ] || fail "not regenerated"
until_served 127.0.0.1:$CAPF capf-new.pem
grep -q "event=reload trust=.* cause=generation" dd.capfd.log || fail "no reload line: $(cat dd.capfd.log)"
touch held.go
wait $HOLD || { cat hold.out; fail "the session in flight"; }
[ "$(sha256sum < held.der | cut -d' ' -f1)" = "$(der_sha capf-old.pem)" ] ||
	fail "the held session did not have the earlier certificate"
echo "regenerated CAPF served without SIGHUP, the session in flight kept: ok"

# ---- the earlier certificate stays in CAPF-trust, by a name of its own ----
kept=""
for f in dd/trust/CAPF-trust/*.pem; do
	[ "$(der_sha "$f")" = "$(der_sha capf-old.pem)" ] && kept=$f
done
[ -n "$kept" ] || fail "the earlier CAPF certificate left CAPF-trust: $(ls dd/trust/CAPF-trust)"
[ "$(basename "$kept")" != CAPF-cucm-pub.pem ] || fail "kept under the current name"
cmp -s dd/trust/CAPF-trust/CAPF-cucm-pub.pem capf-new.pem ||
	[ "$(der_sha dd/trust/CAPF-trust/CAPF-cucm-pub.pem)" = "$(der_sha capf-new.pem)" ] ||
	fail "the new certificate is not CAPF-trust/CAPF-cucm-pub"
openssl verify -partial_chain -CAfile "$kept" phone-a/lsc.pem > /dev/null ||
	fail "the earlier LSC does not verify against CAPF-trust"
echo "earlier CAPF certificate kept in CAPF-trust as $(basename "$kept"): ok"

# ---- phones on the new ITL enroll with the new certificate ----
settled dd tvs
expect 0 $T device capf SEP$N --operation install --auth-mode null
settled dd
boot 0 phone-b $N
has "^PEER  127.0.0.1:$CAPF .* as CAPF = CAPF record #[0-9]* of the ITL -> ACCEPTED"
has "^CAPF  .*install: LSC .*CN=SEP$N.* -> ACCEPTED"
openssl verify -partial_chain -CAfile capf-new.pem phone-b/lsc.pem > /dev/null ||
	fail "the new LSC is not the new CAPF's"
# the phone whose LSC the earlier certificate issued authenticates with it
old_serial=$(openssl x509 -in phone-a/lsc.pem -noout -serial)
expect 0 $T device capf SEP$A --operation install --auth-mode lsc
settled dd
boot 0 phone-a $A -v
grep -q "authentication mode 3 (the LSC)" err.txt || fail "not by the LSC: $(cat err.txt)"
has "^CAPF  .*install: LSC .*CN=SEP$A.* -> ACCEPTED"
[ "$(openssl x509 -in phone-a/lsc.pem -noout -serial)" != "$old_serial" ] || fail "LSC not replaced"
openssl verify -partial_chain -CAfile capf-new.pem phone-a/lsc.pem > /dev/null ||
	fail "the replaced LSC is not the new CAPF's"
echo "new enrollments on the new ITL, the earlier LSC authenticates: ok"

# ---- a second regeneration keeps both earlier certificates ----
expect 0 $T cert generate CAPF
[ "$(ls dd/trust/CAPF-trust | grep -c '^CAPF-cucm-pub')" = 3 ] ||
	fail "CAPF-trust after two regenerations: $(ls dd/trust/CAPF-trust)"
expect 0 $T cert export CAPF -o capf-3.pem
until_served 127.0.0.1:$CAPF capf-3.pem

# ---- tvsd: a regenerated TVS certificate, served within seconds ----
[ "$(served 127.0.0.1:$TVS)" = "$(der_sha dd/certs/TVS/cucm-pub.pem)" ] || fail "tvsd's certificate"
expect 0 $T cert generate TVS
expect 0 $T cert export TVS -o tvs-new.pem
until_served 127.0.0.1:$TVS tvs-new.pem
echo "tvsd serves a regenerated TVS certificate without SIGHUP: ok"
echo "all passed"
