#!/bin/sh
# The device database: validation, add/set/remove, CSV import all-or-none.
set -eu
T=${TRUSTLINE:?}
. "$(dirname "$0")/common.sh"
export TRUSTLINE_DATA_DIR="$PWD/dd"
expect 0 $T cluster init --name lab --domain lab.example --nodes pub
expect 0 $T device --help
expect 0 $T device add sep001122334455 --model CP-8865 --profile encrypted --description "lab phone"
grep -q "added SEP001122334455" out.txt || fail "name not normalised"
expect 1 $T device add SEP001122334455 --model CP-8865
grep -q "device set" err.txt || fail "duplicate add hint"
for bad in SEP00112233445 SEP00112233445G XYZ001122334455; do
	expect 2 $T device add $bad --model CP-8865
done
expect 1 $T device add SEP001122334466
grep -q -- "--model" err.txt || fail "missing model message"
expect 1 $T device add SEP001122334466 --model CP-8865 --protocol H323
expect 2 $T device add SEP001122334466 --model CP-8865 --profile secret
expect 1 $T device set SEP00112233AAAA --model CP-8865
expect 0 $T device set SEP001122334455 --protocol sccp --description "desk 2"
expect 0 $T device show SEP001122334455 --json
json out.txt 'd["protocol"]+" "+d["description"]+" "+d["profile"]' | grep -qx "SCCP desk 2 encrypted" || fail "set"
mk mic
expect 0 $T device set SEP001122334455 --mic mic.crt
expect 0 $T device show SEP001122334455 --json
json out.txt 'd["mic"]' | grep -qx True || fail "mic not stored"

cat > ok.csv <<'X'
name,model,profile,description
SEP0000000000A1,CP-8845,authenticated,"first, with a comma"
SEP0000000000A2,CP-8845,,"second ""quoted"""
X
expect 0 $T device import ok.csv
grep -q "imported 2" out.txt || fail "import count"
expect 0 $T device show SEP0000000000A1 --json
json out.txt 'd["description"]' | grep -qx "first, with a comma" || fail "CSV quoting"
expect 0 $T device show SEP0000000000A2 --json
json out.txt 'd["description"]+"/"+d["profile"]' | grep -qx 'second "quoted"/non-secure' || fail "CSV escaped quote"
printf 'name,model\nSEP0000000000B1,CP-8845\nSEP0000000000B2\n' > short.csv
expect 1 $T device import short.csv
grep -q "short.csv: line 3" err.txt || fail "line number: $(cat err.txt)"
printf 'name,model\nSEP0000000000B1,CP-8845\nSEP0000000000A1,CP-8845\n' > dup.csv
expect 1 $T device import dup.csv
grep -q "dup.csv: line 3" err.txt || fail "duplicate line"
printf 'name,colour\nSEP0000000000C1,red\n' > col.csv
expect 1 $T device import col.csv
expect 0 $T device list --json
[ "$(json out.txt 'len(d)')" = 3 ] || fail "a failed import left rows behind"
expect 0 $T device remove SEP0000000000A1
expect 1 $T device remove SEP0000000000A1
expect 0 $T device list
[ "$(wc -l < out.txt)" -eq 2 ] || fail "list after remove"

# --data-dir names the store for every subcommand, wherever it comes
unset TRUSTLINE_DATA_DIR
expect 0 $T cluster init --name other --domain lab.example --nodes pub --data-dir ./other
expect 0 $T device add SEP0000000000B1 --model CP-8865 --data-dir ./other
expect 0 $T device set SEP0000000000B1 --data-dir ./other --description lobby
expect 0 $T device show SEP0000000000B1 --data-dir ./other
grep -q lobby out.txt || fail "device set --data-dir"
expect 0 $T device remove SEP0000000000B1 --data-dir ./other
echo "all passed"
