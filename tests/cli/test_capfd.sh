#!/bin/sh
# capfd end to end: the real daemon on a loopback port, `trustline capf
# enroll` as the phone; every authentication mode, refusals, the LSC checked
# by openssl, and capfd killed with SIGKILL at each step of an install.
set -eu
T=${TRUSTLINE:?}
CAPFD=${BUILD_DIR:?}/bin/capfd
. "$(dirname "$0")/common.sh"
TOOLS="$(cd "$(dirname "$0")/../tools" && pwd)"
export TRUSTLINE_DATA_DIR="$PWD/dd"
PID=
trap '[ -n "$PID" ] && kill -9 $PID 2>/dev/null; true' EXIT

# start [ENV=VALUE]: capfd in the foreground; PORT is picked the first time
start() {
	: > capfd.log
	env "$@" $CAPFD --listen 127.0.0.1 --port "${PORT:-0}" ${WORKERS:+--workers $WORKERS} \
		--foreground 2> capfd.log &
	PID=$!
	for _ in $(seq 100); do
		grep -q "event=start" capfd.log && break
		kill -0 $PID 2>/dev/null || { cat capfd.log; fail "capfd did not start"; }
		sleep 0.05
	done
	PORT=$(sed -n 's/.*event=start.* port=\([0-9]*\).*/\1/p' capfd.log)
	[ -n "$PORT" ] || fail "no port in the start line"
}
stop() { kill "$PID"; wait "$PID" || true; PID=; }
enroll() {	# enroll CODE DEVICE [options]
	code=$1; dev=$2; shift 2
	expect "$code" $T capf enroll --server 127.0.0.1:"$PORT" --capf-cert capf.pem \
		--device "$dev" --json "$@"
}
status() {	# status DEVICE: the LSC status code
	$T device capf-status "$1" --json > st.json
	json st.json 'd["lsc_status"]'
}
# mic DEVICE: a MIC from the lab manufacturing CA, certificate and key in DEVICE-mic.pem
mic() {
	openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
		-keyout "$1.key" -subj "/O=Lab Phones/CN=CP-8865-$1" -out "$1.csr" 2>/dev/null
	openssl x509 -req -in "$1.csr" -CA dd/certs/lab-manufacturing-CA/lab.pem \
		-CAkey dd/certs/lab-manufacturing-CA/lab.key -CAcreateserial -days 30 \
		-out "$1.crt" 2>/dev/null
	cat "$1.crt" "$1.key" > "$1-mic.pem"
}

expect 0 $T cluster init --name lab --domain lab.example --nodes pub
[ "$(stat -c %a dd/trustline.db)" = 640 ] || fail "trustline.db mode $(stat -c %a dd/trustline.db)"
if [ "$(id -u)" = 0 ]; then
	# root, and no user to drop to but root: refused, with what to do
	expect 1 $CAPFD --listen 127.0.0.1 --port 0 --foreground
	grep -q "capfd would serve as root: create a system user" err.txt ||
		fail "no refusal as root: $(cat err.txt)"
	conf_set dd/trustline.conf capf user=root
fi
expect 0 $T cert export CAPF
cp out.txt capf.pem
# many enrollments a second from one address here; the limit has its own check
sed -i "s/^per_ip_rate = .*/per_ip_rate = 1000/" dd/trustline.conf
D1=SEP001122330001 D2=SEP001122330002 D3=SEP001122330003 D4=SEP001122330004
for d in $D1 $D2 $D3 $D4; do expect 0 $T device add $d --model CP-8865; done

# ---- scheduling: validation ----
expect 2 $T device capf $D1
expect 2 $T device capf $D1 --operation upgrade
expect 2 $T device capf $D1 --operation install --key rsa:8192
expect 2 $T device capf $D1 --operation install --key ec:255
expect 2 $T device capf $D1 --operation install --auth-string 123
expect 2 $T device capf $D1 --operation install --auth-string 12345678901
expect 2 $T device capf $D1 --operation install --auth-string 12a4
expect 2 $T device capf $D1 --operation install --auth-mode null --auth-string 1234
expect 2 $T device capf $D1 --operation install --auth-mode string
expect 2 $T device capf $D1 --operation install --by 2001-01-01T00
expect 2 $T device capf $D1 --operation install --by tomorrow
expect 1 $T device capf SEP00112233FFFF --operation install
expect 0 $T device capf $D1 --operation install --auth-string generate --key ec:256
SECRET=$(sed -n 's/^authentication string: //p' out.txt)
echo "$SECRET" | grep -Eqx '[0-9]{4,10}' || fail "generated string: $SECRET"
[ "$(status $D1)" = 2 ] || fail "scheduled: not pending"
json st.json 'd["capf_deadline"]' | grep -q "$(date -u -d '+7 days' +%Y-%m-%d)" || fail "7-day deadline"

start
# ---- authentication string: wrong, then right; the LSC checked by openssl ----
enroll 1 $D1 --auth-string 0000
grep -q "wrong authentication string" out.txt || fail "refusal reason: $(cat out.txt)"
[ "$(status $D1)" = 10 ] || fail "wrong string: status $(status $D1)"
enroll 0 $D1 --auth-string "$SECRET" --out d1.pem
[ "$(json out.txt 'd["result"]')" = installed ] || fail "install result"
[ "$(stat -c %a d1.pem)" = 600 ] || fail "LSC file mode"
[ "$(status $D1)" = 3 ] || fail "install: status $(status $D1)"
[ "$(json st.json 'd["capf_operation"]')" = none ] || fail "operation not cleared"
openssl verify -CAfile capf.pem d1.pem > /dev/null || fail "openssl verify"
openssl x509 -in d1.pem -noout -text > x509.txt
grep -A1 "Basic Constraints: critical" x509.txt | grep -q "CA:FALSE" || fail "basicConstraints"
grep -A1 "Key Usage: critical" x509.txt | grep -q "Digital Signature, Key Encipherment" || fail "keyUsage"
grep -A1 "Extended Key Usage" x509.txt | grep -q "TLS Web Server Authentication, TLS Web Client Authentication, IPSec End System" || fail "EKU"
grep -A1 "Subject Alternative Name" x509.txt | grep -q "URI:$D1" || fail "SAN URI"
grep -q "Subject: .*CN *= *$D1" x509.txt || fail "subject"
grep -q "ASN1 OID: prime256v1" x509.txt || fail "the scheduled EC key"
serial=$(openssl x509 -in d1.pem -noout -serial | cut -d= -f2 | tr A-F a-f)
[ "$(json st.json 'd["lsc_serial"].replace(":","")')" = "$serial" ] || fail "recorded serial"
# nothing pending now; an unknown phone
enroll 1 $D1 --auth-string "$SECRET"
grep -q "nothing pending" out.txt || fail "no-action reason"
enroll 1 SEP00112233EEEE
grep -q "does not know" out.txt || fail "unknown device reason"

# ---- null string, RSA, trusted through the ITL ----
expect 0 $T device capf $D2 --operation install --auth-mode null --key rsa:2048
expect 0 $T capf enroll --server 127.0.0.1:$PORT --itl dd/tftpboot/ITLFile.tlv \
	--device $D2 --out d2.pem
openssl verify -CAfile capf.pem d2.pem > /dev/null || fail "RSA LSC"
openssl x509 -in d2.pem -noout -text | grep -q "Public-Key: (2048 bit)" || fail "RSA 2048"
# a server certificate that is not the CAPF record: refused by the phone
expect 0 $T cert export TVS
cp out.txt tvs.pem
expect 2 $T capf enroll --server 127.0.0.1:$PORT --capf-cert tvs.pem --device $D2

# ---- 1,200 connections held silent or mid-handshake from 12 addresses
# (limits: 1000, 100 per address): the oldest silent ones are shed, and a
# phone enrolls within 1 s ----
D6=SEP001122330006
expect 0 $T device add $D6 --model CP-8865
expect 0 $T device capf $D6 --operation install --auth-mode null --key ec:256
rm -f held
timeout 60 python3 "$TOOLS/holdconns.py" "$PORT" 1200 5 mixed 12 &
hold=$!
until [ -f held ]; do kill -0 $hold 2>/dev/null || fail "holdconns failed"; sleep 0.1; done
t0=$(date +%s%N)
enroll 0 $D6
ms=$(( ($(date +%s%N) - t0) / 1000000 ))
echo "figure: enrollment with 1,200 connections held silent or mid-handshake: $ms ms"
[ $ms -lt 1000 ] || fail "enrollment took $ms ms"
[ "$(status $D6)" = 3 ] || fail "held: status $(status $D6)"
grep -q "event=shed reason=full limit=1000 per_source=100" capfd.log || fail "no shed line"
wait $hold

# ---- MIC only, then LSC first (showing the LSC), fetch and delete ----
mic $D3
expect 0 $T device capf $D3 --operation install --auth-mode mic --key ec:384
enroll 1 $D3
[ "$(status $D3)" = 12 ] || fail "no certificate: status $(status $D3)"
enroll 0 $D3 --mic $D3-mic.pem --out d3.pem
[ "$(status $D3)" = 3 ] || fail "MIC auth"
expect 0 $T device capf $D3 --operation install --auth-mode lsc --key ec:256
enroll 0 $D3 --lsc d3.pem --out d3b.pem
cmp -s d3.pem d3b.pem && fail "no new LSC"
# the old LSC no longer counts, a self-signed "MIC" never did
expect 0 $T device capf $D3 --operation fetch --auth-mode lsc
mk rogue
enroll 1 $D3 --mic rogue.pem
[ "$(status $D3)" = 28 ] || fail "rogue MIC (troubleshoot: Invalid MIC): status $(status $D3)"
enroll 0 $D3 --lsc d3b.pem
[ "$(json out.txt 'd["result"]')" = fetched ] && [ "$(status $D3)" = 5 ] || fail "fetch"
# revoked by the administrator: refused as the existing certificate
expect 0 $T device lsc revoke $D3
grep -q "1 LSC revoked" out.txt || fail "lsc revoke: $(cat out.txt)"
expect 1 $T device lsc revoke $D3
grep -q "no LSC in use" err.txt || fail "second revoke: $(cat err.txt)"
expect 0 $T device capf $D3 --operation fetch --auth-mode lsc
enroll 1 $D3 --lsc d3b.pem
$T device capf-status $D3 > cs.txt
grep -q "26 Troubleshoot Failed: Invalid LSC: the LSC (serial .*) is revoked" cs.txt ||
	fail "revoked LSC: $(cat out.txt cs.txt)"
expect 0 $T device capf $D3 --operation delete --auth-mode mic
enroll 0 $D3 --mic $D3-mic.pem
[ "$(status $D3)" = 4 ] && [ "$(json st.json 'd["lsc_serial"]')" = None ] || fail "delete"

# ---- lockout: 5 wrong strings lock the device, even the right one fails ----
expect 0 $T device capf $D4 --operation install --auth-string 24680
for i in 1 2 3 4 5; do enroll 1 $D4 --auth-string 1111; done
grep -q "event=lockout device=$D4" capfd.log || fail "no lockout log line"
enroll 1 $D4 --auth-string 24680
grep -q "locked" out.txt || fail "locked device accepted: $(cat out.txt)"
[ "$(status $D4)" = 10 ] || fail "lockout status"
stop

# ---- past the deadline: 17, nothing done ----
expect 0 $T device capf $D4 --operation install --auth-mode null --by "$(date -u -d '+1 hour' +%Y-%m-%dT%H)"
python3 - dd/trustline.db $D4 <<'X'
import sqlite3, sys
db = sqlite3.connect(sys.argv[1])
db.execute("UPDATE device SET capf_deadline = capf_deadline - 7200 WHERE name = ?", (sys.argv[2],))
db.commit()
X
start
enroll 1 $D4
[ "$(status $D4)" = 17 ] || fail "late: status $(status $D4)"
stop

# ---- SIGKILL at each step, restart, the database checked ----
for step in auth keygen store done; do
	expect 0 $T device capf $D4 --operation install --auth-mode null --key ec:256
	rm -f d4.pem
	start TL_CAPFD_CRASH_AT=$step
	expect 2 $T capf enroll --server 127.0.0.1:$PORT --capf-cert capf.pem --device $D4 --out d4.pem
	wait "$PID" || true
	PID=
	grep -q "event=crash_test" capfd.log || fail "$step: capfd did not crash"
	start
	$T device capf-status $D4 --json > st.json
	st=$(json st.json 'd["lsc_status"]')
	lsc=$(json st.json 'd["lsc_serial"] or ""' | tr -d :)
	case $step in
	auth|keygen)	# nothing issued: still pending, the LSC of before
		[ "$st" = 2 ] || fail "$step: status $st" ;;
	store)	# issued and committed, never confirmed: recovered as 13, not installed
		[ "$st" = 13 ] || fail "store: status $st"
		grep -q "unconfirmed_lscs=1" capfd.log || fail "store: no recovery line"
		[ -f d4.pem ] && fail "store: the phone kept an LSC it never got" ;;
	done)	# confirmed and committed before the end: installed, and the phone has it
		[ "$st" = 3 ] || fail "done: status $st"
		[ -f d4.pem ] || fail "done: the phone has no LSC"
		s=$(openssl x509 -in d4.pem -noout -serial | cut -d= -f2 | tr A-F a-f)
		[ "$lsc" = "$s" ] || fail "done: database $lsc, phone $s" ;;
	esac
	if [ "$step" != done ]; then
		# the operation is still there: the phone tries again and succeeds
		enroll 0 $D4 --out d4.pem
		[ "$(status $D4)" = 3 ] || fail "$step: retry"
	fi
	stop
done
# the LSCs issued for D4: the crashed store one unconfirmed, none left "issued"
python3 - dd/trustline.db $D4 <<'X'
import sqlite3, sys
rows = sqlite3.connect(sys.argv[1]).execute(
    "SELECT state FROM capf_lsc WHERE device = ?", (sys.argv[2],)).fetchall()
states = [r[0] for r in rows]
assert "issued" not in states, states
assert states.count("unconfirmed") == 1, states
assert states.count("installed") == 1, states
X

# ---- [capf] settings: a wrong one names its line; the per-address limit ----
expect 0 $CAPFD --help
cp dd/trustline.conf conf.bak
printf '[capf]\nlockout_tries = 3\n' >> dd/trustline.conf
expect 1 $CAPFD --foreground --port 0
grep -q "line [0-9]*: \[capf\] lockout_tries" err.txt || fail "unknown key: $(cat err.txt)"
cp conf.bak dd/trustline.conf
conf_set dd/trustline.conf capf lsc_days=0
expect 1 $CAPFD --foreground --port 0
cp conf.bak dd/trustline.conf
sed -i "s/^per_ip_rate = .*/per_ip_rate = 2/" dd/trustline.conf
start
refused=0
for i in 1 2 3 4 5 6; do
	set +e; $T capf enroll --server 127.0.0.1:$PORT --capf-cert capf.pem \
		--device SEP00112233EEEE > /dev/null 2>&1; rc=$?; set -e
	[ $rc -eq 2 ] && refused=$((refused + 1))
done
[ $refused -ge 1 ] || fail "per_ip_rate 2: nothing refused"
grep -q "event=refused reason=per_ip_rate" capfd.log || fail "no refusal log line"
stop
cp conf.bak dd/trustline.conf

# ---- SIGHUP reloads: an issuing CA ("online CA") signs from then on ----
openssl req -x509 -newkey rsa:2048 -nodes -keyout ica.key -out ica.crt -days 30 \
	-subj "/O=Lab/OU=VoIP/CN=Lab Online CA" -addext "basicConstraints=critical,CA:TRUE" \
	-addext "keyUsage=critical,keyCertSign,cRLSign" 2>/dev/null
cat ica.crt ica.key > dd/online-ca.pem
start
conf_set dd/trustline.conf capf issuer_cert=online-ca.pem
kill -HUP $PID
for _ in $(seq 50); do grep -q "event=reload" capfd.log && break; sleep 0.1; done
grep -q "event=reload.*Lab Online CA" capfd.log || fail "no reload line: $(cat capfd.log)"
expect 0 $T device capf $D2 --operation install --auth-mode null --key ec:256
# a phone that knows only the CAPF certificate refuses the LSC ...
enroll 1 $D2 --out d2c.pem
grep -q "not issued by" out.txt || fail "issuer check: $(cat out.txt)"
[ "$(status $D2)" = 6 ] || fail "refused LSC: status $(status $D2)"
# ... one given the issuing CA takes it
enroll 0 $D2 --issuer ica.crt --out d2c.pem
openssl verify -CAfile ica.crt d2c.pem > /dev/null || fail "LSC of the issuing CA"
openssl x509 -in d2c.pem -noout -issuer | grep -q "Lab Online CA" || fail "issuer name"
openssl x509 -in d2c.pem -noout -subject | grep -q "O *= *Lab, OU *= *VoIP, CN *= *$D2" ||
	fail "subject copies the issuer's O and OU"
# a broken setting: the reload fails and changes nothing
conf_set dd/trustline.conf capf issuer_cert=missing.pem
kill -HUP $PID
for _ in $(seq 50); do grep -q "event=reload_failed" capfd.log && break; sleep 0.1; done
grep -q "event=reload_failed" capfd.log || fail "no reload_failed line"
expect 0 $T device capf $D2 --operation install --auth-mode null --key ec:256
enroll 0 $D2 --issuer ica.crt --out d2c.pem
stop
cp conf.bak dd/trustline.conf
expect 0 $T device capf-status
[ "$(wc -l < out.txt)" -eq 5 ] || fail "capf-status lists every device"

# ---- 16 phones at once on two workers: their changes committed in
# batches, every LSC recorded and installed, the generation moved ----
many=$(seq -f "SEP0011223301%02g" 1 16)
for d in $many; do
	expect 0 $T device add "$d" --model CP-8865
	expect 0 $T device capf "$d" --operation install --auth-mode null --key ec:256
done
gen=$(cat dd/generation)
WORKERS=2 start
pids=
for d in $many; do
	$T capf enroll --server 127.0.0.1:"$PORT" --capf-cert capf.pem --device "$d" \
		--out "$d.pem" > "$d.out" 2>&1 &
	pids="$pids $!"
done
for p in $pids; do wait "$p" || fail "an enrollment at once failed: $(cat ./*.out)"; done
stop
[ "$(cat dd/generation)" -gt "$gen" ] || fail "the generation did not move"
python3 - dd/trustline.db $many <<'X'
import sqlite3, sys
db = sqlite3.connect(sys.argv[1])
for d in sys.argv[2:]:
    states = [r[0] for r in db.execute(
        "SELECT state FROM capf_lsc WHERE device = ?", (d,))]
    assert states == ["installed"], (d, states)
    row = db.execute("SELECT lsc_status, capf_operation, lsc IS NOT NULL FROM device"
                     " WHERE name = ?", (d,)).fetchone()
    assert row == (3, "none", 1), (d, row)
X

# ---- a phone that hangs up as soon as it has sent its key: the LSC is
# committed after it left, then recorded unconfirmed (13) ----
D5=SEP001122330005
expect 0 $T device add $D5 --model CP-8865
expect 0 $T device capf $D5 --operation install --auth-mode null --key ec:256
openssl ecparam -name prime256v1 -genkey -noout -out d5.key 2>/dev/null
openssl pkey -in d5.key -pubout -outform DER -out d5.spki 2>/dev/null
start
python3 - 127.0.0.1 "$PORT" $D5 d5.spki <<'X'
import socket, ssl, struct, sys
host, port, device, spki = sys.argv[1], int(sys.argv[2]), sys.argv[3], open(sys.argv[4], "rb").read()
ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
ctx.check_hostname = False
ctx.verify_mode = ssl.CERT_NONE
s = ctx.wrap_socket(socket.create_connection((host, port)))
def read():
    h = b""
    while len(h) < 8:
        h += s.recv(8 - len(h))
    body = b""
    while len(body) < struct.unpack(">H", h[6:8])[0]:
        body += s.recv(65536)
    return h[1], struct.unpack(">I", h[2:6])[0]
def send(cmd, sess, *tlvs):
    body = b"".join(struct.pack(">BH", t, len(v)) + v for t, v in tlvs)
    s.sendall(struct.pack(">BBIH", 0x55, cmd, sess, len(body)) + body)
cmd, sess = read()
assert cmd == 1, cmd
send(2, sess, (1, b"\x01"), (7, b"\x03"), (13, device.encode() + b"\0"), (11, b"\0"))
cmd, _ = read()
assert cmd == 3, cmd
send(4, sess, (9, spki))
s.close()
X
for _ in $(seq 50); do grep -q "event=status device=$D5.*status=13" capfd.log && break; sleep 0.1; done
stop
grep -q "event=status device=$D5.*status=13.*closed the connection" capfd.log ||
	fail "no status 13 for the phone that hung up: $(grep $D5 capfd.log)"
[ "$(status $D5)" = 13 ] || fail "hung up: status $(status $D5)"
python3 - dd/trustline.db $D5 <<'X'
import sqlite3, sys
states = [r[0] for r in sqlite3.connect(sys.argv[1]).execute(
    "SELECT state FROM capf_lsc WHERE device = ?", (sys.argv[2],))]
assert states == ["unconfirmed"], states
X
echo "all passed"
