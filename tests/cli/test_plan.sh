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
