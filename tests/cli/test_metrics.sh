#!/bin/sh
# GET /metrics on tftpd's HTTP port: the Prometheus text format (checked by
# tests/tools/promparse.py, a parser of the exposition format), counts that move with
# TFTP (tftp-hpa) and HTTP (curl) requests and are summed over two workers,
# and the alarms of trustline.db as gauges. Who may ask (loopback and
# [tftp] metrics_allow) is tests/unit/test_metrics.c:
# tests use loopback addresses only.
set -eu
T=${TRUSTLINE:?}
TFTPD=${BUILD_DIR:?}/bin/tftpd
. "$(dirname "$0")/common.sh"
TOOLS="$(cd "$(dirname "$0")/../tools" && pwd)"
export TRUSTLINE_DATA_DIR="$PWD/dd"
TPID=
# TERM: the supervisor stops its workers
trap '[ -n "$TPID" ] && kill $TPID 2>/dev/null; true' EXIT
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

scrape() {	# scrape: the metrics, parsed, in metrics.txt
	curl -sS -D headers.txt -o metrics.raw "http://127.0.0.1:$H/metrics" || fail "GET /metrics"
	grep -qi "^Content-Type: text/plain; version=0.0.4" headers.txt || fail "$(cat headers.txt)"
	python3 "$TOOLS/promparse.py" metrics.raw > metrics.txt || { cat metrics.raw; fail "not the exposition format"; }
}
value() { awk -v k="$1" '$1 == k { print $2 }' metrics.txt; }

expect 0 $T cluster init --name lab --domain lab.example --nodes pub
[ "$(id -u)" = 0 ] && conf_set dd/trustline.conf tftp user=root
conf_set dd/trustline.conf tftp per_client_rate=0
P=$(free_port) H=$(free_port)
$TFTPD --listen 127.0.0.1 --port "$P" --http-port "$H" --workers 2 --foreground 2> tftpd.log &
TPID=$!
for _ in $(seq 100); do
	[ "$(grep -c 'event=start pid' tftpd.log)" = 2 ] && break
	kill -0 $TPID 2>/dev/null || { cat tftpd.log; fail "tftpd did not start"; }
	sleep 0.05
done
[ "$(grep -c 'event=start pid' tftpd.log)" = 2 ] || { cat tftpd.log; fail "two workers"; }

scrape
ok0=$(value 'trustline_tftp_requests_total{proto="tftp",result="ok"}')
[ "$ok0" = 0 ] || fail "tftp ok starts at $ok0"
[ "$(value 'trustline_tftp_active_transfers')" = 0 ] || fail "active transfers"
grep -q '^# TYPE trustline_alarms_raised gauge$' metrics.raw || fail "no alarm gauge"

# 20 of each, from as many source ports: both workers answer some, and
# the figures are the sum
size=$(stat -c %s dd/tftpboot/ITLFile.tlv)
for i in $(seq 20); do
	tftp 127.0.0.1 "$P" -m binary -c get ITLFile.tlv got.tlv
	curl -sS -o /dev/null "http://127.0.0.1:$H/ITLFile.tlv"
	curl -sS -o /dev/null "http://127.0.0.1:$H/missing-$i"
done
tftp 127.0.0.1 "$P" -m binary -c get missing.bin nothing.bin > /dev/null 2>&1 || true
scrape
[ "$(value 'trustline_tftp_requests_total{proto="tftp",result="ok"}')" = 20 ] || fail "tftp ok: $(cat metrics.txt)"
[ "$(value 'trustline_tftp_requests_total{proto="tftp",result="not_found"}')" = 1 ] || fail "tftp not found"
[ "$(value 'trustline_tftp_requests_total{proto="http",result="ok"}')" = 20 ] || fail "http ok"
[ "$(value 'trustline_tftp_requests_total{proto="http",result="not_found"}')" = 20 ] || fail "http 404"
[ "$(value 'trustline_tftp_bytes_total{proto="tftp"}')" = $((20 * size)) ] || fail "tftp bytes"
[ "$(value 'trustline_tftp_bytes_total{proto="http"}')" = $((20 * size)) ] || fail "http bytes"

# an alarm raised in trustline.db is a gauge of its name
openssl req -x509 -newkey rsa:2048 -nodes -keyout soon.key -out soon.crt -days 3 \
	-subj "/O=Lab/CN=soon-CA" 2>/dev/null
expect 0 $T cert trust add CallManager-trust soon.crt
expect 4 $T cert monitor
# the trust store changed: each worker reloads, and the count is their sum
for _ in $(seq 100); do
	[ "$(grep -c 'event=reload result=ok' tftpd.log)" -ge 2 ] && break
	sleep 0.05
done
reloads=$(grep -c 'event=reload result=ok' tftpd.log || true)
[ "$reloads" -ge 2 ] || { cat tftpd.log; fail "the workers did not reload"; }
scrape
[ "$(value 'trustline_alarms_raised{name="CertValidfor7days"}')" = 1 ] ||
	fail "alarm gauge: $(grep alarms metrics.txt)"
[ "$(value 'trustline_reloads_total{result="ok"}')" = "$reloads" ] ||
	fail "reloads: $(value 'trustline_reloads_total{result="ok"}'), the log has $reloads"

kill $TPID; wait $TPID || true; TPID=
echo "metrics: ok"
