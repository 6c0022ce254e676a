# The planner on a cluster whose database is PostgreSQL: the plan's copy
# of the database is a SQLite file made from the cluster's tables, so the
# plan is the one a SQLite store of the same rows gives, and the cluster's
# database is not written.
set -eu
. "$(dirname "$0")/pg.sh"
. "$(dirname "$0")/../cli/common.sh"
pg_start
T=$TRUSTLINE

expect 0 $T cluster init --name lab --domain lab.example --nodes pub \
	--key rsa:2048 --database "$PGURL" --data-dir pub
expect 0 $T cluster init --name lab --domain lab.example --nodes pub \
	--key rsa:2048 --data-dir lite
for m in 001122334455 001122334456; do
	for d in pub lite; do
		expect 0 $T device add SEP$m --model CP-8865 --description "desk $m" --data-dir $d
	done
done
before=$(pg_sql "SELECT count(*) FROM audit")
expect 0 $T plan cert generate CallManager --json --data-dir pub
cp out.txt pg.json
[ "$(json pg.json 'd["phones"]')" = 2 ] || fail "$(cat pg.json)"
[ "$(json pg.json 'd["groups"][0]["outcome"]')" = "accepts via TVS" ] || fail "$(cat pg.json)"
expect 0 $T plan cert generate CallManager --json --data-dir lite
# the same outcomes as a SQLite store's of the same devices
[ "$(json pg.json '[(x["device"], x["after"], x["via_tvs"]) for x in d["devices"]]')" = \
  "$(json out.txt '[(x["device"], x["after"], x["via_tvs"]) for x in d["devices"]]')" ] ||
	fail "PostgreSQL's plan $(cat pg.json), SQLite's $(cat out.txt)"
expect 1 $T plan cert generate TVS CallManager --force --json --data-dir pub
[ "$(json out.txt 'd["stranded"]')" = 2 ] || fail "$(cat out.txt)"
# the cluster's database was only read: no audit row, no new certificate
[ "$(pg_sql "SELECT count(*) FROM audit")" = "$before" ] || fail "the plan wrote the audit log"
[ "$(pg_sql "SELECT count(*) FROM device")" = 2 ] || fail "devices changed"
grep -q "^url = $PGURL" pub/trustline.conf || fail "trustline.conf lost its database"
# a real change on the cluster's database (cert generate plans it first),
# then a plan on what it left: phones never booted are derived from what is
# served now, the new ITL, so CallManager strands none of them
expect 0 $T cert generate TVS --data-dir pub
[ "$(pg_sql "SELECT count(*) FROM audit")" -gt "$before" ] || fail "the change is not audited"
expect 0 $T plan cert generate CallManager --force --json --data-dir pub
[ "$(json out.txt '(d["phones"], d["stranded"])')" = "(2, 0)" ] || fail "$(cat out.txt)"
