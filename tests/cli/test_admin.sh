#!/bin/sh
# trustline admin: accounts of the web page, their checks and the audit log.
set -eu
. "$(dirname "$0")/common.sh"
T=${TRUSTLINE:?}
$T cluster init --name lab --domain lab.example --nodes cucm1 --data-dir dd > /dev/null 2>&1
echo 'good-password' | expect 0 $T admin add alice --data-dir dd
grep -q "added alice" out.txt || fail "admin add said: $(cat out.txt)"
# the hash only, never the password
python3 - dd/trustline.db <<'X' || fail "the password is stored in clear"
import sqlite3, sys
h = sqlite3.connect(sys.argv[1]).execute("SELECT hash FROM account").fetchone()[0]
assert h.startswith("pbkdf2-sha256$") and "good-password" not in h, h
X
echo 'good-password' | expect 1 $T admin add alice --data-dir dd
grep -q "exists" err.txt || fail "a second add: $(cat err.txt)"
echo 'short' | expect 1 $T admin add bob --data-dir dd
grep -q "shorter than 8" err.txt || fail "a short password: $(cat err.txt)"
echo 'good-password' | expect 2 $T admin add 'bad name' --data-dir dd
expect 0 $T admin list --json --data-dir dd
[ "$(json out.txt '[a["name"] for a in d]')" = "['alice']" ] || fail "list: $(cat out.txt)"
[ "$(json out.txt 'd[0]["locked_until"]')" = None ] || fail "locked_until is not null"
echo 'new-password' | expect 0 $T admin passwd alice --data-dir dd
echo 'new-password' | expect 1 $T admin passwd nobody --data-dir dd
expect 0 $T admin remove alice --data-dir dd
expect 1 $T admin remove alice --data-dir dd
expect 0 $T cert audit --data-dir dd
for a in "admin add" "admin passwd" "admin remove"; do
	grep -q "$a" out.txt || fail "the audit log lacks $a"
done
expect 0 $T admin --help
expect 0 $T admin add --help
echo "figure: admin add, passwd, remove, list"
