#!/bin/sh
# End to end, docs/phone-trust.md's scenarios about the trust lists: first boot
# (over TFTP and over HTTP), the TFTP certificate regenerated with TVS up,
# `itl reset --recovery`, TFTP and TVS regenerated together, the rollback
# ITL. The real tftpd and tvsd; the cluster changed only with trustline.
set -eu
. "$(dirname "$0")/lib/cluster.sh"
export TRUSTLINE_DATA_DIR="$PWD/dd"

init dd lab cucm-pub
A=001122334455 H=0011223344DD U=0011223344BB
for d in $A $H $U; do expect 0 $T device add SEP$d --model CP-8865; done
serve dd tftpd tvsd

# ---- first boot, no trust installed: ITL on first use, signed config ----
boot 0 phone-a $A -v
has "^CTL   CTLFile.tlv  not on the server: no CTL.*ACCEPTED"
has "^ITL   ITLFile.tlv  signer .*CN=cucm-pub.*nothing installed: trust on first use -> ACCEPTED"
has "^CONF  SEP$A.cnf.xml.sgn  signer .*CN=cucm-pub.* = CCM+TFTP record #[0-9]* of the ITL -> ACCEPTED"
grep -q "TFTP ITLFile.tlv: [0-9]* bytes" err.txt || fail "-v: $(cat err.txt)"
cmp phone-a/ITLFile.tlv dd/tftpboot/ITLFile.tlv || fail "the installed ITL is not the cluster's"
grep -q "<address>cucm-pub.lab.example</address>" phone-a/config.xml || fail "config.xml"
expect 0 "$PS" show --state phone-a --json
json out.txt 'd["itl"] is not None and d["config"]["tvs_servers"] == 1' | grep -qx True ||
	fail "show --json"
boot 0 phone-a $A --json	# the same again: nothing to do
json out.txt '[s["line"] for s in d["steps"] if s["step"] == "ITL"][0]' |
	grep -q "identical to the installed ITL" || fail "second boot: $(cat out.txt)"
json out.txt 'd["result"]' | grep -qx trusted || fail "json result"
# a phone given a trust anchor takes the first ITL only from it
$T cert export CallManager > cm.pem
$T cert export TVS > tvs.pem
boot 1 phone-p $A --pin-itl tvs.pem
has "^ITL   ITLFile.tlv  signer .*CN=cucm-pub.* is not the pinned anchor .*TVS.* -> REJECTED"
[ ! -f phone-p/ITLFile.tlv ] || fail "an ITL against the pin"
boot 0 phone-p $A --pin-itl cm.pem
has "^ITL   ITLFile.tlv  signer .*CN=cucm-pub.*, pinned anchor .*CN=cucm-pub.* -> ACCEPTED"
echo "first boot: ok"

# ---- the same over HTTP (port 6970 of the TFTP host) ----
before=$(count "event=http" dd.tftpd.log)
expect 0 "$PS" boot --state phone-h --mac $H --tftp 127.0.0.1 --http=$HTTP \
	--tvs 127.0.0.1:$TVS -v
has "^ITL   ITLFile.tlv  .*nothing installed: trust on first use -> ACCEPTED"
has "^CONF  SEP$H.cnf.xml.sgn  .* = CCM+TFTP record #[0-9]* of the ITL -> ACCEPTED"
grep -q "booting from HTTP 127.0.0.1:$HTTP" err.txt || fail "not HTTP: $(cat err.txt)"
grep -q "HTTP CTLSEP$H.tlv: not found (http://127.0.0.1:$HTTP/CTLSEP$H.tlv: 404 Not Found): the file is not on the server" err.txt ||
	fail "a 404 is not 'not found' with its URL and status: $(cat err.txt)"
grep -q "event=http .*file=ITLFile.tlv .*status=200" dd.tftpd.log || fail "tftpd: no HTTP GET"
grep -q "event=http .*file=SEP$H.cnf.xml.sgn .*status=200" dd.tftpd.log || fail "tftpd: config"
[ "$(count "event=http" dd.tftpd.log)" -eq $((before + 5)) ] || fail "five GETs expected"
cmp phone-h/ITLFile.tlv dd/tftpboot/ITLFile.tlv || fail "HTTP: the installed ITL"
expect 2 "$PS" boot --state phone-h --mac $H --tftp 127.0.0.1 --http=1 --json
json out.txt 'd["result"] == "error" and d["http_port"] == 1' | grep -qx True ||
	fail "an HTTP server that does not answer: $(cat out.txt)"
# a server that answers with another status: the URL, the status, its text
P503=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
python3 - "$P503" <<'PY' &
import http.server, sys
class H(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        body = b"503 Service Unavailable: reloading\n"
        self.send_response(503)
        self.send_header("Content-Type", "text/plain")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)
    def log_message(self, *a):
        pass
s = http.server.HTTPServer(("127.0.0.1", int(sys.argv[1])), H)
s.timeout = 10
for _ in range(4):
    s.handle_request()
PY
p503=$!
for _ in $(seq 50); do
	python3 -c 'import socket,sys; socket.create_connection(("127.0.0.1", int(sys.argv[1])), 1)' "$P503" 2>/dev/null && break
	sleep 0.1
done
expect 2 "$PS" boot --state phone-503 --mac $H --tftp 127.0.0.1 --http=$P503
grep -q "http://127.0.0.1:$P503/CTLSEP$H.tlv: 503 Service Unavailable: reloading: the server does not give the file" err.txt ||
	fail "an HTTP 503: $(cat err.txt)"
kill "$p503" 2>/dev/null || :
echo "first boot over HTTP: ok"

# ---- CallManager (TFTP) certificate regenerated, TVS unchanged ----
expect 0 $T cert generate CallManager --node cucm-pub
settled dd tvs
boot 0 phone-a $A
has "^ITL   ITLFile.tlv  signer .* not in installed ITL -> TVS 127.0.0.1:$TVS -> VALID roles=.*CCM+TFTP.* -> ACCEPTED"
has "^CONF  SEP$A.cnf.xml.sgn  .* of the ITL -> ACCEPTED"
expect 0 "$PS" show --state phone-a
grep -q "^TVS cache [0-9a-f]\{64\} expires in" out.txt || fail "TVS answer not cached"
# over HTTP the same
expect 0 "$PS" boot --state phone-h --mac $H --tftp 127.0.0.1 --http=$HTTP --tvs 127.0.0.1:$TVS
has "^ITL   .* -> TVS 127.0.0.1:$TVS -> VALID .* -> ACCEPTED"
echo "TFTP regenerated, TVS up: ok"

# ---- ITL re-signed with the ITLRecovery key: no TVS needed ----
expect 0 $T itl reset --recovery
settled dd
boot 0 phone-a $A --tvs 127.0.0.1:1	# TVS out of reach: not needed
has "^ITL   ITLFile.tlv  signer .*ITLRECOVERY.* = SAST record #[0-9]* of the installed ITL -> ACCEPTED"
echo "itl reset --recovery: ok"

# ---- CallManager and TVS regenerated together on a single-node cluster ----
expect 0 $T cert generate CallManager --node cucm-pub --force
expect 0 $T cert generate TVS --node cucm-pub --force
settled dd tvs
boot 1 phone-a $A
has "^ITL   ITLFile.tlv  signer .* not in installed ITL -> TVS 127.0.0.1:$TVS refused: the server's certificate .*TVS.* is not a TVS record .*: not trusted -> REJECTED"
has "^CONF  SEP$A.cnf.xml.sgn  .* not in CTL/ITL -> TVS 127.0.0.1:$TVS refused: .*: not trusted -> REJECTED"
refused "ITL"
cp phone-a/config.xml kept.xml
boot 1 phone-a $A	# stuck: the same again
has "ITL .*-> REJECTED"
cmp phone-a/config.xml kept.xml || fail "a configuration change was accepted"
expect 0 "$PS" erase-trust --state phone-a
[ ! -f phone-a/ITLFile.tlv ] || fail "erase-trust kept the ITL"
[ -f phone-a/config.xml ] || fail "erase-trust removed the configuration"
boot 0 phone-a $A
has "^ITL   .*trust on first use -> ACCEPTED"
has "^CONF  .* of the ITL -> ACCEPTED"
echo "TFTP and TVS regenerated together: stuck until erase-trust: ok"

# ---- rollback ITL ----
# Phone U holds the populated ITL. Its device is removed and an unsigned
# configuration left in tftpboot/: refused while the ITL is populated.
boot 0 phone-u $U
printf '<device><fullConfig>true</fullConfig><loadInformation>rollback</loadInformation></device>\n' \
	> dd/tftpboot/SEP$U.cnf.xml
expect 0 $T device remove SEP$U
settled dd
boot 1 phone-u $U
has "^CONF  SEP$U.cnf.xml.sgn  not on the server"
# The rollback ITL: signed by the TFTP (CallManager) key and holding nothing
# else, served as the cluster's ITL (SIGHUP: tftpd reads tftpboot/ again)
expect 0 $T itl build rollback.tlv --signer dd/certs/CallManager/cucm-pub.pem \
	--signer-key dd/certs/CallManager/cucm-pub.key
cp rollback.tlv dd/tftpboot/ITLFile.tlv
mark dd
kill -HUP $TFTPD_PID
hupped dd
boot 0 phone-u $U
has "^ITL   ITLFile.tlv  signer .*CN=cucm-pub.* = SAST record #[0-9]* of the installed ITL -> ACCEPTED (rollback ITL"
has "^CONF  SEP$U.cnf.xml  unsigned, accepted: rollback ITL installed -> ACCEPTED"
grep -q "<loadInformation>rollback</loadInformation>" phone-u/config.xml || fail "unsigned config"
expect 0 "$PS" show --state phone-u --json
json out.txt 'd["rollback"]' | grep -qx True || fail "show: rollback"
# a populated ITL again (itl rebuild), and the device back: first use
expect 0 $T itl rebuild
expect 0 $T device add SEP$U --model CP-8865
settled dd
boot 0 phone-u $U
has "^ITL   ITLFile.tlv  signer .*a rollback ITL installed: trust on first use -> ACCEPTED"
has "^CONF  SEP$U.cnf.xml.sgn  .* = CCM+TFTP record #[0-9]* of the ITL -> ACCEPTED"
cmp phone-u/ITLFile.tlv dd/tftpboot/ITLFile.tlv || fail "the populated ITL is not installed"
[ ! -f phone-u/rollback ] || fail "still a rollback ITL"
echo "rollback ITL: ok"
echo "all passed"
