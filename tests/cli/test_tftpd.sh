#!/bin/sh
# tftpd end to end on 127.0.0.1, against Debian's clients (tftp-hpa, curl)
# and tests/tools/tftpget: byte-exact files over TFTP and HTTP, block-number
# wrap, windowsize, netascii, tsize, the refusals, a stranger on the
# transfer port, malformed packets, a lossy path, reload, workers, privilege
# drop, and a clean SIGTERM.
set -eu
T=${TRUSTLINE:?}
B=${BUILD_DIR:?}
TFTPD=$B/bin/tftpd
GET=$B/tools/tftpget
. "$(dirname "$0")/common.sh"
# run as root, tftpd reads tftpboot/ as nobody, who must reach it
chmod 755 "$PWD"
sha() { sha256sum "$1" | cut -d' ' -f1; }
same() { [ "$(sha "$1")" = "$(sha "$2")" ] || fail "$2 differs from $1"; }
pids=""
trap 'for p in $pids; do kill $p 2>/dev/null || true; done' EXIT
# start LOG ARGS...: tftpd in the background; sets PID, P (TFTP) and H (HTTP)
start() {
	log=$1; shift
	"$TFTPD" "$@" 2> "$log" &
	PID=$!
	pids="$pids $PID"
	for i in $(seq 50); do
		grep -q "event=start" "$log" 2>/dev/null && break
		sleep 0.1
	done
	grep -q "event=start pid" "$log" || { cat "$log"; fail "tftpd did not start"; }
	P=$(sed -n 's/.*event=start.* port=\([0-9]*\).*/\1/p' "$log" | head -1)
	H=$(sed -n 's/.*event=start.* http_port=\([0-9-]*\).*/\1/p' "$log" | head -1)
}
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

$T cluster init --name lab --domain lab.example --nodes cucm-pub --mixed-mode \
	--data-dir ./dd > /dev/null
B0=dd/tftpboot
head -c 40000000 /dev/urandom > $B0/big.bin
head -c 1000000 /dev/urandom > $B0/mid.bin
head -c 300000 /dev/urandom > $B0/lossy.bin
head -c 512 /dev/urandom > $B0/exact512.bin
printf 'line one\nline two\r\nbare cr\r and text\n\n' > $B0/text.txt
mkdir -p $B0/Locales/English
printf '<locale/>\n' > $B0/Locales/English/Phone.XML
printf 'secret\n' > $B0/stray.key
ln -s /etc/passwd $B0/passwd
ln -s ../trustline.conf $B0/conf
ln -s text.txt $B0/alias.txt
# keys reached another way than by their name: a link inside tftpboot/ to
# a .key, a hard link to a key under certs/, a key under another name
ln -s stray.key $B0/keyalias.txt
ln dd/certs/CallManager/cucm-pub.key $B0/hard.txt
cp dd/certs/CallManager/cucm-pub.key $B0/renamed.pem
{ printf 'notes\n'; openssl genpkey -algorithm ec -pkeyopt ec_paramgen_curve:P-256 2>/dev/null; } \
	> $B0/inside.cfg
: > tftpd.conf	# the administrator's file, over dd/trustline.conf
printf '\n[tftp]\nuser = %s\nper_client_rate = 0\nsign_static = true\nmax_windowsize = 32\n' \
	"$(id -un)" >> tftpd.conf

# configuration errors name the line
printf '\n[tftp]\nmax_blksize = 70000\n' > bad.conf
cp bad.conf bad2.conf
expect 1 "$TFTPD" -c bad2.conf --data-dir ./dd --foreground
grep -q "line .*max_blksize" err.txt || fail "bad max_blksize not named"
expect 0 "$TFTPD" --help
grep -q -- "--workers" out.txt || fail "help"
expect 2 "$TFTPD" --port 70000

start main.log -c tftpd.conf --data-dir ./dd --listen 127.0.0.1 --port 0 \
	--http-port 0 --foreground
MAIN=$PID

# tftp-hpa: the ITL byte-exact, and it verifies
tftp -m binary 127.0.0.1 "$P" -c get ITLFile.tlv itl.tlv
cmp itl.tlv dd/tftpboot/ITLFile.tlv || fail "ITLFile.tlv differs"
expect 0 $T itl verify itl.tlv
tftp -m binary 127.0.0.1 "$P" -c get CTLFile.tlv ctl.tlv
expect 0 $T ctl verify ctl.tlv
tftp -m binary 127.0.0.1 "$P" -c get mid.bin hpa-mid.bin
same $B0/mid.bin hpa-mid.bin
# names are matched case-insensitively, in subdirectories too
tftp -m binary 127.0.0.1 "$P" -c get itlfile.TLV itl2.tlv
cmp itl2.tlv itl.tlv || fail "case-insensitive name"
tftp -m binary 127.0.0.1 "$P" -c get locales/english/phone.xml loc.xml
cmp loc.xml $B0/Locales/English/Phone.XML || fail "subdirectory"
tftp -m binary 127.0.0.1 "$P" -c get alias.txt alias.txt
cmp alias.txt $B0/text.txt || fail "a link inside tftpboot/ is served"

# curl: 40 MB at blksize 512 (78,126 blocks: the block number wraps), and
# at 1428
curl -sS tftp://127.0.0.1:"$P"/big.bin -o curl-big.bin
same $B0/big.bin curl-big.bin
curl -sS --tftp-blksize 1428 tftp://127.0.0.1:"$P"/big.bin -o curl-big2.bin
same $B0/big.bin curl-big2.bin
# exactly one block: a second, empty block ends the transfer
curl -sS tftp://127.0.0.1:"$P"/exact512.bin -o e512.bin
same $B0/exact512.bin e512.bin

# windowsize 1 and 16 (tftpget), blksize 512: wraps too
expect 0 "$GET" -b 512 -w 1 -T 127.0.0.1 "$P" big.bin w1.bin
grep -q "oack_tsize=40000000" out.txt || fail "tsize not reported: $(cat out.txt)"
grep -q "blocks=78126" out.txt || fail "78,126 blocks expected (the last one empty)"
same $B0/big.bin w1.bin
expect 0 "$GET" -b 512 -w 16 127.0.0.1 "$P" big.bin w16.bin
grep -q "oack_blksize=512 oack_windowsize=16" out.txt || fail "windowsize 16 not agreed"
same $B0/big.bin w16.bin
expect 0 "$GET" -b 1428 -w 8 127.0.0.1 "$P" big.bin w8.bin
same $B0/big.bin w8.bin
# clamped to the configured maximum (32); a small file, as 32 blocks of 64 KB
# would overflow the client's receive buffer on every window
expect 0 "$GET" -b 65464 -w 64 127.0.0.1 "$P" ITLFile.tlv w64.tlv
grep -q "oack_blksize=65464 oack_windowsize=32" out.txt || fail "windowsize not clamped"
cmp w64.tlv itl.tlv || fail "ITL at blksize 65464"

# HTTP: the same namespace
curl -sS http://127.0.0.1:"$H"/big.bin -o http-big.bin
same $B0/big.bin http-big.bin
curl -sS http://127.0.0.1:"$H"/ITLFILE.tlv -o http-itl.tlv
cmp http-itl.tlv itl.tlv || fail "HTTP ITL"
curl -sSI http://127.0.0.1:"$H"/mid.bin > head.txt
grep -qi "^Content-Length: 1000000" head.txt || fail "HEAD Content-Length"
code() { curl -s -o /dev/null -w '%{http_code}' "$@"; }
[ "$(code http://127.0.0.1:"$H"/nothere)" = 404 ] || fail "HTTP 404"
[ "$(code http://127.0.0.1:"$H"/certs/CallManager/cucm-pub.key)" = 403 ] || fail "HTTP certs/"
[ "$(code http://127.0.0.1:"$H"/stray.key)" = 403 ] || fail "HTTP .key"
[ "$(code --path-as-is http://127.0.0.1:"$H"/../trustline.conf)" = 403 ] || fail "HTTP .."
[ "$(code http://127.0.0.1:"$H"/%2e%2e/trustline.conf)" = 403 ] || fail "HTTP %2e%2e"
[ "$(code http://127.0.0.1:"$H"/passwd)" = 403 ] || fail "HTTP link escape"
[ "$(code -X POST -d x http://127.0.0.1:"$H"/mid.bin)" = 405 ] || fail "HTTP POST"
[ "$(code -X PUT -d x http://127.0.0.1:"$H"/mid.bin)" = 405 ] || fail "HTTP PUT"

# netascii: LF -> CR LF, CR -> CR NUL on the wire; tftp-hpa converts back
expect 0 "$GET" -a -T 127.0.0.1 "$P" text.txt raw.txt
python3 -c 'import sys; d=open(sys.argv[1],"rb").read(); open(sys.argv[2],"wb").write(d.replace(b"\r",b"\r\0").replace(b"\n",b"\r\n"))' \
	$B0/text.txt want.txt
cmp raw.txt want.txt || fail "netascii bytes on the wire"
grep -q "oack_tsize=$(stat -c %s want.txt)" out.txt || fail "netascii tsize is the converted size"
tftp -m netascii 127.0.0.1 "$P" -c get text.txt hpa-text.txt
cmp hpa-text.txt $B0/text.txt || fail "netascii round trip through tftp-hpa"
# a block boundary inside a CR LF pair: 512-byte blocks of LFs only
python3 -c 'open("dd/tftpboot/lf.txt","wb").write(b"\n"*1500)'
kill -HUP $MAIN
for i in $(seq 50); do grep -q "event=reload result=ok" main.log && break; sleep 0.1; done
expect 0 "$GET" -a 127.0.0.1 "$P" lf.txt lf-raw.txt
python3 -c 'import sys; assert open("lf-raw.txt","rb").read() == b"\r\n"*1500' || fail "netascii split pair"

# refusals: missing (1), write (2), outside tftpboot/ and keys (2)
expect 1 "$GET" 127.0.0.1 "$P" nothere.bin x.bin
grep -q "code=1 " out.txt || fail "missing file: $(cat out.txt)"
tftp -m binary 127.0.0.1 "$P" -c get nothere.bin x.bin > hpa.txt 2>&1 || true
grep -q "Error code 1" hpa.txt || fail "tftp-hpa: missing file: $(cat hpa.txt)"
tftp -m binary 127.0.0.1 "$P" -c put $B0/mid.bin up.bin > hpa.txt 2>&1 || true
grep -q "Error code 2" hpa.txt || fail "WRQ not refused: $(cat hpa.txt)"
set +e; curl -sS -T mid.bin tftp://127.0.0.1:"$P"/up.bin > curl.txt 2>&1; rc=$?; set -e
[ $rc -ne 0 ] || fail "curl upload accepted"
[ ! -e dd/tftpboot/up.bin ] || fail "a file was written"
for name in ../trustline.conf /etc/passwd certs/CallManager/cucm-pub.key \
	'..\trustline.conf' stray.key STRAY.KEY passwd conf 'x/../../trustline.conf' \
	keyalias.txt hard.txt renamed.pem inside.cfg; do
	expect 1 "$GET" 127.0.0.1 "$P" "$name" x.bin
	grep -q "code=2 " out.txt || fail "$name: $(cat out.txt)"
done

# served signed: X.sgn for static X, signed by the TFTP node's CallManager
expect 0 "$GET" 127.0.0.1 "$P" text.txt.sgn text.txt.sgn
expect 0 $T sgn verify text.txt.sgn --cert dd/certs/CallManager/cucm-pub.pem
expect 0 $T sgn strip text.txt.sgn -o stripped.txt
cmp stripped.txt $B0/text.txt || fail "signed body"

# a stranger's packet to the transfer port gets error 5; the transfer goes on
expect 0 "$GET" -i 127.0.0.1 "$P" mid.bin intr.bin
grep -q "intruder_error=5" out.txt || fail "no error 5: $(cat out.txt)"
same $B0/mid.bin intr.bin

# malformed requests get the right error (or none), the server goes on
cat > bad.py <<'PY'
import socket, sys
port = int(sys.argv[1])
def ask(pkt):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.settimeout(0.5)
    s.sendto(pkt, ("127.0.0.1", port))
    try:
        d = s.recv(600)
    except socket.timeout:
        return None
    assert d[:2] == b"\0\5", d
    return d[3]
cases = [
    (b"\0", None), (b"\0\1a", None),                       # shorter than 4
    (b"\0\1ITLFile.tlv", 4),                               # no NUL
    (b"\0\1ITLFile.tlv\0octet", 4),                        # mode without NUL
    (b"\0\x09ab\0octet\0", 4),                             # unknown opcode
    (b"\0\1ITLFile.tlv\0mail\0", 4),                       # unknown mode
    (b"\0\1\0octet\0", 4),                                 # empty name
    (b"\0\1ITLFile.tlv\0octet\0blksize\0" b"0\0", 8),
    (b"\0\1ITLFile.tlv\0octet\0blksize\0" b"70000\0", 8),
    (b"\0\1ITLFile.tlv\0octet\0blksize\0" b"-1\0", 8),
    (b"\0\1ITLFile.tlv\0octet\0blksize\0" b"12ab\0", 8),
    (b"\0\1ITLFile.tlv\0octet\0timeout\0" b"0\0", 8),
    (b"\0\1ITLFile.tlv\0octet\0windowsize\0" b"70000\0", 8),
    (b"\0\1ITLFile.tlv\0octet\0tsize\0" b"x\0", 8),
    (b"\0\1ITLFile.tlv\0octet\0blksize\0" b"1024\0BLKSIZE\0" b"1024\0", 8),
    (b"\0\1ITLFile.tlv\0octet\0blksize\0", 4),             # option without value
    (b"\0\1ITLFile.tlv\0octet\0" + b"x\0y\0" * 3000, 8),   # thousands of options
    (b"\0\4\0\1", None), (b"\0\3\0\1data", None),         # stray ACK / DATA
    (b"\0\5\0\1oops\0", None),                             # stray ERROR
]
for pkt, want in cases:
    got = ask(pkt)
    assert got == want, (pkt[:40], got, want)
print("ok", len(cases))
PY
python3 bad.py "$P" > bad.txt 2>&1 || { cat bad.txt; fail "malformed requests"; }
# A client port the kernel gives to a new request while a transfer from it
# is still open, its client gone silent: once that transfer has timed out
# waiting, the same request is a new one, served at once. Before, it is a
# retransmission or a late copy (below), and ignored. Before any block is
# acknowledged a timeout proves nothing: the client asking again (it heard
# nothing, or its request crossed the server's retransmission) is answered
# by the same transfer from the same port, a timeout after the last answer.
cat > reuse.py <<'PY'
import socket, sys, time
port = int(sys.argv[1])
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.settimeout(3)
rrq = b"\0\1mid.bin\0octet\0"
s.sendto(rrq, ("127.0.0.1", port))
d, tid = s.recvfrom(600)
assert d[:4] == b"\0\3\0\1", d[:4]
s.sendto(rrq, ("127.0.0.1", port))          # a retransmission: ignored
s.sendto(b"\0\4\0\1", tid)                # block 1 acknowledged, then gone
d, _ = s.recvfrom(600)
assert d[:4] == b"\0\3\0\2", d[:4]
d, _ = s.recvfrom(600)                      # block 2 again, after a timeout
assert d[:4] == b"\0\3\0\2", d[:4]
s.sendto(rrq, ("127.0.0.1", port))          # the same port, a new request
d, tid2 = s.recvfrom(600)
assert d[:4] == b"\0\3\0\1" and tid2 != tid, (d[:4], tid, tid2)
s.sendto(b"\0\5\0\0done\0", tid2)
a = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
a.settimeout(3)
a.sendto(rrq, ("127.0.0.1", port))
d, tid = a.recvfrom(600)
d2, _ = a.recvfrom(600)                     # block 1 again, after a timeout
assert d[:4] == d2[:4] == b"\0\3\0\1", (d[:4], d2[:4])
time.sleep(1.2)
a.sendto(rrq, ("127.0.0.1", port))          # the client asks again
t = time.monotonic()
d, tid3 = a.recvfrom(600)
assert d[:4] == b"\0\3\0\1" and tid3 == tid, (d[:4], tid, tid3)
assert time.monotonic() - t < 0.5, time.monotonic() - t
a.sendto(b"\0\5\0\0done\0", tid)
print(a.getsockname()[1])
PY
python3 reuse.py "$P" > reuse.txt 2>&1 || { cat reuse.txt; fail "a reused client port"; }
sleep 0.2
grep -q "file=mid.bin .*result=superseded" main.log || fail "no superseded transfer: $(tail -3 main.log)"
grep -q "client=127.0.0.1:$(cat reuse.txt) .*result=superseded" main.log &&
	fail "superseded before a block was acknowledged: $(grep superseded main.log)"

# unknown options are ignored; trailing NUL padding too
expect 0 "$GET" 127.0.0.1 "$P" ITLFile.tlv after.tlv
cmp after.tlv itl.tlv || fail "serving after malformed packets"

# an ERROR from the client ends its transfer (tftpget's -r 0 gives up, the
# server then times out); reload keeps a transfer in flight on its bytes
"$GET" -b 512 -w 1 127.0.0.1 "$P" big.bin inflight.bin > inflight.txt &
GP=$!
sleep 0.2
mv $B0/big.bin big.moved
kill -HUP $MAIN
wait $GP || fail "transfer across a reload: $(cat inflight.txt)"
same big.moved inflight.bin
expect 1 "$GET" 127.0.0.1 "$P" big.bin x.bin
grep -q "code=1 " out.txt || fail "big.bin still served after it was removed"

# a lossy path: drops, duplicates and reorders, each transfer byte-exact
cat > proxy.py <<'PY'
import random, select, socket, sys, time
server, drop, dup, reorder, most, secs = int(sys.argv[1]), float(sys.argv[2]), \
    float(sys.argv[3]), float(sys.argv[4]), int(sys.argv[5]), float(sys.argv[6])
rnd = random.Random(7)
ls = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
ls.bind(("127.0.0.1", 0))
print(ls.getsockname()[1], flush=True)
ups, client_of, tid = {}, {}, {}
held, faults = None, {"drop": 0, "dup": 0, "reorder": 0}
def out(sock, data, dest):
    global held
    n = sum(faults.values())
    r = rnd.random()
    if n < most and r < drop:
        faults["drop"] += 1; return
    if n < most and r < drop + dup:
        faults["dup"] += 1; sock.sendto(data, dest)
    elif n < most and r < drop + dup + reorder and held is None:
        faults["reorder"] += 1; held = (sock, data, dest); return
    sock.sendto(data, dest)
    if held:
        s, d, t = held; held = None; s.sendto(d, t)
def record():
    with open("faults.txt", "w") as f:
        f.write(" ".join("%s=%d" % kv for kv in sorted(faults.items())) + "\n")
end = time.time() + secs
while time.time() < end:
    r, _, _ = select.select([ls] + list(client_of), [], [], 0.05)
    if not r and held:
        s, d, t = held; held = None; s.sendto(d, t)
    for s in r:
        data, addr = s.recvfrom(70000)
        if s is ls:
            up = ups.get(addr)
            if up is None:
                up = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
                up.bind(("127.0.0.1", 0))
                ups[addr], client_of[up] = up, addr
            out(up, data, tid.get(up, ("127.0.0.1", server)))
        else:
            tid.setdefault(s, addr)
            out(ls, data, client_of[s])
        record()
PY
python3 proxy.py "$P" 0.04 0.03 0.03 120 25 > proxy.txt &
PP=$!
pids="$pids $PP"
for i in $(seq 50); do [ -s proxy.txt ] && break; sleep 0.1; done
X=$(head -1 proxy.txt)
lossy=""
for spec in "512 1" "512 4" "1024 8" "1428 16" "8 1" "1428 1"; do
	set -- $spec
	f=lossy.bin
	[ "$1" = 8 ] && f=text.txt
	"$GET" -b "$1" -w "$2" -t 400 -r 20 -d 1500 127.0.0.1 "$X" "$f" "lossy-$1-$2.out" \
		> "lossy-$1-$2.txt" 2>&1 &
	lossy="$lossy $!"
done
for p in $lossy; do wait "$p" || fail "a lossy transfer failed: $(cat lossy-*.txt)"; done
for spec in 512-1 512-4 1024-8 1428-16 1428-1; do same $B0/lossy.bin lossy-$spec.out; done
same $B0/text.txt lossy-8-1.out
kill $PP 2>/dev/null || true
grep -q "drop=[1-9].*dup=[1-9].*reorder=[1-9]" faults.txt || fail "the proxy did not interfere: $(cat faults.txt)"

# a copy of the request delivered late, after the client acknowledged a
# block, is a duplicate: the transfer goes on from its port, none starts
cat > lateq.py <<'PY'
import socket, struct, sys
port = int(sys.argv[1])
c = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
c.settimeout(2)
rrq = b"\0\1mid.bin\0octet\0"
c.sendto(rrq, ("127.0.0.1", port))
d, tid = c.recvfrom(600)
assert d[:4] == b"\0\3\0\1", d[:4]
c.sendto(b"\0\4\0\1", tid)
d, a = c.recvfrom(600)
assert a == tid and d[:4] == b"\0\3\0\2", (a, d[:4])
c.sendto(rrq, ("127.0.0.1", port))	# the late copy
c.settimeout(0.5)
try:
    d, a = c.recvfrom(600)
    sys.exit("answered the late copy from %r: %r" % (a, d[:4]))
except socket.timeout:
    pass
c.settimeout(2)
c.sendto(b"\0\4\0\2", tid)
d, a = c.recvfrom(600)
assert a == tid and d[:4] == b"\0\3\0\3", (a, d[:4])
c.sendto(b"\0\5\0\0done\0", tid)
print("late-request=duplicate")
PY
python3 lateq.py "$P" || fail "a late copy of the request disturbed its transfer"

# the log: one key=value line per transfer
grep -q 'event=transfer client=127.0.0.1:[0-9]* file=big.bin mode=octet bytes=40000000 duration_ms=[0-9]* blksize=512 windowsize=16 retransmits=0 result=ok' main.log ||
	fail "transfer log line"
grep -q 'file=nothere.bin .*result=not-found code=1' main.log || fail "not-found log line"
grep -q 'result=refused-write code=2' main.log || fail "WRQ log line"
grep -q 'result=bad-request code=8' main.log || fail "bad request log line"

# --workers 2 on one port (SO_REUSEPORT), then SIGTERM stops them all
WP=$(free_port)
WH=$(free_port)
start workers.log -c tftpd.conf --data-dir ./dd --listen 127.0.0.1 --port "$WP" \
	--http-port "$WH" --foreground --workers 2
SUP=$PID
for i in $(seq 50); do [ "$(grep -c 'event=start pid' workers.log)" -ge 2 ] && break; sleep 0.1; done
[ "$(grep -c 'event=start pid' workers.log)" -eq 2 ] || fail "two workers expected"
for i in 1 2 3 4 5 6; do
	curl -sS tftp://127.0.0.1:"$WP"/mid.bin -o wk.bin && same $B0/mid.bin wk.bin
	curl -sS http://127.0.0.1:"$WH"/mid.bin -o wk.bin && same $B0/mid.bin wk.bin
done
kill -TERM $SUP
wait $SUP || fail "workers: exit status"
[ "$(grep -c 'event=stopped' workers.log)" -eq 2 ] || fail "both workers stop"

# started as root: binds, then runs as nobody; without --foreground it
# detaches once serving
if [ "$(id -u)" = 0 ]; then
	: > root.conf
	printf '\n[tftp]\nuser = nobody\n' >> root.conf
	"$TFTPD" -c root.conf --data-dir ./dd --listen 127.0.0.1 --port 0 \
		--http-port -1 2> root.log || fail "detached start"
	RP=$(sed -n 's/.*event=start pid=\([0-9]*\).*/\1/p' root.log)
	pids="$pids $RP"
	[ -n "$RP" ] && kill -0 "$RP" || fail "no detached tftpd"
	grep -q "^Uid:.*\b$(id -u nobody)\b" /proc/"$RP"/status || fail "still root"
	RPORT=$(sed -n 's/.*event=start.* port=\([0-9]*\).*/\1/p' root.log)
	curl -sS tftp://127.0.0.1:"$RPORT"/ITLFile.tlv -o root-itl.tlv
	cmp root-itl.tlv itl.tlv || fail "served after dropping root"
	kill -TERM "$RP"
fi

# SIGTERM: exit 0 with a summary
kill -TERM $MAIN
wait $MAIN || fail "tftpd exit status"
grep -q "event=summary .*ok=" main.log || fail "no summary"
grep -q "event=stopped" main.log || fail "not stopped"
grep -q "unknown_tid=[1-9]" main.log || fail "unknown TID not counted"
echo "tftpd: ok"
