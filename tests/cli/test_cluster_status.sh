#!/bin/sh
# cluster status and cluster join without PostgreSQL: a SQLite data
# directory has no node table, so status lists the nodes of its
# trustline.conf and says so; join refuses what it cannot join, before it
# makes anything (tests/cluster/test_join.sh joins on a real PostgreSQL).
set -eu
T=${TRUSTLINE:?}
. "$(dirname "$0")/common.sh"

$T cluster init --name lab --domain lab.example --nodes pub,sub1 --tftp-nodes pub \
	--key ec:256 --data-dir dd > /dev/null
expect 0 $T cluster status --json --data-dir dd
cp out.txt status.json
json_ok status.json
[ "$(json status.json 'd["database"] + "/" + d["source"]')" = "sqlite/local configuration" ] ||
	fail "status does not say where its nodes come from: $(cat status.json)"
[ "$(json status.json '",".join(n["name"] + ":" + n["services"] for n in d["nodes"])')" = \
  "pub:tftp,tvs,capf,sub1:tvs" ] || fail "status nodes: $(cat status.json)"
[ "$(json status.json '[(n["last_seen"], n["generation"], n["lag"]) for n in d["nodes"]][0]')" = \
  "(None, None, None)" ] || fail "a SQLite node reports nothing: $(cat status.json)"
[ "$(json status.json 'd["generation"]')" -ge 1 ] || fail "the cluster's generation"
expect 0 $T cluster status --data-dir dd
grep -q "one data directory (SQLite)" out.txt || fail "status text: $(cat out.txt)"
expect 2 $T cluster status extra --data-dir dd

# join: a SQLite path, a password on the command line, capf, no node
expect 2 $T cluster join --node sub2 --database "$PWD/dd/trustline.db" -d sub2
grep -q "only makes sense for a cluster sharing a PostgreSQL" err.txt || fail "$(cat err.txt)"
expect 2 $T cluster join --node sub2 --database postgresql://tl@127.0.0.1:1/x --password pw -d sub2
grep -q "never given on the command line" err.txt || fail "$(cat err.txt)"
expect 2 $T cluster init --name lab --nodes pub --database postgresql://tl@127.0.0.1:1/x \
	--password pw --data-dir dd2
grep -q "never given on the command line" err.txt || fail "init --password: $(cat err.txt)"
expect 2 $T cluster join --node sub2 --services capf --database postgresql://tl@127.0.0.1:1/x -d sub2
grep -q "CAPF runs on the publisher" err.txt || fail "$(cat err.txt)"
expect 2 $T cluster join --database postgresql://tl@127.0.0.1:1/x -d sub2
# an unreachable database: refused, saying so, and no directory made
expect 1 $T cluster join --node sub2 --database postgresql://tl@127.0.0.1:1/x -d sub2
grep -q "unreachable" err.txt || fail "$(cat err.txt)"
[ ! -e sub2 ] && [ ! -e dd2 ] || fail "a refused join or init left a directory"
echo "all passed"
