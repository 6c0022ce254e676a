#!/bin/sh
# GET /metrics on the optional listeners of tvsd and capfd ([tvs] and
# [capf] metrics_listen): the real daemons asked by `trustline tvs verify`,
# `trustline capf enroll` and raw clients, each request counted exactly
# (tvsd's summed over two workers), the format checked by
# tests/tools/promparse.py, curl as the scraper. A peer metrics_allow does
# not name gets 403: that needs a source address that is not loopback, so
# it is the machine's own address (the packets never leave the machine),
# and the step says it is left out when the machine has none.
set -eu
T=${TRUSTLINE:?}
TVSD=${BUILD_DIR:?}/bin/tvsd
CAPFD=$BUILD_DIR/bin/capfd
. "$(dirname "$0")/common.sh"
TOOLS="$(cd "$(dirname "$0")/../tools" && pwd)"
export TRUSTLINE_DATA_DIR="$PWD/dd"
VPID= CPID=
trap '[ -n "$VPID" ] && kill $VPID 2>/dev/null; [ -n "$CPID" ] && kill $CPID 2>/dev/null; true' EXIT
chmod 755 "$PWD"
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
scrape() {	# scrape PORT: the metrics, parsed, in metrics.txt
	curl -sS -D headers.txt -o metrics.raw "http://127.0.0.1:$1/metrics" || fail "GET /metrics"
	grep -qi "^Content-Type: text/plain; version=0.0.4" headers.txt || fail "$(cat headers.txt)"
	python3 "$TOOLS/promparse.py" metrics.raw > metrics.txt || { cat metrics.raw; fail "not the exposition format"; }
}
value() { awk -v k="$1" '$1 == k { print $2 }' metrics.txt; }
want() {	# want SAMPLE VALUE
	[ "$(value "$1")" = "$2" ] || { cat metrics.txt; fail "$1 is $(value "$1"), want $2"; }
}
# a non-loopback address of this machine, if it has one
OWN=$(hostname -I 2>/dev/null | tr ' ' '\n' | grep -E '^[0-9]+\.[0-9]+\.[0-9]+\.[0-9]+$' |
	grep -v '^127\.' | head -1 || true)

expect 0 $T cluster init --name lab --domain lab.example --nodes pub
if [ "$(id -u)" = 0 ]; then
	conf_set dd/trustline.conf capf user=root
fi
conf_set dd/trustline.conf capf per_ip_rate=1000

# bad values are refused with the line, and nothing starts
cp dd/trustline.conf good.conf
conf_set dd/trustline.conf tvs metrics_listen=localhost:9100
expect 1 $TVSD --foreground --port 0
grep -q "metrics_listen" err.txt || fail "bad metrics_listen: $(cat err.txt)"
cp good.conf dd/trustline.conf
conf_set dd/trustline.conf tvs metrics_listen=127.0.0.1:70000
expect 1 $TVSD --foreground --port 0
cp good.conf dd/trustline.conf

# ---- tvsd, two workers; only a port: loopback ----
M=$(free_port)
conf_set dd/trustline.conf tvs metrics_listen="$M"
P=$(free_port)
$TVSD --foreground --listen 127.0.0.1 --port "$P" --workers 2 2> tvsd.log &
VPID=$!
started tvsd.log $VPID > /dev/null
grep -q "metrics_port=$M" tvsd.log || fail "start line: $(cat tvsd.log)"
ss -Htln "sport = :$M" | grep -q "127.0.0.1:$M" || fail "not on loopback: $(ss -Htln "sport = :$M")"
scrape "$M"
want 'trustline_tvs_requests_total{result="trusted"}' 0
grep -q '^# TYPE trustline_alarms_raised gauge$' metrics.raw || fail "no alarm gauge"
N=12
ITL=dd/tftpboot/ITLFile.tlv
mk stranger
for i in $(seq $N); do
	expect 0 $T tvs verify dd/certs/CallManager/pub.pem --server 127.0.0.1:$P --itl $ITL
done
for i in 1 2 3; do
	expect 1 $T tvs verify stranger.crt --server 127.0.0.1:$P --itl $ITL
done
cat > raw.py <<'PY'
# raw.py PORT: one TLS session sending a malformed TVS message; one TCP
# connection sending bytes that are no TLS handshake
import socket, ssl, sys
port = int(sys.argv[1])
ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
ctx.check_hostname = False
ctx.verify_mode = ssl.CERT_NONE
s = ctx.wrap_socket(socket.create_connection(("127.0.0.1", port), timeout=5))
s.sendall(b"\x57\x01\x09\x00\x00\x00\x00\x01\x00\x00")
try:
    s.recv(1)
except (OSError, ssl.SSLError):
    pass
s.close()
p = socket.create_connection(("127.0.0.1", port), timeout=5)
p.sendall(b"GET / HTTP/1.0\r\n\r\n")
try:
    p.recv(100)
except OSError:
    pass
p.close()
PY
timeout 30 python3 raw.py "$P"
wait_for tvsd.log "reason=handshake_failed"
scrape "$M"
want 'trustline_tvs_requests_total{result="trusted"}' $N
want 'trustline_tvs_requests_total{result="invalid"}' 3
want 'trustline_tvs_requests_total{result="revoked"}' 0
want 'trustline_tvs_requests_total{result="error"}' 1
want 'trustline_tvs_tls_handshakes_failed_total{reason="error"}' 1
want 'trustline_tvs_connections_active' 0
# a change the daemons see: each worker reloads once
expect 0 $T cert trust add CallManager-trust stranger.crt
for _ in $(seq 100); do
	[ "$(grep -c 'event=reload generation' tvsd.log)" -ge 2 ] && break
	sleep 0.05
done
scrape "$M"
want 'trustline_reloads_total{result="ok"}' "$(grep -c 'event=reload generation' tvsd.log)"
# scrapes are answered by the listener only: another path is 404
code=$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$M/ITLFile.tlv")
[ "$code" = 404 ] || fail "GET /ITLFile.tlv on the metrics port: $code"
kill $VPID; wait $VPID || true; VPID=

# ---- capfd: sessions by operation and result ----
cp good.conf dd/trustline.conf
CM=$(free_port)
conf_set dd/trustline.conf capf metrics_listen="127.0.0.1:$CM"
expect 0 $T cert export CAPF
cp out.txt capf.pem
D1=SEP001122330001 D2=SEP001122330002
enrolling $D1 $D2
$CAPFD --listen 127.0.0.1 --port 0 --foreground 2> capfd.log &
CPID=$!
CP=$(started capfd.log $CPID)
grep -q "metrics_port=$CM" capfd.log || fail "start line: $(cat capfd.log)"
wait_for capfd.log "event=crl_published"
enroll() {	# enroll CODE DEVICE
	expect "$1" $T capf enroll --server 127.0.0.1:"$CP" --capf-cert capf.pem --device "$2" \
		--out "$2.pem"
}
enroll 0 $D1
enroll 0 $D2
enroll 1 $D1			# nothing pending any more
enroll 1 SEP0011223300FF	# not in the device database
# a session ends after capfd has answered: wait for the last one's line
wait_for capfd.log "event=unknown-device"
scrape "$CM"
want 'trustline_capf_sessions_total{operation="install",result="ok"}' 2
want 'trustline_capf_sessions_total{operation="install",result="failed"}' 0
want 'trustline_capf_sessions_total{operation="none",result="no_operation"}' 1
want 'trustline_capf_sessions_total{operation="none",result="unknown_device"}' 1
want 'trustline_capf_lscs_issued_total' 2
want 'trustline_capf_active_sessions' 0
want 'trustline_capf_crls_total{result="published"}' "$(grep -c event=crl_published capfd.log)"
want 'trustline_capf_crls_total{result="failed"}' 0

# ---- who may ask ----
if [ -n "$OWN" ]; then
	kill $CPID; wait $CPID || true; CPID=
	conf_set dd/trustline.conf capf metrics_listen="$OWN:$CM"
	$CAPFD --listen 127.0.0.1 --port 0 --foreground 2> capfd2.log &
	CPID=$!
	started capfd2.log $CPID > /dev/null
	code=$(curl -s -o /dev/null -w '%{http_code}' --interface "$OWN" "http://$OWN:$CM/metrics")
	[ "$code" = 403 ] || fail "a peer metrics_allow does not name got $code"
	# named, after a reload (SIGHUP): allowed
	conf_set dd/trustline.conf capf metrics_allow="$OWN"
	kill -HUP $CPID
	wait_for capfd2.log "event=reload.*cause=sighup"
	code=$(curl -s -o /dev/null -w '%{http_code}' --interface "$OWN" "http://$OWN:$CM/metrics")
	[ "$code" = 200 ] || fail "a peer metrics_allow names got $code"
else
	echo "metrics_tls: no address but loopback here: the 403 step is left out"
fi
kill $CPID; wait $CPID || true; CPID=
echo "metrics_tls: ok"
