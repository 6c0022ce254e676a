#!/bin/sh
# trustline plan: nothing in the data directory changes; a change that
# strands phones is named, with exit 1 and the order that keeps them
# working; `cert generate` refuses it without --force, printing the plan.
set -eu
. "$(dirname "$0")/common.sh"
T=${TRUSTLINE:?}
export TRUSTLINE_DATA_DIR="$PWD/dd"
expect 0 $T cluster init --name lab --domain lab.example --nodes cucm-pub --data-dir "$PWD/dd"
for m in 001122334455 001122334456 001122334457; do
	expect 0 $T device add SEP$m --model CP-8865
done
expect 0 $T plan --help
grep -q "plan cert generate PURPOSE" out.txt || fail "plan --help: $(cat out.txt)"
expect 0 $T plan cert generate --help
expect 2 $T plan cert
expect 2 $T plan cert generate
expect 2 $T plan security-mode sideways
expect 1 $T plan cert generate NoSuchPurpose
grep -q "refused, nothing planned: .*unknown purpose" err.txt || fail "$(cat err.txt)"

# the data directory, files and database, as it is
snap() {
	(cd dd && find . -type f ! -name 'trustline.db*' | sort | xargs sha256sum
	 sqlite3 trustline.db .dump) > "$1"
}
snap before.txt
expect 0 $T plan cert generate TVS
grep -q "phones: 3, stranded: 0" out.txt || fail "$(cat out.txt)"
grep -q "^ *3  accepts: the new files are signed by certificates it trusts" out.txt ||
	fail "$(cat out.txt)"
expect 0 $T plan cert generate CallManager --json
[ "$(json out.txt 'd["groups"][0]["outcome"]')" = "accepts via TVS" ] || fail "$(cat out.txt)"
[ "$(json out.txt 'd["devices"][2]["device"]')" = SEP001122334457 ] || fail "$(cat out.txt)"
[ "$(json out.txt 'd["order"]')" = None ] || fail "$(cat out.txt)"
expect 1 $T plan cert generate TVS CallManager --force
grep -q "^ *3  stuck: .*needs erase or ITLRecovery" out.txt || fail "$(cat out.txt)"
grep -q "safe order: cert generate TVS, wait for every phone to fetch .* then cert generate CallManager" \
	out.txt || fail "$(cat out.txt)"
expect 0 $T plan security-mode mixed
snap after.txt
cmp -s before.txt after.txt || { diff before.txt after.txt; fail "a plan changed dd"; }

# phones still holding the ITL from before TVS was regenerated (dd serves
# it) and the interval rule's 5 minutes over: regenerating CallManager now
# strands them, and cert generate refuses without --force
cp dd/tftpboot/ITLFile.tlv old-itl.tlv
expect 0 $T cert generate TVS
cp old-itl.tlv dd/tftpboot/ITLFile.tlv
sqlite3 dd/trustline.db "UPDATE state SET value = value - 600 WHERE key LIKE 'regenerated:%'"
expect 0 $T cert export CallManager -o cm-before.pem
expect 1 $T cert generate CallManager
grep -q "stranded: 3" out.txt || fail "the plan is not printed: $(cat out.txt)"
grep -q "would strand 3 phones .*--force" err.txt || fail "$(cat err.txt)"
expect 0 $T cert export CallManager -o cm-after.pem
cmp -s cm-before.pem cm-after.pem || fail "cert generate changed CallManager anyway"
expect 1 $T plan cert generate CallManager --json
[ "$(json out.txt 'd["stranded"]')" = 3 ] || fail "$(cat out.txt)"
expect 0 $T cert generate CallManager --force

# a phone booted against the real tftpd: its state before is the recorded
# one; once the ITL it holds is no longer served, its prediction is unknown
B=${BUILD_DIR:?}
pids=""
trap 'for p in $pids; do kill $p 2>/dev/null || true; done' EXIT
sed -i "s/^per_ip_rate = .*/per_ip_rate = 0/" dd/trustline.conf
: > servers.conf	# the daemons' sections only
conf_set servers.conf tftp user="$(id -un)" per_client_rate=0
conf_set servers.conf tvs user="$(id -un)"
"$B/bin/tftpd" -c servers.conf --listen 127.0.0.1 --port 0 --http-port 0 --foreground \
	2> tftpd.log &
pids="$pids $!"; TFTP=$(started tftpd.log $!)
"$B/bin/tvsd" -c servers.conf --listen 127.0.0.1 --port 0 --foreground 2> tvsd.log &
pids="$pids $!"; TVS=$(started tvsd.log $!)
expect 0 "$B/bin/phone-sim" boot --state phone --mac 001122334455 --model CP-8865 \
	--tftp 127.0.0.1:"$TFTP" --tvs 127.0.0.1:"$TVS"
for _ in $(seq 100); do	# tftpd records after the transfer, off the serving path
	$T device trust-state SEP001122334455 --json > ts.json
	[ "$(json ts.json "bool(d[0]['itl'] and d[0]['config'])")" = True ] && break
	sleep 0.1
done
expect 0 $T plan security-mode mixed
grep -q "^before: SEP001122334455 recorded 20" out.txt || fail "$(cat out.txt)"
grep -q "^before: SEP001122334456 derived: no record" out.txt || fail "$(cat out.txt)"
expect 0 $T plan security-mode mixed --json
[ "$(json out.txt 'd["devices"][0]["before_source"]')" = recorded ] || fail "$(cat out.txt)"
[ "$(json out.txt 'd["devices"][1]["recorded"]')" = None ] || fail "$(cat out.txt)"
itl=$(sha256sum dd/tftpboot/ITLFile.tlv | cut -d' ' -f1)
expect 0 $T cert generate TVS --force
expect 0 $T plan security-mode mixed --json
[ "$(json out.txt 'd["unknown"]')" = 1 ] || fail "$(cat out.txt)"
json out.txt 'd["devices"][0]["unknown"]' | grep -q "holds an ITL no longer served (ITLFile.tlv, sha256 $itl)" ||
	fail "$(cat out.txt)"
# plan cert import: its arguments read as cert import's, the import's own
# refusal (no pending CSR) the plan's
expect 2 $T plan cert import CallManager
grep -q "give PURPOSE and the CA-signed CERT" err.txt || fail "$(cat err.txt)"
expect 2 $T plan cert import CallManager missing.pem
pem=$(find dd -name '*.pem' | head -1)
expect 1 $T plan cert import CallManager "$pem" --json
grep -q "no pending CSR for CallManager" err.txt || fail "$(cat err.txt)"
# plan device capf: an encrypted phone with a MIC installs an LSC at its
# next boot (it trusts CAPF by its ITL) and takes the configuration then
# encrypted to it; fetch changes no certificate; the real command's
# refusals are the plan's
export TRUSTLINE_DATA_DIR="$PWD/cd"
expect 0 $T cluster init --name capf --domain lab.example --nodes cucm-pub --data-dir "$PWD/cd"
openssl req -x509 -newkey rsa:2048 -nodes -keyout mic.key -out mic.crt \
	-subj "/CN=CP-8865-SEP0011223344AA" -days 30 2>/dev/null
expect 0 $T device add SEP0011223344AA --model CP-8865 --profile encrypted --mic mic.crt
expect 0 $T device add SEP0011223344BB --model CP-8865
expect 0 $T plan device capf SEP0011223344AA --operation install --key rsa:2048 --json
[ "$(json out.txt '[d["devices"][i]["capf_done"] for i in (0, 1)]')" = "[True, False]" ] ||
	fail "$(cat out.txt)"
[ "$(json out.txt 'd["devices"][0]["after"]')" = trusted ] || fail "$(cat out.txt)"
expect 0 $T plan device capf SEP0011223344AA --operation fetch
grep -q "^       2  accepts: the new files" out.txt || fail "$(cat out.txt)"
expect 1 $T plan device capf SEP0011223344AA --operation install --key ec:256
grep -q "change would be refused" err.txt || fail "$(cat err.txt)"
expect 1 $T plan device capf SEP0011223344CC --operation install
grep -q "no such device" err.txt || fail "$(cat err.txt)"
expect 2 $T plan device capf SEP0011223344AA --operation bogus
expect 2 $T plan device capf SEP0011223344AA --operation install --key rsa:99
expect 2 $T plan device capf --operation install
[ -z "$($T device capf-status SEP0011223344AA --json | grep -o '"install"')" ] ||
	fail "the plan scheduled the operation for real"
# enough phones for the planner to walk them on two processes: every one
# of them in the plan, in order, each with its outcome
export TRUSTLINE_DATA_DIR="$PWD/many"
expect 0 $T cluster init --name many --domain lab.example --nodes cucm-pub --data-dir "$PWD/many"
python3 -c '
print("name,model,profile")
for i in range(1200): print("SEP%012X,CP-8865,authenticated" % (0x002200000000 + i))' > many.csv
expect 0 $T device import many.csv
expect 0 $T plan cert generate CallManager --json
[ "$(json out.txt '[x["device"] for x in d["devices"]] == ["SEP%012X" % (0x002200000000 + i) for i in range(1200)]')" = True ] ||
	fail "the plan's devices are not the 1200 phones in order"
[ "$(json out.txt '[(g["outcome"], g["count"]) for g in d["groups"]]')" = "[('accepts via TVS', 1200)]" ] ||
	fail "$(json out.txt 'd["groups"]')"
