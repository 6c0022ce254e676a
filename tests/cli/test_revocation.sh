#!/bin/sh
# `cert revocation show|set|check` against real peers: `openssl ocsp` as the
# responder (good, revoked, stopped), CRLs from `openssl ca -gencrl`, and
# tests/tools/ocsp_bad.py answering wrongly (forged, stale, not yet valid,
# another nonce). Never good without a verdict signed for the issuer; the
# alarms CertificateRevoked and CRLChanged raised and cleared once each.
set -eu
T=${TRUSTLINE:?}
. "$(dirname "$0")/common.sh"
TOOLS="$(cd "$(dirname "$0")/../tools" && pwd)"
export TRUSTLINE_DATA_DIR="$PWD/dd"
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
pids=""
trap 'for p in $pids; do kill $p 2>/dev/null || :; done' EXIT
has() { grep -q -- "$1" out.txt || fail "no \"$1\" in: $(cat out.txt)"; }
hasnt() { ! grep -q -- "$1" out.txt || fail "\"$1\" in: $(cat out.txt)"; }

P=$(free_port)
mkdir -p ca/new && : > ca/index.txt && echo 1000 > ca/serial
cat > ca.cnf <<CNF
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
default_crl_days = 7
policy = any
unique_subject = no
x509_extensions = leaf
[any]
commonName = supplied
organizationName = optional
[leaf]
authorityInfoAccess = OCSP;URI:http://127.0.0.1:$P/
crlDistributionPoints = URI:file://$PWD/root.crl
[responder]
extendedKeyUsage = OCSPSigning
CNF
openssl req -x509 -newkey rsa:2048 -nodes -keyout root.key -out root.pem \
	-subj "/O=Lab/CN=Lab Root CA" -days 3650 2>/dev/null
leaf() {	# leaf NAME [ca options]
	openssl req -newkey rsa:2048 -nodes -keyout "$1.key" -out "$1.csr" \
		-subj "/O=Lab/CN=$1" 2>/dev/null
	n=$1; shift
	openssl ca -batch -config ca.cnf "$@" -in "$n.csr" -out "$n.pem" -notext 2>/dev/null
}
leaf good; leaf bad; leaf ocsp -extensions responder; leaf plain
openssl ca -config ca.cnf -gencrl -out root.crl 2>/dev/null
# the responder reads the index once: it is started again after a revocation
start_ocsp() {
	openssl ocsp -index ca/index.txt -port "$P" -rsigner ocsp.pem -rkey ocsp.key \
		-CA root.pem > ocsp.log 2>&1 &
	ocsp_pid=$!; pids="$pids $ocsp_pid"
	for _ in $(seq 100); do grep -q "waiting for OCSP" ocsp.log && break; sleep 0.05; done
}
stop_ocsp() { kill $ocsp_pid; wait $ocsp_pid 2>/dev/null || :; }
start_ocsp

expect 0 $T cluster init --name lab --domain lab.example --nodes cucm-pub --data-dir ./dd
# every alarm change also goes to notify_command, once
conf_set dd/trustline.conf monitor notify_command="cat >> '$PWD/hook.log'"
hooked() {	# hooked COUNT ALARM STATE: notify_command heard it COUNT times
	n=$(grep -c "\"alarm\":\"$2\",\"state\":\"$3\"" hook.log 2>/dev/null || :)
	[ "${n:-0}" = "$1" ] || fail "notify_command heard $2 $3 ${n:-0} times: $(cat hook.log 2>&1)"
}
for f in root good bad; do expect 0 $T cert trust add CallManager-trust $f.pem; done
# tvsd vouches for the trust stores: for bad until it is found revoked
chmod 755 "$PWD"
TP=$(free_port)
"${BUILD_DIR:?}/bin/tvsd" --foreground --listen 127.0.0.1 --port "$TP" 2> tvsd.log &
pids="$pids $!"
started tvsd.log $! > /dev/null
tvs() { expect "$1" $T tvs verify "$2" --server 127.0.0.1:$TP --itl dd/tftpboot/ITLFile.tlv; }
tvs 0 bad.pem
expect 0 $T cert revocation --help
has "revocation check"
expect 0 $T cert revocation check --help
expect 2 $T cert revocation frob
expect 2 $T cert revocation set
expect 2 $T cert revocation set --ocsp maybe
expect 2 $T cert revocation set --ocsp-uri ldap://x/
expect 2 $T cert revocation set --timeout 0

# nothing checked yet
expect 0 $T cert list --store CallManager-trust
grep "good" out.txt | grep -q unchecked || fail "cert list before a check: $(cat out.txt)"

# good from the responder the certificates name; the root (self-signed)
# and the cluster's own certificates (no OCSP URI or CRL point) are not asked
expect 0 $T cert revocation check
has "object=CallManager-trust/good status=good method=ocsp source=http://127.0.0.1:$P/"
has "object=CallManager-trust/bad status=good method=ocsp"
hasnt "Lab_Root_CA"
hasnt "alarm="
[ "$(grep -c "Received request" ocsp.log)" -eq 2 ] || fail "responder asked $(grep -c "Received request" ocsp.log) times"

# revoked: the alarm is raised once, stays raised, is listed by show
openssl ca -config ca.cnf -revoke bad.pem 2>/dev/null
stop_ocsp; start_ocsp
expect 1 $T cert revocation check
has "object=CallManager-trust/bad status=revoked method=ocsp"
has "object=CallManager-trust/good status=good"
has "alarm=CertificateRevoked state=raised severity=critical object=CallManager-trust/bad"
expect 1 $T cert revocation check --json
json out.txt '[r["status"] for r in d if r["object"] == "CallManager-trust/bad"][0]' | grep -qx revoked ||
	fail "--json: $(cat out.txt)"
grep -q "alarm=" err.txt && fail "the alarm was reported again: $(cat err.txt)"
hooked 1 CertificateRevoked raised
expect 0 $T cert revocation show
has "alarm=CertificateRevoked state=raised severity=critical object=CallManager-trust/bad"
has "object=CallManager-trust/bad status=revoked method=ocsp source=http://127.0.0.1:$P/ checked=20"
expect 0 $T cert list --store CallManager-trust --json
json out.txt '[r["revocation"] for r in d if r["name"] == "bad"][0]' | grep -qx revoked || fail "cert list --json"
expect 0 $T cert show CallManager-trust/bad
has "Revocation:  revoked (ocsp http://127.0.0.1:$P/"
# tvsd sees the new generation within its 2 s look and refuses it, saying why
for _ in $(seq 100); do [ "$(grep -c "event=reload" tvsd.log)" -ge 1 ] && break; sleep 0.1; done
tvs 1 bad.pem
has INVALID
tvs 0 good.pem
for _ in $(seq 50); do grep -q "verdict=revoked" tvsd.log && break; sleep 0.1; done
grep "verdict=revoked" tvsd.log | grep -q "subject=\"CN=bad,O=Lab\".*reason=\"ocsp http://127.0.0.1:$P/: the responder says revoked\"" ||
	fail "tvsd's refusal line: $(grep verdict= tvsd.log | tail -3)"
# cert monitor --watch keeps the revocation schedule: a check at its start
$T cert monitor --watch > /dev/null 2> watch.log &
wpid=$!; pids="$pids $wpid"
for _ in $(seq 100); do grep -q "object=CallManager-trust/bad status=revoked" watch.log && break; sleep 0.1; done
grep -q "object=CallManager-trust/bad status=revoked method=ocsp" watch.log ||
	fail "no revocation check from cert monitor --watch: $(cat watch.log)"
kill $wpid; wait $wpid 2>/dev/null || :

# the responder stopped: the CRL (made before the revocation) answers; off,
# there is no verdict, and the revoked one is not called good
stop_ocsp
expect 0 $T cert revocation set --crl off
expect 1 $T cert revocation check
has "object=CallManager-trust/good status=error method=ocsp"
has "Couldn't connect"
hasnt "status=good"
hasnt "alarm=CertificateRevoked state=cleared"
expect 0 $T cert revocation set --crl on
expect 0 $T cert revocation check CallManager-trust/good
has "object=CallManager-trust/good status=good method=crl source=file://$PWD/root.crl"
openssl ca -config ca.cnf -gencrl -out root.crl 2>/dev/null
expect 1 $T cert revocation check
has "object=CallManager-trust/bad status=revoked method=crl"
has "alarm=CRLChanged state=raised severity=warning object=file://$PWD/root.crl"
expect 1 $T cert revocation check
has "alarm=CRLChanged state=cleared"

# a CRL signed by another key under the same name, a stale one, a large one
openssl req -x509 -newkey rsa:2048 -nodes -keyout evil.key -out evil.pem \
	-subj "/O=Lab/CN=Lab Root CA" -days 3650 2>/dev/null
sed 's/^private_key = root.key/private_key = evil.key/; s/^certificate = root.pem/certificate = evil.pem/' \
	ca.cnf > evil.cnf
mkdir -p evil/new; sed -i 's|^dir = ./ca|dir = ./evil|' evil.cnf
: > evil/index.txt; echo 01 > evil/crlnumber
openssl ca -config evil.cnf -gencrl -out evil.crl 2>/dev/null
expect 0 $T cert revocation set --crl-uri "file://$PWD/evil.crl"
expect 1 $T cert revocation check CallManager-trust/good
has "status=error method=crl"
has "signature does not verify with the issuer's key"
openssl ca -config ca.cnf -gencrl -crl_lastupdate 20200101000000Z \
	-crl_nextupdate 20200102000000Z -out stale.crl 2>/dev/null
expect 0 $T cert revocation set --crl-uri "file://$PWD/stale.crl"
expect 1 $T cert revocation check CallManager-trust/good
has "status=error method=crl"
has "nextUpdate has passed"
{ cat root.crl; head -c 5000 /dev/zero; } > big.crl
expect 0 $T cert revocation set --crl-uri "file://$PWD/big.crl" --max-crl-kb 4
expect 1 $T cert revocation check CallManager-trust/good
has "larger than 4096 bytes: refused"
expect 0 $T cert revocation set --crl off --crl-uri "" --max-crl-kb 1024

# wrong answers from a responder: forged (signed by a key of the same name
# the CA never certified, and by a certificate the CA issued without
# OCSPSigning, which wolfSSL alone would take), stale, not yet valid, another nonce; then the same tool
# answering rightly, so the refusals are about what they say
bad_ocsp() {	# bad_ocsp MODE SIGNER
	rm -f port
	python3 "$TOOLS/ocsp_bad.py" port "$1" good.pem root.pem "$2.pem" "$2.key" &
	bp=$!; pids="$pids $bp"
	for _ in $(seq 100); do [ -s port ] && break; sleep 0.05; done
	expect 0 $T cert revocation set --ocsp-uri "http://127.0.0.1:$(cat port)/"
}
for m in "forged evil" "forged plain" "stale ocsp" "future ocsp" "nonce ocsp"; do
	set -- $m
	bad_ocsp "$1" "$2"
	expect 1 $T cert revocation check CallManager-trust/good
	has "status=error method=ocsp"
	has "the response was refused"
	kill $bp
done
bad_ocsp good ocsp
expect 0 $T cert revocation check CallManager-trust/good
has "object=CallManager-trust/good status=good method=ocsp source=http://127.0.0.1:$(cat port)/"
kill $bp

# the revoked certificate deleted: its alarm clears at the next full check
expect 0 $T cert revocation set --ocsp-uri ""
start_ocsp
expect 0 $T cert trust delete CallManager-trust bad --force
expect 0 $T cert revocation check
has "alarm=CertificateRevoked state=cleared severity= object=CallManager-trust/bad"
hooked 1 CertificateRevoked cleared
expect 0 $T cert revocation show
hasnt "alarm=CertificateRevoked"
echo "revocation: ok"
