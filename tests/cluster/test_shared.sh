# A cluster on PostgreSQL: its public certificates and trust stores are in
# the database and no private key ever is; a change made while the
# database is down is refused, saying why, and works once it is back.
set -eu
. "$(dirname "$0")/pg.sh"
. "$(dirname "$0")/../cli/common.sh"
. "$(dirname "$0")/../cli/faults.sh"
pg_start
T=$TRUSTLINE

expect 0 $T cluster init --name lab --domain lab.example --nodes pub,sub1 \
	--key rsa:2048 --database "$PGURL" --data-dir pub
grep -q "^url = $PGURL" pub/trustline.conf || fail "trustline.conf names no database"
[ "$(pg_sql "SELECT count(*) FROM identity WHERE name = 'sub1'")" -gt 0 ] ||
	fail "no certificate of sub1 in the database"
[ "$(pg_sql "SELECT count(*) FROM trust WHERE store = 'CallManager-trust'")" -ge 2 ] ||
	fail "CallManager-trust is not in the database"
[ "$(pg_sql "SELECT max(version) FROM schema_version")" -ge 2 ] || fail "schema_version"
[ "$(pg_sql "SELECT string_agg(name || ' ' || services, ';' ORDER BY name) FROM node")" = \
  "pub tftp,tvs,capf;sub1 tftp,tvs" ] || fail "init's node rows: $(pg_sql "SELECT * FROM node")"
expect 0 $T cluster add-node sub2 --data-dir pub
[ "$(pg_sql "SELECT services FROM node WHERE name = 'sub2'")" = tvs ] ||
	fail "add-node made no node row"

# the keys: files of mode 0600, never rows
nkeys=0
for k in $(find pub/certs -name '*.key'); do
	[ "$(stat -c %a "$k")" = 600 ] || fail "$k is mode $(stat -c %a "$k")"
	# the private number (RSA's d, EC's scalar) as the dump's hex would hold it
	python3 -c '
import sys
from cryptography.hazmat.primitives.serialization import load_pem_private_key
k = load_pem_private_key(open(sys.argv[1], "rb").read(), None)
n = k.private_numbers()
v = getattr(n, "d", None) or n.private_value
print(("%x" % v)[8:72])' "$k" > k.mid
	nkeys=$((nkeys + 1))
	"$PGBIN/pg_dump" "$PGURL" | tr -d '\n' | grep -qi "$(cat k.mid)" &&
		fail "the key of $k is in the database"
done
[ "$nkeys" -ge 6 ] || fail "only $nkeys keys"
"$PGBIN/pg_dump" "$PGURL" > dump.sql
grep -q "BEGIN .*PRIVATE KEY" dump.sql && fail "a PEM private key is in the database"

# devices are shared rows
expect 0 $T device add SEP001122334455 --model CP-8865 --data-dir pub
[ "$(pg_sql "SELECT model FROM device WHERE name = 'SEP001122334455'")" = CP-8865 ] ||
	fail "the device is not in the database"

# the database down: the change is refused, with what to do, and not made
pg_stop
expect 2 $T device add SEP0011223344AA --model CP-8865 --data-dir pub
grep -q "cluster database.*unreachable.*refused until" err.txt || { cat err.txt; fail "the error does not name the database"; }
pg_up
expect 0 $T device add SEP0011223344AA --model CP-8865 --data-dir pub
[ "$(pg_sql "SELECT count(*) FROM device")" = 2 ] || fail "devices after the outage"
# an add-node whose last step fails (the rename of the generation's copy,
# its last rename) is undone in the shared database too: its audit rows,
# its certificates and the generation are rolled back with the files
if faults_available; then
	fault_count rename $T cluster add-node sub4 --data-dir pub
	n=$(awk '$NF == "rename" { print $4 }' counts.txt)
	rows() { pg_sql "SELECT (SELECT count(*) FROM audit) || ' ' ||
		(SELECT count(*) FROM identity WHERE name = 'sub3') || ' ' ||
		(SELECT value FROM state WHERE key = 'generation')"; }
	was=$(rows)
	faulted "rename:error=EIO:when=$n" $T cluster add-node sub3 --data-dir pub
	[ "$fault_rc" -ne 0 ] || fail "add-node with its last rename failing succeeded"
	[ "$(rows)" = "$was" ] || fail "an undone add-node left rows (audit," \
		"sub3's certificates, generation): $was, now $(rows)"
	grep -q sub3 pub/trustline.conf && fail "an undone add-node left sub3 in trustline.conf"
	expect 0 $T cluster add-node sub3 --data-dir pub
	[ "$(pg_sql "SELECT count(*) FROM audit WHERE object = 'sub3'")" = 1 ] ||
		fail "the add-node done again has not one audit row"
fi
echo "all passed"
