#!/bin/sh
# Three TFTP nodes in one data directory (cluster add-node --tftp), a tftpd
# for each with --node on 127.0.0.1: each node's ITL and configurations are
# signed by its own CallManager key (openssl checks them against that
# node's certificate, and not the publisher's), an ITL reset goes out as it
# is from every node, phone-sim boots from each
# and a phone moving between nodes accepts through TVS (asked in order,
# past a closed port); then a fleet is given two TFTP servers, the first is
# killed mid-fleet, and every phone boots from the second.
set -eu
T=${TRUSTLINE:?}
B=${BUILD_DIR:?}
PS=$B/bin/phone-sim
. "$(dirname "$0")/common.sh"
export TRUSTLINE_DATA_DIR="$PWD/dd"
chmod 755 "$PWD"
pids=""
trap 'for p in $pids; do kill $p 2>/dev/null || true; done' EXIT
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
count() { grep -c "$1" "$2" || true; }

$T cluster init --name lab --domain lab.example --nodes cucm-pub > /dev/null
expect 0 $T cluster add-node sub1 --tftp
expect 0 $T cluster add-node sub2 --tftp
expect 0 $T cluster add-node app1
{
	echo "name,model"
	for i in $(seq 0 199); do printf 'SEP00BB0000%04X,CP-8865\n' "$i"; done
} > devices.csv
expect 0 $T device import devices.csv
sed -i "s/^per_ip_rate = .*/per_ip_rate = 0/" dd/trustline.conf
: > servers.conf	# the administrator's file: the daemons' sections only
conf_set servers.conf tftp user="$(id -un)" per_client_rate=0
conf_set servers.conf tvs user="$(id -un)"

# ---- --node is checked: a TFTP node, else the list of them ----
expect 1 "$B/bin/tftpd" -c servers.conf --node nosuch --check-config
grep -q "nosuch is not a TFTP node of this cluster; the TFTP nodes are cucm-pub, sub1, sub2" err.txt ||
	fail "unknown node: $(cat err.txt)"
expect 1 "$B/bin/tftpd" -c servers.conf --node app1 --check-config
grep -q "app1 is not a TFTP node" err.txt || fail "non-TFTP node: $(cat err.txt)"
cp servers.conf bad.conf
conf_set bad.conf tftp node=nosuch
expect 1 "$B/bin/tftpd" -c bad.conf --check-config
grep -q "\[tftp\] node: nosuch is not a TFTP node" err.txt || fail "[tftp] node: $(cat err.txt)"
expect 0 "$B/bin/tftpd" -c servers.conf --node sub1 --check-config
grep -q "keys of TFTP node sub1 OK" out.txt || fail "--check-config: $(cat out.txt)"
"$B/bin/tftpd" --help | grep -q -- "--node NAME" || fail "--help names --node"
"$PS" fleet --help | grep -q -- "--tftp HOST\[:PORT\]\[,HOST\[:PORT\]...\]" || fail "fleet --help"
echo "--node checked: ok"

# ---- a tftpd per node, one tvsd ----
for n in cucm-pub sub1 sub2; do
	"$B/bin/tftpd" -c servers.conf --node $n --listen 127.0.0.1 --port 0 --http-port -1 \
		--foreground 2> tftpd-$n.log &
	pids="$pids $!"
	eval "PID_$(echo $n | tr -d -)=$!"
	eval "P_$(echo $n | tr -d -)=$(started tftpd-$n.log $!)"
done
"$B/bin/tvsd" -c servers.conf --listen 127.0.0.1 --port 0 --foreground 2> tvsd.log &
pids="$pids $!"; TVS=$(started tvsd.log $!)
CLOSED=$(free_port)

# ---- each node's files are signed by its own CallManager key ----
for n in cucm-pub sub1 sub2; do
	eval "P=\$P_$(echo $n | tr -d -)"
	openssl x509 -in dd/certs/CallManager/$n.pem -pubkey -noout > $n.pub
	# fetched with Debian's tftp-hpa, a client of its own
	rm -f ITLFile.tlv SEP00BB00000001.cnf.xml.sgn
	tftp 127.0.0.1 "$P" -m binary -c get ITLFile.tlv
	tftp 127.0.0.1 "$P" -m binary -c get SEP00BB00000001.cnf.xml.sgn
	$T itl show ITLFile.tlv --json > itl-$n.json
	[ "$(json itl-$n.json 'd["signer"]')" = "O=lab,OU=VoIP,CN=$n.lab.example" ] ||
		fail "$n's ITL signed by $(json itl-$n.json 'd["signer"]')"
	[ "$(json itl-$n.json 'd["verified"]')" = True ] || fail "$n's ITL does not verify"
	check_sig ITLFile.tlv sha1 itl-$n.json $n.pub
	# every node's TVS certificate, every TFTP node's CallManager one
	for m in cucm-pub sub1 sub2 app1; do
		json itl-$n.json '[r["subject"] for r in d["records"] if r["role"] == 21]' |
			grep -q "CN=$m.lab.example-TVS" || fail "$n's ITL lacks $m's TVS record"
	done
	for m in cucm-pub sub1 sub2; do
		json itl-$n.json '[r["subject"] for r in d["records"] if r["role"] == 2]' |
			grep -q "CN=$m.lab.example'" || fail "$n's ITL lacks $m's CallManager record"
	done
	$T sgn show SEP00BB00000001.cnf.xml.sgn --json > sgn-$n.json
	[ "$(json sgn-$n.json 'd["signer"]')" = "O=lab,OU=VoIP,CN=$n.lab.example" ] ||
		fail "$n's configuration signed by $(json sgn-$n.json 'd["signer"]')"
	check_sig SEP00BB00000001.cnf.xml.sgn sha1 sgn-$n.json $n.pub
	cp ITLFile.tlv itl-$n.tlv
done
# the oracle tells the signers apart: node 2's ITL does not verify against
# the publisher's key
! (check_sig itl-sub1.tlv sha1 itl-sub1.json cucm-pub.pub) > /dev/null 2>&1 ||
	fail "sub1's ITL verifies against the publisher's key"
# the same timestamp as the data directory's ITL: the nodes change theirs together
want=$($T itl show dd/tftpboot/ITLFile.tlv --json > dd-itl.json && json dd-itl.json 'd["timestamp"]')
[ "$(json itl-sub2.json 'd["timestamp"]')" = "$want" ] || fail "timestamp"
echo "each node signs its own files (openssl): ok"

# ---- an ITL reset (signed by ITLRecovery) is served as it is by every node ----
n=$(count event=render tftpd-sub2.log)
expect 0 $T itl reset --recovery
for _ in $(seq 100); do
	[ "$(count event=render tftpd-sub2.log)" -gt "$n" ] && break
	sleep 0.05
done
[ "$(count event=render tftpd-sub2.log)" -gt "$n" ] || fail "sub2 did not reload"
rm -f ITLFile.tlv
tftp 127.0.0.1 "$P_sub2" -m binary -c get ITLFile.tlv
cmp -s ITLFile.tlv dd/tftpboot/ITLFile.tlv || fail "sub2 re-signed the ITL reset"
n=$(count event=render tftpd-sub2.log)
expect 0 $T itl rebuild
for _ in $(seq 100); do
	[ "$(count event=render tftpd-sub2.log)" -gt "$n" ] && break
	sleep 0.05
done
rm -f ITLFile.tlv
tftp 127.0.0.1 "$P_sub2" -m binary -c get ITLFile.tlv
$T itl show ITLFile.tlv --json > itl-back.json
[ "$(json itl-back.json 'd["signer"]')" = "O=lab,OU=VoIP,CN=sub2.lab.example" ] ||
	fail "after the rebuild sub2 serves an ITL signed by $(json itl-back.json 'd["signer"]')"
echo "an ITL reset is served as it is: ok"

# ---- phone-sim boots from each node ----
for n in cucm-pub sub1 sub2; do
	eval "P=\$P_$(echo $n | tr -d -)"
	expect 0 "$PS" boot --state ph-$n --mac 00BB00000002 --tftp 127.0.0.1:"$P"
	grep -q "^ITL .* signer O=lab,OU=VoIP,CN=$n.lab.example .*trust on first use -> ACCEPTED" out.txt ||
		fail "boot from $n: $(cat out.txt)"
	grep -q "^CONF .* signer O=lab,OU=VoIP,CN=$n.lab.example .* = CCM+TFTP record .* -> ACCEPTED" out.txt ||
		fail "configuration from $n: $(cat out.txt)"
done
# a phone that holds sub1's ITL boots from sub2: TVS, past a closed port,
# vouches for sub2's CallManager
expect 0 "$PS" boot --state ph-sub1 --mac 00BB00000002 --tftp 127.0.0.1:"$P_sub2" \
	--tvs 127.0.0.1:"$CLOSED",127.0.0.1:"$TVS" --json
[ "$(json out.txt 'd["result"]')" = trusted ] || fail "sub1 to sub2: $(cat out.txt err.txt)"
json out.txt 'd["steps"][1]["line"]' | grep -q "CN=sub2.lab.example .*TVS 127.0.0.1:$TVS" ||
	fail "TVS did not vouch: $(cat out.txt)"
echo "phone-sim boots from each node, moves through TVS: ok"

# ---- a boot fails over: the first server is a closed port ----
expect 0 "$PS" boot --state ph-fo --mac 00BB00000003 --timeout 1000 \
	--tftp 127.0.0.1:"$CLOSED",127.0.0.1:"$P_sub1"
grep -q "^TFTP  127.0.0.1:$CLOSED did not answer for CTLSEP00BB00000003.tlv: asking 127.0.0.1:$P_sub1" out.txt ||
	fail "failover line: $(cat out.txt)"
grep -q "^TFTP  SEP00BB00000003.cnf.xml.sgn served by 127.0.0.1:$P_sub1" out.txt ||
	fail "served by: $(cat out.txt)"
expect 0 "$PS" boot --state ph-fo2 --mac 00BB00000003 --timeout 1000 --json \
	--tftp 127.0.0.1:"$CLOSED",127.0.0.1:"$P_sub1"
[ "$(json out.txt 'd["failovers"]')" = 1 ] || fail "boot --json failovers: $(cat out.txt)"
[ "$(json out.txt 'd["steps"][2]["server"]')" = "127.0.0.1:$P_sub1" ] || fail "step server"
# every server silent: an error naming the last
expect 2 "$PS" boot --state ph-none --mac 00BB00000003 --timeout 500 \
	--tftp 127.0.0.1:"$CLOSED",127.0.0.1:"$CLOSED" --json
json out.txt 'd["reason"]' | grep -q "TFTP server 127.0.0.1:$CLOSED (the last of the list) did not answer" ||
	fail "no server: $(cat out.txt)"
expect 2 "$PS" boot --state ph-none --tftp 127.0.0.1:1,
grep -q "bad --tftp" err.txt || fail "trailing comma: $(cat err.txt)"
echo "boot fails over: ok"

# ---- kill a TFTP node mid-fleet: 0 phones lost ----
"$PS" fleet --count 200 --concurrency 20 --mac-base 00BB00000000 --memory --timeout 1000 \
	--tftp 127.0.0.1:"$P_sub1",127.0.0.1:"$P_sub2" --tvs 127.0.0.1:"$TVS" \
	--report fleet.json > fleet.out 2>&1 &
FLEET=$!
pids="$pids $FLEET"
for _ in $(seq 400); do
	[ "$(count event=transfer tftpd-sub1.log)" -ge 150 ] && break
	kill -0 $FLEET 2>/dev/null || break
	sleep 0.01
done
kill -0 $FLEET 2>/dev/null || fail "the fleet ended before sub1 was killed: $(cat fleet.out)"
kill -9 "$PID_sub1"
set +e; wait $FLEET; rc=$?; set -e
[ "$rc" = 0 ] || fail "fleet exited $rc: $(cat fleet.out)"
[ "$(json fleet.json 'd["trusted"]')" = 200 ] || fail "phones lost: $(cat fleet.out)"
[ "$(json fleet.json 'd["errors"]')" = 0 ] || fail "errors: $(cat fleet.out)"
fo=$(json fleet.json 'd["failed_over"]')
[ "$fo" -gt 0 ] || fail "no boot failed over: $(cat fleet.out)"
[ "$(json fleet.json 'd["tftp_servers"][1]["files"]')" -gt 0 ] || fail "sub2 served nothing"
grep -q "^TFTP servers: $fo boots needed a second server; 127.0.0.1:$P_sub1 served [0-9]* files, 127.0.0.1:$P_sub2 served [0-9]* files" \
	fleet.out || fail "fleet text: $(cat fleet.out)"
echo "figure: sub1 killed mid-fleet, 200 phones trusted, $fo boots failed over"
echo "kill a node mid-fleet: ok"
