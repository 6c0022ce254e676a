# Three TFTP nodes, each with a data directory of its own, follow the shared
# PostgreSQL database: a device added or a certificate regenerated on the
# publisher is served by every node's tftpd without a SIGHUP (the reload
# caused by a notification, the node's own generation file unmoved); tvsd
# follows too; the node table says what each node serves. PostgreSQL
# stopped for 10 s while a fleet boots: every phone trusted, the daemons
# log degraded then ok, and a device added right after it returns is
# served by every node.
set -eu
. "$(dirname "$0")/pg.sh"
. "$(dirname "$0")/../cli/common.sh"
pg_start
T=$TRUSTLINE
B=${BUILD_DIR:?}
PS=$B/bin/phone-sim
chmod 755 "$PWD"
pids=""
trap 'for p in $pids; do kill $p 2>/dev/null || true; done; pg_stop; rm -rf "$PGDIR"' EXIT
count() { grep -c -- "$1" "$2" || true; }
now_ms() { date +%s%3N; }
NODES="pub sub1 sub2"

expect 0 $T cluster init --name lab --domain lab.example --nodes pub,sub1,sub2 \
	--tftp-nodes pub,sub1,sub2 --key ec:256 --database "$PGURL" --data-dir pub
{
	echo "name,model"
	for i in $(seq 0 49); do printf 'SEP00CC0000%04X,CP-8865\n' "$i"; done
} > devices.csv
expect 0 $T device import devices.csv --data-dir pub
sed -i "s/^per_ip_rate = .*/per_ip_rate = 0/" pub/trustline.conf
# each node its own data directory: another node's change moves none of
# its files, only the database
cp -a pub sub1
cp -a pub sub2
: > servers.conf
conf_set servers.conf tftp user="$(id -un)" per_client_rate=0
conf_set servers.conf tvs user="$(id -un)"
for n in $NODES; do
	pg_sql "INSERT INTO node (name, services, generation, last_seen)
		VALUES ('$n', 'tftp,tvs', 0, 0) ON CONFLICT (name) DO NOTHING"
done

# sub2 runs two workers on one port: each follows on a connection of its own
SUB2_PORT=$(pg_free_port)
for n in $NODES; do
	extra="--port 0"
	[ $n = sub2 ] && extra="--port $SUB2_PORT --workers 2"
	"$B/bin/tftpd" -c servers.conf --data-dir $n --node $n --listen 127.0.0.1 \
		$extra --http-port -1 --foreground 2> tftpd-$n.log &
	pids="$pids $!"
	eval "P_$n=$(started tftpd-$n.log $!)"
done
P_sub2=$SUB2_PORT
"$B/bin/tvsd" -c servers.conf --data-dir sub1 --node sub1 --listen 127.0.0.1 --port 0 \
	--foreground 2> tvsd.log &
pids="$pids $!"; TVS=$(started tvsd.log $!)

get() {	# get NODE FILE: fetched into got/FILE; 0 when served
	eval "p=\$P_$1"
	mkdir -p got && rm -f "got/$2"
	(cd got && tftp 127.0.0.1 "$p" -m binary -c get "$2" > /dev/null 2>&1) || true
	[ -s "got/$2" ]
}
served_by_all() {	# served_by_all FILE: waits (bounded) for each node; prints ms
	since=$1; f=$2
	for n in $NODES; do
		for _ in $(seq 200); do
			get $n "$f" && break
			sleep 0.05
		done
		get $n "$f" || fail "$n does not serve $f: $(tail -5 tftpd-$n.log)"
		echo "$n $(( $(now_ms) - since ))"
	done
}
wait_log() {	# wait_log PATTERN FILE N: until FILE has N lines matching (20 s)
	for _ in $(seq 400); do
		[ "$(count "$1" "$2")" -ge "$3" ] && return 0
		sleep 0.05
	done
	fail "$2: fewer than $3 lines with $1: $(tail -5 "$2")"
}

# ---- a device added on the publisher is served by every node ----
for n in $NODES; do get $n SEP00CC00000001.cnf.xml.sgn || fail "$n serves no configuration"; done
get sub1 SEP00CC000000FF.cnf.xml.sgn && fail "sub1 serves a device not added"
gen_sub1=$(cat sub1/generation)
notif_sub2=$(count "cause=notification" tftpd-sub2.log)
t0=$(now_ms)
expect 0 $T device add SEP00CC000000FF --model CP-8865 --data-dir pub
t1=$(now_ms)
served_by_all "$t1" SEP00CC000000FF.cnf.xml.sgn > delays.txt
echo "figure: device add took $((t1 - t0)) ms; served after it returned by" \
	"$(tr '\n' ' ' < delays.txt)(ms, TFTP polled every 50 ms)"
for n in $NODES; do
	grep -q "event=changed cause=notification" tftpd-$n.log ||
		fail "$n's reload was not caused by a notification: $(tail -5 tftpd-$n.log)"
done
[ "$(cat sub1/generation)" = "$gen_sub1" ] || fail "sub1's generation file moved"
# both workers of sub2 were told
wait_log "cause=notification" tftpd-sub2.log $((notif_sub2 + 2))
wait_log "event=changed cause=notification" tvsd.log 1
echo "a device added is served by every node, without a SIGHUP: ok"

# ---- the node table: the generation each node serves ----
want=$(pg_sql "SELECT value FROM state WHERE key = 'generation'")
for n in $NODES; do
	for _ in $(seq 100); do
		[ "$(pg_sql "SELECT generation FROM node WHERE name = '$n'")" = "$want" ] && break
		sleep 0.05
	done
	[ "$(pg_sql "SELECT generation FROM node WHERE name = '$n'")" = "$want" ] ||
		fail "node $n: generation $(pg_sql "SELECT generation FROM node WHERE name = '$n'"), not $want"
	[ "$(pg_sql "SELECT last_seen > 0 FROM node WHERE name = '$n'")" = t ] ||
		fail "node $n: no last_seen"
done
echo "the node table says what each node serves: ok"

# ---- a certificate regenerated: every node's ITL changes ----
for n in $NODES; do get $n ITLFile.tlv && cp got/ITLFile.tlv itl-$n.before; done
t1=$(now_ms)
expect 0 $T cert generate CallManager --node pub --force --data-dir pub
for n in $NODES; do
	for _ in $(seq 200); do
		get $n ITLFile.tlv && ! cmp -s got/ITLFile.tlv itl-$n.before && break
		sleep 0.05
	done
	cmp -s got/ITLFile.tlv itl-$n.before && fail "$n's ITL did not change"
	$T itl show got/ITLFile.tlv --json > itl-$n.json
	[ "$(json itl-$n.json 'd["verified"]')" = True ] || fail "$n's new ITL does not verify"
	echo "$n $(( $(now_ms) - t1 ))"
done > itl-delays.txt
echo "figure: new CallManager certificate in each node's ITL after $(tr '\n' ' ' < itl-delays.txt)(ms)"
echo "a certificate regenerated changes every node's ITL: ok"

# ---- PostgreSQL down for 10 s while a fleet boots ----
pg_stop
t_down=$(now_ms)
for n in $NODES; do wait_log "event=database state=degraded" tftpd-$n.log 1; done
wait_log "event=database state=degraded" tvsd.log 1
# the 50 phones from each node in turn, sub1's through sub1's TVS
for n in $NODES; do
	eval "p=\$P_$n"
	"$PS" fleet --count 50 --concurrency 10 --mac-base 00CC00000000 --memory \
		--timeout 2000 --tftp 127.0.0.1:"$p" --tvs 127.0.0.1:"$TVS" \
		--report fleet-$n.json > fleet-$n.out 2>&1 ||
		fail "fleet from $n while the database is down: $(cat fleet-$n.out)"
	[ "$(json fleet-$n.json 'd["trusted"]')" = 50 ] || fail "phones lost: $(cat fleet-$n.out)"
	[ "$(json fleet-$n.json 'd["errors"]')" = 0 ] || fail "errors: $(cat fleet-$n.out)"
done
left=$(( 10000 - ($(now_ms) - t_down) ))
[ "$left" -gt 0 ] && sleep "$(printf '%d.%03d' $((left / 1000)) $((left % 1000)))"
pg_up
t1=$(now_ms)
expect 0 $T device add SEP00CC000000FE --model CP-8865 --data-dir pub
served_by_all "$t1" SEP00CC000000FE.cnf.xml.sgn > delays.txt
for n in $NODES; do
	wait_log "event=database state=ok" tftpd-$n.log 1
	[ "$(count "state=degraded" tftpd-$n.log)" = "$(count "cause=reconnect" tftpd-$n.log)" ] ||
		fail "$n: degraded logged more than once per outage"
	sed -n '/state=degraded/,$p' tftpd-$n.log | grep -q "event=database state=ok" ||
		fail "$n: no ok after degraded"
done
wait_log "event=database state=ok" tvsd.log 1
echo "figure: 3 x 50 phones trusted with the database down; a device added after" \
	"it returned served by $(tr '\n' ' ' < delays.txt)(ms)"
echo "the database down for 10 s: ok"
echo "all passed"
