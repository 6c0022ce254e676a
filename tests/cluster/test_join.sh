# A publisher and two subscribers on one PostgreSQL, each node in a data
# directory of its own holding only its own private keys: `cluster join`
# makes a subscriber from the database, every node's tftpd serves an ITL
# signed by that node listing all three, a second join of a name is
# refused and changes nothing, `cluster status` lists the nodes.
set -eu
. "$(dirname "$0")/pg.sh"
. "$(dirname "$0")/../cli/common.sh"
pg_start
T=$TRUSTLINE
B=$BUILD_DIR
chmod 755 "$PWD"
pids=""
trap 'for p in $pids; do kill $p 2>/dev/null || true; done; pg_stop; rm -rf "$PGDIR"' EXIT
NODES="pub sub1 sub2"

expect 0 $T cluster init --name lab --domain lab.example --nodes pub \
	--key rsa:2048 --database "$PGURL" --data-dir pub
[ "$(pg_sql "SELECT name || ' ' || services FROM node")" = "pub tftp,tvs,capf" ] ||
	fail "init's node row: $(pg_sql "SELECT * FROM node")"
[ -n "$(pg_sql "SELECT value FROM state WHERE key = 'cluster_settings'")" ] ||
	fail "init stored no settings for the subscribers"

# refused before anything is made: no cluster, a SQLite path, a password
# on the command line, a name in the cluster, capf on a subscriber
"$PGBIN/createdb" -h 127.0.0.1 -p "$PGPORT" -U trustline empty
expect 1 $T cluster join --node sub1 --database "${PGURL%/*}/empty" -d x
grep -q "holds no cluster.*cluster init" err.txt || fail "empty database: $(cat err.txt)"
expect 2 $T cluster join --node sub1 --database "$PWD/trustline.db" -d x
grep -q "only makes sense for a cluster sharing a PostgreSQL" err.txt || fail "SQLite: $(cat err.txt)"
expect 2 $T cluster join --node sub1 --database "$PGURL" --password secret -d x
grep -q "never given on the command line" err.txt || fail "password: $(cat err.txt)"
expect 1 $T cluster join --node pub --database "$PGURL" -d x
grep -q "node pub is already in the cluster lab: nothing was changed" err.txt ||
	fail "the publisher's name: $(cat err.txt)"
expect 2 $T cluster join --node sub1 --services tftp,capf --database "$PGURL" -d x
[ ! -e x ] && [ ! -e trustline.db ] || fail "a refused join left files"

expect 0 $T cluster join --node sub1 --database "$PGURL" -d sub1
expect 0 $T cluster join --node sub2 --services tftp,tvs --database "$PGURL" -d sub2
[ "$(pg_sql "SELECT string_agg(name || ' ' || services, ';' ORDER BY name) FROM node")" = \
  "pub tftp,tvs,capf;sub1 tftp,tvs;sub2 tftp,tvs" ] || fail "node rows: $(pg_sql "SELECT * FROM node")"

# each subscriber: its own keys only, mode 0600; no CAPF, no ITLRecovery
for n in sub1 sub2; do
	find $n/certs -name '*.key' | sort > keys.txt
	printf "$n/certs/%s/$n.key\n" CallManager CallManager-ECDSA TVS ipsec \
		tomcat tomcat-ECDSA | sort > want.txt
	diff want.txt keys.txt > /dev/null || { diff want.txt keys.txt; fail "$n's keys"; }
	for k in $(cat keys.txt); do
		[ "$(stat -c %a "$k")" = 600 ] || fail "$k is mode $(stat -c %a "$k")"
	done
	[ -z "$(find $n -name '.init-*' -o -name '.old-*')" ] || fail "$n: a stage is left"
done
[ "$(find pub/certs -name '*.key' | grep -c -e /sub1.key -e /sub2.key)" = 0 ] ||
	fail "the publisher holds a subscriber's key"
[ "$(pg_sql "SELECT count(*) FROM identity WHERE name = 'sub2' AND purpose IN ('CallManager','TVS')")" = 2 ] ||
	fail "sub2's certificates are not in the database"

# a second sub1: refused, and the database and the directories as they were
pg_sql "SELECT purpose, name, encode(der, 'hex') FROM identity ORDER BY 1, 2" > id.before
gen=$(pg_sql "SELECT value FROM state WHERE key = 'generation'")
(cd sub1 && find . -type f | sort | xargs sha256sum) > sub1.before
expect 1 $T cluster join --node sub1 --database "$PGURL" -d sub1b
grep -q "node sub1 is already in the cluster lab: nothing was changed" err.txt ||
	fail "duplicate join: $(cat err.txt)"
[ ! -e sub1b ] || fail "the refused join left sub1b"
pg_sql "SELECT purpose, name, encode(der, 'hex') FROM identity ORDER BY 1, 2" > id.after
cmp -s id.before id.after || fail "the refused join changed the identity table"
[ "$(pg_sql "SELECT value FROM state WHERE key = 'generation'")" = "$gen" ] ||
	fail "the refused join moved the generation"
(cd sub1 && find . -type f | sort | xargs sha256sum) | cmp -s sub1.before - ||
	fail "the refused join changed sub1"
expect 1 $T cluster join --node sub3 --database "$PGURL" -d sub1
grep -q "already holds\|not empty" err.txt || fail "a used directory: $(cat err.txt)"

# a join that fails half-way (the database refuses sub3's TVS certificate
# after its row and its first certificates went in): nothing of it stays
pg_sql "CREATE FUNCTION no_sub3() RETURNS trigger LANGUAGE plpgsql AS \$\$ BEGIN
	IF NEW.name = 'sub3' AND NEW.purpose = 'TVS' THEN RAISE EXCEPTION 'refused by the test'; END IF;
	RETURN NEW; END \$\$; CREATE TRIGGER no_sub3 BEFORE INSERT ON identity
	FOR EACH ROW EXECUTE FUNCTION no_sub3()"
expect 1 $T cluster join --node sub3 --database "$PGURL" -d sub3
grep -q "refused by the test" err.txt || fail "the failed join: $(cat err.txt)"
grep -q "created CallManager of sub3" out.txt || fail "the join failed before it made anything"
[ ! -e sub3 ] || fail "the failed join left $(find sub3)"
[ "$(pg_sql "SELECT count(*) FROM node WHERE name = 'sub3'")" = 0 ] || fail "sub3's row stayed"
[ "$(pg_sql "SELECT count(*) FROM identity WHERE name = 'sub3'")" = 0 ] ||
	fail "sub3's certificates stayed"
[ "$(pg_sql "SELECT count(*) FROM trust WHERE name LIKE 'sub3%'")" = 0 ] ||
	fail "sub3's trust-store copies stayed"
[ "$(pg_sql "SELECT value FROM state WHERE key = 'generation'")" = "$gen" ] ||
	fail "the failed join moved the generation"
pg_sql "DROP TRIGGER no_sub3 ON identity"

# every node's tftpd, each from its own data directory, serves an ITL signed
# by that node's CallManager key that lists all three nodes
: > servers.conf
conf_set servers.conf tftp user="$(id -un)" per_client_rate=0
for n in $NODES; do
	"$B/bin/tftpd" -c servers.conf --data-dir $n --node $n --listen 127.0.0.1 \
		--port 0 --http-port -1 --foreground 2> tftpd-$n.log &
	pids="$pids $!"
	P=$(started tftpd-$n.log $!)
	rm -f ITLFile.tlv
	tftp 127.0.0.1 "$P" -m binary -c get ITLFile.tlv
	mv ITLFile.tlv itl-$n.tlv
	$T itl show itl-$n.tlv --json > itl-$n.json
	[ "$(json itl-$n.json 'd["signer"]')" = "O=lab,OU=VoIP,CN=$n.lab.example" ] ||
		fail "$n's ITL is signed by $(json itl-$n.json 'd["signer"]')"
	openssl x509 -in $n/certs/CallManager/$n.pem -pubkey -noout > $n.pub
	check_sig itl-$n.tlv sha1 itl-$n.json $n.pub
	for m in $NODES; do
		cm=$(openssl x509 -in $m/certs/CallManager/$m.pem -outform DER | sha256sum | cut -d' ' -f1)
		tvs=$(openssl x509 -in $m/certs/TVS/$m.pem -outform DER | sha1sum | cut -d' ' -f1)
		json itl-$n.json '[r.get("certificate_sha256") for r in d["records"] if r["role_name"] == "CCM+TFTP"]' |
			grep -q "$cm" || fail "$n's ITL lacks $m's CallManager certificate"
		json itl-$n.json '[r.get("cert_hash") for r in d["records"] if r["role_name"] == "TVS"]' |
			grep -q "$tvs" || fail "$n's ITL lacks $m's TVS certificate"
	done
done
echo "each node's ITL, signed by it, lists all three: ok"

# trustline on the publisher builds the same list
expect 0 $T itl rebuild --data-dir pub
$T itl show --json --data-dir pub > itl-pub-rebuilt.json
[ "$(json itl-pub-rebuilt.json 'len([r for r in d["records"] if r["role_name"] in ("CCM+TFTP", "TVS")])')" = 6 ] ||
	fail "the publisher's rebuilt ITL: $(json itl-pub-rebuilt.json '[r["subject"] for r in d["records"]]')"

# status: every node, from any node
expect 0 $T cluster status --json --data-dir sub2
python3 -c 'import json,sys; json.load(open(sys.argv[1]))' out.txt || fail "status --json is not JSON"
cp out.txt status.json
json_ok status.json
[ "$(json status.json '",".join(n["name"] + ":" + n["services"] for n in d["nodes"])')" = \
  "pub:tftp,tvs,capf,sub1:tftp,tvs,sub2:tftp,tvs" ] || fail "status nodes: $(cat status.json)"
[ "$(json status.json 'd["generation"]')" = "$(pg_sql "SELECT value FROM state WHERE key = 'generation'")" ] ||
	fail "status generation: $(json status.json 'd["generation"]')"
# each node's tftpd above recorded what it served, and when
[ "$(json status.json '[n["last_seen"] is not None and n["generation"] > 0 for n in d["nodes"]]')" = "[True, True, True]" ] ||
	fail "a node whose tftpd ran is not seen: $(cat status.json)"
expect 0 $T cluster status --data-dir pub
grep -q "^sub2 .*tftp,tvs " out.txt || fail "status text: $(cat out.txt)"
echo "all passed"
