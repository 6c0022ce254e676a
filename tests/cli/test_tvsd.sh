#!/bin/sh
# tvsd end to end on 127.0.0.1: the real daemon against a real data
# directory, asked by `trustline tvs` and by raw TLS clients (python3):
# every role, unknown and expired certificates, QUERY, several requests per
# session, reload without a restart and without a failed request, malformed
# and truncated input, half-open and slow clients, the connection limit, and
# the client refusing a server that is not the ITL's TVS.
set -eu
T=${TRUSTLINE:?}
TVSD=${BUILD_DIR:?}/bin/tvsd
. "$(dirname "$0")/common.sh"
export TRUSTLINE_DATA_DIR="$PWD/dd"
# tvsd run as root becomes nobody, who must be able to read the directory
chmod 755 "$PWD"

expect 0 $T cluster init --name lab --domain lab.example --nodes cucm-pub,cucm-sub1
# short limits, so the timeouts are seen within the test
sed -i -e 's/^handshake_timeout = .*/handshake_timeout = 2/' \
	-e 's/^idle_timeout = .*/idle_timeout = 2/' \
	-e 's/^max_connections = .*/max_connections = 40/' \
	-e 's/^ttl = .*/ttl = 86400\nttl_sast = 3600/' dd/trustline.conf
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
SRV=127.0.0.1:$port
ITL=dd/tftpboot/ITLFile.tlv

"$TVSD" --foreground --listen 127.0.0.1 --port "$port" 2> tvsd.log &
pid=$!
trap 'kill $pid 2>/dev/null || true' EXIT INT TERM
i=0
until grep -q "event=start" tvsd.log; do
	i=$((i + 1)); [ $i -lt 100 ] || { cat tvsd.log; fail "tvsd did not start"; }
	sleep 0.1
done
grep -q "port=$port" tvsd.log || fail "start line without the port"

cat > raw.py <<'EOF'
# Raw TVS clients over TLS, without certificate checks.
import socket, ssl, struct, sys, time

def tls(port, timeout=5):
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    s = socket.create_connection(("127.0.0.1", port), timeout=timeout)
    return ctx.wrap_socket(s)

def der(path):
    return ssl.PEM_cert_to_DER_cert(open(path).read())

def tlv(tag, val):
    return struct.pack(">BH", tag, len(val)) + val

def msg(cmd, session, body, version=1):
    return struct.pack(">BBBBIH", 0x57, version, cmd, 0, session, len(body)) + body

def verify(session, cert):
    return msg(1, session, tlv(1, b"\x01CP-8865-SEP001122334455") + tlv(2, cert))

def answer(s):
    h = b""
    while len(h) < 10:
        c = s.recv(10 - len(h))
        if not c:
            raise EOFError("closed")
        h += c
    n = struct.unpack(">H", h[8:10])[0]
    body = b""
    while len(body) < n:
        body += s.recv(n - len(body))
    els, i = {}, 0
    while i < n:
        tag, ln = struct.unpack(">BH", body[i:i + 3])
        els[tag] = body[i + 3:i + 3 + ln]
        i += 3 + ln
    return h[2], struct.unpack(">I", h[4:8])[0], els

def closed_within(s, secs):
    """Seconds until the server closed the connection, or None."""
    t0 = time.time()
    s.settimeout(secs)
    try:
        while s.recv(100):
            pass
    except (socket.timeout, TimeoutError):
        return None
    except (ssl.SSLError, ConnectionError, OSError):
        pass
    return time.time() - t0

cmd, port = sys.argv[1], int(sys.argv[2])
if cmd == "session":          # several VERIFYs in one session, then pipelined
    certs = [der(p) for p in sys.argv[3:]]
    s = tls(port)
    for i, c in enumerate(certs):
        s.sendall(verify(100 + i, c))
        r = answer(s)
        assert r[0] == 2 and r[1] == 100 + i, r
        print("status", r[2][7][0], "roles", list(r[2].get(8, b"")))
    s.sendall(b"".join(verify(200 + i, c) for i, c in enumerate(certs)))
    for i in range(len(certs)):
        r = answer(s)
        assert r[1] == 200 + i, r
    print("pipelined ok")
elif cmd == "bad":            # the input named by argv[3] closes the session
    good = verify(7, der(sys.argv[4]))
    bad = {"garbage": b"GET / HTTP/1.0\r\n\r\n",
           "version": good[:1] + b"\x02" + good[2:],
           "command": good[:2] + b"\x09" + good[3:],
           "response": good[:2] + b"\x02" + good[3:],
           "element": msg(1, 7, tlv(1, b"\x01X") + tlv(2, b"\x30") + tlv(99, b"x")),
           "nocert": msg(1, 7, tlv(1, b"\x01X")),
           "oversized": msg(1, 7, b"") [:8] + b"\xff\xff" + b"\x00" * 4000,
           }[sys.argv[3]]
    s = tls(port)
    s.sendall(good)
    assert answer(s)[1] == 7
    s.sendall(bad)
    t = closed_within(s, 5)
    assert t is not None, "not closed"
    print("closed")
elif cmd == "truncated":      # half a message, then the client goes
    s = tls(port)
    s.sendall(verify(8, der(sys.argv[3]))[:25])
    s.close()
    print("sent")
elif cmd == "halfopen":       # connects, never handshakes
    s = socket.create_connection(("127.0.0.1", port))
    t = closed_within(s, 8)
    print("closed after %.1f" % t if t is not None else "never closed")
elif cmd == "slow":           # handshakes, then one byte every 0.3 s
    s = tls(port)
    m = verify(9, der(sys.argv[3]))
    t0 = time.time()
    try:
        for b in m:
            s.send(bytes([b]))
            time.sleep(0.3)
        print("never closed")
    except (ssl.SSLError, ConnectionError, OSError):
        print("closed after %.1f" % (time.time() - t0))
elif cmd == "hold":           # opens n TCP connections, holds them for secs
    n, secs = int(sys.argv[3]), float(sys.argv[4])
    held = [socket.create_connection(("127.0.0.1", port)) for _ in range(n)]
    open("held", "w").write("%d\n" % n)
    time.sleep(secs)
elif cmd == "nagle":          # one VERIFY per session, Nagle on (as phones)
    c = der(sys.argv[3])
    for ver in ("1.2", "1.3"):
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
        ctx.check_hostname = False
        ctx.verify_mode = ssl.CERT_NONE
        v = ssl.TLSVersion.TLSv1_2 if ver == "1.2" else ssl.TLSVersion.TLSv1_3
        ctx.minimum_version = ctx.maximum_version = v
        lat = []
        for i in range(21):
            # create_connection leaves TCP_NODELAY off
            s = ctx.wrap_socket(socket.create_connection(("127.0.0.1", port), timeout=5))
            t0 = time.perf_counter()
            s.sendall(verify(300 + i, c))
            answer(s)
            lat.append(time.perf_counter() - t0)
            s.close()
        print("TLS %s p50 %.1f ms" % (ver, sorted(lat)[10] * 1e3))
elif cmd == "loop":           # new session per VERIFY until the stop file appears
    c = der(sys.argv[3])
    ok = failed = 0
    import os
    while not os.path.exists("stop"):
        try:
            s = tls(port)
            s.sendall(verify(ok, c))
            r = answer(s)
            s.close()
            if r[2][7] == b"\x00":
                ok += 1
            else:
                failed += 1
        except Exception as e:
            print("error", e)
            failed += 1
    print("ok", ok, "failed", failed)
EOF
raw() { timeout 30 python3 raw.py "$@"; }

# each role, through an ITL whose TVS records are hash-only, as a phone
v() { expect "$1" $T tvs verify "$2" --server $SRV --itl $ITL --device CP-8865-SEP001122334455; }
# logged PATTERN: tvsd writes a loop pass's log lines after its answers, so a
# client can hold its answer before the line is there: wait for it (5 s)
logged() {
	n=0
	until grep -q "$1" tvsd.log; do
		n=$((n + 1)); [ $n -lt 50 ] || return 1
		sleep 0.1
	done
}
v 0 dd/certs/CallManager/cucm-pub.pem
grep -qx "VALID roles=CCM+TFTP ttl=86400" out.txt || fail "CallManager: $(cat out.txt)"
v 0 dd/certs/CallManager/cucm-sub1.pem
v 0 dd/certs/TVS/cucm-sub1.pem
grep -qx "VALID roles=TVS ttl=86400" out.txt || fail "TVS: $(cat out.txt)"
v 0 dd/certs/CAPF/cucm-pub.pem
grep -q "^VALID roles=.*CAPF" out.txt || fail "CAPF: $(cat out.txt)"
v 0 dd/certs/tomcat/cucm-pub.pem
grep -qx "VALID roles=APP-SERVER ttl=86400" out.txt || fail "tomcat: $(cat out.txt)"
v 0 dd/certs/ITLRecovery/cucm-pub.pem
grep -qx "VALID roles=SAST ttl=3600" out.txt || fail "ITLRecovery (ttl_sast): $(cat out.txt)"
expect 0 $T tvs verify dd/certs/tomcat/cucm-sub1.pem --server $SRV --tvs-cert dd/certs/TVS/cucm-pub.pem --json
[ "$(json out.txt 'd["roles"]')" = "['APP-SERVER']" ] || fail "--json roles"
# one log line per request, with what Cisco's TVS logs
sha=$(openssl x509 -in dd/certs/CallManager/cucm-pub.pem -outform DER | sha256sum | cut -c1-64)
grep "event=verify.*sha256=$sha" tvsd.log | grep "device=CP-8865-SEP001122334455" |
	grep "subject=" | grep "issuer=" | grep "serial=" | grep -q "verdict=valid roles=CCM+TFTP ttl=86400" ||
	fail "no log line for the CallManager VERIFY"

# unknown certificate: invalid, never a dropped connection
mk stranger
v 1 stranger.crt
grep -qx INVALID out.txt || fail "unknown certificate"
logged "verdict=unknown" || fail "no verdict=unknown"

# QUERY by issuer + serial, found and not found
issuer=$(openssl x509 -in dd/certs/CallManager/cucm-pub.pem -noout -issuer -nameopt esc_2253,utf8,sep_comma_plus,sname | sed 's/^issuer=//')
serial=$(openssl x509 -in dd/certs/CallManager/cucm-pub.pem -noout -serial | sed 's/^serial=//')
expect 0 $T tvs query --issuer "$issuer" --serial "$serial" --server $SRV --itl $ITL -o found.pem
grep -q "^VALID roles=CCM+TFTP" out.txt || fail "query: $(cat out.txt)"
cmp found.pem dd/certs/CallManager/cucm-pub.pem || [ "$(openssl x509 -in found.pem -outform DER | sha256sum)" = \
	"$(openssl x509 -in dd/certs/CallManager/cucm-pub.pem -outform DER | sha256sum)" ] || fail "query: another certificate"
expect 1 $T tvs query --issuer "$issuer" --serial 01 --server $SRV --itl $ITL
grep -qx INVALID out.txt || fail "query not found"
expect 0 $T tvs query --issuer "$issuer" --serial "$serial" --server $SRV --itl $ITL --json
[ "$(json out.txt 'd["valid"], d["roles"], d["pem"].startswith("-----BEGIN CERTIFICATE")')" = "(True, ['CCM+TFTP'], True)" ] ||
	fail "query --json: $(cat out.txt)"
expect 1 $T tvs query --issuer "$issuer" --serial 01 --server $SRV --itl $ITL --json
[ "$(json out.txt 'd["valid"], d["certificate"], d["pem"]')" = "(False, None, None)" ] ||
	fail "query --json, not found: $(cat out.txt)"

# A client that leaves Nagle on sends its request after the handshake at
# once: with TLS 1.3 the server's ACK of the client's Finished is not held
# for the delayed-ACK timer (40 ms or more), which held that request
raw nagle "$port" dd/certs/CallManager/cucm-pub.pem > nagle.txt || fail "nagle: $(cat nagle.txt)"
awk '$4 >= 30 { bad = 1 } END { exit bad }' nagle.txt || fail "a Nagle client waits: $(cat nagle.txt)"
sed "s/^/figure: Nagle client, 1 VERIFY per session: /" nagle.txt

# several requests in one session, one after the other and pipelined
raw session "$port" dd/certs/CallManager/cucm-pub.pem stranger.crt dd/certs/TVS/cucm-pub.pem > session.txt ||
	fail "session: $(cat session.txt)"
[ "$(sed -n 1p session.txt)" = "status 0 roles [2]" ] && [ "$(sed -n 2p session.txt)" = "status 1 roles []" ] &&
	[ "$(sed -n 3p session.txt)" = "status 0 roles [21]" ] && grep -q "pipelined ok" session.txt ||
	fail "session: $(cat session.txt)"
# a line for each pipelined request too: tvsd writes a round's lines together
for s in 200 201 202; do
	logged "event=verify .*session=$s " || fail "no log line for pipelined request $s"
done

# bad input closes that connection, with a log line; the server goes on
for b in garbage version command response element nocert oversized; do
	raw bad "$port" $b stranger.crt > bad.txt 2>&1 || fail "$b: $(cat bad.txt)"
done
[ "$(grep -c "event=bad_message" tvsd.log)" -ge 6 ] || fail "bad messages not logged"
logged "reason=message_too_large\|TVS message of 65545 bytes" || fail "oversized not logged"
raw truncated "$port" stranger.crt > /dev/null || fail "truncated"
v 0 dd/certs/CallManager/cucm-pub.pem

# a half-open client and a slow one are dropped at the timeout (2 s) while
# others are served
raw halfopen "$port" > half.txt &
hp=$!
raw slow "$port" stranger.crt > slow.txt &
sp=$!
sleep 0.5
v 0 dd/certs/TVS/cucm-pub.pem
wait $hp $sp
grep -q "closed after [23]\." half.txt || fail "half-open: $(cat half.txt)"
grep -q "closed after [1-3]\." slow.txt || fail "slow: $(cat slow.txt)"
logged "reason=handshake_timeout" || fail "no handshake_timeout line"
logged "reason=idle_timeout" || fail "no idle_timeout line"
logged "reason=truncated" || fail "no truncated line"

# the connection limit (40). Held silent, connections are shed for a new
# one (the oldest first); held at work (a message begun), a new one is
# refused; once they go, the server answers again
HOLD="timeout 30 python3 $(cd "$(dirname "$0")/../tools" && pwd)/holdconns.py $port"
rm -f held
$HOLD 40 1.5 silent &
hold=$!
until [ -f held ]; do sleep 0.1; done
v 1 stranger.crt
logged "event=shed reason=full limit=40" || fail "no shed line"
wait $hold
rm -f held
$HOLD 40 1.5 message &
hold=$!
until [ -f held ]; do sleep 0.1; done
expect 2 $T tvs verify stranger.crt --server $SRV --itl $ITL
grep -q "TLS failure" err.txt || fail "over the limit: $(cat err.txt)"
logged "event=refused reason=max_connections" || fail "no refused line"
wait $hold
sleep 0.3
v 1 stranger.crt

# the client refuses a server that is not the ITL's TVS (or the given one)
expect 2 $T tvs verify stranger.crt --server $SRV --tvs-cert dd/certs/TVS/cucm-sub1.pem
grep -q "untrusted server certificate" err.txt || fail "pinned certificate: $(cat err.txt)"
expect 0 $T cluster init --name other --nodes other-pub --data-dir ./dd2
expect 2 $T tvs verify stranger.crt --server $SRV --itl dd2/tftpboot/ITLFile.tlv
grep -q "is not a TVS record of" err.txt || fail "foreign ITL: $(cat err.txt)"
# nothing sent to an untrusted server
before=$(grep -c "event=verify" tvsd.log)
expect 2 $T tvs verify stranger.crt --server $SRV --itl dd2/tftpboot/ITLFile.tlv
[ "$(grep -c "event=verify" tvsd.log)" -eq "$before" ] || fail "a request went to an untrusted server"
port2=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
expect 2 $T tvs verify stranger.crt --server 127.0.0.1:$port2 --itl $ITL
grep -q "unreachable" err.txt || fail "unreachable: $(cat err.txt)"

# migration: a certificate imported into CallManager-trust becomes valid
# without a restart (the generation moves); an expired one stays invalid;
# a client loop running meanwhile, through SIGHUPs too, sees no failure
mk migrated
mkdir ca
touch ca/index.txt
echo 01 > ca/serial
printf '[ca]\ndefault_ca = d\n[d]\ndatabase = ca/index.txt\nserial = ca/serial\nnew_certs_dir = ca\ndefault_md = sha256\npolicy = p\n[p]\ncommonName = supplied\n' > ca.cnf
openssl req -new -newkey rsa:2048 -nodes -keyout old.key -out old.csr -subj /CN=old-tftp 2>/dev/null
openssl ca -batch -config ca.cnf -selfsign -keyfile old.key -in old.csr -notext \
	-startdate 20200101000000Z -enddate 20210101000000Z -out old.crt 2>/dev/null || fail "openssl ca"
v 1 migrated.crt
rm -f stop
raw loop "$port" dd/certs/CallManager/cucm-pub.pem > loop.txt &
lp=$!
cp migrated.crt dd/trust/CallManager-trust/migrated.pem
cp old.crt dd/trust/CallManager-trust/old-tftp.pem
expect 0 $T itl rebuild
i=0
until $T tvs verify migrated.crt --server $SRV --itl $ITL > out.txt 2>&1; do
	i=$((i + 1)); [ $i -lt 40 ] || fail "the imported certificate never became valid"
	sleep 0.1
done
grep -qx "VALID roles=CCM+TFTP ttl=86400" out.txt || fail "migrated: $(cat out.txt)"
v 1 old.crt
logged "verdict=expired" || fail "no verdict=expired"
for n in 1 2 3; do kill -HUP $pid; sleep 0.3; done
touch stop
wait $lp
grep -q "^ok [1-9][0-9]* failed 0$" loop.txt || fail "reload loop: $(cat loop.txt)"
[ "$(grep -c "event=reload " tvsd.log)" -ge 4 ] || fail "reloads not logged"

# unknown [tvs] keys are errors naming the line
printf '[tvs]\ncolour = blue\n' > bad.conf
expect 1 "$TVSD" -c bad.conf --foreground --port 0
grep -q "line [0-9]*: \[tvs\] colour" err.txt || fail "unknown key: $(cat err.txt)"
sed -i 's/^tls_min = .*/tls_min = 1.4/' dd/trustline.conf
expect 1 "$TVSD" --foreground --port 0
grep -q "tls_min = 1.4" err.txt || fail "bad tls_min: $(cat err.txt)"

# SIGTERM stops it cleanly
kill -TERM $pid
wait $pid || fail "tvsd exited with $? on SIGTERM"
grep -q "event=stop" tvsd.log || fail "no stop line"
trap - EXIT INT TERM
echo ok
