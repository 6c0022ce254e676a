#!/bin/sh
# tftpd through a lossy link (tests/tools/lossy.py: 20% of the datagrams
# dropped each way, 5% duplicated and delivered late, 5% reordered): 100
# files each for tftp-hpa, curl and tests/tools/tftpget with a window of 8,
# run at once. Each client must complete at least LOSSY_MIN (99) of its 100
# files, and no file may arrive with other bytes. Prints the completion
# rate per client ("figure:" lines, which make check shows for a test that
# passes). LOSSY_FILES and LOSSY_SECONDS set its length; tests/cli/
# test_tftp_lossy.sh is the short run in make check.
set -eu
T=${TRUSTLINE:?}
B=${BUILD_DIR:?}

TOOLS=$(cd "$(dirname "$0")/../tools" && pwd)
. "$(dirname "$0")/../cli/common.sh"
N=${LOSSY_FILES:-100}
MIN=${LOSSY_MIN:-$((N - N / 100))}
SECS=${LOSSY_SECONDS:-150}
PAR=${LOSSY_PARALLEL:-25}
chmod 755 "$PWD"
pids=""
trap 'for p in $pids; do kill $p 2>/dev/null || true; done' EXIT

expect 0 $T cluster init --name lab --domain lab.example --nodes cucm-pub --data-dir ./dd
mkdir dd/tftpboot/lossy
python3 - "$N" <<'PY'
import random, sys
r = random.Random(14)
for i in range(int(sys.argv[1])):
    # from under one block to a dozen of 512 bytes, and one exact multiple
    n = 512 * 4 if i == 0 else r.randint(100, 6000)
    open("dd/tftpboot/lossy/f%03d.bin" % i, "wb").write(bytes(r.getrandbits(8) for _ in range(n)))
PY
: > tftpd.conf
conf_set tftpd.conf tftp user="$(id -un)" per_client_rate=0 busy_poll_us=0
"$B/bin/tftpd" -c tftpd.conf --data-dir ./dd --listen 127.0.0.1 --port 0 --http-port -1 \
	--foreground 2> tftpd.log &
pid=$!
pids="$pids $pid"
P=$(started tftpd.log $pid)
python3 "$TOOLS/lossy.py" "$P" --drop 0.2 --dup 0.05 --reorder 0.05 --seconds "$SECS" \
	--stats faults.txt > proxy.txt &
pids="$pids $!"
for _ in $(seq 50); do [ -s proxy.txt ] && break; sleep 0.1; done
X=$(head -1 proxy.txt)
[ -n "$X" ] || fail "the lossy proxy did not start"

# one fetch: "NAME RC" on standard output, the bytes in out/CLIENT/NAME,
# what the client said in out/CLIENT/NAME.log (printed for a lost file).
# curl asks for no options: curl 7.88 takes a late copy of the OACK as the
# start of the transfer again, acknowledges block 0 and writes block 1 a
# second time (seen here as a file 512 bytes too long, its first block
# twice), whatever the server does.
cat > fetch.sh <<EOF2
#!/bin/sh
c=\$1 f=\$2 o=out/\$1/\$2
case \$c in
tftp-hpa) timeout 100 tftp -m binary 127.0.0.1 $X -c get lossy/\$f \$o > \$o.log 2>&1 ;;
curl) timeout 100 curl -sS --tftp-no-options tftp://127.0.0.1:$X/lossy/\$f -o \$o 2> \$o.log ;;
tftpget) timeout 100 "$B/tools/tftpget" -b 512 -w 8 -t 1000 -r 10 -d 2000 127.0.0.1 $X \\
	lossy/\$f \$o > \$o.log 2>&1 ;;
esac
echo "\$f \$?"
EOF2
for c in tftp-hpa curl tftpget; do
	mkdir -p out/$c
	(cd dd/tftpboot/lossy && ls) | xargs -P "$PAR" -n 1 sh fetch.sh $c > rc-$c.txt &
	pids="$pids $!"
	eval "w_$(echo $c | tr - _)=$!"
done
wait $w_tftp_hpa $w_curl $w_tftpget || true
bad=0
for c in tftp-hpa curl tftpget; do
	ok=0 corrupt=0
	while read -r f rc; do
		if cmp -s "dd/tftpboot/lossy/$f" "out/$c/$f"; then
			ok=$((ok + 1))
			continue
		elif [ "$rc" = 0 ] && [ -s "out/$c/$f" ]; then
			# the client said done: these bytes are wrong, not late
			corrupt=$((corrupt + 1))
			echo "corrupted: $c $f"
		else
			echo "lost: $c $f: exit $rc, $(wc -c < "out/$c/$f" 2>/dev/null || echo 0) bytes"
		fi
		# what the client and tftpd said of it, so that a lost file's
		# cause is in the test's output
		sed "s/^/  $c: /" "out/$c/$f.log" 2>/dev/null | head -5
		grep "file=lossy/$f " tftpd.log | sed 's/^/  /'
	done < rc-$c.txt
	echo "figure: lossy: $c completed $ok of $N files, $corrupt corrupted"
	[ "$corrupt" -eq 0 ] || bad=1
	[ "$ok" -ge "$MIN" ] || bad=1
done
echo "figure: lossy: link $(cat faults.txt)"
grep -q "drop=[1-9].*dup=[1-9].*reorder=[1-9]" faults.txt || fail "the proxy did not interfere"
grep "event=summary\|dup_requests" tftpd.log | tail -1 || true
[ "$bad" -eq 0 ] || fail "fewer than $MIN of $N files, or corrupted ones (tftpd.log: $(grep -c 'result=timeout' tftpd.log) transfers timed out)"
