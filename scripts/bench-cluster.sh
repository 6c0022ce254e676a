#!/bin/sh
# `make bench-cluster`: change propagation. BENCH_CLUSTER_CHANGES (default
# 20) devices are added one after the other with `trustline device add` on
# the publisher; for each, the time from the command returning until every
# one of three TFTP nodes' tftpd serves the new SEP<MAC>.cnf.xml.sgn
# (each node asked every 10 ms over TFTP), a random 0-2 s pause between
# changes. Twice: three nodes with data
# directories of their own on a PostgreSQL database of the bench's own
# (tests/cluster/pg.sh), which tftpd follows by LISTEN/NOTIFY, and the
# same three tftpds on one SQLite data directory, which they follow by
# looking at its generation file every 2 s. Numbers, not pass/fail.
set -eu
B=$(cd "${1:?usage: bench-cluster.sh BUILD_DIR}" && pwd)
T=$B/bin/trustline
GET=$B/tools/tftpget
N=${BENCH_CLUSTER_CHANGES:-20}
[ "$N" -ge 1 ] && [ "$N" -le 1000 ] || { echo "bench-cluster: BENCH_CLUSTER_CHANGES: 1 to 1000"; exit 2; }
HERE=$(cd "$(dirname "$0")" && pwd)
W=$(mktemp -d)
pids=""
cleanup() {
	for p in $pids; do kill "$p" 2>/dev/null || true; done
	[ -z "${PGDIR:-}" ] || { pg_stop; rm -rf "$PGDIR"; }
	rm -rf "$W"
}
trap cleanup EXIT
cd "$W"
chmod 755 "$W"
now_ms() { date +%s%3N; }
NODES="pub sub1 sub2"

start_nodes() {	# start_nodes DIR_OF_pub DIR_OF_sub1 DIR_OF_sub2
	pids=""
	: > servers.conf
	printf '[tftp]\nuser = %s\nper_client_rate = 0\n' "$(id -un)" > servers.conf
	set -- "$@"
	for n in $NODES; do
		dir=$1; shift
		"$B/bin/tftpd" -c servers.conf --data-dir "$dir" --node $n --listen 127.0.0.1 \
			--port 0 --http-port -1 --foreground 2> "tftpd-$n.log" &
		pids="$pids $!"
		for _ in $(seq 200); do
			grep -q "event=start" "tftpd-$n.log" 2>/dev/null && break
			sleep 0.05
		done
		p=$(sed -n 's/.*event=start.* port=\([0-9]*\).*/\1/p' "tftpd-$n.log" | head -1)
		[ -n "$p" ] || { cat "tftpd-$n.log"; echo "bench-cluster: tftpd $n did not start"; exit 1; }
		eval "P_$n=$p"
	done
}

stop_nodes() {
	for p in $pids; do kill "$p" 2>/dev/null || true; done
	for p in $pids; do wait "$p" 2>/dev/null || true; done
	pids=""
}

# run KEY DATA_DIR LABEL: N changes, each one's delay in ms into KEY.ms
run() {
	: > "$1.ms"
	for i in $(seq 1 "$N"); do
		mac=$(printf '00DD0000%04X' "$i")
		# a change comes at any time, not just after the last was served
		# (which would lock it to the 2 s look's phase)
		sleep "$(awk -v s="$i" 'BEGIN { srand(s); printf "%.3f", rand() * 2 }')"
		"$T" device add "SEP$mac" --model CP-8865 --data-dir "$2" > /dev/null
		t1=$(now_ms)
		for n in $NODES; do
			eval "p=\$P_$n"
			ok=0
			for _ in $(seq 3000); do	# 30 s
				if "$GET" -t 200 -r 1 127.0.0.1 "$p" "SEP$mac.cnf.xml.sgn" got.sgn \
					> /dev/null 2>&1; then ok=1; break; fi
				sleep 0.01
			done
			[ $ok = 1 ] || { echo "bench-cluster: $n never served SEP$mac"; exit 1; }
		done
		echo $(( $(now_ms) - t1 )) >> "$1.ms"
	done
	sort -n "$1.ms" | awk -v label="$3" -v n="$N" '
		{ v[NR] = $1 } END {
			med = (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2
			printf "%-40s %4d changes  median %6.0f ms  max %6d ms\n", label, n, med, v[NR]
		}'
}

init() {	# init DIR [--database URL]
	dir=$1; shift
	"$T" cluster init --name bench --domain bench.example --nodes pub,sub1,sub2 \
		--tftp-nodes pub,sub1,sub2 --key ec:256 --data-dir "$dir" "$@" > /dev/null
	sed -i "s/^per_ip_rate = .*/per_ip_rate = 0/" "$dir/trustline.conf"
}

echo "bench-cluster: a device added on the publisher until all three TFTP nodes serve it"
. "$HERE/../tests/cluster/pg.sh"
pg_start > /dev/null
trap cleanup EXIT	# pg_start's own trap would not stop the tftpds
init pg-pub --database "$PGURL"
cp -a pg-pub pg-sub1
cp -a pg-pub pg-sub2
start_nodes pg-pub pg-sub1 pg-sub2
run pg pg-pub "PostgreSQL, LISTEN/NOTIFY (3 data dirs)"
grep -c "cause=notification" tftpd-sub1.log | sed 's/^/    sub1 reloads caused by a notification: /'
stop_nodes

init lite
start_nodes lite lite lite
run lite lite "SQLite, generation file every 2 s"
stop_nodes
